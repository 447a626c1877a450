/*
 * grade: grading one submission: finding the assignment's grader, building
 * the submission beside a copy of the reference's programs, running the
 * tests and gathering their results into the native JSON result.
 */
#define _GNU_SOURCE
#include "grade.h"
#include "build.h"
#include "engine.h"
#include "files.h"
#include "refcache.h"
#include "reftimes.h"
#include "strbuf.h"
#include "warnings.h"
#include "../common/clock.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef IPCGRADE_DATADIR
#define IPCGRADE_DATADIR "/usr/local/share/ipcgrade"
#endif

/*
 * Where graders/ and reference/ live, first found of: $IPCGRADE_ROOT; an
 * installed tree, PREFIX/share/ipcgrade beside the binary's PREFIX/bin (so
 * an installation is relocatable: moved, or made with DESTDIR, it still
 * finds its own data); a build tree, the directory above build/ipcgrade;
 * the data directory named when it was built.
 */
static int has_graders(const char *dir)
{
	char probe[PATH_MAX * 2];

	snprintf(probe, sizeof(probe), "%s/graders", dir);
	return access(probe, R_OK | X_OK) == 0;
}

const char *root_dir(void)
{
	static char root[PATH_MAX];
	char exe[PATH_MAX], cand[PATH_MAX + 32];
	const char *env = getenv("IPCGRADE_ROOT");
	char *slash;
	ssize_t n;

	if (root[0])
		return root;
	if (env && *env) {
		snprintf(root, sizeof(root), "%s", env);
		return root;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0 && (exe[n] = '\0', slash = strrchr(exe, '/'))) {
		*slash = '\0';		/* the binary's directory, e.g. PREFIX/bin */
		snprintf(cand, sizeof(cand), "%s/../share/ipcgrade", exe);
		if (has_graders(cand) && realpath(cand, root))
			return root;
		if ((slash = strrchr(exe, '/'))) {
			*slash = '\0';	/* the directory above, e.g. a source tree */
			if (has_graders(exe)) {
				snprintf(root, sizeof(root), "%s", exe);
				return root;
			}
		}
	}
	snprintf(root, sizeof(root), "%s", IPCGRADE_DATADIR);
	return root;
}

