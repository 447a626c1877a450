/*
 * limits: the box's resource limits, as a cgroup for the whole box where
 * one can be had, and as hard rlimits on every program in any case.
 *
 * In the supervisor: cgroup_create() before init runs anything, then
 * cgroup_attach(init's pid); cgroup_read() after the box has ended;
 * cgroup_remove() last. In a program's child, between fork and exec:
 * limits_apply() (async-signal-safe: only getrlimit and setrlimit).
 */
#ifndef SANDBOX_LIMITS_H
#define SANDBOX_LIMITS_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

struct box_limits;

enum { CG_MEMORY, CG_PIDS, CG_NCTL };

struct cgroup {
	int version;			/* 0 none, 1 or 2 */
	char path[CG_NCTL][PATH_MAX];	/* v2 uses path[0] for both */
};

struct cgroup_stats {
	int64_t peak_kib;		/* -1 if unknown */
	int64_t oom_kills;
	int64_t pids_refused;		/* forks refused at pids.max */
};

/* 0 with cg->version set; -1 with why[] saying why the box has none */
int cgroup_create(struct cgroup *cg, const char *name,
		  const struct box_limits *l, char *why, size_t whysize);
int cgroup_attach(const struct cgroup *cg, pid_t pid);
void cgroup_read(const struct cgroup *cg, struct cgroup_stats *st);
void cgroup_remove(struct cgroup *cg);

/* hard = soft; never above the current hard limit; -1 on failure */
int limits_apply(const struct box_limits *l, int have_cgroup);

#endif
