#!/usr/bin/env bash
# Host mode, forced (IPCGRADE_HOST_MODE=1), grades as a box does: a lab's
# reference scores full marks and each mutant fails exactly its tests, as
# root (also without CAP_SYS_PTRACE, as in a container, where the programs
# run as nobody and the grader reads their /proc files with their ids) and
# as an ordinary user. Its words say what is true. And a box whose fresh
# /proc is refused (a container's masked /proc, made here by covering one
# /proc file) keeps its namespaces with the outer /proc bound in.
. "$(dirname "$0")/lib.sh"

build_prog legit || plan_skip "cannot compile tests/progs/legit.c"
diag "running as $(id -un) (uid $(id -u))"
export TMPDIR="$TMP/tmpdir"
mkdir -p "$TMPDIR"
chmod 755 "$TMPDIR"
lab=pipe

# ---- what host mode says ----
IPCGRADE_HOST_MODE=1 "$IPCGRADE" run --json "$TMP/v.json" --dir "$TMP/progs" -- ./legit pipe \
	>"$TMP/out" 2>"$TMP/err" </dev/null
is "$(jv .status)" ok "forced host mode: a legitimate program runs ($(jv .message))"
is "$(jv .isolation.mode)/$(jv .isolation.proc)/$(jv .isolation.userns)/$(jv .isolation.pidns)/$(jv .isolation.seccomp)" \
	host/host/false/false/true "  isolation: mode host, the host's /proc, no namespaces, seccomp"
ok "jv '.isolation.notes[]' | grep -qx 'host mode: no namespaces (IPCGRADE_HOST_MODE=1 asks for it); programs are graded the same way, but are not contained as in a box'" \
	"  a note says host mode and why, calmly"
ok "! grep -qiE 'in the box\\)|NO ISOLATION' '$TMP/err' '$TMP/v.json'" "  no word of a box that is not there, no alarm"
if [ "$(id -u)" = 0 ]; then
	ok "jv '.isolation.notes[]' | grep -q 'run as nobody (uid 65534)'" "  root's programs run as nobody, and it says so"
else
	ok "jv '.isolation.notes[]' | grep -q 'run as you'" "  the programs run as you, and it says so"
fi

# ---- grading: a lab's selftest ----
selftest() {	# selftest LABEL [PREFIX...]: the lab's selftest in host mode
	local label=$1
	shift
	IPCGRADE_HOST_MODE=1 "$@" "$IPCGRADE" selftest $lab >"$TMP/self" 2>&1 </dev/null
	local rc=$? n
	n=$(grep -c '^ok ' "$TMP/self")
	is "$rc/$(tail -n 1 "$TMP/self")" "0/$n passed, 0 failed" \
		"host mode, $label: selftest $lab: the reference full marks, each mutant fails exactly its tests"
	[ "$rc" = 0 ] || diag "$(grep -v '^ok ' "$TMP/self" | head -n 20)"
	ok "[ $n -ge 4 ]" "  ($n reference and mutant checks)"
}
# root: without CAP_SYS_PTRACE, as a container's root, the harder case
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
	setpriv --bounding-set -sys_ptrace --inh-caps=-sys_ptrace true 2>/dev/null; then
	selftest "as root without CAP_SYS_PTRACE" setpriv --bounding-set -sys_ptrace --inh-caps=-sys_ptrace
else
	selftest "as $(id -un)"
fi

# ---- a refused fresh /proc: the box keeps its namespaces ----
if [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null; then
	unshare -m --propagation private sh -c 'mount --bind /dev/null /proc/cmdline &&
		exec "$0" run --json "$1/v.json" --dir "$1/progs" -- ./legit pipe' "$IPCGRADE" "$TMP" \
		>"$TMP/out" 2>"$TMP/err" </dev/null
	is "$(jv .status)/$(jv .leftover_processes)" ok/0 "masked /proc: a legitimate program runs, nothing is counted as left over"
	is "$(jv .isolation.mode)/$(jv .isolation.proc)/$(jv .isolation.userns)/$(jv .isolation.pidns)/$(jv .isolation.netns)" \
		box/bound/true/true/true "  the box keeps its namespaces, with the outer /proc bound in"
	ok "jv '.isolation.notes[]' | grep -q '^/proc is the one ipcgrade sees'" "  and a note says so"
else
	skip "masked /proc" "needs root to cover a /proc file in a mount namespace of its own"
fi

# ---- an init that does not finish the teardown (stopped here) ----
# The supervisor waits 10 s for it, then kills each program's process
# group and init, and must not wait on the pipes that survivors hold.
token=ipcgrade-stuck-$$-$RANDOM
IPCGRADE_HOST_MODE=1 "$IPCGRADE" run --json "$TMP/v.json" --dir "$TMP/progs" --time 3 -- \
	bash -c "(exec -a $token sleep 60) & exec -a $token sleep 60" >"$TMP/out" 2>"$TMP/err" </dev/null &
sup=$!
init= deadline=$((SECONDS + 10))
while [ -z "$init" ] && [ $SECONDS -lt $deadline ] && kill -0 $sup 2>/dev/null; do
	init=$(pgrep -P $sup)
done
[ -n "$init" ] && kill -STOP "$init"
t0=$SECONDS
wait $sup
ok "[ -n '$init' ] && [ $((SECONDS - t0)) -lt 30 ]" "init stopped in the teardown: the grading still ends ($((SECONDS - t0)) s)"
ok "jv '.isolation.notes[]' | grep -q 'did not finish killing its processes in time'" "  a note says so"
ok "! pgrep -f '^$token'" "  and the programs' process groups are killed"
pkill -KILL -f "^$token"

is "$(ls "$TMPDIR" | grep -c '^ipcgrade-box')" 0 "no box directory is left behind"
