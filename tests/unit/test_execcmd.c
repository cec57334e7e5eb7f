/* Unit tests for execcmd.c: ExecStart= splitting as systemd does it. */
#include "execcmd.h"
#include "testutil.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* The unit environment the tests expand from. */
static const char *const test_env[] = {
	"FOO=foo",
	"TWO=a  b",	/* two words, two spaces */
	"SPACEY= x\ty ", /* leading, inner tab, trailing */
	"EMPTY=",
	"PORT=8080",
	"DIR=/srv/data dir",
	NULL,
};

static const char *
test_lookup(void *ctx, const char *name, size_t len)
{
	const char *const *env = ctx;
	for (size_t i = 0; env[i]; i++)
		if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
			return env[i] + len + 1;
	return NULL;
}

static const struct execcmd_context web_ctx = {
	.unit_name = "web.service",
	.lookup = test_lookup,
	.lookup_ctx = (void *)test_env,
};

static const struct execcmd_context inst_ctx = {
	.unit_name = "getty@tty1.service",
	.lookup = test_lookup,
	.lookup_ctx = (void *)test_env,
};

/* Parse text and check path, flags and the whole argv (NULL-terminated
 * list of expected words). */
static void
check_parse(int line, const struct execcmd_context *ctx, const char *text,
	    unsigned flags, const char *path, ...)
{
	struct execcmd cmd;
	char err[256] = "";
	va_list ap;
	size_t n = 0;

	if (!testutil_check_int(execcmd_parse(text, ctx, &cmd, err, sizeof(err)), 0,
				__FILE__, line, text, "0")) {
		fprintf(stderr, "  error: %s\n", err);
		return;
	}
	testutil_check_str(cmd.path, path, __FILE__, line, "path", path);
	testutil_check_int(cmd.flags, flags, __FILE__, line, "flags", "expected flags");
	va_start(ap, path);
	for (;;) {
		const char *want = va_arg(ap, const char *);
		if (want == NULL)
			break;
		if (n < cmd.argc)
			testutil_check_str(cmd.argv[n], want, __FILE__, line, "argv[i]", want);
		n++;
	}
	va_end(ap);
	if (testutil_check_int(cmd.argc, n, __FILE__, line, "argc", "expected argc"))
		testutil_check(cmd.argv[cmd.argc] == NULL, __FILE__, line,
			       "argv is NULL-terminated");
	execcmd_free(&cmd);
	testutil_check(cmd.argv == NULL && cmd.path == NULL && cmd.argc == 0, __FILE__,
		       line, "execcmd_free empties cmd");
}

/* Parse text and check that it fails with EINVAL, a message containing
 * msg, and an empty cmd. */
static void
check_error(int line, const char *text, const char *msg)
{
	struct execcmd cmd;
	char err[256] = "";

	memset(&cmd, 0x5a, sizeof(cmd));
	errno = 0;
	if (!testutil_check_int(execcmd_parse(text, &web_ctx, &cmd, err, sizeof(err)), -1,
				__FILE__, line, text, "-1")) {
		execcmd_free(&cmd);
		return;
	}
	testutil_check_int(errno, EINVAL, __FILE__, line, "errno", "EINVAL");
	if (!testutil_check(strstr(err, msg) != NULL, __FILE__, line, msg))
		fprintf(stderr, "  error was: \"%s\"\n", err);
	testutil_check(cmd.argv == NULL && cmd.path == NULL && cmd.argc == 0, __FILE__,
		       line, "cmd left empty on failure");
}

#define PARSE(text, flags, path, ...) \
	check_parse(__LINE__, &web_ctx, (text), (flags), (path), __VA_ARGS__, (const char *)NULL)
#define PARSE_CTX(ctx, text, flags, path, ...) \
	check_parse(__LINE__, (ctx), (text), (flags), (path), __VA_ARGS__, (const char *)NULL)
#define ERROR(text, msg) check_error(__LINE__, (text), (msg))

static void
test_words(void)
{
	PARSE("/bin/true", 0, "/bin/true", "/bin/true");
	PARSE("  /bin/echo   a\tb  ", 0, "/bin/echo", "/bin/echo", "a", "b");
	PARSE("sleep 5", 0, "sleep", "sleep", "5"); /* bare name: searched in PATH */
	PARSE("/bin/echo a=b --x=1", 0, "/bin/echo", "/bin/echo", "a=b", "--x=1");
}

