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
#include "box.h"
#include "host.h"
#include "limits.h"
#include "mnt.h"
#include "proto.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <stdarg.h>
#include <unistd.h>

#define MAX_VIOLATIONS 32
/* in host mode, root's programs run as nobody */
#define HOST_ROOT_UID 65534
#define HOST_ROOT_GID 65534
/* output is read through one buffer per box, not the stack: the
 * stack-clash probes of a 64 KiB frame fault in every page of it, which
 * a short-lived process (ipcbox) pays at each box */
#define IOBUF_SIZE 65536

struct box {
	struct box_config cfg;
	struct box_limits lim;
	struct policy_bpf bpf;
	struct box_isolation iso;
	struct cgroup cg;
	struct cgroup_stats cgs;
	pid_t init_pid;
	int ctl, timer_fd, src_fd, ro_fd;
	int64_t started_ms;
	struct box_proc *procs;
	int nprocs, cap;
	struct box_violation viol[MAX_VIOLATIONS];
	int nviol;
	int64_t total_output;
	int finished, reaped, init_lost;
	int nested;		/* programs get a user namespace of their own */
	int host;		/* host mode (host.h): no namespaces at all */
	int host_lock_fd;	/* host mode: held while the box exists */
	char hostdir[256];	/* host mode: the box's directory, or "" */
	char no_ns_why[160];	/* why namespaces failed, for host mode's note */
	enum box_status kill_status;
	enum box_limit kill_limit;
	int kill_proc;		/* program blamed for the kill, or -1 */
	int count_at_kill;	/* processes alive when a limit killed it */
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	box_echo_fn *echo;
	void *echo_data;
	char *iobuf;		/* IOBUF_SIZE */
};

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
static int tracing(void)
{
	static int on = -1;

	if (on < 0)
		on = getenv("IPCBOX_TRACE") != NULL;
	return on;
}

static void trace(const char *step)
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

/* ---- outside: the supervisor ---- */


static void note(struct box *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct box *b, const char *fmt, ...)
{
	va_list ap;

	if (b->iso.nnotes == (int)(sizeof(b->iso.notes) / sizeof(b->iso.notes[0])))
		return;
	va_start(ap, fmt);
	vsnprintf(b->iso.notes[b->iso.nnotes++], sizeof(b->iso.notes[0]), fmt, ap);
	va_end(ap);
}

static int set_error(struct box_error *err, enum box_error_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int set_error(struct box_error *err, enum box_error_kind kind, const char *fmt, ...)
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

static int write_maps(pid_t pid, int root)
{
	char path[64], map[64];

	if (root) {
		/* init stays host root (it reads the caller's files and builds
		 * the root); the programs' uid 1000 is nobody on the host */
		snprintf(map, sizeof(map), "0 0 1\n%d 65534 1\n", BOX_UID);
		snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
		if (write_file(path, map) < 0)
			return -1;
		snprintf(map, sizeof(map), "0 0 1\n%d 65534 1\n", BOX_GID);
	} else {
		/* an unprivileged user may map its own uid only: it becomes
		 * init's root (the ipc sysctls want a mapped root), and each
		 * program nests a user namespace where it is uid 1000. Both
		 * are the same uid to the host: init is kept out of reach by
		 * being non-dumpable and handler-less, and by the filter. */
		snprintf(map, sizeof(map), "0 %d 1\n", (int)geteuid());
		snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
		if (write_file(path, map) < 0)
			return -1;
		snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
		if (write_file(path, "deny") < 0 && errno != ENOENT)
			return -1;
		snprintf(map, sizeof(map), "0 %d 1\n", (int)getegid());
	}
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	return write_file(path, map);
}

static int box_send(struct box *b, struct msg *m, size_t textlen, const int *fds, int nfds)
{
	return send_fds(b->ctl, m, offsetof(struct msg, text) + textlen, fds, nfds);
}

static void kill_box(struct box *b, enum box_status status, enum box_limit limit, int proc)
{
	if (b->finished)
		return;
	b->finished = 1;
	b->kill_status = status;
	b->kill_limit = limit;
	b->kill_proc = proc;
	/* SIGKILL to pid 1 of a pid namespace kills all of it; the kernel
	 * lets it through because we are outside. Without one, init must do
	 * it (box_finish waits, and makes sure) */
	if (b->init_pid > 0 && b->host) {
		struct msg m = { .type = MSG_KILL };

		if (b->ctl < 0 || box_send(b, &m, 0, NULL, 0) < 0)
			kill(b->init_pid, SIGKILL);
	} else if (b->init_pid > 0) {
		kill(b->init_pid, SIGKILL);
	}
}

/*
 * Host mode: init kills every process of the box, then exits, closing ctl.
 * Exits reported meanwhile are still recorded. Should init not be done in
 * time, it is killed, and whatever it had not killed yet may be left.
 */
static void handle_ctl(struct box *b);

static void wait_host_teardown(struct box *b)
{
	int64_t deadline = now_ms() + 10000;

	while (b->ctl >= 0) {
		struct pollfd pfd = { .fd = b->ctl, .events = POLLIN };
		int64_t left = deadline - now_ms();

		if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
			note(b, "the box's init did not finish killing its processes in time");
			kill(b->init_pid, SIGKILL);
			break;
		}
		handle_ctl(b);
	}
}

static int find_proc_by_pid(struct box *b, pid_t pid)
{
	for (int i = 0; i < b->nprocs; i++)
		if (b->procs[i].pid == pid)
			return i;
	return -1;
}

/* the program a process descends from, by its parents (never its name) */
static int owner_of(struct box *b, pid_t pid)
{
	char path[64], buf[512], *p;

	for (int depth = 0; pid > 1 && depth < 128; depth++) {
		int i = find_proc_by_pid(b, pid);

		if (i >= 0)
			return i;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		if (read_file(path, buf, sizeof(buf)) < 0 || !(p = strrchr(buf, ')')))
			return -1;
		if (sscanf(p + 2, "%*c %d", &pid) != 1)
			return -1;
	}
	return -1;
}

/* the executable's name, which a program cannot rename as it can its comm */
static void exe_name(pid_t pid, char *buf, size_t size)
{
	char path[64], target[PATH_MAX];
	ssize_t n;
	const char *base;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0) {
		snprintf(buf, size, "?");
		return;
	}
	target[n] = '\0';
	base = strrchr(target, '/');
	snprintf(buf, size, "%.31s", base ? base + 1 : target);
}

