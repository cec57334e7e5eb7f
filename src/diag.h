/* diag: configuration problems, collected rather than printed at once so that
 * one --check (or one failed reload) reports every problem, each as
 * "FILE:LINE: severity: message". */
#ifndef SUPERD_DIAG_H
#define SUPERD_DIAG_H

#include <stdbool.h>
#include <stddef.h>

enum diag_severity {
	DIAG_ERROR,
	DIAG_WARNING,
	DIAG_NOTICE,
};

struct diag_entry {
	enum diag_severity severity;
	unsigned line; /* 0: the problem concerns the whole file */
	char *file;
	char *msg;
};

struct diag {
	struct diag_entry *v;
	size_t n;
	size_t cap;
	size_t errors;
	/* --strict: unknown keys and sections count as errors. */
	bool strict;
};

/* Record one problem. Out of memory is recorded as a count-only error so
 * that a config is never taken as valid because a message was lost. */
void diag_add(struct diag *d, enum diag_severity sev, const char *file,
	      unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* An unknown key or section: a warning, or an error under strict. */
void diag_unknown(struct diag *d, const char *file, unsigned line,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Print every entry to stderr, in the order recorded. */
void diag_print(const struct diag *d);
/* Log every entry through log.c (for run time, where stderr is the log). */
void diag_log(const struct diag *d);
void diag_free(struct diag *d);

#endif
