/*
 * A failed step told in the student's terms (testrun.h): what the test
 * did up to the step, what the step waited for or expected, whether the
 * step's hint applies to what was seen, and how a program that ended
 * unexpectedly ended. The scenario's variables (`r`, `s`) and the
 * grader's file never appear here: processes are named by their labels
 * ("fifo_recv", "pipecat's child"), paths as the scenario gives them,
 * which is how the student's program sees them (relative to its working
 * directory).
 */
#define _GNU_SOURCE
#include "testrun.h"
#include "../sandbox/box.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/io.h"
#include "../sandbox/util.h"

#define QUOTE_MAX 100	/* bytes of a text quoted in a sentence */

/* "text", cut at QUOTE_MAX bytes or its third line, saying how long it was */
static void quote(struct strbuf *out, const char *text, size_t len)
{
	size_t cut = 0;
	int lines = 0;

	while (cut < len && cut < QUOTE_MAX && lines < 4)
		lines += text[cut++] == '\n';
	sb_addf(out, "\"");
	sb_add_escaped(out, text, cut, QUOTE_MAX * 4);
	sb_addf(out, "\"");
	if (cut < len)
		sb_addf(out, " (the first %zu of %zu bytes)", cut, len);
}

/* "1 MiB", "4096 bytes" */
static void size_words(struct strbuf *out, int64_t n)
{
	if (n >= 1 << 20 && n % (1 << 20) == 0)
		sb_addf(out, "%lld MiB", (long long)(n >> 20));
	else if (n >= 1 << 10 && n % (1 << 10) == 0)
		sb_addf(out, "%lld KiB", (long long)(n >> 10));
	else
		sb_addf(out, "%lld bytes", (long long)n);
}

void explain_input(struct run *r, const struct step *start, struct strbuf *out)
{
	switch (start->in) {
	case IN_NULL:
		break;
	case IN_TEXT:
		if (start->in_len == 0) {
			sb_addf(out, " with an empty input");
			break;
		}
		sb_addf(out, " with the input ");
		quote(out, start->in_text, start->in_len);
		break;
	case IN_RANDOM:
		sb_addf(out, " with ");
		size_words(out, start->in_size);
		sb_addf(out, " of random %s (seed %u) as its input",
			start->in_letters ? "lower-case letters and newlines" : "bytes", start->in_seed);
		break;
	case IN_FILE: {
		char path[4096], buf[QUOTE_MAX + 1];
		int fd;
		ssize_t n = -1;

		snprintf(path, sizeof(path), "%s/data/%s", r->e->grader->dir, start->in_text);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = xread_full(fd, buf, sizeof(buf));
			close(fd);
		}
		sb_addf(out, " with the file %s as its input", start->in_text);
		if (n > 0) {
			sb_addf(out, ", which starts ");
			quote(out, buf, (size_t)n > QUOTE_MAX ? QUOTE_MAX : (size_t)n);
		}
		break;
	}
	case IN_HOLD:
		sb_addf(out, " with its input kept open");
		break;
	}
}

/* the name a process has in the feedback, before it started too */
static const char *label(struct run *r, const char *id, char *buf, size_t size)
{
	const struct test *t = r->t;

	for (int i = 0; i < r->n; i++)
		if (!strcmp(r->procs[i].start->proc, id))
			return r->procs[i].label;
	for (int i = 0; i < t->nsteps; i++)
		if (t->steps[i].kind == STEP_START && !strcmp(t->steps[i].proc, id)) {
			snprintf(buf, size, "%s%s", t->steps[i].argv[0],
				 t->steps[i].pkind == PROC_REFERENCE ? " (reference)" : "");
			return buf;
		}
	return id;
}

/* "read() or write()", at most four calls named */
static void calls(struct strbuf *out, char **syscalls)
{
	int n = 0;

	while (syscalls && syscalls[n])
		n++;
	for (int i = 0; i < n && i < 4; i++)
		sb_addf(out, "%s%s()", i == 0 ? "" : i == n - 1 ? " or " : ", ", syscalls[i]);
	if (n > 4)
		sb_addf(out, ", or a call like them");
}

