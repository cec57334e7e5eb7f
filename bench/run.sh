#!/bin/sh
# make bench: superd side by side with supervisord, runit and s6.
# Installs the peers and the instruments from Debian when they are
# missing (as root), runs bench.py, then writes the results into
# docs/PERFORMANCE.md and docs/performance.svg.
#   usage: run.sh SRCDIR BUILDDIR [bench.py options...]
# BENCH_ARGS in the environment adds bench.py options too, e.g.
#   make bench BENCH_ARGS="--reps 3 --sizes 100"
set -eu
src=$1
build=$2
shift 2

need="supervisor runit s6 gnuplot-nox linux-perf python3"
missing=""
for p in $need; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "bench: installing$missing"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		# --no-install-recommends: no runit-init, no service started
		apt-get install -y -qq --no-install-recommends $missing >/dev/null
	else
		echo "bench: missing$missing (install them, or run as root)" >&2
		exit 1
	fi
fi
# Debian's packaging may start supervisord as a service; the benchmark
# wants a quiet machine and its own instances only.
if pgrep -x supervisord >/dev/null 2>&1 || pgrep -x runsvdir >/dev/null 2>&1; then
	echo "bench: warning: a supervisord or runsvdir is already running" >&2
fi
[ "$(id -u)" = 0 ] || echo "bench: warning: not root: the process-events connector needs CAP_NET_ADMIN" >&2

json=$build/bench-results.json
# shellcheck disable=SC2086
python3 "$src/bench/bench.py" \
	--superd "$build/src/superd" --superctl "$build/src/superctl" \
	--benchtool "$build/bench/benchtool" --bareclient "$build/bench/bareclient" \
	--bareclient-static "$build/bench/bareclient-static" \
	--json "$json" ${BENCH_ARGS:-} "$@"
python3 "$src/bench/report.py" "$json" "$src/docs/PERFORMANCE.md" "$src/docs/performance.svg"
cp "$json" "$src/docs/bench-results.json" # the raw figures behind the tables
