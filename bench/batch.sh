#!/usr/bin/env bash
# Grading a class: ipcgrade batch at -j 1 and -j 2 (a first grading, and
# a regrade that knows each grading's duration) against one podman
# container per submission (what Gradescope and Autolab do), in one run,
# on the same class; what isolation costs each way per submission (our
# boxes' set-up and teardown against a container's start and stop); then
# the batch process's peak memory as the class grows. Not part of make
# check: it takes many minutes.
#
#   bash bench/batch.sh [N] [MEMORY_SIZES]
#     N             the class: N submissions spread over every lab, made
#                   from its reference and mutants (hanging ones included);
#                   default 200; 0 skips the class (memory figures only)
#     MEMORY_SIZES  class sizes for the memory figure (the pipe lab, at
#                   -j 2); default "200 2000"; "" skips it
#   BASELINE=0          skips the containers
#   BASELINE_SAMPLE=K   containers for K submissions drawn at random (a
#                       fixed seed) from the class, extrapolated to N;
#                       default 30; 0 means all N
#   BASELINE_JOBS="1 2" containers at a time, one pass each
#   REGRADE=0           skips the regrade at -j 2
#   MEMORY_VARIANTS="reference syntax-error ..."
#                       the memory classes cycle through these of the pipe
#                       lab's variants (a name may repeat, to weigh it);
#                       default all of them
#
# The container baseline runs the same `ipcgrade grade` inside a fresh
# container per submission (runc, --privileged so that the grading inside
# makes the same boxes; the host's /usr mounted read-only over a minimal
# Debian image, so that compiler and libraries are the same ones). To be
# fair to it, the containers get the reference built once beforehand
# (--prebuilt-reference), as an autograder image would have it built at
# its setup, and as the batch does once per lab; and a volume for the
# cache of the reference's step times (IPCGRADE_CACHE), which the batch
# keeps in the user's cache. Its cost above the batch is then the
# container's start and teardown per submission.
#
# Every figure comes with the load average at its end: the machine may be
# shared. Each batch's peak memory is the batch process's own (VmHWM, read
# while it is stopped at its end by IPCGRADE_TEST_STOP=done), not its
# children's.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
ipcgrade=$here/build/ipcgrade
N=${1:-200}
MEMN=${2-200 2000}
BASELINE=${BASELINE:-1}
SAMPLE=${BASELINE_SAMPLE:-30}
PJOBS=${BASELINE_JOBS:-1 2}
[ -x "$ipcgrade" ] || { echo "build first: make" >&2; exit 2; }
for p in sqlite3 bc perl; do
	command -v $p >/dev/null || { echo "bench/batch.sh needs $p" >&2; exit 2; }
done
W=$(mktemp -d /var/tmp/ipcgrade-batchbench.XXXXXX)
chmod 755 "$W"
trap 'rm -rf "$W"' EXIT

labs=$(ls "$here/graders")
# every variant: lab:dir; the mutants made whole from their patches
"$ipcgrade" selftest --materialize "$W/mutants" >/dev/null 2>&1 ||
	{ echo "cannot materialize the mutants" >&2; exit 2; }
