# ipcgrade for CI jobs and graders' servers: a build stage, a small runtime
# image (ipcgrade, the graders and references, and the compiler the
# submissions need; no test tools, no mutants) and a selftest image.
#
#   docker build -t ipcgrade .                      (or: podman build)
#   docker build --target selftest -t ipcgrade-selftest .
#   docker run --rm ipcgrade-selftest               (every lab's selftest)
#   make container-check                            (the test suite, unprivileged)
#
# Grading a submission:
#   docker run --rm -v "$PWD/submission:/submission:ro" ipcgrade check fifo /submission
#
# With no options, ipcgrade grades correctly but contains the student's
# programs only as far as the container lets it: it keeps whatever
# namespaces it may make (a user namespace and the others, with the
# container's own /proc bound in, when the runtime's seccomp profile allows
# user namespaces), else host mode (no namespaces). The report's isolation
# line and the JSON's "isolation" object say which. To give it the whole
# box (its own namespaces, a fresh /proc, its own seccomp filter):
#   docker:  --security-opt seccomp=unconfined --security-opt apparmor=unconfined
#            --security-opt systempaths=unconfined
#   podman:  --security-opt seccomp=unconfined --security-opt unmask=ALL
#            (and --security-opt apparmor=unconfined where AppArmor confines
#            containers; --security-opt label=disable under SELinux)
# seccomp=unconfined lets ipcgrade make namespaces and apply its own,
# stricter, filter to the student; apparmor=unconfined lets it mount;
# systempaths=unconfined / unmask=ALL stop the runtime from masking parts of
# /proc, which otherwise forbids a fresh /proc. None of these is
# --privileged: no capability is added. docs/environments.md has the rest.
#
# The image runs as root by default, whose students' programs run as nobody;
# `--user grader` runs ipcgrade unprivileged (the programs then run as
# grader, or in a user namespace of their own).

FROM debian:12-slim AS build
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends gcc libc6-dev make pkg-config libseccomp-dev \
        libjansson-dev libxml2-dev musl-tools patch libsqlite3-dev nettle-dev \
        libcmark-gfm-dev libcmark-gfm-extensions-dev >/dev/null \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src/ipcgrade
COPY . .
RUN make clean && make && make install PREFIX=/usr/local DESTDIR=/selftest \
    && cp -a /selftest /runtime \
    && rm -rf /runtime/usr/local/share/ipcgrade/graders/*/mutants

# what grading needs at run time: the libraries ipcgrade links, gcc and
# make for the submissions, and git for a class's submissions in repositories
FROM debian:12-slim AS runtime
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends gcc libc6-dev make libseccomp2 libjansson4 libxml2 \
        libsqlite3-0 libnettle8 libcmark-gfm0.29.0.gfm.6 libcmark-gfm-extensions0.29.0.gfm.6 \
        git >/dev/null \
    && apt-get clean && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* /usr/share/info/* \
    && useradd --create-home grader
COPY --from=build /runtime/ /
WORKDIR /home/grader
ENTRYPOINT ["ipcgrade"]
CMD ["list"]

# the runtime and the graders' mutants (patches against the references,
# which patch applies): `ipcgrade selftest` proves each grader on its
# reference and mutants, here in this container
FROM runtime AS selftest
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends patch >/dev/null \
    && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY --from=build /selftest/usr/local/share/ipcgrade/graders/ /usr/local/share/ipcgrade/graders/
CMD ["selftest"]

# the build tree with the test tools: `make container-check` runs the whole
# suite (tests/run) in it, in a container without privileges
FROM build AS check
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends perl jq util-linux procps bubblewrap libxml2-utils \
        python3-jsonschema sqlite3 git >/dev/null \
    && apt-get clean && rm -rf /var/lib/apt/lists/*
CMD ["bash", "tests/run"]

# the default target: the runtime image
FROM runtime
