# The unit's environment (SPEC §2, issue 7): PassEnvironment= from superd's
# own, then Environment=, then EnvironmentFile= (systemd's syntax; '-' for
# optional files), each later one winning, then UnsetEnvironment=; ${VAR} in
# commands from all of it; secrets redacted in show, --check and the log,
# real in the child; a changed file restarts the unit on reload.
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
Environment=OVERRIDE=from-unit KEEP=kept DROPME=1 DROPVAL=exact PV=from-unit
EnvironmentFile=$T/app.env
EnvironmentFile=-$T/missing.env
PassEnvironment=SUPERD_TEST_PASSED SUPERD_TEST_UNSET_IN_SUPERD PV OVERRIDE
UnsetEnvironment=DROPME DROPVAL=exact
ExecStart=/bin/sh -c 'echo "\$\$PLAIN|\${QUOTED}" > $T/expanded; exec $(svc --name env --report-env)' ignored \${PLAIN}
EOF

SUPERD_TEST_PASSED=passed-value PV=from-superd OVERRIDE=from-superd start_superd
ok "the unit reported its environment" wait_svc "^env PATH="
for kv in "PLAIN=from-file" 'QUOTED=two words "and quotes"' 'SINGLE=single $quoted' \
	"EXPORTED=yes" "CONTINUED=first second" "KEEP=kept" "SUPERD_TEST_PASSED=passed-value"; do
	ok "the child has $kv" grep -qxF "env $kv" "$SVCLOG"
done
ok "EnvironmentFile= wins over Environment= and PassEnvironment=" grep -qx "env OVERRIDE=from-file" "$SVCLOG"
ok "Environment= wins over PassEnvironment= (applied first, as in systemd)" grep -qx "env PV=from-unit" "$SVCLOG"
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