/* "to be the same as that of pipecat (reference)", or what a command prints */
static void same_as(struct run *r, const char *id, char *buf, size_t size, struct strbuf *out)
{
	for (int i = 0; i < r->t->nsteps; i++) {
		const struct step *st = &r->t->steps[i];

		if (st->kind != STEP_START || strcmp(st->proc, id))
			continue;
		if (st->pkind != PROC_SYSTEM)
			break;
		/* a command of the grader's: the expected output, as a command makes it */
		sb_addf(out, "to be the expected output (what `");
		for (int k = 0; st->argv[k]; k++)
			sb_addf(out, "%s%s", k ? " " : "", st->argv[k]);
		sb_addf(out, "` prints%s)", st->in != IN_NULL ? " given the same input" : "");
		return;
	}
	sb_addf(out, "to be the same as that of %s", label(r, id, buf, size));
}

static const char *const sysv_names[] = { "", "message queue", "shared memory segment", "semaphore set" };

/* explain_cond(), the subject called "it" when the story just named it */
static void cond_words(struct run *r, const struct step *st, int it, struct strbuf *out)
{
	const struct cond *c = &st->cond;
	char buf[128], obuf[128];
	const char *who = it ? "it" : st->proc ? label(r, st->proc, buf, sizeof(buf)) : "";
	const char *stream = c->kind == COND_STDOUT ? "output" : "error output (stderr)";
	const char *its = it ? "its " : "the ";
	char s[256];

	if (st->sel == SEL_CHILD) {
		/* a child is named after its parent's program, as procs.c names it */
		struct started *p = run_find(r, st->proc);

		snprintf(s, sizeof(s), "%s's child", p ? p->start->argv[0] : who);
	} else if (st->sel == SEL_ALL) {
		snprintf(s, sizeof(s), "%s and each of its children", who);
	} else {
		snprintf(s, sizeof(s), "%s", who);
	}
	switch (c->kind) {
	case COND_BLOCKED:
		sb_addf(out, "%s to block in ", s);
		calls(out, c->syscalls);
		if (c->on == FD_PIPE)
			sb_addf(out, " on a pipe");
		else if (c->on == FD_FIFO)
			sb_addf(out, " on a FIFO");
		else if (c->on == FD_SOCKET)
			sb_addf(out, " on a socket");
		else if (c->on == FD_PATH)
			sb_addf(out, " on %s", c->path);
		break;
	case COND_RUNNING:
		sb_addf(out, "%s to be still running", s);
		break;
	case COND_EXIT:
		if (c->other)
			sb_addf(out, "%s to end as %s did (the same exit status)", s,
				label(r, c->other, obuf, sizeof(obuf)));
		else if (c->code >= 0)
			sb_addf(out, "%s to exit with status %d", s, c->code);
		else
			sb_addf(out, "%s to exit", s);
		break;
	case COND_KILLED:
		sb_addf(out, "%s to be killed by %s", s, run_signame(c->code));
		break;
	case COND_OUTPUT:
		sb_addf(out, "%s to print ", s);
		quote(out, c->text, strlen(c->text));
		break;
	case COND_HANDLER:
		sb_addf(out, "%s to have a handler installed for %s", s, run_signame(c->signal));
		break;
	case COND_SIGBLK:
		sb_addf(out, "%s to have %s blocked", s, run_signame(c->signal));
		break;
	case COND_SIGPND:
		sb_addf(out, "%s to have %s pending", s, run_signame(c->signal));
		break;
	case COND_STDOUT:
	case COND_STDERR:
		if (it)
			sb_addf(out, "%s%s ", its, stream);
		else
			sb_addf(out, "the %s of %s ", stream, s);
		switch (c->op) {
		case MATCH_EQ:
			if ((size_t)c->number <= QUOTE_MAX) {
				sb_addf(out, "to be ");
				quote(out, c->text, (size_t)c->number);
			} else {
				sb_addf(out, "to be the expected %d bytes", c->number);
			}
			break;
		case MATCH_CONTAINS:
			sb_addf(out, "to contain ");
			quote(out, c->text, strlen(c->text));
			break;
		case MATCH_REGEX:
			sb_addf(out, "to match /%s/", c->text);
			break;
		case MATCH_LINES:
			sb_addf(out, "to be the expected lines, in any order");
			break;
		case MATCH_SAME_AS:
			same_as(r, c->other, obuf, sizeof(obuf), out);
			break;
		}
		break;
	case COND_CPU:
		sb_addf(out, "%s to have used less than %lld ms of CPU time", s, (long long)c->limit_ms);
		break;
	case COND_FDS:
		sb_addf(out, "%s to hold no descriptor besides 0, 1 and 2", s);
		break;
	case COND_NOWRITER:
		sb_addf(out, "%s to hold no write end of the pipe it reads", s);
		break;
	case COND_PATH:
		if (!strcmp(c->type, "absent"))
			sb_addf(out, "%s to be gone", c->path);
		else if (!strcmp(c->type, "empty"))
			sb_addf(out, "the directory %s to be empty", c->path);
		else if (!strcmp(c->type, "listening"))
			sb_addf(out, "%s to be a socket that a server listens on", c->path);
		else
			sb_addf(out, "%s to be a %s", c->path, !strcmp(c->type, "fifo") ? "FIFO" :
				!strcmp(c->type, "file") ? "regular file" : !strcmp(c->type, "dir") ?
				"directory" : c->type);
		if (c->mode >= 0)
			sb_addf(out, " with mode %04o", c->mode);
		break;
	case COND_SYSV:
		if (c->sysv == SYSV_NONE) {
			sb_addf(out, "no message queue, shared memory segment or semaphore set to be left");
			break;
		}
		if (c->absent) {
			sb_addf(out, "the %s with key 0x%lx to be removed", sysv_names[c->sysv],
				(unsigned long)(unsigned)c->key);
			break;
		}
		sb_addf(out, "a %s with key 0x%lx to exist", sysv_names[c->sysv], (unsigned long)(unsigned)c->key);
		if (c->mode >= 0)
			sb_addf(out, " with mode %04o", c->mode);
		if (c->count >= 0)
			sb_addf(out, ", holding %ld message%s", c->count, c->count == 1 ? "" : "s");
		if (c->value >= 0)
			sb_addf(out, ", its semaphore at %ld", c->value);
		if (c->nattch >= 0)
			sb_addf(out, ", attached %ld times", c->nattch);
		break;
	case COND_PROCESSES:
		sb_addf(out, "the programs to create %d process%s", c->number, c->number == 1 ? "" : "es");
		break;
	case COND_ORPHANS:
		sb_addf(out, "%s to leave %s child running when it exits", s, c->number ? "at most that many" : "no");
		if (c->number)
			sb_addf(out, " (%d)", c->number);
		break;
	case COND_UNWAITED:
		if (c->number)
			sb_addf(out, "%s to leave at most %d of its children unwaited for when it exits", s, c->number);
		else
			sb_addf(out, "%s to have waited for every child it created when it exits", s);
		break;
	case COND_HELD:
		sb_addf(out, "%s to have created %d child process%s (each held as it starts)", s, c->number,
			c->number == 1 ? "" : "es");
		break;
	case COND_ZOMBIES:
		if (c->number)
			sb_addf(out, "at most %d zombie process%s to be left", c->number, c->number == 1 ? "" : "es");
		else
			sb_addf(out, "no zombie process to be left");
		break;
	default:
		sb_addf(out, "%s %s", s, cond_info(c->kind)->phrase);
		break;
	}
}

