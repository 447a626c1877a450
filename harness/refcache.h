/*
 * refcache: each assignment's reference solution, built once per process.
 * The directories are removed at exit.
 */
#ifndef HARNESS_REFCACHE_H
#define HARNESS_REFCACHE_H

#include "scenario.h"

#include <stddef.h>

/* a directory whose reference/ holds g's programs built from
 * reference/NAME, or NULL (said on stderr) when they cannot be built */
const char *reference_bins(const struct grader *g);

/*
 * Use the programs another process built into DIR/reference/ (a batch's
 * supervisor builds them once for all its gradings) as g's reference,
 * from now on in this process; DIR is left in place at exit. 0, or -1
 * with the reason in err when DIR lacks one of g's programs.
 */
int reference_adopt(const struct grader *g, const char *dir, char *err, size_t errsize);

#endif
