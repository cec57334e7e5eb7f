# RuntimeDirectory=, StateDirectory=, LogsDirectory= (issue 7): created before
# the start with their mode, owned by the unit's user, named to the unit in
# RUNTIME_DIRECTORY= and friends; RuntimeDirectory= removed after the stop,
# the others kept.
. "$TOP_SRCDIR/tests/integration/lib.sh"
: "${SUPERCTL:?SUPERCTL must point to the superctl binary}"

if [ "$(id -u)" -ne 0 ] || ! getent passwd nobody >/dev/null; then
	echo "ok 1 # SKIP needs root and the nobody user"
	echo "1..1"
	exit 0
fi
# Names unique to this test run, removed at the end.
name=superd-test-$$
trap 'rm -rf "/run/$name" "/var/lib/$name" "/var/log/$name"; _cleanup' EXIT
chmod 755 "$T"
: >"$SVCLOG"
chmod 666 "$SVCLOG"

unit dirs <<EOF
[Service]
User=nobody
RuntimeDirectory=$name/run
RuntimeDirectoryMode=0750
StateDirectory=$name
LogsDirectory=$name
ExecStart=/bin/sh -c 'touch \$\$RUNTIME_DIRECTORY/sock \$\$STATE_DIRECTORY/state && exec $(svc --name dirs --report-env)'
EOF
unit escape <<EOF
[Service]
RuntimeDirectory=../etc/nope
ExecStart=/bin/true
EOF
"$SUPERD" -c "$T/superd.conf" -u "$UNITS" --check >/dev/null 2>"$T/err"; rc=$?
is "$rc" 78 "a directory that climbs out with '..' is rejected"
ok "naming file and line" grep -q "escape.service:2: error: invalid RuntimeDirectory=../etc/nope" "$T/err"
rm "$UNITS/escape.service"

start_superd
ok "the unit started and used its directories" wait_svc "^start name=dirs "
ok "RuntimeDirectory= exists, named in RUNTIME_DIRECTORY=" svc_has "^env RUNTIME_DIRECTORY=/run/$name/run\$"
ok "StateDirectory= is named in STATE_DIRECTORY=" svc_has "^env STATE_DIRECTORY=/var/lib/$name\$"
ok "LogsDirectory= is named in LOGS_DIRECTORY=" svc_has "^env LOGS_DIRECTORY=/var/log/$name\$"
is "$(stat -c '%a %U' "/run/$name/run")" "750 nobody" "RuntimeDirectory= has its mode and the unit's user"
is "$(stat -c '%a %U' "/var/lib/$name")" "755 nobody" "StateDirectory= too"
ok "the unit, as nobody, could write there" test -e "/run/$name/run/sock" -a -e "/var/lib/$name/state"
"$SUPERCTL" stop dirs
ok "RuntimeDirectory= is removed after the stop" test ! -e "/run/$name/run"
ok "StateDirectory= is kept" test -e "/var/lib/$name/state"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
done_testing
