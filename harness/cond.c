/*
 * Deciding conditions in a running test: the eval functions of cond.h's
 * rows, and cond_eval(), which resolves a step's process (ID, ID.child,
 * ID.all) and dispatches on the table. Each eval function returns 1 when
 * its condition holds, or 0 with why saying what the kernel showed
 * instead, in words a student can act on.
 */
#define _GNU_SOURCE
#include "testrun.h"
#include "../sandbox/box.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/clock.h"
#include "../common/io.h"

/* what an eval function looks at */
struct subject {
	struct started *s;	/* the step's started process; NULL for box-wide */
	const struct box_proc *p;	/* its box record */
	pid_t pid;		/* COND_LIVE: the process read (ID's, its child's,
				 * or one of ID.all's); 0 otherwise */
	const char *who;	/* how the feedback names that process */
};

void work_path(const char *path, char *buf, size_t size)
{
	if (path[0] == '/')
		snprintf(buf, size, "%s", path);
	else
		snprintf(buf, size, "/work/%.200s", path);
}

static int has_sig(uint64_t mask, int sig)
{
	return (mask >> (sig - 1)) & 1;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * path "P" empty: P (a directory, box_stat said) as the box's init sees
 * it, through its root, never following a link out of the box
 */
static int dir_empty(struct run *r, const char *path, const char *shown, struct strbuf *why)
{
	char root[64];
	struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	int rfd, fd;
	DIR *d;
	struct dirent *de;
	char *names[64];
	int n = 0, more = 0;

	snprintf(root, sizeof(root), "/proc/%d/root", (int)box_init_pid(r->box));
	rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	fd = rfd < 0 ? -1 : (int)syscall(SYS_openat2, rfd, path, &how, sizeof(how));
	if (rfd >= 0)
		close(rfd);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		sb_addf(why, "the harness cannot list %s: %s", shown, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n < 64)
			names[n++] = strdup(de->d_name);
		else
			more++;
	}
	closedir(d);
	if (n == 0)
		return 1;
	/* in name order: the feedback of a test must not depend on readdir */
	qsort(names, (size_t)n, sizeof(*names), by_name);
	sb_addf(why, "%s is not empty: it still holds ", shown);
	for (int i = 0; i < n; i++) {
		if (i < 16) {
			sb_addf(why, "%s\"", i ? ", " : "");
			sb_add_escaped(why, names[i] ? names[i] : "?", names[i] ? strlen(names[i]) : 1, 80);
			sb_addf(why, "\"");
		} else {
			more++;
		}
		free(names[i]);
	}
	if (more)
		sb_addf(why, " and %d more", more);
	return 0;
}

static int eval_running(struct run *r, const struct subject *sub, const struct cond *c,
			struct strbuf *why)
{
	(void)r;
	(void)c;
	if (!sub->p->done)
		return 1;
	sb_addf(why, "%s had ended", sub->who);
	return 0;
}

/* stopped by a signal (SIGSTOP): wherever it was, it runs no more */
static int eval_stopped(struct run *r, const struct subject *sub, const struct cond *c,
			struct strbuf *why)
{
	struct pinfo pi;
	char state[256];

	(void)r;
	(void)c;
	if (observe_proc(sub->pid, &pi) < 0 || pi.state == 'Z') {
		sb_addf(why, "%s had already ended", sub->who);
		return 0;
	}
	if (pi.state == 'T')
		return 1;
	observe_describe(&pi, state, sizeof(state));
	sb_addf(why, "%s was %s", sub->who, state);
	return 0;
}

static void say_end(const char *who, int status, struct strbuf *why)
{
	if (WIFEXITED(status))
		sb_addf(why, "%s exited with status %d", who, WEXITSTATUS(status));
	else
		sb_addf(why, "%s was killed by %s", who, run_signame(WTERMSIG(status)));
}

/* exit [CODE], exit = ID2, killed SIG */
static int eval_ended(struct run *r, const struct subject *sub, const struct cond *c,
		      struct strbuf *why)
{
	const struct box_proc *p = sub->p, *q;
	struct pinfo pi;

