/* hashmap: open addressing with linear probing, keyed by string or by
 * integer (PIDs). Lookups are O(1) on average so that per-event work does not
 * grow with the number of units. Keys are not copied: a string key must live
 * as long as its entry. */
#ifndef SUPERD_HASHMAP_H
#define SUPERD_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

struct hashmap_slot {
	uint64_t hash; /* 0: empty; 1: deleted (tombstone) */
	const char *skey;
	long ikey;
	void *value;
};

struct hashmap {
	struct hashmap_slot *slots;
	size_t cap;  /* power of two, or 0 */
	size_t used; /* live entries */
	size_t dead; /* tombstones */
	int string_keys;
};

void hashmap_init_str(struct hashmap *m);
void hashmap_init_int(struct hashmap *m);
/* Insert or replace (value and key pointer). Returns 0, or -1 with errno
 * ENOMEM. */
int hashmap_put_str(struct hashmap *m, const char *key, void *value);
int hashmap_put_int(struct hashmap *m, long key, void *value);
void *hashmap_get_str(const struct hashmap *m, const char *key);
void *hashmap_get_int(const struct hashmap *m, long key);
/* Remove; returns the value that was there, or NULL. */
void *hashmap_del_str(struct hashmap *m, const char *key);
void *hashmap_del_int(struct hashmap *m, long key);
void hashmap_free(struct hashmap *m);

#endif
