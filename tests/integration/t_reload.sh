# Configuration reload (SPEC §5.1): validate everything, then swap. Every
# outcome checked with PIDs before and after; an invalid configuration
# changes nothing; --dry-run only plans; a storm of SIGHUPs while units
# crash-loop leaves exactly one process per unit that should run.
. "$TOP_SRCDIR/tests/integration/lib.sh"
: "${SUPERCTL:?SUPERCTL must point to the superctl binary}"
sc() { "$SUPERCTL" "$@"; }

# Each unit's process carries a marker in its argv[0], so that processes
# can be counted per unit from outside.
sleeper() { # sleeper NAME [EXTRA-SERVICE-LINES]
	printf '[Service]\nExecStart=@/bin/sleep %s/p-%s 100000\n%s\n' "$T" "$1" "${2:-}" >"$UNITS/$1.service"
}
procs() { pgrep -c -f "^$T/p-$1( |$)" || true; }
mainpid() { sc show "$1" | sed -n 's/^MainPID=//p'; }
# new_pid UNIT OLD: UNIT runs a process that is not OLD.
new_pid() { local p; p=$(mainpid "$1"); [ -n "$p" ] && [ "$p" != 0 ] && [ "$p" != "$2" ]; }
procs_is() { [ "$(procs "$1")" -eq "$2" ]; }

sleeper keep
sleeper policy "RestartSec=1s"
sleeper process
sleeper gone
sleeper wd
sleeper typ
sleeper backoff-changed
printf '[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/sh -c "echo run1 >>%s/once.log"\n' "$T" >"$UNITS/once.service"
printf '[Service]\nExecStart=/bin/sh -c "exit 1"\nRestartSec=30s\n' >"$UNITS/backoff-changed.service"
unit slowgone <<EOF
[Service]
ExecStart=$(svc --name slowgone --term-delay 4 --term-exit 0)
EOF

start_superd
ok "superd answers" wait_for 10 sc health
for u in keep policy process gone wd typ; do
	ok "$u runs" wait_for 10 procs_is "$u" 1
done
wd=$(mainpid wd) typ=$(mainpid typ)
ok "the oneshot once ran and is exited" wait_for 10 bash -c "'$SUPERCTL' show once | grep -qx State=exited"
ok "backoff-changed is in backoff" wait_for 10 bash -c "'$SUPERCTL' status backoff-changed | grep -q ' backoff '"
keep=$(mainpid keep) policy=$(mainpid policy) process=$(mainpid process) gone=$(mainpid gone)

# --- an invalid configuration changes nothing -----------------------------
# Besides the broken unit, the batch holds a change of every kind, each of
# which would show were any of it applied: a policy-only change, a running
# unit's file removed, a new AutoStart unit, an Environment= change of a
# running unit.
sleeper policy "RestartSec=5s"
rm "$UNITS/gone.service"
sleeper newbie
sleeper process "Environment=BATCH=1"
printf '[Service]\nRestartSec=soon\n' >"$UNITS/broken.service"
unchanged() { # unchanged WHEN: the checks that nothing of the batch was applied
	sc status >/dev/null 2>&1 # a round trip: whatever the reload did is done
	is "$(mainpid gone)" "$gone" "$1: the removed unit still runs, same PID"
	ok "$1: with one process" procs_is gone 1
	ok "$1: and is active, not stopping" bash -c "'$SUPERCTL' show gone | grep -qx State=active"
	sc status newbie >/dev/null 2>&1
	is "$?" 4 "$1: the new unit is unknown"
	ok "$1: and has no process" procs_is newbie 0
	is "$(mainpid process)" "$process" "$1: the unit whose Environment= changed kept its PID"
	ok "$1: is active, not restarting" bash -c "'$SUPERCTL' show process | grep -qx State=active"
	ok "$1: and its old environment" bash -c "! tr '\\0' '\\n' </proc/$process/environ | grep -q '^BATCH='"
}
sc reload --dry-run >"$T/out" 2>"$T/err"; rc=$?
is "$rc" 1 "reload --dry-run of an invalid configuration exits 1"
ok "it prints the errors as FILE:LINE" grep -q "broken.service:2: invalid RestartSec=soon" "$T/err"
ok "and no plan" test ! -s "$T/out"
unchanged "after the invalid dry run"
ok "the old policy is still in force after the dry run" bash -c "'$SUPERCTL' show policy | grep -qx RestartUSec=1s"
sc reload 2>"$T/err"; rc=$?
is "$rc" 1 "reload of an invalid configuration exits 1"
ok "it prints the errors as FILE:LINE" grep -q "broken.service:2: invalid RestartSec=soon" "$T/err"
ok "and names the missing ExecStart=" grep -q "broken.service:1: missing ExecStart=" "$T/err"
ok "the errors are logged as FILE:LINE" log_has "error: .*broken.service:2: invalid RestartSec=soon"
is "$(mainpid keep)-$(mainpid policy)-$(mainpid process)-$(mainpid gone)" "$keep-$policy-$process-$gone" "every PID is unchanged"
ok "the old configuration is still in force" bash -c "'$SUPERCTL' show policy | grep -qx RestartUSec=1s"
unchanged "after the invalid reload"
invalid=$(count_in "$LOG" "reload: configuration invalid (2 error(s)); nothing changed")
kill -HUP "$SD_PID"
ok "SIGHUP with an invalid configuration logs that nothing changed" wait_count "$LOG" "reload: configuration invalid (2 error(s)); nothing changed" $((invalid + 1))
is "$(mainpid keep)-$(mainpid policy)-$(mainpid process)-$(mainpid gone)" "$keep-$policy-$process-$gone" "every PID is unchanged after SIGHUP too"
unchanged "after the invalid SIGHUP"
rm "$UNITS/broken.service" "$UNITS/newbie.service"
sleeper gone

