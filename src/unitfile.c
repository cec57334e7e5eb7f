#include "unitfile.h"

#include "buf.h"
#include "duration.h"
#include "inifile.h"
#include "signame.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>

/* Raw Exec*= lines, kept until the environment is complete. */
struct raw_line {
	char *text;
	unsigned line;
};

struct raw_lines {
	struct raw_line *v;
	size_t n;
};

enum raw_exec_kind {
	RAW_START,
	RAW_START_PRE,
	RAW_START_POST,
	RAW_RELOAD,
	RAW_STOP,
	RAW__MAX,
};

struct unitfile_parse {
	struct unit_config *c;
	struct diag *d;
	const char *path;
	struct raw_lines exec[RAW__MAX];
	/* One warning per ignored key, not one per line. */
	struct strv warned;
	bool timeout_stop_set;
	bool restart_set;
	/* Where each EnvironmentFile= was written, for its messages. */
	unsigned envfile_line[64];
};

struct unitfile_key;
typedef void (*unitfile_parser)(struct unitfile_parse *p,
				const struct unitfile_key *k,
				const char *value, unsigned line);

enum {
	KEY_UNIT = 1u << 0,
	KEY_SERVICE = 1u << 1,
	/* Parsed and checked, but not acted on by this version yet. */
	KEY_NOT_YET = 1u << 2,
};

struct unitfile_key {
	const char *name;
	unsigned flags;
	unitfile_parser parse;
	size_t offset; /* into struct unit_config, where the parser needs one */
	int arg;       /* parser-specific */
};

#define OFF(field) offsetof(struct unit_config, field)
#define FIELD(p, k, type) ((type *)((char *)(p)->c + (k)->offset))

static void
bad_value(struct unitfile_parse *p, const struct unitfile_key *k, unsigned line,
	  const char *value, const char *why)
{
	diag_add(p->d, DIAG_ERROR, p->path, line, "invalid %s=%s: %s", k->name,
		 value, why);
}

static void
oom(struct unitfile_parse *p, unsigned line)
{
	diag_add(p->d, DIAG_ERROR, p->path, line, "out of memory");
}

static void
parse_string(struct unitfile_parse *p, const struct unitfile_key *k,
	     const char *value, unsigned line)
{
	char **field = FIELD(p, k, char *);
	free(*field);
	*field = NULL;
	if (*value == '\0')
		return;
	*field = strdup(value);
	if (*field == NULL)
		oom(p, line);
}

static void
parse_abs_path(struct unitfile_parse *p, const struct unitfile_key *k,
	       const char *value, unsigned line)
{
	if (*value != '\0' && *value != '/') {
		bad_value(p, k, line, value, "not an absolute path");
		return;
	}
	parse_string(p, k, value, line);
}

