#include "inifile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Unit files are small; a larger file is a mistake, not a config. */
#define INIFILE_MAX_SIZE (4u << 20)
/* Section names and keys go through inih's 200-byte buffer as they are. */
#define INIFILE_MAX_NAME 128

struct inifile_value {
	char *text;
	unsigned line;
};

struct inifile_state {
	const char *path;
	struct diag *diag;
	inifile_handler handler;
	inifile_section_handler section_handler;
	void *user;
	/* The file, and where the reader is in it. */
	char *buf;
	size_t len;
	size_t pos;
	unsigned lineno; /* number of the last physical line read */
	/* Values handed over by token. */
	struct inifile_value *values;
	size_t nvalues;
	size_t cap;
	char section[INIFILE_MAX_NAME + 1];
	/* The last section header was invalid (already reported): its keys
	 * belong to no section we know, least of all the one before it, so
	 * they are dropped until the next good header. */
	bool section_bad;
};

int
inifile_read_all(const char *path, size_t max, char **out, size_t *outlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap;
	/* O_NONBLOCK: opening a FIFO left in the unit directory must not
	 * block superd's loop until some writer comes along. It changes
	 * nothing for the regular files read below. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto fail;
	}
	/* A character device ("-c /dev/null") is read like a file of unknown
	 * size: to its end, or past max (/dev/zero), which fails. */
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
		errno = EFBIG;
		goto fail;
	}
	/* Room for the NUL and one byte more, which tells whether a regular
	 * file grew after fstat(). */
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 2 : 4096;
	buf = malloc(cap);
	if (buf == NULL)
		goto fail;
	for (;;) {
		if (len + 1 == cap) { /* full: the file grew, or a device goes on */
			if (len > max) {
				errno = EFBIG;
				goto fail;
			}
			char *nb = realloc(buf, cap * 2);
			if (nb == NULL)
				goto fail;
			buf = nb;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		errno = EFBIG;
		goto fail;
	}
	buf[len] = '\0';
	close(fd);
	*out = buf;
	*outlen = len;
	return 0;
fail:
	{
		int saved = errno;
		free(buf);
		close(fd);
		errno = saved;
	}
	return -1;
}

/* Next physical line: [*start, *end) without the newline. false at EOF. */
static bool
inifile_next_physical(struct inifile_state *st, const char **start,
		      const char **end)
{
	const char *p, *nl;

	if (st->pos >= st->len)
		return false;
	p = st->buf + st->pos;
	nl = memchr(p, '\n', st->len - st->pos);
	if (nl == NULL)
		nl = st->buf + st->len;
	st->pos = (size_t)(nl - st->buf) + (nl < st->buf + st->len ? 1 : 0);
	st->lineno++;
	*start = p;
	*end = nl;
	if (*end > *start && (*end)[-1] == '\r')
		(*end)--;
	return true;
}

static bool
inifile_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

