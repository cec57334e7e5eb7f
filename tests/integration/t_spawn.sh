# What a unit's main process gets: its own session and process group, only
# fds 0-2, stdin on /dev/null, default signal dispositions and an empty mask,
# whatever superd itself inherited.
. "$TOP_SRCDIR/tests/integration/lib.sh"

unit probe <<EOF
[Service]
ExecStart=$(svc --name probe --report-signals --report-fds --fork-child)
EOF
unit execd <<EOF
[Service]
Type=exec
ExecStart=$(svc --name execd)
EOF

# superd inherits an fd without FD_CLOEXEC and an ignored signal, as it might
# from a careless parent; neither may reach the units.
(
	exec 7<>"$T/leaky-fd"
	exec "$TESTSVC" --exec-ignoring "$SUPERD" -c "$T/superd.conf" -u "$UNITS" -s "$SOCK"
) >>"$LOG" 2>&1 &
SD_PID=$!

ok "the probe unit started" wait_svc "^fds="
line=$(starts_of probe)
pid=$(field "$line" pid)
is "$(field "$line" pgid)" "$pid" "the main process leads its own process group"
is "$(field "$line" sid)" "$pid" "the main process leads its own session"
is "$(field "$line" ppid)" "$SD_PID" "superd is the parent"
ok "fds 0, 1, 2 only: nothing superd inherited or opened leaks" svc_has "^fds=0,1,2$"
ok "no signal is blocked or ignored in the child" svc_has "^sigblk=0000000000000000 sigign=0000000000000000$"
is "$(readlink "/proc/$pid/fd/0")" /dev/null "stdin is /dev/null"
ok "the background grandchild shares the unit's process group" svc_has "^child name=probe pid=[0-9]* pgid=$pid "
ok "a Type=exec unit is reported started once exec succeeded" wait_log "execd.service: started, pid"

# As a child subreaper superd inherits orphans: kill the probe's main
# process and its grandchild is reparented to superd, not to init.
child=$(field "$(grep '^child name=probe' "$SVCLOG")" pid)
kill -KILL "$pid"
ok "the main process was replaced after SIGKILL" wait_count "$SVCLOG" "^start name=probe " 2
ok "the orphaned grandchild was stopped with the rest of the group" wait_for 10 gone "$child"
ok "the restart is logged as such" log_has "probe.service: main process killed by SIGKILL"

# superd is a child subreaper: when a unit's main process exits and leaves a
# grandchild behind (one that ignores SIGTERM, so it lingers until the
# SIGKILL), the grandchild is reparented to superd, not to init.
unit orphaner <<EOF
[Service]
Restart=no
ExecStart=$(svc --name orphaner --fork-child --child-ignore-term --run 0.2)
TimeoutStopSec=3s
EOF
kill -TERM "$SD_PID"
wait_superd 20
: >"$LOG"
rm -f "$UNITS/probe.service" "$UNITS/execd.service"
start_superd
ok "orphaner's grandchild is up" wait_svc "^child name=orphaner "
orphan=$(field "$(grep '^child name=orphaner' "$SVCLOG")" pid)
ok "orphaner's main process has exited" wait_svc "^exit name=orphaner "
ppid_is() { [ "$(awk '/^PPid:/ { print $2 }' "/proc/$1/status" 2>/dev/null)" = "$2" ]; }
ok "the orphan was reparented to superd (the subreaper)" wait_for 5 ppid_is "$orphan" "$SD_PID"
ok "the leftover gets KillSignal, then SIGKILL after TimeoutStopSec=" wait_log "orphaner.service: still running 3s after the stop signal; sending SIGKILL" 10
ok "the orphan is gone" wait_for 5 gone "$orphan"
ok "the unit ends inactive once its group is empty" wait_log "orphaner.service: stopped"

stop_superd
is "$SD_STATUS" 0 "clean shutdown"
done_testing
