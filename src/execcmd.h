/* execcmd: ExecStart= and friends, split as systemd splits them.
 *
 * Words are separated by white space; "double" and 'single' quotes group
 * (anywhere in a word); C escapes (\n \t \\ \" \' \s \xHH \NNN \uXXXX) work
 * inside and outside quotes; %% and the unit specifiers %n %N %p %i %I are
 * replaced; ${VAR} is replaced by the variable's value as part of the word,
 * and an unquoted word that is exactly $VAR becomes the value split at white
 * space; $$ is a literal '$'. Prefixes before the path: '-' (failure is
 * ignored), '@' (the second word is argv[0]), ':' (no variable expansion),
 * '+', '!' and '!!' (privilege prefixes, accepted; superd runs every command
 * with the unit's credentials). The command is never run through a shell. */
#ifndef SUPERD_EXECCMD_H
#define SUPERD_EXECCMD_H

#include <stddef.h>

enum {
	EXECCMD_IGNORE_FAILURE = 1u << 0, /* '-' */
	EXECCMD_ARGV0 = 1u << 1,	  /* '@' */
	EXECCMD_NO_EXPAND = 1u << 2,	  /* ':' */
	EXECCMD_PRIVILEGED = 1u << 3,	  /* '+', '!', '!!' */
};

struct execcmd {
	unsigned flags;
	char *path;  /* what to execute: absolute, or a bare name searched in PATH */
	char **argv; /* NULL-terminated, argv[0] included */
	size_t argc;
	unsigned line; /* where it was written, for messages */
	char *text;    /* as written, before expansion: what show prints, since
			* the expansion may hold secrets */
};

/* Looks up a variable of the unit's environment: NULL if unset. */
typedef const char *(*execcmd_lookup)(void *ctx, const char *name, size_t len);

struct execcmd_context {
	const char *unit_name; /* "web.service", for the % specifiers */
	execcmd_lookup lookup;
	void *lookup_ctx;
};

/* Split one command line into cmd. Returns 0, or -1 with a message for the
 * user in err (and errno EINVAL or ENOMEM). cmd is left empty on failure.
 * A lone unquoted ';' (systemd's command separator) is an error. */
int execcmd_parse(const char *text, const struct execcmd_context *ctx,
		  struct execcmd *cmd, char *err, size_t errsize);

/* Split a value into words with the same quoting and escapes, no variable
 * or specifier expansion (for Environment= and list-valued keys). Each word
 * is passed to fn; returns 0, or -1 with a message in err. A lone unquoted
 * ';' is an error here too (it is no comment inside a value); the message
 * names no key, so that any key's caller can use it. */
int execcmd_split_words(const char *text,
			int (*fn)(void *ctx, const char *word), void *ctx,
			char *err, size_t errsize);

void execcmd_free(struct execcmd *cmd);

#endif
