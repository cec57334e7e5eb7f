/* superd: the one root object. main() owns it; callbacks reach it through
 * ev_userdata() or their unit. */
#ifndef SUPERD_SUPERD_H
#define SUPERD_SUPERD_H

#include "config.h"
#include "hashmap.h"

#include <ev.h>
#include <stdbool.h>
#include <sys/resource.h>

struct unit;
struct ctl_client;

struct superd {
	struct ev_loop *loop;
	struct config *config;

	struct unit **units; /* in config order (sorted by name) */
	size_t nunits;
	struct unit **removed; /* removed by a reload, still stopping */
	size_t nremoved;
	struct config_paths paths; /* what the command line said, for reload */
	int verbosity;		   /* -v: 1, -q: -1; overrides LogLevel= */
	struct hashmap units_by_name; /* "web.service" -> unit */
	struct hashmap units_by_pid;  /* main PID -> unit */
	struct hashmap units_by_pgid; /* process group -> unit (NotifyAccess=all, PIDFile=) */

	/* Units whose main process is gone but whose process group still has
	 * members; checked once per loop iteration in which orphans were
	 * reaped (orphans_reaped), not once per orphan. */
	struct unit *group_waiters;
	bool orphans_reaped;

	/* Units to try to start, in order. Starting one unit can let others
	 * start; they are queued, never started recursively, so that a chain
	 * of 10,000 After= units needs no deeper stack than one. The queue is
	 * drained before each poll, a batch at a time so that the loop reads
	 * exec reports (and frees their fds) between batches. */
	struct unit *queue_head, *queue_tail;
	ev_prepare queue_prepare;
	ev_idle queue_idle; /* active only while the queue can make progress */
	size_t status_pipes;	/* exec reports not yet read (one fd each) */
	size_t max_status_pipes; /* bound on those, from the open-file limit */
	unsigned starts_since_trim; /* spawns since the heap was last trimmed */

	ev_child child_watcher; /* every child, PID 0 */
	ev_signal sig_term, sig_int, sig_hup, sig_quit, sig_usr1, sig_usr2, sig_winch;
	ev_timer shutdown_deadline; /* ShutdownTimeoutSec= from the start of shutdown */
	ev_timer shutdown_delay;    /* ShutdownDelaySec= before the first stop signal */
	ev_timer shutdown_grace;    /* after the final SIGKILL: how long to wait for reaping */
	bool orphans_signalled; /* at shutdown: SIGTERM sent to the orphans */
	bool orphans_waiting;	/* and some were there: exit once all are reaped */
	int orphan_signal;	/* what orphans get now: SIGTERM, then SIGKILL */
	int orphans_pid1_signal; /* as PID 1: the last signal sent to all (kill -1) */
	/* Orphans signalled so far: PID, or -PGID for a whole group. A
	 * newcomer (reparented when its parent died) gets the signal too,
	 * once. Filled at shutdown only. */
	struct hashmap orphans_done;

	size_t nrunning; /* units that have a process (main or group) */
	/* AutoStart units whose first start has not settled (ready, failed,
	 * backing off or skipped): superd is ready (health) at zero. */
	size_t starting;
	bool notified_ready; /* READY=1 sent to systemd */
	bool notify_systemd; /* NOTIFY_SOCKET is set: systemd listens */
	ev_timer notify_status; /* STATUS= after changes, at most once a second */
	char notify_status_sent[160];
	int notify_fd;	     /* NOTIFY_SOCKET for units; 0: not created */
	ev_io notify_io;
	char notify_path[64];
	ev_timer watchdog;   /* systemd's WatchdogSec= pings, when asked */
	struct rlimit nofile; /* as superd found it: what children get */
	/* The control socket (ctl.c). */
	int ctl_fd;
	ev_io ctl_io;
	ev_timer ctl_retry; /* accept paused after EMFILE */
	char *ctl_path;
	dev_t ctl_dev; /* the socket file superd created: removed at exit */
	ino_t ctl_ino; /* only while it is still that file */
	int ctl_lock_fd; /* flock on ctl_path + ".lock": one superd per socket */
	struct ctl_client *clients;
	gid_t ctl_gid;
	bool ctl_have_gid;

	int devnull;
	char *pid_file; /* written by us: removed on every exit path */

	bool shutting_down;
	bool stopping_units; /* past ShutdownDelaySec= */
	bool forced;	     /* something had to be SIGKILLed during shutdown */
	/* SuccessAction=/FailureAction=exit: shut down, exiting with the unit's
	 * status. Set by the state machine, acted on before the next poll. */
	bool action_pending;
	bool action_exit;
	char action_why[128];
	int exit_code;
};

/* Begin graceful shutdown (SPEC §4); idempotent. */
void superd_shutdown(struct superd *sd, const char *why);
/* Called by the state machine whenever a unit has released its last
 * process, so that shutdown can finish. */
void superd_unit_released(struct superd *sd);
/* Some children that are no unit's were reaped (unit_drain_queue). */
void superd_orphans_reaped(struct superd *sd);

#endif
