/*
 * refcache: the assignments' references, each built once per process into
 * a temporary directory that is removed at exit.
 */
#define _GNU_SOURCE
#include "refcache.h"
#include "build.h"
#include "files.h"
#include "grade.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* the reference, built once per process for each assignment */
struct refbuild {
	char name[64];
	char dir[PATH_MAX];	/* holds reference/ */
	int ok;
	int adopted;		/* built by another process: not ours to remove */
};
static struct refbuild refs[16];
static int nrefs;

static void cleanup_refs(void)
{
	for (int i = 0; i < nrefs; i++)
		if (!refs[i].adopted)
			rm_tree(refs[i].dir);
}

const char *reference_bins(const struct grader *g)
{
	char src[PATH_MAX], out[PATH_MAX + 16], err[512];
	struct build_result res;
	struct refbuild *r;

	for (int i = 0; i < nrefs; i++)
		if (!strcmp(refs[i].name, g->name))
			return refs[i].ok ? refs[i].dir : NULL;
	if (nrefs == 16)
		return NULL;
	r = &refs[nrefs++];
	if (nrefs == 1)
		atexit(cleanup_refs);
	snprintf(r->name, sizeof(r->name), "%s", g->name);
	if (make_temp(r->dir, sizeof(r->dir), "ref") < 0) {
		fprintf(stderr, "ipcgrade: cannot make a temporary directory: %s\n", strerror(errno));
		return NULL;
	}
	snprintf(src, sizeof(src), "%s/reference/%s", root_dir(), g->name);
	snprintf(out, sizeof(out), "%s/reference", r->dir);
	mkdir(out, 0755);
	if (build_programs(src, g->programs, out, &res, err, sizeof(err)) < 0) {
		fprintf(stderr, "ipcgrade: cannot build the reference of '%s': %s\n", g->name, err);
		return NULL;
	}
	if (!res.ok)
		fprintf(stderr, "ipcgrade: the reference of '%s' does not build:\n%s", g->name, res.log);
	r->ok = res.ok;
	build_result_release(&res);
	return r->ok ? r->dir : NULL;
}

int reference_adopt(const struct grader *g, const char *dir, char *err, size_t errsize)
{
	struct refbuild *r;

	for (int i = 0; i < nrefs; i++)
		if (!strcmp(refs[i].name, g->name)) {
			snprintf(err, errsize, "the reference of '%s' is already chosen", g->name);
			return -1;
		}
	if (nrefs == 16) {
		snprintf(err, errsize, "too many references in one process");
		return -1;
	}
	if (strlen(dir) >= sizeof(r->dir)) {
		snprintf(err, errsize, "'%s': path too long", dir);
		return -1;
	}
	/* every program, so that a wrong directory is an error here and
	 * never a test the student fails because a reference is missing */
	for (char **p = g->programs; *p; p++) {
		char path[PATH_MAX + 300];
		struct stat st;

		snprintf(path, sizeof(path), "%s/reference/%s", dir, *p);
		errno = 0;
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || access(path, X_OK) < 0) {
			snprintf(err, errsize, "'%s' does not hold the reference's '%s' (%s)", dir, *p,
				 errno ? strerror(errno) : "not an executable file");
			return -1;
		}
	}
	r = &refs[nrefs++];
	snprintf(r->name, sizeof(r->name), "%s", g->name);
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	r->ok = 1;
	r->adopted = 1;
	return 0;
}
