/* testsvc: a service for superd's integration tests.
 *
 * It reports what it sees and does as lines appended to --log FILE (each
 * line one write(2) with O_APPEND, so several processes may share a file):
 *
 *   start name=N pid=P pgid=G sid=S ppid=Q t=NS
 *   sigblk=HEX sigign=HEX            (with --report-signals)
 *   fds=0,1,2                        (with --report-fds)
 *   env NAME=VALUE                   (with --report-env, one per variable)
 *   cwd=/path                        (with --report-cwd)
 *   child name=N pid=P pgid=G t=NS   (the grandchild of --fork-child)
 *   signal name=N sig=SIGTERM t=NS
 *   exit name=N code=C t=NS
 *
 * t is CLOCK_MONOTONIC in nanoseconds, comparable between processes. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *log_path;
static const char *name = "testsvc";

static long long
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void __attribute__((format(printf, 1, 2)))
report(const char *fmt, ...)
{
	char line[8192];
	va_list ap;
	int n, fd;

	if (log_path == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)n) < 0) {
		/* nothing to do: the test will notice the missing line */
	}
	close(fd);
}

static void
write_pidfile(const char *path, pid_t pid)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL)
		return;
	fprintf(f, "%ld\n", (long)pid);
	fclose(f);
	rename(tmp, path);
}

static void
report_status_masks(void)
{
	char line[256], blk[64] = "?", ign[64] = "?";
	FILE *f = fopen("/proc/self/status", "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "SigBlk: %63s", blk) == 1)
			continue;
		sscanf(line, "SigIgn: %63s", ign);
	}
	fclose(f);
	report("sigblk=%s sigign=%s", blk, ign);
}

static void
report_fds(void)
{
	char list[4096] = "";
	size_t len = 0;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	if (d == NULL)
		return;
	int self = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || atoi(de->d_name) == self)
			continue;
		int n = snprintf(list + len, sizeof(list) - len, "%s%s", len ? "," : "",
				 de->d_name);
		if (n > 0 && (size_t)n < sizeof(list) - len)
			len += (size_t)n;
	}
	closedir(d);
	report("fds=%s", list);
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: testsvc [--name N] [--log FILE] [--pidfile FILE] [--run SEC]\n"
		"  [--exit CODE] [--kill-self SIG] [--ignore-term] [--term-exit CODE]\n"
		"  [--term-delay SEC] [--fork-child] [--child-ignore-term]\n"
		"  [--report-signals] [--report-fds] [--report-env] [--report-cwd]\n"
		"  [--escape-parent] [--notify MSG [--notify-delay SEC]] [--watchdog SEC]\n"
		"  [--daemonize] [--handover] [--report-ids]\n"
		"  | --notify-recv SOCKET LOG | --exec-ignoring PROGRAM ARGS...\n");
	exit(2);
}

/* "testsvc --exec-ignoring PROGRAM ARGS...": exec PROGRAM with SIGTTOU,
 * SIGUSR2 and glibc's reserved signals 32 and 33 ignored (the last two only
 * through the raw system call), as a careless parent might leave them. */
static void
exec_ignoring(char **argv)
{
	struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		unsigned long mask;
	} act = {SIG_IGN, 0, NULL, 0};
	signal(SIGTTOU, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
	syscall(SYS_rt_sigaction, 32, &act, NULL, sizeof(act.mask));
	syscall(SYS_rt_sigaction, 33, &act, NULL, sizeof(act.mask));
	execv(argv[0], argv);
	perror(argv[0]);
	exit(127);
}

/* "testsvc --notify-recv SOCKET LOG": stand in for systemd: receive
 * sd_notify datagrams on SOCKET and append each to LOG as one line
 * "notify t=NS MSG" (newlines inside a message become spaces). t= is
 * when the sender queued the datagram (the kernel's SO_TIMESTAMPNS, moved
 * to CLOCK_MONOTONIC), not when this process got round to reading it, so
 * that it can be ordered against the t= of other processes. */
