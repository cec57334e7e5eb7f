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
count() { grep -c "^notify t=[0-9]* $1" "$NLOG" || true; }

unit plain <<EOF
[Service]
ExecStart=$(svc --name plain)
EOF
# waiter cannot start until late can exec, so superd is not ready before.
unit late <<EOF
[Service]
Type=exec
ExecStart=$T/late-bin --log $SVCLOG --name late
RestartSec=200ms
RestartMaxDelaySec=200ms
EOF
unit waiter <<EOF
[Unit]
After=late
[Service]
ExecStart=$(svc --name waiter)
EOF

NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=300000 start_superd
ok "late cannot start yet" wait_log "late.service: cannot start"
ok "plain is up" wait_svc "^start name=plain "
ok "no READY=1 while a unit's first start has not settled" bash -c "! grep -q 'READY=1' '$NLOG'"
"$SUPERCTL" reload
ok "a reload meanwhile says RELOADING=1" wait_for 5 notified "RELOADING=1"
ok "but does not make superd look ready" bash -c "! grep -q 'READY=1' '$NLOG'"
ln -s "$TESTSVC" "$T/late-bin"
ok "READY=1 once every unit has settled" wait_for 10 notified "READY=1"
ok "waiter had been started by then" wait_log "waiter.service: started" 5
ok "READY=1 carries MAINPID=" grep -q "READY=1 MAINPID=$SD_PID " "$NLOG"
ok "and STATUS= with counts" grep -q "STATUS=3 units: 3 active, 0 failed, 0 restarting" "$NLOG"
pings_at_least() { [ "$(count WATCHDOG=1)" -ge "$1" ]; }
ok "WATCHDOG=1 is sent, at half of WATCHDOG_USEC" wait_for 5 pings_at_least 3
"$SUPERCTL" reload
ok "a reload sends RELOADING=1" notified "RELOADING=1 MONOTONIC_USEC=[0-9]*"
ok "then READY=1 again" test "$(count READY=1)" -eq 2
ok "RELOADING=1 came before the second READY=1" bash -c "grep -n 'RELOADING=1' '$NLOG' | head -1 | cut -d: -f1 | xargs -I{} awk 'NR > {} && /READY=1/' '$NLOG' | grep -q READY"
ok "no unit sees systemd's socket" bash -c "! grep -q NOTIFY_SOCKET /proc/$(pid_of plain)/environ"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
ok "STOPPING=1 at shutdown" notified "STOPPING=1"
done_testing
