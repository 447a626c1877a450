#!/usr/bin/env bash
# A wait ends at once when nothing in the box can change any more
# (harness/hang.c): the hangs below end early, as their events say, and
# the waits that a timer or another process ends are never taken for a
# hang, however long their own deadline. No timing is asserted: the hangs
# have deadlines of 600 s, and the box's 30 s limit would end them first,
# without the "ended early" event, if the detector failed to fire.
. "$(dirname "$0")/lib.sh"

root=$TMP/root
mkdir -p "$root/graders/hang" "$root/reference/hang" "$TMP/sub"
for prog in timed compute sockwait; do
	cp "$ROOT/tests/progs/$prog.c" "$root/reference/hang/"
	cp "$ROOT/tests/progs/$prog.c" "$TMP/sub/"
done
# the submission's compute does five times the reference's work
sed -i 's/^#define SCALE 1$/#define SCALE 5/' "$TMP/sub/compute.c"
grep -q '^#define SCALE 5$' "$TMP/sub/compute.c" || fail "the submission's compute is scaled"
# the reference's step times, measured afresh for this grader
export IPCGRADE_CACHE=$TMP/cache
mkdir -p "$IPCGRADE_CACHE"
cat >"$root/graders/hang/hang.scn" <<'SCN'
programs timed compute sockwait
timeout 30s

test stdin-held "cat reads a stdin the engine holds open" points=1 tags=eof
  start p = system cat stdin=hold
  expect p exit 0 within=600s

test fifo-self "cat reads a FIFO it holds the write end of" points=1 tags=eof
  start p = system sh -c "mkfifo /tmp/f && exec 3<>/tmp/f && exec cat <&3 3>&-; echo no"
  wait p blocked read on fifo
  expect p exit 0 within=600s

test stdout-held "yes writes to a stdout the engine holds" points=1 tags=output
  start p = system yes stdout=hold
  wait p output "never" within=600s

test parent-child "a shell waits for its cat, which reads a held stdin" points=1 tags=eof
  start p = system sh -c "cat; echo done" stdin=hold
  expect p exit 0 within=600s

test spinner "a shell loop where a read was expected" points=1 tags=blocking
  start p = system sh -c "while :; do :; done"
  wait p blocked read within=600s

test zombie-child "cat reads a held stdin beside a zombie child it never waits for" points=1 tags=reaping
  start p = system sh -c "true & exec cat" stdin=hold
  expect p exit 0 within=600s

test empty-box "a process that has ended cannot block any more" points=1 tags=blocking
  start p = system true
  wait p blocked read within=600s

test exit-beside-hang "a process ends while another one hangs" points=1 tags=output
  start q = system cat stdin=hold
  start p = system sh -c "echo hi"
  expect p exit 0 within=600s
  expect p stdout = "hi\n"

test output-then-hang "output written just before a hang is still read" points=1 tags=output
  start p = system sh -c "echo hi; exec cat" stdin=hold
  wait p output "hi" within=600s

test timed-sleep "a timed sleep is not a hang" points=1 tags=output
  start p = system sh -c "sleep 0.3; echo hi"
  wait p output "hi" within=600s

test alarm-handler "read with an alarm handler is not a hang" points=1 tags=signal
  start p = reference timed handler stdin=hold
  wait p output "rang" within=600s

test alarm-silent "read with an alarm and no handler is not a hang" points=1 tags=signal
  start p = reference timed silent stdin=hold
  expect p killed SIGALRM within=600s

test alarm-pause "pause with an alarm is not a hang" points=1 tags=signal
  start p = reference timed pause
  wait p output "rang" within=600s

test alarm-child "waiting for a child that an alarm ends is not a hang" points=1 tags=reaping
  start p = reference timed parent stdin=hold
  wait p output "child rang" within=600s

test spin-to-end "a shell loop where an end was expected" points=1 tags=output
  start p = system sh -c "while :; do :; done"
  expect p exit 0 within=1s

test sleep-to-end "a timed sleep where an end was expected" points=1 tags=output
  start p = system sleep 5
  expect p exit 0 within=1s

test busy-then-block "a program that computes a little and then blocks" points=1 tags=blocking
  start p = system sh -c "i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done; exec cat" stdin=hold
  wait p blocked read on pipe within=600s

test load-beside "cat reads a held stdin beside the test's CPU load" points=1 tags=eof
  start b = system sh -c "while :; do :; done" role=load
  start p = system cat stdin=hold
  expect p exit 0 within=600s

test spinner-beside "cat reads a held stdin beside a spinner that could act" points=1 tags=eof
  start b = system sh -c "while :; do :; done"
  start p = system cat stdin=hold
  expect p exit 0 within=1s

test accept-alone "a server waits in accept() where no one can connect" points=1 tags=blocking
  start p = student sockwait accept sock
  expect p exit 0 within=600s

test accept-timeout "accept() with SO_RCVTIMEO is not a hang" points=1 tags=blocking
  start p = student sockwait timeout sock
  wait p output "gave up" within=600s

test spin-alone "a program spins where the reference ends at once" points=1 tags=output
  start p = student compute spin
  expect p exit 0 within=600s

test compute-slower "a program computes five times as long as the reference" points=1 tags=output
  start p = student compute work
  expect p exit 0 within=600s

test spin-on-child "a parent polls for a child that computes 125 times as long as the reference's" points=1 tags=output
  start p = student compute helper
  expect p exit 0 within=600s
SCN
IPCGRADE_ROOT=$root "$IPCGRADE" grade hang "$TMP/sub" --json "$TMP/h.json" >"$TMP/out" 2>&1
if ! [ -s "$TMP/h.json" ]; then
	fail "the hang grader ran"; diag "$(head -20 "$TMP/out")"