static int
inifile_store_value(struct inifile_state *st, char *text, unsigned line)
{
	if (st->nvalues == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 32;
		struct inifile_value *v = realloc(st->values, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		st->values = v;
		st->cap = cap;
	}
	st->values[st->nvalues].text = text;
	st->values[st->nvalues].line = line;
	return (int)st->nvalues++;
}

/* The line ends in an odd number of backslashes: the last one is not
 * escaped, and continues the line. */
static bool
inifile_continues(const char *line, size_t len)
{
	size_t n = 0;

	while (n < len && line[len - 1 - n] == '\\')
		n++;
	return n % 2 == 1;
}

/* inih's reader: produce the next line for inih, in our own form. */
static char *
inifile_reader(char *out, int size, void *stream)
{
	struct inifile_state *st = stream;
	const char *s, *e;

	while (inifile_next_physical(st, &s, &e)) {
		unsigned first = st->lineno;
		char *logical;
		size_t len;
		bool has_nul = false;

		while (s < e && inifile_is_space(*s))
			s++;
		if (s == e || *s == '#' || *s == ';')
			continue;
		/* The string functions below would cut the line at a NUL and
		 * use half of it: the line is rejected (an assignment after
		 * its continuation is read, so that it ends where it should). */
		if (memchr(s, '\0', (size_t)(e - s)) != NULL) {
			diag_add(st->diag, DIAG_ERROR, st->path, first, "NUL byte in line");
			has_nul = true;
			if (*s == '[') {
				st->section_bad = true;
				continue;
			}
		}
		if (*s == '[') {
			const char *close = memchr(s, ']', (size_t)(e - s));
			const char *q;
			if (close == NULL) {
				diag_add(st->diag, DIAG_ERROR, st->path, first,
					 "section header without ']'");
				st->section_bad = true;
				continue;
			}
			for (q = close + 1; q < e && inifile_is_space(*q); q++)
				;
			if (q != e) {
				diag_add(st->diag, DIAG_ERROR, st->path, first,
					 "text after section header");
				st->section_bad = true;
				continue;
			}
			if (close - s - 1 > INIFILE_MAX_NAME || close - s - 1 < 1 ||
			    (int)(close - s) + 3 > size) {
				diag_add(st->diag, DIAG_ERROR, st->path, first,
					 "invalid section name");
				st->section_bad = true;
				continue;
			}
			st->section_bad = false;
			/* inih only needs to see a section start; the name, which
			 * may hold a ';' it would take for a comment, stays here. */
			snprintf(out, (size_t)size, "[s]\n");
			memcpy(st->section, s + 1, (size_t)(close - s) - 1);
			st->section[close - s - 1] = '\0';
			if (st->section_handler)
				st->section_handler(st->user, st->section, first);
			return out;
		}

		/* An assignment, possibly continued over several lines: each
		 * unescaped trailing backslash (an odd run of them) becomes a
		 * space, and comment lines inside the continuation are skipped,
		 * as systemd does. "\\" at the end is an escaped backslash,
		 * part of the value. */
		len = (size_t)(e - s);
		logical = malloc(len + 1);
		if (logical == NULL) {
			diag_add(st->diag, DIAG_ERROR, st->path, first, "out of memory");
			continue;
		}
		memcpy(logical, s, len);
		logical[len] = '\0';
		while (inifile_continues(logical, len)) {
			const char *cs, *ce;
			char *grown;
			logical[len - 1] = ' ';
			if (!inifile_next_physical(st, &cs, &ce))
				break;
			{
				const char *t = cs;
				while (t < ce && inifile_is_space(*t))
					t++;
				if (t < ce && (*t == '#' || *t == ';')) {
					/* keep the continuation open */
					logical[len - 1] = '\\';
					continue;
				}
			}
			if (memchr(cs, '\0', (size_t)(ce - cs)) != NULL) {
				diag_add(st->diag, DIAG_ERROR, st->path, st->lineno,
					 "NUL byte in line");
				has_nul = true;
			}
			grown = realloc(logical, len + (size_t)(ce - cs) + 1);
			if (grown == NULL) {
				free(logical);
				logical = NULL;
				break;
			}
			logical = grown;
			memcpy(logical + len, cs, (size_t)(ce - cs));
			len += (size_t)(ce - cs);
			logical[len] = '\0';
		}
		if (logical == NULL) {
			diag_add(st->diag, DIAG_ERROR, st->path, first, "out of memory");
			continue;
		}
		if (has_nul) {
			free(logical);
			continue;
		}
		char *eq = strchr(logical, '=');
		if (eq == NULL) {
			diag_add(st->diag, DIAG_ERROR, st->path, first,
				 "expected 'Key=Value', found no '='");
			free(logical);
			continue;
		}
		char *kend = eq;
		while (kend > logical && inifile_is_space(kend[-1]))
			kend--;
		size_t klen = (size_t)(kend - logical);
		if (klen == 0) {
			diag_add(st->diag, DIAG_ERROR, st->path, first, "missing key name before '='");
			free(logical);
			continue;
		}
		if (klen > INIFILE_MAX_NAME || (int)klen + 24 > size) {
			diag_add(st->diag, DIAG_ERROR, st->path, first, "key name too long");
			free(logical);
			continue;
		}
		for (size_t i = 0; i < klen; i++) {
			char c = logical[i];
			if (c == ';' || c == '#' || c == '[' || c == ']' || c == ':' ||
			    inifile_is_space(c)) {
				diag_add(st->diag, DIAG_ERROR, st->path, first,
					 "invalid key name '%.*s'", (int)klen, logical);
				free(logical);
				logical = NULL;
				break;
			}
		}
		if (logical == NULL)
			continue;
		if (st->section_bad) {
			/* One error for the header is enough. */
			free(logical);
			continue;
		}
		if (st->section[0] == '\0') {
			diag_add(st->diag, DIAG_ERROR, st->path, first,
				 "assignment outside of any section");
			free(logical);
			continue;
		}
		char *v = eq + 1;
		while (inifile_is_space(*v))
			v++;
		size_t vlen = strlen(v);
		while (vlen > 0 && inifile_is_space(v[vlen - 1]))
			v[--vlen] = '\0';
		char *value = strdup(v);
		if (value == NULL) {
			diag_add(st->diag, DIAG_ERROR, st->path, first, "out of memory");
			free(logical);
			continue;
		}
		int idx = inifile_store_value(st, value, first);
		if (idx < 0) {
			free(value);
			diag_add(st->diag, DIAG_ERROR, st->path, first, "out of memory");
			free(logical);
			continue;
		}
		snprintf(out, (size_t)size, "%.*s=%d\n", (int)klen, logical, idx);
		free(logical);
		return out;
	}
	return NULL;
}

static int
inifile_ini_cb(void *user, const char *section, const char *name,
	       const char *value)
{
	struct inifile_state *st = user;
	char *endp;
	unsigned long idx = strtoul(value, &endp, 10);

	/* Only our reader's lines reach here, so the token is always ours.
	 * inih calls back before it reads the next line, so st->section is
	 * the section this assignment is in. */
	(void)section;
	if (*endp != '\0' || idx >= st->nvalues)
		return 1;
	st->handler(st->user, st->section, name, st->values[idx].text,
		    st->values[idx].line);
	return 1;
}

int
inifile_parse(const char *path, inifile_handler handler,
	      inifile_section_handler section_handler, void *user,
	      struct diag *d)
{
	return inifile_parse_hash(path, handler, section_handler, user, d, NULL);
}

int
inifile_parse_hash(const char *path, inifile_handler handler,
		   inifile_section_handler section_handler, void *user,
		   struct diag *d, uint64_t *hash)
{
	struct inifile_state st = {
		.path = path,
		.diag = d,
		.handler = handler,
		.section_handler = section_handler,
		.user = user,
	};
	int rc;

	if (inifile_read_all(path, INIFILE_MAX_SIZE, &st.buf, &st.len) < 0) {
		int saved = errno;
		/* EINVAL is inifile_read_all's word for a FIFO, socket or
		 * block device. */
		diag_add(d, DIAG_ERROR, path, 0, "cannot read: %s",
			 saved == EINVAL ? "not a regular file" : strerror(saved));
		errno = saved;
		return -1;
	}
	if (hash != NULL) {
		uint64_t h = UINT64_C(1469598103934665603); /* FNV-1a */
		for (size_t i = 0; i < st.len; i++) {
			h ^= (unsigned char)st.buf[i];
			h *= UINT64_C(1099511628211);
		}
		*hash = h;
	}
	/* A UTF-8 byte order mark is not part of the first line. */
	if (st.len >= 3 && memcmp(st.buf, "\xef\xbb\xbf", 3) == 0)
		st.pos = 3;
	rc = ini_parse_stream(inifile_reader, &st, inifile_ini_cb, &st);
	if (rc == -2)
		diag_add(d, DIAG_ERROR, path, 0, "out of memory");
	for (size_t i = 0; i < st.nvalues; i++)
		free(st.values[i].text);
	free(st.values);
	free(st.buf);
	return 0;
}
