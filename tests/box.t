#!/usr/bin/env bash
# The box: legitimate IPC works inside exactly as outside, a real build
# works under the build profile, and every hostile program is contained,
# gets its verdict, and leaves the host as it was.
. "$(dirname "$0")/lib.sh"

build_prog legit || plan_skip "cannot compile tests/progs/legit.c"
build_prog hostile || plan_skip "cannot compile tests/progs/hostile.c"
build_prog edges || plan_skip "cannot compile tests/progs/edges.c"
diag "running as $(id -un) (uid $(id -u))"

# ---- isolation in force ----
boxrun ./legit socketpair
diag "isolation: $(jq -c .isolation "$TMP/v.json")"
for ns in userns pidns mountns ipcns netns utsns seccomp; do
	is "$(jv .isolation.$ns)" true "isolation: $ns"
done

# ---- legitimate IPC, in the box exactly as outside ----
for t in pipe fifo sysv-msg sysv-shm sysv-sem posix-sem posix-shm signals unix-stream \
	socketpair mmap-shared fork64; do
	host=$(cd "$TMP" && timeout 20 "$TMP/progs/legit" "$t" 2>&1)
	boxrun ./legit "$t"
	is "$(jv .status)" ok "legit $t: ok in the box$( [ "$(jv .status)" = ok ] || echo " ($(jv .message))")"
	is "$(cat "$TMP/out")" "$host" "legit $t: same output as on the host"
done

# a program starts clean whatever its caller had: ignored and blocked
# signals, an extra descriptor, extra environment
(
	trap '' INT QUIT
	exec 7</dev/null
	export EXTRA_VARIABLE=1
	"$IPCGRADE" run --json "$TMP/v.json" --dir "$TMP/progs" -- ./legit clean \
		>"$TMP/out" 2>"$TMP/err" </dev/null
)
is "$(jv .status)" ok "a program starts with default signals, empty mask, fds 0-2, fixed env"
is "$(cat "$TMP/out")" clean "  and it says so itself$(grep -v clean "$TMP/out" | tr '\n' ';')"

# ---- a real build under the build profile ----
mkdir -p "$TMP/src"
printf '#include <stdio.h>\nint main(void) { puts("built"); return 0; }\n' >"$TMP/src/hello.c"
"$IPCGRADE" run --profile build --json "$TMP/v.json" --dir "$TMP/src" -- \
	sh -c 'cc -std=gnu11 -O2 -Wall -o hello hello.c && ./hello' >"$TMP/out" 2>"$TMP/err"
is "$(jv .status)" ok "gcc builds a C file under the build profile"
is "$(cat "$TMP/out")" built "  and the program it built runs"
is "$(jv '.violations | length')" 0 "  with no system call refused"
printf 'int main(void) { return 0 }\n' >"$TMP/src/broken.c"
"$IPCGRADE" run --profile build --json "$TMP/v.json" --dir "$TMP/src" -- \
	cc -o broken broken.c >"$TMP/out" 2>"$TMP/err"
is "$(jv .status)" exit "a syntax error is a nonzero exit of the compiler"
is "$(jv .exit_code)" 1 "  with status 1"

# ---- containment ----
token=ipcgrade-token-$$-$RANDOM
gone() { ! pgrep -f "$1" >/dev/null; }

RUNOPTS="--procs 32 --time 2"
# a name of this run's own, so that another run of the tests on this
# machine cannot be mistaken for what this one left behind
bomb=bomb-$$-$RANDOM
ln "$TMP/progs/hostile" "$TMP/progs/$bomb"
boxrun ./$bomb forkbomb
is "$(jv .status)" process-limit "fork bomb: process-limit ($(jv .message))"
ok "gone '$bomb forkbomb'" "fork bomb: no process left"

RUNOPTS="--mem 64"
boxrun ./hostile membomb
if [ "$(jv .isolation.cgroup)" != none ]; then
	is "$(jv .status)" memory-limit "memory bomb: memory-limit ($(jv .message))"
else
	ok "[ '$(jv .status)' = memory-limit ] || [ '$(jv .status)' = exit ] || [ '$(jv .status)' = signal ]" \
		"memory bomb: stopped by the address-space rlimit without a cgroup ($(jv .status): $(jv .message))"
fi

RUNOPTS="--cpu 1 --time 10"
boxrun ./hostile cpuloop
is "$(jv .status)/$(jv .limit)" time-limit/cpu-time "CPU loop: time-limit on CPU time"

RUNOPTS="--time 0.5"
boxrun ./hostile sleep
is "$(jv .status)/$(jv .limit)" time-limit/wall-time "sleeper ignoring SIGTERM: time-limit on wall time"
ok "! pgrep -f 'hostile sleep$'" "sleeper: no process left"

