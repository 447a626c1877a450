/*
 * selftest: a grader's own test. Each assignment's reference must score
 * full marks; each mutant (a known student bug, stored as a patch against
 * the reference) must fail exactly the tests its MUTANT file names, with
 * feedback that names the bug and without the grader's internals.
 * --materialize writes the mutants out as whole submissions instead.
 */
#define _GNU_SOURCE
#include "selftest.h"
#include "files.h"
#include "grade.h"
#include "report.h"
#include "scenario.h"
#include "strbuf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct expectation {
	char tests[1024];
	char feedback[1024];
	char absent[1024];	/* phrases the student's report must not hold */
	char bug[512];
};

static int read_mutant(const char *file, struct expectation *x)
{
	FILE *f = fopen(file, "re");
	char line[2048];

	memset(x, 0, sizeof(*x));
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *v;

		line[strcspn(line, "\n")] = '\0';
		if (!colon)
			continue;
		*colon = '\0';
		for (v = colon + 1; *v == ' '; v++)
			;
		if (!strcmp(line, "tests"))
			snprintf(x->tests, sizeof(x->tests), "%s", v);
		else if (!strcmp(line, "feedback"))
			snprintf(x->feedback, sizeof(x->feedback), "%s", v);
		else if (!strcmp(line, "not"))
			snprintf(x->absent, sizeof(x->absent), "%s", v);
		else if (!strcmp(line, "bug"))
			snprintf(x->bug, sizeof(x->bug), "%s", v);
	}
	fclose(f);
	return 0;
}

static int in_csv(const char *csv, const char *word)
{
	char copy[1024], *save = NULL;

	snprintf(copy, sizeof(copy), "%s", csv);
	for (char *w = strtok_r(copy, ", ", &save); w; w = strtok_r(NULL, ", ", &save))
		if (!strcmp(w, word))
			return 1;
	return 0;
}

/*
 * What a mutant's report must not say: the MUTANT file's `not:` phrases
 * (advice whose premise is false for this bug, e.g. fork() advice to a
 * program that never forks), and for every mutant the grader's internals,
 * which a student cannot use. Looked for in the text report as a student
 * reads it (check's view, hidden tests shown), not in the raw JSON, which
 * keeps internals for graders' authors on purpose.
 */
static const char *const never_shown[] = { ".scn:", "(pid ", "graders/", NULL };

static int check_absent(const json_t *result, const struct expectation *x, struct strbuf *why)
{
	struct report_options opt = { .show_hidden = 1 };
	char *text = NULL, copy[1024], *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int ret = 0;

	if (!f || report_write(result, REPORT_TEXT, &opt, f) < 0) {
		if (f)
			fclose(f);
		free(text);
		sb_addf(why, "\n# cannot render the text report: %s", strerror(errno));
		return -1;
	}
	fclose(f);
	for (int i = 0; never_shown[i]; i++)
		if (strstr(text, never_shown[i])) {
			sb_addf(why, "\n# the report shows the grader's internals: \"%s\"", never_shown[i]);
			ret = -1;
		}
	snprintf(copy, sizeof(copy), "%s", x->absent);
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		while (*w == ' ')
			w++;
		if (*w && strcasestr(text, w)) {
			sb_addf(why, "\n# the report says \"%s\", which is wrong for this bug", w);
			ret = -1;
		}
	}
	free(text);
	return ret;
}

static int count;

