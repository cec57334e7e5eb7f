/* fuzzutil: what the fuzz targets share.
 *
 * The unit-file and environment-file readers take a path, so a target
 * writes its input to a memfd and passes "/proc/self/fd/N": no temporary
 * files to clean up, and nothing outside the process is touched. */
#ifndef SUPERD_FUZZUTIL_H
#define SUPERD_FUZZUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* A new memfd; path gets its "/proc/self/fd/N" name. Aborts on failure: a
 * harness that cannot set up must not report inputs as fine. */
static inline int
fuzz_memfd(const char *name, char *path, size_t pathsize)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(path, pathsize, "/proc/self/fd/%d", fd);
	return fd;
}

/* Replace the memfd's content with data. */
static inline void
fuzz_memfd_set(int fd, const uint8_t *data, size_t size)
{
	size_t off = 0;

	if (ftruncate(fd, 0) < 0) {
		perror("ftruncate");
		abort();
	}
	while (off < size) {
		ssize_t n = pwrite(fd, data + off, size - off, (off_t)off);
		if (n <= 0) {
			perror("pwrite");
			abort();
		}
		off += (size_t)n;
	}
}

/* data as a NUL-terminated string (bytes after an embedded NUL are
 * ignored, as a C caller would). The caller frees it. */
static inline char *
fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#define FUZZ_ASSERT(cond)                                                           \
	do {                                                                        \
		if (!(cond)) {                                                      \
			fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, \
				__LINE__, #cond);                                   \
			abort();                                                    \
		}                                                                   \
	} while (0)

#endif
