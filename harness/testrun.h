/*
 * testrun: one test being run, as the engine's files share it:
 *   engine.c     the steps in order, and the test's result
 *   feed.c       what the scenario writes to the started processes' stdin
 *   procs.c      finding and naming processes: the started ones, their
 *                children, everything alive in the box, ID.child, ID.all
 *   cond.c       deciding conditions (the rows of cond.h)
 *   diagnosis.c  the feedback's "Where the processes were" and "Why"
 *                (diagnosis.h)
 * Nothing outside these files uses it: engine.h is the engine's interface.
 *
 * Three words for a process, each with its own meaning:
 *   struct started   a process the scenario started (`start ID = ...`)
 *   struct box_proc  the box's record of it (its pid, output, end)
 *   struct seen      any process alive in the box at one moment, from /proc
 */
#ifndef HARNESS_TESTRUN_H
#define HARNESS_TESTRUN_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine.h"
#include "observe.h"
#include "scenario.h"
#include "strbuf.h"

#define MAX_PROCS 16	/* started processes of one test */
#define MAX_SEEN 64	/* processes alive in a box that feedback describes */

struct started {
	const struct step *start;	/* its `start` step: id, argv, stdin */
	int idx;		/* in the box; -1 before start */
	int in_fd;		/* write end of its stdin, or -1 */
	char *pending;		/* stdin not yet written */
	size_t plen, poff, pcap;	/* queued, written, allocated */
	int close_after;	/* close stdin once pending is written */
	char label[96];		/* "pipecat", "pipecat (reference)" */
	uint64_t settle_csw;	/* held N: context switches of its processes not
				 * held, at the last look that found them asleep */
	int settle_looks;	/* how many looks in a row found them so */
};

struct run {
	struct engine *e;
	const struct test *t;
	struct box *box;
	struct started procs[MAX_PROCS];
	int n;
	int64_t t0;		/* when the box was asked for: events count from it */
	json_t *events;
	struct { pid_t pid; int proc; } kin[MAX_SEEN];	/* children seen, by parent */
	int nkin;
	int64_t *step_ms;	/* each wait/expect step's time until it held, or -1 */
	/* the last wait/expect step's deadline and where it came from */
	int64_t dl_ms, dl_ref_ms;	/* dl_ref_ms -1: the reference's time unknown */
	int64_t dl_scenario_ms;		/* what the scenario says: within=, or 2 s */
	const char *dl_source;		/* "reference", "within", "scenario"; NULL: no wait */
	/* --repeat's disturbance (engine.c): its random state and burner */
	unsigned short rand[3];
	pid_t burner;
	json_t *perturbation;	/* the choices made, for the result; NULL: none */
	/* a failed test's result beyond its feedback (docs/result.md) */
	const char *not_built;	/* the program that did not build */
	int failed_step;	/* index of the step that failed; -1 none */
	struct strbuf what;	/* what happened at that step: one sentence */
	struct strbuf cause, fix;	/* the decisive finding and its fix, if known */
	int hint_shown;		/* the failed step's hint is shown (its premise held) */
	struct strbuf debug;	/* box pids, inodes: for the grader's author */
};

struct seen {
	pid_t pid;		/* in our pid namespace */
	struct pinfo pi;
	char label[192];	/* "pipecat's child", "a process" */
};

