#include "execcmd.h"
#include "hex.h"
#include "strv.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growable byte buffer for the word being built. */
struct wbuf {
	char *s;
	size_t len;
	size_t cap;
};

static int
wbuf_add(struct wbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 32;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (p == NULL)
			return -1;
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

static int
wbuf_addc(struct wbuf *b, char c)
{
	return wbuf_add(b, &c, 1);
}

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool
is_name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool
is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static int
utf8_encode(struct wbuf *b, uint32_t cp)
{
	char out[4];
	size_t n;

	if (cp < 0x80) {
		out[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		out[0] = (char)(0xf0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return wbuf_add(b, out, n);
}

/* Decode the escape at *p (just past the backslash). */
static int
unescape(const char **p, struct wbuf *b, char *err, size_t errsize)
{
	const char *s = *p;
	char c = *s++;
	int v;

	switch (c) {
	case 'a': v = '\a'; break;
	case 'b': v = '\b'; break;
	case 'f': v = '\f'; break;
	case 'n': v = '\n'; break;
	case 'r': v = '\r'; break;
	case 't': v = '\t'; break;
	case 'v': v = '\v'; break;
	case 's': v = ' '; break;
	case '\\': case '"': case '\'': case ';': case '$': case '%': case ' ':
		v = c;
		break;
	case 'x': {
		int h = hex_digit(s[0]), l = h >= 0 ? hex_digit(s[1]) : -1;
		if (h < 0 || l < 0 || (h == 0 && l == 0)) {
			snprintf(err, errsize, "invalid escape '\\x%.2s'", s);
			return -1;
		}
		v = h * 16 + l;
		s += 2;
		break;
	}
	case 'u':
	case 'U': {
		int digits = c == 'u' ? 4 : 8;
		uint32_t cp = 0;
		for (int i = 0; i < digits; i++) {
			int h = hex_digit(s[i]);
			if (h < 0) {
				snprintf(err, errsize, "invalid escape '\\%c'", c);
				return -1;
			}
			cp = cp * 16 + (uint32_t)h;
		}
		if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
			snprintf(err, errsize, "invalid code point in '\\%c' escape", c);
			return -1;
		}
		*p = s + digits;
		return utf8_encode(b, cp);
	}
	case '0': case '1': case '2': case '3':
		if (s[0] >= '0' && s[0] <= '7' && s[1] >= '0' && s[1] <= '7') {
			v = (c - '0') * 64 + (s[0] - '0') * 8 + (s[1] - '0');
			if (v == 0) {
				snprintf(err, errsize, "invalid escape '\\000'");
				return -1;
			}
			s += 2;
			break;
		}
		/* fall through */
	default:
		if (c == '\0')
			snprintf(err, errsize, "trailing backslash");
		else
			snprintf(err, errsize, "invalid escape '\\%c'", c);
		return -1;
	}
	*p = s;
	return wbuf_addc(b, (char)v);
}

static int
specifier(const char **p, const struct execcmd_context *ctx, struct wbuf *b,
	  char *err, size_t errsize)
{
	const char *name = ctx && ctx->unit_name ? ctx->unit_name : "";
	const char *dot = strrchr(name, '.');
	const char *at = strchr(name, '@');
	size_t stem = dot ? (size_t)(dot - name) : strlen(name);
	char c = **p;

	(*p)++;
	switch (c) {
	case '%':
		return wbuf_addc(b, '%');
	case 'n':
		return wbuf_add(b, name, strlen(name));
	case 'N':
		return wbuf_add(b, name, stem);
	case 'p':
		return wbuf_add(b, name, at ? (size_t)(at - name) : stem);
	case 'i':
	case 'I':
		if (at && dot && dot > at)
			return wbuf_add(b, at + 1, (size_t)(dot - at - 1));
		return 0;
	case '\0':
		snprintf(err, errsize, "'%%' at end of line (write '%%%%' for a literal '%%')");
		return -1;
	default:
		snprintf(err, errsize, "unsupported specifier '%%%c' (write '%%%%' for a literal '%%')", c);
		return -1;
	}
}

/* One variable reference at *p (just past the '$'). */
static int
expand_var(const char **p, const struct execcmd_context *ctx, struct wbuf *b,
	   char *err, size_t errsize)
{
	const char *s = *p;
	const char *val;

	if (*s == '$') {
		*p = s + 1;
		return wbuf_addc(b, '$');
	}
	if (*s == '{') {
		const char *name = s + 1, *q = name;
		while (is_name_char(*q))
			q++;
		if (q == name || !is_name_start(*name)) {
			snprintf(err, errsize, "invalid variable reference '${'");
			return -1;
		}
		val = ctx && ctx->lookup ? ctx->lookup(ctx->lookup_ctx, name, (size_t)(q - name)) : NULL;
		if (*q == '}') {
			*p = q + 1;
			return val ? wbuf_add(b, val, strlen(val)) : 0;
		}
		if (q[0] == ':' && (q[1] == '-' || q[1] == '+')) {
			const char *alt = q + 2, *end = strchr(alt, '}');
			if (end == NULL) {
				snprintf(err, errsize, "unterminated '${'");
				return -1;
			}
			*p = end + 1;
			bool set = val && *val;
			if (q[1] == '-')
				return set ? wbuf_add(b, val, strlen(val)) : wbuf_add(b, alt, (size_t)(end - alt));
			return set ? wbuf_add(b, alt, (size_t)(end - alt)) : 0;
		}
		snprintf(err, errsize, "unterminated or invalid '${%.*s'", (int)(q - name), name);
		return -1;
	}
	if (is_name_start(*s)) {
		const char *q = s;
		while (is_name_char(*q))
			q++;
		val = ctx && ctx->lookup ? ctx->lookup(ctx->lookup_ctx, s, (size_t)(q - s)) : NULL;
		*p = q;
		return val ? wbuf_add(b, val, strlen(val)) : 0;
	}
	/* A lone '$' stays. */
	return wbuf_addc(b, '$');
}

/* The word splitter shared by both entry points. ctx NULL: no expansion.
 * command: text is a command line, where a lone ';' is systemd's command
 * separator; elsewhere (Environment=, lists) it is most likely meant as a
 * comment, which a value cannot hold. Both are errors, explained apart. */
static int
split(const char *text, const struct execcmd_context *ctx, bool expand,
      bool command, int (*fn)(void *, const char *, bool), void *fnctx,
      char *err, size_t errsize)
{
	const char *p = text;
	struct wbuf b = {0};
	int rc = -1;

	for (;;) {
		bool any = false, quoted = false, escaped = false;
		const char *start;
		while (is_ws(*p))
			p++;
		if (*p == '\0')
			break;
		start = p;
		b.len = 0;
		if (wbuf_add(&b, "", 0) < 0)
			goto oom;
		while (*p != '\0' && !is_ws(*p)) {
			char q = *p;
			any = true;
			if (q == '"' || q == '\'') {
				quoted = true;
				p++;
				while (*p != q) {
					if (*p == '\0') {
						snprintf(err, errsize, "unterminated %s quote",
							 q == '"' ? "double" : "single");
						goto fail;
					}
					if (*p == '\\') {
						p++;
						if (unescape(&p, &b, err, errsize) < 0)
							goto fail;
					} else if (*p == '%' && ctx) {
						p++;
						if (specifier(&p, ctx, &b, err, errsize) < 0)
							goto fail;
					} else if (*p == '$' && expand) {
						p++;
						if (expand_var(&p, ctx, &b, err, errsize) < 0)
							goto fail;
					} else if (wbuf_addc(&b, *p++) < 0) {
						goto oom;
					}
				}
				p++;
			} else if (q == '\\') {
				p++;
				escaped = true;
				if (unescape(&p, &b, err, errsize) < 0)
					goto fail;
			} else if (q == '%' && ctx) {
				p++;
				if (specifier(&p, ctx, &b, err, errsize) < 0)
					goto fail;
			} else if (q == '$' && expand) {
				p++;
				if (expand_var(&p, ctx, &b, err, errsize) < 0)
					goto fail;
			} else if (wbuf_addc(&b, *p++) < 0) {
				goto oom;
			}
		}
		if (!any)
			continue;
		if (!quoted && !escaped && p - start == 1 && *start == ';') {
			if (command)
				snprintf(err, errsize,
					 "a lone ';' would separate commands, which superd "
					 "does not support: write '\\;' for a literal ';' or "
					 "use one ExecStart= per command");
			else
				snprintf(err, errsize,
					 "a lone ';' is not a valid word: write '\\;' for a "
					 "literal ';'; a comment goes on a line of its own");
			goto fail;
		}
		/* An unquoted word that is exactly $NAME splits into words. */
		bool split_it = false;
		if (expand && !quoted && !escaped && start[0] == '$' && is_name_start(start[1])) {
			const char *q = start + 1;
			while (is_name_char(*q))
				q++;
			split_it = q == p;
		}
		if (split_it) {
			char *save = b.s, *t = b.s;
			while (*t) {
				while (is_ws(*t))
					t++;
				if (*t == '\0')
					break;
				char *e = t;
				while (*e && !is_ws(*e))
					e++;
				char c = *e;
				*e = '\0';
				int r = fn(fnctx, t, false);
				*e = c;
				if (r < 0)
					goto oom;
				t = e;
			}
			b.s = save;
		} else if (fn(fnctx, b.s, true) < 0) {
			goto oom;
		}
	}
	rc = 0;
	goto out;
oom:
	snprintf(err, errsize, "out of memory");
	errno = ENOMEM;
	goto out;
fail:
	errno = EINVAL;
out:
	free(b.s);
	return rc;
}

static int
push_word(void *ctx, const char *word, bool whole)
{
	(void)whole;
	return strv_push(ctx, word);
}

int
execcmd_parse(const char *text, const struct execcmd_context *ctx,
	      struct execcmd *cmd, char *err, size_t errsize)
{
	struct strv words = {0};
	const char *p = text;
	unsigned flags = 0;

	memset(cmd, 0, sizeof(*cmd));
	while (*p == ' ' || *p == '\t')
		p++;
	for (;; p++) {
		if (*p == '-')
			flags |= EXECCMD_IGNORE_FAILURE;
		else if (*p == '@')
			flags |= EXECCMD_ARGV0;
		else if (*p == ':')
			flags |= EXECCMD_NO_EXPAND;
		else if (*p == '+' || *p == '!')
			flags |= EXECCMD_PRIVILEGED;
		else
			break;
	}
	if (split(p, ctx, !(flags & EXECCMD_NO_EXPAND), true, push_word, &words, err,
		  errsize) < 0) {
		strv_clear(&words);
		return -1;
	}
	if (words.n == 0) {
		snprintf(err, errsize, "empty command");
		goto invalid;
	}
	if ((flags & EXECCMD_ARGV0) && words.n < 2) {
		snprintf(err, errsize, "'@' prefix needs a path and an argv[0]");
		goto invalid;
	}
	if (strchr(words.v[0], '\x1f') != NULL) {
		/* The lookup's markers for what is known only when the command
		 * starts (see unitfile.h); systemd takes no variable here. */
		snprintf(err, errsize,
			 "the program to execute cannot come from $MAINPID, nor from "
			 "$HOME, $USER, $LOGNAME or $SHELL of User=: they are known only "
			 "when it starts; write its path out");
		goto invalid;
	}
	if (words.v[0][0] != '/' && strchr(words.v[0], '/') != NULL) {
		/* A path that ${VAR} expansion made may hold a secret: name it
		 * only if it stands in the line as written. */
		if (strstr(p, words.v[0]) != NULL)
			snprintf(err, errsize,
				 "executable path '%s' must be absolute or a plain name "
				 "(searched in PATH)", words.v[0]);
		else
			snprintf(err, errsize,
				 "the executable path that variable expansion made must "
				 "be absolute or a plain name (searched in PATH)");
		goto invalid;
	}
	cmd->flags = flags;
	if (flags & EXECCMD_ARGV0) {
		/* path, then argv[0]: drop the path from argv. */
		cmd->path = words.v[0];
		memmove(words.v, words.v + 1, words.n * sizeof(char *));
		words.n--;
	} else {
		cmd->path = strdup(words.v[0]);
		if (cmd->path == NULL) {
			strv_clear(&words);
			snprintf(err, errsize, "out of memory");
			errno = ENOMEM;
			return -1;
		}
	}
	cmd->argv = words.v;
	cmd->argc = words.n;
	cmd->text = strdup(text);
	if (cmd->text == NULL) {
		execcmd_free(cmd);
		snprintf(err, errsize, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	return 0;
invalid:
	strv_clear(&words);
	errno = EINVAL;
	return -1;
}

struct split_words_ctx {
	int (*fn)(void *, const char *);
	void *ctx;
};

static int
split_words_cb(void *ctx, const char *word, bool whole)
{
	struct split_words_ctx *c = ctx;
	(void)whole;
	return c->fn(c->ctx, word);
}

int
execcmd_split_words(const char *text, int (*fn)(void *ctx, const char *word),
		    void *ctx, char *err, size_t errsize)
{
	struct split_words_ctx c = {fn, ctx};
	return split(text, NULL, false, false, split_words_cb, &c, err, errsize);
}

void
execcmd_free(struct execcmd *cmd)
{
	if (cmd->argv) {
		for (size_t i = 0; i < cmd->argc; i++)
			free(cmd->argv[i]);
		free(cmd->argv);
	}
	free(cmd->path);
	free(cmd->text);
	memset(cmd, 0, sizeof(*cmd));
}
