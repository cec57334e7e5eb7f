# superctl against a real superd: every verb, its output and exit code, and
# the blocking semantics of start, stop and restart; the table and JSON
# whatever bytes a unit's texts hold.
. "$TOP_SRCDIR/tests/integration/lib.sh"
: "${SUPERCTL:?SUPERCTL must point to the superctl binary}"
sc() { "$SUPERCTL" "$@"; }

unit web <<EOF
[Unit]
Description=The web server
[Service]
ExecStart=$(svc --name web --term-exit 0)
Environment=DB_PASSWORD=hunter2 API_TOKEN=tok-123 PLAIN=visible SESSION=s3cr3t
RedactEnvironment=SESSION
EOF
unit leaky <<EOF
[Service]
ExecStart=/bin/sh -c 'exec sleep 100000; echo \${DB_PASSWORD} %n' $T
Environment=DB_PASSWORD=hunter2 "GREETING=hello world"
EOF
unit slowstop <<EOF
[Service]
ExecStart=$(svc --name slowstop --term-delay 3 --term-exit 0)
EOF
unit broken <<EOF
[Service]
Type=exec
AutoStart=no
ExecStart=$T/no-such-binary
RestartSec=10s
EOF
unit idle <<EOF
[Unit]
Description=Started by hand
[Service]
AutoStart=no
ExecStart=$(svc --name idle)
EOF
unit dirs <<EOF
[Service]
AutoStart=no
ExecStart=$(svc --name dirs)
WorkingDirectory=-$T/maybe
RuntimeDirectory=superd-t-ctl superd-t-ctl/sub
RuntimeDirectoryMode=0700
StateDirectory=superd-t-ctl
LogsDirectory=superd-t-ctl
LogsDirectoryMode=0750
EOF
unit late <<EOF
[Service]
Type=exec
AutoStart=no
ExecStart=$T/late-bin --log $SVCLOG --name late
RestartSec=200ms
RestartMaxDelaySec=200ms
EOF
unit needs-late <<EOF
[Unit]
After=late
Requires=late
[Service]
AutoStart=no
ExecStart=$(svc --name needs-late)
EOF
unit crashy <<EOF
[Unit]
Description=Crashes
[Service]
AutoStart=no
ExecStart=$(svc --name crashy --run 0 --exit 1)
Restart=on-failure
RestartSec=20s
EOF
# Ready 2 s after it starts: long enough to see that --no-block did not wait.
unit slowready <<EOF
[Service]
Type=notify
AutoStart=no
ExecStart=$(svc --name slowready --notify READY=1 --notify-delay 2 --term-exit 0)
EOF
# Text that is not valid UTF-8 or holds characters that JSON must escape:
# a Description= (invalid sequences of every kind, valid ones between), and
# a STATUS= text, which the service itself controls.
printf 'caf\351 "q" b\\s \303\251t\303\251 \360\237\230\200 \200\300\257\355\240\200\342\202A\364\220\200\200 \377end \342\202' >"$T/desc.raw"
printf 'q"b\\s\tx\351y \303\251 \001end' >"$T/status.raw"
{
	printf '[Unit]\nDescription='
	cat "$T/desc.raw"
	printf '\n[Service]\nType=notify\nExecStart=%s\n' "$T/weird.sh"
} >"$UNITS/weird.service"
cat >"$T/weird.sh" <<EOF
#!/bin/sh
exec $TESTSVC --log $SVCLOG --name weird --notify "READY=1\\\\nSTATUS=\$(cat $T/status.raw)"
EOF
chmod +x "$T/weird.sh"
nunits=$(ls "$UNITS" | wc -l)

