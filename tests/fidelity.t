#!/usr/bin/env bash
# Fidelity: every legitimate program of tests/fidelity/ (one per common IPC
# pattern) runs in the box exactly as outside it: the same output on
# stdout, the same exit status, and the verdict ok. A false denial found
# anywhere becomes one more program here.
. "$(dirname "$0")/lib.sh"

mkdir -p "$TMP/fid" "$TMP/host"
for src in "$ROOT"/tests/fidelity/*.c; do
	name=$(basename "$src" .c)
	cc -std=gnu11 -O2 -Wall -Wextra -pthread -o "$TMP/fid/$name" "$src" -lrt ||
		plan_skip "cannot compile tests/fidelity/$name.c"
done
diag "running as $(id -un) (uid $(id -u))"

# the input each program gets on a pipe (devstdio reopens it as /dev/stdin)
input() { printf 'hello from the pipe\n'; }

# $1 program, rest: the command inside the box and outside
compare() {
	local name=$1
	shift
	# outside: in a directory of its own, stdout on a pipe as in the box
	rm -rf "$TMP/host" && cp -r "$TMP/fid" "$TMP/host"
	(cd "$TMP/host" && input | timeout 60 "$@" 2>"$TMP/host.err" | cat >"$TMP/host.out"
	 echo "${PIPESTATUS[1]}" >"$TMP/host.rc")
	# a generous wall-clock limit: bigshm fills 512 MiB, slow on a loaded machine
	input | "$IPCGRADE" run --time 60 --json "$TMP/v.json" --dir "$TMP/fid" -- "$@" \
		>"$TMP/box.out" 2>"$TMP/box.err"
	local host_rc box_rc status
	host_rc=$(cat "$TMP/host.rc")
	box_rc=$(jv .exit_code)
	status=$(jv .status)
	if [ "$host_rc" != 0 ]; then
		fail "$name: runs outside the box (exit $host_rc: $(head -c 200 "$TMP/host.err"))"
		return
	fi
	is "$status/$box_rc" "ok/$host_rc" "$name: ok in the box, exit $host_rc as outside$(
		[ "$status" = ok ] || echo " ($(jv .message))")"
	if cmp -s "$TMP/host.out" "$TMP/box.out"; then
		pass "$name: the same output ($(wc -l <"$TMP/host.out") lines)"
	else
		fail "$name: the same output"
		diff "$TMP/host.out" "$TMP/box.out" | sed 's/^/# /'
	fi
}

for prog in "$TMP"/fid/*; do
	name=$(basename "$prog")
	compare "$name" "./$name"
done
# the same under a shell, as a student's script or Makefile would start it
compare "sh -c children" sh -c './children'
compare "sh -c procps" sh -c './procps; exit $?'

# where user namespaces are refused: root's box without one (its programs
# are uid 1000 of the host), an ordinary user's host mode
if cc -std=gnu11 -O2 -Wall -o "$TMP/nouserns" "$ROOT/tests/progs/nouserns.c" -lseccomp 2>/dev/null; then
	real=$IPCGRADE
	IPCGRADE="$TMP/nouserns-ipcgrade"
	printf '#!/bin/sh\nexec "%s" clone "%s" "$@"\n' "$TMP/nouserns" "$real" >"$IPCGRADE"
	chmod +x "$IPCGRADE"
	for name in devstdio pgroups children mqueue; do
		compare "$name without user namespaces" "./$name"
	done
	diag "isolation: $(jq -c .isolation "$TMP/v.json")"
	IPCGRADE=$real
else
	skip "programs without user namespaces" "cannot build tests/progs/nouserns.c (libseccomp-dev)"
fi
