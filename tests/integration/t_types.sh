# Readiness by Type= (SPEC §6): notify units are ready on READY=1 through
# the NOTIFY_SOCKET superd gives them (NotifyAccess=), forking units once
# the parent has exited and PIDFile= names a live daemon (a file written
# after the parent's exit is waited for), oneshot units when their commands
# are done (RemainAfterExit=), and TimeoutStartSec= bounds them all.
. "$TOP_SRCDIR/tests/integration/lib.sh"
: "${SUPERCTL:?SUPERCTL must point to the superctl binary}"
sc() { "$SUPERCTL" "$@"; }

# nready waits at a gate (a file the test creates) before it runs, so that
# its state before READY=1 is seen however slow the machine.
unit nready <<EOF
[Service]
Type=notify
ExecStart=/bin/sh -c 'while [ ! -e $T/nready.go ]; do sleep 0.05; done; exec "\$\$@"' sh $(svc --name nready --notify '"READY=1\\nSTATUS=serving 42 requests"' --notify-delay 0.5)
EOF
unit after-notify <<EOF
[Unit]
After=nready
[Service]
ExecStart=$(svc --name after-notify)
EOF
unit never <<EOF
[Service]
Type=notify
Restart=no
TimeoutStartSec=700ms
ExecStart=$(svc --name never)
EOF
# The READY=1 comes from a child of the main process: only NotifyAccess=all
# accepts it.
unit child-main <<EOF
[Service]
Type=notify
Restart=no
TimeoutStartSec=1s
ExecStart=/bin/sh -c '$(svc --name child-main-helper --notify READY=1) & exec $(svc --name child-main)'
EOF
unit child-all <<EOF
[Service]
Type=notify
NotifyAccess=all
ExecStart=/bin/sh -c '$(svc --name child-all-helper --notify READY=1) & exec $(svc --name child-all)'
EOF
unit manual-notify <<EOF
[Service]
Type=notify
AutoStart=no
ExecStart=$(svc --name manual-notify --notify READY=1 --notify-delay 1)
EOF
# Type=notify whose main process exits 0 before READY=1: a failed start
# (systemd's 'protocol'), not a stop.
unit notify-true <<EOF
[Service]
Type=notify
AutoStart=no
Restart=no
ExecStart=/bin/true
EOF
unit notify-quits <<EOF
[Service]
Type=notify
Restart=on-failure
RestartSec=200ms
ExecStart=$(svc --name notify-quits --run 0)
EOF

unit wd-ok <<EOF
[Service]
Type=notify
WatchdogSec=400ms
ExecStart=$(svc --name wd-ok --notify READY=1 --watchdog 0.1 --report-env)
EOF
unit wd-dead <<EOF
[Service]
Type=notify
WatchdogSec=400ms
RestartSec=100ms
ExecStart=$(svc --name wd-dead --notify READY=1)
EOF

# Two independent notify units that each take 1 s to be ready, and one
# ordered after the first.
for i in 1 2; do
	unit "par$i" <<EOF
[Service]
Type=notify
ExecStart=$(svc --name par$i --notify READY=1 --notify-delay 1)
EOF
done
unit par-after <<EOF
[Unit]
After=par1
[Service]
ExecStart=$(svc --name par-after)
EOF

