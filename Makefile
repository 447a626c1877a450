# ipcgrade: plain make. `make` builds, `make check` tests, `make demo`
# grades the bundled examples, `make install PREFIX=...` installs.
#
# A plain `make` only builds: it finds the libraries with pkg-config and
# says which are missing. `make demo` and `make check` first install the
# Debian packages below where they are missing (as root with apt; others get
# the exact command to run); NO_APT=1 skips that step, for machines whose
# packages come from elsewhere. ./quickstart does the same on a machine
# that has nothing but git (not even make).

PREFIX ?= /usr/local
CC ?= cc
BUILD := build

# what building needs, and what the tests and the benchmark need besides
# (patch: selftest applies each mutant to its reference; cmark-gfm with its
# extensions renders the HTML report, whose test table is a GitHub table)
BUILD_PKGS := gcc make pkg-config libseccomp-dev libjansson-dev libxml2-dev musl-tools patch \
	libsqlite3-dev nettle-dev libcmark-gfm-dev libcmark-gfm-extensions-dev
CHECK_PKGS := perl jq util-linux procps bubblewrap libxml2-utils python3-jsonschema \
	git sqlite3

WARN := -Wall -Wextra -Wmissing-prototypes -Wstrict-prototypes -Wshadow \
	-Wformat=2 -Wno-format-nonliteral
HARDEN := -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE \
	-fstack-clash-protection -fcf-protection
CFLAGS ?= -g
# -MMD -MP: each object's header dependencies, written beside it as .d
DEPFLAGS = -MMD -MP
ALL_CFLAGS = -std=gnu11 $(WARN) $(HARDEN) $(CFLAGS) $(DEPFLAGS) $(PKG_CFLAGS)
LDFLAGS_RELRO := -Wl,-z,relro,-z,now,-z,noexecstack
LDFLAGS_HARDEN := -pie $(LDFLAGS_RELRO)

# the libraries, by pkg-config name; each program links only those it uses.
# Recursive (=) on purpose: evaluated when a recipe runs, after `make demo`
# has installed the packages, never frozen at a moment they were missing.
PKGS := libseccomp jansson libxml-2.0 sqlite3 nettle libcmark-gfm
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS_SECCOMP = $(shell pkg-config --libs libseccomp 2>/dev/null)
LIBS_JANSSON = $(shell pkg-config --libs jansson 2>/dev/null)
LIBS_XML = $(shell pkg-config --libs libxml-2.0 2>/dev/null)
LIBS_SQLITE = $(shell pkg-config --libs sqlite3 2>/dev/null)
LIBS_NETTLE = $(shell pkg-config --libs nettle 2>/dev/null)
LIBS_CMARK = $(shell pkg-config --libs libcmark-gfm 2>/dev/null)

SANDBOX_SRC := sandbox/box.c sandbox/start.c sandbox/spawn.c sandbox/events.c sandbox/query.c \
	sandbox/finish.c sandbox/verdict.c sandbox/cli.c sandbox/host.c sandbox/limits.c sandbox/policy.c \
	sandbox/util.c
# small helpers both the box and the harness use (common/*.h say what)
COMMON_SRC := common/number.c common/io.c common/clock.c
SANDBOX_OBJ := $(SANDBOX_SRC:%.c=$(BUILD)/%.o) $(COMMON_SRC:%.c=$(BUILD)/%.o) $(BUILD)/sandbox/initimg.o
# The box's pid 1 is a static program of its own, carried inside the
# supervisor (sandbox/initimg.S), built against musl: glibc's static
# start-up costs about 0.7 ms more per box on a virtual machine, where each
# of its CPUID probes traps (bench/README.md). musl's headers come without
# the kernel's, so those are linked in beside them. Not a PIE: musl-gcc
# cannot link a static PIE, and init's only input is the supervisor's.
MUSL_CC := musl-gcc
INIT_SRC := sandbox/init.c sandbox/host.c sandbox/mnt.c sandbox/limits.c sandbox/util.c
INIT_OBJ := $(INIT_SRC:sandbox/%.c=$(BUILD)/init/%.o) $(BUILD)/init/common/io.o
INIT_CFLAGS = -std=gnu11 $(WARN) -O2 -fstack-protector-strong -fstack-clash-protection \
	-fcf-protection $(CFLAGS) $(DEPFLAGS) -isystem $(BUILD)/init/kernel-headers
HARNESS_SRC := harness/ipcgrade.c harness/commands.c harness/grade.c harness/refcache.c \
	harness/selftest.c harness/files.c harness/engine.c harness/scenario.c \
	harness/observe.c harness/build.c harness/report.c harness/strbuf.c
