#!/usr/bin/env bash
# A wait's deadline comes from the reference's own time for the step on
# this machine (docs/scenarios.md, "Deadlines"): the result says which
# deadline applied and where it came from; the times are measured once and
# kept, measured again when the grader changes, and not used at all with
# IPCGRADE_DEADLINES=scenario. No timing is asserted: only the rule, from
# the figures the result itself reports.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || plan_skip "jq is not installed"

root=$TMP/root
mkdir -p "$root/graders/dl" "$root/reference/dl" "$TMP/sub"
export IPCGRADE_CACHE=$TMP/cache
mkdir -p "$IPCGRADE_CACHE"
# the reference says hi; the submission says ho and then waits for a
# signal that never comes (pause: not a hang, so waits run to their deadline)
cat >"$root/reference/dl/hello.c" <<'C'
#include <stdio.h>
#include <unistd.h>
int main(void) { puts("hi"); fflush(stdout); pause(); return 0; }
C
sed 's/"hi"/"ho"/' "$root/reference/dl/hello.c" >"$TMP/sub/hello.c"
cat >"$root/graders/dl/dl.scn" <<'SCN'
programs hello

test plain "a wait with the default deadline" points=1 tags=output
  start p = student hello
  wait p output "hi\n"

test long "a wait whose author wrote within=" points=1 tags=output
  start p = student hello
  wait p output "hi\n" within=1500ms
SCN
grade() { IPCGRADE_ROOT=$root "$IPCGRADE" grade dl "$@" >"$TMP/out" 2>&1; }
dl() { jq -r --arg id "$1" ".tests[] | select(.id == \$id) | .deadline$2" "$TMP/r.json"; }

grade "$root/reference/dl" --json "$TMP/r.json"
is "$(jq -r .score "$TMP/r.json")" 2 "the reference passes"
is "$(jq -r .deadlines.source "$TMP/r.json")" reference "the deadlines come from the reference"
ok "[ \"\$(jq -r .deadlines.measured_ms '$TMP/r.json')\" -gt 0 ]" "the first grading timed the reference"
ok "ls '$IPCGRADE_CACHE'/times-dl-*.json" "the times are kept in IPCGRADE_CACHE"
ok "jq -e '.times.plain[1] | numbers' $IPCGRADE_CACHE/times-dl-*.json" "the wait's time is among them"

grade "$TMP/sub" --json "$TMP/r.json" --debug
is "$(jq -r .deadlines.measured_ms "$TMP/r.json")" 0 "a second grading reads the kept times"
is "$(dl plain .source)" reference "a failed default wait: its deadline is the reference's"
ref=$(dl plain .reference_ms)
want=$((ref * 10 > 1000 ? ref * 10 : 1000))
is "$(dl plain .ms)" "$want" "max(1 s, 10 x the reference's $ref ms)"
is "$(dl plain .scenario_ms)" 2000 "the scenario's own deadline is said too"
ok "jq -r '.tests[0].feedback' '$TMP/r.json' | grep -qF \"(within $(awk "BEGIN{printf \"%.1f\", $want/1000}") s)\"" \
	"the feedback names the deadline that applied"
ok "grep -q 'debug: deadline $want ms (reference' '$TMP/out'" "--debug says which deadline applied"
if [ "$want" -lt 1500 ]; then
	is "$(dl long .source)" within "a within= longer than the derived deadline is kept"
	is "$(dl long .ms)" 1500 "... as the deadline"
else
	skip "a within= longer than the derived deadline is kept" "the reference took ${ref} ms here"
fi

echo "# the scenario changed" >>"$root/graders/dl/dl.scn"
grade "$TMP/sub" --json "$TMP/r.json"
ok "[ \"\$(jq -r .deadlines.measured_ms '$TMP/r.json')\" -gt 0 ]" "a changed grader is timed again"

IPCGRADE_DEADLINES=scenario grade "$TMP/sub" --json "$TMP/r.json"
is "$(jq -r .deadlines.source "$TMP/r.json")" scenario "IPCGRADE_DEADLINES=scenario: no derivation"
is "$(dl plain .source)/$(dl plain .ms)" scenario/2000 "... the scenario's 2 s applies"
is "$(dl long .source)/$(dl long .ms)" scenario/1500 "... and its within="

IPCGRADE_CACHE=off grade "$TMP/sub" --json "$TMP/r.json"
is "$(jq -r '.deadlines.source + " " + (.deadlines.cache // "none")' "$TMP/r.json")" "reference none" \
	"IPCGRADE_CACHE=off: timed in the process, nothing kept"
