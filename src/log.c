#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static enum log_level log_level = LOG_LEVEL_INFO;

static const char *const log_level_names[] = {
	[LOG_LEVEL_ERR] = "error",
	[LOG_LEVEL_WARNING] = "warning",
	[LOG_LEVEL_NOTICE] = "notice",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

int
log_level_parse(const char *s)
{
	static const struct {
		const char *name;
		enum log_level level;
	} names[] = {
		{"emerg", LOG_LEVEL_ERR},	{"alert", LOG_LEVEL_ERR},
		{"crit", LOG_LEVEL_ERR},	{"err", LOG_LEVEL_ERR},
		{"error", LOG_LEVEL_ERR},	{"warning", LOG_LEVEL_WARNING},
		{"warn", LOG_LEVEL_WARNING},	{"notice", LOG_LEVEL_NOTICE},
		{"info", LOG_LEVEL_INFO},	{"debug", LOG_LEVEL_DEBUG},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].name) == 0)
			return (int)names[i].level;
	return -1;
}

static void
log_vmsg(enum log_level level, const char *unit, int errnum, const char *fmt,
	 va_list ap)
{
	char line[2048];
	size_t len;
	int n;

	if (level > log_level)
		return;
	n = snprintf(line, sizeof(line), "superd: %s: ", log_level_names[level]);
	len = n > 0 ? (size_t)n : 0;
	if (unit != NULL && len < sizeof(line)) {
		n = snprintf(line + len, sizeof(line) - len, "%s: ", unit);
		len += n > 0 ? (size_t)n : 0;
	}
	if (len < sizeof(line)) {
		n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
		len += n > 0 ? (size_t)n : 0;
	}
	if (errnum != 0 && len < sizeof(line)) {
		n = snprintf(line + len, sizeof(line) - len, ": %s",
			     strerror(errnum));
		len += n > 0 ? (size_t)n : 0;
	}
	/* A line that did not fit is cut, and still ends with a newline. */
	if (len > sizeof(line) - 1)
		len = sizeof(line) - 1;
	line[len++] = '\n';
	for (size_t off = 0; off < len;) {
		ssize_t w = write(STDERR_FILENO, line + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
}

void
log_msg(enum log_level level, const char *unit, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vmsg(level, unit, 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_msg_errno(enum log_level level, const char *unit, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vmsg(level, unit, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}
