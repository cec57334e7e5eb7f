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
# A forking unit: superd writes the parent's PID at the start, then the
# daemon's once the parent has exited, with no removal in between. The
# parent waits for $T/slowfork.go, so the test can look at the first file.
cat >"$T/slowfork" <<EOF
#!/bin/sh
echo \$\$ >$T/slowfork.parent
( setsid sh -c 'echo \$\$ >$T/slowfork.pid; exec sleep 100000' & )
while [ ! -e $T/slowfork.go ]; do sleep 0.05; done
exit 0
EOF
chmod +x "$T/slowfork"
unit slowfork <<EOF
[Service]
Type=forking
PIDFile=$T/slowfork.pid
WritePIDFile=$T/slowfork.written
ExecStart=$T/slowfork
EOF
# Started by hand below, once the others are settled: it runs 0.3 s,
# exits 0 on its own and is not restarted.
unit brief <<EOF
[Service]
ExecStart=/bin/sh -c 'until [ -e $T/brief-go ]; do sleep 0.05; done; exec $(svc --name brief --run 0)'
WritePIDFile=$T/brief.pid
Restart=no
AutoStart=no
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
ino() { stat -c %i "$1" 2>/dev/null; }
# filed FILE PID: FILE holds PID.
filed() { [ "$(cat "$1" 2>/dev/null)" = "$2" ]; }
# A reader that opened the file before the restart keeps what it read:
# the new PID goes to a new file (inode), never over the old one.
ln "$T/legacy.pid" "$T/old.pid"
kill -KILL "$first"
ok "after a crash the unit restarts" wait_count "$SVCLOG" "^start name=legacy " 2
second=$(pid_of legacy)
ok "the file follows the restart" wait_for 10 filed "$T/legacy.pid" "$second"
is "$(cat "$T/old.pid")" "$first" "the old file still holds the first PID"
ok "the path is a new file" test "$(ino "$T/legacy.pid")" != "$(ino "$T/old.pid")"
ok "no temporary file is left beside it" bash -c "! ls '$T' | grep -q 'legacy.pid.tmp'"

# On a crash superd removes the file before the restart writes it again,
# so the case above holds even for a writer that truncates in place. A
# forking unit's file goes from the parent's PID to the daemon's with no
# removal in between: only a temp file + rename keeps the old inode whole.
ok "a forking unit's parent runs" wait_for 10 test -s "$T/slowfork.parent"
parent=$(cat "$T/slowfork.parent")
ok "its WritePIDFile= holds the parent's PID meanwhile" wait_for 10 filed "$T/slowfork.written" "$parent"
ln "$T/slowfork.written" "$T/slowfork.old"
touch "$T/slowfork.go"
ok "once the parent has exited the unit is active" wait_for 10 sc is-active slowfork
daemon=$(cat "$T/slowfork.pid" 2>/dev/null)
is "$(mainpid slowfork)" "$daemon" "following the daemon of PIDFile="
ok "WritePIDFile= now holds the daemon's PID" wait_for 10 filed "$T/slowfork.written" "$daemon"
is "$(cat "$T/slowfork.old")" "$parent" "written by rename: the old inode still holds the parent's PID"
ok "the path is a new file" test "$(ino "$T/slowfork.written")" != "$(ino "$T/slowfork.old")"
sc stop slowfork
ok "the daemon is gone once the unit is stopped" gone "$daemon"
ok "and the file is removed" test ! -e "$T/slowfork.written"
sc stop legacy
ok "the file is removed when the unit stops" test ! -e "$T/legacy.pid"
ok "an unwritable WritePIDFile= is logged with its cause" wait_log "nodir.service: cannot write WritePIDFile=$T/no-such-dir/nodir.pid: No such file or directory"
ok "and the unit runs anyway" sc is-active nodir
# A unit that ends on its own, not by superctl stop: the file goes too.
sc start --no-block brief
ok "a unit with Restart=no starts" wait_for 10 sc is-active brief
brief=$(sc show brief | sed -n 's/^MainPID=//p')
ok "its WritePIDFile= holds its PID" wait_for 10 filed "$T/brief.pid" "$brief"
touch "$T/brief-go"
ok "it exits on its own" wait_svc "^exit name=brief "
ok "the same process (sh exec'd testsvc)" test "$(pid_of brief)" = "$brief"
ok "and the file is removed once it has exited" wait_for 10 test ! -e "$T/brief.pid"
is "$(count_in "$SVCLOG" "^start name=brief ")" 1 "it was not restarted"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
done_testing