void explain_cond(struct run *r, const struct step *st, struct strbuf *out)
{
	cond_words(r, st, 0, out);
}

/* a started program as the student knows it: your `fifo_recv f` */
static void program(struct strbuf *out, const struct step *st)
{
	sb_addf(out, "%s`", st->pkind == PROC_STUDENT ? "your " : st->pkind == PROC_REFERENCE ? "our " : "");
	for (int i = 0; st->argv[i]; i++) {
		/* as a shell would take it: a word with blanks in quotes */
		const char *q = strpbrk(st->argv[i], " \t|;&<>") || !st->argv[i][0] ? "\"" : "";

		sb_addf(out, "%s%s%s%s", i ? " " : "", q, st->argv[i], q);
	}
	sb_addf(out, "`");
}

static int same_argv(char **a, char **b)
{
	int i;

	for (i = 0; a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]))
			return 0;
	return !a[i] && !b[i];
}

void explain_label(const struct test *t, const struct step *start, char *buf, size_t size)
{
	int runs = 0, twins = 0, nth = 0;
	struct strbuf sb = { 0 };
	static const char *const ord[] = { "1st", "2nd", "3rd" };

	for (int i = 0; i < t->nsteps; i++) {
		const struct step *s = &t->steps[i];

		if (s->kind != STEP_START || s->pkind != start->pkind || strcmp(s->argv[0], start->argv[0]))
			continue;
		runs++;
		if (same_argv(s->argv, start->argv)) {
			twins++;
			if (s <= start)
				nth = twins;
		}
	}
	if (runs < 2) {
		snprintf(buf, size, "%s%s", start->argv[0], start->pkind == PROC_REFERENCE ? " (reference)" : "");
		return;
	}
	program(&sb, start);
	/* "your `psum 4 12abc`" without its "your "; "(reference, the 2nd)" */
	snprintf(buf, size, "%s", strchr(sb_str(&sb), '`'));
	if (twins > 1 || start->pkind == PROC_REFERENCE) {
		size_t len = strlen(buf);
		char nthw[32] = "";

		if (twins > 1 && nth <= 3)
			snprintf(nthw, sizeof(nthw), "the %s", ord[nth - 1]);
		else if (twins > 1)
			snprintf(nthw, sizeof(nthw), "the %dth", nth);
		snprintf(buf + len, size - len, " (%s%s%s)", start->pkind == PROC_REFERENCE ? "reference" : "",
			 start->pkind == PROC_REFERENCE && nthw[0] ? ", " : "", nthw);
	}
	sb_release(&sb);
}