# --- the plan, then the reload ---------------------------------------------
sleeper process "Environment=NEW=1"
sleeper wd "WorkingDirectory=$T"
sleeper typ "Type=exec"
printf '[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/sh -c "echo run2 >>%s/once.log"\n' "$T" >"$UNITS/once.service"
printf '[Service]\nExecStart=/bin/sh -c "exit 2"\nRestartSec=30s\n' >"$UNITS/backoff-changed.service"
rm "$UNITS/gone.service" "$UNITS/slowgone.service"
sleeper fresh
sleeper dormant "AutoStart=no"
sc reload --dry-run >"$T/plan"; rc=$?
is "$rc" 0 "reload --dry-run exits 0"
for line in "Update policy.service" "Restart process.service" "Restart backoff-changed.service" \
	"Stop gone.service" "Stop slowgone.service" "Start fresh.service" "Add dormant.service" \
	"Restart wd.service" "Restart typ.service" "Update once.service"; do
	ok "the plan says: $line" grep -qx "$line" "$T/plan"
done
ok "the plan does not mention the unchanged unit" bash -c "! grep -q keep '$T/plan'"
sc status fresh >/dev/null 2>&1; is "$?" 4 "a dry run adds nothing"
is "$(mainpid process)" "$process" "a dry run restarts nothing"
ok "a dry run stops nothing" test "$(procs gone)" -eq 1

slowgone=$(pid_of slowgone)
sc reload; rc=$?
is "$rc" 0 "reload exits 0"
is "$(mainpid keep)" "$keep" "an unchanged unit keeps its process"
is "$(mainpid policy)" "$policy" "a policy-only change keeps the process"
ok "and is in force" bash -c "'$SUPERCTL' show policy | grep -qx RestartUSec=5s"
ok "a changed process is restarted" wait_for 10 bash -c "p=\$('$SUPERCTL' show process | sed -n 's/^MainPID=//p'); [ \"\$p\" != 0 ] && [ \"\$p\" != $process ]"
ok "with one process, not two" test "$(procs process)" -eq 1
ok "a changed WorkingDirectory= restarts the unit" wait_for 10 new_pid wd "$wd"
ok "in its new working directory" bash -c "[ \"\$(readlink /proc/\$('$SUPERCTL' show wd | sed -n 's/^MainPID=//p')/cwd)\" = '$T' ]"
ok "a changed Type= restarts the unit" wait_for 10 new_pid typ "$typ"
ok "as Type=exec" bash -c "'$SUPERCTL' show typ | grep -qx Type=exec"
ok "the old process is gone" gone "$process"
ok "a removed unit's process is stopped" wait_for 10 gone "$gone"
sc status gone >/dev/null 2>&1; is "$?" 4 "and the unit is gone"
ok "a removed unit that takes its time is still stopping, not abandoned" alive "$slowgone"
ok "it got its stop signal" svc_has "^signal name=slowgone sig=TERM"
ok "and is reaped once it ends" wait_for 10 gone "$slowgone"
ok "then dropped" wait_log "slowgone.service: removed"
ok "a new AutoStart unit is started" wait_for 10 procs_is fresh 1
sc status dormant >"$T/out"; rc=$?
is "$rc" 3 "a new AutoStart=no unit exists but is inactive"
ok "a unit in backoff whose command changed runs the new command" wait_log "backoff-changed.service: main process exited with status 2"
ok "the reload is summed up in the log" log_has "reloaded: 1 unit(s) started, 1 added, 2 stopped, 4 restarted, 2 updated in place"
# An exited oneshot (RemainAfterExit=yes) whose ExecStart= changed has done
# its work: the reload does not run it again (as systemd); its next start
# runs the new command.
sc status >/dev/null
ok "the exited oneshot whose ExecStart= changed is still exited" bash -c "'$SUPERCTL' show once | grep -qx State=exited"
is "$(cat "$T/once.log")" run1 "and was not run again"
sc restart once; is "$?" 0 "a restart of once"
is "$(tr '\n' ' ' <"$T/once.log")" "run1 run2 " "runs the new command"

