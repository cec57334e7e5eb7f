/* superctl: the command-line client of superd's control socket (SPEC §7).
 *
 * One request per run: connect, send one line, read data lines up to the
 * status line, render them, exit with the code the status line carries. */
#include "buf.h"
#include "duration.h"
#include "proto.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

/* Requests that return at once get this long for an answer; jobs that wait
 * for units (start, stop, restart) wait as long as the units take. */
#define SUPERCTL_REPLY_TIMEOUT_SEC 30

struct verb_help {
	const char *name;
	const char *usage;
	const char *text;
};

static const struct verb_help verbs[] = {
	{"status", "status [--json] [UNIT...]",
	 "Show units as a table: state, PID, uptime, restarts, last exit, time to the\n"
	 "next restart, description. Exit 3 if a named unit is not active."},
	{"show", "show [--json] UNIT", "Print every setting and runtime field of UNIT as Key=Value."},
	{"start", "start [--no-block] UNIT...",
	 "Start units and wait until they are ready (exit 1 if a start fails)."},
	{"stop", "stop [--no-block] UNIT...", "Stop units and wait until they have stopped."},
	{"restart", "restart [--no-block] UNIT...",
	 "Restart units and wait until the new processes are ready."},
	{"reload", "reload [--dry-run] | reload UNIT...",
	 "Without units: reload superd's configuration. With units: run their\n"
	 "ExecReload= or send them their ReloadSignal=."},
	{"kill", "kill UNIT [-s SIGNAL]",
	 "Send SIGNAL (default SIGTERM) to the unit's process group."},
	{"is-active", "is-active UNIT", "Exit 0 if UNIT is active, 3 if not, 4 if there is no such unit."},
	{"health", "health", "Exit 0 if superd answers and is not shutting down, 1 otherwise."},
	{"shutdown", "shutdown", "Shut superd down gracefully."},
	{"version", "version", "Print the versions of superctl and superd."},
	{"help", "help [VERB]", "Show help."},
};

static bool use_color;

static void
usage(FILE *f)
{
	fprintf(f, "Usage: superctl [-s SOCKET] [--no-pager] [--no-color] VERB [ARGS]\n\nVerbs:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "  %s\n", verbs[i].usage);
	fprintf(f, "\nThe socket is -s SOCKET, else $SUPERD_SOCKET, else superd's default.\n"
		   "Exit codes: 0 ok, 1 failed, 2 usage, 3 not active, 4 no such unit,\n"
		   "69 no superd answers.\n");
}

static const struct verb_help *
find_verb(const char *name)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

static void
verb_usage(FILE *f, const struct verb_help *v)
{
	fprintf(f, "Usage: superctl %s\n\n%s\n", v->usage, v->text);
}

static int __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "superctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see superctl --help)\n");
	return PROTO_EUSAGE;
}

/* ---- talking to superd ------------------------------------------------ */

struct reply {
	struct buf raw; /* data lines, as received */
	int code;
	char msg[1024];
};

static int
connect_socket(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "superctl: socket path too long: %s\n", path);
		return -PROTO_EUSAGE;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "superctl: socket: %s\n", strerror(errno));
		return -PROTO_EFAILED;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		if (e == EACCES || e == EPERM) {
			fprintf(stderr, "superctl: permission denied on %s: %s\n", path, strerror(e));
			return -PROTO_EFAILED;
		}
		fprintf(stderr, "superctl: no superd answers on %s: %s\n", path, strerror(e));
		return -PROTO_EUNAVAILABLE;
	}
	return fd;
}