/* a process some step is about, not only compared with */
static int is_subject(const struct test *t, const char *id)
{
	for (int i = 0; i < t->nsteps; i++)
		if (t->steps[i].kind != STEP_START && t->steps[i].proc && !strcmp(t->steps[i].proc, id))
			return 1;
	return 0;
}

/* ID was started with children=held, so its `release` lets them go */
static int held_children(const struct test *t, const char *id)
{
	for (int i = 0; i < t->nsteps; i++)
		if (t->steps[i].kind == STEP_START && !strcmp(t->steps[i].proc, id))
			return t->steps[i].hold_children && !t->steps[i].hold_stdout;
	return 0;
}

void explain_story(struct run *r, int failed, struct strbuf *out)
{
	const struct test *t = r->t;
	const struct step *fs = &t->steps[failed];
	int n = 0, it = 0;
	char buf[128];

	sb_addf(out, "We ");
	for (int i = 0; i < failed; i++) {
		const struct step *st = &t->steps[i];
		const char *who = st->proc ? label(r, st->proc, buf, sizeof(buf)) : "";

		/* the checks that held are not the story; waits are; the
		 * grader's own commands only make expected outputs */
		if (st->kind == STEP_EXPECT || (st->kind == STEP_START && st->pkind == PROC_SYSTEM &&
						 !is_subject(t, st->proc)))
			continue;
		sb_addf(out, "%s", n++ ? ", then " : "");
		/* "started your `fifo_recv f` and waited for it to ..." */
		it = st->kind == STEP_START && fs->proc && !strcmp(st->proc, fs->proc) && fs->sel == SEL_SELF;
		switch (st->kind) {
		case STEP_START:
			sb_addf(out, "started ");
			program(out, st);
			explain_input(r, st, out);
			if (st->full_stdout)
				sb_addf(out, ", with its output held (its first write blocks)");
			else if (st->hold_stdout)
				sb_addf(out, ", with its output held (not read)");
			break;
		case STEP_WRITE:
			sb_addf(out, "wrote ");
			quote(out, st->text, st->text_len);
			sb_addf(out, " to the input of %s", who);
			break;
		case STEP_CLOSE:
			sb_addf(out, "closed the input of %s", who);
			break;
		case STEP_SIGNAL:
			sb_addf(out, "sent %s to %s%s", run_signame(st->signal), who,
				st->sel == SEL_CHILD ? "'s child" : "");
			break;
		case STEP_HOLD:
			sb_addf(out, "stopped reading the output of %s", who);
			break;
		case STEP_RELEASE:
			sb_addf(out, held_children(t, st->proc) ?
				"let the children of %s run, all at once" :
				"read the output of %s again", who);
			break;
		case STEP_WAIT:
			sb_addf(out, "waited for ");
			explain_cond(r, st, out);
			break;
		case STEP_EXPECT:
			break;
		}
	}
	if (fs->kind == STEP_WAIT)
		sb_addf(out, "%swaited up to %.3g s for ", n > 1 ? ", and " : n ? " and " : "",
			(double)(r->dl_ms > 0 ? r->dl_ms : fs->within_ms) / 1000);
	else
		sb_addf(out, "%sexpected ", n > 1 ? ", and " : n ? " and " : "");
	cond_words(r, fs, it, out);
	sb_addf(out, ".");
}

