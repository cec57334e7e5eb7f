# One event loop, no polling: with every unit healthy, superd does not wake
# up at all. Measured as superd's context switches over an observation
# window (a process blocked in epoll_wait makes none); the window is what is
# measured, not a synchronisation.
. "$TOP_SRCDIR/tests/integration/lib.sh"

for i in $(seq 1 50); do
	unit "idle$i" <<EOF
[Service]
ExecStart=$(svc --name "idle$i")
EOF
done
start_superd
ok "all 50 units are up" wait_count "$SVCLOG" "^start name=idle" 50 20
ok "every start was logged" wait_count "$LOG" "started, pid" 50
switches() { awk '/ctxt_switches/ { n += $2 } END { print n }' "/proc/$SD_PID/status"; }
before=$(switches)
sleep 2
after=$(switches)
is "$((after - before))" 0 "superd did not wake up once in 2 s with 50 healthy units"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
done_testing
