#include "unit.h"

#include "backoff.h"
#include "buf.h"
#include "ctl.h"
#include "duration.h"
#include "log.h"
#include "notify.h"
#include "pidfile.h"
#include "signame.h"
#include "spawn.h"

#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#ifdef HAVE_SYSTEMD
#include <systemd/sd-journal.h>
#endif
#include <unistd.h>

static void unit_try_start(struct unit *u);
/* Control processes (see unit_run_control). */
enum unit_control {
	CONTROL_NONE,
	CONTROL_PRE,
	CONTROL_POST,
	CONTROL_RELOAD,
	CONTROL_STOP,
};

static void unit_begin_start(struct unit *u);
static void unit_request_action_exit(struct unit *u, const char *what);
static void unit_became_ready(struct unit *u);
static int unit_run_control(struct unit *u, int kind);
static void unit_send_stop_signal(struct unit *u);
static void unit_begin_stop_then(struct unit *u, enum unit_after_stop then);
static char **envp_with(char *const *envp, char *extra);
static void reap_removed(struct superd *sd);
static void unit_abort_control(struct unit *u, const char *why);
static void unit_try_stop(struct unit *u);
static void unit_try_restart_stop(struct unit *u);
static void unit_finish_stop(struct unit *u);
static void unit_timer_cb(struct ev_loop *loop, ev_timer *w, int revents);
static void unit_status_cb(struct ev_loop *loop, ev_io *w, int revents);

static const char *const unit_state_names[] = {
	[UNIT_INACTIVE] = "inactive", [UNIT_STARTING] = "starting",
	[UNIT_ACTIVE] = "active",     [UNIT_RELOADING] = "reloading",
	[UNIT_STOPPING] = "stopping", [UNIT_BACKOFF] = "backoff",
	[UNIT_FAILED] = "failed",     [UNIT_EXITED] = "exited",
};

const char *
unit_state_name(enum unit_state s)
{
	return unit_state_names[s];
}

static double
usec_to_sec(uint64_t usec)
{
	return (double)usec / 1e6;
}

/* SuccessAction=/FailureAction=exit: superd shuts down and exits with the
 * unit's own status, 128+signal if it was killed (the container pattern). */
static void
unit_request_action_exit(struct unit *u, const char *what)
{
	struct superd *sd = u->sd;
	int code = 1;

	if (sd->shutting_down || sd->action_pending)
		return;
	if (u->has_last_status && WIFEXITED(u->last_status))
		code = WEXITSTATUS(u->last_status);
	else if (u->has_last_status && WIFSIGNALED(u->last_status))
		code = 128 + WTERMSIG(u->last_status);
	sd->action_pending = true;
	sd->action_exit = true;
	sd->exit_code = code;
	snprintf(sd->action_why, sizeof(sd->action_why), "%s of %s, status %d", what, u->name, code);
}

/* A unit's texts (reason, STATUS=, reload failure) live on the heap only
 * while they say something: most of 10,000 units have none. The empty
 * text is this shared "", never freed. */
static char no_text[] = "";

static void
text_clear(char **slot)
{
	if (*slot != no_text)
		free(*slot);
	*slot = no_text;
}

/* The arguments may include *slot itself: format first, then free. */
static void
text_vset(char **slot, const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	text_clear(slot);
	if (s != NULL && s[0] != '\0')
		*slot = s;
	else
		free(s);
}

static void __attribute__((format(printf, 2, 3)))
text_set(char **slot, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	text_vset(slot, fmt, ap);
	va_end(ap);
}

/* u's first start has settled: it is ready, failed, backing off or
 * skipped. superd is ready (READY=1, health) once no AutoStart unit's
 * first start is pending. A unit waiting to start After= one that backs
 * off (settled, not ready, still wanted) waits on nothing that is on its
 * way: it has settled too, and so on down the chain (a list, not
 * recursion: chains may be 10,000 long). After one that is no longer
 * wanted (failed, skipped, a finished oneshot) the waiter starts now, and
 * settles on its own. */
static void
unit_settled(struct unit *u)
{
	struct superd *sd = u->sd;
	struct unit **todo = NULL;
	size_t n = 0, cap = 0;

	if (!u->first_start)
		return;
	u->first_start = false;
	sd->starting--;
	for (struct unit *x = u;; x = todo[--n]) {
		for (size_t i = 0; !unit_is_ready(x) && x->want_up && i < x->before.n; i++) {
			struct unit *w = x->before.v[i];
			if (!w->first_start || !w->want_up || w->state != UNIT_INACTIVE)
				continue;
			if (n == cap) {
				size_t ncap = cap ? 2 * cap : 16;
				struct unit **v = realloc(todo, ncap * sizeof(*v));
				if (v == NULL) {
					log_err(w->name, "out of memory; its start counts as pending");
					continue;
				}
				todo = v;
				cap = ncap;
			}
			w->first_start = false;
			sd->starting--;
			log_debug(w->name, "waits for %s, which has settled: settled too", x->name);
			todo[n++] = w;
		}
		if (n == 0)
			break;
	}
	free(todo);
	notify_check_ready(sd);
}

/* The one place where a unit's state changes. timeout_usec is how long the
 * unit's timer runs in the new state; DURATION_INFINITY: no timer. */
static void __attribute__((format(printf, 4, 5)))
unit_set_state(struct unit *u, enum unit_state s, uint64_t timeout_usec,
	       const char *fmt, ...)
{
	va_list ap;

	ev_timer_stop(u->sd->loop, &u->timer);
	/* While active, the timer is the watchdog (WatchdogSec=), if any. */
	if (timeout_usec == DURATION_INFINITY && s == UNIT_ACTIVE && u->cfg->watchdog_usec > 0 &&
	    u->cfg->notify_access != NOTIFY_ACCESS_NONE && u->pid > 0)
		timeout_usec = u->cfg->watchdog_usec;
	if (timeout_usec != DURATION_INFINITY) {
		ev_timer_set(&u->timer, usec_to_sec(timeout_usec), 0.);
		ev_timer_start(u->sd->loop, &u->timer);
	}
	if (s != UNIT_STARTING)
		u->pidfile_wait = false;
	/* Uptime counts from readiness; a reload does not reset it. */
	if (s == UNIT_ACTIVE && u->state != UNIT_ACTIVE && u->state != UNIT_RELOADING)
		u->active_since = ev_time();
	u->state = s;
	if (fmt != NULL) {
		va_start(ap, fmt);
		text_vset(&u->reason, fmt, ap);
		va_end(ap);
	} else {
		text_clear(&u->reason);
	}
	if (u->first_start && (unit_is_ready(u) || s == UNIT_FAILED || s == UNIT_BACKOFF ||
			       (s == UNIT_INACTIVE && !u->want_up)))
		unit_settled(u);
	if (u->waits != NULL)
		ctl_unit_changed(u);
	notify_status_changed(u->sd);
	if (s == UNIT_FAILED && u->cfg->failure_action == UNIT_ACTION_EXIT)
		unit_request_action_exit(u, "FailureAction=exit");
}

bool
unit_is_ready(const struct unit *u)
{
	return u->state == UNIT_ACTIVE || u->state == UNIT_RELOADING ||
	       u->state == UNIT_EXITED;
}

bool
unit_has_process(const struct unit *u)
{
	return u->pid != 0 || u->pgid != 0;
}

/* The one place where a unit's process group changes, so that the group
 * finds its unit (units_by_pgid) whatever its main process is now. */
static void
unit_set_pgid(struct unit *u, pid_t pg)
{
	struct hashmap *m = &u->sd->units_by_pgid;

	if (u->pgid == pg)
		return;
	if (u->pgid > 0 && hashmap_get_int(m, u->pgid) == u)
		hashmap_del_int(m, u->pgid);
	u->pgid = pg;
	if (pg > 0 && hashmap_put_int(m, pg, u) < 0)
		log_err(u->name, "out of memory: process group %ld is not tracked for "
				 "NotifyAccess=all", (long)pg);
}

static bool
group_alive(pid_t pgid)
{
	if (pgid <= 0)
		return false;
	return kill(-pgid, 0) == 0 || errno == EPERM;
}

static void
signal_group(struct unit *u, int sig)
{
	if (u->pgid > 0 && kill(-u->pgid, sig) < 0) {
		/* The child may not have called setsid() yet. */
		if (errno == ESRCH && u->pid > 0) {
			if (kill(u->pid, sig) < 0 && errno != ESRCH)
				log_warn_errno(u->name, "cannot send %s to pid %ld",
					       signame_name(sig), (long)u->pid);
		} else if (errno != ESRCH) {
			log_warn_errno(u->name, "cannot send %s to process group %ld",
				       signame_name(sig), (long)u->pgid);
		}
	}
}

static void
signal_main(struct unit *u, int sig)
{
	if (u->pid > 0 && kill(u->pid, sig) < 0 && errno != ESRCH)
		log_warn_errno(u->name, "cannot send %s to pid %ld", signame_name(sig),
			       (long)u->pid);
}

/* While a unit waits for its group to empty, its timer polls slowly too:
 * the last member may be reaped by a parent that is not superd. */
#define GROUP_POLL_SEC 0.5

static void
group_waiters_add(struct unit *u)
{
	struct superd *sd = u->sd;

	if (u->in_group_waiters)
		return;
	u->in_group_waiters = true;
	u->prev_group_waiter = NULL;
	u->next_group_waiter = sd->group_waiters;
	if (sd->group_waiters)
		sd->group_waiters->prev_group_waiter = u;
	sd->group_waiters = u;
	if (!ev_is_active(&u->timer)) {
		ev_timer_set(&u->timer, GROUP_POLL_SEC, 0.);
		ev_timer_start(sd->loop, &u->timer);
	}
}

static void
group_waiters_remove(struct unit *u)
{
	if (!u->in_group_waiters)
		return;
	if (u->prev_group_waiter)
		u->prev_group_waiter->next_group_waiter = u->next_group_waiter;
	else
		u->sd->group_waiters = u->next_group_waiter;
	if (u->next_group_waiter)
		u->next_group_waiter->prev_group_waiter = u->prev_group_waiter;
	u->next_group_waiter = u->prev_group_waiter = NULL;
	u->in_group_waiters = false;
}

static void
unit_enqueue(struct unit *u)
{
	struct superd *sd = u->sd;

	if (u->queued)
		return;
	u->queued = true;
	u->next_queued = NULL;
	if (sd->queue_tail)
		sd->queue_tail->next_queued = u;
	else
		sd->queue_head = u;
	sd->queue_tail = u;
}

/* Let units ordered after u start if they were waiting for it. */
static void
notify_start_waiters(struct unit *u)
{
	for (size_t i = 0; i < u->before.n; i++) {
		struct unit *w = u->before.v[i];
		if (w->want_up && (w->state == UNIT_INACTIVE || w->state == UNIT_FAILED))
			unit_enqueue(w);
	}
}

/* Let units ordered before u stop if they were waiting for it to stop. */
static void
notify_stop_waiters(struct unit *u)
{
	for (size_t i = 0; i < u->after.n; i++) {
		struct unit *d = u->after.v[i];
		if (!d->want_up)
			unit_try_stop(d);
		else if (d->restart_pending)
			unit_try_restart_stop(d);
	}
}

static void
fail_unit(struct unit *u, const char *why)
{
	u->want_up = false;
	unit_set_state(u, UNIT_FAILED, DURATION_INFINITY, "%s", why);
	log_err(u->name, "failed: %s", why);
	notify_start_waiters(u);
}

static char *
format_exit(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by %s%s", signame_name(WTERMSIG(status)),
			 WCOREDUMP(status) ? " (core dumped)" : "");
	else
		snprintf(buf, size, "ended (wait status %#x)", (unsigned)status);
	return buf;
}

static bool
exit_clean(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status) == 0;
	if (WIFSIGNALED(status)) {
		int s = WTERMSIG(status);
		return s == SIGHUP || s == SIGINT || s == SIGTERM || s == SIGPIPE;
	}
	return false;
}

static bool
should_restart(enum restart_policy p, int status, bool exec_failed)
{
	bool clean = !exec_failed && exit_clean(status);
	bool abnormal = !exec_failed && WIFSIGNALED(status) && !clean;

	switch (p) {
	case RESTART_NO: return false;
	case RESTART_ALWAYS: return true;
	case RESTART_ON_SUCCESS: return clean;
	case RESTART_ON_FAILURE: return !clean;
	case RESTART_ON_ABNORMAL: return abnormal;
	case RESTART_ON_ABORT: return abnormal;
	case RESTART_ON_WATCHDOG: return false;
	}
	return false;
}

/* Restart= after a timeout of superd's own: TimeoutStartSec= or, when
 * watchdog, WatchdogSec=. systemd's table: on-abort leaves both alone,
 * on-watchdog restarts after the watchdog only. */
static bool
should_restart_timeout(enum restart_policy p, bool watchdog)
{
	switch (p) {
	case RESTART_ALWAYS:
	case RESTART_ON_FAILURE:
	case RESTART_ON_ABNORMAL: return true;
	case RESTART_ON_WATCHDOG: return watchdog;
	case RESTART_NO:
	case RESTART_ON_SUCCESS:
	case RESTART_ON_ABORT: return false;
	}
	return false;
}

/* Conditions skip the start; asserts fail it. Returns 1 to go on, 0 when
 * skipped or failed (state already set). */
static bool
check_one_condition(const struct unit_condition *c)
{
	struct stat st;
	bool r = false;

	switch (c->kind) {
	case COND_PATH_EXISTS:
		r = access(c->path, F_OK) == 0;
		break;
	case COND_PATH_IS_DIRECTORY:
		r = stat(c->path, &st) == 0 && S_ISDIR(st.st_mode);
		break;
	case COND_FILE_NOT_EMPTY:
		r = stat(c->path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
		break;
	case COND_DIRECTORY_NOT_EMPTY: {
		DIR *d = opendir(c->path);
		if (d != NULL) {
			struct dirent *de;
			while ((de = readdir(d)) != NULL)
				if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
					r = true;
					break;
				}
			closedir(d);
		}
		break;
	}
	}
	return r != c->negate;
}

