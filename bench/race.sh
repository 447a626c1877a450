#!/usr/bin/env bash
# Two measurements of races, both with BURNERS processes spinning beside
# the grading (default 0):
#
#   bash bench/race.sh [RUNS] [BURNERS]
#     How often semcount's `exact` test catches a missing lock: the
#     reference with bench/semcount-no-lock.patch applied (the workers
#     increment with no sem_wait/sem_post) is graded RUNS times (default
#     20), and the runs whose `exact` test failed are counted. Updates are
#     lost only while two workers run at the same moment on two CPUs, so
#     the figure depends on the machine and its load: it is a measurement,
#     not a selftest mutant (whose verdict must be the same on every run).
#
#   bash bench/race.sh LAB/MUTANT [RUNS] [BURNERS]
#     Whether a racy selftest mutant (or LAB/reference) gets the same
#     per-test verdict in every run: it is graded RUNS times (default 20),
#     each test's verdicts are tallied, and the script exits 1 when any
#     test's verdict differed between runs.
set -eu
cd "$(dirname "$0")/.."
target=
case ${1:-} in */*) target=$1; shift ;; esac
runs=${1:-20} burners=${2:-0}
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
if [ -n "$target" ]; then
	lab=${target%%/*} name=${target#*/}
	if [ "$name" = reference ]; then
		sub=reference/$lab
	else
		build/ipcgrade selftest --materialize "$tmp/m" "$target" >/dev/null
		sub=$tmp/m/$lab/$name
	fi
else
	lab=semcount sub=$tmp/sub
	mkdir "$sub"
	cp reference/semcount/semcount.c "$sub/"
	(cd "$sub" && patch -s -p1 <"$OLDPWD/bench/semcount-no-lock.patch")
fi
for _ in $(seq "$burners"); do
	yes >/dev/null &
	pids+=("$!")
done
caught=0 selftest_failed=0
for _ in $(seq "$runs"); do
	build/ipcgrade grade "$lab" "$sub" --json "$tmp/out.json" >/dev/null || true
	if [ -n "$target" ]; then
		jq -r '.tests[] | "\(.id) \(.status)"' "$tmp/out.json" >>"$tmp/verdicts"
		build/ipcgrade selftest "$target" >"$tmp/selftest" 2>&1 || {
			selftest_failed=$((selftest_failed + 1))
			grep -E '^(not ok|#)' "$tmp/selftest" >&2 || true
		}
	elif [ "$(jq -r '.tests[] | select(.id == "exact") | .status' "$tmp/out.json")" = failed ]; then
		caught=$((caught + 1))
	fi
done
load=$(cut -d' ' -f1 /proc/loadavg)
if [ -z "$target" ]; then
	echo "semcount without a lock: caught by exact in $caught of $runs runs ($burners burners, load $load)"
	exit 0
fi
# one line per test: its id, then "status xN" for each verdict it got
sort "$tmp/verdicts" | uniq -c | awk '{ v[$2] = v[$2] " " $3 " x" $1; n[$2]++ }
	END { for (t in v) printf "%-24s%s%s\n", t, v[t], (n[t] > 1 ? "   <- differs" : "") }' | sort >"$tmp/tally"
cat "$tmp/tally"
flaky=$(grep -c -- '<- differs' "$tmp/tally" || true)
echo "$target: $flaky of $(wc -l <"$tmp/tally") tests differed in $runs runs, selftest failed in $selftest_failed ($burners burners, load $load)"
[ "$flaky" = 0 ] && [ "$selftest_failed" = 0 ]