static void
test_quotes(void)
{
	PARSE("/bin/echo \"a b\" 'c d'", 0, "/bin/echo", "/bin/echo", "a b", "c d");
	PARSE("/bin/echo a\"b c\"d", 0, "/bin/echo", "/bin/echo", "ab cd");
	PARSE("/bin/echo --opt='x y'", 0, "/bin/echo", "/bin/echo", "--opt=x y");
	PARSE("/bin/echo \"it's\" 'say \"hi\"'", 0, "/bin/echo", "/bin/echo", "it's",
	      "say \"hi\"");
	PARSE("/bin/echo \"\" ''", 0, "/bin/echo", "/bin/echo", "", "");
	PARSE("/bin/echo \"a\"'b'c", 0, "/bin/echo", "/bin/echo", "abc");
	PARSE("\"/bin/echo\" x", 0, "/bin/echo", "/bin/echo", "x");
	PARSE("/bin/sh -c \"echo a; echo b\"", 0, "/bin/sh", "/bin/sh", "-c",
	      "echo a; echo b");
	PARSE("/bin/echo \"a\\\"b\"", 0, "/bin/echo", "/bin/echo", "a\"b");
	ERROR("/bin/echo \"abc", "unterminated double quote");
	ERROR("/bin/echo 'abc", "unterminated single quote");
	ERROR("/bin/echo abc\"", "unterminated double quote");
}

static void
test_escapes(void)
{
	PARSE("/bin/echo \\x41", 0, "/bin/echo", "/bin/echo", "A");
	PARSE("/bin/echo \\101", 0, "/bin/echo", "/bin/echo", "A");
	PARSE("/bin/echo \\u00e9", 0, "/bin/echo", "/bin/echo", "\xc3\xa9");
	PARSE("/bin/echo \\U0001F600", 0, "/bin/echo", "/bin/echo", "\xf0\x9f\x98\x80");
	PARSE("/bin/echo \\u20ac", 0, "/bin/echo", "/bin/echo", "\xe2\x82\xac");
	PARSE("/bin/echo a\\sb", 0, "/bin/echo", "/bin/echo", "a b");
	PARSE("/bin/echo a\\ b", 0, "/bin/echo", "/bin/echo", "a b");
	PARSE("/bin/echo \\n\\t\\r\\a\\b\\f\\v", 0, "/bin/echo", "/bin/echo",
	      "\n\t\r\a\b\f\v");
	PARSE("/bin/echo \\\\ \\\" \\'", 0, "/bin/echo", "/bin/echo", "\\", "\"", "'");
	PARSE("/bin/echo \"\\x41\\t\" '\\u00e9'", 0, "/bin/echo", "/bin/echo", "A\t",
	      "\xc3\xa9");
	ERROR("/bin/echo foo\\", "trailing backslash");
	ERROR("/bin/echo \\q", "invalid escape");
	ERROR("/bin/echo \\x4", "invalid escape");
	ERROR("/bin/echo \\xZZ", "invalid escape");
	ERROR("/bin/echo \\x00", "invalid escape");
	ERROR("/bin/echo \\000", "invalid escape");
	ERROR("/bin/echo \\u00", "invalid escape");
	ERROR("/bin/echo \\ud800", "invalid code point");
	ERROR("/bin/echo \\U00110000", "invalid code point");
}

static void
test_semicolon(void)
{
	PARSE("/bin/echo \\;", 0, "/bin/echo", "/bin/echo", ";");
	PARSE("/bin/echo a;", 0, "/bin/echo", "/bin/echo", "a;");
	PARSE("/bin/echo ';' \";\"", 0, "/bin/echo", "/bin/echo", ";", ";");
	PARSE("/bin/echo ;;", 0, "/bin/echo", "/bin/echo", ";;");
	ERROR("/bin/echo a ; /bin/echo b", "lone ';'");
	ERROR("/bin/echo a ;", "lone ';'");
	/* In a command line, the message says what the ';' would do there. */
	ERROR("/bin/echo a ; /bin/echo b", "would separate commands");
	ERROR("/bin/echo a ; /bin/echo b", "one ExecStart= per command");
}