static const char *
condition_key(const struct unit_condition *c)
{
	static const char *const names[] = {
		[COND_PATH_EXISTS] = "PathExists",
		[COND_PATH_IS_DIRECTORY] = "PathIsDirectory",
		[COND_FILE_NOT_EMPTY] = "FileNotEmpty",
		[COND_DIRECTORY_NOT_EMPTY] = "DirectoryNotEmpty",
	};
	return names[c->kind];
}

static bool
check_conditions(struct unit *u)
{
	const struct unit_config *cfg = u->cfg;
	bool any_trigger = false, trigger_ok = false;
	char why[512];

	for (size_t i = 0; i < cfg->nconditions; i++) {
		const struct unit_condition *c = &cfg->conditions[i];
		bool ok = check_one_condition(c);
		if (c->assert) {
			if (!ok) {
				snprintf(why, sizeof(why), "assertion failed: Assert%s=%s%s",
					 condition_key(c), c->negate ? "!" : "", c->path);
				fail_unit(u, why);
				return false;
			}
			continue;
		}
		if (c->trigger) {
			any_trigger = true;
			trigger_ok |= ok;
		} else if (!ok) {
			u->want_up = false;
			unit_set_state(u, UNIT_INACTIVE, DURATION_INFINITY,
				       "condition not met: Condition%s=%s%s", condition_key(c),
				       c->negate ? "!" : "", c->path);
			log_notice(u->name, "start skipped: %s", u->reason);
			notify_start_waiters(u);
			return false;
		}
	}
	if (any_trigger && !trigger_ok) {
		u->want_up = false;
		unit_set_state(u, UNIT_INACTIVE, DURATION_INFINITY,
			       "condition not met: none of the '|' conditions holds");
		log_notice(u->name, "start skipped: %s", u->reason);
		notify_start_waiters(u);
		return false;
	}
	return true;
}

static bool
start_limit_hit(struct unit *u)
{
	unsigned burst = u->cfg->start_limit_burst;
	ev_tstamp now = ev_now(u->sd->loop);

	if (burst == 0)
		return false;
	if (u->start_times == NULL) {
		u->start_times = calloc(burst, sizeof(*u->start_times));
		if (u->start_times == NULL)
			return false; /* no memory: do without the limit */
	}
	if (u->start_count >= burst) {
		ev_tstamp oldest = u->start_times[u->start_count % burst];
		if (now - oldest < usec_to_sec(u->cfg->start_limit_interval_usec))
			return true;
	}
	u->start_times[u->start_count % burst] = now;
	u->start_count++;
	return false;
}

static const char *envp_get(char *const *envp, const char *name, size_t n);

/* A copy of argv with the markers of what is known only now replaced (see
 * unitfile.h): $MAINPID by the main PID (empty if there is none), $HOME,
 * $USER, $LOGNAME and $SHELL by their values in envp, the environment the
 * process gets. NULL if there is no marker (then argv itself is used), or
 * on ENOMEM (*oom set). */
static char **
argv_with_marks(const struct execcmd *cmd, pid_t mainpid, char *const *envp, bool *oom)
{
	static const char *const names[] = {"MAINPID", "HOME", "USER", "LOGNAME", "SHELL"};
	char pidstr[24], **v;
	bool any = false;

	*oom = false;
	for (size_t i = 0; i < cmd->argc; i++)
		any |= strchr(cmd->argv[i], UNITFILE_MARK) != NULL;
	if (!any)
		return NULL;
	snprintf(pidstr, sizeof(pidstr), "%ld", (long)mainpid);
	v = calloc(cmd->argc + 1, sizeof(*v));
	if (v == NULL) {
		*oom = true;
		return NULL;
	}
	for (size_t i = 0; i < cmd->argc; i++) {
		struct buf b = {0};
		const char *p = cmd->argv[i], *m, *e;
		while ((m = strchr(p, UNITFILE_MARK)) != NULL &&
		       (e = strchr(m + 1, UNITFILE_MARK)) != NULL) {
			size_t n = (size_t)(e - m - 1), k;
			for (k = 0; k < sizeof(names) / sizeof(*names); k++)
				if (strlen(names[k]) == n && strncmp(m + 1, names[k], n) == 0)
					break;
			if (k == sizeof(names) / sizeof(*names)) {
				buf_add(&b, p, (size_t)(e - p)); /* not a marker */
				p = e;
				continue;
			}
			buf_add(&b, p, (size_t)(m - p));
			if (k == 0 && mainpid > 0)
				buf_adds(&b, pidstr);
			else if (k > 0 && (m = envp_get(envp, names[k], n)) != NULL)
				buf_adds(&b, m);
			p = e + 1;
		}
		buf_adds(&b, p);
		if (b.failed || b.data == NULL) {
			buf_free(&b);
			*oom = true;
			break;
		}
		v[i] = b.data;
	}
	if (*oom) {
		for (size_t i = 0; i < cmd->argc; i++)
			free(v[i]);
		free(v);
		return NULL;
	}
	return v;
}

