/* testutil: the few assertions the unit tests need.
 *
 * Each CHECK counts; a failed one prints FILE:LINE and the values involved
 * and the program goes on, so that one run shows every failure. main() ends
 * with "return TEST_DONE();", which prints "N checks, M failed" and exits 1
 * if anything failed. Arguments are evaluated exactly once. */
#ifndef SUPERD_TESTUTIL_H
#define SUPERD_TESTUTIL_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static unsigned testutil_checks;
static unsigned testutil_failed;

static inline bool
testutil_check(bool ok, const char *file, int line, const char *expr)
{
	testutil_checks++;
	if (!ok) {
		testutil_failed++;
		fprintf(stderr, "%s:%d: check failed: %s\n", file, line, expr);
	}
	return ok;
}

static inline bool
testutil_check_str(const char *a, const char *b, const char *file, int line,
		   const char *ea, const char *eb)
{
	bool ok = (a == NULL && b == NULL) ||
		  (a != NULL && b != NULL && strcmp(a, b) == 0);

	testutil_checks++;
	if (!ok) {
		testutil_failed++;
		fprintf(stderr, "%s:%d: check failed: %s == %s\n", file, line, ea, eb);
		fprintf(stderr, "  left:  %s%s%s\n", a ? "\"" : "", a ? a : "NULL",
			a ? "\"" : "");
		fprintf(stderr, "  right: %s%s%s\n", b ? "\"" : "", b ? b : "NULL",
			b ? "\"" : "");
	}
	return ok;
}

static inline bool
testutil_check_int(long long a, long long b, const char *file, int line,
		   const char *ea, const char *eb)
{
	testutil_checks++;
	if (a != b) {
		testutil_failed++;
		fprintf(stderr, "%s:%d: check failed: %s == %s\n  left:  %lld\n  right: %lld\n",
			file, line, ea, eb, a, b);
		return false;
	}
	return true;
}

static inline bool
testutil_check_u64(uint64_t a, uint64_t b, const char *file, int line,
		   const char *ea, const char *eb)
{
	testutil_checks++;
	if (a != b) {
		testutil_failed++;
		fprintf(stderr, "%s:%d: check failed: %s == %s\n  left:  %" PRIu64
				"\n  right: %" PRIu64 "\n",
			file, line, ea, eb, a, b);
		return false;
	}
	return true;
}

static inline int
testutil_done(const char *file)
{
	printf("%s: %u checks, %u failed\n", file, testutil_checks, testutil_failed);
	fflush(stdout);
	return testutil_failed ? 1 : 0;
}

/* Each macro is an expression worth true when the check passed, so that a
 * test can skip what would crash after a failure: if (CHECK(p)) use(p). */
#define CHECK(cond) testutil_check((cond) ? true : false, __FILE__, __LINE__, #cond)
#define CHECK_STR_EQ(a, b) testutil_check_str((a), (b), __FILE__, __LINE__, #a, #b)
#define CHECK_INT_EQ(a, b) \
	testutil_check_int((long long)(a), (long long)(b), __FILE__, __LINE__, #a, #b)
#define CHECK_U64_EQ(a, b) \
	testutil_check_u64((uint64_t)(a), (uint64_t)(b), __FILE__, __LINE__, #a, #b)
#define TEST_DONE() testutil_done(__FILE__)

#endif