static void handle_notification(struct box *b, struct box_proc *p)
{
	struct box_violation *v;
	int owner;

	memset(b->req, 0, sizeof(*b->req));
	if (seccomp_notify_receive(p->listen_fd, b->req) < 0) {
		if (errno != EINTR && errno != ENOENT) {
			close(p->listen_fd);
			p->listen_fd = -1;
		}
		return;
	}
	owner = owner_of(b, (pid_t)b->req->pid);
	if (b->nviol < MAX_VIOLATIONS) {
		v = &b->viol[b->nviol++];
		v->pid = (pid_t)b->req->pid;
		v->proc = owner >= 0 ? owner : (int)(p - b->procs);
		exe_name(v->pid, v->process, sizeof(v->process));
		policy_syscall_name(b->req->data.nr, v->syscall, sizeof(v->syscall));
		policy_describe(&b->req->data, v->detail, sizeof(v->detail));
	}
	/* the run profile stops a program that breaks the rules; the build
	 * profile refuses the call and lets the compiler carry on */
	if (b->cfg.profile == POLICY_RUN &&
	    seccomp_notify_id_valid(p->listen_fd, b->req->id) == 0)
		kill((pid_t)b->req->pid, SIGKILL);
	memset(b->resp, 0, sizeof(*b->resp));
	b->resp->id = b->req->id;
	b->resp->error = -EPERM;
	seccomp_notify_respond(p->listen_fd, b->resp);
}

static void handle_report(struct box *b, struct box_proc *p)
{
	struct msg m;
	int fd = -1, nfds = 1;
	pid_t pid;
	ssize_t n = recv_fds(p->report_fd, &m, sizeof(m), &fd, &nfds, &pid);

	if (n <= 0) {
		close(p->report_fd);
		p->report_fd = -1;
		return;
	}
	if (m.type == MSG_HELLO && nfds == 1) {
		p->pid = pid;
		p->listen_fd = fd;
		(void)b;
	} else {
		if (nfds == 1)
			close(fd);
		if (m.type == MSG_FAIL) {
			p->exec_errno = m.status ? m.status : EIO;
			snprintf(p->verdict.message, sizeof(p->verdict.message), "%.*s",
				 (int)(n - (ssize_t)offsetof(struct msg, text)), m.text);
		}
	}
}

static void handle_output(struct box *b, struct box_proc *p, int stream)
{
	struct box_output *o = stream == 1 ? &p->out : &p->err;
	int *fd = stream == 1 ? &p->out_fd : &p->err_fd;
	char *buf = b->iobuf;
	ssize_t n = xread(*fd, buf, IOBUF_SIZE);

	if (n <= 0) {
		close(*fd);
		*fd = -1;
		o->eof = 1;
		return;
	}
	if (stream == 1 && p->out_skip) {
		/* our filler comes first (stdout_full): drop it, keep the rest */
		size_t drop = (size_t)n < p->out_skip ? (size_t)n : p->out_skip;

		p->out_skip -= drop;
		n -= (ssize_t)drop;
		memmove(buf, buf + drop, (size_t)n);
		if (n == 0)
			return;
	}
	o->total += n;
	b->total_output += n;
	{
		int64_t room = b->lim.output_bytes - (int64_t)(p->out.len + p->err.len);
		size_t keep = room <= 0 ? 0 : (size_t)(n < room ? n : room);

		if (keep) {
			memcpy(o->data + o->len, buf, keep);
			o->len += keep;
			o->data[o->len] = '\0';
			if (b->echo)
				b->echo((int)(p - b->procs), stream, buf, keep, b->echo_data);
		}
	}
	if (b->total_output > b->lim.output_max)
		kill_box(b, BOX_OUTPUT, LIMIT_OUTPUT, (int)(p - b->procs));
}

static void record_exit(struct box *b, const struct msg *m);

static void handle_ctl(struct box *b)
{
	struct msg m;
	ssize_t n = recv_fds(b->ctl, &m, sizeof(m), NULL, NULL, NULL);

	if (n <= 0) {
		/* init is gone: killed by us, or it failed */
		if (!b->finished)
			b->init_lost = 1;
		close(b->ctl);
		b->ctl = -1;
		if (!b->finished)
			kill_box(b, BOX_INTERNAL, LIMIT_NONE, -1);
		return;
	}
	if (m.type == MSG_EXITED) {
		record_exit(b, &m);
		trace("program exited");
	} else if (m.type == MSG_COUNTED) {
		b->count_at_kill = m.others;
	}
}

static void record_exit(struct box *b, const struct msg *m)
{
	struct box_proc *p;

	if (m->id < 0 || m->id >= b->nprocs)
		return;
	p = &b->procs[m->id];
	p->done = 1;
	p->wait_status = m->status;
	p->cpu_ms = m->cpu_ms;
	p->maxrss_kib = m->maxrss_kib;
	p->ended_ms = now_ms();
	p->verdict.leftover = m->others;
	p->full_fs = m->full;
}

/*
 * One request to init and its answer; exits that arrive meanwhile are
 * recorded. Returns 0 with *r filled (and *fd if one came), or -1.
 */
static int request(struct box *b, struct msg *m, size_t textlen, int want,
		   struct msg *r, int *fd)
{
	int nfds;
	ssize_t n;

	if (b->ctl < 0 || box_send(b, m, textlen, NULL, 0) < 0)
		return -1;
	for (;;) {
		int got = -1;

		nfds = 1;
		n = recv_fds(b->ctl, r, sizeof(*r), &got, &nfds, NULL);
		if (n <= 0) {
			kill_box(b, BOX_INTERNAL, LIMIT_NONE, -1);
			return -1;
		}
		if (r->type == want) {
			if (fd)
				*fd = nfds ? got : -1;
			else if (nfds)
				close(got);
			if (n < (ssize_t)sizeof(*r))
				((char *)r)[n] = '\0';
			return 0;
		}
		if (nfds)
			close(got);
		if (r->type == MSG_EXITED)
			record_exit(b, r);
	}
}

int box_stat(struct box *b, const char *path, struct box_stat *st)
{
	struct msg *m = calloc(2, sizeof(*m));
	int ret = -EIO;

	if (!m)
		return -ENOMEM;
	m->type = MSG_OPEN;
	snprintf(m->text, sizeof(m->text), "%s", path);
	if (request(b, m, strlen(m->text) + 1, MSG_OPENED, m + 1, NULL) == 0) {
		ret = -m[1].status;
		st->mode = (unsigned)m[1].mode;
		st->size = m[1].size;
	}
	free(m);
	return ret;
}

int box_open(struct box *b, const char *path)
{
	struct msg *m = calloc(2, sizeof(*m));
	int ret = -EIO, fd = -1;

	if (!m)
		return -ENOMEM;
	m->type = MSG_OPEN;
	m->status = 1;
	snprintf(m->text, sizeof(m->text), "%s", path);
	if (request(b, m, strlen(m->text) + 1, MSG_OPENED, m + 1, &fd) == 0)
		ret = m[1].status ? -m[1].status : fd >= 0 ? fd : -EIO;
	free(m);
	return ret;
}

ssize_t box_read(struct box *b, const char *path, char *buf, size_t size)
{
	struct msg *m = calloc(2, sizeof(*m));
	ssize_t ret = -EIO;

	if (!m)
		return -ENOMEM;
	m->type = MSG_READ;
	snprintf(m->text, sizeof(m->text), "%s", path);
	if (request(b, m, strlen(m->text) + 1, MSG_READ_DONE, m + 1, NULL) == 0) {
		if (m[1].status) {
			ret = -m[1].status;
		} else {
			size_t n = (size_t)m[1].size < size - 1 ? (size_t)m[1].size : size - 1;

			memcpy(buf, m[1].text, n);
			buf[n] = '\0';
			ret = (ssize_t)n;
		}
	}
	free(m);
	return ret;
}