static void
free_argv(char **v)
{
	if (v == NULL)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

/* The value envp gives NAME (n bytes), or NULL. */
static const char *
envp_get(char *const *envp, const char *name, size_t n)
{
	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* Does envp set name? */
static bool
envp_has(char *const *envp, const char *name)
{
	return envp_get(envp, name, strlen(name)) != NULL;
}

/* envp plus one more "NAME=value" (not copied); NULL on ENOMEM. */
static char **
envp_with(char *const *envp, char *extra)
{
	size_t n = 0;
	char **v;

	while (envp[n])
		n++;
	v = calloc(n + 2, sizeof(*v));
	if (v == NULL)
		return NULL;
	memcpy(v, envp, n * sizeof(*v));
	v[n] = extra;
	return v;
}

/* User=, Group=, SupplementaryGroups= resolved now, before fork (NSS may
 * block; it must not happen in the child). Returns 0, or -1 with a reason
 * for the user in why. The user's own groups come along (initgroups). */
struct unit_ids {
	bool set;
	uid_t uid;
	gid_t gid;
	gid_t groups[256];
	int ngroups;
	char home[256], shell[128], user[64];
};

/* open() as the unit's user would: its uid, gid and groups as superd's
 * filesystem credentials for this one call (superd has one thread). A
 * unit's user cannot then make superd create or write a file where it
 * could not itself, through a link or a directory it controls. */
static int
open_as_unit(const char *path, int flags, mode_t mode, const struct unit_ids *ids)
{
	if (!ids->set || ids->uid == 0 || geteuid() != 0)
		return open(path, flags, mode);

	int n = getgroups(0, NULL), fd, saved;
	gid_t *groups = n > 0 ? calloc((size_t)n, sizeof(*groups)) : NULL;

	if (n < 0 || (n > 0 && (groups == NULL || getgroups(n, groups) < 0))) {
		saved = n < 0 || groups != NULL ? errno : ENOMEM;
		free(groups);
		errno = saved;
		return -1;
	}
	if (setgroups((size_t)ids->ngroups, ids->groups) < 0) {
		saved = errno;
		free(groups);
		errno = saved;
		return -1;
	}
	(void)setfsgid(ids->gid);
	(void)setfsuid(ids->uid);
	/* setfsuid() reports no error; asking again tells whether it took. */
	if ((uid_t)setfsuid((uid_t)-1) == ids->uid && (gid_t)setfsgid((gid_t)-1) == ids->gid) {
		fd = open(path, flags, mode);
		saved = errno;
	} else {
		fd = -1;
		saved = EPERM;
	}
	(void)setfsuid(geteuid());
	(void)setfsgid(getegid());
	if (setgroups((size_t)n, groups) < 0)
		log_err_errno(NULL, "cannot restore superd's supplementary groups");
	free(groups);
	errno = saved;
	return fd;
}

/* The fd for StandardOutput=/StandardError= value spec: -1 to inherit
 * superd's; -2 on failure (errno). *own says whether to close it after
 * the fork. */
static int
output_fd(struct unit *u, const char *spec, bool is_stderr, bool *own, const struct unit_ids *ids)
{
	int fd;

	*own = false;
	if (spec == NULL || strcmp(spec, "inherit") == 0)
		return -1;
	if (strcmp(spec, "null") == 0)
		return u->sd->devnull;
	if (strncmp(spec, "file:", 5) == 0 || strncmp(spec, "append:", 7) == 0) {
		bool append = spec[0] == 'a';
		const char *path = spec + (append ? 7 : 5);
		struct stat st;
		bool existed = lstat(path, &st) == 0;
		/* O_NONBLOCK: a FIFO with no reader fails (ENXIO) instead of
		 * blocking superd; the child then gets a blocking descriptor. */
		fd = open_as_unit(path,
				  O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
					  (append ? O_APPEND : 0),
				  0644, ids);
		if (fd < 0) {
			int saved = errno;
			log_err(u->name, "cannot open %s for StandardOutput=/StandardError=%s%s: %s",
				path, ids->set && ids->uid != 0 ? " as User=" : "",
				ids->set && ids->uid != 0 ? ids->user : "", strerror(saved));
			errno = saved;
			return -2;
		}
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
			int saved = errno;
			log_err_errno(u->name, "cannot make %s blocking", path);
			close(fd);
			errno = saved;
			return -2;
		}
		/* A file superd creates for a User= unit is the unit's, so that
		 * it can reopen or rotate it (open_as_unit() made it so, except
		 * for root with Group=); an existing one stays as it is. */
		if (!existed && ids->set && fchown(fd, ids->uid, ids->gid) < 0)
			log_warn_errno(u->name, "cannot give %s to the unit's user", path);
		*own = true;
		return fd;
	}
	if (strncmp(spec, "journal", 7) == 0) {
#ifdef HAVE_SYSTEMD
		char ident[256];
		snprintf(ident, sizeof(ident), "%s", u->name);
		char *dot = strrchr(ident, '.');
		if (dot && strcmp(dot, ".service") == 0)
			*dot = '\0';
		fd = sd_journal_stream_fd(ident, is_stderr ? LOG_WARNING : LOG_INFO, 1);
		if (fd >= 0) {
			(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
			*own = true;
			return fd;
		}
		log_warn(u->name, "journal unavailable (%s); output goes to superd's", strerror(-fd));
#else
		(void)is_stderr;
		log_warn(u->name, "built without journal support; output goes to superd's");
#endif
		return -1;
	}
	return -1;
}

static int
resolve_ids(const struct unit_config *cfg, struct unit_ids *ids, char *why, size_t size)
{
	memset(ids, 0, sizeof(*ids));
	if (cfg->user == NULL && cfg->group == NULL && cfg->supplementary_groups.n == 0)
		return 0;
	ids->set = true;
	ids->uid = getuid();
	ids->gid = getgid();
	if (cfg->user != NULL) {
		errno = 0;
		struct passwd *pw = getpwnam(cfg->user);
		char *end;
		long n = strtol(cfg->user, &end, 10);
		if (pw == NULL && *end == '\0' && n >= 0)
			pw = getpwuid((uid_t)n);
		if (pw == NULL) {
			snprintf(why, size, "User=%s: no such user", cfg->user);
			return -1;
		}
		ids->uid = pw->pw_uid;
		ids->gid = pw->pw_gid;
		snprintf(ids->home, sizeof(ids->home), "%s", pw->pw_dir);
		snprintf(ids->shell, sizeof(ids->shell), "%s", pw->pw_shell);
		snprintf(ids->user, sizeof(ids->user), "%s", pw->pw_name);
	}
	if (cfg->group != NULL) {
		struct group *gr = getgrnam(cfg->group);
		char *end;
		long n = strtol(cfg->group, &end, 10);
		if (gr == NULL && *end == '\0' && n >= 0)
			gr = getgrgid((gid_t)n);
		if (gr == NULL) {
			snprintf(why, size, "Group=%s: no such group", cfg->group);
			return -1;
		}
		ids->gid = gr->gr_gid;
	}
	ids->ngroups = (int)(sizeof(ids->groups) / sizeof(ids->groups[0]));
	if (cfg->user != NULL) {
		if (getgrouplist(ids->user, ids->gid, ids->groups, &ids->ngroups) < 0) {
			snprintf(why, size, "User=%s: too many groups", cfg->user);
			return -1;
		}
	} else {
		ids->groups[0] = ids->gid;
		ids->ngroups = 1;
	}
	for (size_t i = 0; i < cfg->supplementary_groups.n; i++) {
		struct group *gr = getgrnam(cfg->supplementary_groups.v[i]);
		if (gr == NULL) {
			snprintf(why, size, "SupplementaryGroups=%s: no such group",
				 cfg->supplementary_groups.v[i]);
			return -1;
		}
		if (ids->ngroups < (int)(sizeof(ids->groups) / sizeof(ids->groups[0])))
			ids->groups[ids->ngroups++] = gr->gr_gid;
	}
	/* A superd that is not root runs the units of its own user as they
	 * are: it could not set even its own groups (setgroups needs
	 * CAP_SETGID), and they are what that user's processes get. */
	if (geteuid() != 0 && cfg->supplementary_groups.n == 0 && ids->uid == geteuid() &&
	    ids->uid == getuid() && ids->gid == getegid() && ids->gid == getgid())
		ids->set = false;
	return 0;
}

/* mkdir -p path, each new component 0755. base is superd's own (/run,
 * /var/lib, /var/log or the XDG ones), so links in it are followed. */
static int
mkdir_parents(const char *path)
{
	char buf[256];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *q = buf + 1;; q++) {
		if (*q != '/' && *q != '\0')
			continue;
		char c = *q;
		*q = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		if (c == '\0')
			return 0;
		*q = c;
	}
}

/* Open base/rel as a directory, creating what is missing, one component
 * at a time and without following links: the unit's user owns some of
 * these directories, and must not be able to swap one for a link that
 * makes superd chown or chmod something else. Returns the fd, or -1. */
static int
open_unit_dir(const char *base, const char *rel, mode_t mode)
{
	char name[256];
	int fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	for (const char *p = rel; *p;) {
		size_t n = strcspn(p, "/");
		const char *next = p + n + (p[n] == '/');
		if (n == 0 || n >= sizeof(name)) {
			p = next;
			if (n == 0)
				continue;
			close(fd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		bool last = *next == '\0';
		if (mkdirat(fd, name, last ? mode : 0755) < 0 && errno != EEXIST) {
			int saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		int sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int saved = errno;
		close(fd);
		if (sub < 0) {
			errno = saved == ELOOP ? ENOTDIR : saved; /* a link: not a directory */
			return -1;
		}
		fd = sub;
		p = next;
	}
	return fd;
}

/* Create the unit's directories (and their parents), owned by its user. */
static int
make_unit_dirs(struct unit *u, const struct unit_ids *ids, char *why, size_t size)
{
	for (int kind = 0; kind < 3; kind++) {
		for (size_t i = 0; i < u->cfg->dirs[kind].n; i++) {
			char base[256];
			const char *rel = u->cfg->dirs[kind].v[i];
			mode_t mode = u->cfg->dir_mode[kind];
			unitfile_dir_base(kind, base, sizeof(base));
			/* /var/lib etc. may themselves be missing (XDG, fresh
			 * containers): made first, as any parent, 0755. */
			if (mkdir_parents(base) < 0)
				goto fail;
			int fd = open_unit_dir(base, rel, mode);
			if (fd < 0)
				goto fail;
			if (fchmod(fd, mode) < 0 || (ids->set && fchown(fd, ids->uid, ids->gid) < 0)) {
				int saved = errno;
				close(fd);
				errno = saved;
				goto fail;
			}
			close(fd);
			continue;
fail:;
			int saved = errno;
			char path[512];
			snprintf(path, sizeof(path), "%s/%s", base, rel);
			snprintf(why, size, "cannot create %.160s: %.60s", path, strerror(saved));
			return -1;
		}
	}
	return 0;
}

/* Remove name below the directory dirfd: a file, a link (never followed)
 * or a whole tree, each level opened relative to the one above with
 * O_NOFOLLOW. The unit's user owns what is inside and may swap a
 * directory for a link meanwhile: that removes the link, nothing behind
 * it. depth bounds the recursion and the directories open at once. */
static int
remove_tree_at(int dirfd, const char *name, int depth)
{
	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if ((errno != EISDIR && errno != EPERM) || depth <= 0)
		return -1;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	DIR *d = fdopendir(fd);
	if (d == NULL) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	int rc = 0, saved = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (remove_tree_at(fd, de->d_name, depth - 1) < 0 && rc == 0) {
			rc = -1;
			saved = errno;
		}
	}
	closedir(d);
	if (rc < 0) {
		errno = saved;
		return -1;
	}
	return unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -1 : 0;
}

/* RuntimeDirectory= goes away once the unit has stopped. Its parents
 * (RuntimeDirectory=a/b) are walked without following links too. */
static void
remove_runtime_dirs(struct unit *u)
{
	char base[256];

	unitfile_dir_base(0, base, sizeof(base));
	for (size_t i = 0; i < u->cfg->dirs[0].n; i++) {
		const char *rel = u->cfg->dirs[0].v[i];
		char name[256];
		int fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		for (const char *p = rel; fd >= 0 && *p;) {
			size_t n = strcspn(p, "/");
			const char *next = p + n + (p[n] == '/');
			if (n >= sizeof(name)) {
				close(fd);
				fd = -1;
				errno = ENAMETOOLONG;
				break;
			}
			memcpy(name, p, n);
			name[n] = '\0';
			p = next;
			if (n == 0)
				continue;
			if (*next == '\0') { /* the directory itself */
				if (remove_tree_at(fd, name, 64) < 0)
					log_warn_errno(u->name, "cannot remove RuntimeDirectory= %s/%s",
						       base, rel);
				break;
			}
			int sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			close(fd);
			fd = sub;
		}
		if (fd >= 0)
			close(fd);
		else if (errno != ENOENT)
			log_warn_errno(u->name, "cannot remove RuntimeDirectory= %s/%s", base, rel);
	}
}

/* "RUNTIME_DIRECTORY=/run/a:/run/b" for the child, or NULL. */
static char *
dir_env(const struct unit_config *cfg, int kind)
{
	static const char *const names[] = {"RUNTIME_DIRECTORY", "STATE_DIRECTORY",
					    "LOGS_DIRECTORY"};
	char *s;

	if (cfg->dir_paths[kind] == NULL ||
	    asprintf(&s, "%s=%s", names[kind], cfg->dir_paths[kind]) < 0)
		return NULL;
	return s;
}

/* Why the last unit_fork() failed, for the unit's status: the log line's
 * cause ("User=x: no such user"), not just errno. superd has one thread. */
static char fork_why[320];

static void
fork_failed(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fork_why, sizeof(fork_why), fmt, ap);
	va_end(ap);
}

/* Fork cmd with the unit's settings; envp NULL: the unit's. Returns the
 * PID and the exec report pipe in *fd, or -1 with errno and fork_why. */
static pid_t
unit_fork(struct unit *u, const struct execcmd *cmd, char **envp, int *fd)
{
	const struct unit_config *cfg = u->cfg;
	struct spawn_limit limits[4];
	struct spawn_plan plan = {
		.argv = cmd->argv,
		.envp = envp ? envp : u->envp,
		.devnull = u->sd->devnull,
		.cwd_optional = cfg->working_directory_optional,
		.set_umask = cfg->umask_set,
		.umask = cfg->umask,
		.set_nice = cfg->nice_set,
		.nice = cfg->nice,
		.no_new_privs = cfg->no_new_privileges,
		.limits = limits,
	};
	char *path, *home = NULL, **argv;
	bool oom;
	pid_t pid;
	int saved;
	struct unit_ids ids;
	char why[256];

	if (resolve_ids(cfg, &ids, why, sizeof(why)) < 0) {
		fork_failed("%s", why);
		log_err(u->name, "cannot start: %s", why);
		errno = EINVAL;
		return -1;
	}
	if (make_unit_dirs(u, &ids, why, sizeof(why)) < 0) {
		fork_failed("%s", why);
		log_err(u->name, "cannot start: %s", why);
		errno = EINVAL;
		return -1;
	}
	plan.set_ids = ids.set;
	plan.uid = ids.uid;
	plan.gid = ids.gid;
	plan.groups = ids.groups;
	plan.ngroups = (size_t)ids.ngroups;

#define LIMIT(flag, res, val)                                   \
	if (cfg->flag) {                                        \
		limits[plan.nlimits].resource = (res);          \
		limits[plan.nlimits].lim.rlim_cur = cfg->val[0]; \
		limits[plan.nlimits].lim.rlim_max = cfg->val[1]; \
		plan.nlimits++;                                 \
	}
	LIMIT(limit_nofile_set, RLIMIT_NOFILE, limit_nofile)
	LIMIT(limit_core_set, RLIMIT_CORE, limit_core)
	LIMIT(limit_nproc_set, RLIMIT_NPROC, limit_nproc)
#undef LIMIT
	if (!cfg->limit_nofile_set) {
		/* superd raised its own soft limit; children get the one it found. */
		limits[plan.nlimits].resource = RLIMIT_NOFILE;
		limits[plan.nlimits].lim = u->sd->nofile;
		plan.nlimits++;
	}
	if (cfg->working_directory && strcmp(cfg->working_directory, "~") == 0) {
		const char *h = ids.home[0] ? ids.home : getenv("HOME");
		home = strdup(h && *h ? h : "/");
		plan.cwd = home;
	} else {
		plan.cwd = cfg->working_directory;
	}
	/* With User=, the variables systemd sets for the user. */
	char **user_envp = NULL, *uvars[4] = {NULL, NULL, NULL, NULL};
	if (ids.user[0]) {
		/* As systemd: the unit's own settings of these win. */
		static const char *const names[4] = {"HOME", "USER", "LOGNAME", "SHELL"};
		const char *values[4] = {ids.home, ids.user, ids.user, ids.shell};
		char **cur = NULL;
		bool failed = false;
		for (int i = 0; i < 4 && !failed; i++) {
			if (envp_has(cur ? cur : plan.envp, names[i]))
				continue;
			char **next = NULL;
			if (asprintf(&uvars[i], "%s=%s", names[i], values[i]) < 0)
				uvars[i] = NULL; /* undefined after a failure */
			/* UnsetEnvironment= applies to these too, as systemd. */
			if (uvars[i] != NULL && unitfile_unsets(cfg, uvars[i]))
				continue;
			failed = uvars[i] == NULL ||
				 (next = envp_with(cur ? cur : plan.envp, uvars[i])) == NULL;
			free(cur);
			cur = next;
		}
		if (failed) {
			free(cur);
			cur = NULL;
		}
		user_envp = cur;
		if (user_envp != NULL)
			plan.envp = user_envp;
	}
	char **dir_envp[3] = {NULL, NULL, NULL}, *dvars[3] = {NULL, NULL, NULL};
	for (int kind = 0; kind < 3; kind++) {
		dvars[kind] = dir_env(cfg, kind);
		if (dvars[kind] != NULL && !unitfile_unsets(cfg, dvars[kind]) &&
		    (dir_envp[kind] = envp_with(plan.envp, dvars[kind])) != NULL)
			plan.envp = dir_envp[kind];
	}
	argv = argv_with_marks(cmd, u->pid, plan.envp, &oom);
	/* A plain name is looked up in the unit's PATH, or systemd's where
	 * the unit has none. */
	const char *search = unitfile_getenv(cfg, "PATH", 4);
	path = spawn_resolve(cmd->path, search ? search : UNITFILE_DEFAULT_PATH);
	bool own_out = false, own_err = false;
	plan.stdout_fd = plan.stderr_fd = -1;
	if (path == NULL || oom) {
		log_err(u->name, "cannot start: out of memory");
		fork_failed("out of memory");
		pid = -1;
		saved = ENOMEM;
		goto out;
	}
	if (argv)
		plan.argv = argv;
	plan.path = path;
	const char *err_spec = cfg->standard_error;
	if (err_spec == NULL || strcmp(err_spec, "inherit") == 0)
		err_spec = cfg->standard_output; /* as systemd: stderr follows stdout */
	plan.stdout_fd = output_fd(u, cfg->standard_output, false, &own_out, &ids);
	if (cfg->standard_output != NULL && err_spec != NULL &&
	    strcmp(err_spec, cfg->standard_output) == 0 &&
	    strncmp(cfg->standard_output, "journal", 7) != 0)
		/* One open file for both, as systemd: separate opens of the
		 * same file would overwrite each other. */
		plan.stderr_fd = plan.stdout_fd;
	else
		plan.stderr_fd = plan.stdout_fd == -2 ? -2
						      : output_fd(u, err_spec, true, &own_err, &ids);
	if (plan.stdout_fd == -2 || plan.stderr_fd == -2) {
		pid = -1;
		saved = errno; /* output_fd() has logged it */
		fork_failed("%s=%s: %s", plan.stdout_fd == -2 ? "StandardOutput" : "StandardError",
			    plan.stdout_fd == -2 ? cfg->standard_output : err_spec, strerror(saved));
		goto out;
	}
	pid = spawn_start(&plan, fd);
	saved = errno;
	if (pid < 0) { /* the pipe or the clone: EMFILE, EAGAIN, ENOMEM */
		log_err_errno(u->name, "cannot start a process");
		fork_failed("%s", strerror(saved));
	}
out:
	free(user_envp);
	for (int i = 0; i < 4; i++)
		free(uvars[i]);
	for (int i = 0; i < 3; i++) {
		free(dir_envp[i]);
		free(dvars[i]);
	}
	if (plan.stdout_fd >= 0 && own_out)
		close(plan.stdout_fd);
	if (plan.stderr_fd >= 0 && own_err)
		close(plan.stderr_fd);
	free(path);
	free(home);
	free_argv(argv);
	errno = saved;
	return pid;
}

/* WritePIDFile=: the main PID, written atomically for legacy tooling. A
 * failure is logged and the unit runs on: the file is a courtesy. */
static void
unit_write_pid_file(struct unit *u)
{
	const char *path = u->cfg->write_pid_file;
	char why[128];
	bool was_link;

	/* A reload moved it: the old file goes, as the unit's. */
	if (u->pid_file_written != NULL && (path == NULL || strcmp(path, u->pid_file_written) != 0)) {
		if (pidfile_remove(u->pid_file_written, u->pid, why, sizeof(why)) < 0)
			log_warn(u->name, "WritePIDFile=%s left in place: %s", u->pid_file_written,
				 why);
		free(u->pid_file_written);
		u->pid_file_written = NULL;
	}
	if (path == NULL)
		return;
	if (pidfile_write(path, u->pid, &was_link) < 0) {
		log_warn_errno(u->name, "cannot write WritePIDFile=%s", path);
		return;
	}
	if (was_link)
		log_warn(u->name, "WritePIDFile=%s was a symbolic link: replaced by the file, "
				  "its target left untouched", path);
	if (u->pid_file_written == NULL && (u->pid_file_written = strdup(path)) == NULL)
		log_err(u->name, "out of memory: WritePIDFile=%s will not be removed", path);
}

/* Fork the main process; the unit is in inactive, failed or backoff. */
static void
unit_spawn(struct unit *u)
{
	const struct unit_config *cfg = u->cfg;
	int fd = -1;
	pid_t pid;

	u->exec_errno = 0;
	u->exec_stage = 0;
	/* A oneshot runs its ExecStart= lines one after the other. */
	const struct execcmd *cmd =
		&cfg->exec_start.v[cfg->type == SERVICE_ONESHOT ? u->oneshot_index : 0];
	if (cfg->notify_access != NOTIFY_ACCESS_NONE) {
		const char *sock = notify_server_path(u->sd);
		char **envp = NULL, **envp2 = NULL, *var = NULL, *wd = NULL;
		if (sock != NULL && asprintf(&var, "NOTIFY_SOCKET=%s", sock) >= 0)
			envp = envp_with(u->envp, var);
		if (envp == NULL)
			log_warn(u->name, "no NOTIFY_SOCKET for the unit; it cannot send READY=1");
		/* As systemd does: how often the unit must say WATCHDOG=1. */
		if (envp != NULL && cfg->watchdog_usec > 0 &&
		    asprintf(&wd, "WATCHDOG_USEC=%llu", (unsigned long long)cfg->watchdog_usec) >= 0)
			envp2 = envp_with(envp, wd);
		pid = unit_fork(u, cmd, envp2 ? envp2 : envp, &fd);
		free(envp2);
		free(envp);
		free(var);
		free(wd);
	} else {
		pid = unit_fork(u, cmd, NULL, &fd);
	}
	if (pid < 0) {
		u->exec_errno = errno;
		u->exec_stage = SPAWN_STAGE_NONE;
		/* unit_fork() has logged the cause. */
		text_set(&u->reason, "cannot start: %s", fork_why);
		goto crashed;
	}
	if (hashmap_put_int(&u->sd->units_by_pid, pid, u) < 0) {
		/* Without the PID in the table its exit would go unnoticed. */
		log_err(u->name, "out of memory; killing new pid %ld", (long)pid);
		kill(pid, SIGKILL);
		close(fd);
		u->exec_errno = ENOMEM;
		text_set(&u->reason, "cannot start: %s", strerror(ENOMEM));
		goto crashed;
	}
	u->pid = pid;
	unit_set_pgid(u, pid);
	if (!u->running) {
		u->running = true;
		u->sd->nrunning++;
	}
	u->sigkilled = false;
	u->stop_requested = false;
	u->started_mono = ev_now(u->sd->loop);
	unit_write_pid_file(u);
	u->status_fd = fd;
	u->sd->status_pipes++;
	ev_io_set(&u->status_io, fd, EV_READ);
	ev_io_start(u->sd->loop, &u->status_io);
	if (cfg->type == SERVICE_SIMPLE) {
		unit_became_ready(u);
	} else if (cfg->type == SERVICE_NOTIFY || cfg->type == SERVICE_ONESHOT ||
		   cfg->type == SERVICE_FORKING) {
		/* Ready on READY=1, or once the commands are done. A later
		 * oneshot command keeps the deadline of the first. */
		if (u->state != UNIT_STARTING)
			unit_set_state(u, UNIT_STARTING, cfg->timeout_start_usec,
				       cfg->type == SERVICE_NOTIFY    ? "waiting for READY=1"
				       : cfg->type == SERVICE_FORKING ? "waiting for the parent to exit"
								      : "running");
		log_info(u->name, "forked pid %ld", (long)pid);
	} else {
		unit_set_state(u, UNIT_STARTING, DURATION_INFINITY, NULL);
		log_debug(u->name, "forked pid %ld, waiting for exec", (long)pid);
	}
	return;

crashed:
	/* No process came to be: count it as a crash so that the backoff
	 * keeps this from becoming a hot loop. */
	u->has_last_status = false;
	u->after_stop = should_restart(cfg->restart, 0, true) && u->want_up
				? UNIT_THEN_RESTART
				: UNIT_THEN_FAILED;
	unit_finish_stop(u);
}

/* A start attempt: the start limit counts it, a oneshot begins with its
 * first command. */
static void
unit_begin_start(struct unit *u)
{
	const struct unit_config *cfg = u->cfg;

	if (start_limit_hit(u)) {
		char why[160], dur[64];
		snprintf(why, sizeof(why), "start limit hit: %u starts within %s",
			 cfg->start_limit_burst,
			 duration_format(cfg->start_limit_interval_usec, dur, sizeof(dur)));
		fail_unit(u, why);
		return;
	}
	u->oneshot_index = 0;
	text_clear(&u->status_text);
	if (cfg->exec_start_pre.n > 0) {
		unit_set_state(u, UNIT_STARTING, cfg->timeout_start_usec, "running ExecStartPre=");
		if (unit_run_control(u, CONTROL_PRE) == 0)
			return;
		/* Could not even fork: a crash, backed off. */
		text_set(&u->reason, "cannot run ExecStartPre=: %s", fork_why);
		u->after_stop = should_restart(cfg->restart, 0, true) && u->want_up
					? UNIT_THEN_RESTART
					: UNIT_THEN_FAILED;
		unit_finish_stop(u);
		return;
	}
	unit_spawn(u);
}

static void
unit_try_start(struct unit *u)
{
	struct superd *sd = u->sd;

	if (!u->want_up || sd->shutting_down || unit_has_process(u))
		return;
	if (u->state != UNIT_INACTIVE && u->state != UNIT_FAILED &&
	    u->state != UNIT_EXITED)
		return;
	/* Removed by a reload and added back by the next while its old
	 * processes still stop: one instance at a time. reap_removed()
	 * queues this one again once the old one is gone. */
	for (size_t i = 0; i < sd->nremoved; i++) {
		struct unit *old = sd->removed[i];
		if (strcmp(old->name, u->name) == 0 &&
		    (unit_has_process(old) || old->control_pid != 0)) {
			unit_set_state(u, UNIT_INACTIVE, DURATION_INFINITY,
				       "waiting for the processes of its removed instance to end");
			log_info(u->name, "start waits until its removed instance has stopped");
			return;
		}
	}
	if (u->missing_requires != NULL) {
		char why[320];
		snprintf(why, sizeof(why), "Requires=%s: no such unit", u->missing_requires);
		fail_unit(u, why);
		return;
	}
	for (size_t i = 0; i < u->requires.n; i++) {
		struct unit *d = u->requires.v[i];
		/* A failed unit that is wanted again is about to be retried. */
		if (d->state == UNIT_FAILED && !d->want_up) {
			char why[320];
			snprintf(why, sizeof(why), "required unit %s failed", d->name);
			fail_unit(u, why);
			return;
		}
	}
	for (size_t i = 0; i < u->after.n; i++) {
		struct unit *d = u->after.v[i];
		if (d->want_up && !unit_is_ready(d)) {
			unit_set_state(u, UNIT_INACTIVE, DURATION_INFINITY,
				       "waiting for %s", d->name);
			log_debug(u->name, "start waits for %s", d->name);
			if (!d->first_start) /* d failed or backs off: see unit_settled() */
				unit_settled(u);
			return;
		}
	}
	if (!check_conditions(u))
		return;
	unit_begin_start(u);
}

static void
unit_mark_one(struct unit *u, struct unit_refs *started)
{
	if (u == NULL || u->want_up)
		return;
	struct unit **v = realloc(started->v, (started->n + 1) * sizeof(*v));
	if (v == NULL) {
		log_err(u->name, "out of memory while starting");
		return;
	}
	u->want_up = true;
	if (u->state == UNIT_FAILED) {
		u->start_count = 0; /* an explicit start resets the start limit */
		unit_set_state(u, UNIT_INACTIVE, DURATION_INFINITY, "start requested");
	}
	started->v = v;
	started->v[started->n++] = u;
}

/* Mark every unit (and, breadth first, what it pulls in) wanted first, then
 * queue them all, so that ordering holds whatever order they are listed in
 * and no chain of Requires= needs a deep stack. Units pulled in come first
 * in the queue, so that a failed one is retried before what requires it. */
static void
unit_start_many(struct unit **v, size_t n)
{
	struct unit_refs started = {0};

	for (size_t i = 0; i < n; i++)
		unit_mark_one(v[i], &started);
	for (size_t i = 0; i < started.n; i++) {
		struct unit *u = started.v[i];
		for (size_t k = 0; k < u->requires.n; k++)
			unit_mark_one(u->requires.v[k], &started);
		for (size_t k = 0; k < u->cfg->wants.n; k++)
			unit_mark_one(unit_find(u->sd, u->cfg->wants.v[k].name), &started);
	}
	for (size_t i = started.n; i-- > 0;)
		unit_enqueue(started.v[i]);
	free(started.v);
}

void
unit_start_list(struct unit **v, size_t n)
{
	unit_start_many(v, n);
}

void
unit_start(struct unit *u)
{
	/* A start asked for (not Restart=) begins a new series of runs: the
	 * backoff starts again at RestartSec=, as systemd flushes its
	 * restart counter on a manual start. A unit already up is left be. */
	if (!u->want_up || u->state == UNIT_BACKOFF)
		u->backoff_step = 0;
	/* A unit waiting to restart starts now, as systemd does. */
	if (u->state == UNIT_BACKOFF && u->want_up) {
		unit_set_state(u, UNIT_INACTIVE, DURATION_INFINITY, "start requested");
		unit_enqueue(u);
		return;
	}
	unit_start_many(&u, 1);
}

void
unit_start_autostart(struct superd *sd)
{
	struct unit **v = calloc(sd->nunits ? sd->nunits : 1, sizeof(*v));
	size_t n = 0;

	if (v == NULL) {
		log_err(NULL, "out of memory while starting units");
		return;
	}
	for (size_t i = 0; i < sd->nunits; i++)
		if (sd->units[i]->cfg->auto_start)
			v[n++] = sd->units[i];
	unit_start_many(v, n);
	/* What the start pulled in counts as well. */
	for (size_t i = 0; i < sd->nunits; i++)
		if (sd->units[i]->want_up) {
			sd->units[i]->first_start = true;
			sd->starting++;
		}
	free(v);
}

static void unit_begin_stop_then(struct unit *u, enum unit_after_stop then);

/* KillSignal= per KillMode=, and SIGCONT so that a stopped process sees it. */
static void
unit_send_stop_signal(struct unit *u)
{
	const struct unit_config *cfg = u->cfg;

	if (cfg->kill_mode == KILL_PROCESS_GROUP) {
		signal_group(u, cfg->kill_signal);
		signal_group(u, SIGCONT);
	} else {
		signal_main(u, cfg->kill_signal);
		signal_main(u, SIGCONT);
	}
}

static void
unit_begin_stop(struct unit *u)
{
	unit_begin_stop_then(u, UNIT_THEN_INACTIVE);
}

static void
unit_begin_stop_then(struct unit *u, enum unit_after_stop then)
{
	const struct unit_config *cfg = u->cfg;
	char dur[64];

	unit_abort_control(u, "interrupted: the unit is stopping");
	u->restart_pending = false;
	u->after_stop = then;
	u->stop_requested = true;
	if (!unit_has_process(u)) {
		/* Stopped while ExecStartPre= ran: nothing else to wait for. */
		unit_finish_stop(u);
		return;
	}
	if (cfg->exec_stop.n > 0 && u->pid > 0 && unit_run_control(u, CONTROL_STOP) == 0) {
		/* KillSignal= follows when ExecStop= is done (or at the
		 * deadline, SIGKILL). */
		unit_set_state(u, UNIT_STOPPING, cfg->timeout_stop_usec, "running ExecStop=");
		u->stop_deadline = cfg->timeout_stop_usec == DURATION_INFINITY
					   ? 0
					   : ev_now(u->sd->loop) + usec_to_sec(cfg->timeout_stop_usec);
		return;
	}
	unit_send_stop_signal(u);
	if (then == UNIT_THEN_INACTIVE)
		unit_set_state(u, UNIT_STOPPING, cfg->timeout_stop_usec, "stopping");
	else
		unit_set_state(u, UNIT_STOPPING, cfg->timeout_stop_usec, "%s", u->reason);
	u->stop_deadline = cfg->timeout_stop_usec == DURATION_INFINITY
				   ? 0
				   : ev_now(u->sd->loop) + usec_to_sec(cfg->timeout_stop_usec);
	log_info(u->name, "stopping: %s sent to %s %ld, SIGKILL after %s",
		 signame_name(cfg->kill_signal),
		 cfg->kill_mode == KILL_PROCESS_GROUP ? "process group" : "pid",
		 cfg->kill_mode == KILL_PROCESS_GROUP ? (long)u->pgid : (long)u->pid,
		 duration_format(cfg->timeout_stop_usec, dur, sizeof(dur)));
	/* No main process (a forking daemon not found yet): no exit event
	 * will say when the group is empty; its reaped members will, or it
	 * is empty already. */
	if (u->pid == 0 && !group_alive(u->pgid))
		unit_finish_stop(u);
	else if (u->pid == 0)
		group_waiters_add(u);
}

static void
unit_try_stop(struct unit *u)
{
	if (u->want_up)
		return;
	if (u->state != UNIT_STARTING && u->state != UNIT_ACTIVE &&
	    u->state != UNIT_RELOADING)
		return;
	/* Units that start after this one stop before it. */
	for (size_t i = 0; i < u->before.n; i++) {
		struct unit *w = u->before.v[i];
		if (!w->want_up && unit_has_process(w)) {
			text_set(&u->reason, "stop waits for %s", w->name);
			log_debug(u->name, "stop waits for %s", w->name);
			return;
		}
	}
	unit_begin_stop(u);
}

void
unit_stop(struct unit *u)
{
	u->want_up = false;
	switch (u->state) {
	case UNIT_INACTIVE:
	case UNIT_EXITED:
		unit_set_state(u, UNIT_INACTIVE, DURATION_INFINITY, "stopped");
		notify_start_waiters(u);
		break;
	case UNIT_FAILED:
		break;
	case UNIT_BACKOFF:
		unit_set_state(u, UNIT_INACTIVE, DURATION_INFINITY, "stopped during backoff");
		log_info(u->name, "stopped while waiting to restart");
		notify_start_waiters(u);
		notify_stop_waiters(u);
		superd_unit_released(u->sd);
		break;
	case UNIT_STARTING:
	case UNIT_ACTIVE:
	case UNIT_RELOADING:
		unit_try_stop(u);
		break;
	case UNIT_STOPPING:
		if (u->after_stop == UNIT_THEN_RESTART)
			u->after_stop = UNIT_THEN_INACTIVE;
		break;
	}
}

/* Control processes: the commands that run beside (or instead of) the main
 * process. ExecStartPre= before it (a failure fails the start),
 * ExecStartPost= once it is ready (the unit stays starting until they are
 * done), ExecReload= on request, ExecStop= when the unit is stopped (then
 * KillSignal= for what is left). One runs at a time; each gets the unit's
 * settings plus MAINPID. */
static const struct unit_execlist *
control_list(const struct unit *u, int kind)
{
	switch (kind) {
	case CONTROL_PRE: return &u->cfg->exec_start_pre;
	case CONTROL_POST: return &u->cfg->exec_start_post;
	case CONTROL_RELOAD: return &u->cfg->exec_reload;
	case CONTROL_STOP: return &u->cfg->exec_stop;
	default: return NULL;
	}
}

static const char *
control_key(int kind)
{
	static const char *const keys[] = {"", "ExecStartPre=", "ExecStartPost=", "ExecReload=",
					   "ExecStop="};
	return keys[kind];
}

/* Kill the running control process: the unit moved on. */
static void
unit_abort_control(struct unit *u, const char *why)
{
	if (u->control_pid <= 0 || u->control_kind == CONTROL_NONE)
		return;
	if (kill(-u->control_pid, SIGKILL) < 0 && errno == ESRCH)
		(void)kill(u->control_pid, SIGKILL);
	/* Forgotten now: it may be reaped only after the unit has started
	 * another control or main process (RestartSec=0), and its exit must
	 * not be taken for theirs. Reaped later, it is just an orphan. */
	hashmap_del_int(&u->sd->units_by_pid, u->control_pid);
	u->control_pid = 0;
	if (u->control_fd >= 0) {
		close(u->control_fd);
		u->control_fd = -1;
	}
	if (u->control_kind == CONTROL_RELOAD) {
		u->reload_failed = true;
		text_set(&u->reload_reason, "ExecReload= %s", why);
		log_warn(u->name, "reload aborted: %s", why);
	} else {
		log_warn(u->name, "%s aborted: %s", control_key(u->control_kind), why);
	}
	u->control_kind = CONTROL_NONE;
}

static int
unit_start_control(struct unit *u)
{
	const struct execcmd *cmd = &control_list(u, u->control_kind)->v[u->control_index];
	char **envp, mainpid[32];
	int fd = -1;
	pid_t pid;

	snprintf(mainpid, sizeof(mainpid), "MAINPID=%ld", (long)u->pid);
	envp = envp_with(u->envp, mainpid);
	if (envp == NULL) {
		fork_failed("%s", strerror(errno));
		return -1;
	}
	pid = unit_fork(u, cmd, envp, &fd);
	free(envp);
	if (pid < 0)
		return -1;
	if (hashmap_put_int(&u->sd->units_by_pid, pid, u) < 0) {
		kill(pid, SIGKILL);
		close(fd);
		errno = ENOMEM;
		fork_failed("%s", strerror(errno));
		return -1;
	}
	u->control_pid = pid;
	u->control_fd = fd;
	log_info(u->name, "running %s (pid %ld)", control_key(u->control_kind), (long)pid);
	return 0;
}

static int
unit_run_control(struct unit *u, int kind)
{
	u->control_kind = kind;
	u->control_index = 0;
	if (unit_start_control(u) < 0) {
		log_err_errno(u->name, "cannot run %s", control_key(kind));
		u->control_kind = CONTROL_NONE;
		return -1;
	}
	return 0;
}

static void
unit_ready_now(struct unit *u)
{
	unit_set_state(u, UNIT_ACTIVE, DURATION_INFINITY, NULL);
	log_info(u->name, "started, pid %ld", (long)u->pid);
	notify_start_waiters(u);
}

/* The main process is ready (at fork, exec, READY=1 or the daemon's PID):
 * ExecStartPost= first, if any. */
static void
unit_became_ready(struct unit *u)
{
	if (u->cfg->exec_start_post.n == 0) {
		unit_ready_now(u);
		return;
	}
	/* TimeoutStartSec= bounds ExecStartPost= whatever the type. */
	unit_set_state(u, UNIT_STARTING, u->cfg->timeout_start_usec, "running ExecStartPost=");
	if (unit_run_control(u, CONTROL_POST) < 0) {
		text_set(&u->reason, "cannot run ExecStartPost=: %s", fork_why);
		u->want_up = false;
		unit_begin_stop_then(u, UNIT_THEN_FAILED);
	}
}

int
unit_reload(struct unit *u)
{
	if (u->pid == 0 || !unit_is_ready(u)) {
		errno = ESRCH;
		return -1;
	}
	if (u->cfg->exec_reload.n == 0) {
		if (kill(u->pid, u->cfg->reload_signal) < 0)
			return -1;
		log_info(u->name, "reload: %s sent to pid %ld", signame_name(u->cfg->reload_signal),
			 (long)u->pid);
		return 0;
	}
	if (u->state == UNIT_RELOADING || u->control_pid > 0) {
		errno = EBUSY;
		return -1;
	}
	u->reload_failed = false;
	text_clear(&u->reload_reason);
	if (unit_run_control(u, CONTROL_RELOAD) < 0)
		return -1;
	unit_set_state(u, UNIT_RELOADING, u->cfg->timeout_start_usec, "reloading");
	return 0;
}

/* The program of cmd, for messages: its path, unless ${VAR} expansion
 * made it, which may hold a secret; then the command as written. */
static const char *
shown_path(const struct execcmd *cmd)
{
	if (cmd->text == NULL || strstr(cmd->text, cmd->path) != NULL)
		return cmd->path;
	return cmd->text;
}

/* A control process ended. */
static void
unit_control_exited(struct unit *u, int status)
{
	int kind = u->control_kind;
	const struct unit_execlist *list = control_list(u, kind);
	/* A configuration reload may have changed the list meanwhile. */
	static const struct execcmd gone = {.path = "(removed command)"};
	const struct execcmd *cmd =
		list && u->control_index < list->n ? &list->v[u->control_index] : &gone;
	struct spawn_failure f;
	char how[160], dur[64];
	bool exec_failed = false;

	u->control_pid = 0;
	if (u->control_fd >= 0) {
		ssize_t n;
		do
			n = read(u->control_fd, &f, sizeof(f));
		while (n < 0 && errno == EINTR);
		exec_failed = n == (ssize_t)sizeof(f);
		close(u->control_fd);
		u->control_fd = -1;
	}
	if (kind == CONTROL_NONE)
		return; /* aborted: the unit moved on */
	bool ok = !exec_failed && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	/* '-': a failure is no failure and, as in systemd, a missing
	 * executable is skipped; any other exec failure still counts. */
	bool missing = exec_failed && f.stage == SPAWN_STAGE_EXEC && f.err == ENOENT;
	bool tolerated = ok || ((!exec_failed || missing) && (cmd->flags & EXECCMD_IGNORE_FAILURE));
	bool not_forked = false;
	if (missing && tolerated)
		log_notice(u->name, "%s %s: executable missing, skipped ('-')", control_key(kind),
			   shown_path(cmd));
	if (tolerated && ++u->control_index < list->n) {
		if (unit_start_control(u) == 0)
			return;
		exec_failed = true;
		f.stage = SPAWN_STAGE_NONE;
		f.err = errno;
		tolerated = false;
		not_forked = true;
	}
	u->control_kind = CONTROL_NONE;
	if (!tolerated) {
		char why[400];
		if (not_forked) /* the next command's cause, as unit_fork() found it */
			snprintf(why, sizeof(why), "%s %s: cannot start: %s", control_key(kind),
				 shown_path(&list->v[u->control_index]), fork_why);
		else if (exec_failed)
			snprintf(why, sizeof(why), "%s %s %s: %s", control_key(kind),
				 spawn_stage_name(f.stage), shown_path(cmd), strerror(f.err));
		else
			snprintf(why, sizeof(why), "%s %s", control_key(kind),
				 format_exit(status, how, sizeof(how)));
		if (kind == CONTROL_RELOAD) {
			u->reload_failed = true;
			text_set(&u->reload_reason, "%s", why);
			log_err(u->name, "reload failed: %s", why);
		} else {
			text_set(&u->reason, "%s", why);
			log_err(u->name, "%s", why);
		}
	}
	switch (kind) {
	case CONTROL_RELOAD:
		if (tolerated)
			log_info(u->name, "reloaded");
		if (u->state == UNIT_RELOADING)
			unit_set_state(u, UNIT_ACTIVE, DURATION_INFINITY, NULL);
		break;
	case CONTROL_PRE:
		if (u->state != UNIT_STARTING)
			break;
		if (tolerated) {
			unit_spawn(u);
			break;
		}
		/* A failed start: as a crash, so Restart= and the backoff apply. */
		u->after_stop = should_restart(u->cfg->restart, status, exec_failed) && u->want_up
					? UNIT_THEN_RESTART
					: UNIT_THEN_FAILED;
		u->last_status = status;
		u->has_last_status = !exec_failed;
		unit_finish_stop(u);
		break;
	case CONTROL_POST:
		if (u->state != UNIT_STARTING)
			break;
		if (tolerated) {
			unit_ready_now(u);
			break;
		}
		if (!should_restart(u->cfg->restart, status, exec_failed))
			u->want_up = false;
		unit_begin_stop_then(u, u->want_up ? UNIT_THEN_RESTART : UNIT_THEN_FAILED);
		break;
	case CONTROL_STOP:
		/* ExecStop= is done: whatever is left gets KillSignal=. */
		if (u->state == UNIT_STOPPING && unit_has_process(u)) {
			log_info(u->name, "ExecStop= done; %s to what is left, SIGKILL after %s",
				 signame_name(u->cfg->kill_signal),
				 duration_format(u->cfg->timeout_stop_usec, dur, sizeof(dur)));
			unit_send_stop_signal(u);
		}
		break;
	}
}

void
unit_recheck_all(struct superd *sd)
{
	for (size_t i = 0; i < sd->nunits; i++) {
		struct unit *u = sd->units[i];
		if (u->want_up && (u->state == UNIT_INACTIVE || u->state == UNIT_FAILED) &&
		    !unit_has_process(u))
			unit_enqueue(u);
		else if (sd->nremoved > 0)
			continue; /* stops wait until no removed unit is left */
		else if (!u->want_up)
			unit_try_stop(u);
		else if (u->restart_pending)
			unit_try_restart_stop(u);
	}
}

/* The stop of a restart: as a stop, after the units ordered after u that
 * are stopping (a restart that comes with its dependents' restarts). */
static void
unit_try_restart_stop(struct unit *u)
{
	if (u->state != UNIT_STARTING && u->state != UNIT_ACTIVE && u->state != UNIT_RELOADING) {
		u->restart_pending = false; /* it ended meanwhile; its start follows anyway */
		return;
	}
	for (size_t i = 0; i < u->before.n; i++) {
		struct unit *w = u->before.v[i];
		if (w->state == UNIT_STOPPING && unit_has_process(w)) {
			u->restart_pending = true;
			text_set(&u->reason, "restart waits for %s to stop", w->name);
			log_debug(u->name, "restart waits for %s to stop", w->name);
			return;
		}
	}
	u->restart_pending = false;
	unit_begin_stop(u);
}

void
unit_restart(struct unit *u)
{
	u->backoff_step = 0; /* as a start: see unit_start() */
	switch (u->state) {
	case UNIT_STARTING:
	case UNIT_ACTIVE:
	case UNIT_RELOADING:
		/* The start that follows goes through the usual ordering. */
		u->want_up = true;
		unit_try_restart_stop(u);
		break;
	case UNIT_STOPPING:
		u->want_up = true;
		u->after_stop = UNIT_THEN_INACTIVE;
		break;
	case UNIT_BACKOFF:
		unit_set_state(u, UNIT_INACTIVE, DURATION_INFINITY, "restart requested");
		u->want_up = false;
		unit_start(u);
		break;
	case UNIT_EXITED:
		/* Not ready until it has run again. */
		unit_set_state(u, UNIT_INACTIVE, DURATION_INFINITY, "restart requested");
		u->want_up = false;
		unit_start(u);
		break;
	case UNIT_INACTIVE:
	case UNIT_FAILED:
		u->want_up = false;
		unit_start(u);
		break;
	}
}

/* u and, breadth first, every wanted unit that Requires= it, directly or
 * not; v[0] is u. NULL when out of memory. */
static struct unit **
required_by_closure(struct unit *u, size_t *n)
{
	struct unit **v = malloc(sizeof(*v));
	size_t cap = 1;

	if (v == NULL)
		return NULL;
	v[0] = u;
	*n = 1;
	for (size_t i = 0; i < *n; i++) {
		for (size_t k = 0; k < v[i]->required_by.n; k++) {
			struct unit *w = v[i]->required_by.v[k];
			if (!w->want_up || w->visited || w == u)
				continue;
			if (*n == cap) {
				struct unit **nv = realloc(v, 2 * cap * sizeof(*v));
				if (nv == NULL) {
					for (size_t j = 0; j < *n; j++)
						v[j]->visited = false;
					free(v);
					return NULL;
				}
				v = nv;
				cap *= 2;
			}
			w->visited = true;
			v[(*n)++] = w;
		}
	}
	for (size_t i = 0; i < *n; i++)
		v[i]->visited = false;
	return v;
}

static size_t
unit_propagate(struct unit *u, void (*act)(struct unit *), const char *what)
{
	size_t n;
	struct unit **v = required_by_closure(u, &n);

	if (v == NULL) {
		log_err(u->name, "out of memory: the units that require it are left as they are");
		act(u);
		return 0;
	}
	/* Dependents first: what is ordered after u then waits for nothing. */
	for (size_t i = n; i-- > 1;) {
		log_info(v[i]->name, "%s too: it requires %s", what, u->name);
		act(v[i]);
	}
	act(u);
	free(v);
	return n - 1;
}

size_t
unit_stop_requested(struct unit *u)
{
	return unit_propagate(u, unit_stop, "stopping");
}

size_t
unit_restart_requested(struct unit *u)
{
	return unit_propagate(u, unit_restart, "restarting");
}

int
unit_kill(struct unit *u, int sig)
{
	if (!unit_has_process(u)) {
		errno = ESRCH;
		return -1;
	}
	if (u->cfg->kill_mode == KILL_PROCESS && u->pid > 0)
		return kill(u->pid, sig);
	if (kill(-u->pgid, sig) < 0) {
		if (errno == ESRCH && u->pid > 0)
			return kill(u->pid, sig);
		return -1;
	}
	return 0;
}

/* All processes are gone: move on as after_stop says. */
static void
unit_finish_stop(struct unit *u)
{
	struct superd *sd = u->sd;
	char dur[64];

	group_waiters_remove(u);
	unit_abort_control(u, "the unit has stopped");
	unit_set_pgid(u, 0);
	if (u->after_stop != UNIT_THEN_EXITED)
		remove_runtime_dirs(u);
	/* Every process of the unit is gone: a PID file that names a live
	 * process (or is a link, or no file) is not the unit's; it stays. */
	char why[128];
	/* The file superd wrote, even if a reload has named another since. */
	if (u->pid_file_written != NULL) {
		if (pidfile_remove(u->pid_file_written, 0, why, sizeof(why)) < 0)
			log_warn(u->name, "WritePIDFile=%s left in place: %s", u->pid_file_written,
				 why);
		free(u->pid_file_written);
		u->pid_file_written = NULL;
	}
	/* PIDFile= is the program's; once the unit has stopped it is stale:
	 * the one the daemon was found by, and the one configured now. */
	if (u->after_stop != UNIT_THEN_EXITED) {
		const char *paths[2] = {u->pid_file_read, u->cfg->pid_file};
		for (int i = 0; i < 2; i++) {
			if (paths[i] == NULL || (i == 1 && paths[0] && strcmp(paths[0], paths[1]) == 0))
				continue;
			if (pidfile_remove(paths[i], 0, why, sizeof(why)) < 0)
				log_warn(u->name, "PIDFile=%s left in place: %s", paths[i], why);
		}
	}
	free(u->pid_file_read);
	u->pid_file_read = NULL;
	if (u->running) {
		u->running = false;
		sd->nrunning--;
	}
	switch (u->after_stop) {
	case UNIT_THEN_RESTART:
		if (u->want_up && !sd->shutting_down) {
			uint64_t delay = backoff_delay(u->cfg->restart_usec,
						       u->cfg->restart_max_usec,
						       u->backoff_step);
			if (u->backoff_step < 64)
				u->backoff_step++;
			u->next_delay_usec = delay;
			u->next_start_at = ev_now(sd->loop) + usec_to_sec(delay);
			unit_set_state(u, UNIT_BACKOFF, delay, "%s", u->reason);
			log_notice(u->name, "restarting in %s",
				   duration_format(delay, dur, sizeof(dur)));
			break;
		}
		unit_set_state(u, UNIT_INACTIVE, DURATION_INFINITY, "stopped");
		break;
	case UNIT_THEN_FAILED:
		u->want_up = false;
		unit_set_state(u, UNIT_FAILED, DURATION_INFINITY, "%s", u->reason);
		log_err(u->name, "failed: %s", u->reason);
		break;
	case UNIT_THEN_INACTIVE:
		unit_set_state(u, UNIT_INACTIVE, DURATION_INFINITY, "stopped");
		log_info(u->name, "stopped");
		break;
	case UNIT_THEN_EXITED:
		unit_set_state(u, UNIT_EXITED, DURATION_INFINITY, "finished");
		log_info(u->name, "finished; stays active (RemainAfterExit=yes)");
		break;
	case UNIT_THEN_DONE:
		u->want_up = false;
		unit_set_state(u, UNIT_INACTIVE, DURATION_INFINITY, "finished");
		log_info(u->name, "finished");
		break;
	}
	notify_stop_waiters(u);
	notify_start_waiters(u);
	if (u->state == UNIT_INACTIVE && u->want_up)
		unit_enqueue(u);
	/* Ended well on its own (not stopped, not restarting): SuccessAction=. */
	if (u->cfg->success_action == UNIT_ACTION_EXIT && !sd->shutting_down && !u->stop_requested &&
	    (u->state == UNIT_INACTIVE || u->state == UNIT_EXITED) && u->has_last_status &&
	    exit_clean(u->last_status))
		unit_request_action_exit(u, "SuccessAction=exit");
	superd_unit_released(sd);
}

/* The PID in PIDFile=, or 0 with a reason. Symbolic links are refused:
 * superd must not be pointed at a file of someone else's choosing. */
static pid_t
read_pid_file(const char *path, char *why, size_t size, bool *later)
{
	char buf[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	ssize_t n;
	long v;
	char *end;

	/* What the daemon may still put right by writing the file: it is
	 * missing, empty, half written, or left from an earlier run. */
	*later = true;
	if (fd < 0) {
		*later = errno == ENOENT;
		snprintf(why, size, "PIDFile=%s: %s", path, strerror(errno));
		return 0;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		*later = n == 0;
		snprintf(why, size, "PIDFile=%s: %s", path, n < 0 ? strerror(errno) : "empty");
		return 0;
	}
	buf[n] = '\0';
	v = strtol(buf, &end, 10);
	while (*end == '\n' || *end == ' ' || *end == '\r')
		end++;
	if (v <= 1 || v > 0x3fffffff || *end != '\0') {
		snprintf(why, size, "PIDFile=%s: not a process ID", path);
		return 0;
	}
	if (kill((pid_t)v, 0) < 0 && errno == ESRCH) {
		snprintf(why, size, "PIDFile=%s: process %ld does not exist", path, v);
		return 0;
	}
	*later = false;
	return (pid_t)v;
}

static pid_t parent_of(pid_t pid);

/* Is pid one of the unit's processes: in its process group, or descended
 * from ancestor (walking up /proc, a bounded number of generations)? */
static bool
unit_owns(const struct unit *u, pid_t pid, pid_t ancestor)
{
	pid_t q = pid, p;

	if (u->pgid > 0 && getpgid(pid) == u->pgid)
		return true;
	for (int depth = 0; depth < 32 && (p = parent_of(q)) > 0; depth++, q = p) {
		if (p == ancestor)
			return true;
		if (p == 1)
			break;
	}
	return false;
}

/* May the unit adopt pid? A daemon left by the unit's main process is
 * reparented to superd (a subreaper); a process outside superd's tree is
 * someone else's, whatever a PID file written by the unit's (maybe
 * unprivileged) user says. */
static bool
unit_may_adopt(const struct unit *u, pid_t pid)
{
	/* Another unit's process (its main or control process, or one of its
	 * group) is never this one's, though it too descends from superd. */
	struct unit *o = hashmap_get_int(&u->sd->units_by_pid, pid);
	if (o != NULL && o != u)
		return false;
	pid_t pg = getpgid(pid);
	o = pg > 0 ? hashmap_get_int(&u->sd->units_by_pgid, pg) : NULL;
	if (o != NULL && o != u)
		return false;
	return unit_owns(u, pid, getpid());
}

/* The parent of a Type=forking unit exited 0: follow the daemon it left,
 * named by PIDFile=. It becomes superd's child as its parent is gone (we
 * are a subreaper), so its exit is seen. Returns 1 once it is followed,
 * -1 if there is none (u->reason says why), and, when may_wait, 0 while
 * the file is not there yet: many daemons (redis, nginx, memcached) write
 * it from the child after the parent has exited, and systemd waits for it
 * until TimeoutStartSec=. */
static int
unit_adopt_forked(struct unit *u, bool may_wait)
{
	pid_t pid;
	bool later;

	if (u->cfg->pid_file == NULL) {
		text_set(&u->reason, "PIDFile= is needed to follow a Type=forking daemon");
		log_err(u->name, "cannot start: %s", u->reason);
		return -1;
	}
	char why[256];
	pid = read_pid_file(u->cfg->pid_file, why, sizeof(why), &later);
	if (pid == 0 && later && may_wait) {
		if (!u->pidfile_wait)
			log_info(u->name, "the parent exited; waiting for %s (%s)",
				 u->cfg->pid_file, why);
		return 0;
	}
	if (pid == 0) {
		text_set(&u->reason, "%s", why);
		log_err(u->name, "cannot start: %s", u->reason);
		return -1;
	}
	if (!unit_may_adopt(u, pid)) {
		text_set(&u->reason, "PIDFile=%s: process %ld is not a process of the unit",
			 u->cfg->pid_file, (long)pid);
		log_err(u->name, "cannot start: %s", u->reason);
		return -1;
	}
	if (hashmap_put_int(&u->sd->units_by_pid, pid, u) < 0) {
		text_set(&u->reason, "out of memory");
		return -1;
	}
	u->pidfile_wait = false;
	u->pid = pid;
	pid_t pg = getpgid(pid);
	unit_set_pgid(u, pg > 0 ? pg : pid);
	unit_write_pid_file(u);
	free(u->pid_file_read);
	if ((u->pid_file_read = strdup(u->cfg->pid_file)) == NULL)
		log_err(u->name, "out of memory: PIDFile=%s is not removed at stop if a reload renames it",
			u->cfg->pid_file);
	log_info(u->name, "daemon pid %ld (from PIDFile=)", (long)pid);
	unit_became_ready(u);
	return 1;
}

/* How often a missing PIDFile= is looked for again, until TimeoutStartSec=. */
#define PIDFILE_POLL_SEC 0.05

/* When TimeoutStartSec= runs out for u, on the monotonic clock. */
static ev_tstamp
start_deadline(const struct unit *u)
{
	if (u->cfg->timeout_start_usec == DURATION_INFINITY)
		return 0;
	return u->started_mono + usec_to_sec(u->cfg->timeout_start_usec);
}

/* Look for the PIDFile= again soon (the unit's timer; the next look is
 * never later than the TimeoutStartSec= deadline). */
static void
unit_poll_pid_file(struct unit *u)
{
	ev_tstamp deadline = start_deadline(u), next = PIDFILE_POLL_SEC;
	ev_tstamp left = deadline - ev_now(u->sd->loop);

	if (!u->pidfile_wait)
		text_set(&u->reason, "waiting for PIDFile=%s", u->cfg->pid_file);
	u->pidfile_wait = true;
	if (deadline > 0 && left < next)
		next = left > 0 ? left : 0;
	ev_timer_stop(u->sd->loop, &u->timer);
	ev_timer_set(&u->timer, next, 0.);
	ev_timer_start(u->sd->loop, &u->timer);
}

/* The main process is gone; stop what is left of its group, then finish. */
static void
unit_cleanup_group(struct unit *u)
{
	if (!group_alive(u->pgid)) {
		unit_finish_stop(u);
		return;
	}
	if (u->state != UNIT_STOPPING) {
		char dur[64];
		signal_group(u, u->cfg->kill_signal);
		signal_group(u, SIGCONT);
		unit_set_state(u, UNIT_STOPPING, u->cfg->timeout_stop_usec, "%s", u->reason);
		u->stop_deadline = u->cfg->timeout_stop_usec == DURATION_INFINITY
					   ? 0
					   : ev_now(u->sd->loop) +
						     usec_to_sec(u->cfg->timeout_stop_usec);
		log_info(u->name, "stopping leftover processes of group %ld: %s, SIGKILL after %s",
			 (long)u->pgid, signame_name(u->cfg->kill_signal),
			 duration_format(u->cfg->timeout_stop_usec, dur, sizeof(dur)));
	}
	group_waiters_add(u);
}

static void
unit_close_status(struct unit *u)
{
	if (u->status_fd < 0)
		return;
	ev_io_stop(u->sd->loop, &u->status_io);
	close(u->status_fd);
	u->status_fd = -1;
	u->sd->status_pipes--;
}

/* Read the exec status pipe: data is a failure report, EOF a successful
 * exec. Returns true once the pipe is finished with. */
static bool
unit_read_status(struct unit *u)
{
	struct spawn_failure f;
	ssize_t n;

	if (u->status_fd < 0)
		return true;
	do
		n = read(u->status_fd, &f, sizeof(f));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return false;
	if (n == (ssize_t)sizeof(f)) {
		u->exec_errno = f.err;
		u->exec_stage = f.stage;
		const struct execcmd *cmd =
			&u->cfg->exec_start.v[u->cfg->type == SERVICE_ONESHOT &&
						      u->oneshot_index < u->cfg->exec_start.n
					      ? u->oneshot_index
					      : 0];
		text_set(&u->reason, "%s %s: %s", spawn_stage_name(f.stage),
			 f.stage == SPAWN_STAGE_EXEC	 ? shown_path(cmd)
			 : f.stage == SPAWN_STAGE_CHDIR ? u->cfg->working_directory
							 : "failed",
			 strerror(f.err));
		log_err(u->name, "cannot start: %s", u->reason);
	} else if (n < 0) {
		log_warn_errno(u->name, "reading exec status");
	}
	unit_close_status(u);
	return true;
}

static void
unit_status_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct unit *u = w->data;

	(void)loop, (void)revents;
	if (!unit_read_status(u))
		return;
	if (u->exec_errno == 0 && u->state == UNIT_STARTING && u->cfg->type == SERVICE_EXEC &&
	    u->control_kind == CONTROL_NONE)
		unit_became_ready(u);
}

void
unit_child_exited(struct superd *sd, pid_t pid, int status)
{
	struct unit *u = hashmap_get_int(&sd->units_by_pid, pid);

	/* A notify unit's main process may have handed over (MAINPID=) just
	 * before exiting: read what it said first. */
	if (u != NULL && u->pid == pid && u->cfg->notify_access != NOTIFY_ACCESS_NONE)
		notify_server_drain(sd);
	u = hashmap_del_int(&sd->units_by_pid, pid);
	char how[128], dur[64];

	if (u == NULL) {
		/* An orphan (we are a subreaper): some waiting group may now be
		 * empty. Checked once, after this iteration's reaps. */
		sd->orphans_reaped = true;
		return;
	}
	if (pid == u->control_pid) {
		unit_control_exited(u, status);
		return;
	}
	u->pid = 0;
	/* A Type=notify main process that ends before READY=1 has failed its
	 * start, whatever its status: systemd's result 'protocol'. (Once
	 * READY=1 came, ExecStartPost= may run, still in UNIT_STARTING.) */
	bool unready = u->state == UNIT_STARTING && u->cfg->type == SERVICE_NOTIFY &&
		       u->control_kind == CONTROL_NONE;
	/* The main process is gone: so is any reload of it. */
	unit_abort_control(u, "interrupted: the main process exited");
	/* The child is gone, so the pipe holds its report or EOF now. */
	if (u->status_fd >= 0) {
		unit_read_status(u);
		unit_close_status(u);
	}
	u->last_status = status;
	u->has_last_status = true;
	uint64_t uptime = (uint64_t)((ev_now(sd->loop) - u->started_mono) * 1e6);
	format_exit(status, how, sizeof(how));

	switch (u->state) {
	case UNIT_STARTING:
	case UNIT_ACTIVE:
	case UNIT_RELOADING: {
		bool exec_failed = u->exec_errno != 0;
		if (u->cfg->type == SERVICE_FORKING && u->state == UNIT_STARTING && !exec_failed &&
		    WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			int r = unit_adopt_forked(u, true);
			if (r > 0)
				break;
			if (r == 0) {
				unit_poll_pid_file(u);
				break;
			}
			/* No daemon to follow: a failed start, reason set. */
			status = 1 << 8;
		}
		if (u->cfg->type == SERVICE_ONESHOT && u->state == UNIT_STARTING) {
			const struct execcmd *cmd = &u->cfg->exec_start.v[u->oneshot_index];
			bool ok = !exec_failed && WIFEXITED(status) && WEXITSTATUS(status) == 0;
			if (ok || (!exec_failed && (cmd->flags & EXECCMD_IGNORE_FAILURE))) {
				log_info(u->name, "command %zu of %zu %s", u->oneshot_index + 1,
					 u->cfg->exec_start.n, how);
				if (++u->oneshot_index < u->cfg->exec_start.n) {
					unit_spawn(u);
					break;
				}
				text_set(&u->reason, "finished");
				u->after_stop = u->cfg->remain_after_exit ? UNIT_THEN_EXITED
									  : UNIT_THEN_DONE;
				unit_cleanup_group(u);
				break;
			}
		}
		bool protocol = unready && !exec_failed;
		bool clean = !exec_failed && !protocol && exit_clean(status);
		/* As systemd: a protocol failure restarts with always,
		 * on-failure and on-abnormal. */
		bool restart = u->want_up && !sd->shutting_down &&
			       (protocol ? u->cfg->restart == RESTART_ALWAYS ||
						   u->cfg->restart == RESTART_ON_FAILURE ||
						   u->cfg->restart == RESTART_ON_ABNORMAL
					 : should_restart(u->cfg->restart, status, exec_failed));
		/* An exec failure was logged with its cause already, and so was a
		 * forking daemon that could not be found. */
		if (protocol) {
			text_set(&u->reason, "main process exited before READY=1 (%s)", how);
			log_warn(u->name, "main process %s after %s, before READY=1", how,
				 duration_format(uptime, dur, sizeof(dur)));
		} else if (!exec_failed && !(u->cfg->type == SERVICE_FORKING &&
					     strncmp(u->reason, "PIDFile=", 8) == 0)) {
			text_set(&u->reason, "main process %s", how);
			log_msg(clean ? LOG_LEVEL_INFO : LOG_LEVEL_WARNING, u->name,
				"main process %s after %s", how,
				duration_format(uptime, dur, sizeof(dur)));
		}
		if (backoff_should_reset(uptime, u->cfg->restart_reset_usec))
			u->backoff_step = 0;
		if (restart) {
			u->after_stop = UNIT_THEN_RESTART;
		} else {
			u->want_up = false;
			u->after_stop = clean ? UNIT_THEN_INACTIVE : UNIT_THEN_FAILED;
		}
		unit_cleanup_group(u);
		break;
	}
	case UNIT_STOPPING:
		log_debug(u->name, "main process %s", how);
		/* With KillMode=mixed the rest of the group gets SIGKILL now;
		 * with KillMode=process it gets KillSignal now, since no
		 * process of a stopped unit may survive. */
		if (u->cfg->kill_mode == KILL_MIXED && group_alive(u->pgid)) {
			signal_group(u, SIGKILL);
		} else if (u->cfg->kill_mode == KILL_PROCESS && group_alive(u->pgid)) {
			signal_group(u, u->cfg->kill_signal);
			signal_group(u, SIGCONT);
		}
		if (group_alive(u->pgid))
			group_waiters_add(u);
		else
			unit_finish_stop(u);
		break;
	case UNIT_INACTIVE:
	case UNIT_BACKOFF:
	case UNIT_FAILED:
	case UNIT_EXITED:
		/* No main process in these states: a bookkeeping bug. */
		log_err(u->name, "unexpected exit of pid %ld in state %s", (long)pid,
			unit_state_name(u->state));
		break;
	}
}

/* The parent of pid, from /proc; 0 if unknown. */
static pid_t
parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;
	long ppid = 0;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* "pid (comm) state ppid ...": comm may hold anything but ')'. */
	p = strrchr(buf, ')');
	if (p == NULL || sscanf(p + 1, " %*c %ld", &ppid) != 1)
		return 0;
	return (pid_t)ppid;
}

/* MAINPID=: a notify unit hands its main process over (a daemon that
 * forks, a wrapper that spawns). The new one must belong to the unit: in
 * its process group, or a descendant of the current main process. */
static void
unit_take_mainpid(struct unit *u, const char *value)
{
	char *end;
	long v = strtol(value, &end, 10);
	pid_t pid = (pid_t)v;

	if (*end != '\0' || v <= 1 || v > 0x3fffffff || pid == u->pid)
		return;
	if (!unit_owns(u, pid, u->pid)) {
		log_warn(u->name, "MAINPID=%ld ignored: not a process of the unit", v);
		return;
	}
	if (hashmap_put_int(&u->sd->units_by_pid, pid, u) < 0)
		return;
	/* The old main process is now just a process of the unit: its exit
	 * will be an orphan's, not the unit's. */
	hashmap_del_int(&u->sd->units_by_pid, u->pid);
	log_info(u->name, "main process is now pid %ld (MAINPID=)", v);
	u->pid = pid;
	pid_t pg = getpgid(pid);
	if (pg > 0)
		unit_set_pgid(u, pg);
	unit_write_pid_file(u);
}

/* One sd_notify datagram: READY=1, RELOADING=1, STOPPING=1, STATUS=,
 * WATCHDOG=1, MAINPID=. Only the main
 * process may send, or with NotifyAccess=all any process of its group;
 * units with NotifyAccess=none (the default but for Type=notify) ignore
 * everything. */
void
unit_notify_message(struct superd *sd, pid_t pid, char *msg)
{
	struct unit *u = hashmap_get_int(&sd->units_by_pid, pid);

	if (u == NULL || u->pid != pid) {
		pid_t pg = getpgid(pid);
		struct unit *g = pg > 0 ? hashmap_get_int(&sd->units_by_pgid, pg) : NULL;
		if (g == NULL || g->pgid != pg || g->cfg->notify_access != NOTIFY_ACCESS_ALL) {
			log_debug(u ? u->name : NULL, "notification from pid %ld ignored "
				  "(not a main process; NotifyAccess=main)", (long)pid);
			return;
		}
		u = g;
	}
	if (u->cfg->notify_access == NOTIFY_ACCESS_NONE)
		return;
	for (char *save = NULL, *line = strtok_r(msg, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strcmp(line, "READY=1") == 0) {
			if (u->state == UNIT_STARTING && u->cfg->type == SERVICE_NOTIFY &&
			    u->control_kind == CONTROL_NONE) {
				log_info(u->name, "ready (READY=1), pid %ld", (long)u->pid);
				unit_became_ready(u);
			} else if (u->state == UNIT_RELOADING && u->control_pid == 0) {
				unit_set_state(u, UNIT_ACTIVE, DURATION_INFINITY, NULL);
				log_info(u->name, "reloaded (READY=1)");
			}
		} else if (strcmp(line, "RELOADING=1") == 0) {
			/* Bounded as a reload by ExecReload= is, by TimeoutStartSec=
			 * (the watchdog rests meanwhile: one timer a unit). */
			if (u->state == UNIT_ACTIVE)
				unit_set_state(u, UNIT_RELOADING, u->cfg->timeout_start_usec,
					       "reloading (RELOADING=1)");
		} else if (strcmp(line, "WATCHDOG=1") == 0) {
			if (u->state == UNIT_ACTIVE && u->cfg->watchdog_usec > 0) {
				ev_timer_stop(sd->loop, &u->timer);
				ev_timer_set(&u->timer, usec_to_sec(u->cfg->watchdog_usec), 0.);
				ev_timer_start(sd->loop, &u->timer);
			}
		} else if (strcmp(line, "STOPPING=1") == 0) {
			log_info(u->name, "says it is stopping (STOPPING=1)");
		} else if (strncmp(line, "MAINPID=", 8) == 0) {
			unit_take_mainpid(u, line + 8);
		} else if (strncmp(line, "STATUS=", 7) == 0) {
			text_set(&u->status_text, "%.255s", line + 7);
		} else {
			log_debug(u->name, "notification not acted on: %.64s", line);
		}
	}
}

void
unit_kill_all(struct unit *u)
{
	if (!unit_has_process(u))
		return;
	unit_abort_control(u, "interrupted: SIGKILL");
	signal_group(u, SIGKILL);
	signal_main(u, SIGKILL);
	u->sigkilled = true;
}

static void
unit_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct unit *u = w->data;
	char dur[64];

	(void)loop, (void)revents;
	switch (u->state) {
	case UNIT_BACKOFF:
		if (!u->want_up || u->sd->shutting_down) {
			unit_set_state(u, UNIT_INACTIVE, DURATION_INFINITY, "stopped");
			return;
		}
		u->restarts++;
		log_info(u->name, "restarting (restart %u)", u->restarts);
		/* As in systemd, every start checks the conditions again. */
		if (check_conditions(u))
			unit_begin_start(u);
		break;
	case UNIT_ACTIVE: {
		/* WatchdogSec= passed without WATCHDOG=1: SIGABRT, as systemd's
		 * WatchdogSignal=, then a failed run. */
		bool restart = u->want_up && !u->sd->shutting_down &&
			       should_restart_timeout(u->cfg->restart, true);
		text_set(&u->reason, "watchdog timeout: no WATCHDOG=1 within %s",
			 duration_format(u->cfg->watchdog_usec, dur, sizeof(dur)));
		log_err(u->name, "%s; sending SIGABRT", u->reason);
		signal_main(u, SIGABRT);
		if (!restart)
			u->want_up = false;
		unit_begin_stop_then(u, restart ? UNIT_THEN_RESTART : UNIT_THEN_FAILED);
		break;
	}
	case UNIT_STARTING: {
		/* TimeoutStartSec= passed (notify, oneshot): a failed start. */
		bool restart = u->want_up && !u->sd->shutting_down &&
			       should_restart_timeout(u->cfg->restart, false);
		if (u->pidfile_wait) {
			/* A forking daemon's PIDFile= is still missing. */
			ev_tstamp deadline = start_deadline(u);
			bool may_wait = deadline == 0 || ev_now(u->sd->loop) < deadline - 0.001;
			int r = unit_adopt_forked(u, may_wait);
			if (r >= 0) {
				if (r == 0)
					unit_poll_pid_file(u);
				break;
			}
			u->pidfile_wait = false;
			if (!may_wait)
				text_set(&u->reason, "start timed out after %s (TimeoutStartSec=): %s",
					 duration_format(u->cfg->timeout_start_usec, dur,
							 sizeof(dur)),
					 u->reason);
			log_err(u->name, "%s", u->reason);
			if (!restart)
				u->want_up = false;
			unit_begin_stop_then(u, restart ? UNIT_THEN_RESTART : UNIT_THEN_FAILED);
			break;
		}
		text_set(&u->reason, "start timed out after %s (TimeoutStartSec=)",
			 duration_format(u->cfg->timeout_start_usec, dur, sizeof(dur)));
		log_err(u->name, "%s", u->reason);
		if (!restart)
			u->want_up = false;
		unit_begin_stop_then(u, restart ? UNIT_THEN_RESTART : UNIT_THEN_FAILED);
		break;
	}
	case UNIT_RELOADING:
		if (u->control_pid == 0)
			log_warn(u->name, "no READY=1 within %s (TimeoutStartSec=) after RELOADING=1; "
					  "active again",
				 duration_format(u->cfg->timeout_start_usec, dur, sizeof(dur)));
		unit_abort_control(u, "timed out (TimeoutStartSec=)");
		unit_set_state(u, UNIT_ACTIVE, DURATION_INFINITY, NULL);
		break;
	case UNIT_STOPPING: {
		ev_tstamp now = ev_now(u->sd->loop), next = -1;
		if (u->pid == 0 && !group_alive(u->pgid)) {
			unit_finish_stop(u);
			return;
		}
		if (!u->sigkilled && u->stop_deadline > 0 && now >= u->stop_deadline - 0.001) {
			log_warn(u->name, "still running %s after the stop signal; sending SIGKILL",
				 duration_format(u->cfg->timeout_stop_usec, dur, sizeof(dur)));
			unit_kill_all(u);
			if (u->sd->shutting_down)
				u->sd->forced = true;
		}
		/* Poll the group while no exit event can tell; otherwise wake
		 * at the deadline. */
		if (u->pid == 0)
			next = GROUP_POLL_SEC;
		if (!u->sigkilled && u->stop_deadline > 0 &&
		    (next < 0 || u->stop_deadline - now < next))
			next = u->stop_deadline - now;
		if (next >= 0) {
			ev_timer_set(&u->timer, next, 0.);
			ev_timer_start(u->sd->loop, &u->timer);
		}
		break;
	}
	default:
		break;
	}
}