/* ---- engine.c ---- */
/* a line of the test's timeline (its events), at the time since it began */
void run_event(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- procs.c ---- */
/* the started process ID, or NULL */
struct started *run_find(struct run *r, const char *id);
/* the box's record of a started process, or NULL before it started */
const struct box_proc *run_boxproc(struct run *r, const struct started *s);
/*
 * How many processes that s's program left running when it exited: the
 * box counts every process alive then, and the other started programs
 * alive at that moment are not its. 0 while it runs.
 */
int run_left_running(struct run *r, const struct started *s);
/* every process alive in the box, init's descendants breadth first */
int run_seen(struct run *r, struct seen *out, int max);
/*
 * The process a step's process reference means: ID's own pid, or for
 * ID.child its only child. -1 with why said when there is none (not
 * started; no child; several children).
 */
pid_t run_target(struct run *r, const struct step *st, struct strbuf *why);
/*
 * ID.all: pid and every live descendant (zombies left out), at most max,
 * each with a label that names it for feedback ("pipeline's child running
 * wc"); returns how many.
 */
int run_family(struct run *r, const struct started *s, pid_t pid, struct seen *out, int max);
/* "SIGUSR1" */
const char *run_signame(int sig);

/* ---- feed.c ---- */
/* queue bytes for s's stdin; stdin=random:SIZE:SEED's deterministic bytes */
void feed_add(struct started *s, const char *data, size_t len);
void feed_add_random(struct started *s, int64_t size, unsigned seed, int letters);
/* let the box work up to timeout_ms, writing queued stdin as pipes take it */
void feed_pump(struct run *r, int timeout_ms);

/* ---- explain.c: a failed step in the student's terms ---- */
/*
 * the name a started program goes by in feedback: "pipecat", "pipecat
 * (reference)"; a test that starts one program several times names each
 * by its command line, "`psum 4 12abc`", or by its order when those are
 * the same, "`msg_send 1234` (the 3rd)"
 */
void explain_label(const struct test *t, const struct step *start, char *buf, size_t size);
/* " with the input \"hello\\n\"", " with 1 MiB of random bytes (seed 5) as its input" */
void explain_input(struct run *r, const struct step *start, struct strbuf *out);
/* "fifo_recv to block in open() on f": the step's condition, subject first */
void explain_cond(struct run *r, const struct step *st, struct strbuf *out);
/* "We started your `fifo_recv f`, and waited up to 2 s for fifo_recv to ..." */
void explain_story(struct run *r, int failed, struct strbuf *out);
/*
 * what happened, as a cause: its first line up to the first ": " outside
 * a quote, and for output that differs, the line where it does ("line 1
 * is \"child 0: 6\" where \"child 0: 10\" was expected")
 */
void explain_cause(const char *why, struct strbuf *cause);
/* 1 if the step's hint= is to be shown: it has one, and its when= holds */
int explain_hint_applies(struct run *r, const struct step *st);
/* the step's hint as the result's fix: a sentence */
void explain_hint_fix(struct run *r, const struct step *st);
/* "msg_send exited with status 1", "pipecat was killed by SIGSEGV (...)" */
void explain_end(const char *who, const struct box_proc *p, struct strbuf *out);
/* "SIGPIPE: it wrote to a pipe ...; its default action ends a program that has no handler for it" */
void explain_signal(int sig, struct strbuf *out);
/* "On stderr it said \"...\"." (its first lines), or that it said nothing */
void explain_stderr(const struct box_proc *p, struct strbuf *out);
/* why an expect that waits for an end could not be decided: who had not ended */
void explain_unended(struct run *r, const struct step *st, struct strbuf *why);
/* the started process whose end explains the step's failure, or NULL */
const struct started *explain_ended(struct run *r, const struct step *st);

/* ---- cond.c ---- */
/* 1 the step's condition holds, 0 it does not (why says what was seen) */
int cond_eval(struct run *r, const struct step *st, struct strbuf *why);
/* an expect of a COND_END condition can be decided: the processes ended */
int cond_decidable(struct run *r, const struct step *st);
/* a scenario path as the box sees it: relative ones are in /work */
void work_path(const char *path, char *buf, size_t size);

/* ---- perturb.c: --repeat's disturbed runs (nothing when e->perturb is 0) ---- */
/* after box_new(): draw the choices, pin the box, start the burner */
void perturb_begin(struct run *r);
/* s has just reported its pid: its nice value */
void perturb_started(struct run *r, struct started *s, pid_t pid);
/* stop the burner */
void perturb_end(struct run *r);
/* how much longer a disturbed run's deadlines are */
#define PERTURB_SLACK 4

#endif
