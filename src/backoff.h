/* backoff: restart delay arithmetic, pure so that it can be tested alone.
 *
 * Step 0 waits RestartSec=; each further step doubles, up to
 * RestartMaxDelaySec=. RestartSec=0 restarts at once the first time, and the
 * doubling then starts from 100 ms. A run that lasted RestartResetSec= puts
 * the unit back at step 0. */
#ifndef SUPERD_BACKOFF_H
#define SUPERD_BACKOFF_H

#include <stdbool.h>
#include <stdint.h>

#define BACKOFF_ZERO_BASE_USEC UINT64_C(100000)

/* The delay before restart number step+1 (step counts from 0). */
uint64_t backoff_delay(uint64_t restart_usec, uint64_t max_usec, unsigned step);

/* Whether a run of uptime_usec earns a reset to step 0. */
bool backoff_should_reset(uint64_t uptime_usec, uint64_t reset_usec);

#endif