unit forky <<EOF
[Service]
Type=forking
PIDFile=$T/forky.pid
ExecStart=$(svc --name forky --daemonize --pidfile $T/forky.pid)
EOF
# A classic shell daemon: double fork, new session, PID file, parent exits.
cat >"$T/shdaemon" <<EOF
#!/bin/sh
( setsid sh -c 'echo \$\$ > $T/shdaemon.pid; exec sleep 100000' & )
while [ ! -s $T/shdaemon.pid ]; do sleep 0.05; done
exit 0
EOF
chmod +x "$T/shdaemon"
unit shdaemon <<EOF
[Service]
Type=forking
PIDFile=$T/shdaemon.pid
ExecStart=$T/shdaemon
EOF
# Started by hand, to time how long it takes to fail.
unit forky-lost <<EOF
[Service]
Type=forking
Restart=no
AutoStart=no
TimeoutStartSec=1s
PIDFile=$T/never-written.pid
ExecStart=$(svc --name forky-lost --daemonize)
EOF
# A daemon that writes its PID file only after its parent has exited, as
# redis, nginx, sshd or memcached do: superd waits for the file until
# TimeoutStartSec=, as systemd does. The daemon waits until superd has
# reaped the parent (so superd has seen the exit and found no file), then
# 300 ms more.
cat >"$T/latedaemon" <<EOF
#!/bin/sh
parent=\$\$
( setsid sh -c "while kill -0 \$parent 2>/dev/null; do sleep 0.02; done; sleep 0.3; echo \\\$\\\$ >$T/late.pid; exec sleep 100000" & )
exit 0
EOF
chmod +x "$T/latedaemon"
unit late <<EOF
[Service]
Type=forking
Restart=no
TimeoutStartSec=10s
PIDFile=$T/late.pid
ExecStart=$T/latedaemon
EOF
# PID files that name no daemon: a dead process, a directory, garbage.
unit forky-dead <<EOF
[Service]
Type=forking
Restart=no
TimeoutStartSec=1s
PIDFile=$T/dead.pid
ExecStart=/bin/sh -c 'echo \$\$\$\$ >$T/dead.pid; echo \$\$\$\$ >$T/dead.parent'
EOF
mkdir "$T/piddir"
unit forky-dir <<EOF
[Service]
Type=forking
Restart=no
TimeoutStartSec=1s
PIDFile=$T/piddir
ExecStart=/bin/true
EOF
unit forky-garbage <<EOF
[Service]
Type=forking
Restart=no
TimeoutStartSec=1s
PIDFile=$T/garbage.pid
ExecStart=/bin/sh -c 'echo hello >$T/garbage.pid'
EOF
unit writes-pid <<EOF
[Service]
PIDFile=$T/writes-pid.pid
ExecStart=$(svc --name writes-pid --pidfile $T/writes-pid.pid)
EOF

unit wd-simple <<EOF
[Service]
WatchdogSec=300ms
ExecStart=$(svc --name wd-simple)
EOF
unit oneshot-missing <<EOF
[Service]
Type=oneshot
ExecStart=/bin/true
ExecStart=$T/missing-command
EOF

unit handover <<EOF
[Service]
Type=notify
RestartSec=100ms
ExecStart=$(svc --name handover --handover)
EOF

# NotifyAccess=all after a handover: the group still finds its unit once
# the process that led it (and was the main process) has gone.
unit handall <<EOF
[Service]
Type=notify
NotifyAccess=all
ExecStart=/bin/sh -c '(until [ -e $T/handall-go ]; do sleep 0.05; done; exec $(svc --name handall-helper --notify STATUS=from-helper)) & exec $(svc --name handall --handover)'
EOF

unit steps <<EOF
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo one >> $T/steps'
ExecStart=-/bin/sh -c 'echo two >> $T/steps; exit 7'
ExecStart=/bin/sh -c 'echo three >> $T/steps'
EOF
unit setup <<EOF
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'sleep 0.5; touch $T/setup.done'
EOF
unit needs-setup <<EOF
[Unit]
After=setup
Requires=setup
[Service]
ExecStart=/bin/sh -c 'test -e $T/setup.done && exec $(svc --name needs-setup)'
Restart=no
EOF
unit broken-steps <<EOF
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo a >> $T/broken'
ExecStart=/bin/sh -c 'exit 3'
ExecStart=/bin/sh -c 'echo never >> $T/broken'
EOF
unit slow-oneshot <<EOF
[Service]
Type=oneshot
TimeoutStartSec=500ms
ExecStart=@/bin/sleep $T/slow-oneshot 100000
EOF

start_superd
ok "superd answers" wait_for 10 bash -c "'$SUPERCTL' version >/dev/null"

