# contrib/ (SPEC §8): the LSB init script run for real against a temp dir,
# the bash completion for superctl against a running superd, and static
# checks of the Dockerfile, the Kubernetes pod example and superd.service.
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

# (c) static checks of the Dockerfile and the Kubernetes pod example
DOCKERFILE=$TOP_SRCDIR/contrib/Dockerfile
POD=$TOP_SRCDIR/contrib/k8s-pod.yaml
matches() { printf '%s\n' "$1" | grep -Eq -- "$2"; } # matches STRING ERE

# Only the last ENTRYPOINT counts. In shell form, /bin/sh -c would be PID 1
# and swallow SIGTERM; superd would never see it.
entry=$(grep -iE '^[[:space:]]*ENTRYPOINT[[:space:]]' "$DOCKERFILE" | tail -n 1)
ok "Dockerfile: the ENTRYPOINT is exec form and runs superd ($entry)" \
	matches "$entry" '^ENTRYPOINT \[ *"[^"]*/superd"'
shellform=$(grep -v '^[[:space:]]*#' "$DOCKERFILE" |
	grep -iE '(^|[[:space:]])(CMD|ENTRYPOINT)[[:space:]]+[^[[:space:]]')
is "$shellform" "" "Dockerfile: no CMD or ENTRYPOINT in shell form"

# yaml_block FILE KEY: the lines nested under the first "KEY:" of FILE.
yaml_block() {
	awk -v key="$2" '
	inb {
		match($0, /^ */)
		if ($0 !~ /^[[:space:]]*$/ && RLENGTH <= at)
			exit
		print
		next
	}
	$0 ~ "^ *(- )?" key ":[[:space:]]*$" { match($0, /^ */); at = RLENGTH; inb = 1 }' "$1"
}
# cm_extract FILE DIR: each key of the ConfigMap's data: (block scalars,
# "KEY: |") written to DIR/KEY, as the kubelet mounts them; prints how many.
cm_extract() {
	awk -v dir="$2" '
	function flush() { if (out != "") close(out); out = "" }
	/^---[[:space:]]*$/ { flush(); kind = ""; indata = 0; next }
	/^kind:/ { kind = $2 }
	{
		if (out != "") {
			# Blank lines count only between content lines (YAML "|"
			# keeps one final newline, no trailing blank lines).
			if ($0 ~ /^[[:space:]]*$/) { blank = blank "\n"; next }
			match($0, /^ */)
			if (bind == 0)
				bind = RLENGTH
			if (RLENGTH >= bind && RLENGTH > 2) {
				printf "%s%s\n", blank, substr($0, bind + 1) > out
				blank = ""
				next
			}
			flush()
		}
		if (kind == "ConfigMap" && $0 ~ /^data:[[:space:]]*$/) { indata = 1; next }
		if ($0 ~ /^[^[:space:]#]/)
			indata = 0
		if (indata && $0 ~ /^  [A-Za-z0-9_.@-]+:[[:space:]]*\|[[:space:]]*$/) {
			key = $1
			sub(/:$/, "", key)
			out = dir "/" key
			bind = 0
			blank = ""
			printf "" > out
			n++
		}
	}
	END { flush(); print n + 0 }' "$1"
}
# to_sec DURATION: whole seconds, rounded up, for the forms used in the
# example (N, Ns, Nms, Nmin); empty for anything else.
to_sec() {
	case $1 in
	*[!0-9]*[0-9]* | '') ;;
	*ms) v=${1%ms}; case $v in *[!0-9]* | '') ;; *) echo $(((v + 999) / 1000)) ;; esac ;;
	*min) v=${1%min}; case $v in *[!0-9]* | '') ;; *) echo $((v * 60)) ;; esac ;;
	*s) v=${1%s}; case $v in *[!0-9]* | '') ;; *) echo "$v" ;; esac ;;
	*[!0-9]*) ;;
	*) echo "$1" ;;
	esac
}
greater() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" -gt "$2" ]; }

flat() { tr -s ' \n' '  '; } # one line, for patterns across YAML lines
for probe in readinessProbe livenessProbe; do
	ok "k8s-pod.yaml: the $probe runs \`superctl health\`" \
		matches "$(yaml_block "$POD" "$probe" | flat)" 'exec: .*command: .*superctl"?,? +"?health"?( |,|\]|$)'
done
K8S=$T/k8s
mkdir -p "$K8S/cm" "$K8S/units"
nkeys=$(cm_extract "$POD" "$K8S/cm")
ok "k8s-pod.yaml: its ConfigMap holds superd.conf and units ($nkeys keys)" \
	test -s "$K8S/cm/superd.conf" -a "$(ls "$K8S/cm" | grep -c '\.service$')" -gt 0
