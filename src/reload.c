#include "reload.h"

#include "config.h"
#include "log.h"
#include "notify.h"
#include "proto.h"
#include "superd.h"
#include "unit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum reload_action {
	RELOAD_KEEP,	/* nothing changed */
	RELOAD_UPDATE,	/* policy only: applied in place, same process */
	RELOAD_RESTART, /* the process would differ: restarted */
	RELOAD_START,	/* new, AutoStart=yes */
	RELOAD_ADD,	/* new, AutoStart=no */
};

static const char *const action_keys[] = {
	[RELOAD_UPDATE] = "Update",
	[RELOAD_RESTART] = "Restart",
	[RELOAD_START] = "Start",
	[RELOAD_ADD] = "Add",
};

static void
report(struct buf *out, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
report(struct buf *out, const char *key, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (out != NULL)
		proto_kv(out, key, msg);
}

/* Settings of superd.conf that cannot change while superd runs: keep the old
 * ones, with a warning. */
static void
keep_fixed(struct superd *sd, struct config *next, struct buf *out)
{
	struct superd_conf *o = &sd->config->conf, *n = &next->conf;
	const struct {
		const char *key;
		char **old, **new;
	} strs[] = {
		{"ControlSocket", &o->control_socket, &n->control_socket},
		{"SocketGroup", &o->socket_group, &n->socket_group},
		{"PIDFile", &o->pid_file, &n->pid_file},
	};

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		const char *a = *strs[i].old, *b = *strs[i].new;
		if ((a == NULL) == (b == NULL) && (a == NULL || strcmp(a, b) == 0))
			continue;
		log_warn(NULL, "reload: %s= cannot change while superd runs; keeping %s",
			 strs[i].key, a ? a : "(none)");
		report(out, "Warning", "%s= cannot change while superd runs; keeping %s",
		       strs[i].key, a ? a : "(none)");
		free(*strs[i].new);
		*strs[i].new = a ? strdup(a) : NULL;
	}
	if (o->log_target != n->log_target) {
		static const char *const names[] = {"auto", "stderr", "journal"};
		const char *was = (unsigned)o->log_target < 3 ? names[o->log_target] : "?";
		log_warn(NULL, "reload: LogTarget= cannot change while superd runs; keeping %s", was);
		report(out, "Warning", "LogTarget= cannot change while superd runs; keeping %s", was);
		n->log_target = o->log_target;
	}
	if (o->socket_mode != n->socket_mode) {
		log_warn(NULL, "reload: SocketMode= cannot change while superd runs; keeping %04o",
			 (unsigned)o->socket_mode);
		report(out, "Warning", "SocketMode= cannot change while superd runs; keeping %04o",
		       (unsigned)o->socket_mode);
		n->socket_mode = o->socket_mode;
	}
}

/* Removed units find each other by name among themselves only. */
struct gone_set {
	struct unit **v;
	size_t n;
};

static struct unit *
find_gone(void *ctx, const char *name)
{
	const struct gone_set *set = ctx;

	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->v[i]->name, name) == 0)
			return set->v[i];
	return NULL;
}

static int reload_apply(struct superd *sd, bool dry_run, struct buf *out);

int
reload_run(struct superd *sd, bool dry_run, struct buf *out)
{
	int rc;

	if (dry_run || sd->shutting_down)
		return reload_apply(sd, dry_run, out);
	/* systemd sees the reload begin and end, whatever its outcome. */
	notify_reloading(sd);
	rc = reload_apply(sd, false, out);
	notify_reloaded(sd);
	return rc;
}

