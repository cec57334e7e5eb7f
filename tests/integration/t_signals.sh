# Signals superd receives (SPEC §5): relayed to the units that list them in
# ForwardSignals= (superd.conf gives the default), to the whole process group
# or, with KillMode=process, to the main process only; others are ignored
# and superd keeps running. Every relayable signal reaches only the units
# that list it (TERM and INT before the shutdown's own stop signals);
# SIGPIPE and SIGCHLD are never relayed nor accepted in ForwardSignals=;
# faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL) kill superd as any program.
. "$TOP_SRCDIR/tests/integration/lib.sh"

# never_got SIGNAL UNIT...: one check per UNIT (none of which lists SIGNAL).
never_got() {
	local sig=$1 u
	shift
	for u in "$@"; do
		ok "$u, which does not list $sig, never received it" bash -c "! grep -q '^signal name=$u sig=$sig ' '$SVCLOG'"
	done
}

cat >"$T/superd.conf" <<EOF
[superd]
ForwardSignals=USR2
EOF
unit fw <<EOF
[Service]
ExecStart=$(svc --name fw --fork-child)
ForwardSignals=USR1 HUP WINCH
EOF
unit fwproc <<EOF
[Service]
ExecStart=$(svc --name fwproc --fork-child)
ForwardSignals=USR1
KillMode=process
EOF
unit default <<EOF
[Service]
ExecStart=$(svc --name default)
EOF
unit none <<EOF
[Service]
ExecStart=$(svc --name none)
ForwardSignals=
EOF

start_superd
ok "fw and fwproc with their grandchildren are up" wait_for 10 bash -c "grep -q '^child name=fw ' '$SVCLOG' && grep -q '^child name=fwproc ' '$SVCLOG'"
ok "the other units are up" wait_for 10 bash -c "grep -q '^start name=default ' '$SVCLOG' && grep -q '^start name=none ' '$SVCLOG'"
fw_child=$(field "$(grep '^child name=fw ' "$SVCLOG")" pid)
fwproc_child=$(field "$(grep '^child name=fwproc ' "$SVCLOG")" pid)

kill -USR1 "$SD_PID"
ok "USR1 reaches the unit that lists it" wait_svc "^signal name=fw sig=USR1"
ok "and the KillMode=process unit's main process" wait_svc "^signal name=fwproc sig=USR1"
ok "USR1 went to fw's whole process group (its grandchild died of it)" wait_for 10 gone "$fw_child"
ok "with KillMode=process the grandchild was not signalled" alive "$fwproc_child"

kill -HUP "$SD_PID"
ok "HUP is relayed to the unit that lists it" wait_svc "^signal name=fw sig=HUP"
ok "HUP reloads the configuration" wait_log "SIGHUP: reloading the configuration"
kill -WINCH "$SD_PID"
ok "WINCH is relayed" wait_svc "^signal name=fw sig=WINCH"
kill -USR2 "$SD_PID"
ok "superd.conf's ForwardSignals= is the default for units without their own" wait_svc "^signal name=default sig=USR2"
kill -QUIT "$SD_PID"
kill -WINCH "$SD_PID"
ok "the second WINCH arrives, so QUIT before it was handled" wait_count "$SVCLOG" "^signal name=fw sig=WINCH" 2
# Signals whose default action is to terminate must not end superd.
for sig in ALRM PROF VTALRM IO PWR RTMIN+3 TTIN; do
	kill -s "$sig" "$SD_PID"
done
kill -WINCH "$SD_PID"
ok "the third WINCH arrives after the stray signals" wait_count "$SVCLOG" "^signal name=fw sig=WINCH" 3
ok "superd survived every signal" alive "$SD_PID"
ok "a unit with an empty ForwardSignals= got nothing" bash -c "! grep -q '^signal name=none ' '$SVCLOG'"
ok "fw got nothing it did not list" bash -c "! grep -Eq '^signal name=fw sig=(USR2|QUIT)' '$SVCLOG'"
ok "default got only USR2" test "$(grep -c '^signal name=default ' "$SVCLOG")" -eq 1
never_got HUP fwproc
never_got WINCH fwproc
never_got USR2 fwproc