HARNESS_SRC += harness/cond.c harness/diagnosis.c harness/feed.c harness/procs.c
HARNESS_SRC += harness/hang.c harness/perturb.c harness/reftimes.c harness/explain.c harness/warnings.c
HARNESS_SRC += harness/batch.c harness/gradebook.c harness/classbook.c harness/html.c
HARNESS_OBJ := $(HARNESS_SRC:%.c=$(BUILD)/%.o)
# the headers, for the fuzz target (objects track theirs with -MMD)
HEADERS := $(wildcard sandbox/*.h harness/*.h common/*.h)

# SANITIZE=1: ASan and UBSan in the harness and the box's supervisor side.
# The box's init is static musl, which has no sanitizer runtime, so it is
# built as always. Use a build directory of its own:
#   make SANITIZE=1 BUILD=build-san
ifeq ($(SANITIZE),1)
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
ALL_CFLAGS += $(SAN_FLAGS)
LDFLAGS_HARDEN += $(SAN_FLAGS)
endif

# the apt step: only for the goals a fresh Debian machine starts with
ifeq ($(NO_APT),)
ifneq ($(filter demo check,$(MAKECMDGOALS)),)
APT_STEP := $(BUILD)/.deps
endif
endif

all: $(BUILD)/ipcgrade $(BUILD)/ipcbox

# again whenever the package lists here change
$(BUILD)/.deps: .ci/deps Makefile
	@mkdir -p $(BUILD)
	@sh .ci/deps $(BUILD_PKGS)
	@touch $@

# every build: are the libraries there? (after the apt step, if any)
libs: $(APT_STEP)
	@missing=; for p in $(PKGS); do pkg-config --exists $$p 2>/dev/null || missing="$$missing $$p"; done; \
	if ! command -v pkg-config >/dev/null; then \
		echo "ipcgrade: building needs pkg-config, to find$$missing" >&2; exit 1; \
	elif [ -n "$$missing" ]; then \
		echo "ipcgrade: pkg-config cannot find:$$missing" >&2; \
		echo "  on Debian or Ubuntu: ./quickstart, or make demo as root (it installs them)" >&2; \
		exit 1; \
	elif ! echo '#include <cmark-gfm-core-extensions.h>' | \
		$(CC) -E $$(pkg-config --cflags libcmark-gfm) - >/dev/null 2>&1; then \
		echo "ipcgrade: cmark-gfm's extensions are missing (libcmark-gfm-extensions-dev)" >&2; \
		exit 1; \
	fi

$(BUILD)/%.o: %.c | libs
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/policygen: $(BUILD)/sandbox/policygen.o $(BUILD)/sandbox/policy.o
	$(CC) $(LDFLAGS_HARDEN) $(LDFLAGS) -o $@ $^ $(LIBS_SECCOMP)

# the stock seccomp profiles, compiled once here rather than in every box
$(BUILD)/policy_prebuilt.c: $(BUILD)/policygen
	$(BUILD)/policygen > $@.tmp && mv $@.tmp $@

$(BUILD)/policy_prebuilt.o: $(BUILD)/policy_prebuilt.c
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -c -o $@ $<

# The kernel's headers beside musl's. The multiarch directory is asked of
# the compiler when this recipe runs (gcc may have just been installed), the
# links are made in a scratch directory and moved into place only when all
# point somewhere: a failed attempt leaves nothing a later build trusts.
$(BUILD)/init/kernel-headers: | libs
	@mkdir -p $(BUILD)/init && rm -rf $@.tmp && mkdir $@.tmp
	@ma=$$($(CC) -print-multiarch 2>/dev/null); \
	for d in linux asm-generic $$ma/asm; do \
		[ -d /usr/include/$$d ] || { echo "ipcgrade: no /usr/include/$$d (linux-libc-dev, gcc)" >&2; rm -rf $@.tmp; exit 1; }; \
		ln -sfn /usr/include/$$d $@.tmp/$${d##*/}; \
	done
	@rm -rf $@ && mv $@.tmp $@

$(BUILD)/init/%.o: sandbox/%.c | $(BUILD)/init/kernel-headers
	$(MUSL_CC) $(INIT_CFLAGS) -c -o $@ $<

$(BUILD)/init/common/%.o: common/%.c | $(BUILD)/init/kernel-headers
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(INIT_CFLAGS) -c -o $@ $<

$(BUILD)/ipcbox-init: $(INIT_OBJ)
	$(MUSL_CC) -static -s $(LDFLAGS_RELRO) $(LDFLAGS) -o $@ $^

$(BUILD)/sandbox/initimg.o: sandbox/initimg.S $(BUILD)/ipcbox-init
	$(CC) -c -Wa,-I$(BUILD) -o $@ $<

