#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef HAVE_SYSTEMD
#include <systemd/sd-journal.h>
#endif

static enum log_level log_level = LOG_LEVEL_INFO;
/* Where stderr lines go: fd 2 itself, or (log_never_block) a non-blocking
 * description of the same pipe or terminal; a socket is written with
 * MSG_DONTWAIT. Lines that would block are counted, not waited for. */
static int log_fd = STDERR_FILENO;
static bool log_fd_socket;
static unsigned long log_dropped;
#ifdef HAVE_SYSTEMD
static enum log_dest log_dest = LOG_TO_STDERR;
#endif

void
log_set_dest(enum log_dest dest)
{
#ifdef HAVE_SYSTEMD
	/* sd_journal_send() drops lines silently when no journald listens:
	 * look once, and keep to stderr if there is none. */
	if (dest == LOG_TO_JOURNAL && access("/run/systemd/journal/socket", W_OK) < 0) {
		log_msg(LOG_LEVEL_NOTICE, NULL, "no journal socket (%s); logging to stderr",
			strerror(errno));
		return;
	}
	log_dest = dest;
#else
	(void)dest;
#endif
}

void
log_never_block(void)
{
	struct stat st;

	if (fstat(STDERR_FILENO, &st) < 0)
		return;
	if (S_ISSOCK(st.st_mode)) {
		log_fd_socket = true;
		return;
	}
	if (!S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode))
		return; /* a file: writes do not wait on a reader */
	/* A description of its own: O_NONBLOCK on fd 2's would change it for
	 * every process that shares it (the children, the shell). */
	int fd = open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		log_msg_errno(LOG_LEVEL_WARNING, NULL, "cannot reopen stderr without blocking; "
						       "a reader that stops reading will stall superd");
		return;
	}
	log_fd = fd;
}

static bool
log_write(const char *line, size_t len)
{
	for (;;) {
		ssize_t w = log_fd_socket ? send(log_fd, line, len, MSG_DONTWAIT | MSG_NOSIGNAL)
					  : write(log_fd, line, len);
		if (w < 0 && errno == EINTR)
			continue;
		/* A line fits the pipe's atomic size: all of it or nothing. */
		return w == (ssize_t)len;
	}
}

bool
log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return false;
	return fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

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
#ifdef HAVE_SYSTEMD
	if (log_dest == LOG_TO_JOURNAL) {
		static const int prio[] = {
			[LOG_LEVEL_ERR] = 3, [LOG_LEVEL_WARNING] = 4, [LOG_LEVEL_NOTICE] = 5,
			[LOG_LEVEL_INFO] = 6, [LOG_LEVEL_DEBUG] = 7,
		};
		char msg[2048];
		va_list copy;
		va_copy(copy, ap);
		n = vsnprintf(msg, sizeof(msg), fmt, copy);
		va_end(copy);
		if (n >= 0 && errnum != 0 && (size_t)n < sizeof(msg))
			snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", strerror(errnum));
		int r = unit ? sd_journal_send("MESSAGE=%s: %s", unit, msg, "PRIORITY=%d",
					       prio[level], "SYSLOG_IDENTIFIER=superd",
					       "SUPERD_UNIT=%s", unit, NULL)
			     : sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", prio[level],
					       "SYSLOG_IDENTIFIER=superd", NULL);
		if (r >= 0)
			return;
		/* The journal did not take it: stderr, rather than nothing. */
	}
#endif
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
	if (log_dropped > 0) {
		char note[96];
		n = snprintf(note, sizeof(note),
			     "superd: warning: %lu log line(s) dropped: stderr was not read\n",
			     log_dropped);
		if (n <= 0 || !log_write(note, (size_t)n)) {
			log_dropped++;
			return;
		}
		log_dropped = 0;
	}
	if (!log_write(line, len))
		log_dropped++;
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
