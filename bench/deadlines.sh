#!/usr/bin/env bash
# Grading time with the scenario's deadlines against deadlines derived from
# the reference's own step times (docs/scenarios.md, "Deadlines"): each
# reference and each mutant (LABS, default all) graded once each way, in
# one run, interleaved. Prints one line per submission: lab/name, score,
# seconds with scenario deadlines, seconds with derived ones, and the
# failing steps whose deadline was derived. The cache of step times is
# filled first (its cost is printed apart), so the figures are what a
# grading pays once the machine's times are known.
# usage: bash bench/deadlines.sh [LAB...]
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
ipcgrade=${IPCGRADE:-$here/build/ipcgrade}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ipcgrade-deadlines.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export IPCGRADE_CACHE=$tmp/cache
mkdir -p "$IPCGRADE_CACHE"
labs=("$@")
[ ${#labs[@]} -gt 0 ] || labs=($(ls "$here/graders"))
"$ipcgrade" selftest --materialize "$tmp/m" "${labs[@]}" >/dev/null 2>&1
secs() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['timing']['tests_ms']/1000, d['deadlines'].get('measured_ms',0)/1000, d['score'])" "$1"; }
printf '%-36s %7s %9s %9s  %s\n' submission score scenario derived "failing steps' deadlines (derived)"
for lab in "${labs[@]}"; do
	subs=("$here/reference/$lab")
	for m in "$tmp/m/$lab"/*/; do [ -d "$m" ] && subs+=("${m%/}"); done
	for s in "${subs[@]}"; do
		name=$lab/$(basename "$s")
		[ "$s" = "$here/reference/$lab" ] && name=$lab/reference
		IPCGRADE_DEADLINES=scenario "$ipcgrade" grade "$lab" "$s" --json "$tmp/a.json" >/dev/null 2>&1
		"$ipcgrade" grade "$lab" "$s" --json "$tmp/b.json" >/dev/null 2>&1
		read -r ta _ score <<<"$(secs "$tmp/a.json")"
		read -r tb mb _ <<<"$(secs "$tmp/b.json")"
		dl=$(python3 -c "
import json,sys
d=json.load(open(sys.argv[1]))
print(' '.join('%s:%s/%s' % (t['id'], t['deadline']['ms'], t['deadline']['source'])
               for t in d['tests'] if 'deadline' in t))" "$tmp/b.json")
		[ "$mb" != 0.0 ] && dl="$dl (timing the reference first: ${mb} s)"
		printf '%-36s %7s %8ss %8ss  %s\n' "$name" "$score" "$ta" "$tb" "$dl"
	done
done