static void tap(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tap(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", ok ? "ok" : "not ok", ++count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/*
 * A mutant is stored as its bug: graders/NAME/mutants/M/mutant.patch, a
 * unified diff against reference/NAME (paths a/FILE, b/FILE). It is
 * applied to a fresh copy of the reference, so a change to a reference
 * that the patch no longer fits is found, not silently left behind. GNU
 * patch applies it with no fuzz: the context must match exactly. A mutant
 * directory without mutant.patch is a whole submission, graded as it is.
 */
#define MUTANT_PATCH "mutant.patch"

/* run patch on DIR; its messages go to *log */
static int run_patch(const char *dir, const char *patchfile, struct strbuf *log)
{
	char out[PATH_MAX + 16], buf[4096];
	char *argv[] = { "patch", "--batch", "--forward", "--fuzz=0", "-p1",
			 "--no-backup-if-mismatch", "--reject-file=-", "-d", (char *)dir,
			 "-i", (char *)patchfile, NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int fd, rc, st = 0;
	ssize_t n;

	snprintf(out, sizeof(out), "%s.log", dir);
	fd = open(out, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		sb_addf(log, "cannot create '%s': %s", out, strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fd, 1);
	posix_spawn_file_actions_adddup2(&fa, fd, 2);
	rc = posix_spawnp(&pid, "patch", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		sb_addf(log, "cannot run 'patch' (install the Debian package patch): %s",
			strerror(rc));
	} else {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		lseek(fd, 0, SEEK_SET);
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			sb_add(log, buf, (size_t)n);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			rc = -1;
	}
	close(fd);
	unlink(out);
	return rc == 0 ? 0 : -1;
}

/*
 * Make mutant MDIR of assignment NAME a whole submission at OUT (which
 * must not exist): the reference with the mutant's patch applied. 0 if
 * MDIR holds no patch (it is a submission already), 1 when made, -1 with
 * the reason in *err.
 */
static int materialize_mutant(const char *name, const char *mdir, const char *out,
			      struct strbuf *err)
{
	char patchfile[PATH_MAX + 32], ref[PATH_MAX];

	snprintf(patchfile, sizeof(patchfile), "%s/" MUTANT_PATCH, mdir);
	if (access(patchfile, F_OK) < 0)
		return 0;
	snprintf(ref, sizeof(ref), "%s/reference/%s", root_dir(), name);
	if (copy_tree(ref, out) < 0) {
		sb_addf(err, "cannot copy 'reference/%s' to '%s': %s", name, out, strerror(errno));
		return -1;
	}
	if (run_patch(out, patchfile, err) < 0) {
		struct strbuf why = { 0 };

		sb_addf(&why, "%s", sb_str(err));
		sb_release(err);
		sb_addf(err, "its " MUTANT_PATCH " no longer applies to reference/%s: update the "
			"patch (.ci/mutant-patch remakes it from a whole copy)", name);
		if (why.len)
			sb_addf(err, "\n%s", sb_str(&why));
		sb_release(&why);
		while (err->len && err->buf[err->len - 1] == '\n')
			err->buf[--err->len] = '\0';
		return -1;
	}
	return 1;
}

/* every "# " line of a multi-line message */
static void tap_diag(const char *text)
{
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");

		printf("# %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

/*
 * Selftest of assignment NAME: its reference, then each mutant. ONLY, if
 * not NULL, picks one of them: "reference" or a mutant's name (for a
 * sample, as tests/determinism.t takes).
 */
static int selftest_one(const char *name, const char *only, int *failures)
{
	struct grader g;
	char dir[PATH_MAX], mdir[PATH_MAX + 16];
	json_t *result;
	int status;
	struct dirent **m;
	int n;

	if (load_grader(name, &g) < 0)
		return 2;
	snprintf(mdir, sizeof(mdir), "%s/mutants/%s", g.dir, only ? only : "");
	if (only && strcmp(only, "reference") &&
	    (only[0] == '.' || strchr(only, '/') || access(mdir, F_OK) < 0)) {
		fprintf(stderr, "ipcgrade: '%s' has no mutant '%s'\n", name, only);
		scenario_free(&g);
		return 2;
	}
	if (only && strcmp(only, "reference"))
		goto mutants;
	snprintf(dir, sizeof(dir), "%s/reference/%s", root_dir(), name);
	result = grade_submission(&g, dir, 1, &status);
	if (!result) {
		scenario_free(&g);
		return 3;
	}
	{
		int ok = status == 0;

		tap(ok, "%s: the reference scores %g/%g", name,
		    json_real_value(json_object_get(result, "score")), grader_max_score(&g, 1));
		if (!ok) {
			size_t i;
			json_t *t;

			(*failures)++;
			json_array_foreach(json_object_get(result, "tests"), i, t)
				if (strcmp(json_string_value(json_object_get(t, "status")), "passed"))
					printf("# %s: %s\n", json_string_value(json_object_get(t, "id")),
					       json_string_value(json_object_get(t, "feedback")));
		}
	}
	json_decref(result);
	if (only) {
		scenario_free(&g);
		return 0;
	}
mutants:
	snprintf(mdir, sizeof(mdir), "%s/mutants", g.dir);
	n = scandir(mdir, &m, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		char mpath[PATH_MAX * 2], mfile[PATH_MAX * 2 + 16];
		char tmp[PATH_MAX] = "", sub[PATH_MAX + 300];
		const char *subdir = mpath;
		struct expectation x;
		struct strbuf got = { 0 }, why = { 0 };
		size_t k;
		json_t *t;
		int ok = 1;

		if (m[i]->d_name[0] == '.' || (only && strcmp(only, m[i]->d_name)))
			goto next;
		snprintf(mpath, sizeof(mpath), "%s/%s", mdir, m[i]->d_name);
		snprintf(mfile, sizeof(mfile), "%s/MUTANT", mpath);
		if (read_mutant(mfile, &x) < 0 || !x.tests[0]) {
			tap(0, "%s/%s: no MUTANT file with a 'tests:' line", name, m[i]->d_name);
			(*failures)++;
			goto next;
		}
		/* in a directory of the mutant's name: the report names it so */
		if (make_temp(tmp, sizeof(tmp), "mutant") < 0) {
			tap(0, "%s/%s: cannot make a temporary directory: %s", name, m[i]->d_name,
			    strerror(errno));
			(*failures)++;
			goto next;
		}
		snprintf(sub, sizeof(sub), "%s/%s", tmp, m[i]->d_name);
		switch (materialize_mutant(name, mpath, sub, &why)) {
		case -1:
			tap(0, "%s/%s: cannot be made from the reference", name, m[i]->d_name);
			tap_diag(sb_str(&why));
			(*failures)++;
			goto next;
		case 1:
			subdir = sub;
			break;
		}
		result = grade_submission(&g, subdir, 1, &status);
		if (!result) {
			tap(0, "%s/%s: the harness failed", name, m[i]->d_name);
			(*failures)++;
			goto next;
		}
		json_array_foreach(json_object_get(result, "tests"), k, t) {
			const char *id = json_string_value(json_object_get(t, "id"));
			int failed = strcmp(json_string_value(json_object_get(t, "status")), "passed") != 0;

			if (failed)
				sb_addf(&got, "%s%s", got.len ? "," : "", id);
			if (failed != in_csv(x.tests, id)) {
				ok = 0;
				sb_addf(&why, "\n# %s %s", id, failed ? "failed unexpectedly:" : "passed, but should fail");
				if (failed)
					sb_addf(&why, " %s", json_string_value(json_object_get(t, "feedback")));
			}
		}
		/* the feedback must name the bug: every phrase somewhere in it */
		{
			char copy[1024], *save = NULL;

			snprintf(copy, sizeof(copy), "%s", x.feedback);
			for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
				int seen = 0;

				while (*w == ' ')
					w++;
				/* the test's story, or the cause and fix the report gives once */
				json_array_foreach(json_object_get(result, "tests"), k, t)
					for (const char *const *f = (const char *const[]){ "feedback", "cause", "fix", NULL };
					     *f; f++)
						seen |= json_is_string(json_object_get(t, *f)) &&
							strcasestr(json_string_value(json_object_get(t, *f)), w) != NULL;
				/* the compiler's words are in the report once, not in every test */
				seen |= strcasestr(json_string_value(json_object_get(json_object_get(result, "build"),
										     "output")), w) != NULL;
				if (!seen) {
					ok = 0;
					sb_addf(&why, "\n# the feedback never says \"%s\"", w);
				}
			}
		}
		if (check_absent(result, &x, &why) < 0)
			ok = 0;
		tap(ok, "%s/%s (%s) fails %s", name, m[i]->d_name, x.bug, got.len ? sb_str(&got) : "nothing");
		if (!ok) {
			printf("# expected to fail: %s%s\n", x.tests, sb_str(&why));
			(*failures)++;
		}
		json_decref(result);
next:
		rm_tree(tmp);
		sb_release(&got);
		sb_release(&why);
		free(m[i]);
	}
	if (n >= 0)
		free(m);
	scenario_free(&g);
	return 0;
}

/*
 * selftest --materialize DIR [NAME[/MUTANT]...]: write each mutant as a
 * whole submission, DIR/NAME/MUTANT, for demos and tests that grade one
 * by hand. Nothing is graded.
 */
static int materialize_all(const char *out, int argc, char **argv)
{
	char all[PATH_MAX], want_lab[256], mdir[PATH_MAX * 2], dst[PATH_MAX * 2];
	struct dirent **labs = NULL, **m;
	int nlabs, ret = 0, made = 0;

	if (mkdir(out, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "ipcgrade: cannot create '%s': %s\n", out, strerror(errno));
		return 2;
	}
	snprintf(all, sizeof(all), "%s/graders", root_dir());
	nlabs = scandir(all, &labs, NULL, alphasort);
	if (nlabs < 0) {
		fprintf(stderr, "ipcgrade: cannot read '%s': %s\n", all, strerror(errno));
		return 3;
	}
	for (int l = 0; l < nlabs; l++) {
		const char *lab = labs[l]->d_name;
		int n;

		snprintf(mdir, sizeof(mdir), "%s/%s/mutants", all, lab);
		n = lab[0] == '.' ? -1 : scandir(mdir, &m, NULL, alphasort);
		for (int i = 0; i < n; i++) {
			const char *mut = m[i]->d_name;
			int wanted = argc == 0;
			struct strbuf err = { 0 };
			char src[PATH_MAX * 3];

			for (int a = 0; a < argc; a++) {
				const char *slash = strchr(argv[a], '/');

				snprintf(want_lab, sizeof(want_lab), "%.*s",
					 (int)(slash ? (size_t)(slash - argv[a]) : strlen(argv[a])), argv[a]);
				wanted |= !strcmp(want_lab, lab) && (!slash || !strcmp(slash + 1, mut));
			}
			if (mut[0] == '.' || !wanted)
				goto next;
			snprintf(dst, sizeof(dst), "%s/%s", out, lab);
			mkdir(dst, 0755);
			snprintf(dst, sizeof(dst), "%s/%s/%s", out, lab, mut);
			snprintf(src, sizeof(src), "%s/%s", mdir, mut);
			switch (materialize_mutant(lab, src, dst, &err)) {
			case 0:
				if (copy_tree(src, dst) < 0) {
					fprintf(stderr, "ipcgrade: cannot copy '%s': %s\n", src, strerror(errno));
					ret = 3;
				}
				break;
			case -1:
				fprintf(stderr, "ipcgrade: %s/%s: %s\n", lab, mut, sb_str(&err));
				ret = 1;
				break;
			}
			made++;
next:
			sb_release(&err);
			free(m[i]);
		}
		if (n >= 0)
			free(m);
		free(labs[l]);
	}
	free(labs);
	if (!made && ret == 0) {
		fprintf(stderr, "ipcgrade: no mutant matches");
		for (int a = 0; a < argc; a++)
			fprintf(stderr, " '%s'", argv[a]);
		fprintf(stderr, "\n");
		return 2;
	}
	return ret;
}

int cmd_selftest(int argc, char **argv)
{
	int failures = 0, ret = 0;

	count = 0;
	if (argc > 1 && !strcmp(argv[1], "--help")) {
		printf("usage: ipcgrade selftest [ASSIGNMENT[/MUTANT]...]\n"
		       "       ipcgrade selftest --materialize DIR [ASSIGNMENT[/MUTANT]...]\n\n"
		       "Grades each reference (it must score full marks) and each mutant of\n"
		       "graders/NAME/mutants/ (it must fail exactly the tests its MUTANT file\n"
		       "names, with feedback saying what it says). ASSIGNMENT/MUTANT picks one\n"
		       "mutant, ASSIGNMENT/reference the reference. --materialize writes the\n"
		       "mutants as whole submissions, DIR/NAME/MUTANT, and grades nothing.\n");
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--materialize")) {
		if (argc < 3) {
			fprintf(stderr, "ipcgrade: selftest --materialize needs a directory\n");
			return 2;
		}
		return materialize_all(argv[2], argc - 3, argv + 3);
	}
	if (argc > 1) {
		for (int i = 1; i < argc && ret == 0; i++) {
			char lab[256], *slash;

			snprintf(lab, sizeof(lab), "%s", argv[i]);
			if ((slash = strchr(lab, '/')))
				*slash++ = '\0';
			ret = selftest_one(lab, slash && *slash ? slash : NULL, &failures);
		}
	} else {
		char dir[PATH_MAX];
		struct dirent **names;
		int n;

		snprintf(dir, sizeof(dir), "%s/graders", root_dir());
		n = scandir(dir, &names, NULL, alphasort);
		for (int i = 0; i < n; i++) {
			if (names[i]->d_name[0] != '.' && ret == 0)
				ret = selftest_one(names[i]->d_name, NULL, &failures);
			free(names[i]);
		}
		if (n >= 0)
			free(names);
	}
	printf("1..%d\n%d passed, %d failed\n", count, count - failures, failures);
	return ret ? ret : failures ? 1 : 0;
}
