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
# the reference says hi, at once or after 30 ms of CPU (`slow`); the
# submission says ho and then waits for a signal that never comes (pause:
# not a hang, so its waits run to their deadlines)
cat >"$root/reference/dl/hello.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "slow"))
		while (clock() < CLOCKS_PER_SEC / 33)
			;
	puts("hi");
	fflush(stdout);
	pause();
	return 0;
}
C
sed 's/"hi"/"ho"/' "$root/reference/dl/hello.c" >"$TMP/sub/hello.c"
cat >"$root/graders/dl/dl.scn" <<'SCN'
programs hello

test plain "a wait the reference ends far within its deadline" points=1 tags=output
  start p = student hello
  wait p output "hi\n" within=500ms

test slow "a wait where 10 x the reference's time is longer than the scenario's deadline" points=1 tags=output
  start p = student hello slow
  wait p output "hi\n" within=100ms

test default "a wait with the default deadline" points=1 tags=output visibility=hidden
  start p = student hello
  wait p output "hi\n"
SCN
grade() { IPCGRADE_ROOT=$root "$IPCGRADE" grade dl "$@" >"$TMP/out" 2>&1; }
dl() { jq -r --arg id "$1" ".tests[] | select(.id == \$id) | .deadline$2" "$TMP/r.json"; }

grade "$root/reference/dl" --json "$TMP/r.json"
is "$(jq -r .score "$TMP/r.json")" 3 "the reference passes"
is "$(jq -r .deadlines.source "$TMP/r.json")" reference "the deadlines come from the reference"
ok "[ \"\$(jq -r .deadlines.measured_ms '$TMP/r.json')\" -gt 0 ]" "the first grading timed the reference"
ok "ls '$IPCGRADE_CACHE'/times-dl-*.json" "the times are kept in IPCGRADE_CACHE"
ok "jq -e '.times.plain[1] | numbers' $IPCGRADE_CACHE/times-dl-*.json" "the wait's time is among them"

grade "$TMP/sub" --json "$TMP/r.json" --debug
is "$(jq -r .deadlines.measured_ms "$TMP/r.json")" 0 "a second grading reads the kept times"
# the rule, from the reference's times the result reports
for id in plain slow default; do
	ref=$(dl $id .reference_ms) scn=$(dl $id .scenario_ms)
	if [ -z "$ref" ] || [ "$ref" = null ]; then
		fail "$id: the reference's time is in the result"; continue
	fi
	want=$((ref * 10 > scn ? ref * 10 : scn)) src=$((ref * 10 > scn)) 
	[ "$src" = 1 ] && src=reference || src=scenario
	is "$(dl $id .ms)/$(dl $id .source)" "$want/$src" "$id: max(the scenario's $scn ms, 10 x the reference's $ref ms)"
done
is "$(dl default .scenario_ms)" 2000 "the scenario's default deadline is 2 s"
is "$(dl plain .source)" scenario "a deadline is never shorter than the scenario's"
ref=$(dl slow .reference_ms)
if [ "${ref:-0}" -gt 10 ]; then
	is "$(dl slow .source)" reference "a wait the reference needs 30 ms of CPU for: its deadline grows"
else
	skip "a wait the reference needs 30 ms of CPU for: its deadline grows" "the reference took ${ref} ms here"
fi
want=$(dl slow .ms)
ok "jq -r '.tests[] | select(.id == \"slow\") | .feedback' '$TMP/r.json' | grep -qF \"waited up to $(awk "BEGIN{printf \"%.3g\", $want/1000}") s for\"" \
	"the feedback names the deadline that applied"
ok "grep -q 'debug: deadline $want ms (' '$TMP/out'" "--debug says which deadline applied"

echo "# the scenario changed" >>"$root/graders/dl/dl.scn"
grade "$TMP/sub" --json "$TMP/r.json"
ok "[ \"\$(jq -r .deadlines.measured_ms '$TMP/r.json')\" -gt 0 ]" "a changed grader is timed again"

IPCGRADE_DEADLINES=scenario grade "$TMP/sub" --json "$TMP/r.json"
is "$(jq -r .deadlines.source "$TMP/r.json")" scenario "IPCGRADE_DEADLINES=scenario: no derivation"
is "$(dl slow .source)/$(dl slow .ms)/$(dl slow .reference_ms)" scenario/100/null "... the scenario's within= applies"

IPCGRADE_CACHE=off grade "$TMP/sub" --json "$TMP/r.json"
is "$(jq -r '.deadlines.source + " " + (.deadlines.cache // "none")' "$TMP/r.json")" "reference none" \
	"IPCGRADE_CACHE=off: timed in the process, nothing kept"
