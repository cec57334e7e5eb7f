# A real third-party daemon from Debian that speaks sd_notify itself, as a
# Type=notify unit: redis-server --supervised systemd sends READY=1 and
# STATUS= through the NOTIFY_SOCKET superd gives it.
. "$TOP_SRCDIR/tests/integration/lib.sh"
: "${SUPERCTL:?SUPERCTL must point to the superctl binary}"
sc() { "$SUPERCTL" "$@"; }

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
	echo "ok 1 # SKIP redis-server is not installed (tests/ci.sh installs it)"
	echo "1..1"
	exit 0
fi

unit redis <<EOF
[Unit]
Description=Redis, speaking sd_notify itself
[Service]
Type=notify
AutoStart=no
TimeoutStartSec=20s
ExecStart=/usr/bin/redis-server --port 0 --unixsocket $T/redis.sock --supervised systemd --daemonize no --save "" --appendonly no --dir $T
EOF

start_superd
ok "superd answers" wait_for 10 bash -c "'$SUPERCTL' version >/dev/null"
sc start redis; rc=$?
is "$rc" 0 "superctl start of redis returns 0"
ok "the start waited for redis's own READY=1" log_has "redis.service: ready (READY=1)"
ok "redis answers on its socket when start has returned" bash -c "redis-cli -s '$T/redis.sock' ping | grep -qx PONG"
sc status redis >"$T/out"
ok "redis's STATUS= shows in superctl status" grep -qi "ready to accept connections" "$T/out"
pid=$(sc show redis | sed -n 's/^MainPID=//p')
sc stop redis; is "$?" 0 "superctl stop of redis"
ok "redis is gone" gone "$pid"
ok "and exited by itself on SIGTERM" bash -c "! grep -q 'redis.service: still running' '$LOG'"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
done_testing