static int
reload_apply(struct superd *sd, bool dry_run, struct buf *out)
{
	struct diag d = {0};
	struct config *next = config_load(&sd->paths, &d);
	size_t ngone = 0, counts[RELOAD_ADD + 1] = {0};
	enum reload_action *actions = NULL;
	struct unit **gone = NULL, **fresh = NULL, **restart = NULL;
	size_t nfresh = 0, nrestart = 0;
	int rc = -1;

	if (sd->shutting_down) {
		report(out, "Error", "superd is shutting down");
		diag_free(&d);
		config_free(next);
		return -1;
	}
	if (next == NULL) {
		log_err(NULL, "reload: out of memory; configuration unchanged");
		report(out, "Error", "out of memory");
		diag_free(&d);
		return -1;
	}
	/* Every problem, in FILE:LINE: form, in the log and in the answer. */
	diag_log(&d);
	for (size_t i = 0; i < d.n; i++) {
		const struct diag_entry *e = &d.v[i];
		const char *key = e->severity == DIAG_ERROR ? "Error" : "Warning";
		if (e->severity == DIAG_NOTICE)
			continue;
		if (e->line > 0)
			report(out, key, "%s:%u: %s", e->file, e->line, e->msg);
		else
			report(out, key, "%s: %s", e->file, e->msg);
	}
	if (d.errors > 0) {
		log_err(NULL, "reload: configuration invalid (%zu error(s)); nothing changed",
			d.errors);
		diag_free(&d);
		config_free(next);
		return -1;
	}
	diag_free(&d);
	keep_fixed(sd, next, out);

	/* The plan: what happens to every unit, old and new. */
	actions = calloc(next->nunits ? next->nunits : 1, sizeof(*actions));
	gone = calloc(sd->nunits ? sd->nunits : 1, sizeof(*gone));
	if (actions == NULL || gone == NULL)
		goto oom;
	for (size_t i = 0; i < next->nunits; i++) {
		const struct unit_config *c = next->units[i];
		struct unit *u = unit_find(sd, c->name);
		if (u == NULL)
			actions[i] = c->auto_start ? RELOAD_START : RELOAD_ADD;
		else if (!unitfile_same_process(u->cfg, c))
			/* Only what is meant to run restarts; the others use the
			 * new settings when they next start. So does a oneshot
			 * that has done its work (exited, RemainAfterExit=yes):
			 * as with systemd, a reload does not run it again. */
			actions[i] = u->want_up && u->state != UNIT_EXITED ? RELOAD_RESTART
									  : RELOAD_UPDATE;
		else if (u->cfg->content_hash == c->content_hash &&
			 strcmp(u->cfg->path, c->path) == 0)
			/* The same file and the same resulting process: what the
			 * file reads besides itself (EnvironmentFile=) is compared
			 * above, since the hash cannot see it. */
			actions[i] = RELOAD_KEEP;
		else
			actions[i] = RELOAD_UPDATE;
		counts[actions[i]]++;
		if (actions[i] != RELOAD_KEEP)
			report(out, action_keys[actions[i]], "%s", c->name);
	}
	for (size_t i = 0; i < sd->nunits; i++)
		if (config_find(next, sd->units[i]->name) == NULL) {
			gone[ngone++] = sd->units[i];
			report(out, "Stop", "%s", sd->units[i]->name);
		}
	if (dry_run) {
		rc = 0;
		goto out;
	}

	/* Apply, in two phases. First everything that can fail, with nothing
	 * changed yet: the new units, their names in the table, every new
	 * environment. Then the swap, which cannot fail: a reload is either
	 * all done or not at all. */
	struct unit **units = calloc(next->nunits ? next->nunits : 1, sizeof(*units));
	char ***envps = calloc(next->nunits ? next->nunits : 1, sizeof(*envps));
	struct unit **removed = realloc(sd->removed, (sd->nremoved + ngone + 1) * sizeof(*removed));
	fresh = calloc(next->nunits ? next->nunits : 1, sizeof(*fresh));
	restart = calloc(next->nunits ? next->nunits : 1, sizeof(*restart));
	if (removed != NULL)
		sd->removed = removed;
	bool failed = units == NULL || envps == NULL || removed == NULL || fresh == NULL ||
		      restart == NULL;
	for (size_t i = 0; !failed && i < next->nunits; i++) {
		const struct unit_config *c = next->units[i];
		struct unit *u = unit_find(sd, c->name);
		if (u == NULL) {
			u = unit_new(sd, c);
			if (u == NULL || hashmap_put_str(&sd->units_by_name, u->name, u) < 0) {
				if (u)
					unit_free(u);
				failed = true;
				break;
			}
			fresh[nfresh++] = u;
		} else if ((envps[i] = unit_build_envp(c)) == NULL) {
			failed = true;
		}
		units[i] = u;
	}
	if (failed) {
		for (size_t i = 0; i < nfresh; i++) {
			hashmap_del_str(&sd->units_by_name, fresh[i]->name);
			unit_free(fresh[i]);
		}
		for (size_t i = 0; envps && i < next->nunits; i++)
			unit_free_envp(envps[i]);
		free(envps);
		free(units);
		nfresh = 0;
		goto oom;
	}

	/* The units that go: out of the table, owning their old config,
	 * linked only among themselves, so that they stop in reverse
	 * dependency order. */
	for (size_t i = 0; i < ngone; i++) {
		struct unit *u = gone[i];
		for (size_t k = 0; k < sd->config->nunits; k++)
			if (sd->config->units[k] == u->cfg) {
				u->owned_cfg = sd->config->units[k];
				sd->config->units[k] = NULL;
			}
		hashmap_del_str(&sd->units_by_name, u->name);
		u->want_up = false;
	}
	for (size_t i = 0; i < next->nunits; i++) {
		struct unit *u = units[i];
		if (envps[i] != NULL) {
			unit_adopt_config(u, next->units[i], envps[i]);
			/* The name string moved to the new config. */
			(void)hashmap_put_str(&sd->units_by_name, u->name, u);
		}
		if (actions[i] == RELOAD_RESTART)
			restart[nrestart++] = u;
	}
	free(envps);
	for (size_t i = 0; i < sd->nunits; i++)
		unit_unlink(sd->units[i]);
	free(sd->units);
	sd->units = units;
	sd->nunits = next->nunits;
	/* Linking only adds to lists; without memory a unit merely loses
	 * some ordering, which is logged. */
	for (size_t i = 0; i < sd->nunits; i++)
		if (unit_link(sd->units[i], unit_find_cb, sd) < 0)
			log_err(sd->units[i]->name, "reload: out of memory linking dependencies");
	struct gone_set set = {gone, ngone};
	for (size_t i = 0; i < ngone; i++)
		if (unit_link(gone[i], find_gone, &set) < 0)
			log_err(gone[i]->name, "reload: out of memory linking dependencies");
	for (size_t i = 0; i < ngone; i++)
		sd->removed[sd->nremoved++] = gone[i];

	struct config *old = sd->config;
	sd->config = next;
	config_free(old);
	next = NULL;
	if (sd->verbosity == 0)
		log_set_level(sd->config->conf.log_level >= 0
				      ? (enum log_level)sd->config->conf.log_level
				      : LOG_LEVEL_INFO);

	/* Now the processes: removed units stop, changed ones restart, new
	 * ones start. */
	for (size_t i = 0; i < ngone; i++)
		unit_stop(gone[i]);
	for (size_t i = 0; i < nrestart; i++) {
		struct unit *u = restart[i];
		/* Only what is meant to run: a unit being stopped stays stopped,
		 * and the next start uses the new settings anyway. */
		if (u->want_up) {
			log_info(u->name, "reload: settings that affect the process changed; restarting");
			unit_restart(u);
		}
	}
	size_t nstart = 0;
	for (size_t i = 0; i < nfresh; i++)
		if (fresh[i]->cfg->auto_start)
			fresh[nstart++] = fresh[i];
	unit_start_list(fresh, nstart);
	unit_recheck_all(sd);
	log_notice(NULL, "reloaded: %zu unit(s) started, %zu added, %zu stopped, %zu restarted, "
			 "%zu updated in place",
		   counts[RELOAD_START], counts[RELOAD_ADD], ngone, counts[RELOAD_RESTART],
		   counts[RELOAD_UPDATE]);
	rc = 0;
	goto out;

oom:
	log_err(NULL, "reload: out of memory; configuration unchanged");
	report(out, "Error", "out of memory");
out:
	free(actions);
	free(gone);
	free(fresh);
	free(restart);
	config_free(next);
	return rc;
}
