/*
 * The feedback's diagnosis (diagnosis.h is its manual): one look at the
 * box after a step failed.
 */
#define _GNU_SOURCE
#include "diagnosis.h"
#include "testrun.h"
#include "../sandbox/box.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/io.h"

static void explain_no_eof(struct run *r, pid_t pid, const char *who);
static void explain_no_reader(struct run *r, const struct seen *w, const struct seen *live, int n);
static void explain_step(struct run *r, const struct seen *live, int n);

/* how the student knows what a descriptor is: "the FIFO f", "a pipe" */
static void fd_words(const struct fdinfo *f, char *buf, size_t size)
{
	if (f->type == FDT_FIFO && !strncmp(f->target, "/work/", 6))
		snprintf(buf, size, "the FIFO %.250s", f->target + 6);
	else if (f->type == FDT_FIFO && f->target[0] == '/')
		snprintf(buf, size, "the FIFO %.250s", f->target);
	else
		snprintf(buf, size, "a %s", fd_type_name(f->type));
}

/*
 * Where each process is, and who holds which end of every pipe and FIFO:
 * into sb as the student reads it, and into r->debug with the box's pids
 * and the inodes, which only the grader's author can use.
 */
void diagnose(struct run *r, struct strbuf *sb)
{
	struct seen live[MAX_SEEN];
	int n = run_seen(r, live, MAX_SEEN);
	struct { unsigned long ino; enum fd_type type; struct strbuf who; int beyond_stdio;
		 char name[300]; } ends[64];
	int nends = 0, npipes = 0;
	struct strbuf *dbg = &r->debug;

	sb_addf(sb, "\nWhere the processes were:");
	sb_addf(dbg, "%sWhere the processes were (pids in the box, inodes):", dbg->len ? "\n" : "");
	if (n == 0)
		sb_addf(sb, "\n  (no process of the test was left running)");
	for (int i = 0; i < n; i++) {
		char state[256];
		struct fdinfo fds[64];
		int nf;

		observe_describe(&live[i].pi, state, sizeof(state));
		sb_addf(sb, "\n  %s: %s", live[i].label, state);
		sb_addf(dbg, "\n  %s (pid %d in the box): %s", live[i].label, (int)live[i].pi.box_pid, state);
		nf = observe_fds(live[i].pid, fds, 64);
		for (int f = 0; f < nf; f++) {
			int e;

			if (fds[f].type != FDT_PIPE && fds[f].type != FDT_FIFO)
				continue;
			for (e = 0; e < nends; e++)
				if (ends[e].ino == fds[f].inode)
					break;
			if (e == nends) {
				if (nends == 64)
					continue;
				ends[e].ino = fds[f].inode;
				ends[e].type = fds[f].type;
				ends[e].beyond_stdio = 0;
				fd_words(&fds[f], ends[e].name, sizeof(ends[e].name));
				memset(&ends[e].who, 0, sizeof(ends[e].who));
				nends++;
			}
			ends[e].beyond_stdio |= fds[f].fd > 2 || fds[f].type == FDT_FIFO;
			sb_addf(&ends[e].who, "%s%s fd %d (%s)", ends[e].who.len ? ", " : "",
				live[i].label, fds[f].fd,
				fds[f].access == O_RDONLY ? "read end" :
				fds[f].access == O_WRONLY ? "write end" : "both ends");
		}
	}
	for (int e = 0; e < nends; e++)
		npipes += ends[e].beyond_stdio && ends[e].type == FDT_PIPE;
	for (int e = 0; e < nends; e++) {
		/* the programs' own stdin, stdout and stderr are not news */
		if (ends[e].beyond_stdio) {
			/* a pipe has no name: "the pipe" when it is the only one */
			sb_addf(sb, "\n  %s is held by: %s", ends[e].type == FDT_PIPE ?
				(npipes == 1 ? "the pipe" : "a pipe") : ends[e].name, sb_str(&ends[e].who));
			sb_addf(dbg, "\n  %s %lu is held by: %s", ends[e].type == FDT_PIPE ? "pipe" : "FIFO",
				ends[e].ino, sb_str(&ends[e].who));
		}
		sb_release(&ends[e].who);
	}
	/* what a program still running had printed, unless the step is about its output */
	for (int i = 0; i < r->n; i++) {
		const struct box_proc *p = run_boxproc(r, &r->procs[i]);
		const struct step *st = r->failed_step >= 0 ? &r->t->steps[r->failed_step] : NULL;

		if (!p || p->done || !p->out.len || !st ||
		    (st->proc && !strcmp(st->proc, r->procs[i].start->proc) &&
		     (st->cond.kind == COND_OUTPUT || st->cond.kind == COND_STDOUT)))
			continue;
		sb_addf(sb, "\n  %s had printed so far: \"", r->procs[i].label);
		sb_add_escaped(sb, p->out.data, p->out.len, 200);
		sb_addf(sb, "\"");
	}
	for (int i = 0; i < r->n; i++) {
		const struct box_proc *p = run_boxproc(r, &r->procs[i]);
		struct strbuf end = { 0 };

		if (!p || !p->done)
			continue;
		if (p->verdict.message[0])
			sb_addf(&end, "%s", p->verdict.message);
		else
			explain_end("it", p, &end);	/* its stderr: the step's story says it */
		sb_addf(sb, "\n  %s had ended: %s", r->procs[i].label, sb_str(&end));
		sb_release(&end);
	}
	for (int i = 0; i < n; i++)
		explain_no_eof(r, live[i].pid, live[i].label);
	for (int i = 0; i < n; i++)
		explain_no_reader(r, &live[i], live, n);
	if (!r->cause.len)
		explain_step(r, live, n);
}

