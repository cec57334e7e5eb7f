# Fault injection, processes and clients: a unit killed in the middle of
# its reload (ExecReload=, and a configuration reload), clients that leave
# in the middle of their reply, and a main process stopped with SIGSTOP.
# superd restarts per policy, reports each failure cleanly, keeps answering,
# and the units already running keep their processes.
. "$TOP_SRCDIR/tests/integration/lib.sh"
: "${SUPERCTL:?SUPERCTL must point to the superctl binary}"
sc() { "$SUPERCTL" "$@"; }
mainpid() { sc show "$1" | sed -n 's/^MainPID=//p'; }
showkey() { sc show "$1" | sed -n "s/^$2=//p"; }
state_is() { [ "$(showkey "$1" State)" = "$2" ]; }
# A new main process, other than $2, that superd shows as active.
restarted() { local p; p=$(mainpid "$1"); [ -n "$p" ] && [ "$p" != 0 ] && [ "$p" != "$2" ] && state_is "$1" active; }
pstate() { awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null; }
is_stopped() { [ "$(pstate "$1")" = T ]; }
nfds() { ls "/proc/$SD_PID/fd" | wc -l; }
fds_back() { [ "$(nfds)" -le "$fds" ]; }

unit bystander <<EOF
[Service]
ExecStart=$(svc --name bystander)
EOF
# The ExecStartPre= and RestartSec=0 make a restart start a new control
# process at once, before the killed reload process is reaped.
unit rl <<EOF
[Service]
ExecStartPre=$(svc --name rl-pre --run 0.2)
ExecStart=$(svc --name rl)
ExecReload=$(svc --name rl-reload --run 30)
RestartSec=0
EOF
unit cfg <<EOF
[Service]
ExecStart=$(svc --name cfg)
EOF
for i in $(seq 1 40); do
	unit "many$i" <<EOF
[Unit]
Description=one of many units with a long description to make the status reply big, number $i
[Service]
ExecStart=@/bin/sleep $T/p-many$i 100000
EOF
done
start_superd
ok "superd answers" wait_for 10 sc health
ok "the units are up" wait_for 10 bash -c "grep -q '^start name=rl ' '$SVCLOG' && grep -q '^start name=cfg ' '$SVCLOG' && grep -q '^start name=bystander ' '$SVCLOG'"
ok "all 43 are active" wait_for 10 bash -c "[ \$('$SUPERCTL' status | grep -c ' active ') -eq 43 ]"
bystander=$(pid_of bystander)

# === a unit killed in the middle of its reload ===============================
# Three rounds: whether the killed reload process is reaped before or after
# the restart's ExecStartPre= begins is a race; it went wrong in most rounds.
for round in 1 2 3; do
	rl=$(pid_of rl)
	sc reload rl >"$T/rl.out" 2>&1 &
	rlc=$!
	ok "$round: the reload is running" wait_count "$SVCLOG" "^start name=rl-reload " "$round"
	reloader=$(field "$(grep '^start name=rl-reload ' "$SVCLOG" | tail -n 1)" pid)
	ok "$round: the unit shows reloading" state_is rl reloading
	kill -KILL "$rl"
	wait "$rlc"; is "$?" 1 "$round: superctl reload exits 1 when the main process dies during the reload"
	ok "$round: and says why" grep -q "rl.service: reload failed: ExecReload= interrupted: the main process exited" "$T/rl.out"
	ok "$round: the log says the reload was aborted" wait_count "$LOG" "rl.service: reload aborted: interrupted: the main process exited" "$round"
	ok "$round: and the crash" log_has "rl.service: main process killed by SIGKILL"
	ok "$round: the reload process is killed" wait_for 10 gone "$reloader"
	ok "$round: the unit is restarted per Restart=" wait_for 10 restarted rl "$rl"
	ok "$round: the main process started" wait_count "$SVCLOG" "^start name=rl " $((round + 1))
	is "$(showkey rl Restarts)" "$round" "$round: restarted once more"
	ok "$round: the killed reload process is not taken for the new one's exit" bash -c "! grep -q 'ExecStartPre= aborted' '$LOG'"
