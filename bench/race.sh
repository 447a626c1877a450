#!/usr/bin/env bash
# How often semcount's `exact` test catches a missing lock: the reference
# with bench/semcount-no-lock.patch applied (the workers increment with no
# sem_wait/sem_post) is graded RUNS times, with BURNERS processes spinning
# beside it, and the runs whose `exact` test failed are counted. Updates
# are lost only while two workers run at the same moment on two CPUs, so
# the figure depends on the machine and its load: it is a measurement,
# not a selftest mutant (whose verdict must be the same on every run).
# usage: bash bench/race.sh [RUNS] [BURNERS]   (default 20 and 0)
set -eu
cd "$(dirname "$0")/.."
runs=${1:-20} burners=${2:-0}
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
cp reference/semcount/semcount.c "$tmp/"
(cd "$tmp" && patch -s -p1 <"$OLDPWD/bench/semcount-no-lock.patch")
for _ in $(seq "$burners"); do
	yes >/dev/null &
	pids+=("$!")
done
caught=0
for _ in $(seq "$runs"); do
	build/ipcgrade grade semcount "$tmp" --json "$tmp/out.json" >/dev/null || true
	[ "$(jq -r '.tests[] | select(.id == "exact") | .status' "$tmp/out.json")" = failed ] &&
		caught=$((caught + 1))
done
echo "semcount without a lock: caught by exact in $caught of $runs runs ($burners burners, load $(cut -d' ' -f1 /proc/loadavg))"