/*
 * The reader itself holds a write end of what it reads. The advice
 * follows from what that end is (fdinfo's flags), not from the lab: a
 * FIFO opened O_RDWR is one descriptor holding both ends, and its fix is
 * O_RDONLY; a second descriptor on a pipe is a write end kept after
 * fork() (or pipe()), and its fix is to close it there.
 */
static void explain_own_writer(struct run *r, const char *who, const struct fdinfo *rd,
			       const struct fdinfo *w)
{
	char name[300];

	fd_words(rd, name, sizeof(name));
	if (rd->type == FDT_FIFO && w->fd == rd->fd && w->access == O_RDWR) {
		sb_addf(&r->cause, "%s opened %s for reading and writing (O_RDWR, fd %d), so it is a "
			"writer itself and its read() can never see end of file", who, name, w->fd);
		sb_addf(&r->fix, "Open the FIFO with O_RDONLY in %s.", who);
	} else if (rd->type == FDT_FIFO) {
		sb_addf(&r->cause, "%s reads %s on fd %d but also has it open for writing on fd %d, "
			"so its read() can never see end of file", who, name, rd->fd, w->fd);
		sb_addf(&r->fix, "Open the FIFO once in %s, with O_RDONLY.", who);
	} else {
		sb_addf(&r->cause, "%s is blocked reading a pipe whose write end is still open in %s "
			"itself (fd %d), so its read() can never see end of file", who, who, w->fd);
		sb_addf(&r->fix, "Close the ends of the pipe that %s does not use (here fd %d), "
			"right after fork() or dup2().", who, w->fd);
	}
}

/*
 * The cause of a reader that never sees EOF: someone, often the reader
 * itself, still holds a write end of what it reads.
 */
static void explain_no_eof(struct run *r, pid_t pid, const char *who)
{
	struct pinfo pi;
	struct fdinfo rd;
	struct seen live[MAX_SEEN];
	int n;

	if (observe_proc(pid, &pi) < 0 || !pi.in_syscall || strcmp(pi.syscall, "read") ||
	    observe_fd(pid, (int)pi.args[0], &rd) < 0 ||
	    (rd.type != FDT_PIPE && rd.type != FDT_FIFO))
		return;
	n = run_seen(r, live, MAX_SEEN);
	for (int i = 0; i < n; i++) {
		struct fdinfo fds[64];
		int nf = observe_fds(live[i].pid, fds, 64);

		for (int f = 0; f < nf; f++) {
			if (fds[f].inode != rd.inode || fds[f].type != rd.type || fds[f].access == O_RDONLY)
				continue;
			if (r->cause.len)
				return;	/* one cause: the first reader's */
			if (live[i].pid == pid) {
				explain_own_writer(r, who, &rd, &fds[f]);
				return;
			}
			if (live[i].pi.in_syscall && live[i].pi.state != 'R' && !strcmp(live[i].pi.syscall, "read"))
				continue;	/* a writer that writes nothing: another story */
			sb_addf(&r->cause, "%s is blocked reading a %s whose write end is still open in %s "
				"(fd %d), which is %s, so end of file never comes", who,
				fd_type_name(rd.type), live[i].label, fds[f].fd,
				live[i].pi.in_syscall ? "itself blocked" : "still running");
			sb_addf(&r->fix, "Close that write end in %s (fd %d) before it waits, or right "
				"after fork() if it does not use it.", live[i].label, fds[f].fd);
			return;
		}
	}
}


/*
 * A writer blocked on a full pipe that nobody will read: every process
 * of the box holding its read end is asleep in something else than a
 * read (a parent in waitpid(), the writer itself). A read end held only
 * outside the box (the harness's, for a held stdout) is no news.
 */