static int
parse_bool_value(const char *v)
{
	static const char *const yes[] = {"1", "yes", "y", "true", "t", "on"};
	static const char *const no[] = {"0", "no", "n", "false", "f", "off"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

static void
parse_bool(struct unitfile_parse *p, const struct unitfile_key *k,
	   const char *value, unsigned line)
{
	int b = parse_bool_value(value);
	if (b < 0) {
		bad_value(p, k, line, value, "expected yes or no");
		return;
	}
	*FIELD(p, k, bool) = b;
}

static void
parse_duration(struct unitfile_parse *p, const struct unitfile_key *k,
	       const char *value, unsigned line)
{
	uint64_t usec;
	if (duration_parse(value, &usec) < 0) {
		bad_value(p, k, line, value,
			  errno == ERANGE ? "too large"
					  : "expected a time span such as 500ms, 2s or 1min 30s");
		return;
	}
	*FIELD(p, k, uint64_t) = usec;
}

/* TimeoutStopSec=0 means no timeout, as in systemd. */
static void
parse_timeout(struct unitfile_parse *p, const struct unitfile_key *k,
	      const char *value, unsigned line)
{
	uint64_t usec;
	if (duration_parse(value, &usec) < 0) {
		bad_value(p, k, line, value, "expected a time span or infinity");
		return;
	}
	if (usec == 0)
		usec = DURATION_INFINITY;
	if (k->offset == OFF(timeout_stop_usec) || k->arg)
		p->timeout_stop_set = true;
	*FIELD(p, k, uint64_t) = usec;
	if (k->arg) /* TimeoutSec= sets both */
		p->c->timeout_start_usec = usec;
}

static void
parse_unsigned(struct unitfile_parse *p, const struct unitfile_key *k,
	       const char *value, unsigned line)
{
	char *end;
	unsigned long n;
	errno = 0;
	n = strtoul(value, &end, 10);
	if (!isdigit((unsigned char)*value) || *end != '\0' || errno || n > UINT_MAX) {
		bad_value(p, k, line, value, "expected a non-negative number");
		return;
	}
	*FIELD(p, k, unsigned) = (unsigned)n;
}

static void
parse_signal(struct unitfile_parse *p, const struct unitfile_key *k,
	     const char *value, unsigned line)
{
	int sig = signame_parse(value);
	if (sig < 0) {
		bad_value(p, k, line, value, "not a signal name or number");
		return;
	}
	if (sig == SIGSTOP) {
		bad_value(p, k, line, value, "SIGSTOP cannot stop a process");
		return;
	}
	*FIELD(p, k, int) = sig;
}

struct enum_name {
	const char *name;
	int value;
};

static const struct enum_name type_names[] = {
	{"simple", SERVICE_SIMPLE}, {"exec", SERVICE_EXEC},
	{"notify", SERVICE_NOTIFY}, {"forking", SERVICE_FORKING},
	{"oneshot", SERVICE_ONESHOT}, {NULL, 0},
};
static const struct enum_name restart_names[] = {
	{"no", RESTART_NO}, {"always", RESTART_ALWAYS},
	{"on-failure", RESTART_ON_FAILURE}, {"on-abnormal", RESTART_ON_ABNORMAL},
	{"on-success", RESTART_ON_SUCCESS}, {"on-abort", RESTART_ON_ABORT},
	{"on-watchdog", RESTART_ON_WATCHDOG}, {NULL, 0},
};
static const struct enum_name kill_mode_names[] = {
	{"process-group", KILL_PROCESS_GROUP}, {"mixed", KILL_MIXED},
	{"process", KILL_PROCESS}, {NULL, 0},
};
static const struct enum_name action_names[] = {
	{"none", UNIT_ACTION_NONE}, {"exit", UNIT_ACTION_EXIT}, {NULL, 0},
};
static const struct enum_name notify_access_names[] = {
	{"none", NOTIFY_ACCESS_NONE}, {"main", NOTIFY_ACCESS_MAIN},
	{"exec", NOTIFY_ACCESS_MAIN}, {"all", NOTIFY_ACCESS_ALL}, {NULL, 0},
};

static const struct enum_name *const enum_tables[] = {
	type_names, restart_names, kill_mode_names, action_names,
	notify_access_names,
};
enum { ENUM_TYPE, ENUM_RESTART, ENUM_KILL_MODE, ENUM_ACTION, ENUM_NOTIFY_ACCESS };

static const char *
enum_name(const struct enum_name *t, int v)
{
	for (; t->name; t++)
		if (t->value == v)
			return t->name;
	return "?";
}

static void
parse_enum(struct unitfile_parse *p, const struct unitfile_key *k,
	   const char *value, unsigned line)
{
	const struct enum_name *t = enum_tables[k->arg];
	char expected[160];
	size_t len = 0;

	for (const struct enum_name *e = t; e->name; e++) {
		if (strcmp(value, e->name) == 0) {
			*FIELD(p, k, int) = e->value;
			return;
		}
	}
	/* systemd's types superd has no machinery for, so that the unit
	 * files distributions ship still load: run as simple, with a warning. */
	if (t == type_names && (strcmp(value, "idle") == 0 || strcmp(value, "dbus") == 0)) {
		diag_add(p->d, DIAG_WARNING, p->path, line,
			 "Type=%s is run as Type=simple (%s)", value,
			 value[0] == 'i' ? "without systemd's wait for other jobs"
					 : "superd does not watch D-Bus names");
		*FIELD(p, k, int) = SERVICE_SIMPLE;
		return;
	}
	/* systemd's default is superd's process-group under its own name;
	 * KillMode=none would leave the unit's processes behind, which
	 * superd never does: the main process is signalled, as with
	 * KillMode=process. */
	if (t == kill_mode_names && strcmp(value, "control-group") == 0) {
		*FIELD(p, k, int) = KILL_PROCESS_GROUP;
		return;
	}
	if (t == kill_mode_names && strcmp(value, "none") == 0) {
		diag_add(p->d, DIAG_WARNING, p->path, line,
			 "KillMode=none is run as KillMode=process: superd does not leave "
			 "a stopped unit's processes behind");
		*FIELD(p, k, int) = KILL_PROCESS;
		return;
	}
	expected[0] = '\0';
	for (const struct enum_name *e = t; e->name; e++) {
		int w = snprintf(expected + len, sizeof(expected) - len, "%s%s",
				 len ? ", " : "expected one of ", e->name);
		if (w > 0 && (size_t)w < sizeof(expected) - len)
			len += (size_t)w;
	}
	bad_value(p, k, line, value, expected);
}

static int
push_word(void *ctx, const char *word)
{
	return strv_push(ctx, word);
}

/* Split a list value; an empty value resets the list (systemd's rule). */
static bool
split_list(struct unitfile_parse *p, const struct unitfile_key *k,
	   const char *value, unsigned line, struct strv *out)
{
	char err[256];
	if (execcmd_split_words(value, push_word, out, err, sizeof(err)) < 0) {
		bad_value(p, k, line, value, err);
		strv_clear(out);
		return false;
	}
	return true;
}

static void
parse_strv(struct unitfile_parse *p, const struct unitfile_key *k,
	   const char *value, unsigned line)
{
	struct strv *field = FIELD(p, k, struct strv);
	struct strv words = {0};

	if (*value == '\0') {
		strv_clear(field);
		return;
	}
	if (!split_list(p, k, value, line, &words))
		return;
	for (size_t i = 0; i < words.n; i++)
		if (strv_push(field, words.v[i]) < 0)
			oom(p, line);
	strv_clear(&words);
}

/* Whether path has a "." part. */
static bool
has_dot_part(const char *path)
{
	for (const char *s = path;; s++) {
		if (s[0] == '.' && (s[1] == '/' || s[1] == '\0'))
			return true;
		if ((s = strchr(s, '/')) == NULL)
			return false;
	}
}

/* Names below /run, /var/lib, /var/log: relative, no "." or "..", no empty
 * part. An empty name or "." would be the base itself, which superd would
 * chown to the unit's user and, for RuntimeDirectory=, remove at stop. */
static void
parse_dirs(struct unitfile_parse *p, const struct unitfile_key *k, const char *value,
	   unsigned line)
{
	struct strv *field = FIELD(p, k, struct strv);
	size_t before = field->n;

	parse_strv(p, k, value, line);
	for (size_t i = before; i < field->n; i++) {
		const char *d = field->v[i];
		if (d[0] == '\0' || d[0] == '/' || strstr(d, "..") != NULL ||
		    strstr(d, "//") != NULL || d[strlen(d) - 1] == '/' || has_dot_part(d))
			bad_value(p, k, line, d, "expected a relative path without '.' or '..'");
	}
}

/* An octal mode up to max; false (and an error naming key and line) if not. */
static bool
parse_octal(struct unitfile_parse *p, const struct unitfile_key *k, const char *value,
	    unsigned line, unsigned long max, mode_t *out)
{
	char *end;
	unsigned long m = strtoul(value, &end, 8);
	if (*value == '\0' || *end != '\0' || m > max) {
		bad_value(p, k, line, value, max == 0777 ? "expected an octal mode such as 0022"
							 : "expected an octal mode such as 0755");
		return false;
	}
	*out = (mode_t)m;
	return true;
}

static void
parse_dir_mode(struct unitfile_parse *p, const struct unitfile_key *k, const char *value,
	       unsigned line)
{
	(void)parse_octal(p, k, value, line, 07777, FIELD(p, k, mode_t));
}

static void
parse_env_files(struct unitfile_parse *p, const struct unitfile_key *k,
		const char *value, unsigned line)
{
	struct strv *field = FIELD(p, k, struct strv);
	size_t before = field->n;

	parse_strv(p, k, value, line);
	for (size_t i = before; i < field->n && i < sizeof(p->envfile_line) / sizeof(unsigned); i++)
		p->envfile_line[i] = line;
}

static bool
valid_env_name(const char *s, size_t n)
{
	if (n == 0 || isdigit((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/* A message of execcmd_split_words() that is safe to print for a value that
 * may hold a secret: an escape error quotes the bytes of the escape. */
static const char *
env_split_error(const char *err)
{
	return strstr(err, "escape") != NULL ? "invalid backslash escape" : err;
}

/* PassEnvironment=, UnsetEnvironment=, RedactEnvironment=: names, and for
 * UnsetEnvironment= also NAME=VALUE assignments. A message names at most the
 * name part: the value may be a secret. */
static void
parse_env_names(struct unitfile_parse *p, const struct unitfile_key *k,
		const char *value, unsigned line)
{
	struct strv *field = FIELD(p, k, struct strv);
	struct strv words = {0};
	char err[256];

	if (*value == '\0') {
		strv_clear(field);
		return;
	}
	if (execcmd_split_words(value, push_word, &words, err, sizeof(err)) < 0) {
		diag_add(p->d, DIAG_ERROR, p->path, line, "invalid %s=: %s", k->name,
			 env_split_error(err));
		strv_clear(&words);
		return;
	}
	for (size_t i = 0; i < words.n; i++) {
		const char *w = words.v[i];
		const char *eq = strchr(w, '=');
		int n = (int)(eq ? (size_t)(eq - w) : strlen(w));
		if (!valid_env_name(w, (size_t)n))
			diag_add(p->d, DIAG_ERROR, p->path, line,
				 "invalid %s=%.*s: not a valid variable name", k->name, n, w);
		else if (eq && k->offset != OFF(unset_environment))
			diag_add(p->d, DIAG_ERROR, p->path, line,
				 "invalid %s=%.*s: expected a variable name, not NAME=VALUE",
				 k->name, n, w);
		else if (strv_push(field, w) < 0)
			oom(p, line);
	}
	strv_clear(&words);
}

static void
parse_environment(struct unitfile_parse *p, const struct unitfile_key *k,
		  const char *value, unsigned line)
{
	struct strv words = {0};
	char err[256];

	(void)k;
	if (*value == '\0') {
		strv_clear(&p->c->environment);
		return;
	}
	/* Values may be secrets: a message never repeats them. */
	if (execcmd_split_words(value, push_word, &words, err, sizeof(err)) < 0) {
		diag_add(p->d, DIAG_ERROR, p->path, line, "invalid Environment=: %s",
			 env_split_error(err));
		strv_clear(&words);
		return;
	}
	for (size_t i = 0; i < words.n; i++) {
		const char *eq = strchr(words.v[i], '=');
		if (eq == NULL || !valid_env_name(words.v[i], (size_t)(eq - words.v[i]))) {
			/* Never echo the value: it may be a secret. */
			diag_add(p->d, DIAG_ERROR, p->path, line,
				 "invalid Environment= assignment: expected NAME=VALUE "
				 "with a valid variable name");
			continue;
		}
		if (strv_push(&p->c->environment, words.v[i]) < 0)
			oom(p, line);
	}
	strv_clear(&words);
}

static void
parse_deps(struct unitfile_parse *p, const struct unitfile_key *k,
	   const char *value, unsigned line)
{
	struct unit_deplist *list = FIELD(p, k, struct unit_deplist);
	struct strv words = {0};

	if (*value == '\0') {
		for (size_t i = 0; i < list->n; i++)
			free(list->v[i].name);
		free(list->v);
		list->v = NULL;
		list->n = 0;
		return;
	}
	if (!split_list(p, k, value, line, &words))
		return;
	for (size_t i = 0; i < words.n; i++) {
		char *name = unitfile_normalize_name(words.v[i]);
		if (name == NULL) {
			if (errno == EPROTONOSUPPORT)
				diag_add(p->d, DIAG_NOTICE, p->path, line,
					 "%s=%s: not a service; superd has no such units, ignored",
					 k->name, words.v[i]);
			else if (errno == EINVAL)
				bad_value(p, k, line, words.v[i], "not a valid unit name");
			else
				oom(p, line);
			continue;
		}
		if (strcmp(name, p->c->name) == 0) {
			diag_add(p->d, DIAG_WARNING, p->path, line,
				 "%s= names the unit itself; ignored", k->name);
			free(name);
			continue;
		}
		struct unit_dep *v = realloc(list->v, (list->n + 1) * sizeof(*v));
		if (v == NULL) {
			free(name);
			oom(p, line);
			continue;
		}
		list->v = v;
		list->v[list->n].name = name;
		list->v[list->n].line = line;
		list->n++;
	}
	strv_clear(&words);
}

static void
parse_exec(struct unitfile_parse *p, const struct unitfile_key *k,
	   const char *value, unsigned line)
{
	struct raw_lines *raw = &p->exec[k->arg];

	if (*value == '\0') {
		for (size_t i = 0; i < raw->n; i++)
			free(raw->v[i].text);
		free(raw->v);
		raw->v = NULL;
		raw->n = 0;
		return;
	}
	struct raw_line *v = realloc(raw->v, (raw->n + 1) * sizeof(*v));
	if (v == NULL) {
		oom(p, line);
		return;
	}
	raw->v = v;
	raw->v[raw->n].text = strdup(value);
	raw->v[raw->n].line = line;
	if (raw->v[raw->n].text == NULL) {
		oom(p, line);
		return;
	}
	raw->n++;
}

static void
parse_condition(struct unitfile_parse *p, const struct unitfile_key *k,
		const char *value, unsigned line)
{
	struct unit_config *c = p->c;
	struct unit_condition cond = {.kind = (enum condition_kind)(k->arg & 0xff),
				      .assert = (k->arg & 0x100) != 0};
	const char *v = value;

	if (*value == '\0') {
		/* An empty assignment resets every condition of this kind. */
		size_t j = 0;
		for (size_t i = 0; i < c->nconditions; i++) {
			if (c->conditions[i].kind == cond.kind &&
			    c->conditions[i].assert == cond.assert)
				free(c->conditions[i].path);
			else
				c->conditions[j++] = c->conditions[i];
		}
		c->nconditions = j;
		return;
	}
	if (*v == '|' && !cond.assert) {
		cond.trigger = true;
		v++;
	}
	if (*v == '!') {
		cond.negate = true;
		v++;
	}
	if (*v != '/') {
		bad_value(p, k, line, value, "not an absolute path");
		return;
	}
	cond.path = strdup(v);
	struct unit_condition *arr =
		realloc(c->conditions, (c->nconditions + 1) * sizeof(*arr));
	if (cond.path == NULL || arr == NULL) {
		free(cond.path);
		if (arr)
			c->conditions = arr;
		oom(p, line);
		return;
	}
	c->conditions = arr;
	c->conditions[c->nconditions++] = cond;
}

static void
parse_forward_signals(struct unitfile_parse *p, const struct unitfile_key *k,
		      const char *value, unsigned line)
{
	struct strv words = {0};

	p->c->forward_signals_set = true;
	if (*value == '\0') {
		p->c->forward_signals = 0;
		return;
	}
	if (!split_list(p, k, value, line, &words))
		return;
	for (size_t i = 0; i < words.n; i++) {
		int sig = signame_parse(words.v[i]);
		if (sig < 0 || !unitfile_forwardable(sig))
			bad_value(p, k, line, words.v[i],
				  "can relay only HUP INT QUIT USR1 USR2 WINCH TERM");
		else
			p->c->forward_signals |= 1u << sig;
	}
	strv_clear(&words);
}

static bool parse_octal(struct unitfile_parse *p, const struct unitfile_key *k,
			const char *value, unsigned line, unsigned long max, mode_t *out);

static void
parse_umask(struct unitfile_parse *p, const struct unitfile_key *k,
	    const char *value, unsigned line)
{
	if (parse_octal(p, k, value, line, 0777, &p->c->umask))
		p->c->umask_set = true;
}

static void
parse_nice(struct unitfile_parse *p, const struct unitfile_key *k,
	   const char *value, unsigned line)
{
	char *end;
	long n = strtol(value, &end, 10);
	if (*value == '\0' || *end != '\0' || n < -20 || n > 19) {
		bad_value(p, k, line, value, "expected a number from -20 to 19");
		return;
	}
	p->c->nice = (int)n;
	p->c->nice_set = true;
}

static int
parse_rlim_one(const char *s, uint64_t *out)
{
	char *end;
	if (strcmp(s, "infinity") == 0) {
		*out = RLIM_INFINITY;
		return 0;
	}
	errno = 0;
	unsigned long long n = strtoull(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end != '\0' || errno)
		return -1;
	*out = n;
	return 0;
}

static void
parse_rlimit(struct unitfile_parse *p, const struct unitfile_key *k,
	     const char *value, unsigned line)
{
	uint64_t *lim = FIELD(p, k, uint64_t);
	bool *set = (bool *)((char *)p->c + (size_t)k->arg);
	char buf[64];
	const char *colon = strchr(value, ':');

	if (strlen(value) >= sizeof(buf))
		goto bad;
	if (colon) {
		memcpy(buf, value, (size_t)(colon - value));
		buf[colon - value] = '\0';
		if (parse_rlim_one(buf, &lim[0]) < 0 || parse_rlim_one(colon + 1, &lim[1]) < 0)
			goto bad;
		if (lim[0] > lim[1])
			goto bad;
	} else {
		if (parse_rlim_one(value, &lim[0]) < 0)
			goto bad;
		lim[1] = lim[0];
	}
	*set = true;
	return;
bad:
	bad_value(p, k, line, value, "expected a number, infinity, or SOFT:HARD");
}

static void
parse_working_directory(struct unitfile_parse *p, const struct unitfile_key *k,
			const char *value, unsigned line)
{
	const char *v = value;
	bool optional = false;
	if (*v == '-') {
		optional = true;
		v++;
	}
	if (*v != '\0' && *v != '/' && strcmp(v, "~") != 0) {
		bad_value(p, k, line, value, "expected an absolute path or ~");
		return;
	}
	p->c->working_directory_optional = optional;
	parse_string(p, k, v, line);
}

static void
parse_output(struct unitfile_parse *p, const struct unitfile_key *k,
	     const char *value, unsigned line)
{
	/* systemd has taken these as the journal since version 246; units
	 * written for older versions still say them. */
	if (strcmp(value, "syslog") == 0 || strcmp(value, "kmsg") == 0 ||
	    strcmp(value, "syslog+console") == 0 || strcmp(value, "kmsg+console") == 0) {
		const char *as = strchr(value, '+') ? "journal+console" : "journal";
		diag_add(p->d, DIAG_NOTICE, p->path, line, "%s=%s is taken as %s=%s, as systemd does",
			 k->name, value, k->name, as);
		parse_string(p, k, as, line);
		return;
	}
	if (strcmp(value, "inherit") != 0 && strcmp(value, "null") != 0 &&
	    strcmp(value, "journal") != 0 && strcmp(value, "journal+console") != 0 &&
	    !(strncmp(value, "file:/", 6) == 0) && !(strncmp(value, "append:/", 8) == 0)) {
		bad_value(p, k, line, value,
			  "expected inherit, null, journal, file:/PATH or append:/PATH");
		return;
	}
	parse_string(p, k, value, line);
}

/* The keys superd knows. Keys of both [Unit] and [Service] are the ones
 * systemd puts in [Unit] but that people also write in [Service]. */
static const struct unitfile_key unitfile_keys[] = {
	{"Description", KEY_UNIT, parse_string, OFF(description), 0},
	{"After", KEY_UNIT, parse_deps, OFF(after), 0},
	{"Before", KEY_UNIT, parse_deps, OFF(before), 0},
	{"Requires", KEY_UNIT, parse_deps, OFF(requires), 0},
	{"Wants", KEY_UNIT, parse_deps, OFF(wants), 0},
	{"ConditionPathExists", KEY_UNIT, parse_condition, 0, COND_PATH_EXISTS},
	{"ConditionPathIsDirectory", KEY_UNIT, parse_condition, 0, COND_PATH_IS_DIRECTORY},
	{"ConditionFileNotEmpty", KEY_UNIT, parse_condition, 0, COND_FILE_NOT_EMPTY},
	{"ConditionDirectoryNotEmpty", KEY_UNIT, parse_condition, 0, COND_DIRECTORY_NOT_EMPTY},
	{"AssertPathExists", KEY_UNIT, parse_condition, 0, 0x100 | COND_PATH_EXISTS},
	{"StartLimitBurst", KEY_UNIT | KEY_SERVICE, parse_unsigned, OFF(start_limit_burst), 0},
	{"StartLimitIntervalSec", KEY_UNIT | KEY_SERVICE, parse_duration, OFF(start_limit_interval_usec), 0},
	{"StartLimitInterval", KEY_UNIT | KEY_SERVICE, parse_duration, OFF(start_limit_interval_usec), 0},
	{"SuccessAction", KEY_UNIT | KEY_SERVICE, parse_enum, OFF(success_action), ENUM_ACTION},
	{"FailureAction", KEY_UNIT | KEY_SERVICE, parse_enum, OFF(failure_action), ENUM_ACTION},

	{"Type", KEY_SERVICE, parse_enum, OFF(type), ENUM_TYPE},
	{"ExecStart", KEY_SERVICE, parse_exec, 0, RAW_START},
	{"ExecStartPre", KEY_SERVICE, parse_exec, 0, RAW_START_PRE},
	{"ExecStartPost", KEY_SERVICE, parse_exec, 0, RAW_START_POST},
	{"ExecReload", KEY_SERVICE, parse_exec, 0, RAW_RELOAD},
	{"ExecStop", KEY_SERVICE, parse_exec, 0, RAW_STOP},
	{"Restart", KEY_SERVICE, parse_enum, OFF(restart), ENUM_RESTART},
	{"RestartSec", KEY_SERVICE, parse_duration, OFF(restart_usec), 0},
	{"RestartMaxDelaySec", KEY_SERVICE, parse_duration, OFF(restart_max_usec), 0},
	{"RestartResetSec", KEY_SERVICE, parse_duration, OFF(restart_reset_usec), 0},
	{"KillSignal", KEY_SERVICE, parse_signal, OFF(kill_signal), 0},
	{"KillMode", KEY_SERVICE, parse_enum, OFF(kill_mode), ENUM_KILL_MODE},
	{"TimeoutStopSec", KEY_SERVICE, parse_timeout, OFF(timeout_stop_usec), 0},
	{"TimeoutStartSec", KEY_SERVICE, parse_timeout, OFF(timeout_start_usec), 0},
	{"TimeoutSec", KEY_SERVICE, parse_timeout, OFF(timeout_stop_usec), 1},
	{"ReloadSignal", KEY_SERVICE, parse_signal, OFF(reload_signal), 0},
	{"ForwardSignals", KEY_SERVICE, parse_forward_signals, 0, 0},
	{"PIDFile", KEY_SERVICE, parse_abs_path, OFF(pid_file), 0},
	{"WritePIDFile", KEY_SERVICE, parse_abs_path, OFF(write_pid_file), 0},
	{"NotifyAccess", KEY_SERVICE, parse_enum, OFF(notify_access), ENUM_NOTIFY_ACCESS},
	{"WatchdogSec", KEY_SERVICE, parse_duration, OFF(watchdog_usec), 0},
	{"User", KEY_SERVICE, parse_string, OFF(user), 0},
	{"Group", KEY_SERVICE, parse_string, OFF(group), 0},
	{"SupplementaryGroups", KEY_SERVICE, parse_strv, OFF(supplementary_groups), 0},
	{"WorkingDirectory", KEY_SERVICE, parse_working_directory, OFF(working_directory), 0},
	{"UMask", KEY_SERVICE, parse_umask, 0, 0},
	{"RuntimeDirectory", KEY_SERVICE, parse_dirs, OFF(dirs[0]), 0},
	{"StateDirectory", KEY_SERVICE, parse_dirs, OFF(dirs[1]), 1},
	{"LogsDirectory", KEY_SERVICE, parse_dirs, OFF(dirs[2]), 2},
	{"RuntimeDirectoryMode", KEY_SERVICE, parse_dir_mode, OFF(dir_mode[0]), 0},
	{"StateDirectoryMode", KEY_SERVICE, parse_dir_mode, OFF(dir_mode[1]), 1},
	{"LogsDirectoryMode", KEY_SERVICE, parse_dir_mode, OFF(dir_mode[2]), 2},
	{"Environment", KEY_SERVICE, parse_environment, 0, 0},
	{"EnvironmentFile", KEY_SERVICE, parse_env_files, OFF(environment_files), 0},
	{"PassEnvironment", KEY_SERVICE, parse_env_names, OFF(pass_environment), 0},
	{"UnsetEnvironment", KEY_SERVICE, parse_env_names, OFF(unset_environment), 0},
	{"RedactEnvironment", KEY_SERVICE, parse_env_names, OFF(redact_environment), 0},
	{"StandardOutput", KEY_SERVICE, parse_output, OFF(standard_output), 0},
	{"StandardError", KEY_SERVICE, parse_output, OFF(standard_error), 0},
	{"LimitNOFILE", KEY_SERVICE, parse_rlimit, OFF(limit_nofile), (int)OFF(limit_nofile_set)},
	{"LimitCORE", KEY_SERVICE, parse_rlimit, OFF(limit_core), (int)OFF(limit_core_set)},
	{"LimitNPROC", KEY_SERVICE, parse_rlimit, OFF(limit_nproc), (int)OFF(limit_nproc_set)},
	{"Nice", KEY_SERVICE, parse_nice, 0, 0},
	{"NoNewPrivileges", KEY_SERVICE, parse_bool, OFF(no_new_privileges), 0},
	{"RemainAfterExit", KEY_SERVICE, parse_bool, OFF(remain_after_exit), 0},
	{"AutoStart", KEY_SERVICE, parse_bool, OFF(auto_start), 0},
};

/* systemd settings superd recognises and ignores (one warning each), so
 * that unit files written for systemd load unchanged. Exact names, then
 * name prefixes that cover whole families. */
static const char *const ignored_keys[] = {
	"Documentation", "DefaultDependencies", "Conflicts", "PartOf", "BindsTo",
	"Requisite", "Upholds", "OnFailure", "OnSuccess", "OnFailureJobMode",
	"PropagatesReloadTo", "ReloadPropagatedFrom", "PropagatesStopTo",
	"StopPropagatedFrom", "JoinsNamespaceOf", "RequiresMountsFor",
	"StopWhenUnneeded", "RefuseManualStart", "RefuseManualStop",
	"AllowIsolate", "IgnoreOnIsolate", "CollectMode", "JobTimeoutSec",
	"JobRunningTimeoutSec", "JobTimeoutAction", "JobTimeoutRebootArgument",
	"StartLimitAction", "RebootArgument", "SourcePath", "SuccessActionExitStatus",
	"FailureActionExitStatus", "DynamicUser", "RemoveIPC", "KeyringMode",
	"ProcSubset", "SecureBits", "TasksMax", "TasksAccounting", "Slice",
	"Delegate", "OOMScoreAdjust", "OOMPolicy", "StandardInput",
	"StandardInputText", "StandardInputData", "RestartPreventExitStatus",
	"RestartForceExitStatus", "SuccessExitStatus", "SendSIGKILL",
	"SendSIGHUP", "FinalKillSignal", "RestartKillSignal", "TimeoutAbortSec",
	"TimeoutStartFailureMode", "TimeoutStopFailureMode", "RuntimeMaxSec",
	"RuntimeRandomizedExtraSec", "GuessMainPID", "PermissionsStartOnly",
	"RootDirectory", "RootImage", "RootImageOptions", "RootHash",
	"RootVerity", "MountAPIVFS", "BindPaths", "BindReadOnlyPaths",
	"TemporaryFileSystem", "ConfigurationDirectory", "CacheDirectory",
	"ConfigurationDirectoryMode", "CacheDirectoryMode",
	"RuntimeDirectoryPreserve", "ExecCondition", "ExecStopPost", "BusName",
	"USBFunctionDescriptors", "USBFunctionStrings", "FileDescriptorStoreMax",
	"Sockets", "NonBlocking", "UtmpIdentifier", "UtmpMode", "PAMName",
	"LoadCredential", "LoadCredentialEncrypted", "SetCredential",
	"SetCredentialEncrypted", "ImportCredential", "MountFlags",
	"LockPersonality", "MemoryDenyWriteExecute", "DevicePolicy",
	"DeviceAllow", "NetworkNamespacePath", "IPCNamespacePath",
	"ReadWritePaths", "ReadOnlyPaths", "InaccessiblePaths", "ExecPaths",
	"ReadWriteDirectories", "ReadOnlyDirectories", "InaccessibleDirectories",
	"NoExecPaths", "Personality", "IgnoreSIGPIPE", "NUMAPolicy", "NUMAMask",
	"SELinuxContext", "AppArmorProfile", "SmackProcessLabel", "RestartMode",
	"RestartSteps", "ReloadResult", "NotifyState", "ExitType",
	"OOMScoreAdjust", "CoredumpFilter", "CoredumpReceive", "SurviveFinalKillSignal",
	"WatchdogSignal", "FileDescriptorStorePreserve", "OpenFile",
	"LogNamespace", "LogExtraFields", "LogRateLimitIntervalSec",
	"LogRateLimitBurst", "LogLevelMax", "LogFilterPatterns",
	"WantedBy", "RequiredBy", "Alias", "Also", "DefaultInstance",
};

static const char *const ignored_prefixes[] = {
	"Protect", "Private", "Restrict", "SystemCall", "Capability", "Ambient",
	"Condition", "Assert", "Limit", "CPU", "IO", "Memory", "IPAddress",
	"IPAccounting", "IPIngress", "IPEgress", "BlockIO", "Startup", "Managed",
	"Syslog", "TTY", "Socket", "Device", "Allowed", "Disable", "Mount",
};

static bool
is_ignored_systemd_key(const char *key)
{
	for (size_t i = 0; i < sizeof(ignored_keys) / sizeof(ignored_keys[0]); i++)
		if (strcmp(key, ignored_keys[i]) == 0)
			return true;
	for (size_t i = 0; i < sizeof(ignored_prefixes) / sizeof(ignored_prefixes[0]); i++)
		if (strncmp(key, ignored_prefixes[i], strlen(ignored_prefixes[i])) == 0)
			return true;
	return false;
}

static void
warn_once(struct unitfile_parse *p, unsigned line, const char *key,
	  const char *fmt)
{
	if (strv_contains(&p->warned, key))
		return;
	if (strv_push(&p->warned, key) < 0) {
		oom(p, line);
		return;
	}
	diag_add(p->d, DIAG_WARNING, p->path, line, fmt, key);
}

static void
unitfile_section_cb(void *user, const char *section, unsigned line)
{
	struct unitfile_parse *p = user;

	if (strcmp(section, "Service") == 0) {
		if (p->c->service_line == 0)
			p->c->service_line = line;
	} else if (strcmp(section, "Unit") != 0 && strcmp(section, "Install") != 0 &&
		   strncmp(section, "X-", 2) != 0) {
		/* [X-...] is for extensions; systemd ignores it silently. */
		diag_unknown(p->d, p->path, line, "unknown section [%s]; its keys are ignored",
			     section);
	}
}

static void
unitfile_key_cb(void *user, const char *section, const char *key,
		const char *value, unsigned line)
{
	struct unitfile_parse *p = user;
	unsigned want;

	if (strcmp(section, "Unit") == 0)
		want = KEY_UNIT;
	else if (strcmp(section, "Service") == 0)
		want = KEY_SERVICE;
	else
		return; /* [Install] is for systemctl enable; others were reported */

	for (size_t i = 0; i < sizeof(unitfile_keys) / sizeof(unitfile_keys[0]); i++) {
		const struct unitfile_key *k = &unitfile_keys[i];
		if (strcmp(k->name, key) != 0)
			continue;
		if (!(k->flags & want)) {
			diag_unknown(p->d, p->path, line, "%s= belongs in [%s], not [%s]; ignored",
				     key, (k->flags & KEY_UNIT) ? "Unit" : "Service", section);
			return;
		}
		k->parse(p, k, value, line);
		if (k->offset == OFF(restart) && k->parse == parse_enum)
			p->restart_set = true;
		if (k->flags & KEY_NOT_YET)
			warn_once(p, line, key,
				  "%s= is not implemented in this version of superd; ignored");
		return;
	}
	if (strncmp(key, "X-", 2) == 0)
		return; /* an extension's key: systemd ignores it silently */
	if (is_ignored_systemd_key(key))
		warn_once(p, line, key, "%s= is a systemd setting superd does not implement; ignored");
	else
		diag_unknown(p->d, p->path, line, "unknown key %s= in [%s]", key, section);
}

struct env_lookup {
	const struct unit_config *c;
};

/* Does UnsetEnvironment= take NAME=value away (by its name, or as that
 * exact assignment)? */
static bool
unsets(const struct unit_config *c, const char *name, size_t n, const char *value)
{
	for (size_t i = 0; value != NULL && i < c->unset_environment.n; i++) {
		const char *u = c->unset_environment.v[i];
		if (strncmp(u, name, n) == 0 &&
		    (u[n] == '\0' || (u[n] == '=' && strcmp(u + n + 1, value) == 0)))
			return true;
	}
	return false;
}

static const char *
unit_env_lookup(void *ctx, const char *name, size_t len)
{
	static const char *const dir_names[] = {"RUNTIME_DIRECTORY", "STATE_DIRECTORY",
						"LOGS_DIRECTORY"};
	const struct unit_config *c = ctx;

	static const char *const user_vars[][2] = {
		{"HOME", "\x1fHOME\x1f"},
		{"USER", "\x1fUSER\x1f"},
		{"LOGNAME", "\x1fLOGNAME\x1f"},
		{"SHELL", "\x1fSHELL\x1f"},
	};

	if (len == 7 && strncmp(name, "MAINPID", 7) == 0)
		return UNITFILE_MAINPID_MARK;
	const char *v = unitfile_getenv(c, name, len);
	for (size_t i = 0; v == NULL && c->user != NULL && i < 4; i++)
		if (strlen(user_vars[i][0]) == len && strncmp(name, user_vars[i][0], len) == 0)
			return user_vars[i][1];
	/* The unit's own assignment wins, as it does in its environment. */
	for (int kind = 0; v == NULL && kind < 3; kind++)
		if (strlen(dir_names[kind]) == len && strncmp(name, dir_names[kind], len) == 0 &&
		    !unsets(c, name, len, c->dir_paths[kind]))
			v = c->dir_paths[kind];
	return v;
}

const char *
unitfile_getenv(const struct unit_config *c, const char *name, size_t len)
{
	/* Later assignments win, so search from the end. */
	for (size_t i = c->environment.n; i-- > 0;) {
		const char *e = c->environment.v[i];
		if (strncmp(e, name, len) == 0 && e[len] == '=')
			return e + len + 1;
	}
	/* PATH is part of a unit's environment, unless UnsetEnvironment=
	 * takes it away. */
	if (len == 4 && strncmp(name, "PATH", 4) == 0 &&
	    !unitfile_unsets(c, "PATH=" UNITFILE_DEFAULT_PATH))
		return UNITFILE_DEFAULT_PATH;
	return NULL;
}

static void
finalize_exec(struct unitfile_parse *p, enum raw_exec_kind kind,
	      struct unit_execlist *out, const char *key)
{
	struct raw_lines *raw = &p->exec[kind];
	struct execcmd_context ctx = {
		.unit_name = p->c->name,
		.lookup = unit_env_lookup,
		.lookup_ctx = p->c,
	};
	char err[512];

	if (raw->n == 0)
		return;
	out->v = calloc(raw->n, sizeof(*out->v));
	if (out->v == NULL) {
		oom(p, raw->v[0].line);
		return;
	}
	for (size_t i = 0; i < raw->n; i++) {
		struct execcmd *cmd = &out->v[out->n];
		if (execcmd_parse(raw->v[i].text, &ctx, cmd, err, sizeof(err)) < 0) {
			diag_add(p->d, DIAG_ERROR, p->path, raw->v[i].line, "invalid %s=: %s",
				 key, err);
			continue;
		}
		cmd->line = raw->v[i].line;
		out->n++;
	}
}

/* Set name=value in the unit's environment, replacing the assignment of
 * that name that wins (the last one), so that the value set last wins. */
static void
env_set(struct unitfile_parse *p, const char *name, size_t nlen, const char *value,
	unsigned line)
{
	struct strv *env = &p->c->environment;
	char *kv;

	if (asprintf(&kv, "%.*s=%s", (int)nlen, name, value) < 0) {
		oom(p, line);
		return;
	}
	for (size_t i = env->n; i-- > 0;)
		if (strncmp(env->v[i], name, nlen) == 0 && env->v[i][nlen] == '=') {
			free(env->v[i]);
			env->v[i] = kv;
			return;
		}
	if (strv_push_take(env, kv) < 0)
		oom(p, line);
}

#define ENV_FILE_MAX (1024 * 1024)

/* The EnvironmentFile= reader: one pass over the whole file, one state per
 * kind of text, systemd's rules (see superd.service(5)). Each assignment is
 * collected in key and value, then set, or reported as FILE:LINE: naming at
 * most the variable, never a value: it may be a secret. */
enum envfile_state {
	ENVFILE_PRE_KEY, /* blanks before a name; '#' or ';' starts a comment */
	ENVFILE_KEY,	 /* the name, up to '=' */
	ENVFILE_PRE_VALUE, /* blanks after '=' */
	ENVFILE_VALUE,	 /* unquoted text: '\' escapes, quotes open */
	ENVFILE_SINGLE,	 /* inside '...': all literal */
	ENVFILE_DOUBLE,	 /* inside "...": '\' escapes only " \ ` $ and newline */
	ENVFILE_COMMENT, /* up to the end of the line */
};

struct envfile_reader {
	struct unitfile_parse *p;
	const char *path;    /* the environment file, for its messages */
	unsigned unit_line;  /* the EnvironmentFile= line, for out of memory */
	enum envfile_state state;
	unsigned line;	     /* of the byte being read */
	unsigned key_line;   /* where the name began */
	unsigned value_line; /* where the value began (the '=') */
	struct buf key, value;
	size_t key_keep;     /* key bytes up to its last non-blank */
	size_t value_keep;   /* value bytes up to the last one not a trailing blank */
	bool exported;	     /* an "export" prefix was taken */
	bool bad_key;	     /* reported at '='; the value is read and dropped */
	bool nul;	     /* the value holds a NUL byte */
};

static bool
envfile_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* The length of the line end at s ("\n" or "\r\n"), 0 if there is none. */
static size_t
envfile_newline(const char *s, const char *end)
{
	if (s < end && s[0] == '\n')
		return 1;
	if (end - s >= 2 && s[0] == '\r' && s[1] == '\n')
		return 2;
	return 0;
}

static void
envfile_add(struct envfile_reader *r, char c, bool keep)
{
	buf_add(&r->value, &c, 1);
	if (c == '\0')
		r->nul = true;
	if (keep)
		r->value_keep = r->value.len;
}

static void
envfile_reset(struct envfile_reader *r)
{
	buf_reset(&r->key);
	buf_reset(&r->value);
	r->key_keep = r->value_keep = 0;
	r->exported = r->bad_key = r->nul = false;
}

/* The name is complete (at '='): check it now, so that a bad one is reported
 * at its own line even if its value runs on. */
static void
envfile_end_key(struct envfile_reader *r)
{
	r->key.len = r->key_keep;
	if (r->key.data != NULL)
		r->key.data[r->key.len] = '\0';
	if (r->key.failed) {
		oom(r->p, r->unit_line);
		r->bad_key = true;
	} else if (!valid_env_name(r->key.data ? r->key.data : "", r->key.len)) {
		diag_add(r->p->d, DIAG_ERROR, r->path, r->key_line, "expected NAME=VALUE");
		r->bad_key = true;
	}
}

static void
envfile_end_value(struct envfile_reader *r)
{
	if (r->bad_key) {
		envfile_reset(r);
		return;
	}
	if (r->value.failed) {
		oom(r->p, r->unit_line);
	} else if (r->nul) {
		diag_add(r->p->d, DIAG_ERROR, r->path, r->value_line,
			 "a NUL byte in the value of %s", r->key.data);
	} else {
		r->value.len = r->value_keep;
		if (r->value.data != NULL)
			r->value.data[r->value.len] = '\0';
		env_set(r->p, r->key.data, r->key.len, r->value.data ? r->value.data : "",
			r->unit_line);
	}
	envfile_reset(r);
}

/* Read one byte (or an escape pair, or a line end) at s in the current
 * state; returns how many bytes it took, 0 to read s again in the state it
 * moved to. */
static size_t
envfile_step(struct envfile_reader *r, const char *s, const char *end)
{
	size_t nl = envfile_newline(s, end);
	/* After a backslash: a line end to drop with it, or the next byte. */
	size_t esc_nl = *s == '\\' ? envfile_newline(s + 1, end) : 0;
	char c = *s;

	switch (r->state) {
	case ENVFILE_PRE_KEY:
		if (nl > 0)
			return nl;
		if (envfile_blank(c))
			return 1;
		if (c == '#' || c == ';') {
			r->state = ENVFILE_COMMENT;
			return 1;
		}
		r->key_line = r->line;
		r->state = ENVFILE_KEY;
		return 0;
	case ENVFILE_KEY:
		if (nl > 0) { /* a name and no '=' */
			diag_add(r->p->d, DIAG_ERROR, r->path, r->key_line, "expected NAME=VALUE");
			envfile_reset(r);
			r->state = ENVFILE_PRE_KEY;
			return nl;
		}
		if (esc_nl > 0)
			return 1 + esc_nl;
		if (c == '=') {
			envfile_end_key(r);
			r->value_line = r->line;
			r->state = ENVFILE_PRE_VALUE;
			return 1;
		}
		if (envfile_blank(c)) {
			if (r->key.len == 0)
				return 1;
			/* "export NAME=..." as a shell script writes it, once. */
			if (!r->exported && r->key_keep == 6 && r->key.len == 6 &&
			    memcmp(r->key.data, "export", 6) == 0) {
				buf_reset(&r->key);
				r->key_keep = 0;
				r->exported = true;
				return 1;
			}
		}
		buf_add(&r->key, &c, 1);
		if (!envfile_blank(c))
			r->key_keep = r->key.len;
		return 1;
	case ENVFILE_PRE_VALUE:
		/* As systemd: quotes open only here, at the start of the value
		 * or right after a closing quote (blanks between are dropped). */
		if (nl == 0 && envfile_blank(c))
			return 1;
		if (c == '\'' || c == '"') {
			r->state = c == '\'' ? ENVFILE_SINGLE : ENVFILE_DOUBLE;
			return 1;
		}
		r->state = ENVFILE_VALUE;
		return 0;
	case ENVFILE_VALUE:
		if (nl > 0) {
			envfile_end_value(r);
			r->state = ENVFILE_PRE_KEY;
			return nl;
		}
		if (c == '\\') {
			if (esc_nl > 0)
				return 1 + esc_nl;
			if (s + 1 < end)
				envfile_add(r, s[1], true);
			return s + 1 < end ? 2 : 1;
		}
		/* A quote inside unquoted text is an ordinary byte. */
		envfile_add(r, c, !envfile_blank(c));
		return 1;
	case ENVFILE_SINGLE:
		if (c == '\'') {
			r->value_keep = r->value.len; /* '' counts as text */
			r->state = ENVFILE_PRE_VALUE;
			return 1;
		}
		envfile_add(r, c, true);
		return 1;
	case ENVFILE_DOUBLE:
		if (c == '"') {
			r->value_keep = r->value.len;
			r->state = ENVFILE_PRE_VALUE;
			return 1;
		}
		if (c == '\\') {
			if (esc_nl > 0)
				return 1 + esc_nl;
			if (s + 1 < end && strchr("\"\\`$", s[1]) != NULL && s[1] != '\0') {
				envfile_add(r, s[1], true);
				return 2;
			}
			/* Any other: both stay, and the next byte is read as usual. */
		}
		envfile_add(r, c, true);
		return 1;
	case ENVFILE_COMMENT:
		/* Ends at its line end, backslash or not (systemd since v254). */
		if (nl > 0) {
			r->state = ENVFILE_PRE_KEY;
			return nl;
		}
		return 1;
	}
	return 1;
}

/* The end of the file ends the assignment being read. */
static void
envfile_finish(struct envfile_reader *r)
{
	switch (r->state) {
	case ENVFILE_PRE_KEY:
	case ENVFILE_COMMENT:
		break;
	case ENVFILE_KEY:
		diag_add(r->p->d, DIAG_ERROR, r->path, r->key_line, "expected NAME=VALUE");
		break;
	case ENVFILE_PRE_VALUE:
	case ENVFILE_VALUE:
		envfile_end_value(r);
		break;
	case ENVFILE_SINGLE:
	case ENVFILE_DOUBLE:
		if (r->bad_key)
			diag_add(r->p->d, DIAG_ERROR, r->path, r->value_line,
				 "unterminated quote in a value");
		else
			diag_add(r->p->d, DIAG_ERROR, r->path, r->value_line,
				 "unterminated quote in the value of %s", r->key.data);
		break;
	}
	envfile_reset(r);
	buf_free(&r->key);
	buf_free(&r->value);
}

static void
envfile_parse(struct unitfile_parse *p, const char *path, unsigned unit_line,
	      const char *data, size_t size)
{
	struct envfile_reader r = {
		.p = p, .path = path, .unit_line = unit_line,
		.state = ENVFILE_PRE_KEY, .line = 1,
	};
	const char *s = data, *end = data + size;

	while (s < end) {
		size_t n = envfile_step(&r, s, end);
		for (size_t i = 0; i < n; i++)
			if (s[i] == '\n')
				r.line++;
		s += n;
	}
	envfile_finish(&r);
}

/* One EnvironmentFile=, "-" prefix: optional. Problems with the file itself
 * are errors at the EnvironmentFile= line. */
static void
load_env_file(struct unitfile_parse *p, const char *spec, unsigned line)
{
	bool optional = spec[0] == '-';
	const char *path = spec + optional;
	char *data = NULL;
	size_t size = 0;
	const char *err = NULL;

	if (path[0] != '/') {
		diag_add(p->d, DIAG_ERROR, p->path, line,
			 "EnvironmentFile=%s: not an absolute path", path);
		return;
	}
	/* Read whole and bounded: a FIFO must not block superd's loop (a
	 * reload reads this file), /dev/zero or a runaway file must not make
	 * it read forever. */
	if (inifile_read_all(path, ENV_FILE_MAX, &data, &size) < 0)
		err = errno == EFBIG    ? "larger than 1 MiB"
		      : errno == EINVAL ? "not a regular file"
		      : errno == EAGAIN ? "not a regular file (reading would block)"
					: strerror(errno);
	if (err != NULL) {
		if (!optional)
			diag_add(p->d, DIAG_ERROR, p->path, line,
				 "EnvironmentFile=%s: %s (a '-' prefix makes it optional)", path,
				 err);
		return;
	}
	if (size > 0) /* else empty: nothing to set */
		envfile_parse(p, path, line, data, size);
	free(data);
}

/* The unit's environment, complete, in systemd's order, each later source
 * winning: PassEnvironment= from superd's own, then Environment=, then
 * EnvironmentFile= in order; UnsetEnvironment= then takes away. One
 * assignment per name is left. Done at (re)load, not per start. */
static void
finalize_environment(struct unitfile_parse *p)
{
	struct unit_config *c = p->c;
	unsigned line = c->service_line ? c->service_line : 1;
	struct strv written = c->environment;

	c->environment = (struct strv){0};
	for (size_t i = 0; i < c->pass_environment.n; i++) {
		const char *name = c->pass_environment.v[i];
		const char *val = getenv(name);
		if (val != NULL)
			env_set(p, name, strlen(name), val, line);
	}
	for (size_t i = 0; i < written.n; i++) {
		const char *eq = strchr(written.v[i], '=');
		env_set(p, written.v[i], (size_t)(eq - written.v[i]), eq + 1, line);
	}
	strv_clear(&written);
	for (size_t i = 0; i < c->environment_files.n; i++)
		load_env_file(p, c->environment_files.v[i],
			      i < sizeof(p->envfile_line) / sizeof(unsigned) && p->envfile_line[i]
				      ? p->envfile_line[i]
				      : line);
	size_t j = 0;
	for (size_t k = 0; k < c->environment.n; k++) {
		char *e = c->environment.v[k];
		if (unitfile_unsets(c, e))
			free(e);
		else
			c->environment.v[j++] = e;
	}
	c->environment.n = j;
	if (c->environment.v)
		c->environment.v[j] = NULL;
}

bool
unitfile_unsets(const struct unit_config *c, const char *assignment)
{
	const char *eq = strchr(assignment, '=');

	return eq != NULL && unsets(c, assignment, (size_t)(eq - assignment), eq + 1);
}

void
unitfile_dir_base(int kind, char *buf, size_t size)
{
	static const char *const system[] = {"/run", "/var/lib", "/var/log"};
	const char *xdg, *home = getenv("HOME");

	if (geteuid() == 0) {
		snprintf(buf, size, "%s", system[kind]);
		return;
	}
	if (kind == 0 && (xdg = getenv("XDG_RUNTIME_DIR")) != NULL && xdg[0] == '/')
		snprintf(buf, size, "%s", xdg);
	else if ((xdg = getenv("XDG_STATE_HOME")) != NULL && xdg[0] == '/')
		snprintf(buf, size, "%s%s", xdg, kind == 2 ? "/log" : "");
	else
		snprintf(buf, size, "%s/.local/state%s", home ? home : "", kind == 2 ? "/log" : "");
}

/* The full paths of the unit's directories, known at load: the values of
 * RUNTIME_DIRECTORY= and friends, which ${RUNTIME_DIRECTORY} in Exec lines
 * expands to, as in systemd. */
static void
finalize_dir_paths(struct unitfile_parse *p)
{
	struct unit_config *c = p->c;

	for (int kind = 0; kind < 3; kind++) {
		struct buf b = {0};
		char base[256];
		if (c->dirs[kind].n == 0)
			continue;
		unitfile_dir_base(kind, base, sizeof(base));
		for (size_t i = 0; i < c->dirs[kind].n; i++)
			buf_printf(&b, "%s%s/%s", i ? ":" : "", base, c->dirs[kind].v[i]);
		if (b.failed) {
			buf_free(&b);
			oom(p, c->service_line ? c->service_line : 1);
			continue;
		}
		c->dir_paths[kind] = b.data;
	}
}

static void
unitfile_finalize(struct unitfile_parse *p)
{
	struct unit_config *c = p->c;
	unsigned line = c->service_line ? c->service_line : 1;

	finalize_environment(p);
	finalize_dir_paths(p);
	finalize_exec(p, RAW_START, &c->exec_start, "ExecStart");
	finalize_exec(p, RAW_START_PRE, &c->exec_start_pre, "ExecStartPre");
	finalize_exec(p, RAW_START_POST, &c->exec_start_post, "ExecStartPost");
	finalize_exec(p, RAW_RELOAD, &c->exec_reload, "ExecReload");
	finalize_exec(p, RAW_STOP, &c->exec_stop, "ExecStop");

	if (p->exec[RAW_START].n == 0)
		diag_add(p->d, DIAG_ERROR, p->path, line,
			 "missing ExecStart=: nothing to run");
	else if (p->exec[RAW_START].n > 1 && c->type != SERVICE_ONESHOT)
		diag_add(p->d, DIAG_ERROR, p->path, p->exec[RAW_START].v[1].line,
			 "more than one ExecStart= is only allowed with Type=oneshot");
	if (c->type == SERVICE_FORKING && c->pid_file == NULL)
		diag_add(p->d, DIAG_WARNING, p->path, line,
			 "Type=forking without PIDFile=: superd cannot tell which process is "
			 "the daemon, and the unit will fail to start");
	if (c->notify_access == NOTIFY_ACCESS_DEFAULT)
		c->notify_access = c->type == SERVICE_NOTIFY ? NOTIFY_ACCESS_MAIN : NOTIFY_ACCESS_NONE;
	if (c->watchdog_usec > 0 && c->notify_access == NOTIFY_ACCESS_NONE)
		diag_add(p->d, DIAG_WARNING, p->path, line,
			 "WatchdogSec= needs Type=notify or NotifyAccess=: the unit cannot "
			 "send WATCHDOG=1, so the watchdog is not armed");
	if (c->type == SERVICE_ONESHOT && !p->restart_set)
		c->restart = RESTART_NO;
	if (c->restart_max_usec < c->restart_usec)
		c->restart_max_usec = c->restart_usec;
	if (c->start_limit_burst > 0 && c->start_limit_interval_usec == 0)
		c->start_limit_interval_usec = 10 * USEC_PER_SEC;
}

struct unit_config *
unitfile_load(const char *path, const char *name, struct diag *d)
{
	struct unitfile_parse p = {.d = d, .path = path};
	struct unit_config *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		diag_add(d, DIAG_ERROR, path, 0, "out of memory");
		return NULL;
	}
	p.c = c;
	c->name = strdup(name);
	c->path = strdup(path);
	c->type = SERVICE_SIMPLE;
	c->restart = RESTART_ALWAYS;
	c->restart_usec = 1 * USEC_PER_SEC;
	c->restart_max_usec = 60 * USEC_PER_SEC;
	c->restart_reset_usec = 30 * USEC_PER_SEC;
	c->kill_signal = SIGTERM;
	c->kill_mode = KILL_PROCESS_GROUP;
	c->timeout_stop_usec = 10 * USEC_PER_SEC;
	c->timeout_start_usec = 30 * USEC_PER_SEC;
	c->reload_signal = SIGHUP;
	c->auto_start = true;
	c->dir_mode[0] = c->dir_mode[1] = c->dir_mode[2] = 0755;
	if (c->name == NULL || c->path == NULL) {
		diag_add(d, DIAG_ERROR, path, 0, "out of memory");
		unitfile_free(c);
		return NULL;
	}

	if (inifile_parse_hash(path, unitfile_key_cb, unitfile_section_cb, &p, d,
			       &c->content_hash) < 0) {
		unitfile_free(c);
		c = NULL;
	} else {
		unitfile_finalize(&p);
	}
	for (int k = 0; k < RAW__MAX; k++) {
		for (size_t i = 0; i < p.exec[k].n; i++)
			free(p.exec[k].v[i].text);
		free(p.exec[k].v);
	}
	strv_clear(&p.warned);
	return c;
}

static void
deplist_free(struct unit_deplist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
}

static void
execlist_free(struct unit_execlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		execcmd_free(&l->v[i]);
	free(l->v);
}

void
unitfile_free(struct unit_config *c)
{
	if (c == NULL)
		return;
	free(c->name);
	free(c->path);
	free(c->description);
	deplist_free(&c->after);
	deplist_free(&c->before);
	deplist_free(&c->requires);
	deplist_free(&c->wants);
	for (size_t i = 0; i < c->nconditions; i++)
		free(c->conditions[i].path);
	free(c->conditions);
	execlist_free(&c->exec_start);
	execlist_free(&c->exec_start_pre);
	execlist_free(&c->exec_start_post);
	execlist_free(&c->exec_reload);
	execlist_free(&c->exec_stop);
	free(c->pid_file);
	free(c->write_pid_file);
	free(c->user);
	free(c->group);
	strv_clear(&c->supplementary_groups);
	free(c->working_directory);
	for (int i = 0; i < 3; i++) {
		strv_clear(&c->dirs[i]);
		free(c->dir_paths[i]);
	}
	strv_clear(&c->environment);
	strv_clear(&c->environment_files);
	strv_clear(&c->pass_environment);
	strv_clear(&c->unset_environment);
	strv_clear(&c->redact_environment);
	free(c->standard_output);
	free(c->standard_error);
	free(c);
}

bool
unitfile_forwardable(int sig)
{
	return sig == SIGHUP || sig == SIGINT || sig == SIGQUIT || sig == SIGUSR1 ||
	       sig == SIGUSR2 || sig == SIGWINCH || sig == SIGTERM;
}

bool
unitfile_valid_name(const char *name)
{
	size_t len = strlen(name);
	const char *suffix = ".service";
	size_t slen = strlen(suffix);

	if (len <= slen || len > 255 || strcmp(name + len - slen, suffix) != 0)
		return false;
	for (size_t i = 0; i < len - slen; i++) {
		char c = name[i];
		if (!isalnum((unsigned char)c) && c != '-' && c != '_' && c != '.' &&
		    c != ':' && c != '@' && c != '\\')
			return false;
	}
	return true;
}

char *
unitfile_normalize_name(const char *name)
{
	static const char *const foreign[] = {
		".target", ".socket", ".mount", ".automount", ".swap", ".path",
		".timer", ".slice", ".scope", ".device",
	};
	size_t len = strlen(name);
	char *out;

	for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
		size_t n = strlen(foreign[i]);
		if (len > n && strcmp(name + len - n, foreign[i]) == 0) {
			errno = EPROTONOSUPPORT;
			return NULL;
		}
	}
	if (len >= 8 && strcmp(name + len - 8, ".service") == 0)
		out = strdup(name);
	else if (asprintf(&out, "%s.service", name) < 0)
		out = NULL;
	if (out == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if (!unitfile_valid_name(out)) {
		free(out);
		errno = EINVAL;
		return NULL;
	}
	return out;
}

const char *
unitfile_type_name(enum service_type t)
{
	return enum_name(type_names, (int)t);
}

const char *
unitfile_restart_name(enum restart_policy r)
{
	return enum_name(restart_names, (int)r);
}

const char *
unitfile_kill_mode_name(enum kill_mode m)
{
	return enum_name(kill_mode_names, (int)m);
}

static bool
str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static bool
strv_eq(const struct strv *a, const struct strv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

static bool
execlist_eq(const struct unit_execlist *a, const struct unit_execlist *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct execcmd *x = &a->v[i], *y = &b->v[i];
		if (x->flags != y->flags || x->argc != y->argc || strcmp(x->path, y->path) != 0)
			return false;
		/* The expanded argv: a changed Environment= value used in the
		 * command changes the command. */
		for (size_t k = 0; k < x->argc; k++)
			if (strcmp(x->argv[k], y->argv[k]) != 0)
				return false;
	}
	return true;
}

bool
unitfile_same_process(const struct unit_config *a, const struct unit_config *b)
{
	return a->type == b->type && execlist_eq(&a->exec_start, &b->exec_start) &&
	       execlist_eq(&a->exec_start_pre, &b->exec_start_pre) &&
	       execlist_eq(&a->exec_start_post, &b->exec_start_post) &&
	       execlist_eq(&a->exec_stop, &b->exec_stop) &&
	       execlist_eq(&a->exec_reload, &b->exec_reload) &&
	       strv_eq(&a->environment, &b->environment) &&
	       strv_eq(&a->dirs[0], &b->dirs[0]) && strv_eq(&a->dirs[1], &b->dirs[1]) &&
	       strv_eq(&a->dirs[2], &b->dirs[2]) &&
	       memcmp(a->dir_mode, b->dir_mode, sizeof(a->dir_mode)) == 0 &&
	       strv_eq(&a->environment_files, &b->environment_files) &&
	       strv_eq(&a->pass_environment, &b->pass_environment) &&
	       strv_eq(&a->unset_environment, &b->unset_environment) &&
	       str_eq(a->user, b->user) && str_eq(a->group, b->group) &&
	       strv_eq(&a->supplementary_groups, &b->supplementary_groups) &&
	       str_eq(a->working_directory, b->working_directory) &&
	       a->working_directory_optional == b->working_directory_optional &&
	       a->umask_set == b->umask_set && a->umask == b->umask &&
	       a->limit_nofile_set == b->limit_nofile_set &&
	       memcmp(a->limit_nofile, b->limit_nofile, sizeof(a->limit_nofile)) == 0 &&
	       a->limit_core_set == b->limit_core_set &&
	       memcmp(a->limit_core, b->limit_core, sizeof(a->limit_core)) == 0 &&
	       a->limit_nproc_set == b->limit_nproc_set &&
	       memcmp(a->limit_nproc, b->limit_nproc, sizeof(a->limit_nproc)) == 0 &&
	       a->nice_set == b->nice_set && a->nice == b->nice &&
	       a->no_new_privileges == b->no_new_privileges &&
	       str_eq(a->standard_output, b->standard_output) &&
	       str_eq(a->standard_error, b->standard_error);
}
