# The unit's environment (SPEC §2, issue 7): Environment=, EnvironmentFile=
# (systemd's syntax; '-' for optional files; it wins over Environment=),
# PassEnvironment= from superd's own, UnsetEnvironment=; ${VAR} in commands
# from all of it; secrets from a file redacted in show, real in the child.
. "$TOP_SRCDIR/tests/integration/lib.sh"
: "${SUPERCTL:?SUPERCTL must point to the superctl binary}"

cat >"$T/app.env" <<'EOF'
# a comment
; another comment
PLAIN=from-file
QUOTED="two words \"and quotes\""
SINGLE='single $quoted'
export EXPORTED=yes
CONTINUED=first \
second
DB_PASSWORD=file-secret-123
OVERRIDE=from-file

EOF
unit env <<EOF
[Service]
Environment=OVERRIDE=from-unit KEEP=kept DROPME=1 DROPVAL=exact
EnvironmentFile=$T/app.env
EnvironmentFile=-$T/missing.env
PassEnvironment=SUPERD_TEST_PASSED SUPERD_TEST_UNSET_IN_SUPERD
UnsetEnvironment=DROPME DROPVAL=exact
ExecStart=/bin/sh -c 'echo "\$\$PLAIN|\${QUOTED}" > $T/expanded; exec $(svc --name env --report-env)' ignored \${PLAIN}
EOF

SUPERD_TEST_PASSED=passed-value start_superd
ok "the unit reported its environment" wait_svc "^env PATH="
for kv in "PLAIN=from-file" 'QUOTED=two words "and quotes"' 'SINGLE=single $quoted' \
	"EXPORTED=yes" "CONTINUED=first second" "KEEP=kept" "SUPERD_TEST_PASSED=passed-value"; do
	ok "the child has $kv" grep -qxF "env $kv" "$SVCLOG"
done
ok "EnvironmentFile= wins over Environment=" grep -qx "env OVERRIDE=from-file" "$SVCLOG"
ok "UnsetEnvironment=NAME removes it" bash -c "! grep -q '^env DROPME=' '$SVCLOG'"
ok "UnsetEnvironment=NAME=VALUE removes the exact assignment" bash -c "! grep -q '^env DROPVAL=' '$SVCLOG'"
ok "PassEnvironment= of a variable superd lacks sets nothing" bash -c "! grep -q '^env SUPERD_TEST_UNSET_IN_SUPERD' '$SVCLOG'"
ok "superd's other variables are not passed" bash -c "! grep -q '^env HOME=' '$SVCLOG'"
ok "the child gets the real secret" grep -qx "env DB_PASSWORD=file-secret-123" "$SVCLOG"
# (sh then takes the quotes inside the value as its own.)
ok "\${VAR} from the file expands in the command" wait_for 10 grep -qxF 'from-file|two words and quotes' "$T/expanded"
"$SUPERCTL" show env >"$T/show"
ok "show redacts the secret from the file" grep -q "DB_PASSWORD=<redacted>" "$T/show"
ok "and never shows its value" bash -c "! grep -q file-secret-123 '$T/show'"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
ok "superd's log never holds the secret" bash -c "! grep -q file-secret-123 '$LOG'"

# Problems name the file and line, never a value.
cat >"$T/bad.env" <<'EOF'
GOOD=1
this is not an assignment
SECRET_TOKEN="unterminated-secret-value
EOF
unit env <<EOF
[Service]
EnvironmentFile=$T/bad.env
EnvironmentFile=$T/nowhere.env
ExecStart=/bin/true
EOF
"$SUPERD" -c "$T/superd.conf" -u "$UNITS" --check >/dev/null 2>"$T/err"; rc=$?
is "$rc" 78 "a bad environment file fails --check"
ok "the bad line is named as file:line" grep -q "bad.env:2: error: expected NAME=VALUE" "$T/err"
ok "the bad quote is named, not its value" grep -q "bad.env:3: error: unterminated quote in the value of SECRET_TOKEN" "$T/err"
ok "no secret value is printed" bash -c "! grep -q unterminated-secret-value '$T/err'"
ok "a missing file without '-' is an error naming the unit's line" grep -q "env.service:3: error: EnvironmentFile=$T/nowhere.env: No such file or directory" "$T/err"

# An endless or huge "file" is refused, not read forever; /dev/null is empty.
unit env <<EOF
[Service]
EnvironmentFile=/dev/zero
EnvironmentFile=/dev/null
ExecStart=/bin/true
EOF
timeout 20 "$SUPERD" -c "$T/superd.conf" -u "$UNITS" --check >/dev/null 2>"$T/err"; rc=$?
is "$rc" 78 "EnvironmentFile=/dev/zero fails --check (and does not hang)"
ok "as larger than 1 MiB, naming the unit's line" grep -q "env.service:2: error: EnvironmentFile=/dev/zero: larger than 1 MiB" "$T/err"
ok "/dev/null is an empty environment file" bash -c "! grep -q '/dev/null' '$T/err'"
done_testing
