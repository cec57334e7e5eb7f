#!/bin/sh
# The whole test suite, as CI and the README run it, on Debian 12 as root:
#   1. install what the build and the tests need (only what is missing);
#   2. build with -Werror and run `make check` (C unit tests, then the
#      integration tests that drive the real superd with real children);
#   3. build again with ASan+UBSan and run `make check` once more;
#   4. run every fuzz target (tests/fuzz/) for 30 s under ASan+UBSan;
#   5. lint the man pages; 6. `make distcheck`.
# It ends with one line "N passed, N failed" counting every check it ran,
# and exits non-zero if anything failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

DEPS="build-essential autoconf automake pkg-config libev-dev libinih-dev libsystemd-dev mandoc procps util-linux passwd socat python3 redis-server valgrind clang libclang-rt-14-dev"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	missing=""
	for p in $DEPS; do
		dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		echo "== installing:$missing"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
			{ echo "apt-get install failed"; echo "0 passed, 1 failed"; exit 1; }
	fi
fi

passed=0
failed=0
step() { # step NAME COMMAND...: one counted check of its own
	name=$1
	shift
	echo "== $name"
	if "$@"; then
		passed=$((passed + 1))
	else
		echo "FAILED: $name"
		failed=$((failed + 1))
	fi
}

# count DIR: add the per-check results of a `make check` run in DIR.
count() {
	for log in "$1"/test-suite.log; do
		[ -f "$log" ] || { failed=$((failed + 1)); continue; }
		p=$(sed -n 's/^# PASS: *//p' "$log" | head -n 1)
		f=$(sed -n 's/^# FAIL: *//p' "$log" | head -n 1)
		e=$(sed -n 's/^# ERROR: *//p' "$log" | head -n 1)
		x=$(sed -n 's/^# XPASS: *//p' "$log" | head -n 1)
		passed=$((passed + ${p:-0}))
		failed=$((failed + ${f:-0} + ${e:-0} + ${x:-0}))
	done
}

suite() { # suite DIR CONFIGURE-ARGS...: configure, build, check in DIR
	dir=$1
	shift
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && "$top/configure" -q "$@") || return 1
	make -C "$dir" -j2 >"$dir/build.log" 2>&1 || { cat "$dir/build.log"; return 1; }
	make -C "$dir" -j2 check >"$dir/check.log" 2>&1
	rc=$?
	grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP):' "$dir/check.log" | grep -Ev '^PASS' | head -n 50
	[ $rc -eq 0 ] || cat "$dir/test-suite.log" | head -n 300
	grep -E '^# (TOTAL|PASS|FAIL|ERROR):' "$dir/test-suite.log" 2>/dev/null
	return $rc
}

# The README's run command builds in the source tree; the builds here are
# out of tree, which automake refuses while the tree is configured.
if [ -f config.status ]; then
	echo "== the source tree is configured in place: make distclean first"
	make -s distclean >/dev/null 2>&1 || rm -f config.status
fi
step "autoreconf" autoreconf -fi
step "build with -Werror and run the suite" suite _ci/plain --enable-werror
count _ci/plain
export TEST_TIMEOUT_SCALE=3
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
step "build with ASan+UBSan and run the suite" suite _ci/sanitizers --enable-sanitizers --enable-werror
count _ci/sanitizers
unset TEST_TIMEOUT_SCALE
# (and with superctl linked dynamically, so that memcheck can follow it)
step "build --without-systemd and run the suite" suite _ci/nosystemd --without-systemd --disable-static-superctl --enable-werror
count _ci/nosystemd
# The fuzz targets (tests/fuzz/): each parser for FUZZ_SECONDS under
# libFuzzer with ASan+UBSan; one check per target.
fuzz() {
	echo "== fuzz targets, ${FUZZ_SECONDS:=30} s each"
	FUZZ_SECONDS=$FUZZ_SECONDS sh tests/fuzz/run.sh >_ci/fuzz.log 2>&1
	rc=$?
	grep -E '^(not )?ok fuzz_' _ci/fuzz.log
	p=$(grep -c '^ok fuzz_' _ci/fuzz.log)
	f=$(grep -c '^not ok fuzz_' _ci/fuzz.log)
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # it failed before it could say which target
	fi
	[ "$rc" -eq 0 ] || tail -n 40 _ci/fuzz.log
	passed=$((passed + p))
	failed=$((failed + f))
}
fuzz
step "man pages pass mandoc -Tlint" sh -c 'out=$(mandoc -Tlint -Wwarning man/*.[0-9]); [ -z "$out" ] || { echo "$out"; exit 1; }'
# On failure: which checks failed, and the logs of their tests.
distcheck() {
	make -C _ci/plain -j2 distcheck >_ci/distcheck.log 2>&1 && return 0
	grep -E '^(FAIL|ERROR|XPASS):' _ci/distcheck.log | head -n 50
	for log in _ci/plain/superd-*/_build/sub/test-suite.log; do
		[ -f "$log" ] && head -n 300 "$log"
	done
	tail -n 60 _ci/distcheck.log
	return 1
}
step "make distcheck" distcheck

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
