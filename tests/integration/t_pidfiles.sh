# WritePIDFile= (SPEC §2, §8): superd writes the main PID atomically when the
# unit starts, rewrites it on a restart and removes it when the unit ends.
. "$TOP_SRCDIR/tests/integration/lib.sh"
: "${SUPERCTL:?SUPERCTL must point to the superctl binary}"
sc() { "$SUPERCTL" "$@"; }
mainpid() { sc show "$1" | sed -n 's/^MainPID=//p'; }

unit legacy <<EOF
[Service]
ExecStart=$(svc --name legacy)
WritePIDFile=$T/legacy.pid
RestartSec=100ms
EOF
unit nodir <<EOF
[Service]
ExecStart=$(svc --name nodir)
WritePIDFile=$T/no-such-dir/nodir.pid
EOF

start_superd
ok "legacy is up" wait_svc "^start name=legacy "
first=$(pid_of legacy)
ok "WritePIDFile= appears" wait_for 10 test -s "$T/legacy.pid"
is "$(cat "$T/legacy.pid")" "$first" "and holds the main PID"
kill -KILL "$first"
ok "after a crash the unit restarts" wait_count "$SVCLOG" "^start name=legacy " 2
second=$(pid_of legacy)
filed() { [ "$(cat "$T/legacy.pid" 2>/dev/null)" = "$second" ]; }
ok "the file follows the restart" wait_for 10 filed
ok "no temporary file is left beside it" bash -c "! ls '$T' | grep -q 'legacy.pid.tmp'"
sc stop legacy
ok "the file is removed when the unit stops" test ! -e "$T/legacy.pid"
ok "an unwritable WritePIDFile= is logged with its cause" wait_log "nodir.service: cannot write WritePIDFile=$T/no-such-dir/nodir.pid: No such file or directory"
ok "and the unit runs anyway" sc is-active nodir
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
done_testing
