#include "ctl.h"

#include "buf.h"
#include "duration.h"
#include "log.h"
#include "proto.h"
#include "reload.h"
#include "signame.h"
#include "superd.h"
#include "unit.h"

#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif
#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif

#define CTL_IDLE_SEC 30.0

/* The idle deadline; $SUPERD_CTL_IDLE_SEC overrides it (for tests). */
static double ctl_idle_sec = CTL_IDLE_SEC;
#define CTL_MAX_OUTPUT (64u << 20)
/* Replies generated but not yet sent, all clients together: past this a
 * new large reply is refused (small ones, such as health, always go). With
 * the idle deadline on unread output, this bounds what clients that never
 * read can make superd hold. */
#define CTL_MAX_UNREAD (16u << 20)
#define CTL_LARGE_REPLY (64u << 10)
#define CTL_ACCEPT_RETRY_SEC 1.0
/* A peer that may do nothing (SocketMode= open to it) gets this long, not
 * the idle deadline, to send the request that will be refused: it cannot
 * hold connections, and so descriptors, for long. */
#define CTL_REFUSED_IDLE_SEC 2.0

enum ctl_perm {
	CTL_PERM_NONE,
	CTL_PERM_GROUP, /* SocketGroup= members: all but shutdown */
	CTL_PERM_FULL,	/* root and superd's own user */
};

enum ctl_wait_kind {
	CTL_WAIT_START,
	CTL_WAIT_STOP,
	CTL_WAIT_RESTART,
	CTL_WAIT_RELOAD,
};

/* A client waiting for one unit to reach a state. */
struct ctl_wait {
	struct ctl_client *c;
	struct unit *u;
	enum ctl_wait_kind kind;
	pid_t old_pid; /* restart: the process that must be replaced */
	struct ctl_wait *next_in_unit;
	struct ctl_wait *next_in_client;
};

struct ctl_client {
	struct superd *sd;
	int fd;
	ev_io io;
	ev_timer idle;
	char in[PROTO_MAX_REQUEST];
	size_t inlen;
	struct buf out;
	enum ctl_perm perm;
	uid_t uid;
	pid_t pid;
	bool closing; /* no more input: close once answered and written */
	bool collecting; /* a request is registering its waits */
	/* The request being waited for: its waits, and the first failure. */
	struct ctl_wait *waits;
	size_t pending;
	int fail_code;
	char fail_msg[512];
	struct ctl_client *next, *prev;
};

static void client_io_cb(struct ev_loop *loop, ev_io *w, int revents);
static void client_process(struct ctl_client *c);

/* ---- clients: lifecycle and I/O ----------------------------------------- */

static void
client_update_events(struct ctl_client *c)
{
	int events = EV_READ;

	/* While a request waits, input is still read, to see a client that
	 * goes away (client_read_pending), until the buffer is full: what does
	 * not fit stays in the kernel. */
	if (c->closing || (c->pending > 0 && c->inlen == sizeof(c->in)))
		events = 0;
	if (c->out.len > 0)
		events |= EV_WRITE;
	if (events == 0 && c->closing)
		return;
	/* Unchanged interest: leave the watcher be (a restart costs libev an
	 * epoll_ctl per request). */
	if (ev_is_active(&c->io) && (c->io.events & (EV_READ | EV_WRITE)) == events)
		return;
	ev_io_stop(c->sd->loop, &c->io);
	if (events) {
		ev_io_set(&c->io, c->fd, events);
		ev_io_start(c->sd->loop, &c->io);
	}
}

static void
client_cancel_waits(struct ctl_client *c)
{
	while (c->waits != NULL) {
		struct ctl_wait *w = c->waits;
		c->waits = w->next_in_client;
		for (struct ctl_wait **p = &w->u->waits; *p; p = &(*p)->next_in_unit)
			if (*p == w) {
				*p = w->next_in_unit;
				break;
			}
		free(w);
	}
	c->pending = 0;
}

static void
client_close(struct ctl_client *c)
{
	struct superd *sd = c->sd;

	client_cancel_waits(c);
	ev_io_stop(sd->loop, &c->io);
	ev_timer_stop(sd->loop, &c->idle);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		sd->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	/* A big reply (status of thousands of units) leaves free heap behind
	 * that glibc keeps; give it back so that superd stays small. */
	bool big = c->out.cap >= CTL_LARGE_REPLY;
	buf_free(&c->out);
	free(c);
	if (big)
		malloc_trim(0);
}

/* Write what can be written now. Returns false if the client was closed. */
static double
client_idle_limit(const struct ctl_client *c)
{
	return c->perm == CTL_PERM_NONE && ctl_idle_sec > CTL_REFUSED_IDLE_SEC
		       ? CTL_REFUSED_IDLE_SEC
		       : ctl_idle_sec;
}

static bool
client_flush(struct ctl_client *c)
{
	bool sent = false;

	while (c->out.len > 0) {
		ssize_t n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			client_close(c); /* EPIPE, ECONNRESET: the client left */
			return false;
		}
		buf_consume(&c->out, (size_t)n);
		sent = true;
	}
	if (c->out.failed || c->out.len > CTL_MAX_OUTPUT) {
		log_warn(NULL, "control client pid %ld: reply too large or out of memory; dropped",
			 (long)c->pid);
		client_close(c);
		return false;
	}
	if (c->out.len == 0 && c->closing && c->pending == 0 &&
	    memchr(c->in, '\n', c->inlen) == NULL) {
		client_close(c);
		return false;
	}
	/* A reply the client does not read: the idle deadline runs from the
	 * last byte it took (client_idle_cb drops it). */
	if (c->out.len > 0 && (sent || !ev_is_active(&c->idle))) {
		ev_timer_stop(c->sd->loop, &c->idle);
		ev_timer_set(&c->idle, ctl_idle_sec, 0.);
		ev_timer_start(c->sd->loop, &c->idle);
	} else if (c->out.len == 0 && sent && c->pending > 0) {
		ev_timer_stop(c->sd->loop, &c->idle);
	}
	client_update_events(c);
	return true;
}

