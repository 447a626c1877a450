/*
 * engine: runs the tests of a grader against built programs, each test in
 * a fresh box, and returns each test's result as an object of the native
 * JSON result (docs/result.md: {id, name, tags, visibility, status, score,
 * max_score, feedback, events, duration_ms[, harness_error, step, cause,
 * fix, not_checked, debug]}).
 *
 * Its parts (testrun.h): engine.c the steps and the result, feed.c stdin,
 * procs.c finding and naming processes, cond.c the conditions (cond.h),
 * diagnosis.c the feedback's "Where the processes were" (diagnosis.h).
 *
 * Steps: fill struct engine (the grader, the host directory holding
 * student/ and reference/ binaries, which student programs built), then
 * engine_run_test() for each test. The caller owns every pointer given and
 * each json_t returned.
 */
#ifndef HARNESS_ENGINE_H
#define HARNESS_ENGINE_H

#include <jansson.h>
#include <stdint.h>

#include "scenario.h"

/*
 * Deadlines fit the machine (docs/scenarios.md, "Deadlines"): a wait or
 * expect step whose reference time is known gets DEADLINE_FACTOR x that
 * time where this is longer than the scenario's deadline, which is the
 * floor; a step whose time is not known keeps the scenario's.
 */
#define DEADLINE_FACTOR 10

struct engine {
	const struct grader *grader;
	const char *bin_dir;		/* student/ and reference/ binaries */
	const char *const *student_built;	/* NULL-terminated names that built */
	const char *build_log;		/* compiler output, for tests whose program did not build */
	json_t *violations;		/* forbidden calls of student programs are appended */
	json_t *isolation;		/* the box's isolation, set by the first test */
	/* the reference's time of each step on this machine, {test id: [ms
	 * or null, one per step]}; NULL: every deadline is the scenario's */
	const json_t *ref_times;
	/* if not NULL, each test's own step times are put here in that shape
	 * (how ref_times is made: the reference graded as a submission) */
	json_t *times;
	/* --repeat: disturb the scheduling of this run, its choices drawn from
	 * this seed and the test's id (docs/races.md); 0: an undisturbed run */
	uint64_t perturb_seed;
	int perturb;
	/* timing the reference (reftimes.c): deadlines PERTURB_SLACK times
	 * the scenario's, so that a loaded machine does not lose the time */
	int measuring;
	json_t *history;		/* what each failed test saw, for not_checked; engine_release() */
};

json_t *engine_run_test(struct engine *e, const struct test *t);
/* what the engine kept between tests (not the caller's pointers) */
void engine_release(struct engine *e);

#endif