static void explain_no_reader(struct run *r, const struct seen *w, const struct seen *live, int n)
{
	struct fdinfo wr;
	char holders[512] = "";
	size_t len = 0;
	int nholders = 0;

	if (r->cause.len || !w->pi.in_syscall || w->pi.state == 'R' ||
	    (strcmp(w->pi.syscall, "write") && strcmp(w->pi.syscall, "writev")) ||
	    observe_fd(w->pid, (int)w->pi.args[0], &wr) < 0 || wr.type != FDT_PIPE)
		return;
	for (int i = 0; i < n; i++) {
		struct fdinfo fds[64];
		int nf = observe_fds(live[i].pid, fds, 64);

		for (int f = 0; f < nf; f++) {
			if (fds[f].inode != wr.inode || fds[f].access == O_WRONLY)
				continue;
			/* a reader that may still read: not this story */
			if (live[i].pi.state == 'R' || !live[i].pi.in_syscall ||
			    strstr("read readv poll ppoll select pselect6 epoll_wait epoll_pwait splice",
				   live[i].pi.syscall))
				return;
			if (nholders++ < 3 && len < sizeof(holders))
				len += (size_t)snprintf(holders + len, sizeof(holders) - len, "%s%s (fd %d, "
							"blocked in %s())", len ? ", " : "",
							live[i].pid == w->pid ? "itself" : live[i].label,
							fds[f].fd, observe_call_name(live[i].pi.syscall));
			break;
		}
	}
	if (!nholders)
		return;
	sb_addf(&r->cause, "%s is blocked writing to a full pipe (fd %d) that no process reads: its read "
		"end is held only by %s", w->label, wr.fd, holders);
	sb_addf(&r->fix, "Have a process read that pipe while %s writes to it: start the reader before "
		"waiting for the writer, and close the read end in every process that does not read it.",
		w->label);
}


/*
 * Whether a process got what it should answer, so that having written
 * nothing is news: it is blocked reading a pipe or FIFO into which
 * another live process of the test has written (that one's wchar, in
 * /proc/PID/io, is not 0); or the test sent it a signal it catches and
 * the signal was delivered (caught, neither pending nor blocked).
 */
static int got_input(struct run *r, const struct step *st, const struct seen *v,
		     const struct seen *live, int n)
{
	struct fdinfo rd;

	if (!strcmp(v->pi.syscall, "read") && observe_fd(v->pid, (int)v->pi.args[0], &rd) == 0 &&
	    (rd.type == FDT_PIPE || rd.type == FDT_FIFO)) {
		for (int i = 0; i < n; i++) {
			struct fdinfo fds[64];
			int nf = live[i].pid == v->pid ? 0 : observe_fds(live[i].pid, fds, 64);
			int64_t rc, w;

			for (int f = 0; f < nf; f++)
				if (fds[f].inode == rd.inode && fds[f].access != O_RDONLY) {
					/* one look at what it wrote, whichever end it holds */
					if (observe_io(live[i].pid, &rc, &w) == 0 && w > 0)
						return 1;
					break;
				}
		}
		return 0;
	}
	for (const struct step *k = r->t->steps; k < st; k++) {
		int sig = k->signal;

		if (k->kind == STEP_SIGNAL && k->proc && st->proc && !strcmp(k->proc, st->proc) &&
		    (v->pi.sigcgt >> (sig - 1) & 1) && !(v->pi.sigpnd >> (sig - 1) & 1) &&
		    !(v->pi.sigblk >> (sig - 1) & 1))
			return 1;
	}
	return 0;
}

/*
 * We waited for output that never came, from a student's process that
 * shares the stdout we read, got what it should answer (got_input), and
 * is asleep having written nothing (/proc/PID/io's wchar counts every
 * byte it handed to write(), to any descriptor), or nothing beyond what
 * we received. Whatever it printed is then still in its own memory: a
 * stdio buffer, which for a pipe is sent only when full, at fflush() or
 * at exit; or it is in fread(), waiting for a whole count.
 */
static void explain_unwritten(struct run *r, const struct step *st, const struct started *s,
			      const struct box_proc *p, const struct seen *live, int n)
{
	struct fdinfo ours;
	int sharing = 0, who = -1;
	int64_t wchar = 0, w, rc;

	if (s->start->pkind != PROC_STUDENT || observe_fd(p->pid, 1, &ours) < 0 || ours.type != FDT_PIPE)
		return;
	for (int i = 0; i < n; i++) {
		struct fdinfo o;

		if (observe_fd(live[i].pid, 1, &o) < 0 || o.inode != ours.inode)
			continue;
		sharing++;
		if (who < 0 && live[i].pi.state != 'R' && live[i].pi.in_syscall &&
		    observe_io(live[i].pid, &rc, &w) == 0 &&
		    (w == 0 || (live[i].pid == p->pid && w == (int64_t)(p->out.total + p->err.len))) &&
		    got_input(r, st, &live[i], live, n)) {
			who = i;
			wchar = w;
		}
	}
	/* "nothing beyond what we received" holds only if it is the one writer */
	if (who < 0 || (wchar && sharing > 1))
		return;
	sb_addf(&r->cause, "%s has written nothing", live[who].label);
	if (wchar) {
		sb_addf(&r->cause, " since \"");
		sb_add_escaped(&r->cause, p->out.data, p->out.len, 60);
		sb_addf(&r->cause, "\"");
	} else {
		sb_addf(&r->cause, " at all (it has made no write() call)");
	}
	sb_addf(&r->cause, " while we waited for it to print \"");
	sb_add_escaped(&r->cause, st->cond.text, strlen(st->cond.text), 60);
	sb_addf(&r->cause, "\", though it got %s: what it printed with printf(), fputs() or fwrite() is "
		"still in its stdio buffer, which stdio sends only when it is full, at fflush() or at exit, "
		"because its stdout is a pipe here, not a terminal",
		strcmp(live[who].pi.syscall, "read") ? "the signal" : "data to read");
	sb_addf(&r->fix, "Call fflush(stdout) after each line %s prints (or print with write(2))",
		live[who].label);
	if (!strcmp(live[who].pi.syscall, "read")) {
		sb_addf(&r->cause, "; or it is still in fread(), which returns only when its whole count "
			"has arrived");
		sb_addf(&r->fix, "; and read with read(2), which returns what has arrived, not with fread()");
	}
	sb_addf(&r->fix, ".");
}