static void
client_idle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl_client *c = w->data;

	(void)loop, (void)revents;
	if (c->out.len > 0) {
		log_notice(NULL, "control client pid %ld: %zu bytes of reply unread for %g s; dropped",
			   (long)c->pid, c->out.len, ctl_idle_sec);
		client_close(c);
		return;
	}
	proto_err(&c->out, PROTO_EUSAGE, "no complete request within %g s; closing",
		  client_idle_limit(c));
	c->closing = true;
	client_flush(c);
}

static void
client_arm_idle(struct ctl_client *c)
{
	ev_timer_stop(c->sd->loop, &c->idle);
	if (c->pending == 0 && !c->closing) {
		ev_timer_set(&c->idle, client_idle_limit(c), 0.);
		ev_timer_start(c->sd->loop, &c->idle);
	}
}

static void
client_read(struct ctl_client *c)
{
	for (;;) {
		ssize_t n;
		if (c->inlen == sizeof(c->in) && memchr(c->in, '\n', c->inlen) == NULL) {
			proto_err(&c->out, PROTO_EUSAGE,
				  "request longer than %d bytes; closing", PROTO_MAX_REQUEST);
			c->closing = true;
			c->inlen = 0;
			break;
		}
		if (c->inlen == sizeof(c->in))
			break;
		n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			client_close(c);
			return;
		}
		if (n == 0) {
			/* Half-closed: answer what is complete, drop the rest. */
			c->closing = true;
			break;
		}
		c->inlen += (size_t)n;
		if (memchr(c->in + c->inlen - (size_t)n, '\n', (size_t)n) != NULL)
			break;
	}
	client_process(c);
}

/* Input while a request waits: a client that has closed its connection is
 * dropped at once (its jobs go on; nobody is left to answer). A client
 * that only shut down its sending side, as socat does, still gets its
 * answer: on a Unix socket only a full close raises POLLHUP. A request
 * sent meanwhile is kept for later. */
static void
client_read_pending(struct ctl_client *c)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN | POLLRDHUP};
	ssize_t n;

	if (poll(&p, 1, 0) < 0) {
		log_warn_errno(NULL, "control client pid %ld: poll", (long)c->pid);
	} else if (p.revents & (POLLHUP | POLLERR)) {
		log_info(NULL, "control client pid %ld left before its answer; its job goes on",
			 (long)c->pid);
		client_close(c);
		return;
	}
	do
		n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno != EAGAIN) {
		client_close(c);
		return;
	}
	if (n == 0)
		c->closing = true; /* half-closed: the answer is still sent */
	else if (n > 0)
		c->inlen += (size_t)n;
	client_update_events(c);
}

static void
client_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *c = w->data;

	(void)loop;
	if (revents & EV_WRITE) {
		if (!client_flush(c))
			return;
		/* Requests that came while the last one waited. */
		if (c->pending == 0 && memchr(c->in, '\n', c->inlen) != NULL) {
			client_process(c);
			return;
		}
	}
	if ((revents & EV_READ) && !c->closing) {
		if (c->pending > 0)
			client_read_pending(c);
		else
			client_read(c);
	}
}

/* ---- units in replies ----------------------------------------------------- */

static bool
env_is_secret(const struct unit_config *cfg, const char *name, size_t len)
{
	static const char *const marks[] = {"PASSWORD", "PASSWD", "SECRET", "TOKEN",
					    "CREDENTIAL", "PRIVATE_KEY", "API_KEY"};
	char upper[256];

	if (len >= sizeof(upper))
		return true; /* never print what cannot be checked */
	for (size_t i = 0; i < len; i++)
		upper[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
	upper[len] = '\0';
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (strstr(upper, marks[i]) != NULL)
			return true;
	for (size_t i = 0; i < cfg->redact_environment.n; i++) {
		const char *r = cfg->redact_environment.v[i];
		if (strlen(r) == len && strncmp(r, name, len) == 0)
			return true;
	}
	return false;
}

static void
add_duration(struct buf *out, const char *key, uint64_t usec)
{
	char d[64];
	proto_kv(out, key, duration_format(usec, d, sizeof(d)));
}

static void
add_deps(struct buf *out, const char *key, const struct unit_deplist *l)
{
	struct buf v = {0};
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			buf_add(&v, " ", 1);
		buf_adds(&v, l->v[i].name);
	}
	proto_kv(out, key, v.data ? v.data : "");
	buf_free(&v);
}

static void
add_words(struct buf *out, const char *key, const struct strv *sv)
{
	struct buf v = {0};
	for (size_t i = 0; i < sv->n; i++) {
		if (i)
			buf_add(&v, " ", 1);
		buf_adds(&v, sv->v[i]);
	}
	proto_kv(out, key, v.data ? v.data : "");
	buf_free(&v);
}

/* UnsetEnvironment=: a NAME=VALUE whose name is a secret's shows its value
 * as <redacted>, as Environment= does. */
static void
add_unset_words(struct buf *out, const struct unit_config *cfg)
{
	const struct strv *sv = &cfg->unset_environment;
	struct buf v = {0};

	for (size_t i = 0; i < sv->n; i++) {
		const char *eq = strchr(sv->v[i], '=');
		if (i)
			buf_add(&v, " ", 1);
		if (eq != NULL && env_is_secret(cfg, sv->v[i], (size_t)(eq - sv->v[i]))) {
			buf_add(&v, sv->v[i], (size_t)(eq - sv->v[i]) + 1);
			buf_adds(&v, "<redacted>");
		} else {
			buf_adds(&v, sv->v[i]);
		}
	}
	proto_kv(out, "UnsetEnvironment", v.data ? v.data : "");
	buf_free(&v);
}

static void
add_limit(struct buf *out, const char *key, bool set, const uint64_t lim[2])
{
	char a[32], b[32];
	if (!set) {
		proto_kv(out, key, "");
		return;
	}
	snprintf(a, sizeof(a), "%llu", (unsigned long long)lim[0]);
	snprintf(b, sizeof(b), "%llu", (unsigned long long)lim[1]);
	proto_kvf(out, key, "%s:%s", lim[0] == RLIM_INFINITY ? "infinity" : a,
		  lim[1] == RLIM_INFINITY ? "infinity" : b);
}

static void
add_signals(struct buf *out, const char *key, unsigned mask)
{
	struct buf v = {0};
	for (int sig = 1; sig < 32; sig++)
		if (mask & (1u << sig)) {
			if (v.len)
				buf_add(&v, " ", 1);
			buf_adds(&v, signame_name(sig) + 3);
		}
	proto_kv(out, key, v.data ? v.data : "");
	buf_free(&v);
}

