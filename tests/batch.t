#!/usr/bin/env bash
# ipcgrade batch: a class graded into a gradebook survives kill -9 at any
# moment (a rerun grades only what has no result, one current result per
# student), regrades only what changed, never exports an ungradable
# submission as a score, gives the same verdicts at -j 1 and -j 2 with a
# hostile submission in the class, builds the reference once for all its
# gradings, writes the CSV columns it promises, and picks a clone's last
# commit before a deadline.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || plan_skip "sqlite3 is not installed"
command -v git >/dev/null || plan_skip "git is not installed"

# a tree of our own, so that the grader can be changed and broken
R=$TMP/root
mkdir -p "$R/graders" "$R/reference"
cp -r "$ROOT/graders/pipe" "$R/graders/"
cp -r "$ROOT/reference/pipe" "$R/reference/"
export IPCGRADE_ROOT=$R
# the reference's step times, measured afresh for this test
export IPCGRADE_CACHE=$TMP/cache
mkdir -p "$IPCGRADE_CACHE"
# the mutants, as whole submissions
"$IPCGRADE" selftest --materialize "$TMP/mutants" pipe >/dev/null 2>&1
M=$TMP/mutants/pipe
[ -f "$M/no-upper/pipecat.c" ] || plan_skip "cannot materialize the pipe lab's mutants"

