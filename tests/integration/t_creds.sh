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
ids=$(grep '^ids ' "$SVCLOG")
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
ok "an unknown user is a clear error" wait_log "ghost.service: cannot start: User=no-such-user-superd: no such user"
ok "backed off like a crash" wait_log "ghost.service: restarting in"
ok "the other units run on" svc_has "^start name=healthy "
ok "superd is fine" alive "$SD_PID"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
done_testing