	if (!p->done) {
		if (observe_proc(p->pid, &pi) == 0) {
			char state[256];

			observe_describe(&pi, state, sizeof(state));
			sb_addf(why, "%s was still %s", sub->who, state);
		} else {
			sb_addf(why, "%s had not ended", sub->who);
		}
		return 0;
	}
	if (c->kind == COND_EXIT && c->other) {
		struct started *o = run_find(r, c->other);

		q = run_boxproc(r, o);
		if (!q || !q->done) {
			sb_addf(why, "%s had ended, but %s had not", sub->who, o ? o->label : c->other);
			return 0;
		}
		/* the same end: the same exit status, or killed by the same signal */
		if (p->wait_status == q->wait_status)
			return 1;
		say_end(sub->who, p->wait_status, why);
		sb_addf(why, ", but ");
		say_end(o->label, q->wait_status, why);
		return 0;
	}
	if (c->kind == COND_EXIT && WIFEXITED(p->wait_status) &&
	    (c->code < 0 || WEXITSTATUS(p->wait_status) == c->code))
		return 1;
	if (c->kind == COND_KILLED && WIFSIGNALED(p->wait_status) &&
	    WTERMSIG(p->wait_status) == c->code)
		return 1;
	say_end(sub->who, p->wait_status, why);
	return 0;
}

static int eval_output(struct run *r, const struct subject *sub, const struct cond *c,
		       struct strbuf *why)
{
	const struct box_proc *p = sub->p;

	(void)r;
	if (memmem(p->out.data, p->out.len, c->text, strlen(c->text)))
		return 1;
	if (!p->out.len) {
		sb_addf(why, "%s had printed nothing", sub->who);
		return 0;
	}
	sb_addf(why, "%s had printed only \"", sub->who);
	sb_add_escaped(why, p->out.data, p->out.len, 200);
	sb_addf(why, "\"");
	return 0;
}

/* handler, sigblk, sigpnd SIG */
static int eval_sigmask(struct run *r, const struct subject *sub, const struct cond *c,
			struct strbuf *why)
{
	struct pinfo pi;

	(void)r;
	if (observe_proc(sub->pid, &pi) < 0) {
		sb_addf(why, "%s had ended", sub->who);
		return 0;
	}
	if (has_sig(c->kind == COND_HANDLER ? pi.sigcgt : c->kind == COND_SIGBLK ? pi.sigblk :
		    pi.sigpnd, c->signal))
		return 1;
	sb_addf(why, c->kind == COND_HANDLER ? "%s had no handler installed for %s" :
		c->kind == COND_SIGBLK ? "%s did not have %s blocked" :
		"%s had no %s pending", sub->who, run_signame(c->signal));
	return 0;
}

static int eval_cpu(struct run *r, const struct subject *sub, const struct cond *c,
		    struct strbuf *why)
{
	struct pinfo pi;
	int64_t cpu = observe_proc(sub->pid, &pi) == 0 ? pi.cpu_ms : sub->p->cpu_ms;

	(void)r;
	if (cpu < c->limit_ms)
		return 1;
	sb_addf(why, "%s had used %lld ms of CPU time while it should have been waiting "
		"(busy waiting?)", sub->who, (long long)cpu);
	return 0;
}

static int eval_fds(struct run *r, const struct subject *sub, const struct cond *c,
		    struct strbuf *why)
{
	struct fdinfo fds[64];
	int n = observe_fds(sub->pid, fds, 64), extra = 0;

	(void)r;
	(void)c;
	for (int i = 0; i < n; i++) {
		if (fds[i].fd <= 2)
			continue;
		sb_addf(why, "%s fd %d (%s)", extra ? "," : "open besides 0, 1 and 2:",
			fds[i].fd, fds[i].type == FDT_PIPE ? (fds[i].access == O_WRONLY ?
			"the write end of a pipe" : "the read end of a pipe") : fds[i].target);
		extra++;
	}
	if (!extra)
		return 1;
	sb_addf(why, " in %s", sub->who);
	return 0;
}

