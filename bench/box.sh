#!/usr/bin/env bash
# The box's per-run cost against its peers, measured here and now.
# usage: bash bench/box.sh [RUNS]   (make bench)
set -eu
cd "$(dirname "$0")/.."
runs=${1:-200}
command -v bwrap >/dev/null || echo "bubblewrap is missing: apt-get install bubblewrap" >&2
mkdir -p build/bench
cc -std=gnu11 -O2 -Wall -Wextra -o build/bench/boxbench bench/boxbench.c \
	build/policy_prebuilt.o build/libbox.a $(pkg-config --cflags --libs libseccomp jansson)
echo "# $(uname -r), $(nproc) cores, as $(id -un)"
build/bench/boxbench "$runs" build/ipcbox
