# superd under systemd (SPEC §6): a test-owned NOTIFY_SOCKET stands in for
# systemd and receives READY=1 once every AutoStart unit has settled,
# RELOADING=1 and READY=1 around a reload, STOPPING=1 at shutdown, and
# WATCHDOG=1 at half of WATCHDOG_USEC.
. "$TOP_SRCDIR/tests/integration/lib.sh"
: "${SUPERCTL:?SUPERCTL must point to the superctl binary}"

if ! "$SUPERD" --version | grep -q '+systemd'; then
	echo "ok 1 # SKIP superd is built --without-systemd"
	echo "1..1"
	exit 0
fi

NLOG=$T/notify.log
"$TESTSVC" --notify-recv "$T/notify.sock" "$NLOG" &
ok "the stand-in for systemd listens" wait_for 10 grep -q '^listening' "$NLOG"
notified() { grep -q "^notify t=[0-9]* $1" "$NLOG"; }
count_at_least() { [ "$(count "$1")" -ge "$2" ]; }
count() { grep -c "^notify t=[0-9]* $1" "$NLOG" || true; }

unit plain <<EOF
[Service]
ExecStart=$(svc --name plain)
RestartSec=3s
EOF
# late is a notify unit that sends READY=1 only once $T/go exists: until
# then its first start has not settled, and superd is not ready.
unit late <<EOF
[Service]
Type=notify
ExecStart=/bin/sh -c 'until [ -e $T/go ]; do sleep 0.05; done; exec $(svc --name late --notify READY=1)'
EOF
# waiter cannot start until late is ready.
unit waiter <<EOF
[Unit]
After=late
[Service]
ExecStart=$(svc --name waiter)
EOF
# afteros waits After= a oneshot that runs half a second, afterskip After= a
# unit whose condition fails: neither of those is wanted any more, so the
# waiters start; they are notify units ready only once $T/go2 exists, and
# superd's READY=1 must wait for them too.
unit os <<EOF
[Service]
Type=oneshot
ExecStart=/bin/sleep 0.5
EOF
unit afteros <<EOF
[Unit]
After=os
[Service]
Type=notify
ExecStart=/bin/sh -c 'until [ -e $T/go2 ]; do sleep 0.05; done; exec $(svc --name afteros --notify READY=1)'
EOF
unit skipped <<EOF
[Unit]
ConditionPathExists=$T/no-such-file
[Service]
ExecStart=/bin/true
EOF
unit afterskip <<EOF
[Unit]
After=skipped
[Service]
Type=notify
ExecStart=/bin/sh -c 'until [ -e $T/go2 ]; do sleep 0.05; done; exec $(svc --name afterskip --notify READY=1)'
EOF
# broken can never exec: it backs off for ever. A failed first start has
# settled, so it must not hold superd's READY=1 back.
unit broken <<EOF
[Service]
ExecStart=$T/no-such-binary
RestartSec=200ms
RestartMaxDelaySec=200ms
EOF

NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=300000 start_superd
ok "late has been forked and waits" wait_log "late.service: forked pid"
ok "plain is up" wait_svc "^start name=plain "
ok "broken has failed its first start and backs off" wait_log "broken.service: restarting in"
ok "afteros has been forked, os being done" wait_log "afteros.service: forked pid" 10
ok "afterskip has been forked, skipped being skipped" wait_log "afterskip.service: forked pid"
ok "no READY=1 while a unit's first start has not settled" bash -c "! grep -q 'READY=1' '$NLOG'"
ok "waiter has not been started (it is After= late)" bash -c "! grep -q '^start name=waiter ' '$SVCLOG'"
"$SUPERCTL" reload
ok "a reload meanwhile says RELOADING=1" wait_for 5 notified "RELOADING=1"
ok "but does not make superd look ready" bash -c "! grep -q 'READY=1' '$NLOG'"
touch "$T/go"
ok "late gets ready" wait_log "late.service: ready" 10
ok "then waiter starts" wait_log "waiter.service: started" 5
# A second reload: had superd sent READY=1 meanwhile, it would stand
# before this RELOADING=1 (datagrams from one sender arrive in order).
"$SUPERCTL" reload
ok "the second reload says RELOADING=1" wait_for 5 count_at_least RELOADING=1 2
ok "still no READY=1: afteros and afterskip have not settled" bash -c "! grep -q 'READY=1' '$NLOG'"
touch "$T/go2"
ok "READY=1 once every unit has settled" wait_for 10 notified "READY=1"
ok "afteros had sent its own READY=1 by then" wait_log "afteros.service: ready" 1
ok "and afterskip" wait_log "afterskip.service: ready" 1
ok "READY=1 carries MAINPID=" grep -q "READY=1 MAINPID=$SD_PID " "$NLOG"
ok "and STATUS= with counts (broken counts as restarting)" grep -q "STATUS=8 units: 5 active, 0 failed, 1 restarting" "$NLOG"
ok "WATCHDOG=1 is sent" wait_for 5 count_at_least WATCHDOG=1 7
# The median gap between pings (t= is when superd sent each one, in ns)
# is half of WATCHDOG_USEC=300000, 150 ms: a late ping on a loaded machine
# may stretch the top, nothing may shorten the bottom.
median_gap_ms() {
	grep "^notify t=[0-9]* WATCHDOG=1" "$NLOG" | sed 's/^notify t=\([0-9]*\) .*/\1/' |
		awk 'NR > 1 { print ($1 - prev) / 1e6 } { prev = $1 }' | sort -n |
		awk '{ g[NR] = $1 } END { print g[int((NR + 1) / 2)] }'
}
gap=$(median_gap_ms)
ok "WATCHDOG=1 at half of WATCHDOG_USEC (median gap $gap ms)" \
	awk -v g="$gap" -v k="$TEST_TIMEOUT_SCALE" 'BEGIN { exit !(g >= 120 && g <= 200 * k) }'
"$SUPERCTL" reload
ok "a reload sends RELOADING=1" wait_for 5 count_at_least "RELOADING=1 MONOTONIC_USEC=[0-9]*" 3
ok "then READY=1 again" wait_for 5 count_at_least READY=1 2
last_line() { grep -n "^notify t=[0-9]* $1" "$NLOG" | tail -n 1 | cut -d: -f1; }
ok "RELOADING=1 came before the second READY=1" test "$(last_line RELOADING=1)" -lt "$(last_line READY=1)"
ok "no unit sees systemd's socket" bash -c "! grep -q NOTIFY_SOCKET /proc/$(pid_of plain)/environ"
# STATUS= follows the counts once superd is ready (within a second of a
# change): plain crashes and waits 3 s to restart.
kill -KILL "$(pid_of plain)"
ok "STATUS= follows a crash: plain is restarting" \
	wait_for 5 notified "STATUS=8 units: 4 active, 0 failed, [12] restarting"
ok "and its return" wait_for 10 bash -c "grep '^notify t=[0-9]* STATUS=' '$NLOG' | tail -n 1 | grep -q 'STATUS=8 units: 5 active'"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
# The stand-in logs each datagram after superd has sent it: wait for it.
ok "STOPPING=1 at shutdown" wait_for 5 notified "STOPPING=1"
t_stopping=$(sed -n 's/^notify t=\([0-9]*\) STOPPING=1.*/\1/p' "$NLOG")
t_term=$(field "$(grep '^signal name=plain sig=TERM ' "$SVCLOG")" t)
ok "STOPPING=1 was sent before the units were stopped ($t_stopping < $t_term)" \
	test "${t_stopping:-x}" -lt "${t_term:-0}"
done_testing
