/* ctl: the control socket server (SPEC §7).
 *
 * Clients are non-blocking in both directions and never delay the loop or
 * each other: a request is read as it arrives, a reply is written as the
 * client takes it, a client that sends nothing for CTL_IDLE_SEC, more than
 * PROTO_MAX_REQUEST bytes without a newline, or that lets its reply pile up
 * past CTL_MAX_OUTPUT is dropped. start/stop/restart answer when their units
 * are ready/stopped: the client waits on the unit, and the state machine
 * tells ctl of every change (ctl_unit_changed), which only queues the reply;
 * it is written from the client's own I/O callback. */
#ifndef SUPERD_CTL_H
#define SUPERD_CTL_H

#include <sys/types.h>

struct superd;
struct unit;
struct ctl_wait;

/* Open the control socket at path (mode, group as in superd.conf).
 * Returns 0; -1 on error (logged); -2 if another superd answers there
 * (logged, naming it). */
int ctl_open(struct superd *sd, const char *path, mode_t mode, const char *group);
/* Close every client and the socket, and remove the socket file. */
void ctl_close(struct superd *sd);

/* Called by the state machine on every state change of a unit that has
 * waiting clients (u->waits != NULL). */
void ctl_unit_changed(struct unit *u);

#endif
