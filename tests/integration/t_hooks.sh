# ExecStartPre=, ExecStartPost= and ExecStop=: when they run, what their
# failure means, and that they see MAINPID.
. "$TOP_SRCDIR/tests/integration/lib.sh"
: "${SUPERCTL:?SUPERCTL must point to the superctl binary}"
# Gives up after a minute: a superd that never answers fails the check
# instead of hanging the test.
sc() { timeout 60 "$SUPERCTL" "$@"; }

unit pre <<EOF
[Service]
ExecStartPre=/bin/sh -c 'echo first >> $T/pre'
ExecStartPre=-/bin/sh -c 'echo tolerated >> $T/pre; exit 9'
ExecStart=/bin/sh -c 'echo main >> $T/pre; exec $(svc --name pre)'
EOF
unit pre-fail <<EOF
[Service]
Restart=no
ExecStartPre=/bin/sh -c 'exit 4'
ExecStart=$(svc --name pre-fail)
EOF
unit post <<EOF
[Service]
AutoStart=no
ExecStart=$(svc --name post)
ExecStartPost=/bin/sh -c 'sleep 0.5; echo "\$\$MAINPID" > $T/post'
EOF
unit post-fail <<EOF
[Service]
Restart=no
ExecStart=$(svc --name post-fail)
ExecStartPost=/bin/false
EOF
unit post-tolerant <<EOF
[Service]
ExecStart=$(svc --name post-tolerant)
ExecStartPost=-/bin/sh -c 'echo tolerated >> $T/post-tolerant; exit 6'
ExecStartPost=/bin/sh -c 'echo next >> $T/post-tolerant'
EOF
unit post-fail-manual <<EOF
[Service]
AutoStart=no
Restart=no
ExecStart=$(svc --name post-fail-manual)
ExecStartPost=/bin/sh -c 'echo failing >> $T/post-fail-manual; exit 6'
ExecStartPost=/bin/sh -c 'echo never >> $T/post-fail-manual'
EOF
unit stopper <<EOF
[Service]
ExecStart=$(svc --name stopper)
ExecStop=/bin/sh -c 'echo \$MAINPID > $T/stop; kill -USR1 \$MAINPID; sleep 0.3'
EOF

start_superd
ok "superd answers" wait_for 10 bash -c "'$SUPERCTL' version >/dev/null"

ok "pre: the main process ran" wait_svc "^start name=pre "
is "$(tr '\n' ' ' <"$T/pre")" "first tolerated main " "ExecStartPre= ran in order before the main process, a '-' failure tolerated"
ok "pre-fail: a failing ExecStartPre= fails the unit with the cause" wait_log "pre-fail.service: failed: ExecStartPre= exited with status 4"
ok "pre-fail: the main process never ran" bash -c "! grep -q '^start name=pre-fail ' '$SVCLOG'"

sc start post; rc=$?
is "$rc" 0 "start of a unit with ExecStartPost= returns 0"
ok "only after ExecStartPost= had run" test -s "$T/post"
is "$(cat "$T/post")" "$(pid_of post)" "ExecStartPost= sees MAINPID"
ok "post-fail: a failing ExecStartPost= fails the unit" wait_log "post-fail.service: failed: ExecStartPost= exited with status 1"
pf=$(pid_of post-fail)
ok "post-fail: and its main process is stopped" wait_for 10 gone "$pf"

ok "post-tolerant: after a failing '-' ExecStartPost= the next one runs" wait_for 10 grep -qx next "$T/post-tolerant"
is "$(tr '\n' ' ' <"$T/post-tolerant")" "tolerated next " "both ExecStartPost= commands ran, in order"
ok "the unit is active" wait_for 10 sc is-active post-tolerant
ok "superd saw no failed start" bash -c "! grep -q 'post-tolerant.service: .*ExecStartPost= exited' '$LOG'"
pt=$(pid_of post-tolerant)
ok "its main process still runs" alive "$pt"
is "$(starts_of post-tolerant | wc -l)" 1 "and was never restarted"
sc start post-fail-manual 2>/dev/null
is "$?" 1 "start of a unit whose ExecStartPost= fails (no '-') returns 1"
ok "the unit is failed" bash -c "'$SUPERCTL' show post-fail-manual | grep -q '^State=failed'"
ok "with the cause as its reason" bash -c "'$SUPERCTL' show post-fail-manual | grep -q '^Reason=.*ExecStartPost= exited with status 6'"
is "$(cat "$T/post-fail-manual")" "failing" "the ExecStartPost= after the failing one never ran"
ok "its main process is stopped" wait_for 10 gone "$(pid_of post-fail-manual)"

sp=$(pid_of stopper)
sc stop stopper; is "$?" 0 "stop of a unit with ExecStop="
is "$(cat "$T/stop")" "$sp" "ExecStop= got \$MAINPID"
ok "ExecStop= ran first (the unit got its SIGUSR1)" svc_has "^signal name=stopper sig=USR1"
ok "then KillSignal= to what was left" svc_has "^signal name=stopper sig=TERM"
ul=$(grep -n '^signal name=stopper sig=USR1' "$SVCLOG" | cut -d: -f1)
tl=$(grep -n '^signal name=stopper sig=TERM' "$SVCLOG" | cut -d: -f1)
ok "in that order" test "$ul" -lt "$tl"
ok "the main process is gone" gone "$sp"

stop_superd
is "$SD_STATUS" 0 "clean shutdown"
done_testing
