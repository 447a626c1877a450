#!/usr/bin/env bash
# Submissions written from the handouts alone, in students' own styles
# (tests/students/LAB/NAME/), graded as the instructor grades them: a
# correct one must score full marks (the scenarios generalise beyond our
# reference), a buggy one must fail exactly the tests its EXPECT file
# names, and its report must name the cause and the fix in the student's
# terms and say nothing wrong. EXPECT lines:
#   score: S/M | full       the score expected
#   fails: ID...            the ids of the tests that must fail (no others)
#   says: PHRASE            the text report contains PHRASE
#   not: PHRASE             the text report does not contain PHRASE
# Every report, whatever its EXPECT, must keep grader internals out
# ("graders/", "pid ", ".scn") and say no two lines in a row twice (a
# repeated paragraph).
# Phrases are looked for in the report with its lines joined, as a
# summary wraps them. The submissions are graded two at a time.
. "$(dirname "$0")/lib.sh"

[ -z "${IPCGRADE_UNPRIVILEGED_RUN:-}" ] ||
	plan_skip "runs in the first pass only, to keep make check under 10 minutes (what it grades, selftest.t also grades unprivileged)"
command -v jq >/dev/null || plan_skip "jq is not installed"

ls "$ROOT"/tests/students/*/*/EXPECT >"$TMP/list" 2>/dev/null
[ -s "$TMP/list" ] || plan_skip "no submissions in $ROOT/tests/students"
# grade: DIR -> $TMP/g/LAB_NAME.{txt,json,rc}
mkdir "$TMP/g"
sed 's|/EXPECT$||' "$TMP/list" | xargs -P 2 -I{} sh -c '
	d={}; n=${d#'"$ROOT"'/tests/students/}; lab=${n%%/*}; o='"$TMP"'/g/$(echo "$n" | tr / _)
	"$1" grade "$lab" "$d" --hidden --json "$o.json" >"$o.txt" 2>"$o.err" </dev/null
	echo $? >"$o.rc"' sh "$IPCGRADE"

while read -r exp; do
	dir=$(dirname "$exp")
	name=${dir#"$ROOT/tests/students/"}
	o=$TMP/g/$(echo "$name" | tr / _)
	rc=$(cat "$o.rc")
	if [ "$rc" -gt 1 ]; then
		fail "$name: graded (exit $rc)"
		diag "$(head -5 "$o.err")"
		continue
	fi
	score=$(jq -r '"\(.score)/\(.max_score)"' "$o.json")
	full=$(jq -r 'if .score == .max_score then "full" else "" end' "$o.json")
	failed=$(jq -r '[.tests[] | select(.status != "passed") | .id] | join(" ")' "$o.json")
	# the report with its lines joined: a wrapped phrase is found whole
	tr '\n' ' ' <"$o.txt" | tr -s ' ' >"$o.flat"
	bad=0
	while IFS= read -r line; do
		case "$line" in
		"score: full")
			[ "$full" = full ] || { bad=1; diag "$name: expected full marks, got $score"; } ;;
		"score: "*)
			[ "$score" = "${line#score: }" ] || { bad=1; diag "$name: expected ${line#score: }, got $score"; } ;;
		"fails: "*)
			want=$(echo ${line#fails: } | tr ' ' '\n' | sort | xargs)
			got=$(echo $failed | tr ' ' '\n' | sort | xargs)
			[ "$want" = "$got" ] || { bad=1; diag "$name: expected to fail: $want" "$name: failed:            $got"; } ;;
		"says: "*)
			grep -qiF -- "${line#says: }" "$o.flat" || { bad=1; diag "$name: the report does not say \"${line#says: }\""; } ;;
		"not: "*)
			! grep -qiF -- "${line#not: }" "$o.flat" || { bad=1; diag "$name: the report says \"${line#not: }\""; } ;;
		""|"#"*) ;;
		*) bad=1; diag "$name: EXPECT line not understood: $line" ;;
		esac
	done <"$exp"
	for internal in "graders/" "pid " ".scn"; do
		! grep -qF -- "$internal" "$o.txt" ||
			{ bad=1; diag "$name: the report shows a grader internal: $(grep -F -- "$internal" "$o.txt" | head -1)"; }
	done
	# a paragraph: two lines in a row, said again (one line alike is a fact
	# two tests share; and so is the list of where the processes were,
	# indented under its heading, when two tests left them the same)
	rep=$(grep -v '^      ' "$o.txt" | sed 's/^ *//' | grep -v '^not checked: ' |
		awk 'NR > 1 && length(prev) + length($0) >= 100 { print prev " / " $0 } { prev = $0 }' | sort | uniq -d | head -1)
	[ -z "$rep" ] || { bad=1; diag "$name: the report repeats a line: $rep"; }
	if [ "$bad" = 0 ]; then pass "$name: $score, as expected"; else
		fail "$name: its grade or report is not as expected"
		sed 's/^/    /' "$o.txt" | while IFS= read -r l; do diag "$l"; done
	fi
done <"$TMP/list"
