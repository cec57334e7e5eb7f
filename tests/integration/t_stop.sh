# Stopping a unit: KillSignal= to the process group (or per KillMode=), then
# SIGKILL to the whole group after TimeoutStopSec=; nothing of the unit
# survives. Also the cleanup of a crashed unit's group before its restart.
. "$TOP_SRCDIR/tests/integration/lib.sh"
: "${SUPERCTL:?SUPERCTL must point to the superctl binary}"

slack=$(awk -v k="$TEST_TIMEOUT_SCALE" 'BEGIN { printf "%d", 300 * k }')
now_ms() { echo $(($(date +%s%N) / 1000000)); }

unit group <<EOF
[Service]
ExecStart=$(svc --name group --fork-child)
EOF
unit stubborn-child <<EOF
[Service]
ExecStart=$(svc --name stubborn-child --fork-child --child-ignore-term)
TimeoutStopSec=1s
EOF
unit stubborn-main <<EOF
[Service]
ExecStart=$(svc --name stubborn-main --term-delay 100)
TimeoutStopSec=700ms
EOF
unit intsig <<EOF
[Service]
ExecStart=$(svc --name intsig --term-exit 0)
KillSignal=SIGINT
EOF
unit procmode <<EOF
[Service]
ExecStart=$(svc --name procmode --fork-child)
KillMode=process
EOF
# KillMode=process, stopped on its own: the main process takes 1s over
# SIGTERM, its grandchild exits on SIGTERM, and TimeoutStopSec= is far away.
# The grandchild must be left alone while the main process runs, and get
# KillSignal (not SIGKILL at the timeout) once it has exited.
unit procstop <<EOF
[Service]
ExecStart=$(svc --name procstop --fork-child --term-delay 1 --term-exit 0)
KillMode=process
TimeoutStopSec=60s
EOF
unit mixed <<EOF
[Service]
ExecStart=$(svc --name mixed --fork-child --child-ignore-term)
KillMode=mixed
TimeoutStopSec=30s
EOF
unit graceful <<EOF
[Service]
ExecStart=$(svc --name graceful --term-delay 0.5 --term-exit 0)
TimeoutStopSec=5s
EOF
unit crashy <<EOF
[Service]
ExecStart=$(svc --name crashy --fork-child --child-ignore-term --run 0.3 --exit 1)
TimeoutStopSec=1s
RestartSec=100ms
EOF

# The last member of this unit's group is reaped by a parent that left the
# group: superd never sees that exit, and with TimeoutStopSec=infinity no
# deadline comes either. It must still notice the empty group.
unit unseen <<EOF
[Service]
Restart=no
TimeoutStopSec=infinity
ExecStart=$(svc --name unseen --escape-parent --run 0.1)
EOF

start_superd
ok "unseen: the grandchild was reaped by its parent outside the group" wait_svc "^reaped name=unseen "
ok "unseen: superd noticed the empty group and the unit stopped" wait_log "unseen.service: stopped" 10
for u in group stubborn-child mixed procmode procstop; do
	ok "$u: main process and grandchild are up" wait_svc "^child name=$u "
done
ok "stubborn-main is up" wait_svc "^start name=stubborn-main "
ok "intsig and graceful are up" wait_for 10 bash -c "grep -q '^start name=intsig' '$SVCLOG' && grep -q '^start name=graceful' '$SVCLOG'"

# A crashed unit's leftover grandchild ignores SIGTERM: superd must kill it
# (SIGKILL after TimeoutStopSec=) before the restart.
ok "crashy: restarted after its crash" wait_count "$SVCLOG" "^start name=crashy " 2 20
read -r exit1 start2 <<<"$(awk '/^exit name=crashy / && !e { for (i=3;i<=NF;i++) if ($i ~ /^t=/) e=substr($i,3) }
	/^start name=crashy / { n++; if (n == 2) for (i=3;i<=NF;i++) if ($i ~ /^t=/) s=substr($i,3) }
	END { print e, s }' "$SVCLOG")"
