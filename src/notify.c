#include "notify.h"

#include "log.h"
#include "superd.h"
#include "unit.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>

/* "N units: A active, F failed, B restarting". */
static void
status_text(const struct superd *sd, char *buf, size_t size)
{
	size_t active = 0, failed = 0, backoff = 0;

	for (size_t i = 0; i < sd->nunits; i++) {
		const struct unit *u = sd->units[i];
		if (unit_is_ready(u))
			active++;
		else if (u->state == UNIT_FAILED)
			failed++;
		else if (u->state == UNIT_BACKOFF)
			backoff++;
	}
	snprintf(buf, size, "%zu units: %zu active, %zu failed, %zu restarting", sd->nunits,
		 active, failed, backoff);
}

static void
notify_send(const char *what, const char *msg)
{
	int r = sd_notify(0, msg);
	if (r < 0)
		log_warn(NULL, "sd_notify %s: %s", what, strerror(-r));
}

static void
watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop, (void)w, (void)revents;
	notify_send("WATCHDOG", "WATCHDOG=1");
}

static void
status_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct superd *sd = ev_userdata(loop);
	char status[160], msg[200];

	(void)w, (void)revents;
	if (sd->shutting_down)
		return;
	status_text(sd, status, sizeof(status));
	if (strcmp(status, sd->notify_status_sent) == 0)
		return;
	snprintf(sd->notify_status_sent, sizeof(sd->notify_status_sent), "%s", status);
	snprintf(msg, sizeof(msg), "STATUS=%s", status);
	notify_send("STATUS", msg);
}

void
notify_status_changed(struct superd *sd)
{
	if (sd->notified_ready && sd->notify_systemd && !ev_is_active(&sd->notify_status))
		ev_timer_start(sd->loop, &sd->notify_status);
}

void
notify_init(struct superd *sd)
{
	uint64_t usec = 0;

	const char *ns = getenv("NOTIFY_SOCKET");
	sd->notify_systemd = ns != NULL && *ns != '\0';
	ev_timer_init(&sd->notify_status, status_cb, 1., 0.);

	/* Pings only while systemd asks for them (WATCHDOG_USEC). */
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		double every = (double)usec / 2e6;
		ev_timer_init(&sd->watchdog, watchdog_cb, every, every);
		ev_timer_start(sd->loop, &sd->watchdog);
		log_info(NULL, "systemd watchdog: pinging every %.3f s", every);
	}
}

void
notify_check_ready(struct superd *sd)
{
	char status[160], msg[256];

	if (sd->notified_ready || sd->starting > 0 || sd->shutting_down)
		return;
	sd->notified_ready = true;
	status_text(sd, status, sizeof(status));
	snprintf(sd->notify_status_sent, sizeof(sd->notify_status_sent), "%s", status);
	snprintf(msg, sizeof(msg), "READY=1\nMAINPID=%ld\nSTATUS=%s", (long)getpid(), status);
	notify_send("READY", msg);
}

void
notify_reloading(struct superd *sd)
{
	struct timespec ts;
	char msg[128];

	(void)sd;
	/* MONOTONIC_USEC= lets systemd (Type=notify-reload) match the two. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
		 (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
	notify_send("RELOADING", msg);
}

void
notify_reloaded(struct superd *sd)
{
	char status[160], msg[256];

	status_text(sd, status, sizeof(status));
	snprintf(sd->notify_status_sent, sizeof(sd->notify_status_sent), "%s", status);
	/* Before the first READY=1, a reload must not make superd look ready. */
	snprintf(msg, sizeof(msg), "%sSTATUS=%s", sd->notified_ready ? "READY=1\n" : "", status);
	notify_send("READY", msg);
}

void
notify_stopping(struct superd *sd)
{
	(void)sd;
	notify_send("STOPPING", "STOPPING=1\nSTATUS=shutting down");
}

#else /* !HAVE_SYSTEMD */

