/* log: superd's own log lines.
 *
 * One line per event: "superd: LEVEL: UNIT: message". The unit part is left
 * out for daemon-wide events. Lines go to stderr in one write(2) each so that
 * they never interleave with the output of children that share stderr.
 * Functions ending in _errno append ": strerror(errno)" (OpenBSD's log_warn
 * versus log_warnx). */
#ifndef SUPERD_LOG_H
#define SUPERD_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LEVEL_ERR,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_NOTICE,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

/* Lines above this level are dropped. Default LOG_LEVEL_INFO. */
void log_set_level(enum log_level level);

/* Parse "err", "warning", "notice", "info", "debug" (and systemd's aliases
 * "error", "warn", "crit", "alert", "emerg"). Returns -1 if unknown. */
int log_level_parse(const char *s);

/* Where lines go. LOG_TO_JOURNAL sends structured entries (PRIORITY=,
 * SYSLOG_IDENTIFIER=superd, SUPERD_UNIT=) through libsystemd, falling back
 * to stderr for a line the journal does not take. */
enum log_dest {
	LOG_TO_STDERR,
	LOG_TO_JOURNAL,
};
void log_set_dest(enum log_dest dest);
/* From now on never wait for stderr's reader: a pipe or terminal is
 * reopened non-blocking for superd's own lines (fd 2 itself, which the
 * children share, is left as it is), a socket is sent to without waiting.
 * A line that cannot be written at once is dropped and counted; the next
 * one that can says how many were lost. */
void log_never_block(void);
/* Whether stderr is the journal's stream (JOURNAL_STREAM= names it). */
bool log_stderr_is_journal(void);

/* unit may be NULL for daemon-wide events. */
void log_msg(enum log_level level, const char *unit, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void log_msg_errno(enum log_level level, const char *unit, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_err(u, ...) log_msg(LOG_LEVEL_ERR, (u), __VA_ARGS__)
#define log_warn(u, ...) log_msg(LOG_LEVEL_WARNING, (u), __VA_ARGS__)
#define log_notice(u, ...) log_msg(LOG_LEVEL_NOTICE, (u), __VA_ARGS__)
#define log_info(u, ...) log_msg(LOG_LEVEL_INFO, (u), __VA_ARGS__)
#define log_debug(u, ...) log_msg(LOG_LEVEL_DEBUG, (u), __VA_ARGS__)
#define log_err_errno(u, ...) log_msg_errno(LOG_LEVEL_ERR, (u), __VA_ARGS__)
#define log_warn_errno(u, ...) log_msg_errno(LOG_LEVEL_WARNING, (u), __VA_ARGS__)

#endif