int box_semval(struct box *b, long key, int num)
{
	struct msg *m = calloc(2, sizeof(*m));
	int ret = -EIO;

	if (!m)
		return -ENOMEM;
	m->type = MSG_SEMVAL;
	m->size = key;
	m->id = num;
	if (request(b, m, 0, MSG_SEMVAL_DONE, m + 1, NULL) == 0)
		ret = m[1].status ? -m[1].status : (int)m[1].size;
	free(m);
	return ret;
}

static int ask_count(struct box *b)
{
	struct msg m = { .type = MSG_COUNT };
	struct pollfd pfd = { .fd = b->ctl, .events = POLLIN };

	if (b->ctl < 0 || box_send(b, &m, 0, NULL, 0) < 0)
		return -1;
	b->count_at_kill = -1;
	/* init is ours and answers at once; the deadline only guards
	 * against a box that is already dying */
	while (b->count_at_kill < 0 && b->ctl >= 0 && poll(&pfd, 1, 1000) > 0)
		handle_ctl(b);
	return b->count_at_kill;
}

static void handle_timer(struct box *b)
{
	uint64_t ticks;

	if (xread(b->timer_fd, &ticks, sizeof(ticks)) < 0)
		return;
	/* pids.events tells a refused fork, except in a nested user
	 * namespace: there RLIMIT_NPROC also counts init, one level up, and
	 * being checked before pids.max it refuses first */
	if (b->cg.version == 0 || b->nested)
		ask_count(b);
	kill_box(b, BOX_TIME, LIMIT_WALL, -1);
}

int box_pump(struct box *b, int timeout_ms)
{
	return box_pump_with(b, timeout_ms, NULL, 0);
}

int box_pump_with(struct box *b, int timeout_ms, struct pollfd *extra, int nextra)
{
	struct pollfd pfd[2 + 4 * 64 + 16];
	struct { struct box_proc *p; int what; } who[2 + 4 * 64 + 16];
	int n = 0, ret;

	if (b->ctl >= 0) {
		pfd[n] = (struct pollfd){ .fd = b->ctl, .events = POLLIN };
		who[n++].what = 0;
	}
	if (b->timer_fd >= 0 && !b->finished) {
		pfd[n] = (struct pollfd){ .fd = b->timer_fd, .events = POLLIN };
		who[n++].what = 1;
	}
	for (int i = 0; i < b->nprocs && n + 4 <= (int)(sizeof(pfd) / sizeof(pfd[0])); i++) {
		struct box_proc *p = &b->procs[i];
		int fds[4] = { p->hold_output && !b->finished ? -1 : p->out_fd, p->err_fd,
			       p->report_fd, p->listen_fd };

		for (int k = 0; k < 4; k++) {
			if (fds[k] < 0)
				continue;
			pfd[n] = (struct pollfd){ .fd = fds[k], .events = POLLIN };
			who[n].p = p;
			who[n++].what = 2 + k;
		}
	}
	for (int i = 0; i < nextra && i < 16; i++) {
		pfd[n] = extra[i];
		who[n++].what = 6 + i;
	}
	if (n == 0)
		return 0;
	ret = poll(pfd, (nfds_t)n, timeout_ms);
	if (ret <= 0)
		return ret < 0 && errno != EINTR ? -1 : 0;
	for (int i = 0; i < n; i++) {
		if (who[i].what >= 6) {
			extra[who[i].what - 6].revents = pfd[i].revents;
			continue;
		}
		if (!pfd[i].revents)
			continue;
		switch (who[i].what) {
		case 0: handle_ctl(b); break;
		case 1: handle_timer(b); break;
		case 2: handle_output(b, who[i].p, 1); break;
		case 3: handle_output(b, who[i].p, 2); break;
		case 4: handle_report(b, who[i].p); break;
		case 5:
			if (pfd[i].revents & POLLIN)
				handle_notification(b, who[i].p);
			else {
				close(who[i].p->listen_fd);
				who[i].p->listen_fd = -1;
			}
			break;
		}
	}
	return ret;
}

/* *refused is set when init failed for want of a privilege (EPERM, EACCES) */
static int wait_ready(struct box *b, struct box_error *err, int *refused)
{
	struct msg m;
	ssize_t n = recv_fds(b->ctl, &m, sizeof(m), NULL, NULL, NULL);

	/* init sends a text without its NUL */
	if (n > 0 && n < (ssize_t)sizeof(m))
		((char *)&m)[n] = '\0';
	*refused = n > 0 && m.type == MSG_FAIL && !m.bad_input &&
		   (m.status == EPERM || m.status == EACCES);
	if (n > 0 && m.type == MSG_READY) {
		if (b->iso.cgroupns && !m.others) {
			b->iso.cgroupns = 0;
			note(b, "no cgroup namespace");
		}
		/* FIFOs and sockets left out of the copy */
		m.text[sizeof(m.text) - 1] = '\0';
		if (m.text[0])
			note(b, "%.150s", m.text);
		if (m.status & MNT_PROC_BOUND) {
			b->iso.proc = "bound";
			note(b, "/proc is the one ipcgrade sees (a fresh one is refused where a "
			     "container masks parts of it): programs see processes outside the box");
		}
		if (m.status & MNT_NO_HOSTNAME)
			note(b, "sethostname() is refused here: the box's uts namespace keeps "
			     "the machine's name");
		if (m.status & MNT_IPC_DEFAULT)
			note(b, "/proc/sys is read-only here: the box's ipc namespace keeps the "
			     "kernel's SysV limits");
		return 0;
	}
	if (n > 0 && m.type == MSG_FAIL) {
		m.text[sizeof(m.text) - 1] = '\0';
		if (m.bad_input)
			return set_error(err, BOX_EBADINPUT, "%s in '%s'", m.text,
					 b->cfg.copy_dir ? b->cfg.copy_dir : "");
		return set_error(err, BOX_EINTERNAL, "cannot build the box: %s: %s",
				 m.text, strerror(m.status));
	}
	return set_error(err, BOX_EINTERNAL, "the box's init died while starting");
}

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U	/* Linux 6.3: executable even where vm.memfd_noexec says not */
#endif

/* init.c, built static and linked in by initimg.S */
extern const unsigned char box_init_image[], box_init_image_end[];

/*
 * A read-only descriptor of a sealed memfd holding the init image, made
 * once per process: every box execs it without a path, so init is found
 * wherever ipcgrade is installed and nothing on disk can swap it. The
 * writable descriptor is closed, as exec refuses a file open for writing.
 */