/* Units tried per drain; the rest wait for the next loop iteration. */
#define QUEUE_BATCH 256

static void
unit_drain_queue(struct superd *sd)
{
	unsigned n = 0;

	if (sd->orphans_reaped) {
		struct unit *next;
		sd->orphans_reaped = false;
		for (struct unit *w = sd->group_waiters; w; w = next) {
			next = w->next_group_waiter;
			if (w->pid == 0 && !group_alive(w->pgid))
				unit_finish_stop(w);
		}
		superd_orphans_reaped(sd);
	}
	/* Each spawn holds a pipe until its exec is reported: never more in
	 * flight than the open-file limit allows. The reports arrive as loop
	 * events, and the next drain goes on from there. */
	if (sd->action_pending) {
		sd->action_pending = false;
		superd_shutdown(sd, sd->action_why);
	}
	if (sd->nremoved > 0)
		reap_removed(sd);
	while (sd->queue_head != NULL && n++ < QUEUE_BATCH &&
	       sd->status_pipes < sd->max_status_pipes) {
		struct unit *u = sd->queue_head;
		sd->queue_head = u->next_queued;
		if (sd->queue_head == NULL)
			sd->queue_tail = NULL;
		u->queued = false;
		u->next_queued = NULL;
		unit_try_start(u);
		sd->starts_since_trim++;
	}
	/* A burst of starts (boot, a reload adding many units) leaves the
	 * heap fragmented by its short-lived buffers: return the free pages. */
	if (sd->queue_head == NULL && sd->status_pipes == 0 && sd->starts_since_trim >= 64) {
		sd->starts_since_trim = 0;
		malloc_trim(0);
	}
	/* An idle watcher keeps the loop from blocking while work remains. */
	if (sd->queue_head != NULL && sd->status_pipes < sd->max_status_pipes)
		ev_idle_start(sd->loop, &sd->queue_idle);
	else
		ev_idle_stop(sd->loop, &sd->queue_idle);
}

