/* Fuzz target: a unit file from bytes, through inifile.c (the reader that
 * feeds inih) and unitfile.c (keys, values, Exec*= splitting, finalize).
 *
 * EnvironmentFile= would open whatever path the input names (/dev/zero,
 * a FIFO, a terminal), which tests the machine rather than the parser, so
 * such inputs are skipped here; fuzz_envfile feeds that reader instead. */
#include "diag.h"
#include "fuzzutil.h"
#include "unitfile.h"

#include <stdbool.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct diag d = {0};
	struct unit_config *c;

	if (memmem(data, size, "EnvironmentFile", 15) != NULL)
		return -1;
	if (fd < 0)
		fd = fuzz_memfd("unit", path, sizeof(path));
	fuzz_memfd_set(fd, data, size);

	/* An instance name, so that %i and %p have something to expand. */
	c = unitfile_load(path, "fuzz@inst.service", &d);
	if (c != NULL) {
		FUZZ_ASSERT(unitfile_same_process(c, c));
		if (d.errors == 0) {
			/* A config without errors is one superd would run. */
			FUZZ_ASSERT(c->exec_start.n >= 1);
			for (size_t i = 0; i < c->exec_start.n; i++) {
				const struct execcmd *e = &c->exec_start.v[i];
				FUZZ_ASSERT(e->path != NULL && e->argc >= 1);
				FUZZ_ASSERT(e->argv[e->argc] == NULL);
			}
			FUZZ_ASSERT(c->restart_max_usec >= c->restart_usec);
		}
		(void)unitfile_getenv(c, "PATH", 4);
		unitfile_free(c);
	}
	for (size_t i = 0; i < d.n; i++)
		FUZZ_ASSERT(d.v[i].msg != NULL);
	diag_free(&d);
	return 0;
}
