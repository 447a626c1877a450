#!/usr/bin/env bash
# Verdicts must not depend on timing: a sample of the references and
# mutants, selftested with every core kept busy by burners of our own, gives
# the expected verdicts, the same in every run. A sample, not everything:
# selftest.t grades all of them already, and this file must stay cheap as
# labs are added. The sample is drawn with a seed that is printed, so a
# failure can be replayed: DETERMINISM_SEED=N (DETERMINISM_SAMPLE items,
# DETERMINISM_RUNS runs).
# check: alone
. "$(dirname "$0")/lib.sh"

[ -z "${IPCGRADE_UNPRIVILEGED_RUN:-}" ] ||
	plan_skip "runs in the first pass only, to keep make check under 10 minutes (selftest.t runs unprivileged)"
build_prog burn || plan_skip "cannot compile tests/progs/burn.c"
runs=${DETERMINISM_RUNS:-2}
size=${DETERMINISM_SAMPLE:-10}
seed=${DETERMINISM_SEED:-$RANDOM}

# every reference and mutant, as selftest names them: LAB/reference, LAB/M
for lab in "$ROOT"/graders/*/; do
	lab=$(basename "$lab")
	echo "$lab/reference"
	for m in "$ROOT/graders/$lab/mutants"/*/; do
		[ -d "$m" ] && echo "$lab/$(basename "$m")"
	done
done >"$TMP/all"
# shuf reads its randomness from a stream made of the seed alone
sample=$(shuf -n "$size" --random-source=<(yes "$seed") "$TMP/all" | sort)
[ -n "$sample" ] || plan_skip "no graders in $ROOT/graders"
diag "seed $seed: $(echo $sample) (of $(wc -l <"$TMP/all"))"

exec 9> >(for i in $(seq "$(nproc)"); do "$TMP/progs/burn" <&0 & done; wait)
# each burner reads our fd 9's pipe: closing it at exit stops them
for i in $(seq "$runs"); do
	"$IPCGRADE" selftest $sample >"$TMP/run$i" 2>&1
	is "$?" 0 "run $i under load: the sample's verdicts are as expected"
	grep -E '^(ok|not ok|#)' "$TMP/run$i" | sed 's/^ok [0-9]* - /ok /; s/^not ok [0-9]* - /not ok /' >"$TMP/verdicts$i"
	grep '^not ok' -A3 "$TMP/run$i" | sed 's/^/  /' | while IFS= read -r l; do diag "$l"; done
done
for i in $(seq 2 "$runs"); do
	ok "cmp -s '$TMP/verdicts1' '$TMP/verdicts$i'" "run $i gave the same verdicts as run 1"
done
exec 9>&-