# --- removed units stop in reverse dependency order; a unit being stopped
# when its settings change is not restarted ------------------------------
unit db <<EOF
[Service]
ExecStart=$(svc --name db --term-delay 0.3 --term-exit 0)
EOF
unit app <<EOF
[Unit]
After=db
[Service]
ExecStart=$(svc --name app --term-delay 0.3 --term-exit 0)
EOF
unit draining <<EOF
[Service]
ExecStart=$(svc --name draining --term-delay 1 --term-exit 0)
EOF
sc reload
ok "db, app and draining run" wait_for 10 bash -c "grep -q '^start name=db ' '$SVCLOG' && grep -q '^start name=app ' '$SVCLOG' && grep -q '^start name=draining ' '$SVCLOG'"
draining=$(pid_of draining)
sc stop --no-block draining
ok "draining is stopping" wait_svc "^signal name=draining sig=TERM"
unit draining <<EOF
[Service]
ExecStart=$(svc --name draining --term-delay 1 --term-exit 0)
Environment=CHANGED=1
EOF
rm "$UNITS/db.service" "$UNITS/app.service"
sc reload --dry-run >"$T/plan"
ok "the plan for a unit being stopped whose Environment= changed: Update" grep -qx "Update draining.service" "$T/plan"
sc reload; is "$?" 0 "reload while a unit is stopping"
ok "it counts as updated in place, not restarted" log_has "reloaded: 0 unit(s) started, 0 added, 2 stopped, 0 restarted, 1 updated in place"
ok "db and app got their stop signal" wait_for 10 bash -c "grep -q '^signal name=db ' '$SVCLOG' && grep -q '^signal name=app ' '$SVCLOG'"
sigt() { awk -v n="name=$1" '$1 == "signal" && $2 == n { print int(substr($4, 3) / 1000000); exit }' "$SVCLOG"; }
ok "the removed app (ordered after db) stopped before db ($(sigt app) ms, $(sigt db) ms)" test $(($(sigt db) - $(sigt app))) -ge 290
ok "draining finishes stopping" wait_for 10 gone "$draining"
ok "draining then stays stopped: a reload does not restart what is being stopped" wait_log "draining.service: stopped"
is "$(grep -c '^start name=draining ' "$SVCLOG")" 1 "draining was started once only"
sc status draining >/dev/null; is "$?" 3 "and is inactive"

# --- settings that cannot change live --------------------------------------
# (ControlSocket= comes from -s here, which the file cannot override.)
printf '[superd]\nSocketMode=0666\n' >"$T/superd.conf"
sc reload 2>"$T/err"; rc=$?
is "$rc" 0 "a reload that changes SocketMode= still succeeds"
ok "with a warning that it keeps the old mode" grep -q "warning: SocketMode= cannot change while superd runs; keeping 0600" "$T/err"
ok "the socket still answers" sc health
is "$(stat -c %a "$SOCK")" 600 "and keeps its mode"
printf '[superd]\nLogTarget=journal\n' >"$T/superd.conf"
sc reload 2>"$T/err"; rc=$?
is "$rc" 0 "a reload that changes LogTarget= still succeeds"
ok "with a warning that it keeps the old target" grep -q "warning: LogTarget= cannot change while superd runs; keeping auto" "$T/err"
: >"$T/superd.conf"

# --- a storm of SIGHUPs while units crash-loop and files change -----------
for i in 1 2 3; do
	printf '[Service]\nExecStart=@/bin/sh %s/p-crash%d -c "sleep 0.05; exit 1"\nRestartSec=0\nRestartMaxDelaySec=200ms\n' "$T" "$i" >"$UNITS/crash$i.service"
