/*
 * events: the supervisor's event loop. box_pump() polls init's ctl
 * socket, the wall-clock timer and each program's stdout, stderr, report
 * socket and seccomp listener, and records what they say: exits, output,
 * denied calls, limits. kill_box() is how any of them ends the box.
 */
#define _GNU_SOURCE
#include "box_internal.h"
#include "util.h"
#include "../common/clock.h"
#include "../common/io.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int box_send(struct box *b, struct msg *m, size_t textlen, const int *fds, int nfds)
{
	return send_fds(b->ctl, m, offsetof(struct msg, text) + textlen, fds, nfds);
}

void kill_box(struct box *b, enum box_status status, enum box_limit limit, int proc)
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

/* let a notified call go on as if the filter had allowed it */
static void let_through(struct box *b, int listen_fd, uint64_t id)
{
	memset(b->resp, 0, sizeof(*b->resp));
	b->resp->id = id;
	b->resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	seccomp_notify_respond(listen_fd, b->resp);
}

/* one of delta->notify's calls: allowed, but a held child waits here */
static int passes_through(const struct box *b, int nr)
{
	char name[64];

	if (!b->cfg.delta)
		return 0;
	policy_syscall_name(nr, name, sizeof(name));
	for (const char *const *n = b->cfg.delta->notify; n && *n; n++)
		if (!strcmp(*n, name))
			return 1;
	return 0;
}

void box_release_children(struct box *b, int i)
{
	struct box_proc *p = &b->procs[i];
	cpu_set_t mine;
	int cpus[CPU_SETSIZE], ncpus = 0;

	/*
	 * Let go together, children that share a CPU still take turns: one
	 * that needs a millisecond would end within its time slice, before
	 * the next one runs, and a missing lock would lose nothing. Each
	 * gets a CPU of ours in turn, so that two of them can run at once.
	 */
	if (sched_getaffinity(0, sizeof(mine), &mine) == 0)
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &mine))
				cpus[ncpus++] = c;
	for (int k = 0; ncpus > 1 && k < p->nheld; k++) {
		cpu_set_t one;

		CPU_ZERO(&one);
		CPU_SET(cpus[k % ncpus], &one);
		sched_setaffinity(p->held_pid[k], sizeof(one), &one);
	}
	/* a child that died meanwhile has no notification left: ENOENT */
	for (int k = 0; k < p->nheld && p->listen_fd >= 0; k++)
		let_through(b, p->listen_fd, p->held[k]);
	p->nheld = 0;
	p->hold_children = 0;
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
	if (passes_through(b, b->req->data.nr)) {
		/* a descendant of the program (its listener is inherited) */
		if (p->hold_children && (pid_t)b->req->pid != p->pid &&
		    p->nheld < (int)(sizeof(p->held) / sizeof(p->held[0]))) {
			p->held_pid[p->nheld] = (pid_t)b->req->pid;
			p->held[p->nheld++] = b->req->id;
		} else {
			let_through(b, p->listen_fd, b->req->id);
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

void handle_report(struct box *b, struct box_proc *p)
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
			p->exec_errno = m.fail.err ? m.fail.err : EIO;
			snprintf(p->verdict.message, sizeof(p->verdict.message), "%.*s",
				 (int)(n - (ssize_t)offsetof(struct msg, text)), m.text);
		}
	}
}

void handle_output(struct box *b, struct box_proc *p, int stream)
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


void handle_ctl(struct box *b)
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
		b->count_at_kill = m.counted.left;
	}
}

void record_exit(struct box *b, const struct msg *m)
{
	struct box_proc *p;

	if (m->exited.id < 0 || m->exited.id >= b->nprocs)
		return;
	p = &b->procs[m->exited.id];
	p->done = 1;
	p->wait_status = m->exited.wait_status;
	p->cpu_ms = m->exited.cpu_ms;
	p->maxrss_kib = m->exited.maxrss_kib;
	p->ended_ms = now_ms();
	p->ended_seq = ++b->seq;
	p->verdict.leftover = m->exited.left;
	p->verdict.unwaited = m->exited.unwaited;
	p->full_fs = m->exited.full;
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

int box_wait_started(struct box *b, int i, int timeout_ms)
{
	struct box_proc *p = &b->procs[i];
	int64_t deadline = now_ms() + timeout_ms;

	while (!p->pid && p->report_fd >= 0 && !b->finished && now_ms() < deadline)
		box_pump(b, 100);
	return p->exec_errno;
}
