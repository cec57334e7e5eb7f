# superd --check: every problem as FILE:LINE: message; exit 0 or 78.
. "$TOP_SRCDIR/tests/integration/lib.sh"

check() { "$SUPERD" -c "$T/superd.conf" -u "$UNITS" --check "$@" >"$T/out" 2>"$T/err"; }

unit good <<EOF
[Unit]
Description=A good unit
[Service]
ExecStart=$(svc --name good)
EOF
check; rc=$?
is "$rc" 0 "a valid configuration passes --check"
ok "--check says how many units it checked" grep -q 'configuration valid: 1 unit' "$T/out"
ok "nothing was started by --check" test ! -e "$SVCLOG"

unit typo <<EOF
[Unit]
Description=has a typo
[Service]
ExecStart=/bin/true
RestartSex=5s
EOF
check; rc=$?
is "$rc" 0 "an unknown key is only a warning"
ok "the unknown key is reported with FILE:LINE" grep -q "units/typo.service:5: warning: unknown key RestartSex=" "$T/err"
check --strict; rc=$?
is "$rc" 78 "--strict makes an unknown key an error (exit 78)"
ok "under --strict it is reported as an error" grep -q "units/typo.service:5: error: unknown key RestartSex=" "$T/err"
rm "$UNITS/typo.service"

unit distro <<EOF
[Unit]
Description=as a distribution ships it
Documentation=man:distro(8)
After=network.target network-online.target
Wants=network-online.target

[Service]
ExecStart=/bin/true
NotifyAccess=exec
ProtectSystem=full
ProtectSystem=strict
PrivateTmp=yes
KillMode=control-group
Restart=on-abort
[Install]
WantedBy=multi-user.target
EOF
unit distro2 <<EOF
[Service]
ExecStart=/bin/true
KillMode=none
Restart=on-watchdog
EOF
check; rc=$?
is "$rc" 0 "a systemd unit with sandboxing keys loads"
ok "KillMode=control-group is accepted quietly" bash -c "! grep -q 'distro.service:13' '$T/err'"
ok "Restart=on-abort is accepted" bash -c "! grep -q 'distro.service:14' '$T/err'"
ok "KillMode=none warns that it runs as KillMode=process" \
	grep -q "distro2.service:3: warning: KillMode=none is run as KillMode=process" "$T/err"
ok "Restart=on-watchdog is accepted" bash -c "! grep -q 'distro2.service:4' '$T/err'"
is "$(grep -c 'ProtectSystem= is a systemd setting superd does not implement' "$T/err")" 1 "an ignored systemd key warns once, even when repeated"
ok "PrivateTmp= gets its own warning" grep -q "distro.service:12: warning: PrivateTmp= is a systemd setting" "$T/err"
ok "systemd's NotifyAccess=exec is accepted" bash -c "! grep -q NotifyAccess '$T/err'"
ok "network.target is ignored with a notice" grep -q "distro.service:4: notice: After=network.target: not a service" "$T/err"
ok "[Install] keys are silent" bash -c "! grep -q WantedBy '$T/err'"
check --strict; rc=$?
is "$rc" 0 "--strict does not reject recognised systemd keys"
rm "$UNITS/distro.service" "$UNITS/distro2.service"

unit bad <<EOF
[Unit]
Description=many problems
[Service]
ExecStart=/bin/true
RestartSec=soon
Restart=sometimes
KillSignal=SIGFOO
this line has no equals sign
TimeoutStopSec=1min 30s
EOF
unit empty <<EOF
[Unit]
Description=nothing to run
[Service]
Restart=always
EOF
check; rc=$?
is "$rc" 78 "invalid values make --check exit 78"
ok "a bad duration names file and line" grep -q "units/bad.service:5: error: invalid RestartSec=soon" "$T/err"
ok "a bad enum lists what is allowed" grep -q "units/bad.service:6: error: invalid Restart=sometimes: expected one of no, always" "$T/err"
ok "a bad signal names file and line" grep -q "units/bad.service:7: error: invalid KillSignal=SIGFOO" "$T/err"
ok "a line without '=' names file and line" grep -q "units/bad.service:8: error: expected 'Key=Value'" "$T/err"
ok "a missing ExecStart= is an error in the other file too" grep -q "units/empty.service:3: error: missing ExecStart=" "$T/err"
ok "a valid duration with spaces is accepted" bash -c "! grep -q 'bad.service:9' '$T/err'"
ok "the summary counts the errors" grep -q "configuration invalid: 5 error(s)" "$T/err"

# A broken configuration never starts: exit 78 at start, nothing runs.
start_superd
wait_superd 10
is "$SD_STATUS" 78 "superd refuses to start on an invalid configuration (exit 78)"
ok "the errors are logged with FILE:LINE" grep -q "superd: error: .*units/bad.service:5: invalid RestartSec=soon" "$LOG"
ok "no unit was started" test ! -e "$SVCLOG"
rm "$UNITS/bad.service" "$UNITS/empty.service"

# a after b, b after c, and a before c: a -> c -> b -> a.
unit a <<EOF
[Unit]
After=b
Before=c
[Service]
ExecStart=/bin/true
EOF
unit b <<EOF
[Unit]
After=c.service
[Service]
ExecStart=/bin/true
EOF
unit c <<EOF
[Service]
ExecStart=/bin/true
EOF
check; rc=$?
is "$rc" 78 "an ordering cycle is a configuration error"
ok "the cycle is named unit by unit" grep -Eq "error: ordering cycle: ([abc])\.service -> [abc]\.service -> [abc]\.service -> \1\.service" "$T/err"
is "$(grep -c 'ordering cycle' "$T/err")" 1 "the cycle is reported once"
rm "$UNITS/a.service" "$UNITS/b.service" "$UNITS/c.service"