done
sc reload
ok "the crash loops are running" wait_log "crash3.service: restarting in"
# A writer in the background flips a unit's command and adds or removes
# one, round after round, while 50 SIGHUPs come in a tight loop; the loop
# forks nothing (nap reads with a timeout from a pipe nobody writes).
(
	i=0
	while [ ! -e "$T/storm.stop" ]; do
		i=$((i + 1))
		if [ $((i % 2)) -eq 0 ]; then
			sleeper flip "Environment=ROUND=$i"
			sleeper storm-extra
		else
			sleeper flip
			rm -f "$UNITS/storm-extra.service"
		fi
		echo "$i" >"$T/storm.rounds"
	done
) &
writer=$!
ok "the storm's writer is at work" wait_for 10 test -s "$T/storm.rounds"
exec {nap_fd}<> <(:)
t0=${EPOCHREALTIME//[!0-9]/}
for ((i = 1; i <= 50; i++)); do
	kill -HUP "$SD_PID"
	read -r -t 0.002 -u "$nap_fd" _
done
t1=${EPOCHREALTIME//[!0-9]/}
: >"$T/storm.stop"
wait "$writer"
echo "# 50 SIGHUPs in $(((t1 - t0) / 1000)) ms, the writer at round $(cat "$T/storm.rounds")"
ok "the 50 SIGHUPs came within one second ($(((t1 - t0) / 1000)) ms)" test $(((t1 - t0) / 1000)) -le 1000
# The last state: flip with no environment, storm-extra removed.
sleeper flip
rm -f "$UNITS/storm-extra.service"
sc reload
ok "superd survived the storm" alive "$SD_PID"
settled() { [ "$(procs flip)" -eq 1 ] && [ "$(procs storm-extra)" -eq 0 ] &&
	[ "$(procs keep)" -eq 1 ] && [ "$(procs fresh)" -eq 1 ]; }
ok "after the storm: exactly one process per unit that should run, none of removed ones" wait_for 20 settled
for u in keep policy process fresh flip; do
	is "$(procs $u)" 1 "$u: exactly one process"
done
is "$(procs storm-extra)" 0 "storm-extra (removed last): no process"
is "$(procs gone)" 0 "gone: no process"
for i in 1 2 3; do
	ok "crash$i never has two processes" test "$(procs crash$i)" -le 1
done
is "$(mainpid keep)" "$keep" "the unchanged unit kept its process through all of it"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"

# --- ControlSocket= and PIDFile= from superd.conf cannot change live ---------
# superd runs without -s and -p here: both come from the file.
mkdir "$T/units2"
printf '[superd]\nControlSocket=%s/c1.sock\nPIDFile=%s/c1.pid\n' "$T" "$T" >"$T/superd.conf"
"$SUPERD" -c "$T/superd.conf" -u "$T/units2" >>"$LOG" 2>&1 &
SD_PID=$!
ok "superd answers on the ControlSocket= of its superd.conf" wait_for 10 sc -s "$T/c1.sock" health
ok "and wrote the PIDFile= of its superd.conf" wait_for 10 bash -c "[ \"\$(cat '$T/c1.pid')\" = $SD_PID ]"
printf '[superd]\nControlSocket=%s/c2.sock\nPIDFile=%s/c2.pid\n' "$T" "$T" >"$T/superd.conf"
sc -s "$T/c1.sock" reload 2>"$T/err"; rc=$?
is "$rc" 0 "a reload that changes ControlSocket= and PIDFile= still succeeds"
ok "it warns that it keeps the old socket" grep -q "warning: ControlSocket= cannot change while superd runs; keeping $T/c1.sock" "$T/err"
ok "the warning is logged" log_has "reload: ControlSocket= cannot change while superd runs; keeping $T/c1.sock"
ok "and that it keeps the old PID file" grep -q "warning: PIDFile= cannot change while superd runs; keeping $T/c1.pid" "$T/err"
ok "logged too" log_has "reload: PIDFile= cannot change while superd runs; keeping $T/c1.pid"
sc -s "$T/c1.sock" status >/dev/null 2>&1 # a round trip after the reload
ok "the old socket still answers" sc -s "$T/c1.sock" health
ok "the new socket path is not created" test ! -e "$T/c2.sock"
is "$(cat "$T/c1.pid" 2>/dev/null)" "$SD_PID" "the old PID file still holds superd's PID"
ok "the new PID file is not created" test ! -e "$T/c2.pid"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
ok "the PID file removed at exit is the old one" test ! -e "$T/c1.pid"
ok "the old socket is removed at exit" test ! -e "$T/c1.sock"
done_testing
