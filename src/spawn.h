/* spawn: start one process for a unit.
 *
 * Everything is decided before fork(): the resolved path, argv, envp, the
 * working directory and the limits. Between fork and exec the child makes
 * only async-signal-safe calls: it resets every signal disposition and the
 * mask, becomes the leader of its own session and process group, points
 * stdin at /dev/null, marks every other inherited fd close-on-exec, applies
 * umask, limits and directory, then execs. A failure is written to a
 * close-on-exec pipe as {stage, errno} and the child exits 127; a pipe that
 * closes with nothing in it means the exec succeeded. */
#ifndef SUPERD_SPAWN_H
#define SUPERD_SPAWN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

enum spawn_stage {
	SPAWN_STAGE_NONE,
	SPAWN_STAGE_SETSID,
	SPAWN_STAGE_STDIO,
	SPAWN_STAGE_FDS,
	SPAWN_STAGE_UMASK,
	SPAWN_STAGE_LIMITS,	  /* another resource than these three: */
	SPAWN_STAGE_LIMIT_NOFILE,
	SPAWN_STAGE_LIMIT_CORE,
	SPAWN_STAGE_LIMIT_NPROC,
	SPAWN_STAGE_NICE,
	SPAWN_STAGE_NO_NEW_PRIVS,
	SPAWN_STAGE_CHDIR,
	SPAWN_STAGE_GROUPS,
	SPAWN_STAGE_GID,
	SPAWN_STAGE_UID,
	SPAWN_STAGE_EXEC,
};

/* What the child reports on failure. */
struct spawn_failure {
	int stage; /* enum spawn_stage */
	int err;   /* errno */
};

struct spawn_limit {
	int resource;
	struct rlimit lim;
};

struct spawn_plan {
	const char *path;	/* resolved executable */
	char *const *argv;
	char *const *envp;
	const char *cwd;	/* NULL: superd's own */
	bool cwd_optional;
	int devnull;		/* open on /dev/null, for stdin */
	int stdout_fd;		/* -1: inherit superd's */
	int stderr_fd;		/* -1: inherit superd's */
	bool set_umask;
	mode_t umask;
	bool set_nice;
	int nice;
	bool no_new_privs;
	const struct spawn_limit *limits;
	size_t nlimits;
	/* Credentials, resolved before fork; set_ids false: superd's own. */
	bool set_ids;
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t ngroups;
};

/* Fork and exec per plan. On success returns the child's PID and stores the
 * read end of the status pipe (non-blocking, close-on-exec) in *status_fd.
 * Returns -1 with errno if no child could be created. */
pid_t spawn_start(const struct spawn_plan *plan, int *status_fd);

/* Resolve a bare command name against a PATH value (the first executable
 * match; only absolute PATH entries count; path_value may be NULL). Returns
 * a new string: a copy of name if it has a '/'; "" if nothing matched, so that
 * exec fails with ENOENT instead of finding the name in the working
 * directory; NULL on ENOMEM. */
char *spawn_resolve(const char *name, const char *path_value);

const char *spawn_stage_name(int stage);

#endif
