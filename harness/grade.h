/*
 * grade: grading one submission. load_grader() reads an assignment's
 * grader (graders/NAME), grade_submission() builds a submission beside the
 * reference's programs (refcache.h), runs its tests and returns the native
 * JSON result; the caller renders it (report.h) and frees both
 * (json_decref, scenario_free).
 */
#ifndef HARNESS_GRADE_H
#define HARNESS_GRADE_H

#include <jansson.h>
#include <stdint.h>

#include "scenario.h"

/* where graders/ and reference/ are: $IPCGRADE_ROOT, beside the binary
 * (a build tree), or the installed data directory */
const char *root_dir(void);

/* assignment NAME's grader into *g; -1 with the reason on stderr */
int load_grader(const char *name, struct grader *g);

/*
 * Grade the submission in DIR: every test when hidden_too, else only the
 * visible ones. The native JSON result (the caller's to json_decref), or
 * NULL on a failure said on stderr. *status gets the exit status: 0 full
 * marks, 1 points lost, 2 bad input, 3 the harness failed.
 */
json_t *grade_submission(const struct grader *g, const char *dir, int hidden_too, int *status);

/*
 * The same, each test run REPEAT times (at least 1), each run disturbed
 * (docs/races.md): run r with seed SEED + r, so that `--repeat 1 --seed
 * SEED+r` makes run r's choices again. A test passes only if every run
 * passed; it keeps the first failing run's result (else the first run's)
 * and gains `repeat` {runs, passed, seed, failed_seeds}.
 */
json_t *grade_repeated(const struct grader *g, const char *dir, int hidden_too, int repeat,
		       uint64_t seed, int *status);

#endif
