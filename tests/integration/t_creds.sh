# A unit's credentials and limits (issue 7): as root, a unit runs as nobody
# with the right uid, gids, umask, cwd, limits, nice and no_new_privs; an
# unknown user is a clear error and a backoff, not a crash.
. "$TOP_SRCDIR/tests/integration/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! getent passwd nobody >/dev/null || ! getent group nogroup >/dev/null; then
	echo "ok 1 # SKIP needs root and the nobody user"
	echo "1..1"
	exit 0
fi
chmod 755 "$T"
: >"$SVCLOG"
chmod 666 "$SVCLOG"
# The unit's output goes to a directory its user may write.
mkdir "$T/out"
chown nobody "$T/out"
nobody_uid=$(id -u nobody)
nogroup_gid=$(getent group nogroup | cut -d: -f3)
users_gid=$(getent group users | cut -d: -f3)

unit asnobody <<EOF
[Service]
User=nobody
Group=nogroup
SupplementaryGroups=users
UMask=0027
WorkingDirectory=$T
LimitNOFILE=123:456
Nice=5
NoNewPrivileges=yes
StandardOutput=file:$T/out/nobody.out
ExecStart=$(svc --name asnobody --report-ids --report-cwd --report-env)
EOF
# The unit's own HOME= and USER= win over the user's; LimitCORE= and
# LimitNPROC=; WorkingDirectory=~ without User= is superd's home.
unit ownhome <<EOF
[Service]
User=nobody
Environment=HOME=/srv/app USER=appuser
LimitCORE=1234:5678
LimitNPROC=77:88
ExecStart=$(svc --name ownhome --report-env)
EOF
unit tilde <<EOF
[Service]
WorkingDirectory=~
ExecStart=$(svc --name tilde --report-cwd)
EOF
# The user's own groups from /etc/group come along (initgroups): a user
# made for this test, member of "users".
grouped=
if command -v useradd >/dev/null && getent group users >/dev/null; then
	grouped=sdtest$$
	useradd -M -N -g nogroup -G users -d / -s /usr/sbin/nologin "$grouped" 2>/dev/null || grouped=
fi
if [ -n "$grouped" ]; then
	trap 'userdel "$grouped" 2>/dev/null; _cleanup' EXIT
	unit grouped <<EOF
[Service]
User=$grouped
ExecStart=$(svc --name grouped --report-ids)
EOF
fi
unit ghost <<EOF
[Service]
User=no-such-user-superd
RestartSec=300ms
ExecStart=$(svc --name ghost)
EOF
unit healthy <<EOF
[Service]
ExecStart=$(svc --name healthy)
EOF

start_superd
ok "the unit reported its credentials" wait_svc "^ids "
ids=$(grep "^ids uid=$nobody_uid " "$SVCLOG")
is "$(field "$ids" uid)" "$nobody_uid" "it runs as nobody"
is "$(field "$ids" gid)" "$nogroup_gid" "with Group=nogroup"
ok "with nogroup and SupplementaryGroups=users as its groups, nothing of root's" \
	test "$(field "$ids" groups | tr ',' '\n' | sort -n | tr '\n' ' ')" = "$(printf '%s\n' "$users_gid" "$nogroup_gid" | sort -n | tr '\n' ' ')"
