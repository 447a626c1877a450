#!/usr/bin/env bash
# The command line contract (README.md, docs/result.md): exit codes, bad input named by
# file and line, and every report format valid against its schema.
# check: parallel
. "$(dirname "$0")/lib.sh"

# the published schemas (JUnit XSD, Gradescope) are kept beside the
# repository, not in it: a clone without them skips those two checks
SCHEMAS=$ROOT/../shared/schemas
NO_SCHEMAS="no $SCHEMAS (the published schemas beside the repository)"
"$IPCGRADE" list >"$TMP/out" 2>&1
is "$?" 0 "list exits 0"
ok "grep -qE '^pipe +6' '$TMP/out' && grep -q '^fifo' '$TMP/out' && grep -q '^msgq' '$TMP/out' && grep -q '^signals' '$TMP/out'" \
	"list shows the four labs"

"$IPCGRADE" check pipe "$ROOT/reference/pipe" >"$TMP/out" 2>&1
is "$?" 0 "check of a correct submission exits 0"
ok "grep -q '^score: 9/9' '$TMP/out'" "  and says score: 9/9"
"$IPCGRADE" check pipe "$(mutant pipe/no-wait)" >"$TMP/out" 2>&1
is "$?" 1 "check of a buggy submission exits 1"
ok "grep -q 'waitpid' '$TMP/out'" "  and the feedback names the bug"
"$IPCGRADE" check pipe "$(mutant pipe/no-wait)" --format html >"$TMP/out.html" 2>&1
is "$?" 1 "check --format html exits as check does"
ok "head -1 '$TMP/out.html' | grep -qx '<!DOCTYPE html>' && grep -q 'waitpid' '$TMP/out.html'" \
	"  and prints the same report as a page"
"$IPCGRADE" check pipe "$ROOT/reference/pipe" --format pdf >"$TMP/out" 2>&1
is "$?" 2 "check --format with an unknown format is a usage error"
ok "grep -q \"not 'pdf'\" '$TMP/out'" "  and names it"
"$IPCGRADE" check nosuchlab . >"$TMP/out" 2>&1
is "$?" 2 "an unknown assignment exits 2"
"$IPCGRADE" check pipe "$TMP/missing" >"$TMP/out" 2>&1
is "$?" 2 "a missing submission exits 2"
"$IPCGRADE" grade pipe >"$TMP/out" 2>&1
is "$?" 2 "grade without a directory is a usage error"

# a malformed scenario names its file and line, and nothing is graded
mkdir -p "$TMP/root/graders/bad" "$TMP/root/reference"
printf 'programs x\ntest t "t" points=1 tags=output\n  start p = student x\n  wiat p exit\n' \
	>"$TMP/root/graders/bad/bad.scn"
IPCGRADE_ROOT=$TMP/root "$IPCGRADE" check bad "$ROOT/reference/pipe" >"$TMP/out" 2>&1
is "$?" 2 "a malformed scenario exits 2"
ok "grep -q 'bad.scn:4: unknown step' '$TMP/out'" "  naming file and line: $(head -1 "$TMP/out")"
printf 'programs x\ntest t "t" points=1 tags=nonsense\n  start p = student x\n' >"$TMP/root/graders/bad/bad.scn"
IPCGRADE_ROOT=$TMP/root "$IPCGRADE" check bad "$ROOT/reference/pipe" >"$TMP/out" 2>&1
ok "grep -q \"bad.scn:2: unknown tag 'nonsense'\" '$TMP/out'" "an unknown tag is refused: $(head -c 60 "$TMP/out")"

# a submission that does not build: a verdict, the compiler's words
mkdir -p "$TMP/broken" && printf 'int main(void) { return 0 }\n' >"$TMP/broken/pipecat.c"
"$IPCGRADE" grade pipe "$TMP/broken" --json "$TMP/broken.json" >/dev/null 2>&1
is "$?" 1 "a submission that does not build exits 1"
is "$(jq -r .build.status "$TMP/broken.json")" failed "  build status failed"
ok "jq -r '.tests[0].feedback' '$TMP/broken.json' | grep -q 'did not build'" "  its tests say it did not build"
ok "jq -r .build.output '$TMP/broken.json' | grep -q 'error'" "  the report carries the compiler's messages"

# every report format, from one grading
"$IPCGRADE" grade pipe "$(mutant pipe/child-keeps-write-end)" --json "$TMP/r.json" \
	--gradescope "$TMP/gs.json" --junit "$TMP/junit.xml" --md "$TMP/r.md" --html "$TMP/r.html" >/dev/null 2>&1
