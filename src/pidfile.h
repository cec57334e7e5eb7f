/* pidfile: PID files written atomically (temp file in the same directory,
 * then rename) so that a reader never sees a partial number. */
#ifndef SUPERD_PIDFILE_H
#define SUPERD_PIDFILE_H

#include <sys/types.h>

/* Returns 0, or -1 with errno (the temp file is removed). */
int pidfile_write(const char *path, pid_t pid);
/* Remove path; a missing file is not an error. Returns 0 or -1 with errno. */
int pidfile_remove(const char *path);

#endif
