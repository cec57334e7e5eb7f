# Signals superd receives (SPEC §5): relayed to the units that list them in
# ForwardSignals= (superd.conf gives the default), to the whole process group
# or, with KillMode=process, to the main process only; others are ignored
# and superd keeps running.
. "$TOP_SRCDIR/tests/integration/lib.sh"

cat >"$T/superd.conf" <<EOF
[superd]
ForwardSignals=USR2
EOF
unit fw <<EOF
[Service]
ExecStart=$(svc --name fw --fork-child)
ForwardSignals=USR1 HUP WINCH
EOF
unit fwproc <<EOF
[Service]
ExecStart=$(svc --name fwproc --fork-child)
ForwardSignals=USR1
KillMode=process
EOF
unit default <<EOF
[Service]
ExecStart=$(svc --name default)
EOF
unit none <<EOF
[Service]
ExecStart=$(svc --name none)
ForwardSignals=
EOF

start_superd
ok "fw and fwproc with their grandchildren are up" wait_for 10 bash -c "grep -q '^child name=fw ' '$SVCLOG' && grep -q '^child name=fwproc ' '$SVCLOG'"
ok "the other units are up" wait_for 10 bash -c "grep -q '^start name=default ' '$SVCLOG' && grep -q '^start name=none ' '$SVCLOG'"
fw_child=$(field "$(grep '^child name=fw ' "$SVCLOG")" pid)
fwproc_child=$(field "$(grep '^child name=fwproc ' "$SVCLOG")" pid)

kill -USR1 "$SD_PID"
ok "USR1 reaches the unit that lists it" wait_svc "^signal name=fw sig=USR1"
ok "and the KillMode=process unit's main process" wait_svc "^signal name=fwproc sig=USR1"
ok "USR1 went to fw's whole process group (its grandchild died of it)" wait_for 10 gone "$fw_child"
ok "with KillMode=process the grandchild was not signalled" alive "$fwproc_child"

kill -HUP "$SD_PID"
ok "HUP is relayed to the unit that lists it" wait_svc "^signal name=fw sig=HUP"
ok "HUP reloads the configuration" wait_log "SIGHUP: reloading the configuration"
kill -WINCH "$SD_PID"
ok "WINCH is relayed" wait_svc "^signal name=fw sig=WINCH"
kill -USR2 "$SD_PID"
ok "superd.conf's ForwardSignals= is the default for units without their own" wait_svc "^signal name=default sig=USR2"
kill -QUIT "$SD_PID"
kill -WINCH "$SD_PID"
ok "the second WINCH arrives, so QUIT before it was handled" wait_count "$SVCLOG" "^signal name=fw sig=WINCH" 2
# Signals whose default action is to terminate must not end superd.
for sig in ALRM PROF VTALRM IO PWR RTMIN+3 TTIN; do
	kill -s "$sig" "$SD_PID"
done
kill -WINCH "$SD_PID"
ok "the third WINCH arrives after the stray signals" wait_count "$SVCLOG" "^signal name=fw sig=WINCH" 3
ok "superd survived every signal" alive "$SD_PID"
ok "a unit with an empty ForwardSignals= got nothing" bash -c "! grep -q '^signal name=none ' '$SVCLOG'"
ok "fw got nothing it did not list" bash -c "! grep -Eq '^signal name=fw sig=(USR2|QUIT)' '$SVCLOG'"
ok "default got only USR2" test "$(grep -c '^signal name=default ' "$SVCLOG")" -eq 1

stop_superd
is "$SD_STATUS" 0 "clean shutdown"
done_testing