cp "$K8S"/cm/*.service "$K8S/units/" 2>/dev/null
"$SUPERD" --check --strict -c "$K8S/cm/superd.conf" -u "$K8S/units" >"$K8S/check.out" 2>&1
rc=$?
is "$rc" 0 "k8s-pod.yaml: the ConfigMap's superd.conf and units pass superd --check --strict"
[ "$rc" = 0 ] || sed 's/^/#   check: /' "$K8S/check.out" | head -n 20
# A unit in the ConfigMap that the pod's volume does not list is not mounted.
is "$(sed -n 's/^[[:space:]]*- key: *\([^[:space:]]*\.service\)[[:space:]]*$/\1/p' "$POD" | sort | tr '\n' ' ')" \
	"$(ls "$K8S/units" | sort | tr '\n' ' ')" "k8s-pod.yaml: the pod mounts every unit of the ConfigMap"
# A subPath mount is copied at container start: ConfigMap edits, which the
# comments promise reach superd on reload, would never show.
is "$(grep -c '^[^#]*subPath:' "$POD")" 0 "k8s-pod.yaml: no subPath mount (it would never see ConfigMap edits)"
conf=$(sed -n 's/^[[:space:]]*args:.*"-c", *"\([^"]*\)".*/\1/p' "$POD")
ok "k8s-pod.yaml: superd -c ${conf:-?} lies in a mounted directory" \
	grep -Eq "^[[:space:]]*mountPath:[[:space:]]*${conf%/*}[[:space:]]*\$" "$POD"
grace=$(sed -n 's/^[[:space:]]*terminationGracePeriodSeconds:[[:space:]]*\([0-9][0-9]*\)[[:space:]]*$/\1/p' "$POD")
stop=$(sed -n 's/^[[:space:]]*ShutdownTimeoutSec=[[:space:]]*//p' "$K8S/cm/superd.conf" | tail -n 1)
stop_sec=$(to_sec "${stop:-25s}")
ok "k8s-pod.yaml: terminationGracePeriodSeconds (${grace:-none}) exceeds ShutdownTimeoutSec= (${stop:-25s, the default})" \
	greater "$grace" "$stop_sec"