static int eval_nowriter(struct run *r, const struct subject *sub, const struct cond *c,
			 struct strbuf *why)
{
	struct fdinfo fds[64];
	int n = observe_fds(sub->pid, fds, 64);

	(void)r;
	(void)c;
	for (int i = 0; i < n; i++) {
		if (fds[i].type != FDT_PIPE || fds[i].access == O_WRONLY)
			continue;
		for (int k = 0; k < n; k++)
			if (fds[k].inode == fds[i].inode && fds[k].access != O_RDONLY && k != i) {
				sb_addf(why, "%s reads a pipe on fd %d and still holds its write end "
					"(fd %d): it can never see end of file", sub->who, fds[i].fd,
					fds[k].fd);
				return 0;
			}
	}
	return 1;
}

static int eval_processes(struct run *r, const struct subject *sub, const struct cond *c,
			  struct strbuf *why)
{
	char buf[32];
	ssize_t n;
	int created;

	(void)sub;
	if (!box_isolation(r->box)->pidns) {
		sb_addf(why, "the processes created cannot be counted without a pid "
			"namespace, which this machine does not give");
		return 0;
	}
	n = box_read(r->box, "/proc/sys/kernel/ns_last_pid", buf, sizeof(buf));
	created = n > 0 ? atoi(buf) - 1 - r->n : -1;
	if (created == c->number)
		return 1;
	sb_addf(why, "%d processes were created by the programs, not %d", created, c->number);
	return 0;
}

static int eval_orphans(struct run *r, const struct subject *sub, const struct cond *c,
			struct strbuf *why)
{
	int left;

	if (!sub->p->done) {
		sb_addf(why, "%s had not ended", sub->who);
		return 0;
	}
	left = run_left_running(r, sub->s);
	if (left <= c->number)
		return 1;
	sb_addf(why, "%d of %s's processes were still running when it exited: a parent "
		"must wait() for its children before it exits", left, sub->who);
	return 0;
}

/*
 * Children that had ended, but were not waited for, when their parent
 * exited: the box's init reaped them as it reaped the program (init.c says
 * why those come together). Counted for the whole box, as orphans is.
 */
static int eval_unwaited(struct run *r, const struct subject *sub, const struct cond *c,
			 struct strbuf *why)
{
	const struct box_proc *p = sub->p;

	(void)r;
	if (!p->done) {
		sb_addf(why, "%s had not ended", sub->who);
		return 0;
	}
	if (p->verdict.unwaited <= c->number)
		return 1;
	sb_addf(why, "%d of %s's processes had ended but were never waited for when it exited "
		"(zombies left to the box's init): a parent must wait() for each of its children",
		p->verdict.unwaited, sub->who);
	return 0;
}

/*
 * Every live process of s's family that is not held sleeps, and none has
 * run since the previous look: s will create no more children until one
 * of the held ones goes on (a parent that waits for each child before it
 * forks the next), or until a timer fires. Two looks, a poll apart.
 */
static int family_settled(struct run *r, struct started *s, const struct box_proc *p)
{
	struct seen family[MAX_SEEN];
	int n = run_family(r, s, p->pid, family, MAX_SEEN);
	uint64_t csw = 0;

	for (int i = 0; i < n; i++) {
		int held = 0;

		for (int k = 0; k < p->nheld; k++)
			held |= p->held_pid[k] == family[i].pid;
		if (held)
			continue;
		if (family[i].pi.state != 'S' && family[i].pi.state != 'D') {
			s->settle_looks = 0;
			return 0;
		}
		csw += family[i].pi.csw;
	}
	if (s->settle_looks && csw == s->settle_csw)
		return 1;
	s->settle_csw = csw;
	s->settle_looks = 1;
	return 0;
}

/*
 * children=held: N of its descendants wait for `release` (the box counts
 * them as they arrive, so this needs no pid namespace). A program that
 * sleeps having made fewer, say one that waits for each worker before it
 * forks the next, will make no more while they are held: that holds too,
 * with an event that says so, since such a program is not wrong here.
 */
