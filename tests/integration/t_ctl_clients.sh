# The control socket under bad and many clients: oversized, silent,
# half-closed and random requests are answered or dropped while other
# clients are served at once; 200 clients connected at once are all
# answered; a client that never reads its replies blocks nobody; socat can
# drive the protocol.
. "$TOP_SRCDIR/tests/integration/lib.sh"
: "${SUPERCTL:?SUPERCTL must point to the superctl binary}"
sc() { "$SUPERCTL" "$@"; }
raw() { socat -t 5 - "UNIX-CONNECT:$SOCK"; } # one connection, stdin to socket
# raw_closed: as raw, but fails (124) unless superd closes the connection
# within 2 s (scaled): socat -t 5 alone would pass a superd that never did.
quick=$(awk -v k="$TEST_TIMEOUT_SCALE" 'BEGIN { printf "%d", 2 * k + 0.5 }')
raw_closed() { timeout "$quick" socat -t 5 - "UNIX-CONNECT:$SOCK"; }

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
head -c 5000 /dev/zero | tr '\0' 'a' | raw_closed >"$T/out"
is "$?" 0 "superd closes the connection of an oversized request at once"
ok "a request over 4096 bytes gets ERR 2" grep -q "^ERR 2 request longer than 4096 bytes" "$T/out"
# Exactly at the limit (4095 bytes and the newline) is still a request.
{ printf 'status'; head -c 4089 /dev/zero | tr '\0' ' '; printf '\n'; } | raw >"$T/out"
ok "a request of exactly 4096 bytes is served" grep -qx OK "$T/out"

# Binary garbage in lines: an error for each, superd unharmed.
printf '\377\376\001garbage\n\177\033[2J\n\x80\x81 status\n' | raw >"$T/out"
ok "lines of binary garbage get ERR 2" grep -q '^ERR 2 ' "$T/out"
is "$(grep -c '^ERR 2 ' "$T/out")" 3 "one ERR 2 for each of the 3 lines"
ok "and never OK" bash -c "! grep -q '^OK' '$T/out'"
printf 'bogus-verb with args\n' | raw >"$T/out"
ok "an unknown verb gets ERR 2" grep -qx "ERR 2 unknown verb" "$T/out"
printf '\001\002status\n' | raw >"$T/out"
ok "control characters get ERR 2" grep -qx "ERR 2 malformed request" "$T/out"
# A NUL byte too: read as the end of the line, it would run another
# request than the one sent (here "health", which answers OK).
printf 'health\000 nosuch extra\n' | raw >"$T/out"
ok "a NUL byte in a request gets ERR 2" grep -qx "ERR 2 malformed request" "$T/out"
ok "and never runs what comes before it" bash -c "! grep -q '^OK' '$T/out'"

# Half a line, then the client closes: dropped silently.
printf 'stat' | raw_closed >"$T/out"
is "$?" 0 "half a request then a half close: superd closes the connection at once"
is "$(cat "$T/out")" "" "half a request then close: no answer, no harm"

# superctl's exit codes that need no unit to be running.
sc start ghost 2>/dev/null; is "$?" 4 "start of an unknown unit exits 4"
sc stop ghost 2>/dev/null; is "$?" 4 "stop of an unknown unit exits 4"
for v in status show start stop restart reload kill is-active health shutdown version help; do
	sc "$v" --help >/dev/null || echo "# $v --help failed"
done >"$T/help"
is "$(cat "$T/help")" "" "VERB --help exits 0 for every verb"
if command -v perl >/dev/null; then
	# A socket file nobody listens on any longer: connect gets ECONNREFUSED.
	perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Local => $ARGV[0], Listen => 1) or die "$!"' "$T/stale.sock"
	sc -s "$T/stale.sock" health 2>/dev/null; is "$?" 69 "superctl exits 69 on a stale socket (ECONNREFUSED)"
else
	skip "superctl exits 69 on a stale socket (ECONNREFUSED)" "perl is not installed"
fi

