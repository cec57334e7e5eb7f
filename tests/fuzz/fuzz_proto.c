/* Fuzz target: the control protocol, both directions.
 *
 * Requests: the input is what a client sends. It is cut into lines as
 * ctl.c's client_process() does (at most PROTO_MAX_REQUEST bytes with the
 * newline, a '\r' before it dropped), split with proto_split(), and the
 * arguments go through what the verbs do to them before they touch a unit:
 * unitfile_normalize_name() (every unit argument) and signame_parse()
 * (kill). The dispatch itself needs a running daemon and is not here.
 *
 * Replies: each line is also read as superctl reads a reply line
 * (proto_parse_status, proto_unescape of a Key=Value), and written as
 * superd writes one (proto_kv, proto_err) to check that what one side
 * encodes the other decodes unchanged. */
#include "buf.h"
#include "fuzzutil.h"
#include "proto.h"
#include "signame.h"
#include "unitfile.h"

#include <stdbool.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_request(const char *line)
{
	char *copy = strdup(line);
	char *argv[PROTO_MAX_ARGS];
	int argc;

	FUZZ_ASSERT(copy != NULL);
	argc = proto_split(copy, argv, PROTO_MAX_ARGS);
	FUZZ_ASSERT(argc >= -1 && argc <= PROTO_MAX_ARGS);
	for (int i = 0; i < argc; i++) {
		FUZZ_ASSERT(argv[i][0] != '\0' && strchr(argv[i], ' ') == NULL);
		for (const char *p = argv[i]; *p; p++)
			FUZZ_ASSERT((unsigned char)*p >= 0x20 && *p != 0x7f);
		if (i == 0)
			continue;
		char *name = unitfile_normalize_name(argv[i]);
		if (name != NULL) {
			FUZZ_ASSERT(unitfile_valid_name(name));
			free(name);
		}
		/* A signal's name reads back as that signal (32 and 33, which
		 * glibc keeps for itself, have none: "SIG32"). */
		int sig = signame_parse(argv[i]);
		if (sig >= 0) {
			const char *sn = signame_name(sig);
			FUZZ_ASSERT(strncmp(sn, "SIG", 3) == 0);
			if (!(sn[3] >= '0' && sn[3] <= '9'))
				FUZZ_ASSERT(signame_parse(sn) == sig);
		}
	}
	free(copy);
}

static void
check_reply(const char *line)
{
	char *copy = strdup(line);
	size_t len = strlen(line);
	int code;
	const char *msg;
	struct buf out = {0};

	FUZZ_ASSERT(copy != NULL);
	if (proto_parse_status(copy, &code, &msg)) {
		FUZZ_ASSERT(code >= 0 && code <= 255);
		FUZZ_ASSERT(code == 0 ? *msg == '\0' : msg >= copy && msg <= copy + len);
	}
	char *eq = strchr(copy, '=');
	if (eq != NULL) {
		proto_unescape(eq + 1);
		FUZZ_ASSERT(strlen(eq + 1) <= strlen(line + (eq + 1 - copy)));
	}
	free(copy);

	/* What superd encodes, superctl decodes to the same bytes. */
	proto_kv(&out, "Key", line);
	FUZZ_ASSERT(!out.failed && out.len >= 5);
	FUZZ_ASSERT(memcmp(out.data, "Key=", 4) == 0 && out.data[out.len - 1] == '\n');
	FUZZ_ASSERT(memchr(out.data, '\n', out.len) == out.data + out.len - 1);
	out.data[--out.len] = '\0';
	proto_unescape(out.data + 4);
	FUZZ_ASSERT(strcmp(out.data + 4, line) == 0);
	buf_reset(&out);

	/* An error line stays one line and reads back as a status. */
	proto_err(&out, PROTO_EUSAGE, "%s", line);
	FUZZ_ASSERT(!out.failed && out.data[out.len - 1] == '\n');
	FUZZ_ASSERT(memchr(out.data, '\n', out.len) == out.data + out.len - 1);
	out.data[--out.len] = '\0';
	FUZZ_ASSERT(proto_parse_status(out.data, &code, &msg) && code == PROTO_EUSAGE);
	buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;

	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len;

		if (nl == NULL)
			break; /* no request until its newline comes */
		len = (size_t)(nl - p);
		if (len + 1 > PROTO_MAX_REQUEST)
			break; /* superd answers ERR 2 and closes */
		/* An exact-size copy, so that a read past the line is caught. */
		char *line = fuzz_strndup(p, len);
		if (len > 0 && line[len - 1] == '\r')
			line[len - 1] = '\0';
		check_request(line);
		check_reply(line);
		free(line);
		p = nl + 1;
	}
	return 0;
}