class=$TMP/class
mkdir -p "$class"
cp -r "$ROOT/reference/pipe" "$class/alice"
cp -r "$M/no-upper" "$class/bob"
cp -r "$M/syntax-error" "$class/carol"
rm -f "$class"/*/MUTANT
# eve forks and then kills every process she can see
mkdir -p "$class/eve"
cat >"$class/eve/pipecat.c" <<'EOF'
#include <signal.h>
#include <unistd.h>
int main(void)
{
	for (int i = 0; i < 100; i++) {
		pid_t p = fork();
		if (p == 0)
			_exit(0);
		if (p < 0)
			break;
	}
	kill(-1, SIGKILL);
	return 0;
}
EOF
small=$TMP/small
mkdir -p "$small"
cp -r "$class/alice" "$class/bob" "$class/carol" "$small/"

q() { sqlite3 "$1" "$2" 2>&1; }
# the verdicts of a gradebook, one line per student and test
verdicts() { q "$1" "SELECT g.student, t.test_id, t.status, t.score FROM gradings g
	JOIN test_results t ON t.grading_id = g.id WHERE g.current = 1 ORDER BY 1, 2"; }
batch() { "$IPCGRADE" batch pipe "$@" 2>"$TMP/batch.err"; }

# run the batch until it stops itself at IPCGRADE_TEST_STOP (waitpid with
# WUNTRACED: the kernel says when, no polling), run $WHILE_STOPPED then,
# and kill -9 it; prints "stopped" or "exited N"
stop_and_kill() {
	perl -e '
		use POSIX ":sys_wait_h";
		my $pid = fork() // die "fork: $!";
		if (!$pid) { open STDERR, ">", "/dev/null"; exec @ARGV; exit 127 }
		# past the deadline, no stop: kill it rather than hang on its stdout
		$SIG{ALRM} = sub { kill "KILL", $pid; waitpid($pid, 0); print "timed out\n"; exit 1 };
		alarm 120;
		waitpid($pid, WUNTRACED);
		# $? does not carry a stop; the native status does
		if (WIFSTOPPED(${^CHILD_ERROR_NATIVE})) {
			if ($ENV{WHILE_STOPPED}) {
				delete $ENV{IPCGRADE_TEST_STOP};
				system("sh", "-c", $ENV{WHILE_STOPPED});
			}
			kill "KILL", $pid;
			waitpid($pid, 0);
			print "stopped\n";
		} else {
			print "exited ", WEXITSTATUS(${^CHILD_ERROR_NATIVE}), "\n";
		}' "$IPCGRADE" batch pipe "$@"
}

# ---- a whole class at -j 2 and at -j 1 ----
batch "$class" -j 2 --db "$TMP/j2.db" --csv "$TMP/j2.csv" --canvas "$TMP/canvas.csv" \
	--moodle "$TMP/moodle.csv" --reports "$TMP/rep" >"$TMP/out"
is "$?" 0 "a class of four is graded, the exit status says every submission has a result"
is "$(q "$TMP/j2.db" "SELECT student || '=' || score FROM gradings WHERE current = 1 ORDER BY 1" | tr '\n' ' ')" \
	"alice=9.0 bob=4.0 carol=0.0 eve=0.0 " \
	"the scores are those of the reference and the mutants, beside a hostile submission"
is "$(q "$TMP/j2.db" "SELECT COUNT(*) FROM gradings WHERE current = 1
	AND json_extract(result, '$.deadlines.source') = 'reference'
	AND json_extract(result, '$.deadlines.measured_ms') = 0")|$(ls "$IPCGRADE_CACHE" | grep -c '^times-pipe-')" \
	"4|1" "the reference's step times were measured once, before the gradings, which all read them"
batch "$class" -j 1 --db "$TMP/j1.db" >/dev/null
is "$(verdicts "$TMP/j1.db")" "$(verdicts "$TMP/j2.db")" "-j 1 and -j 2 give the same verdict on every test"
is "$(q "$TMP/j2.db" "PRAGMA journal_mode")" "wal" "the gradebook is in WAL mode"

# ---- the exports ----
ids=$(jq -r '[.tests[].id] | join(",")' "$TMP/rep/alice.json")
is "$(head -1 "$TMP/j2.csv" | tr -d '\r')" "student,status,score,max_score,$ids,commit,note" \
	"the CSV has a column per test, in the grader's order"
is "$(grep '^bob,' "$TMP/j2.csv" | tr -d '\r')" "bob,graded,4,9,0,0,2,0,1,1,," "a CSV row has the points of each test"
is "$(head -2 "$TMP/canvas.csv" | tr -d '\r' | tr '\n' '|')" \
	"Student,ID,SIS User ID,SIS Login ID,Section,pipe|Points Possible,,,,,9|" \
	"the Canvas file has Canvas's identity columns and a Points Possible row"
is "$(grep '^carol,' "$TMP/moodle.csv" | cut -d, -f1-2)" "carol,0" "the Moodle file has a grade per username"
ok "[ -s '$TMP/rep/eve.txt' ] && [ -s '$TMP/rep/eve.md' ] && [ -s '$TMP/rep/eve.html' ] &&
	jq -e '.submission == \"eve\"' '$TMP/rep/eve.json'" \
	"each student has a text, Markdown, HTML and JSON report under their own name"
"$IPCGRADE" stats "$TMP/j2.db" >"$TMP/stats" 2>&1
ok "grep -q 'pass rate per tag' '$TMP/stats' && grep -q '1 student: pipecat did not build' '$TMP/stats'" \
	"stats gives pass rates and groups the causes of failure"

# the HTML report of a program that prints markup, </details> included
mkdir -p "$TMP/marked/mallory"
cat >"$TMP/marked/mallory/pipecat.c" <<'EOF'
#include <stdio.h>
int main(void)
{
	printf("<script>alert(1)</script></details>\n");
	fprintf(stderr, "</summary></details><script>alert(2)</script>\n");
	return 0;
}
EOF
batch "$TMP/marked" --db "$TMP/marked.db" --reports "$TMP/mrep" >/dev/null
page=$TMP/mrep/mallory.html
ok "grep -q '&lt;script&gt;alert(1)&lt;/script&gt;&lt;/details&gt;' '$page' &&
	grep -q '&lt;/summary&gt;&lt;/details&gt;&lt;script&gt;alert(2)' '$page'" \
	"the HTML report shows what the program printed, markup included, as text"
ok "! grep -qi '<script' '$page' && [ \$(grep -o '<details>' '$page' | wc -l) -ge 1 ] &&
	[ \$(grep -o '<details>' '$page' | wc -l) = \$(grep -o '</details>' '$page' | wc -l) ]" \
	"and none of it as markup: no script, each <details> closed by the report alone"

# ---- kill -9, and a rerun ----
# before the first grading, while a second batch tries the same gradebook
export WHILE_STOPPED="'$IPCGRADE' batch pipe '$small' --db '$TMP/k0.db' >'$TMP/second.out' 2>&1; echo \$? >'$TMP/second.rc'"
is "$(IPCGRADE_TEST_STOP=start stop_and_kill "$small" --db "$TMP/k0.db")" stopped "a batch stops before its first grading"
unset WHILE_STOPPED
is "$(cat "$TMP/second.rc")" 2 "a second batch on the same gradebook is refused"
ok "grep -q 'another batch is writing' '$TMP/second.out'" "and says why"
batch "$small" --db "$TMP/k0.db" -j 2 >"$TMP/out"
ok "grep -q '3 graded now, 0 already graded' '$TMP/out'" "after kill -9 before any grading, the rerun grades all"

# inside the second grading's transaction
is "$(IPCGRADE_TEST_STOP=commit:2 stop_and_kill "$small" --db "$TMP/k1.db" -j 2)" stopped \
	"a batch stops inside a grading's transaction"
is "$(q "$TMP/k1.db" "SELECT COUNT(*) FROM gradings")" 1 "kill -9 there leaves the committed grading only"
batch "$small" --db "$TMP/k1.db" -j 2 >"$TMP/out"
ok "grep -q '2 graded now, 1 already graded' '$TMP/out'" "the rerun grades only the two without a result"
is "$(q "$TMP/k1.db" "SELECT COUNT(*), COUNT(DISTINCT student), SUM(current) FROM gradings")" "3|3|3" \
	"one grading and one current result per student"

# after a grading, with another one running
is "$(IPCGRADE_TEST_STOP=graded:1 stop_and_kill "$small" --db "$TMP/k2.db" -j 2)" stopped \
	"a batch stops after its first grading, another in flight"
batch "$small" --db "$TMP/k2.db" -j 2 >"$TMP/out"
ok "grep -q '2 graded now, 1 already graded' '$TMP/out'" "the rerun grades the two that had no result"
is "$(verdicts "$TMP/k2.db")" "$(verdicts "$TMP/k1.db")" "and the verdicts are those of an uninterrupted run"
batch "$small" --db "$TMP/k2.db" >"$TMP/out"
ok "grep -q '0 graded now, 3 already graded' '$TMP/out'" "a third run grades nothing"

# ---- regrades ----
cp "$ROOT/reference/pipe/pipecat.c" "$small/bob/pipecat.c"
batch "$small" --db "$TMP/k2.db" >"$TMP/out"
ok "grep -q '1 graded now, 2 already graded' '$TMP/out'" "a changed submission is graded again, alone"
"$IPCGRADE" diff "$TMP/k2.db" >"$TMP/diff"
ok "grep -q '^bob: 4 -> 9 of 9 (new submission)' '$TMP/diff' && grep -q '^  eof .*0/2 -> 2/2' '$TMP/diff'" \
	"diff names the student whose score changed, and the tests that changed"
ok "! grep -q '^alice' '$TMP/diff'" "and no one else"
sed -i 's/points=1/points=3/' "$R/graders/pipe/pipe.scn"
# the regrade starts the longest gradings first, as the last ones took
q "$TMP/k2.db" "UPDATE gradings SET duration_ms = CASE student WHEN 'carol' THEN 9000
	WHEN 'bob' THEN 5000 ELSE 1000 END"
last=$(q "$TMP/k2.db" "SELECT MAX(id) FROM gradings")
batch "$small" --db "$TMP/k2.db" -j 1 >"$TMP/out"
ok "grep -q '3 graded now, 0 already graded' '$TMP/out'" "a changed grader regrades everyone"
is "$(q "$TMP/k2.db" "SELECT student FROM gradings WHERE id > $last ORDER BY id" | tr '\n' ' ')" \
	"carol bob alice " "longest first, by each student's last grading"
is "$(q "$TMP/k2.db" "SELECT COUNT(*), SUM(current) FROM gradings WHERE student = 'alice'")" "2|1" \
	"the earlier result is kept, one is current"
"$IPCGRADE" diff "$TMP/k2.db" >"$TMP/diff"
ok "grep -q '^alice: 9 -> 15 of 15 (grader changed)' '$TMP/diff'" "diff says the grader changed"

# ---- the reference, built once by the batch for all its gradings ----
# stopped before its first grading, the batch has built the reference in
# its TMPDIR; with the program taken away, every grading must fail for
# want of it (a grading that built its own would not notice)
mkdir -p "$TMP/reftmp"
is "$(TMP=$TMP TMPDIR=$TMP/reftmp IPCGRADE_TEST_STOP=start perl -e '
	use POSIX ":sys_wait_h";
	my $pid = fork() // die "fork: $!";
	if (!$pid) { open STDOUT, ">", "$ENV{TMP}/out"; open STDERR, ">", "/dev/null"; exec @ARGV; exit 127 }
	$SIG{ALRM} = sub { kill "KILL", $pid; waitpid($pid, 0); print "timed out\n"; exit 1 };
	alarm 120;
	waitpid($pid, WUNTRACED);
	WIFSTOPPED(${^CHILD_ERROR_NATIVE}) or do { print "did not stop\n"; exit 1 };
	my @built = glob("$ENV{TMP}/reftmp/ipcgrade-ref-*/reference/pipecat");
	print scalar(@built), " built, ";
	unlink @built;
	kill "CONT", $pid;
	waitpid($pid, 0);
	print "exited ", WEXITSTATUS(${^CHILD_ERROR_NATIVE}), "\n";' "$IPCGRADE" batch pipe "$small" --db "$TMP/k3.db" -j 2)" \
	"1 built, exited 1" "the batch builds the reference once, before its first grading"
