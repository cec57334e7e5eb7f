# The control socket under bad and many clients: oversized, silent,
# half-closed and random requests are answered or dropped while other
# clients are served at once; 200 concurrent clients are all answered;
# socat can drive the protocol.
. "$TOP_SRCDIR/tests/integration/lib.sh"
: "${SUPERCTL:?SUPERCTL must point to the superctl binary}"
sc() { "$SUPERCTL" "$@"; }
raw() { socat -t 5 - "UNIX-CONNECT:$SOCK"; } # one connection, stdin to socket

unit web <<EOF
[Unit]
Description=web
[Service]
ExecStart=$(svc --name web)
EOF
start_superd
ok "superd answers" wait_for 10 sc health

# socat speaks the protocol as documented in superd(8).
printf 'version\nstatus web\n' | raw >"$T/out"
ok "two requests on one connection get two answers" test "$(grep -c '^OK$' "$T/out")" -eq 2
ok "the data lines are Key=Value" grep -qx "Name=web.service" "$T/out"
printf 'status  web.service \r\n' | raw >"$T/out"
ok "extra spaces and a CRLF line end are accepted" grep -qx OK "$T/out"

# An oversized request: an error, then the connection is closed.
head -c 5000 /dev/zero | tr '\0' 'a' | raw >"$T/out"
ok "a request over 4096 bytes gets ERR 2" grep -q "^ERR 2 request longer than 4096 bytes" "$T/out"
# Exactly at the limit (4095 bytes and the newline) is still a request.
{ printf 'status'; head -c 4089 /dev/zero | tr '\0' ' '; printf '\n'; } | raw >"$T/out"
ok "a request of exactly 4096 bytes is served" grep -qx OK "$T/out"

# Random bytes: an error, superd unharmed.
head -c 3000 /dev/urandom | raw >"$T/out"
ok "random bytes get an ERR answer or are dropped" bash -c "! grep -q '^OK' '$T/out'"
printf 'bogus-verb with args\n' | raw >"$T/out"
ok "an unknown verb gets ERR 2" grep -qx "ERR 2 unknown verb" "$T/out"
printf '\001\002status\n' | raw >"$T/out"
ok "control characters get ERR 2" grep -qx "ERR 2 malformed request" "$T/out"

# Half a line, then the client closes: dropped silently.
printf 'stat' | raw >"$T/out"
is "$(cat "$T/out")" "" "half a request then close: no answer, no harm"

# Silent clients that hold their connection open, and a client that sends
# half a line and stalls: none of them delays anyone else.
for i in 1 2 3 4 5; do
	sleep 30 | socat -u - "UNIX-CONNECT:$SOCK" &
done
(printf 'sta'; sleep 30) | socat -u - "UNIX-CONNECT:$SOCK" &
t0=$(date +%s%N)
sc status web >"$T/out"; rc=$?
el=$((($(date +%s%N) - t0) / 1000000))
is "$rc" 0 "status answers while silent and stalled clients are connected"
ok "and is served at once (${el} ms)" test "$el" -lt 2000
ok "superd logs nothing alarming about them" bash -c "! grep -Eq 'error|Sanitizer' '$LOG'"

# 200 concurrent clients, every one answered.
for i in $(seq 1 200); do
	(sc status web >/dev/null 2>&1; echo $? >"$T/rc.$i") &
done
wait_for 60 bash -c "[ \$(ls '$T' | grep -c '^rc\.') -eq 200 ]"
is "$(cat "$T"/rc.* | grep -c '^0$')" 200 "200 concurrent clients all got an answer and exit 0"

# A client that asks for a lot and never reads does not block the loop.
(printf 'status\n'; for i in $(seq 1 2000); do printf 'status web\n'; done; sleep 30) |
	socat -u - "UNIX-CONNECT:$SOCK" &
sc health; is "$?" 0 "a client that does not read its replies blocks nobody"

ok "superd is still running" alive "$SD_PID"
stop_superd

# The idle deadline (shortened here) drops a silent client with an answer,
# but never a client whose job superd is still working on.
unit slowstop <<EOF
[Service]
ExecStart=$(svc --name slowstop --term-delay 2.5 --term-exit 0)
EOF
: >"$LOG"
SUPERD_CTL_IDLE_SEC=1 start_superd
ok "superd answers" wait_for 10 sc health
(sleep 4 | socat -t 5 - "UNIX-CONNECT:$SOCK") >"$T/idle" &
ok "slowstop is up" wait_svc "^start name=slowstop "
sc stop slowstop; is "$?" 0 "a stop that takes longer than the idle deadline is still answered"
ok "the silent client was dropped with an answer" wait_for 10 grep -q "^ERR 2 no complete request within 1 s; closing" "$T/idle"
sc start web; ok "superd is still running" alive "$SD_PID"
stop_superd
is "$SD_STATUS" 0 "clean shutdown with clients still connected"
done_testing
