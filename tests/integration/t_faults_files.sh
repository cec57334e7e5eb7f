# Fault injection, files: a PID file directory that cannot be written
# (ENOTDIR, EROFS), a full file system (ENOSPC), and a unit directory that
# cannot be read at reload (gone, a file, a directory or a dangling link or
# a FIFO as a unit file, a FIFO as EnvironmentFile= or StandardOutput=).
# Each failure is logged with its cause, superd keeps supervising, and the
# units already running keep their processes.
. "$TOP_SRCDIR/tests/integration/lib.sh"
: "${SUPERCTL:?SUPERCTL must point to the superctl binary}"
sc() { "$SUPERCTL" "$@"; }
mainpid() { sc show "$1" | sed -n 's/^MainPID=//p'; }
state_is() { [ "$(sc show "$1" | sed -n 's/^State=//p')" = "$2" ]; }
pids() { echo "$(mainpid keep1)-$(mainpid keep2)"; }

# Small file systems of our own, if this system lets us mount them.
mounts=
can_mount=no
mkdir "$T/ro" "$T/full"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o ro,size=16k tmpfs "$T/ro" 2>/dev/null; then
	mounts="$T/ro"
	if mount -t tmpfs -o size=16k tmpfs "$T/full" 2>/dev/null; then
		mounts="$mounts $T/full"
		can_mount=yes
	fi
fi
trap 'for m in $mounts; do umount "$m" 2>/dev/null; done; _cleanup' EXIT
skip() { _n=$((_n + 1)); echo "ok $_n # SKIP $1"; }
: >"$T/afile"

# --- superd's own PID file cannot be written: start-up fails -----------------
"$SUPERD" -c "$T/superd.conf" -u "$UNITS" -s "$SOCK" -p "$T/afile/superd.pid" >"$T/early.log" 2>&1
is "$?" 1 "superd with a PID file below a regular file exits 1"
ok "and says why" grep -q "cannot write PID file $T/afile/superd.pid: Not a directory" "$T/early.log"
ok "it leaves no socket behind" test ! -e "$SOCK"

# --- WritePIDFile= cannot be written: logged, the unit runs -------------------
unit keep1 <<EOF
[Service]
ExecStart=$(svc --name keep1)
EOF
unit keep2 <<EOF
[Service]
ExecStart=$(svc --name keep2)
EOF
unit notdir <<EOF
[Service]
ExecStart=$(svc --name notdir)
WritePIDFile=$T/afile/notdir.pid
EOF
if [ "$can_mount" = yes ]; then
	unit rofs <<EOF
[Service]
ExecStart=$(svc --name rofs)
WritePIDFile=$T/ro/rofs.pid
EOF
	unit full <<EOF
[Service]
ExecStart=$(svc --name full)
WritePIDFile=$T/full/full.pid
AutoStart=no
RestartSec=100ms
EOF
fi
start_superd
ok "superd answers" wait_for 10 sc health
ok "keep1 and keep2 are up" wait_for 10 bash -c "grep -q '^start name=keep1 ' '$SVCLOG' && grep -q '^start name=keep2 ' '$SVCLOG'"
keep=$(pids)
ok "a WritePIDFile= below a regular file is logged with its cause" wait_log "notdir.service: cannot write WritePIDFile=$T/afile/notdir.pid: Not a directory"
ok "and the unit runs anyway" wait_for 10 state_is notdir active

if [ "$can_mount" = yes ]; then
	ok "a WritePIDFile= on a read-only file system is logged with its cause" wait_log "rofs.service: cannot write WritePIDFile=$T/ro/rofs.pid: Read-only file system"
	ok "and the unit runs anyway" wait_for 10 state_is rofs active

	# --- a full file system: ENOSPC ------------------------------------------
	dd if=/dev/zero of="$T/full/filler" bs=4k 2>/dev/null
	ok "the file system is full" bash -c "! echo x 2>/dev/null >'$T/full/probe'"
	rm -f "$T/full/probe"
	sc start full; is "$?" 0 "a unit whose PID file cannot be written still starts"
	ok "ENOSPC is logged with the unit and the path" wait_log "full.service: cannot write WritePIDFile=$T/full/full.pid: No space left on device"
	is "$(ls -A "$T/full")" "filler" "no PID file, partial or temporary, is left behind"
	ok "it is up" wait_svc "^start name=full "
	first=$(pid_of full)
	kill -KILL "$first"
	ok "after a crash the unit restarts" wait_count "$SVCLOG" "^start name=full " 2
	ok "the second write fails the same way" wait_count "$LOG" "full.service: cannot write WritePIDFile=" 2
	is "$(ls -A "$T/full")" "filler" "still nothing left behind"
	rm "$T/full/filler"
	second=$(pid_of full)
	kill -KILL "$second"
	ok "with space again the unit restarts" wait_count "$SVCLOG" "^start name=full " 3
	third=$(pid_of full)
	filed() { [ "$(cat "$T/full/full.pid" 2>/dev/null)" = "$third" ]; }
	ok "and its PID file is written" wait_for 10 filed
	is "$(pids)" "$keep" "the other units are untouched"
	stop_superd
	is "$SD_STATUS" 0 "clean shutdown"

	# superd's own PID file on a full file system.
	dd if=/dev/zero of="$T/full/filler" bs=4k 2>/dev/null
	"$SUPERD" -c "$T/superd.conf" -u "$UNITS" -s "$SOCK" -p "$T/full/superd.pid" >"$T/early.log" 2>&1
	is "$?" 1 "superd whose PID file cannot be written for want of space exits 1"
	ok "and says why" grep -q "cannot write PID file $T/full/superd.pid: No space left on device" "$T/early.log"
	is "$(ls -A "$T/full")" "filler" "leaving no partial PID file"
	rm "$T/full/filler" "$UNITS/full.service" "$UNITS/rofs.service"
	: >"$LOG"
	start_superd
	ok "superd answers" wait_for 10 sc health
	ok "keep1 and keep2 are up" wait_for 10 bash -c "[ \$(grep -c '^start name=keep[12] ' '$SVCLOG') -ge 4 ]"
	keep=$(pids)
