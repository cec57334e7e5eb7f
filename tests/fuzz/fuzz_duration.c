/* Fuzz target: duration_parse, and duration_format on what it returns.
 *
 * duration_format drops precision on purpose (no microseconds past a
 * millisecond, no milliseconds past a minute), so the round trip checked is
 * parse(format(v)) == v with that precision dropped. */
#include "duration.h"
#include "fuzzutil.h"

#include <errno.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t
shown(uint64_t usec)
{
	if (usec >= 60 * USEC_PER_SEC)
		return usec - usec % USEC_PER_SEC;
	if (usec >= USEC_PER_MSEC)
		return usec - usec % USEC_PER_MSEC;
	return usec;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	uint64_t usec = 0, again = 0;
	char buf[64], small[8];

	errno = 0;
	if (duration_parse(text, &usec) < 0) {
		FUZZ_ASSERT(errno == EINVAL || errno == ERANGE);
		free(text);
		return 0;
	}
	duration_format(usec, buf, sizeof(buf));
	FUZZ_ASSERT(strlen(buf) < sizeof(buf) - 1);
	FUZZ_ASSERT(duration_parse(buf, &again) == 0);
	FUZZ_ASSERT(again == (usec == DURATION_INFINITY ? usec : shown(usec)));
	/* A short buffer is cut, never overrun. */
	duration_format(usec, small, sizeof(small));
	FUZZ_ASSERT(strlen(small) < sizeof(small));
	free(text);
	return 0;
}