static int eval_held(struct run *r, const struct subject *sub, const struct cond *c,
		     struct strbuf *why)
{
	if (!sub->s->start->hold_children) {
		sb_addf(why, "%s was not started with children=held", sub->who);
		return 0;
	}
	if (sub->p->nheld >= c->number)
		return 1;
	if (!sub->p->done && family_settled(r, sub->s, sub->p)) {
		run_event(r, "%.80s sleeps with %d of %d children made and held: it makes no more while "
			  "they are held", sub->who, sub->p->nheld, c->number);
		return 1;
	}
	sb_addf(why, "%d of %s's child processes were created and held, not %d", sub->p->nheld,
		sub->who, c->number);
	return 0;
}

static int eval_zombies(struct run *r, const struct subject *sub, const struct cond *c,
			struct strbuf *why)
{
	struct seen live[MAX_SEEN];
	int n = run_seen(r, live, MAX_SEEN), z = 0;

	(void)sub;
	for (int i = 0; i < n; i++)
		if (live[i].pi.state == 'Z') {
			sb_addf(why, "%s%s", z ? ", " : "", live[i].label);
			z++;
		}
	if (z <= c->number)
		return 1;
	sb_addf(why, " %s a zombie: %s parent has not waited for %s", z == 1 ? "is" : "are",
		z == 1 ? "its" : "their", z == 1 ? "it" : "them");
	return 0;
}

static int eval_blocked(struct run *r, const struct subject *sub, const struct cond *c,
			struct strbuf *why)
{
	pid_t pid = sub->pid;
	const char *who = sub->who;
	struct pinfo pi;
	char state[256];
	int match = 0;

	if (observe_proc(pid, &pi) < 0 || pi.state == 'Z') {
		sb_addf(why, "%s had already ended", who);
		return 0;
	}
	if (pi.unobservable && pi.state != 'R') {
		/* asleep, but in which call cannot be seen here: not the
		 * submission's fault, so the step is taken as met, and the
		 * test's timeline says so (our own words: plain ASCII) */
		run_event(r, "%.80s is asleep, but the grader cannot see in which call (%s): this check "
			  "is not made here and costs no points", who, strerror(pi.unobservable));
		return 1;
	}
	for (char **s = c->syscalls; pi.in_syscall && *s; s++)
		match |= observe_syscall_matches(pi.syscall, *s);
	if (match && pi.state != 'R' && c->on != FD_ANY) {
		struct fdinfo fi;
		char path[256], want[256];

		if (!strcmp(pi.syscall, "openat") || !strcmp(pi.syscall, "open")) {
			int ok = observe_string(pid, pi.args[!strcmp(pi.syscall, "openat")], path,
						sizeof(path)) == 0;
			struct box_stat bs;

			if (c->on == FD_PATH) {
				char got[300];

				work_path(c->path, want, sizeof(want));
				work_path(path, got, sizeof(got));
				match = ok && !strcmp(want, got);
			} else {
				work_path(path, want, sizeof(want));
				match = ok && box_stat(r->box, want, &bs) == 0 &&
					((c->on == FD_FIFO && S_ISFIFO(bs.mode)) ||
					 (c->on == FD_SOCKET && S_ISSOCK(bs.mode)));
			}
		} else if (observe_fd(pid, (int)pi.args[0], &fi) == 0) {
			match = (c->on == FD_PIPE && fi.type == FDT_PIPE) ||
				(c->on == FD_FIFO && fi.type == FDT_FIFO) ||
				(c->on == FD_SOCKET && fi.type == FDT_SOCKET) ||
				(c->on == FD_PATH && strstr(fi.target, c->path));
		} else {
			match = 0;
		}
	}
	if (match && pi.state != 'R')
		return 1;
	observe_describe(&pi, state, sizeof(state));
	sb_addf(why, "%s was %s", who, state);
	return 0;
}

static void first_difference(const char *got, size_t glen, const char *want, size_t wlen,
			     struct strbuf *why)
{
	size_t i = 0, line = 1, bol = 0;