gap=$(((start2 - exit1) / 1000000))
ok "crashy: the restart waited for the old group to die: TimeoutStopSec= + RestartSec= (got ${gap}ms)" test "$gap" -ge 1050
ok "crashy: the leftovers were signalled first" log_has "crashy.service: stopping leftover processes of group"
first_child=$(field "$(grep '^child name=crashy' "$SVCLOG" | head -n 1)" pid)
ok "crashy: the first run's grandchild is gone" gone "$first_child"
ok "crashy: the leftover needed SIGKILL" log_has "crashy.service: still running 1s after the stop signal; sending SIGKILL"

pids_of() { grep -E "^(start|child) name=$1 " "$SVCLOG" | while read -r l; do field "$l" pid; done; }
all_pids=$(for u in group stubborn-child stubborn-main intsig procmode procstop mixed graceful crashy; do pids_of $u; done)

ps_main=$(pid_of procstop)
ps_child=$(field "$(grep '^child name=procstop ' "$SVCLOG")" pid)
ok "procstop: superctl stop --no-block is accepted" "$SUPERCTL" stop --no-block procstop
ok "procstop: KillMode=process sends KillSignal to the main process" wait_svc "^signal name=procstop sig=TERM"
# The main process takes 1s to exit: the grandchild must still be there (a
# grandchild killed now would be a zombie, unreaped by its busy parent).
both_alive() { alive "$1" && alive "$2"; }
ok "procstop: the rest of the group is left alone while the main process runs" \
	both_alive "$ps_main" "$ps_child"
ok "procstop: the main process exited by itself" wait_svc "^exit name=procstop code=0"
# Only KillSignal to the rest of the group, once the main process has gone,
# ends the grandchild this early: SIGKILL would wait for TimeoutStopSec=60s.
ok "procstop: the unit stopped, long before TimeoutStopSec=" wait_log "procstop.service: stopped" 10
ok "procstop: the grandchild is gone" gone "$ps_child"
ok "procstop: the grandchild got KillSignal, no SIGKILL" bash -c "! grep -q 'procstop.service: still running' '$LOG'"

kill -TERM "$SD_PID"
ok "stubborn-main got SIGTERM" wait_svc "^signal name=stubborn-main sig=TERM"
t0=$(now_ms)
sm=$(pid_of stubborn-main)
wait_for 10 gone "$sm"
el=$(($(now_ms) - t0))
ok "stubborn-main: SIGKILL came after TimeoutStopSec=700ms (after ${el}ms)" test "$el" -ge 650 -a "$el" -le $((700 + slack))
wait_superd 30
is "$SD_STATUS" 1 "superd exits 1 when shutdown had to SIGKILL something"

for p in $all_pids; do
	ok "pid $p of a unit is gone after shutdown" gone "$p"
done
ok "group: the grandchild got the stop signal with its group, no SIGKILL needed" bash -c "! grep -q 'group.service: still running' '$LOG'"
ok "stubborn-child: the grandchild that ignores SIGTERM was SIGKILLed" log_has "stubborn-child.service: still running 1s after the stop signal; sending SIGKILL"
ok "intsig: KillSignal=SIGINT was sent" svc_has "^signal name=intsig sig=INT"
ok "procmode: KillMode=process signals the main process" svc_has "^signal name=procmode sig=TERM"
ok "procmode: the rest of the group got KillSignal after the main process, no SIGKILL" \
	bash -c "! grep -q 'procmode.service: still running' '$LOG'"
ok "mixed: KillMode=mixed sends KillSignal to the main process" svc_has "^signal name=mixed sig=TERM"
ok "mixed: the rest of the group got SIGKILL at once, not after TimeoutStopSec=" bash -c "! grep -q 'mixed.service: still running' '$LOG'"
ok "graceful: a process that takes its time within TimeoutStopSec= is not killed" svc_has "^exit name=graceful code=0"
ok "graceful: no SIGKILL" bash -c "! grep -q 'graceful.service: still running' '$LOG'"
done_testing