# table_cells FILE: the rows of a status table, cells split by '|', after
# checking that on every line each column starts where its header does,
# with two spaces before it and no cell but DESCRIPTION empty. Colour codes
# and the CRs of a terminal are dropped first. Fails if anything is off.
table_cells() {
	sed 's/\r$//; s/\x1b\[[0-9;]*m//g' "$1" | LC_ALL=C awk '
	NR == 1 {
		n = split("UNIT|STATE|PID|UPTIME|RESTARTS|LAST EXIT|NEXT RESTART|DESCRIPTION", h, "|")
		for (k = 1; k <= n; k++) {
			pos[k] = index($0, h[k])
			if (pos[k] == 0 || (k > 1 && pos[k] <= pos[k - 1]))
				bad = 1
		}
		pos[n + 1] = 1000000
		next
	}
	{
		row = ""
		for (k = 1; k <= n; k++) {
			if (k > 1 && substr($0, pos[k] - 2, 2) != "  ")
				bad = 1
			c = substr($0, pos[k], pos[k + 1] - pos[k])
			if (substr(c, 1, 1) == " " || (k < n && c == ""))
				bad = 1
			sub(/ +$/, "", c)
			row = row (k > 1 ? "|" : "") c
		}
		print row
	}
	END { if (NR < 2) bad = 1; exit bad }'
}
# aligned FILE: table_cells FILE holds, its rows discarded (not the TAP line).
aligned() { table_cells "$1" >/dev/null; }
# cell ROWS UNIT COLUMN: one cell (columns numbered from 1) of table_cells output.
cell() { awk -F'|' -v u="$2" -v c="$3" '$1 == u { print $c }' "$1"; }
state_of() { sc show "$1" | sed -n 's/^State=//p'; }
state_is() { [ "$(state_of "$1")" = "$2" ]; }

# --- no superd yet -------------------------------------------------------
sc status >/dev/null 2>"$T/err"; rc=$?
is "$rc" 69 "no superd on the socket: exit 69"
ok "and says so, naming the socket" grep -q "no superd answers on $SOCK" "$T/err"
sc >/dev/null 2>&1; is "$?" 2 "no verb: usage error (exit 2)"
sc frobnicate >/dev/null 2>&1; is "$?" 2 "an unknown verb: exit 2"
sc show >/dev/null 2>&1; is "$?" 2 "show without a unit: exit 2, without asking superd"
sc start --bogus web >/dev/null 2>&1; is "$?" 2 "an unknown option: exit 2"
sc health --json >/dev/null 2>&1; is "$?" 2 "--json on a verb that has no JSON output: exit 2"
sc --json version >/dev/null 2>"$T/err"; is "$?" 2 "--json before such a verb: exit 2 too"
ok "and says --json is for status and show" grep -q -- "--json is only for status and show" "$T/err"
out=$(sc start --help); rc=$?
is "$rc" 0 "start --help exits 0"
ok "start --help explains --no-block" grep -q -- "--no-block" <<<"$out"
ok "help kill documents -s SIGNAL" bash -c "'$SUPERCTL' help kill | grep -q -- '-s SIGNAL'"

start_superd
ok "the socket answers" wait_for 10 sc health

# --- status, show, is-active, version -------------------------------------
ok "web is up" wait_svc "^start name=web "
web=$(pid_of web)
sc status >"$T/out"; rc=$?
is "$rc" 0 "status of everything exits 0 even with inactive units"
ok "the table has its header" grep -Eq "^UNIT +STATE +PID +UPTIME +RESTARTS +LAST EXIT +NEXT RESTART +DESCRIPTION" "$T/out"
ok "web is shown active with its PID and description" grep -Eq "^web\.service +active +$web +[0-9].* +The web server$" "$T/out"
ok "no colour codes when not on a terminal" bash -c "! grep -q $'\033' '$T/out'"
ok "every column of the plain table starts under its header" aligned "$T/out"
if command -v script >/dev/null 2>&1; then
	script -qec "'$SUPERCTL' status" /dev/null >"$T/tty" 2>&1
	ok "on a terminal the state is coloured (active in green)" grep -q $'\033\[32mactive' "$T/tty"
	ok "and the coloured table is aligned too" aligned "$T/tty"
	NO_COLOR=1 script -qec "'$SUPERCTL' status" /dev/null >"$T/tty" 2>&1
	ok "NO_COLOR turns colour off on a terminal" bash -c "! grep -q $'\033\\\\[3' '$T/tty'"
else
	skip "on a terminal the state is coloured" "script(1) is not installed"
	skip "and the coloured table is aligned too" "script(1) is not installed"
	skip "NO_COLOR turns colour off on a terminal" "script(1) is not installed"
fi
sc status web >/dev/null; is "$?" 0 "status of an active unit exits 0"
sc status web idle >"$T/out"; is "$?" 3 "status exits 3 when a named unit is not active"
ok "and still shows both units" bash -c "grep -q '^web.service ' '$T/out' && grep -q '^idle.service ' '$T/out'"
if command -v socat >/dev/null; then
	printf 'status web idle\n' | socat -t 5 - "UNIX-CONNECT:$SOCK" >"$T/wire"
	ok "on the wire, status carries ERR 3 after the data" bash -c "grep -qx 'Name=idle.service' '$T/wire' && tail -n 1 '$T/wire' | grep -qx 'ERR 3 idle.service is inactive'"
