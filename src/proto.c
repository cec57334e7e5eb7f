#include "proto.h"

#include "hex.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif

const char *
proto_default_socket(void)
{
	static char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *xdg;

	if (geteuid() == 0)
		return RUNSTATEDIR "/superd.sock";
	xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg == NULL || xdg[0] != '/')
		return NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s/superd.sock", xdg) >= sizeof(path))
		return NULL;
	return path;
}

int
proto_split(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line;

	for (char *q = line; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			return -1;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (argc == max)
			return -1;
		argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return argc;
}

static void
escape(struct buf *out, const char *v)
{
	const unsigned char *p = (const unsigned char *)v;

	while (*p) {
		/* The common case: a run of bytes that need no escape. */
		const unsigned char *run = p;
		while (*p >= 0x20 && *p != 0x7f && *p != '\\')
			p++;
		if (p > run)
			buf_add(out, (const char *)run, (size_t)(p - run));
		if (*p == '\0')
			break;
		if (*p == '\\')
			buf_add(out, "\\\\", 2);
		else if (*p == '\n')
			buf_add(out, "\\n", 2);
		else if (*p == '\t')
			buf_add(out, "\\t", 2);
		else
			buf_printf(out, "\\x%02x", *p);
		p++;
	}
}

void
proto_kv(struct buf *out, const char *key, const char *value)
{
	buf_adds(out, key);
	buf_add(out, "=", 1);
	escape(out, value ? value : "");
	buf_add(out, "\n", 1);
}

void
proto_kv_int(struct buf *out, const char *key, long long value)
{
	char digits[24], *d = digits + sizeof(digits);
	unsigned long long v = value < 0 ? 0ULL - (unsigned long long)value : (unsigned long long)value;

	/* status of 10,000 units formats some 50,000 numbers: no printf. */
	*--d = '\0';
	do
		*--d = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	if (value < 0)
		*--d = '-';
	buf_adds(out, key);
	buf_add(out, "=", 1);
	buf_adds(out, d);
	buf_add(out, "\n", 1);
}

void
proto_kvf(struct buf *out, const char *key, const char *fmt, ...)
{
	char small[512], *v = small;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(small)) {
		v = malloc((size_t)n + 1);
		if (v == NULL) {
			out->failed = true;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(v, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	proto_kv(out, key, v);
	if (v != small)
		free(v);
}

void
proto_ok(struct buf *out)
{
	buf_add(out, "OK\n", 3);
}

void
proto_err(struct buf *out, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* The message must stay on its one line. */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	buf_printf(out, "ERR %d %s\n", code, msg);
}

void
proto_unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (*r != '\\' || r[1] == '\0') {
			*w++ = *r;
			continue;
		}
		r++;
		if (*r == 'n')
			*w++ = '\n';
		else if (*r == 't')
			*w++ = '\t';
		else if (*r == 'x' && hex_digit(r[1]) >= 0 && hex_digit(r[2]) >= 0) {
			*w++ = (char)(hex_digit(r[1]) * 16 + hex_digit(r[2]));
			r += 2;
		} else
			*w++ = *r;
	}
	*w = '\0';
}

bool
proto_parse_status(char *line, int *code, const char **msg)
{
	char *end;
	long c;

	if (strcmp(line, "OK") == 0) {
		*code = 0;
		*msg = "";
		return true;
	}
	if (strncmp(line, "ERR ", 4) != 0)
		return false;
	c = strtol(line + 4, &end, 10);
	if (end == line + 4 || c <= 0 || c > 255)
		return false;
	*code = (int)c;
	*msg = *end == ' ' ? end + 1 : end;
	return true;
}