static void
add_time(struct buf *out, const char *key, ev_tstamp t)
{
	char s[64] = "";
	if (t > 0) {
		time_t secs = (time_t)t;
		struct tm tm;
		/* Neither strftime() (glibc's rereads /etc/localtime at every
		 * call) nor snprintf(): status of 10,000 units does this 10,000
		 * times. YYYY-MM-DDTHH:MM:SSZ */
		if (gmtime_r(&secs, &tm) != NULL && tm.tm_year + 1900 >= 0 && tm.tm_year + 1900 <= 9999) {
			int f[6] = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
				    tm.tm_hour, tm.tm_min, tm.tm_sec};
			char *p = s;
			for (int i = 0; i < 6; i++) {
				if (i == 0) {
					*p++ = (char)('0' + f[0] / 1000);
					*p++ = (char)('0' + f[0] / 100 % 10);
				}
				*p++ = (char)('0' + f[i] / 10 % 10);
				*p++ = (char)('0' + f[i] % 10);
				*p++ = "--T::Z"[i];
			}
			*p = '\0';
		}
	}
	proto_kv(out, key, s);
}

/* The runtime record: what status shows. */
static void
add_runtime(struct buf *out, const struct unit *u)
{
	struct superd *sd = u->sd;
	bool running = u->pid != 0 && (u->state == UNIT_ACTIVE || u->state == UNIT_STARTING ||
				       u->state == UNIT_RELOADING || u->state == UNIT_STOPPING);

	proto_kv(out, "Name", u->name);
	proto_kv(out, "Description", u->cfg->description ? u->cfg->description : "");
	proto_kv(out, "State", unit_state_name(u->state));
	proto_kv(out, "Reason", u->reason);
	proto_kv(out, "StatusText", u->status_text);
	proto_kv(out, "Ready", unit_is_ready(u) ? "yes" : "no");
	proto_kv(out, "WantedState", u->want_up ? "up" : "down");
	proto_kv_int(out, "MainPID", (long)u->pid);
	if (running && u->active_since > 0)
		proto_kv_int(out, "UptimeUSec", (long long)((ev_time() - u->active_since) * 1e6));
	else
		proto_kv(out, "UptimeUSec", "");
	add_time(out, "ActiveSince", running ? u->active_since : 0);
	proto_kv_int(out, "Restarts", u->restarts);
	if (u->has_last_status && WIFEXITED(u->last_status)) {
		proto_kv(out, "ExecMainCode", "exited");
		proto_kv_int(out, "ExecMainStatus", WEXITSTATUS(u->last_status));
		proto_kvf(out, "LastExit", "status=%d", WEXITSTATUS(u->last_status));
	} else if (u->has_last_status && WIFSIGNALED(u->last_status)) {
		proto_kv(out, "ExecMainCode", WCOREDUMP(u->last_status) ? "dumped" : "killed");
		proto_kv_int(out, "ExecMainStatus", WTERMSIG(u->last_status));
		proto_kvf(out, "LastExit", "signal=%s", signame_name(WTERMSIG(u->last_status)) + 3);
	} else {
		proto_kv(out, "ExecMainCode", "");
		proto_kv(out, "ExecMainStatus", "");
		proto_kv(out, "LastExit", "");
	}
	proto_kv_int(out, "BackoffStep", u->backoff_step);
	if (u->state == UNIT_BACKOFF) {
		double left = u->next_start_at - ev_now(sd->loop);
		proto_kv_int(out, "NextRestartUSec", (long long)(left > 0 ? left * 1e6 : 0));
	} else {
		proto_kv(out, "NextRestartUSec", "");
	}
}

