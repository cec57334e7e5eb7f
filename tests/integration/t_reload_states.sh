# Reload (SPEC §5.1) meeting units in every state: starting, backoff, being
# stopped after their removal; parallel reloads and a storm of SIGHUPs are
# serialised and the last configuration wins; an invalid one (an ordering
# cycle) changes nothing; WritePIDFile= follows the unit file.
#
# "Never two processes of a unit" is sampled in the background all along,
# not only looked at in the end: every unit's process carries the marker
# $T/p-NAME as its argv[0] (ExecStart=@...), and none of them forks, so two
# live processes with one marker are two instances of one unit.
. "$TOP_SRCDIR/tests/integration/lib.sh"
: "${SUPERCTL:?SUPERCTL must point to the superctl binary}"
sc() { "$SUPERCTL" "$@"; }

# put NAME: write $UNITS/NAME.service from stdin atomically (a temp file
# outside the unit directory, then rename), so that a reload never reads
# half a file.
put() { cat >"$T/put-$1.tmp" && mv -f "$T/put-$1.tmp" "$UNITS/$1.service"; }
# sleeper NAME [LINE...]: a unit running sleep, with extra [Service] lines.
sleeper() {
	local name=$1
	shift
	{
		printf '[Service]\nExecStart=@/bin/sleep %s/p-%s 100000\n' "$T" "$name"
		[ $# -eq 0 ] || printf '%s\n' "$@"
	} | put "$name"
}
# tsvc NAME ARGS...: an ExecStart= running testsvc with the marker.
tsvc() {
	local name=$1
	shift
	echo "@$TESTSVC $T/p-$name --log $SVCLOG --name $name $*"
}
procs() { pgrep -c -f "^$T/p-$1( |\$)" || true; }
procs_is() { [ "$(procs "$1")" -eq "$2" ]; }
mainpid() { sc show "$1" | sed -n 's/^MainPID=//p'; }
state_is() { sc show "$1" | grep -qx "State=$2"; }
# new_pid UNIT OLD: UNIT runs a process that is not OLD.
new_pid() { local p; p=$(mainpid "$1"); [ -n "$p" ] && [ "$p" != 0 ] && [ "$p" != "$2" ]; }
svc_t() { field "$1" t; } # the t= of a service log line

# watch_start / watch_stop: in the background, list the processes with a
# marker (one ps), and whenever one marker shows twice, check that both
# PIDs are still alive afterwards: one scan of /proc is not atomic, but two
# processes alive at the end of it were alive together. Every overlap goes
# to $T/overlaps; the number of scans to $T/watch.count. watch_stop lets it
# take at least 10 scans, so that a watch never passes for want of looking.
WATCH_PID=
watch_start() {
	: >"$T/overlaps"
	rm -f "$T/watch.stop" "$T/watch.count"
	(
		n=0
		while [ ! -e "$T/watch.stop" ]; do
			ps -eo pid=,args= | awk -v pre="$T/p-" '
				index($2, pre) == 1 { k = substr($2, length(pre) + 1); c[k]++; p[k] = p[k] " " $1 }
				END { for (k in c) if (c[k] > 1) print k p[k] }' |
				while read -r name pids; do
					live=
					nlive=0
					for p in $pids; do
						alive "$p" && live="$live $p" && nlive=$((nlive + 1))
					done
					[ "$nlive" -lt 2 ] || echo "$name:$live" >>"$T/overlaps"
				done
			n=$((n + 1))
			echo "$n" >"$T/watch.count"
		done
	) &
	WATCH_PID=$!
}
scans_at_least() { [ "$(cat "$T/watch.count" 2>/dev/null || echo 0)" -ge "$1" ]; }
watch_stop() { # watch_stop WHAT: stop sampling; check it sampled and saw no overlap
	wait_for 10 scans_at_least 10
	touch "$T/watch.stop"
	wait "$WATCH_PID"
	WATCH_PID=
	ok "$1: the background watch took samples ($(cat "$T/watch.count" 2>/dev/null) scans)" \
		test "$(cat "$T/watch.count" 2>/dev/null || echo 0)" -ge 10
	ok "$1: never two processes of one unit (overlaps: $(sort -u "$T/overlaps" | tr '\n' ' '))" \
		test ! -s "$T/overlaps"
}

# --- the units of the first sections -----------------------------------------
sleeper nready "Type=notify" "TimeoutStartSec=10min" "Environment=GEN=1"
put bo <<EOF
[Service]
ExecStart=$(tsvc bo --report-env --run 1.5 --exit 1)
Environment=GEN=1
RestartSec=1s
RestartMaxDelaySec=1s
EOF
put phoenix <<EOF
[Service]
ExecStart=$(tsvc phoenix --term-delay 2 --term-exit 0)
EOF
sleeper wp "WritePIDFile=$T/w1.pid"
start_superd
# (superd is not ready while nready starts: ask for its version.)
answers() { sc version >/dev/null; }
ok "superd answers" wait_for 10 answers

# --- a unit in starting -------------------------------------------------------
# A Type=notify unit whose program never sends READY=1 stays starting.
ok "nready runs and is starting" wait_for 10 bash -c "'$SUPERCTL' show nready | grep -qx State=starting && pgrep -f '^$T/p-nready( |\$)' >/dev/null"
old=$(mainpid nready)
watch_start
sleeper nready "Type=notify" "TimeoutStartSec=10min" "Environment=GEN=2"
sc reload >/dev/null; is "$?" 0 "reload of a unit in starting exits 0"
ok "a new process replaces the starting one" wait_for 10 new_pid nready "$old"
ok "the old one is gone" wait_for 10 gone "$old"
new=$(mainpid nready)
ok "the new one has the new environment" bash -c "tr '\\0' '\\n' </proc/$new/environ | grep -qx GEN=2"
ok "and is starting (no READY=1 yet)" state_is nready starting
is "$(procs nready)" 1 "exactly one process of nready"
watch_stop "starting"

# --- a unit in backoff --------------------------------------------------------
# bo runs 1.5 s, fails, waits 1 s: a restart that forgot the pending backoff
# timer would start a second process within that 1.5 s.
ok "bo is in backoff" wait_for 10 state_is bo backoff
watch_start
put bo <<EOF
[Service]
ExecStart=$(tsvc bo --report-env --run 1.5 --exit 1)
Environment=GEN=2
RestartSec=1s
RestartMaxDelaySec=1s
EOF
sc reload >/dev/null; is "$?" 0 "reload of a unit in backoff exits 0"
ok "bo starts with the new settings" wait_svc "^env GEN=2$"
ok "and keeps restarting with them" wait_count "$SVCLOG" "^env GEN=2$" 2 10
ok "no start with the old settings after the reload" \
	bash -c "! sed -n '/^env GEN=2\$/,\$p' '$SVCLOG' | grep -qx 'env GEN=1'"
watch_stop "backoff"
rm "$UNITS/bo.service"
sc reload >/dev/null; is "$?" 0 "bo removed"
ok "bo has no process" wait_for 10 procs_is bo 0

# --- a reload that introduces an ordering cycle changes nothing --------------
sleeper cy1
printf '[Unit]\nAfter=cy1.service\n[Service]\nExecStart=@/bin/sleep %s/p-cy2 100000\n' "$T" | put cy2
sc reload >/dev/null; is "$?" 0 "cy1 and cy2 added"
ok "cy1 and cy2 run" wait_for 10 bash -c "[ \$(pgrep -c -f '^$T/p-cy[12] ') -eq 2 ]"
all_pids() { for u in nready phoenix wp cy1 cy2; do printf '%s=%s ' "$u" "$(mainpid "$u")"; done; }
before=$(all_pids)
# Besides the cycle, changes that would restart cy1 and nready were the
# new configuration applied, even in part.
printf '[Unit]\nAfter=cy2.service\n[Service]\nExecStart=@/bin/sleep %s/p-cy1 100000\nEnvironment=X=1\n' "$T" | put cy1
sleeper nready "Type=notify" "TimeoutStartSec=10min" "Environment=GEN=3"
sc reload >"$T/out" 2>"$T/err"; rc=$?
is "$rc" 1 "a reload with an ordering cycle exits 1"
ok "it prints the cycle with FILE:LINE" \
	grep -Eq "error: $UNITS/cy[12]\.service:2: ordering cycle: (cy[12])\.service -> cy[12]\.service -> \1\.service" "$T/err"
ok "the log has it too" log_has "error: $UNITS/cy[12].service:2: ordering cycle"
is "$(all_pids)" "$before" "every PID is unchanged"
ok "nready still has its old environment" bash -c "tr '\\0' '\\n' </proc/$(mainpid nready)/environ | grep -qx GEN=2"
rm "$UNITS/cy1.service" "$UNITS/cy2.service"
sleeper nready "Type=notify" "TimeoutStartSec=10min" "Environment=GEN=2"
sc reload >/dev/null; is "$?" 0 "cy1 and cy2 removed"

# --- a removed unit added back while its old process is still stopping ------
ok "phoenix runs" wait_svc "^start name=phoenix "
old=$(pid_of phoenix)
watch_start
rm "$UNITS/phoenix.service"
sc reload >/dev/null; is "$?" 0 "phoenix removed"
ok "phoenix is stopping (it takes 2 s)" wait_svc "^signal name=phoenix sig=TERM "
put phoenix <<EOF
[Service]
ExecStart=$(tsvc phoenix --term-delay 2 --term-exit 0)
EOF
sc reload >/dev/null; is "$?" 0 "phoenix added back while it stops"
ok "the old process ends" wait_for 10 gone "$old"
ok "phoenix runs again" wait_for 10 bash -c "[ \$(grep -c '^start name=phoenix ' '$SVCLOG') -ge 2 ] && [ \$(pgrep -c -f '^$T/p-phoenix ') -eq 1 ]"
old_exit=$(svc_t "$(grep "^exit name=phoenix " "$SVCLOG" | head -n 1)")
new_start=$(svc_t "$(starts_of phoenix | sed -n 2p)")
ok "the new phoenix started after the old one had exited" test "$new_start" -gt "$old_exit"
is "$(grep -c '^start name=phoenix ' "$SVCLOG")" 2 "phoenix was started once more, not twice"
watch_stop "removed and added back"
rm "$UNITS/phoenix.service"
sc reload >/dev/null

# --- WritePIDFile= changed by a reload ---------------------------------------
pidfile_is() { [ -f "$1" ] && [ "$(cat "$1")" = "$(mainpid wp)" ] && [ "$(mainpid wp)" != 0 ]; }
ok "w1.pid holds wp's PID" wait_for 10 pidfile_is "$T/w1.pid"
sleeper wp "WritePIDFile=$T/w2.pid"
sc reload >/dev/null; is "$?" 0 "reload that moves WritePIDFile= to w2.pid"
ok "while wp runs, w2.pid holds its PID" wait_for 5 pidfile_is "$T/w2.pid"
sc stop wp; is "$?" 0 "wp stopped"
ok "after the stop, w2.pid is gone" wait_for 5 test ! -e "$T/w2.pid"
ok "and so is w1.pid" wait_for 5 test ! -e "$T/w1.pid"

# --- a reload that removes what a unit waits on -------------------------------
# wa waits to start After= wb, which never gets ready; wb is removed: wa
# waits on nothing any more and starts.
sleeper wb "Type=notify" "TimeoutStartSec=10min"
printf '[Unit]\nAfter=wb.service\n[Service]\nExecStart=@/bin/sleep %s/p-wa 100000\n' "$T" | put wa
sc reload >/dev/null; is "$?" 0 "wa and wb added"
waits_for_wb() { sc show wa | grep -q '^Reason=waiting for wb'; }
ok "wa waits for wb" wait_for 10 waits_for_wb
rm "$UNITS/wb.service"
sc reload >/dev/null; is "$?" 0 "wb removed"
ok "wa starts once wb is gone" wait_for 10 procs_is wa 1
ok "and is active" wait_for 10 state_is wa active
# sdb waits to stop until sapp, ordered after it, has stopped (3 s); sapp
# is removed meanwhile: sdb still stops, once sapp has ended.
put sdb <<EOF
[Service]
ExecStart=$(tsvc sdb)
EOF
put sapp <<EOF
[Unit]
After=sdb.service
[Service]
ExecStart=$(tsvc sapp --term-delay 3 --term-exit 0)
EOF
sc reload >/dev/null; is "$?" 0 "sdb and sapp added"
both_run() { procs_is sdb 1 && procs_is sapp 1; }
ok "sdb and sapp run" wait_for 10 both_run
sc stop --no-block sapp sdb >/dev/null; is "$?" 0 "stop of both requested"
ok "sapp is stopping" wait_svc "^signal name=sapp sig=TERM "
ok "sdb waits for it" state_is sdb active
rm "$UNITS/sapp.service"
sc reload >/dev/null; is "$?" 0 "sapp removed while it stops"
ok "sdb stops in the end" wait_for 15 procs_is sdb 0
ok "after sapp had exited" test "$(svc_t "$(grep '^exit name=sapp ' "$SVCLOG")")" -lt "$(svc_t "$(grep '^signal name=sdb sig=TERM ' "$SVCLOG")")"
rm "$UNITS/wa.service" "$UNITS/sdb.service"
sc reload >/dev/null

# --- parallel reloads while unit files change --------------------------------
for u in c1 c2 c3 c4 c5; do sleeper "$u"; done
sc reload >/dev/null; is "$?" 0 "c1..c5 added"
cs_run() { for u in c1 c2 c3 c4 c5; do procs_is "$u" 1 || return 1; done; }
ok "c1..c5 run" wait_for 10 cs_run
requested=$(count_in "$LOG" "configuration reload requested")
watch_start
# The writer rewrites the files one after the other, round after round,
# until the reloads are done; it counts its writes in $T/writes.
(
	i=0 n=0
	while [ ! -e "$T/reloads.done" ]; do
		i=$((i + 1))
		for u in c1 c2 c3 c4 c5; do
			sleeper "$u" "Environment=ROUND=$i"
			n=$((n + 1))
			# Renamed into place: a reader never sees it empty.
			echo "$n" >"$T/writes.new" && mv "$T/writes.new" "$T/writes"
		done
	done
) &
writer=$!
ok "the writer is at work" wait_for 10 test -s "$T/writes"
w0=$(cat "$T/writes")
pids=
for k in $(seq 1 20); do
	(sc reload >"$T/reload.$k" 2>&1; echo $? >"$T/rc.$k") &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
w1=$(cat "$T/writes")
touch "$T/reloads.done"
wait "$writer"
ok "unit files changed while the reloads ran (writes $w0 to $w1)" test "$w1" -gt "$w0"
is "$(cat "$T"/rc.* | sort | uniq -c | sed 's/^ *//')" "20 0" "all 20 parallel reloads exit 0"
is "$(($(count_in "$LOG" "configuration reload requested") - requested))" 20 "superd handled 20 reloads"
ok "afterwards exactly one process per unit" wait_for 10 cs_run
watch_stop "parallel reloads"

# --- a storm of SIGHUPs while units crash-loop and files come and go ---------
for i in 1 2 3; do
	put "crash$i" <<EOF
[Service]
ExecStart=$(tsvc "crash$i" --run 0.1 --exit 1)
Restart=always
RestartSec=100ms
RestartMaxDelaySec=100ms
EOF
done
sleeper keep
sc reload >/dev/null; is "$?" 0 "crash units added"
ok "they crash-loop" wait_for 10 bash -c "[ \$(grep -c '^exit name=crash3 code=1' '$SVCLOG') -ge 2 ]"
ok "keep runs" wait_for 10 procs_is keep 1
keep=$(mainpid keep)
# Round i of the writer: flip restarts every time (its environment
# changes), sa is there in even rounds, sb in rounds that 3 divides, sc in
# rounds that 4 does not divide. The writer runs in the background, so that
# the SIGHUPs come at the rate of a tight loop, not of the file writes; it
# looks for its stop file before every write, and counts its writes.
(
	i=0 n=0
	w() { [ ! -e "$T/storm.stop" ] || exit 0; "$@"; n=$((n + 1)); echo "$n" >"$T/storm.writes.new" && mv "$T/storm.writes.new" "$T/storm.writes"; }
	while :; do
		i=$((i + 1))
		w sleeper flip "Environment=ROUND=$i"
		if [ $((i % 2)) -eq 0 ]; then w sleeper sa; else w rm -f "$UNITS/sa.service"; fi
		if [ $((i % 3)) -eq 0 ]; then w sleeper sb; else w rm -f "$UNITS/sb.service"; fi
		if [ $((i % 4)) -ne 0 ]; then w sleeper sc; else w rm -f "$UNITS/sc.service"; fi
		echo "$i" >"$T/storm.rounds.new" && mv "$T/storm.rounds.new" "$T/storm.rounds"
	done
) &
writer=$!
ok "the storm's writer is at work" wait_for 10 test -s "$T/storm.rounds" -a -s "$T/storm.writes"
# The final state, ready to move in with one mv: flip with its last
# environment, sa and sc there, sb not, and "final", moved last.
mkdir "$T/final"
for u in flip sa sc final; do
	env=
	[ "$u" != flip ] || env="Environment=ROUND=final"
	printf '[Service]\nExecStart=@/bin/sleep %s/p-%s 100000\n%s\n' "$T" "$u" "$env" >"$T/final/$u.service"
done
# The storm's loop forks nothing but at its switch to the final state (a
# loaded machine forks slowly): nap SECONDS sleeps in a read that times
# out on a pipe that nobody writes, and usec reads the clock from bash.
exec {nap_fd}<> <(:)
nap() { read -r -t "$1" -u "$nap_fd" _ || true; }
usec() { local -n _v=$1; _v=${EPOCHREALTIME//[!0-9]/}; }
hups=$(count_in "$LOG" "SIGHUP: reloading the configuration")
watch_start
# (The writer rewrites its count: a read may find the file empty.)
w0=
while [ -z "$w0" ]; do read -r w0 <"$T/storm.writes"; done
usec storm_start
for ((i = 1; i <= 50; i++)); do
	kill -HUP "$SD_PID"
	if [ "$i" -eq 40 ]; then
		# The final state, written before the last 10 SIGHUPs; first,
		# on a machine so slow that the writer has not written since
		# the storm began, give it a little more time (0.3 s at most).
		for ((k = 0; k < 150; k++)); do
			read -r w1 <"$T/storm.writes"
			[ "${w1:-$w0}" -eq "$w0" ] || break
			nap 0.002
		done
		usec switch_start
		: >"$T/storm.stop"
		wait "$writer"
		read -r w1 <"$T/storm.writes"
		rm -f "$UNITS/sb.service"
		mv -f "$T"/final/flip.service "$T"/final/sa.service "$T"/final/sc.service \
			"$T"/final/final.service "$UNITS/"
		usec switch_end
	fi
	nap 0.002
done
usec storm_end
storm_ms=$(((storm_end - storm_start) / 1000))
switch_ms=$(((switch_end - switch_start) / 1000))
echo "# 50 SIGHUPs in $storm_ms ms (of which $switch_ms ms to stop the writer and move the final state in); the writer made writes $w0 to $w1 meanwhile"
ok "the 50 SIGHUPs came within one second ($storm_ms ms)" test "$storm_ms" -le 1000
ok "unit files changed during the storm (writes $w0 to $w1)" test "$w1" -gt "$w0"
# No repair with a final "superctl reload": the last SIGHUP alone must
# bring the final state (only it has "final").
ok "the reload of the last SIGHUP is applied" wait_log "final.service: started" 20
settled() {
	procs_is flip 1 && procs_is sa 1 && procs_is sb 0 && procs_is sc 1 && procs_is final 1 &&
		procs_is keep 1
}
ok "the final state is reached: one process per unit that should run, none of removed ones" wait_for 20 settled
ok "superd survived the storm" alive "$SD_PID"
flip=$(mainpid flip)
ok "flip runs with the final environment" bash -c "tr '\\0' '\\n' </proc/$flip/environ | grep -qx ROUND=final"
is "$(procs sb)" 0 "sb (removed by the last SIGHUP) has no process"
is "$(mainpid keep)" "$keep" "keep kept its process through the storm"
n=$(($(count_in "$LOG" "SIGHUP: reloading the configuration") - hups))
echo "# superd reloaded $n time(s) for the 50 SIGHUPs (pending ones merge)"
ok "superd reloaded during the storm, not only once ($n reloads)" test "$n" -ge 2
for i in 1 2 3; do
	n=$(grep -c "^start name=crash$i " "$SVCLOG")
	ok "crash$i still restarts after the storm" wait_count "$SVCLOG" "^start name=crash$i " $((n + 2))
done
watch_stop "storm"

stop_superd
is "$SD_STATUS" 0 "clean shutdown"
done_testing
