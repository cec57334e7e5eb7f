# superd's command line: usage errors, --help, --version.
. "$TOP_SRCDIR/tests/integration/lib.sh"

out=$("$SUPERD" --version); rc=$?
is "$rc" 0 "--version exits 0"
ok "--version prints the name and version" grep -q '^superd [0-9]' <<<"$out"

out=$("$SUPERD" --help); rc=$?
is "$rc" 0 "--help exits 0"
ok "--help documents --check" grep -q -- '--check' <<<"$out"

"$SUPERD" --no-such-option >/dev/null 2>"$T/err"; rc=$?
is "$rc" 2 "an unknown option is a usage error (exit 2)"
ok "the usage error says how to use superd" grep -q '^Usage: superd' "$T/err"

"$SUPERD" extra-argument >/dev/null 2>"$T/err"; rc=$?
is "$rc" 2 "a stray argument is a usage error (exit 2)"
ok "the stray argument is named" grep -q "unexpected argument 'extra-argument'" "$T/err"

"$SUPERD" --strict -u "$UNITS" >/dev/null 2>"$T/err"; rc=$?
is "$rc" 2 "--strict without --check is a usage error"

"$SUPERD" -c "$T/does-not-exist.conf" -u "$UNITS" --check >/dev/null 2>"$T/err"; rc=$?
is "$rc" 78 "an explicit -c FILE that does not exist is a configuration error"
ok "the missing file is named with its cause" grep -q "does-not-exist.conf: error: cannot read: No such file" "$T/err"

"$SUPERD" -c "$T/superd.conf" -u "$T/no-such-dir" --check >/dev/null 2>"$T/err"; rc=$?
is "$rc" 78 "a missing unit directory is a configuration error"
ok "the missing directory is named" grep -q "no-such-dir: error: cannot open unit directory" "$T/err"

# -v adds debug lines, -q leaves warnings and errors only.
unit quick <<EOF
[Service]
Restart=no
ExecStart=/bin/sh -c 'echo ran >> $T/quick.ran'
EOF
for mode in -v -q; do
	: >"$LOG"
	rm -f "$T/quick.ran"
	start_superd "$mode"
	ok "superd $mode ran the unit" wait_for 10 test -s "$T/quick.ran"
	stop_superd
	cp "$LOG" "$T/log$mode"
done
ok "-v logs debug lines" grep -q "^superd: debug: " "$T/log-v"
ok "-v logs info lines too" grep -q "^superd: info: quick.service: started" "$T/log-v"
ok "-q logs no info or notice lines" bash -c "! grep -Eq '^superd: (info|notice|debug):' '$T/log-q'"

done_testing
