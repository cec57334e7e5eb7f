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
trap 'rm -rf "/run/$name" "/var/lib/$name" "/var/log/$name" "/var/lib/$name-m" "/var/log/$name-m" "/run/$name-x" "/var/lib/$name-x"; _cleanup' EXIT
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
# ${RUNTIME_DIRECTORY} and ${STATE_DIRECTORY} expand in Exec lines, as in
# systemd, to the paths the unit is given.
unit expand <<EOF
[Service]
Type=oneshot
RemainAfterExit=yes
RuntimeDirectory=$name-x
StateDirectory=$name-x
ExecStart=/usr/bin/touch \${RUNTIME_DIRECTORY}/made-by-expansion \${STATE_DIRECTORY}/made-too
EOF
unit modes <<EOF
[Service]
User=nobody
StateDirectory=$name-m/state
StateDirectoryMode=0710
LogsDirectory=$name-m/logs
LogsDirectoryMode=0700
ExecStart=$(svc --name modes)
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
is "$(stat -c '%a %U' "/var/log/$name")" "755 nobody" "LogsDirectory= too"
ok "the unit, as nobody, could write there" test -e "/run/$name/run/sock" -a -e "/var/lib/$name/state"
ok "\${RUNTIME_DIRECTORY} in ExecStart= is the unit's runtime directory" wait_for 10 test -e "/run/$name-x/made-by-expansion"
ok "\${STATE_DIRECTORY} its state directory" test -e "/var/lib/$name-x/made-too"
ok "the unit with directory modes started" wait_svc "^start name=modes "
is "$(stat -c '%a %U' "/var/lib/$name-m/state")" "710 nobody" "StateDirectoryMode= is applied"
is "$(stat -c '%a %U' "/var/log/$name-m/logs")" "700 nobody" "LogsDirectoryMode= too"
is "$(stat -c '%a %U' "/var/lib/$name-m")" "755 root" "a parent superd creates stays root's"

# The unit's user owns /var/lib/$name: it could put a link there where
# superd will next make a directory. superd must not chown or chmod what
# the link points to.
: >"$T/victim"
chmod 600 "$T/victim"
setpriv --reuid=nobody --regid=nogroup --clear-groups ln -s "$T/victim" "/var/lib/$name/sub"
unit linky <<EOF
[Service]
User=nobody
AutoStart=no
StateDirectory=$name/sub
ExecStart=$(svc --name linky)
EOF
"$SUPERCTL" reload >/dev/null
"$SUPERCTL" start linky >/dev/null 2>&1; rc=$?
is "$rc" 1 "a directory that is a link planted by the unit's user fails the start"
ok "with the cause" wait_log "linky.service: cannot start: cannot create /var/lib/$name/sub: Not a directory"
is "$(stat -c '%a %U' "$T/victim")" "600 root" "and the file the link points to is untouched"
"$SUPERCTL" stop linky >/dev/null 2>&1
# What the unit's user leaves in its RuntimeDirectory= goes with it, a
# tree of directories too; a link in it is removed, never followed.
mkdir -p "$T/keep"
: >"$T/keep/precious"
setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c \
	"mkdir -p /run/$name/run/a/b/c && touch /run/$name/run/a/b/c/f /run/$name/run/a/g && ln -s '$T/keep' /run/$name/run/a/link"
"$SUPERCTL" stop dirs
ok "RuntimeDirectory= is removed after the stop" test ! -e "/run/$name/run"
ok "with the tree inside it" test ! -e "/run/$name/run/a/b/c/f"
ok "and what a link in it pointed to is untouched" test -e "$T/keep/precious"
ok "StateDirectory= is kept" test -e "/var/lib/$name/state"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"

# Not root: the directories go below the XDG ones of superd's user.
rm -f "$UNITS"/*.service
unit xdg <<EOF
[Service]
RuntimeDirectory=app
StateDirectory=app
LogsDirectory=app
ExecStart=$(svc --name xdg --report-env)
EOF
chmod -R a+rX "$UNITS"
mkdir -p "$T/home/run" "$T/home/state"
chown -R nobody "$T/home"
: >"$SVCLOG"
HOME=$T/home XDG_RUNTIME_DIR=$T/home/run XDG_STATE_HOME=$T/home/state \
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$SUPERD" -c "$T/superd.conf" -u "$UNITS" -s "$T/home/sock" >>"$LOG" 2>&1 &
SD_PID=$!
ok "as nobody, the unit starts" wait_svc "^start name=xdg "
ok "RuntimeDirectory= is below XDG_RUNTIME_DIR" svc_has "^env RUNTIME_DIRECTORY=$T/home/run/app\$"
ok "StateDirectory= below XDG_STATE_HOME" svc_has "^env STATE_DIRECTORY=$T/home/state/app\$"
ok "LogsDirectory= below XDG_STATE_HOME/log" svc_has "^env LOGS_DIRECTORY=$T/home/state/log/app\$"
ok "and they exist" test -d "$T/home/run/app" -a -d "$T/home/state/app" -a -d "$T/home/state/log/app"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
ok "RuntimeDirectory= is removed at the end" test ! -e "$T/home/run/app"
done_testing