variants=()
for lab in $labs; do
	variants+=("$lab:$here/reference/$lab")
	for m in "$W/mutants/$lab"/*/; do variants+=("$lab:${m%/}"); done
done

make_class() {	# DEST N [LAB [NAME...]]: N students over the variants (of LAB only, if
		# given; those NAMEs of it, in that order, if given)
	local dest=$1 n=$2 only=${3:-} i=0 k=0 v lab dir
	local -a pool=()
	shift $(($# < 3 ? $# : 3))
	for v in "$@"; do
		[ "$v" = reference ] && pool+=("$only:$here/reference/$only") || pool+=("$only:$W/mutants/$only/$v")
	done
	[ $# -gt 0 ] || for v in "${variants[@]}"; do
		[ -z "$only" ] || [ "${v%%:*}" = "$only" ] && pool+=("$v")
	done
	while [ $i -lt "$n" ]; do
		v=${pool[$((k % ${#pool[@]}))]}
		lab=${v%%:*} dir=${v#*:}
		mkdir -p "$dest/$lab"
		cp -r "$dir" "$dest/$lab/$(printf 's%04d' $i)"
		rm -f "$dest/$lab/$(printf 's%04d' $i)/MUTANT"
		i=$((i + 1)) k=$((k + 1))
	done
}

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# batch ARGS...: runs `ipcgrade batch ARGS`, prints its peak RSS in KiB
batch() {
	IPCGRADE_TEST_STOP=done perl -e '
		use POSIX ":sys_wait_h";
		my $pid = fork() // die;
		if (!$pid) { open STDOUT, ">", "/dev/null"; open STDERR, ">", "/dev/null"; exec @ARGV; exit 127 }
		waitpid($pid, WUNTRACED);
		if (WIFSTOPPED(${^CHILD_ERROR_NATIVE})) {
			open my $f, "<", "/proc/$pid/status"; my ($kb) = map { /^VmHWM:\s+(\d+)/ ? $1 : () } <$f>;
			kill "CONT", $pid; waitpid($pid, 0); print "$kb\n";
		} else { print "0\n" }' "$ipcgrade" batch "$@"
}

if [ "$N" -gt 0 ]; then
	make_class "$W/class" "$N"
	echo "# class: $N submissions over $(ls "$W/class" | wc -l) labs ($(ls "$W/class" | tr '\n' ' ')), $(nproc) cores, $(date -u '+%F %H:%M') UTC, load average $(load)"

	# Lab by lab, its batch at -j 1, at -j 2, and (REGRADE=1) its regrade
	# at -j 2, in turn: a change of the machine's load hits the three
	# alike. The regrade is that of an instructor who changed the grader:
	# every grading again, each one's duration known from the -j 1
	# gradebook, so that the queue starts the longest first; the same
	# work as -j 1's, in another order.
	j1=0 j2=0 rg=0 rss1=0 rss2=0
	verdicts() {	# DB [LAB]
		sqlite3 "$1" "SELECT g.assignment, g.student, t.test_id, t.status FROM gradings g
			JOIN test_results t ON t.grading_id = g.id WHERE g.current = 1
			AND g.assignment LIKE '${2:-%}' ORDER BY 1, 2, 3"
	}
	timed_batch() {	# SECONDS_VAR RSS_VAR LAB ARGS...: adds the wall time, keeps the largest RSS
		local tv=$1 rv=$2 lab=$3 t0 t1 kb
		shift 3
		t0=$(now); kb=$(batch "$lab" "$W/class/$lab" "$@"); t1=$(now)
		eval "$tv=\$(echo \"\$$tv + $t1 - $t0\" | bc -l)"
		[ "$kb" -gt "${!rv}" ] && eval "$rv=$kb"
		printf '  %-9s %s %6.1f s; load average %s\n' "$lab" "$tv" "$(echo "$t1 - $t0" | bc -l)" "$(load)"
	}
	: >"$W/rg.verdicts"
	for lab in $(ls "$W/class"); do
		timed_batch j1 rss1 "$lab" -j 1 --db "$W/j1.db"
		timed_batch j2 rss2 "$lab" -j 2 --db "$W/j2.db"
		if [ "${REGRADE:-1}" = 1 ]; then
			for f in "$W"/j1.db*; do cp "$f" "$W/rg.db${f#"$W"/j1.db}"; done
			sqlite3 "$W/rg.db" "UPDATE gradings SET grader_hash = 'earlier ' || grader_hash"
			rrss=0
			timed_batch rg rrss "$lab" -j 2 --db "$W/rg.db"
			verdicts "$W/rg.db" "$lab" >>"$W/rg.verdicts"
			rm -f "$W"/rg.db*
		fi
	done
	printf 'batch -j 1: %.1f s (%.2f s per submission), peak RSS %s KiB; load average %s\n' \
		"$j1" "$(echo "$j1 / $N" | bc -l)" "$rss1" "$(load)"
	same=$(diff <(verdicts "$W/j1.db") <(verdicts "$W/j2.db") >/dev/null && echo yes || echo NO)
	graded=$(sqlite3 "$W/j2.db" "SELECT COUNT(*) FROM gradings WHERE current = 1")
	printf 'batch -j 2: %.1f s (%.2f s per submission), peak RSS %s KiB, speedup %.2fx; %s graded; verdicts the same as -j 1: %s; load average %s\n' \
		"$j2" "$(echo "$j2 / $N" | bc -l)" "$rss2" "$(echo "$j1 / $j2" | bc -l)" "$graded" "$same" "$(load)"
	if [ "${REGRADE:-1}" = 1 ]; then
		same=$(diff <(verdicts "$W/j1.db") "$W/rg.verdicts" >/dev/null && echo yes || echo NO)
		printf 'regrade -j 2 (durations known, longest first): %.1f s (%.2f s per submission), speedup %.2fx over -j 1; verdicts the same as -j 1: %s; load average %s\n' \
			"$rg" "$(echo "$rg / $N" | bc -l)" "$(echo "$j1 / $rg" | bc -l)" "$same" "$(load)"
	fi
	# where -j 2 loses: each lab's gradings, their sum and the longest. At
	# -j 2 a lab's batch takes at least half the sum, and at least the
	# longest: with -j 1's gradings, the sum of those bounds over the labs
	# (plus what each batch spends outside its gradings) is the best -j 2
	# could do on this class, with two idle cores and a perfect order
	for db in j1 j2; do
		sqlite3 "$W/$db.db" "SELECT assignment, COUNT(*), SUM(duration_ms) / 1000.0, MAX(duration_ms) / 1000.0
			FROM gradings GROUP BY assignment" |
			awk -F'|' -v db="$db" '{ printf "  gradings in %s: %-9s %3d, their sum %6.1f s, the longest %5.1f s\n", db, $1, $2, $3, $4 }'
	done
	sqlite3 "$W/j1.db" "SELECT SUM(duration_ms) / 1000.0, MAX(duration_ms) / 1000.0 FROM gradings GROUP BY assignment" |
		awk -F'|' -v wall="$j1" '{ sum += $1; half = $1 / 2; best += half > $2 ? half : $2 }
			END { out = wall - sum; printf "  the best -j 2 could do here: %.1f s (the gradings %.1f s, outside them %.1f s), %.2fx over -j 1\n",
				best + out, best, out, wall / (best + out) }'

	if [ "$BASELINE" = 1 ]; then
		for p in podman runc jq; do
			command -v $p >/dev/null || apt-get install -y -qq --no-install-recommends $p >/dev/null 2>&1 ||
				{ echo "cannot install $p" >&2; exit 2; }
		done
		img=localhost/ipcgrade-bench-base
		# a minimal Debian 12: the one the project's other container tools
		# make, else Debian's own slim image
		for from in localhost/fresh-bookworm docker.io/library/debian:12-slim; do
			podman image exists $img 2>/dev/null || ! podman image exists $from 2>/dev/null ||
				podman tag $from $img
		done
		podman image exists $img 2>/dev/null || { echo "no Debian 12 image for the containers" >&2; exit 2; }
		# each lab's reference built once, as an autograder image's setup
		# would: a batch stopped before its first grading has built it, and a
		# batch killed there leaves it behind
		for lab in $(ls "$W/class"); do
			mkdir -p "$W/refbuild/$lab" "$W/one/$lab"
			cp -r "$here/reference/$lab" "$W/one/$lab/s"
			TMPDIR=$W/refbuild/$lab IPCGRADE_TEST_STOP=start perl -e '
				use POSIX ":sys_wait_h";
				my $pid = fork() // die;
				if (!$pid) { open STDOUT, ">", "/dev/null"; open STDERR, ">", "/dev/null"; exec @ARGV; exit 127 }
				waitpid($pid, WUNTRACED); kill "KILL", $pid; waitpid($pid, 0);' \
				"$ipcgrade" batch "$lab" "$W/one/$lab" --db "$W/one.db"
			mv "$W/refbuild/$lab"/ipcgrade-ref-* "$W/prebuilt-$lab" 2>/dev/null ||
				{ echo "cannot build the reference of $lab" >&2; exit 2; }
		done
		# the sample: every submission, or K drawn with a fixed seed
		ls -d "$W"/class/*/* >"$W/all"
		if [ "$SAMPLE" -gt 0 ] && [ "$SAMPLE" -lt "$N" ]; then
			shuf -n "$SAMPLE" --random-source=<(yes ipcgrade) "$W/all" >"$W/sample"
		else
			cp "$W/all" "$W/sample"
		fi
		K=$(wc -l <"$W/sample")
		cat >"$W/one-container" <<-EOF
		#!/bin/sh
		# one submission in a fresh container: \$1 its directory; its JSON
		# result and its wall seconds into \$2
		s=\$1 lab=\$(basename "\$(dirname "\$1")")
		t0=\$(date +%s.%N)
		podman run --rm --runtime runc --privileged --network none \\
			--ulimit nofile=20000:20000 --ulimit nproc=32768:32768 \\
			-v /usr:/usr:ro -v /etc/alternatives:/etc/alternatives:ro \\
			-v "$here:/ipcgrade:ro" -v "$W/prebuilt-\$lab:/prebuilt:ro" -v "\$s:/submission:ro" \\
			-v "$W/cache:/cache" -e IPCGRADE_CACHE=/cache \\
			$img /ipcgrade/build/ipcgrade grade "\$lab" /submission --json - \\
			--prebuilt-reference /prebuilt >"\$2.json" 2>/dev/null
		echo "\$(date +%s.%N) - \$t0" | bc >"\$2.secs"
		EOF
		chmod +x "$W/one-container"
		mkdir -p "$W/cache"
		# What isolation costs each way, per submission of the sample, one
		# after the other in turn: our boxes' set-up (box_new(): cgroup,
		# namespaces, init, root filesystem) and teardown (box_finish() and
		# box_free()), summed over every box of the grading (its build's and
		# each scenario's), from IPCBOX_TRACE; against one container's start
		# and stop with the same options, image and volumes, running true.
		# What a program's own start costs in a box (its seccomp filter) is
		# left out: it stands for the fork and exec it needs anyway.
		: >"$W/iso"
		while read -r s; do
			lab=$(basename "$(dirname "$s")")
			IPCBOX_TRACE=1 "$ipcgrade" grade "$lab" "$s" --json /dev/null \
				--prebuilt-reference "$W/prebuilt-$lab" 2>&1 >/dev/null | perl -ne '
				sub gap { ($_[1] - $_[0] + 100000000) % 100000000 }
				next unless /^ipcbox-trace: (\S.*?)\s+(\d+) \+\s*\d+ us$/;
				my ($step, $t) = ($1, $2);
				if ($step eq "start") { $start = $t; $boxes++ }
				elsif ($step eq "root built" && defined $start) { $up += gap($start, $t); undef $start }
				elsif ($step eq "finish" && !defined $fin) { $fin = $t }
				elsif ($step eq "freed" && defined $fin) { $down += gap($fin, $t); undef $fin }
				END { printf "%d %.3f %.3f ", $boxes, $up / 1e6, $down / 1e6 }' >>"$W/iso"
			t0=$(now)
			podman run --rm --runtime runc --privileged --network none \
				--ulimit nofile=20000:20000 --ulimit nproc=32768:32768 \
				-v /usr:/usr:ro -v /etc/alternatives:/etc/alternatives:ro \
				-v "$here:/ipcgrade:ro" -v "$W/prebuilt-$lab:/prebuilt:ro" -v "$s:/submission:ro" \
				-v "$W/cache:/cache" -e IPCGRADE_CACHE=/cache $img true >/dev/null 2>&1
			t1=$(now)
			echo "$(secs "$t0" "$t1")" >>"$W/iso"
		done <"$W/sample"
		awk '{ n++; boxes += $1; up += $2; down += $3; c += $4; if ($2 + $3 > m) m = $2 + $3 }
			END { printf "isolation per submission, %d submissions: ours %.1f boxes, set-up %.3f s + teardown %.3f s = %.3f s (the most %.3f s); one container started and stopped (podman run --runtime runc ... true) %.3f s: %.1fx ours\n",
				n, boxes / n, up / n, down / n, (up + down) / n, m, c / n, c / (up + down) }' "$W/iso"
		echo "  (load average $(load))"
		# the same submissions' gradings in the -j 1 batch, for a ratio on
		# the very same work
		bsecs=0
		while read -r s; do
			lab=$(basename "$(dirname "$s")") st=$(basename "$s")
			ms=$(sqlite3 "$W/j1.db" "SELECT duration_ms FROM gradings WHERE current = 1 AND assignment = '$lab' AND student = '$st'")
			bsecs=$(echo "$bsecs + ${ms:-0} / 1000" | bc -l)
		done <"$W/sample"
		for pj in $PJOBS; do
			rm -rf "$W/pm"
			mkdir "$W/pm"
			t0=$(now)
			awk '{ print $0 "\n" NR }' "$W/sample" |
				xargs -d '\n' -n 2 -P "$pj" sh -c '"$0" "$1" "'"$W"'/pm/$2"' "$W/one-container"
			t1=$(now)
			pm=$(secs "$t0" "$t1")
			ok=$(cat "$W"/pm/*.json | jq -s 'map(select(.score != null)) | length')
			same=$(paste -d' ' "$W/sample" <(seq 1 "$K") | while read -r s i; do
				lab=$(basename "$(dirname "$s")") st=$(basename "$s")
				a=$(sqlite3 "$W/j1.db" "SELECT score FROM gradings WHERE current = 1 AND assignment = '$lab' AND student = '$st'")
				b=$(jq '.score' "$W/pm/$i.json" 2>/dev/null)
				[ "$(echo "${a:-x} == ${b:-y}" | bc 2>/dev/null)" = 1 ] || echo "$lab/$st: $a vs $b"
			done | wc -l)
			per=$(echo "$pm / $K" | bc -l)
			bj=$j1
			[ "$pj" = 2 ] && bj=$j2
			printf 'podman, %s container(s) at a time, %s submissions: %.1f s (%.2f s per submission; %s results, %s scores unlike the batch'"'"'s); for %s: %.0f s; batch -j %s is %.2fx faster; load average %s\n' \
				"$pj" "$K" "$pm" "$per" "$ok" "$same" "$N" "$(echo "$per * $N" | bc -l)" "$pj" \
				"$(echo "$per * $N / $bj" | bc -l)" "$(load)"
			if [ "$pj" = 1 ]; then
				csum=$(cat "$W"/pm/*.secs | paste -sd+ | bc -l)
				printf '  the same %s submissions, one at a time: containers %.1f s, their gradings in batch -j 1 %.1f s: %.2fx\n' \
					"$K" "$csum" "$bsecs" "$(echo "$csum / $bsecs" | bc -l)"
			fi
		done
	fi
fi

# the batch process's own peak memory as the class grows, at -j 2: its
# VmHWM every tenth of the class (sampled every 2 s: a reading, not a
# synchronisation) and at its end, where IPCGRADE_TEST_STOP=done stops it
for n in $MEMN; do
	rm -rf "$W/mem" "$W"/mem.db*
	make_class "$W/mem" "$n" pipe ${MEMORY_VARIANTS:-}
	t0=$(now)
	IPCGRADE_TEST_STOP=done "$ipcgrade" batch pipe "$W/mem/pipe" -j 2 --db "$W/mem.db" >/dev/null 2>&1 &
	pid=$!
	step=$(( (n + 9) / 10 )) next=$(( (n + 9) / 10 )) along="" kb="" t1=""
	while [ -e "/proc/$pid" ]; do
		if [ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" = T ]; then
			t1=$(now)
			kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
			kill -CONT "$pid"
			break
		fi
		done_=$(sqlite3 "$W/mem.db" "SELECT COUNT(*) FROM gradings" 2>/dev/null || echo 0)
		if [ "${done_:-0}" -ge "$next" ]; then
			along="$along $done_:$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")"
			next=$(( next + step ))
		fi
		sleep 2
	done
	wait "$pid"
	t=$(secs "$t0" "${t1:-$(now)}")
	printf 'memory: %s submissions of the pipe lab at -j 2: %.1f s (%.2f s per submission), batch process peak RSS %s KiB at the end; along the way (gradings:KiB):%s; load average %s\n' \
		"$n" "$t" "$(echo "$t / $n" | bc -l)" "${kb:-?}" "$along" "$(load)"
done
