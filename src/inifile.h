/* inifile: systemd-flavoured INI files through inih.
 *
 * Debian's libinih is built with a 200-byte line buffer, ';' inline comments
 * and no line numbers. systemd's syntax needs lines of any length, a ';'
 * inside values (ExecStart=/bin/sh -c "a; b"), backslash continuation and
 * exact line numbers. So inih reads through our own reader: it joins
 * continued lines, drops comment lines, keeps each value in a side table and
 * hands inih only "Key=<token>" lines; the handler gets the whole value back
 * with the line number where the assignment began. Nothing is ever cut. */
#ifndef SUPERD_INIFILE_H
#define SUPERD_INIFILE_H

#include "diag.h"

#include <stdint.h>

/* Called for each assignment. section is "" before the first section header.
 * Returns nothing: problems go into the diag list. */
typedef void (*inifile_handler)(void *user, const char *section,
				const char *key, const char *value,
				unsigned line);
/* Called for each section header (so that unknown sections are reported even
 * when empty). May be NULL. */
typedef void (*inifile_section_handler)(void *user, const char *section,
					unsigned line);

/* Read the file at path whole (a regular file, or a character device such
 * as /dev/null read to its end), at most max bytes, NUL-terminated, into a
 * new *out. -1 with errno: EFBIG past max, EINVAL for a FIFO, socket or
 * block device (never opened blocking), EISDIR, or open's own. */
int inifile_read_all(const char *path, size_t max, char **out, size_t *outlen);

/* Parse the file at path. Syntax problems are added to d as FILE:LINE:
 * errors and parsing goes on. The assignments under an invalid section
 * header are dropped, with no message beyond the header's own error, up to
 * the next valid header: they are never handed over as the previous
 * section's. Returns 0, or -1 with errno if the file could not be read
 * (also reported in d). */
int inifile_parse(const char *path, inifile_handler handler,
		  inifile_section_handler section_handler, void *user,
		  struct diag *d);
/* The same, and *hash gets a 64-bit hash of the file's bytes (so that a
 * reload can tell an unchanged file). */
int inifile_parse_hash(const char *path, inifile_handler handler,
		       inifile_section_handler section_handler, void *user,
		       struct diag *d, uint64_t *hash);

#endif