static void
queue_prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	(void)w, (void)revents;
	unit_drain_queue(ev_userdata(loop));
}

static void
queue_idle_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	(void)loop, (void)w, (void)revents;
	/* Nothing to do here: the prepare watcher drains before the poll. */
}

void
unit_queue_init(struct superd *sd)
{
	/* Half the descriptors for exec reports in flight, at most a batch;
	 * the rest for superd itself and its clients. */
	rlim_t lim = sd->nofile.rlim_max;
	struct rlimit now;
	if (getrlimit(RLIMIT_NOFILE, &now) == 0)
		lim = now.rlim_cur;
	sd->max_status_pipes = lim == RLIM_INFINITY || lim > 2 * QUEUE_BATCH + 64
				       ? QUEUE_BATCH
				       : lim > 80 ? (size_t)(lim - 64) / 2 : 8;
	ev_prepare_init(&sd->queue_prepare, queue_prepare_cb);
	ev_prepare_start(sd->loop, &sd->queue_prepare);
	ev_idle_init(&sd->queue_idle, queue_idle_cb);
}

static void
refs_remove(struct unit_refs *r, struct unit *u)
{
	size_t j = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i] != u)
			r->v[j++] = r->v[i];
	r->n = j;
}

static int
refs_add(struct unit_refs *r, struct unit *u)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i] == u)
			return 0;
	struct unit **v = realloc(r->v, (r->n + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	r->v = v;
	r->v[r->n++] = u;
	return 0;
}

/* The unit's environment: PATH, then Environment= with later assignments
 * of a name replacing earlier ones. */
static char **
build_envp(const struct unit_config *cfg)
{
	const struct strv *env = &cfg->environment;
	char **envp = calloc(env->n + 2, sizeof(char *));
	size_t n = 0;

	if (envp == NULL)
		return NULL;
	bool has_path = false;
	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->v[i], "PATH=", 5) == 0)
			has_path = true;
	const char *def_path = unitfile_getenv(cfg, "PATH", 4);
	if (!has_path && def_path != NULL) { /* NULL: UnsetEnvironment=PATH */
		char *p = NULL;
		if (asprintf(&p, "PATH=%s", def_path) < 0)
			p = NULL;
		envp[n++] = p;
	}
	for (size_t i = 0; i < env->n; i++) {
		const char *eq = strchr(env->v[i], '=');
		size_t len = (size_t)(eq - env->v[i]) + 1;
		bool later = false;
		for (size_t j = i + 1; j < env->n; j++)
			if (strncmp(env->v[j], env->v[i], len) == 0)
				later = true;
		if (!later)
			envp[n++] = strdup(env->v[i]);
	}
	for (size_t i = 0; i < n; i++)
		if (envp[i] == NULL) {
			for (size_t j = 0; j < n; j++)
				free(envp[j]);
			free(envp);
			return NULL;
		}
	return envp;
}

