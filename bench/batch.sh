#!/usr/bin/env bash
# Grading a class: ipcgrade batch at -j 1 and -j 2 against one podman
# container per submission (what Gradescope and Autolab do), in one run,
# on the same class; then the batch process's peak memory as the class
# grows. Not part of make check: it takes many minutes.
#
#   bash bench/batch.sh [N] [MEMORY_SIZES]
#     N             the class: N submissions spread over every lab, made
#                   from its reference and mutants (hanging ones included);
#                   default 200
#     MEMORY_SIZES  class sizes for the memory figure (the pipe lab);
#                   default "200 2000"; "" skips it
#   BASELINE=0      skips the containers
#
# The container baseline runs the same `ipcgrade grade` inside a fresh
# container per submission (runc, --privileged so that the grading inside
# makes the same boxes; the host's /usr mounted read-only over a minimal
# Debian image made with debootstrap, so that compiler and libraries are
# the same ones). Its cost above the batch is the container's start and
# teardown per submission.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
ipcgrade=$here/build/ipcgrade
N=${1:-200}
MEMN=${2-200 2000}
BASELINE=${BASELINE:-1}
[ -x "$ipcgrade" ] || { echo "build first: make" >&2; exit 2; }
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

make_class() {	# DEST N [LAB]: N students over the variants (of LAB only, if given)
	local dest=$1 n=$2 only=${3:-} i=0 k=0 v lab dir
	local -a pool=()
	for v in "${variants[@]}"; do
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

make_class "$W/class" "$N"
echo "# class: $N submissions over $(echo $labs | wc -w) labs, $(nproc) cores, $(date -u +%F), load average $(cut -d' ' -f1-3 /proc/loadavg)"

run_batches() {	# JOBS DB: every lab's class, one batch each
	local j=$1 db=$2 lab
	for lab in $(ls "$W/class"); do
		"$ipcgrade" batch "$lab" "$W/class/$lab" -j "$j" --db "$db" >/dev/null 2>&1
	done
}

t0=$(now); run_batches 1 "$W/j1.db"; t1=$(now)
j1=$(secs "$t0" "$t1")
t0=$(now); run_batches 2 "$W/j2.db"; t1=$(now)
j2=$(secs "$t0" "$t1")
same=$(diff <(sqlite3 "$W/j1.db" "SELECT g.student, t.test_id, t.status FROM gradings g JOIN test_results t ON t.grading_id = g.id WHERE g.current = 1 ORDER BY 1, 2") \
	<(sqlite3 "$W/j2.db" "SELECT g.student, t.test_id, t.status FROM gradings g JOIN test_results t ON t.grading_id = g.id WHERE g.current = 1 ORDER BY 1, 2") >/dev/null && echo yes || echo NO)
graded=$(sqlite3 "$W/j2.db" "SELECT COUNT(*) FROM gradings WHERE current = 1")
printf 'batch -j 1: %.1f s (%.2f s per submission)\n' "$j1" "$(echo "$j1 / $N" | bc -l)"
printf 'batch -j 2: %.1f s (%.2f s per submission), speedup %.2fx; %s graded; verdicts the same as -j 1: %s\n' \
	"$j2" "$(echo "$j2 / $N" | bc -l)" "$(echo "$j1 / $j2" | bc -l)" "$graded" "$same"

if [ "$BASELINE" = 1 ]; then
	for p in podman runc debootstrap; do
		command -v $p >/dev/null || apt-get install -y -qq --no-install-recommends $p >/dev/null 2>&1 ||
			{ echo "cannot install $p" >&2; exit 2; }
	done
	img=localhost/ipcgrade-bench-base
	# the same minimal Debian that the project's other container tools make
	podman image exists $img 2>/dev/null || ! podman image exists localhost/fresh-bookworm 2>/dev/null ||
		podman tag localhost/fresh-bookworm $img
	if ! podman image exists $img 2>/dev/null; then
		mirror=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1 | awk '{print $2}')
		rootfs=$(mktemp -d /var/tmp/ipcgrade-rootfs.XXXXXX)
		echo "# making $img with debootstrap..."
		debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null 2>&1 ||
			{ echo "debootstrap failed" >&2; rm -rf "$rootfs"; exit 2; }
		tar -C "$rootfs" -c . | podman import - $img >/dev/null
		rm -rf "$rootfs"
	fi
	t0=$(now)
	for lab in $(ls "$W/class"); do
		for s in "$W/class/$lab"/*; do
			podman run --rm --runtime runc --privileged --network none \
				--ulimit nofile=20000:20000 --ulimit nproc=32768:32768 \
				-v /usr:/usr:ro -v /etc/alternatives:/etc/alternatives:ro \
				-v "$here:/ipcgrade:ro" -v "$s:/submission:ro" \
				$img /ipcgrade/build/ipcgrade grade "$lab" /submission --json - \
				>"$W/podman-$(basename "$s").json" 2>/dev/null
		done
	done
	t1=$(now)
	pm=$(secs "$t0" "$t1")
	ok=$(cat "$W"/podman-*.json | jq -s 'map(select(.score != null)) | length')
	printf 'podman, a container per submission, one at a time: %.1f s (%.2f s per submission; %s results); batch -j 1 is %.2fx faster, -j 2 %.2fx\n' \
		"$pm" "$(echo "$pm / $N" | bc -l)" "$ok" "$(echo "$pm / $j1" | bc -l)" "$(echo "$pm / $j2" | bc -l)"
fi

echo "# load average now $(cut -d' ' -f1-3 /proc/loadavg)"

# the batch process's own peak memory (VmHWM), read while it is stopped
# at its end (IPCGRADE_TEST_STOP=done), not its children's
for n in $MEMN; do
	rm -rf "$W/mem"
	make_class "$W/mem" "$n" pipe
	hwm=$(IPCGRADE_TEST_STOP=done perl -e '
		use POSIX ":sys_wait_h";
		my $pid = fork() // die;
		if (!$pid) { open STDOUT, ">", "/dev/null"; open STDERR, ">", "/dev/null"; exec @ARGV; exit 127 }
		waitpid($pid, WUNTRACED);
		if (WIFSTOPPED(${^CHILD_ERROR_NATIVE})) {
			open my $f, "<", "/proc/$pid/status"; my ($kb) = map { /^VmHWM:\s+(\d+)/ ? $1 : () } <$f>;
			kill "CONT", $pid; waitpid($pid, 0); print "$kb\n";
		} else { print "none\n" }' "$ipcgrade" batch pipe "$W/mem/pipe" -j 2 --db "$W/mem.db")
	echo "batch process peak RSS at $n submissions: $hwm KiB"
	rm -f "$W"/mem.db*
done
