# ipcgrade for CI and graders' servers.
#   docker build -t ipcgrade .
#   docker run --rm --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
#       -v "$PWD/submission:/submission:ro" ipcgrade check fifo /submission
# The box makes its own namespaces and seccomp filter, which a container's
# default seccomp and AppArmor profiles forbid (unshare, clone with
# namespace flags, mount); unconfined lets ipcgrade apply its own, stricter,
# filter to the student. Without those options ipcgrade still grades, in
# host mode: no namespaces, and every report says NO ISOLATION.
FROM debian:12-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        gcc libc6-dev make pkg-config libseccomp-dev libjansson-dev libxml2-dev musl-tools \
        libsqlite3-dev nettle-dev git sqlite3 \
        jq libxml2-utils python3-jsonschema bubblewrap procps util-linux perl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src/ipcgrade
COPY . .
RUN make clean && make && make install PREFIX=/usr/local
# students' programs run as uid 1000 inside the box whoever runs ipcgrade;
# ipcgrade itself can run unprivileged too
RUN useradd --create-home grader
USER grader
WORKDIR /home/grader
ENTRYPOINT ["ipcgrade"]
CMD ["list"]
