/*
 * benchtool: the measuring instruments of superd's benchmark (bench/).
 *
 *   benchtool floor-spawn N PROG [ARG...]   posix_spawn+waitpid N times
 *   benchtool floor-fork N PROG [ARG...]    fork+execv+waitpid N times
 *   benchtool floor-rtt N                   Unix-socket request/response
 *   benchtool time K PROG [ARG...]          run a command K times
 *   benchtool watch-exec N MARK             time until N execs of MARK
 *   benchtool watch-exit MARK               time until every MARK exited
 *   benchtool crash K MARK                  kill K MARK processes, one at
 *                                           a time, time each replacement
 *
 * MARK is a string that the command lines of the benchmark's services,
 * and only those, contain (an argument of their `sleep`).  Process
 * births and deaths come from the kernel's process-events connector, so
 * nothing is polled and the timestamps are the kernel's own
 * (CLOCK_MONOTONIC).  The watch commands print "ready" once subscribed;
 * the benchmark starts the measured action only then, and reads its
 * start time from CLOCK_MONOTONIC too.  Results go to stdout as
 * KEY=VALUE lines; times are in microseconds unless the key says _ns.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <dirent.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void die(const char *what)
{
	fprintf(stderr, "benchtool: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Print PREFIX_median, _min, _max of V[0..N) (nanoseconds) in us. */
static void print_stats(const char *prefix, int64_t *v, int n)
{
	if (n == 0) {
		printf("%s_n=0\n", prefix);
		return;
	}
	qsort(v, n, sizeof(*v), cmp_i64);
	printf("%s_median=%.1f\n%s_min=%.1f\n%s_max=%.1f\n%s_n=%d\n",
	       prefix, v[n / 2] / 1e3, prefix, v[0] / 1e3,
	       prefix, v[n - 1] / 1e3, prefix, n);
}

static void reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
}

static int floor_spawn(int n, char **argv, bool use_fork)
{
	int64_t t0 = now_ns();

	for (int i = 0; i < n; i++) {
		pid_t pid;

		if (use_fork) {
			pid = fork();
			if (pid < 0)
				die("fork");
			if (pid == 0) {
				execv(argv[0], argv);
				_exit(127);
			}
		} else {
			int rc = posix_spawn(&pid, argv[0], NULL, NULL, argv,
					     environ);
			if (rc != 0) {
				errno = rc;
				die("posix_spawn");
			}
		}
		reap(pid);
	}
	int64_t el = now_ns() - t0;
	printf("total_us=%.1f\nper_process_us=%.2f\n", el / 1e3,
	       el / 1e3 / n);
	return 0;
}

/* A 64-byte request and a 64-byte answer over a socketpair, between
 * two processes: the cost the control socket can never go under. */
static int floor_rtt(int n)
{
	int sv[2];
	char buf[64] = "status x\n";

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(sv[0]);
		for (;;) {
			ssize_t r = read(sv[1], buf, sizeof(buf));
			if (r <= 0)
				_exit(0);
			if (write(sv[1], buf, (size_t)r) != r)
				_exit(1);
		}
	}
	close(sv[1]);
	int64_t *v = calloc((size_t)n, sizeof(*v));
	if (!v)
		die("calloc");
	for (int i = 0; i < n; i++) {
		int64_t t = now_ns();
		if (write(sv[0], buf, sizeof(buf)) != sizeof(buf))
			die("write");
		size_t got = 0;
		while (got < sizeof(buf)) {
			ssize_t r = read(sv[0], buf + got, sizeof(buf) - got);
			if (r <= 0)
				die("read");
			got += (size_t)r;
		}
		v[i] = now_ns() - t;
	}
	close(sv[0]);
	reap(pid);
	print_stats("rtt", v, n);
	free(v);
	return 0;
}

