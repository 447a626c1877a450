#!/usr/bin/env bash
# grade --repeat N [--seed S] (docs/races.md): every test run N times with
# its scheduling disturbed. The reference passes every run; a mutant whose
# verdict depends on a race (semcount's lock around the read only) fails
# at least one, with the seeds of its failing runs; the same seed makes the
# same choices; the default grading is not disturbed.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || plan_skip "jq is not installed"

grade() { "$IPCGRADE" grade "$@" >"$TMP/out" 2>"$TMP/err"; }

grade signals "$ROOT/reference/signals" --repeat 3 --seed 11 --json "$TMP/ref.json"
is "$?" 0 "the reference passes every disturbed run (exit 0)"
is "$(jq -r '[.tests[] | select(.repeat.runs == 3 and .repeat.passed == 3)] | length' "$TMP/ref.json")" \
	"$(jq -r '.tests | length' "$TMP/ref.json")" "every test of the reference: passed 3 of 3"
is "$(jq -r '.repeat.runs, .repeat.seed' "$TMP/ref.json" | paste -sd/)" 3/11 "the result names the runs and the seed"
ok "jq -e '[.tests[] | .perturbation.seed] | all(. == 11)' '$TMP/ref.json'" \
	"each test keeps its first run's choices (seed 11)"
ok "jq -e '[.tests[] | .events[].text | select(startswith(\"disturbed: \"))] | length > 0' '$TMP/ref.json'" \
	"the events say what was disturbed"
grade signals "$ROOT/reference/signals" --repeat 3 --seed 11
ok "grep -q '(passed 3 of 3 runs)' '$TMP/out'" "the text report says how many runs passed"

# the same seed, the same choices: run 1 of seed 11 is run 0 of seed 11
grade signals "$ROOT/reference/signals" --repeat 1 --seed 11 --json "$TMP/one.json"
is "$(jq -c '[.tests[] | .perturbation]' "$TMP/one.json")" "$(jq -c '[.tests[] | .perturbation]' "$TMP/ref.json")" \
	"--repeat 1 --seed 11 makes the choices of --repeat 3 --seed 11's first run"
grade signals "$ROOT/reference/signals" --repeat 1 --seed 12 --json "$TMP/two.json"
ok "[ \"\$(jq -c '[.tests[] | .perturbation]' '$TMP/two.json')\" != \"\$(jq -c '[.tests[] | .perturbation]' '$TMP/one.json')\" ]" \
	"another seed makes other choices"

# a race: increments lost between the read and the write
sub=$(mutant semcount/lock-around-read)
grade semcount "$sub" --repeat 3 --seed 5 --json "$TMP/race.json"
is "$?" 1 "the racy mutant loses points"
x=$(jq -c '.tests[] | select(.id == "exact") | .repeat' "$TMP/race.json")
diag "exact: $x"
ok "jq -e '.tests[] | select(.id == \"exact\") | .status == \"failed\" and .repeat.passed < 3 and
	(.repeat.failed_seeds | length) == 3 - .repeat.passed' '$TMP/race.json'" \
	"its counting test fails in some run, and each failing run's seed is named"
ok "jq -e '[.tests[] | select(.id != \"exact\") | .repeat.passed == 3] | all' '$TMP/race.json'" \
	"its other tests pass every run"

# undisturbed by default
grade signals "$ROOT/reference/signals" --json "$TMP/plain.json"
ok "jq -e '[.tests[] | has(\"perturbation\") or has(\"repeat\")] | any | not' '$TMP/plain.json'" \
	"the default grading is one undisturbed run"

grade signals "$ROOT/reference/signals" --seed 3
is "$?" 2 "--seed without --repeat is bad usage"
ok "grep -q 'give --repeat N too' '$TMP/err'" "... and says why"
for bad in 0 -1 x 1001; do
	grade signals "$ROOT/reference/signals" --repeat "$bad"
	is "$?" 2 "--repeat $bad is refused"
done
grade signals "$ROOT/reference/signals" --repeat 1
ok "grep -q 'with --seed [0-9]' '$TMP/err'" "without --seed, the seed used is said"