unit needy <<EOF
[Unit]
Requires=ghost
After=phantom
[Service]
ExecStart=/bin/true
EOF
unit 'tmpl@' <<EOF
[Service]
ExecStart=/bin/true
EOF
unit odd <<EOF
[Unit]
Description=unknown section
[Vendor]
Foo=bar
[Service]
ExecStart=/bin/true
X-Vendor-Hint=1
StandardError=syslog
[X-Vendor]
Foo=bar
EOF
check; rc=$?
is "$rc" 0 "missing dependencies, templates and vendor sections are warnings"
ok "a missing Requires= unit is a warning naming the consequence" grep -q "needy.service:2: warning: Requires=ghost.service: no such unit; needy.service cannot start" "$T/err"
ok "a missing After= unit is a warning" grep -q "needy.service:3: warning: After=phantom.service: no such unit; ignored" "$T/err"
ok "a template unit is skipped with a warning" grep -q "tmpl@.service: warning: template units are not supported yet" "$T/err"
ok "an unknown section is a warning with its line" grep -q "odd.service:3: warning: unknown section \[Vendor\]" "$T/err"
ok "X- keys and [X-] sections are extensions, passed over in silence (as systemd)" bash -c "! grep -q 'X-Vendor' '$T/err'"
ok "StandardError=syslog is taken as journal, with a notice" grep -q "odd.service:8: notice: StandardError=syslog is taken as StandardError=journal, as systemd does" "$T/err"
rm "$UNITS/needy.service" "$UNITS/tmpl@.service" "$UNITS/odd.service"

# A malformed Environment= never repeats its value: it may be a secret.
unit secret <<EOF
[Service]
ExecStart=/bin/true
Environment="API_KEY=hunter2-very-secret
EOF
check; rc=$?
is "$rc" 78 "a malformed Environment= is an error"
ok "the error names file and line" grep -q "secret.service:3: error: invalid Environment=: unterminated double quote" "$T/err"
ok "the error does not repeat the value" bash -c "! grep -q hunter2 '$T/err' '$T/out'"
rm "$UNITS/secret.service"

# A NUL byte would cut the value: "echo a" would pass and run.
printf '[Service]\nExecStart=/bin/echo a\0b c\n' >"$UNITS/nul.service"
check; rc=$?
is "$rc" 78 "a NUL byte in a unit file fails --check"
ok "it is named with FILE:LINE" grep -q "nul.service:2: error: NUL byte in line" "$T/err"
rm "$UNITS/nul.service"

# systemd's aliases (a symbolic link to a unit file of the same directory)
# and drop-in directories. An alias would run the program twice: it is
# skipped, with a notice; a link to a file elsewhere is a unit of its own.
# A drop-in directory gets a warning: its override does nothing here.
saved_units=$(ls "$UNITS")
mkdir "$T/elsewhere" "$UNITS/real.service.d"
printf '[Service]\nExecStart=%s\n' "$(svc --name real)" >"$UNITS/real.service"
printf '[Service]\nExecStart=%s\n' "$(svc --name linked)" >"$T/elsewhere/linked.service"
ln -s real.service "$UNITS/alias.service"
ln -s "$UNITS/real.service" "$UNITS/absalias.service"
ln -s "$T/elsewhere/linked.service" "$UNITS/linked.service"
printf '[Service]\nEnvironment=A=1\n' >"$UNITS/real.service.d/override.conf"
check; rc=$?
is "$rc" 0 "aliases and a drop-in directory pass --check"
ok "a relative alias is skipped, naming its unit" grep -q "alias.service: notice: an alias of real.service" "$T/err"
ok "so is an absolute one" grep -q "absalias.service: notice: an alias of real.service" "$T/err"
ok "a link to a file elsewhere is a unit" bash -c "! grep -q 'linked.service: notice' '$T/err'"
ok "the drop-in directory gets a warning" grep -q "real.service.d: warning: drop-in directories are not supported" "$T/err"
start_superd
ok "the unit runs" wait_svc "^start name=real "
ok "the linked unit too" wait_svc "^start name=linked "
"$SUPERCTL" status >"$T/status"
ok "status lists real and linked" bash -c "grep -q '^real.service ' '$T/status' && grep -q '^linked.service ' '$T/status'"
ok "but no alias" bash -c "! grep -q 'alias' '$T/status'"
is "$(count_in "$SVCLOG" "^start name=real ")" 1 "the program behind the aliases started once"
stop_superd
rm -r "$UNITS/real.service.d" "$UNITS"/real.service "$UNITS"/*alias.service "$UNITS/linked.service"
is "$(ls "$UNITS")" "$saved_units" "the unit directory is as before"

cat >"$T/superd.conf" <<EOF
[superd]
ShutdownTimeoutSec=forever
LogLevel=chatty
Colour=blue
EOF
check; rc=$?
is "$rc" 78 "errors in superd.conf fail --check"
ok "superd.conf errors carry FILE:LINE" grep -q "superd.conf:2: error: invalid ShutdownTimeoutSec=forever" "$T/err"
ok "a bad LogLevel= is reported" grep -q "superd.conf:3: error: invalid LogLevel=chatty" "$T/err"
ok "an unknown superd.conf key is a warning" grep -q "superd.conf:4: warning: unknown key Colour=" "$T/err"
printf '[superd]\nSocketGroup=no-such-group-superd\n' >"$T/superd.conf"
check; rc=$?
is "$rc" 78 "an unknown SocketGroup= fails --check"
ok "naming file, line and group" grep -q "superd.conf:2: error: SocketGroup=no-such-group-superd: no such group" "$T/err"

done_testing
