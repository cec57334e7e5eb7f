/* buf: a growable byte buffer for replies and messages. */
#ifndef SUPERD_BUF_H
#define SUPERD_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data; /* NUL-terminated while not failed */
	size_t len;
	size_t cap;
	bool failed; /* an allocation failed; the content is incomplete */
};

void buf_add(struct buf *b, const char *s, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drop the first n bytes. */
void buf_consume(struct buf *b, size_t n);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

#endif