/* Send one request and read the reply. Returns 0, or an exit code. */
static int
request(const char *path, const char *line, bool waits, struct reply *r)
{
	struct buf in = {0};
	size_t len = strlen(line);
	int fd = connect_socket(path);

	if (fd < 0)
		return -fd;
	if (!waits) {
		struct timeval tv = {SUPERCTL_REPLY_TIMEOUT_SEC, 0};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	for (size_t off = 0; off < len;) {
		ssize_t n = send(fd, line + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			break; /* superd answered and closed (a refusal): read it */
		if (n < 0) {
			fprintf(stderr, "superctl: sending to %s: %s\n", path, strerror(errno));
			close(fd);
			return PROTO_EUNAVAILABLE;
		}
		off += (size_t)n;
	}
	for (;;) {
		char chunk[65536];
		ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				fprintf(stderr, "superctl: no answer from superd on %s within %d s\n",
					path, SUPERCTL_REPLY_TIMEOUT_SEC);
			else
				fprintf(stderr, "superctl: superd on %s closed the connection without "
						"a complete answer\n", path);
			close(fd);
			buf_free(&in);
			return PROTO_EUNAVAILABLE;
		}
		buf_add(&in, chunk, (size_t)n);
		if (in.failed) {
			fprintf(stderr, "superctl: out of memory\n");
			close(fd);
			return PROTO_EFAILED;
		}
		/* The status line is "OK" or "ERR CODE ...": no data line can
		 * look like that, since keys never hold a space. */
		char *start = in.data;
		for (char *nl; (nl = memchr(start, '\n', in.len - (size_t)(start - in.data)));
		     start = nl + 1) {
			*nl = '\0';
			int code;
			const char *msg;
			if (proto_parse_status(start, &code, &msg)) {
				r->code = code;
				snprintf(r->msg, sizeof(r->msg), "%s", msg);
				close(fd);
				buf_free(&in);
				return 0;
			}
			buf_adds(&r->raw, start);
			buf_add(&r->raw, "\n", 1);
		}
		buf_consume(&in, (size_t)(start - in.data));
	}
}

/* ---- records ---------------------------------------------------------- */

struct field {
	char *key, *value;
};

struct record {
	struct field *v;
	size_t n, cap;
};

struct records {
	struct record *v;
	size_t n, cap;
};

/* Room for one more element in *v (n used of *cap), doubling; exits on
 * ENOMEM (superctl has nothing to save). */
static void
grow(void *v, size_t n, size_t *cap, size_t size)
{
	void **pv = v;

	if (n < *cap)
		return;
	size_t want = *cap ? *cap * 2 : 16;
	void *p = reallocarray(*pv, want, size);
	if (p == NULL) {
		fprintf(stderr, "superctl: out of memory\n");
		exit(PROTO_EFAILED);
	}
	*pv = p;
	*cap = want;
}

static void
records_push(struct records *out, struct record *cur)
{
	grow(&out->v, out->n, &out->cap, sizeof(*out->v));
	out->v[out->n++] = *cur;
	memset(cur, 0, sizeof(*cur));
}

static void
records_parse(char *data, struct records *out)
{
	struct record cur = {0};

	/* Records are separated by empty lines, so split by hand. */
	for (char *line = data; line && *line != '\0';) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (*line == '\0') {
			if (cur.n)
				records_push(out, &cur);
		} else {
			char *eq = strchr(line, '=');
			if (eq) {
				*eq = '\0';
				proto_unescape(eq + 1);
				grow(&cur.v, cur.n, &cur.cap, sizeof(*cur.v));
				cur.v[cur.n].key = line;
				cur.v[cur.n].value = eq + 1;
				cur.n++;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	if (cur.n)
		records_push(out, &cur);
}

static const char *
get(const struct record *r, const char *key)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].key, key) == 0)
			return r->v[i].value;
	return "";
}

/* ---- output --------------------------------------------------------- */

/* The length of the well-formed UTF-8 sequence at p, or 0 if none starts
 * there; then *bad is the length of its maximal subpart (the bytes that
 * begin a sequence but do not complete it, at least one), which becomes one
 * U+FFFD, as Unicode recommends and Python and browsers do. */
