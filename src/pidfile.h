/* pidfile: PID files written atomically (temp file in the same directory,
 * then rename) so that a reader never sees a partial number, and removed
 * only while they are still superd's.
 *
 * A PID file often lives in a directory others can write to (/tmp, a
 * daemon's own /run/NAME owned by its user), so the path is never trusted:
 * - writing never follows what is at the path: rename(2) replaces a
 *   symbolic link (or a file) planted there, the link's target untouched;
 * - removing never follows either (unlink(2) removes a link, not its
 *   target), and a file that is not a regular file, or that now names
 *   another process, is someone else's and is left in place. */
#ifndef SUPERD_PIDFILE_H
#define SUPERD_PIDFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Write pid to path. *was_link (if not NULL) tells whether a symbolic link
 * stood at path and was replaced. Returns 0, or -1 with errno (the temp
 * file is removed). */
int pidfile_write(const char *path, pid_t pid, bool *was_link);

/* Remove path if it is still ours: a regular file, not a symbolic link,
 * that names pid; with pid 0, one that names no live process (the caller's
 * processes are gone, so a live one belongs to someone else). A missing
 * file counts as removed. Returns 0, or -1 if the file is left in place,
 * with the reason in why (size bytes) and errno set. */
int pidfile_remove(const char *path, pid_t pid, char *why, size_t size);

#endif
