/*
 * reftimes: how long each wait and expect step of a grader takes the
 * reference on this machine, from which the engine derives the steps'
 * deadlines (engine.h, docs/scenarios.md "Deadlines").
 *
 * The reference is graded as if it were the submission, once per grader
 * and machine: the times are kept in a cache file named by a SHA-256 of
 * the grader's files, the reference's programs as built and a description
 * of the machine (CPU model, CPU count, kernel), so that a changed
 * scenario, reference or machine is measured again. The cache directory
 * is $IPCGRADE_CACHE, else $XDG_CACHE_HOME/ipcgrade, else
 * ~/.cache/ipcgrade, else $TMPDIR/ipcgrade-cache-UID (mode 0700, ours);
 * IPCGRADE_CACHE=off measures in each process and keeps nothing.
 * IPCGRADE_DEADLINES=scenario turns the derivation off: every deadline is
 * the scenario's.
 */
#ifndef HARNESS_REFTIMES_H
#define HARNESS_REFTIMES_H

#include <jansson.h>

#include "scenario.h"

struct reftimes_info {
	const char *source;	/* "reference" (derived) or "scenario" */
	const char *file;	/* the cache file used, or NULL */
	long long measured_ms;	/* time spent measuring in this process; 0 when cached */
	const char *why;	/* with "scenario": why there are no times */
};

/*
 * The times of grader g ({test id: [ms or null, one per step]}) for the
 * reference built in REFDIR (refcache.h), measured now or read from the
 * cache; NULL when derivation is off or the measurement failed (then every
 * deadline is the scenario's). Owned here, valid until exit.
 */
const json_t *reftimes_get(const struct grader *g, const char *refdir, struct reftimes_info *info);

#endif