is "$?" 1 "grade writes every report and exits 1 for a failing submission"
ok "head -1 '$TMP/r.html' | grep -qx '<!DOCTYPE html>' && grep -q '<meta charset=\"utf-8\">' '$TMP/r.html' &&
	grep -q '<table>' '$TMP/r.html' && grep -q '<details><summary>' '$TMP/r.html'" \
	"HTML: a page with a charset, the test table and each failure folded"
is "$(jq -r '[.tests[].score] | add' "$TMP/r.json")" "$(jq -r .score "$TMP/r.json")" "native JSON: the score is the sum of the tests'"
is "$(jq -r .score "$TMP/gs.json")" "$(jq -r .score "$TMP/r.json")" "Gradescope: the same score"
if [ ! -f "$SCHEMAS/gradescope-results.schema.json" ]; then
	skip "Gradescope results.json validates against its schema" "$NO_SCHEMAS"
elif ! /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
	skip "Gradescope results.json validates against its schema" "no python3-jsonschema for /usr/bin/python3"
else
	ok "/usr/bin/python3 -c 'import json,jsonschema,sys; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' '$TMP/gs.json' '$SCHEMAS/gradescope-results.schema.json'" \
		"Gradescope results.json validates against its schema"
fi
if [ ! -f "$SCHEMAS/junit-10.xsd" ]; then
	skip "JUnit XML validates against the XSD" "$NO_SCHEMAS"
elif ! command -v xmllint >/dev/null; then
	skip "JUnit XML validates against the XSD" "no xmllint (libxml2-utils)"
else
	ok "xmllint --noout --schema '$SCHEMAS/junit-10.xsd' '$TMP/junit.xml'" "JUnit XML validates against the XSD"
fi
is "$(grep -c '<failure' "$TMP/junit.xml")" "$(jq '[.tests[] | select(.status == "failed")] | length' "$TMP/r.json")" \
	"JUnit: one failure per failed test"
is "$(grep -cE '(passed|failed) \|$' "$TMP/r.md")" "$(jq '.tests | length' "$TMP/r.json")" "Markdown: one row per test"
ok "grep -q 'still open in pipecat' '$TMP/r.md'" "Markdown carries the feedback"

# a semaphore's value is asked of init, inside the box's ipc namespace
mkdir -p "$TMP/semroot/graders/semt" "$TMP/semroot/reference/semt"
cat >"$TMP/semroot/reference/semt/semup.c" <<'C'
#include <stdio.h>
#include <sys/sem.h>
int main(void)
{
	int id = semget(0x5e1, 1, IPC_CREAT | 0600);
	struct sembuf up = { 0, 2, 0 };

	return id < 0 || semop(id, &up, 1) < 0;
}
C
printf 'programs semup\ntest v "value 2" points=1 tags=cleanup\n  start s = student semup\n  expect s exit 0\n  expect sysv sem 0x5e1 value 2 mode 0600\n\ntest w "value 3" points=1 tags=cleanup\n  start s = student semup\n  expect s exit 0\n  expect sysv sem 0x5e1 value 3\n' \
	>"$TMP/semroot/graders/semt/t.scn"
IPCGRADE_ROOT=$TMP/semroot "$IPCGRADE" grade semt "$TMP/semroot/reference/semt" --json "$TMP/sem.json" >/dev/null 2>&1
is "$(jq -r '[.tests[].status] | join(",")' "$TMP/sem.json")" passed,failed "sysv sem KEY value N sees the semaphore's value"
ok "jq -r '.tests[1].feedback' '$TMP/sem.json' | grep -q 'has the value 2, not 3'" "  and says what it was"

# a hostile submission: a symlink to a host file is refused, as a verdict
mkdir -p "$TMP/evil" && ln -s /etc/passwd "$TMP/evil/pipecat.c"
"$IPCGRADE" grade pipe "$TMP/evil" --json "$TMP/evil.json" >/dev/null 2>&1
is "$?" 1 "a submission holding a symlink gets a verdict (exit 1), not a harness error"
ok "jq -r .build.output '$TMP/evil.json' | grep -q \"refusing symbolic link 'pipecat.c'\"" \
	"  the build output says why: $(jq -r .build.output "$TMP/evil.json" | head -1)"