static void __attribute__((noreturn))
notify_recv(const char *path, const char *log)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	int on = 1;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) < 0) {
		perror(path);
		exit(1);
	}
	log_path = log;
	report("listening t=%lld", now_ns());
	for (;;) {
		char msg[4096];
		union {
			char buf[CMSG_SPACE(sizeof(struct timespec))];
			struct cmsghdr align;
		} control;
		struct iovec iov = {.iov_base = msg, .iov_len = sizeof(msg) - 1};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = control.buf,
				    .msg_controllen = sizeof(control.buf)};
		ssize_t n = recvmsg(fd, &mh, 0);
		if (n < 0)
			continue;
		long long t = now_ns();
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS)
				continue;
			struct timespec sent, rt;
			memcpy(&sent, CMSG_DATA(c), sizeof(sent));
			clock_gettime(CLOCK_REALTIME, &rt);
			long long mono = now_ns();
			t = mono - ((long long)(rt.tv_sec - sent.tv_sec) * 1000000000LL +
				    (rt.tv_nsec - sent.tv_nsec));
		}
		msg[n] = '\0';
		for (ssize_t i = 0; i < n; i++)
			if (msg[i] == '\n' || msg[i] == '\0')
				msg[i] = ' ';
		report("notify t=%lld %s", t, msg);
	}
}

