/*
 * engine: runs the tests of a grader against built programs, each test in
 * a fresh box, and returns each test's result as an object of the native
 * JSON result (docs/result.md: {id, name, tags, visibility, status, score,
 * max_score, feedback, events, duration_ms[, harness_error]}).
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

#include "scenario.h"

struct engine {
	const struct grader *grader;
	const char *bin_dir;		/* student/ and reference/ binaries */
	const char *const *student_built;	/* NULL-terminated names that built */
	const char *build_log;		/* compiler output, for tests whose program did not build */
	json_t *violations;		/* forbidden calls of student programs are appended */
	json_t *isolation;		/* the box's isolation, set by the first test */
};

json_t *engine_run_test(struct engine *e, const struct test *t);

#endif
