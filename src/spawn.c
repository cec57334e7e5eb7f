#include "spawn.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

const char *
spawn_stage_name(int stage)
{
	switch (stage) {
	case SPAWN_STAGE_SETSID: return "setsid";
	case SPAWN_STAGE_STDIO: return "setting up stdin, stdout and stderr";
	case SPAWN_STAGE_FDS: return "closing descriptors";
	case SPAWN_STAGE_UMASK: return "umask";
	case SPAWN_STAGE_LIMITS: return "setting resource limits";
	case SPAWN_STAGE_LIMIT_NOFILE: return "setting LimitNOFILE=";
	case SPAWN_STAGE_LIMIT_CORE: return "setting LimitCORE=";
	case SPAWN_STAGE_LIMIT_NPROC: return "setting LimitNPROC=";
	case SPAWN_STAGE_NICE: return "setting Nice=";
	case SPAWN_STAGE_NO_NEW_PRIVS: return "setting NoNewPrivileges=";
	case SPAWN_STAGE_CHDIR: return "changing to WorkingDirectory=";
	case SPAWN_STAGE_GROUPS: return "setting the groups (User=, Group=, SupplementaryGroups=)";
	case SPAWN_STAGE_GID: return "setting Group=";
	case SPAWN_STAGE_UID: return "setting User=";
	case SPAWN_STAGE_EXEC: return "executing";
	default: return "starting";
	}
}

char *
spawn_resolve(const char *name, const char *path_value)
{
	if (strchr(name, '/') != NULL)
		return strdup(name);
	for (const char *p = path_value ? path_value : ""; *p;) {
		const char *colon = strchr(p, ':');
		size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
		char *cand;
		if (dlen > 0 && p[0] == '/') {
			if (asprintf(&cand, "%.*s/%s", (int)dlen, p, name) < 0)
				return NULL;
			struct stat st;
			if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
			    access(cand, X_OK) == 0)
				return cand;
			free(cand);
		}
		if (colon == NULL)
			break;
		p = colon + 1;
	}
	/* Not the bare name: execve() would look for it relative to the
	 * working directory (WorkingDirectory=, perhaps writable by others),
	 * a lookup PATH never asked for. The empty path fails with ENOENT. */
	return strdup("");
}

/* glibc's sigaction() refuses the two real-time signals it reserves for
 * itself (32 and 33), yet an ignored disposition for them survives exec and
 * may have been inherited by superd. The raw system call resets them. */
static void
reset_reserved_signal(int sig)
{
#if defined(__x86_64__) || defined(__aarch64__) || defined(__i386__)
	struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		unsigned long mask;
	} act = {SIG_DFL, 0, NULL, 0};
	(void)syscall(SYS_rt_sigaction, sig, &act, NULL, sizeof(act.mask));
#else
	(void)sig;
#endif
}

/* The child runs on memory it shares with superd (see spawn_start) and on a
 * stack the sanitizers do not know; they stay out of it. */
#if defined(__clang__) || __GNUC__ >= 8
#define CHILD_CODE __attribute__((no_sanitize("address")))
#else
#define CHILD_CODE
#endif

/* Child side: report and exit. Only async-signal-safe calls. */
static void CHILD_CODE __attribute__((noreturn))
child_fail(int fd, int stage)
{
	struct spawn_failure f = {stage, errno};
	ssize_t w;

	do
		w = write(fd, &f, sizeof(f));
	while (w < 0 && errno == EINTR);
	_exit(127);
}

/* The credential calls as raw system calls: they change this process
 * only, whatever glibc believes about threads in the memory we share. */
#ifdef SYS_setresuid32
#define SYS_SETGROUPS SYS_setgroups32
#define SYS_SETRESGID SYS_setresgid32
#define SYS_SETRESUID SYS_setresuid32
#else
#define SYS_SETGROUPS SYS_setgroups
#define SYS_SETRESGID SYS_setresgid
#define SYS_SETRESUID SYS_setresuid
#endif

/* setrlimit(), or as close as this process may go: without the privilege
 * to raise a hard limit (CAP_SYS_RESOURCE, which containers often lack),
 * both values are capped at the current hard limit, as systemd does, so
 * that LimitNOFILE=1048576 gives what there is instead of no start. */
static int CHILD_CODE
set_limit_closest(int resource, const struct rlimit *want)
{
	struct rlimit cur, capped;

	if (setrlimit(resource, want) == 0)
		return 0;
	if (errno != EPERM || getrlimit(resource, &cur) < 0)
		return -1;
	if (cur.rlim_max == RLIM_INFINITY) { /* not the hard limit's fault */
		errno = EPERM;
		return -1;
	}
	capped.rlim_cur = want->rlim_cur < cur.rlim_max ? want->rlim_cur : cur.rlim_max;
	capped.rlim_max = want->rlim_max < cur.rlim_max ? want->rlim_max : cur.rlim_max;
	return setrlimit(resource, &capped);
}