# The sockets superd holds (listener and clients), from its fd table.
nsock() { ls -l "/proc/$SD_PID/fd" 2>/dev/null | grep -c 'socket:\['; }
has_nsock() { [ "$(nsock)" -ge "$1" ]; }
nsock_is() { [ "$(nsock)" -eq "$1" ]; }
# A deadline for one prompt answer, scaled like wait_for's.
prompt=$(awk -v k="$TEST_TIMEOUT_SCALE" 'BEGIN { printf "%d", 3 * k + 0.5 }')
base=$(nsock)
ok "superd's fd table shows its listening socket ($base sockets)" test "$base" -ge 1

# client.pl SOCKET N TEXT STATE: a client that connects, sends TEXT N times
# and never reads; until it is killed it writes to STATE how much of what
# it sent superd has not read yet (SIOCOUTQ) and how many bytes of replies
# wait unread in its socket (FIONREAD). perl-base is part of every Debian.
cat >"$T/client.pl" <<'PL'
use strict;
use IO::Socket::UNIX;
my ($path, $n, $text, $state) = @ARGV;
my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $path) or die "connect: $!";
$s->autoflush(1);
print $s $text x $n;
for (;;) {
	my ($out, $in) = (pack("i", 0), pack("i", 0));
	ioctl($s, 0x5411, $out) or die "SIOCOUTQ: $!";
	ioctl($s, 0x541B, $in) or die "FIONREAD: $!";
	open(my $f, ">", "$state.tmp") or die "$state.tmp: $!";
	printf $f "%d %d\n", unpack("i", $out), unpack("i", $in);
	close($f);
	rename("$state.tmp", $state);
	select(undef, undef, undef, 0.02);
}
PL
have_perl=$(command -v perl >/dev/null && echo yes)
# unread STATE: superd has read everything that client sent.
unread_by_superd() { local out in; read -r out in <"$1" && [ "$out" -eq 0 ]; }

# Silent clients that hold their connection open, and a client that sends
# half a line and stalls: none of them delays anyone else. socat with
# ignoreeof never half-closes, so the connections stay open until killed.
held=
for i in 1 2 3 4 5; do
	socat -u OPEN:/dev/null,ignoreeof "UNIX-CONNECT:$SOCK" &
	held="$held $!"
done
if [ -n "$have_perl" ]; then
	perl "$T/client.pl" "$SOCK" 1 sta "$T/stalled.state" &
	held="$held $!"
	ok "superd has accepted all 6 silent and stalled clients" wait_for 10 has_nsock $((base + 6))
	ok "and has read the stalled client's half line" wait_for 10 unread_by_superd "$T/stalled.state"
else
	ok "superd has accepted all 5 silent clients" wait_for 10 has_nsock $((base + 5))
	skip "and has read the stalled client's half line" "perl is not installed"
fi
ok "superd logs nothing alarming about them" bash -c "! grep -Eq 'error|Sanitizer' '$LOG'"
nheld=$(echo $held | wc -w)
timeout "$prompt" "$SUPERCTL" status web >"$T/out"
is "$?" 0 "status is answered at once while silent and stalled clients are connected"
ok "with the unit's data" grep -q '^web\.service ' "$T/out"
is "$(nsock)" $((base + nheld)) "the silent and stalled clients are still connected"
kill $held
for p in $held; do wait "$p" 2>/dev/null; done
ok "superd closes the connections of clients that leave" wait_for 10 nsock_is "$base"

# 200 clients at once: all 200 connect and wait at a lock (the test holds
# it), so that their requests all arrive together once it is released.
exec 9>"$T/go.lock"
flock -x 9
pids=
for i in $(seq 1 200); do
	{ flock -s "$T/go.lock" true; printf 'status web\n'; } 9>&- |
		socat -t 30 - "UNIX-CONNECT:$SOCK" >"$T/reply.$i" 2>/dev/null 9>&- &
	pids="$pids $!"
done
ok "200 clients are connected at once" wait_for 60 has_nsock $((base + 200))
ok "none of them has had an answer yet" test -z "$(cat "$T"/reply.*)"
flock -u 9
exec 9>&-
for p in $pids; do wait "$p"; done
good=0
for i in $(seq 1 200); do
	grep -qx 'Name=web.service' "$T/reply.$i" && [ "$(tail -n 1 "$T/reply.$i")" = OK ] &&
		good=$((good + 1))