ok "grep -q \"alice: ungradable after 2 attempts: .* does not hold the reference's 'pipecat'\" '$TMP/out'" \
	"every grading uses that one: without it, each is ungradable and says why"
is "$(ls "$TMP/reftmp")" "" "the batch removes its reference at the end"

# ---- a fault of ours: the reference does not build ----
echo 'this is not C' >>"$R/reference/pipe/pipecat.c"
batch "$small" --db "$TMP/k2.db" -j 2 --csv "$TMP/u.csv" --canvas "$TMP/u-canvas.csv" >"$TMP/out"
is "$?" 1 "a batch where no submission could be graded does not exit 0"
ok "grep -q 'alice: ungradable after 2 attempts: the reference of .pipe. does not build' '$TMP/out'" \
	"each student is listed as ungradable, after a retry, with the reason"
is "$(grep -c ',ungradable,,15,' "$TMP/u.csv")" 3 "the CSV leaves their score empty and says ungradable"
is "$(tail -n +3 "$TMP/u-canvas.csv" | wc -l)" 0 "the Canvas file leaves them out: never a zero"
is "$(q "$TMP/k2.db" "SELECT COUNT(*) FROM gradings WHERE status = 'ungradable' AND score IS NULL")" 3 \
	"the gradebook records the ungradable gradings without a score"