struct unit *
unit_new(struct superd *sd, const struct unit_config *cfg)
{
	struct unit *u = calloc(1, sizeof(*u));

	if (u == NULL)
		return NULL;
	u->sd = sd;
	u->cfg = cfg;
	u->name = cfg->name;
	u->status_fd = -1;
	u->control_fd = -1;
	u->state = UNIT_INACTIVE;
	u->reason = u->status_text = u->reload_reason = no_text;
	ev_init(&u->timer, unit_timer_cb);
	u->timer.data = u;
	ev_init(&u->status_io, unit_status_cb);
	u->status_io.data = u;
	u->envp = build_envp(cfg);
	if (u->envp == NULL) {
		free(u);
		return NULL;
	}
	return u;
}

static void
free_envp(char **envp)
{
	if (envp == NULL)
		return;
	for (char **e = envp; *e; e++)
		free(*e);
	free(envp);
}

char **
unit_build_envp(const struct unit_config *cfg)
{
	return build_envp(cfg);
}

void
unit_adopt_config(struct unit *u, const struct unit_config *cfg, char **envp)
{
	free_envp(u->envp);
	u->envp = envp;
	if (cfg->start_limit_burst != u->cfg->start_limit_burst) {
		free(u->start_times);
		u->start_times = NULL;
		u->start_count = 0;
	}
	u->cfg = cfg;
	u->name = cfg->name;
	/* WritePIDFile= added, renamed or dropped: the file follows now. */
	const char *was = u->pid_file_written, *now = cfg->write_pid_file;
	if (u->pid > 0 && (was && now ? strcmp(was, now) != 0 : was != now))
		unit_write_pid_file(u);
}

