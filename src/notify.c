#include "notify.h"

#include "log.h"
#include "superd.h"
#include "unit.h"

#include <stdio.h>
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

void
notify_init(struct superd *sd)
{
	uint64_t usec = 0;

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
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", status);
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

#endif