static void CHILD_CODE __attribute__((noreturn))
child_run(const struct spawn_plan *plan, int fd)
{
	struct sigaction dfl;
	sigset_t empty;

	/* Dispositions first, while every signal is still blocked. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, &dfl, NULL) < 0)
			reset_reserved_signal(sig);

	if (setsid() < 0)
		child_fail(fd, SPAWN_STAGE_SETSID);
	if (dup2(plan->devnull, STDIN_FILENO) < 0)
		child_fail(fd, SPAWN_STAGE_STDIO);
	if (plan->stdout_fd >= 0 && dup2(plan->stdout_fd, STDOUT_FILENO) < 0)
		child_fail(fd, SPAWN_STAGE_STDIO);
	if (plan->stderr_fd >= 0 && dup2(plan->stderr_fd, STDERR_FILENO) < 0)
		child_fail(fd, SPAWN_STAGE_STDIO);
	/* Every fd of superd's is close-on-exec already (inherited ones are
	 * marked at start-up); closing all but the status pipe here is the
	 * second line of defence. Kernels before 5.9 lack close_range. */
	if (fd > 3 && syscall(SYS_close_range, 3U, (unsigned)fd - 1, 0U) < 0 && errno != ENOSYS)
		child_fail(fd, SPAWN_STAGE_FDS);
	if (syscall(SYS_close_range, (unsigned)fd + 1, ~0U, 0U) < 0 && errno != ENOSYS)
		child_fail(fd, SPAWN_STAGE_FDS);
	if (plan->set_umask)
		umask(plan->umask);
	for (size_t i = 0; i < plan->nlimits; i++) {
		int res = plan->limits[i].resource;
		if (set_limit_closest(res, &plan->limits[i].lim) < 0)
			child_fail(fd, res == RLIMIT_NOFILE  ? SPAWN_STAGE_LIMIT_NOFILE
				       : res == RLIMIT_CORE  ? SPAWN_STAGE_LIMIT_CORE
				       : res == RLIMIT_NPROC ? SPAWN_STAGE_LIMIT_NPROC
							     : SPAWN_STAGE_LIMITS);
	}
	if (plan->set_nice && setpriority(PRIO_PROCESS, 0, plan->nice) < 0)
		child_fail(fd, SPAWN_STAGE_NICE);
	if (plan->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(fd, SPAWN_STAGE_NO_NEW_PRIVS);
	/* Groups first, then the group, then the user: each step needs the
	 * privileges the next one gives up. */
	if (plan->set_ids) {
		if (syscall(SYS_SETGROUPS, plan->ngroups, plan->groups) < 0)
			child_fail(fd, SPAWN_STAGE_GROUPS);
		if (syscall(SYS_SETRESGID, plan->gid, plan->gid, plan->gid) < 0)
			child_fail(fd, SPAWN_STAGE_GID);
		if (syscall(SYS_SETRESUID, plan->uid, plan->uid, plan->uid) < 0)
			child_fail(fd, SPAWN_STAGE_UID);
	}
	if (plan->cwd != NULL && chdir(plan->cwd) < 0 && !plan->cwd_optional)
		child_fail(fd, SPAWN_STAGE_CHDIR);

	sigemptyset(&empty);
	sigprocmask(SIG_SETMASK, &empty, NULL);
	execve(plan->path, plan->argv, plan->envp);
	child_fail(fd, SPAWN_STAGE_EXEC);
}

struct child_args {
	const struct spawn_plan *plan;
	int fd;
};

static int CHILD_CODE
child_main(void *arg)
{
	const struct child_args *a = arg;

	child_run(a->plan, a->fd);
}

/* The child's stack while it shares superd's memory: superd itself is
 * suspended meanwhile, so one on superd's own stack serves. */
#define CHILD_STACK_SIZE (64 * 1024)

pid_t
spawn_start(const struct spawn_plan *plan, int *status_fd)
{
	sigset_t all, old;
	int p[2];
	pid_t pid;
	int saved;
	char stack[CHILD_STACK_SIZE] __attribute__((aligned(16)));
	struct child_args args;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	args.plan = plan;
	args.fd = p[1];
	/* Block everything across the clone so that no handler of superd's
	 * runs in the child before its dispositions are reset. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	/* CLONE_VM | CLONE_VFORK, as posix_spawn(3): the child borrows
	 * superd's memory until its execve() and superd waits that long.
	 * fork() would copy superd's page tables at every start, a cost that
	 * grows with the number of units (0.2 ms each at 1,000 units, 2 ms at
	 * 10,000); this one does not. The child writes nothing of superd's
	 * but its own stack. */
	pid = clone(child_main, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		errno = saved;
		return -1;
	}
	if (fcntl(p[0], F_SETFL, O_NONBLOCK) < 0) {
		/* Not fatal: the child is running; the pipe will be read after
		 * it has exited or exec'd, when a read cannot block for long. */
	}
	*status_fd = p[0];
	return pid;
}
