#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
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
	case SPAWN_STAGE_NICE: return "setting Nice=";
	case SPAWN_STAGE_NO_NEW_PRIVS: return "setting NoNewPrivileges=";
	case SPAWN_STAGE_CHDIR: return "changing to WorkingDirectory=";
	case SPAWN_STAGE_GROUPS: return "setting SupplementaryGroups=";
	case SPAWN_STAGE_GID: return "setting Group=";
	case SPAWN_STAGE_UID: return "setting User=";
	case SPAWN_STAGE_EXEC: return "executing";
	default: return "starting";
	}
}

char *
spawn_resolve(const char *name, const char *path_value)
{
	if (strchr(name, '/') != NULL || path_value == NULL)
		return strdup(name);
	for (const char *p = path_value; *p;) {
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
	return strdup(name);
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

/* Child side: report and exit. Only async-signal-safe calls. */
static void __attribute__((noreturn))
child_fail(int fd, int stage)
{
	struct spawn_failure f = {stage, errno};
	ssize_t w;

	do
		w = write(fd, &f, sizeof(f));
	while (w < 0 && errno == EINTR);
	_exit(127);
}

static void __attribute__((noreturn))
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
	for (size_t i = 0; i < plan->nlimits; i++)
		if (setrlimit(plan->limits[i].resource, &plan->limits[i].lim) < 0)
			child_fail(fd, SPAWN_STAGE_LIMITS);
	if (plan->set_nice && setpriority(PRIO_PROCESS, 0, plan->nice) < 0)
		child_fail(fd, SPAWN_STAGE_NICE);
	if (plan->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(fd, SPAWN_STAGE_NO_NEW_PRIVS);
	/* Groups first, then the group, then the user: each step needs the
	 * privileges the next one gives up. */
	if (plan->set_ids) {
		if (setgroups(plan->ngroups, plan->groups) < 0)
			child_fail(fd, SPAWN_STAGE_GROUPS);
		if (setresgid(plan->gid, plan->gid, plan->gid) < 0)
			child_fail(fd, SPAWN_STAGE_GID);
		if (setresuid(plan->uid, plan->uid, plan->uid) < 0)
			child_fail(fd, SPAWN_STAGE_UID);
	}
	if (plan->cwd != NULL && chdir(plan->cwd) < 0 && !plan->cwd_optional)
		child_fail(fd, SPAWN_STAGE_CHDIR);

	sigemptyset(&empty);
	sigprocmask(SIG_SETMASK, &empty, NULL);
	execve(plan->path, plan->argv, plan->envp);
	child_fail(fd, SPAWN_STAGE_EXEC);
}

pid_t
spawn_start(const struct spawn_plan *plan, int *status_fd)
{
	sigset_t all, old;
	int p[2];
	pid_t pid;
	int saved;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	/* Block everything across fork so that no handler of superd's runs in
	 * the child before its dispositions are reset. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		child_run(plan, p[1]);
	}
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