/* Run ARGV K times with stdout and stderr on /dev/null. */
static int time_cmd(int k, char **argv)
{
	posix_spawn_file_actions_t fa;
	int64_t *v = calloc((size_t)k, sizeof(*v));
	int failures = 0;

	if (!v)
		die("calloc");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	for (int i = 0; i < k; i++) {
		pid_t pid;
		int st;
		int64_t t = now_ns();
		int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);

		if (rc != 0) {
			errno = rc;
			die(argv[0]);
		}
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				die("waitpid");
		v[i] = now_ns() - t;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failures++;
	}
	print_stats("time", v, k);
	printf("failures=%d\n", failures);
	free(v);
	return failures ? 1 : 0;
}

/* --- the process-events connector --------------------------------------- */

static int cn_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
			NETLINK_CONNECTOR);
	if (fd < 0)
		die("socket(NETLINK_CONNECTOR)");
	int rcvbuf = 32 << 20;
	/* Many events arrive at once when 10,000 services start. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = CN_IDX_PROC,
		.nl_pid = 0,
	};
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind(CN_IDX_PROC)");

	struct {
		struct nlmsghdr nl;
		struct cn_msg cn;
		enum proc_cn_mcast_op op;
	} __attribute__((packed)) req = {
		.nl = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = NLMSG_DONE,
		},
		.cn = {
			.id = { .idx = CN_IDX_PROC, .val = CN_VAL_PROC },
			.len = sizeof(enum proc_cn_mcast_op),
		},
		.op = PROC_CN_MCAST_LISTEN,
	};
	if (send(fd, &req, sizeof(req), 0) < 0)
		die("send(PROC_CN_MCAST_LISTEN)");
	return fd;
}

/* Next process event; false on timeout. */
static bool cn_next(int fd, struct proc_event *ev, int64_t deadline)
{
	char buf[4096] __attribute__((aligned(NLMSG_ALIGNTO)));

	for (;;) {
		int64_t left = deadline - now_ns();
		if (left <= 0)
			return false;
		struct timeval tv = {
			.tv_sec = left / 1000000000,
			.tv_usec = (left % 1000000000) / 1000,
		};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		ssize_t r = recv(fd, buf, sizeof(buf), 0);
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				fprintf(stderr, "benchtool: events lost\n");
				exit(1);
			}
			die("recv");
		}
		struct nlmsghdr *nh = (struct nlmsghdr *)buf;
		if (!NLMSG_OK(nh, (size_t)r) || nh->nlmsg_type == NLMSG_ERROR)
			continue;
		struct cn_msg *cn = NLMSG_DATA(nh);
		memcpy(ev, cn->data, sizeof(*ev));
		return true;
	}
}

/* Does the command line of PID contain MARK? */
static bool has_mark(pid_t pid, const char *mark)
{
	char path[64], buf[512];

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return false;
	for (ssize_t i = 0; i < r; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[r] = '\0';
	return strstr(buf, mark) != NULL && strstr(buf, "sleep") != NULL;
}

static void ready(void)
{
	printf("ready\n");
	fflush(stdout);
}

static int watch_exec(int n, const char *mark, int timeout_s)
{
	int fd = cn_open();
	int seen = 0;
	int64_t deadline = now_ns() + (int64_t)timeout_s * 1000000000;
	struct proc_event ev;

	ready();
	while (seen < n) {
		if (!cn_next(fd, &ev, deadline)) {
			printf("timeout seen=%d\n", seen);
			return 1;
		}
		if (ev.what == PROC_EVENT_EXEC &&
		    ev.event_data.exec.process_pid ==
			    ev.event_data.exec.process_tgid &&
		    has_mark(ev.event_data.exec.process_pid, mark))
			seen++;
	}
	printf("last_ns=%lld\nnow_ns=%lld\n", (long long)ev.timestamp_ns,
	       (long long)now_ns());
	return 0;
}

/* The PIDs of the live processes whose command line has MARK. */
static int find_marked(const char *mark, pid_t **out)
{
	DIR *d = opendir("/proc");
	int n = 0, cap = 1024;
	pid_t *v = malloc(cap * sizeof(*v));
	struct dirent *de;

	if (!d || !v)
		die("/proc");
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || !has_mark((pid_t)pid, mark))
			continue;
		if (n == cap) {
			cap *= 2;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				die("realloc");
		}
		v[n++] = (pid_t)pid;
	}
	closedir(d);
	*out = v;
	return n;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static int watch_exit(const char *mark, int timeout_s)
{
	int fd = cn_open();
	pid_t *pids;
	int n = find_marked(mark, &pids), left = n;
	int64_t deadline = now_ns() + (int64_t)timeout_s * 1000000000;
	struct proc_event ev;

	bool *gone = calloc((size_t)n + 1, sizeof(*gone));

	if (!gone)
		die("calloc");
	qsort(pids, n, sizeof(*pids), cmp_pid);
	printf("count=%d\n", n);
	ready();
	while (left > 0) {
		if (!cn_next(fd, &ev, deadline)) {
			printf("timeout left=%d\n", left);
			return 1;
		}
		if (ev.what != PROC_EVENT_EXIT ||
		    ev.event_data.exit.process_pid !=
			    ev.event_data.exit.process_tgid)
			continue;
		pid_t p = ev.event_data.exit.process_pid;
		pid_t *hit = bsearch(&p, pids, n, sizeof(*pids), cmp_pid);
		if (hit && !gone[hit - pids]) {
			gone[hit - pids] = true;
			left--;
		}
	}
	printf("last_ns=%lld\n", (long long)ev.timestamp_ns);
	free(gone);
	free(pids);
	return 0;
}

