#!/usr/bin/env bash
# Verdicts must not depend on timing: selftest, repeated with both cores
# kept busy by burners of our own, gives the same verdicts every time.
. "$(dirname "$0")/lib.sh"

[ -z "${IPCGRADE_UNPRIVILEGED_RUN:-}" ] ||
	plan_skip "runs in the first pass only, to keep make check under 10 minutes (selftest.t runs unprivileged)"
build_prog burn || plan_skip "cannot compile tests/progs/burn.c"
runs=${DETERMINISM_RUNS:-2}
exec 9> >(for i in $(seq "$(nproc)"); do "$TMP/progs/burn" <&0 & done; wait)
# each burner reads our fd 9's pipe: closing it at exit stops them
for i in $(seq "$runs"); do
	"$IPCGRADE" selftest >"$TMP/run$i" 2>&1
	is "$?" 0 "selftest under load, run $i: every reference full, every mutant as expected"
	grep -E '^(ok|not ok)' "$TMP/run$i" | sed 's/ - / /' >"$TMP/verdicts$i"
done
for i in $(seq 2 "$runs"); do
	ok "cmp -s '$TMP/verdicts1' '$TMP/verdicts$i'" "run $i gave the same verdicts as run 1"
done
exec 9>&-
