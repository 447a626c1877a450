#!/usr/bin/env bash
# Every grader is itself tested: each reference scores full marks and each
# mutant loses exactly the tests its MUTANT file names, with feedback that
# names its bug. ipcgrade selftest prints TAP itself.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
IPCGRADE=${IPCGRADE:-$ROOT/build/ipcgrade}
[ -x "$IPCGRADE" ] || { echo "1..0 # SKIP ipcgrade is not built (make)"; exit 0; }
exec "$IPCGRADE" selftest
