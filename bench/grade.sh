#!/usr/bin/env bash
# Grading time: for each lab, the reference graded once, split into the
# build, the tests, and the engine's own share of the tests (a test's time
# less what its steps took, from its timeline); and the per-scenario cost
# of a trivial scenario (one `start` of /bin/true and its exit).
# usage: bash bench/grade.sh [N]   (N trivial scenarios, default 50)
set -eu
cd "$(dirname "$0")/.."
n=${1:-50}
ipcgrade=build/ipcgrade
printf '%-10s %10s %10s %10s %12s %8s\n' lab build_ms tests_ms steps_ms overhead_ms tests
for lab in pipe fifo msgq signals; do
	"$ipcgrade" grade "$lab" "reference/$lab" --json /tmp/ipcgrade-bench.$$.json >/dev/null || true
	jq -r --arg lab "$lab" '"\($lab) \(.timing.build_ms) \(.timing.tests_ms) \(.timing.steps_ms) \(.timing.tests_ms - .timing.steps_ms) \(.tests | length)"' \
		/tmp/ipcgrade-bench.$$.json | xargs printf '%-10s %10s %10s %10s %12s %8s\n'
done
root=$(mktemp -d)
trap 'rm -rf "$root" /tmp/ipcgrade-bench.$$.json' EXIT
mkdir -p "$root/graders/trivial" "$root/reference/trivial"
echo 'int main(void) { return 0; }' >"$root/reference/trivial/noop.c"
{
	echo "programs noop"
	for i in $(seq "$n"); do
		printf 'test t%d "trivial" points=1 tags=output\n  start p = system true\n  expect p exit 0\n' "$i"
	done
} >"$root/graders/trivial/t.scn"
IPCGRADE_ROOT=$root "$ipcgrade" grade trivial "$root/reference/trivial" --json /tmp/ipcgrade-bench.$$.json >/dev/null
jq -r --argjson n "$n" '"trivial scenario: \(.timing.tests_ms / $n) ms each (\($n) scenarios: a fresh box, start true, its exit, the verdict)"' \
	/tmp/ipcgrade-bench.$$.json
