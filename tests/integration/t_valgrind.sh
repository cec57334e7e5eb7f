# superd under valgrind's memcheck through a whole supervision scenario:
# several unit types, a crash loop, reloads by SIGHUP and by superctl that
# add, change and remove units, an invalid configuration, stop/start/restart,
# status/show (plain and --json), bad control clients, then shutdown. Zero
# memory errors, zero leaks (definite, indirect, possible) and, at exit,
# no descriptor open but stdin, stdout and stderr.
#
# valgrind is required: without it this test fails (CI installs it).
. "$TOP_SRCDIR/tests/integration/lib.sh"
: "${SUPERCTL:?SUPERCTL must point to the superctl binary}"
sc() { "$SUPERCTL" "$@"; }
raw() { socat -t 10 - "UNIX-CONNECT:$SOCK"; }

# A sanitizer build cannot run under valgrind (both own the shadow memory);
# CI runs this test in its plain and --without-systemd builds.
if grep -q __asan_init "$SUPERD" 2>/dev/null; then
	echo "1..0 # SKIP superd is built with ASan: valgrind runs in the plain builds"
	exit 0
fi
if ! command -v valgrind >/dev/null; then
	ok "valgrind is installed (needed by this test)" false
	done_testing
fi
# Every step is much slower under valgrind: stretch every deadline.
TEST_TIMEOUT_SCALE=$(awk -v k="$TEST_TIMEOUT_SCALE" 'BEGIN { print k * 6 }')
VGLOG=$T/valgrind.log
# glibc loads its NSS modules with dlopen for User=/Group= and keeps them:
# the loader's blocks stay reachable. Anything else still reachable at exit
# is state superd forgot to free.
cat >"$T/vg.supp" <<EOF
{
   glibc-nss-modules-stay-loaded
   Memcheck:Leak
   match-leak-kinds: reachable
   ...
   fun:_dl_open
}
EOF
t_begin=$(date +%s)

unit plain <<EOF
[Unit]
Description=a plain service
[Service]
ExecStart=$(svc --name plain)
Environment=API_TOKEN=hunter2 MODE=one
WritePIDFile=$T/plain.pid
ForwardSignals=USR2
EOF
unit notify <<EOF
[Unit]
After=plain
[Service]
Type=notify
ExecStart=$(svc --name notify --notify '"READY=1\\nSTATUS=serving"')
EOF
unit crash <<EOF
[Service]
ExecStart=$(svc --name crash --run 0 --exit 1)
RestartSec=50ms
RestartMaxDelaySec=200ms
EOF
unit once <<EOF
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=$(svc --name once --run 0)
EOF
unit forking <<EOF
[Service]
Type=forking
PIDFile=$T/forking.pid
ExecStart=$(svc --name forking --daemonize --pidfile "$T/forking.pid")
EOF
unit hooks <<EOF
[Service]
ExecStartPre=$(svc --name hooks-pre --run 0)
ExecStart=$(svc --name hooks)
ExecReload=$(svc --name hooks-reload --run 0)
StandardOutput=file:$T/hooks.out
RuntimeDirectory=superd-vg-$$
EOF
unit missing <<EOF
[Service]
ExecStart=$T/no-such-binary
RestartSec=100ms
EOF
unit gone <<EOF
[Service]
ExecStart=$(svc --name gone)
EOF
unit needy <<EOF
[Unit]
Requires=nonexistent
[Service]
ExecStart=$(svc --name needy)
EOF
unit cond <<EOF
[Unit]
ConditionPathExists=$T/nothing-here
[Service]
ExecStart=$(svc --name cond)
EOF
printf 'FROM_FILE=1\nDB_PASSWORD=x\n' >"$T/env"
# User= and the groups (and glibc's NSS behind them) need root. The limit
# is LimitCORE=: valgrind refuses any setrlimit(RLIMIT_NOFILE) that moves
# the hard limit (EPERM), so a LimitNOFILE= unit cannot start under it.
creds=
[ "$(id -u)" -eq 0 ] && creds=$(printf 'User=nobody\nGroup=nogroup\nSupplementaryGroups=nogroup')
unit rich <<EOF
[Unit]
Wants=plain
After=plain network.target
[Service]
$creds
EnvironmentFile=$T/env
EnvironmentFile=-$T/no-such-env
PassEnvironment=HOME
UnsetEnvironment=MODE
LimitCORE=0
UMask=0027
WorkingDirectory=/
ExecStart=$(svc --name rich)
ProtectSystem=strict
EOF
unit watchdog <<EOF
[Service]
Type=notify
WatchdogSec=300ms
RestartSec=200ms
ExecStart=$(svc --name watchdog --notify READY=1)
EOF
unit stubborn <<EOF
[Service]
ExecStart=$(svc --name stubborn --ignore-term --fork-child --child-ignore-term)
TimeoutStopSec=300ms
EOF

