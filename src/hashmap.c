#include "hashmap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum { SLOT_EMPTY = 0, SLOT_DEAD = 1 };

static uint64_t
fix_hash(uint64_t h)
{
	/* 0 and 1 mark empty and deleted slots. */
	return h < 2 ? h + 2 : h;
}

static uint64_t
hash_str(const char *s)
{
	uint64_t h = UINT64_C(1469598103934665603); /* FNV-1a */
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= UINT64_C(1099511628211);
	}
	return fix_hash(h);
}

static uint64_t
hash_int(long k)
{
	uint64_t x = (uint64_t)k;
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	return fix_hash(x);
}

void
hashmap_init_str(struct hashmap *m)
{
	memset(m, 0, sizeof(*m));
	m->string_keys = 1;
}

void
hashmap_init_int(struct hashmap *m)
{
	memset(m, 0, sizeof(*m));
}

static bool
slot_matches(const struct hashmap *m, const struct hashmap_slot *s, uint64_t h,
	     const char *skey, long ikey)
{
	if (s->hash != h)
		return false;
	return m->string_keys ? strcmp(s->skey, skey) == 0 : s->ikey == ikey;
}

static struct hashmap_slot *
find(const struct hashmap *m, uint64_t h, const char *skey, long ikey)
{
	if (m->cap == 0)
		return NULL;
	for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct hashmap_slot *s = &m->slots[i];
		if (s->hash == SLOT_EMPTY)
			return NULL;
		if (slot_matches(m, s, h, skey, ikey))
			return s;
	}
}

static int
grow(struct hashmap *m)
{
	size_t cap = m->cap ? m->cap : 16;
	struct hashmap_slot *old = m->slots;
	size_t oldcap = m->cap;

	/* Rehash into a table at most half full; tombstones are dropped. */
	while ((m->used + 1) * 2 > cap)
		cap *= 2;
	m->slots = calloc(cap, sizeof(*m->slots));
	if (m->slots == NULL) {
		m->slots = old;
		errno = ENOMEM;
		return -1;
	}
	m->cap = cap;
	m->dead = 0;
	for (size_t i = 0; i < oldcap; i++) {
		if (old[i].hash < 2)
			continue;
		size_t j = old[i].hash & (cap - 1);
		while (m->slots[j].hash != SLOT_EMPTY)
			j = (j + 1) & (cap - 1);
		m->slots[j] = old[i];
	}
	free(old);
	return 0;
}

static int
put(struct hashmap *m, uint64_t h, const char *skey, long ikey, void *value)
{
	struct hashmap_slot *s = find(m, h, skey, ikey);

	if (s != NULL) {
		/* The new key may be a new copy of the same name: keep that. */
		s->skey = skey;
		s->value = value;
		return 0;
	}
	if ((m->used + m->dead + 1) * 10 > m->cap * 7 && grow(m) < 0)
		return -1;
	for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		s = &m->slots[i];
		if (s->hash < 2) {
			if (s->hash == SLOT_DEAD)
				m->dead--;
			s->hash = h;
			s->skey = skey;
			s->ikey = ikey;
			s->value = value;
			m->used++;
			return 0;
		}
	}
}

static void *
del(struct hashmap *m, uint64_t h, const char *skey, long ikey)
{
	struct hashmap_slot *s = find(m, h, skey, ikey);
	void *v;

	if (s == NULL)
		return NULL;
	v = s->value;
	s->hash = SLOT_DEAD;
	s->skey = NULL;
	s->value = NULL;
	m->used--;
	m->dead++;
	return v;
}

int
hashmap_put_str(struct hashmap *m, const char *key, void *value)
{
	return put(m, hash_str(key), key, 0, value);
}

int
hashmap_put_int(struct hashmap *m, long key, void *value)
{
	return put(m, hash_int(key), NULL, key, value);
}

void *
hashmap_get_str(const struct hashmap *m, const char *key)
{
	struct hashmap_slot *s = find(m, hash_str(key), key, 0);
	return s ? s->value : NULL;
}

void *
hashmap_get_int(const struct hashmap *m, long key)
{
	struct hashmap_slot *s = find(m, hash_int(key), NULL, key);
	return s ? s->value : NULL;
}

void *
hashmap_del_str(struct hashmap *m, const char *key)
{
	return del(m, hash_str(key), key, 0);
}

void *
hashmap_del_int(struct hashmap *m, long key)
{
	return del(m, hash_int(key), NULL, key);
}

void
hashmap_free(struct hashmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->used = m->dead = 0;
}