else
	skip "on the wire, status carries ERR 3 after the data" "socat is not installed"
fi
sc status ghost >/dev/null 2>"$T/err"; is "$?" 4 "status of an unknown unit exits 4"
ok "and names it" grep -q "no such unit: ghost" "$T/err"
sc status --json >"$T/json"; is "$?" 0 "status --json exits 0"
ok "status --json is a JSON array of every unit" grep -q '^\[{"Name":"broken.service"' "$T/json"
ok "numbers are numbers in JSON" grep -q "\"MainPID\":$web," "$T/json"
ok "readiness is a boolean in JSON" grep -q '"Name":"web.service".*"Ready":true' "$T/json"
if command -v python3 >/dev/null 2>&1; then
	ok "status --json parses as JSON, one object per unit" python3 -c "import json,sys; d=json.load(open('$T/json')); assert len(d) == $nunits"
else
	skip "status --json parses as JSON" "python3 is not installed"
fi

# Bytes that are not UTF-8 and characters JSON must escape, in a
# Description= and in a STATUS= text: the JSON must still be strictly valid
# (UTF-8, no raw control characters), each invalid sequence one U+FFFD as in
# Python's errors="replace", everything else decoded to what was sent.
ok "weird is ready (it sent its STATUS= text)" wait_for 10 sc is-active weird
sc status --json >"$T/json"; is "$?" 0 "status --json with odd text exits 0"
sc show --json weird >"$T/showjson"; is "$?" 0 "show --json with odd text exits 0"
cat >"$T/json_check.py" <<'PY'
import json, sys
path, desc, status = sys.argv[1:4]
# Strict: the bytes must be UTF-8, and json rejects raw control characters.
d = json.loads(open(path, "rb").read().decode("utf-8"))
if isinstance(d, list):
    d = [u for u in d if u["Name"] == "weird.service"][0]
want_desc = open(desc, "rb").read().decode("utf-8", "replace")
want_status = open(status, "rb").read().decode("utf-8", "replace")
for key, want in (("Description", want_desc), ("StatusText", want_status)):
    if d[key] != want:
        sys.exit("%s: got %r, expected %r" % (key, d[key], want))
PY
if command -v python3 >/dev/null 2>&1; then
	ok "status --json is strict JSON and decodes to the text sent" python3 "$T/json_check.py" "$T/json" "$T/desc.raw" "$T/status.raw"
	ok "show --json is strict JSON and decodes to the text sent" python3 "$T/json_check.py" "$T/showjson" "$T/desc.raw" "$T/status.raw"
else
	skip "status --json is strict JSON and decodes to the text sent" "python3 is not installed"
	skip "show --json is strict JSON and decodes to the text sent" "python3 is not installed"
