#!/usr/bin/env bash
# The scenario language (harness/scenario.c, docs/scenarios.md): every bad
# snippet is refused with its FILE:LINE: message and nothing is graded;
# the loader is clean under ASan, UBSan and LSan on every grader and every
# bad snippet; the one number parser refuses nan, inf, overflow and junk,
# on the command line too; and small scenarios that must pass exercise
# every condition against a tiny program (tests/scenario/probe.c) and
# system commands.
# check: parallel
. "$(dirname "$0")/lib.sh"

root=$TMP/root
mkdir -p "$root/graders/bad" "$root/reference/bad" "$TMP/sub"

# ---- bad snippets: KIND|SNIPPET|LINE: MESSAGE ----
# KIND H is a whole file (\n between lines); S is steps after a header, a
# test line and `start p = system cat stdin=hold` (so the snippet's first
# line is line 4).
preamble='programs probe\ntest t "t" points=1 tags=output\n  start p = system cat stdin=hold\n'
while IFS='|' read -r kind snippet want; do
	[ -n "$kind" ] && [ "${kind#\#}" = "$kind" ] || continue
	if [ "$kind" = S ]; then printf '%b%b\n' "$preamble" "$snippet"; else printf '%b\n' "$snippet"; fi \
		>"$root/graders/bad/bad.scn"
	IPCGRADE_ROOT=$root "$IPCGRADE" check bad "$TMP/sub" >"$TMP/out" 2>"$TMP/err"
	status=$?
	got=$(head -1 "$TMP/err")
	got=${got#"ipcgrade: $root/graders/bad/bad.scn:"}
	if [ "$status" = 2 ] && [ "$got" = "$want" ]; then pass "refused: $snippet"
	else fail "refused: $snippet"; diag "expected exit 2 and: $want" "got exit $status and: $(head -3 "$TMP/err")"; fi
	cp "$root/graders/bad/bad.scn" "$TMP/bad-$_n.scn"
done <<'EOF'
H|programs a b!c|1: 'b!c' is not a name
H|programs a\nallow read b!c|2: 'b!c' is not a name
H|programs a\ndeny x y!|2: 'y!' is not a name
H|programs a\ndeny reason="no"|2: 'deny' needs at least one name
H|programs a\nallow read reason="no"|2: only a deny line takes a reason=
H|programs a\ndeny semget reason="x" semop|2: reason="..." comes last, after the calls
H|programs a\ntimeout 1e300s|2: '1e300s' is not a duration (e.g. 2s, 500ms)
H|programs a\ntimeout nan|2: 'nan' is not a duration (e.g. 2s, 500ms)
H|programs a\ntimeout infs|2: 'infs' is not a duration (e.g. 2s, 500ms)
H|programs a\ntimeout -1s|2: '-1s' is not a duration (e.g. 2s, 500ms)
H|programs a\ntimeout 99999s|2: '99999s' is too long: a duration is at most 3600s
H|programs a\ntimeout 0x10s|2: '0x10s' is not a duration (e.g. 2s, 500ms)
H|programs a\ntimeout 2s junk|2: expected: timeout DURATION
H|programs a\nbogus x|2: unknown line 'bogus' (before the first test: programs, allow, deny, timeout)
H|programs a\ntest t "t" points=nan tags=output|2: points=nan is not a number from 0 to 1000000
H|programs a\ntest t "t" points=inf tags=output|2: points=inf is not a number from 0 to 1000000
H|programs a\ntest t "t" points=1e999 tags=output|2: points=1e999 is not a number from 0 to 1000000
H|programs a\ntest t "t" points=2x tags=output|2: points=2x is not a number from 0 to 1000000
H|programs a\ntest t "t" points=1 points=2 tags=output|2: option 'points' is given twice
H|programs a\ntest t "t" points=1 tags=output tags=eof|2: option 'tags' is given twice
H|programs a\ntest t "t" points=1 tags=output,nope|2: unknown tag 'nope' (the tags are build, output, blocking, open-order, eof, cleanup, signal, reaping, fd-hygiene, concurrency, interop, errors)
H|programs a\ntest t "t" points=1|2: test 't' has no tags=
H|programs a\ntest t "t" points=1 tags=output|2: test 't' has no steps
S|  start path = system cat|4: 'path' cannot name a process: 'wait path ...' and 'expect path ...' are the box-wide condition
S|  start sysv = system cat|4: 'sysv' cannot name a process: 'wait sysv ...' and 'expect sysv ...' are the box-wide condition
S|  start zombies = system cat|4: 'zombies' cannot name a process: 'wait zombies ...' and 'expect zombies ...' are the box-wide condition
S|  start p = system cat|4: process 'p' is started twice
S|  start q = system cat stdin=random:nan|4: 'nan' is not a size (e.g. 2M, 64K, 100)
S|  start q = system cat stdin=random:1e99|4: '1e99' is not a size (e.g. 2M, 64K, 100)
S|  start q = system cat stdin=random:99999M|4: '99999M' is too large: a size is at most 256M
S|  start q = system cat stdin=random:1K:x|4: 'x' is not a number from 0 to 2147483647
S|  start q = system cat stdout=file|4: stdout=file: the choices are stdout=hold and stdout=frozen
S|  expect p exit within=1e300s|4: '1e300s' is not a duration (e.g. 2s, 500ms)
S|  expect p exit within=nan|4: 'nan' is not a duration (e.g. 2s, 500ms)
S|  expect p exit within=99999999999999999999999999s|4: '99999999999999999999999999s' is too long: a duration is at most 3600s
S|  expect p exit within=2s within=3s|4: option 'within' is given twice
S|  expect p exit hint="a" hint="b"|4: option 'hint' is given twice
S|  expect p exit frob=1|4: unknown option 'frob'
S|  wiat p exit|4: unknown step 'wiat'
S|  expect q exit|4: process 'q' has not been started
S|  expect p bogus|4: unknown condition 'bogus'
S|  expect p|4: expected a condition after the process
S|  expect p.kid exit|4: 'p.kid' is not a process name
S|  expect p exit 256|4: '256' is not a number from 0 to 255
S|  expect p exit 1 2|4: unexpected '2' after the condition
S|  expect p killed SIGFOO|4: expected a signal after 'killed'
S|  expect p cpu < nan|4: expected: cpu < DURATION
S|  expect p fds all|4: expected: fds std
S|  expect p stdout == "x"|4: unknown comparison '==' (=, contains, regex, lines)
S|  expect p stdout = q|4: process 'q' has not been started
S|  expect path "x" weird|4: 'weird': a path is absent, fifo, socket, file, dir, empty or listening
S|  expect path "x" listening 1|4: expected: mode 0NNN
S|  expect p stopped now|4: unexpected 'now' after the condition
S|  start q = system cat children=free|4: children=free: the choice is children=held
S|  expect p held 1|4: 'held' counts the children of a process started with children=held, and 'p' was not
S|  expect p.all held 1|4: 'held' is not a fact of a live process, so it cannot be asked of p.all
S|  expect path "x" fifo mode 9|4: expected: mode 0NNN
S|  expect sysv msg|4: expected a KEY after 'msg'
S|  expect sysv shm 1 value 3|4: only a semaphore set has a value
S|  expect sysv none 1|4: nothing may follow 'sysv none'
S|  expect zombies many|4: expected a number after 'zombies'
S|  expect p unwaited|4: expected a number after 'unwaited'
S|  expect p.all unwaited 0|4: 'unwaited' is not a fact of a live process, so it cannot be asked of p.all
S|  write p "a\\xZZ"|4: \x needs two hex digits
S|  write p "open|4: a string is not closed (missing '"')
S|  signal p SIGNOPE|4: expected: signal ID SIGNAME
S|  expect p.all exit 0|4: 'exit' is not a fact of a live process, so it cannot be asked of p.all
S|  expect p.child stdout = "x"|4: 'stdout' is not a fact of a live process, so it cannot be asked of p.child
S|  expect p.all path "x" absent|4: 'path' is not a fact of a live process, so it cannot be asked of p.all
S|  expect p.some fds std|4: 'p.some' is not a process name
S|  write p.child "x"|4: 'write p.child': write takes a started process
S|  close p.all|4: 'close p.all': close takes a started process
S|  signal p.all SIGTERM|4: 'signal p.all': signal takes a started process
S|  expect p exit = q|4: process 'q' has not been started
S|  expect p exit = "p"|4: expected: exit = ID (the process whose exit status to match)
S|  expect p exit = p p|4: expected: exit = ID (the process whose exit status to match)
S|  expect path "d" empty mode|4: expected: mode 0NNN
S|  expect p exit when="p exit"|4: when= is the premise of a hint=, and this step has none
S|  write p "x" hint="h"|4: only wait and expect steps take hint=, when= and common=
S|  expect p exit hint="h" when="p bogus"|4: unknown condition 'bogus'
S|  expect p exit hint="h" when="q exit"|4: process 'q' has not been started
S|  expect p exit hint="h" when="p exit within=1s"|4: when="p exit within=1s": expected a condition, as a wait or expect step writes it ("ID COND", or a box-wide COND), without options
S|  expect p exit hint="h" when="not"|4: expected a condition after the process
S|  expect p exit hint="h" when="p.all exit"|4: 'exit' is not a fact of a live process, so it cannot be asked of p.all
S|  expect p exit hint="h" when="p exit and"|4: when="p exit and": "and" joins two conditions, and one is missing
S|  expect p exit hint="h" when="and p exit"|4: when="and p exit": "and" joins two conditions, and one is missing
S|  expect p exit hint="h" when="p exit or"|4: when="p exit or": "or" joins two conditions, and one is missing
S|  expect p exit hint="h" when="or p exit"|4: when="or p exit": "or" joins two conditions, and one is missing
S|  expect p exit hint="h" when="p exit or p running and p exit 0"|4: when="p exit or p running and p exit 0": the conditions are joined all by "and" or all by "or", not both
S|  expect p exit hint="h" when="p exit and q exit"|4: process 'q' has not been started
S|  expect p exit hint="h" when="p exit and p bogus"|4: unknown condition 'bogus'
S|  expect p exit hint="h" when="p exit and p exit within=1s"|4: when="p exit within=1s": expected a condition, as a wait or expect step writes it ("ID COND", or a box-wide COND), without options
S|  expect p exit hint="h" when="p exit and p exit and p exit and p exit and p exit"|4: when="p exit and p exit and p exit and p exit and p exit": at most 4 conditions
EOF

# ---- the loader under ASan, UBSan and LSan ----
# every grader of the tree and every snippet above: no crash, no leak
san=$TMP/load-san
if cc -std=gnu11 -g -DSTANDALONE -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -o "$san" "$ROOT/tests/fuzz/scenario.c" "$ROOT/harness/scenario.c" \
	"$ROOT/common/number.c" 2>"$TMP/san.log" && "$san" 2>>"$TMP/san.log"; then
	if ASAN_OPTIONS=detect_leaks=1 "$san" "$ROOT"/graders/*/*.scn "$TMP"/bad-*.scn >"$TMP/out" 2>&1
	then pass "the loader is clean under ASan, UBSan and LSan on every grader and bad snippet"
	else fail "the loader is clean under ASan, UBSan and LSan on every grader and bad snippet"
		diag "$(head -20 "$TMP/out")"; fi
else
	skip "the loader under ASan, UBSan and LSan" \
		"sanitizers unavailable here: $(head -c 200 "$TMP/san.log" | tr '\n' ' ')"
fi

# ---- the same number parser on the command line ----
for v in nan inf 1e300 -1 5x 0x10 ""; do
	"$IPCGRADE" run --procs "$v" -- true >"$TMP/out" 2>&1
	st=$?
	if [ "$st" = 2 ] && grep -q "invalid value '$v' for --procs" "$TMP/out"; then
		pass "run --procs '$v' is refused"
	else fail "run --procs '$v' is refused"; diag "exit $st: $(head -2 "$TMP/out")"; fi
done
"$IPCGRADE" run --time 1e300 -- true >"$TMP/out" 2>&1
is "$?" 2 "run --time 1e300 is refused"

# ---- every subcommand's --help: usage on stdout, exit 0 ----
for c in list check grade selftest run help; do
	"$IPCGRADE" "$c" --help >"$TMP/out" 2>"$TMP/err"
	st=$?
	if [ "$st" = 0 ] && grep -qi '^usage: ' "$TMP/out" && [ ! -s "$TMP/err" ]; then
		pass "ipcgrade $c --help prints its usage and exits 0"
	else fail "ipcgrade $c --help prints its usage and exits 0"; diag "exit $st: $(head -2 "$TMP/out" "$TMP/err")"; fi
done

# ---- happy paths: every condition holds where it must ----
# ok.scn's visible tests must pass; its hidden ones must fail, as said below
mkdir -p "$root/graders/ok" "$root/reference/ok"
cp "$ROOT/tests/scenario/probe.c" "$root/reference/ok/"
cp "$ROOT/tests/scenario/probe.c" "$TMP/sub/"
cp -r "$ROOT/tests/scenario/ok.scn" "$ROOT/tests/scenario/data" "$root/graders/ok/"
IPCGRADE_ROOT=$root "$IPCGRADE" grade ok "$TMP/sub" --json "$TMP/ok.json" >"$TMP/out" 2>&1
is "$?" 1 "grading the happy paths and the failures on purpose exits 1"
failed=$(jq -r '.tests[] | select(.visibility == "visible" and .status != "passed") | .id + ": " + .feedback' \
	"$TMP/ok.json" 2>/dev/null)
if [ -s "$TMP/ok.json" ] && [ -z "$failed" ]; then
	pass "every happy-path scenario passes (every condition holds)"
else
	fail "every happy-path scenario passes (every condition holds)"
	diag "$failed" "$(head -5 "$TMP/out")"
fi
is "$(jq '(.tests | length) == ([.tests[] | select(.duration_ms >= 0)] | length)' "$TMP/ok.json")" true \
	"every test has its duration_ms"
is "$(jq '.timing.steps_ms == ([.tests[].duration_ms] | add)' "$TMP/ok.json")" true \
	"timing.steps_ms is the sum of the tests' durations"
is "$(jq '[.tests[] | select(.id == "long-wait") | .duration_ms >= 400 and
	.duration_ms > .events[-1].t_ms + 300] | .[0]' "$TMP/ok.json")" true \
	"duration_ms counts the wait after the last event"

# ---- failing on purpose: what the feedback says ----
fb() { jq -r --arg id "$1" '.tests[] | select(.id == $id) | .status + ": " + .feedback' "$TMP/ok.json"; }
ok "fb all-leaky | grep -q '^failed: .*expected probe and each of its children to hold no descriptor besides 0, 1 and 2' &&
	fb all-leaky | grep -q \"open besides 0, 1 and 2: fd 3 (the read end of a pipe), fd 4 (the write end of a pipe) in probe's child running probe\\.\"" \
	"ID.all names the descendant that broke the condition, and what it runs"
ok "fb exit-differs | grep -q '^failed: .*expected sh to end as probe (reference) did' &&
	fb exit-differs | grep -q 'sh exited with status 3, but probe (reference) exited with status 2'" \
	"exit = ID2 says how each of the two ended"
ok "fb not-empty | grep -q '^failed: .*expected the directory e to be empty' &&
	fb not-empty | grep -q 'e is not empty: it still holds \"a\", \"b\"'" \
	"path empty lists what was left, in name order"
ok "fb unwaited | grep -q '^failed: .*expected it to leave at most 1 of its children unwaited for when it exits' &&
	fb unwaited | grep -q '2 of probe (reference).s processes had ended but were never waited for when it exited'" \
	"unwaited counts the zombies a parent left to the box's init"
ok "fb not-listening | grep -q '^failed: .*expected sock to be a socket that a server listens on' &&
	fb not-listening | grep -q 'sock is a bound socket, but listen() has not been called on it'" \
	"path listening tells a bound socket from a listening one"
ok "fb too-few-held | grep -q '^failed: .*for it to have created 1 child process (each held as it starts)' &&
	fb too-few-held | grep -q '0 of sh.s child processes were created and held, not 1'" \
	"held N says how many children were held"
ok "fb file-not-empty | grep -q 'input.txt is a file, not a directory'" \
	"path empty of a file says it is no directory"
ok "fb child-of-twins | grep -q '^failed: ' && fb child-of-twins | grep -q 'has 2 child processes where one was expected'" \
	"ID.child of a process with two children fails, saying there are two"

# ---- the feedback in the student's terms; the grader's internals apart ----
internals=$(jq -r '.tests[] | select(.status == "failed") | .id + ": " + .feedback' "$TMP/ok.json" |
	grep -E '\.scn:|in the box|pid [0-9]|(waited for|expected) [a-z] (to|stdout|stderr|descriptors)|SysV IPC|pipe [0-9]|FIFO [0-9]' | head -5)
is "$internals" "" "no feedback shows a scenario's file, a step's variable, a box pid or an inode"
is "$(jq -r '.tests[] | select(.id == "same-a") | .step.text + " @" + (.step.line | tostring)' "$TMP/ok.json")" \
	"wait p blocked read within=1s @$(grep -n 'test same-a' "$ROOT/tests/scenario/ok.scn" | cut -d: -f1 | xargs expr 2 +)" \
	"the failed step, as written and where, is in the result's step"
ok "jq -r '.tests[] | select(.id == \"all-leaky\") | .debug' '$TMP/ok.json' | grep -q 'probe (pid [0-9]* in the box)'" \
	"box pids are in the result's debug"
ok "fb same-a | grep -q '^failed: We started \`sh -c \\\"exit 4\\\"\` and waited up to 1 s for it to block in read()\\.'" \
	"the story: what was started, and what was waited for, in words"

# ---- hints gated by their premise (when=), common causes ----
ok "fb hint-shown | grep -q '^Hint: exit 0 when all is well\$' && fb hint-shown | grep -q '^A common cause: forgetting to return 0\$'" \
	"a hint whose premise held is shown; common= is labelled a common cause"
is "$(jq -r '.tests[] | select(.id == "hint-shown") | .cause + " / " + .fix' "$TMP/ok.json")" \
	'sh exited with status 3, saying "nope". / exit 0 when all is well.' \
	"a program that ended is the cause (with its stderr), the hint whose premise held the fix"
ok "fb hint-shown | grep -q '^On stderr it said \"nope\\\\n\"\\.'" "the feedback quotes the stderr of a program that ended"
ok "fb hint-hidden | grep -q '^failed: ' && ! fb hint-hidden | grep -q 'PREMISE-FALSE'" \
	"a hint whose premise (when=) did not hold is left out"
ok "fb hint-not | grep -q '^Hint: NOT-PREMISE'" "when=\"not ...\" turns the premise round"
ok "fb hint-and | grep -q '^Hint: BOTH-HOLD'" "when=\"A and not B\": shown when both parts hold"
ok "fb hint-or | grep -q '^Hint: ONE-HOLDS'" "when=\"A or B\": shown when one part holds"
ok "fb hint-or-false | grep -q '^failed: ' && ! fb hint-or-false | grep -q 'NONE-HOLDS'" \
	"when=\"A or B\": left out when neither holds"
ok "fb hint-and-false | grep -q '^failed: ' && ! fb hint-and-false | grep -q 'ONE-FALSE'" \
	"when=\"A and B\": left out when one part does not hold"
ok "jq -r '.tests[] | select(.id == \"hint-hidden\") | .debug' '$TMP/ok.json' | grep -q 'premise (when=) did not hold'" \
	"the debug text says the premise did not hold"

# ---- not checked: a wait that failed the way an earlier test failed ----
is "$(jq -r '.tests[] | select(.id == "same-b") | .not_checked | .test + " / " + .step.text' "$TMP/ok.json")" \
	'same-a / expect p stdout = "never looked at"' \
	"a test stopped at a wait by an earlier test's cause is not checked, naming that test and its unreached check"
is "$(jq -r '[.tests[] | select(.id == "same-a") | has("not_checked")] | .[0]' "$TMP/ok.json")" false \
	"the first test of a cause tells its own story"
is "$(jq -r '[.tests[] | select(.id == "same-a" or .id == "same-c") | .cause] | unique | length' "$TMP/ok.json")/$(
	jq -r '.tests[] | select(.id == "same-c") | has("not_checked")' "$TMP/ok.json")" "1/false" \
	"a check that fails the way an earlier test failed shares its cause, and was checked"
is "$(jq -r '.tests[] | select(.id == "hint-plain") | .cause + " / " + .fix' "$TMP/ok.json")" \
	"input.txt is a file, not a fifo. / make it a FIFO." \
	"a hint without a premise makes what happened the cause and itself the fix"
