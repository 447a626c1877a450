/*
 * hang: telling, during a wait, that nothing in the box can change any
 * more, so that the wait can end now instead of at its deadline. Used by
 * the engine's wait loop (testrun.h's run); it only looks at /proc.
 */
#ifndef HARNESS_HANG_H
#define HARNESS_HANG_H

#include "testrun.h"

#define HANG_MAX 255	/* processes followed: more is never a hang (run_seen's own limit is 256) */

struct hang_watch {
	int n;			/* processes of the last scan; -1: none that counts */
	struct { pid_t pid; uint64_t csw; } last[HANG_MAX];
	struct { pid_t pid; int timers; } exe[MAX_SEEN];	/* what each executable may arm */
	int nexe;
	int load;		/* role=load processes the last scan passed over */
	/* the process a `wait ID blocked` waits for, since it last slept */
	pid_t spin_pid;
	uint64_t spin_vcsw;
	int64_t spin_cpu, spin_ms;
};

void hang_begin(struct hang_watch *w);
/*
 * 1 when this scan and the one before show every live process of the box
 * asleep in a wait only another of them could end, none of them having
 * run in between, and the engine owing them nothing; 0 otherwise (unsure
 * included). Call it between feed_pump()s.
 */
int hang_stuck(struct run *r, struct hang_watch *w);

/*
 * 1 when the process a `wait ID blocked ...` step waits for has burnt
 * HANG_SPIN_CPU_MS of CPU without going to sleep once: it spins where it
 * should block; why says so ("p was running, not blocked: it used 100 ms
 * of CPU in 0.25 s").
 */
#define HANG_SPIN_CPU_MS 100
int hang_spinning(struct run *r, const struct step *st, struct hang_watch *w, struct strbuf *why);

/*
 * A wait for the end of a process that spins instead (hang.c says why
 * this is sound): the awaited process, alone able to change anything in
 * the box, uses more than HANG_END_FACTOR x the reference's time for the
 * step (at least HANG_END_FLOOR_MS) of CPU without sleeping once or
 * moving a byte.
 */
#define HANG_END_FACTOR 10
#define HANG_END_FLOOR_MS 100
/* how often a stretch is tried again while another process can act */
#define HANG_END_RETRY_MS 50
struct hang_end {
	pid_t pid;
	int64_t bound;		/* ms of CPU; -1: never cut short */
	/* the stretch so far: since when, and how the process was then */
	int64_t since_ms, cpu, moved;
	int64_t retry_ms;	/* no new stretch before then (another process could act) */
	uint64_t vcsw;
	int n;			/* the other processes then; -1: no stretch */
	struct hang_other { pid_t pid; uint64_t csw; } others[HANG_MAX];
};
/* ref_ms: the reference's time for the step, -1 unknown (never cut short) */
void hang_end_begin(struct hang_end *w, pid_t pid, int64_t ref_ms);
/*
 * 1 when the stretch shows the spinner: then cpu and ms say what it used
 * in it, and in how long. Call it between feed_pump()s.
 */
int hang_end_spinning(struct run *r, struct hang_watch *hw, struct hang_end *w, int64_t *cpu,
		      int64_t *ms);

#endif