done
is "$(count_in "$SVCLOG" "^start name=rl ")" 4 "four main processes in all"
rl=$(mainpid rl)
sc reload rl >"$T/rl.out" 2>&1 &
rlc=$!
ok "a new reload runs" wait_count "$SVCLOG" "^start name=rl-reload " 2
reloader=$(field "$(grep '^start name=rl-reload ' "$SVCLOG" | tail -n 1)" pid)
sc stop rl; is "$?" 0 "a unit can be stopped in the middle of its reload"
wait "$rlc"; is "$?" 1 "the reload waiting for it fails"
ok "and says why" grep -q "rl.service: reload failed: ExecReload= interrupted: the unit is stopping" "$T/rl.out"
ok "that aborts the reload" log_has "rl.service: reload aborted: interrupted: the unit is stopping"
ok "and kills the reload process" wait_for 10 gone "$reloader"
ok "the unit is inactive" state_is rl inactive

# A configuration reload that restarts a unit whose process was just killed.
cfg=$(pid_of cfg)
unit cfg <<EOF
[Service]
ExecStart=$(svc --name cfg)
Environment=CHANGED=1
EOF
kill -KILL "$cfg"
sc reload; is "$?" 0 "a configuration reload as the unit it restarts dies"
ok "the unit is running again" wait_for 10 restarted cfg "$cfg"
cfgprocs() { pgrep -c -f -- "--name cfg\$" || true; }
one_cfg() { [ "$(cfgprocs)" -eq 1 ]; }
ok "with exactly one process" wait_for 10 one_cfg
is "$(mainpid bystander)" "$bystander" "the bystander is untouched"

# === clients that leave in the middle of their reply =========================
# perl: Socket is part of perl-base.
client() { # client MODE: a misbehaving client; prints what happened
	perl -e '
		use Socket;
		$SIG{PIPE} = "IGNORE";
		my ($path, $mode) = @ARGV;
		socket(my $s, AF_UNIX, SOCK_STREAM, 0) or die "socket: $!";
		connect($s, pack_sockaddr_un($path)) or die "connect: $!";
		my $req = "status\n" x 300;
		if ($mode eq "close") {            # ask a lot, read nothing, leave
			syswrite($s, $req);
		} elsif ($mode eq "linger0") {     # the same, with SO_LINGER 0
			setsockopt($s, SOL_SOCKET, SO_LINGER, pack("ii", 1, 0));
			syswrite($s, $req);
		} elsif ($mode eq "partial") {     # read part of one reply, leave
			syswrite($s, $req);
			sysread($s, my $buf, 100);
		} elsif ($mode eq "shutrd") {      # refuse to read, keep asking
			syswrite($s, $req);
			shutdown($s, SHUT_RD);
			# superd closes the connection once a send fails: then
			# writing fails too (bounded by a deadline).
			for (1 .. 1000) {
				last unless defined syswrite($s, "status\n");
				select(undef, undef, undef, 0.01);
			}
			print defined(syswrite($s, "status\n")) ? "open\n" : "closed\n";
		} elsif ($mode eq "wait") {        # a waiting request, then leave
			syswrite($s, "stop slow\n");
		}
		close($s);
	' "$SOCK" "$1"
}
unit slow <<EOF
[Service]
ExecStart=$(svc --name slow --term-delay 1 --term-exit 0)
EOF
sc reload >/dev/null
ok "slow is up" wait_svc "^start name=slow "
fds=$(nfds)
logmark=$(wc -l <"$LOG")
is "$(client shutrd)" closed "a client that shuts down reading is dropped"
cpids=
for mode in close linger0 partial close linger0 partial; do
	client "$mode" &
	cpids="$cpids $!"
done
sc status >"$T/status"; is "$?" 0 "another client is answered meanwhile"
is "$(grep -c '\.service ' "$T/status")" 44 "with every unit"
wait $cpids
ok "the clients that left are dropped" wait_for 10 fds_back
client wait
ok "a client that left while waiting for a stop: the stop goes on" wait_svc "^signal name=slow sig=TERM"
ok "and ends" wait_log "slow.service: stopped"
cpids=
for i in $(seq 1 20); do
	client close &
	cpids="$cpids $!"
	client shutrd >/dev/null &
	cpids="$cpids $!"
