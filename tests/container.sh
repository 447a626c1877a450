#!/usr/bin/env bash
# make container-check: the whole test suite (tests/run, as root and as
# nobody) in a container without privileges, as a course's CI job runs
# it: the Dockerfile's check target, built and run with no --privileged,
# no added capability and the runtime's default seccomp profile and
# masked /proc. Slow (a build, then the suite): not part of make check.
#   CONTAINER     podman (default when installed) or docker
#   CONTAINER_OPTS  extra `run` options; default for podman here:
#                 --runtime runc, and ulimits the suite's fork tests need
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
engine=${CONTAINER:-$(command -v podman >/dev/null && echo podman || echo docker)}
command -v "$engine" >/dev/null || { echo "container-check: neither podman nor docker is installed" >&2; exit 2; }
if [ -z "${CONTAINER_OPTS+set}" ]; then
	CONTAINER_OPTS="--ulimit nofile=20000:20000 --ulimit nproc=32768:32768"
	[ "$engine" = podman ] && command -v runc >/dev/null && CONTAINER_OPTS="--runtime runc $CONTAINER_OPTS"
fi
tag=localhost/ipcgrade-check
echo "container-check: building the check image with $engine"
"$engine" build -q ${CONTAINER_BUILD_OPTS-$([ "$engine" = podman ] && command -v runc >/dev/null && echo --runtime runc)} --target check -t $tag "$here" >/dev/null || { echo "container-check: the build failed" >&2; exit 2; }
echo "container-check: the suite, unprivileged ($engine run $CONTAINER_OPTS)"
# shellcheck disable=SC2086
"$engine" run --rm $CONTAINER_OPTS $tag