static size_t
utf8_sequence(const unsigned char *p, size_t *bad)
{
	/* Unicode Table 3-7: the range of the second byte depends on the
	 * first, which rules out overlongs, surrogates and > U+10FFFF. */
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	*bad = 1;
	if (*p < 0x80)
		return 1;
	if (*p >= 0xc2 && *p <= 0xdf)
		n = 2;
	else if (*p >= 0xe0 && *p <= 0xef)
		n = 3;
	else if (*p >= 0xf0 && *p <= 0xf4)
		n = 4;
	else
		return 0;
	if (*p == 0xe0)
		lo = 0xa0;
	else if (*p == 0xed)
		hi = 0x9f;
	else if (*p == 0xf0)
		lo = 0x90;
	else if (*p == 0xf4)
		hi = 0x8f;
	for (size_t i = 1; i < n; i++) {
		/* The terminating NUL is outside every range. */
		if (p[i] < lo || p[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80, hi = 0xbf;
	}
	return n;
}

/* A JSON string. Values come from unit files and from services (STATUS=),
 * so they may hold anything: invalid UTF-8 becomes U+FFFD and control
 * characters are escaped, so that the output always parses. */
static void
json_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	putchar('"');
	while (*p) {
		size_t bad, n = utf8_sequence(p, &bad);
		if (n == 0) {
			fputs("\\ufffd", stdout);
			p += bad;
			continue;
		}
		if (n > 1)
			fwrite(p, 1, n, stdout);
		else if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", stdout);
		else if (*p == '\t')
			fputs("\\t", stdout);
		else if (*p == '\r')
			fputs("\\r", stdout);
		else if (*p == '\b')
			fputs("\\b", stdout);
		else if (*p == '\f')
			fputs("\\f", stdout);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
		p += n;
	}
	putchar('"');
}

static bool
json_numeric_key(const char *k)
{
	static const char *const keys[] = {"MainPID", "Restarts", "BackoffStep", "ExecMainStatus",
					   "UptimeUSec", "NextRestartUSec", "StartLimitBurst"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(k, keys[i]) == 0)
			return true;
	return false;
}

static void
json_value(const char *key, const char *v)
{
	if (json_numeric_key(key)) {
		if (*v == '\0') {
			printf("null");
			return;
		}
		if (strspn(v, "0123456789") == strlen(v)) {
			printf("%s", v);
			return;
		}
	}
	if (strcmp(key, "Ready") == 0 && (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0)) {
		printf("%s", strcmp(v, "yes") == 0 ? "true" : "false");
		return;
	}
	json_string(v);
}

static void
json_record(const struct record *r)
{
	putchar('{');
	bool first = true;
	for (size_t i = 0; i < r->n; i++) {
		const char *k = r->v[i].key;
		bool seen = false, repeated = false;
		for (size_t j = 0; j < i; j++)
			seen |= strcmp(r->v[j].key, k) == 0;
		if (seen)
			continue;
		for (size_t j = i + 1; j < r->n; j++)
			repeated |= strcmp(r->v[j].key, k) == 0;
		/* Command lists are arrays even with one command, for jq. */
		repeated |= strncmp(k, "Exec", 4) == 0 && strcmp(k, "ExecMainCode") != 0 &&
			    strcmp(k, "ExecMainStatus") != 0;
		printf("%s", first ? "" : ",");
		first = false;
		json_string(k);
		putchar(':');
		if (!repeated) {
			json_value(k, r->v[i].value);
			continue;
		}
		putchar('[');
		bool f2 = true;
		for (size_t j = i; j < r->n; j++)
			if (strcmp(r->v[j].key, k) == 0) {
				printf("%s", f2 ? "" : ",");
				f2 = false;
				json_value(k, r->v[j].value);
			}
		putchar(']');
	}
	putchar('}');
}

static const char *
human_usec(const char *v, char *buf, size_t size, const char *prefix)
{
	char d[64];
	if (*v == '\0')
		return "-";
	unsigned long long usec = strtoull(v, NULL, 10);
	/* Seconds are enough for a table. */
	if (usec >= 1000000)
		usec -= usec % 1000000;
	duration_format(usec, d, sizeof(d));
	/* No spaces inside a cell: plain output splits on white space. */
	size_t n = 0;
	for (const char *p = d; *p && n + 1 < sizeof(d); p++)
		if (*p != ' ')
			d[n++] = *p;
	d[n] = '\0';
	snprintf(buf, size, "%s%s", prefix, d);
	return buf;
}

static const char *
state_color(const char *state)
{
	if (strcmp(state, "active") == 0 || strcmp(state, "exited") == 0)
		return "\033[32m";
	if (strcmp(state, "failed") == 0)
		return "\033[31m";
	if (strcmp(state, "inactive") == 0)
		return "\033[2m";
	return "\033[33m";
}

/* A table cell: control characters (a service's STATUS= text may hold any)
 * shown escaped as on the wire, so that they can neither break the
 * table's lines nor reach the terminal. Exits on ENOMEM. */
static char *
table_cell(const char *s)
{
	struct buf b = {0};

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n')
			buf_adds(&b, "\\n");
		else if (*p == '\t')
			buf_adds(&b, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(&b, "\\x%02x", *p);
		else
			buf_add(&b, (const char *)p, 1);
	}
	/* Even an empty cell needs storage, and the NUL with it. */
	buf_add(&b, "", 1);
	if (b.failed) {
		fprintf(stderr, "superctl: out of memory\n");
		exit(PROTO_EFAILED);
	}
	return b.data;
}

enum { COL_UNIT, COL_STATE, COL_PID, COL_UPTIME, COL_RESTARTS, COL_EXIT, COL_NEXT, COL_DESC, NCOLS };

static void
print_table(const struct records *rs)
{
	static const char *const heads[NCOLS] = {"UNIT", "STATE", "PID", "UPTIME", "RESTARTS",
						 "LAST EXIT", "NEXT RESTART", "DESCRIPTION"};
	size_t width[NCOLS];
	char ***cells = calloc(rs->n ? rs->n : 1, sizeof(*cells));

	for (int c = 0; c < NCOLS; c++)
		width[c] = strlen(heads[c]);
	for (size_t i = 0; i < rs->n; i++) {
		const struct record *r = &rs->v[i];
		char b1[64], b2[64];
		const char *state = get(r, "State"), *reason = get(r, "Reason");
		const char *pid = get(r, "MainPID");
		char *desc = NULL;
		const char *text = get(r, "StatusText");
		/* A non-active unit's reason, or an active one's STATUS= text. */
		if (*reason && strcmp(state, "active") != 0)
			asprintf(&desc, "%s%s(%s)", get(r, "Description"),
				 *get(r, "Description") ? " " : "", reason);
		else if (*text)
			asprintf(&desc, "%s%s(%s)", get(r, "Description"),
				 *get(r, "Description") ? " " : "", text);
		cells[i] = calloc(NCOLS, sizeof(char *));
		cells[i][COL_UNIT] = strdup(get(r, "Name"));
		cells[i][COL_STATE] = strdup(state);
		cells[i][COL_PID] = strdup(*pid && strcmp(pid, "0") != 0 ? pid : "-");
		cells[i][COL_UPTIME] = strdup(human_usec(get(r, "UptimeUSec"), b1, sizeof(b1), ""));
		cells[i][COL_RESTARTS] = strdup(get(r, "Restarts"));
		cells[i][COL_EXIT] = strdup(*get(r, "LastExit") ? get(r, "LastExit") : "-");
		cells[i][COL_NEXT] =
			strdup(human_usec(get(r, "NextRestartUSec"), b2, sizeof(b2), ""));
		cells[i][COL_DESC] = table_cell(desc ? desc : get(r, "Description"));
		free(desc);
		for (int c = 0; c < NCOLS; c++)
			if (strlen(cells[i][c]) > width[c])
				width[c] = strlen(cells[i][c]);
	}
	for (int c = 0; c < NCOLS - 1; c++)
		printf("%-*s  ", (int)width[c], heads[c]);
	printf("%s\n", heads[NCOLS - 1]);
	for (size_t i = 0; i < rs->n; i++) {
		for (int c = 0; c < NCOLS; c++) {
			const char *cell = cells[i][c];
			if (c == NCOLS - 1) {
				printf("%s\n", cell);
			} else if (c == COL_STATE && use_color) {
				printf("%s%-*s\033[0m  ", state_color(cell), (int)width[c], cell);
			} else {
				printf("%-*s  ", (int)width[c], cell);
			}
			free(cells[i][c]);
		}
		free(cells[i]);
	}
	free(cells);
}

/* ---- main -------------------------------------------------------------- */

int
main(int argc, char **argv)
{
	const char *sock = getenv("SUPERD_SOCKET");
	bool json = false, no_block = false, dry_run = false, no_color = false;
	const char *signal = NULL;
	struct buf line = {0};
	struct reply r = {0};
	int i = 1, rc;

	if (sock != NULL && *sock == '\0')
		sock = NULL;
	/* Options before the verb. */
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-s") == 0 || strcmp(argv[i], "--socket") == 0) {
			if (++i == argc)
				return usage_error("%s needs a socket path", argv[i - 1]);
			sock = argv[i];
		} else if (strncmp(argv[i], "--socket=", 9) == 0) {
			sock = argv[i] + 9;
		} else if (strcmp(argv[i], "--no-pager") == 0) {
			/* superctl never pages; accepted for systemctl habits */
		} else if (strcmp(argv[i], "--no-color") == 0) {
			no_color = true;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("superctl %s\n", PACKAGE_VERSION);
			return 0;
		} else {
			return usage_error("unknown option %s", argv[i]);
		}
	}
	if (i == argc) {
		usage(stderr);
		return PROTO_EUSAGE;
	}
	const char *verb = argv[i++];
	const struct verb_help *vh = find_verb(verb);
	if (vh == NULL)
		return usage_error("unknown verb '%s'", verb);

	/* The verb's own options and its arguments. */
	const char *args[PROTO_MAX_ARGS];
	int nargs = 0;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			verb_usage(stdout, vh);
			return 0;
		} else if (strcmp(a, "--json") == 0 && (!strcmp(verb, "status") || !strcmp(verb, "show"))) {
			json = true;
		} else if (strcmp(a, "--no-block") == 0 &&
			   (!strcmp(verb, "start") || !strcmp(verb, "stop") || !strcmp(verb, "restart"))) {
			no_block = true;
		} else if (strcmp(a, "--dry-run") == 0 && !strcmp(verb, "reload")) {
			dry_run = true;
		} else if ((strcmp(a, "-s") == 0 || strcmp(a, "--signal") == 0) && !strcmp(verb, "kill")) {
			if (++i == argc)
				return usage_error("%s needs a signal", a);
			signal = argv[i];
		} else if (strncmp(a, "--signal=", 9) == 0 && !strcmp(verb, "kill")) {
			signal = a + 9;
		} else if (a[0] == '-' && a[1] != '\0') {
			return usage_error("%s: unknown option %s", verb, a);
		} else {
			if (nargs == PROTO_MAX_ARGS - 2)
				return usage_error("too many arguments");
			if (*a == '\0' || strpbrk(a, " \t\r\n") != NULL)
				return usage_error("'%s' is not a unit name", a);
			args[nargs++] = a;
		}
	}

	if (json && strcmp(verb, "status") != 0 && strcmp(verb, "show") != 0)
		return usage_error("%s: --json is only for status and show", verb);

	if (strcmp(verb, "help") == 0) {
		if (nargs > 1)
			return usage_error("help takes at most one verb");
		if (nargs == 1) {
			const struct verb_help *h = find_verb(args[0]);
			if (h == NULL)
				return usage_error("unknown verb '%s'", args[0]);
			verb_usage(stdout, h);
		} else {
			usage(stdout);
		}
		return 0;
	}
	/* Arity, checked here so that a usage error never needs superd. */
	bool one = !strcmp(verb, "show") || !strcmp(verb, "is-active") || !strcmp(verb, "kill");
	bool none = !strcmp(verb, "health") || !strcmp(verb, "shutdown") || !strcmp(verb, "version");
	bool some = !strcmp(verb, "start") || !strcmp(verb, "stop") || !strcmp(verb, "restart");
	if ((one && nargs != 1) || (none && nargs != 0) || (some && nargs == 0) ||
	    (dry_run && nargs > 0))
		return usage_error("usage: superctl %s", vh->usage);

	if (sock == NULL)
		sock = proto_default_socket();
	if (sock == NULL) {
		fprintf(stderr, "superctl: no socket: use -s SOCKET or set SUPERD_SOCKET "
				"(XDG_RUNTIME_DIR is not set)\n");
		return PROTO_EUNAVAILABLE;
	}

	buf_adds(&line, verb);
	if (no_block)
		buf_adds(&line, " --no-block");
	if (dry_run)
		buf_adds(&line, " --dry-run");
	for (int k = 0; k < nargs; k++) {
		buf_add(&line, " ", 1);
		buf_adds(&line, args[k]);
	}
	if (signal) {
		if (strpbrk(signal, " \t\r\n") != NULL)
			return usage_error("'%s' is not a signal", signal);
		buf_add(&line, " ", 1);
		buf_adds(&line, signal);
	}
	buf_add(&line, "\n", 1);
	if (line.failed || line.len > PROTO_MAX_REQUEST)
		return usage_error("request longer than %d bytes", PROTO_MAX_REQUEST);

	/* Jobs answer when done: no reply deadline for them. */
	rc = request(sock, line.data, (some && !no_block) || !strcmp(verb, "reload"), &r);
	buf_free(&line);
	if (rc != 0)
		return rc;
	/* status of named units that are not all active still shows them. */
	bool show_anyway = r.code == PROTO_ENOTACTIVE && strcmp(verb, "status") == 0;
	if (r.code != 0 && !strcmp(verb, "reload") && r.raw.data) {
		/* A refused reload: every problem, as FILE:LINE: message. */
		struct records errs = {0};
		records_parse(r.raw.data, &errs);
		for (size_t k = 0; k < errs.n; k++)
			for (size_t f = 0; f < errs.v[k].n; f++)
				fprintf(stderr, "%s: %s\n",
					strcmp(errs.v[k].v[f].key, "Error") ? "warning" : "error",
					errs.v[k].v[f].value);
		for (size_t k = 0; k < errs.n; k++)
			free(errs.v[k].v);
		free(errs.v);
		r.raw.len = 0;
	}
	if (r.code != 0 && !show_anyway) {
		/* is-active prints nothing, as in systemctl. */
		if (strcmp(verb, "is-active") != 0 || r.code == PROTO_ENOUNIT)
			fprintf(stderr, "superctl: %s\n", r.msg);
		buf_free(&r.raw);
		return r.code;
	}

	use_color = !no_color && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
	struct records rs = {0};
	rc = 0;
	if (!strcmp(verb, "show") && !json && r.raw.data) {
		/* As received: one line per key, escapes kept. */
		fputs(r.raw.data, stdout);
	}
	if (r.raw.data)
		records_parse(r.raw.data, &rs);
	if (!strcmp(verb, "status")) {
		if (json) {
			putchar('[');
			for (size_t k = 0; k < rs.n; k++) {
				if (k)
					putchar(',');
				json_record(&rs.v[k]);
			}
			printf("]\n");
		} else {
			print_table(&rs);
		}
		rc = r.code;
	} else if (!strcmp(verb, "show")) {
		if (json && rs.n > 0) {
			json_record(&rs.v[0]);
			putchar('\n');
		}
	} else if (!strcmp(verb, "reload") && nargs == 0) {
		/* The plan (always for --dry-run), and every warning. */
		for (size_t k = 0; k < rs.n; k++)
			for (size_t f = 0; f < rs.v[k].n; f++) {
				const struct field *fl = &rs.v[k].v[f];
				if (strcmp(fl->key, "Warning") == 0)
					fprintf(stderr, "superctl: warning: %s\n", fl->value);
				else if (dry_run && strcmp(fl->key, "Error") != 0)
					printf("%s %s\n", fl->key, fl->value);
			}
	} else if (!strcmp(verb, "version")) {
		printf("superctl %s\nsuperd %s\n", PACKAGE_VERSION,
		       rs.n ? get(&rs.v[0], "Version") : "unknown");
	}
	for (size_t k = 0; k < rs.n; k++)
		free(rs.v[k].v);
	free(rs.v);
	buf_free(&r.raw);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "superctl: writing output: %s\n", strerror(errno));
		return PROTO_EFAILED;
	}
	return rc;
}