static int crash(int k, const char *mark, int timeout_s)
{
	int fd = cn_open();
	pid_t *pids;
	int n = find_marked(mark, &pids);
	int64_t *v = calloc((size_t)k, sizeof(*v));
	int done = 0;

	if (!v)
		die("calloc");
	if (n < k) {
		printf("error=only %d marked processes\n", n);
		return 1;
	}
	for (int i = 0; i < k; i++) {
		pid_t victim = pids[(size_t)i * n / k];
		int64_t deadline = now_ns() + (int64_t)timeout_s * 1000000000;
		int64_t died = 0;
		struct proc_event ev;

		if (kill(victim, SIGKILL) < 0)
			die("kill");
		while (cn_next(fd, &ev, deadline)) {
			if (ev.what == PROC_EVENT_EXIT &&
			    ev.event_data.exit.process_pid == victim &&
			    ev.event_data.exit.process_tgid == victim) {
				died = ev.timestamp_ns;
			} else if (died && ev.what == PROC_EVENT_EXEC &&
				   ev.event_data.exec.process_pid ==
					   ev.event_data.exec.process_tgid &&
				   has_mark(ev.event_data.exec.process_pid,
					    mark)) {
				v[done++] = ev.timestamp_ns - died;
				break;
			}
		}
		if (done != i + 1) {
			printf("timeout victim=%d\n", (int)victim);
			break;
		}
	}
	print_stats("replace", v, done);
	free(v);
	free(pids);
	return done == k ? 0 : 1;
}

static int usage(void)
{
	fputs("usage: benchtool floor-spawn|floor-fork N PROG [ARG...]\n"
	      "       benchtool floor-rtt N\n"
	      "       benchtool time K PROG [ARG...]\n"
	      "       benchtool watch-exec N MARK\n"
	      "       benchtool watch-exit MARK\n"
	      "       benchtool crash K MARK\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	int timeout_s = getenv("BENCH_TIMEOUT") ? atoi(getenv("BENCH_TIMEOUT")) : 120;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3)
		return usage();
	const char *cmd = argv[1];
	int n = atoi(argv[2]);

	if (!strcmp(cmd, "floor-spawn") && argc > 3)
		return floor_spawn(n, argv + 3, false);
	if (!strcmp(cmd, "floor-fork") && argc > 3)
		return floor_spawn(n, argv + 3, true);
	if (!strcmp(cmd, "floor-rtt"))
		return floor_rtt(n);
	if (!strcmp(cmd, "time") && argc > 3)
		return time_cmd(n, argv + 3);
	if (!strcmp(cmd, "watch-exec") && argc == 4)
		return watch_exec(n, argv[3], timeout_s);
	if (!strcmp(cmd, "watch-exit"))
		return watch_exit(argv[2], timeout_s);
	if (!strcmp(cmd, "crash") && argc == 4)
		return crash(n, argv[3], timeout_s);
	return usage();
}