/* the quoted text after MARK in s, with its quotes, up to the end of its line */
static size_t quoted_after(const char *s, const char *mark, const char **at)
{
	const char *m = strstr(s, mark);

	if (!m)
		return 0;
	*at = m + strlen(mark);
	return strcspn(*at, "\n");
}

void explain_cause(const char *why, struct strbuf *cause)
{
	int quoted = 0;
	size_t i, en, gn;
	const char *exp = NULL, *got = NULL, *line;

	for (i = 0; why[i] && why[i] != '\n'; i++) {
		if (why[i] == '"' && (i == 0 || why[i - 1] != '\\'))
			quoted = !quoted;
		else if (why[i] == ':' && !quoted)
			break;
	}
	sb_add(cause, why, i);
	line = strstr(why, "the first difference is at byte ");
	en = quoted_after(why, "\n    expected: ", &exp);
	gn = quoted_after(why, "\n    got:      ", &got);
	if (line && (line = strstr(line, "(line ")) && en && gn && en < 140 && gn < 140)
		sb_addf(cause, ": line %ld is %.*s where %.*s was expected", strtol(line + 6, NULL, 10),
			(int)gn, got, (int)en, exp);
}

int explain_hint_applies(struct run *r, const struct step *st)
{
	if (!st->hint)
		return 0;
	/* every condition of the premise ("A and B") holds, or one of them
	 * ("A or B"); each may be turned round */
	for (const struct step *s = st; s->when; s = s->when) {
		struct strbuf ignore = { 0 };
		int holds = (cond_eval(r, s->when, &ignore) == 1) != s->when_not;

		sb_release(&ignore);
		if (holds == st->when_any)
			return holds;
	}
	return !st->when_any;
}

void explain_hint_fix(struct run *r, const struct step *st)
{
	size_t n = strlen(st->hint);

	/* as written (it may start with a program's name), ended as a sentence */
	sb_addf(&r->fix, "%s%s", st->hint, n && !strchr(".!?", st->hint[n - 1]) ? "." : "");
}

/* what the default action of a signal does to a program, and what raises it */
static const struct {
	int sig;
	const char *why;
} meanings[] = {
	{ SIGSEGV, "an invalid memory access (a bad pointer, an array overrun)" },
	{ SIGBUS, "an invalid memory access (e.g. past the end of a mapped file)" },
	{ SIGABRT, "abort(), often a failed assert() or a corrupted heap" },
	{ SIGFPE, "an arithmetic error, such as an integer division by zero" },
	{ SIGPIPE, "it wrote to a pipe or socket that no process reads any more" },
	{ SIGKILL, "it was sent by a limit of the grader or by another process" },
	{ SIGXCPU, "its CPU time limit" },
	{ SIGXFSZ, "its file size limit" },
};

