# Readiness and its edges (SPEC §4, §6): superd's own readiness with a unit
# that crash-loops, nothing sent to a NOTIFY_SOCKET by a build without
# libsystemd, TimeoutStartSec= for every kind of start (notify, forking,
# ExecStartPre=, ExecStartPost=), a unit's own RELOADING=1/READY=1 and
# STOPPING=1, a oneshot's commands in order, a missing '-' ExecStartPre=,
# and stop and restart carried along Requires=.
. "$TOP_SRCDIR/tests/integration/lib.sh"
: "${SUPERCTL:?SUPERCTL must point to the superctl binary}"
# A superctl that waits for a unit gives up after a minute: a superd that
# never answers fails the check instead of hanging the test.
sc() { timeout 60 "$SUPERCTL" "$@"; }
state() { sc show "$1" | sed -n 's/^State=//p'; }
mainpid() { sc show "$1" | sed -n 's/^MainPID=//p'; }
state_is() { [ "$(state "$1")" = "$2" ]; }
# earlier T1 T2: both times known, and T1 < T2.
earlier() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" -lt "$2" ]; }
# tof PATTERN [N]: the t= (ns) of the Nth line of the service log that
# matches PATTERN.
tof() {
	grep -- "$1" "$SVCLOG" 2>/dev/null | sed -n "${2:-1}p" | tr ' ' '\n' | sed -n 's/^t=//p'
}

if "$SUPERD" --version | grep -q '+systemd'; then
	with_systemd=yes
else
	with_systemd=no
fi

# --- phase 1: superd's readiness ------------------------------------------
# crash can never exec; dep is only ordered after it. superd must still
# count its first start as settled: crash is in backoff, and dep waits on
# nothing that is on its way.
unit crash <<EOF
[Service]
Type=exec
Restart=always
RestartSec=200ms
RestartMaxDelaySec=200ms
ExecStart=/nonexistent
EOF
unit dep <<EOF
[Unit]
After=crash
[Service]
ExecStart=$(svc --name dep)
EOF

# Without libsystemd, a NOTIFY_SOCKET in superd's environment is not
# systemd's to answer: nothing may be sent to it. (With libsystemd,
# t_notify_systemd.sh checks what is sent.)
NLOG=$T/notify.log
if [ "$with_systemd" = no ]; then
	"$TESTSVC" --notify-recv "$T/notify.sock" "$NLOG" &
	nrecv=$!
	ok "the stand-in for systemd listens" wait_for 10 grep -q '^listening' "$NLOG"
	NOTIFY_SOCKET=$T/notify.sock start_superd
else
	start_superd
fi
ok "superd answers" wait_for 10 bash -c "'$SUPERCTL' version >/dev/null"
ok "health is 0 within 5 s although dep is ordered after a crash-looping unit" wait_for 5 sc health
ok "crash does crash-loop" wait_count "$LOG" "crash.service: cannot start" 3
ok "and health stays 0 while it goes on" sc health
ok "crash is still restarting" wait_count "$LOG" "crash.service: cannot start" 5
ok "health is still 0" sc health
sc reload >/dev/null; is "$?" 0 "a configuration reload"
ok "went through" wait_log "reloaded: "
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
if [ "$with_systemd" = no ]; then
	# Datagrams on one socket arrive in order: once a later one from the
	# test is in, anything superd sent before it is in too.
	NOTIFY_SOCKET=$T/notify.sock "$TESTSVC" --log "$SVCLOG" --name sentinel --notify SENTINEL=1 --run 0
	ok "the test's own datagram reaches the stand-in" wait_for 10 grep -q 'SENTINEL=1' "$NLOG"
	is "$(grep -v -e '^listening' -e 'SENTINEL=1' "$NLOG")" "" \
		"built without libsystemd, superd sent nothing to NOTIFY_SOCKET (no READY=1, RELOADING=1, STOPPING=1)"
	kill "$nrecv"
	wait "$nrecv" 2>/dev/null
else
	skip "built without libsystemd, superd sends nothing to NOTIFY_SOCKET" \
		"superd is built with libsystemd (t_notify_systemd.sh covers what it sends)"
fi