/* Every setting, for show; secrets in the environment redacted. */
static void
add_settings(struct buf *out, const struct unit *u)
{
	const struct unit_config *c = u->cfg;
	struct buf v = {0};

	proto_kv(out, "FragmentPath", c->path);
	proto_kv(out, "Type", unitfile_type_name(c->type));
	/* As written: the expanded argv may hold a secret from Environment=. */
	for (size_t i = 0; i < c->exec_start.n; i++)
		proto_kv(out, "ExecStart", c->exec_start.v[i].text);
	proto_kv(out, "Restart", unitfile_restart_name(c->restart));
	add_duration(out, "RestartUSec", c->restart_usec);
	add_duration(out, "RestartMaxDelayUSec", c->restart_max_usec);
	add_duration(out, "RestartResetUSec", c->restart_reset_usec);
	proto_kv_int(out, "StartLimitBurst", c->start_limit_burst);
	add_duration(out, "StartLimitIntervalUSec", c->start_limit_interval_usec);
	proto_kv(out, "KillSignal", signame_name(c->kill_signal));
	proto_kv(out, "KillMode", unitfile_kill_mode_name(c->kill_mode));
	add_duration(out, "TimeoutStopUSec", c->timeout_stop_usec);
	add_duration(out, "TimeoutStartUSec", c->timeout_start_usec);
	proto_kv(out, "ReloadSignal", signame_name(c->reload_signal));
	add_signals(out, "ForwardSignals",
		    c->forward_signals_set ? c->forward_signals
					   : u->sd->config->conf.forward_signals);
	proto_kvf(out, "WorkingDirectory", "%s%s", c->working_directory_optional ? "-" : "",
		  c->working_directory ? c->working_directory : "");
	static const char *const dir_keys[3] = {"RuntimeDirectory", "StateDirectory",
						"LogsDirectory"};
	for (int i = 0; i < 3; i++) {
		char key[32];
		add_words(out, dir_keys[i], &c->dirs[i]);
		snprintf(key, sizeof(key), "%sMode", dir_keys[i]);
		proto_kvf(out, key, "%04o", (unsigned)c->dir_mode[i]);
	}
	if (c->umask_set)
		proto_kvf(out, "UMask", "%04o", (unsigned)c->umask);
	else
		proto_kv(out, "UMask", "");
	if (c->nice_set)
		proto_kv_int(out, "Nice", c->nice);
	else
		proto_kv(out, "Nice", "");
	proto_kv(out, "NoNewPrivileges", c->no_new_privileges ? "yes" : "no");
	add_limit(out, "LimitNOFILE", c->limit_nofile_set, c->limit_nofile);
	add_limit(out, "LimitCORE", c->limit_core_set, c->limit_core);
	add_limit(out, "LimitNPROC", c->limit_nproc_set, c->limit_nproc);
	proto_kv(out, "User", c->user ? c->user : "");
	proto_kv(out, "Group", c->group ? c->group : "");
	add_words(out, "SupplementaryGroups", &c->supplementary_groups);
	proto_kv(out, "PIDFile", c->pid_file ? c->pid_file : "");
	proto_kv(out, "WritePIDFile", c->write_pid_file ? c->write_pid_file : "");
	proto_kv(out, "StandardOutput", c->standard_output ? c->standard_output : "inherit");
	proto_kv(out, "StandardError", c->standard_error ? c->standard_error : "inherit");
	proto_kv(out, "NotifyAccess", c->notify_access == NOTIFY_ACCESS_ALL    ? "all"
				      : c->notify_access == NOTIFY_ACCESS_MAIN ? "main"
									: "none");
	add_duration(out, "WatchdogUSec", c->watchdog_usec);
	proto_kv(out, "RemainAfterExit", c->remain_after_exit ? "yes" : "no");
	proto_kv(out, "SuccessAction", c->success_action == UNIT_ACTION_EXIT ? "exit" : "none");
	proto_kv(out, "FailureAction", c->failure_action == UNIT_ACTION_EXIT ? "exit" : "none");
	for (size_t i = 0; i < c->nconditions; i++) {
		static const char *const kinds[] = {"PathExists", "PathIsDirectory",
						    "FileNotEmpty", "DirectoryNotEmpty"};
		const struct unit_condition *k = &c->conditions[i];
		char key[64];
		snprintf(key, sizeof(key), "%s%s", k->assert ? "Assert" : "Condition", kinds[k->kind]);
		proto_kvf(out, key, "%s%s%s", k->trigger ? "|" : "", k->negate ? "!" : "", k->path);
	}
	for (size_t i = 0; i < c->exec_start_pre.n; i++)
		proto_kv(out, "ExecStartPre", c->exec_start_pre.v[i].text);
	for (size_t i = 0; i < c->exec_start_post.n; i++)
		proto_kv(out, "ExecStartPost", c->exec_start_post.v[i].text);
	for (size_t i = 0; i < c->exec_reload.n; i++)
		proto_kv(out, "ExecReload", c->exec_reload.v[i].text);
	for (size_t i = 0; i < c->exec_stop.n; i++)
		proto_kv(out, "ExecStop", c->exec_stop.v[i].text);
	add_words(out, "EnvironmentFile", &c->environment_files);
	add_words(out, "PassEnvironment", &c->pass_environment);
	add_unset_words(out, c);
	add_words(out, "RedactEnvironment", &c->redact_environment);
	proto_kv(out, "AutoStart", c->auto_start ? "yes" : "no");
	add_deps(out, "After", &c->after);
	add_deps(out, "Before", &c->before);
	add_deps(out, "Requires", &c->requires);
	add_deps(out, "Wants", &c->wants);
	/* As systemd writes it: space-separated, an assignment with a space,
	 * quote or backslash in double quotes. */
	for (char **e = u->envp; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		bool secret = env_is_secret(c, *e, (size_t)(eq - *e));
		bool quote = !secret && strpbrk(*e, " \t\"\\") != NULL;
		if (v.len)
			buf_add(&v, " ", 1);
		if (quote)
			buf_add(&v, "\"", 1);
		buf_add(&v, *e, (size_t)(eq - *e) + 1);
		if (secret)
			buf_adds(&v, "<redacted>");
		else
			for (const char *p = eq + 1; *p; p++) {
				if (*p == '"' || *p == '\\')
					buf_add(&v, "\\", 1);
				buf_add(&v, p, 1);
			}
		if (quote)
			buf_add(&v, "\"", 1);
	}
	proto_kv(out, "Environment", v.data ? v.data : "");
	buf_free(&v);
}

/* ---- waiting for units ----------------------------------------------------- */

/* 1: reached, -1: will not be reached (why set), 0: not yet. */
static int
wait_check(const struct ctl_wait *w, const char **why)
{
	const struct unit *u = w->u;

	*why = u->reason;
	switch (w->kind) {
	case CTL_WAIT_RESTART:
		if (w->old_pid != 0 && u->pid == w->old_pid)
			return 0;
		/* fall through */
	case CTL_WAIT_START:
		if (unit_is_ready(u))
			return 1;
		if (u->state == UNIT_FAILED || u->state == UNIT_BACKOFF)
			return -1;
		/* Skipped by a condition counts as done, as in systemd, and so
		 * does a oneshot that finished. */
		if (u->state == UNIT_INACTIVE && !u->want_up)
			return strncmp(u->reason, "condition not met", 17) == 0 ||
					       strcmp(u->reason, "finished") == 0
				       ? 1
				       : -1;
		return 0;
	case CTL_WAIT_STOP:
		return !unit_has_process(u) && u->state != UNIT_STOPPING ? 1 : 0;
	case CTL_WAIT_RELOAD:
		if (u->state == UNIT_RELOADING)
			return 0;
		*why = u->reload_reason;
		return u->reload_failed ? -1 : 1;
	}
	return 0;
}

static void
client_finish_request(struct ctl_client *c)
{
	if (c->fail_code)
		proto_err(&c->out, c->fail_code, "%s", c->fail_msg);
	else
		proto_ok(&c->out);
	c->fail_code = 0;
	c->fail_msg[0] = '\0';
	client_arm_idle(c);
}

