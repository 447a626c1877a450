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
 * should block; why says so ("p was running, not blocked: it used 200 ms
 * of CPU in 0.25 s").
 */
#define HANG_SPIN_CPU_MS 200
int hang_spinning(struct run *r, const struct step *st, struct hang_watch *w, struct strbuf *why);

#endif
