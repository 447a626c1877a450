/*
 * How a box works.
 *
 * Processes:
 *   supervisor  the caller (ipcgrade), outside every namespace of the box.
 *               It owns the box's cgroup, the wall-clock timer, the read
 *               ends of every program's stdout and stderr, and the seccomp
 *               notification listeners. It makes every verdict.
 *   init        pid 1 of the box (init.c, a small static program linked
 *               into the supervisor as an image and run from a sealed
 *               memfd), started by a CLONE_VM|CLONE_VFORK clone into new
 *               user, pid, mount, ipc, net and uts namespaces (and a cgroup
 *               namespace once it sits in the box's cgroup): no copy of the
 *               supervisor's memory is made or ever enters the box. It
 *               builds the root filesystem, then serves the supervisor's
 *               requests to start programs and reaps every process of the
 *               box. It is not dumpable and installs no signal handlers, so
 *               nothing in the box can signal, trace or read it. When it
 *               dies (the supervisor kills it, or the supervisor dies:
 *               PDEATHSIG) the kernel kills everything else in the pid
 *               namespace.
 *   programs    started by init the same way (CLONE_VM|CLONE_VFORK); each
 *               drops to uid 1000 with no capabilities, hard rlimits and
 *               no_new_privs, loads the seccomp filter last, sends its
 *               listener to the supervisor and execs.
 *
 * Why vfork and exec rather than fork: on a virtual machine a fork costs
 * about a millisecond per copy of page tables, more than everything else
 * a box does; bench/README.md has the figures.
 *
 * Descriptors:
 *   ctl         SOCK_SEQPACKET pair between supervisor and init: CONFIG,
 *               READY/FAIL, SPAWN/SPAWNED, EXITED, COUNT/COUNTED, ...
 *               (proto.h).
 *   report      one SOCK_SEQPACKET pair per program, supervisor end with
 *               SO_PASSCRED: the child sends HELLO with its listener (the
 *               kernel adds its pid as we see it) or FAIL {step, errno};
 *               close-on-exec, so EOF means exec happened.
 *   out, err    one pipe each per program; the supervisor reads them.
 * Nothing of these reaches a program past exec: it has fds 0, 1, 2 only.
 */
#define _GNU_SOURCE
#include "box_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void box_config_init(struct box_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->profile = POLICY_RUN;
	cfg->limits = (struct box_limits){
		/* sized for ordinary labs, and still stopping bombs: a
		 * parallel sum over a 256 MiB shared array with its own
		 * memory besides, 100 children forked before any is reaped
		 * (and a shell around them); a file as large as such a
		 * segment, since RLIMIT_FSIZE bounds ftruncate on /dev/shm */
		.wall_ms = 10000, .cpu_ms = 5000, .memory_kib = 512 * 1024,
		.processes = 256, .file_size_kib = 512 * 1024, .open_files = 64,
		.output_bytes = 1 << 20, .output_max = 64 << 20,
		.tmpfs_kib = 64 * 1024,
		.msgmni = 32, .shmmni = 32, .semmni = 32,
		.shmmax = 512LL << 20, .shmall = (512LL << 20) / 4096,
	};
}

/* IPCBOX_TRACE=1 prints when each step of a box ends, for benchmarks;
 * init's steps come indented, on the same clock */
int tracing(void)
{
	static int on = -1;

	if (on < 0)
		on = getenv("IPCBOX_TRACE") != NULL;
	return on;
}

void trace(const char *step)
{
	static int64_t last;
	struct timespec ts;
	int64_t us;

	if (!tracing())
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	fprintf(stderr, "ipcbox-trace: %-20s %8lld +%5lld us\n", step, (long long)(us % 100000000),
		last ? (long long)(us - last) : 0LL);
	last = us;
}


void note(struct box *b, const char *fmt, ...)
{
	va_list ap;

	if (b->iso.nnotes == (int)(sizeof(b->iso.notes) / sizeof(b->iso.notes[0])))
		return;
	va_start(ap, fmt);
	vsnprintf(b->iso.notes[b->iso.nnotes++], sizeof(b->iso.notes[0]), fmt, ap);
	va_end(ap);
}

int set_error(struct box_error *err, enum box_error_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->kind = kind;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return -1;
}

int box_nprocs(const struct box *b) { return b->nprocs; }
const struct box_proc *box_result(const struct box *b, int i) { return &b->procs[i]; }
void box_hold_output(struct box *b, int i, int hold) { b->procs[i].hold_output = hold; }

const struct box_isolation *box_isolation(const struct box *b) { return &b->iso; }
const struct box_limits *box_limits(const struct box *b) { return &b->lim; }
int box_nviolations(const struct box *b) { return b->nviol; }
const struct box_violation *box_violation(const struct box *b, int i) { return &b->viol[i]; }
int box_finished(const struct box *b) { return b->finished; }
pid_t box_init_pid(const struct box *b) { return b->init_pid; }

void box_set_echo(struct box *b, box_echo_fn *fn, void *data)
{
	b->echo = fn;
	b->echo_data = data;
}

int box_run(const struct box_config *cfg, const struct box_spawn *spawn,
	    box_echo_fn *echo, void *data, struct box **out, struct box_error *err)
{
	struct box *b;
	struct box_proc *p;

	*out = NULL;
	if (box_new(cfg, &b, err) < 0)
		return -1;
	box_set_echo(b, echo, data);
	if (box_spawn(b, spawn, err) < 0) {
		box_free(b);
		return -1;
	}
	p = &b->procs[0];
	/* until the program has ended, its report channel is done (so an
	 * exec failure is known) and the box has not been stopped */
	while (!b->finished && (!p->done || p->report_fd >= 0))
		if (box_pump(b, -1) < 0)
			break;
	box_finish(b);
	*out = b;
	return 0;
}
