# A small TAP library for the tests' bash scripts.
#   plan_skip REASON     the whole file cannot run here
#   ok COND DESC         pass when the command COND succeeds
#   is GOT WANT DESC     pass when the two strings are equal
#   skip DESC REASON     a check that cannot run here, said so
#   diag TEXT...         comment lines, one per line of TEXT
#   mutant LAB/M         a mutant made whole, for grading by hand
# At exit it prints the plan and "N passed, N failed[, N skipped]", and
# exits non-zero if anything failed.
_n=0 _pass=0 _fail=0 _skip=0

_report() {
	echo "1..$_n"
	if [ "$_skip" -gt 0 ]; then
		echo "$_pass passed, $_fail failed, $_skip skipped"
	else
		echo "$_pass passed, $_fail failed"
	fi
	[ "$_fail" = 0 ]
}
trap '_report' EXIT

plan_skip() { echo "1..0 # SKIP $*"; trap - EXIT; exit 0; }
# every line of every argument: a line of a program's output that came
# bare ("1..8", "ok 3") would be read as TAP and break the plan
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

pass() { _n=$((_n + 1)); _pass=$((_pass + 1)); echo "ok $_n - $*"; }
fail() { _n=$((_n + 1)); _fail=$((_fail + 1)); echo "not ok $_n - $*"; }

ok() {	# ok "command" description
	if eval "$1" >/dev/null 2>&1; then pass "$2"; else fail "$2"; diag "failed: $1"; fi
}
is() {	# is got want description
	if [ "$1" = "$2" ]; then pass "$3"; else
		fail "$3"; diag "expected: $2" "got:      $1"; fi
}
skip() { _n=$((_n + 1)); _skip=$((_skip + 1)); _pass=$((_pass + 1)); echo "ok $_n - $1 # skip $2"; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
IPCGRADE=${IPCGRADE:-$ROOT/build/ipcgrade}
[ -x "$IPCGRADE" ] || plan_skip "ipcgrade is not built (make)"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ipcgrade-test.XXXXXX")
chmod 755 "$TMP"
trap '_report; _r=$?; rm -rf "$TMP"; exit $_r' EXIT

# mutant LAB/M: mutant M of LAB as a whole submission (its patch applied
# to the reference) under $TMP/mutants; prints the directory
mutant() {
	[ -d "$TMP/mutants/$1" ] ||
		"$IPCGRADE" selftest --materialize "$TMP/mutants" "$1" >&2
	echo "$TMP/mutants/$1"
}

# compile tests/progs/NAME.c into $TMP/progs/NAME
build_prog() {
	mkdir -p "$TMP/progs"
	cc -std=gnu11 -O2 -Wall -Wextra -o "$TMP/progs/$1" "$ROOT/tests/progs/$1.c"
}

# run PROG ARGS... in a box with the test programs in /work; the verdict
# goes to $TMP/v.json; extra ipcgrade options come from $RUNOPTS
boxrun() {
	"$IPCGRADE" run --json "$TMP/v.json" --dir "$TMP/progs" $RUNOPTS -- "$@" \
		>"$TMP/out" 2>"$TMP/err" </dev/null
}
jv() { jq -r "$1" "$TMP/v.json" 2>/dev/null; }
