# contrib/ (SPEC §8): the LSB init script run for real against a temp dir,
# and the bash completion for superctl against a running superd.
. "$TOP_SRCDIR/tests/integration/lib.sh"
: "${SUPERCTL:?SUPERCTL must point to the superctl binary}"
INIT=$TOP_SRCDIR/contrib/superd.init
COMPLETION=$TOP_SRCDIR/contrib/superctl.bash-completion
PIDFILE=$T/superd.pid

unit web <<EOF
[Service]
ExecStart=$(svc --name web)
EOF

ok "the init script parses with sh -n" sh -n "$INIT"
if command -v dash >/dev/null 2>&1; then
	ok "and with dash -n (no bashisms in its syntax)" dash -n "$INIT"
fi
ok "the completion parses with bash -n" bash -n "$COMPLETION"

# init ACTION: run the init script with every path in $T; its exit status.
INIT_OUT=$T/init.out
init() {
	echo "### $*" >>"$INIT_OUT"
	SUPERD="$SUPERD" SUPERCTL="$SUPERCTL" PIDFILE="$PIDFILE" SOCKET="$SOCK" \
		LOGFILE="$LOG" SUPERD_DEFAULTS=/nonexistent START_TIMEOUT=10 STOP_TIMEOUT=30 \
		SUPERD_ARGS="${INIT_ARGS:--c $T/superd.conf -u $UNITS -s $SOCK}" \
		sh "$INIT" "$@" >>"$INIT_OUT" 2>&1
}
# init_is ACTION EXPECTED DESCRIPTION
init_is() {
	init "$1"
	local rc=$?
	is "$rc" "$2" "$3"
	[ "$rc" = "$2" ] || sed 's/^/#   init: /' "$INIT_OUT" | tail -n 20
}
pidfile_pid() { cat "$PIDFILE" 2>/dev/null; }

# (a) the init script
init_is start 0 "init start: exit 0"
pid=$(pidfile_pid)
SD_PID=$pid # for the cleanup, should a check fail
ok "the PID file is written" test -n "$pid"
ok "and names a running superd" alive "$pid"
is "$(cat "/proc/$pid/comm" 2>/dev/null)" superd "that process is superd"
ok "the unit is up" wait_svc "^start name=web "
ok "superd answers on the socket" "$SUPERCTL" health
init_is status 0 "init status while running: 0"
init_is reload 0 "init reload: 0"
ok "superd reloaded" wait_log "reload"
ok "superd still runs after the reload" alive "$pid"
is "$(pidfile_pid)" "$pid" "with the same PID"
init_is start 0 "init start while running: 0 (LSB)"
is "$(pidfile_pid)" "$pid" "and no second superd"
ok "it says it is already running" grep -q "already running (pid $pid)" "$INIT_OUT"

# (b) the completion, against this superd (unit web)
# comp WORD...: the completions offered with the cursor on the last WORD,
# sorted, on one line.
comp() {
	bash -c '
		src=$1; shift
		. "$src"
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_superctl
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"
	' comp "$COMPLETION" "$@" | sort | tr '\n' ' '
}
is "$(comp "$SUPERCTL" st)" "start status stop " "superctl st<TAB>: start, status, stop"
is "$(comp "$SUPERCTL" "")" "health help is-active kill reload restart show shutdown start status stop version " \
	"superctl <TAB>: every verb"
is "$(comp "$SUPERCTL" stop "")" "web.service " "superctl stop <TAB>: the unit names (\$SUPERD_SOCKET)"
is "$(comp "$SUPERCTL" restart w)" "web.service " "superctl restart w<TAB>: web.service"
is "$(SUPERD_SOCKET=$T/nobody.sock comp "$SUPERCTL" -s "$SOCK" stop "")" "web.service " \
	"superctl -s SOCKET stop <TAB>: asks that socket"
is "$(SUPERD_SOCKET=$T/nobody.sock comp "$SUPERCTL" stop "")" "" \
	"no superd on the socket: no unit names, no error"
is "$(comp "$SUPERCTL" stop --)" "--help --no-block " "superctl stop --<TAB>: its options"
is "$(comp "$SUPERCTL" status --j)" "--json " "superctl status --j<TAB>: --json"
is "$(comp "$SUPERCTL" reload --d)" "--dry-run " "superctl reload --d<TAB>: --dry-run"
is "$(comp "$SUPERCTL" kill web.service -s US)" "USR1 USR2 " "superctl kill web -s US<TAB>: signal names"
is "$(comp "$SUPERCTL" health "")" "" "superctl health <TAB>: nothing"

# (a) continued: stop, status, stale PID files, a failed start
init_is stop 0 "init stop: exit 0"
ok "superd is gone" gone "$pid"
ok "the PID file is removed" test ! -e "$PIDFILE"
init_is status 3 "init status after stop: 3"
init_is stop 0 "init stop when not running: 0 (LSB)"

sh -c 'echo $$' >"$PIDFILE" # a PID that is gone by now
init_is status 1 "init status, PID file of a dead process: 1"
"$TESTSVC" --log "$SVCLOG" --name impostor &
impostor=$!
echo "$impostor" >"$PIDFILE"
init_is status 1 "init status, PID file naming another program: 1"
init_is start 0 "init start over a stale PID file: 0"
pid2=$(pidfile_pid)
SD_PID=$pid2
ok "a new superd runs" test -n "$pid2" -a "$pid2" != "$impostor"
ok "and it is alive" alive "$pid2"
ok "the other program was left alone" alive "$impostor"
kill -KILL "$impostor" 2>/dev/null; wait "$impostor" 2>/dev/null
init_is restart 0 "init restart: 0"
pid3=$(pidfile_pid)
SD_PID=$pid3
ok "restart replaced superd" test -n "$pid3" -a "$pid3" != "$pid2"
ok "the old one is gone" gone "$pid2"
init_is stop 0 "init stop: 0"
ok "superd is gone again" gone "$pid3"
ok "and so is its PID file" test ! -e "$PIDFILE"

INIT_ARGS="-c $T/superd.conf -u $T/no-such-dir -s $SOCK"
init_is start 1 "init start with an invalid configuration: 1"
ok "it points at the log" grep -q "failed (exit status 78; see $LOG)" "$INIT_OUT"
ok "no PID file is left" test ! -e "$PIDFILE"
INIT_ARGS=
init_is bogus 2 "init with an unknown action: 2"

SD_PID=
done_testing
