#!/usr/bin/env bash
# Where no user namespace can be had (a container's seccomp profile, a
# hardened distribution, Ubuntu's AppArmor restriction that leaves user
# namespaces powerless): root keeps the other namespaces; an ordinary user,
# or root where no namespace at all can be made (a container without
# CAP_SYS_ADMIN), gets host mode, which grades the same way and says
# plainly what is missing. tests/progs/nouserns.c makes the machine refuse
# them.
. "$(dirname "$0")/lib.sh"

build_prog legit || plan_skip "cannot compile tests/progs/legit.c"
build_prog hostile || plan_skip "cannot compile tests/progs/hostile.c"
cc -std=gnu11 -O2 -Wall -o "$TMP/nouserns" "$ROOT/tests/progs/nouserns.c" -lseccomp ||
	plan_skip "cannot build tests/progs/nouserns.c (libseccomp-dev)"
diag "running as $(id -un) (uid $(id -u))"
# host mode makes its box directories here: none may be left
export TMPDIR="$TMP/tmpdir"
mkdir -p "$TMPDIR"

nboxrun() {	# nboxrun clone|all|mount PROG ARGS...
	local how=$1
	shift
	"$TMP/nouserns" "$how" "$IPCGRADE" run --json "$TMP/v.json" --dir "$TMP/progs" $RUNOPTS \
		-- "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
}

# how the machine refuses: an ordinary user is refused user namespaces;
# root, which can do without them, all of them
how=clone
if [ "$(id -u)" = 0 ]; then
	nboxrun $how ./legit pipe
	is "$(jv .status)" ok "root without user namespaces: the box runs ($(jv .message))"
	# the other namespaces take CAP_SYS_ADMIN, which a container's root lacks
	if [ $(( 0x$(awk '/^CapEff:/ {print $2}' /proc/self/status) >> 21 & 1 )) = 1 ]; then
		is "$(jv .isolation.userns)/$(jv .isolation.pidns)/$(jv .isolation.mountns)/$(jv .isolation.ipcns)/$(jv .isolation.netns)" \
			false/true/true/true/true "  in every other namespace"
		ok "jv '.isolation.notes[]' | grep -q 'no user namespace'" "  and a note says so"
	else
		is "$(jv .isolation.mode)" host "  without CAP_SYS_ADMIN (a container's root): in host mode"
		skip "  the other namespaces without a user namespace" "root here has no CAP_SYS_ADMIN"
	fi
	how=all
	nboxrun all sh -c 'id -u'
	is "$(jv .status)/$(cat "$TMP/out")" ok/65534 "root without any namespace: host mode, programs run as nobody"
	ok "jv '.isolation.notes[]' | grep -q 'run as nobody'" "  and a note says so"
fi

# ---- what is in force, said plainly ----
nboxrun $how ./legit socketpair
diag "isolation: $(jq -c .isolation "$TMP/v.json")"
for ns in userns pidns mountns ipcns netns utsns; do
	is "$(jv .isolation.$ns)" false "host mode: no $ns"
done
is "$(jv .isolation.seccomp)" true "host mode: the seccomp filter is in force"
ok "jv '.isolation.notes[]' | grep -q '^host mode: no namespaces'" "  the verdict says host mode"
is "$(jv .isolation.mode)" host "  and so does its mode"
ok "grep -q 'note: host mode: no namespaces' '$TMP/err'" "  and so does ipcgrade run, on stderr"

nboxrun mount ./legit pipe
is "$(jv .status)/$(jv .isolation.pidns)" ok/false \
	"user namespaces without the right to mount: host mode too ($(jv .message))"
ok "jv '.isolation.notes[]' | grep -q 'Operation not permitted'" "  the note gives the reason"

# ---- legitimate IPC, as outside ----
for t in pipe fifo sysv-msg sysv-shm sysv-sem posix-sem posix-shm signals unix-stream \
	socketpair mmap-shared fork64; do
	host=$(cd "$TMP" && timeout 20 "$TMP/progs/legit" "$t" 2>&1)
	nboxrun $how ./legit "$t"
	is "$(jv .status)" ok "host mode, legit $t: ok$( [ "$(jv .status)" = ok ] || echo " ($(jv .message))")"
	is "$(cat "$TMP/out")" "$host" "host mode, legit $t: same output as outside"
done

mkdir -p "$TMP/src"
printf '#include <stdio.h>\nint main(void) { puts("built"); return 0; }\n' >"$TMP/src/hello.c"
"$TMP/nouserns" $how "$IPCGRADE" run --profile build --json "$TMP/v.json" --dir "$TMP/src" -- \
	sh -c 'cc -std=gnu11 -O2 -Wall -o hello hello.c && ./hello' >"$TMP/out" 2>"$TMP/err"
is "$(jv .status)/$(cat "$TMP/out")" ok/built "host mode: gcc builds under the build profile and the program runs"

# ---- containment, as far as it goes ----
token=ipcgrade-token-$$-$RANDOM
gone() { ! pgrep -f "$1" >/dev/null; }

RUNOPTS="--procs 32 --time 2"
bomb=bomb-$$-$RANDOM	# this run's own name: see box.t
ln -f "$TMP/progs/hostile" "$TMP/progs/$bomb"
nboxrun $how ./$bomb forkbomb
is "$(jv .status)" process-limit "host mode, fork bomb: process-limit ($(jv .message))"
ok "gone '$bomb forkbomb'" "  no process left"

RUNOPTS="--time 0.5"
nboxrun $how ./hostile sleep
is "$(jv .status)/$(jv .limit)" time-limit/wall-time "host mode, sleeper ignoring SIGTERM: wall time"
ok "! pgrep -f 'hostile sleep$'" "  no process left"

RUNOPTS=
nboxrun $how ./hostile daemon "$token"
is "$(jv .status)" ok "host mode, double-fork daemon: the program exits 0"
ok "[ $(jv .leftover_processes) -ge 1 ]" "  the daemon is counted as left running"
ok "gone $token" "  and killed: init is a subreaper"

sleep 1000 &
outside=$!
nboxrun $how ./hostile killall
is "$(jv .status)/$(jv '.violations[0].syscall')" forbidden-syscall/kill "host mode, kill(-1): forbidden"
ok "kill -0 $outside" "  a process outside the box is alive"
kill $outside 2>/dev/null; wait $outside 2>/dev/null

for t in inet ptrace mount setns; do
	nboxrun $how ./hostile "$t"
	is "$(jv .status)" forbidden-syscall "host mode, $t: forbidden ($(jv '.violations[0].detail'))"
done

nboxrun $how ./hostile sysv
diag "$(cat "$TMP/out")"
ok "! grep -qE '^ *46432[0-9]{4} ' /proc/sysvipc/msg /proc/sysvipc/shm /proc/sysvipc/sem" \
	"host mode: the SysV objects a box leaves are removed when it ends"

# ---- grading, end to end ----
"$TMP/nouserns" $how "$IPCGRADE" check pipe "$ROOT/reference/pipe" >"$TMP/out" 2>&1
is "$?" 0 "host mode: the pipe reference passes every visible test"
"$TMP/nouserns" $how "$IPCGRADE" check pipe "$(mutant pipe/child-keeps-write-end)" \
	>"$TMP/out" 2>&1
is "$?" 1 "host mode: a mutant fails"
ok "grep -q 'write end is still open' '$TMP/out'" "  with the feedback that names its bug"
ok "grep -q 'host mode: no namespaces' '$TMP/out'" "  and the student is told what was not in force"

is "$(ls "$TMPDIR" | grep -c '^ipcgrade-box')" 0 "no box directory is left behind"