# vgsuperd LOG: start superd under memcheck, its report in LOG.
vgsuperd() {
	valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect,possible,reachable \
		--errors-for-leak-kinds=definite,indirect,possible,reachable --error-exitcode=99 \
		--track-fds=yes --child-silent-after-fork=yes --log-file="$1" \
		--suppressions="$T/vg.supp" \
		"$SUPERD" -c "$T/superd.conf" -u "$UNITS" -s "$SOCK" -p "$T/superd.pid" >>"$LOG" 2>&1 &
	SD_PID=$!
}
# A short idle deadline, so that the path that closes a silent client runs.
export SUPERD_CTL_IDLE_SEC=2
vgsuperd "$VGLOG"
unset SUPERD_CTL_IDLE_SEC

ok "superd answers under valgrind" wait_for 30 sc health
for u in plain notify hooks gone; do
	ok "$u is active" wait_for 20 sc is-active "$u"
done
ok "the oneshot ran" wait_for 20 sc is-active once
ok "the forking daemon was adopted" wait_log "forking.service: daemon pid" 20
ok "the crash loop restarts" wait_count "$SVCLOG" "^start name=crash " 4 30
ok "the exec failure is reported" wait_log "missing.service: .*no-such-binary" 20
ok "a missing Requires= is reported" wait_for 20 bash -c "'$SUPERCTL' status needy | grep -q nonexistent"
ok "a failed condition is reported" wait_for 20 bash -c "'$SUPERCTL' status cond | grep -q ConditionPathExists"
ok "the unit with credentials and limits runs" wait_for 20 sc is-active rich
ok "the silent watchdog unit is restarted" wait_count "$SVCLOG" "^start name=watchdog " 2 30
ok "the stubborn unit runs" wait_svc "^child name=stubborn " 20
kill -USR2 "$SD_PID"
ok "a forwarded signal reaches its unit" wait_svc "^signal name=plain sig=USR2" 20

# --- reload by SIGHUP: add, change, remove --------------------------------
unit added <<EOF
[Service]
ExecStart=$(svc --name added)
EOF
sed -i 's/MODE=one/MODE=two/' "$UNITS/plain.service"
rm "$UNITS/gone.service"
kill -HUP "$SD_PID"
ok "SIGHUP: the added unit starts" wait_for 30 sc is-active added
ok "SIGHUP: the changed unit restarts" wait_count "$SVCLOG" "^start name=plain " 2 30
ok "SIGHUP: the removed unit stops" wait_svc "^exit name=gone \|^signal name=gone " 30

# --- an invalid configuration changes nothing -------------------------------
printf '[Service]\nRestartSec=soon\n' >"$UNITS/broken.service"
sc reload >/dev/null 2>"$T/err"; rc=$?
is "$rc" 1 "reload of an invalid configuration exits 1"
kill -HUP "$SD_PID"
ok "so does SIGHUP" wait_log "reload: configuration invalid" 30
rm "$UNITS/broken.service"

# --- reload by superctl: policy change, removal, addition, dry run ---------
sed -i 's/RestartSec=50ms/RestartSec=80ms/' "$UNITS/crash.service"
rm "$UNITS/added.service" "$UNITS/missing.service"
unit later <<EOF
[Service]
Type=exec
ExecStart=$(svc --name later)
EOF
sc reload --dry-run >"$T/plan" 2>&1; is "$?" 0 "reload --dry-run"
sc reload >/dev/null 2>&1; is "$?" 0 "superctl reload"
ok "the new unit starts" wait_for 30 sc is-active later
ok "the removed unit stops" wait_svc "^signal name=added " 30

