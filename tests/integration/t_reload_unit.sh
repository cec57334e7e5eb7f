# superctl reload UNIT: ExecReload= (with $MAINPID), or ReloadSignal=.
. "$TOP_SRCDIR/tests/integration/lib.sh"
: "${SUPERCTL:?SUPERCTL must point to the superctl binary}"
sc() { "$SUPERCTL" "$@"; }
mainpid() { sc show "$1" | sed -n 's/^MainPID=//p'; }

# The line distribution units write.
unit classic <<EOF
[Service]
ExecStart=$(svc --name classic)
ExecReload=/bin/kill -HUP \$MAINPID
EOF
unit envcheck <<EOF
[Service]
ExecStart=$(svc --name envcheck)
ExecReload=/bin/sh -c 'echo "\$\$MAINPID \${MAINPID}" > $T/mainpid'
EOF
unit failing <<EOF
[Service]
ExecStart=$(svc --name failing)
ExecReload=/bin/sh -c 'exit 3'
EOF
unit tolerant <<EOF
[Service]
ExecStart=$(svc --name tolerant)
ExecReload=-/bin/sh -c 'exit 3'
ExecReload=/bin/kill -USR1 \${MAINPID}
EOF
unit slow <<EOF
[Service]
ExecStart=$(svc --name slow)
ExecReload=/bin/sh -c 'touch $T/slow.started; sleep 1'
EOF
unit hanging <<EOF
[Service]
ExecStart=$(svc --name hanging)
ExecReload=@/bin/sleep $T/hang 100000
TimeoutStartSec=500ms
EOF
unit signal <<EOF
[Service]
ExecStart=$(svc --name signal)
ReloadSignal=SIGUSR2
EOF

start_superd
ok "superd answers" wait_for 10 sc health
ok "all units are up" wait_for 10 bash -c "[ \$(grep -c '^start ' '$SVCLOG') -eq 7 ]"

classic=$(mainpid classic)
up1=$(sc show classic | sed -n 's/^UptimeUSec=//p')
sc reload classic; is "$?" 0 "ExecReload=/bin/kill -HUP \$MAINPID succeeds"
up2=$(sc show classic | sed -n 's/^UptimeUSec=//p')
ok "a reload does not reset the unit's uptime ($up1 us, then $up2 us)" test "$up2" -gt "$up1"
ok "the main process got SIGHUP" wait_svc "^signal name=classic sig=HUP"
is "$(mainpid classic)" "$classic" "reloading keeps the process"
ok "the unit is active again" sc is-active classic

envpid=$(mainpid envcheck)
sc reload envcheck; is "$?" 0 "an ExecReload= shell command succeeds"
is "$(cat "$T/mainpid")" "$envpid $envpid" "ExecReload= gets MAINPID in its environment and in \${MAINPID}"

sc reload failing 2>"$T/err"; rc=$?
is "$rc" 1 "a failing ExecReload= makes superctl reload exit 1"
ok "with the cause" grep -q "failing.service: reload failed: ExecReload= exited with status 3" "$T/err"
ok "the unit stays active after a failed reload" sc is-active failing

sc reload tolerant; is "$?" 0 "a '-' ExecReload= may fail; the next one runs"
ok "the second command ran" wait_svc "^signal name=tolerant sig=USR1"

sc reload slow &
job=$!
ok "the slow reload runs" wait_for 10 test -e "$T/slow.started"
sc status slow >"$T/out"; rc=$?
ok "meanwhile the unit is reloading" grep -q "^slow.service  *reloading " "$T/out"
wait "$job"; is "$?" 0 "superctl waited for the reload to finish"
ok "then the unit is active" sc is-active slow

sc reload hanging 2>"$T/err"; rc=$?
is "$rc" 1 "a reload that outlives TimeoutStartSec= fails"
ok "and says it timed out" grep -q "timed out" "$T/err"
ok "its process was killed" wait_for 10 bash -c "! pgrep -f '^$T/hang ' >/dev/null"
ok "the unit stays active" sc is-active hanging

# A configuration reload that drops ExecReload= while it runs: the unit
# restarts (its commands changed), the running reload is aborted, and
# superd survives the exit of a command it no longer has.
rm -f "$T/slow.started"
sc reload slow 2>"$T/err" &
job=$!
ok "the slow reload runs again" wait_for 10 test -e "$T/slow.started"
unit slow <<EOF
[Service]
ExecStart=$(svc --name slow)
EOF
sc reload; is "$?" 0 "a configuration reload while the unit reloads"
wait "$job"; rc=$?
is "$rc" 1 "the interrupted unit reload reports failure"
ok "saying it was interrupted" grep -q "interrupted" "$T/err"
ok "superd is alive" alive "$SD_PID"
ok "slow runs again, with its new settings" wait_for 10 sc is-active slow

sc reload signal; is "$?" 0 "without ExecReload=, ReloadSignal= is sent"
ok "the unit got SIGUSR2" wait_svc "^signal name=signal sig=USR2"

sc reload classic signal; is "$?" 0 "several units at once"
sc stop classic
sc reload classic 2>"$T/err"; is "$?" 1 "reloading a stopped unit fails"
ok "and says why" grep -q "classic.service is not running" "$T/err"
sc reload ghost 2>/dev/null; is "$?" 4 "reloading an unknown unit exits 4"

stop_superd
is "$SD_STATUS" 0 "clean shutdown"
done_testing
