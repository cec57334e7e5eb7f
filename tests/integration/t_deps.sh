# Dependencies at start: After= waits for readiness, Requires=/Wants= pull
# units in, a missing or failed Requires= unit fails the dependent, and
# conditions skip a start without holding up what is ordered after it.
. "$TOP_SRCDIR/tests/integration/lib.sh"
sc() { "$SUPERCTL" "$@"; }

# "late" cannot exec until the test creates its binary; "waiter" is ordered
# after it and must not start before "late" is ready.
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

# "gate" is ready only once the test opens its FIFO: until then it and
# what is ordered after it have not settled, and superd is not ready.
mkfifo "$T/gate.fifo"
unit gate <<EOF
[Service]
Type=notify
TimeoutStartSec=60s
ExecStart=/bin/sh -c 'read x <$T/gate.fifo; exec $(svc --name gate --notify READY=1)'
EOF
unit after-gate <<EOF
[Unit]
After=gate
[Service]
ExecStart=$(svc --name after-gate)
EOF

unit needs-ghost <<EOF
[Unit]
Requires=ghost
[Service]
ExecStart=$(svc --name needs-ghost)
EOF

unit broken <<EOF
[Service]
Type=exec
Restart=no
ExecStart=$T/no-such-binary
EOF
unit needs-broken <<EOF
[Unit]
Requires=broken
After=broken
[Service]
ExecStart=$(svc --name needs-broken)
EOF
unit wants-broken <<EOF
[Unit]
Wants=broken
After=broken
[Service]
ExecStart=$(svc --name wants-broken)
EOF

unit pulled-by-requires <<EOF
[Service]
AutoStart=no
ExecStart=$(svc --name pulled-by-requires)
EOF
unit pulled-by-wants <<EOF
[Service]
AutoStart=no
ExecStart=$(svc --name pulled-by-wants)
EOF
unit puller <<EOF
[Unit]
Requires=pulled-by-requires
Wants=pulled-by-wants.service
[Service]
ExecStart=$(svc --name puller)
EOF
unit manual <<EOF
[Service]
AutoStart=no
ExecStart=$(svc --name manual)
EOF

unit conditional <<EOF
[Unit]
ConditionPathExists=$T/no-such-file
[Service]
ExecStart=$(svc --name conditional)
EOF
unit after-conditional <<EOF
[Unit]
After=conditional
[Service]
ExecStart=$(svc --name after-conditional)
EOF
unit negated <<EOF
[Unit]
ConditionPathExists=!$T/no-such-file
ConditionPathIsDirectory=$T
[Service]
ExecStart=$(svc --name negated)
EOF
# Every condition key, each failing and holding.
mkdir "$T/emptydir" "$T/fulldir"
: >"$T/fulldir/x"
: >"$T/emptyfile"
echo data >"$T/fullfile"
cond() { # cond NAME KEY=VALUE
	unit "$1" <<EOF
[Unit]
$2
[Service]
ExecStart=$(svc --name "$1")
EOF
}
cond c-isdir-no "ConditionPathIsDirectory=$T/fullfile"
cond c-isdir-yes "ConditionPathIsDirectory=$T/emptydir"
cond c-notempty-no "ConditionFileNotEmpty=$T/emptyfile"
cond c-notempty-yes "ConditionFileNotEmpty=$T/fullfile"
cond c-dirnotempty-no "ConditionDirectoryNotEmpty=$T/emptydir"
cond c-dirnotempty-yes "ConditionDirectoryNotEmpty=$T/fulldir"
cond c-negdir-no "ConditionDirectoryNotEmpty=!$T/fulldir"
unit asserted <<EOF
[Unit]
AssertPathExists=$T/no-such-file
[Service]
ExecStart=$(svc --name asserted)
EOF

start_superd
ok "late cannot exec yet" wait_log "late.service: cannot start: executing $T/late-bin"
ok "the other units are up" wait_svc "^start name=negated "
ok "waiter has not started while late is not ready" bash -c "! grep -q '^start name=waiter' '$SVCLOG'"
"$SUPERCTL" health 2>"$T/health"; rc=$?
is "$rc" 1 "health fails while a start has not settled (gate is not ready, after-gate waits for it)"
ok "and says why" grep -q "superd is starting: 2 unit(s) not settled yet" "$T/health"
ok "after-gate has not started" bash -c "! grep -q '^start name=after-gate' '$SVCLOG'"
timeout 10 sh -c "echo go >'$T/gate.fifo'"
ok "gate becomes ready once its FIFO opens" wait_log "gate.service: ready"
ok "then after-gate starts" wait_svc "^start name=after-gate "
ok "health passes once every start has settled" wait_for 10 "$SUPERCTL" health
ok "though waiter still waits for late, which backs off (both count as settled)" \
	bash -c "! grep -q '^start name=waiter' '$SVCLOG'"
ln -s "$TESTSVC" "$T/late-bin"
ok "late starts once its binary exists" wait_svc "^start name=late "
ok "then waiter starts" wait_svc "^start name=waiter "
# superd logs events in the order it handles them: late's exec is confirmed
# before waiter is forked. (The children's own start lines may cross: a
# program's start-up after exec takes its own time.)
ll=$(grep -n 'late.service: started' "$LOG" | head -n 1 | cut -d: -f1)
lw=$(grep -n 'waiter.service: started' "$LOG" | head -n 1 | cut -d: -f1)
ok "waiter was started after late was ready (log lines $ll, $lw)" test "$lw" -gt "$ll"

ok "a missing Requires= unit fails the unit with the reason" wait_log "needs-ghost.service: failed: Requires=ghost.service: no such unit"
ok "a failed Requires=+After= unit fails the dependent" wait_log "needs-broken.service: failed: required unit broken.service failed"
ok "a failed Wants=+After= unit does not hold the dependent back" wait_svc "^start name=wants-broken "
ok "Requires= pulls in a unit that is not AutoStart" wait_svc "^start name=pulled-by-requires "
ok "Wants= pulls in a unit that is not AutoStart" wait_svc "^start name=pulled-by-wants "
ok "a failed condition skips the start with the reason" wait_log "conditional.service: start skipped: condition not met: ConditionPathExists=$T/no-such-file"
ok "a unit ordered after a skipped one still starts" wait_svc "^start name=after-conditional "
ok "a negated condition and a directory condition that hold let it start" svc_has "^start name=negated "
for c in c-isdir c-notempty c-dirnotempty; do
	ok "$c: the start is skipped when the condition fails" wait_log "$c-no.service: start skipped: condition not met"
	ok "$c: and runs when it holds" wait_svc "^start name=$c-yes "
done
ok "a negated ConditionDirectoryNotEmpty= on a full directory skips the start" wait_log "c-negdir-no.service: start skipped: condition not met: ConditionDirectoryNotEmpty=!$T/fulldir"
is "$(sc show c-notempty-no | sed -n 's/^State=//p')" inactive "a skipped unit stays inactive, not failed"
ok "with the reason shown" bash -c "'$SUPERCTL' status c-notempty-no | grep -q 'condition not met: ConditionFileNotEmpty=$T/emptyfile'"
ok "a failed assertion fails the unit" wait_log "asserted.service: failed: assertion failed: AssertPathExists=$T/no-such-file"

stop_superd
is "$SD_STATUS" 0 "clean shutdown"
for u in needs-ghost needs-broken conditional asserted manual c-isdir-no c-notempty-no c-dirnotempty-no c-negdir-no; do
	ok "$u never ran" bash -c "! grep -q '^start name=$u ' '$SVCLOG'"
done
done_testing