is "$(field "$ids" umask)" 0027 "UMask= is applied"
is "$(field "$ids" nofile)" 123:456 "LimitNOFILE= is applied"
is "$(field "$ids" nice)" 5 "Nice= is applied"
is "$(field "$ids" nnp)" 1 "NoNewPrivileges= is applied"
ok "WorkingDirectory= is its cwd" svc_has "^cwd=$T\$"
ok "USER= is set for User=" svc_has "^env USER=nobody\$"
ok "HOME= is the user's" svc_has "^env HOME=$(getent passwd nobody | cut -d: -f6)\$"
is "$(stat -c %U "$T/out/nobody.out")" nobody "a StandardOutput= file superd creates belongs to the unit's user"
ok "ownhome runs" wait_svc "^start name=ownhome "
is "$(grep -c '^env HOME=' "$SVCLOG" | head -1)" 2 "HOME= is set once for each of the two units that report their environment"
ok "the unit's own HOME= wins over the user's" svc_has "^env HOME=/srv/app\$"
ok "and its own USER=" svc_has "^env USER=appuser\$"
ok "LOGNAME= still comes from User=" wait_for 5 bash -c "[ \$(grep -c '^env LOGNAME=nobody\$' '$SVCLOG') -eq 2 ]"
ownhome=$(pid_of ownhome)
ok "LimitCORE= is applied" grep -Eq '^Max core file size +1234 +5678 ' "/proc/$ownhome/limits"
ok "LimitNPROC= is applied" grep -Eq '^Max processes +77 +88 ' "/proc/$ownhome/limits"
ok "WorkingDirectory=~ without User= is superd's home" wait_svc "^cwd=$HOME\$"
if [ -n "$grouped" ]; then
	ok "a user in /etc/group's users runs" wait_svc "^ids .*"
	gids=$(grep '^ids ' "$SVCLOG" | while read -r line; do
		[ "$(field "$line" uid)" = "$(id -u "$grouped")" ] && field "$line" groups
	done)
	ok "with the groups /etc/group gives it (initgroups): nogroup and users" \
		test "$(echo "$gids" | tr ',' '\n' | sort -n | tr '\n' ' ')" = "$(printf '%s\n' "$users_gid" "$nogroup_gid" | sort -n | tr '\n' ' ')"
else
	skip "the user's own groups" "needs useradd and the users group"
fi
ok "an unknown user is a clear error" wait_log "ghost.service: cannot start: User=no-such-user-superd: no such user"
ok "backed off like a crash" wait_log "ghost.service: restarting in"
# The same cause where operators look: status, show, and a start's answer.
ok "status gives the cause, not just errno" wait_for 10 bash -c "'$SUPERCTL' status ghost | grep -q 'cannot start: User=no-such-user-superd: no such user'"
ok "so does show's Reason=" bash -c "'$SUPERCTL' show ghost | grep -qx 'Reason=cannot start: User=no-such-user-superd: no such user'"
"$SUPERCTL" restart ghost >"$T/ghost.out" 2>&1
ok "and a restart's answer" grep -q "User=no-such-user-superd: no such user" "$T/ghost.out"
ok "the other units run on" svc_has "^start name=healthy "
ok "superd is fine" alive "$SD_PID"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"

# A limit above what superd may set (it lacks CAP_SYS_RESOURCE, as in
# many containers): capped at superd's hard limit, as systemd does,
# instead of failing the start.
rm -f "$UNITS"/*.service
unit capped <<EOF
[Service]
LimitNOFILE=4096:8192
ExecStart=$(svc --name capped --report-ids)
EOF
# A superd that is not root runs a unit of its own user (User= and Group=
# that it already has) as it is, instead of failing to set groups it has.
unit selfuser <<EOF
[Service]
User=nobody
Group=nogroup
ExecStart=$TESTSVC --log $T/self.log --name selfuser --report-ids
EOF
# A setting it may not make fails the start with its cause and is backed off.
unit tooniced <<EOF
[Service]
Nice=-5
RestartSec=300ms
ExecStart=$(svc --name tooniced)
EOF
chmod -R a+rX "$UNITS"
mkdir "$T/nb"
chown nobody "$T/nb"
: >"$T/self.log"
chmod 666 "$T/self.log"
: >"$SVCLOG"
prlimit --nofile=256:1024 setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$SUPERD" -c "$T/superd.conf" -u "$UNITS" -s "$T/nb/sock" >>"$LOG" 2>&1 &
SD_PID=$!
ok "a unit whose limit is above superd's hard limit starts" wait_svc "^ids "
is "$(field "$(grep '^ids ' "$SVCLOG")" nofile)" 1024:1024 "with the limit capped at the hard limit"
ok "a unit with superd's own User= and Group= starts" \
	wait_for 10 grep -q "^ids uid=$nobody_uid gid=$nogroup_gid " "$T/self.log"
ok "Nice= that superd may not set fails the start with its cause" \
	wait_log "tooniced.service: cannot start: setting Nice= failed: Permission denied"
ok "and is backed off" wait_log "tooniced.service: restarting in"
ok "nothing of tooniced ran" bash -c "! grep -q '^start name=tooniced ' '$SVCLOG'"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
done_testing
