#include "pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
pidfile_write(const char *path, pid_t pid, bool *was_link)
{
	char *tmp = NULL;
	char buf[32];
	struct stat st;
	int fd, n, saved;

	if (was_link != NULL)
		*was_link = lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
	/* mkostemp() creates with O_EXCL: nothing planted at the temp name is
	 * followed either. */
	if (asprintf(&tmp, "%s.tmpXXXXXX", path) < 0)
		return -1;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		goto fail_nofd;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)pid);
	if (fchmod(fd, 0644) < 0)
		goto fail;
	for (int off = 0; off < n;) {
		ssize_t w = write(fd, buf + off, (size_t)(n - off));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = ENOSPC;
			goto fail;
		}
		off += (int)w;
	}
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	/* rename() replaces the directory entry: a symbolic link at path is
	 * replaced itself, its target never written. */
	if (rename(tmp, path) < 0)
		goto fail;
	free(tmp);
	return 0;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
fail_nofd:
	saved = errno;
	free(tmp);
	errno = saved;
	return -1;
}

/* The PID in buf (a number, then only white space), or 0. */
static pid_t
parse_pid(const char *buf)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || v <= 0 || v > 0x3fffffff)
		return 0;
	while (*end == '\n' || *end == ' ' || *end == '\r' || *end == '\t')
		end++;
	return *end == '\0' ? (pid_t)v : 0;
}

/* Leave the file in place: say why, set errno. Returns -1. */
static int __attribute__((format(printf, 4, 5)))
keep(int err, char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	errno = err;
	return -1;
}

int
pidfile_remove(const char *path, pid_t pid, char *why, size_t size)
{
	struct stat st, now;
	char buf[32];
	ssize_t n;
	pid_t named;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == ELOOP)
			return keep(ELOOP, why, size,
				    "it is a symbolic link, not a file superd wrote");
		return keep(errno, why, size, "%s", strerror(errno));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return keep(EEXIST, why, size, "it is not a regular file");
	}
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	named = parse_pid(buf);
	if (pid > 0 && named != pid)
		return named > 0 ? keep(EEXIST, why, size, "it names process %ld now, not %ld",
					(long)named, (long)pid)
				 : keep(EEXIST, why, size, "it no longer holds PID %ld", (long)pid);
	if (pid == 0 && named > 0 && (kill(named, 0) == 0 || errno == EPERM))
		return keep(EEXIST, why, size, "it names process %ld, which is running",
			    (long)named);
	/* Remove the file that was checked, not one swapped in meanwhile.
	 * (Whoever can swap it can write the directory and could remove it
	 * anyway; unlink never follows a link.) */
	if (lstat(path, &now) < 0)
		return errno == ENOENT ? 0 : keep(errno, why, size, "%s", strerror(errno));
	if (now.st_dev != st.st_dev || now.st_ino != st.st_ino)
		return keep(EEXIST, why, size, "it was replaced while superd checked it");
	if (unlink(path) < 0 && errno != ENOENT)
		return keep(errno, why, size, "%s", strerror(errno));
	return 0;
}