fi
ok "valid UTF-8 passes through JSON as it is, an invalid byte is \\ufffd" grep -qF '"Description":"caf\ufffd \"q\" b\\s été 😀 \ufffd' "$T/showjson"
ok "a tab is \\t and a control character \\u0001 in JSON" grep -qF '"StatusText":"q\"b\\s\tx\ufffdy é \u0001end"' "$T/showjson"
sc status weird >"$T/out"
ok "the table shows a STATUS= text's control characters escaped" grep -qF '(q"b\s\tx' "$T/out"
ok "and no raw control character reaches the terminal" bash -c "! LC_ALL=C grep -q '[[:cntrl:]]' '$T/out'"
sc show web >"$T/show"; is "$?" 0 "show exits 0"
ok "show has State= and MainPID=" bash -c "grep -qx 'State=active' '$T/show' && grep -qx 'MainPID=$web' '$T/show'"
ok "show has the settings" grep -qx "KillSignal=SIGTERM" "$T/show"
ok "show redacts a *PASSWORD variable" grep -q "DB_PASSWORD=<redacted>" "$T/show"
ok "show redacts a *TOKEN variable" grep -q "API_TOKEN=<redacted>" "$T/show"
ok "show redacts a RedactEnvironment= variable" grep -q "SESSION=<redacted>" "$T/show"
ok "show keeps other variables" grep -q "PLAIN=visible" "$T/show"
ok "no secret value appears in show" bash -c "! grep -Eq 'hunter2|tok-123|s3cr3t' '$T/show'"
sc show dirs >"$T/dirs"; is "$?" 0 "show of a unit with directories exits 0"
ok "show keeps the '-' of WorkingDirectory=" grep -qx "WorkingDirectory=-$T/maybe" "$T/dirs"
ok "show has RuntimeDirectory= and its mode" bash -c "grep -qx 'RuntimeDirectory=superd-t-ctl superd-t-ctl/sub' '$T/dirs' && grep -qx 'RuntimeDirectoryMode=0700' '$T/dirs'"
ok "show has StateDirectory= and its default mode" bash -c "grep -qx 'StateDirectory=superd-t-ctl' '$T/dirs' && grep -qx 'StateDirectoryMode=0755' '$T/dirs'"
ok "show has LogsDirectory= and its mode" bash -c "grep -qx 'LogsDirectory=superd-t-ctl' '$T/dirs' && grep -qx 'LogsDirectoryMode=0750' '$T/dirs'"
ok "show of a unit without them has them empty" bash -c "grep -qx 'RuntimeDirectory=' '$T/show' && grep -qx 'WorkingDirectory=' '$T/show'"
sc show --json dirs >"$T/dirs.json"
ok "show --json has them too" bash -c "grep -qF '\"WorkingDirectory\":\"-$T/maybe\"' '$T/dirs.json' && grep -qF '\"RuntimeDirectory\":\"superd-t-ctl superd-t-ctl/sub\"' '$T/dirs.json' && grep -qF '\"LogsDirectoryMode\":\"0750\"' '$T/dirs.json' && grep -qF '\"StateDirectory\":\"superd-t-ctl\"' '$T/dirs.json'"
sc show leaky >"$T/leaky"
ok "ExecStart= is shown as written, so an expanded secret does not leak" grep -qF 'ExecStart=/bin/sh -c '"'"'exec sleep 100000; echo ${DB_PASSWORD} %n'"'" "$T/leaky"
ok "no expanded secret anywhere in show" bash -c "! grep -q hunter2 '$T/leaky'"
ok "a value with a space is quoted in Environment=" grep -q '"GREETING=hello world"' "$T/leaky"
ok "the child still gets the real secret" bash -c "tr '\\0' '\\n' </proc/$web/environ | grep -qx DB_PASSWORD=hunter2"
sc show --json web.service >"$T/showjson"; is "$?" 0 "show --json with the .service suffix exits 0"
ok "show --json is one object" grep -q '^{"Name":"web.service",' "$T/showjson"
ok "ExecStart is a JSON array even with one command" grep -q '"ExecStart":\["' "$T/showjson"
sc show ghost >/dev/null 2>&1; is "$?" 4 "show of an unknown unit exits 4"
sc is-active web >"$T/out"; is "$?" 0 "is-active of an active unit exits 0"
is "$(cat "$T/out")" "" "is-active prints nothing"
sc is-active idle >/dev/null 2>&1; is "$?" 3 "is-active of an inactive unit exits 3"
sc is-active ghost >/dev/null 2>&1; is "$?" 4 "is-active of an unknown unit exits 4"
out=$(sc version); is "$?" 0 "version exits 0"
ok "version names both programs" bash -c "grep -q '^superctl [0-9]' <<<'$out' && grep -q '^superd [0-9]' <<<'$out'"
sc health; is "$?" 0 "health exits 0 while running"
SUPERD_SOCKET="$T/elsewhere.sock" "$SUPERCTL" -s "$SOCK" health; is "$?" 0 "-s SOCKET wins over \$SUPERD_SOCKET"
SUPERD_SOCKET="$T/elsewhere.sock" "$SUPERCTL" health 2>/dev/null; is "$?" 69 "\$SUPERD_SOCKET is used when -s is not given"
env -u SUPERD_SOCKET "$SUPERCTL" --socket="$SOCK" version >/dev/null; is "$?" 0 "--socket=PATH works too"

# --- start, stop, restart ---------------------------------------------------
sc start idle; is "$?" 0 "start of an inactive unit exits 0"
sc is-active idle; is "$?" 0 "it is active when start returns"
sc start idle; is "$?" 0 "start of an active unit is a no-op, exit 0"

sc start broken 2>"$T/err"; rc=$?
is "$rc" 1 "a start that fails exits 1"
ok "the failure names the unit and the cause" grep -q "broken.service: start failed: executing $T/no-such-binary: No such file or directory" "$T/err"
sc stop broken; is "$?" 0 "a unit in backoff can be stopped"
sc status broken | grep -q " inactive "; ok "and is inactive" test $? -eq 0

