# Unit file syntax end to end: what the child receives is what was written.
# Debian's libinih cuts lines at 200 bytes and treats ';' as a comment; none
# of that may reach a unit.
. "$TOP_SRCDIR/tests/integration/lib.sh"

long=$(printf 'x%.0s' $(seq 1 700))

# printf's %s must be written %%s: '%' starts a unit specifier.
unit long <<EOF
[Service]
Restart=no
ExecStart=/bin/sh -c 'printf "%%s\\n" "\$0" > $T/long.out' $long
EOF

unit cont <<EOF
[Service]
Restart=no
ExecStart=/bin/sh -c 'printf "%%s|" "\$@" > $T/cont.out' sh \\
    first \\
# a comment inside the continuation is skipped
    second \\
    "third word"
EOF

# Two trailing backslashes are one escaped backslash, not a continuation:
# the next line is Restart=no, not more words.
unit bsl <<EOF
[Service]
ExecStart=/bin/sh -c 'printf "%%s|" "\$@" > $T/bsl.out' sh [a] \\\\
Restart=no
EOF

unit semi <<EOF
[Service]
Restart=no
ExecStart=/bin/sh -c "echo one > $T/semi.out; echo two >> $T/semi.out; echo \$0 >> $T/semi.out" ;not-a-comment
EOF

unit vars <<EOF
[Service]
Restart=no
ExecStart=/bin/sh -c 'printf "%%s|" "\$@" > $T/vars.out' sh \${GREETING} \$WORDS "\${GREETING}-x" \$\$ %n %N
Environment=GREETING=hello "WORDS=a b  c"
EOF

unit envcheck <<EOF
[Service]
Restart=no
ExecStart=$(svc --name envcheck --report-env --report-cwd)
Environment=FOO=bar
Environment="SPACED=one two" FOO=baz
WorkingDirectory=$T
EOF

SUPERD_LEAK_CHECK=leaked start_superd
ok "a 700-character argument arrives whole" wait_for 10 grep -q "^$long\$" "$T/long.out"
ok "continued lines join, a comment inside is skipped" wait_for 10 grep -qx "first|second|third word|" "$T/cont.out"
ok "an even run of trailing backslashes ends the line" wait_for 10 grep -qxF '[a]|\|' "$T/bsl.out"
ok "the line after it is an assignment of its own (Restart=no)" wait_log "bsl.service: stopped"
ok "a ';' inside ExecStart= is part of the command" wait_for 10 grep -qx two "$T/semi.out"
ok "a ';' after a space is not a comment" wait_for 10 grep -qx ";not-a-comment" "$T/semi.out"
ok "\${VAR} is one word, \$VAR splits, \$\$ and %n/%N expand" wait_for 10 grep -qxF "hello|a|b|c|hello-x|\$|vars.service|vars|" "$T/vars.out"
ok "the environment service reported" wait_svc "^cwd="
ok "Environment= reaches the child, the later assignment wins" svc_has "^env FOO=baz\$"
ok "a quoted Environment= assignment keeps its spaces" svc_has "^env SPACED=one two\$"
ok "PATH is set by default" svc_has "^env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\$"
ok "superd's own environment does not leak to units" bash -c "! grep -q SUPERD_LEAK_CHECK '$SVCLOG'"
is "$(grep -c '^env ' "$SVCLOG")" 3 "exactly PATH, FOO and SPACED are set"
ok "WorkingDirectory= is the child's cwd" svc_has "^cwd=$T\$"
stop_superd
is "$SD_STATUS" 0 "superd shuts down cleanly"

done_testing