# --- notify -------------------------------------------------------------
ok "before READY=1 the unit is starting" wait_for 10 bash -c "'$SUPERCTL' status nready | grep -q '^nready.service  *starting '"
: >"$T/nready.go"
ok "nready runs" wait_svc "^start name=nready "
ok "nready sends READY=1" wait_svc "^notified name=nready "
ok "then it is active" wait_for 10 sc is-active nready
ok "its STATUS= shows in superctl status" bash -c "'$SUPERCTL' status nready | grep -q '(serving 42 requests)'"
ok "the unit ordered after it started after READY=1" wait_svc "^start name=after-notify "
ln=$(grep -n 'nready.service: ready (READY=1)' "$LOG" | cut -d: -f1)
la=$(grep -n 'after-notify.service: started' "$LOG" | cut -d: -f1)
ok "in that order in superd's log (lines $ln, $la)" test "$la" -gt "$ln"
ok "the child of the main process sent READY=1" wait_svc "^notified name=child-main-helper "
ok "with NotifyAccess=main a child's READY=1 is ignored: start times out" wait_log "child-main.service: start timed out after 1s"
ok "with NotifyAccess=all a child's READY=1 counts" wait_for 10 sc is-active child-all
ok "a notify unit that never sends READY=1 fails at TimeoutStartSec=" wait_log "never.service: start timed out after 700ms"
ok "and is failed" bash -c "'$SUPERCTL' status never | grep -q ' failed '"
t0=$(date +%s%N)
sc start manual-notify; rc=$?
el=$((($(date +%s%N) - t0) / 1000000))
is "$rc" 0 "superctl start of a notify unit returns 0"
ok "only once READY=1 came (after ${el} ms; it waits 1 s)" test "$el" -ge 900
sc start notify-true 2>"$T/err"; rc=$?
is "$rc" 1 "superctl start of a notify unit that exits 0 before READY=1 returns 1"
ok "and says why" grep -q "exited before READY=1" "$T/err"
ok "the unit is failed" bash -c "'$SUPERCTL' status notify-true | grep -q ' failed .*exited before READY=1'"
ok "show gives the reason" bash -c "'$SUPERCTL' show notify-true | grep -q '^Reason=main process exited before READY=1 (exited with status 0)'"
ok "with Restart=on-failure, a notify unit exiting 0 before READY=1 is restarted" \
	wait_count "$SVCLOG" "^start name=notify-quits " 3
ok "superd logged it as a restart" log_has "notify-quits.service: restarting in"

# --- parallel and ordered starts ------------------------------------------
tof() { awk -v p="$1" '$0 ~ p { for (i = 1; i <= NF; i++) if ($i ~ /^t=/) { print substr($i, 3); exit } }' "$SVCLOG"; }
ok "par1 and par2 are ready" wait_for 10 bash -c "grep -q '^notified name=par1 ' '$SVCLOG' && grep -q '^notified name=par2 ' '$SVCLOG'"
s1=$(tof '^start name=par1 ') s2=$(tof '^start name=par2 ') r1=$(tof '^notified name=par1 ') r2=$(tof '^notified name=par2 ')
ok "independent units start in parallel: both started before either was ready" test "$s1" -lt "$r2" -a "$s2" -lt "$r1"
ok "the unit ordered after par1 starts" wait_svc "^start name=par-after "
# par1 reports "notified" only after sending READY=1, so its own line may
# land after par-after's start; judge the order by superd's log instead.
ok "superd logged par-after as started" wait_log "par-after.service: started"
lr=$(grep -n 'par1.service: ready (READY=1)' "$LOG" | cut -d: -f1)
la=$(grep -n 'par-after.service: started' "$LOG" | cut -d: -f1)
ok "only after par1 was ready (superd's log lines $lr, $la)" test "${la:-0}" -gt "${lr:-999999}"

