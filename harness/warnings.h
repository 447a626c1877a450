/*
 * warnings: compiler warnings that may explain a failed test (warnings.c
 * says which, and why only as a possibility).
 */
#ifndef HARNESS_WARNINGS_H
#define HARNESS_WARNINGS_H

#include <jansson.h>

#include "scenario.h"

/* add to the first failed test that ran each warned-about program a
 * "warnings" array of "FILE.c:LINE: MESSAGE" (at most 5) */
void warnings_tie(json_t *tests, const struct grader *g, const char *log);

#endif