/* Take w off its unit and its client; record its outcome. */
static void
wait_done(struct ctl_wait *w, int result, const char *why)
{
	struct ctl_client *c = w->c;

	for (struct ctl_wait **p = &w->u->waits; *p; p = &(*p)->next_in_unit)
		if (*p == w) {
			*p = w->next_in_unit;
			break;
		}
	for (struct ctl_wait **p = &c->waits; *p; p = &(*p)->next_in_client)
		if (*p == w) {
			*p = w->next_in_client;
			break;
		}
	if (result < 0 && c->fail_code == 0) {
		c->fail_code = PROTO_EFAILED;
		snprintf(c->fail_msg, sizeof(c->fail_msg), "%s: %s%s%s", w->u->name,
			 w->kind == CTL_WAIT_STOP     ? "did not stop"
			 : w->kind == CTL_WAIT_RELOAD ? "reload failed"
						      : "start failed",
			 why && *why ? ": " : "", why ? why : "");
	}
	free(w);
	c->pending--;
	if (c->pending == 0 && !c->collecting) {
		client_finish_request(c);
		/* Written from the client's own callback, never from inside
		 * the state machine. */
		client_update_events(c);
	}
}

void
ctl_unit_changed(struct unit *u)
{
	struct ctl_wait *next;

	for (struct ctl_wait *w = u->waits; w; w = next) {
		const char *why;
		int r = wait_check(w, &why);
		next = w->next_in_unit;
		if (r != 0)
			wait_done(w, r, why);
	}
}

static void
client_wait(struct ctl_client *c, struct unit *u, enum ctl_wait_kind kind, pid_t old_pid)
{
	struct ctl_wait *w = calloc(1, sizeof(*w));
	const char *why;
	int r;

	if (w == NULL) {
		c->fail_code = PROTO_EFAILED;
		snprintf(c->fail_msg, sizeof(c->fail_msg), "out of memory");
		return;
	}
	w->c = c;
	w->u = u;
	w->kind = kind;
	w->old_pid = old_pid;
	w->next_in_unit = u->waits;
	u->waits = w;
	w->next_in_client = c->waits;
	c->waits = w;
	c->pending++;
	r = wait_check(w, &why);
	if (r != 0)
		wait_done(w, r, why);
}

/* ---- requests ------------------------------------------------------------ */

struct ctl_request {
	struct ctl_client *c;
	struct superd *sd;
	int argc;
	char **argv; /* argv[0] is the verb */
	struct buf *out;
};

/* Resolve unit names ("web" or "web.service"); ERR 4 names the first
 * unknown one. Duplicates are dropped. Returns the count, or -1. */
static int
resolve_units(struct ctl_request *r, int first, int last, struct unit **units)
{
	int n = 0;

	for (int i = first; i < last; i++) {
		char *name = unitfile_normalize_name(r->argv[i]);
		struct unit *u = name ? unit_find(r->sd, name) : NULL;
		free(name);
		if (u == NULL) {
			proto_err(r->out, PROTO_ENOUNIT, "no such unit: %s", r->argv[i]);
			return -1;
		}
		bool dup = false;
		for (int k = 0; k < n; k++)
			dup |= units[k] == u;
		if (!dup)
			units[n++] = u;
	}
	return n;
}

static void
req_version(struct ctl_request *r)
{
	proto_kv(r->out, "Version", PACKAGE_VERSION);
	proto_ok(r->out);
}

static void
req_health(struct ctl_request *r)
{
	if (r->sd->shutting_down)
		proto_err(r->out, PROTO_EFAILED, "superd is shutting down");
	else if (r->sd->starting > 0)
		proto_err(r->out, PROTO_EFAILED, "superd is starting: %zu unit(s) not settled yet",
			  r->sd->starting);
	else
		proto_ok(r->out);
}

static void
req_status(struct ctl_request *r)
{
	struct unit *units[PROTO_MAX_ARGS];
	bool full = strcmp(r->argv[0], "show") == 0;
	int n;

	if (r->argc == 1 && !full) {
		for (size_t i = 0; i < r->sd->nunits; i++) {
			if (i)
				buf_add(r->out, "\n", 1);
			add_runtime(r->out, r->sd->units[i]);
		}
		proto_ok(r->out);
		return;
	}
	if ((n = resolve_units(r, 1, r->argc, units)) < 0)
		return;
	const struct unit *inactive = NULL;
	for (int i = 0; i < n; i++) {
		if (i)
			buf_add(r->out, "\n", 1);
		add_runtime(r->out, units[i]);
		if (full)
			add_settings(r->out, units[i]);
		else if (!unit_is_ready(units[i]) && inactive == NULL)
			inactive = units[i];
	}
	/* status of named units carries superctl's exit code 3 on the wire
	 * too, after the data, so that socat users see the same answer. */
	if (inactive != NULL)
		proto_err(r->out, PROTO_ENOTACTIVE, "%s is %s", inactive->name,
			  unit_state_name(inactive->state));
	else
		proto_ok(r->out);
}

static void
req_is_active(struct ctl_request *r)
{
	struct unit *u;

	if (resolve_units(r, 1, 2, &u) < 0)
		return;
	if (unit_is_ready(u))
		proto_ok(r->out);
	else
		proto_err(r->out, PROTO_ENOTACTIVE, "%s is %s", u->name, unit_state_name(u->state));
}

static void
req_job(struct ctl_request *r)
{
	struct unit *units[PROTO_MAX_ARGS];
	const char *verb = r->argv[0];
	bool block = true;
	int first = 1, n;

	if (r->argc > 1 && strcmp(r->argv[1], "--no-block") == 0) {
		block = false;
		first = 2;
	}
	if (first >= r->argc) {
		proto_err(r->out, PROTO_EUSAGE, "%s needs at least one unit", verb);
		return;
	}
	if ((n = resolve_units(r, first, r->argc, units)) < 0)
		return;
	if (r->sd->shutting_down && strcmp(verb, "stop") != 0) {
		proto_err(r->out, PROTO_EFAILED, "superd is shutting down: %s refused", verb);
		return;
	}
	r->c->collecting = true;
	for (int i = 0; i < n; i++) {
		struct unit *u = units[i];
		pid_t old = u->pid;
		log_info(u->name, "%s requested by uid %ld (pid %ld)", verb, (long)r->c->uid,
			 (long)r->c->pid);
		if (strcmp(verb, "start") == 0) {
			unit_start(u);
			if (block)
				client_wait(r->c, u, CTL_WAIT_START, 0);
		} else if (strcmp(verb, "stop") == 0) {
			unit_stop_requested(u);
			if (block)
				client_wait(r->c, u, CTL_WAIT_STOP, 0);
		} else {
			unit_restart_requested(u);
			if (block)
				client_wait(r->c, u, CTL_WAIT_RESTART, old);
		}
	}
	r->c->collecting = false;
	if (r->c->pending == 0)
		client_finish_request(r->c);
}