# --- forking ------------------------------------------------------------
ok "the forking parent exited after its daemon wrote the PID file" wait_svc "^parent-exit name=forky "
daemon=$(field "$(grep '^daemon name=forky ' "$SVCLOG")" pid)
ok "the forking unit is active" wait_for 10 sc is-active forky
is "$(sc show forky | sed -n 's/^MainPID=//p')" "$daemon" "its main PID is the daemon's, read from PIDFile="
ok "the daemon runs in its own session, followed by superd" alive "$daemon"
sc stop forky; is "$?" 0 "stopping the forking unit"
ok "the daemon got the stop signal" svc_has "^signal name=forky sig=TERM"
ok "the daemon is gone" gone "$daemon"
ok "and superd removed its PIDFile=" test ! -e "$T/forky.pid"
ok "a double-forking shell daemon is followed" wait_for 10 sc is-active shdaemon
shd=$(cat "$T/shdaemon.pid")
is "$(sc show shdaemon | sed -n 's/^MainPID=//p')" "$shd" "its main PID is the grandchild's, from its PID file"
ok "which runs in a session of its own" test "$(ps -o sid= -p "$shd" | tr -d ' ')" = "$shd"
sc stop shdaemon; is "$?" 0 "stopping it"
ok "the daemon is gone" gone "$shd"
ok "and its PID file removed" test ! -e "$T/shdaemon.pid"
state_of() { sc show "$1" | sed -n 's/^State=//p'; }
reason_of() { sc show "$1" | sed -n 's/^Reason=//p'; }
contains() { case $1 in *"$2"*) ;; *) false ;; esac; } # contains STRING PART
t0=$(date +%s%N)
sc start forky-lost 2>/dev/null; rc=$?
el=$((($(date +%s%N) - t0) / 1000000))
is "$rc" 1 "superctl start of a forking unit whose PID file never appears: 1"
ok "only at TimeoutStartSec=1s (after ${el} ms), not when the parent exited" test "$el" -ge 900
# Its daemon left the parent's process group, which is empty once the
# parent has exited: the stop that follows has nothing to wait for, let
# alone TimeoutStopSec= (10s). The bound is generous, for loaded machines.
slack=$(awk -v k="$TEST_TIMEOUT_SCALE" 'BEGIN { printf "%d", 3000 * k }')
ok "and at once then: the stop of its empty process group does not wait TimeoutStopSec=10s" test "$el" -le $((1000 + slack))
is "$(state_of forky-lost)" failed "the unit is failed"
ok "the reason names the missing file ($(reason_of forky-lost))" contains "$(reason_of forky-lost)" "$T/never-written.pid"
ok "and so does the log" log_has "forky-lost.service: failed: .*$T/never-written.pid"

ok "a daemon that writes its PID file after the parent exited: the unit becomes active" wait_for 10 sc is-active late
late=$(cat "$T/late.pid" 2>/dev/null)
ok "its PID file was written by then" test -n "$late"
is "$(sc show late | sed -n 's/^MainPID=//p')" "$late" "its main PID is the daemon's, from the late PID file"
ok "it never failed" bash -c "! grep -q 'late.service: failed' '$LOG'"
sc stop late; is "$?" 0 "stopping it"
ok "the late daemon is gone" gone "$late"

is_failed() { [ "$(state_of "$1")" = failed ]; }
ok "a PIDFile= naming a dead process: the unit fails" wait_for 20 is_failed forky-dead
msg="PIDFile=$T/dead.pid: process $(cat "$T/dead.parent" 2>/dev/null) does not exist"
ok "the reason says so ($(reason_of forky-dead))" contains "$(reason_of forky-dead)" "$msg"
ok "and so does the log" log_has "forky-dead.service: .*$msg"
ok "a PIDFile= that is a directory: the unit fails" wait_for 20 is_failed forky-dir
msg="PIDFile=$T/piddir: Is a directory"
ok "the reason says so ($(reason_of forky-dir))" contains "$(reason_of forky-dir)" "$msg"
ok "and so does the log" log_has "forky-dir.service: .*$msg"
ok "a PIDFile= holding no number: the unit fails" wait_for 20 is_failed forky-garbage
msg="PIDFile=$T/garbage.pid: not a process ID"
ok "the reason says so ($(reason_of forky-garbage))" contains "$(reason_of forky-garbage)" "$msg"
ok "and so does the log" log_has "forky-garbage.service: .*$msg"
ok "a simple unit's PIDFile= is written by its program" wait_for 10 test -s "$T/writes-pid.pid"
sc stop writes-pid
ok "and removed by superd once the unit has stopped" test ! -e "$T/writes-pid.pid"