	while (i < glen && i < wlen && got[i] == want[i]) {
		if (got[i] == '\n') {
			line++;
			bol = i + 1;
		}
		i++;
	}
	sb_addf(why, "the first difference is at byte %zu (line %zu)", i, line);
	{
		size_t ge = bol, we = bol;

		while (ge < glen && got[ge] != '\n' && ge - bol < 200)
			ge++;
		while (we < wlen && want[we] != '\n' && we - bol < 200)
			we++;
		sb_addf(why, ":\n    expected: \"");
		if (bol <= wlen)
			sb_add_escaped(why, want + bol, we - bol, 120);
		sb_addf(why, "\"%s\n    got:      \"", bol >= wlen ? " (end of output)" : "");
		if (bol <= glen)
			sb_add_escaped(why, got + bol, ge - bol, 120);
		sb_addf(why, "\"%s", bol >= glen ? " (end of output)" : "");
	}
	if (glen != wlen)
		sb_addf(why, "\n    (%zu bytes expected, %zu bytes printed)", wlen, glen);
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **sorted_lines(const char *text, int *n)
{
	char *copy = strdup(text), *save = NULL;
	char **lines = NULL;

	*n = 0;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		lines = realloc(lines, sizeof(char *) * (size_t)(*n + 2));
		lines[(*n)++] = strdup(l);
	}
	free(copy);
	if (*n)
		qsort(lines, (size_t)*n, sizeof(char *), cmp_lines);
	return lines;
}

/* stdout|stderr OP ARG, once the process ended and its pipe reached EOF */
static int eval_match(struct run *r, const struct subject *sub, const struct cond *c,
		      struct strbuf *why)
{
	const char *stream = c->kind == COND_STDOUT ? "stdout" : "stderr", *who = sub->who;
	const struct box_output *o = c->kind == COND_STDOUT ? &sub->p->out : &sub->p->err;

	switch (c->op) {
	case MATCH_EQ:
		if (o->len == (size_t)c->number && !memcmp(o->data, c->text, o->len))
			return 1;
		sb_addf(why, "the %s of %s is not what was expected: ", stream, who);
		first_difference(o->data, o->len, c->text, (size_t)c->number, why);
		return 0;
	case MATCH_CONTAINS:
		if (memmem(o->data, o->len, c->text, strlen(c->text)))
			return 1;
		sb_addf(why, "the %s of %s does not contain \"", stream, who);
		sb_add_escaped(why, c->text, strlen(c->text), 200);
		sb_addf(why, "\"; it was \"");
		sb_add_escaped(why, o->data, o->len, 300);
		sb_addf(why, "\"");
		return 0;
	case MATCH_REGEX: {
		regex_t re;
		int ok;

		if (regcomp(&re, c->text, REG_EXTENDED | REG_NOSUB | REG_NEWLINE) != 0) {
			sb_addf(why, "the grader's regular expression '%s' is invalid", c->text);
			return 0;
		}
		ok = strlen(o->data) == o->len && regexec(&re, o->data, 0, NULL, 0) == 0;
		regfree(&re);
		if (ok)
			return 1;
		sb_addf(why, "the %s of %s does not match /%s/; it was \"", stream, who, c->text);
		sb_add_escaped(why, o->data, o->len, 300);
		sb_addf(why, "\"");
		return 0;
	}
	case MATCH_LINES: {
		int ng, nw, ok;
		char **g = sorted_lines(o->data, &ng), **w = sorted_lines(c->text, &nw);

		ok = ng == nw;
		for (int i = 0; ok && i < ng; i++)
			ok = !strcmp(g[i], w[i]);
		for (int i = 0; i < ng; i++)
			free(g[i]);
		for (int i = 0; i < nw; i++)
			free(w[i]);
		free(g);
		free(w);
		if (ok)
			return 1;
		sb_addf(why, "the lines of %s's %s (in any order) are not the expected ones: got \"",
			who, stream);
		sb_add_escaped(why, o->data, o->len, 300);
		sb_addf(why, "\", expected \"");
		sb_add_escaped(why, c->text, strlen(c->text), 300);
		sb_addf(why, "\"");
		return 0;
	}
	case MATCH_SAME_AS: {
		struct started *s = run_find(r, c->other);
		const struct box_proc *p = run_boxproc(r, s);
		const struct box_output *ref = p ? (stream[3] == 'o' ? &p->out : &p->err) : NULL;

		if (!ref)
			return 0;
		if (ref->len == o->len && !memcmp(ref->data, o->data, o->len) && ref->total == o->total)
			return 1;
		sb_addf(why, "the %s of %s differs from that of %s: ", stream, who, s->label);
		first_difference(o->data, o->len, ref->data, ref->len, why);
		return 0;
	}
	}
	return 0;
}

