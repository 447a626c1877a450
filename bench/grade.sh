#!/usr/bin/env bash
# Grading time: for each of the nine labs, the reference graded once, split
# into the build, the tests, and the engine's own share of the tests (a
# test's time less what its steps took, from its timeline); then one of the
# lab's mutants that hangs or spins, graded the same way, against the
# reference's tests time: what a wait that ends early saves (a hang that
# ran to every deadline would cost tens of seconds), with their ratio and
# the mutant's slowest tests, each with what ended it (ratio: tests only;
# whole: build and tests, what a student waits for); and the
# per-scenario cost of a trivial scenario (one `start` of /bin/true and
# its exit). The load average is printed at the start and at the end.
# usage: bash bench/grade.sh [N]   (N trivial scenarios, default 50)
set -eu
cd "$(dirname "$0")/.."
n=${1:-50}
ipcgrade=build/ipcgrade
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# lab and the mutant of it that hangs (waits for ever on another process)
# or spins (burns CPU where it should wait)
hangs="pipe:child-keeps-write-end fifo:reader-rdwr msgq:busy-wait signals:busy-wait
pipeline:parent-keeps-ends shm:spin-on-segment psum:parent-keeps-write-end
semcount:pshared-0 usock:restart-on-term"

"$ipcgrade" selftest --materialize "$tmp/mutants" >/dev/null 2>&1 || true
load() { cut -d' ' -f1 /proc/loadavg; }
echo "load average (1 min) at the start: $(load)"
printf '%-9s %9s %9s %9s %9s %6s  %-24s %9s %9s %6s %6s\n' lab build_ms tests_ms steps_ms overhead tests \
	"hanging mutant" score tests_ms ratio whole
for pair in $hangs; do
	lab=${pair%%:*} mutant=${pair#*:}
	"$ipcgrade" grade "$lab" "reference/$lab" --json "$tmp/ref.json" >/dev/null || true
	if [ -d "$tmp/mutants/$lab/$mutant" ]; then
		"$ipcgrade" grade "$lab" "$tmp/mutants/$lab/$mutant" --json "$tmp/mut.json" >/dev/null || true
	else
		echo '{"score": "?", "max_score": "?", "timing": {"tests_ms": "?"}}' >"$tmp/mut.json"
	fi
	jq -r --arg lab "$lab" --arg m "$mutant" --slurpfile mut "$tmp/mut.json" \
		'"\($lab) \(.timing.build_ms) \(.timing.tests_ms) \(.timing.steps_ms) \(.timing.tests_ms - .timing.steps_ms) \(.tests | length) \($m) \($mut[0].score)/\($mut[0].max_score) \($mut[0].timing.tests_ms) \(if ($mut[0].timing.tests_ms | type) == "number" then ($mut[0].timing.tests_ms * 100 / .timing.tests_ms | round) / 100 else "?" end) \(if ($mut[0].timing.tests_ms | type) == "number" then (($mut[0].timing.build_ms + $mut[0].timing.tests_ms) * 100 / (.timing.build_ms + .timing.tests_ms) | round) / 100 else "?" end)"' \
		"$tmp/ref.json" | xargs printf '%-9s %9s %9s %9s %9s %6s  %-24s %9s %9s %6s %6s\n'
	# the mutant's tests that took longest, and what ended them
	jq -r '[.tests[] | select(.duration_ms >= 500)] | sort_by(-.duration_ms) | .[:3][] |
		"    \(.id) \(.duration_ms) ms: \(([.events[].text | select(startswith("ended early"))] | first) //
		(if .deadline then "ran to its deadline of \(.deadline.ms) ms" else .status end))"' "$tmp/mut.json" 2>/dev/null || true
done
echo "load average (1 min) at the end: $(load)"

mkdir -p "$tmp/root/graders/trivial" "$tmp/root/reference/trivial"
echo 'int main(void) { return 0; }' >"$tmp/root/reference/trivial/noop.c"
{
	echo "programs noop"
	for i in $(seq "$n"); do
		printf 'test t%d "trivial" points=1 tags=output\n  start p = system true\n  expect p exit 0\n' "$i"
	done
} >"$tmp/root/graders/trivial/t.scn"
IPCGRADE_ROOT=$tmp/root "$ipcgrade" grade trivial "$tmp/root/reference/trivial" --json "$tmp/trivial.json" >/dev/null
jq -r --argjson n "$n" '"trivial scenario: \(.timing.tests_ms / $n) ms each (\($n) scenarios: a fresh box, start true, its exit, the verdict)"' \
	"$tmp/trivial.json"
