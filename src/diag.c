#include "diag.h"
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const diag_names[] = {
	[DIAG_ERROR] = "error",
	[DIAG_WARNING] = "warning",
	[DIAG_NOTICE] = "notice",
};

static void
diag_vadd(struct diag *d, enum diag_severity sev, const char *file,
	  unsigned line, const char *fmt, va_list ap)
{
	struct diag_entry *e;
	char *msg = NULL;

	if (sev == DIAG_ERROR)
		d->errors++;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct diag_entry *v = realloc(d->v, cap * sizeof(*v));
		if (v == NULL)
			return;
		d->v = v;
		d->cap = cap;
	}
	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	e = &d->v[d->n];
	e->severity = sev;
	e->line = line;
	e->file = strdup(file ? file : "");
	e->msg = msg;
	if (e->file == NULL) {
		free(msg);
		return;
	}
	d->n++;
}

void
diag_add(struct diag *d, enum diag_severity sev, const char *file,
	 unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, sev, file, line, fmt, ap);
	va_end(ap);
}

void
diag_unknown(struct diag *d, const char *file, unsigned line, const char *fmt,
	     ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, d->strict ? DIAG_ERROR : DIAG_WARNING, file, line, fmt, ap);
	va_end(ap);
}

static void
diag_format(const struct diag_entry *e, char *buf, size_t size)
{
	if (e->line > 0)
		snprintf(buf, size, "%s:%u: %s: %s", e->file, e->line,
			 diag_names[e->severity], e->msg);
	else
		snprintf(buf, size, "%s: %s: %s", e->file,
			 diag_names[e->severity], e->msg);
}

void
diag_print(const struct diag *d)
{
	char buf[2048];

	for (size_t i = 0; i < d->n; i++) {
		diag_format(&d->v[i], buf, sizeof(buf));
		fprintf(stderr, "%s\n", buf);
	}
	fflush(stderr);
}

void
diag_log(const struct diag *d)
{
	static const enum log_level levels[] = {
		[DIAG_ERROR] = LOG_LEVEL_ERR,
		[DIAG_WARNING] = LOG_LEVEL_WARNING,
		[DIAG_NOTICE] = LOG_LEVEL_NOTICE,
	};
	char buf[2048];

	for (size_t i = 0; i < d->n; i++) {
		const struct diag_entry *e = &d->v[i];
		if (e->line > 0)
			snprintf(buf, sizeof(buf), "%s:%u: %s", e->file, e->line, e->msg);
		else
			snprintf(buf, sizeof(buf), "%s: %s", e->file, e->msg);
		log_msg(levels[e->severity], NULL, "%s", buf);
	}
}

void
diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->cap = d->errors = 0;
}
