/* Fuzz target: the ExecStart= splitter (execcmd_parse) and the list
 * splitter built on it (execcmd_split_words), with a small environment so
 * that ${VAR}, ${VAR:-alt}, $VAR word splitting and the % specifiers all
 * run. */
#include "execcmd.h"
#include "fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fuzz_env[] = {
	"FOO=foo",
	"TWO=a  b",
	"SPACEY= x\ty ",
	"EMPTY=",
	"QUOTES=\"'\\",
	NULL,
};

static const char *
fuzz_lookup(void *ctx, const char *name, size_t len)
{
	const char *const *env = ctx;

	for (size_t i = 0; env[i]; i++)
		if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
			return env[i] + len + 1;
	return NULL;
}

static int
count_word(void *ctx, const char *word)
{
	FUZZ_ASSERT(word != NULL);
	(*(size_t *)ctx)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct execcmd_context ctx = {
		.unit_name = "getty@tty1.service",
		.lookup = fuzz_lookup,
		.lookup_ctx = (void *)fuzz_env,
	};
	char *text = fuzz_strndup(data, size);
	struct execcmd cmd;
	char err[256];
	size_t words = 0;

	err[0] = '\0';
	if (execcmd_parse(text, &ctx, &cmd, err, sizeof(err)) == 0) {
		FUZZ_ASSERT(cmd.path != NULL);
		FUZZ_ASSERT(cmd.argc >= 1 && cmd.argv[cmd.argc] == NULL);
		for (size_t i = 0; i < cmd.argc; i++)
			FUZZ_ASSERT(cmd.argv[i] != NULL);
		FUZZ_ASSERT(cmd.text != NULL && strcmp(cmd.text, text) == 0);
		execcmd_free(&cmd);
	} else {
		FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
		FUZZ_ASSERT(cmd.argv == NULL && cmd.path == NULL && cmd.text == NULL);
	}

	err[0] = '\0';
	if (execcmd_split_words(text, count_word, &words, err, sizeof(err)) < 0)
		FUZZ_ASSERT(err[0] != '\0');
	free(text);
	return 0;
}