ss=$(pid_of slowstop)
sc stop slowstop; rc=$?
is "$rc" 0 "stop exits 0"
ok "stop returned only once the process was gone (it takes 3 s)" gone "$ss"
ok "the unit got its stop signal" svc_has "^signal name=slowstop sig=TERM"
sc start --no-block slowstop; is "$?" 0 "start --no-block exits 0"
ok "slowstop runs again" wait_count "$SVCLOG" "^start name=slowstop " 2
ss=$(pid_of slowstop)
sc stop --no-block slowstop; is "$?" 0 "stop --no-block exits 0"
ok "stop --no-block returned before the process was gone" alive "$ss"
ok "the process then stops" wait_for 10 gone "$ss"

sc restart web; is "$?" 0 "restart exits 0"
new=$(sc show web | sed -n 's/^MainPID=//p')
ok "restart replaced the process (old $web, new $new)" test "$new" != "$web" -a "$new" != 0
ok "the old process is gone" gone "$web"
ok "the new process is alive" alive "$new"
sc restart ghost 2>/dev/null; is "$?" 4 "restart of an unknown unit exits 4"

# --no-block for start and restart of a unit that takes 2 s to be ready:
# superctl returns while it is still on its way.
sc start --no-block slowready; is "$?" 0 "start --no-block of a slow notify unit exits 0"
is "$(state_of slowready)" starting "start --no-block returned before the unit was ready"
ok "the unit then becomes active" wait_for 10 sc is-active slowready
old=$(sc show slowready | sed -n 's/^MainPID=//p')
sc restart --no-block slowready; is "$?" 0 "restart --no-block exits 0"
# On its way: the old process stopping, gone, or the new one not ready yet.
st=$(state_of slowready)
ok "restart --no-block returned before the new process was ready (state $st)" grep -Eqx 'stopping|inactive|starting' <<<"$st"
ok "the unit then becomes active again" wait_for 10 sc is-active slowready
new=$(sc show slowready | sed -n 's/^MainPID=//p')
ok "with a new process (old $old, new $new)" test "$new" != "$old" -a "$new" != 0
sc restart slowready; is "$?" 0 "restart without --no-block exits 0"
is "$(state_of slowready)" active "and returns only once the new process is ready"

# start waits for what the unit is ordered after: late cannot exec until its
# binary exists, so start needs-late must still be waiting then.
sc start needs-late 2>"$T/err" &
job=$!
ok "late is tried and cannot exec yet" wait_log "late.service: cannot start: executing $T/late-bin"
ok "start needs-late is still waiting" alive "$job"
ln -s "$TESTSVC" "$T/late-bin"
wait_for 10 gone "$job"
wait "$job"; rc=$?
is "$rc" 0 "start returns 0 once what it needs is ready and it is started"
sc is-active needs-late; is "$?" 0 "needs-late is active"

# --- the status table ----------------------------------------------------
# crashy exits 1 at once and waits 20 s to restart; late was restarted
# while its binary was missing.
sc start --no-block crashy; is "$?" 0 "start --no-block crashy"
ok "crashy crashes and goes to backoff" wait_for 10 state_is crashy backoff
sc status >"$T/out"; is "$?" 0 "status with a unit in backoff exits 0"
table_cells "$T/out" >"$T/rows"
ok "every column starts under its header, on every line" test $? -eq 0
is "$(cell "$T/rows" crashy.service 2)" backoff "STATE shows backoff"
is "$(cell "$T/rows" crashy.service 3)" - "PID is - without a process"
is "$(cell "$T/rows" crashy.service 5)" 0 "RESTARTS is 0 before the first restart"
is "$(cell "$T/rows" crashy.service 6)" status=1 "LAST EXIT shows status=1"
next=$(cell "$T/rows" crashy.service 7)
ok "NEXT RESTART shows the time left of RestartSec=20s (got $next)" grep -Eqx '1[0-9]s|20s' <<<"$next"
is "$(cell "$T/rows" crashy.service 8)" "Crashes (main process exited with status 1)" "DESCRIPTION has the reason"
restarts=$(sc show late | sed -n 's/^Restarts=//p')
ok "late was restarted ($restarts times)" test "${restarts:-0}" -ge 1
is "$(cell "$T/rows" late.service 5)" "$restarts" "RESTARTS shows the restart count"
is "$(cell "$T/rows" late.service 7)" - "NEXT RESTART is - for an active unit"
is "$(cell "$T/rows" web.service 3)" "$(sc show web | sed -n 's/^MainPID=//p')" "PID shows the main process"
sc stop crashy; is "$?" 0 "crashy can be stopped in backoff"