# --- MAINPID= -----------------------------------------------------------------
ok "handover: the first process announced its child" wait_svc "^handed-over name=handover "
newmain=$(field "$(grep '^new-main name=handover ' "$SVCLOG" | head -n 1)" pid)
ok "the unit is active" wait_for 10 sc is-active handover
is "$(sc show handover | sed -n 's/^MainPID=//p')" "$newmain" "MAINPID= made the child the main process"
ok "the first process exiting did not count as the unit's exit" bash -c "! grep -q 'handover.service: main process exited' '$LOG'"
kill -TERM "$newmain"
ok "the new main process's exit is the unit's: it restarts" wait_count "$SVCLOG" "^handed-over name=handover " 2
ok "handall: the main role was handed over" wait_for 10 sc is-active handall
touch "$T/handall-go"
status_from_helper() { sc show handall | grep -qx 'StatusText=from-helper'; }
ok "NotifyAccess=all: a process of the group is heard after the handover" wait_for 10 status_from_helper

# --- watchdog -------------------------------------------------------------
ok "a unit that stops pinging is killed at WatchdogSec=" wait_log "wd-dead.service: watchdog timeout: no WATCHDOG=1 within 400ms; sending SIGABRT"
ok "with SIGABRT" wait_for 10 bash -c "'$SUPERCTL' show wd-dead | grep -q '^LastExit=signal=ABRT'"
ok "and restarted" wait_count "$SVCLOG" "^start name=wd-dead " 2
ok "a unit gets WATCHDOG_USEC" svc_has "^env WATCHDOG_USEC=400000$"
ok "a unit that pings keeps running" wait_count "$SVCLOG" "^notified name=wd-ok .*WATCHDOG=1" 12
is "$(grep -c '^start name=wd-ok ' "$SVCLOG")" 1 "it was never restarted"
is "$(grep -c '^start name=wd-simple ' "$SVCLOG")" 1 "a unit that cannot ping (simple) is not put under a watchdog"
ok "and a warning said so" log_has "WatchdogSec= needs Type=notify or NotifyAccess="
ok "and no watchdog timeout was logged for it" bash -c "! grep -q 'wd-ok.service: watchdog' '$LOG'"

# --- oneshot --------------------------------------------------------------
ok "steps ran all its commands, a '-' failure tolerated" wait_for 10 bash -c "[ \"\$(cat '$T/steps' 2>/dev/null | tr '\\n' ' ')\" = 'one two three ' ]"
ok "then it is inactive: finished" wait_log "steps.service: finished"
ok "setup (RemainAfterExit=yes) ends exited" wait_for 10 bash -c "'$SUPERCTL' status setup | grep -q ' exited '"
sc is-active setup; is "$?" 0 "an exited oneshot counts as active"
ok "needs-setup started after setup had finished (its test passed)" wait_svc "^start name=needs-setup "
ok "broken-steps stops at the failing command" wait_log "broken-steps.service: failed: main process exited with status 3"
is "$(cat "$T/broken")" "a" "the command after the failure never ran"
ok "a oneshot outliving TimeoutStartSec= fails" wait_log "slow-oneshot.service: start timed out after 500ms"
ok "and its command was killed" wait_for 10 bash -c "! pgrep -f '^$T/slow-oneshot ' >/dev/null"
rm -f "$T/steps"
sc start steps; is "$?" 0 "superctl start of a oneshot returns 0 once it has finished"
is "$(tr '\n' ' ' <"$T/steps")" "one two three " "all its commands had run by then"
sc start broken-steps 2>/dev/null; is "$?" 1 "superctl start of a failing oneshot returns 1"
ok "an exec failure of a later oneshot command names that command" wait_log "oneshot-missing.service: cannot start: executing $T/missing-command"
rm -f "$T/setup.done"
sc restart setup; is "$?" 0 "restart of an exited oneshot"
ok "returns only once it has run again" test -e "$T/setup.done"

stop_superd
is "$SD_STATUS" 0 "clean shutdown"
done_testing