/* sigblk failed, and the signal is ignored: SIG_IGN taken for blocking */
static void explain_ignored(struct run *r, const struct step *st, const struct started *s,
			    const struct box_proc *p)
{
	struct pinfo pi;
	const char *sig = run_signame(st->cond.signal);

	if (observe_proc(p->pid, &pi) < 0 || !(pi.sigign >> (st->cond.signal - 1) & 1))
		return;
	sb_addf(&r->cause, "%s ignores %s (its disposition is SIG_IGN) where it should block it: an ignored "
		"signal is thrown away when it arrives, a blocked one stays pending until it is unblocked",
		s->label, sig);
	sb_addf(&r->fix, "Block %s with sigprocmask(SIG_BLOCK, ...) and unblock it with "
		"sigprocmask(SIG_UNBLOCK, ...), leaving its handler installed.", sig);
}

/* the test waits for a child of a program that has none yet: it is still reading its input */
static void explain_no_child(struct run *r, const struct started *s, const struct box_proc *p)
{
	struct pinfo pi;
	pid_t kids[4];

	if (s->start->in != IN_HOLD || observe_children(p->pid, kids, 4) != 0 ||
	    observe_proc(p->pid, &pi) < 0 || !pi.in_syscall || strcmp(pi.syscall, "read") || pi.args[0] != 0)
		return;
	sb_addf(&r->cause, "%s has not started its child: it is still reading its input (fd 0), which "
		"has not ended, so it reads all of its input before it calls fork()", s->label);
	sb_addf(&r->fix, "Call fork() before %s reads its input, so that the child runs while the "
		"parent reads.", s->start->argv[0]);
}

/*
 * Whether the lab's tests look at a child of PROG (a step on ID.child):
 * then PROG is meant to fork, and having no child is news.
 */
static int forks_expected(struct run *r, const char *prog)
{
	const struct grader *g = r->e->grader;

	for (int t = 0; t < g->ntests; t++)
		for (int k = 0; k < g->tests[t].nsteps; k++) {
			const struct step *st = &g->tests[t].steps[k];

			if (st->sel != SEL_CHILD || !st->proc)
				continue;
			for (int j = 0; j < g->tests[t].nsteps; j++) {
				const struct step *s0 = &g->tests[t].steps[j];

				if (s0->kind == STEP_START && !strcmp(s0->proc, st->proc) &&
				    !strcmp(s0->argv[0], prog))
					return 1;
			}
		}
	return 0;
}

/*
 * A program that exited before every child it created had ended and been
 * waited for: some had ended (zombies the box's init reaped) or were still
 * running. Which of the two a run shows is the children's timing, so the
 * cause is said the same way for both.
 */
static void explain_unwaited(struct run *r, const struct started *s, const struct box_proc *p)
{
	const char *prog = s->start->argv[0];

	if (!p->done || !WIFEXITED(p->wait_status) || (p->verdict.unwaited <= 0 && p->verdict.leftover <= 0))
		return;
	sb_addf(&r->cause, "%s exited without waiting for every child it created", s->label);
	sb_addf(&r->fix, "Before %s exits, call wait() or waitpid() once for each child it created: "
		"one call reaps one child.", prog);
}