void explain_end(const char *who, const struct box_proc *p, struct strbuf *out)
{
	int status = p->wait_status;

	if (WIFEXITED(status))
		sb_addf(out, "%s exited with status %d", who, WEXITSTATUS(status));
	else
		sb_addf(out, "%s was killed by %s", who, run_signame(WTERMSIG(status)));
}

void explain_signal(int sig, struct strbuf *out)
{
	const char *why = NULL;

	for (size_t i = 0; i < sizeof(meanings) / sizeof(meanings[0]); i++)
		if (meanings[i].sig == sig)
			why = meanings[i].why;
	if (sig == SIGKILL)
		sb_addf(out, "SIGKILL cannot be caught: %s", why);
	else if (why)
		sb_addf(out, "%s: %s; its default action ends a program that has no handler for it",
			run_signame(sig), why);
	else
		sb_addf(out, "%s's default action ends a program that has no handler for it", run_signame(sig));
}

void explain_stderr(const struct box_proc *p, struct strbuf *out)
{
	if (p->err.len) {
		sb_addf(out, "On stderr it said ");
		quote(out, p->err.data, p->err.len);
		sb_addf(out, ".");
	} else {
		sb_addf(out, "It said nothing on stderr.");
	}
}

/* a started process that ended while the step still needed it (or ended
 * otherwise than it expected): NULL if none */
const struct started *explain_ended(struct run *r, const struct step *st)
{
	struct started *s = st->proc ? run_find(r, st->proc) : NULL;
	const struct box_proc *p = run_boxproc(r, s);
	const struct cond *c = &st->cond;

	if (!st->proc) {
		/* a box-wide fact: a program of the student's that ended badly
		 * is why it never came about, likely */
		for (int i = 0; i < r->n; i++) {
			p = run_boxproc(r, &r->procs[i]);
			if (p && p->done && r->procs[i].start->pkind == PROC_STUDENT &&
			    !(WIFEXITED(p->wait_status) && WEXITSTATUS(p->wait_status) == 0))
				return &r->procs[i];
		}
		return NULL;
	}
	if (!p || !p->done || st->sel == SEL_CHILD)
		return NULL;
	switch (c->kind) {
	case COND_EXIT:
		/* ended, and not as it should: the end is the story */
		return s;
	case COND_KILLED:
		return NULL;	/* the condition itself says how it ended */
	case COND_STDOUT:
	case COND_STDERR:
	case COND_ORPHANS:
		/* an output is judged once the program ended: that end is news
		 * only if it was not 0, and no earlier step of the test asked
		 * for it (a program told to fail and say why) */
		for (const struct step *e = r->t->steps; e < st; e++)
			if ((e->kind == STEP_EXPECT || e->kind == STEP_WAIT) && e->proc &&
			    !strcmp(e->proc, st->proc) && (e->cond.kind == COND_EXIT || e->cond.kind == COND_KILLED))
				return NULL;
		return WIFEXITED(p->wait_status) && WEXITSTATUS(p->wait_status) == 0 ? NULL : s;
	default:
		return s;
	}
}

void explain_unended(struct run *r, const struct step *st, struct strbuf *why)
{
	const char *ids[2] = { st->proc, st->cond.other };

	for (int i = 0; i < 2; i++) {
		struct started *s = ids[i] ? run_find(r, ids[i]) : NULL;
		const struct box_proc *p = run_boxproc(r, s);
		struct pinfo pi;
		char state[256];

		if (!p)
			continue;
		if (!p->done && observe_proc(p->pid, &pi) == 0) {
			observe_describe(&pi, state, sizeof(state));
			sb_addf(why, "%s had not ended in %.3g s: it was %s", s->label,
				(double)(r->dl_ms > 0 ? r->dl_ms : st->within_ms) / 1000, state);
			return;
		}
		if (!p->done || !p->out.eof || !p->err.eof) {
			sb_addf(why, "%s had not ended in %.3g s%s", s->label,
				(double)(r->dl_ms > 0 ? r->dl_ms : st->within_ms) / 1000,
				p->done ? ": another process still holds its output open" : "");
			return;
		}
	}
}
