#!/usr/bin/env bash
# The flake count: every reference and every mutant graded R times while
# two processes spin on the CPUs, and the per-test verdicts compared
# between runs. A (submission, test) pair whose verdict is not the same
# in every run is a flake; the goal is 0. The reference's step times
# (docs/scenarios.md, "Deadlines") are measured first on the quiet
# machine, into a cache of this run's own, so the loaded runs have the
# tightest deadlines they can get: the worst case for a slow-but-correct
# verdict. Long (about R x 10 minutes on 2 cores): not part of make check.
# usage: bash bench/determinism.sh [R [LAB...]]     (default R=2, every lab)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
ipcgrade=${IPCGRADE:-$here/build/ipcgrade}
runs=${1:-2}
shift || true
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ipcgrade-determinism.XXXXXX")
burners=()
cleanup() { for p in "${burners[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
export IPCGRADE_CACHE=$tmp/cache
mkdir -p "$IPCGRADE_CACHE"
labs=("$@")
[ ${#labs[@]} -gt 0 ] || labs=($(ls "$here/graders"))
"$ipcgrade" selftest --materialize "$tmp/m" "${labs[@]}" >/dev/null 2>&1

subs=()
for lab in "${labs[@]}"; do
	subs+=("$lab:$here/reference/$lab")
	for m in "$tmp/m/$lab"/*/; do [ -d "$m" ] && subs+=("$lab:${m%/}"); done
done
# the references' step times, on the quiet machine
for lab in "${labs[@]}"; do
	"$ipcgrade" grade "$lab" "$here/reference/$lab" --json "$tmp/q.json" >/dev/null 2>&1
done
for i in 1 2; do
	sh -c 'while :; do :; done' &
	burners+=($!)
done
started=$(date +%s)
for r in $(seq "$runs"); do
	for s in "${subs[@]}"; do
		lab=${s%%:*} dir=${s#*:}
		name=$lab/$(basename "$dir")
		[ "$dir" = "$here/reference/$lab" ] && name=$lab/reference
		"$ipcgrade" grade "$lab" "$dir" --json "$tmp/g.json" >/dev/null 2>&1
		jq -r --arg n "$name" '.tests[] | "\($n) \(.id) \(.status)"' "$tmp/g.json" 2>/dev/null ||
			echo "$name - harness-failed"
	done >"$tmp/run$r"
	echo "run $r: $(wc -l <"$tmp/run$r") verdicts, $(($(date +%s) - started)) s so far" >&2
done
# a pair is a flake when its runs do not all agree
cat "$tmp"/run* | sort | uniq | awk '{ k = $1 " " $2; n[k]++; v[k] = v[k] " " $3 }
	END { for (k in n) if (n[k] > 1) { print "flake: " k ":" v[k]; f++ }
	      print "flakes: " f + 0 " of " length(n) " (submission, test) pairs" }' | sort
echo "submissions: ${#subs[@]}; runs: $runs under 2 burners; wall: $(($(date +%s) - started)) s"
