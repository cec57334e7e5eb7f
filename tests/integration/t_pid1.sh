# superd as PID 1 of a PID namespace, as in a container (SPEC §8): it
# handles the signals it acts on (the kernel gives PID 1 no default
# actions), reaps every orphan, stops orphans at shutdown, and its exit
# status is the container's.
. "$TOP_SRCDIR/tests/integration/lib.sh"
: "${SUPERCTL:?SUPERCTL must point to the superctl binary}"

if [ "$(id -u)" -ne 0 ] || ! unshare --pid --fork --mount-proc true 2>/dev/null; then
	echo "ok 1 # SKIP needs root and PID namespaces (unshare)"
	echo "1..1"
	exit 0
fi

# A unit whose shell leaves short-lived orphans (they must be reaped, not
# left as zombies) and a long-lived one in a session of its own.
# It asks for SIGUSR1 to be relayed.
unit app <<EOF
[Service]
ExecStart=/bin/sh -c '($(svc --name brief --run 0.2) &); (setsid $(svc --name orphan) &); exec $(svc --name app --report-signals)'
ForwardSignals=USR1
EOF

start_pid1() { # start_pid1 [ENV=VALUE...]
	env "$@" unshare --pid --fork --mount-proc "$SUPERD" -c "$T/superd.conf" -u "$UNITS" \
		-s "$SOCK" >>"$LOG" 2>&1 &
	SD_PID=$!
}
superd_host_pid() { pgrep -P "$SD_PID" -x superd; }

start_pid1
ok "superd answers as PID 1" wait_for 10 "$SUPERCTL" health
inner=$(superd_host_pid)
ok "superd is PID 1 in its namespace" grep -q "NSpid:.*[[:space:]]1$" "/proc/$inner/status"
ok "the unit runs" wait_svc "^start name=app "
is "$(field "$(starts_of app)" ppid)" 1 "its parent is PID 1: superd"
ok "PID 1's unit still gets default signal dispositions" svc_has "^sigblk=0000000000000000 sigign=0000000000000000$"
# The short-lived orphans exit after 0.2 s; superd must reap them.
# testsvc reports PIDs of the namespace; on the host, find them by their
# command line, which names this test's directory.
hostpid() { pgrep -f -- "$SVCLOG --name $1( |\$)" | head -n 1; }
no_zombies() { [ "$(ps -o stat= --ppid "$inner" | grep -c '^Z')" -eq 0 ]; }
ok "the short-lived orphan has exited" wait_svc "^exit name=brief "
ok "and was reaped by PID 1: no zombie left" wait_for 10 no_zombies
ok "the long-lived orphan runs" wait_svc "^start name=orphan "
long=$(hostpid orphan)
ok "the long-lived orphan was reparented to PID 1" test "$(awk '/^PPid:/ { print $2 }' "/proc/$long/status")" = "$inner"

# The kernel drops a signal sent to PID 1 that it has no handler for,
# silently: each of these checks fails if superd stopped handling one.
# SIGHUP: a reload, which starts a unit added meanwhile.
unit late <<EOF
[Service]
ExecStart=$(svc --name late)
EOF
kill -HUP "$inner"
ok "SIGHUP to PID 1: superd reloads" wait_log "SIGHUP: reloading the configuration"
ok "the reload is done" wait_log "reloaded: "
ok "and starts the unit added meanwhile" wait_svc "^start name=late "
ok "superd is still alive" alive "$inner"
ok "and answers" "$SUPERCTL" health
# SIGUSR1: relayed to the unit that lists it in ForwardSignals=.
kill -USR1 "$inner"
ok "SIGUSR1 to PID 1 is relayed to the unit (ForwardSignals=USR1)" wait_svc "^signal name=app sig=USR1"
ok "and not to a unit that does not list it" bash -c "! grep -q '^signal name=late ' '$SVCLOG'"
ok "superd is still alive" alive "$inner"

kill -TERM "$inner"
wait_superd 20
is "$SD_STATUS" 0 "SIGTERM to PID 1 shuts down cleanly; the exit status is superd's"
ok "the unit got its stop signal" svc_has "^signal name=app sig=TERM"
# Once PID 1 exits the kernel SIGKILLs the whole namespace, so "gone"
# alone proves nothing: the orphan must have had SIGTERM from superd.
ok "the orphan got SIGTERM from PID 1 at shutdown" svc_has "^signal name=orphan sig=TERM"
ok "superd said so" log_has "stopping 1 orphaned process(es) left behind by units"
ok "the orphan is gone" gone "$long"

# The container ends with its main service, and with its status.
unit app <<EOF
[Service]
Restart=no
FailureAction=exit
ExecStart=/bin/sh -c 'sleep 0.3; exit 42'
EOF
: >"$LOG"
start_pid1
wait_superd 20
is "$SD_STATUS" 42 "FailureAction=exit: the namespace's exit status is the unit's"

# SIGINT (Ctrl-C on "docker run -it") is a clean shutdown too.
rm -f "$UNITS/late.service"
unit app <<EOF
[Service]
ExecStart=$(svc --name app2)
EOF
: >"$LOG"
start_pid1
ok "superd runs again as PID 1" wait_svc "^start name=app2 "
inner=$(superd_host_pid)
kill -INT "$inner"
wait_superd 20
is "$SD_STATUS" 0 "SIGINT to PID 1 shuts down cleanly: exit 0"
ok "superd logged it" log_has "shutting down (SIGINT)"
ok "the unit got its stop signal" svc_has "^signal name=app2 sig=TERM"

# A PID namespace without a /proc of its own (unshare without
# --mount-proc): /proc lists the host's PIDs, so superd signals the
# orphans with kill(-1), which reaches every process of its namespace.
unit app <<EOF
[Service]
ExecStart=/bin/sh -c '(setsid $(svc --name noproc-orphan) &); exec $(svc --name app3)'
EOF
: >"$LOG"
unshare --pid --fork "$SUPERD" -c "$T/superd.conf" -u "$UNITS" -s "$SOCK" >>"$LOG" 2>&1 &
SD_PID=$!
ok "superd runs as PID 1 without its own /proc" wait_svc "^start name=app3 "
ok "the orphan runs" wait_svc "^start name=noproc-orphan "
inner=$(superd_host_pid)
kill -TERM "$inner"
wait_superd 20
is "$SD_STATUS" 0 "SIGTERM shuts it down cleanly"
ok "the orphan got SIGTERM from PID 1" svc_has "^signal name=noproc-orphan sig=TERM"

# Two containers of one pod: separate PID namespaces, one network
# namespace. Both superds are PID 1, so the abstract name of the
# NOTIFY_SOCKET for units (@superd-notify/1) is taken for the second; it
# must still serve its notify units, under a name the kernel picks.
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0superd-notify/1")
open(sys.argv[1], "w").close()
time.sleep(600)
' "$T/squatter.ready" "$T" &
squatter=$!
ok "another process holds @superd-notify/1" wait_for 10 test -e "$T/squatter.ready"
rm -f "$UNITS"/*.service
unit ready <<EOF
[Service]
Type=notify
ExecStart=$(svc --name ready --notify READY=1)
EOF
: >"$LOG"
start_pid1
ok "the notify unit of the second PID 1 becomes active" wait_for 20 "$SUPERCTL" is-active ready
ok "superd says it took another name" log_has "NOTIFY_SOCKET name for units is taken"
"$SUPERCTL" shutdown >/dev/null
wait_superd 20
is "$SD_STATUS" 0 "and shuts down cleanly"
kill "$squatter" 2>/dev/null
wait "$squatter" 2>/dev/null
done_testing
