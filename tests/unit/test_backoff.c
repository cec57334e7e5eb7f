/* Unit tests for backoff.c: restart delay arithmetic. */
#include "backoff.h"
#include "duration.h"
#include "testutil.h"

#define MS USEC_PER_MSEC
#define SEC USEC_PER_SEC

static void
test_defaults(void)
{
	/* RestartSec=1s, RestartMaxDelaySec=60s: 1 2 4 8 16 32 60 60 ... */
	static const uint64_t want[] = {1, 2, 4, 8, 16, 32, 60, 60, 60};
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK_U64_EQ(backoff_delay(SEC, 60 * SEC, i), want[i] * SEC);
}

static void
test_zero_restart_sec(void)
{
	/* RestartSec=0: at once, then 100ms doubling. */
	CHECK_U64_EQ(BACKOFF_ZERO_BASE_USEC, 100 * MS);
	CHECK_U64_EQ(backoff_delay(0, 60 * SEC, 0), 0);
	CHECK_U64_EQ(backoff_delay(0, 60 * SEC, 1), 100 * MS);
	CHECK_U64_EQ(backoff_delay(0, 60 * SEC, 2), 200 * MS);
	CHECK_U64_EQ(backoff_delay(0, 60 * SEC, 3), 400 * MS);
	CHECK_U64_EQ(backoff_delay(0, 60 * SEC, 4), 800 * MS);
	CHECK_U64_EQ(backoff_delay(0, 60 * SEC, 10), 51200 * MS);
	CHECK_U64_EQ(backoff_delay(0, 60 * SEC, 11), 60 * SEC);
	CHECK_U64_EQ(backoff_delay(0, 60 * SEC, 200), 60 * SEC);
	/* The cap applies to the 100ms base too. */
	CHECK_U64_EQ(backoff_delay(0, 50 * MS, 0), 0);
	CHECK_U64_EQ(backoff_delay(0, 50 * MS, 1), 50 * MS);
	CHECK_U64_EQ(backoff_delay(0, 50 * MS, 5), 50 * MS);
	CHECK_U64_EQ(backoff_delay(0, 0, 0), 0);
	CHECK_U64_EQ(backoff_delay(0, 0, 7), 0);
}

static void
test_cap(void)
{
	/* Not a power of two away from the cap. */
	CHECK_U64_EQ(backoff_delay(3 * SEC, 10 * SEC, 0), 3 * SEC);
	CHECK_U64_EQ(backoff_delay(3 * SEC, 10 * SEC, 1), 6 * SEC);
	CHECK_U64_EQ(backoff_delay(3 * SEC, 10 * SEC, 2), 10 * SEC);
	CHECK_U64_EQ(backoff_delay(3 * SEC, 10 * SEC, 3), 10 * SEC);
	/* Exactly reaching the cap. */
	CHECK_U64_EQ(backoff_delay(SEC, 8 * SEC, 3), 8 * SEC);
	CHECK_U64_EQ(backoff_delay(SEC, 8 * SEC, 2), 4 * SEC);
	/* Cap equal to RestartSec: constant delay. */
	for (unsigned i = 0; i < 5; i++)
		CHECK_U64_EQ(backoff_delay(5 * SEC, 5 * SEC, i), 5 * SEC);
	/* Cap below RestartSec: RestartSec wins. */
	CHECK_U64_EQ(backoff_delay(5 * SEC, SEC, 0), 5 * SEC);
	CHECK_U64_EQ(backoff_delay(5 * SEC, SEC, 3), 5 * SEC);
	CHECK_U64_EQ(backoff_delay(5 * SEC, 0, 200), 5 * SEC);
	/* Odd microsecond values double exactly. */
	CHECK_U64_EQ(backoff_delay(333, 1000000, 2), 1332);
}

static void
test_no_overflow(void)
{
	/* Huge steps stay at the cap instead of wrapping. */
	CHECK_U64_EQ(backoff_delay(SEC, 60 * SEC, 64), 60 * SEC);
	CHECK_U64_EQ(backoff_delay(SEC, 60 * SEC, 200), 60 * SEC);
	CHECK_U64_EQ(backoff_delay(SEC, 60 * SEC, ~0u), 60 * SEC);
	CHECK_U64_EQ(backoff_delay(0, 60 * SEC, ~0u), 60 * SEC);
	/* A cap near the top of the range: doubling must not wrap to a small
	 * number before reaching it. */
	uint64_t big = UINT64_MAX - 1;
	uint64_t prev = 0;
	for (unsigned i = 0; i < 100; i++) {
		uint64_t d = backoff_delay(SEC, big, i);
		if (!CHECK(d >= prev))
			break;
		CHECK(d <= big);
		prev = d;
	}
	CHECK_U64_EQ(backoff_delay(SEC, big, 200), big);
	CHECK_U64_EQ(backoff_delay(SEC, big, 10), 1024 * SEC);
	CHECK_U64_EQ(backoff_delay(UINT64_MAX / 2 + 1, UINT64_MAX, 1), UINT64_MAX);
	CHECK_U64_EQ(backoff_delay(UINT64_MAX / 2, UINT64_MAX, 1), UINT64_MAX - 1);
	CHECK_U64_EQ(backoff_delay(UINT64_MAX, UINT64_MAX, 200), UINT64_MAX);
}

static void
test_should_reset(void)
{
	CHECK(backoff_should_reset(30 * SEC, 30 * SEC));
	CHECK(backoff_should_reset(31 * SEC, 30 * SEC));
	CHECK(!backoff_should_reset(30 * SEC - 1, 30 * SEC));
	CHECK(!backoff_should_reset(0, 30 * SEC));
	CHECK(backoff_should_reset(0, 0));
	CHECK(!backoff_should_reset(UINT64_MAX - 1, UINT64_MAX));
	CHECK(backoff_should_reset(UINT64_MAX, UINT64_MAX));
}

int
main(void)
{
	test_defaults();
	test_zero_restart_sec();
	test_cap();
	test_no_overflow();
	test_should_reset();
	return TEST_DONE();
}
