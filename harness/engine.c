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
#include "diagnosis.h"
#include "hang.h"
#include "testrun.h"
#include "../sandbox/box.h"
#include "../sandbox/cli.h"
#include "../common/clock.h"
#include "../common/io.h"

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

#define POLL_MS 5	/* how often facts that raise no event are looked at */

void run_event(struct run *r, const char *fmt, ...)
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

/* ---- steps ---- */

static int do_start(struct run *r, const struct step *st, struct strbuf *fb)
{
	struct engine *e = r->e;
	struct started *s = &r->procs[r->n];
	char path[512];
	char *argv[64];
	int in[2] = { -1, -1 }, argc = 0, idx, ret;
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
	explain_label(r->t, st, s->label, sizeof(s->label));
	if (st->pkind == PROC_STUDENT) {
		int built = 0;

		for (const char *const *b = e->student_built; b && *b; b++)
			built |= !strcmp(*b, prog);
		if (!built) {
			/* the result's build.output has the compiler's log, once for all tests */
			sb_addf(fb, "not run: %s did not build", prog);
			r->not_built = prog;
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
	idx = box_spawn(r->box, &(struct box_spawn){ .argv = argv, .stdin_fd = in[0],
						      .stdout_full = st->full_stdout,
						      .hold_children = st->hold_children }, &err);
	if (in[0] >= 0)
		close(in[0]);
	if (idx < 0) {
		if (in[1] >= 0)
			close(in[1]);
		sb_addf(fb, "cannot start %s: %s", prog, err.message);
		return -2;
	}
	/* before anything is read: the program cannot have written yet */
	box_hold_output(r->box, idx, st->hold_stdout);
	s->idx = idx;
	s->in_fd = in[1];
	if (s->in_fd >= 0)
		fcntl(s->in_fd, F_SETFL, O_NONBLOCK);
	if (st->in == IN_TEXT) {
		feed_add(s, st->in_text, st->in_len);
		s->close_after = 1;
	} else if (st->in == IN_RANDOM) {
		feed_add_random(s, st->in_size, st->in_seed, st->in_letters);
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
			feed_add(s, file, (size_t)n);
		close(fd);
		s->close_after = 1;
	}
	r->n++;
	run_event(r, "started %s%s", s->label, st->in == IN_HOLD ? " with its stdin held open" : "");
	/* its pid outside is known once it has reported before exec */
	if ((ret = box_wait_started(r->box, idx, 5000))) {
		sb_addf(fb, "%s could not be started: %s", prog, strerror(ret));
		return -1;
	}
	perturb_started(r, s, box_result(r->box, idx)->pid);
	return 0;
}

/*
 * A signal is sent once its target has settled: asleep in the kernel
 * (most likely waiting for it), stopped, or gone, or else clearly busy (it
 * has burnt SETTLE_CPU_MS of CPU since we began to wait: a program that
 * spins on a flag). Sent while the program is between its own steps, say
 * after it printed but before it called pause(), the signal would land
 * before or after pause() by chance, and a kill/pause race in the program
 * would cost points on some runs and not on others. The program's output
 * and anything else the scenario waited for have already happened, so
 * waiting here changes nothing but when within that quiet moment we send.
 * A program goes from its printf() to pause() in microseconds of CPU;
 * 20 ms without a sleep is a loop.
 */
#define SETTLE_CPU_MS 20
#define SETTLE_MAX_MS 2000

static void settle(struct run *r, pid_t pid)
{
	struct pinfo pi;
	int64_t deadline = now_ms() + SETTLE_MAX_MS, cpu0 = -1;

	while (observe_proc(pid, &pi) == 0 && pi.state) {
		if (pi.state != 'R')
			return;
		if (cpu0 < 0)
			cpu0 = pi.cpu_ms;
		else if (pi.cpu_ms - cpu0 >= SETTLE_CPU_MS)
			return;
		if (now_ms() >= deadline || box_finished(r->box))
			return;
		feed_pump(r, 1);
	}
}

/* the test sent sig to s by a signal step */
static int sent_by_us(struct run *r, const struct started *s, int sig)
{
	for (int i = 0; i <= r->failed_step; i++)
		if (r->t->steps[i].kind == STEP_SIGNAL && r->t->steps[i].signal == sig &&
		    !strcmp(r->t->steps[i].proc, s->start->proc) && r->t->steps[i].sel == SEL_SELF)
			return 1;
	return 0;
}

/*
 * The deadline of a wait or expect step on this machine (docs/scenarios.md,
 * "Deadlines"). The reference's own time for the step, in the same
 * scenario on this machine, says what the step costs here: where
 * DEADLINE_FACTOR times it is longer than the scenario's deadline (a slow
 * CI runner, a loaded machine), that is the deadline, so correct code is
 * not failed for the machine's slowness. It is never shorter than the
 * scenario's: a correct program may be far slower than the reference (a
 * pipecat copying a byte at a time took 67 times the reference's time in
 * one step, 1.5 s), and a fast machine does not make it fast; waits that
 * cannot succeed end early anyway (hang.h). A step whose time is unknown
 * keeps the scenario's deadline. Never past the box's wall limit, which
 * stops everything first.
 */
static int64_t step_deadline(struct run *r, const struct step *st)
{
	const json_t *times = r->e->ref_times ? json_object_get(r->e->ref_times, r->t->id) : NULL;
	const json_t *v = json_array_size(times) == (size_t)r->t->nsteps ?
		json_array_get(times, (size_t)(st - r->t->steps)) : NULL;
	int64_t wall = r->e->grader->wall_ms ? r->e->grader->wall_ms : 30000, ms;

	r->dl_ref_ms = -1;
	r->dl_source = "scenario";
	r->dl_ms = r->dl_scenario_ms = st->within_ms;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return r->dl_ms;
	r->dl_ref_ms = json_integer_value(v);
	ms = r->dl_ref_ms * DEADLINE_FACTOR;
	if (ms > wall)
		ms = wall;
	if (ms > st->within_ms) {
		r->dl_source = "reference";
		r->dl_ms = ms;
	}
	return r->dl_ms;
}

/*
 * A failed wait or expect, told in the student's terms (explain.c): what
 * we did and waited for, what happened, the hint when its premise holds,
 * and where every process was. The decisive finding, when there is one,
 * becomes the result's cause (with its fix): a reader that holds its own
 * write end (diagnosis.c), a program that spins, a program that ended,
 * or what happened when the step's hint applies (the fix).
 */
static void tell_failure(struct run *r, const struct step *st, struct strbuf *why, int64_t hung,
			 int load, struct strbuf *spun, int64_t limit, struct strbuf *fb)
{
	const struct started *ended = explain_ended(r, st);
	int hint = r->hint_shown = explain_hint_applies(r, st), left = 0;
	struct strbuf end = { 0 };

	if (st->when)
		sb_addf(&r->debug, "the hint's premise (when=) %s: the hint was %s\n", hint ? "held" : "did not hold",
			hint ? "shown" : "left out");
	r->failed_step = (int)(st - r->t->steps);
	explain_story(r, r->failed_step, fb);
	sb_addf(fb, "\nWhat happened: %s%s", sb_str(why), why->len && !strchr(sb_str(why), '\n') &&
		!strchr(".!?\"", why->buf[why->len - 1]) ? "." : "");
	sb_add(&r->what, why->buf ? why->buf : "", why->len);
	if (hung >= 0)
		sb_addf(fb, "\nNothing could change any more (every process left was waiting for another%s), "
			"so we stopped waiting after %.2f s instead of at the deadline of %.3g s.",
			load ? "; the test's own CPU load runs beside them, but acts on no process" : "",
			(double)hung / 1000, (double)limit / 1000);
	if (spun->len)
		sb_addf(fb, "\nWe stopped waiting early: %s.", sb_str(spun));
	if (ended) {
		const struct box_proc *p = run_boxproc(r, ended);
		char how[64];

		explain_end(ended->label, p, &end);
		/* how it ended, unless the sentence above said so; then its stderr */
		if (WIFEXITED(p->wait_status))
			snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(p->wait_status));
		else
			snprintf(how, sizeof(how), "killed by %s", run_signame(WTERMSIG(p->wait_status)));
		if (!strstr(sb_str(why), how))
			sb_addf(fb, "\n%s.", sb_str(&end));
		if (WIFSIGNALED(p->wait_status)) {
			sb_addf(fb, "\n");
			explain_signal(WTERMSIG(p->wait_status), fb);
			sb_addf(fb, ".");
		}
		if (!strstr(sb_str(why), "saying") && st->cond.kind != COND_STDERR &&
		    (p->err.len || !WIFEXITED(p->wait_status) || WEXITSTATUS(p->wait_status))) {
			sb_addf(fb, "\n");
			explain_stderr(p, fb);
		}
		/* killed, it could not have waited */
		left = WIFEXITED(p->wait_status) ? run_left_running(r, ended) : 0;
		if (left > 0) {
			/* how many is not news, and not the same from run to run */
			sb_addf(&end, " while processes it started were still running: it did not wait for them");
			sb_addf(fb, "\n%s ended while processes it started were still running: it did not "
				"wait for them.", ended->label);
		}
	}
	if (hint)
		sb_addf(fb, "\nHint: %s", st->hint);
	if (st->common)
		sb_addf(fb, "\nA common cause: %s", st->common);
	diagnose(r, fb);
	/* the decisive finding: diagnosis.c's first, then ours */
	if (!r->cause.len && spun->len) {
		sb_add(&r->cause, spun->buf, spun->len);
		if (hint)
			explain_hint_fix(r, st);
	} else if (!r->cause.len && ended) {
		const struct box_proc *p = run_boxproc(r, ended);

		sb_add(&r->cause, end.buf, end.len);
		if (left > 0)
			sb_addf(&r->fix, "Call waitpid() for each child %s started before %s exits.",
				ended->start->argv[0], ended->start->argv[0]);
		if (WIFSIGNALED(p->wait_status) && sent_by_us(r, ended, WTERMSIG(p->wait_status))) {
			/* the test sent it: the program was to handle it */
			sb_addf(&r->cause, " (with no handler for it, its default action ends the program)");
			sb_addf(&r->fix, "Install a handler for %s with sigaction() before waiting; the handler "
				"decides what the program does then.", run_signame(WTERMSIG(p->wait_status)));
		} else if (p->err.len) {
			sb_addf(&r->cause, ", saying \"");
			sb_add_escaped(&r->cause, p->err.data, strcspn(p->err.data, "\n") < 160 ?
				       strcspn(p->err.data, "\n") : 160, 200);
			sb_addf(&r->cause, "\"");
		}
		if (hint && !r->fix.len)
			explain_hint_fix(r, st);
	} else if (!r->cause.len && hint) {
		/* the hint is shown, so its author vouches for it here (its
		 * premise held, or it has none: any failure of the step means
		 * the same): what happened is the cause, the hint its fix */
		explain_cause(sb_str(why), &r->cause);
		explain_hint_fix(r, st);
	}
	sb_release(&end);
}

/*
 * A wait for a process's end that the process outlasts without sleeping
 * once: said as soon as hang_end_spinning() knows it (the step's reference
 * time bounds what a correct program computes), or else once the
 * deadline has passed, as a fact (a long computation looks the same from
 * outside).
 */
static void say_never_slept(const char *label, int64_t waited, int64_t cpu, struct strbuf *out)
{
	sb_addf(out, "%s never ended: in the %.1f s we waited it did not sleep once and used %lld ms "
		"of CPU, so it polls in a loop where it should wait in the kernel, or computes for far "
		"longer than it should", label, (double)waited / 1000, (long long)cpu);
}

static void tell_never_slept(struct run *r, const struct step *st, pid_t pid, const struct pinfo *at0,
			     int64_t waited, struct strbuf *out)
{
	const struct started *s = run_find(r, st->proc);
	struct pinfo pi;

	if (!s || pid <= 0 || waited < 500 || observe_proc(pid, &pi) < 0 || pi.state == 'Z' ||
	    pi.state == 'T' || pi.threads != 1 || pi.vcsw != at0->vcsw ||
	    pi.cpu_ms - at0->cpu_ms < HANG_SPIN_CPU_MS)
		return;
	say_never_slept(s->label, waited, pi.cpu_ms - at0->cpu_ms, out);
}

/* the condition looked at once more before a wait ends early, into *ok
 * and returned; 0, *ok untouched, while an expect cannot decide yet (its
 * process has not ended) */
static int look_again(struct run *r, const struct step *st, int ends, struct strbuf *why, int *ok)
{
	why->len = 0;
	if (why->buf)
		why->buf[0] = '\0';
	if (st->kind == STEP_EXPECT && ends && !cond_decidable(r, st))
		return 0;
	return *ok = cond_eval(r, st, why);
}

static int run_step(struct run *r, const struct step *st, struct strbuf *fb)
{
	struct started *s = st->proc ? run_find(r, st->proc) : NULL;
	struct strbuf why = { 0 };
	int64_t deadline, begin, limit;
	int ok, ends, waiting;
	int64_t hung = -1;	/* when the wait ended early, since it began */
	struct hang_watch hw;
	struct strbuf spun = { 0 };	/* why the wait ended early: a spinner */
	struct strbuf ran = { 0 };	/* a wait for an end that a spinner outlasted */
	struct pinfo end_at0;
	pid_t end_pid = -1;
	static struct hang_end spin_end;	/* too big for the stack */
	int64_t spin_cpu, spin_ms;

	r->dl_source = NULL;
	switch (st->kind) {
	case STEP_START:
		return do_start(r, st, fb);
	case STEP_WRITE:
		feed_add(s, st->text, st->text_len);
		run_event(r, "wrote %zu bytes to the stdin of %s", st->text_len, s->label);
		feed_pump(r, 0);
		return 0;
	case STEP_HOLD:
	case STEP_RELEASE:
		if (run_boxproc(r, s)) {
			box_hold_output(r->box, s->idx, st->kind == STEP_HOLD);
			if (st->kind == STEP_RELEASE && s->start->hold_children) {
				run_event(r, "let the held children of %s go on", s->label);
				box_release_children(r->box, s->idx);
			}
		}
		run_event(r, "%s reading the stdout of %s", st->kind == STEP_HOLD ? "stopped" : "resumed",
		      s->label);
		feed_pump(r, 0);
		return 0;
	case STEP_CLOSE:
		s->close_after = 1;
		run_event(r, "closed the stdin of %s", s->label);
		feed_pump(r, 0);
		return 0;
	case STEP_SIGNAL: {
		struct strbuf w2 = { 0 };
		pid_t pid = run_target(r, st, &w2);

		sb_release(&w2);
		if (pid > 0) {
			settle(r, pid);
			kill(pid, st->signal);
		}
		run_event(r, "sent %s to %s", run_signame(st->signal), s->label);
		feed_pump(r, 0);
		return 0;
	}
	case STEP_WAIT:
	case STEP_EXPECT:
		break;
	}
	/* expect waits only for what must be over first: a process's end */
	ends = (cond_info(st->cond.kind)->flags & COND_END) != 0;
	waiting = st->kind == STEP_WAIT || ends;
	limit = waiting ? step_deadline(r, st) : st->within_ms;
	/* a disturbed run is slower by design; the reference being timed must
	 * not lose a step's time to a loaded moment */
	if (waiting && (r->e->perturb || r->e->measuring))
		r->dl_ms = limit *= PERTURB_SLACK;
	begin = now_ms();
	deadline = begin + limit;
	hang_begin(&hw);
	if (ends && st->sel == SEL_SELF) {	/* how it runs while we wait for its end */
		struct strbuf ignore = { 0 };

		end_pid = run_target(r, st, &ignore);
		sb_release(&ignore);
		if (end_pid > 0 && observe_proc(end_pid, &end_at0) < 0)
			end_pid = -1;
	}
	/* a spinner's bound: not while the reference is being timed (its
	 * times are what the bound is made of) */
	hang_end_begin(&spin_end, end_pid, r->e->measuring ? -1 : r->dl_ref_ms);
	for (;;) {
		if (st->kind == STEP_EXPECT && ends && !cond_decidable(r, st)) {
			ok = -1;	/* not yet decidable */
		} else {
			why.len = 0;
			if (why.buf)
				why.buf[0] = '\0';
			ok = cond_eval(r, st, &why);
		}
		if (ok == 1 || (ok == 0 && st->kind == STEP_EXPECT) || !waiting)
			break;
		if (now_ms() >= deadline || box_finished(r->box))
			break;
		/* nothing can change any more (hang.c proves it): the
		 * condition, still false after this last look, never will hold */
		if (hang_stuck(r, &hw)) {
			if (look_again(r, st, ends, &why, &ok) != 0)
				break;
			hung = now_ms() - begin;
			run_event(r, "ended early: every process waits on another (hang)");
			break;
		}
		if (hang_spinning(r, st, &hw, &spun)) {
			if (look_again(r, st, ends, &why, &ok) == 1)
				break;
			run_event(r, "ended early: %s spins instead of blocking", st->proc);
			break;
		}
		if (hang_end_spinning(r, &hw, &spin_end, &spin_cpu, &spin_ms)) {
			if (look_again(r, st, ends, &why, &ok) != 0)
				break;
			say_never_slept(s ? s->label : st->proc, spin_ms, spin_cpu, &spun);
			run_event(r, "ended early: %s, alone able to act, neither slept nor moved a byte and used "
			      "%lld ms of CPU, more than %lld ms", st->proc, (long long)spin_cpu,
			      (long long)spin_end.bound);
			break;
		}
		feed_pump(r, POLL_MS);
	}
	if (ok == 1) {
		/* what the step took, for the deadlines of later gradings */
		if (waiting && r->step_ms)
			r->step_ms[st - r->t->steps] = now_ms() - begin;
		sb_release(&why);
		sb_release(&spun);
		return 0;
	}
	if (ok < 0) {
		why.len = 0;
		cond_eval(r, st, &why);
		if (!why.len)	/* what held so far may hold: the news is what did not end */
			explain_unended(r, st, &why);
	}
	if (ok != 1 && hung < 0 && !spun.len && end_pid > 0)
		tell_never_slept(r, st, end_pid, &end_at0, now_ms() - begin, &ran);
	tell_failure(r, st, &why, hung, hung >= 0 && hw.load, &spun, limit, fb);
	if (ran.len) {
		sb_addf(fb, "\n%s.", sb_str(&ran));
		if (!r->cause.len)
			sb_addf(&r->cause, "%s.", sb_str(&ran));
	}
	sb_release(&ran);
	sb_release(&why);
	sb_release(&spun);
	return -1;
}

static void blame_violations(struct run *r, struct strbuf *fb, int *failed)
{
	for (int i = 0; i < box_nviolations(r->box); i++) {
		const struct box_violation *v = box_violation(r->box, i);
		struct started *s = NULL;

		for (int k = 0; k < r->n; k++)
			if (r->procs[k].idx == v->proc)
				s = &r->procs[k];
		if (!s || s->start->pkind != PROC_STUDENT)
			continue;
		const char *reason = NULL;

		/* a call the lab's grader denies: the grader's reason says what to use instead */
		for (int k = 0; r->e->grader->deny && r->e->grader->deny[k]; k++)
			if (!strcmp(r->e->grader->deny[k], v->syscall))
				reason = r->e->grader->deny_reason[k];
		if (reason)
			sb_addf(fb, "%s%s called %s(), which this lab does not allow: %s", fb->len ? "\n" : "",
				s->label, v->syscall, reason);
		else if (!*failed)
			sb_addf(fb, "%s made a system call this lab does not allow", s->label);
		sb_addf(fb, "\nforbidden system call: %s by %s; the process was stopped", v->detail,
			strcmp(v->process, "?") ? v->process : s->start->argv[0]);
		json_array_append_new(r->e->violations,
				      json_pack("{s:s,s:s,s:s}", "program", s->start->argv[0],
						"syscall", v->syscall, "detail", v->detail));
		*failed = 1;
	}
}

/* a string field from our own words or a program's, made valid UTF-8 */
static void set_text(json_t *obj, const char *key, const char *s, size_t len)
{
	struct strbuf clean = { 0 };

	sb_add_utf8(&clean, s, len);
	json_object_set_new(obj, key, json_string(sb_str(&clean)));
	sb_release(&clean);
}

/* {file, line, text}: a step as its grader's author wrote it */
static json_t *step_json(const struct test *t, const struct step *st)
{
	json_t *o = json_pack("{s:s,s:i}", "file", t->file, "line", st->line);

	set_text(o, "text", st->source ? st->source : "", st->source ? strlen(st->source) : 0);
	return o;
}

/*
 * The failed test's result beyond its feedback (docs/result.md): the
 * failed step, the debug text, the cause and fix, and not_checked when
 * the test failed at a wait the way an earlier test failed already (its
 * own check was never reached), or a program did not build. The engine
 * remembers each failure's observation for the tests after it.
 */
static void add_cause(struct run *r, json_t *res)
{
	struct engine *e = r->e;
	const struct test *t = r->t;
	const struct step *st = r->failed_step >= 0 ? &t->steps[r->failed_step] : NULL;
	json_t *nc = NULL, *prev;
	struct strbuf what = { 0 }, cause = { 0 };
	size_t i;

	if (r->cause.len && r->cause.buf[r->cause.len - 1] != '.')
		sb_add(&r->cause, ".", 1);
	if (st)
		json_object_set_new(res, "step", step_json(t, st));
	if (r->debug.len)
		set_text(res, "debug", r->debug.buf, r->debug.len);
	if (r->not_built) {
		char msg[300];

		snprintf(msg, sizeof(msg), "%s did not build", r->not_built);
		json_object_set_new(res, "not_checked", json_pack("{s:s,s:b}", "cause", msg, "build", 1));
		return;
	}
	if (r->cause.len)
		set_text(res, "cause", r->cause.buf, r->cause.len);
	if (r->fix.len)
		set_text(res, "fix", r->fix.buf, r->fix.len);
	if (!e->history)
		e->history = json_array();
	if (!r->what.len)
		return;
	sb_add_utf8(&what, r->what.buf, r->what.len);
	/* a wait that saw what an earlier test's failing step saw: that
	 * test's cause kept this one from its own check */
	json_array_foreach(e->history, i, prev) {
		if (!st || strcmp(json_string_value(json_object_get(prev, "what")), sb_str(&what)))
			continue;
		if (st->kind != STEP_WAIT) {
			/* its own check failed, the way an earlier test failed: the
			 * same cause, unless it found one of its own */
			if (!r->cause.len) {
				if (!json_object_get(json_object_get(prev, "result"), "cause"))
					json_object_set(json_object_get(prev, "result"), "cause",
							json_object_get(prev, "cause"));
				json_object_set(res, "cause", json_object_get(prev, "cause"));
				if (json_object_get(json_object_get(prev, "result"), "fix"))
					json_object_set(res, "fix", json_object_get(json_object_get(prev, "result"), "fix"));
			}
			break;
		}
		nc = json_pack("{s:O,s:O}", "cause", json_object_get(prev, "cause"), "test",
			       json_object_get(prev, "test"));
		/* what stopped two tests is a cause, though nothing decisive
		 * was found behind it: the report groups them under it */
		if (!json_object_get(json_object_get(prev, "result"), "cause"))
			json_object_set(json_object_get(prev, "result"), "cause", json_object_get(prev, "cause"));
		for (int k = r->failed_step + 1; k < t->nsteps; k++)
			if (t->steps[k].kind == STEP_EXPECT) {
				json_object_set_new(nc, "step", step_json(t, &t->steps[k]));
				break;
			}
		json_object_set_new(res, "not_checked", nc);
		sb_release(&what);
		return;
	}
	/* the cause a later test would name: ours, or the first line of what we saw */
	if (r->cause.len) {
		sb_add_utf8(&cause, r->cause.buf, r->cause.len);
	} else {
		sb_add(&cause, what.buf, strcspn(what.buf, "\n"));
		if (cause.len && !strchr(".!?:", cause.buf[cause.len - 1]))
			sb_add(&cause, ".", 1);
	}
	/* the result itself too (a reference): a later test may give it its cause */
	json_array_append_new(e->history, json_pack("{s:s,s:s,s:s,s:O}", "test", t->id, "what", sb_str(&what),
						    "cause", sb_str(&cause), "result", res));
	sb_release(&what);
	sb_release(&cause);
}

json_t *engine_run_test(struct engine *e, const struct test *t)
{
	struct run r = { .e = e, .t = t, .events = json_array(), .failed_step = -1 };
	struct strbuf fb = { 0 }, clean = { 0 };
	struct box_config cfg;
	static const char *const held_calls[] = { "set_robust_list", NULL };
	struct policy_delta delta = { 0 };
	struct box_error err;
	json_t *tags = json_array(), *res;
	int failed = 0;
	int64_t duration;

	box_config_init(&cfg);
	cfg.limits.wall_ms = e->grader->wall_ms ? e->grader->wall_ms : 30000;
	cfg.limits.output_bytes = 8 << 20;
	cfg.limits.output_max = 64 << 20;
	cfg.limits.tmpfs_kib = 128 * 1024;
	/* psum's N = 64 with a pipe per child holds 64 read ends at once,
	 * and more if it makes every pipe before forking: the lab allows both */
	cfg.limits.open_files = 256;
	cfg.ro_dir = e->bin_dir;
	/* the grader's data/ is the scenario's /work: inputs, files to refuse */
	{
		static char data[4096];
		struct stat st;

		snprintf(data, sizeof(data), "%s/data", e->grader->dir);
		if (stat(data, &st) == 0 && S_ISDIR(st.st_mode))
			cfg.copy_dir = data;
	}
	delta.allow = (const char *const *)e->grader->allow;
	delta.deny = (const char *const *)e->grader->deny;
	/* children=held: glibc's fork() makes the child call set_robust_list
	 * before it returns to the program, so the child can wait there */
	for (int i = 0; i < t->nsteps; i++)
		if (t->steps[i].kind == STEP_START && t->steps[i].hold_children)
			delta.notify = held_calls;
	cfg.delta = delta.allow || delta.deny || delta.notify ? &delta : NULL;
	r.t0 = now_ms();
	r.burner = -1;
	r.step_ms = calloc((size_t)t->nsteps + 1, sizeof(*r.step_ms));
	for (int i = 0; r.step_ms && i < t->nsteps; i++)
		r.step_ms[i] = -1;
	if (box_new(&cfg, &r.box, &err) < 0) {
		sb_addf(&fb, "the harness could not make a box: %s", err.message);
		failed = 2;
	}
	if (r.box)
		perturb_begin(&r);
	if (r.box && !e->isolation)
		e->isolation = box_isolation_json(box_isolation(r.box));
	for (int i = 0; !failed && i < t->nsteps; i++) {
		int ret = run_step(&r, &t->steps[i], &fb);

		if (ret < 0) {
			failed = ret == -2 ? 2 : 1;
			if (r.failed_step < 0)
				r.failed_step = i;
		}
		if (!failed && box_finished(r.box)) {
			sb_addf(&fb, "The test was stopped after step %d of %d: it ran past its time limit, "
				"or a program broke a limit (see below).", i + 1, t->nsteps);
			r.failed_step = i;
			failed = 1;
		}
	}
	/* the steps are over: the test's time, on the clock of its events */
	duration = now_ms() - r.t0;
	perturb_end(&r);
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
			const struct box_proc *p = run_boxproc(&r, &r.procs[i]);

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
	/* the deadline of the wait that failed, and where it came from */
	if (failed == 1 && r.dl_source) {
		json_t *dl = json_pack("{s:I,s:s,s:I}", "ms", (json_int_t)r.dl_ms, "source", r.dl_source,
				       "scenario_ms", (json_int_t)r.dl_scenario_ms);

		if (r.dl_ref_ms >= 0)
			json_object_set_new(dl, "reference_ms", json_integer((json_int_t)r.dl_ref_ms));
		json_object_set_new(res, "deadline", dl);
	}
	if (r.perturbation)
		json_object_set_new(res, "perturbation", r.perturbation);
	if (e->times && r.step_ms) {
		json_t *times = json_array();

		for (int i = 0; i < t->nsteps; i++)
			json_array_append_new(times, r.step_ms[i] >= 0 ?
					      json_integer((json_int_t)r.step_ms[i]) : json_null());
		json_object_set_new(e->times, t->id, times);
	}
	free(r.step_ms);
	if (failed == 1)
		add_cause(&r, res);
	sb_release(&fb);
	sb_release(&r.what);
	sb_release(&r.cause);
	sb_release(&r.fix);
	sb_release(&r.debug);
	return res;
}

void engine_release(struct engine *e)
{
	json_decref(e->history);
	e->history = NULL;
}