/* a file of the box's /proc (its IPC namespace's sysvipc) as a string */
static int read_box_file(struct run *r, const char *path, char *buf, size_t size)
{
	int fd = box_open(r->box, path);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = xread_full(fd, buf, size - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	/* a table cut short could make a key that is there look gone */
	return n >= 0 && (size_t)n < size - 1 ? 0 : -1;
}

/*
 * Whether a key is one the tests look for (sysv conditions, premises
 * included) in test t, or in any test of the lab (t NULL); *first is
 * the first such key met.
 */
static int key_tested(const struct grader *g, const struct test *t, long key, long *first)
{
	for (int i = 0; i < (t ? 1 : g->ntests); i++) {
		const struct test *ti = t ? t : &g->tests[i];

		for (int k = 0; k < ti->nsteps; k++) {
			const struct step *st = &ti->steps[k];

			for (; st; st = st->when) {
				if (st->cond.kind != COND_SYSV || st->cond.sysv == SYSV_NONE)
					continue;
				if (!*first)
					*first = st->cond.key;
				if ((unsigned)st->cond.key == (unsigned)key)
					return 1;
			}
		}
	}
	return 0;
}

/*
 * A SysV object under a key no test uses, while the tests look for
 * their objects under the KEY they pass: the programs made their key
 * some other way (ftok(), a constant) instead of using KEY itself, so
 * that they never meet the other half. Read from the box's
 * /proc/sysvipc, as cond.c reads it.
 */
static void explain_foreign_key(struct run *r)
{
	static const char *const files[] = { "/proc/sysvipc/msg", "/proc/sysvipc/shm", "/proc/sysvipc/sem" };
	static const char *const names[] = { "message queue", "shared memory segment", "semaphore set" };
	static const char *const calls[] = { "msgget()", "shmget()", "semget()" };

	for (int k = 0; k < 3; k++) {
		char buf[16384], *save = NULL;

		if (read_box_file(r, files[k], buf, sizeof(buf)) < 0)
			continue;
		for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			long key, id, want = 0;
			unsigned long mode;

			if (sscanf(l, "%ld %ld %lo", &key, &id, &mode) < 3 || key == 0 ||
			    key_tested(r->e->grader, NULL, key, &(long){ 0 }))
				continue;
			/* the key this test passes, or else the lab's first */
			key_tested(r->e->grader, r->t, 0, &want);
			if (!want)
				key_tested(r->e->grader, NULL, 0, &want);
			if (!want)
				continue;
			/* the key itself only for the author: ftok()'s changes from box to box,
			 * and one cause is one text */
			sb_addf(&r->cause, "the %s your program made is not under the key 0x%lx (the KEY %ld "
				"we passed) but under another: it computes its key from KEY some other way "
				"(ftok(), or a number of its own) instead of using KEY itself, so it never "
				"meets the other program", names[k], (unsigned long)(unsigned)want, want);
			sb_addf(&r->debug, "%sa %s with key 0x%lx (id %ld), which no test uses\n",
				r->debug.len && r->debug.buf[r->debug.len - 1] != '\n' ? "\n" : "", names[k],
				(unsigned long)(unsigned)key, id);
			sb_addf(&r->fix, "Use KEY itself as the key_t, read with strtol(KEY, NULL, 0), in %s "
				"and every other *get() call.", calls[k]);
			return;
		}
	}
}

/* the reference program that is this live process, if it is one */
static const struct box_proc *reference_of(struct run *r, pid_t pid)
{
	for (int j = 0; j < r->n; j++) {
		const struct box_proc *bp = run_boxproc(r, &r->procs[j]);

		if (bp && bp->pid == pid && r->procs[j].start->pkind == PROC_REFERENCE)
			return bp;
	}
	return NULL;
}

/*
 * Our msg_recv asleep in msgrcv() for a type (msgtyp > 0, or < 0), having
 * received nothing yet, on a queue that holds messages: none of them is
 * of the type asked for, so their sender gave them other types than its
 * lines said (a struct without a leading long mtype garbles them). Only
 * for the reference, which asks for the type it was told; and only
 * before it received anything, since a receiver that has taken the
 * matching messages rightly waits for more. The queue's message count
 * is the box's /proc/sysvipc/msg.
 */
static void explain_unmatched(struct run *r, const struct seen *live, int n)
{
	for (int i = 0; i < n && !r->cause.len; i++) {
		const struct pinfo *pi = &live[i].pi;
		const struct box_proc *bp = reference_of(r, live[i].pid);
		long typ = (long)pi->args[3];
		char buf[16384], *save = NULL;

		if (!bp || bp->out.total || !pi->in_syscall || pi->state == 'R' ||
		    strcmp(pi->syscall, "msgrcv") || typ == 0 || (pi->args[4] & MSG_EXCEPT) ||
		    read_box_file(r, "/proc/sysvipc/msg", buf, sizeof(buf)) < 0)
			continue;
		for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			long key, id, cbytes, qnum;
			unsigned long mode;

			if (sscanf(l, "%ld %ld %lo %ld %ld", &key, &id, &mode, &cbytes, &qnum) < 5 ||
			    id != (long)pi->args[0] || qnum <= 0)
				continue;
			sb_addf(&r->cause, "%s is blocked in msgrcv() asking for type %ld%s while the queue "
				"with key 0x%lx holds %ld message%s: none of them has %s type, so their sender "
				"gave them other types than its input lines said", live[i].label, typ < 0 ? -typ : typ, typ < 0 ? " or lower" : "",
				(unsigned long)(unsigned)key, qnum, qnum == 1 ? "" : "s",
				typ < 0 ? "such a" : "that");
			break;
		}
	}
}

/* the line after the one at l, or end */
static const char *next_line(const char *l, const char *end)
{
	const char *nl = memchr(l, '\n', end - l);

	return nl ? nl + 1 : end;
}

/*
 * The text our sender was given for a message of this type: the rest
 * of a line "TYPE TEXT" of a reference's stdin= text, TEXT not empty.
 */
