/* Unit tests for duration.c: systemd time spans. */
#include "duration.h"
#include "testutil.h"

#include <errno.h>

#define MS USEC_PER_MSEC
#define SEC USEC_PER_SEC
#define MIN (60 * SEC)
#define HOUR (3600 * SEC)
#define DAY (86400 * SEC)
#define WEEK (7 * DAY)
#define MONTH (2629800 * SEC)
#define YEAR (31557600 * SEC)

/* Parse s and check that it gives want. */
static void
check_ok(const char *s, uint64_t want, int line)
{
	uint64_t got = 12345;
	int rc;

	errno = 0;
	rc = duration_parse(s, &got);
	if (!testutil_check_int(rc, 0, __FILE__, line, s, "0"))
		return;
	testutil_check_u64(got, want, __FILE__, line, s, "expected");
}

/* Parse s and check that it fails with errno err and leaves *usec alone. */
static void
check_fail(const char *s, int err, int line)
{
	uint64_t got = 12345;
	int rc;

	errno = 0;
	rc = duration_parse(s, &got);
	testutil_check_int(rc, -1, __FILE__, line, s, "-1");
	testutil_check_int(errno, err, __FILE__, line, "errno", err == EINVAL ? "EINVAL" : "ERANGE");
	testutil_check_u64(got, 12345, __FILE__, line, "usec untouched", "12345");
}

#define OK(s, want) check_ok((s), (want), __LINE__)
#define FAIL(s, err) check_fail((s), (err), __LINE__)

static void
test_units(void)
{
	OK("0", 0);
	OK("2", 2 * SEC); /* bare number: seconds */
	OK("500ms", 500 * MS);
	OK("2s", 2 * SEC);
	OK("7us", 7);
	OK("7usec", 7);
	OK("7\xc2\xb5s", 7); /* µs */
	OK("3msec", 3 * MS);
	OK("1sec", SEC);
	OK("1second", SEC);
	OK("5seconds", 5 * SEC);
	OK("1m", MIN);
	OK("1min", MIN);
	OK("1minute", MIN);
	OK("2minutes", 2 * MIN);
	OK("1h", HOUR);
	OK("1hr", HOUR);
	OK("1hour", HOUR);
	OK("3hours", 3 * HOUR);
	OK("1d", DAY);
	OK("1day", DAY);
	OK("2days", 2 * DAY);
	OK("1w", WEEK);
	OK("1week", WEEK);
	OK("2weeks", 2 * WEEK);
	OK("1M", MONTH); /* capital M: month, not minute */
	OK("1month", MONTH);
	OK("2months", 2 * MONTH);
	OK("1y", YEAR);
	OK("1year", YEAR);
	OK("2years", 2 * YEAR);
}

static void
test_combinations(void)
{
	OK("1min 30s", 90 * SEC);
	OK("1min30s", 90 * SEC);
	OK("1min  30s", 90 * SEC);
	OK("1h 2min 3s 4ms 5us", HOUR + 2 * MIN + 3 * SEC + 4 * MS + 5);
	OK("1h2min3s4ms5us", HOUR + 2 * MIN + 3 * SEC + 4 * MS + 5);
	OK("2 s", 2 * SEC); /* space between number and unit */
	OK("  5s", 5 * SEC);
	OK("5s  ", 5 * SEC);
	OK("1s 500ms", 1500 * MS);
	OK("1d 1h", DAY + HOUR);
	OK("30s 1min", 90 * SEC); /* order does not matter */
}

static void
test_fractions(void)
{
	OK("1.5s", 1500 * MS);
	OK("1.5", 1500 * MS);
	OK("0.5min", 30 * SEC);
	OK(".5s", 500 * MS);
	OK("0.25h", 15 * MIN);
	OK("1.5ms", 1500);
	OK("0.000001s", 1);
	OK("0.0000001s", 0); /* below a microsecond */
	OK("2.5d", 2 * DAY + 12 * HOUR);
	OK("1.5min 0.5s", 90 * SEC + 500 * MS);
	/* Extra zeros in the fraction do not change the value. */
	OK("0.5h", 30 * MIN);
	OK("0.500000h", 30 * MIN);
	OK("0.6y", 18934560 * SEC);
	OK("0.600000y", 18934560 * SEC);
	OK("1.500000000000min", 90 * SEC);
}

static void
test_infinity(void)
{
	OK("infinity", DURATION_INFINITY);
	OK("  infinity", DURATION_INFINITY);
	FAIL("infinityx", EINVAL);
	FAIL("inf", EINVAL);
	FAIL("1s infinity", EINVAL);
}