# --- EnvironmentFile= syntax, as systemd reads it --------------------------
# Every value goes to a file of its own, so that newlines and blanks in it
# are compared exactly.
rm -f "$UNITS"/*.service
mkdir -p "$T/v"
{
	printf '  # an indented comment\n'
	printf '\t; an indented ; comment\n'
	printf '# a comment ending in a backslash ends at its line \\\n'
	printf 'AFTER_COMMENT=seen\n'
	printf '\n'
	printf 'SPACED = value\n'
	printf 'CAT="x"y\n'
	printf 'MID=a"b c"d\n'
	printf 'BS=a\\ b\n'
	printf 'ESC=\\"\\$\\\\\\q\n'
	printf "SQ='line one\nline two \$HOME \\\\n \"'\n"
	printf 'DQ="first\nsecond"\n'
	printf 'DQESC="a\\nb \\" \\\\ \\` \\$ end"\n'
	printf 'DQCONT="joined \\\nhere"\n'
	printf 'CONT=first \\\n  second\n'
	printf 'TRAIL=trailing  \t\n'
	printf 'QTRAIL="keep  "  \n'
	printf 'ESCTRAIL=keep\\ \n'
	printf 'LEAD=  \t lead\n'
	printf 'EMPTY=\n'
	printf 'EMPTYQ=""\n'
	printf 'HASH=value # not a comment\n'
	printf 'SEMI=a;b\n'
	printf 'export\tEXPORTED2=tabbed\n'
	printf 'CRLF=dos\r\n'
	printf 'LAST=no final newline'
} >"$T/syntax.env"
names="AFTER_COMMENT SPACED CAT MID BS ESC SQ DQ DQESC DQCONT CONT TRAIL QTRAIL ESCTRAIL LEAD EMPTY EMPTYQ HASH SEMI EXPORTED2 CRLF LAST"
cat >"$T/dump.sh" <<EOF
for n in $names; do
	eval "v=\\\${\$n-UNSET}"
	printf '%s' "\$v" >"$T/v/\$n"
done
: >"$T/v/done"
EOF
unit syntax <<EOF
[Service]
Type=oneshot
EnvironmentFile=$T/syntax.env
ExecStart=/bin/sh $T/dump.sh
EOF
"$SUPERD" -c "$T/superd.conf" -u "$UNITS" --check >"$T/out" 2>"$T/err"; rc=$?
is "$rc" 0 "the syntax example passes --check"
start_superd
ok "the unit dumped its environment" wait_for 10 test -e "$T/v/done"
stop_superd
val() { cat "$T/v/$1"; }
nl='
'
is "$(val AFTER_COMMENT)" "seen" "a comment ending in a backslash does not swallow the next line"
is "$(val SPACED)" "value" "blanks around the name and after '=' are dropped"
is "$(val CAT)" "xy" "a quoted part joins the text after it"
is "$(val MID)" 'a"b c"d' "a quote inside unquoted text is an ordinary character, as in systemd"
is "$(val BS)" "a b" "an unquoted backslash escapes the next character"
is "$(val ESC)" '"$\q' "unquoted escapes keep only the escaped character"
is "$(val SQ)" "line one${nl}line two \$HOME \\n \"" "single quotes are literal, newlines included"
is "$(val DQ)" "first${nl}second" "double quotes keep newlines"
is "$(val DQESC)" 'a\nb " \ ` $ end' "double quotes unescape only \\\" \\\\ \\\` \\\$"
is "$(val DQCONT)" "joined here" "backslash-newline continues inside double quotes"
is "$(val CONT)" "first   second" "backslash-newline continues an unquoted value"
is "$(val TRAIL)" "trailing" "trailing unquoted blanks are dropped"
is "$(val QTRAIL)" "keep  " "quoted trailing blanks are kept"
is "$(val ESCTRAIL)" "keep " "an escaped trailing blank is kept"
is "$(val LEAD)" "lead" "leading blanks of a value are dropped"
is "$(val EMPTY)|$(val EMPTYQ)" "|" "empty values are set, empty"
is "$(val HASH)" "value # not a comment" "'#' inside a value is not a comment"
is "$(val SEMI)" "a;b" "';' inside a value is kept"
is "$(val EXPORTED2)" "tabbed" "'export' followed by a tab is accepted"
is "$(val CRLF)" "dos" "a CRLF line end is not part of the value"
is "$(val LAST)" "no final newline" "the last line needs no newline"

# --- a changed EnvironmentFile= restarts its unit on reload ----------------
rm -f "$UNITS"/*.service
echo FILEVAR=one >"$T/reload.env"
echo SAME=1 >"$T/same.env"
unit fileenv <<EOF
[Service]
EnvironmentFile=$T/reload.env
ExecStart=$(svc --name fileenv --report-env)
EOF
unit samefile <<EOF
[Service]
EnvironmentFile=$T/same.env
ExecStart=$(svc --name samefile)
EOF
: >"$SVCLOG"
start_superd
ok "the unit started with the file's value" wait_svc "^env FILEVAR=one$"
ok "the other unit started" wait_svc "^start name=samefile "
fpid=$(pid_of fileenv) spid=$(pid_of samefile)
echo FILEVAR=two >"$T/reload.env"
echo SAME=1 >"$T/same.env" # rewritten, same content
"$SUPERCTL" reload --dry-run >"$T/plan"; rc=$?
is "$rc" 0 "reload --dry-run exits 0"
ok "the plan restarts the unit whose environment file changed" grep -qx "Restart fileenv.service" "$T/plan"
ok "the plan leaves the unit whose file is the same" bash -c "! grep -q samefile '$T/plan'"
is "$(pid_of fileenv)" "$fpid" "a dry run restarts nothing"
"$SUPERCTL" reload; rc=$?
is "$rc" 0 "reload exits 0"
ok "the unit restarted with the new value" wait_svc "^env FILEVAR=two$"
ok "under a new PID" test "$(pid_of fileenv)" != "$fpid"
ok "the old process is gone" wait_for 10 gone "$fpid"
is "$(pid_of samefile)" "$spid" "the unit whose file did not change keeps its process"
ok "the log counts one restart" wait_log "reloaded: .* 1 restarted, 0 updated in place"
ok "show has the new value" bash -c "'$SUPERCTL' show fileenv | grep -q 'FILEVAR=two'"
stop_superd

# --- secrets in the other environment keys ---------------------------------
# The values of secret names in UnsetEnvironment=NAME=VALUE are redacted by
# show; no problem message repeats a value, in --check, reload or the log.
rm -f "$UNITS"/*.service
unit secrets <<EOF
[Service]
Environment=DB_PASSWORD=envsecret1 MYVAR=redactme2
RedactEnvironment=MYVAR
UnsetEnvironment=API_KEY=unsetsecret9 MYVAR=redactme3 PLAIN=visible my_token=unsetsecret4
ExecStart=$(svc --name secrets)
EOF
: >"$SVCLOG"
: >"$LOG"
start_superd -v
ok "the unit with secrets runs" wait_svc "^start name=secrets "
"$SUPERCTL" show secrets >"$T/show"
"$SUPERCTL" show --json secrets >"$T/showjson"
ok "show redacts secret values in UnsetEnvironment=" \
	grep -qx "UnsetEnvironment=API_KEY=<redacted> MYVAR=<redacted> PLAIN=visible my_token=<redacted>" "$T/show"
ok "show --json too" grep -qF 'API_KEY=<redacted> MYVAR=<redacted> PLAIN=visible my_token=<redacted>' "$T/showjson"
for s in envsecret1 redactme2 unsetsecret9 redactme3 unsetsecret4; do
	ok "show and show --json never print $s" bash -c "! grep -q $s '$T/show' '$T/showjson'"
done
# Every secret name part of SPEC §7, in any case, in Environment=.
unit names <<EOF
[Service]
Environment=db_passwd=sv1 My_Secret=sv2 auth_token=sv3 X_Credential=sv4 private_key=sv5 Api_Key=sv6 APP_PASSWORD=sv7 PLAIN_NAME=shown
ExecStart=$(svc --name names)
EOF
"$SUPERCTL" reload >/dev/null
ok "the unit with every kind of secret name runs" wait_svc "^start name=names "
"$SUPERCTL" show names >"$T/show2"
"$SUPERCTL" show --json names >"$T/show2json"
for n in db_passwd My_Secret auth_token X_Credential private_key Api_Key APP_PASSWORD; do
	ok "$n is redacted by show" grep -q "$n=<redacted>" "$T/show2"
done
ok "a name without a secret part is shown" grep -q "PLAIN_NAME=shown" "$T/show2"
for v in sv1 sv2 sv3 sv4 sv5 sv6 sv7; do
	ok "value $v is in neither show nor show --json nor the -v log" bash -c "! grep -qw $v '$T/show2' '$T/show2json' '$LOG'"
done
unit badsecrets <<'EOF'
[Service]
PassEnvironment=ZZ_TOKEN=envsecret5
UnsetEnvironment=1X=topsecret6
UnsetEnvironment="API_KEY=unterminated7
RedactEnvironment=R=redactsecret8
Environment=SECRET=a\xQWz
Environment=2BAD=hunter2
EnvironmentFile=/nonexistent/secret.env
ExecStart=/bin/true
EOF
"$SUPERCTL" reload >"$T/out" 2>"$T/err"; rc=$?
is "$rc" 1 "reload of the unit with bad secrets fails"
ok "it names the bad name, not its value" grep -q "badsecrets.service:2: invalid PassEnvironment=ZZ_TOKEN: " "$T/err"
ok "a bad UnsetEnvironment= name is named alone" grep -q "badsecrets.service:3: invalid UnsetEnvironment=1X: not a valid variable name" "$T/err"
"$SUPERD" -c "$T/superd.conf" -u "$UNITS" --check >"$T/cout" 2>"$T/cerr"; rc=$?
is "$rc" 78 "--check fails too"
ok "--check names the bad name" grep -q "badsecrets.service:2: error: invalid PassEnvironment=ZZ_TOKEN: " "$T/cerr"
ok "--check reports the unterminated quote" grep -q "badsecrets.service:4: error: invalid UnsetEnvironment=: unterminated double quote" "$T/cerr"
rm "$UNITS/badsecrets.service"
stop_superd
is "$SD_STATUS" 0 "clean shutdown"
for s in envsecret1 redactme2 unsetsecret9 redactme3 unsetsecret4 envsecret5 topsecret6 unterminated7 redactsecret8 QW hunter2; do
	ok "$s is in neither reload's answer, --check nor the log" \
		bash -c "! grep -q $s '$T/out' '$T/err' '$T/cout' '$T/cerr' '$LOG'"
done
ok "the log did record the reload errors" grep -q "badsecrets.service:2: invalid PassEnvironment=ZZ_TOKEN" "$LOG"

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
# --- secrets that ${VAR} expansion puts into an executable path -------------
# A path made by expansion is never printed: not by --check or a reload that
# finds it relative, not by the log line of a '-' command that is missing.
rm -f "$UNITS"/*.service
unit relsecret <<'EOF'
[Service]
Environment=DB_PASSWORD=hunter2xyz
ExecStart=rel/${DB_PASSWORD}/prog
EOF
"$SUPERD" -c "$T/superd.conf" -u "$UNITS" --check >"$T/cout" 2>"$T/cerr"; rc=$?
is "$rc" 78 "a relative path made by expansion fails --check"
ok "it says why, at the file and line" grep -q "relsecret.service:3: error: invalid ExecStart=: the executable path that variable expansion made must be absolute" "$T/cerr"
ok "without the expanded secret" bash -c "! grep -q hunter2xyz '$T/cout' '$T/cerr'"
rm "$UNITS/relsecret.service"
unit presecret <<'EOF'
[Service]
Environment=API_TOKEN=tok9999
ExecStartPre=-/nonexistent/${API_TOKEN}
ExecStart=/bin/sleep 100000
EOF
start_superd -v
ok "the unit with a missing '-' ExecStartPre= runs" wait_for 10 "$SUPERCTL" is-active presecret
ok "the skipped command is logged as written" wait_log "presecret.service: ExecStartPre= -/nonexistent/\${API_TOKEN}: executable missing, skipped"
unit relsecret <<'EOF'
[Service]
Environment=DB_PASSWORD=hunter2xyz
ExecStart=rel/${DB_PASSWORD}/prog
EOF
"$SUPERCTL" reload >"$T/out" 2>"$T/err"; rc=$?
is "$rc" 1 "a reload with the relative expanded path fails"
ok "and names the problem" grep -q "relsecret.service:3: invalid ExecStart=: the executable path that variable expansion made" "$T/err"
rm "$UNITS/relsecret.service"
stop_superd
ok "no expanded secret in the log or reload's answer" bash -c "! grep -Eq 'tok9999|hunter2xyz' '$LOG' '$T/out' '$T/err'"

# --- UnsetEnvironment= applies to what superd itself sets -------------------
# PATH, which every unit gets, goes too; a plain program name is still
# found (in systemd's PATH), and $PATH in a command is then empty.
rm -f "$UNITS"/*.service
unit nopath <<EOF
[Service]
UnsetEnvironment=PATH
Environment=MARK=1
StandardOutput=file:$T/nopath.out
ExecStartPre=/bin/sh -c 'echo "[\$1]" >$T/nopath.arg' sh \$PATH
ExecStart=env
Type=oneshot
EOF
start_superd
ok "the unit without PATH ran its plain-named program" wait_for 10 grep -q "^MARK=1$" "$T/nopath.out"
ok "UnsetEnvironment=PATH takes PATH away" bash -c "! grep -q '^PATH=' '$T/nopath.out'"
is "$(cat "$T/nopath.arg")" "[]" "and \$PATH in its commands is empty"
stop_superd

# As systemd: HOME, USER, LOGNAME, SHELL of User= and RUNTIME_DIRECTORY=
# and friends are taken away too when UnsetEnvironment= names them.
if [ "$(id -u)" -eq 0 ] && getent passwd nobody >/dev/null; then
	rm -f "$UNITS"/*.service
	chmod 755 "$T"
	: >"$SVCLOG"
	chmod 666 "$SVCLOG"
	unit unsetown <<EOF
[Service]
User=nobody
RuntimeDirectory=superd-test-unset-$$
UnsetEnvironment=HOME SHELL RUNTIME_DIRECTORY
ExecStart=$(svc --name unsetown --report-env)
EOF
	start_superd
	ok "the unit runs" wait_svc "^env PATH="
	ok "USER= is still set" wait_svc "^env USER=nobody\$"
	ok "LOGNAME= too" svc_has "^env LOGNAME=nobody\$"
	for v in HOME SHELL RUNTIME_DIRECTORY; do
		ok "UnsetEnvironment=$v takes superd's $v= away" bash -c "! grep -q '^env $v=' '$SVCLOG'"
	done
	stop_superd

	# --- $HOME, $USER, $LOGNAME, $SHELL of User= in commands -------------
	# As systemd, which expands a command when it starts it: the values
	# the process gets, from the user's entry; the unit's own win.
	rm -f "$UNITS"/*.service
	mkdir "$T/ua" && chown nobody "$T/ua"
	pw_home=$(getent passwd nobody | cut -d: -f6)
	pw_shell=$(getent passwd nobody | cut -d: -f7)
	unit userargs <<EOF
[Service]
User=nobody
StandardOutput=file:$T/ua/userargs.out
ExecStart=/bin/sh -c 'echo "\$\$1|\$\$2|\$\$3|\$\$4|\$\$5"; exec sleep 100000' sh \$HOME \${USER}-x \$LOGNAME \$SHELL \${HOME}/data
ExecReload=/bin/sh -c 'echo "reload \$\$1 \$\$2" >>$T/ua/userargs.reload' sh \$USER \$MAINPID
EOF
	unit ownhome <<EOF
[Service]
User=nobody
Environment=HOME=/srv/app
StandardOutput=file:$T/ua/ownhome.out
ExecStart=/bin/sh -c 'echo "\$\$1|\$\$2"; exec sleep 100000' sh \${HOME}/x \$USER
EOF
	unit nouser <<EOF
[Service]
StandardOutput=file:$T/ua/nouser.out
ExecStart=/bin/sh -c 'echo "[\$\$1]"; exec sleep 100000' sh \${HOME}x
EOF
	start_superd
	ok "the User= unit with \$HOME in its command runs" wait_for 10 test -s "$T/ua/userargs.out"
	is "$(cat "$T/ua/userargs.out")" "$pw_home|nobody-x|nobody|$pw_shell|$pw_home/data" \
		"\$HOME, \${USER}, \$LOGNAME, \$SHELL are the user's, in words and within them"
	ok "a unit's own HOME= wins in its command too" wait_for 10 test -s "$T/ua/ownhome.out"
	is "$(cat "$T/ua/ownhome.out")" "/srv/app/x|nobody" "its \${HOME} is its own, its \$USER the user's"
	ok "without User= and HOME= the command's \${HOME} is empty" wait_for 10 test -s "$T/ua/nouser.out"
	is "$(cat "$T/ua/nouser.out")" "[x]" "superd's own HOME is not used"
	"$SUPERCTL" reload userargs >/dev/null 2>&1
	ok "ExecReload= gets \$USER and \$MAINPID" wait_for 10 test -s "$T/ua/userargs.reload"
	mainpid=$("$SUPERCTL" show userargs | sed -n 's/^MainPID=//p')
	is "$(cat "$T/ua/userargs.reload")" "reload nobody $mainpid" "both filled in when it runs"
	# The program itself cannot come from them: known only at the start.
	printf '[Service]\nUser=nobody\nExecStart=$SHELL -c true\n' >"$UNITS/shellprog.service"
	"$SUPERCTL" reload >"$T/out" 2>"$T/err"; rc=$?
	is "$rc" 1 "a reload with \$SHELL as the program fails"
	ok "and says why, with file and line" grep -q "shellprog.service:3: invalid ExecStart=: the program to execute cannot come from \$MAINPID, nor from \$HOME, \$USER, \$LOGNAME or \$SHELL of User=" "$T/err"
	ok "the running units are untouched" "$SUPERCTL" is-active userargs
	rm "$UNITS/shellprog.service"
	stop_superd
else
	skip "UnsetEnvironment= applies to superd's own variables" "needs root and the nobody user"
fi
done_testing
