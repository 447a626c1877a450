/*
 * How a test runs: one box; its steps in order; each `start` asks the box
 * for a program (a student's, the reference's, or a system command), each
 * `wait` polls a fact of the kernel until it holds or its deadline passes,
 * each `expect` checks one (waiting first only for a process to end). The
 * first step that fails ends the test; its feedback says what was expected,
 * what the kernel showed instead, and where every process of the scenario
 * was, with the holders of each pipe and FIFO.
 */
#define _GNU_SOURCE
#include "engine.h"
#include "observe.h"
#include "strbuf.h"
#include "../sandbox/box.h"
#include "../sandbox/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PROCS 16
#define POLL_MS 5	/* how often facts that raise no event are looked at */

struct sproc {
	const struct step *start;
	int idx;		/* in the box; -1 before start */
	int in_fd;		/* write end of its stdin, or -1 */
	char *pending;
	size_t plen, poff;
	int close_after;	/* close stdin once pending is written */
	char label[96];
};

struct run {
	struct engine *e;
	const struct test *t;
	struct box *box;
	struct sproc procs[MAX_PROCS];
	int n;
	int64_t t0;
	json_t *events;
	struct { pid_t pid; int proc; } kin[64];	/* children seen, by parent */
	int nkin;
};

/* remember whose child a process was: after its parent exits it is
 * init's, and the feedback should still name it */
static void remember_child(struct run *r, pid_t pid, int proc)
{
	for (int i = 0; i < r->nkin; i++)
		if (r->kin[i].pid == pid)
			return;
	if (r->nkin < 64) {
		r->kin[r->nkin].pid = pid;
		r->kin[r->nkin++].proc = proc;
	}
}

static void event(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void event(struct run *r, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	struct strbuf clean = { 0 };

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* cut at 512 bytes, maybe inside a character, and maybe quoting a
	 * program: JSON wants UTF-8 */
	sb_add_utf8(&clean, text, strlen(text));
	json_array_append_new(r->events, json_pack("{s:I,s:s}", "t_ms",
						   (json_int_t)(now_ms() - r->t0), "text", sb_str(&clean)));
	sb_release(&clean);
}

static struct sproc *find(struct run *r, const char *id)
{
	for (int i = 0; i < r->n; i++)
		if (!strcmp(r->procs[i].start->proc, id))
			return &r->procs[i];
	return NULL;
}

static struct box_proc *bp(struct run *r, struct sproc *s)
{
	return s && s->idx >= 0 ? box_proc(r->box, s->idx) : NULL;
}

/* ---- feeding stdin ---- */

static void feed(struct run *r)
{
	for (int i = 0; i < r->n; i++) {
		struct sproc *s = &r->procs[i];

		while (s->in_fd >= 0 && s->poff < s->plen) {
			ssize_t n = write(s->in_fd, s->pending + s->poff, s->plen - s->poff);

			if (n < 0) {
				if (errno == EAGAIN)
					break;
				/* the reader is gone: the rest cannot be delivered */
				s->poff = s->plen;
				break;
			}
			s->poff += (size_t)n;
		}
		if (s->in_fd >= 0 && s->poff == s->plen && s->close_after) {
			close(s->in_fd);
			s->in_fd = -1;
		}
	}
}

static void pump(struct run *r, int timeout_ms)
{
	struct pollfd extra[MAX_PROCS];
	int n = 0;

	feed(r);
	for (int i = 0; i < r->n; i++)
		if (r->procs[i].in_fd >= 0 && r->procs[i].poff < r->procs[i].plen)
			extra[n++] = (struct pollfd){ .fd = r->procs[i].in_fd, .events = POLLOUT };
	box_pump_with(r->box, timeout_ms, extra, n);
	feed(r);
}

static void add_pending(struct sproc *s, const char *data, size_t len)
{
	char *p = realloc(s->pending, s->plen + len + 1);

	if (!p) {
		fprintf(stderr, "ipcgrade: out of memory\n");
		exit(3);
	}
	memcpy(p + s->plen, data, len);
	s->pending = p;
	s->plen += len;
}

/* deterministic bytes for stdin=random:SIZE:SEED (xorshift64*) */
static void add_random(struct sproc *s, int64_t size, unsigned seed, int letters)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL ^ seed;
	char block[4096];

	for (int64_t done = 0; done < size; done += (int64_t)sizeof(block)) {
		size_t n = size - done < (int64_t)sizeof(block) ? (size_t)(size - done) : sizeof(block);

		for (size_t i = 0; i < n; i++) {
			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			block[i] = (char)((x * 0x2545f4914f6cdd1dULL) >> 56);
			if (letters)	/* a line of text every 64 bytes or so */
				block[i] = (unsigned char)block[i] % 64 == 0 ? '\n' :
					   (char)('a' + (unsigned char)block[i] % 26);
		}
		add_pending(s, block, n);
	}
}

