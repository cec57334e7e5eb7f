#!/bin/sh
# Build the libFuzzer targets in tests/fuzz/ and run each for a bounded time.
#
#   FUZZ_SECONDS=60 sh tests/fuzz/run.sh [TARGET...]
#
# TARGET is a name such as "unitfile" (default: all). Each target is built
# straight from the src/*.c files it needs (no configure; no libsystemd)
# with clang's libFuzzer, ASan and UBSan, then run on a copy of its corpus
# in a temporary directory, so the committed corpus never grows. libFuzzer
# runs every corpus input first, so the regress-* seeds are regression tests.
#
# Prints "ok fuzz_NAME" or "not ok fuzz_NAME" per target and exits 1 if any
# target crashed, leaked, timed out or failed to build. Crash inputs and
# logs stay in the temporary directory, whose path is printed; when all is
# well it is removed.
#
# Environment: FUZZ_SECONDS (per target, default 60), CC (default clang, or
# clang-14), TMPDIR, FUZZ_KEEP=1 to keep the temporary directory anyway.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
src=$top/src
seconds=${FUZZ_SECONDS:-60}

if [ -z "${CC:-}" ]; then
	if command -v clang >/dev/null 2>&1; then
		CC=clang
	else
		CC=clang-14
	fi
fi

# What configure would pass (AC_USE_SYSTEM_EXTENSIONS, AC_INIT and
# Makefile.am's AM_CPPFLAGS), minus HAVE_SYSTEMD: log.c then writes to
# stderr only; configure's warning flags; libFuzzer, ASan and UBSan, any
# UBSan report fatal.
fuzz_cc() {
	"$CC" -D_GNU_SOURCE '-DPACKAGE_VERSION="fuzz"' '-DVERSION="fuzz"' \
		'-DSYSCONFDIR="/etc"' '-DRUNSTATEDIR="/run"' -I"$src" -I"$here" \
		-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -Wall -Wextra -Wshadow -Wmissing-prototypes \
		-Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral "$@"
}

# The unit-file parser and everything it links (inih is Debian's libinih).
unitfile_srcs="unitfile.c inifile.c diag.c log.c buf.c duration.c execcmd.c signame.c strv.c"

# name | src/*.c files | extra libraries | -max_len
targets="unitfile|$unitfile_srcs|-linih|8192
envfile|$unitfile_srcs|-linih|8192
execcmd|execcmd.c strv.c||4096
duration|duration.c||256
proto|proto.c $unitfile_srcs|-linih|4200"

work=$(mktemp -d "${TMPDIR:-/tmp}/superd-fuzz.XXXXXX") || exit 1
failed=0
want="$*"

echo "# fuzzing for ${seconds}s per target in $work"
echo "$targets" | while IFS='|' read -r name srcs libs maxlen; do
	if [ -n "$want" ]; then
		case " $want " in
		*" $name "*) ;;
		*) continue ;;
		esac
	fi
	t=fuzz_$name
	files=
	for f in $srcs; do
		files="$files $src/$f"
	done
	# shellcheck disable=SC2086 # $files and $libs are lists
	if ! fuzz_cc -o "$work/$t" "$here/$t.c" $files $libs \
		>"$work/$t.build.log" 2>&1; then
		echo "not ok $t # build failed: $work/$t.build.log"
		sed 's/^/#   /' "$work/$t.build.log" | head -n 20
		echo fail >>"$work/failed"
		continue
	fi
	mkdir -p "$work/corpus/$name" "$work/artifacts"
	if [ -d "$here/corpus/$name" ]; then
		cp -R "$here/corpus/$name/." "$work/corpus/$name/"
	fi
	dict=
	if [ -e "$here/$name.dict" ]; then
		dict=-dict=$here/$name.dict
	fi
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		"$work/$t" -max_total_time="$seconds" -max_len="$maxlen" -timeout=10 \
		-rss_limit_mb=1024 -print_final_stats=1 ${dict:+"$dict"} \
		-artifact_prefix="$work/artifacts/$t-" "$work/corpus/$name" \
		</dev/null >"$work/$t.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		echo "ok $t # ${runs:-?} runs in ${seconds}s"
	else
		echo "not ok $t # exit $rc; log: $work/$t.log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*assertion failed|artifact_prefix|Test unit written)' \
			"$work/$t.log" | head -n 10 | sed 's/^/#   /'
		for a in "$work/artifacts/$t-"*; do
			[ -e "$a" ] && echo "#   artefact: $a"
		done
		echo fail >>"$work/failed"
	fi
done

if [ -e "$work/failed" ]; then
	failed=1
	echo "# failures: logs and artefacts kept in $work"
elif [ "${FUZZ_KEEP:-0}" = 1 ]; then
	echo "# kept $work"
else
	rm -rf "$work"
fi
exit "$failed"