static int eval_sysv(struct run *r, const struct subject *sub, const struct cond *c,
		     struct strbuf *why)
{
	(void)sub;
	static const char *const files[] = { "/proc/sysvipc/msg", "/proc/sysvipc/shm", "/proc/sysvipc/sem" };
	static const char *const names[] = { "message queue", "shared memory segment", "semaphore set" };
	int first = c->sysv == SYSV_NONE ? 0 : c->sysv - 1, last = c->sysv == SYSV_NONE ? 2 : c->sysv - 1;

	for (int k = first; k <= last; k++) {
		int fd = box_open(r->box, files[k]);
		char buf[16384], *save = NULL;
		ssize_t n;
		int found = 0;

		if (fd < 0) {
			sb_addf(why, "cannot read %s in the box: %s", files[k], strerror(-fd));
			return 0;
		}
		n = xread_full(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			long key, id, mode, a = 0, b = 0, nattch = 0;

			if (sscanf(l, "%ld %ld %lo %ld %ld", &key, &id, &mode, &a, &b) < 3)
				continue;	/* the header line */
			if (k == 1)
				sscanf(l, "%*d %*d %*o %*u %*d %*d %ld", &nattch);
			if (c->sysv == SYSV_NONE) {
				sb_addf(why, "a %s with key 0x%lx (id %ld) was left behind: remove it with "
					"%s(id, IPC_RMID, ...) before the program ends", names[k],
					(unsigned long)(unsigned)key, id,
					k == 0 ? "msgctl" : k == 1 ? "shmctl" : "semctl");
				return 0;
			}
			if ((unsigned)key != (unsigned)c->key)
				continue;
			found = 1;
			if (c->absent) {
				sb_addf(why, "the %s with key 0x%lx still exists: call %s(id, IPC_RMID, %s)",
					names[k], (unsigned long)(unsigned)key,
					k == 0 ? "msgctl" : k == 1 ? "shmctl" : "semctl",
					k == 2 ? "0" : "NULL");
				return 0;
			}
			if (c->mode >= 0 && (mode & 0777) != c->mode) {
				sb_addf(why, "the %s with key 0x%lx has mode %04lo, not %04o", names[k],
					(unsigned long)(unsigned)key, mode & 0777, c->mode);
				return 0;
			}
			if (k == 0 && c->count >= 0 && b != c->count) {
				sb_addf(why, "the message queue with key 0x%lx holds %ld messages, not %ld",
					(unsigned long)(unsigned)key, b, c->count);
				return 0;
			}
			if (k == 2 && c->value >= 0) {
				int v = box_semval(r->box, c->key, 0);

				if (v != c->value) {
					sb_addf(why, "semaphore 0 of the set with key 0x%lx has the value %d, not %ld",
						(unsigned long)(unsigned)key, v, c->value);
					return 0;
				}
			}
			if (k == 1 && c->nattch >= 0 && nattch != c->nattch) {
				sb_addf(why, "the segment with key 0x%lx has %ld attaches, not %ld",
					(unsigned long)(unsigned)key, nattch, c->nattch);
				return 0;
			}
		}
		if (c->sysv != SYSV_NONE && !found && !c->absent) {
			sb_addf(why, "there is no %s with key 0x%lx", names[k], (unsigned long)(unsigned)c->key);
			return 0;
		}
	}
	return 1;
}

