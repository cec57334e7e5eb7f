#include "duration.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *suffix;
	uint64_t usec;
} duration_units[] = {
	/* Longer suffixes first where one is a prefix of another. */
	{"seconds", USEC_PER_SEC},
	{"second", USEC_PER_SEC},
	{"sec", USEC_PER_SEC},
	{"s", USEC_PER_SEC},
	{"minutes", 60 * USEC_PER_SEC},
	{"minute", 60 * USEC_PER_SEC},
	{"min", 60 * USEC_PER_SEC},
	{"months", 2629800 * USEC_PER_SEC},
	{"month", 2629800 * USEC_PER_SEC},
	{"msec", USEC_PER_MSEC},
	{"ms", USEC_PER_MSEC},
	{"m", 60 * USEC_PER_SEC},
	{"hours", 3600 * USEC_PER_SEC},
	{"hour", 3600 * USEC_PER_SEC},
	{"hr", 3600 * USEC_PER_SEC},
	{"h", 3600 * USEC_PER_SEC},
	{"days", 86400 * USEC_PER_SEC},
	{"day", 86400 * USEC_PER_SEC},
	{"d", 86400 * USEC_PER_SEC},
	{"weeks", 604800 * USEC_PER_SEC},
	{"week", 604800 * USEC_PER_SEC},
	{"w", 604800 * USEC_PER_SEC},
	{"M", 2629800 * USEC_PER_SEC},
	{"years", 31557600 * USEC_PER_SEC},
	{"year", 31557600 * USEC_PER_SEC},
	{"y", 31557600 * USEC_PER_SEC},
	{"usec", 1},
	{"us", 1},
	{"\xc2\xb5s", 1},
};

/* Match the longest unit suffix at *p, followed by a non-letter. */
static bool
duration_unit(const char **p, uint64_t *mult)
{
	for (size_t i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
		size_t n = strlen(duration_units[i].suffix);
		if (strncmp(*p, duration_units[i].suffix, n) == 0 &&
		    !isalpha((unsigned char)(*p)[n])) {
			*p += n;
			*mult = duration_units[i].usec;
			return true;
		}
	}
	return false;
}

int
duration_parse(const char *s, uint64_t *usec)
{
	const char *p = s;
	uint64_t total = 0;
	bool any = false;

	while (isspace((unsigned char)*p))
		p++;
	if (strcmp(p, "infinity") == 0) {
		*usec = DURATION_INFINITY;
		return 0;
	}
	while (*p != '\0') {
		uint64_t whole = 0, frac = 0, frac_div = 1, mult = USEC_PER_SEC;
		bool digits = false;

		if (!isdigit((unsigned char)*p) && *p != '.')
			goto invalid;
		for (; isdigit((unsigned char)*p); p++) {
			digits = true;
			if (whole > (UINT64_MAX - 9) / 10)
				goto range;
			whole = whole * 10 + (uint64_t)(*p - '0');
		}
		if (*p == '.') {
			p++;
			for (; isdigit((unsigned char)*p); p++) {
				digits = true;
				/* Digits past microsecond precision are ignored. */
				if (frac_div < UINT64_C(1000000000000)) {
					frac = frac * 10 + (uint64_t)(*p - '0');
					frac_div *= 10;
				}
			}
		}
		if (!digits)
			goto invalid;
		while (*p == ' ' || *p == '\t')
			p++;
		if (isalpha((unsigned char)*p) || (unsigned char)*p == 0xc2) {
			if (!duration_unit(&p, &mult))
				goto invalid;
		}
		if (whole > UINT64_MAX / mult)
			goto range;
		/* frac * mult needs up to 86 bits (12 digits times a year). */
		uint64_t fpart = (uint64_t)((unsigned __int128)frac * mult / frac_div);
		if (whole * mult > UINT64_MAX - fpart)
			goto range;
		uint64_t part = whole * mult + fpart;
		if (part > UINT64_MAX - 1 - total)
			goto range;
		total += part;
		any = true;
		while (isspace((unsigned char)*p))
			p++;
	}
	if (!any)
		goto invalid;
	*usec = total;
	return 0;
invalid:
	errno = EINVAL;
	return -1;
range:
	errno = ERANGE;
	return -1;
}

char *
duration_format(uint64_t usec, char *buf, size_t size)
{
	static const struct {
		const char *suffix;
		uint64_t usec;
	} parts[] = {
		{"d", 86400 * USEC_PER_SEC}, {"h", 3600 * USEC_PER_SEC},
		{"min", 60 * USEC_PER_SEC},  {"s", USEC_PER_SEC},
		{"ms", USEC_PER_MSEC},	     {"us", 1},
	};
	size_t len = 0;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	if (usec == DURATION_INFINITY) {
		snprintf(buf, size, "infinity");
		return buf;
	}
	if (usec == 0) {
		snprintf(buf, size, "0");
		return buf;
	}
	/* Precision to match the size: no microseconds past a millisecond,
	 * no milliseconds past a minute. */
	if (usec >= 60 * USEC_PER_SEC)
		usec -= usec % USEC_PER_SEC;
	else if (usec >= USEC_PER_MSEC)
		usec -= usec % USEC_PER_MSEC;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) && usec > 0; i++) {
		uint64_t n = usec / parts[i].usec;
		if (n == 0)
			continue;
		usec -= n * parts[i].usec;
		int w = snprintf(buf + len, size - len, "%s%llu%s", len ? " " : "",
				 (unsigned long long)n, parts[i].suffix);
		if (w < 0 || (size_t)w >= size - len)
			break;
		len += (size_t)w;
	}
	return buf;
}