ok "! jq -r .build.output '$TMP/evil.json' | grep -q 'root:x:0'" "  and shows nothing of the file it points at"

# a compiler quoting a submission that is not UTF-8 (Latin-1 comments):
# the report is still written, valid, with the byte replaced
mkdir -p "$TMP/latin1" && printf 'int main(void) { return 0 } /* caf\xe9 */\n' >"$TMP/latin1/pipecat.c"
"$IPCGRADE" grade pipe "$TMP/latin1" --json "$TMP/latin1.json" >/dev/null 2>&1
is "$?" 1 "a Latin-1 submission that does not build gets a verdict (exit 1)"
ok "jq -e '.build.output | contains(\"caf\\ufffd\")' '$TMP/latin1.json'" \
	"  and a JSON report whose text is UTF-8 (the byte became U+FFFD)"

# a mutant is a patch against its lab's reference: a reference that moves
# under it is caught, by name, rather than graded as something else
mkdir -p "$TMP/moved/graders/pipe/mutants" "$TMP/moved/reference"
cp "$ROOT/graders/pipe/"*.scn "$TMP/moved/graders/pipe/"
cp -r "$ROOT/graders/pipe/mutants/no-wait" "$TMP/moved/graders/pipe/mutants/"
cp -r "$ROOT/reference/pipe" "$TMP/moved/reference/"
IPCGRADE_ROOT=$TMP/moved "$IPCGRADE" selftest --materialize "$TMP/moved-ok" pipe/no-wait >"$TMP/out" 2>&1
is "$?" 0 "selftest --materialize makes a mutant whole"
ok "! cmp -s '$TMP/moved-ok/pipe/no-wait/pipecat.c' '$ROOT/reference/pipe/pipecat.c' && grep -q 'return failed;' '$TMP/moved-ok/pipe/no-wait/pipecat.c'" \
	"  the reference with the mutant's change"
sed -i 's/die("waitpid");/die("waitpid()");/' "$TMP/moved/reference/pipe/pipecat.c"
IPCGRADE_ROOT=$TMP/moved "$IPCGRADE" selftest --materialize "$TMP/moved-bad" pipe/no-wait >"$TMP/out" 2>&1
is "$?" 1 "a patch that no longer applies: --materialize exits 1"
ok "grep -q 'no-wait: its mutant.patch no longer applies to reference/pipe' '$TMP/out'" "  and says so: $(head -1 "$TMP/out")"
IPCGRADE_ROOT=$TMP/moved "$IPCGRADE" selftest pipe >"$TMP/out" 2>&1
is "$?" 1 "selftest fails when a mutant's patch no longer applies"
ok "grep -q '^not ok 2 - pipe/no-wait: cannot be made from the reference' '$TMP/out' && grep -q '^# its mutant.patch no longer applies' '$TMP/out'" \
	"  naming the mutant and the reason"
"$IPCGRADE" selftest --materialize "$TMP/none" pipe/no-such-mutant >"$TMP/out" 2>&1
is "$?" 2 "--materialize of a mutant that does not exist exits 2"

# a compiler warning of a telling kind is named under the failed test that
# ran the program it was found in, and under no other test
cp -r "$(mutant msgq/ignores-type)" "$TMP/warned"
sed -i '/m.mtype != type/,+1d' "$TMP/warned/msg_recv.c"
printf 'static void unused_arg(int sig) { (void)0; }\n' >>"$TMP/warned/msg_send.c"
"$IPCGRADE" grade msgq "$TMP/warned" --json "$TMP/w.json" >"$TMP/out" 2>&1
is "$?" 1 "a submission whose bug the compiler warned about fails"
ok "jq -e '.build.output | test(\"variable .type. set but not used\") and test(\"unused_arg\")' '$TMP/w.json' >/dev/null" \
	"  and the compiler did warn"
is "$(jq -r '[.tests[] | select(.warnings) | .id] | join(",")' "$TMP/w.json")" recv-types \
	"  the warning is tied to the first failed test that ran msg_recv, and to no other"
ok "jq -e '[.tests[].warnings // [] | .[]] | length == 1' '$TMP/w.json' >/dev/null" \
	"  one warning: msg_send.c's unused function is tied to no test, as no failed test ran msg_send"
ok "grep -A12 '^FAIL' '$TMP/out' | grep -q 'The compiler warned about this program, which may be why:' && grep -q \"msg_recv.c:[0-9]*: variable 'type' set but not used\" '$TMP/out'" \
	"  the text report says it under the test"
