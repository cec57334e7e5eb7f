# The example configuration in etc/ is what the README's run command uses:
# it must be valid without a single warning, and its units must run.
. "$TOP_SRCDIR/tests/integration/lib.sh"

ETC=$TOP_SRCDIR/etc
"$SUPERD" -c "$ETC/superd.conf" -u "$ETC/units" --check --strict >"$T/out" 2>"$T/err"; rc=$?
is "$rc" 0 "etc/ passes --check --strict"
is "$(cat "$T/err")" "" "with no warning at all"

"$SUPERD" -c "$ETC/superd.conf" -u "$ETC/units" -s "$SOCK" >>"$LOG" 2>&1 &
SD_PID=$!
ok "clock.service starts" wait_log "clock.service: started"
ok "worker.service starts after the clock is ready" wait_log "worker.service: started"
ok "once-off.service, pulled in by Wants=, runs" wait_log "once-off: this runs once"
ok "the clock prints" wait_log "^clock: [0-9]"
ok "the worker expands its environment" wait_log "hello from worker one (#1)"
clock_line=$(grep -n "clock.service: started" "$LOG" | head -n 1 | cut -d: -f1)
worker_line=$(grep -n "worker.service: started" "$LOG" | head -n 1 | cut -d: -f1)
ok "the clock was started before the worker" test "$clock_line" -lt "$worker_line"
ok "flaky.service fails and is restarted with backoff" wait_log "flaky.service: restarting in 1s" 15
stop_superd
is "$SD_STATUS" 0 "superd on etc/ shuts down cleanly"
ok "the worker is stopped before the clock it needs" bash -c "[ \$(grep -n 'worker.service: stopped' '$LOG' | cut -d: -f1) -lt \$(grep -n 'clock.service: stopped' '$LOG' | cut -d: -f1) ]"
done_testing