void
unit_free_envp(char **envp)
{
	free_envp(envp);
}

struct unit *
unit_find_cb(void *sd, const char *name)
{
	return unit_find(sd, name);
}

static void
refs_clear(struct unit_refs *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

void
unit_unlink(struct unit *u)
{
	refs_clear(&u->after);
	refs_clear(&u->before);
	refs_clear(&u->requires);
	refs_clear(&u->required_by);
	u->missing_requires = NULL;
}

int
unit_link(struct unit *u, struct unit *(*find)(void *ctx, const char *name), void *ctx)
{
	const struct unit_config *c = u->cfg;

	for (size_t k = 0; k < c->after.n; k++) {
		struct unit *d = find(ctx, c->after.v[k].name);
		if (d && (refs_add(&u->after, d) < 0 || refs_add(&d->before, u) < 0))
			return -1;
	}
	for (size_t k = 0; k < c->before.n; k++) {
		struct unit *d = find(ctx, c->before.v[k].name);
		if (d && (refs_add(&u->before, d) < 0 || refs_add(&d->after, u) < 0))
			return -1;
	}
	for (size_t k = 0; k < c->requires.n; k++) {
		struct unit *d = find(ctx, c->requires.v[k].name);
		if (d == NULL) {
			if (u->missing_requires == NULL)
				u->missing_requires = c->requires.v[k].name;
		} else if (refs_add(&u->requires, d) < 0 || refs_add(&d->required_by, u) < 0) {
			return -1;
		}
	}
	return 0;
}

static struct unit *
find_live(void *ctx, const char *name)
{
	return unit_find(ctx, name);
}

int
unit_create_all(struct superd *sd)
{
	const struct config *cfg = sd->config;

	hashmap_init_str(&sd->units_by_name);
	hashmap_init_int(&sd->units_by_pid);
	hashmap_init_int(&sd->units_by_pgid);
	sd->units = calloc(cfg->nunits ? cfg->nunits : 1, sizeof(*sd->units));
	if (sd->units == NULL)
		return -1;
	for (size_t i = 0; i < cfg->nunits; i++) {
		struct unit *u = unit_new(sd, cfg->units[i]);
		if (u == NULL)
			return -1;
		sd->units[sd->nunits++] = u;
		if (hashmap_put_str(&sd->units_by_name, u->name, u) < 0)
			return -1;
	}
	for (size_t i = 0; i < sd->nunits; i++)
		if (unit_link(sd->units[i], find_live, sd) < 0)
			return -1;
	return 0;
}

void
unit_free(struct unit *u)
{
	struct superd *sd = u->sd;

	ev_timer_stop(sd->loop, &u->timer);
	if (u->status_fd >= 0) {
		ev_io_stop(sd->loop, &u->status_io);
		close(u->status_fd);
		sd->status_pipes--;
	}
	group_waiters_remove(u);
	if (u->control_fd >= 0)
		close(u->control_fd);
	free_envp(u->envp);
	unit_unlink(u);
	free(u->pid_file_written);
	free(u->pid_file_read);
	free(u->start_times);
	text_clear(&u->reason);
	text_clear(&u->status_text);
	text_clear(&u->reload_reason);
	unitfile_free(u->owned_cfg);
	free(u);
}

/* A removed unit is freed once nothing refers to it any more: no process,
 * no client waiting on it, not queued, not stopping. */
static bool
removed_done(const struct unit *u)
{
	return !unit_has_process(u) && u->control_pid == 0 && u->waits == NULL && !u->queued &&
	       u->state != UNIT_STOPPING;
}

static void
reap_removed(struct superd *sd)
{
	size_t j = 0;

	/* Removed units are linked among themselves (for their stop order):
	 * first unlink the finished ones from every other, then free them. */
	for (size_t i = 0; i < sd->nremoved; i++) {
		struct unit *u = sd->removed[i];
		if (!removed_done(u))
			continue;
		for (size_t k = 0; k < sd->nremoved; k++) {
			struct unit *o = sd->removed[k];
			if (o == u)
				continue;
			refs_remove(&o->after, u);
			refs_remove(&o->before, u);
			refs_remove(&o->requires, u);
			refs_remove(&o->required_by, u);
		}
	}
	for (size_t i = 0; i < sd->nremoved; i++) {
		struct unit *u = sd->removed[i];
		if (removed_done(u)) {
			log_info(u->name, "removed");
			/* A unit of the same name added back meanwhile may start. */
			struct unit *back = unit_find(sd, u->name);
			if (back != NULL && back->want_up &&
			    (back->state == UNIT_INACTIVE || back->state == UNIT_FAILED))
				unit_enqueue(back);
			unit_free(u);
		} else {
			sd->removed[j++] = u;
		}
	}
	bool reaped = j < sd->nremoved;
	sd->nremoved = j;
	/* What waited on a removed unit through the old ordering waits on
	 * nothing now. */
	if (reaped && j == 0)
		unit_recheck_all(sd);
}

void
unit_free_all(struct superd *sd)
{
	for (size_t i = 0; i < sd->nunits; i++)
		unit_free(sd->units[i]);
	for (size_t i = 0; i < sd->nremoved; i++)
		unit_free(sd->removed[i]);
	free(sd->units);
	free(sd->removed);
	sd->units = NULL;
	sd->removed = NULL;
	sd->nunits = sd->nremoved = 0;
	hashmap_free(&sd->units_by_name);
	hashmap_free(&sd->units_by_pid);
	hashmap_free(&sd->units_by_pgid);
}

struct unit *
unit_find(struct superd *sd, const char *name)
{
	return hashmap_get_str(&sd->units_by_name, name);
}
