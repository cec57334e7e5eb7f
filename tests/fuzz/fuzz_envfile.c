/* Fuzz target: an EnvironmentFile= from bytes.
 *
 * The reader is unitfile.c's load_env_file(), reached the way superd
 * reaches it: a fixed unit file names the input (a memfd) as its
 * EnvironmentFile=, and its ExecStart= expands variables the file may set,
 * so the values also go through the command splitter. */
#include "diag.h"
#include "fuzzutil.h"
#include "unitfile.h"

#include <ctype.h>
#include <stdbool.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
valid_assignment(const char *e)
{
	const char *eq = strchr(e, '=');

	if (eq == NULL || eq == e || isdigit((unsigned char)e[0]))
		return false;
	for (const char *p = e; p < eq; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int unit_fd = -1, env_fd = -1;
	static char unit_path[64], env_path[64];
	struct diag d = {0};
	struct unit_config *c;

	if (unit_fd < 0) {
		char unit[512];
		int n;
		env_fd = fuzz_memfd("env", env_path, sizeof(env_path));
		unit_fd = fuzz_memfd("unit", unit_path, sizeof(unit_path));
		n = snprintf(unit, sizeof(unit),
			     "[Service]\n"
			     "Environment=A=unit B=unit\n"
			     "EnvironmentFile=%s\n"
			     "UnsetEnvironment=DROP KEEP=exact\n"
			     "ExecStart=/bin/echo ${A} $B \"${C:-default}\" ${D:+set} $WORDS\n",
			     env_path);
		FUZZ_ASSERT(n > 0 && (size_t)n < sizeof(unit));
		fuzz_memfd_set(unit_fd, (const uint8_t *)unit, (size_t)n);
	}
	fuzz_memfd_set(env_fd, data, size);

	c = unitfile_load(unit_path, "fuzz.service", &d);
	FUZZ_ASSERT(c != NULL);
	for (size_t i = 0; i < c->environment.n; i++) {
		FUZZ_ASSERT(valid_assignment(c->environment.v[i]));
		FUZZ_ASSERT(strncmp(c->environment.v[i], "DROP=", 5) != 0);
	}
	FUZZ_ASSERT(c->environment.n == 0 || c->environment.v[c->environment.n] == NULL);
	unitfile_free(c);
	diag_free(&d);
	return 0;
}
