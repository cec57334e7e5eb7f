#include "config.h"

#include "duration.h"
#include "inifile.h"
#include "log.h"
#include "signame.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define DEFAULT_CONF SYSCONFDIR "/superd/superd.conf"
#define DEFAULT_UNIT_DIR SYSCONFDIR "/superd/units"

struct conf_parse {
	struct superd_conf *conf;
	struct diag *d;
	const char *path;
};

static void
conf_set_string(char **field, const char *value)
{
	free(*field);
	*field = *value ? strdup(value) : NULL;
}

static void
conf_section_cb(void *user, const char *section, unsigned line)
{
	struct conf_parse *p = user;
	if (strcmp(section, "superd") != 0)
		diag_unknown(p->d, p->path, line, "unknown section [%s]; its keys are ignored",
			     section);
}

static void
conf_key_cb(void *user, const char *section, const char *key,
	    const char *value, unsigned line)
{
	struct conf_parse *p = user;
	struct superd_conf *c = p->conf;

	if (strcmp(section, "superd") != 0)
		return;
	if (strcmp(key, "UnitDirectory") == 0) {
		conf_set_string(&c->unit_dir, value);
	} else if (strcmp(key, "ControlSocket") == 0) {
		conf_set_string(&c->control_socket, value);
	} else if (strcmp(key, "SocketGroup") == 0) {
		conf_set_string(&c->socket_group, value);
		if (*value && getgrnam(value) == NULL)
			diag_add(p->d, DIAG_ERROR, p->path, line, "SocketGroup=%s: no such group",
				 value);
	} else if (strcmp(key, "PIDFile") == 0) {
		conf_set_string(&c->pid_file, value);
	} else if (strcmp(key, "SocketMode") == 0) {
		char *end;
		unsigned long m = strtoul(value, &end, 8);
		if (*value == '\0' || *end != '\0' || m > 0777)
			diag_add(p->d, DIAG_ERROR, p->path, line,
				 "invalid SocketMode=%s: expected an octal mode such as 0660", value);
		else {
			c->socket_mode = (mode_t)m;
			c->socket_mode_set = true;
		}
	} else if (strcmp(key, "ShutdownTimeoutSec") == 0 ||
		   strcmp(key, "ShutdownDelaySec") == 0) {
		uint64_t usec;
		if (duration_parse(value, &usec) < 0)
			diag_add(p->d, DIAG_ERROR, p->path, line,
				 "invalid %s=%s: expected a time span such as 500ms, 2s or 1min 30s",
				 key, value);
		else if (key[8] == 'T')
			c->shutdown_timeout_usec = usec;
		else
			c->shutdown_delay_usec = usec;
	} else if (strcmp(key, "LogLevel") == 0) {
		int level = log_level_parse(value);
		if (level < 0)
			diag_add(p->d, DIAG_ERROR, p->path, line,
				 "invalid LogLevel=%s: expected err, warning, notice, info or debug",
				 value);
		else
			c->log_level = level;
	} else if (strcmp(key, "LogTarget") == 0) {
		if (strcmp(value, "auto") == 0)
			c->log_target = LOG_TARGET_AUTO;
		else if (strcmp(value, "stderr") == 0 || strcmp(value, "console") == 0)
			c->log_target = LOG_TARGET_STDERR;
		else if (strcmp(value, "journal") == 0)
			c->log_target = LOG_TARGET_JOURNAL;
		else
			diag_add(p->d, DIAG_ERROR, p->path, line,
				 "invalid LogTarget=%s: expected auto, stderr or journal", value);
	} else if (strcmp(key, "ForwardSignals") == 0) {
		char buf[256], *save = NULL;
		c->forward_signals = 0;
		if (strlen(value) >= sizeof(buf)) {
			diag_add(p->d, DIAG_ERROR, p->path, line, "ForwardSignals= is too long");
			return;
		}
		strcpy(buf, value);
		for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
			int sig = signame_parse(w);
			if (sig < 0 || !unitfile_forwardable(sig))
				diag_add(p->d, DIAG_ERROR, p->path, line,
					 "invalid ForwardSignals= entry %s: can relay only HUP INT "
					 "QUIT USR1 USR2 WINCH TERM", w);
			else
				c->forward_signals |= 1u << sig;
		}
	} else {
		diag_unknown(p->d, p->path, line, "unknown key %s= in [superd]", key);
	}
}

