/*
 * Finding and naming the processes of a running test (testrun.h): the
 * started ones by their scenario id, the children they fork (remembered,
 * so that an orphan is still named after its parent), everything alive
 * in the box, and the selectors ID.child and ID.all.
 */
#define _GNU_SOURCE
#include "testrun.h"
#include "../sandbox/box.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

struct started *run_find(struct run *r, const char *id)
{
	for (int i = 0; i < r->n; i++)
		if (!strcmp(r->procs[i].start->proc, id))
			return &r->procs[i];
	return NULL;
}

const struct box_proc *run_boxproc(struct run *r, const struct started *s)
{
	return s && s->idx >= 0 ? box_result(r->box, s->idx) : NULL;
}

int run_left_running(struct run *r, const struct started *s)
{
	const struct box_proc *p = run_boxproc(r, s);
	int others = 0;

	if (!p || !p->done)
		return 0;
	/*
	 * Alive at p's end: started before it and not ended before it, in
	 * the order init told us (a program started or ended since is not
	 * in the count, whatever it does now). Two programs reaped together
	 * are counted after both ends, so one may be subtracted that was
	 * not counted: an undercount, never a parent blamed for another
	 * program's processes.
	 */
	for (int i = 0; i < r->n; i++) {
		const struct box_proc *q = run_boxproc(r, &r->procs[i]);

		others += q && q != p && q->started_seq && q->started_seq < p->ended_seq &&
			  (!q->done || q->ended_seq > p->ended_seq);
	}
	return p->verdict.leftover > others ? p->verdict.leftover - others : 0;
}

/* remember whose child a process was: after its parent exits it is
 * init's, and the feedback should still name it */
static void remember_child(struct run *r, pid_t pid, int proc)
{
	for (int i = 0; i < r->nkin; i++)
		if (r->kin[i].pid == pid)
			return;
	if (r->nkin < MAX_SEEN) {
		r->kin[r->nkin].pid = pid;
		r->kin[r->nkin++].proc = proc;
	}
}

static void label_of(struct run *r, pid_t pid, pid_t ppid, char *buf, size_t size)
{
	for (int i = 0; i < r->n; i++) {
		const struct box_proc *p = run_boxproc(r, &r->procs[i]);

		if (p && p->pid == pid) {
			snprintf(buf, size, "%s", r->procs[i].label);
			return;
		}
	}
	for (int i = 0; i < r->n; i++) {
		const struct box_proc *p = run_boxproc(r, &r->procs[i]);

		if (p && p->pid == ppid) {
			snprintf(buf, size, "%.60s's child", r->procs[i].start->argv[0]);
			remember_child(r, pid, i);
			return;
		}
	}
	for (int i = 0; i < r->nkin; i++)
		if (r->kin[i].pid == pid) {
			snprintf(buf, size, "%.60s's child, orphaned",
				 r->procs[r->kin[i].proc].start->argv[0]);
			return;
		}
	snprintf(buf, size, "a process");
}

int run_seen(struct run *r, struct seen *out, int max)
{
	pid_t queue[256];
	int head = 0, tail = 0, n = 0, k;

	k = observe_children(box_init_pid(r->box), queue, 256);
	tail = k > 0 ? k : 0;
	while (head < tail && n < max) {
		pid_t pid = queue[head++];

		if (observe_proc(pid, &out[n].pi) < 0)
			continue;
		out[n].pid = pid;
		label_of(r, pid, out[n].pi.ppid, out[n].label, sizeof(out[n].label));
		n++;
		k = observe_children(pid, queue + tail, 256 - tail);
		if (k > 0)
			tail += k;
	}
	return n;
}

pid_t run_target(struct run *r, const struct step *st, struct strbuf *why)
{
	struct started *s = run_find(r, st->proc);
	const struct box_proc *p = run_boxproc(r, s);
	pid_t kids[64];
	int n;

	if (!p || !p->pid) {
		sb_addf(why, "%s has not started", st->proc);
		return -1;
	}
	if (st->sel != SEL_CHILD)
		return p->pid;
	n = p->done ? 0 : observe_children(p->pid, kids, 64);
	if (n <= 0) {
		int orphans = 0;

		for (int i = 0; i < r->nkin; i++) {
			struct pinfo pi;

			orphans += &r->procs[r->kin[i].proc] == s && observe_proc(r->kin[i].pid, &pi) == 0;
		}
		if (p->done && orphans)
			sb_addf(why, "%s had exited, leaving its child running: a parent must waitpid() "
				"for its children before it exits", s->label);
		else
			sb_addf(why, "%s has no child process%s", s->label, p->done ? " (it had exited)" : "");
		return -1;
	}
	if (n > 1) {
		/* ID.child is the only child: which of several was meant is
		 * unknowable, and the first found is no answer (ID.all is) */
		sb_addf(why, "%s has %d child processes where one was expected", s->label, n);
		return -1;
	}
	remember_child(r, kids[0], (int)(s - r->procs));
	return kids[0];
}

int run_family(struct run *r, const struct started *s, pid_t pid, struct seen *out, int max)
{
	struct { pid_t pid; int depth; } queue[256];
	int head = 0, tail = 1, n = 0;

	queue[0].pid = pid;
	queue[0].depth = 0;
	while (head < tail && n < max) {
		pid_t kids[64];
		int depth = queue[head].depth, k;
		struct seen *v = &out[n];

		v->pid = queue[head++].pid;
		if (observe_proc(v->pid, &v->pi) < 0 || v->pi.state == 'Z')
			continue;	/* gone, or ended: no longer a live process */
		/* no pid: the student never sees one; the result's debug has them */
		if (depth == 0)
			snprintf(v->label, sizeof(v->label), "%s", s->label);
		else
			snprintf(v->label, sizeof(v->label), "%.40s's %s running %.40s",
				 s->start->argv[0], depth == 1 ? "child" : "descendant", v->pi.exe);
		if (depth == 1)
			remember_child(r, v->pid, (int)(s - r->procs));
		n++;
		k = observe_children(v->pid, kids, 64);
		for (int i = 0; i < k && tail < 256; i++) {
			queue[tail].pid = kids[i];
			queue[tail++].depth = depth + 1;
		}
	}
	return n;
}

const char *run_signame(int sig)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "SIG%s", sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	return buf;
}