done
is "$good" 200 "200 concurrent clients each got a complete answer ending in OK"

# A client that pipelines thousands of requests and never reads: superd
# keeps what the socket cannot take, and meanwhile serves everyone else
# and supervises.
reply=$(printf 'status\n' | raw | wc -c)
# Far more than a socket holds, even where the default buffer is raised.
wmem=$(cat /proc/sys/net/core/wmem_default 2>/dev/null || echo 212992)
nreq=$((4 * wmem / reply))
[ "$nreq" -ge 3000 ] || nreq=3000
# superd has read every request, so it has made every reply (it answers
# what it reads at once), but fewer bytes than that reached the client:
# superd holds the rest.
held_back() {
	local out in
	read -r out in <"$T/hog.state" && [ "$out" -eq 0 ] && [ "$in" -gt 0 ] &&
		[ "$in" -lt $((nreq * reply)) ]
}
if [ -n "$have_perl" ]; then
	perl "$T/client.pl" "$SOCK" "$nreq" $'status\n' "$T/hog.state" &
	hog=$!
	ok "superd holds replies a client does not read ($nreq x $reply bytes asked)" wait_for 20 held_back
	timeout "$prompt" "$SUPERCTL" health
	is "$?" 0 "health is answered at once meanwhile"
	timeout "$prompt" "$SUPERCTL" status web >/dev/null
	is "$?" 0 "so is status"
	web=$(pid_of web)
	kill -KILL "$web"
	ok "a unit that crashes meanwhile is restarted" wait_count "$SVCLOG" "^start name=web " 2
	is "$(nsock)" $((base + 1)) "all that while superd kept the client's connection"
	ok "and the client still had not read the replies" held_back
else
	for d in "superd holds replies a client does not read" \
		"health is answered at once meanwhile" "so is status" \
		"a unit that crashes meanwhile is restarted" \
		"all that while superd kept the client's connection" \
		"and the client still had not read the replies"; do
		skip "$d" "perl is not installed"
	done
fi

ok "superd is still running" alive "$SD_PID"
stop_superd
is "$SD_STATUS" 0 "clean shutdown with a client that does not read"
[ -n "${hog:-}" ] && kill "$hog" 2>/dev/null

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

# A client that goes away while its start waits is dropped at once (the
# job goes on), even for a unit that never becomes ready; one that only
# shuts down its sending side, as socat does, still gets its answers.
unit nr <<EOF
[Service]
Type=notify
TimeoutStartSec=infinity
AutoStart=no
ExecStart=$(svc --name nr)
EOF
unit slowready <<EOF
[Service]
Type=notify
AutoStart=no
ExecStart=$(svc --name slowready --notify READY=1 --notify-delay 1.5 --term-exit 0)
EOF
: >"$LOG"
start_superd
ok "superd answers" wait_for 10 sc health
sc start --no-block nr; is "$?" 0 "start --no-block of a unit that never becomes ready"
ok "nr is running" wait_svc "^start name=nr "
nfd() { ls "/proc/$SD_PID/fd" 2>/dev/null | wc -l; }
nfd_is() { [ "$(nfd)" -eq "$1" ]; }
fds=$(nfd)
for i in $(seq 1 20); do
	timeout 0.2 "$SUPERCTL" start nr
done
ok "superd drops the 20 clients that left while their start waited ($fds fds)" wait_for 10 nfd_is "$fds"
ok "and logs it" log_has "left before its answer; its job goes on"
is "$(sc is-active nr; echo $?)" "3" "nr is still starting"
is "$(printf 'status nr\n' | raw | tail -n 1)" "ERR 3 nr.service is starting" \
	"status of a named unit that is not ready ends in ERR 3 on the wire, as superd(8) says"
ok "superd is still running" alive "$SD_PID"
printf 'start slowready\nis-active slowready\n' |
	timeout 5 socat -t 10 - "UNIX-CONNECT:$SOCK" >"$T/half"
is "$?" 0 "a half-closed client of a blocking start waits for its answers"
is "$(cat "$T/half")" "$(printf 'OK\nOK')" "and gets OK for the start and for the request after it"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
done_testing