static const char *sent_text(struct run *r, long type, size_t *len)
{
	for (int j = 0; j < r->n; j++) {
		const struct step *s = r->procs[j].start;
		const char *l = s->in_text, *end = l ? l + s->in_len : NULL;

		if (s->pkind != PROC_REFERENCE || s->in != IN_TEXT || !l)
			continue;
		for (; l < end; l = next_line(l, end)) {
			char *after;
			const char *nl;

			if (strtol(l, &after, 10) != type || after == l || *after != ' ' ||
			    after + 1 >= end || after[1] == '\n')
				continue;
			nl = memchr(after + 1, '\n', end - after - 1);
			*len = (nl ? nl : end) - after - 1;
			return after + 1;
		}
	}
	return NULL;
}

/* whether some test of the lab looks at a message queue: its programs send messages */
static int lab_sends_messages(const struct grader *g)
{
	for (int i = 0; i < g->ntests; i++)
		for (int k = 0; k < g->tests[i].nsteps; k++)
			for (const struct step *st = &g->tests[i].steps[k]; st; st = st->when)
				if (st->cond.kind == COND_SYSV && st->cond.sysv == SYSV_MSG)
					return 1;
	return 0;
}

/* a message type as a long can hold it and an int cannot: its high 4 bytes, as text */
static int type_with_text(unsigned long long v, char text[5])
{
	if (v >> 32 == 0 || (v & 0xffffffffu) == 0 || (v & 0xffffffffu) > 0x7fffffffu)
		return 0;
	for (int b = 0; b < 4; b++) {
		unsigned char c = (unsigned char)(v >> (32 + 8 * b));

		if (b == 0 ? c < 0x20 || c > 0x7e : c && (c < 0x20 || c > 0x7e))
			return 0;
		text[b] = (char)c;
	}
	text[4] = '\0';
	return 1;
}

/*
 * A message struct whose type is an int, where msgsnd() and msgrcv()
 * read and write a long mtype (8 bytes) before the text. Seen from either
 * side, by what our half of the test printed or was given:
 * - our receiver printed a type whose low 4 bytes are a small type and
 *   whose high 4 bytes are characters: the sender's text began 4 bytes
 *   into what msgsnd() took for the type;
 * - the student's receiver printed a line "TYPE " with an empty text for
 *   a type our sender sent with a text: msgrcv()'s long mtype covered the
 *   text's first 4 bytes (zeros for a small type).
 */
static void explain_int_mtype(struct run *r)
{
	/* numbers a program prints mean message types only where there are messages */
	if (!lab_sends_messages(r->e->grader))
		return;
	for (int i = 0; i < r->n && !r->cause.len; i++) {
		const struct box_proc *p = run_boxproc(r, &r->procs[i]);
		const char *l, *end;

		if (!p || !p->out.len)
			continue;
		end = p->out.data + p->out.len;
		for (l = p->out.data; l < end && !r->cause.len;
		     l = next_line(l, end)) {
			char *after, text[5];	/* text: for the author's debug view */
			unsigned long long v;
			const char *sent;
			size_t slen;

			if (*l < '0' || *l > '9')
				continue;
			v = strtoull(l, &after, 10);
			if (*after != ' ')
				continue;
			if (r->procs[i].start->pkind == PROC_REFERENCE && type_with_text(v, text)) {
				/* numbers only vary: one cause for the summary, whatever the text */
				sb_addf(&r->cause, "%s received a message of type %llu: its low 4 bytes are "
					"the type %llu, and its high 4 bytes, zeros in a type, are characters of "
					"the text. The message struct's type is an int (4 bytes) where msgsnd() "
					"reads a long mtype (8 bytes), so the text's first 4 bytes became part of "
					"the type", r->procs[i].label, v, v & 0xffffffffu);
				sb_addf(&r->debug, "%sthe type's high 4 bytes: \"", r->debug.len &&
					r->debug.buf[r->debug.len - 1] != '\n' ? "\n" : "");
				sb_add_escaped(&r->debug, text, strlen(text), 16);
				sb_addf(&r->debug, "\"\n");
			} else if (r->procs[i].start->pkind == PROC_STUDENT && after + 1 < end &&
				   after[1] == '\n' && (long)v > 0 &&
				   (sent = sent_text(r, (long)v, &slen))) {
				sb_addf(&r->cause, "%s printed \"%llu \", an empty text, for the message of "
					"type %llu we sent with a text of %zu bytes: the type came through, the "
					"text did not. msgrcv() writes a long mtype (8 bytes) at the start of the "
					"buffer, and the struct's type is an int (4 bytes), so the mtype's high "
					"bytes (zeros) cover the text's first 4 bytes and the text lands 4 bytes "
					"further in", r->procs[i].label, v, v, slen);
			} else
				continue;
			sb_addf(&r->fix, "mtype must be a long: struct msgbuf { long mtype; char mtext[...]; }, "
				"in both programs.");
		}
	}
}