/* ---- processes of the box, for feedback ---- */

static void label_of(struct run *r, pid_t pid, pid_t ppid, char *buf, size_t size)
{
	for (int i = 0; i < r->n; i++) {
		struct box_proc *p = bp(r, &r->procs[i]);

		if (p && p->pid == pid) {
			snprintf(buf, size, "%s", r->procs[i].label);
			return;
		}
	}
	for (int i = 0; i < r->n; i++) {
		struct box_proc *p = bp(r, &r->procs[i]);

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

struct live {
	pid_t pid;
	struct pinfo pi;
	char label[96];
};

static int box_processes(struct run *r, struct live *out, int max)
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

static void explain_no_eof(struct run *r, pid_t pid, const char *who, struct strbuf *sb);

/* where each process is, and who holds which end of every pipe and FIFO */
static void describe_box(struct run *r, struct strbuf *sb)
{
	struct live live[64];
	int n = box_processes(r, live, 64);
	struct { unsigned long ino; enum fd_type type; struct strbuf who; int beyond_stdio; } ends[64];
	int nends = 0;

	sb_addf(sb, "\nWhere the processes were:");
	if (n == 0)
		sb_addf(sb, "\n  (no process was left in the box)");
	for (int i = 0; i < n; i++) {
		char state[256];
		struct fdinfo fds[64];
		int nf;

		observe_describe(&live[i].pi, state, sizeof(state));
		sb_addf(sb, "\n  %s (pid %d in the box): %s", live[i].label, (int)live[i].pi.box_pid, state);
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
	for (int e = 0; e < nends; e++) {
		/* the programs' own stdin, stdout and stderr are not news */
		if (!ends[e].beyond_stdio) {
			sb_release(&ends[e].who);
			continue;
		}
		sb_addf(sb, "\n  %s %lu is held by: %s", ends[e].type == FDT_PIPE ? "pipe" : "FIFO",
			ends[e].ino, sb_str(&ends[e].who));
		sb_release(&ends[e].who);
	}
	for (int i = 0; i < r->n; i++) {
		struct box_proc *p = bp(r, &r->procs[i]);

		if (p && p->done)
			sb_addf(sb, "\n  %s had ended: %s", r->procs[i].label, p->verdict.message[0] ?
				p->verdict.message : WIFEXITED(p->wait_status) ? "exited" : "killed");
	}
	for (int i = 0; i < n; i++)
		explain_no_eof(r, live[i].pid, live[i].label, sb);
}

/*
 * The cause of a reader that never sees EOF: someone, often the reader
 * itself, still holds a write end of what it reads.
 */
static void explain_no_eof(struct run *r, pid_t pid, const char *who, struct strbuf *sb)
{
	struct pinfo pi;
	struct fdinfo rd;
	struct live live[64];
	int n;

	if (observe_proc(pid, &pi) < 0 || !pi.in_syscall || strcmp(pi.syscall, "read") ||
	    observe_fd(pid, (int)pi.args[0], &rd) < 0 ||
	    (rd.type != FDT_PIPE && rd.type != FDT_FIFO))
		return;
	n = box_processes(r, live, 64);
	for (int i = 0; i < n; i++) {
		struct fdinfo fds[64];
		int nf = observe_fds(live[i].pid, fds, 64);

		for (int f = 0; f < nf; f++) {
			if (fds[f].inode != rd.inode || fds[f].type != rd.type || fds[f].access == O_RDONLY)
				continue;
			if (live[i].pid == pid) {
				sb_addf(sb, "\nWhy: %s is blocked reading a %s whose write end is still open "
					"in %s itself (fd %d), so its read() can never see end of file: "
					"close the ends a process does not use, right after fork().",
					who, fd_type_name(rd.type), who, fds[f].fd);
				return;
			}
			if (live[i].pi.in_syscall && live[i].pi.state != 'R' && !strcmp(live[i].pi.syscall, "read"))
				continue;	/* a writer that writes nothing: another story */
			sb_addf(sb, "\nWhy: %s is blocked reading a %s whose write end is still open in %s "
				"(fd %d), which is %s, so end of file never comes: close it before "
				"waiting.", who, fd_type_name(rd.type), live[i].label, fds[f].fd,
				live[i].pi.in_syscall ? "itself blocked" : "still running");
			return;
		}
	}
}

/* ---- conditions ---- */

static pid_t target_pid(struct run *r, const struct step *st, struct strbuf *why)
{
	struct sproc *s = find(r, st->proc);
	struct box_proc *p = bp(r, s);
	pid_t kids[64];
	int n;

	if (!p || !p->pid) {
		sb_addf(why, "%s has not started", st->proc);
		return -1;
	}
	if (!st->child)
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
		sb_addf(why, "%s has %d child processes where one was expected:", s->label, n);
		for (int i = 0; i < n && i < 8; i++) {
			struct pinfo pi;

			if (observe_proc(kids[i], &pi) == 0)
				sb_addf(why, "%s pid %d in the box", i ? "," : "", (int)pi.box_pid);
		}
		return -1;
	}
	remember_child(r, kids[0], (int)(s - r->procs));
	return kids[0];
}

static int has_sig(uint64_t mask, int sig)
{
	return (mask >> (sig - 1)) & 1;
}

static const char *sname(int sig)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "SIG%s", sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	return buf;
}

static void box_path(const char *path, char *buf, size_t size)
{
	if (path[0] == '/')
		snprintf(buf, size, "%s", path);
	else
		snprintf(buf, size, "/work/%.200s", path);
}

static int check_blocked(struct run *r, const struct step *st, pid_t pid, const char *who,
			 struct strbuf *why)
{
	const struct cond *c = &st->cond;
	struct pinfo pi;
	char state[256];
	int match = 0;

	if (observe_proc(pid, &pi) < 0 || pi.state == 'Z') {
		sb_addf(why, "%s had already ended", who);
		return 0;
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

				box_path(c->path, want, sizeof(want));
				box_path(path, got, sizeof(got));
				match = ok && !strcmp(want, got);
			} else {
				box_path(path, want, sizeof(want));
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

static int check_match(struct run *r, const struct cond *c, const struct box_output *o,
		       const char *who, const char *stream, struct strbuf *why)
{
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
		struct sproc *s = find(r, c->other);
		struct box_proc *p = bp(r, s);
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

static int sysv_check(struct run *r, const struct cond *c, struct strbuf *why)
{
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

static int path_check(struct run *r, const struct cond *c, struct strbuf *why)
{
	char path[300];
	struct box_stat st;
	int ret;
	const char *is;

	box_path(c->path, path, sizeof(path));
	ret = box_stat(r->box, path, &st);
	if (!strcmp(c->type, "absent")) {
		if (ret == -ENOENT)
			return 1;
		sb_addf(why, "%s still exists", c->path);
		return 0;
	}
	if (ret < 0) {
		sb_addf(why, "%s does not exist", c->path);
		return 0;
	}
	is = S_ISFIFO(st.mode) ? "fifo" : S_ISSOCK(st.mode) ? "socket" : S_ISREG(st.mode) ? "file" :
	     S_ISDIR(st.mode) ? "dir" : S_ISLNK(st.mode) ? "symlink" : "special file";
	if (strcmp(is, c->type)) {
		sb_addf(why, "%s is a %s, not a %s", c->path, is, c->type);
		return 0;
	}
	if (c->mode >= 0 && (int)(st.mode & 07777) != c->mode) {
		sb_addf(why, "%s has mode %04o, not %04o", c->path, st.mode & 07777, c->mode);
		return 0;
	}
	return 1;
}

/* 1 holds, 0 does not (why says what was seen instead) */
static int eval(struct run *r, const struct step *st, struct strbuf *why)
{
	const struct cond *c = &st->cond;
	struct sproc *s = st->proc ? find(r, st->proc) : NULL;
	struct box_proc *p = bp(r, s);
	char who[128];
	struct pinfo pi;
	pid_t pid = 0;

	if (c->kind == COND_PATH)
		return path_check(r, c, why);
	if (c->kind == COND_SYSV)
		return sysv_check(r, c, why);
	if (c->kind == COND_ZOMBIES) {
		struct live live[64];
		int n = box_processes(r, live, 64), z = 0;

		for (int i = 0; i < n; i++)
			if (live[i].pi.state == 'Z') {
				sb_addf(why, "%s%s (pid %d in the box)", z ? ", " : "", live[i].label,
					(int)live[i].pi.box_pid);
				z++;
			}
		if (z <= c->number)
			return 1;
		sb_addf(why, " %s a zombie: %s parent has not waited for %s", z == 1 ? "is" : "are",
			z == 1 ? "its" : "their", z == 1 ? "it" : "them");
		return 0;
	}
	if (!p) {
		sb_addf(why, "%s never started", st->proc);
		return 0;
	}
	snprintf(who, sizeof(who), "%s%s", st->child ? s->start->argv[0] : s->label,
		 st->child ? "'s child" : "");
	if (st->child || (c->kind != COND_EXIT && c->kind != COND_KILLED && c->kind != COND_STDOUT &&
			  c->kind != COND_STDERR && c->kind != COND_OUTPUT && c->kind != COND_ORPHANS &&
			  c->kind != COND_RUNNING && c->kind != COND_PROCESSES)) {
		if (!st->child && p->done) {
			if (WIFEXITED(p->wait_status))
				sb_addf(why, "%s had already ended: it exited with status %d", who,
					WEXITSTATUS(p->wait_status));
			else
				sb_addf(why, "%s had already ended: it was killed by %s", who,
					sname(WTERMSIG(p->wait_status)));
			if (p->err.len) {
				sb_addf(why, ", saying \"");
				sb_add_escaped(why, p->err.data, p->err.len, 200);
				sb_addf(why, "\"");
			}
			return 0;
		}
		pid = target_pid(r, st, why);
		if (pid < 0)
			return 0;
	}
	switch (c->kind) {
	case COND_BLOCKED:
		return check_blocked(r, st, pid, who, why);
	case COND_RUNNING:
		if (!p->done)
			return 1;
		sb_addf(why, "%s had ended", who);
		return 0;
	case COND_EXIT:
	case COND_KILLED:
		if (!p->done) {
			if (observe_proc(p->pid, &pi) == 0) {
				char state[256];

				observe_describe(&pi, state, sizeof(state));
				sb_addf(why, "%s was still %s", who, state);
			} else {
				sb_addf(why, "%s had not ended", who);
			}
			return 0;
		}
		if (c->kind == COND_EXIT && WIFEXITED(p->wait_status) &&
		    (c->code < 0 || WEXITSTATUS(p->wait_status) == c->code))
			return 1;
		if (c->kind == COND_KILLED && WIFSIGNALED(p->wait_status) &&
		    WTERMSIG(p->wait_status) == c->code)
			return 1;
		if (WIFEXITED(p->wait_status))
			sb_addf(why, "%s exited with status %d", who, WEXITSTATUS(p->wait_status));
		else
			sb_addf(why, "%s was killed by %s", who, sname(WTERMSIG(p->wait_status)));
		return 0;
	case COND_OUTPUT:
		if (memmem(p->out.data, p->out.len, c->text, strlen(c->text)))
			return 1;
		sb_addf(why, "%s had printed \"", who);
		sb_add_escaped(why, p->out.data, p->out.len, 200);
		sb_addf(why, "\"");
		return 0;
	case COND_HANDLER:
	case COND_SIGBLK:
	case COND_SIGPND:
		if (observe_proc(pid, &pi) < 0) {
			sb_addf(why, "%s had ended", who);
			return 0;
		}
		if (has_sig(c->kind == COND_HANDLER ? pi.sigcgt : c->kind == COND_SIGBLK ? pi.sigblk :
			    pi.sigpnd, c->signal))
			return 1;
		sb_addf(why, c->kind == COND_HANDLER ? "%s had no handler installed for %s" :
			c->kind == COND_SIGBLK ? "%s did not have %s blocked" :
			"%s had no %s pending", who, sname(c->signal));
		return 0;
	case COND_STDOUT:
	case COND_STDERR:
		return check_match(r, c, c->kind == COND_STDOUT ? &p->out : &p->err, who,
				   c->kind == COND_STDOUT ? "stdout" : "stderr", why);
	case COND_CPU: {
		int64_t cpu = observe_proc(pid, &pi) == 0 ? pi.cpu_ms : p->cpu_ms;

		if (cpu < c->limit_ms)
			return 1;
		sb_addf(why, "%s had used %lld ms of CPU time while it should have been waiting "
			"(busy waiting?)", who, (long long)cpu);
		return 0;
	}
	case COND_FDS: {
		struct fdinfo fds[64];
		int n = observe_fds(pid, fds, 64), extra = 0;

		for (int i = 0; i < n; i++) {
			if (fds[i].fd <= 2)
				continue;
			sb_addf(why, "%s%s fd %d (%s)", extra ? ", " : "", extra ? "" : "open besides 0, 1 and 2:",
				fds[i].fd, fds[i].type == FDT_PIPE ? (fds[i].access == O_WRONLY ?
				"the write end of a pipe" : "the read end of a pipe") : fds[i].target);
			extra++;
		}
		if (!extra)
			return 1;
		sb_addf(why, " in %s", who);
		return 0;
	}
	case COND_NO_WRITER: {
		struct fdinfo fds[64];
		int n = observe_fds(pid, fds, 64);

		for (int i = 0; i < n; i++) {
			if (fds[i].type != FDT_PIPE || fds[i].access == O_WRONLY)
				continue;
			for (int k = 0; k < n; k++)
				if (fds[k].inode == fds[i].inode && fds[k].access != O_RDONLY && k != i) {
					sb_addf(why, "%s reads a pipe on fd %d and still holds its write end "
						"(fd %d): it can never see end of file", who, fds[i].fd, fds[k].fd);
					return 0;
				}
		}
		return 1;
	}
	case COND_PROCESSES: {
		char buf[32];
		ssize_t n;
		int created;

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
	case COND_ORPHANS: {
		int alive = 0;

		if (!p->done) {
			sb_addf(why, "%s had not ended", who);
			return 0;
		}
		for (int i = 0; i < r->n; i++) {
			struct box_proc *q = bp(r, &r->procs[i]);

			alive += q && !q->done && q != p;
		}
		if (p->verdict.leftover - alive <= c->number)
			return 1;
		sb_addf(why, "%d of %s's processes were still running when it exited: a parent "
			"must wait() for its children before it exits", p->verdict.leftover - alive, who);
		return 0;
	}
	case COND_PATH:
	case COND_SYSV:
	case COND_ZOMBIES:
		break;
	}
	return 0;
}

/* expect waits only for what must be over first: a process's end */
static int expect_waits(const struct step *st)
{
	switch (st->cond.kind) {
	case COND_EXIT: case COND_KILLED: case COND_STDOUT: case COND_STDERR: case COND_ORPHANS:
		return 1;
	default:
		return 0;
	}
}

static int ended(struct run *r, const struct step *st)
{
	struct box_proc *p = bp(r, find(r, st->proc));
	struct box_proc *q = st->cond.other ? bp(r, find(r, st->cond.other)) : NULL;

	if (!p)
		return 1;
	if (st->cond.kind == COND_STDOUT || st->cond.kind == COND_STDERR)
		return p->done && p->out.eof && p->err.eof && (!q || (q->done && q->out.eof && q->err.eof));
	return p->done;
}

/* ---- steps ---- */

static int do_start(struct run *r, const struct step *st, struct strbuf *fb)
{
	struct engine *e = r->e;
	struct sproc *s = &r->procs[r->n];
	char path[512];
	char *argv[64];
	int in[2] = { -1, -1 }, argc = 0, idx;
	struct box_error err;
	const char *prog = st->argv[0];

	if (r->n == MAX_PROCS) {
		sb_addf(fb, "the grader starts more than %d processes", MAX_PROCS);
		return -1;
	}
	memset(s, 0, sizeof(*s));
	s->start = st;
	s->idx = -1;
	s->in_fd = -1;
	snprintf(s->label, sizeof(s->label), "%s%s", prog,
		 st->pkind == PROC_REFERENCE ? " (reference)" : "");
	if (st->pkind == PROC_STUDENT) {
		int built = 0;

		for (const char *const *b = e->student_built; b && *b; b++)
			built |= !strcmp(*b, prog);
		if (!built) {
			sb_addf(fb, "%s did not build, so this test could not run it", prog);
			if (e->build_log && *e->build_log) {
				const char *log = e->build_log;
				int lines = 0;

				sb_addf(fb, "; the compiler said:");
				while (*log && lines++ < 12) {
					size_t len = strcspn(log, "\n");

					sb_addf(fb, "\n    %.*s", (int)len, log);
					log += len + (log[len] == '\n');
				}
				if (*log)
					sb_addf(fb, "\n    ...");
			}
			return -1;
		}
	}
	if (st->pkind != PROC_SYSTEM) {
		snprintf(path, sizeof(path), "/box/%s/%s",
			 st->pkind == PROC_STUDENT ? "student" : "reference", prog);
		argv[argc++] = path;
	} else {
		argv[argc++] = (char *)prog;
	}
	for (int i = 1; st->argv[i] && argc < 63; i++)
		argv[argc++] = st->argv[i];
	argv[argc] = NULL;
	if (st->in != IN_NULL && pipe2(in, O_CLOEXEC) < 0) {
		sb_addf(fb, "the harness cannot make a pipe: %s", strerror(errno));
		return -2;
	}
	idx = box_spawn(r->box, &(struct box_spawn){ .argv = argv, .stdin_fd = in[0] }, &err);
	if (in[0] >= 0)
		close(in[0]);
	if (idx < 0) {
		if (in[1] >= 0)
			close(in[1]);
		sb_addf(fb, "cannot start %s: %s", prog, err.message);
		return -2;
	}
	snprintf(box_proc(r->box, idx)->name, sizeof(box_proc(r->box, idx)->name), "%s", prog);
	/* before anything is read: the program cannot have written yet */
	box_proc(r->box, idx)->hold_output = st->hold_stdout;
	s->idx = idx;
	s->in_fd = in[1];
	if (s->in_fd >= 0)
		fcntl(s->in_fd, F_SETFL, O_NONBLOCK);
	if (st->in == IN_TEXT) {
		add_pending(s, st->in_text, st->in_len);
		s->close_after = 1;
	} else if (st->in == IN_RANDOM) {
		add_random(s, st->in_size, st->in_seed, st->in_letters);
		s->close_after = 1;
	} else if (st->in == IN_FILE) {
		char file[4096];
		int fd;
		ssize_t n;

		snprintf(file, sizeof(file), "%s/data/%s", e->grader->dir, st->in_text);
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			sb_addf(fb, "the grader's input '%s' cannot be opened: %s", file, strerror(errno));
			return -2;
		}
		while ((n = xread(fd, file, sizeof(file))) > 0)
			add_pending(s, file, (size_t)n);
		close(fd);
		s->close_after = 1;
	}
	r->n++;
	event(r, "started %s%s", s->label, st->in == IN_HOLD ? " with its stdin held open" : "");
	/* its pid outside is known once it has reported before exec */
	{
		struct box_proc *p = box_proc(r->box, idx);
		int64_t deadline = now_ms() + 5000;

		while (!p->pid && p->report_fd >= 0 && !box_finished(r->box) && now_ms() < deadline)
			pump(r, 100);
		if (p->exec_errno) {
			sb_addf(fb, "%s could not be started: %s", prog, strerror(p->exec_errno));
			return -1;
		}
	}
	return 0;
}

static int run_step(struct run *r, const struct step *st, struct strbuf *fb)
{
	struct sproc *s = st->proc ? find(r, st->proc) : NULL;
	struct strbuf why = { 0 };
	int64_t deadline;
	int ok;

	switch (st->kind) {
	case STEP_START:
		return do_start(r, st, fb);
	case STEP_WRITE:
		add_pending(s, st->text, st->text_len);
		event(r, "wrote %zu bytes to the stdin of %s", st->text_len, s->label);
		pump(r, 0);
		return 0;
	case STEP_HOLD:
	case STEP_RELEASE:
		if (bp(r, s))
			bp(r, s)->hold_output = st->kind == STEP_HOLD;
		event(r, "%s reading the stdout of %s", st->kind == STEP_HOLD ? "stopped" : "resumed",
		      s->label);
		pump(r, 0);
		return 0;
	case STEP_CLOSE:
		s->close_after = 1;
		event(r, "closed the stdin of %s", s->label);
		pump(r, 0);
		return 0;
	case STEP_SIGNAL: {
		struct strbuf w2 = { 0 };
		pid_t pid = target_pid(r, st, &w2);

		sb_release(&w2);
		if (pid > 0)
			kill(pid, st->signal);
		event(r, "sent %s to %s", sname(st->signal), s->label);
		pump(r, 0);
		return 0;
	}
	case STEP_WAIT:
	case STEP_EXPECT:
		break;
	}
	deadline = now_ms() + st->within_ms;
	for (;;) {
		int waiting = st->kind == STEP_WAIT || expect_waits(st);

		if (st->kind == STEP_EXPECT && expect_waits(st) && !ended(r, st)) {
			ok = -1;	/* not yet decidable */
		} else {
			why.len = 0;
			if (why.buf)
				why.buf[0] = '\0';
			ok = eval(r, st, &why);
		}
		if (ok == 1 || (ok == 0 && st->kind == STEP_EXPECT) || !waiting)
			break;
		if (now_ms() >= deadline || box_finished(r->box))
			break;
		pump(r, POLL_MS);
	}
	if (ok == 1) {
		sb_release(&why);
		return 0;
	}
	if (ok < 0) {
		why.len = 0;
		eval(r, st, &why);
	}
	sb_addf(fb, "%s:%d: %s%s%s", r->t->file, st->line, st->kind == STEP_WAIT ? "waited for" :
		"expected", st->proc ? " " : "", st->proc ? st->proc : "");
	{
		/* the condition in the grader's own words */
		const char *what[] = {
			[COND_BLOCKED] = "to be blocked", [COND_RUNNING] = "to be running",
			[COND_EXIT] = "to exit", [COND_KILLED] = "to be killed",
			[COND_OUTPUT] = "to print", [COND_HANDLER] = "to have a handler",
			[COND_SIGBLK] = "to block a signal", [COND_SIGPND] = "to have a signal pending",
			[COND_STDOUT] = "stdout", [COND_STDERR] = "stderr", [COND_CPU] = "CPU time",
			[COND_FDS] = "descriptors", [COND_NO_WRITER] = "no write end",
			[COND_PATH] = "path", [COND_SYSV] = "SysV IPC",
			[COND_PROCESSES] = "processes", [COND_ORPHANS] = "children reaped",
			[COND_ZOMBIES] = "no zombies",
		};
		sb_addf(fb, " %s", what[st->cond.kind]);
	}
	if (st->kind == STEP_WAIT || expect_waits(st))
		sb_addf(fb, " (within %.1f s)", (double)st->within_ms / 1000);
	sb_addf(fb, "\nWhat happened: %s", sb_str(&why));
	if (st->hint)
		sb_addf(fb, "\nHint: %s", st->hint);
	describe_box(r, fb);
	sb_release(&why);
	return -1;
}

static void blame_violations(struct run *r, struct strbuf *fb, int *failed)
{
	for (int i = 0; i < box_nviolations(r->box); i++) {
		const struct box_violation *v = box_violation(r->box, i);
		struct sproc *s = NULL;

		for (int k = 0; k < r->n; k++)
			if (r->procs[k].idx == v->proc)
				s = &r->procs[k];
		if (!s || s->start->pkind != PROC_STUDENT)
			continue;
		if (!*failed)
			sb_addf(fb, "%s made a system call this lab does not allow", s->label);
		sb_addf(fb, "\nforbidden system call: %s by %s; the process was stopped", v->detail,
			strcmp(v->process, "?") ? v->process : s->start->argv[0]);
		json_array_append_new(r->e->violations,
				      json_pack("{s:s,s:s,s:s}", "program", s->start->argv[0],
						"syscall", v->syscall, "detail", v->detail));
		*failed = 1;
	}
}

json_t *engine_run_test(struct engine *e, const struct test *t)
{
	struct run r = { .e = e, .t = t, .events = json_array() };
	struct strbuf fb = { 0 }, clean = { 0 };
	struct box_config cfg;
	struct box_error err;
	json_t *tags = json_array(), *res;
	int failed = 0;
	int64_t duration;

	box_config_init(&cfg);
	cfg.limits.wall_ms = e->grader->wall_ms ? e->grader->wall_ms : 30000;
	cfg.limits.output_bytes = 8 << 20;
	cfg.limits.output_max = 64 << 20;
	cfg.limits.tmpfs_kib = 128 * 1024;
	cfg.ro_dir = e->bin_dir;
	/* the grader's data/ is the scenario's /work: inputs, files to refuse */
	{
		static char data[4096];
		struct stat st;

		snprintf(data, sizeof(data), "%s/data", e->grader->dir);
		if (stat(data, &st) == 0 && S_ISDIR(st.st_mode))
			cfg.copy_dir = data;
	}
	cfg.delta = &(struct policy_delta){ .allow = (const char *const *)e->grader->allow,
					    .deny = (const char *const *)e->grader->deny };
	if (!e->grader->allow && !e->grader->deny)
		cfg.delta = NULL;
	r.t0 = now_ms();
	if (box_new(&cfg, &r.box, &err) < 0) {
		sb_addf(&fb, "the harness could not make a box: %s", err.message);
		failed = 2;
	}
	if (r.box && !e->isolation) {
		const struct box_isolation *iso = box_isolation(r.box);
		json_t *notes = json_array();

		for (int i = 0; i < iso->nnotes; i++)
			json_array_append_new(notes, json_string(iso->notes[i]));
		e->isolation = json_pack("{s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:s,s:o}",
					 "userns", iso->userns, "pidns", iso->pidns,
					 "mountns", iso->mountns, "ipcns", iso->ipcns,
					 "netns", iso->netns, "utsns", iso->utsns,
					 "cgroupns", iso->cgroupns, "seccomp", iso->seccomp,
					 "cgroup", iso->cgroup, "notes", notes);
	}
	for (int i = 0; !failed && i < t->nsteps; i++) {
		int ret = run_step(&r, &t->steps[i], &fb);

		if (ret < 0)
			failed = ret == -2 ? 2 : 1;
		if (!failed && box_finished(r.box)) {
			sb_addf(&fb, "the box was stopped at step %d (%s:%d): the scenario ran past its "
				"time limit or a program broke a limit", i + 1, t->file, t->steps[i].line);
			failed = 1;
		}
	}
	/* the steps are over: the test's time, on the clock of its events */
	duration = now_ms() - r.t0;
	if (r.box) {
		box_finish(r.box);
		{
			struct strbuf v = { 0 };
			int vf = failed;

			blame_violations(&r, &v, &vf);
			if (vf && !failed) {
				sb_add(&fb, v.buf, v.len);
				failed = 1;
			} else if (v.len) {
				sb_addf(&fb, "\n%s", sb_str(&v));
			}
			sb_release(&v);
		}
		for (int i = 0; i < r.n; i++) {
			struct box_proc *p = bp(&r, &r.procs[i]);

			if (p && p->verdict.limit != LIMIT_NONE && failed)
				sb_addf(&fb, "\n%s", p->verdict.message);
		}
		box_free(r.box);
	}
	for (int i = 0; i < r.n; i++) {
		if (r.procs[i].in_fd >= 0)
			close(r.procs[i].in_fd);
		free(r.procs[i].pending);
	}
	for (char **tag = t->tags; tag && *tag; tag++)
		json_array_append_new(tags, json_string(*tag));
	/* feedback quotes compilers and programs, which need not write UTF-8 */
	if (failed)
		sb_add_utf8(&clean, fb.buf, fb.len);
	res = json_pack("{s:s,s:s,s:o,s:s,s:s,s:f,s:f,s:s,s:o}", "id", t->id, "name", t->title,
			"tags", tags, "visibility", t->hidden ? "hidden" : "visible",
			"status", failed ? "failed" : "passed", "score", failed ? 0.0 : t->points,
			"max_score", t->points, "feedback", failed ? sb_str(&clean) : "",
			"events", r.events);
	sb_release(&clean);
	json_object_set_new(res, "duration_ms", json_integer((json_int_t)duration));
	if (failed == 2)
		json_object_set_new(res, "harness_error", json_true());
	sb_release(&fb);
	return res;
}
