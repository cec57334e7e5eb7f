/* Unit tests for hashmap.c: string and integer maps. */
#include "hashmap.h"
#include "testutil.h"

#include <limits.h>
#include <stdlib.h>

/* Values are small integers disguised as pointers; 0 is never stored so
 * that NULL always means "absent". */
#define V(n) ((void *)(uintptr_t)(n))

static void
test_str_basic(void)
{
	struct hashmap m;
	char key[16];

	hashmap_init_str(&m);
	CHECK(hashmap_get_str(&m, "web") == NULL);
	CHECK(hashmap_del_str(&m, "web") == NULL);
	CHECK_INT_EQ(m.used, 0);

	CHECK_INT_EQ(hashmap_put_str(&m, "web", V(1)), 0);
	CHECK_INT_EQ(hashmap_put_str(&m, "db", V(2)), 0);
	CHECK_INT_EQ(hashmap_put_str(&m, "", V(3)), 0);
	CHECK_INT_EQ(m.used, 3);
	CHECK(hashmap_get_str(&m, "web") == V(1));
	CHECK(hashmap_get_str(&m, "db") == V(2));
	CHECK(hashmap_get_str(&m, "") == V(3));
	CHECK(hashmap_get_str(&m, "we") == NULL);
	CHECK(hashmap_get_str(&m, "webb") == NULL);

	/* Lookups compare contents, not pointers. */
	snprintf(key, sizeof(key), "%s", "web");
	CHECK(hashmap_get_str(&m, key) == V(1));

	/* Replace keeps one entry. */
	CHECK_INT_EQ(hashmap_put_str(&m, "web", V(10)), 0);
	CHECK_INT_EQ(m.used, 3);
	CHECK(hashmap_get_str(&m, "web") == V(10));

	CHECK(hashmap_del_str(&m, key) == V(10));
	CHECK(hashmap_get_str(&m, "web") == NULL);
	CHECK(hashmap_del_str(&m, "web") == NULL);
	CHECK_INT_EQ(m.used, 2);
	CHECK(hashmap_get_str(&m, "db") == V(2));

	/* Re-insert after delete. */
	CHECK_INT_EQ(hashmap_put_str(&m, "web", V(11)), 0);
	CHECK(hashmap_get_str(&m, "web") == V(11));
	CHECK_INT_EQ(m.used, 3);

	hashmap_free(&m);
	CHECK_INT_EQ(m.used, 0);
	CHECK(hashmap_get_str(&m, "db") == NULL);
	/* A freed map is reusable. */
	CHECK_INT_EQ(hashmap_put_str(&m, "x", V(5)), 0);
	CHECK(hashmap_get_str(&m, "x") == V(5));
	hashmap_free(&m);
}

static void
test_str_many(void)
{
	enum { N = 5000 };
	static char keys[N][24];
	struct hashmap m;
	size_t bad = 0;

	hashmap_init_str(&m);
	for (int i = 0; i < N; i++) {
		snprintf(keys[i], sizeof(keys[i]), "unit-%d.service", i);
		if (hashmap_put_str(&m, keys[i], V(i + 1)) < 0)
			bad++;
	}
	CHECK_INT_EQ(bad, 0);
	CHECK_INT_EQ(m.used, N);
	for (int i = 0; i < N; i += 2)
		if (hashmap_del_str(&m, keys[i]) != V(i + 1))
			bad++;
	CHECK_INT_EQ(bad, 0);
	CHECK_INT_EQ(m.used, N / 2);
	for (int i = 0; i < N; i++) {
		char probe[24];
		snprintf(probe, sizeof(probe), "unit-%d.service", i);
		void *want = (i % 2) ? V(i + 1) : NULL;
		if (hashmap_get_str(&m, probe) != want)
			bad++;
	}
	CHECK_INT_EQ(bad, 0);
	hashmap_free(&m);
}

static void
test_int_basic(void)
{
	struct hashmap m;

	hashmap_init_int(&m);
	CHECK(hashmap_get_int(&m, 1) == NULL);
	CHECK(hashmap_del_int(&m, 1) == NULL);

	/* 0, negative and extreme keys are ordinary keys. */
	CHECK_INT_EQ(hashmap_put_int(&m, 0, V(100)), 0);
	CHECK_INT_EQ(hashmap_put_int(&m, -1, V(101)), 0);
	CHECK_INT_EQ(hashmap_put_int(&m, 1, V(102)), 0);
	CHECK_INT_EQ(hashmap_put_int(&m, LONG_MAX, V(103)), 0);
	CHECK_INT_EQ(hashmap_put_int(&m, LONG_MIN, V(104)), 0);
	CHECK_INT_EQ(m.used, 5);
	CHECK(hashmap_get_int(&m, 0) == V(100));
	CHECK(hashmap_get_int(&m, -1) == V(101));
	CHECK(hashmap_get_int(&m, 1) == V(102));
	CHECK(hashmap_get_int(&m, LONG_MAX) == V(103));
	CHECK(hashmap_get_int(&m, LONG_MIN) == V(104));
	CHECK(hashmap_get_int(&m, 2) == NULL);

	CHECK_INT_EQ(hashmap_put_int(&m, 1, V(200)), 0);
	CHECK_INT_EQ(m.used, 5);
	CHECK(hashmap_get_int(&m, 1) == V(200));

	CHECK(hashmap_del_int(&m, 0) == V(100));
	CHECK(hashmap_get_int(&m, 0) == NULL);
	CHECK(hashmap_get_int(&m, -1) == V(101));
	CHECK_INT_EQ(m.used, 4);
	hashmap_free(&m);
}