is "$(q "$TMP/k2.db" "SELECT student || '=' || score FROM gradings WHERE current = 1 ORDER BY 1" | tr '\n' ' ')" \
	"alice=15.0 bob=15.0 carol=0.0 " "the current results stay those of the last grading that worked"
cp "$ROOT/reference/pipe/pipecat.c" "$R/reference/pipe/pipecat.c"
cp "$ROOT/graders/pipe/pipe.scn" "$R/graders/pipe/pipe.scn"

# ---- git clones and a deadline ----
repos=$TMP/repos
mkdir -p "$repos/frank" "$repos/gina"
commit() {	# REPO DATE FILE
	cp "$3" "$1/pipecat.c"
	git -C "$1" add pipecat.c
	GIT_AUTHOR_DATE=$2 GIT_COMMITTER_DATE=$2 git -C "$1" -c user.name=s -c user.email=s@x \
		commit -qm "at $2"
}
for r in frank gina; do git -C "$repos/$r" init -q; done
commit "$repos/frank" 2026-01-01T10:00:00Z "$M/no-upper/pipecat.c"
first=$(git -C "$repos/frank" rev-parse HEAD)
git -C "$repos/frank" tag v1
commit "$repos/frank" 2026-01-10T10:00:00Z "$ROOT/reference/pipe/pipecat.c"
commit "$repos/gina" 2026-01-12T10:00:00Z "$ROOT/reference/pipe/pipecat.c"
batch "$repos" --db "$TMP/git.db" --before 2026-01-05 --csv "$TMP/git.csv" >"$TMP/out"
is "$?" 1 "a clone with no commit before the deadline means not every student has a result"
is "$(q "$TMP/git.db" "SELECT g.score || ' ' || s.commit_id FROM gradings g
	JOIN submissions s ON s.id = g.submission_id WHERE g.student = 'frank'")" "4.0 $first" \
	"a clone is graded at its last commit before the deadline, and the commit is recorded"
