/*
 * refcache: each assignment's reference solution, built once per process.
 * The directories are removed at exit.
 */
#ifndef HARNESS_REFCACHE_H
#define HARNESS_REFCACHE_H

#include "scenario.h"

/* a directory whose reference/ holds g's programs built from
 * reference/NAME, or NULL (said on stderr) when they cannot be built */
const char *reference_bins(const struct grader *g);

#endif
