#!/usr/bin/env bash
# Every grader is itself tested: each reference scores full marks and each
# mutant loses exactly the tests its MUTANT file names, with feedback that
# names its bug (ipcgrade selftest). The labs run side by side,
# SELFTEST_JOBS at a time (3 unless set): a grading spends its time waiting
# for its processes and their deadlines, not on the CPU, and each runs in
# boxes of its own. In host mode the boxes share the host's SysV IPC, so
# there the labs run one after another.
# check: parallel
. "$(dirname "$0")/lib.sh"

labs=$(cd "$ROOT/graders" 2>/dev/null && ls -d -- */ 2>/dev/null | tr -d /)
[ -n "$labs" ] || plan_skip "no graders in $ROOT/graders"
jobs=${SELFTEST_JOBS:-3}
"$IPCGRADE" run --json "$TMP/iso.json" -- /bin/true >/dev/null 2>&1
if [ "$(jq -r .isolation.ipcns "$TMP/iso.json" 2>/dev/null)" != true ]; then
	jobs=1
	diag "no ipc namespace for the box (host mode): one lab at a time"
fi
diag "labs: $(echo $labs), $jobs at a time"

mkdir -p "$TMP/labs"
printf '%s\n' $labs | xargs -P "$jobs" -I{} sh -c \
	'"$1" selftest "$2" >"$3/$2.tap" 2>&1; echo $? >"$3/$2.rc"' sh "$IPCGRADE" {} "$TMP/labs"

# one TAP stream, lab after lab, renumbered
for lab in $labs; do
	rc=$(cat "$TMP/labs/$lab.rc" 2>/dev/null)
	while IFS= read -r line; do
		case $line in
		"ok "*) pass "${line#ok * - }" ;;
		"not ok "*) fail "${line#not ok * - }" ;;
		"#"*) echo "$line" ;;
		esac
	done <"$TMP/labs/$lab.tap"
	case $rc in
	0 | 1) ;;
	*)
		fail "$lab: selftest could not run (exit ${rc:-none})"
		grep -vE '^(ok|not ok|1\.\.|[0-9]+ passed)' "$TMP/labs/$lab.tap" | head -n 20 | sed 's/^/# /'
		;;
	esac
done