static void
req_kill(struct ctl_request *r)
{
	struct unit *u;
	int sig = SIGTERM;

	if (resolve_units(r, 1, 2, &u) < 0)
		return;
	if (r->argc == 3 && (sig = signame_parse(r->argv[2])) < 0) {
		proto_err(r->out, PROTO_EUSAGE, "not a signal: %s", r->argv[2]);
		return;
	}
	if (unit_kill(u, sig) < 0) {
		if (errno == ESRCH)
			proto_err(r->out, PROTO_EFAILED, "%s has no process to signal", u->name);
		else
			proto_err(r->out, PROTO_EFAILED, "%s: cannot send %s: %s", u->name,
				  signame_name(sig), strerror(errno));
		return;
	}
	log_info(u->name, "%s sent by uid %ld", signame_name(sig), (long)r->c->uid);
	proto_ok(r->out);
}

static void
req_reload(struct ctl_request *r)
{
	struct unit *units[PROTO_MAX_ARGS];
	int n;

	if (r->argc == 1 || (r->argc == 2 && strcmp(r->argv[1], "--dry-run") == 0)) {
		bool dry = r->argc == 2;
		log_notice(NULL, "configuration reload%s requested by uid %ld", dry ? " (dry run)" : "",
			   (long)r->c->uid);
		if (reload_run(r->sd, dry, r->out) < 0)
			proto_err(r->out, PROTO_EFAILED,
				  "configuration invalid or reload impossible: nothing changed");
		else
			proto_ok(r->out);
		return;
	}
	if ((n = resolve_units(r, 1, r->argc, units)) < 0)
		return;
	for (int i = 0; i < n; i++)
		if (units[i]->pid == 0 || !unit_is_ready(units[i])) {
			proto_err(r->out, PROTO_EFAILED, "%s is not running", units[i]->name);
			return;
		}
	r->c->collecting = true;
	for (int i = 0; i < n; i++) {
		struct unit *u = units[i];
		log_info(u->name, "reload requested by uid %ld", (long)r->c->uid);
		if (unit_reload(u) < 0) {
			if (r->c->fail_code == 0) {
				r->c->fail_code = PROTO_EFAILED;
				snprintf(r->c->fail_msg, sizeof(r->c->fail_msg), "%s: cannot reload: %s",
					 u->name, errno == EBUSY ? "a reload is running" : strerror(errno));
			}
			continue;
		}
		if (u->state == UNIT_RELOADING)
			client_wait(r->c, u, CTL_WAIT_RELOAD, 0);
	}
	r->c->collecting = false;
	if (r->c->pending == 0)
		client_finish_request(r->c);
}

static void
req_shutdown(struct ctl_request *r)
{
	char why[64];

	proto_ok(r->out);
	snprintf(why, sizeof(why), "superctl shutdown by uid %ld", (long)r->c->uid);
	superd_shutdown(r->sd, why);
}

static const struct ctl_verb {
	const char *name;
	int min_args, max_args; /* not counting the verb */
	enum ctl_perm perm;
	void (*run)(struct ctl_request *r);
} ctl_verbs[] = {
	{"version", 0, 0, CTL_PERM_GROUP, req_version},
	{"health", 0, 0, CTL_PERM_GROUP, req_health},
	{"status", 0, PROTO_MAX_ARGS - 1, CTL_PERM_GROUP, req_status},
	{"show", 1, 1, CTL_PERM_GROUP, req_status},
	{"is-active", 1, 1, CTL_PERM_GROUP, req_is_active},
	{"start", 1, PROTO_MAX_ARGS - 1, CTL_PERM_GROUP, req_job},
	{"stop", 1, PROTO_MAX_ARGS - 1, CTL_PERM_GROUP, req_job},
	{"restart", 1, PROTO_MAX_ARGS - 1, CTL_PERM_GROUP, req_job},
	{"kill", 1, 2, CTL_PERM_GROUP, req_kill},
	{"reload", 0, PROTO_MAX_ARGS - 1, CTL_PERM_GROUP, req_reload},
	{"shutdown", 0, 0, CTL_PERM_FULL, req_shutdown},
};

static void
client_request(struct ctl_client *c, char *line)
{
	char *argv[PROTO_MAX_ARGS];
	struct ctl_request r = {.c = c, .sd = c->sd, .argv = argv, .out = &c->out};
	const struct ctl_verb *v = NULL;

	if (c->perm == CTL_PERM_NONE) {
		log_notice(NULL, "control client uid %ld (pid %ld) refused", (long)c->uid,
			   (long)c->pid);
		proto_err(&c->out, PROTO_EFAILED,
			  "permission denied: uid %ld is neither root, superd's user, nor in "
			  "SocketGroup=", (long)c->uid);
		c->closing = true;
		return;
	}
	r.argc = proto_split(line, argv, PROTO_MAX_ARGS);
	if (r.argc < 0) {
		proto_err(&c->out, PROTO_EUSAGE, "malformed request");
		return;
	}
	if (r.argc == 0) {
		proto_err(&c->out, PROTO_EUSAGE, "empty request");
		return;
	}
	for (size_t i = 0; i < sizeof(ctl_verbs) / sizeof(ctl_verbs[0]); i++)
		if (strcmp(ctl_verbs[i].name, argv[0]) == 0)
			v = &ctl_verbs[i];
	if (v == NULL) {
		/* Never echo arbitrary bytes back. */
		proto_err(&c->out, PROTO_EUSAGE, "unknown verb");
		return;
	}
	if (r.argc - 1 < v->min_args || r.argc - 1 > v->max_args) {
		proto_err(&c->out, PROTO_EUSAGE, "wrong number of arguments for %s", v->name);
		return;
	}
	if (c->perm < v->perm) {
		proto_err(&c->out, PROTO_EFAILED,
			  "permission denied: uid %ld may not %s (root and superd's own user only)",
			  (long)c->uid, v->name);
		return;
	}
	size_t before = c->out.len;
	v->run(&r);
	if (c->out.len - before >= CTL_LARGE_REPLY) {
		/* Counted by what is allocated, as that is what is held. */
		size_t others = 0;
		for (const struct ctl_client *o = c->sd->clients; o != NULL; o = o->next)
			if (o != c)
				others += o->out.cap;
		if (others + c->out.cap > CTL_MAX_UNREAD) {
			/* Give the memory back at once: this is when it is short. */
			if (before == 0) {
				buf_free(&c->out);
			} else {
				c->out.len = before;
				c->out.data[before] = '\0';
			}
			log_notice(NULL, "control client pid %ld: %s refused: %zu KiB of replies unread",
				   (long)c->pid, v->name, others >> 10);
			proto_err(&c->out, PROTO_EFAILED,
				  "superd is busy: %zu KiB of replies wait to be read by other "
				  "clients; try again later",
				  others >> 10);
		}
	}
}