/* 100000 PIDs with deletes interleaved and re-inserts, checked against a
 * plain array. */
static void
test_int_many(void)
{
	enum { N = 100000 };
	struct hashmap m;
	unsigned *model = calloc(N, sizeof(*model)); /* 0: absent */
	size_t bad = 0, live = 0;

	if (!CHECK(model != NULL))
		return;
	hashmap_init_int(&m);
	for (long i = 0; i < N; i++) {
		if (hashmap_put_int(&m, i * 7 + 3, V(i + 1)) < 0)
			bad++;
		model[i] = (unsigned)i + 1;
		live++;
		/* Every third insertion, delete an earlier entry. */
		if (i % 3 == 2) {
			long j = i / 2;
			void *want = model[j] ? V(model[j]) : NULL;
			if (hashmap_del_int(&m, j * 7 + 3) != want)
				bad++;
			if (model[j])
				live--;
			model[j] = 0;
		}
	}
	CHECK_INT_EQ(bad, 0);
	CHECK_INT_EQ(m.used, live);
	/* Re-insert every deleted key with a new value, replace some live ones. */
	for (long i = 0; i < N; i++) {
		if (model[i] == 0) {
			model[i] = (unsigned)i + 500000;
			live++;
		} else if (i % 5 == 0) {
			model[i] = (unsigned)i + 900000;
		} else {
			continue;
		}
		if (hashmap_put_int(&m, i * 7 + 3, V(model[i])) < 0)
			bad++;
	}
	CHECK_INT_EQ(bad, 0);
	CHECK_INT_EQ(live, N);
	CHECK_INT_EQ(m.used, N);
	for (long i = 0; i < N; i++)
		if (hashmap_get_int(&m, i * 7 + 3) != V(model[i]))
			bad++;
	CHECK_INT_EQ(bad, 0);
	/* Keys between the stored ones are absent. */
	for (long i = 0; i < N; i++)
		if (hashmap_get_int(&m, i * 7 + 4) != NULL)
			bad++;
	CHECK_INT_EQ(bad, 0);
	/* Delete everything. */
	for (long i = 0; i < N; i++)
		if (hashmap_del_int(&m, i * 7 + 3) != V(model[i]))
			bad++;
	CHECK_INT_EQ(bad, 0);
	CHECK_INT_EQ(m.used, 0);
	CHECK(hashmap_get_int(&m, 3) == NULL);
	hashmap_free(&m);
	free(model);
}

/* Insert/delete churn on a few keys must reuse tombstones (or rehash them
 * away) instead of growing the table without bound, and lookups must keep
 * walking past tombstones. */
static void
test_tombstones(void)
{
	struct hashmap m;
	size_t bad = 0, cap_after_fill = 0;

	hashmap_init_int(&m);
	for (long k = 0; k < 8; k++)
		hashmap_put_int(&m, k, V(k + 1));
	for (long round = 0; round < 100000; round++) {
		long k = 8 + round;
		if (round == 1000)
			cap_after_fill = m.cap;
		if (hashmap_put_int(&m, k, V(k)) < 0)
			bad++;
		if (hashmap_del_int(&m, k) != V(k))
			bad++;
	}
	CHECK_INT_EQ(bad, 0);
	CHECK_INT_EQ(m.used, 8);
	/* 8 live keys: the table settles at a small size and stays there. */
	CHECK(cap_after_fill <= 64);
	CHECK_INT_EQ(m.cap, cap_after_fill);
	CHECK(m.dead < m.cap);
	for (long k = 0; k < 8; k++)
		if (hashmap_get_int(&m, k) != V(k + 1))
			bad++;
	CHECK_INT_EQ(bad, 0);

	/* Delete and put back the same key: the tombstone is reused. */
	size_t dead = m.dead;
	CHECK(hashmap_del_int(&m, 3) == V(4));
	CHECK_INT_EQ(m.dead, dead + 1);
	CHECK_INT_EQ(hashmap_put_int(&m, 3, V(44)), 0);
	CHECK(m.dead <= dead);
	CHECK(hashmap_get_int(&m, 3) == V(44));
	CHECK_INT_EQ(m.used, 8);
	hashmap_free(&m);

	/* Colliding string keys: deleting the first of a probe chain keeps
	 * the later ones reachable. */
	struct hashmap s;
	static const char *const names[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
	hashmap_init_str(&s);
	for (size_t i = 0; i < 8; i++)
		hashmap_put_str(&s, names[i], V(i + 1));
	for (size_t i = 0; i < 8; i += 2)
		CHECK(hashmap_del_str(&s, names[i]) == V(i + 1));
	for (size_t i = 0; i < 8; i++)
		CHECK(hashmap_get_str(&s, names[i]) == ((i % 2) ? V(i + 1) : NULL));
	for (size_t i = 0; i < 8; i += 2)
		CHECK_INT_EQ(hashmap_put_str(&s, names[i], V(i + 100)), 0);
	for (size_t i = 0; i < 8; i++)
		CHECK(hashmap_get_str(&s, names[i]) == ((i % 2) ? V(i + 1) : V(i + 100)));
	CHECK_INT_EQ(s.used, 8);
	hashmap_free(&s);
}

int
main(void)
{
	test_str_basic();
	test_str_many();
	test_int_basic();
	test_int_many();
	test_tombstones();
	return TEST_DONE();
}
