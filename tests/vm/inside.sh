#!/bin/sh
# Run by tests/vm/run.sh inside the guest (cgroup v2 only), as its init's
# child: the box's tests and v2 limits as root, as a user with a delegated
# subtree, and as a user without one. Lines starting "VM:" are read back.
#   inside.sh                 everything (as root)
#   inside.sh limits LABEL    the memory and process limits, as the caller
cd /ipcgrade || exit 1
cg=/sys/fs/cgroup

if [ "${1:-}" = limits ]; then
	label=$2 j=/tmp/vm/$(id -u).json
	./build/ipcgrade run --json $j --mem 64 --dir /tmp/vm -- ./hostile membomb >/dev/null 2>&1
	echo "VM: $label: memory bomb: $(jq -r '"\(.status) (cgroup \(.isolation.cgroup)): \(.message)"' $j)"
	jq -r --arg l "$label" '.isolation.notes[] | "VM: \($l): note: \(.)"' $j
	./build/ipcgrade run --json $j --procs 20 --time 5 --dir /tmp/vm -- ./hostile forkbomb >/dev/null 2>&1
	echo "VM: $label: fork bomb: $(jq -r '"\(.status) (cgroup \(.isolation.cgroup)): \(.message)"' $j)"
	exit 0
fi

echo "VM: kernel $(uname -r), $(stat -f -c %T $cg) on $cg, controllers: $(cat $cg/cgroup.controllers)"
echo "+memory +pids" >$cg/cgroup.subtree_control
# hostile.c for the limit checks, built once, usable by everyone
mkdir -p /tmp/vm && chmod 1777 /tmp/vm && cc -std=gnu11 -O2 -o /tmp/vm/hostile tests/progs/hostile.c

asuser() {	# asuser CGROUP CMD: as student (uid 1000), moved into that cgroup
	c=$1
	shift
	sh -c "echo \$\$ >$c/cgroup.procs && exec setpriv --reuid=1000 --regid=1000 --clear-groups \
		--inh-caps=-all env -i PATH=/usr/bin:/bin HOME=/home/student TMPDIR=/tmp sh -c 'cd /ipcgrade && $*'"
}

echo "# ---- root ----"
sh tests/vm/inside.sh limits root
bash tests/box.t 2>&1

# a delegated subtree, as systemd gives user@UID.service: the user owns the
# directory and its cgroup.procs, subtree_control and threads, and runs in
# a leaf of it
d=$cg/user-1000
mkdir -p $d/session
echo "+memory +pids" >$d/cgroup.subtree_control
for x in $d $d/session; do
	chown 1000:1000 $x $x/cgroup.procs $x/cgroup.subtree_control $x/cgroup.threads
done
echo "# ---- student (uid 1000), in a delegated subtree ----"
asuser $d/session "sh tests/vm/inside.sh limits student-delegated"
asuser $d/session "bash tests/box.t 2>&1"

# a leaf that is root's, as a session without delegation
mkdir -p $cg/plain
echo "# ---- student (uid 1000), without delegation ----"
asuser $cg/plain "sh tests/vm/inside.sh limits student-plain"
echo "VM: done"
