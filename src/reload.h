/* reload: SPEC §5.1. Read superd.conf and every unit into a new
 * configuration beside the running one, validate all of it, and only then
 * swap: new units start (AutoStart=), removed units stop (in reverse
 * dependency order) and are dropped once their processes are gone, units
 * whose process would differ (unitfile_same_process) restart, and other
 * changes apply in place with the same process. Settings that cannot
 * change live (ControlSocket=, SocketMode=, SocketGroup=, PIDFile=) keep
 * their old value with a warning. Runs to completion inside one loop
 * callback, so reloads are serialised by construction. */
#ifndef SUPERD_RELOAD_H
#define SUPERD_RELOAD_H

#include "buf.h"

#include <stdbool.h>

struct superd;

/* Reload (or with dry_run only plan). Appends to out (may be NULL) one
 * Key=Value line per problem (Error=, Warning= as FILE:LINE: message) and
 * per planned action (Start=, Add=, Stop=, Restart=, Update= with the unit
 * name). Returns 0 if the configuration is valid (and, unless dry_run, now
 * in force), -1 if nothing changed because of errors. */
int reload_run(struct superd *sd, bool dry_run, struct buf *out);

#endif