ok "grep -q '  gina: no commit before 2026-01-05' '$TMP/out'" "a student with no commit before it is listed"
is "$(grep '^gina,' "$TMP/git.csv" | cut -d, -f2,3 | tr -d '\r')" "no submission," "and exported without a score"
batch "$repos" --db "$TMP/tag.db" --tag v1 >"$TMP/out"
is "$(q "$TMP/tag.db" "SELECT s.commit_id FROM submissions s JOIN roster r ON r.submission_id = s.id
	WHERE r.student = 'frank'")" "$first" "--tag grades the tagged commit"
ok "grep -q \"gina: no tag 'v1'\" '$TMP/out'" "a clone without the tag is listed"

# ---- bad input ----
batch "$class" --before yesterday >/dev/null
is "$?" 2 "a date git would guess at is refused"
batch "$TMP/nonexistent" --db "$TMP/x.db" >/dev/null
is "$?" 2 "a missing submissions directory is bad input"

# ---- shards, merged ----
for i in 1 2; do
	batch "$repos" --db "$TMP/shard$i.db" --before 2026-01-05 --shard $i/2 >/dev/null
done
is "$(( $(q "$TMP/shard1.db" "SELECT COUNT(*) FROM roster") + $(q "$TMP/shard2.db" "SELECT COUNT(*) FROM roster") ))" 2 \
	"--shard I/N: each student is in exactly one shard"
"$IPCGRADE" merge "$TMP/merged.db" "$TMP/shard1.db" "$TMP/shard2.db" "$TMP/k0.db" >/dev/null
"$IPCGRADE" merge "$TMP/merged.db" "$TMP/shard1.db" "$TMP/shard2.db" "$TMP/k0.db" >"$TMP/out"
is "$(q "$TMP/merged.db" "SELECT COUNT(*), SUM(current), COUNT(DISTINCT student) FROM gradings")" "4|4|4" \
	"merge gathers the shards' gradings, one current result per student"
is "$(grep -c ': 0 gradings added' "$TMP/out")" 3 "merging the same shards again adds nothing"
batch "$repos" --db "$TMP/merged.db" --before 2026-01-05 >"$TMP/out"
ok "grep -q '0 graded now, 1 already graded' '$TMP/out'" "a batch on the merged gradebook finds the shards' results"