# --- jobs and queries --------------------------------------------------------
sc stop plain; is "$?" 0 "stop"
sc stop stubborn; is "$?" 0 "stop of a unit that needs SIGKILL"
sc start plain; is "$?" 0 "start"
sc restart notify; is "$?" 0 "restart of a notify unit"
sc reload hooks; is "$?" 0 "reload of a unit with ExecReload="
sc kill later -s USR1 >/dev/null 2>&1
sc status >"$T/status"; rc=$?
ok "status lists the units" grep -q "plain" "$T/status"
sc status --json >"$T/status.json"; is "$?" 0 "status --json"
sc show plain >"$T/show"; is "$?" 0 "show"
ok "the secret is redacted" grep -q "API_TOKEN=<redacted>" "$T/show"
sc show --json crash >/dev/null; is "$?" 0 "show --json"
sc status no-such-unit >/dev/null 2>&1; is "$?" 4 "status of an unknown unit"
sc version >/dev/null; is "$?" 0 "version"
sc stop --no-block once; is "$?" 0 "stop --no-block"

# superctl too, on the verbs with the largest replies and an error path.
vgctl() {
	valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible,reachable \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
		--log-file="$T/vgctl.%p.log" "$SUPERCTL" "$@" >/dev/null 2>&1
	[ "$?" -ne 99 ]
}
# A statically linked superctl (the default) carries its own malloc, which
# memcheck cannot follow, and glibc's static start-up code trips it: its
# memcheck runs in CI's build with --disable-static-superctl.
if readelf -l "$SUPERCTL" 2>/dev/null | grep -q 'Requesting program interpreter'; then
	ok "superctl status --json: no memcheck error" vgctl status --json
	ok "superctl status: no memcheck error" vgctl status
	ok "superctl show --json: no memcheck error" vgctl show --json plain
	ok "superctl show of an unknown unit: no memcheck error" vgctl show no-such-unit
	ok "superctl reload --dry-run: no memcheck error" vgctl reload --dry-run
	ok "superctl's memcheck reports are empty" bash -c "! grep -q . '$T'/vgctl.*.log"
else
	for what in "status --json" status "show --json" "show of an unknown unit" "reload --dry-run" "memcheck reports"; do
		skip "superctl $what under memcheck" "superctl is linked statically"
	done
fi

# --- bad clients ---------------------------------------------------------------
head -c 5000 /dev/zero | tr '\0' 'a' | raw >"$T/out"
ok "an oversized request gets ERR 2" grep -q "^ERR 2 request longer" "$T/out"
head -c 2000 /dev/urandom | raw >/dev/null
printf 'stat' | raw >/dev/null
printf 'status\n' | socat -u - "UNIX-CONNECT:$SOCK" # leaves without reading
# A client that waits on a job and leaves while it waits.
printf 'stop plain\n' | socat -t 0 - "UNIX-CONNECT:$SOCK" >/dev/null
"$TESTSVC" --log "$T/idle-client.log" --run 60 | socat - "UNIX-CONNECT:$SOCK" >"$T/idle.out" 2>/dev/null &
idle_client=$!
ok "a silent client is closed at the idle deadline" wait_for 30 grep -q "no complete request" "$T/idle.out"
pkill -TERM -f -- "--log $T/idle-client.log" 2>/dev/null
wait "$idle_client" 2>/dev/null
ok "superd still answers" wait_for 20 sc health

ok "the unit with credentials and limits never failed to start" bash -c "! grep -q 'rich.service: cannot start' '$LOG'"

# --- shutdown ----------------------------------------------------------------
sc shutdown; is "$?" 0 "superctl shutdown"
wait_superd 120
is "$SD_STATUS" 0 "superd exits 0 under valgrind (99 would be memcheck errors)"
ok "its PID file is removed" test ! -e "$T/superd.pid"