static int init_image(struct box_error *err)
{
	static int fd = -1;
	size_t len = (size_t)(box_init_image_end - box_init_image);
	char path[64];
	int w;

	if (fd >= 0)
		return fd;
	w = memfd_create("ipcbox-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (w < 0 && errno == EINVAL)	/* before Linux 6.3 */
		w = memfd_create("ipcbox-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (w < 0)
		return set_error(err, BOX_EINTERNAL, "cannot make the box's init image: "
				 "memfd_create: %s", strerror(errno));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", w);
	if (xwrite_all(w, box_init_image, len) < 0 || fchmod(w, 0555) < 0 ||
	    fcntl(w, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		set_error(err, BOX_EINTERNAL, "cannot make the box's init image: %s",
			  strerror(errno));
		close(w);
		return -1;
	}
	close(w);
	return fd;
}

struct init_start {
	int ctl, src, ro, image, keep_stderr, userns;
	int exec_errno;		/* written by the child when exec fails */
};

/*
 * In a new user namespace we hold every capability, but our uid has no
 * mapping there until the supervisor writes it, after our exec; and exec
 * by an unmapped uid keeps only the ambient set. So make them ambient.
 */
static int keep_capabilities(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	d[0].inheritable = d[0].permitted;
	d[1].inheritable = d[1].permitted;
	if (syscall(SYS_capset, &h, d) < 0)
		return -1;
	for (int cap = 0; cap < 64; cap++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return errno == EINVAL && cap > 0 ? 0 : -1;	/* past the last */
	return 0;
}

/*
 * The child of clone_init(), on the caller's stack and in its memory until
 * exec: it puts init's descriptors where proto.h says and execs the image.
 * It writes nothing of ours but exec_errno (and errno).
 */
static int init_start_child(void *arg)
{
	static char *const argv[] = { "ipcbox-init", NULL }, *const envp[] = { NULL };
	struct init_start *s = arg;
	int ctl = fcntl(s->ctl, F_DUPFD_CLOEXEC, 10);
	int src = s->src >= 0 ? fcntl(s->src, F_DUPFD_CLOEXEC, 10) : -1;
	int ro = s->ro >= 0 ? fcntl(s->ro, F_DUPFD_CLOEXEC, 10) : -1;
	int image = fcntl(s->image, F_DUPFD_CLOEXEC, 10);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (ctl < 0 || (s->src >= 0 && src < 0) || (s->ro >= 0 && ro < 0) || image < 0 ||
	    null < 0 || dup2(ctl, INIT_CTL_FD) < 0 ||
	    (src >= 0 && dup2(src, INIT_SRC_FD) < 0) || (ro >= 0 && dup2(ro, INIT_RO_FD) < 0) ||
	    dup2(null, 0) < 0 || dup2(null, 1) < 0 || (!s->keep_stderr && dup2(null, 2) < 0))
		goto fail;
	if (s->userns && keep_capabilities() < 0)
		goto fail;
	if (src < 0)
		close(INIT_SRC_FD);
	if (ro < 0)
		close(INIT_RO_FD);
	/* nothing else of the supervisor's, such as another box's pipes */
	close_range(INIT_RO_FD + 1, (unsigned)image - 1, 0);
	close_range((unsigned)image + 1, ~0U, 0);
	syscall(SYS_execveat, image, "", argv, envp, AT_EMPTY_PATH);
fail:
	s->exec_errno = errno ? errno : EIO;
	_exit(127);
}

/*
 * Start init in new namespaces (flags), without copying our address space:
 * CLONE_VFORK holds us until the child has exec'd the image or failed.
 * Returns its pid, -1 if the clone failed, -2 if the exec did (errno set).
 */
static pid_t clone_init(struct box *b, int flags, int ctl, int image)
{
	char stack[16384] __attribute__((aligned(16)));
	struct init_start s = {
		.ctl = ctl, .src = b->src_fd, .ro = b->ro_fd, .image = image,
		.keep_stderr = tracing(), .userns = !!(flags & CLONE_NEWUSER),
	};
	pid_t pid = clone(init_start_child, stack + sizeof(stack),
			  CLONE_VM | CLONE_VFORK | SIGCHLD | flags, &s);

	if (pid > 0 && s.exec_errno) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		errno = s.exec_errno;
		return -2;
	}
	return pid;
}

static void stop_init(struct box *b)
{
	if (b->init_pid > 0) {
		kill(b->init_pid, SIGKILL);
		while (waitpid(b->init_pid, NULL, 0) < 0 && errno == EINTR)
			;
		b->init_pid = 0;
	}
	if (b->ctl >= 0)
		close(b->ctl);
	b->ctl = -1;
	cgroup_remove(&b->cg);
	memset(&b->iso, 0, sizeof(b->iso));
}

/*
 * Host mode, said plainly: the verdict carries these notes, and `ipcgrade
 * run` prints them. The grading is the same; what is missing is the
 * containment, which matters when the code graded is not your own.
 */
static void host_notes(struct box *b, const char *why)
{
	note(b, "host mode: no namespaces (%s); programs are graded the same way, but are "
	     "not contained as in a box", why);
	if (geteuid() == 0)
		note(b, "the programs run as nobody (uid %d), in %s, and can read what nobody "
		     "can", HOST_ROOT_UID, b->hostdir);
	else
		note(b, "the programs run as you, in %s, and can read and write your files",
		     b->hostdir);
	note(b, "SysV IPC and /dev/shm are this machine's: the SysV objects made while the "
	     "box ran are removed at its end, /dev/shm is not cleaned");
	note(b, "the seccomp filter, no_new_privs and rlimits%s hold the programs",
	     b->cg.version ? ", and the box's cgroup," : "");
}

/* all three capabilities are in our effective set */
static int effective_cap(int a, int b2, int c)
{
	char buf[4096], *p;
	unsigned long long eff;

	if (read_file("/proc/self/status", buf, sizeof(buf)) < 0 || !(p = strstr(buf, "CapEff:")))
		return 1;	/* cannot tell: let the attempt say */
	eff = strtoull(p + 7, NULL, 16);
	return (eff >> a & 1) && (eff >> b2 & 1) && (eff >> c & 1);
}

/*
 * Start init: cloned into the namespaces (or, in host mode, none), its uid
 * map written, in the box's cgroup, configured, and ready. Returns 0; 1
 * when the namespaces are refused (all of them, for root) or granted
 * without the right to mount, which host mode can still serve; or -1 with
 * err set.
 */
static int start_init(struct box *b, int host, struct box_error *err)
{
	static unsigned counter;
	const int ns = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC |
		       CLONE_NEWNET | CLONE_NEWUTS;
	int sv[2] = { -1, -1 }, root = geteuid() == 0, image, refused, ret = -1;
	char name[64], why[256];
	struct init_config *conf = NULL;
	size_t conf_len;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return set_error(err, BOX_EINTERNAL, "socketpair: %s", strerror(errno));
	snprintf(name, sizeof(name), "ipcgrade-%d-%u", (int)getpid(), counter++);
	trace("setup");
	if (cgroup_create(&b->cg, name, &b->lim, why, sizeof(why)) < 0)
		note(b, "%s: memory and process limits are enforced per process with rlimits", why);
	b->iso.cgroup = b->cg.version == 1 ? "v1" : b->cg.version == 2 ? "v2" : "none";
	trace("cgroup created");
	if ((image = init_image(err)) < 0)
		goto out;
	b->host = host;
	b->iso.mode = host ? "host" : "box";
	b->iso.proc = host ? "host" : "own";
	if (host && root && !effective_cap(CAP_CHOWN, CAP_SETUID, CAP_SETGID)) {
		set_error(err, BOX_EINTERNAL, "no namespaces can be made here, and root without "
			  "CAP_CHOWN, CAP_SETUID and CAP_SETGID (e.g. docker --cap-drop ALL) cannot "
			  "run the programs as another user: keep those capabilities, or run "
			  "ipcgrade as an ordinary user");
		goto out;
	}
	if (host) {
		b->nested = 0;
		/* root's programs run as nobody, who must get through to work/ */
		if ((b->host_lock_fd = host_lock()) < 0 ||
		    host_dir_make(b->hostdir, sizeof(b->hostdir)) < 0 ||
		    (root && chmod(b->hostdir, 0711) < 0)) {
			b->hostdir[0] = '\0';
			set_error(err, BOX_EINTERNAL, "cannot make the box's directory: %s",
				  strerror(errno));
			goto out;
		}
		host_notes(b, b->no_ns_why);
		b->init_pid = clone_init(b, 0, sv[1], image);
	} else {
		b->iso.userns = b->iso.cgroupns = 1;
		b->nested = !root;
		b->init_pid = clone_init(b, ns, sv[1], image);
		if (b->init_pid == -1 && root) {
			/* e.g. user namespaces disabled by sysctl: root can
			 * still have every other namespace */
			b->iso.userns = 0;
			b->nested = 0;
			note(b, "no user namespace (%s): the box's init runs as host root",
			     strerror(errno));
			b->init_pid = clone_init(b, ns & ~CLONE_NEWUSER, sv[1], image);
		}
		if (b->init_pid == -1) {
			/* not even that: a container without CAP_SYS_ADMIN */
			b->init_pid = 0;
			snprintf(b->no_ns_why, sizeof(b->no_ns_why), "%s namespaces are refused: %s",
				 root ? "the" : "user", strerror(errno));
			ret = 1;
			goto out;
		}
	}
	if (b->init_pid == -2) {
		b->init_pid = 0;
		set_error(err, BOX_EINTERNAL, "cannot start the box's init: execveat: %s%s",
			  strerror(errno), errno == EACCES || errno == EPERM ?
			  " (is sysctl vm.memfd_noexec set?)" : "");
		goto out;
	}
	if (b->init_pid < 0) {
		b->init_pid = 0;
		set_error(err, BOX_EINTERNAL, "cannot create the box's namespaces: %s",
			  strerror(errno));
		goto out;
	}
	trace("clone");
	close(sv[1]);
	sv[1] = -1;
	b->ctl = sv[0];
	sv[0] = -1;
	b->iso.pidns = b->iso.mountns = b->iso.ipcns = b->iso.netns = b->iso.utsns = !host;
	b->iso.seccomp = 1;
	if (b->iso.userns && write_maps(b->init_pid, root) < 0) {
		set_error(err, BOX_EINTERNAL, "cannot write the box's uid map: %s", strerror(errno));
		/* e.g. root without CAP_SETUID and CAP_SETFCAP */
		if (errno == EPERM) {
			snprintf(b->no_ns_why, sizeof(b->no_ns_why), "the user namespace's uid "
				 "map is refused: %s", strerror(errno));
			ret = 1;
		}
		goto out;
	}
	trace("uid maps");
	if (b->cg.version && cgroup_attach(&b->cg, b->init_pid) < 0) {
		note(b, "cannot enter the box's cgroup (%s): limits per process only", strerror(errno));
		cgroup_remove(&b->cg);
		b->iso.cgroup = "none";
	}
	if (!b->cg.version)
		b->iso.cgroupns = 0;
	trace("cgroup attach");
	if (b->bpf.len > MAX_FILTER_LEN) {
		set_error(err, BOX_EINTERNAL, "the seccomp filter is too long (%u instructions)",
			  b->bpf.len);
		goto out;
	}
	conf_len = sizeof(*conf) + b->bpf.len * sizeof(conf->filter[0]);
	if (!(conf = malloc(conf_len))) {
		set_error(err, BOX_EINTERNAL, "out of memory");
		goto out;
	}
	memset(conf, 0, sizeof(*conf));
	conf->type = MSG_CONFIG;
	conf->limits = b->lim;
	conf->nested = b->nested;
	conf->cgroupns = b->iso.cgroupns;
	conf->have_cgroup = b->cg.version != 0;
	conf->trace = tracing();
	conf->host = host;
	conf->set_identity = !host || root;
	conf->uid = !host ? BOX_UID : root ? HOST_ROOT_UID : getuid();
	conf->gid = !host ? BOX_GID : root ? HOST_ROOT_GID : getgid();
	conf->filter_len = b->bpf.len;
	snprintf(conf->hostdir, sizeof(conf->hostdir), "%s", host ? b->hostdir : "");
	memcpy(conf->filter, b->bpf.insns, b->bpf.len * sizeof(conf->filter[0]));
	if (send_fds(b->ctl, conf, conf_len, NULL, 0) < 0) {
		set_error(err, BOX_EINTERNAL, "cannot configure the box's init: %s",
			  strerror(errno));
		goto out;
	}
	if (wait_ready(b, err, &refused) < 0) {
		/* e.g. user namespaces that grant no capability (Ubuntu's
		 * AppArmor restriction), or a container's AppArmor profile: the
		 * first mount or sethostname fails */
		if (refused && !host) {
			const char *what = strncmp(err->message, "cannot build the box: ", 22) ?
					   err->message : err->message + 22;

			snprintf(b->no_ns_why, sizeof(b->no_ns_why), "%s give no right to %.100s",
				 b->iso.userns ? "user namespaces here" : "the namespaces here", what);
			ret = 1;
		}
		goto out;
	}
	trace("root built");
	ret = 0;
out:
	free(conf);
	for (int i = 0; i < 2; i++)
		if (sv[i] >= 0)
			close(sv[i]);
	return ret;
}

int box_new(const struct box_config *cfg, struct box **out, struct box_error *err)
{
	struct box *b = calloc(1, sizeof(*b));
	struct itimerspec its = { 0 };
	int ret;

	*out = NULL;
	if (!b)
		return set_error(err, BOX_EINTERNAL, "out of memory");
	b->cfg = *cfg;
	b->lim = cfg->limits;
	b->ctl = b->timer_fd = b->src_fd = b->ro_fd = b->host_lock_fd = -1;
	b->kill_proc = -1;
	b->count_at_kill = -1;
	if (seccomp_notify_alloc(&b->req, &b->resp) < 0 || !(b->iobuf = malloc(IOBUF_SIZE))) {
		set_error(err, BOX_EINTERNAL, "out of memory");
		goto fail;
	}
	trace("start");
	ret = policy_compile(cfg->profile, cfg->delta, &b->bpf);
	trace("seccomp compiled");
	if (ret < 0) {
		set_error(err, BOX_EINTERNAL, "cannot build the seccomp filter: %s", strerror(-ret));
		goto fail;
	}
	if (cfg->copy_dir) {
		b->src_fd = open(cfg->copy_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (b->src_fd < 0) {
			set_error(err, BOX_EBADINPUT, "cannot open '%s': %s", cfg->copy_dir,
				  strerror(errno));
			goto fail;
		}
	}
	if (cfg->ro_dir) {
		b->ro_fd = open(cfg->ro_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (b->ro_fd < 0) {
			set_error(err, BOX_EINTERNAL, "cannot open '%s': %s", cfg->ro_dir,
				  strerror(errno));
			goto fail;
		}
	}
	/* IPCGRADE_HOST_MODE=1: host mode where a box could be had, to test
	 * it, or where the namespaces are known to be of no use */
	if (getenv("IPCGRADE_HOST_MODE") && !strcmp(getenv("IPCGRADE_HOST_MODE"), "1")) {
		snprintf(b->no_ns_why, sizeof(b->no_ns_why), "IPCGRADE_HOST_MODE=1 asks for it");
		ret = 1;
	} else {
		ret = start_init(b, 0, err);
	}
	if (ret == 1) {
		stop_init(b);
		ret = start_init(b, 1, err);
	}
	if (ret != 0)
		goto fail;
	if (b->src_fd >= 0) {
		close(b->src_fd);
		b->src_fd = -1;
	}
	if (b->ro_fd >= 0) {
		close(b->ro_fd);
		b->ro_fd = -1;
	}

	b->started_ms = now_ms();
	b->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	its.it_value.tv_sec = b->lim.wall_ms / 1000;
	its.it_value.tv_nsec = (b->lim.wall_ms % 1000) * 1000000;
	if (b->timer_fd < 0 || timerfd_settime(b->timer_fd, 0, &its, NULL) < 0) {
		set_error(err, BOX_EINTERNAL, "timerfd: %s", strerror(errno));
		goto fail;
	}
	*out = b;
	return 0;

fail:
	box_free(b);
	return -1;
}

/*
 * Outside, a program may reopen its stdio (/dev/stdout, /dev/fd/0): the
 * pipes a shell makes belong to the user. The kernel checks a pipe's
 * owner and mode (0600) on such an open, so as root, whose programs run
 * as another uid, the box's pipes are given to that uid; so is a pipe the
 * caller gives as stdin, when it is ours (never a named FIFO, which is a
 * file of the host's). Unprivileged, the programs' uid is ours already.
 */
static void give_pipe(const struct box *b, int fd, int callers)
{
	struct stat st;
	struct statfs sf;
	/* BOX_UID is nobody on the host (write_maps), as in host mode */
	uid_t uid = b->host || b->iso.userns ? HOST_ROOT_UID : BOX_UID;
	gid_t gid = b->host || b->iso.userns ? HOST_ROOT_GID : BOX_GID;

	if (geteuid() != 0 || fd < 0 || fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode) ||
	    fstatfs(fd, &sf) < 0 || sf.f_type != PIPEFS_MAGIC)
		return;
	if (callers && st.st_uid != geteuid())
		return;
	/* best effort: without it the program sees EACCES, as before */
	(void)!fchown(fd, uid, gid);
}

/*
 * Make a pipe as small as the kernel allows and fill it, so that the next
 * write to it blocks until someone reads. The descriptor is the one the
 * program will get: O_NONBLOCK is on the open file, so it is set only
 * while we fill and cleared before anyone else sees it.
 */
static int fill_pipe(int fd, size_t *filled)
{
	static const char filler[4096];
	int fl = fcntl(fd, F_GETFL);

	*filled = 0;
	if (fl < 0 || fcntl(fd, F_SETPIPE_SZ, 4096) < 0 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	for (;;) {
		ssize_t n = write(fd, filler, sizeof(filler));

		if (n > 0) {
			*filled += (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else {
			int full = n < 0 && errno == EAGAIN;

			if (fcntl(fd, F_SETFL, fl) < 0 || !full)
				return -1;
			return 0;
		}
	}
}

int box_spawn(struct box *b, const struct box_spawn *s, struct box_error *err)
{
	struct msg *m = calloc(1, sizeof(*m));
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 }, rep[2] = { -1, -1 }, on = 1;
	struct box_proc *p;
	size_t used = 0;
	int id = -1, fds[4];
	const char *slash;

	if (!m)
		return set_error(err, BOX_EINTERNAL, "out of memory");
	if (b->finished || b->ctl < 0) {
		set_error(err, BOX_EINTERNAL, "the box has already ended");
		goto out;
	}
	if (b->nprocs == b->cap) {
		int cap = b->cap ? b->cap * 2 : 4;
		struct box_proc *np = cap <= 64 ? realloc(b->procs, (size_t)cap * sizeof(*np)) : NULL;

		if (!np) {
			set_error(err, BOX_EINTERNAL, "too many programs in one box");
			goto out;
		}
		b->procs = np;
		b->cap = cap;
	}
	for (m->argc = 0; s->argv[m->argc]; m->argc++) {
		size_t len = strlen(s->argv[m->argc]) + 1;

		if (used + len > sizeof(m->text) || m->argc == 255) {
			set_error(err, BOX_EBADINPUT, "the command line is too long");
			goto out;
		}
		memcpy(m->text + used, s->argv[m->argc], len);
		used += len;
	}
	if (m->argc == 0) {
		set_error(err, BOX_EBADINPUT, "no command to run");
		goto out;
	}
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, rep) < 0 ||
	    setsockopt(rep[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0) {
		set_error(err, BOX_EINTERNAL, "cannot make the program's pipes: %s", strerror(errno));
		goto out;
	}
	give_pipe(b, out[1], 0);
	give_pipe(b, errp[1], 0);
	give_pipe(b, s->stdin_fd, 1);
	id = b->nprocs++;
	p = &b->procs[id];
	memset(p, 0, sizeof(*p));
	if (s->stdout_full && fill_pipe(out[1], &p->out_skip) < 0) {
		set_error(err, BOX_EINTERNAL, "cannot fill the program's stdout: %s", strerror(errno));
		goto out;
	}
	slash = strrchr(s->argv[0], '/');
	snprintf(p->name, sizeof(p->name), "%s", slash ? slash + 1 : s->argv[0]);
	p->out.data = malloc((size_t)b->lim.output_bytes + 1);
	p->err.data = malloc((size_t)b->lim.output_bytes + 1);
	p->out_fd = out[0];
	p->err_fd = errp[0];
	p->report_fd = rep[0];
	p->listen_fd = -1;
	p->verdict.exit_code = -1;
	out[0] = errp[0] = rep[0] = -1;
	if (!p->out.data || !p->err.data) {
		set_error(err, BOX_EINTERNAL, "out of memory");
		goto out;
	}
	p->out.data[0] = p->err.data[0] = '\0';

	m->type = MSG_SPAWN;
	m->id = id;
	m->has_stdin = s->stdin_fd >= 0;
	fds[0] = s->stdin_fd >= 0 ? s->stdin_fd : out[1];	/* placeholder, unused */
	fds[1] = out[1];
	fds[2] = errp[1];
	fds[3] = rep[1];
	p->started_ms = now_ms();
	if (box_send(b, m, used, fds, 4) < 0) {
		set_error(err, BOX_EINTERNAL, "cannot reach the box's init: %s", strerror(errno));
		goto out;
	}
	/* SPAWNED comes before any EXITED for this program on the same socket */
	for (;;) {
		struct msg r;
		ssize_t n = recv_fds(b->ctl, &r, sizeof(r), NULL, NULL, NULL);

		if (n <= 0) {
			set_error(err, BOX_EINTERNAL, "the box's init died");
			kill_box(b, BOX_INTERNAL, LIMIT_NONE, -1);
			goto out;
		}
		if (r.type == MSG_SPAWNED && r.id == id) {
			if (r.status) {
				set_error(err, BOX_EINTERNAL, "cannot fork in the box: %s",
					  strerror(r.status));
				goto out;
			}
			p->box_pid = r.pid;
			break;
		}
		if (r.type == MSG_EXITED)
			record_exit(b, &r);
	}
	free(m);
	m = NULL;
	trace("spawned");
	goto close_ends;
out:
	free(m);
	if (id >= 0) {
		struct box_proc *q = &b->procs[id];
		int own[4] = { q->out_fd, q->err_fd, q->report_fd, q->listen_fd };

		b->nprocs--;
		for (int k = 0; k < 4; k++)
			if (own[k] >= 0)
				close(own[k]);
		free(b->procs[id].out.data);
		free(b->procs[id].err.data);
		id = -1;
	}
close_ends:
	/* our copies of the program's ends: only the box may hold them */
	for (int *fd = (int[]){ out[0], out[1], errp[0], errp[1], rep[0], rep[1], -2 }; *fd != -2; fd++)
		if (*fd >= 0)
			close(*fd);
	return id;
}

static const char *signame(int sig, char *buf, size_t size)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		snprintf(buf, size, "SIG%s", abbrev);
	else
		snprintf(buf, size, "signal %d", sig);
	return buf;
}

static void human_kib(int64_t kib, char *buf, size_t size)
{
	if (kib >= 1024 && kib % 1024 == 0)
		snprintf(buf, size, "%lld MiB", (long long)(kib / 1024));
	else
		snprintf(buf, size, "%lld KiB", (long long)kib);
}

#define SAY(...) snprintf(v->message, sizeof(v->message), __VA_ARGS__)

static void make_verdict(struct box *b, int i)
{
	struct box_proc *p = &b->procs[i];
	struct box_verdict *v = &p->verdict;
	const struct box_violation *viol = NULL;
	int sig = 0, code = -1, oom = b->cgs.oom_kills > 0, shsig = 0, lsig;
	char sn[32], lim[32], who[96];

	for (int k = 0; k < b->nviol && !viol; k++)
		if (b->viol[k].proc == i)
			viol = &b->viol[k];
	if (p->done && WIFEXITED(p->wait_status))
		code = WEXITSTATUS(p->wait_status);
	if (p->done && WIFSIGNALED(p->wait_status))
		sig = WTERMSIG(p->wait_status);
	v->exit_code = code;
	v->signal = sig;
	v->cpu_ms = p->cpu_ms;
	v->wall_ms = (p->done ? p->ended_ms : now_ms()) - p->started_ms;
	v->peak_memory_kib = p->maxrss_kib;
	v->limit = LIMIT_NONE;
	if (b->cgs.peak_kib > v->peak_memory_kib && b->nprocs == 1)
		v->peak_memory_kib = b->cgs.peak_kib;
	/* a shell tells its child's death by a signal as status 128 + the
	 * signal: a limit that killed that child is named all the same */
	if (code > 128 && code < 128 + 65)
		shsig = code - 128;
	lsig = sig ? sig : shsig;
	if (sig || !shsig)
		snprintf(who, sizeof(who), "%s", p->name);
	else
		snprintf(who, sizeof(who), "a process that %.60s ran", p->name);

	if (b->init_lost) {
		v->status = BOX_INTERNAL;
		SAY("the box failed while %s ran (its init died)", p->name);
	} else if (p->exec_errno) {
		char step[sizeof(v->message)];

		snprintf(step, sizeof(step), "%s", v->message);
		v->status = BOX_EXIT;
		v->exit_code = 127;
		if (!strcmp(step, "exec"))
			SAY("cannot run '%s': %s", p->name, strerror(p->exec_errno));
		else
			SAY("cannot start '%s': %.100s: %s", p->name, step, strerror(p->exec_errno));
	} else if (viol) {
		int other = strcmp(viol->process, p->name) && strcmp(viol->process, "?");

		v->status = BOX_FORBIDDEN;
		SAY("forbidden system call: %s by %.31s%s%.63s%s%s", viol->detail,
		    other ? viol->process : p->name, other ? " (run by " : "",
		    other ? p->name : "", other ? ")" : "",
		    b->cfg.profile == POLICY_RUN ? "; the process was stopped" :
		    "; the call was refused");
	} else if (b->kill_status == BOX_OUTPUT && b->kill_proc == i) {
		v->status = BOX_OUTPUT;
		v->limit = LIMIT_OUTPUT;
		human_kib(b->lim.output_max / 1024, lim, sizeof(lim));
		SAY("%s wrote more than %s of output and was stopped", p->name, lim);
	} else if (!p->done && b->kill_status == BOX_TIME &&
		   (b->cgs.pids_refused > 0 ||
		    ((b->cg.version == 0 || b->nested) &&
		     b->count_at_kill >= b->lim.processes - 1))) {
		v->status = BOX_PROCESSES;
		v->limit = LIMIT_PROCESSES;
		SAY("%s tried to create more than %d processes (a fork loop?) and was stopped "
		    "at the time limit", p->name, b->lim.processes);
	} else if (!p->done && b->kill_status == BOX_TIME) {
		v->status = BOX_TIME;
		v->limit = LIMIT_WALL;
		SAY("%s was still running after %.1f s of wall-clock time and was stopped",
		    p->name, (double)b->lim.wall_ms / 1000);
	} else if (!p->done) {
		v->status = BOX_SIGNAL;
		v->signal = SIGKILL;
		SAY("%s was still running when the box was stopped%s", p->name,
		    b->kill_status == BOX_OUTPUT ? " for another program's output" : "");
	} else if (lsig == SIGXCPU || (sig == SIGKILL && p->cpu_ms >= b->lim.cpu_ms)) {
		v->status = BOX_TIME;
		v->limit = LIMIT_CPU;
		SAY("%s used more than %.1f s of CPU time and was stopped (an endless loop, "
		    "or busy waiting?)", who, (double)b->lim.cpu_ms / 1000);
	} else if (oom && (sig == SIGKILL || code != 0)) {
		v->status = BOX_MEMORY;
		v->limit = LIMIT_MEMORY;
		human_kib(b->lim.memory_kib, lim, sizeof(lim));
		SAY("%s ran out of memory: the box's limit is %s", p->name, lim);
	} else if (b->cg.version == 0 && (sig || code) &&
		   p->maxrss_kib * 4 >= b->lim.memory_kib * 3) {
		v->status = BOX_MEMORY;
		v->limit = LIMIT_MEMORY;
		human_kib(b->lim.memory_kib, lim, sizeof(lim));
		SAY("%s most likely ran out of memory (it reached %lld KiB of the %s allowed "
		    "to each process)", p->name, (long long)p->maxrss_kib, lim);
	} else if (lsig == SIGXFSZ) {
		v->status = BOX_SIGNAL;
		v->limit = LIMIT_FILE_SIZE;
		human_kib(b->lim.file_size_kib, lim, sizeof(lim));
		SAY("%s was killed by SIGXFSZ: it wrote a file larger than the limit of %s",
		    who, lim);
	} else if (lsig == SIGBUS && p->full_fs) {
		int shm = p->full_fs & EXIT_FULL_SHM;

		v->status = BOX_SIGNAL;
		v->limit = shm ? LIMIT_SHM : LIMIT_DISK;
		human_kib(shm ? b->lim.memory_kib : b->lim.tmpfs_kib, lim, sizeof(lim));
		SAY("%s was killed by SIGBUS: it used a mapped file for which %s had no room "
		    "left (the box's limit is %s)", who,
		    shm ? "/dev/shm" : "/work and /tmp", lim);
	} else if (b->cgs.pids_refused > 0 && (sig || code != 0 || b->nprocs == 1)) {
		/* a fork refused, also to a child of a shell, stops a program
		 * however it ends; with several programs in the box, one that
		 * ended well is not blamed for another's */
		char how[64];

		if (sig)
			snprintf(how, sizeof(how), "was killed by %s", signame(sig, sn, sizeof(sn)));
		else
			snprintf(how, sizeof(how), "exited with status %d", code);
		v->status = BOX_PROCESSES;
		v->limit = LIMIT_PROCESSES;
		SAY("%s %s after the box refused to create more than %d processes", p->name,
		    how, b->lim.processes);
	} else if (sig) {
		v->status = BOX_SIGNAL;
		SAY("%s was killed by %s (%s)", p->name, signame(sig, sn, sizeof(sn)),
		    strsignal(sig));
	} else if (code != 0) {
		v->status = BOX_EXIT;
		SAY("%s exited with status %d", p->name, code);
	} else {
		v->status = BOX_OK;
		SAY("%s exited with status 0", p->name);
	}
	if (!sig && shsig && v->limit != LIMIT_NONE && v->limit != LIMIT_PROCESSES &&
	    v->limit != LIMIT_MEMORY) {
		size_t len = strlen(v->message);

		snprintf(v->message + len, sizeof(v->message) - len,
			 "; %s exited with status %d", p->name, code);
	}
	if (v->leftover > 0 && v->status == BOX_OK) {
		size_t len = strlen(v->message);

		snprintf(v->message + len, sizeof(v->message) - len,
			 "; %d process%s it left running %s killed", v->leftover,
			 v->leftover == 1 ? "" : "es", v->leftover == 1 ? "was" : "were");
	}
}

void box_finish(struct box *b)
{
	int status;

	if (b->reaped)
		return;
	if (b->init_pid > 0) {
		trace("finish");
		kill_box(b, BOX_SIGNAL, LIMIT_NONE, -1);
		if (b->host)
			wait_host_teardown(b);
		while (waitpid(b->init_pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	b->reaped = 1;
	b->finished = 1;
	trace("init reaped");
	if (b->hostdir[0] && host_dir_remove(b->hostdir) < 0)
		note(b, "cannot remove the box's directory %s: %s", b->hostdir, strerror(errno));
	b->hostdir[0] = '\0';
	/* every process of the box is gone: what is still in the pipes and
	 * sockets ends in EOF */
	for (int i = 0; i < b->nprocs; i++) {
		struct box_proc *p = &b->procs[i];

		while (p->report_fd >= 0)
			handle_report(b, p);
		while (p->out_fd >= 0)
			handle_output(b, p, 1);
		while (p->err_fd >= 0)
			handle_output(b, p, 2);
		if (p->listen_fd >= 0) {
			close(p->listen_fd);
			p->listen_fd = -1;
		}
	}
	cgroup_read(&b->cg, &b->cgs);
	for (int i = 0; i < b->nprocs; i++)
		make_verdict(b, i);
	trace("verdicts");
}

void box_free(struct box *b)
{
	if (!b)
		return;
	if (b->init_pid > 0 && !b->reaped)
		box_finish(b);
	for (int i = 0; i < b->nprocs; i++) {
		struct box_proc *p = &b->procs[i];
		int fds[4] = { p->out_fd, p->err_fd, p->report_fd, p->listen_fd };

		for (int k = 0; k < 4; k++)
			if (fds[k] >= 0)
				close(fds[k]);
		free(p->out.data);
		free(p->err.data);
	}
	free(b->procs);
	if (b->ctl >= 0)
		close(b->ctl);
	if (b->timer_fd >= 0)
		close(b->timer_fd);
	if (b->src_fd >= 0)
		close(b->src_fd);
	if (b->ro_fd >= 0)
		close(b->ro_fd);
	cgroup_remove(&b->cg);
	if (b->hostdir[0])	/* box_new failed: there is no verdict to tell */
		host_dir_remove(b->hostdir);
	host_unlock(b->host_lock_fd);
	policy_release(&b->bpf);
	trace("freed");
	if (b->req)
		seccomp_notify_free(b->req, b->resp);
	free(b->iobuf);
	free(b);
}

int box_nprocs(const struct box *b) { return b->nprocs; }
struct box_proc *box_proc(struct box *b, int i) { return &b->procs[i]; }
const struct box_proc *box_result(const struct box *b, int i) { return &b->procs[i]; }
void box_hold_output(struct box *b, int i, int hold) { b->procs[i].hold_output = hold; }

int box_wait_started(struct box *b, int i, int timeout_ms)
{
	struct box_proc *p = &b->procs[i];
	int64_t deadline = now_ms() + timeout_ms;

	while (!p->pid && p->report_fd >= 0 && !b->finished && now_ms() < deadline)
		box_pump(b, 100);
	return p->exec_errno;
}
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
	p = box_proc(b, 0);
	/* until the program has ended, its report channel is done (so an
	 * exec failure is known) and the box has not been stopped */
	while (!b->finished && (!p->done || p->report_fd >= 0))
		if (box_pump(b, -1) < 0)
			break;
	box_finish(b);
	*out = b;
	return 0;
}

const char *box_status_name(enum box_status s)
{
	static const char *const names[] = {
		[BOX_OK] = "ok", [BOX_EXIT] = "exit", [BOX_SIGNAL] = "signal",
		[BOX_TIME] = "time-limit", [BOX_MEMORY] = "memory-limit",
		[BOX_OUTPUT] = "output-limit", [BOX_PROCESSES] = "process-limit",
		[BOX_FORBIDDEN] = "forbidden-syscall", [BOX_INTERNAL] = "internal-error",
	};
	return names[s];
}

const char *box_limit_name(enum box_limit l)
{
	static const char *const names[] = {
		[LIMIT_NONE] = NULL, [LIMIT_WALL] = "wall-time", [LIMIT_CPU] = "cpu-time",
		[LIMIT_MEMORY] = "memory", [LIMIT_OUTPUT] = "output",
		[LIMIT_PROCESSES] = "processes", [LIMIT_FILE_SIZE] = "file-size",
		[LIMIT_SHM] = "shm-size", [LIMIT_DISK] = "disk-size",
	};
	return names[l];
}
