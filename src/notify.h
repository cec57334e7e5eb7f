/* notify: superd's own messages to a systemd that supervises it (SPEC §6):
 * READY=1 once every AutoStart unit's first start has settled, STATUS= with
 * counts, RELOADING=1 and READY=1 around a reload, STOPPING=1 at shutdown,
 * WATCHDOG=1 at half of WATCHDOG_USEC, MAINPID=. Without NOTIFY_SOCKET, or
 * when built --without-systemd, every call does nothing. */
#ifndef SUPERD_NOTIFY_H
#define SUPERD_NOTIFY_H

struct superd;

/* Start the watchdog pings if systemd asked for them. */
void notify_init(struct superd *sd);
/* Called whenever a first start settles: sends READY=1 once none is left. */
void notify_check_ready(struct superd *sd);
void notify_reloading(struct superd *sd);
void notify_reloaded(struct superd *sd);
void notify_stopping(struct superd *sd);
/* A unit changed state: once superd is ready, STATUS= follows the counts,
 * at most once a second (one timer, armed only after a change). */
void notify_status_changed(struct superd *sd);

/* The NOTIFY_SOCKET that superd gives Type=notify units (an abstract
 * socket, "@superd-notify/PID"), created when first needed. Returns its
 * NOTIFY_SOCKET value, or NULL if it could not be created (logged). */
const char *notify_server_path(struct superd *sd);
void notify_server_close(struct superd *sd);
/* Handle every notification already waiting: called before a main
 * process's exit is handled, so that a MAINPID= it sent just before
 * exiting is not lost to the race. */
void notify_server_drain(struct superd *sd);

#endif
