/* duration: systemd time spans ("500ms", "2s", "1min 30s", "infinity"). */
#ifndef SUPERD_DURATION_H
#define SUPERD_DURATION_H

#include <stddef.h>
#include <stdint.h>

#define DURATION_INFINITY UINT64_MAX
#define USEC_PER_MSEC UINT64_C(1000)
#define USEC_PER_SEC UINT64_C(1000000)

/* Parse a time span into microseconds, as systemd.time(7) writes it: numbers
 * with optional fractions, each followed by a unit (us, ms, s, min, h, d, w,
 * M, y and their long names), spaces optional between parts; a bare number is
 * seconds; "infinity" is DURATION_INFINITY. Returns 0, or -1 with errno
 * EINVAL (malformed) or ERANGE (overflow). */
int duration_parse(const char *s, uint64_t *usec);

/* Format for humans ("1min 30s", "250ms", "infinity") into buf; returns buf. */
char *duration_format(uint64_t usec, char *buf, size_t size);

#endif