# --- kill, reload -------------------------------------------------------
sc kill web -s USR1; is "$?" 0 "kill -s USR1 exits 0"
ok "the unit got SIGUSR1" wait_svc "^signal name=web sig=USR1"
sc kill web -s NOPE 2>/dev/null; is "$?" 2 "kill with a bad signal: exit 2"
sc kill ghost -s NOPE 2>/dev/null; is "$?" 4 "kill of an unknown unit: exit 4, whatever the signal"
sc kill idle -s HUP; is "$?" 0 "kill of a running unit with SIGHUP"
sc kill broken 2>"$T/err"; is "$?" 1 "kill of a unit with no process exits 1"
ok "and says why" grep -q "has no process to signal" "$T/err"
terms=$(count_in "$SVCLOG" "^signal name=slowready sig=TERM")
sc kill slowready; is "$?" 0 "kill without -s exits 0"
ok "the default signal is SIGTERM" wait_count "$SVCLOG" "^signal name=slowready sig=TERM" $((terms + 1))
ok "and no other signal was sent" bash -c "! grep '^signal name=slowready ' '$SVCLOG' | grep -qv 'sig=TERM'"
# kill signals the unit's whole process group: kgrp's child, in its
# group, dies of SIGUSR2 too; with KillMode=process only kproc's main
# process gets it, and its child lives on.
unit kgrp <<EOF
[Service]
ExecStart=$(svc --name kgrp --fork-child)
EOF
unit kproc <<EOF
[Service]
ExecStart=$(svc --name kproc --fork-child)
KillMode=process
EOF
sc reload >/dev/null; is "$?" 0 "kgrp and kproc added"
ok "kgrp and kproc run with a child each" wait_for 10 bash -c "grep -q '^child name=kgrp ' '$SVCLOG' && grep -q '^child name=kproc ' '$SVCLOG'"
kgrp_child=$(field "$(grep '^child name=kgrp ' "$SVCLOG")" pid)
kproc_child=$(field "$(grep '^child name=kproc ' "$SVCLOG")" pid)
kproc=$(pid_of kproc)
sc kill kgrp -s USR2; is "$?" 0 "kill kgrp -s USR2 exits 0"
ok "kgrp's main process got SIGUSR2" wait_svc "^signal name=kgrp sig=USR2"
ok "and so did its child, in its process group (it died of it)" wait_for 10 gone "$kgrp_child"
sc kill kproc -s USR2; is "$?" 0 "kill kproc -s USR2 exits 0"
ok "kproc's main process got SIGUSR2" wait_svc "^signal name=kproc sig=USR2"
ok "with KillMode=process its child did not" alive "$kproc_child"
ok "and the main process lives on" alive "$kproc"
rm "$UNITS/kgrp.service" "$UNITS/kproc.service"
sc reload >/dev/null
kill -KILL "$kproc_child" 2>/dev/null
sc reload web; is "$?" 0 "reload UNIT sends ReloadSignal= (SIGHUP)"
ok "the unit got SIGHUP" wait_svc "^signal name=web sig=HUP"
before=$(sc show web | sed -n 's/^MainPID=//p')
sc reload 2>"$T/err"; is "$?" 0 "reload of an unchanged configuration exits 0"
is "$(sc show web | sed -n 's/^MainPID=//p')" "$before" "and touches no process"

# --- shutdown --------------------------------------------------------------
sc stop slowstop >/dev/null
sc start slowstop
sc shutdown; is "$?" 0 "shutdown exits 0"
# slowstop takes 3 s to stop, so superd is still there.
sc health 2>"$T/err"; is "$?" 1 "health exits 1 while superd shuts down"
is "$(cat "$T/err")" "superctl: superd is shutting down" "and says why"
sc start idle 2>"$T/err"; is "$?" 1 "start is refused while shutting down (exit 1)"
is "$(cat "$T/err")" "superctl: superd is shutting down: start refused" "and says why"
wait_superd 20
is "$SD_STATUS" 0 "superd exits 0 after superctl shutdown"
ok "the socket file is removed" test ! -e "$SOCK"
sc status >/dev/null 2>&1; is "$?" 69 "after exit: 69 again"
done_testing