/* Send one datagram to $NOTIFY_SOCKET, as sd_notify does. */
static void
notify_send(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	socklen_t len;
	int fd;

	if (path == NULL || (*path != '/' && *path != '@')) {
		report("notify-unavailable name=%s", name);
		return;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	if (*path == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sa, len) < 0)
		report("notify-failed name=%s errno=%d", name, errno);
	else
		report("notified name=%s t=%lld %s", name, now_ns(), msg);
	if (fd >= 0)
		close(fd);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"log", required_argument, NULL, 'l'},
		{"pidfile", required_argument, NULL, 'p'},
		{"run", required_argument, NULL, 'r'},
		{"exit", required_argument, NULL, 'e'},
		{"kill-self", required_argument, NULL, 'k'},
		{"ignore-term", no_argument, NULL, 'I'},
		{"term-exit", required_argument, NULL, 'T'},
		{"term-delay", required_argument, NULL, 'D'},
		{"fork-child", no_argument, NULL, 'F'},
		{"child-ignore-term", no_argument, NULL, 'C'},
		{"report-signals", no_argument, NULL, 'S'},
		{"report-fds", no_argument, NULL, 'f'},
		{"report-env", no_argument, NULL, 'E'},
		{"report-cwd", no_argument, NULL, 'W'},
		{"escape-parent", no_argument, NULL, 'X'},
		{"notify", required_argument, NULL, 'N'},
		{"notify-delay", required_argument, NULL, 'Y'},
		{"watchdog", required_argument, NULL, 'G'},
		{"daemonize", no_argument, NULL, 'Z'},
		{"handover", no_argument, NULL, 'H'},
		{"report-ids", no_argument, NULL, 'R'},
		{NULL, 0, NULL, 0},
	};
	const char *pidfile = NULL;
	double run = -1, term_delay = 0;
	int exit_code = 0, kill_self = 0, term_exit = -1, c;
	int ignore_term = 0, fork_child = 0, child_ignore_term = 0;
	int rep_signals = 0, rep_fds = 0, rep_env = 0, rep_cwd = 0, escape_parent = 0;
	const char *notify_msg = NULL;
	double notify_delay = 0, watchdog = 0;
	int daemonize = 0, handover = 0, rep_ids = 0;

	if (argc > 2 && strcmp(argv[1], "--exec-ignoring") == 0)
		exec_ignoring(argv + 2);
	if (argc == 4 && strcmp(argv[1], "--notify-recv") == 0)
		notify_recv(argv[2], argv[3]);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': name = optarg; break;
		case 'l': log_path = optarg; break;
		case 'p': pidfile = optarg; break;
		case 'r': run = atof(optarg); break;
		case 'e': exit_code = atoi(optarg); break;
		case 'k': kill_self = atoi(optarg); break;
		case 'I': ignore_term = 1; break;
		case 'T': term_exit = atoi(optarg); break;
		case 'D': term_delay = atof(optarg); break;
		case 'F': fork_child = 1; break;
		case 'C': child_ignore_term = 1; break;
		case 'S': rep_signals = 1; break;
		case 'f': rep_fds = 1; break;
		case 'E': rep_env = 1; break;
		case 'W': rep_cwd = 1; break;
		case 'X': escape_parent = 1; break;
		case 'N': notify_msg = optarg; break;
		case 'Y': notify_delay = atof(optarg); break;
		case 'G': watchdog = atof(optarg); break;
		case 'Z': daemonize = 1; break;
		case 'H': handover = 1; break;
		case 'R': rep_ids = 1; break;
		default: usage();
		}
	}
	if (optind < argc)
		usage();

	/* What superd handed over, before this program changes anything. */
	report("start name=%s pid=%ld pgid=%ld sid=%ld ppid=%ld t=%lld", name,
	       (long)getpid(), (long)getpgrp(), (long)getsid(0), (long)getppid(),
	       now_ns());
	if (rep_signals)
		report_status_masks();
	if (rep_fds)
		report_fds();
	if (rep_env)
		for (char **e = environ; *e; e++)
			report("env %s", *e);
	if (rep_ids) {
		gid_t groups[64];
		int n = getgroups(64, groups);
		char list[512] = "";
		size_t len = 0;
		for (int i = 0; i < n; i++) {
			int w = snprintf(list + len, sizeof(list) - len, "%s%ld", i ? "," : "",
					 (long)groups[i]);
			if (w > 0 && (size_t)w < sizeof(list) - len)
				len += (size_t)w;
		}
		mode_t m = umask(0);
		umask(m);
		struct rlimit nofile;
		getrlimit(RLIMIT_NOFILE, &nofile);
		errno = 0;
		int nice_now = getpriority(PRIO_PROCESS, 0);
		report("ids uid=%ld gid=%ld groups=%s umask=%04o nofile=%llu:%llu nice=%d nnp=%d",
		       (long)getuid(), (long)getgid(), list, (unsigned)m,
		       (unsigned long long)nofile.rlim_cur, (unsigned long long)nofile.rlim_max,
		       nice_now, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	}
	if (rep_cwd) {
		char cwd[4096];
		if (getcwd(cwd, sizeof(cwd)))
			report("cwd=%s", cwd);
	}

	if (fork_child) {
		pid_t pid = fork();
		if (pid == 0) {
			if (child_ignore_term)
				signal(SIGTERM, SIG_IGN);
			report("child name=%s pid=%ld pgid=%ld t=%lld", name, (long)getpid(),
			       (long)getpgrp(), now_ns());
			for (;;)
				pause();
		}
	}
	if (escape_parent) {
		/* A child that leaves the process group after forking a
		 * grandchild that stays in it: when the grandchild exits, its
		 * parent, outside the group, reaps it; superd never sees it. */
		pid_t a = fork();
		if (a == 0) {
			pid_t b = fork();
			if (b == 0) {
				report("grandchild name=%s pid=%ld pgid=%ld t=%lld", name,
				       (long)getpid(), (long)getpgrp(), now_ns());
				struct timespec d = {0, 500000000};
				nanosleep(&d, NULL);
				_exit(0);
			}
			setpgid(0, 0);
			report("escaped name=%s pid=%ld pgid=%ld t=%lld", name, (long)getpid(),
			       (long)getpgrp(), now_ns());
			waitpid(b, NULL, 0);
			report("reaped name=%s pid=%ld t=%lld", name, (long)b, now_ns());
			for (;;)
				pause();
		}
	}
	if (daemonize) {
		/* A classic forking daemon: the parent exits 0 once the child,
		 * in a session of its own, has written the PID file. */
		int p[2];
		if (pipe(p) < 0)
			return 1;
		pid_t child = fork();
		if (child < 0)
			return 1;
		if (child > 0) {
			char byte;
			close(p[1]);
			if (read(p[0], &byte, 1) != 1)
				return 1;
			report("parent-exit name=%s pid=%ld daemon=%ld t=%lld", name, (long)getpid(),
			       (long)child, now_ns());
			return 0;
		}
		close(p[0]);
		setsid();
		report("daemon name=%s pid=%ld pgid=%ld t=%lld", name, (long)getpid(),
		       (long)getpgrp(), now_ns());
		if (pidfile)
			write_pidfile(pidfile, getpid());
		if (write(p[1], "x", 1) != 1)
			return 1;
		close(p[1]);
		pidfile = NULL;
	}
	if (handover) {
		/* Hand the main role to a child, as a daemon that re-spawns
		 * itself does: MAINPID= and READY=1, then the parent exits. */
		pid_t child = fork();
		if (child < 0)
			return 1;
		if (child > 0) {
			char msg[64];
			snprintf(msg, sizeof(msg), "MAINPID=%ld\nREADY=1", (long)child);
			notify_send(msg);
			report("handed-over name=%s pid=%ld to=%ld t=%lld", name, (long)getpid(),
			       (long)child, now_ns());
			_exit(0);
		}
		report("new-main name=%s pid=%ld t=%lld", name, (long)getpid(), now_ns());
	}
	if (pidfile)
		write_pidfile(pidfile, getpid());
	if (notify_msg) {
		if (notify_delay > 0) {
			struct timespec d = {(time_t)notify_delay,
					     (long)((notify_delay - (long)notify_delay) * 1e9)};
			while (nanosleep(&d, &d) < 0 && errno == EINTR)
				;
		}
		/* "\n" in the argument separates assignments, as in sd_notify. */
		char buf[1024];
		size_t j = 0;
		for (const char *p = notify_msg; *p && j + 1 < sizeof(buf); p++) {
			if (p[0] == '\\' && p[1] == 'n') {
				buf[j++] = '\n';
				p++;
			} else {
				buf[j++] = *p;
			}
		}
		buf[j] = '\0';
		notify_send(buf);
	}

	sigset_t set;
	sigemptyset(&set);
	int watched[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGQUIT, SIGWINCH};
	for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); i++) {
		if (watched[i] == SIGTERM && ignore_term) {
			signal(SIGTERM, SIG_IGN);
			continue;
		}
		sigaddset(&set, watched[i]);
	}
	sigprocmask(SIG_BLOCK, &set, NULL);

	long long deadline = run >= 0 ? now_ns() + (long long)(run * 1e9) : -1;
	long long next_ping = watchdog > 0 ? now_ns() + (long long)(watchdog * 1e9) : -1;
	for (;;) {
		siginfo_t info;
		struct timespec ts = {3600, 0};
		long long until = deadline;
		if (next_ping >= 0 && (until < 0 || next_ping < until))
			until = next_ping;
		if (until >= 0) {
			long long left = until - now_ns();
			if (left < 0)
				left = 0;
			ts.tv_sec = left / 1000000000LL;
			ts.tv_nsec = left % 1000000000LL;
		}
		if (deadline >= 0 && now_ns() >= deadline)
			break;
		int sig = sigtimedwait(&set, &info, &ts);
		if (sig < 0) {
			if (next_ping >= 0 && now_ns() >= next_ping) {
				notify_send("WATCHDOG=1");
				next_ping = now_ns() + (long long)(watchdog * 1e9);
			}
			if (errno == EAGAIN || errno == EINTR)
				continue;
			break;
		}
		report("signal name=%s sig=%s t=%lld", name, sigabbrev_np(sig), now_ns());
		if (sig == SIGTERM || sig == SIGINT) {
			if (term_delay > 0) {
				struct timespec d = {(time_t)term_delay,
						     (long)((term_delay - (long)term_delay) * 1e9)};
				while (nanosleep(&d, &d) < 0 && errno == EINTR)
					;
			}
			if (term_exit >= 0) {
				report("exit name=%s code=%d t=%lld", name, term_exit, now_ns());
				return term_exit;
			}
			report("exit name=%s code=signal t=%lld", name, now_ns());
			signal(sig, SIG_DFL);
			sigprocmask(SIG_UNBLOCK, &set, NULL);
			raise(sig);
			return 128 + sig;
		}
	}
	if (kill_self) {
		report("exit name=%s code=kill%d t=%lld", name, kill_self, now_ns());
		signal(kill_self, SIG_DFL);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(kill_self);
	}
	report("exit name=%s code=%d t=%lld", name, exit_code, now_ns());
	return exit_code;
}
