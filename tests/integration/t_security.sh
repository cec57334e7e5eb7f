# What others can do to superd and through it: descriptors that could leak
# into units, PID files planted as symbolic links or taken over by someone
# else, a control socket path that is not superd's socket, peers refused
# without a byte of data, clients that never read their replies, and no
# shell anywhere between a unit file and execve().
. "$TOP_SRCDIR/tests/integration/lib.sh"
: "${SUPERCTL:?SUPERCTL must point to the superctl binary}"
sc() { "$SUPERCTL" "$@"; }
is_root() { [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; }
skip() { _n=$((_n + 1)); echo "ok $_n # SKIP $1"; }

# ===========================================================================
# PID files: never written or removed through a link, never someone else's
# ===========================================================================
mkdir "$T/pids"
echo "precious" >"$T/victim"
echo "precious too" >"$T/victim2"
ln -s "$T/victim" "$T/pids/superd.pid"
ln -s "$T/victim" "$T/pids/web.pid"
unit web <<EOF
[Service]
ExecStart=$(svc --name web)
WritePIDFile=$T/pids/web.pid
RestartSec=100ms
EOF
unit other <<EOF
[Service]
ExecStart=$(svc --name other)
WritePIDFile=$T/pids/other.pid
EOF
start_superd -p "$T/pids/superd.pid"
ok "superd answers" wait_for 10 sc health
ok "web is up" wait_svc "^start name=web "
web=$(pid_of web)
has_pid() { [ -f "$1" ] && [ ! -L "$1" ] && [ "$(cat "$1")" = "$2" ]; }
ok "WritePIDFile= planted as a symbolic link: replaced by a file with the PID" wait_for 10 has_pid "$T/pids/web.pid" "$web"
ok "superd's own PID file planted as a link: replaced too" has_pid "$T/pids/superd.pid" "$SD_PID"
is "$(cat "$T/victim")" "precious" "the link's target is untouched"
ok "the replaced link is logged for WritePIDFile=" log_has "web.service: WritePIDFile=$T/pids/web.pid was a symbolic link: replaced by the file, its target left untouched"
ok "and for superd's PID file" log_has "PID file $T/pids/superd.pid was a symbolic link: replaced"

# At stop, a link planted in place of the file is not followed, and the
# file is left alone: it is no longer the one superd wrote.
rm "$T/pids/web.pid"
ln -s "$T/victim2" "$T/pids/web.pid"
sc stop web
is "$(cat "$T/victim2")" "precious too" "a link planted before the stop: its target is untouched"
ok "the link is left in place, not removed" test -L "$T/pids/web.pid"
ok "and the reason is logged" log_has "web.service: WritePIDFile=$T/pids/web.pid left in place: it is a symbolic link"
rm "$T/pids/web.pid"

# A PID file that names someone else's live process now is theirs.
ok "other is up" wait_for 10 test -s "$T/pids/other.pid"
setsid "$TESTSVC" --name stranger --log "$T/stranger.log" &
stranger=$!
echo "$stranger" >"$T/pids/other.pid"
sc stop other
ok "a PID file naming another live process is left at stop" has_pid "$T/pids/other.pid" "$stranger"
ok "with the reason logged" log_has "other.service: WritePIDFile=$T/pids/other.pid left in place: it names process $stranger, which is running"
# One that still holds the unit's (dead) PID is removed, as before.
sc start web
ok "web is up again" wait_count "$SVCLOG" "^start name=web " 2
web=$(pid_of web)
ok "its PID file is back" wait_for 10 has_pid "$T/pids/web.pid" "$web"
sc stop web
ok "its own PID file is removed at stop" test ! -e "$T/pids/web.pid"

# superd's own PID file, taken over by another process, survives shutdown.
echo "$stranger" >"$T/pids/superd.pid"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
ok "superd leaves a PID file that names another process" has_pid "$T/pids/superd.pid" "$stranger"
ok "and says so" log_has "PID file $T/pids/superd.pid left in place: it names process $stranger now, not $SD_PID"
rm -f "$T/pids/superd.pid" "$T/pids/other.pid"

# PIDFile= of a Type=forking unit is read without following links, and a
# PID file written by an unprivileged daemon cannot make superd adopt (and
# later signal) a process that is not the unit's.
rm -f "$UNITS"/*.service
: >"$LOG"
ln -s "$T/victim" "$T/pids/linked.pid"
unit linked <<EOF
[Service]
Type=forking
Restart=no
PIDFile=$T/pids/linked.pid
ExecStart=/bin/true
EOF
if is_root; then
	mkdir "$T/nobody"
	chown nobody "$T/nobody"
	chmod 755 "$T"
	unit liar <<EOF
[Service]
Type=forking
Restart=no
User=nobody
PIDFile=$T/nobody/liar.pid
ExecStart=/bin/sh -c 'echo $stranger >$T/nobody/liar.pid'
EOF
fi
start_superd
ok "superd answers" wait_for 10 sc health
ok "a PIDFile= that is a symbolic link is refused" wait_log "linked.service: cannot start: PIDFile=$T/pids/linked.pid: Too many levels of symbolic links"
is "$(cat "$T/victim")" "precious" "its target is untouched"
ok "and the link is not removed" test -L "$T/pids/linked.pid"
if is_root; then
	ok "a PID file naming a process that is not the unit's is refused" wait_log "liar.service: cannot start: PIDFile=$T/nobody/liar.pid: process $stranger is not a process of the unit"
	ok "superd does not follow that process" bash -c "! grep -q 'liar.service: daemon pid' '$LOG'"
	ok "the stranger is untouched" alive "$stranger"
	ok "and its PID file, naming a live process, stays" test -e "$T/nobody/liar.pid"
else
	skip "the PIDFile= ownership check needs root"
fi
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
ok "the stranger is still alive after superd's shutdown" alive "$stranger"
kill "$stranger"
rm -f "$UNITS"/*.service

# ===========================================================================
# StandardOutput= of a User= unit: opened with that user's rights, so the
# user cannot point superd (root) at a file of root's through a link, nor
# have it create files where the user could not
# ===========================================================================
if is_root; then
	: >"$LOG"
	echo precious >"$T/rootfile"
	chmod 600 "$T/rootfile"
	mkdir -p "$T/nobody"
	setpriv --reuid=nobody --regid=nogroup --clear-groups ln -s "$T/rootfile" "$T/nobody/out.log"
	mkdir "$T/rootonly"
	unit outlink <<EOF
[Service]
User=nobody
Restart=no
StandardOutput=append:$T/nobody/out.log
ExecStart=/bin/echo pwned
EOF
	unit outroot <<EOF
[Service]
User=nobody
Restart=no
StandardOutput=file:$T/rootonly/out.log
ExecStart=/bin/echo pwned
EOF
	unit outok <<EOF
[Service]
User=nobody
Restart=no
StandardOutput=file:$T/nobody/ok.log
ExecStart=/bin/echo fine
EOF
	start_superd
	ok "a link the unit's user planted to a root file is not followed as root" wait_log "outlink.service: cannot open $T/nobody/out.log for StandardOutput=/StandardError= as User=nobody: Permission denied"
	is "$(cat "$T/rootfile")" "precious" "the root file is untouched"
	is "$(stat -c '%a %U' "$T/rootfile")" "600 root" "and keeps its owner and mode"
	ok "a file in a directory only root may write is not created" wait_log "outroot.service: cannot open $T/rootonly/out.log for StandardOutput=/StandardError= as User=nobody: Permission denied"
	ok "nor left behind" test ! -e "$T/rootonly/out.log"
	ok "where the user may write, the output goes to the file" wait_for 10 grep -qx fine "$T/nobody/ok.log"
	is "$(stat -c %U "$T/nobody/ok.log")" nobody "which belongs to the unit's user"
	stop_superd
	is "$SD_STATUS" 0 "clean shutdown"
	rm -f "$UNITS"/*.service
else
	skip "StandardOutput= as the unit's user needs root and setpriv"
fi

# ===========================================================================
# Descriptors: units and their control processes get 0, 1, 2 only; every
# descriptor of superd's own is close-on-exec
# ===========================================================================
: >"$LOG"
probe() { echo "$TESTSVC --log $T/fd-$1.log --name $1 --report-fds $2"; }
unit fdprobe <<EOF
[Service]
AutoStart=no
ExecStartPre=$(probe pre "--run 0")
ExecStart=$(probe main "")
ExecStartPost=$(probe post "--run 0")
ExecReload=$(probe reload "--run 0")
ExecStop=$(probe stop "--run 0")
StandardOutput=file:$T/fd.out
StandardError=append:$T/fd.err
EOF
# superd inherits an fd without FD_CLOEXEC, as from a careless parent.
(
	exec 7<>"$T/leaky-fd"
	exec "$SUPERD" -c "$T/superd.conf" -u "$UNITS" -s "$SOCK"
) >>"$LOG" 2>&1 &
SD_PID=$!
ok "superd answers" wait_for 10 sc health
# Control clients connected meanwhile: their sockets must not leak either.
# silent_client LOG: a client that connects, sends nothing and lingers
# (until killed; its testsvc carries the temp dir in its arguments).
silent_client() {
	"$TESTSVC" --log "$1" --name client --run 60 | socat -u - "UNIX-CONNECT:$SOCK" 2>/dev/null &
	clients="$clients $!"
}
end_clients() { # end_clients LOG: stop every client started with LOG
	pkill -TERM -f -- "--log $1 " 2>/dev/null
	wait $clients 2>/dev/null
	clients=
}
clients=
# Server-side connections carry the socket's path in /proc/net/unix, as
# does the listener: 1 + the number of clients superd holds.
conns_are() { [ "$(grep -c " $SOCK\$" /proc/net/unix)" -eq $(($1 + 1)) ]; }
ok "superctl's connection is closed" wait_for 10 conns_are 0
for i in 1 2 3; do
	silent_client "$T/silent.log"
done
three_clients() { conns_are 3; }
ok "three silent control clients are connected" wait_for 10 three_clients
sc start fdprobe; is "$?" 0 "start of the probe unit"
ok "the main process reported its descriptors" wait_for 10 grep -q "^fds=" "$T/fd-main.log"
sc reload fdprobe; is "$?" 0 "its ExecReload="
# superd's own descriptors: O_CLOEXEC is 02000000 in fdinfo's octal flags.
: >"$T/not-cloexec"
for f in /proc/"$SD_PID"/fd/*; do
	n=${f##*/}
	[ "$n" -le 2 ] && continue
	flags=$(sed -n 's/^flags:[[:space:]]*//p' "/proc/$SD_PID/fdinfo/$n" 2>/dev/null) || continue
	[ -n "$flags" ] || continue
	if [ $((8#$flags & 8#2000000)) -eq 0 ]; then
		echo "$n -> $(readlink "$f")" >>"$T/not-cloexec"
	fi
done
ok "with a unit and three clients, every descriptor of superd's above 2 is close-on-exec, the inherited one too" test ! -s "$T/not-cloexec"
sed 's/^/# not CLOEXEC: /' "$T/not-cloexec"
is "$(readlink "/proc/$SD_PID/fd/7")" "$T/leaky-fd" "the inherited descriptor 7 was among those checked"
sc stop fdprobe; is "$?" 0 "its ExecStop= and stop"
for stage in pre:ExecStartPre main:ExecStart post:ExecStartPost reload:ExecReload stop:ExecStop; do
	ok "${stage#*:}=: fds 0, 1, 2 only" grep -qx "fds=0,1,2" "$T/fd-${stage%%:*}.log"
done 2>/dev/null
end_clients "$T/silent.log"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
rm -f "$UNITS"/*.service

# ===========================================================================
# No shell between a unit file and execve()
# ===========================================================================
: >"$LOG"
unit noshell <<EOF
[Service]
Restart=no
ExecStart=/bin/echo \$(id) \`id\` && id || id | id > $T/redirected * ~ \\; x
StandardOutput=file:$T/noshell.out
EOF
# A bare command name is looked up in PATH only, never in the working
# directory (which may be writable by others).
mkdir "$T/wd"
printf '#!/bin/sh\necho planted >%s/planted-ran\n' "$T" >"$T/wd/planted-cmd"
chmod +x "$T/wd/planted-cmd"
unit planted <<EOF
[Service]
Restart=no
WorkingDirectory=$T/wd
ExecStart=planted-cmd
EOF
start_superd
ok "superd answers" wait_for 10 sc health
ok "the echo unit ran" wait_for 10 test -s "$T/noshell.out"
is "$(cat "$T/noshell.out")" "\$(id) \`id\` && id || id | id > $T/redirected * ~ ; x" "\$(...), backquotes, && || | > * ~ reach echo as literal arguments"
ok "no redirection happened" test ! -e "$T/redirected"
ok "a bare name not in PATH fails with ENOENT" wait_log "planted.service: cannot start: executing planted-cmd: No such file or directory"
ok "the file of that name in WorkingDirectory= was not run" test ! -e "$T/planted-ran"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
rm -f "$UNITS"/*.service

# ===========================================================================
# The control socket path: only a socket is ever replaced or removed
# ===========================================================================
echo "not a socket" >"$SOCK"
: >"$LOG"
start_superd
wait_superd 10
is "$SD_STATUS" 1 "a regular file at the socket path: superd refuses to start (exit 1)"
ok "and names the problem" log_has "$SOCK exists and is not a socket (a file); not starting"
is "$(cat "$SOCK")" "not a socket" "the file is untouched"
rm "$SOCK"
ln -s "$T/victim" "$SOCK"
: >"$LOG"
start_superd
wait_superd 10
is "$SD_STATUS" 1 "a symbolic link at the socket path: superd refuses to start"
ok "and names the problem" log_has "$SOCK exists and is not a socket (a symbolic link)"
ok "the link is left" test -L "$SOCK"
is "$(cat "$T/victim")" "precious" "its target is untouched"
rm "$SOCK"

# A missing directory of the socket is created, writable by superd only.
SOCK=$T/run/sub/superd.sock SUPERD_SOCKET=$T/run/sub/superd.sock
export SUPERD_SOCKET
: >"$LOG"
saved_umask=$(umask)
umask 0
start_superd
umask "$saved_umask"
ok "superd answers on a socket in a directory it created" wait_for 10 sc health
is "$(stat -c %a "$T/run") $(stat -c %a "$T/run/sub")" "755 755" "the directories are 0755, even under umask 0"
is "$(stat -c %a "$SOCK")" 600 "the socket is 0600, even under umask 0"

# At exit superd removes its own socket, not what has replaced it.
mv "$SOCK" "$T/run/old.sock"
echo "someone else's" >"$SOCK"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
is "$(cat "$SOCK" 2>/dev/null)" "someone else's" "a file that replaced the socket is left at exit"
ok "and that is logged" log_has "control socket $SOCK was replaced by another file; left in place"
rm -f "$SOCK" "$T/run/old.sock"

# A second superd on the path of a socket file someone removed: the lock
# beside the socket (held by the first) still lets only one run.
: >"$LOG"
start_superd
ok "superd A answers" wait_for 10 sc health
first=$SD_PID
rm "$SOCK"
"$SUPERD" -c "$T/superd.conf" -u "$UNITS" -s "$SOCK" >"$T/b.log" 2>&1 &
second=$!
wait_for 10 gone "$second"
wait "$second"
is "$?" 1 "superd B does not start on the path of A's removed socket (exit 1)"
ok "and says that A holds the lock" grep -q "another superd is already running on $SOCK (it holds $SOCK.lock)" "$T/b.log"
ok "B made no socket" test ! -e "$SOCK"
stop_superd
is "$SD_STATUS" 0 "A shuts down cleanly, its socket already gone"

# ===========================================================================
# A refused peer gets one error line and no data
# ===========================================================================
if is_root; then
	chmod 755 "$T"
	printf '[superd]\nSocketMode=0666\n' >"$T/superd.conf"
	unit secretive <<EOF
[Unit]
Description=do not tell
[Service]
ExecStart=$(svc --name secretive)
Environment=PLAIN=visible
EOF
	: >"$LOG"
	start_superd
	ok "superd answers" wait_for 10 sc health
	is "$(stat -c %a "$SOCK")" 666 "SocketMode=0666 is applied"
	printf 'status\nshow secretive\nversion\n' |
		setpriv --reuid=nobody --regid=nogroup --clear-groups socat -t 5 - "UNIX-CONNECT:$SOCK" >"$T/refused.out"
	ok "the refused peer gets an answer" test -s "$T/refused.out"
	ok "only 'permission denied' errors" bash -c "! grep -v '^ERR 1 permission denied: uid 65534' '$T/refused.out'"
	ok "no unit name, description or setting" bash -c "! grep -Eq 'secretive|do not tell|visible|Name=|OK' '$T/refused.out'"
	sc status secretive >/dev/null; is "$?" 0 "superd still answers its own user"
	stop_superd
	is "$SD_STATUS" 0 "clean shutdown"
	: >"$T/superd.conf"
	rm -f "$UNITS"/*.service
else
	skip "the refused-peer checks need root and setpriv"
fi

# ===========================================================================
# Clients that never read a large reply: memory stays bounded
# ===========================================================================
for i in $(seq 1 2000); do
	printf '[Unit]\nDescription=idle unit number %s, here to make status long\n[Service]\nAutoStart=no\nExecStart=/bin/true\n' "$i" >"$UNITS/idle$i.service"
done
unit web <<EOF
[Service]
ExecStart=$(svc --name web)
EOF
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$SD_PID/status"; }
: >"$LOG"
# A short idle deadline (scaled like every deadline), long enough for all
# 200 clients to have asked before the first is dropped.
idle=$(awk -v k="$TEST_TIMEOUT_SCALE" 'BEGIN { print 5 * k }')
export SUPERD_CTL_IDLE_SEC=$idle
start_superd
unset SUPERD_CTL_IDLE_SEC
ok "superd with 2001 units answers" wait_for 20 sc is-active web
sc status >"$T/full"
size=$(wc -c <"$T/full")
rss0=$(rss)
peak=$rss0
# 200 clients each ask for the status of every unit and never read it.
for i in $(seq 1 200); do
	(printf 'status\n'; exec "$TESTSVC" --log "$T/non-reader.log" --name non-reader --run 60) |
		socat -u - "UNIX-CONNECT:$SOCK" 2>/dev/null &
	clients="$clients $!"
done
# Each is either refused at once (superd is busy) or dropped when the idle
# deadline passes with its reply unread; both are logged.
settled() {
	local r
	r=$(rss)
	[ "${r:-0}" -gt "$peak" ] && peak=$r
	[ $(($(count_in "$LOG" "status refused") + $(count_in "$LOG" "unread for $idle s; dropped"))) -ge 200 ]
}
t0=$(date +%s%N)
sc health; is "$?" 0 "meanwhile superd answers health at once"
sc status web >/dev/null; is "$?" 0 "and a small status"
el=$((($(date +%s%N) - t0) / 1000000))
ok "both within $((2 * TEST_TIMEOUT_SCALE)) s (${el} ms)" test "$el" -lt $((2000 * TEST_TIMEOUT_SCALE))
ok "every non-reader was refused or dropped" wait_for 40 settled
refused=$(count_in "$LOG" "status refused")
dropped=$(count_in "$LOG" "unread for $idle s; dropped")
echo "# status reply $size bytes; RSS before ${rss0} KiB, peak ${peak} KiB, $dropped non-readers dropped, $refused refused"
ok "some were served until the budget was reached, then refused" test "$refused" -gt 0 -a "$dropped" -gt 0
ok "the refused got a clear error" log_has "status refused: [0-9]* KiB of replies unread"
if ldd "$SUPERD" 2>/dev/null | grep -q 'libasan'; then
	skip "RSS bounds are not meaningful under ASan"
	skip "RSS bounds are not meaningful under ASan"
else
	# Unbounded, 200 replies of $size bytes would be about 100 MiB.
	ok "peak RSS stayed within 32 MiB of the start (${rss0} -> ${peak} KiB)" test $((peak - rss0)) -lt 32768
	after=$(rss)
	ok "after the drops superd is back near its size (${after} KiB)" test $((after - rss0)) -lt 8192
fi
sc status >"$T/full2"; is "$?" 0 "the full status is served again"
is "$(wc -c <"$T/full2")" "$size" "and complete"
end_clients "$T/non-reader.log"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"

# --- PIDFile= naming another unit's process ----------------------------------
# A Type=forking unit whose PID file names another unit's main process
# (every unit descends from superd) must not take it over: that would let
# it stop the other unit's process and confuse superd's bookkeeping.
rm -f "$UNITS"/*.service
: >"$SVCLOG"
unit victim <<EOF
[Service]
ExecStart=$(svc --name victim)
EOF
unit liar <<EOF
[Service]
Type=forking
AutoStart=no
PIDFile=$T/liar.pid
TimeoutStartSec=5s
ExecStart=/bin/sh -c "grep '^start name=victim ' $SVCLOG | cut -d' ' -f3 | cut -d= -f2 > $T/liar.pid"
EOF
start_superd
ok "victim runs" wait_svc "^start name=victim "
victim=$(pid_of victim)
sc start liar >/dev/null 2>&1; rc=$?
is "$rc" 1 "a PID file naming another unit's main process fails the start"
ok "with the cause" log_has "liar.service: cannot start: PIDFile=$T/liar.pid: process $victim is not a process of the unit"
ok "victim is still active" sc is-active victim
is "$(sc show victim | sed -n 's/^MainPID=//p')" "$victim" "with its own process"
ok "which is alive" alive "$victim"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
done_testing