/*
 * /dev/shm left with files in it: each is a POSIX object a program made
 * and never removed, named by what glibc calls it there: "sem.NAME" is
 * sem_open("/NAME"), any other file shm_open("/FILE"). The names are the
 * directory's own, as the failed step listed them.
 */
static void explain_dev_shm(struct run *r, const struct step *st)
{
	struct strbuf why = { 0 };
	const char *l;
	char name[256];

	if (st->cond.kind != COND_PATH || !st->cond.type || strcmp(st->cond.type, "empty") ||
	    !st->cond.path || strcmp(st->cond.path, "/dev/shm") || cond_eval(r, st, &why) != 0 ||
	    !(l = strstr(sb_str(&why), "it still holds \"")) ||
	    sscanf(l + strlen("it still holds \""), "%255[^\"]", name) != 1) {
		sb_release(&why);
		return;
	}
	if (!strncmp(name, "sem.", 4) && name[4]) {
		sb_addf(&r->cause, "/dev/shm still holds \"%s\": the named semaphore \"/%s\" that sem_open() "
			"created, which stays there after the program ends until sem_unlink() removes it",
			name, name + 4);
		sb_addf(&r->fix, "Call sem_unlink(\"/%s\") once no process will open it again (or use an "
			"unnamed semaphore, sem_init() in a shared anonymous mapping, which leaves nothing "
			"behind).", name + 4);
	} else {
		sb_addf(&r->cause, "/dev/shm still holds \"%s\": the shared memory object \"/%s\" that "
			"shm_open() created, which stays there after the program ends until shm_unlink() "
			"removes it", name, name);
		sb_addf(&r->fix, "Call shm_unlink(\"/%s\") once no process will open it again.", name);
	}
	if (strstr(l, "\", \"") || strstr(l, " more"))
		sb_addf(&r->cause, " (with other files beside it)");
	sb_release(&why);
}

/* whether the box's Unix socket with this inode is a listening one (/proc/net/unix's Flags) */
static int unix_listens(struct run *r, unsigned long inode)
{
	char file[64], line[512];
	int yes = 0;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%d/net/unix", (int)box_init_pid(r->box));
	if (!(f = fopen(file, "re")))
		return 0;
	while (!yes && fgets(line, sizeof(line), f)) {
		unsigned flags;
		unsigned long ino;

		/* Num RefCount Protocol Flags Type St Inode Path */
		if (sscanf(line, "%*s %*s %*s %x %*s %*s %lu", &flags, &ino) == 2)
			yes = ino == inode && (flags & 0x10000);	/* __SO_ACCEPTCON: listen() */
	}
	fclose(f);
	return yes;
}

/* whether a process sleeps in a read of a socket descriptor: fd's number, or -1 */
static int reading_socket(const struct seen *v)
{
	const struct pinfo *pi = &v->pi;
	struct fdinfo fi;

	if (!pi->in_syscall || pi->state == 'R' || (strcmp(pi->syscall, "read") &&
	    strcmp(pi->syscall, "recvfrom") && strcmp(pi->syscall, "recvmsg")) ||
	    observe_fd(v->pid, (int)pi->args[0], &fi) < 0 || fi.type != FDT_SOCKET)
		return -1;
	return (int)pi->args[0];
}

/*
 * A server that serves one client at a time: a student's process with no
 * child, asleep reading a connected socket while it holds a listening
 * one, and another process of the test asleep reading its own socket (a
 * client waiting for an answer). Until the first client leaves, the
 * server calls accept() no more. From /proc/PID/syscall, the descriptors
 * and the box's /proc/net/unix.
 */
static void explain_serial_server(struct run *r, const struct seen *live, int n)
{
	for (int i = 0; i < n && !r->cause.len; i++) {
		const struct box_proc *bp = reference_of(r, live[i].pid);
		struct fdinfo fds[64];
		int nf, conn = reading_socket(&live[i]), lfd = -1, waiter = -1;
		pid_t kid;

		if (bp || conn < 0 || observe_children(live[i].pid, &kid, 1) != 0)
			continue;
		nf = observe_fds(live[i].pid, fds, 64);
		for (int f = 0; f < nf && lfd < 0; f++)
			if (fds[f].type == FDT_SOCKET && fds[f].fd != conn && unix_listens(r, fds[f].inode))
				lfd = fds[f].fd;
		for (int j = 0; j < n && waiter < 0; j++)
			if (j != i && reading_socket(&live[j]) >= 0)
				waiter = j;
		if (lfd < 0 || waiter < 0)
			continue;
		sb_addf(&r->cause, "%s serves a client itself: it is blocked in %s() on that client's "
			"connection (fd %d), has no child, and holds its listening socket (fd %d), so it "
			"calls accept() no more until that client leaves, and %s waits for an answer",
			live[i].label, live[i].pi.syscall, conn, lfd, live[waiter].label);
		/* the step's own hint, when shown, is the fix: one piece of advice */
		if (!r->hint_shown)
			sb_addf(&r->fix, "After accept(), fork() a child that serves the connection while %s "
				"goes back to accept() (the parent closes the connection, the child the "
				"listening socket).", live[i].label);
	}
}