/* "X had already ended: it exited with status 1, saying "..."" */
static void say_ended(struct strbuf *why, const char *who, const struct box_proc *p)
{
	sb_addf(why, "%s had already ended: ", who);
	if (WIFEXITED(p->wait_status))
		sb_addf(why, "it exited with status %d", WEXITSTATUS(p->wait_status));
	else
		sb_addf(why, "it was killed by %s", run_signame(WTERMSIG(p->wait_status)));
	if (p->err.len) {
		sb_addf(why, ", saying \"");
		sb_add_escaped(why, p->err.data, p->err.len, 200);
		sb_addf(why, "\"");
	}
}

/* after what a box-wide condition saw: each program that ended and said
 * something on stderr (a server that could not bind most often says why) */
static void say_ended_all(struct run *r, struct strbuf *why)
{
	for (int i = 0; i < r->n; i++) {
		const struct box_proc *q = run_boxproc(r, &r->procs[i]);

		if (q && q->done && q->err.len) {
			sb_addf(why, "; ");
			say_ended(why, r->procs[i].label, q);
		}
	}
}

/* a path as a box's program would reach it from /work, with "." and
 * repeated slashes dropped, so that "./sock" and "/work//sock" are "sock" */
static void box_abs_path(const char *path, char *buf, size_t size)
{
	char raw[300];
	const char *s;
	size_t n = 0;

	work_path(path, raw, sizeof(raw));
	for (s = raw; *s && n + 1 < size;) {
		if (s[0] == '/' && (s[1] == '/' || (s[1] == '.' && (s[2] == '/' || !s[2])))) {
			s += s[1] == '/' ? 1 : 2;
			continue;
		}
		buf[n++] = *s++;
	}
	while (n > 1 && buf[n - 1] == '/')
		n--;
	buf[n] = '\0';
}

#define UNIX_ACCEPTCON 0x10000	/* __SO_ACCEPTCON in /proc/net/unix's Flags: listen() was called */

/*
 * path "P" listening: the box's network namespace has a Unix socket bound
 * at P that listen() was called on (/proc/net/unix, read through init,
 * which lives in that namespace). The bound path is listed as bind() was
 * given it; a relative one is taken from /work, where programs start.
 */
static int unix_listening(struct run *r, const char *path, struct strbuf *why)
{
	char file[64], want[300], line[512];
	int bound = 0;
	FILE *f;

	box_abs_path(path, want, sizeof(want));
	snprintf(file, sizeof(file), "/proc/%d/net/unix", (int)box_init_pid(r->box));
	if (!(f = fopen(file, "re"))) {
		sb_addf(why, "the harness cannot read the box's Unix sockets (%s): %s", file,
			strerror(errno));
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned flags;
		int at = 0;
		char got[300];

		/* Num RefCount Protocol Flags Type St Inode Path */
		if (sscanf(line, "%*s %*s %*s %x %*s %*s %*s %n", &flags, &at) != 1 || !at ||
		    line[at] == '@' || line[at] == '\n' || !line[at])
			continue;
		line[at + strcspn(line + at, "\n")] = '\0';
		box_abs_path(line + at, got, sizeof(got));
		if (strcmp(got, want))
			continue;
		if (flags & UNIX_ACCEPTCON) {
			fclose(f);
			return 1;
		}
		bound = 1;
	}
	fclose(f);
	if (bound) {
		sb_addf(why, "%s is a bound socket, but listen() has not been called on it", path);
		return 0;
	}
	sb_addf(why, "%s is a socket file, but no socket of the box is bound to it (its "
		"server has closed it or ended)", path);
	say_ended_all(r, why);
	return 0;
}

static int eval_path(struct run *r, const struct subject *sub, const struct cond *c,
		     struct strbuf *why)
{
	char path[300];
	struct box_stat st;
	int ret;
	const char *is;
	int empty = !strcmp(c->type, "empty"), listening = !strcmp(c->type, "listening");