# --- phase 2: units ---------------------------------------------------------
rm -f "$UNITS"/*.service
: >"$LOG"

unit tmo-restart <<EOF
[Service]
Type=notify
Restart=always
TimeoutStartSec=500ms
RestartSec=100ms
ExecStart=$(svc --name tmo-restart)
EOF
# The parent of a forking unit that never exits.
unit fork-hang <<EOF
[Service]
Type=forking
Restart=no
TimeoutStartSec=500ms
PIDFile=$T/fork-hang.pid
ExecStart=$(svc --name fork-hang)
EOF
unit pre-hang <<EOF
[Service]
Restart=no
TimeoutStartSec=500ms
ExecStartPre=$(svc --name pre-hang-pre)
ExecStart=$(svc --name pre-hang)
EOF
unit post-hang <<EOF
[Service]
Restart=no
TimeoutStartSec=500ms
ExecStart=$(svc --name post-hang)
ExecStartPost=$(svc --name post-hang-post)
EOF
# The main process (a shell; NotifyAccess=all lets its helpers speak for
# it) goes ready, then through a reload of its own, then says it is
# stopping, each step when the test creates a file.
step() { echo "while [ ! -e $T/$1 ]; do sleep 0.05; done; $(svc --name "self-$2" --notify "$3" --run 10) &"; }
unit self <<EOF
[Service]
Type=notify
NotifyAccess=all
ExecStart=/bin/sh -c '$(svc --name self-ready --notify READY=1 --run 10) & $(step go-reload reloading RELOADING=1) $(step go-ready ready2 READY=1) $(step go-stopping stopping STOPPING=1) exec sleep 100000'
EOF
# RELOADING=1 and then nothing: bounded by TimeoutStartSec=, then active.
unit hangreload <<EOF
[Service]
Type=notify
TimeoutStartSec=1s
ExecStart=$(svc --name hangreload --notify 'READY=1\\nRELOADING=1')
EOF
unit ns3 <<EOF
[Service]
Type=oneshot
NotifyAccess=main
ExecStart=/bin/sh -c 'echo one >> $T/ns3'
ExecStart=/bin/sh -c 'echo two >> $T/ns3'
ExecStart=/bin/sh -c 'echo three >> $T/ns3'
EOF
unit pre-missing <<EOF
[Service]
Restart=no
ExecStartPre=-/nonexistent/tool
ExecStart=$(svc --name pre-missing)
EOF
unit req-a <<EOF
[Service]
ExecStart=$(svc --name req-a)
EOF
# req-b takes 0.3 s to stop: superd must wait for it before it stops req-a.
unit req-b <<EOF
[Unit]
Requires=req-a
After=req-a
[Service]
ExecStart=$(svc --name req-b --term-delay 0.3)
EOF

start_superd
ok "superd answers" wait_for 10 bash -c "'$SUPERCTL' version >/dev/null"

# --- TimeoutStartSec= -------------------------------------------------------
ok "tmo-restart: a notify unit that never sends READY=1 times out" wait_log "tmo-restart.service: start timed out after 500ms (TimeoutStartSec=)"
ok "and with Restart=always it is started again" wait_count "$SVCLOG" "^start name=tmo-restart " 2
ok "its first process got the stop signal" svc_has "^signal name=tmo-restart sig=TERM"
s1=$(tof "^start name=tmo-restart " 1) s2=$(tof "^start name=tmo-restart " 2)
ok "the second start came after the 500 ms timeout ($(((${s2:-0} - ${s1:-0}) / 1000000)) ms)" \
	test "$((${s2:-0} - ${s1:-0}))" -ge 500000000
sc stop tmo-restart; is "$?" 0 "tmo-restart can be stopped"

ok "fork-hang: a forking parent that never exits times out" wait_log "fork-hang.service: start timed out after 500ms (TimeoutStartSec=)"
ok "and, with Restart=no, is failed" wait_for 10 state_is fork-hang failed
ok "naming the timeout as the reason" bash -c "'$SUPERCTL' show fork-hang | grep -q '^Reason=.*TimeoutStartSec='"
fp=$(field "$(starts_of fork-hang | head -n 1)" pid)
ok "the parent got the stop signal" svc_has "^signal name=fork-hang sig=TERM"
ok "and is gone" wait_for 10 gone "$fp"
is "$(starts_of fork-hang | wc -l)" 1 "it was not restarted"

ok "pre-hang: a hanging ExecStartPre= times out" wait_log "pre-hang.service: start timed out after 500ms (TimeoutStartSec=)"
ok "the unit is failed" wait_for 10 state_is pre-hang failed
ok "naming the timeout" bash -c "'$SUPERCTL' show pre-hang | grep -q '^Reason=.*TimeoutStartSec='"
pp=$(field "$(starts_of pre-hang-pre | head -n 1)" pid)
ok "the ExecStartPre= command is gone" wait_for 10 gone "$pp"
ok "the main process never ran" bash -c "! grep -q '^start name=pre-hang ' '$SVCLOG'"

ok "post-hang: a hanging ExecStartPost= times out" wait_log "post-hang.service: start timed out after 500ms (TimeoutStartSec=)"
ok "the unit is failed" wait_for 10 state_is post-hang failed
ok "naming the timeout" bash -c "'$SUPERCTL' show post-hang | grep -q '^Reason=.*TimeoutStartSec='"
mp=$(pid_of post-hang) pp=$(pid_of post-hang-post)
ok "the ExecStartPost= command is gone" wait_for 10 gone "$pp"
ok "and so is the main process" wait_for 10 gone "$mp"

# --- a unit's own RELOADING=1, READY=1, STOPPING=1 -----------------------------
ok "self: ready" wait_for 10 state_is self active
touch "$T/go-reload"
ok "self sent RELOADING=1" wait_svc "^notified name=self-reloading "
ok "superctl show says reloading" wait_for 10 state_is self reloading
ok "superctl status too" bash -c "'$SUPERCTL' status self | grep -q '^self.service  *reloading '"
ok "and it still counts as active" sc is-active self
touch "$T/go-ready"
ok "self sent READY=1 again" wait_svc "^notified name=self-ready2 "
ok "superctl show says active again" wait_for 10 state_is self active
ok "superd logged the end of the reload" log_has "self.service: reloaded (READY=1)"
sp=$(mainpid self)
touch "$T/go-stopping"
ok "self sent STOPPING=1" wait_svc "^notified name=self-stopping "
ok "superd logs it" wait_log "self.service: says it is stopping (STOPPING=1)"
ok "and does nothing else: the unit stays active" state_is self active
is "$(mainpid self)" "$sp" "with the same main process"

ok "hangreload: ready, then it sends RELOADING=1 and no READY=1" wait_log "hangreload.service: ready (READY=1)"
ok "until TimeoutStartSec= has passed" wait_log "hangreload.service: no READY=1 within 1s (TimeoutStartSec=) after RELOADING=1; active again" 10
ok "then it is active again" wait_for 5 state_is hangreload active
ok "with its process" alive "$(mainpid hangreload)"

# --- oneshot, NotifyAccess=main, three commands ----------------------------
ok "ns3 finished" wait_log "ns3.service: finished"
is "$(tr '\n' ' ' <"$T/ns3" 2>/dev/null)" "one two three " "each of its three commands ran once, in order"

# --- ExecStartPre=-/nonexistent ---------------------------------------------
ok "pre-missing: a missing '-' ExecStartPre= is skipped and the main process runs" wait_svc "^start name=pre-missing "
ok "and the unit is active" wait_for 10 sc is-active pre-missing
ok "the log names the missing command" log_has "pre-missing.service: .*/nonexistent/tool"

