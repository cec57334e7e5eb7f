# StandardOutput= and StandardError=: inherit (superd's), null, file:,
# append:. (journal: t_journal.sh, the one test that stands in for
# journald at its machine-wide sockets.)
. "$TOP_SRCDIR/tests/integration/lib.sh"
: "${SUPERCTL:?SUPERCTL must point to the superctl binary}"

say() { echo "/bin/sh -c 'echo $1-out; echo $1-err >&2; exec sleep 100000'"; }

unit inherits <<EOF
[Service]
ExecStart=$(say inherits)
EOF
unit silent <<EOF
[Service]
StandardOutput=null
ExecStart=$(say silent)
EOF
unit tofile <<EOF
[Service]
StandardOutput=file:$T/tofile.log
ExecStart=$(say tofile)
EOF
unit split <<EOF
[Service]
StandardOutput=append:$T/split.out
StandardError=file:$T/split.err
Restart=on-success
RestartSec=100ms
StartLimitBurst=2
ExecStart=/bin/sh -c 'echo split-out; echo split-err >&2'
EOF
# Both streams to one file: one open file, as systemd, so that neither
# overwrites the other's lines.
unit same <<EOF
[Service]
StandardOutput=file:$T/same.log
StandardError=file:$T/same.log
ExecStart=/bin/sh -c 'echo same-out-one; echo same-err >&2; echo same-out-two; exec sleep 100000'
EOF
unit badfile <<EOF
[Service]
StandardOutput=file:$T/no-such-dir/out.log
RestartSec=5s
ExecStart=$(say badfile)
EOF

start_superd
ok "inherit: the unit's stdout is superd's" wait_log "^inherits-out$"
ok "inherit: and its stderr" wait_log "^inherits-err$"
ok "file: stdout goes to the file" wait_for 10 grep -qx tofile-out "$T/tofile.log"
ok "file: stderr follows stdout" wait_for 10 grep -qx tofile-err "$T/tofile.log"
two_runs() { [ "$(grep -c split-out "$T/split.out" 2>/dev/null)" = 2 ]; }
ok "append: keeps what earlier runs wrote" wait_for 10 two_runs
ok "StandardError=file: gets stderr apart" wait_for 10 grep -qx split-err "$T/split.err"
ok "and stdout's file has no stderr line" bash -c "! grep -q split-err '$T/split.out'"
ok "null: the silent unit runs" wait_for 10 "$SUPERCTL" is-active silent
silent=$("$SUPERCTL" show silent | sed -n 's/^MainPID=//p')
is "$(readlink "/proc/$silent/fd/1")" /dev/null "null: its stdout is /dev/null"
is "$(readlink "/proc/$silent/fd/2")" /dev/null "null: and so is its stderr"
same_done() { [ "$(wc -l <"$T/same.log" 2>/dev/null)" -ge 3 ]; }
ok "one file for both streams gets every line" wait_for 10 same_done
is "$(tr '\n' ' ' <"$T/same.log")" "same-out-one same-err same-out-two " "in order, none overwritten"
ok "a file that cannot be opened is an error naming the cause" wait_log "badfile.service: cannot open [^ ]* for StandardOutput=/StandardError=: No such file or directory"
ok "and is backed off like a crash" wait_log "badfile.service: restarting in"
ok "status names the setting and the cause" bash -c "'$SUPERCTL' show badfile | grep -qx 'Reason=cannot start: StandardOutput=file:$T/no-such-dir/out.log: No such file or directory'"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
ok "null: nothing of the silent unit reached superd's output" bash -c "! grep -q silent- '$LOG'"
done_testing
