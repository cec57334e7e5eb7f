# Units that cannot start: the cause is logged, they back off like a crash
# (never a hot loop), and neither superd nor any other unit suffers.
. "$TOP_SRCDIR/tests/integration/lib.sh"

printf '#!/bin/sh\nexit 0\n' >"$T/not-executable"
chmod 644 "$T/not-executable"

unit healthy <<EOF
[Service]
ExecStart=$(svc --name healthy)
EOF
unit missing <<EOF
[Service]
ExecStart=$T/no-such-binary --flag
RestartSec=0
EOF
unit notinpath <<EOF
[Service]
ExecStart=no-such-command-superd-test
RestartSec=100ms
EOF
unit noexec <<EOF
[Service]
ExecStart=$T/not-executable
RestartSec=100ms
EOF
unit baddir <<EOF
[Service]
ExecStart=$(svc --name baddir)
WorkingDirectory=$T/no-such-dir
RestartSec=100ms
EOF
unit optdir <<EOF
[Service]
ExecStart=$(svc --name optdir --report-cwd)
WorkingDirectory=-$T/no-such-dir
EOF
unit execfail <<EOF
[Service]
Type=exec
Restart=no
ExecStart=$T/no-such-binary
EOF
unit crashloop <<EOF
[Service]
ExecStart=$(svc --name crashloop --run 0 --kill-self 11)
RestartSec=0
EOF

start_superd
ok "the healthy unit runs" wait_svc "^start name=healthy "
healthy=$(pid_of healthy)

ok "a missing binary is reported with its path and cause" wait_log "missing.service: cannot start: executing $T/no-such-binary: No such file or directory"
ok "a name not found in PATH is reported" wait_log "notinpath.service: cannot start: executing no-such-command-superd-test: No such file or directory"
ok "a file that is not executable is reported" wait_log "noexec.service: cannot start: executing $T/not-executable: Permission denied"
ok "a missing WorkingDirectory= is reported" wait_log "baddir.service: cannot start: changing to WorkingDirectory= $T/no-such-dir: No such file or directory"
ok "WorkingDirectory=- ignores a missing directory" wait_svc "^cwd=/"
ok "an exec failure backs off like a crash" wait_log "missing.service: restarting in 200ms"
ok "a Type=exec unit whose exec fails fails with the cause" wait_log "execfail.service: failed: executing $T/no-such-binary: No such file or directory"
ok "a Type=exec unit whose exec fails is never reported started" bash -c "! grep -q 'execfail.service: started' '$LOG'"

# Let the broken units fail for a while: no hot loop, superd stays.
ok "the crash loop keeps being restarted" wait_count "$SVCLOG" "^start name=crashloop " 5 20
ok "the crash by SIGSEGV is logged" log_has "crashloop.service: main process killed by SIGSEGV"
t0=$(date +%s%N)
n0=$(count_in "$LOG" "missing.service: cannot start")
ok "the exec failure reaches the 1.6s step of the backoff" wait_log "missing.service: restarting in 1s 600ms" 20
t1=$(date +%s%N)
n1=$(count_in "$LOG" "missing.service: cannot start")
ok "a unit that cannot exec made few attempts ($((n1 - n0)) in $(((t1 - t0) / 1000000))ms)" test $((n1 - n0)) -le 6
ok "superd is still running" alive "$SD_PID"
is "$(pid_of healthy)" "$healthy" "the healthy unit was never restarted"
ok "the healthy unit's process is alive" alive "$healthy"

stop_superd
is "$SD_STATUS" 0 "clean shutdown despite the broken units"
ok "the healthy unit stopped" gone "$healthy"
done_testing