/* Handle every complete line in the input, one request at a time. */
static void
client_process(struct ctl_client *c)
{
	while (c->pending == 0) {
		char *nl = memchr(c->in, '\n', c->inlen);
		if (nl == NULL)
			break;
		/* A NUL byte would cut the line short, and another request
		 * than the one sent would run: make it a control character
		 * like any other, which proto_split() refuses. */
		for (char *q = c->in; q < nl; q++)
			if (*q == '\0')
				*q = 0x7f;
		*nl = '\0';
		if (nl > c->in && nl[-1] == '\r')
			nl[-1] = '\0';
		size_t used = (size_t)(nl - c->in) + 1;
		client_request(c, c->in);
		memmove(c->in, c->in + used, c->inlen - used);
		c->inlen -= used;
		/* The idle deadline is for sending a request, never for a job
		 * superd itself is taking its time over. */
		if (c->pending == 0)
			client_arm_idle(c);
		else
			ev_timer_stop(c->sd->loop, &c->idle);
	}
	client_flush(c);
}

/* ---- the listener ------------------------------------------------------ */

/* Is gid among the groups of process pid, as /proc tells? */
static bool
peer_in_group_proc(pid_t pid, gid_t gid)
{
	char path[64], line[4096];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "Groups:", 7) != 0)
			continue;
		for (char *save = NULL, *w = strtok_r(line + 7, " \t\n", &save); w;
		     w = strtok_r(NULL, " \t\n", &save))
			if (strtoul(w, NULL, 10) == gid)
				found = true;
		break;
	}
	fclose(f);
	return found;
}

static void
client_new(struct superd *sd, int fd)
{
	struct ctl_client *c = calloc(1, sizeof(*c));
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (c == NULL) {
		close(fd);
		return;
	}
	c->sd = sd;
	c->fd = fd;
	c->pid = -1;
	c->uid = (uid_t)-1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
		c->uid = cred.uid;
		c->pid = cred.pid;
		if (cred.uid == 0 || cred.uid == geteuid())
			c->perm = CTL_PERM_FULL;
		else if (sd->ctl_have_gid) {
			gid_t groups[256];
			socklen_t glen = sizeof(groups);
			if (cred.gid == sd->ctl_gid)
				c->perm = CTL_PERM_GROUP;
			else if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0) {
				for (size_t i = 0; i < glen / sizeof(gid_t); i++)
					if (groups[i] == sd->ctl_gid)
						c->perm = CTL_PERM_GROUP;
			} else if (peer_in_group_proc(cred.pid, sd->ctl_gid)) {
				/* Before Linux 4.13, or more than 256 groups. */
				c->perm = CTL_PERM_GROUP;
			}
		}
	} else {
		log_warn_errno(NULL, "control client: SO_PEERCRED");
	}
	ev_io_init(&c->io, client_io_cb, fd, EV_READ);
	c->io.data = c;
	ev_init(&c->idle, client_idle_cb);
	c->idle.data = c;
	c->next = sd->clients;
	if (sd->clients)
		sd->clients->prev = c;
	sd->clients = c;
	/* A refused client is refused when its request arrives: closing now,
	 * with its request unread, would reset the connection and lose the
	 * answer. */
	ev_io_start(sd->loop, &c->io);
	client_arm_idle(c);
}

static void
ctl_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct superd *sd = ev_userdata(loop);

	(void)w, (void)revents;
	for (;;) {
		int fd = accept4(sd->ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd >= 0) {
			client_new(sd, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			/* The listener would stay readable: pause it, or the
			 * loop would spin. */
			log_warn_errno(NULL, "control socket: cannot accept; retrying in 1 s");
			ev_io_stop(loop, &sd->ctl_io);
			ev_timer_set(&sd->ctl_retry, CTL_ACCEPT_RETRY_SEC, 0.);
			ev_timer_start(loop, &sd->ctl_retry);
		} else if (errno != EAGAIN) {
			log_warn_errno(NULL, "control socket: accept");
		}
		return;
	}
}

static void
ctl_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct superd *sd = ev_userdata(loop);

	(void)w, (void)revents;
	ev_io_start(loop, &sd->ctl_io);
}

/* Create the directories above path that are missing (mode 0755). */
static int
mkdir_parents(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

/* Is a superd listening at path? Returns its PID (>0), 0 if nobody is
 * (the file may be stale), or -1 with errno when it cannot be told. */
static pid_t
probe_running(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t pid = -1;

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		pid = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 ? cred.pid : 1;
	} else if (errno == ECONNREFUSED || errno == ENOENT) {
		pid = 0;
	}
	int saved = errno;
	close(fd);
	errno = saved;
	return pid;
}

/* Take the lock file path + ".lock" (created if missing) for this superd's
 * lifetime. It is never removed: a superd that removed it at exit could
 * let two newcomers lock two different files. Returns 0; the PID of the
 * superd that holds it if the probe can name it, or -2 if it cannot; -1
 * on any other error (logged). */
static pid_t
lock_socket(struct superd *sd, const char *path)
{
	char lock[PATH_MAX];
	struct stat st;
	int fd;

	if ((size_t)snprintf(lock, sizeof(lock), "%s.lock", path) >= sizeof(lock)) {
		log_err(NULL, "control socket path too long for its lock file: %s", path);
		return -1;
	}
	fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
	if (fd < 0) {
		log_err_errno(NULL, "cannot open the control socket lock %s", lock);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		log_err_errno(NULL, "cannot stat the control socket lock %s", lock);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		log_err(NULL, "control socket lock %s is not a regular file; not starting", lock);
		close(fd);
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		int saved = errno;
		close(fd);
		if (saved == EWOULDBLOCK) {
			struct sockaddr_un sa = {.sun_family = AF_UNIX};
			strcpy(sa.sun_path, path);
			pid_t other = probe_running(&sa);
			return other > 0 ? other : -2;
		}
		errno = saved;
		log_err_errno(NULL, "cannot lock %s", lock);
		return -1;
	}
	sd->ctl_lock_fd = fd;
	return 0;
}