# --- Requires=: stop and restart are carried to dependents -------------------
ok "req-a and req-b run" wait_for 10 bash -c "'$SUPERCTL' is-active req-a && '$SUPERCTL' is-active req-b"
a1=$(pid_of req-a) b1=$(pid_of req-b)
sc stop req-a; is "$?" 0 "stop req-a"
ok "req-a is gone" wait_for 10 gone "$a1"
ok "req-b, which requires it, is stopped too" wait_for 10 gone "$b1"
ok "req-b is inactive" wait_for 10 state_is req-b inactive
ok "and wanted down (not restarted)" bash -c "'$SUPERCTL' show req-b | grep -q '^WantedState=down'"
be=$(tof "^exit name=req-b ") as=$(tof "^signal name=req-a ")
ok "req-b ended before req-a got its stop signal" earlier "$be" "$as"
sc start req-b; is "$?" 0 "start req-b pulls req-a in again"
ok "both run" wait_for 10 bash -c "'$SUPERCTL' is-active req-a && '$SUPERCTL' is-active req-b"
a2=$(pid_of req-a) b2=$(pid_of req-b)
sc restart req-a; is "$?" 0 "restart req-a"
ok "req-a has a new process" wait_count "$SVCLOG" "^start name=req-a " 3
ok "req-a's old process is gone" wait_for 10 gone "$a2"
ok "req-b is restarted too" wait_count "$SVCLOG" "^start name=req-b " 3
ok "req-b's old process is gone" wait_for 10 gone "$b2"
be=$(tof "^exit name=req-b " 2) as=$(tof "^signal name=req-a " 2)
ok "req-b ended before req-a got its stop signal, as at a stop" earlier "$be" "$as"
ok "req-b runs again" wait_for 10 sc is-active req-b
b3=$(pid_of req-b)
ok "with a new PID ($b2, then $b3)" test "$b3" != "$b2"
ok "which superctl show reports" test "$(mainpid req-b)" = "$b3"
# Not the children's own start lines: two simple units race to write them.
# superd's log is written by superd alone, in the order it started them.
started_line() { grep -n "$1.service: started" "$LOG" | sed -n "${2}p" | cut -d: -f1; }
ok "req-b started again after req-a had (superd log lines $(started_line req-a 3), $(started_line req-b 3))" \
	earlier "$(started_line req-a 3)" "$(started_line req-b 3)"

stop_superd
is "$SD_STATUS" 0 "clean shutdown"
done_testing