/* A relative UnitDirectory= in superd.conf is relative to superd.conf. */
static char *
resolve_against(const char *base_file, const char *path)
{
	char *copy, *dir, *out;

	if (path[0] == '/')
		return strdup(path);
	copy = strdup(base_file);
	if (copy == NULL)
		return NULL;
	dir = dirname(copy);
	if (asprintf(&out, "%s/%s", dir, path) < 0)
		out = NULL;
	free(copy);
	return out;
}

static int
load_conf(struct config *cfg, const struct config_paths *paths, struct diag *d)
{
	struct superd_conf *c = &cfg->conf;
	const char *path = paths->conf_file ? paths->conf_file : DEFAULT_CONF;
	struct conf_parse p = {.conf = c, .d = d, .path = path};

	c->shutdown_timeout_usec = 25 * USEC_PER_SEC;
	c->shutdown_delay_usec = 0;
	c->log_level = -1;
	c->log_target = LOG_TARGET_AUTO;
	c->socket_mode = 0600;

	if (paths->conf_file != NULL || access(path, F_OK) == 0)
		inifile_parse(path, conf_key_cb, conf_section_cb, &p, d);

	if (c->unit_dir != NULL && paths->unit_dir == NULL) {
		char *abs = resolve_against(path, c->unit_dir);
		free(c->unit_dir);
		c->unit_dir = abs;
		if (abs == NULL)
			return -1;
	}
	if (paths->unit_dir != NULL)
		conf_set_string(&c->unit_dir, paths->unit_dir);
	else if (c->unit_dir == NULL)
		c->unit_dir = strdup(DEFAULT_UNIT_DIR);
	if (paths->pid_file != NULL)
		conf_set_string(&c->pid_file, paths->pid_file);
	if (paths->control_socket != NULL)
		conf_set_string(&c->control_socket, paths->control_socket);
	if (!c->socket_mode_set && c->socket_group != NULL)
		c->socket_mode = 0660;
	return c->unit_dir ? 0 : -1;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is the unit file at path (named n, in dir) a symbolic link to another
 * unit file of dir, as systemd's aliases are? Then the name of that one
 * (in names, which is sorted), else NULL. *dir_real caches dir's real
 * path: it is looked up only once a symbolic link is seen. */
static const char *
alias_of(const char *dir, const char *path, const char *n, const struct strv *names,
	 char **dir_real)
{
	struct stat st;
	char *real, *slash;
	const char *found = NULL;

	if (lstat(path, &st) < 0 || !S_ISLNK(st.st_mode))
		return NULL;
	if (*dir_real == NULL && (*dir_real = realpath(dir, NULL)) == NULL)
		return NULL;
	if ((real = realpath(path, NULL)) == NULL)
		return NULL; /* dangling: unitfile_load() says so */
	slash = strrchr(real, '/');
	if (slash != NULL && (size_t)(slash - real) == strlen(*dir_real) &&
	    strncmp(real, *dir_real, (size_t)(slash - real)) == 0 && strcmp(slash + 1, n) != 0) {
		const char *key = slash + 1;
		char *const *hit = bsearch(&key, names->v, names->n, sizeof(char *), name_cmp);
		if (hit != NULL)
			found = *hit;
	}
	free(real);
	return found;
}

static int
load_units(struct config *cfg, struct diag *d)
{
	const char *dir = cfg->conf.unit_dir;
	char *dir_real = NULL;
	struct strv names = {0};
	DIR *dp = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (dp == NULL) {
		diag_add(d, DIAG_ERROR, dir, 0, "cannot open unit directory: %s", strerror(errno));
		return 0;
	}
	while ((errno = 0, de = readdir(dp)) != NULL) {
		const char *n = de->d_name;
		size_t len = strlen(n);
		if (n[0] != '.' && len > 10 && strcmp(n + len - 10, ".service.d") == 0 &&
		    (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN || de->d_type == DT_LNK)) {
			/* systemd's drop-ins ("systemctl edit"): say that they do
			 * nothing here, rather than let an override seem in force. */
			char *path;
			if (asprintf(&path, "%s/%s", dir, n) >= 0) {
				diag_add(d, DIAG_WARNING, path, 0,
					 "drop-in directories are not supported; the files in it "
					 "are ignored (put the settings in the unit file)");
				free(path);
			}
			continue;
		}
		if (n[0] == '.' || len <= 8 || strcmp(n + len - 8, ".service") != 0)
			continue;
		if (strv_push(&names, n) < 0) {
			rc = -1;
			break;
		}
	}
	if (errno != 0 && rc == 0)
		diag_add(d, DIAG_ERROR, dir, 0, "cannot read unit directory: %s", strerror(errno));
	closedir(dp);
	if (rc < 0) {
		strv_clear(&names);
		return -1;
	}
	if (names.n > 0)
		qsort(names.v, names.n, sizeof(char *), name_cmp);

	cfg->units = calloc(names.n ? names.n : 1, sizeof(*cfg->units));
	if (cfg->units == NULL) {
		strv_clear(&names);
		return -1;
	}
	for (size_t i = 0; i < names.n; i++) {
		const char *n = names.v[i];
		char *path;
		struct unit_config *u;

		if (asprintf(&path, "%s/%s", dir, n) < 0) {
			rc = -1;
			break;
		}
		if (strstr(n, "@.service") != NULL && n[strlen(n) - 9] == '@') {
			diag_add(d, DIAG_WARNING, path, 0,
				 "template units are not supported yet; skipped");
			free(path);
			continue;
		}
		const char *target = alias_of(dir, path, n, &names, &dir_real);
		if (target != NULL) {
			diag_add(d, DIAG_NOTICE, path, 0,
				 "an alias of %s (a symbolic link to it in the same directory); "
				 "skipped, so that the unit runs once", target);
			free(path);
			continue;
		}
		if (!unitfile_valid_name(n)) {
			diag_add(d, DIAG_WARNING, path, 0,
				 "not a valid unit name (letters, digits and -_.:@\\ only); skipped");
			free(path);
			continue;
		}
		u = unitfile_load(path, n, d);
		free(path);
		if (u == NULL)
			continue;
		cfg->units[cfg->nunits++] = u;
		if (hashmap_put_str(&cfg->by_name, u->name, u) < 0) {
			rc = -1;
			break;
		}
	}
	strv_clear(&names);
	free(dir_real);
	return rc;
}

static void
check_missing(struct config *cfg, struct unit_config *u, struct unit_deplist *l,
	      const char *key, struct diag *d)
{
	for (size_t i = 0; i < l->n; i++) {
		if (config_find(cfg, l->v[i].name) != NULL)
			continue;
		if (l == &u->requires)
			diag_add(d, DIAG_WARNING, u->path, l->v[i].line,
				 "Requires=%s: no such unit; %s cannot start until it exists",
				 l->v[i].name, u->name);
		else
			diag_add(d, DIAG_WARNING, u->path, l->v[i].line,
				 "%s=%s: no such unit; ignored", key, l->v[i].name);
	}
}

/* Ordering edges: u -> v means u starts before v. */
struct order_graph {
	size_t *edges; /* targets, grouped by source */
	size_t *first; /* first[i]..first[i+1] index edges of unit i */
	unsigned *lines; /* where each edge was written */
	size_t *owner;	 /* which unit file wrote it */
};

static size_t
unit_index(const struct config *cfg, const struct unit_config *u)
{
	/* units[] is sorted by name, so a binary search finds it. */
	size_t lo = 0, hi = cfg->nunits;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(cfg->units[mid]->name, u->name);
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SIZE_MAX;
}

static int
build_graph(const struct config *cfg, struct order_graph *g)
{
	size_t n = cfg->nunits, total = 0, *count;

	count = calloc(n + 1, sizeof(*count));
	g->first = calloc(n + 1, sizeof(*g->first));
	if (count == NULL || g->first == NULL)
		goto oom;
	/* Count, then fill: "a After=b" is b -> a, "a Before=b" is a -> b. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			const struct unit_config *u = cfg->units[i];
			for (int which = 0; which < 2; which++) {
				const struct unit_deplist *l = which ? &u->before : &u->after;
				for (size_t k = 0; k < l->n; k++) {
					struct unit_config *o = config_find(cfg, l->v[k].name);
					if (o == NULL)
						continue;
					size_t j = unit_index(cfg, o);
					size_t from = which ? i : j, to = which ? j : i;
					if (pass == 0) {
						count[from]++;
						total++;
					} else {
						size_t at = g->first[from] + count[from]++;
						g->edges[at] = to;
						g->lines[at] = l->v[k].line;
						g->owner[at] = i;
					}
				}
			}
		}
		if (pass == 0) {
			for (size_t i = 0; i < n; i++)
				g->first[i + 1] = g->first[i] + count[i];
			memset(count, 0, (n + 1) * sizeof(*count));
			g->edges = calloc(total ? total : 1, sizeof(*g->edges));
			g->lines = calloc(total ? total : 1, sizeof(*g->lines));
			g->owner = calloc(total ? total : 1, sizeof(*g->owner));
			if (g->edges == NULL || g->lines == NULL || g->owner == NULL)
				goto oom;
		}
	}
	free(count);
	return 0;
oom:
	free(count);
	return -1;
}

static void
free_graph(struct order_graph *g)
{
	free(g->edges);
	free(g->first);
	free(g->lines);
	free(g->owner);
}

/* Find ordering cycles with an iterative depth-first search, so that deep
 * chains of thousands of units cannot overflow the stack. */
static int
check_cycles(const struct config *cfg, struct diag *d)
{
	size_t n = cfg->nunits;
	struct order_graph g = {0};
	unsigned char *color = NULL; /* 0 new, 1 on stack, 2 done */
	size_t *stack = NULL, *cursor = NULL, *via = NULL;
	int rc = -1;

	if (n == 0)
		return 0;
	if (build_graph(cfg, &g) < 0)
		goto out;
	color = calloc(n, 1);
	stack = calloc(n, sizeof(*stack));
	cursor = calloc(n, sizeof(*cursor));
	via = calloc(n, sizeof(*via)); /* edge index that led to stack[i] */
	if (!color || !stack || !cursor || !via)
		goto out;
	for (size_t root = 0; root < n; root++) {
		size_t depth = 0;
		if (color[root])
			continue;
		stack[depth++] = root;
		color[root] = 1;
		cursor[root] = g.first[root];
		while (depth > 0) {
			size_t v = stack[depth - 1];
			if (cursor[v] == g.first[v + 1]) {
				color[v] = 2;
				depth--;
				continue;
			}
			size_t e = cursor[v]++;
			size_t w = g.edges[e];
			if (color[w] == 0) {
				color[w] = 1;
				cursor[w] = g.first[w];
				via[depth] = e;
				stack[depth++] = w;
			} else if (color[w] == 1) {
				/* Back edge: the cycle is w ... v -> w. */
				char msg[1024];
				size_t len = 0, start = depth;
				while (start > 0 && stack[start - 1] != w)
					start--;
				start--;
				for (size_t i = start; i < depth && len < sizeof(msg); i++) {
					int wr = snprintf(msg + len, sizeof(msg) - len, "%s -> ",
							  cfg->units[stack[i]]->name);
					if (wr > 0)
						len += (size_t)wr;
				}
				if (len < sizeof(msg))
					snprintf(msg + len, sizeof(msg) - len, "%s", cfg->units[w]->name);
				const struct unit_config *owner = cfg->units[g.owner[e]];
				diag_add(d, DIAG_ERROR, owner->path, g.lines[e],
					 "ordering cycle: %s (a unit cannot start before itself)", msg);
				/* Drop the edge so each cycle is reported once. */
				color[w] = 1;
			}
		}
	}
	rc = 0;
out:
	free(color);
	free(stack);
	free(cursor);
	free(via);
	free_graph(&g);
	return rc;
}

struct config *
config_load(const struct config_paths *paths, struct diag *d)
{
	struct config *cfg = calloc(1, sizeof(*cfg));

	if (cfg == NULL)
		return NULL;
	hashmap_init_str(&cfg->by_name);
	if (load_conf(cfg, paths, d) < 0 || load_units(cfg, d) < 0)
		goto oom;
	for (size_t i = 0; i < cfg->nunits; i++) {
		struct unit_config *u = cfg->units[i];
		check_missing(cfg, u, &u->after, "After", d);
		check_missing(cfg, u, &u->before, "Before", d);
		check_missing(cfg, u, &u->wants, "Wants", d);
		check_missing(cfg, u, &u->requires, "Requires", d);
	}
	if (check_cycles(cfg, d) < 0)
		goto oom;
	return cfg;
oom:
	config_free(cfg);
	return NULL;
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nunits; i++)
		unitfile_free(c->units[i]);
	free(c->units);
	hashmap_free(&c->by_name);
	free(c->conf.unit_dir);
	free(c->conf.control_socket);
	free(c->conf.socket_group);
	free(c->conf.pid_file);
	free(c);
}

struct unit_config *
config_find(const struct config *c, const char *name)
{
	return hashmap_get_str(&c->by_name, name);
}
