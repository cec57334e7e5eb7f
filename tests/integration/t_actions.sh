# SuccessAction=/FailureAction=exit (SPEC §2, §4): superd shuts down
# gracefully and exits with the unit's own status, 128+signal if it was
# killed: a container ends with its main service. And at shutdown, orphans
# that units left outside their process groups are stopped too.
. "$TOP_SRCDIR/tests/integration/lib.sh"

# term_timed: SIGTERM to superd and wait for its exit; $el is how many ms
# that took, $SD_STATUS its status.
term_timed() {
	local t0=$(($(date +%s%N) / 1000000))
	kill -TERM "$SD_PID"
	wait_superd 30
	el=$(($(date +%s%N) / 1000000 - t0))
}

side() { # a second unit, to see that shutdown is graceful
	unit side <<EOF
[Service]
ExecStart=$(svc --name side --term-exit 0)
EOF
}

run_case() { # run_case DESCRIPTION EXPECTED-STATUS: units written already
	: >"$LOG"
	rm -f "$SVCLOG"
	start_superd
	wait_superd 20
	is "$SD_STATUS" "$2" "$1"
	ok "the other unit was stopped gracefully" svc_has "^exit name=side code=0"
	rm -f "$UNITS"/*.service
}

side
unit main <<EOF
[Service]
Restart=no
SuccessAction=exit
ExecStart=/bin/sh -c 'sleep 0.3; exit 0'
EOF
run_case "SuccessAction=exit: superd exits 0 when the unit ends well" 0
ok "the cause is logged" log_has "shutting down (SuccessAction=exit of main.service, status 0)"

side
unit main <<EOF
[Unit]
FailureAction=exit
[Service]
Restart=no
ExecStart=/bin/sh -c 'sleep 0.3; exit 7'
EOF
run_case "FailureAction=exit: superd exits with the unit's status (7)" 7

side
unit main <<EOF
[Service]
Restart=no
FailureAction=exit
ExecStart=$(svc --name main --run 0.3 --kill-self 9)
EOF
run_case "FailureAction=exit: a unit killed by SIGKILL gives 137" 137

side
unit main <<EOF
[Service]
RestartSec=100ms
SuccessAction=exit
FailureAction=exit
StartLimitBurst=2
StartLimitIntervalSec=1min
ExecStart=/bin/sh -c 'sleep 0.2; exit 3'
EOF
run_case "with Restart=, FailureAction= waits until the unit really fails (3)" 3
ok "after its restarts ran out" log_has "main.service: failed: start limit hit"

# Stopping a SuccessAction=exit unit on purpose is not the unit ending.
unit main <<EOF
[Service]
SuccessAction=exit
ExecStart=$(svc --name main)
EOF
: >"$LOG"
rm -f "$SVCLOG"
start_superd
ok "main runs" wait_svc "^start name=main "
"$SUPERCTL" stop main; is "$?" 0 "superctl stop of a SuccessAction=exit unit answers 0"
ok "and superd keeps running" alive "$SD_PID"
stop_superd
is "$SD_STATUS" 0 "until it is shut down itself"
rm -f "$UNITS"/*.service

# Orphans: a unit leaves a process in a session of its own, out of reach
# of its process group. At shutdown superd stops it as well.
unit leaver <<EOF
[Service]
ExecStart=/bin/sh -c 'setsid $(svc --name orphan) & exec $(svc --name leaver)'
EOF
: >"$LOG"
rm -f "$SVCLOG"
start_superd
ok "the orphan runs in a session of its own" wait_svc "^start name=orphan "
orphan=$(pid_of orphan)
line=$(starts_of orphan)
ok "outside the unit's process group" test "$(field "$line" sid)" = "$orphan"
stop_superd
is "$SD_STATUS" 0 "superd exits 0"
ok "the orphan got SIGTERM at shutdown" svc_has "^signal name=orphan sig=TERM"
ok "and is gone" gone "$orphan"
ok "superd said so" log_has "stopping 1 orphaned process(es) left behind by units"

# Many orphans: more PIDs than fit in one page of /proc's list of
# children. Every one of them gets SIGTERM, not only the first page's.
rm -f "$UNITS"/*.service
unit many <<EOF
[Service]
ExecStart=/bin/sh -c 'i=0; while [ \$\$i -lt 1000 ]; do setsid $(svc --name o) & i=\$\$((i + 1)); done; exec $(svc --name many)'
EOF
: >"$LOG"
rm -f "$SVCLOG"
start_superd
ok "a unit leaves 1000 orphans" wait_count "$SVCLOG" "^start name=o " 1000 60
stop_superd 60
is "$SD_STATUS" 0 "superd exits 0"
ok "superd counted all of them" log_has "stopping 1000 orphaned process(es) left behind by units"
is "$(count_in "$SVCLOG" "^signal name=o sig=TERM")" 1000 "every one got SIGTERM"
ok "and none is left" test -z "$(pgrep -f "$SVCLOG")"

# An orphan that ignores SIGTERM: at the ShutdownTimeoutSec= deadline
# superd SIGKILLs it, and exits 1 as after any forced stop.
rm -f "$UNITS"/*.service
cat >"$T/superd.conf" <<EOF
[superd]
ShutdownTimeoutSec=2s
EOF
unit leaver <<EOF
[Service]
ExecStart=/bin/sh -c 'setsid $(svc --name deaf --ignore-term) & exec $(svc --name leaver)'
EOF
: >"$LOG"
rm -f "$SVCLOG"
start_superd
ok "the orphan that ignores SIGTERM runs" wait_svc "^start name=deaf "
deaf=$(pid_of deaf)
ok "in a session of its own" test "$(field "$(starts_of deaf)" sid)" = "$deaf"
ok "the unit is up" wait_svc "^start name=leaver "
term_timed
is "$SD_STATUS" 1 "superd exits 1: it had to SIGKILL"
# Only the upper bound is timing: generous, against a loaded machine.
slack=$(awk -v k="$TEST_TIMEOUT_SCALE" 'BEGIN { printf "%d", 1500 * k }')
ok "at the deadline: ${el}ms after SIGTERM (ShutdownTimeoutSec=2s)" test "$el" -ge 1900 -a "$el" -le $((2000 + slack))
ok "the unit itself got SIGTERM" svc_has "^signal name=leaver sig=TERM"
ok "the orphan is gone" gone "$deaf"
ok "superd said why" log_has "orphaned processes killed with SIGKILL at the shutdown deadline"
# An orphan's own children: the orphan leads a process group of its own
# (setsid) with a child in it; the whole group gets SIGTERM, so nothing
# waits for the deadline and superd exits 0 long before it.
rm -f "$UNITS"/*.service
cat >"$T/superd.conf" <<EOF
[superd]
ShutdownTimeoutSec=20s
EOF
unit leaver <<EOF
[Service]
ExecStart=/bin/sh -c 'setsid $(svc --name mid --fork-child) & exec $(svc --name leaver)'
EOF
: >"$LOG"
rm -f "$SVCLOG"
start_superd
ok "the orphan's child runs, in the orphan's group" wait_svc "^child name=mid "
kid=$(field "$(grep '^child name=mid ' "$SVCLOG")" pid)
term_timed
is "$SD_STATUS" 0 "superd exits 0: the orphan's group stopped on SIGTERM"
ok "well before the 20 s deadline (${el}ms)" test "$el" -lt 10000
ok "the orphan's child is gone" gone "$kid"

# A process that leaves its parent's group too (a second setsid) is only
# reparented to superd once that parent has died: it gets SIGTERM then.
rm -f "$UNITS"/*.service
unit leaver <<EOF
[Service]
ExecStart=/bin/sh -c 'setsid sh -c "setsid $(svc --name inner) & exec $(svc --name outer)" & exec $(svc --name leaver)'
EOF
: >"$LOG"
rm -f "$SVCLOG"
start_superd
ok "outer and inner run, each in a session of its own" wait_for 10 bash -c "grep -q '^start name=outer ' '$SVCLOG' && grep -q '^start name=inner ' '$SVCLOG'"
inner=$(pid_of inner)
term_timed
is "$SD_STATUS" 0 "superd exits 0: the reparented process got SIGTERM too"
ok "well before the 20 s deadline (${el}ms)" test "$el" -lt 10000
ok "inner got SIGTERM" svc_has "^signal name=inner sig=TERM"
ok "inner is gone" gone "$inner"

# At the deadline the orphan's whole group is SIGKILLed: a child that
# ignores SIGTERM too does not outlive superd.
rm -f "$UNITS"/*.service
cat >"$T/superd.conf" <<EOF
[superd]
ShutdownTimeoutSec=1s
EOF
unit leaver <<EOF
[Service]
ExecStart=/bin/sh -c 'setsid $(svc --name deafmid --ignore-term --fork-child --child-ignore-term) & exec $(svc --name leaver)'
EOF
: >"$LOG"
rm -f "$SVCLOG"
start_superd
ok "the deaf orphan's deaf child runs" wait_svc "^child name=deafmid "
kid=$(field "$(grep '^child name=deafmid ' "$SVCLOG")" pid)
kill -TERM "$SD_PID"
wait_superd 30
is "$SD_STATUS" 1 "superd exits 1: it had to SIGKILL"
ok "the orphan's child did not outlive superd" wait_for 5 gone "$kid"

# A process that becomes an orphan only at the deadline: its parent, the
# unit's main process, ignores SIGTERM and is SIGKILLed then; it is in a
# session of its own, so the unit's group kill misses it. It gets the
# SIGKILL too, before superd exits.
rm -f "$UNITS"/*.service
unit stub <<EOF
[Service]
TimeoutStopSec=infinity
ExecStart=/bin/sh -c 'setsid $(svc --name lateorphan --ignore-term) & exec $(svc --name stub --ignore-term)'
EOF
: >"$LOG"
rm -f "$SVCLOG"
start_superd
ok "the unit and its child in a session of its own run" wait_for 10 bash -c "grep -q '^start name=lateorphan ' '$SVCLOG' && grep -q '^start name=stub ' '$SVCLOG'"
late=$(pid_of lateorphan)
kill -TERM "$SD_PID"
wait_superd 30
is "$SD_STATUS" 1 "superd exits 1: it had to SIGKILL"
ok "the process orphaned at the deadline did not outlive superd" wait_for 5 gone "$late"
ok "superd said so" log_has "still there after the shutdown deadline: SIGKILL"
kill -KILL "$late" 2>/dev/null
: >"$T/superd.conf"
done_testing