RUNOPTS="--output 4096 --output-max 1000000"
boxrun ./hostile flood
is "$(jv .status)" output-limit "output flood: output-limit"
ok "[ $(jv .stdout_bytes) -gt 1000000 ] && [ $(jv .output_discarded) -eq $(( $(jv .stdout_bytes) - 4096 )) ]" \
	"output flood: 4096 bytes kept, the rest counted as discarded"

RUNOPTS="--fsize 4"
boxrun ./hostile diskfill
is "$(jv .status)/$(jv .signal)/$(jv .limit)" signal/SIGXFSZ/file-size "disk fill: SIGXFSZ at the file size limit"
RUNOPTS=
boxrun ./hostile tmpfill
is "$(jv .status)" exit "filling /tmp: the box's tmpfs runs out, the program sees ENOSPC"
ok "grep -q 'No space left' '$TMP/out'" "  (it says: $(head -c 80 "$TMP/out"))"

RUNOPTS=
boxrun ./hostile daemon "$token"
is "$(jv .status)" ok "double-fork daemon: the program itself exits 0"
ok "[ $(jv .leftover_processes) -ge 1 ]" "  the daemon is counted as left running"
ok "gone $token" "  and no process of it is left on the host"

sleep 1000 &
outside=$!
boxrun ./hostile killall
is "$(jv .status)" forbidden-syscall "kill(-1): forbidden-syscall"
is "$(jv '.violations[0].syscall')" kill "  the violation names kill"
ok "kill -0 $outside" "  a process outside the box is still alive"
kill $outside 2>/dev/null; wait $outside 2>/dev/null

boxrun ./hostile readhost /etc/shadow /root /home "$ROOT/Makefile" "$ROOT/graders" /work/main
is "$(jv .status)" ok "reading host files: none of them is there ($(cat "$TMP/out" | tr '\n' ' '))"

before=$(ls -a "$ROOT/tests" | md5sum)
boxrun ./hostile writehost /escape /usr/escape /etc/escape "/tmp/ipcgrade-escape-$token" \
	"$ROOT/tests/escape-$token"
is "$(jv .status)" ok "writing outside: nothing lands outside the box"
ok "[ ! -e /tmp/ipcgrade-escape-$token ] && [ ! -e /escape ] && [ ! -e '$ROOT/tests/escape-$token' ]" \
	"  the host has none of the files"
is "$(ls -a "$ROOT/tests" | md5sum)" "$before" "  the test directory is unchanged"

boxrun ./hostile inet
is "$(jv .status)" forbidden-syscall "AF_INET socket: forbidden-syscall"
ok "jv '.violations[0].detail' | grep -q 'socket(AF_INET, SOCK_STREAM'" "  named: $(jv '.violations[0].detail')"
ok "jv .message | grep -q 'by hostile'" "  and the program: $(jv .message)"
boxrun ./hostile inet6
ok "[ '$(jv .status)' = forbidden-syscall ] && jv '.violations[0].detail' | grep -q AF_INET6" \
	"AF_INET6 socket: forbidden-syscall ($(jv '.violations[0].detail'))"

# under a container's own seccomp filter, a call that filter refuses
# (EPERM wins over the box's notification) fails without the box being told
outer_filter=$(awk '/^Seccomp:/ {print $2}' /proc/self/status)
for t in ptrace mount umount unshare setns keyctl bpf perf_event_open io_uring_setup; do
	boxrun ./hostile "$t"
	want=$t
	case $t in umount) want=umount2 ;; esac
	if [ "$outer_filter" = 2 ] && [ "$(jv .status)" = ok ] && grep -q "^$t returned -1" "$TMP/out"; then
		skip "$t: forbidden and named" "this process's own seccomp filter (a container's) refuses $t before the box's sees it"
		continue
	fi
	is "$(jv .status)/$(jv '.violations[0].syscall')" "forbidden-syscall/$want" "$t: forbidden and named"
done

before_ipc=$(cat /proc/sysvipc/msg /proc/sysvipc/shm /proc/sysvipc/sem | md5sum)
boxrun ./hostile sysv
is "$(jv .status)" ok "thousands of SysV objects: bounded by the box's ipc limits ($(cat "$TMP/out"))"
ok "! grep -qE '^ *45234[0-9]{4} ' /proc/sysvipc/msg /proc/sysvipc/shm /proc/sysvipc/sem" \
	"  none of them is in the host's ipc namespace"
is "$(cat /proc/sysvipc/msg /proc/sysvipc/shm /proc/sysvipc/sem | md5sum)" "$before_ipc" \
	"  the host's SysV objects are as they were"

