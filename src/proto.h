/* proto: the control protocol between superctl (or socat) and superd.
 *
 * A stream Unix socket. The client sends one request per line, at most
 * PROTO_MAX_REQUEST bytes with its newline: words separated by spaces, the
 * verb first. superd answers with zero or more data lines and then exactly
 * one status line, "OK" or "ERR CODE message", where CODE is the exit code
 * superctl uses. Several requests may follow one another on a connection.
 *
 * Data lines are "Key=Value". In a value, a backslash, a newline, a tab and
 * other control characters are escaped as \\, \n, \t and \xHH, so a value
 * never spans lines. Records (one per unit) are separated by an empty line.
 *
 * This module is the one place that encodes and decodes that format, for
 * both programs. */
#ifndef SUPERD_PROTO_H
#define SUPERD_PROTO_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

#define PROTO_MAX_REQUEST 4096
#define PROTO_MAX_ARGS 256

/* Exit codes of superctl, carried as ERR codes (SPEC §7). */
enum {
	PROTO_OK = 0,
	PROTO_EFAILED = 1,
	PROTO_EUSAGE = 2,
	PROTO_ENOTACTIVE = 3,
	PROTO_ENOUNIT = 4,
	PROTO_EUNAVAILABLE = 69,
};

/* Split a request line (without its newline) in place. Returns argc, or -1
 * if it has more than max words or a byte that has no place in a request
 * (control characters). */
int proto_split(char *line, char **argv, int max);

/* Append "Key=Value\n" with the value escaped. */
void proto_kv(struct buf *out, const char *key, const char *value);
void proto_kv_int(struct buf *out, const char *key, long long value);
void proto_kvf(struct buf *out, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Append the status line. */
void proto_ok(struct buf *out);
void proto_err(struct buf *out, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The default socket path, the same for superd and superctl:
 * $runstatedir/superd.sock as root, else $XDG_RUNTIME_DIR/superd.sock;
 * NULL if there is none. Static storage. */
const char *proto_default_socket(void);

/* Undo the escaping of a value, in place. */
void proto_unescape(char *s);

/* Parse a status line: true if line is "OK" or "ERR CODE message"; sets
 * *code (0 for OK) and *msg (points into line, "" for OK). */
bool proto_parse_status(char *line, int *code, const char **msg);

#endif