/*
 * The step's program killed by a fault of its own (SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL, SIGABRT) that the test did not send: the arguments it
 * was started with are what make it crash, and a debugger run with them
 * shows the line.
 */
static void explain_crash(struct run *r, const struct started *s, const struct box_proc *p)
{
	static const int faults[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	int sig = WIFSIGNALED(p->wait_status) ? WTERMSIG(p->wait_status) : 0, fault = 0;

	for (size_t k = 0; k < sizeof(faults) / sizeof(*faults); k++)
		fault |= sig == faults[k];
	for (int k = 0; fault && k < r->t->nsteps; k++)
		if (r->t->steps[k].kind == STEP_SIGNAL && r->t->steps[k].signal == sig)
			fault = 0;
	if (!fault || s->start->pkind != PROC_STUDENT)
		return;
	/* explain_signal() says "SIGSEGV: what raises it; ..." */
	sb_addf(&r->cause, "%s was killed by ", s->label);
	explain_signal(sig, &r->cause);
	sb_addf(&r->fix, "Run %s with these same arguments%s under gdb (gdb --args), or build it with "
		"-g -fsanitize=address,undefined, to see the line where it fails.", s->start->argv[0],
		s->start->in == IN_NULL ? "" : " and input");
}

/*
 * A SysV object the test wanted gone that is still there, while another
 * kind of object under the same key, which an earlier step of the test
 * saw, is gone: the program removed one of the two and forgot the other.
 * From the box's /proc/sysvipc.
 */
static void explain_half_removed(struct run *r, const struct step *st)
{
	static const char *const files[] = { NULL, "/proc/sysvipc/msg", "/proc/sysvipc/shm", "/proc/sysvipc/sem" };
	static const char *const names[] = { NULL, "message queue", "shared memory segment", "semaphore set" };
	static const char *const rmids[] = { NULL, "msgctl(id, IPC_RMID, NULL)", "shmctl(id, IPC_RMID, NULL)",
					     "semctl(id, 0, IPC_RMID)" };

	if (st->cond.kind != COND_SYSV || !st->cond.absent || st->cond.sysv == SYSV_NONE)
		return;
	for (int k = 0; k < r->failed_step; k++) {
		const struct cond *c = &r->t->steps[k].cond;
		enum sysv_kind other = c->sysv;
		char buf[16384], *save = NULL;
		int there = 0;

		if (c->kind != COND_SYSV || c->absent || other == SYSV_NONE || other == st->cond.sysv ||
		    (unsigned)c->key != (unsigned)st->cond.key ||
		    read_box_file(r, files[other], buf, sizeof(buf)) < 0)
			continue;
		for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			long key;

			there |= sscanf(l, "%ld", &key) == 1 && (unsigned)key == (unsigned)st->cond.key;
		}
		if (there)
			continue;
		sb_addf(&r->cause, "the %s with key 0x%lx is still there, while the %s with that key, "
			"there earlier in the test, was removed: the program that removed the %s "
			"(%s) did not remove the %s", names[st->cond.sysv], (unsigned long)(unsigned)st->cond.key,
			names[other], names[other], rmids[other], names[st->cond.sysv]);
		return;
	}
}

/* facts that explain the failed step itself, by what it tested */
static void explain_step(struct run *r, const struct seen *live, int n)
{
	const struct step *st = r->failed_step >= 0 ? &r->t->steps[r->failed_step] : NULL;
	struct started *s = st && st->proc ? run_find(r, st->proc) : NULL;
	const struct box_proc *p = s ? run_boxproc(r, s) : NULL;

	if (st)
		explain_foreign_key(r);
	if (st && !r->cause.len)
		explain_dev_shm(r, st);
	if (st && !r->cause.len)
		explain_half_removed(r, st);
	if (st && !r->cause.len)
		explain_int_mtype(r);
	if (!r->cause.len)
		explain_unmatched(r, live, n);
	if (st && !r->cause.len)
		explain_serial_server(r, live, n);
	/* a cause of ours without a fix: the step's hint, when it is shown, is one */
	if (st && r->cause.len && !r->fix.len && r->hint_shown)
		explain_hint_fix(r, st);
	if (!p || r->cause.len)
		return;
	if (p->done)
		explain_crash(r, s, p);
	if (st->cond.kind == COND_OUTPUT && !p->done) {
		explain_unwritten(r, st, s, p, live, n);
		if (!r->cause.len && s->start->pkind == PROC_STUDENT && forks_expected(r, s->start->argv[0]))
			explain_no_child(r, s, p);
	}
	else if (st->cond.kind == COND_SIGBLK && st->sel == SEL_SELF && !p->done)
		explain_ignored(r, st, s, p);
	else if (st->cond.kind == COND_BLOCKED && st->sel == SEL_CHILD && !p->done)
		explain_no_child(r, s, p);
	else if (st->cond.kind == COND_UNWAITED || st->cond.kind == COND_ORPHANS)
		explain_unwaited(r, s, p);
}