static void
test_specifiers(void)
{
	PARSE("/bin/echo %n %N %p %i 100%%", 0, "/bin/echo", "/bin/echo", "web.service",
	      "web", "web", "", "100%");
	PARSE_CTX(&inst_ctx, "/bin/echo %n %N %p %i %I", 0, "/bin/echo", "/bin/echo",
		  "getty@tty1.service", "getty@tty1", "getty", "tty1", "tty1");
	PARSE("/bin/echo --name=%N.sock", 0, "/bin/echo", "/bin/echo", "--name=web.sock");
	PARSE("/bin/echo \"%n\" '%N'", 0, "/bin/echo", "/bin/echo", "web.service", "web");
	ERROR("/bin/echo %", "'%' at end of line");
	ERROR("/bin/echo %z", "unsupported specifier '%z'");
}

static void
test_variables(void)
{
	/* ${VAR}: the exact value, as part of the word. */
	PARSE("/bin/echo ${FOO}", 0, "/bin/echo", "/bin/echo", "foo");
	PARSE("/bin/echo x${FOO}y", 0, "/bin/echo", "/bin/echo", "xfooy");
	PARSE("/bin/echo ${TWO}", 0, "/bin/echo", "/bin/echo", "a  b");
	PARSE("/bin/echo --port=${PORT}", 0, "/bin/echo", "/bin/echo", "--port=8080");
	PARSE("/bin/echo \"${DIR}/x\"", 0, "/bin/echo", "/bin/echo", "/srv/data dir/x");
	PARSE("/bin/echo ${UNSET}x", 0, "/bin/echo", "/bin/echo", "x");
	PARSE("/bin/echo ${UNSET} end", 0, "/bin/echo", "/bin/echo", "", "end");
	/* $VAR as a whole unquoted word: split at white space. */
	PARSE("/bin/echo $TWO", 0, "/bin/echo", "/bin/echo", "a", "b");
	PARSE("/bin/echo $SPACEY end", 0, "/bin/echo", "/bin/echo", "x", "y", "end");
	PARSE("/bin/echo $FOO", 0, "/bin/echo", "/bin/echo", "foo");
	PARSE("/bin/echo $UNSET end", 0, "/bin/echo", "/bin/echo", "end");
	PARSE("/bin/echo $EMPTY end", 0, "/bin/echo", "/bin/echo", "end");
	PARSE("/bin/echo \"$TWO\"", 0, "/bin/echo", "/bin/echo", "a  b");
	/* $$ is a literal $. */
	PARSE("/bin/echo $$ $$FOO a$$b", 0, "/bin/echo", "/bin/echo", "$", "$FOO", "a$b");
	PARSE("/bin/echo \"$$\"", 0, "/bin/echo", "/bin/echo", "$");
	/* A lone $ stays. */
	PARSE("/bin/echo $ a$", 0, "/bin/echo", "/bin/echo", "$", "a$");
	/* Defaults. */
	PARSE("/bin/echo ${UNSET:-dflt}", 0, "/bin/echo", "/bin/echo", "dflt");
	PARSE("/bin/echo ${EMPTY:-dflt}", 0, "/bin/echo", "/bin/echo", "dflt");
	PARSE("/bin/echo ${FOO:-dflt}", 0, "/bin/echo", "/bin/echo", "foo");
	PARSE("/bin/echo x${UNSET:-a b}y", 0, "/bin/echo", "/bin/echo", "xa by");
	PARSE("/bin/echo ${FOO:+alt} ${UNSET:+alt}z", 0, "/bin/echo", "/bin/echo", "alt",
	      "z");
	/* Variables in the path word itself. */
	PARSE("${DIR}/bin", 0, "/srv/data dir/bin", "/srv/data dir/bin");
	ERROR("/bin/echo ${", "invalid variable reference");
	ERROR("/bin/echo ${1X}", "invalid variable reference");
	ERROR("/bin/echo ${FOO", "unterminated");
	ERROR("/bin/echo ${FOO:-x", "unterminated");
}