# --- ForwardSignals= changed by a reload, in a unit and in superd.conf -------
# fwproc trades USR1 for WINCH; superd.conf's default trades USR2 for QUIT.
# Both are policy-only: no process restarts.
fwproc=$(pid_of fwproc) default=$(pid_of default)
unit fwproc <<EOF
[Service]
ExecStart=$(svc --name fwproc --fork-child)
ForwardSignals=WINCH
KillMode=process
EOF
printf '[superd]\nForwardSignals=QUIT\n' >"$T/superd.conf"
reloads=$(count_in "$LOG" "reloaded: ")
kill -HUP "$SD_PID"
ok "the reload is done" wait_count "$LOG" "reloaded: " $((reloads + 1))
ok "it changed fwproc in place" log_has "reloaded: 0 unit(s) started, 0 added, 0 stopped, 0 restarted, 1 updated in place"
ok "fwproc keeps its process" alive "$fwproc"
ok "and so does default" alive "$default"
is "$(grep -c '^start name=fwproc ' "$SVCLOG")-$(grep -c '^start name=default ' "$SVCLOG")" 1-1 "neither was started again"
kill -USR1 "$SD_PID"
ok "USR1 is still relayed to fw" wait_count "$SVCLOG" "^signal name=fw sig=USR1" 2
kill -WINCH "$SD_PID"
ok "WINCH, which fwproc now lists, reaches it" wait_svc "^signal name=fwproc sig=WINCH"
# (A USR1 relayed before it would have been there first.)
is "$(grep -c '^signal name=fwproc sig=USR1' "$SVCLOG")" 1 "but USR1 no longer reaches fwproc, which dropped it"
kill -USR2 "$SD_PID"
kill -QUIT "$SD_PID"
ok "QUIT, superd.conf's new default, reaches default" wait_svc "^signal name=default sig=QUIT"
# The signals a shell sends in a row can merge into one round of superd's
# relaying, so the checks of what did not arrive wait for a later WINCH.
kill -WINCH "$SD_PID"
ok "a WINCH after them reaches fw" wait_count "$SVCLOG" "^signal name=fw sig=WINCH" 5
is "$(grep -c '^signal name=default sig=USR2' "$SVCLOG")" 1 "the old default USR2 no longer reaches default"
never_got QUIT fw fwproc none
ok "a unit with an empty ForwardSignals= still got nothing" bash -c "! grep -q '^signal name=none ' '$SVCLOG'"

stop_superd
is "$SD_STATUS" 0 "clean shutdown"

# --- QUIT, TERM and INT go only to the units that list them ---------------
# ShutdownDelaySec= puts half a second between what superd relays on TERM or
# INT and the KillSignal its shutdown sends: a relayed signal is logged on
# its own, and cannot hide behind (or be mistaken for) the stop signal.
# lst lists QUIT TERM INT; oth lists the rest of the relayable set; non
# lists nothing (superd.conf gives no default). All three stop with SIGINT
# here, so that a TERM any of them logged could only have been relayed.
rm -f "$UNITS"/*.service
printf '[superd]\nShutdownDelaySec=500ms\n' >"$T/superd.conf"
unit lst <<EOF
[Service]
ExecStart=$(svc --name lst --term-exit 0)
ForwardSignals=QUIT TERM INT
KillSignal=SIGINT
Restart=no
EOF
unit oth <<EOF
[Service]
ExecStart=$(svc --name oth --term-exit 0)
ForwardSignals=HUP USR1 USR2 WINCH
KillSignal=SIGINT
EOF
unit non <<EOF
[Service]
ExecStart=$(svc --name non --term-exit 0)
KillSignal=SIGINT
EOF
# sigs_of UNIT: the signals UNIT logged, in order, on one line.
sigs_of() { sed -n "s/^signal name=$1 sig=\([A-Z0-9]*\) .*/\1/p" "$SVCLOG" | tr '\n' ' ' | sed 's/ $//'; }
sig_t() { sed -n "s/^signal name=$1 sig=$2 t=\([0-9]*\).*/\1/p" "$SVCLOG" | head -n 1; }