fi
st() { jq -r --arg id "$1" '.tests[] | select(.id == $id) | .status' "$TMP/h.json"; }
early() { jq -r --arg id "$1" '[.tests[] | select(.id == $id) | .events[].text |
	select(. == "ended early: every process waits on another (hang)")] | length' "$TMP/h.json"; }
fb() { jq -r --arg id "$1" '.tests[] | select(.id == $id) | .feedback' "$TMP/h.json"; }

for id in stdin-held fifo-self stdout-held parent-child zombie-child empty-box accept-alone load-beside; do
	if [ "$id" = accept-alone ] && [ "$(jq -r .isolation.netns "$TMP/h.json")" != true ]; then
		# without a network namespace of its own anyone could connect
		skip "$id: a hang, ended early" "the box has no network namespace here (host mode)"
		continue
	fi
	if [ "$(st "$id")" = failed ] && [ "$(early "$id")" = 1 ]; then pass "$id: a hang, ended early"
	else fail "$id: a hang, ended early"; diag "status $(st "$id")" "$(fb "$id" | head -20)"; fi
done
spin=$(jq -r '[.tests[] | select(.id == "spinner") | .events[].text |
	select(. == "ended early: p spins instead of blocking")] | length' "$TMP/h.json")
if [ "$(st spinner)" = failed ] && [ "$spin" = 1 ]; then pass "spinner: ended early as a spinner"
else fail "spinner: ended early as a spinner"; diag "status $(st spinner)" "$(fb spinner | head -20)"; fi
cause() { jq -r --arg id "$1" '.tests[] | select(.id == $id) | .cause // ""' "$TMP/h.json"; }
ok "[ \"\$(st spin-to-end)\" = failed ] && cause spin-to-end | grep -q '^sh never ended: in the [0-9.]* s we waited it did not sleep once and used [0-9]* ms of CPU'" \
	"a wait for an end that a spinner outlasts says, once at its deadline, that it never slept: $(cause spin-to-end | head -c 80)"
ok "[ \"\$(st sleep-to-end)\" = failed ] && ! cause sleep-to-end | grep -q 'never ended'" \
	"  and says nothing of the kind of a program that sleeps"
ok "fb spinner | grep -q 'We stopped waiting early: sh was running, not blocked: it used [0-9]* ms of CPU in [0-9.]* s without sleeping once'" \
	"the feedback says the wait ended early on a spinner"
for id in exit-beside-hang output-then-hang busy-then-block timed-sleep alarm-handler alarm-silent alarm-pause alarm-child \
	accept-timeout; do
	if [ "$(st "$id")" = passed ] && [ "$(early "$id")" = 0 ]; then pass "$id: not a hang"
	else fail "$id: not a hang"; diag "status $(st "$id")" "$(fb "$id" | head -20)"; fi
done
ok "fb stdin-held | grep -q 'Nothing could change any more (every process left was waiting for another), so we stopped waiting after [0-9.]* s instead of at the deadline of 600 s.'" \
	"the feedback says the wait ended early and names its deadline"
ok "fb fifo-self | grep -q 'read() on the FIFO '" "the feedback says where cat waits"
ok "fb accept-alone | grep -q 'blocked in accept() on a socket'" "the feedback says where the server waits"
# a spinner alone in the box, where the reference ends at once: cut short,
# said in the words used at a deadline; a program that computes longer
# than the reference, or that spins while another process works, is not
spun() { jq -r --arg id "$1" '[.tests[] | select(.id == $id) | .events[].text |
	select(test("^ended early: p, alone able to act, neither slept nor moved a byte"))] | length' "$TMP/h.json"; }
ok "[ \"\$(st spin-alone)\" = failed ] && [ \"\$(spun spin-alone)\" = 1 ]" \
	"spin-alone: ended early, long before its deadline of 600 s"
ok "cause spin-alone | grep -q '^compute never ended: in the [0-9.]* s we waited it did not sleep once and used [0-9]* ms of CPU'" \
	"  its cause says it never slept: $(cause spin-alone | head -c 80)"
ok "fb spin-alone | grep -q 'We stopped waiting early: compute never ended'" "  and the feedback that the wait ended early"
for id in compute-slower spin-on-child; do
	if [ "$(st "$id")" = passed ] && [ "$(spun "$id")" = 0 ]; then pass "$id: not cut short"
	else fail "$id: not cut short"; diag "status $(st "$id")" "$(fb "$id" | head -20)"; fi
done
ok "jq -e '.times[\"compute-slower\"][1] | numbers' $IPCGRADE_CACHE/times-hang-*.json" \
	"  (the reference's time for its wait was known, so the bound applied)"
ok "[ \"\$(st spinner-beside)\" = failed ] && [ \"\$(early spinner-beside)\" = 0 ]" \
	"a spinner not declared role=load may act: the wait beside it runs to its deadline"
ok "fb load-beside | grep -q \"the test's own CPU load runs beside them, but acts on no process\"" \
	"  and the feedback of a hang beside role=load says the load was left aside"
printf 'programs timed\ntest t "t" points=1 tags=output\n  start p = student timed role=load\n  expect p exit 0\n' \
	>"$root/graders/hang/hang.scn"
IPCGRADE_ROOT=$root "$IPCGRADE" grade hang "$TMP/sub" >"$TMP/out" 2>&1
ok "[ $? = 2 ] && grep -q 'role=load is for a system command that only burns CPU' '$TMP/out'" \
	"role=load on a student's program is refused: only the grader's own command can promise it"