boxrun ./hostile fake
is "$(jv .status)/$(jv .exit_code)" exit/3 "fake verdict on every fd: the real verdict stands"
ok "jq -e . '$TMP/v.json'" "  the JSON verdict is valid"

# ---- the edges of what legitimate programs are allowed ----
boxrun ./edges netlink-route
is "$(jv .status)" ok "glibc's mq_notify socket (netlink, route): allowed"
is "$(cat "$TMP/out")" "RTM_NEWLINK: Operation not permitted" "  but it cannot change the box's network"
for t in netlink-uevent netlink-dgram sched_setattr; do
	boxrun ./edges "$t"
	is "$(jv .status)" forbidden-syscall "$t: forbidden ($(jv '.violations[0].detail'))"
done
boxrun ./edges realtime
is "$(jv .status)" ok "sched_setscheduler and setpriority: allowed"
is "$(cat "$TMP/out" | tr '\n' ';')" "SCHED_FIFO: Operation not permitted;nice -5: Permission denied;" \
	"  but a program cannot raise its priority"

# a limit a program runs into is named, not a plain exit status or signal
boxrun ./edges bus-tmp 100
is "$(jv .status)/$(jv .signal)/$(jv .limit)" signal/SIGBUS/disk-size \
	"a mapping beyond the box's /tmp: SIGBUS named as the disk size ($(jv .message))"
boxrun sh -c './edges bus-tmp 100; exit $?'
is "$(jv .status)/$(jv .exit_code)/$(jv .limit)" signal/135/disk-size \
	"  and so under a shell, which exits 128 + SIGBUS ($(jv .message))"
RUNOPTS="--fsize 1"
boxrun sh -c 'head -c 2000000 /dev/zero >/tmp/big; exit $?'
is "$(jv .status)/$(jv .exit_code)/$(jv .limit)" signal/153/file-size \
	"SIGXFSZ of a shell's child: named as the file size ($(jv .message))"
RUNOPTS="--mem 64"
boxrun ./edges bus-shm 1
if [ "$(jv .isolation.cgroup)" != none ]; then
	# /dev/shm is as large as the memory limit: the cgroup stops it first
	is "$(jv .status)/$(jv .limit)" memory-limit/memory \
		"a mapping beyond /dev/shm: the memory limit ($(jv .message))"
else
	is "$(jv .status)/$(jv .signal)/$(jv .limit)" signal/SIGBUS/shm-size \
		"a mapping beyond /dev/shm: SIGBUS named as its size ($(jv .message))"
fi
RUNOPTS="--procs 20"
boxrun sh -c './edges forks 40; exit 0'
if [ "$(jv .isolation.cgroup)" != none ]; then
	is "$(jv .status)/$(jv .limit)" process-limit/processes \
		"a refused fork under a shell that exits 0: process-limit ($(jv .message))"
else
	skip "a refused fork under a shell is named" \
		"without a cgroup nothing counts the forks RLIMIT_NPROC refused"
fi
RUNOPTS=

# a FIFO or socket left in the directory is skipped, with a note
mkdir -p "$TMP/leftovers" && cp "$TMP/progs/legit" "$TMP/leftovers/" && mkfifo "$TMP/leftovers/leftover.fifo"
python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$TMP/leftovers/srv.sock" 2>/dev/null
"$IPCGRADE" run --json "$TMP/v.json" --dir "$TMP/leftovers" -- sh -c 'ls' >"$TMP/out" 2>"$TMP/err"
is "$(jv .status)/$(cat "$TMP/out" | tr '\n' ' ')" "ok/legit " "--dir with a FIFO and a socket: the rest is copied, they are skipped"
ok "jv '.isolation.notes[]' | grep -q \"leftover.fifo\"" "  with a note: $(jv '.isolation.notes[]')"
ok "jv '.isolation.notes[]' | grep -q \"socket 'srv.sock'\"" "  naming the socket too"
ok "grep -q \"note: not copied: .*FIFO 'leftover.fifo'\" '$TMP/err'" "  printed on stderr too"

# ---- bad input ----
mkdir -p "$TMP/links" && ln -sf /etc/passwd "$TMP/links/prog.c"
"$IPCGRADE" run --dir "$TMP/links" -- true >"$TMP/out" 2>"$TMP/err"
is "$?" 2 "a symlink in --dir is refused with exit 2"
ok "grep -q 'prog.c' '$TMP/err'" "  naming the file: $(cat "$TMP/err")"
"$IPCGRADE" run >/dev/null 2>&1
is "$?" 2 "no command: exit 2"
"$IPCGRADE" run --time nonsense -- true >/dev/null 2>&1
is "$?" 2 "a bad limit: exit 2"
"$IPCGRADE" run --quiet -- no-such-command >/dev/null 2>&1
is "$?" 1 "a missing command is a verdict, not a harness failure"