int
ctl_open(struct superd *sd, const char *path, mode_t mode, const char *group)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	pid_t other;
	mode_t old_umask;
	int fd;

	sd->ctl_fd = -1;
	const char *idle = getenv("SUPERD_CTL_IDLE_SEC");
	if (idle != NULL && atof(idle) > 0)
		ctl_idle_sec = atof(idle);
	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err(NULL, "control socket path too long (%zu bytes, at most %zu): %s",
			strlen(path), sizeof(sa.sun_path) - 1, path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	if (group != NULL) {
		struct group *gr = getgrnam(group);
		if (gr == NULL) {
			log_err(NULL, "SocketGroup=%s: no such group", group);
			return -1;
		}
		sd->ctl_gid = gr->gr_gid;
		sd->ctl_have_gid = true;
	}
	/* Only a socket is ever replaced at the path. Anything else there (a
	 * file, a directory, a symbolic link) is someone else's or a mistake
	 * in ControlSocket=; connecting through a link, or removing what it
	 * names, is not superd's to do. */
	struct stat st;
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		const char *what = S_ISLNK(st.st_mode) ? "a symbolic link"
				   : S_ISDIR(st.st_mode) ? "a directory"
							 : "a file";
		log_err(NULL, "%s exists and is not a socket (%s); not starting: remove it or "
			      "choose another ControlSocket=",
			path, what);
		return -1;
	}
	/* The default directory ($runstatedir) may not exist yet on a fresh
	 * system or under a local prefix. */
	if (mkdir_parents(path) < 0) {
		log_err_errno(NULL, "cannot create the directory of the control socket %s", path);
		return -1;
	}
	/* Probing the socket, then removing a stale one, then binding is not
	 * atomic: two superds started at once on a stale file could both get
	 * past the probe. The lock beside the socket decides which one runs;
	 * it is held until superd exits. */
	if ((other = lock_socket(sd, path)) != 0) {
		if (other > 0)
			log_err(NULL, "another superd (pid %ld) is already running on %s; not starting",
				(long)other, path);
		else if (other == -2)
			log_err(NULL, "another superd is already running on %s (it holds %s.lock); "
				      "not starting", path, path);
		return other > 0 ? -2 : other;
	}
	other = probe_running(&sa);
	if (other > 0) {
		/* A superd that does not take the lock (an older version). */
		log_err(NULL, "another superd (pid %ld) is already running on %s; not starting",
			(long)other, path);
		return -2;
	}
	if (other < 0) {
		log_err_errno(NULL, "cannot check the control socket %s", path);
		return -1;
	}
	/* Nobody answers: a stale socket file from a superd that died. */
	if (unlink(path) == 0)
		log_notice(NULL, "removed stale control socket %s", path);
	else if (errno != ENOENT) {
		log_err_errno(NULL, "cannot remove stale control socket %s", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		log_err_errno(NULL, "control socket");
		return -1;
	}
	/* Created with SocketMode= by bind() itself: a chmod(2) by path
	 * afterwards would follow a link swapped in meanwhile. The group is
	 * set without following one either; until then the peer check of
	 * every request still applies. */
	old_umask = umask(~mode & 0777);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		umask(old_umask);
		log_err_errno(NULL, "cannot bind the control socket %s", path);
		close(fd);
		return -1;
	}
	umask(old_umask);
	if (lstat(path, &st) < 0 ||
	    (sd->ctl_have_gid &&
	     fchownat(AT_FDCWD, path, (uid_t)-1, sd->ctl_gid, AT_SYMLINK_NOFOLLOW) < 0) ||
	    listen(fd, 128) < 0) {
		log_err_errno(NULL, "cannot set up the control socket %s", path);
		close(fd);
		unlink(path);
		return -1;
	}
	sd->ctl_fd = fd;
	sd->ctl_path = strdup(path);
	sd->ctl_dev = st.st_dev;
	sd->ctl_ino = st.st_ino;
	ev_io_init(&sd->ctl_io, ctl_accept_cb, fd, EV_READ);
	ev_io_start(sd->loop, &sd->ctl_io);
	ev_init(&sd->ctl_retry, ctl_retry_cb);
	log_info(NULL, "control socket %s (mode %04o%s%s)", path, (unsigned)mode,
		 group ? ", group " : "", group ? group : "");
	return 0;
}

void
ctl_close(struct superd *sd)
{
	while (sd->clients != NULL) {
		struct ctl_client *c = sd->clients;
		/* A last word for whoever still waits on a job. */
		if (c->pending > 0) {
			client_cancel_waits(c);
			proto_err(&c->out, PROTO_EFAILED, "superd exited");
			(void)send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
		}
		client_close(c);
	}
	if (sd->ctl_fd >= 0) {
		ev_io_stop(sd->loop, &sd->ctl_io);
		ev_timer_stop(sd->loop, &sd->ctl_retry);
		close(sd->ctl_fd);
		sd->ctl_fd = -1;
	}
	if (sd->ctl_path != NULL) {
		/* Remove the socket superd made, not what replaced it since
		 * (another superd's socket, or anything else). */
		struct stat st;
		if (lstat(sd->ctl_path, &st) == 0 &&
		    (st.st_dev != sd->ctl_dev || st.st_ino != sd->ctl_ino))
			log_notice(NULL, "control socket %s was replaced by another file; left in place",
				   sd->ctl_path);
		else if (unlink(sd->ctl_path) < 0 && errno != ENOENT)
			log_warn_errno(NULL, "cannot remove control socket %s", sd->ctl_path);
		free(sd->ctl_path);
		sd->ctl_path = NULL;
	}
	/* The lock file itself stays: see lock_socket(). */
	if (sd->ctl_lock_fd >= 0) {
		close(sd->ctl_lock_fd);
		sd->ctl_lock_fd = -1;
	}
}
