/* unit: a unit at run time, and its state machine.
 *
 * States (shown by status as State=):
 *
 *   inactive  No process. Either nothing is wanted, or a start is wanted
 *             and waits for a unit it is ordered After= (reason says which).
 *   starting  The main process is forked: for Type=exec not yet exec'd,
 *             for Type=notify no READY=1 yet, for Type=oneshot its commands
 *             still run. TimeoutStartSec= bounds notify and oneshot.
 *   active    Running and ready. Type=simple is ready at fork, Type=exec
 *             once exec succeeded.
 *   stopping  The stop signal has been sent (a stop request, or cleanup of
 *             the rest of the process group after the main process died);
 *             TimeoutStopSec= runs, then SIGKILL to the whole group. The
 *             state ends when the main process and its group are gone.
 *   backoff   Waiting RestartSec= (doubling up to RestartMaxDelaySec=) to
 *             restart after a crash or an exec failure.
 *   failed    Gave up: Restart= says no after a failure, the start limit was
 *             hit, a Requires= unit is missing or failed, or an Assert*=
 *             failed. Reason says which.
 *   exited    A Type=oneshot unit with RemainAfterExit=yes whose commands
 *             all succeeded (a oneshot without it ends inactive,
 *             reason "finished").
 *   reloading ExecReload= runs, or a notify unit said RELOADING=1.
 *
 * Wanted state (want_up) is kept apart from the actual state: requests
 * change what is wanted, and the machine moves towards it. Every state
 * change goes through unit_set_state(), which records why, and which arms
 * or cancels the unit's one timer: it runs only while the unit waits
 * (backoff, stopping), never in steady states. */
#ifndef SUPERD_UNIT_H
#define SUPERD_UNIT_H

#include "superd.h"
#include "unitfile.h"

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum unit_state {
	UNIT_INACTIVE,
	UNIT_STARTING,
	UNIT_ACTIVE,
	UNIT_RELOADING,
	UNIT_STOPPING,
	UNIT_BACKOFF,
	UNIT_FAILED,
	UNIT_EXITED,
};

/* What happens once a stopping unit's processes are all gone. */
enum unit_after_stop {
	UNIT_THEN_INACTIVE,
	UNIT_THEN_RESTART, /* backoff, then start */
	UNIT_THEN_FAILED,
	UNIT_THEN_EXITED,  /* oneshot done, RemainAfterExit=yes */
	UNIT_THEN_DONE,	   /* oneshot done: inactive, and the start succeeded */
};

struct unit_refs {
	struct unit **v;
	size_t n;
};

struct unit {
	struct superd *sd;
	const struct unit_config *cfg;
	const char *name; /* cfg->name */

	enum unit_state state;
	bool want_up;
	enum unit_after_stop after_stop;

	pid_t pid;  /* main process; 0 if none */
	pid_t pgid; /* process group still to clean up; 0 if none */
	int status_fd; /* exec status pipe, -1 if none */
	ev_io status_io;
	ev_timer timer;
	bool sigkilled;  /* the stop timeout fired */
	bool running;	 /* counted in sd->nrunning: has a process or group */
	bool first_start; /* counted in sd->starting */
	bool stop_requested; /* this run ends because superd stopped it */
	bool visited;	     /* scratch mark of one walk over the graph */
	bool restart_pending; /* a restart's stop waits for units ordered after */
	bool pidfile_wait;   /* forking: parent gone, PIDFile= not there yet */
	char *pid_file_written; /* WritePIDFile= as written (a reload may rename it) */
	char *pid_file_read;	/* PIDFile= the daemon was found by */

	/* Ordering, resolved both ways: units this one starts after, and the
	 * units that start after this one. */
	struct unit_refs after, before, requires;
	struct unit_refs required_by; /* the units whose Requires= names this one */
	const char *missing_requires; /* a Requires= unit that does not exist */

	/* Runtime facts for status. */
	unsigned restarts;	/* automatic restarts so far */
	unsigned backoff_step;
	uint64_t next_delay_usec;
	ev_tstamp next_start_at; /* monotonic; while in backoff */
	ev_tstamp started_mono;	 /* when the current process was forked */
	ev_tstamp active_since;	 /* wall clock, for show */
	int last_status;	 /* wait status of the last exit */
	bool has_last_status;
	int exec_errno;		 /* exec failure of the current run, 0 if none */
	int exec_stage;
	char *reason;		 /* why it is in its state; never NULL (unit_text_set) */

	/* Start limit: times of the last StartLimitBurst= starts (a ring). */
	ev_tstamp *start_times;
	unsigned start_count;

