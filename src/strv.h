/* strv: a growable, NULL-terminated vector of owned strings. */
#ifndef SUPERD_STRV_H
#define SUPERD_STRV_H

#include <stdbool.h>
#include <stddef.h>

struct strv {
	char **v; /* NULL-terminated once non-empty; NULL when empty */
	size_t n;
	size_t cap;
};

/* Append a copy of s (strv_push_take: take ownership of s). 0 or -1/ENOMEM;
 * on failure strv_push_take frees s. */
int strv_push(struct strv *sv, const char *s);
int strv_push_take(struct strv *sv, char *s);
bool strv_contains(const struct strv *sv, const char *s);
/* Free every string and reset to empty. */
void strv_clear(struct strv *sv);

#endif
