# lib.sh: shared by the integration tests. Each test runs the real superd on
# its own temp dir with real children, and speaks TAP (one "ok"/"not ok" per
# check) so that every check is counted.
#
# Synchronisation is always on an observable event (a log line, a file, a
# process gone) with a deadline; never on a bare sleep.

set -u

: "${SUPERD:?SUPERD must point to the superd binary}"
: "${TESTSVC:?TESTSVC must point to the testsvc helper}"
# Sanitizer builds are slower; deadlines scale with this.
: "${TEST_TIMEOUT_SCALE:=1}"

T=$(mktemp -d "${TMPDIR:-/tmp}/superd-test.XXXXXX")
UNITS=$T/units
LOG=$T/superd.log
SVCLOG=$T/svc.log
# Each test has its own control socket; superctl finds it through the
# environment, as operators' scripts do.
SOCK=$T/superd.sock
SUPERD_SOCKET=$SOCK
export SUPERD_SOCKET
mkdir -p "$UNITS"
# _pause: 10 ms between two polls, without a fork (the tests poll a lot, and
# a `sleep` process per poll cost more CPU than what they wait for): a read
# with a timeout on a FIFO that nobody writes.
mkfifo "$T/.pause" && exec {_PAUSE_FD}<>"$T/.pause"
_pause() { read -r -t 0.01 -u "$_PAUSE_FD" _ 2>/dev/null; }
: >"$T/superd.conf"
SD_PID=
SD_STATUS=
_n=0
_failed=0

_cleanup() {
	if [ -n "$SD_PID" ] && kill -0 "$SD_PID" 2>/dev/null; then
		kill -KILL "$SD_PID" 2>/dev/null
	fi
	# Anything a test started carries the temp dir in its arguments.
	pkill -KILL -f "$T" 2>/dev/null
	if [ "$_failed" -ne 0 ] || [ -n "${KEEP_TEST_DIR:-}" ]; then
		echo "# test dir kept: $T"
	else
		rm -rf "$T"
	fi
}
trap _cleanup EXIT

ok() { # ok DESCRIPTION COMMAND...
	local desc=$1
	shift
	_n=$((_n + 1))
	if "$@"; then
		echo "ok $_n - $desc"
	else
		echo "not ok $_n - $desc"
		_failed=$((_failed + 1))
		_diag
	fi
}

skip() { # skip DESCRIPTION REASON: a check that cannot run in this build
	_n=$((_n + 1))
	echo "ok $_n - $1 # SKIP $2"
}

is() { # is ACTUAL EXPECTED DESCRIPTION
	_n=$((_n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $_n - $3"
	else
		echo "not ok $_n - $3"
		echo "#   got:      '$1'"
		echo "#   expected: '$2'"
		_failed=$((_failed + 1))
		_diag
	fi
}

_diag() {
	echo "# --- superd log (last 40 lines) ---"
	tail -n 40 "$LOG" 2>/dev/null | sed 's/^/#   /'
	echo "# --- service log (last 20 lines) ---"
	tail -n 20 "$SVCLOG" 2>/dev/null | sed 's/^/#   /'
}

done_testing() {
	# Under ASan/UBSan a report in superd's log is a failure of its own.
	ok "no sanitizer report from superd" bash -c "! grep -Eq 'Sanitizer|runtime error:' '$LOG' 2>/dev/null"
	echo "1..$_n"
	[ "$_failed" -eq 0 ]
	exit $?
}

# wait_for SECONDS COMMAND...: true once COMMAND succeeds, false at the deadline.
wait_for() {
	local limit t0=$EPOCHSECONDS
	limit=$(awk -v s="$1" -v k="$TEST_TIMEOUT_SCALE" 'BEGIN { printf "%d", s * k * 100 }')
	shift
	local i=0
	while [ "$i" -lt "$limit" ]; do
		if "$@" 2>/dev/null; then
			_slow_wait "$t0" "$@"
			return 0
		fi
		_pause
		i=$((i + 1))
	done
	"$@" 2>/dev/null
}
# A wait that took long is worth a look: a check that passes only when a
# poll happens to land in a short window can take minutes. Noted in the
# test's log (a TAP comment), not failed.
_slow_wait() {
	local el=$((EPOCHSECONDS - $1))
	shift
	[ "$el" -lt 10 ] || echo "# slow wait: ${el}s for: $*"
}

log_has() { grep -q -- "$1" "$LOG" 2>/dev/null; }
svc_has() { grep -q -- "$1" "$SVCLOG" 2>/dev/null; }
count_in() { grep -c -- "$2" "$1" 2>/dev/null || true; }
wait_log() { wait_for "${2:-10}" log_has "$1"; }
wait_svc() { wait_for "${2:-10}" svc_has "$1"; }
_count_at_least() { [ "$(count_in "$1" "$2")" -ge "$3" ]; }
# wait_count FILE PATTERN N [SECONDS]: until PATTERN occurs N times in FILE.
wait_count() { wait_for "${4:-10}" _count_at_least "$1" "$2" "$3"; }

alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
gone() { ! alive "$1"; }
group_gone() { ! kill -0 -- "-$1" 2>/dev/null; }

# unit NAME: write $UNITS/NAME.service from stdin.
unit() { cat >"$UNITS/$1.service"; }

# svc ARGS...: an ExecStart= value running testsvc with the shared log.
svc() { echo "$TESTSVC --log $SVCLOG $*"; }

# field LINE KEY: the value of KEY=... in a testsvc log line.
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

start_superd() { # start_superd [ARGS...]
	"$SUPERD" -c "$T/superd.conf" -u "$UNITS" -s "$SOCK" "$@" >>"$LOG" 2>&1 &
	SD_PID=$!
}

# stop_superd [SECONDS]: SIGTERM, then wait for exit; sets SD_STATUS.
stop_superd() {
	kill -TERM "$SD_PID" 2>/dev/null
	wait_superd "${1:-30}"
}

# wait_superd [SECONDS]: wait for superd to exit; sets SD_STATUS (or "timeout").
wait_superd() {
	if wait_for "${1:-30}" gone "$SD_PID"; then
		wait "$SD_PID" 2>/dev/null
		SD_STATUS=$?
	else
		SD_STATUS=timeout
	fi
}

# The start lines of unit NAME in the service log, in order.
starts_of() { grep "^start name=$1 " "$SVCLOG" 2>/dev/null; }
pid_of() { field "$(starts_of "$1" | tail -n 1)" pid; }
