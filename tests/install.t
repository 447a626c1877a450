#!/usr/bin/env bash
# make install is relocatable: the installed ipcgrade finds its graders in
# ../share/ipcgrade beside its bin/, wherever PREFIX was, and still does
# after the tree is moved (as packagers' DESTDIR staging does).
# check: parallel
. "$(dirname "$0")/lib.sh"

[ -f "$ROOT/Makefile" ] && [ -d "$ROOT/harness" ] ||
	plan_skip "no Makefile and sources in $ROOT (a copy made to run the tests)"
[ -w "$ROOT/build" ] || plan_skip "cannot write $ROOT/build (make install may rebuild)"
command -v make >/dev/null || plan_skip "no make"

make -s -C "$ROOT" install PREFIX="$TMP/prefix" NO_APT=1 >"$TMP/out" 2>&1
is "$?" 0 "make install PREFIX=$TMP/prefix"
[ ! -s "$TMP/out" ] || diag "$(tail -n 5 "$TMP/out")"
ok "[ -x '$TMP/prefix/bin/ipcgrade' ] && [ -d '$TMP/prefix/share/ipcgrade/graders/pipe' ]" \
	"  puts the binary in bin/ and the graders in share/ipcgrade/"

mv "$TMP/prefix" "$TMP/moved"
cd "$TMP" || exit 1
env -u IPCGRADE_ROOT "$TMP/moved/bin/ipcgrade" list >"$TMP/out" 2>&1
is "$?" 0 "the moved installation's ipcgrade list exits 0"
ok "grep -qE '^pipe +6' '$TMP/out'" "  and lists the labs"
env -u IPCGRADE_ROOT "$TMP/moved/bin/ipcgrade" check pipe "$TMP/moved/share/ipcgrade/reference/pipe" \
	>"$TMP/out" 2>&1
is "$?" 0 "it grades: the pipe reference passes"
ok "grep -q '^score: 9/9' '$TMP/out'" "  score: 9/9"
env -u IPCGRADE_ROOT "$TMP/moved/bin/ipcgrade" selftest --materialize "$TMP/m" pipe/no-wait >"$TMP/out" 2>&1
is "$?" 0 "its selftest makes a mutant from the installed reference"