static void
test_invalid(void)
{
	FAIL("", EINVAL);
	FAIL("   ", EINVAL);
	FAIL("s", EINVAL);
	FAIL("ms", EINVAL);
	FAIL("abc", EINVAL);
	FAIL("-1s", EINVAL);
	FAIL("+1s", EINVAL);
	FAIL("1x", EINVAL);
	FAIL("1 parsecs", EINVAL);
	FAIL("1sx", EINVAL);
	FAIL("1minutesx", EINVAL);
	FAIL("1s,2s", EINVAL);
	FAIL(".", EINVAL);
	FAIL(".s", EINVAL);
	FAIL("5s-", EINVAL);
	FAIL("\xc2\xa0" "5s", EINVAL);
	FAIL("5\xc2\xa0", EINVAL);
}

static void
test_range(void)
{
	OK("584542y", 584542 * YEAR); /* the largest whole number of years */
	FAIL("584543y", ERANGE);
	FAIL("1000000y", ERANGE);
	FAIL("99999999999999999999", ERANGE);
	FAIL("99999999999999999999us", ERANGE);
	/* The fraction must not wrap the sum around either. */
	FAIL("18446744073709.9s", ERANGE);
	FAIL("18446744073709s 0.9s", ERANGE);
	FAIL("18446744073709551615s", ERANGE);
	FAIL("500000y 500000y", ERANGE);	 /* each fits, the sum does not */
	FAIL("584542y 584542y 584542y", ERANGE);
	OK("18446744073709us", UINT64_C(18446744073709));
	OK("18446744073709s", UINT64_C(18446744073709) * SEC);
	FAIL("18446744073710s", ERANGE);
}

static void
check_format(uint64_t usec, const char *want, int line)
{
	char buf[64];
	char *r;

	memset(buf, 'X', sizeof(buf));
	r = duration_format(usec, buf, sizeof(buf));
	testutil_check(r == buf, __FILE__, line, "duration_format returns buf");
	testutil_check_str(buf, want, __FILE__, line, "formatted", want);
}

#define FMT(usec, want) check_format((usec), (want), __LINE__)

static void
test_format(void)
{
	char small[5], one[1];

	FMT(0, "0");
	FMT(DURATION_INFINITY, "infinity");
	FMT(1, "1us");
	FMT(999, "999us");
	FMT(MS, "1ms");
	FMT(250 * MS, "250ms");
	FMT(1500 * MS, "1s 500ms");
	FMT(SEC, "1s");
	FMT(90 * SEC, "1min 30s");
	FMT(HOUR, "1h");
	FMT(HOUR + 30 * SEC, "1h 30s");
	FMT(DAY + HOUR + MIN + SEC, "1d 1h 1min 1s");
	FMT(3 * DAY, "3d");
	/* Precision follows magnitude. */
	FMT(1500, "1ms");
	FMT(61 * SEC + 500 * MS, "1min 1s");

	/* Never writes past size and stays NUL-terminated. */
	memset(small, 'X', sizeof(small));
	duration_format(90 * SEC, small, sizeof(small));
	CHECK(memchr(small, '\0', sizeof(small)) != NULL);
	CHECK(strlen(small) < sizeof(small));
	one[0] = 'X';
	duration_format(90 * SEC, one, sizeof(one));
	CHECK_INT_EQ(one[0], '\0');
	one[0] = 'X';
	duration_format(90 * SEC, one, 0);
	CHECK_INT_EQ(one[0], 'X');
}

/* What duration_format writes, duration_parse reads back. */
static void
test_round_trip(void)
{
	static const uint64_t values[] = {
		1,	     999,	   MS,		 250 * MS,	    1500 * MS,
		59 * SEC + 999 * MS, 60 * SEC, 90 * SEC, HOUR + MIN + SEC, DAY,
		10 * DAY + 5 * HOUR, 100 * WEEK, DURATION_INFINITY, 0,
	};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		char buf[64];
		uint64_t back = 1;
		duration_format(values[i], buf, sizeof(buf));
		if (CHECK_INT_EQ(duration_parse(buf, &back), 0))
			CHECK_U64_EQ(back, values[i]);
	}
}

int
main(void)
{
	test_units();
	test_combinations();
	test_fractions();
	test_infinity();
	test_invalid();
	test_range();
	test_format();
	test_round_trip();
	return TEST_DONE();
}
