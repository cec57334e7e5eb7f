#include "ctl.h"

#include "unit.h"

void
ctl_unit_changed(struct unit *u)
{
	(void)u;
}
