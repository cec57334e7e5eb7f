/* ctl: the control socket server (SPEC §7). */
#ifndef SUPERD_CTL_H
#define SUPERD_CTL_H

struct superd;
struct unit;
struct ctl_wait;

/* Called by the state machine on every state change of a unit that has
 * waiting clients (u->waits != NULL). */
void ctl_unit_changed(struct unit *u);

#endif
