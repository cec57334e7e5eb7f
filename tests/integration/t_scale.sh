# Designed for 10,000 units: a chain of 10,000 After= units needs no deep
# stack, 1,500 real units start under a small stack and a low open-file
# limit, and children get the file limit superd found, not its raised one.
. "$TOP_SRCDIR/tests/integration/lib.sh"

# 10,000 units in one After= chain, each skipped by its condition: every
# skip lets the next one try. Under an 8 MiB stack a recursive design
# overflows here.
mkdir -p "$T/chain"
for i in $(seq 1 10000); do
	if [ "$i" -eq 1 ]; then
		printf '[Unit]\nConditionPathExists=%s/nope\n[Service]\nExecStart=/bin/true\n' "$T" >"$T/chain/c$i.service"
	else
		printf '[Unit]\nAfter=c%d\nConditionPathExists=%s/nope\n[Service]\nExecStart=/bin/true\n' $((i - 1)) "$T" >"$T/chain/c$i.service"
	fi
done
"$SUPERD" -c "$T/superd.conf" -u "$T/chain" -s "$SOCK" >>"$LOG" 2>&1 &
SD_PID=$!
ok "the last of 10,000 chained units is reached" wait_log "c10000.service: start skipped" 120
ok "superd is alive" alive "$SD_PID"
stop_superd 60
is "$SD_STATUS" 0 "and shuts down cleanly"
: >"$LOG"

# 1,500 real processes, each ordered after the previous, with a 256 KiB
# stack and 512 open files: superd raises its own file limit and starts
# units in batches, so no spawn fails for want of descriptors.
mkdir -p "$T/many"
for i in $(seq 1 1500); do
	if [ "$i" -eq 1 ]; then
		printf '[Service]\nExecStart=/bin/sh -c "ulimit -n > %s/nofile; exec sleep 1000000"\n' "$T" >"$T/many/m$i.service"
	else
		printf '[Unit]\nAfter=m%d\n[Service]\nExecStart=@/bin/sleep %s/sleep 1000000\n' $((i - 1)) "$T" >"$T/many/m$i.service"
	fi
done
(ulimit -s 256 -n 512 && exec "$SUPERD" -c "$T/superd.conf" -u "$T/many" -s "$SOCK" -q) >>"$LOG" 2>&1 &
SD_PID=$!
running() { [ "$(pgrep -c -P "$SD_PID")" -ge "$1" ]; }
ok "all 1,500 units are running" wait_for 120 running 1500
ok "no spawn failed" bash -c "! grep -q 'cannot' '$LOG'"
is "$(cat "$T/nofile")" 512 "a unit gets the open-file limit superd was started with"
stop_superd 60
is "$SD_STATUS" 0 "1,500 units stop cleanly"
is "$(pgrep -c -f "^$T/sleep")" 0 "none of them is left"
done_testing
