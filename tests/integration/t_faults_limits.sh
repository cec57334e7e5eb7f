# Fault injection, resource limits: fork failing (RLIMIT_NPROC) and no free
# file descriptor (RLIMIT_NOFILE). Each failure is logged with the unit and
# its cause, the unit backs off or fails per Restart=, superd keeps
# supervising, the units already running keep their processes, and all is
# well again once the limit is raised.
. "$TOP_SRCDIR/tests/integration/lib.sh"
: "${SUPERCTL:?SUPERCTL must point to the superctl binary}"
sc() { "$SUPERCTL" "$@"; }
mainpid() { sc show "$1" | sed -n 's/^MainPID=//p'; }
state_is() { [ "$(sc show "$1" | sed -n 's/^State=//p')" = "$2" ]; }
# The CPU time superd has used, in clock ticks (utime + stime).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SD_PID/stat"; }

# === fork fails: RLIMIT_NPROC ================================================
# Root is exempt from RLIMIT_NPROC, so superd runs as a user id of its own
# (no passwd entry needed): the limit then counts superd and its children only.
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null || ! command -v prlimit >/dev/null; then
	echo "ok $((_n + 1)) # SKIP RLIMIT_NPROC needs root, setpriv and prlimit"
	_n=$((_n + 1))
else
	uid=$((40000 + $$ % 20000))
	while getent passwd "$uid" >/dev/null || pgrep -U "$uid" >/dev/null; do
		uid=$((uid + 1))
	done
	as_uid() { setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"; }
	chmod 755 "$T"
	mkdir "$T/run"
	chown "$uid" "$T/run"
	SOCK=$T/run/superd.sock
	SUPERD_SOCKET=$SOCK
	: >"$SVCLOG"
	chmod 666 "$SVCLOG"

	unit a <<EOF
[Service]
ExecStart=$(svc --name a)
EOF
	unit b <<EOF
[Service]
ExecStart=$(svc --name b)
EOF
	unit c <<EOF
[Service]
ExecStart=$(svc --name c)
AutoStart=no
RestartSec=200ms
RestartMaxDelaySec=400ms
EOF
	unit d <<EOF
[Service]
ExecStart=$(svc --name d)
AutoStart=no
Restart=no
EOF
	chmod -R a+rX "$UNITS"
	# superd, a and b: 3 processes of this user; the next fork fails.
	prlimit --nproc=3: setpriv --reuid="$uid" --regid="$uid" --clear-groups \
		"$SUPERD" -c "$T/superd.conf" -u "$UNITS" -s "$SOCK" >>"$LOG" 2>&1 &
	SD_PID=$!
	ok "superd answers" wait_for 10 sc health
	ok "a and b are up" wait_for 10 bash -c "grep -q '^start name=a ' '$SVCLOG' && grep -q '^start name=b ' '$SVCLOG'"
	a=$(pid_of a) b=$(pid_of b)
	is "$(mainpid a)-$(mainpid b)" "$a-$b" "superd knows their PIDs"

	sc start c 2>"$T/err"; rc=$?
	is "$rc" 1 "start of a unit that cannot fork exits 1"
	ok "and superctl says why" grep -q "c.service: start failed: cannot start: Resource temporarily unavailable" "$T/err"
	ok "the log names the unit and the cause" log_has "c.service: cannot start a process: Resource temporarily unavailable"
	ok "Restart=always: the unit backs off" wait_log "c.service: restarting in"
	ok "and keeps retrying" wait_count "$LOG" "c.service: cannot start a process" 3
	ok "shown as backoff with the reason" bash -c "'$SUPERCTL' status c | grep -q 'backoff.*cannot start: Resource temporarily unavailable'"
	sc start d 2>/dev/null; rc=$?
	is "$rc" 1 "start of a Restart=no unit that cannot fork exits 1"
	ok "Restart=no: the unit fails" state_is d failed
	ok "logged as failed, with the cause" log_has "d.service: failed: cannot start: Resource temporarily unavailable"
	is "$(mainpid a)-$(mainpid b)" "$a-$b" "the running units are untouched"
	ok "superd is still running" alive "$SD_PID"

	# A process is freed: the next retry of c succeeds.
	sc stop b
	ok "once a process is freed the backed-off unit starts" wait_svc "^start name=c "
	ok "and is active" wait_for 10 state_is c active
	# The limit is raised (as the user itself: the hard limit is untouched).
	as_uid prlimit --pid "$SD_PID" --nproc=64:
	sc start b; is "$?" 0 "after the limit is raised, b starts again"
	sc start d; is "$?" 0 "and so does the failed d"
	ok "d is up" wait_svc "^start name=d "
	is "$(mainpid a)" "$a" "a kept its process throughout"

	# Unprivileged, superd also meets files it may not read (root would not).
	chmod 000 "$UNITS/d.service"
	sc reload 2>"$T/err"; rc=$?
	is "$rc" 1 "a reload with an unreadable unit file is refused"
	ok "with the cause" grep -q "d.service: cannot read: Permission denied" "$T/err"
	chmod 644 "$UNITS/d.service"
	chmod 000 "$UNITS"
	sc reload 2>"$T/err"; rc=$?
	is "$rc" 1 "a reload with an unreadable unit directory is refused"
	ok "with the cause" grep -q "$UNITS: cannot open unit directory: Permission denied" "$T/err"
	chmod 755 "$UNITS"
	is "$(mainpid a)-$(mainpid d)" "$a-$(pid_of d)" "and the running units are untouched"
	stop_superd
	is "$SD_STATUS" 0 "clean shutdown"
	SOCK=$T/superd.sock
	SUPERD_SOCKET=$SOCK
	rm -f "$UNITS"/*.service
	: >"$LOG"
	: >"$SVCLOG"
fi

# === no free descriptor: RLIMIT_NOFILE =======================================
unit a <<EOF
[Service]
ExecStart=$(svc --name a)
EOF
unit crashy <<EOF
[Service]
ExecStart=$(svc --name crashy --run 0.2 --exit 1)
RestartSec=200ms
RestartMaxDelaySec=400ms
EOF
unit c <<EOF
[Service]
ExecStart=$(svc --name c)
AutoStart=no
Restart=no
EOF
start_superd
ok "superd answers" wait_for 10 sc health
ok "a is up" wait_svc "^start name=a "
ok "crashy is crash-looping" wait_count "$SVCLOG" "^start name=crashy " 2
a=$(pid_of a)
nofile=$(prlimit --pid "$SD_PID" --nofile --noheadings --raw --output SOFT)

# A client connected before the fds run out keeps its connection.
(printf 'health\n' && wait_for 20 test -e "$T/go" && printf 'start c\n') |
	socat -t 20 - "UNIX-CONNECT:$SOCK" >"$T/early" &
early=$!
ok "a client is connected" wait_for 10 grep -qx OK "$T/early"

# 0, 1 and 2 are always open: with a soft limit of 3 no new fd can be had.
prlimit --pid "$SD_PID" --nofile=3:
touch "$T/go"
ok "the early client's start fails with the cause" wait_for 10 grep -q "^ERR 1 .*Too many open files" "$T/early"
ok "logged with the unit and the cause" log_has "c.service: cannot start a process: Too many open files"
ok "a crash-looping unit cannot restart: logged with the cause" wait_log "crashy.service: cannot start a process: Too many open files"
ok "and backs off" wait_count "$LOG" "crashy.service: cannot start a process: Too many open files" 2

# A new client cannot be accepted: superd pauses the listener instead of
# spinning on a readable socket it cannot accept from.
sc status >"$T/pending" 2>&1 &
pending=$!
ok "accept failing is logged with the cause" wait_log "control socket: cannot accept; retrying in 1 s: Too many open files"
t0=$(cpu_ticks)
ok "the accept is retried" wait_count "$LOG" "control socket: cannot accept" 3
t1=$(cpu_ticks)
ok "without spinning (superd used $((t1 - t0)) ticks over 2 retries)" test $((t1 - t0)) -lt 50
ok "and without flooding the log" test "$(count_in "$LOG" "control socket: cannot accept")" -le 5

kill -HUP "$SD_PID"
ok "a reload that cannot read the unit directory is refused with the cause" wait_log "cannot open unit directory: Too many open files"
ok "and changes nothing" wait_log "reload: configuration invalid .*; nothing changed"
ok "the running unit is untouched" alive "$a"
ok "superd is still running" alive "$SD_PID"

prlimit --pid "$SD_PID" --nofile="$nofile":
ok "once descriptors are available the waiting client is answered" wait_for 10 grep -q "^a.service " "$T/pending"
wait "$pending"; is "$?" 0 "and exits 0"
sc health; is "$?" 0 "new clients are answered"
n=$(count_in "$SVCLOG" "^start name=crashy ")
ok "the crash-looping unit starts again" wait_count "$SVCLOG" "^start name=crashy " $((n + 1))
sc start c; is "$?" 0 "the unit that could not start starts"
is "$(mainpid a)" "$a" "a kept its process throughout"
wait "$early" 2>/dev/null
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
done_testing