	(void)sub;
	work_path(c->path, path, sizeof(path));
	ret = box_stat(r->box, path, &st);
	if (!strcmp(c->type, "absent")) {
		if (ret == -ENOENT)
			return 1;
		sb_addf(why, "%s still exists", c->path);
		return 0;
	}
	if (ret < 0) {
		sb_addf(why, "%s does not exist", c->path);
		if (listening)
			say_ended_all(r, why);
		return 0;
	}
	is = S_ISFIFO(st.mode) ? "fifo" : S_ISSOCK(st.mode) ? "socket" : S_ISREG(st.mode) ? "file" :
	     S_ISDIR(st.mode) ? "dir" : S_ISLNK(st.mode) ? "symlink" : "special file";
	if (strcmp(is, empty ? "dir" : listening ? "socket" : c->type)) {
		sb_addf(why, "%s is a %s, not a %s", c->path, is,
			empty ? "directory" : listening ? "socket" : c->type);
		return 0;
	}
	if (c->mode >= 0 && (int)(st.mode & 07777) != c->mode) {
		sb_addf(why, "%s has mode %04o, not %04o", c->path, st.mode & 07777, c->mode);
		return 0;
	}
	if (listening)
		return unix_listening(r, c->path, why);
	return empty ? dir_empty(r, path, c->path, why) : 1;
}

#define COND_EVAL(name, word, flags, phrase, parse, eval) [COND_##name] = eval_##eval,
static int (*const evals[])(struct run *r, const struct subject *sub, const struct cond *c,
			    struct strbuf *why) = { COND_TABLE(COND_EVAL) };
#undef COND_EVAL

/* ID.all: the condition holds for the process and each live descendant */
static int eval_all(struct run *r, struct subject *sub, const struct cond *c, struct strbuf *why)
{
	struct seen family[MAX_SEEN];
	int n = run_family(r, sub->s, sub->p->pid, family, MAX_SEEN);

	for (int i = 0; i < n; i++) {
		sub->pid = family[i].pid;
		sub->who = family[i].label;
		if (!evals[c->kind](r, sub, c, why))
			return 0;
	}
	if (n > 0)
		return 1;
	sb_addf(why, "%s had ended", sub->s->label);
	return 0;
}

int cond_eval(struct run *r, const struct step *st, struct strbuf *why)
{
	const struct cond *c = &st->cond;
	unsigned flags = cond_info(c->kind)->flags;
	struct subject sub = { .s = st->proc ? run_find(r, st->proc) : NULL };
	char who[128];
	const struct box_proc *p;

	if (flags & COND_BOX)
		return evals[c->kind](r, &sub, c, why);
	p = sub.p = run_boxproc(r, sub.s);
	if (!p) {
		sb_addf(why, "%s never started", st->proc);
		return 0;
	}
	snprintf(who, sizeof(who), "%s%s", st->sel == SEL_CHILD ? sub.s->start->argv[0] : sub.s->label,
		 st->sel == SEL_CHILD ? "'s child" : "");
	sub.who = who;
	if (flags & COND_LIVE) {
		if (st->sel != SEL_CHILD && p->done) {
			say_ended(why, who, p);
			return 0;
		}
		if (st->sel == SEL_ALL)
			return eval_all(r, &sub, c, why);
		sub.pid = run_target(r, st, why);
		if (sub.pid < 0)
			return 0;
	}
	return evals[c->kind](r, &sub, c, why);
}

int cond_decidable(struct run *r, const struct step *st)
{
	const struct box_proc *p = run_boxproc(r, run_find(r, st->proc));
	const struct box_proc *q = st->cond.other ? run_boxproc(r, run_find(r, st->cond.other)) : NULL;

	if (!p)
		return 1;
	if (st->cond.kind == COND_STDOUT || st->cond.kind == COND_STDERR)
		return p->done && p->out.eof && p->err.eof && (!q || (q->done && q->out.eof && q->err.eof));
	/* exit = ID2: both ended */
	return p->done && (!q || q->done);
}