# (d) the systemd unit for superd itself
SDUNIT=$TOP_SRCDIR/contrib/superd.service
# sd_key KEY: the value of the last uncommented KEY= of [Service].
sd_key() {
	awk -v key="$1" '
	/^\[/ { insvc = ($0 == "[Service]") }
	insvc && index($0, key "=") == 1 { v = substr($0, length(key) + 2) }
	END { print v }' "$SDUNIT"
}
is "$(sd_key Type)" notify "superd.service: Type=notify (superd sends READY=1)"
reload=$(sd_key ExecReload)
ok "superd.service: ExecReload= sends superd SIGHUP ($reload)" \
	matches "$reload" '(^|[[:space:]/])kill[[:space:]]+-(s[[:space:]]*)?(SIG)?HUP[[:space:]]+\$MAINPID$'
# Compared with the default ShutdownTimeoutSec= below, as superd reports it.
sd_stop=$(sd_key TimeoutStopSec)
if command -v systemd-analyze >/dev/null 2>&1; then
	# The commands are made to point at this build: verify checks that
	# they exist. Its warnings (unknown keys, bad values) go to stderr.
	mkdir -p "$T/sdunit"
	sed "s|/usr/sbin/superd|$SUPERD|g" "$SDUNIT" >"$T/sdunit/superd.service"
	systemd-analyze verify --man=no "$T/sdunit/superd.service" >"$T/sdunit/out" 2>&1
	rc=$?
	is "$rc $(wc -l <"$T/sdunit/out")" "0 0" "superd.service: systemd-analyze verify passes, with no warning"
	sed 's/^/#   verify: /' "$T/sdunit/out" | head -n 20
else
	skip "superd.service: systemd-analyze verify passes, with no warning" "no systemd-analyze"
fi

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
is "$(ps -o sid= -p "$pid" | tr -d ' ')" "$pid" "it leads a session of its own (setsid)"
ok "the unit is up" wait_svc "^start name=web "
ok "superd answers on the socket" "$SUPERCTL" health
init_is status 0 "init status while running: 0"
init_is reload 0 "init reload: 0"
ok "superd reloaded" wait_log "reloaded: "
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

# (a) continued: reload for real (after (b), which expects web alone).
# An invalid unit: reload fails (1, LSB generic error) with FILE:LINE:,
# and superd keeps the configuration it has.
unit broken <<EOF
[Service]
ExecStart=$(svc --name broken)
Restart=sometimes
EOF
: >"$INIT_OUT"
init_is reload 1 "init reload with an invalid unit file: 1"
ok "it prints the error as FILE:LINE:" grep -q "$UNITS/broken.service:3: invalid Restart=sometimes" "$INIT_OUT"
ok "superd still runs" alive "$pid"
ok "and answers" "$SUPERCTL" health
ok "with its old configuration: web still active" "$SUPERCTL" is-active web
"$SUPERCTL" show broken >/dev/null 2>&1
is "$?" 4 "and no unit broken (superctl: no such unit)"
ok "the invalid unit never ran" bash -c "! grep -q '^start name=broken ' '$SVCLOG'"
rm -f "$UNITS/broken.service"
# A new unit file: reload adds it and starts it.
unit added <<EOF
[Service]
ExecStart=$(svc --name added)
EOF
init_is reload 0 "init reload with a new unit file: 0"
ok "the new unit starts" wait_svc "^start name=added "
ok "and is active" wait_for 10 "$SUPERCTL" is-active added
is "$(pidfile_pid)" "$pid" "superd is the same process"

# (a) continued: stop, status, stale PID files, a failed start
init_is stop 0 "init stop: exit 0"
ok "superd is gone" gone "$pid"
ok "the PID file is removed" test ! -e "$PIDFILE"
init_is status 3 "init status after stop: 3"
# "shutting down (...): delay 0, deadline 25s": the default, superd.conf
# being empty.
deadline=$(sed -n 's/.*shutting down (.*): delay .*, deadline \([^ ]*\)$/\1/p' "$LOG" | head -n 1)
ok "superd.service: TimeoutStopSec= ($sd_stop) exceeds superd's default ShutdownTimeoutSec= (${deadline:-not found})" \
	greater "$(to_sec "$sd_stop")" "$(to_sec "$deadline")"
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
init_is reload 7 "init reload when superd is not running: 7 (LSB: not running)"
init_is try-restart 0 "init try-restart when superd is not running: 0 (LSB)"
ok "and it started nothing" test ! -e "$PIDFILE"

# Started from a terminal, as by hand from a root shell: superd must not
# keep that terminal as its controlling terminal (its hangup would be a
# SIGHUP: a reload; a Ctrl-C there a SIGINT: a shutdown).
if script -qec true /dev/null </dev/null >/dev/null 2>&1; then
	cat >"$T/from-tty.sh" <<EOF
SUPERD='$SUPERD' SUPERCTL='$SUPERCTL' PIDFILE='$PIDFILE' SOCKET='$SOCK' LOGFILE='$LOG' \\
	SUPERD_DEFAULTS=/nonexistent START_TIMEOUT=10 STOP_TIMEOUT=30 \\
	SUPERD_ARGS='-c $T/superd.conf -u $UNITS -s $SOCK' sh '$INIT' start >>'$INIT_OUT' 2>&1
echo "rc=\$? caller=\$(ps -o tty= -p \$\$) superd=\$(ps -o tty= -p "\$(cat '$PIDFILE')")"
EOF
	script -qec "sh '$T/from-tty.sh'" /dev/null </dev/null 2>&1 | tr -d '\r' >"$T/tty.out"
	pid4=$(pidfile_pid)
	SD_PID=$pid4
	tty_line=$(grep '^rc=' "$T/tty.out")
	is "$(field "$tty_line" rc)" 0 "init start from a terminal: 0"
	if [ "$(field "$tty_line" caller)" = "?" ] || [ -z "$(field "$tty_line" caller)" ]; then
		skip "superd started from a terminal has no controlling terminal" "script(1) gave no terminal: $tty_line"
	else
		is "$(field "$tty_line" superd)" "?" "superd started from a terminal ($(field "$tty_line" caller)) has no controlling terminal"
	fi
	ok "and still runs once that terminal is gone" alive "$pid4"
	init_is stop 0 "init stop: 0"
else
	skip "superd started from a terminal has no controlling terminal" "no script(1) from util-linux, or no pseudo-terminal"
fi

INIT_ARGS="-c $T/superd.conf -u $T/no-such-dir -s $SOCK"
init_is start 1 "init start with an invalid configuration: 1"
ok "it points at the log" grep -q "failed (exit status 78; see $LOG)" "$INIT_OUT"
ok "no PID file is left" test ! -e "$PIDFILE"
INIT_ARGS=
init_is bogus 2 "init with an unknown action: 2"

SD_PID=
done_testing