# policy_prebuilt.o is linked as an object, not from the archive: only a
# weak reference points at it, and weak references pull nothing from one
$(BUILD)/libbox.a: $(SANDBOX_OBJ)
	ar rcs $@ $^

$(BUILD)/ipcgrade: $(HARNESS_OBJ) $(BUILD)/policy_prebuilt.o $(BUILD)/libbox.a
	$(CC) $(LDFLAGS_HARDEN) $(LDFLAGS) -o $@ $^ $(LIBS_SECCOMP) $(LIBS_JANSSON) $(LIBS_XML) \
		$(LIBS_SQLITE) $(LIBS_NETTLE) $(LIBS_CMARK)

$(BUILD)/ipcbox: $(BUILD)/sandbox/ipcbox.o $(BUILD)/policy_prebuilt.o $(BUILD)/libbox.a
	$(CC) $(LDFLAGS_HARDEN) $(LDFLAGS) -o $@ $^ $(LIBS_SECCOMP) $(LIBS_JANSSON)

check: all
	@[ -n "$(NO_APT)" ] || sh .ci/deps $(CHECK_PKGS)
	@bash tests/run

# the README's quick start in fresh Debian containers, as root (with and
# without privileges) and as an ordinary user; needs podman, not in check
quickstart-test:
	@bash .ci/quickstart-test

bench: all
	@bash bench/box.sh
	@bash bench/grade.sh

# relocatable: ipcgrade finds its data at ../share/ipcgrade beside its bin/,
# so the tree may be moved, or installed with DESTDIR and used elsewhere
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/ipcgrade
	install -m 755 $(BUILD)/ipcgrade $(BUILD)/ipcbox $(DESTDIR)$(PREFIX)/bin/
	cp -R graders reference assignments $(DESTDIR)$(PREFIX)/share/ipcgrade/

clean:
	rm -rf $(BUILD)

# the scenario loader under libFuzzer (clang), ASan and UBSan, for
# FUZZ_SECONDS (default 60), starting from the graders' own scenarios;
# not part of `make check`. A crash leaves its input in $(BUILD)/fuzz/.
FUZZ_SECONDS ?= 60
FUZZ_SRC := tests/fuzz/scenario.c harness/scenario.c common/number.c
fuzz: $(FUZZ_SRC) $(HEADERS)
	@mkdir -p $(BUILD)/fuzz/corpus
	clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $(BUILD)/fuzz/scenario $(FUZZ_SRC)
	cp graders/*/*.scn $(BUILD)/fuzz/corpus/
	cd $(BUILD)/fuzz && ./scenario -max_total_time=$(FUZZ_SECONDS) -timeout=5 \
		-dict=$(CURDIR)/tests/fuzz/scenario.dict -artifact_prefix=./ corpus

# a few realistic submissions (the reference and some of the graders'
# mutants, made whole from their patches) graded as a student would see it
DEMO := pipe:reference/pipe pipe:$(BUILD)/mutants/pipe/child-keeps-write-end \
	fifo:$(BUILD)/mutants/fifo/reader-rdwr msgq:$(BUILD)/mutants/msgq/no-rmid \
	signals:$(BUILD)/mutants/signals/busy-wait \
	pipeline:$(BUILD)/mutants/pipeline/waits-last-only psum:$(BUILD)/mutants/psum/int-sum \
	semcount:$(BUILD)/mutants/semcount/private-mapping shm:$(BUILD)/mutants/shm/mode-0666 \
	usock:$(BUILD)/mutants/usock/term-default

demo: all
	@rm -rf $(BUILD)/mutants
	@$(BUILD)/ipcgrade selftest --materialize $(BUILD)/mutants \
		$(patsubst $(BUILD)/mutants/%,%,$(filter $(BUILD)/mutants/%,$(foreach d,$(DEMO),$(lastword $(subst :, ,$(d))))))
	@for d in $(DEMO); do \
		echo "==== ipcgrade check $${d%%:*} $${d#*:}"; \
		$(BUILD)/ipcgrade check $${d%%:*} $${d#*:}; \
		echo "(exit status $$?)"; echo; \
	done

# the header dependencies -MMD wrote
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

.PHONY: all libs check bench demo install clean quickstart-test fuzz
.DELETE_ON_ERROR:

# Slow, and not part of check: the test suite in a container without
# privileges (podman or docker), and the box on a kernel with only cgroup
# v2, booted in QEMU (root; fetches Debian's kernel and makes a root once).
container-check:
	@bash tests/container.sh

vm-check: all
	@bash tests/vm/run.sh

.PHONY: container-check vm-check