start_superd
ok "lst, oth and non are up" wait_for 10 bash -c "grep -q '^start name=lst ' '$SVCLOG' && grep -q '^start name=oth ' '$SVCLOG' && grep -q '^start name=non ' '$SVCLOG'"
kill -QUIT "$SD_PID"
ok "QUIT reaches the unit that lists it" wait_svc "^signal name=lst sig=QUIT "
ok "superd keeps running after QUIT" alive "$SD_PID"
for sig in HUP USR1 USR2 WINCH; do
	kill -s "$sig" "$SD_PID"
	ok "$sig reaches the unit that lists it (superd still handles signals)" wait_svc "^signal name=oth sig=$sig "
done
kill -TERM "$SD_PID"
ok "TERM is relayed to the unit that lists it" wait_svc "^signal name=lst sig=TERM "
wait_superd 20
is "$SD_STATUS" 0 "then superd shuts down cleanly"
ok "the relayed TERM came before the shutdown's stop signals" \
	test "$(sig_t lst TERM)" -lt "$(sig_t non INT)" -a "$(sig_t lst TERM)" -lt "$(sig_t oth INT)"
is "$(sigs_of lst)" "QUIT TERM" "lst got QUIT and TERM, relayed, and nothing else"
is "$(sigs_of oth)" "HUP USR1 USR2 WINCH INT" "oth got what it lists, then only its KillSignal"
is "$(sigs_of non)" "INT" "non got only its KillSignal"
for sig in HUP USR1 USR2 WINCH; do
	never_got "$sig" lst non
done
never_got QUIT oth non
never_got TERM oth non

