/* unitfile: one NAME.service file parsed into an immutable unit_config.
 *
 * The parser keeps going after an error so that one --check lists every
 * problem; each is recorded as FILE:LINE: in the diag list. A config with
 * errors is never used. */
#ifndef SUPERD_UNITFILE_H
#define SUPERD_UNITFILE_H

#include "diag.h"
#include "execcmd.h"
#include "strv.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum service_type {
	SERVICE_SIMPLE,
	SERVICE_EXEC,
	SERVICE_NOTIFY,
	SERVICE_FORKING,
	SERVICE_ONESHOT,
};

enum restart_policy {
	RESTART_NO,
	RESTART_ALWAYS,
	RESTART_ON_FAILURE,
	RESTART_ON_ABNORMAL,
	RESTART_ON_SUCCESS,
	RESTART_ON_ABORT,    /* an unclean signal only */
	RESTART_ON_WATCHDOG, /* a WatchdogSec= timeout only */
};

enum kill_mode {
	KILL_PROCESS_GROUP,
	KILL_MIXED,
	KILL_PROCESS,
};

enum notify_access {
	NOTIFY_ACCESS_DEFAULT,
	NOTIFY_ACCESS_NONE,
	NOTIFY_ACCESS_MAIN, /* and "exec": superd's control processes never notify */
	NOTIFY_ACCESS_ALL,
};

enum unit_action {
	UNIT_ACTION_NONE,
	UNIT_ACTION_EXIT,
};

/* A dependency as written: the normalised unit name and where. */
struct unit_dep {
	char *name;
	unsigned line;
};

struct unit_deplist {
	struct unit_dep *v;
	size_t n;
};

/* A command line as written, split once the whole file (and so the whole
 * environment) is known. */
struct unit_execlist {
	struct execcmd *v;
	size_t n;
};

enum condition_kind {
	COND_PATH_EXISTS,
	COND_PATH_IS_DIRECTORY,
	COND_FILE_NOT_EMPTY,
	COND_DIRECTORY_NOT_EMPTY,
};

struct unit_condition {
	enum condition_kind kind;
	bool negate;  /* "!" prefix */
	bool trigger; /* "|" prefix: any one trigger condition suffices */
	bool assert;  /* Assert*: failure fails the unit */
	char *path;
};

struct unit_config {
	char *name; /* "web.service" */
	char *path; /* the file it came from */

	/* [Unit] */
	char *description;
	struct unit_deplist after, before, requires, wants;
	struct unit_condition *conditions;
	size_t nconditions;
	enum unit_action success_action, failure_action;

	/* [Service] */
	enum service_type type;
	struct unit_execlist exec_start, exec_start_pre, exec_start_post,
		exec_reload, exec_stop;
	enum restart_policy restart;
	uint64_t restart_usec;
	uint64_t restart_max_usec;
	uint64_t restart_reset_usec;
	unsigned start_limit_burst;
	uint64_t start_limit_interval_usec;
	int kill_signal;
	enum kill_mode kill_mode;
	uint64_t timeout_stop_usec;  /* DURATION_INFINITY: never SIGKILL */
	uint64_t timeout_start_usec;
	int reload_signal;
	unsigned forward_signals; /* bitmask by signal number; see unitfile_forwardable() */
	bool forward_signals_set;
	char *pid_file;
	char *write_pid_file;
	int notify_access; /* NOTIFY_ACCESS_*; DEFAULT: main for notify, else none */
	uint64_t watchdog_usec;
	char *user, *group;
	struct strv supplementary_groups;
	char *working_directory; /* "~" is the user's home; NULL: superd's own */
	bool working_directory_optional; /* "-" prefix */
	mode_t umask;
	bool umask_set;
	/* RuntimeDirectory=, StateDirectory=, LogsDirectory= and their modes. */
	struct strv dirs[3];
	mode_t dir_mode[3];
	/* Their full paths, ':'-separated, as RUNTIME_DIRECTORY= and friends
	 * give them to the unit (and ${RUNTIME_DIRECTORY} in Exec lines); NULL
	 * where none is set. */
	char *dir_paths[3];
	struct strv environment; /* "NAME=value", later ones win */
	struct strv environment_files;
	struct strv pass_environment;
	struct strv unset_environment;
	struct strv redact_environment;
	char *standard_output, *standard_error;
	bool remain_after_exit;
	bool auto_start;
	/* Limits: RLIM_INFINITY allowed; set flags say whether to touch them. */
	bool limit_nofile_set, limit_core_set, limit_nproc_set;
	uint64_t limit_nofile[2], limit_core[2], limit_nproc[2]; /* soft, hard */
	bool nice_set;
	int nice;
	bool no_new_privileges;
	/* Lines of sections, for messages about what is missing. */
	unsigned service_line;
	uint64_t content_hash; /* of the file's bytes */
};

/* Whether a and b start the same process: same Exec*=, Type=, environment,
 * credentials, directory and limits (SPEC §5.1: a difference there restarts
 * the unit on reload; any other difference applies in place). */
bool unitfile_same_process(const struct unit_config *a, const struct unit_config *b);

/* Whether superd can relay sig per ForwardSignals=. */
bool unitfile_forwardable(int sig);

/* Parse path as unit name (normalised "NAME.service"). Problems go to d.
 * Returns the config, or NULL if it could not be built at all (out of
 * memory, unreadable: reported in d). A config returned while d has errors
 * must not be used. */
struct unit_config *unitfile_load(const char *path, const char *name,
				  struct diag *d);
void unitfile_free(struct unit_config *c);

/* Normalise a unit name as dependency keys and superctl take it: "web" and
 * "web.service" are both "web.service". Returns a new string, or NULL with
 * errno: EINVAL for an invalid name, EPROTONOSUPPORT for a systemd unit type
 * superd does not have (".target", ".socket", ...), ENOMEM. */
char *unitfile_normalize_name(const char *name);

/* Whether name (with its ".service") is a valid unit file name. */
bool unitfile_valid_name(const char *name);

/* $MAINPID is known only when a command runs: at load it expands to this
 * marker, which the spawn replaces with the main PID. */
#define UNITFILE_MAINPID_MARK "\x1fMAINPID\x1f"
/* So are $HOME, $USER, $LOGNAME and $SHELL of a unit with User= that does
 * not set them itself: they come from the user's entry when the command
 * starts (as systemd, which expands a command when it forks it). Each
 * expands to its name between two of these at load; the spawn replaces
 * that with the value the process's environment gets. */
#define UNITFILE_MARK '\x1f'

/* A unit's PATH where it sets none (systemd's). */
#define UNITFILE_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The base of RuntimeDirectory= (kind 0), StateDirectory= (1) and
 * LogsDirectory= (2): /run, /var/lib, /var/log as root; the user's XDG
 * directories otherwise. */
void unitfile_dir_base(int kind, char *buf, size_t size);

/* Does UnsetEnvironment= take the assignment "NAME=value" away (by its
 * name, or as that exact assignment)? */
bool unitfile_unsets(const struct unit_config *c, const char *assignment);

/* Look name up in the unit's Environment= (last assignment wins). */
const char *unitfile_getenv(const struct unit_config *c, const char *name,
			    size_t len);

const char *unitfile_type_name(enum service_type t);
const char *unitfile_restart_name(enum restart_policy r);
const char *unitfile_kill_mode_name(enum kill_mode m);

#endif
