#include "backoff.h"

uint64_t
backoff_delay(uint64_t restart_usec, uint64_t max_usec, unsigned step)
{
	uint64_t base = restart_usec, d;

	if (max_usec < restart_usec)
		max_usec = restart_usec;
	if (restart_usec == 0) {
		if (step == 0)
			return 0;
		base = BACKOFF_ZERO_BASE_USEC;
		step--;
	}
	d = base;
	for (unsigned i = 0; i < step; i++) {
		if (d >= max_usec / 2 + 1) /* the next doubling reaches the cap */
			return max_usec;
		d *= 2;
	}
	return d < max_usec ? d : max_usec;
}

bool
backoff_should_reset(uint64_t uptime_usec, uint64_t reset_usec)
{
	return uptime_usec >= reset_usec;
}