static void
test_prefixes(void)
{
	PARSE("-/bin/false", EXECCMD_IGNORE_FAILURE, "/bin/false", "/bin/false");
	PARSE("@/bin/sleep mysleep 5", EXECCMD_ARGV0, "/bin/sleep", "mysleep", "5");
	PARSE("@/bin/sleep mysleep", EXECCMD_ARGV0, "/bin/sleep", "mysleep");
	PARSE(":/bin/echo $FOO ${FOO} $$", EXECCMD_NO_EXPAND, "/bin/echo", "/bin/echo",
	      "$FOO", "${FOO}", "$$");
	PARSE(":/bin/echo %n", EXECCMD_NO_EXPAND, "/bin/echo", "/bin/echo", "web.service");
	PARSE("+/bin/true", EXECCMD_PRIVILEGED, "/bin/true", "/bin/true");
	PARSE("!/bin/true", EXECCMD_PRIVILEGED, "/bin/true", "/bin/true");
	PARSE("!!/bin/true", EXECCMD_PRIVILEGED, "/bin/true", "/bin/true");
	PARSE("-@/bin/sleep s 1", EXECCMD_IGNORE_FAILURE | EXECCMD_ARGV0, "/bin/sleep", "s",
	      "1");
	PARSE("@-/bin/sleep s 1", EXECCMD_IGNORE_FAILURE | EXECCMD_ARGV0, "/bin/sleep", "s",
	      "1");
	PARSE("-:/bin/echo $FOO", EXECCMD_IGNORE_FAILURE | EXECCMD_NO_EXPAND, "/bin/echo",
	      "/bin/echo", "$FOO");
	PARSE("  -/bin/false", EXECCMD_IGNORE_FAILURE, "/bin/false", "/bin/false");
	/* A dash later in the line is an argument. */
	PARSE("/bin/echo -n -", 0, "/bin/echo", "/bin/echo", "-n", "-");
	ERROR("@/bin/sleep", "'@' prefix needs a path and an argv[0]");
	ERROR("-", "empty command");
	ERROR("", "empty command");
	ERROR("   ", "empty command");
	ERROR("$UNSET", "empty command");
}

static void
test_paths(void)
{
	ERROR("bin/foo", "must be absolute");
	ERROR("./foo", "must be absolute");
	ERROR("../bin/foo x", "must be absolute");
	ERROR("-bin/foo", "must be absolute");
	PARSE("foo ./x", 0, "foo", "foo", "./x");
}

static void
test_long_word(void)
{
	char text[2100], want[2001];
	memset(want, 'x', 2000);
	want[2000] = '\0';
	snprintf(text, sizeof(text), "/bin/echo %s end", want);
	PARSE(text, 0, "/bin/echo", "/bin/echo", want, "end");
}

/* execcmd_split_words: the same quoting, no expansion. */
struct words {
	char *v[16];
	size_t n;
	int fail_at; /* make the callback fail on this word (1-based), 0: never */
};

static int
collect(void *ctx, const char *word)
{
	struct words *w = ctx;
	if (w->fail_at && (int)w->n + 1 == w->fail_at)
		return -1;
	if (w->n < 16)
		w->v[w->n] = strdup(word);
	w->n++;
	return 0;
}

static void
words_free(struct words *w)
{
	for (size_t i = 0; i < w->n && i < 16; i++)
		free(w->v[i]);
	w->n = 0;
}