done
for i in 1 2 3 4 5; do
	sc status >/dev/null; is "$?" 0 "client $i answered while 40 others leave mid-reply"
done
wait $cpids
ok "superd is still running" alive "$SD_PID"
ok "it logs nothing alarming about clients that left" bash -c "! tail -n +$((logmark + 1)) '$LOG' | grep -Eiq 'error|warning|SIGPIPE|broken pipe'"
ok "and holds no descriptor of theirs" wait_for 10 fds_back

# === SIGSTOP and SIGCONT of a main process ==================================
unit st <<EOF
[Service]
ExecStart=$(svc --name st)
TimeoutStopSec=20
EOF
unit stproc <<EOF
[Service]
ExecStart=$(svc --name stproc)
KillMode=process
TimeoutStopSec=20
EOF
unit stgroup <<EOF
[Service]
ExecStart=$(svc --name stgroup --fork-child)
KillMode=mixed
TimeoutStopSec=20
EOF
sc reload >/dev/null
ok "the units to stop are up" wait_for 10 bash -c "grep -q '^start name=st ' '$SVCLOG' && grep -q '^start name=stproc ' '$SVCLOG' && grep -q '^child name=stgroup ' '$SVCLOG'"
st=$(pid_of st)
kill -STOP "$st"
ok "the main process is stopped" wait_for 10 is_stopped "$st"
for i in 1 2 3; do
	sc health >/dev/null # a few turns of superd's loop
done
ok "superd does not take a stopped process for an exited one" state_is st active
is "$(mainpid st)" "$st" "and keeps its PID"
ok "nothing is logged about it" bash -c "! grep -q 'st.service: main process' '$LOG'"
sc is-active st; is "$?" 0 "is-active says active"
kill -CONT "$st"
kill -USR1 "$st"
ok "after SIGCONT it runs on" wait_svc "^signal name=st sig=USR1"
is "$(mainpid st)" "$st" "same process"
ok "still active" state_is st active

# Stopping a stopped process: SIGCONT follows KillSignal=, or the TERM would
# wait until TimeoutStopSec= and a SIGKILL.
kill -STOP "$st"
ok "stopped again" wait_for 10 is_stopped "$st"
t0=$(date +%s%N)
sc stop st; is "$?" 0 "a stopped unit can be stopped"
el=$((($(date +%s%N) - t0) / 1000000))
ok "it got its SIGTERM" svc_has "^signal name=st sig=TERM"
ok "at once (${el} ms), not after TimeoutStopSec=" test "$el" -lt 5000
stproc=$(pid_of stproc)
kill -STOP "$stproc"
ok "KillMode=process: stopped" wait_for 10 is_stopped "$stproc"
sc stop stproc; is "$?" 0 "KillMode=process: a stopped unit can be stopped"
ok "KillMode=process: it got its SIGTERM" svc_has "^signal name=stproc sig=TERM"
stgroup=$(pid_of stgroup)
child=$(field "$(grep '^child name=stgroup ' "$SVCLOG")" pid)
kill -STOP -- "-$stgroup"
ok "a whole process group stopped" wait_for 10 bash -c "[ \"\$(awk '{print \$3}' /proc/$stgroup/stat)\" = T ] && [ \"\$(awk '{print \$3}' /proc/$child/stat)\" = T ]"
sc stop stgroup; is "$?" 0 "KillMode=mixed: a stopped group can be stopped"
ok "KillMode=mixed: the main process got its SIGTERM" svc_has "^signal name=stgroup sig=TERM"
ok "and no process of the group is left" wait_for 10 group_gone "$stgroup"
ok "no SIGKILL was needed" bash -c "! grep -Eq 'st(proc|group)?.service: .*sending SIGKILL' '$LOG'"
is "$(mainpid bystander)" "$bystander" "the bystander is untouched by all of it"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
done_testing
