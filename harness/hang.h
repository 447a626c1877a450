/*
 * hang: telling, during a wait, that nothing in the box can change any
 * more, so that the wait can end now instead of at its deadline. Used by
 * the engine's wait loop (testrun.h's run); it only looks at /proc.
 */
#ifndef HARNESS_HANG_H
#define HARNESS_HANG_H

#include "testrun.h"

struct hang_watch {
	int n;			/* processes of the last scan; -1: none that counts */
	struct { pid_t pid; uint64_t csw; } last[MAX_SEEN];
	struct { pid_t pid; int timers; } exe[MAX_SEEN];	/* what each executable may arm */
	int nexe;
};

void hang_begin(struct hang_watch *w);
/*
 * 1 when this scan and the one before show every live process of the box
 * asleep in a wait only another of them could end, none of them having
 * run in between, and the engine owing them nothing; 0 otherwise (unsure
 * included). Call it between feed_pump()s.
 */
int hang_stuck(struct run *r, struct hang_watch *w);

#endif