static void
test_split_words(void)
{
	struct words w = {0};
	char err[256] = "";

	CHECK_INT_EQ(execcmd_split_words("A=1 \"B=two words\" 'C=x' D=\\x41 E=$FOO F=%n",
					 collect, &w, err, sizeof(err)), 0);
	if (CHECK_INT_EQ(w.n, 6)) {
		CHECK_STR_EQ(w.v[0], "A=1");
		CHECK_STR_EQ(w.v[1], "B=two words");
		CHECK_STR_EQ(w.v[2], "C=x");
		CHECK_STR_EQ(w.v[3], "D=A");
		CHECK_STR_EQ(w.v[4], "E=$FOO");
		CHECK_STR_EQ(w.v[5], "F=%n");
	}
	words_free(&w);

	CHECK_INT_EQ(execcmd_split_words("", collect, &w, err, sizeof(err)), 0);
	CHECK_INT_EQ(w.n, 0);
	CHECK_INT_EQ(execcmd_split_words("  \t ", collect, &w, err, sizeof(err)), 0);
	CHECK_INT_EQ(w.n, 0);
	CHECK_INT_EQ(execcmd_split_words("web.service  db.service", collect, &w, err,
					 sizeof(err)), 0);
	if (CHECK_INT_EQ(w.n, 2)) {
		CHECK_STR_EQ(w.v[0], "web.service");
		CHECK_STR_EQ(w.v[1], "db.service");
	}
	words_free(&w);

	errno = 0;
	CHECK_INT_EQ(execcmd_split_words("A=1 \"B=2", collect, &w, err, sizeof(err)), -1);
	CHECK_INT_EQ(errno, EINVAL);
	CHECK(strstr(err, "unterminated double quote") != NULL);
	words_free(&w);

	/* A lone ';' in a value is an error too, with a message that fits
	 * every key that splits words (Environment=, After=...), not one
	 * about separating commands or ExecStart=. Quoted or escaped, or
	 * part of a word, it is a literal. */
	errno = 0;
	err[0] = '\0';
	CHECK_INT_EQ(execcmd_split_words("\"A=1;2\" B=3 ; comment?", collect, &w, err,
					 sizeof(err)), -1);
	CHECK_INT_EQ(errno, EINVAL);
	CHECK(strstr(err, "lone ';'") != NULL);
	CHECK(strstr(err, "\\;") != NULL);
	CHECK(strstr(err, "command") == NULL);
	CHECK(strstr(err, "Exec") == NULL);
	words_free(&w);
	CHECK_INT_EQ(execcmd_split_words("A=1;2 ';' \";\" \\; ;x", collect, &w, err,
					 sizeof(err)), 0);
	if (CHECK_INT_EQ(w.n, 5)) {
		CHECK_STR_EQ(w.v[0], "A=1;2");
		CHECK_STR_EQ(w.v[1], ";");
		CHECK_STR_EQ(w.v[2], ";");
		CHECK_STR_EQ(w.v[3], ";");
		CHECK_STR_EQ(w.v[4], ";x");
	}
	words_free(&w);

	/* A failing callback stops the split and is reported. */
	w.fail_at = 2;
	CHECK_INT_EQ(execcmd_split_words("a b c", collect, &w, err, sizeof(err)), -1);
	CHECK_INT_EQ(w.n, 1);
	words_free(&w);
}

/* A failed parse after a good one must not leak or keep old words; the
 * error message always fits the buffer. */
static void
test_err_buffer(void)
{
	struct execcmd cmd;
	char err[8];

	memset(err, 'X', sizeof(err));
	CHECK_INT_EQ(execcmd_parse("/bin/echo ${", &web_ctx, &cmd, err, sizeof(err)), -1);
	CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	CHECK(cmd.argv == NULL && cmd.path == NULL);
}

/* Without a context there is nothing to expand from: '%' stays literal
 * (specifier() allows ctx NULL) and variables must not crash either. Run
 * in a child so that a crash is a failed check, not a lost test run. */
static void
test_null_context(void)
{
	int status = 0;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		struct execcmd cmd;
		char err[128];
		int ok = execcmd_parse("/bin/echo 100% $X ${Y}z $$", NULL, &cmd, err,
				       sizeof(err)) == 0 &&
			 cmd.argc >= 2 && strcmp(cmd.argv[1], "100%") == 0;
		if (ok)
			execcmd_free(&cmd);
		_exit(ok ? 0 : 3);
	}
	if (!CHECK(pid > 0))
		return;
	CHECK_INT_EQ(waitpid(pid, &status, 0), pid);
	if (!CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		fprintf(stderr, "  execcmd_parse(\"/bin/echo 100%% $X ${Y}z $$\", NULL ctx): %s %d\n",
			WIFSIGNALED(status) ? "killed by signal" : "exit status",
			WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

int
main(void)
{
	test_words();
	test_quotes();
	test_escapes();
	test_semicolon();
	test_specifiers();
	test_variables();
	test_prefixes();
	test_paths();
	test_long_word();
	test_split_words();
	test_err_buffer();
	test_null_context();
	return TEST_DONE();
}