int load_grader(const char *name, struct grader *g)
{
	char dir[PATH_MAX], err[1024];

	if (!*name || strchr(name, '/') || name[0] == '.') {
		fprintf(stderr, "ipcgrade: '%s' is not an assignment name\n", name);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s/graders/%s", root_dir(), name);
	if (access(dir, F_OK) < 0) {
		fprintf(stderr, "ipcgrade: unknown assignment '%s' (see 'ipcgrade list')\n", name);
		return -1;
	}
	if (scenario_load(dir, name, g, err, sizeof(err)) < 0) {
		fprintf(stderr, "ipcgrade: %s\n", err);
		return -1;
	}
	return 0;
}

/*
 * Grade one submission: the native JSON result, or NULL on a harness
 * failure (said on stderr). *status gets 2 for bad input.
 */
/* test t run `repeat` times, disturbed, as one result (grade_repeated()) */
static json_t *run_repeated(struct engine *e, const struct test *t, int repeat, uint64_t seed)
{
	json_t *kept = NULL, *failed_seeds = json_array();
	int passed = 0;

	e->perturb = 1;
	for (int r = 0; r < repeat; r++) {
		json_t *tr;
		int ok;

		e->perturb_seed = seed + (uint64_t)r;
		tr = engine_run_test(e, t);
		ok = !strcmp(json_string_value(json_object_get(tr, "status")) ?: "", "passed");
		passed += ok;
		if (!ok)
			json_array_append_new(failed_seeds, json_integer((json_int_t)e->perturb_seed));
		/* the first failure is the one to explain; else the first run */
		if (!kept || (!ok && json_array_size(failed_seeds) == 1)) {
			json_decref(kept);
			kept = tr;
		} else {
			json_decref(tr);
		}
	}
	json_object_set_new(kept, "repeat", json_pack("{s:i,s:i,s:I,s:o}", "runs", repeat, "passed", passed,
						      "seed", (json_int_t)seed, "failed_seeds", failed_seeds));
	if (passed && passed < repeat) {
		/* a failure that depends on the run: say so where every format shows it */
		const char *fb = json_string_value(json_object_get(kept, "feedback")) ?: "";
		struct strbuf more = { 0 };

		sb_addf(&more, "%s\nThis test passed %d of %d disturbed runs: its result depends on "
			"the scheduling (a race). `--repeat 1 --seed %lld` repeats the choices of the "
			"failing run above.", fb, passed, repeat,
			(long long)json_integer_value(json_array_get(failed_seeds, 0)));
		json_object_set_new(kept, "feedback", json_string(sb_str(&more)));
		sb_release(&more);
	}
	e->perturb = 0;
	return kept;
}

json_t *grade_submission(const struct grader *g, const char *dir, int hidden_too,
			 int *status)
{
	return grade_repeated(g, dir, hidden_too, 0, 0, status);
}

json_t *grade_repeated(const struct grader *g, const char *dir, int hidden_too, int repeat,
		       uint64_t seed, int *status)
{
	char bins[PATH_MAX], path[PATH_MAX + 64], ref[PATH_MAX + 64], err[512];
	const char *refdir = reference_bins(g);
	struct build_result res;
	struct engine e = { .grader = g };
	struct strbuf log = { 0 }, subname = { 0 };
	json_t *tests, *result;
	double score = 0, max = 0;
	const char *base = strrchr(dir, '/');
	char name[256];
	struct stat st;
	int ret;
	int64_t t0, t_build, t_tests = 0, t_boxes = 0;
	struct reftimes_info times = { .source = "scenario" };

	*status = 3;
	if (!refdir)
		return NULL;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "ipcgrade: cannot open submission '%s': %s\n", dir,
			stat(dir, &st) < 0 ? strerror(errno) : "Not a directory");
		*status = 2;
		return NULL;
	}
	if (make_temp(bins, sizeof(bins), "bin") < 0) {
		fprintf(stderr, "ipcgrade: cannot make a temporary directory: %s\n", strerror(errno));
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/student", bins);
	snprintf(ref, sizeof(ref), "%s/reference", bins);
	mkdir(path, 0755);
	mkdir(ref, 0755);
	for (char **p = g->programs; *p; p++) {
		char from[PATH_MAX + 300], to[PATH_MAX + 300];

		snprintf(from, sizeof(from), "%s/reference/%s", refdir, *p);
		snprintf(to, sizeof(to), "%s/%s", ref, *p);
		if (link_or_copy(from, to) < 0) {
			fprintf(stderr, "ipcgrade: cannot copy the reference's %s: %s\n", *p, strerror(errno));
			rm_tree(bins);
			return NULL;
		}
	}
	t0 = now_ms();
	ret = build_programs(dir, g->programs, path, &res, err, sizeof(err));
	t_build = now_ms() - t0;
	if (ret < 0) {
		fprintf(stderr, "ipcgrade: cannot build '%s': %s\n", dir, err);
		*status = ret == -2 ? 2 : 3;
		rm_tree(bins);
		return NULL;
	}
	/* deadlines that fit this machine: the reference's own step times */
	e.ref_times = reftimes_get(g, refdir, &times);
	e.bin_dir = bins;
	e.student_built = (const char *const *)res.built;
	e.build_log = res.log;
	e.violations = json_array();
	tests = json_array();
	for (int i = 0; i < g->ntests; i++) {
		const struct test *t = &g->tests[i];
		json_t *tr;

		if (t->hidden && !hidden_too)
			continue;
		t0 = now_ms();
		tr = repeat > 0 ? run_repeated(&e, t, repeat, seed) : engine_run_test(&e, t);
		t_tests += now_ms() - t0;
		/* what the test's own steps took, box start-up included */
		t_boxes += json_integer_value(json_object_get(tr, "duration_ms"));
		if (json_is_true(json_object_get(tr, "harness_error")))
			*status = 4;	/* remembered below */
		score += json_real_value(json_object_get(tr, "score"));
		max += t->points;
		json_array_append_new(tests, tr);
	}
	snprintf(name, sizeof(name), "%s", base && base[1] ? base + 1 : dir);
	/* the compiler quotes the submission, which need not be UTF-8 */
	sb_add_utf8(&log, res.log, strlen(res.log));
	sb_add_utf8(&subname, name, strlen(name));
	if (res.warnings)
		warnings_tie(tests, g, sb_str(&log));
	result = json_pack("{s:s,s:s,s:f,s:f,s:{s:s,s:s,s:b},s:o,s:o,s:o}",
			   "assignment", g->name, "submission", sb_str(&subname), "score", score,
			   "max_score", max, "build", "status", res.ok ? "ok" : "failed",
			   "output", sb_str(&log), "warnings", res.warnings,
			   "isolation", e.isolation ? e.isolation : json_object(),
			   "tests", tests, "violations", e.violations);
	sb_release(&log);
	sb_release(&subname);
	engine_release(&e);
	if (!result) {
		fprintf(stderr, "ipcgrade: cannot make the result of '%s'\n", dir);
		*status = 3;
		build_result_release(&res);
		rm_tree(bins);
		return NULL;
	}
	/* where the time went, for bench/grade.sh */
	json_object_set_new(result, "timing", json_pack("{s:I,s:I,s:I}", "build_ms", (json_int_t)t_build,
							"tests_ms", (json_int_t)t_tests,
							"steps_ms", (json_int_t)t_boxes));
	/* where the deadlines came from (docs/scenarios.md, "Deadlines") */
	{
		json_t *dl = json_pack("{s:s,s:i}", "source", times.source, "factor", DEADLINE_FACTOR);

		if (times.file)
			json_object_set_new(dl, "cache", json_string(times.file));
		if (times.why)
			json_object_set_new(dl, "why", json_string(times.why));
		json_object_set_new(dl, "measured_ms", json_integer(times.measured_ms));
		json_object_set_new(result, "deadlines", dl);
	}
	if (repeat > 0)
		json_object_set_new(result, "repeat", json_pack("{s:i,s:I}", "runs", repeat,
								"seed", (json_int_t)seed));
	*status = *status == 4 ? 3 : score >= max ? 0 : 1;
	build_result_release(&res);
	rm_tree(bins);
	return result;
}