# --- INT, in a second run ---------------------------------------------------
# lst2 stops with SIGTERM (the default) but exits on the relayed INT first;
# the others get SIGTERM only.
rm -f "$UNITS"/*.service
unit lst2 <<EOF
[Service]
ExecStart=$(svc --name lst2 --term-exit 0)
ForwardSignals=QUIT TERM INT
Restart=no
EOF
unit oth2 <<EOF
[Service]
ExecStart=$(svc --name oth2 --term-exit 0)
ForwardSignals=HUP USR1 USR2 WINCH
EOF
unit non2 <<EOF
[Service]
ExecStart=$(svc --name non2 --term-exit 0)
EOF
start_superd
ok "lst2, oth2 and non2 are up" wait_for 10 bash -c "grep -q '^start name=lst2 ' '$SVCLOG' && grep -q '^start name=oth2 ' '$SVCLOG' && grep -q '^start name=non2 ' '$SVCLOG'"
kill -INT "$SD_PID"
ok "INT is relayed to the unit that lists it" wait_svc "^signal name=lst2 sig=INT "
wait_superd 20
is "$SD_STATUS" 0 "then superd shuts down cleanly"
ok "the relayed INT came before the shutdown's stop signals" \
	test "$(sig_t lst2 INT)" -lt "$(sig_t non2 TERM)" -a "$(sig_t lst2 INT)" -lt "$(sig_t oth2 TERM)"
is "$(sigs_of lst2)" "INT" "lst2 got INT, relayed, and nothing else"
is "$(sigs_of oth2)" "TERM" "oth2 got only its KillSignal"
is "$(sigs_of non2)" "TERM" "non2 got only its KillSignal"
never_got INT oth2 non2

# --- SIGPIPE and SIGCHLD: superd survives them and relays neither -----------
# A unit that catches CHLD and PIPE (testsvc would die of PIPE and cannot see
# CHLD, which is ignored by default) and lists every relayable signal.
rm -f "$UNITS"/*.service
: >"$T/superd.conf"
all="HUP INT QUIT USR1 USR2 WINCH TERM"
if command -v perl >/dev/null; then
	cat >"$T/catcher.pl" <<'EOF'
my ($name, $log) = @ARGV;
sub note { open(my $f, '>>', $log) or return; syswrite($f, "$_[0]\n"); close($f); }
for my $s (qw(CHLD PIPE USR1)) { $SIG{$s} = sub { note("signal name=$name sig=$s t=0"); }; }
note("start name=$name pid=$$");
sleep 1 while 1;
EOF
	unit catcher <<EOF
[Service]
ExecStart=/usr/bin/env perl $T/catcher.pl catcher $SVCLOG
ForwardSignals=$all
EOF
fi
unit plain <<EOF
[Service]
ExecStart=$(svc --name plain)
ForwardSignals=$all
EOF
start_superd
ok "plain is up" wait_svc "^start name=plain "
if command -v perl >/dev/null; then
	ok "catcher is up" wait_svc "^start name=catcher "
fi
plain=$(pid_of plain)
for _ in 1 2 3; do
	kill -PIPE "$SD_PID"
	kill -CHLD "$SD_PID"
done
# USR1 is relayed after the PIPEs and CHLDs were handled: once the units
# have it, anything relayed before it has arrived too.
kill -USR1 "$SD_PID"
ok "superd still relays after PIPE and CHLD" wait_svc "^signal name=plain sig=USR1 "
ok "superd survived SIGPIPE and SIGCHLD" alive "$SD_PID"
ok "plain was not sent SIGPIPE (it would have died of it)" alive "$plain"
if command -v perl >/dev/null; then
	ok "catcher got the relayed USR1" wait_svc "^signal name=catcher sig=USR1 "
	ok "catcher got no SIGCHLD" bash -c "! grep -q '^signal name=catcher sig=CHLD' '$SVCLOG'"
	ok "catcher got no SIGPIPE" bash -c "! grep -q '^signal name=catcher sig=PIPE' '$SVCLOG'"
else
	skip "catcher got no SIGCHLD or SIGPIPE" "no perl"
fi
stop_superd
is "$SD_STATUS" 0 "clean shutdown"

# ForwardSignals=CHLD or PIPE is a configuration error, in a unit and in
# superd.conf.
mkdir -p "$T/bad"
printf '[Service]\nExecStart=/bin/true\nForwardSignals=CHLD\n' >"$T/bad/chld.service"
printf '[Service]\nExecStart=/bin/true\nForwardSignals=USR1 PIPE\n' >"$T/bad/pipe.service"
printf '[superd]\nForwardSignals=SIGCHLD\n' >"$T/bad.conf"
"$SUPERD" --check -c "$T/bad.conf" -u "$T/bad" >"$T/out" 2>&1; rc=$?
is "$rc" 78 "superd --check rejects ForwardSignals=CHLD and PIPE"
for msg in "$T/bad/chld.service:3: error: invalid ForwardSignals=CHLD: can relay only HUP INT QUIT USR1 USR2 WINCH TERM" \
	"$T/bad/pipe.service:3: error: invalid ForwardSignals=PIPE: can relay only HUP INT QUIT USR1 USR2 WINCH TERM" \
	"$T/bad.conf:2: error: invalid ForwardSignals= entry SIGCHLD: can relay only"; do
	ok "it says: ${msg#"$T"/}" grep -qF "$msg" "$T/out"
done
timeout 10 "$SUPERD" -c "$T/bad.conf" -u "$T/bad" -s "$T/bad.sock" >>"$LOG" 2>&1; rc=$?
is "$rc" 78 "and superd refuses to start with them"

# --- faults are not intercepted ---------------------------------------------
# superd dies of them as any program would (no core file: ulimit -c 0). Its
# unit survives it, orphaned; the test ends that process itself.
unit fatal <<EOF
[Service]
ExecStart=$(svc --name fatal)
EOF
for sig in SEGV BUS FPE ILL; do
	before=$(grep -c '^start name=fatal ' "$SVCLOG")
	# (Under ASan, its own handlers would catch the fault: they are
	# turned off here, as the point is superd's own handling.)
	(ulimit -c 0 && ASAN_OPTIONS="${ASAN_OPTIONS:-}:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0" \
		exec "$SUPERD" -c "$T/superd.conf" -u "$UNITS" -s "$SOCK") >>"$LOG" 2>&1 &
	SD_PID=$!
	# Once its unit has started, superd has set up its signal handling.
	ok "superd for SIG$sig is up" wait_count "$SVCLOG" "^start name=fatal " $((before + 1))
	kill -s "$sig" "$SD_PID"
	wait_superd 10
	is "$SD_STATUS" $((128 + $(kill -l "$sig"))) "SIG$sig kills superd (status 128+$(kill -l "$sig"))"
	orphan=$(pid_of fatal)
	kill -KILL "$orphan" 2>/dev/null
	ok "its orphaned unit is gone" wait_for 10 gone "$orphan"
done
SD_PID=
done_testing