# vg_report LOG WHAT: memcheck's verdict on one run of superd.
vg_report() {
	local log=$1 what=$2 line kind
	summary() { grep -E "$1" "$log" | tail -n 1; }
	ok "$what: valgrind wrote its report" grep -q "ERROR SUMMARY:" "$log"
	ok "$what: ERROR SUMMARY: 0 errors" grep -q "ERROR SUMMARY: 0 errors from 0 contexts" "$log"
	# A leak summary is printed only if something was allocated at exit;
	# when there is one, every kind of loss is zero.
	for kind in "definitely lost" "indirectly lost" "possibly lost" "still reachable"; do
		line=$(summary "$kind:")
		ok "$what: $kind: 0 bytes" bash -c "[ -z '$line' ] || echo '$line' | grep -q '$kind: 0 bytes in 0 blocks'"
	done
	# --track-fds lists every descriptor open at exit; those superd did
	# not inherit come with the stack that opened them instead.
	awk '/== Open / { fd = $0; getline; if ($0 !~ /inherited from parent/) print fd }' "$log" >"$log.fds"
	ok "$what: no descriptor that superd opened is still open at exit" test ! -s "$log.fds"
	if [ "$_failed" -ne 0 ]; then
		echo "# --- valgrind report ($what) ---"
		sed 's/^/#   /' "$log" | tail -n 80
	fi
}
vg_report "$VGLOG" "scenario"
echo "# valgrind scenario took $(($(date +%s) - t_begin)) s"

# --- the forced shutdown: a unit that ignores SIGTERM past ShutdownTimeoutSec=
rm -f "$UNITS"/*.service
unit deaf <<EOF
[Service]
ExecStart=$(svc --name deaf --ignore-term)
TimeoutStopSec=infinity
EOF
printf '[superd]\nShutdownTimeoutSec=1s\n' >"$T/superd.conf"
: >"$LOG"
vgsuperd "$T/valgrind-forced.log"
ok "superd with a deaf unit answers" wait_for 30 sc health
ok "the deaf unit runs" wait_for 20 sc is-active deaf
# A second superd on the same socket gives up early: that exit path too.
valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect,possible,reachable \
	--errors-for-leak-kinds=definite,indirect,possible,reachable --error-exitcode=99 \
	--track-fds=yes --log-file="$T/valgrind-second.log" \
	"$SUPERD" -c "$T/superd.conf" -u "$UNITS" -s "$SOCK" >"$T/second.out" 2>&1
is "$?" 1 "a second superd on the socket exits 1 under valgrind"
vg_report "$T/valgrind-second.log" "second superd"
kill -TERM "$SD_PID"
wait_superd 120
is "$SD_STATUS" 1 "a forced shutdown exits 1 (99 would be memcheck errors)"
ok "the SIGKILL was logged" log_has "SIGKILL"
vg_report "$T/valgrind-forced.log" "forced shutdown"

# --- --check of an invalid configuration: every error path of the parser --
printf '[superd]\nShutdownTimeoutSec=never\nBogus=1\n' >"$T/superd.conf"
printf '[Service]\nRestartSec=soon\nExecStart="unterminated\nType=weird\n[Odd]\nX=1\n' >"$UNITS/bad.service"
printf '[Unit]\nAfter=b2\n[Service]\nExecStart=/bin/true\n' >"$UNITS/b1.service"
printf '[Unit]\nAfter=b1\n[Service]\nExecStart=/bin/true\n' >"$UNITS/b2.service"
printf '[Service]\nExecStart=/bin/true\n' >"$UNITS/tmpl@.service"
valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect,possible,reachable \
	--errors-for-leak-kinds=definite,indirect,possible,reachable --error-exitcode=99 \
	--track-fds=yes --log-file="$T/valgrind-check.log" \
	"$SUPERD" -c "$T/superd.conf" -u "$UNITS" --check >"$T/check.out" 2>&1
is "$?" 78 "--check of an invalid configuration exits 78 under valgrind"
ok "and names the errors" grep -q "bad.service:2:" "$T/check.out"
vg_report "$T/valgrind-check.log" "--check"
echo "# whole test took $(($(date +%s) - t_begin)) s"
done_testing
