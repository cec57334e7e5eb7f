# The journal (SPEC §1, §6): superd's own log as structured entries with
# LogTarget=journal, or auto when JOURNAL_STREAM says stderr is the journal;
# StandardOutput=journal through journald's stream socket. No journald runs
# here, so the test stands in for it at its sockets (as root, and only
# where no journal exists), and takes them away afterwards.
. "$TOP_SRCDIR/tests/integration/lib.sh"

# Built without libsystemd: StandardOutput=journal falls back to superd's
# own output, with a warning, and the unit runs.
if ! "$SUPERD" --version | grep -q '+systemd'; then
	unit web <<EOF
[Service]
StandardOutput=journal
ExecStart=/bin/sh -c 'echo web-says-hello; exec sleep 100000'
EOF
	start_superd
	ok "without libsystemd, StandardOutput=journal is a warning" \
		wait_log "web.service: built without journal support; output goes to superd's"
	ok "and the output goes to superd's own" wait_log "^web-says-hello$"
	stop_superd
	is "$SD_STATUS" 0 "clean shutdown"
	done_testing
fi
if [ "$(id -u)" -ne 0 ] ||
	[ -e /run/systemd/journal ] || ! command -v socat >/dev/null; then
	echo "ok 1 # SKIP needs root, socat and no journald on this machine"
	echo "1..1"
	exit 0
fi
mkdir -p /run/systemd/journal
trap 'rm -rf /run/systemd/journal; rmdir /run/systemd 2>/dev/null; _cleanup' EXIT
JLOG=$T/journal.log
SLOG=$T/stdout.log
# stream_header ID: the lines after the identifier line ID that opens a
# stream (unit id, priority, level prefix, syslog, kmsg, console).
stream_header() {
	awk -v id="$1" 'f && n < 6 { printf "|%s", $0; n++ } $0 == id && !f { f = 1 } END { print "|" }' "$SLOG"
}
"$TESTSVC" --notify-recv /run/systemd/journal/socket "$JLOG" &
socat -u UNIX-LISTEN:/run/systemd/journal/stdout,fork "OPEN:$SLOG,creat,append" &
ok "the stand-in journald listens" wait_for 10 bash -c "grep -q '^listening' '$JLOG' && test -S /run/systemd/journal/stdout"

unit web <<EOF
[Service]
StandardOutput=journal
ExecStart=/bin/sh -c 'echo web-says-hello; exec sleep 100000'
EOF

# StandardError= alone: stderr to the journal, stdout still superd's own.
unit errs <<EOF
[Service]
StandardError=journal
ExecStart=/bin/sh -c 'echo errs-to-stdout; echo errs-says-hello >&2; exec sleep 100000'
EOF

printf '[superd]\nLogTarget=journal\n' >"$T/superd.conf"
start_superd
ok "LogTarget=journal: entries reach the journal" wait_for 10 grep -q "MESSAGE=web.service: started" "$JLOG"
ok "with the priority, superd's identifier and the unit in its own field" grep -q "MESSAGE=web.service: started, pid [0-9]* PRIORITY=6 SYSLOG_IDENTIFIER=superd SUPERD_UNIT=web.service" "$JLOG"
ok "nothing of that on stderr" bash -c "! grep -q 'web.service: started' '$LOG'"
ok "StandardOutput=journal: the stream is opened with the unit's name" wait_for 10 grep -qx web "$SLOG"
ok "and carries its output" wait_for 10 grep -qx web-says-hello "$SLOG"
ok "StandardError=journal: the stream is opened with the unit's name" wait_for 10 grep -qx errs "$SLOG"
is "$(stream_header errs)" "||4|1|0|0|0|" "at priority warning (4), as documented, with level prefixes on"
ok "and carries its standard error" wait_for 10 grep -qx errs-says-hello "$SLOG"
ok "its standard output still goes where superd's goes" wait_log "^errs-to-stdout$"
ok "and not to the journal" bash -c "! grep -q errs-to-stdout '$SLOG'"
ok "nor its standard error to superd's" bash -c "! grep -q errs-says-hello '$LOG'"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
: >"$JLOG.2"

# auto: the journal only when stderr is the journal's stream.
printf '[superd]\nLogTarget=auto\n' >"$T/superd.conf"
: >"$LOG"
start_superd
ok "auto, stderr not the journal: lines go to stderr" wait_log "web.service: started"
stop_superd
: >"$LOG"
js=$(stat -c '%d:%i' "$LOG")
before=$(grep -c "web.service: started" "$JLOG")
JOURNAL_STREAM=$js start_superd
wait_for 10 bash -c "[ \$(grep -c 'web.service: started' '$JLOG') -gt $before ]"
ok "auto, JOURNAL_STREAM matching stderr: lines go to the journal" test "$(grep -c 'web.service: started' "$JLOG")" -gt "$before"
ok "and not to stderr" bash -c "! grep -q 'web.service: started' '$LOG'"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"

# Without a journal, LogTarget=journal falls back to stderr, line by line.
rm -f /run/systemd/journal/socket
printf '[superd]\nLogTarget=journal\n' >"$T/superd.conf"
: >"$LOG"
start_superd
ok "no journal: lines still reach stderr" wait_log "web.service: started"
stop_superd
done_testing