else
	skip "mounting a small tmpfs is not possible here (read-only and full file systems)"
fi

# --- the unit directory cannot be read at reload -------------------------------
refused() { # refused WHAT PATTERN: a reload is refused with PATTERN, nothing changes
	local rc
	timeout 20 "$SUPERCTL" reload 2>"$T/err"
	rc=$?
	is "$rc" 1 "$1: the reload is refused"
	ok "$1: with the cause" grep -q -- "$2" "$T/err"
	ok "$1: logged" log_has "$2"
	is "$(pids)" "$keep" "$1: the running units are untouched"
}
mv "$UNITS" "$T/units.saved"
refused "unit directory gone" "$UNITS: cannot open unit directory: No such file or directory"
: >"$UNITS"
refused "unit directory replaced by a file" "$UNITS: cannot open unit directory: Not a directory"
rm "$UNITS"
mv "$T/units.saved" "$UNITS"
ok "the old configuration is still in force" bash -c "'$SUPERCTL' status keep1 keep2 notdir >/dev/null"

mkdir "$UNITS/dir.service"
refused "a unit file that is a directory" "dir.service: cannot read: Is a directory"
rmdir "$UNITS/dir.service"
ln -s "$T/nowhere" "$UNITS/dangling.service"
refused "a unit file that is a dangling symbolic link" "dangling.service: cannot read: No such file or directory"
rm "$UNITS/dangling.service"
# Opening a FIFO for reading blocks until someone writes: superd must not.
mkfifo "$UNITS/fifo.service"
refused "a unit file that is a FIFO" "fifo.service: cannot read: not a regular file"
ok "superd still answers" sc health
rm "$UNITS/fifo.service"
mkfifo "$T/env.fifo"
unit keep2 <<EOF
[Service]
ExecStart=$(svc --name keep2)
EnvironmentFile=$T/env.fifo
EOF
refused "an EnvironmentFile= that is a FIFO" "EnvironmentFile=$T/env.fifo: not a regular file"
unit keep2 <<EOF
[Service]
ExecStart=$(svc --name keep2)
EOF

# A FIFO as StandardOutput= with no reader: opening it must fail, not block.
mkfifo "$T/out.fifo"
unit piped <<EOF
[Service]
ExecStart=$(svc --name piped)
StandardOutput=file:$T/out.fifo
RestartSec=200ms
RestartMaxDelaySec=400ms
EOF
timeout 20 "$SUPERCTL" reload; is "$?" 0 "a valid configuration reloads"
ok "a StandardOutput= FIFO without a reader fails the start with the cause" wait_log "piped.service: cannot open [^ ]* for StandardOutput=/StandardError=: No such device or address"
ok "and the unit backs off" wait_log "piped.service: restarting in"
ok "superd still answers" sc health
cat "$T/out.fifo" >/dev/null &
ok "with a reader the unit starts" wait_svc "^start name=piped "
is "$(pids)" "$keep" "the running units are untouched by all of it"
ok "superd is still running" alive "$SD_PID"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"

# --- superd's stderr, not read ----------------------------------------------
# Its reader stops reading (a stuck log shipper): the pipe fills, and superd
# must go on supervising, answering and shutting down, dropping lines
# rather than waiting. The test shell holds the FIFO open and never reads.
rm -f "$UNITS"/*.service
unit churn <<EOF
[Service]
ExecStart=/bin/sh -c 'exit 1'
RestartSec=1ms
RestartMaxDelaySec=1ms
EOF
mkfifo "$T/stderr.fifo"
exec 3<>"$T/stderr.fifo"
"$SUPERD" -c "$T/superd.conf" -u "$UNITS" -s "$SOCK" 2>"$T/stderr.fifo" &
SD_PID=$!
# Every request with a deadline, and the waits by the clock (wait_for
# counts tries): a superd stuck on its stderr would not answer.
restarts() { timeout 2 "$SUPERCTL" show churn | sed -n 's/^Restarts=//p'; }
many_restarts() { [ "$(restarts)" -ge "$1" ] 2>/dev/null; }
by_clock() { # by_clock SECONDS COMMAND...
	local end=$(($(date +%s) + $1 * TEST_TIMEOUT_SCALE))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.05
	done
}
# About 80 bytes a line, three lines a restart: 1000 restarts are over
# three times what the 64 KiB pipe holds.
ok "superd restarts the unit 1000 times with its stderr unread" by_clock 60 many_restarts 1000
answers() { timeout 5 "$SUPERCTL" show churn >/dev/null; }
ok "and still answers at once" answers
r=$(restarts)
ok "and still supervises" by_clock 10 many_restarts $((r + 50))
kill -TERM "$SD_PID"
wait_superd 20
is "$SD_STATUS" 0 "SIGTERM still shuts it down, cleanly"
exec 3<&-
done_testing