	char **envp; /* built once at load */
	struct unit *next_group_waiter, *prev_group_waiter;
	bool in_group_waiters;
	struct unit *next_queued;
	bool queued;
	ev_tstamp stop_deadline; /* when STOPPING turns to SIGKILL; 0: never */
	/* Control clients waiting for this unit to reach a state (ctl.c);
	 * told of every state change while non-NULL. */
	struct ctl_wait *waits;
	size_t oneshot_index;	 /* which ExecStart= of a oneshot runs */
	char *status_text;	 /* STATUS= from a notify unit; never NULL */
	/* The ExecReload= process running now (a "control process"), which
	 * of the commands it is, and how the last reload went. */
	pid_t control_pid;
	int control_fd;
	size_t control_index;
	int control_kind; /* enum unit_control in unit.c; 0: none (or aborted) */
	bool reload_failed;
	char *reload_reason; /* never NULL */
	/* Removed by a reload: no longer in sd->units or the name map; it owns
	 * its config and is freed once its processes are gone. */
	struct unit_config *owned_cfg;
};

/* Set up the start queue's watchers; call once before unit_create_all. */
void unit_queue_init(struct superd *sd);

/* Create the runtime units for sd->config and link their dependencies.
 * Returns 0 or -1 (ENOMEM). */
int unit_create_all(struct superd *sd);
void unit_free_all(struct superd *sd);

/* For reload: a new runtime unit (not linked, not in any table); switch a
 * unit to a new config (its state, PID and backoff stay); free one. */
struct unit *unit_new(struct superd *sd, const struct unit_config *cfg);
char **unit_build_envp(const struct unit_config *cfg); /* NULL: ENOMEM */
void unit_free_envp(char **envp);
/* Cannot fail: envp comes from unit_build_envp(cfg). */
void unit_adopt_config(struct unit *u, const struct unit_config *cfg, char **envp);
/* unit_find with a void * context, for unit_link. */
struct unit *unit_find_cb(void *sd, const char *name);
void unit_free(struct unit *u);
/* Ordering links: drop all of u's; link u by its config's names, looked up
 * with find. Returns 0 or -1 (ENOMEM). */
void unit_unlink(struct unit *u);
int unit_link(struct unit *u, struct unit *(*find)(void *ctx, const char *name), void *ctx);
/* Start these units and what they pull in, in dependency order. */
void unit_start_list(struct unit **v, size_t n);
struct unit *unit_find(struct superd *sd, const char *name);

/* Requests. start pulls in Requires=/Wants= units too; a start of a unit
 * that is not up, and every restart, set the backoff back to RestartSec=. */
void unit_start(struct unit *u);
/* Start every AutoStart=yes unit, in dependency order. */
void unit_start_autostart(struct superd *sd);
void unit_stop(struct unit *u);
/* After a reload changed the ordering, or the last removed unit is gone:
 * every unit that waited to start, stop or restart on a unit it is no
 * longer ordered against looks again. Stops wait while removed units are
 * still stopping (they were ordered against those), then go on. */
void unit_recheck_all(struct superd *sd);

/* Stop if running, then start again (a unit in backoff starts at once). */
void unit_restart(struct unit *u);
/* What an operator's stop or restart does, as in systemd: the same to
 * every unit that Requires= this one (and to theirs in turn) and wants to
 * run. Returns how many units that was besides u. */
size_t unit_stop_requested(struct unit *u);
size_t unit_restart_requested(struct unit *u);
/* Send sig to the unit's process group (main process only with
 * KillMode=process). Returns 0, or -1 with errno (ESRCH: nothing running). */
int unit_kill(struct unit *u, int sig);
bool unit_is_ready(const struct unit *u);
/* Reload the unit itself: run ExecReload= (state reloading until it is done;
 * reload_failed and reload_reason tell how it went) or send ReloadSignal= to
 * the main process. Returns 0, or -1 with errno: ESRCH (not running), EBUSY
 * (a reload runs), or what fork or kill said. */
int unit_reload(struct unit *u);

/* A datagram on the NOTIFY_SOCKET from pid (notify.c's server). */
void unit_notify_message(struct superd *sd, pid_t pid, char *msg);

/* Events. */
void unit_child_exited(struct superd *sd, pid_t pid, int status);

/* Whether the unit still has any process (main or group). */
bool unit_has_process(const struct unit *u);
/* SIGKILL everything of the unit now (shutdown deadline). */
void unit_kill_all(struct unit *u);

const char *unit_state_name(enum unit_state s);

#endif