void notify_init(struct superd *sd) { (void)sd; }
void notify_check_ready(struct superd *sd) { (void)sd; }
void notify_reloading(struct superd *sd) { (void)sd; }
void notify_reloaded(struct superd *sd) { (void)sd; }
void notify_stopping(struct superd *sd) { (void)sd; }
void notify_status_changed(struct superd *sd) { (void)sd; }

#endif

/* ---- the NOTIFY_SOCKET server for units (no libsystemd needed) ---- */

void
notify_server_drain(struct superd *sd)
{
	if (sd->notify_fd <= 0)
		return;
	for (int budget = 0; budget < 256; budget++) {
		char msg[4097];
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(struct ucred))];
		} ctrl;
		struct iovec iov = {msg, sizeof(msg) - 1};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = &ctrl, .msg_controllen = sizeof(ctrl)};
		struct ucred *cred = NULL;
		ssize_t n = recvmsg(sd->notify_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn_errno(NULL, "NOTIFY_SOCKET");
			return;
		}
		if ((size_t)n >= sizeof(msg) || (mh.msg_flags & MSG_TRUNC))
			continue; /* larger than any sd_notify message: dropped */
		msg[n] = '\0';
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
			    c->cmsg_len == CMSG_LEN(sizeof(struct ucred)))
				cred = (struct ucred *)CMSG_DATA(c);
			else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
				/* Passed fds (FDSTORE=) are not kept: close them. */
				int *fds = (int *)CMSG_DATA(c);
				size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
				for (size_t i = 0; i < nfds; i++)
					close(fds[i]);
			}
		}
		if (cred == NULL || cred->pid <= 0)
			continue; /* who sent it cannot be told: ignored */
		unit_notify_message(sd, cred->pid, msg);
	}
}

static void
notify_server_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)w, (void)revents;
	notify_server_drain(ev_userdata(loop));
}

/* The abstract name is taken: by another superd that is PID 1 of another
 * PID namespace in the same network namespace (two containers of one pod,
 * or --network=host), or by any process. Let the kernel pick a free name
 * (autobind) and tell the units that one. */
static int
notify_autobind(struct superd *sd, int fd)
{
	struct sockaddr_un got;
	socklen_t len = sizeof(got);
	size_t n;

	memset(&got, 0, sizeof(got));
	got.sun_family = AF_UNIX;
	if (bind(fd, (struct sockaddr *)&got, sizeof(sa_family_t)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&got, &len) < 0)
		return -1;
	n = len - offsetof(struct sockaddr_un, sun_path);
	if (n < 2 || n > sizeof(sd->notify_path) - 1 || got.sun_path[0] != '\0') {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	sd->notify_path[0] = '@';
	memcpy(sd->notify_path + 1, got.sun_path + 1, n - 1);
	sd->notify_path[n] = '\0';
	log_notice(NULL, "the NOTIFY_SOCKET name for units is taken (another superd "
			 "of this network namespace?): using %s", sd->notify_path);
	return 0;
}

const char *
notify_server_path(struct superd *sd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int one = 1, fd;
	socklen_t len;

	if (sd->notify_fd > 0)
		return sd->notify_path;
	snprintf(sd->notify_path, sizeof(sd->notify_path), "@superd-notify/%ld", (long)getpid());
	/* Abstract: no file to create or remove. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sd->notify_path);
	sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sd->notify_path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    (bind(fd, (struct sockaddr *)&sa, len) < 0 &&
	     (errno != EADDRINUSE || notify_autobind(sd, fd) < 0))) {
		log_err_errno(NULL, "cannot create the NOTIFY_SOCKET for units");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	sd->notify_fd = fd;
	ev_io_init(&sd->notify_io, notify_server_cb, fd, EV_READ);
	ev_io_start(sd->loop, &sd->notify_io);
	return sd->notify_path;
}

void
notify_server_close(struct superd *sd)
{
	if (sd->notify_fd <= 0)
		return;
	ev_io_stop(sd->loop, &sd->notify_io);
	close(sd->notify_fd);
	sd->notify_fd = 0;
}
