/*
 * classbook: what an instructor reads out of a gradebook: the exports of
 * a batch (a CSV per student and test, Canvas and Moodle gradebook
 * imports, per-student reports), `ipcgrade stats` and `ipcgrade diff`.
 * Everything here only reads the database.
 *
 * A student's score is exported only from a result of the submission
 * the latest batch found, graded by the same grader and engine; a student
 * without one (ungradable, no commit before the deadline) gets an empty
 * cell with the reason in the plain CSV, and no row at all in the LMS
 * files, so that an import can never turn a fault of ours into a zero.
 */
#define _GNU_SOURCE
#include "batch.h"
#include "gradebook.h"
#include "report.h"
#include "strbuf.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* one CSV field (RFC 4180): quoted when it holds a comma, quote or newline */
static void csv_field(FILE *f, const char *s, int last)
{
	if (s && s[strcspn(s, ",\"\r\n")]) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else if (s) {
		fputs(s, f);
	}
	fputs(last ? "\r\n" : ",", f);
}

static void csv_number(FILE *f, double v, int last)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%g", v);
	csv_field(f, isnan(v) ? "" : buf, last);
}

/* the roster's rows: student, problem, current grading id (or NULL),
 * score, max, commit, reason of the latest ungradable attempt */
static sqlite3_stmt *roster_rows(sqlite3 *db, const struct export_scope *sc)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db,
			       "SELECT r.student, r.problem, g.id, g.score, g.max_score, s.commit_id,"
			       " (SELECT u.reason FROM gradings u WHERE u.submission_id = r.submission_id"
			       "  AND u.status = 'ungradable' AND u.grader_hash = ?1 AND u.engine_hash = ?2"
			       "  ORDER BY u.id DESC LIMIT 1)"
			       " FROM roster r LEFT JOIN submissions s ON s.id = r.submission_id"
			       " LEFT JOIN gradings g ON g.assignment = r.assignment AND g.student = r.student"
			       "  AND g.current = 1 AND g.submission_id = r.submission_id"
			       "  AND g.grader_hash = ?1 AND g.engine_hash = ?2"
			       " WHERE r.assignment = ?3 ORDER BY r.student",
			       -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, sc->grader_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sc->engine_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, sc->assignment, -1, SQLITE_STATIC);
	return st;
}

/* per-test points of a grading, in the order of scope->test_ids (NAN: absent) */
static void test_points(sqlite3 *db, int64_t grading, const struct export_scope *sc, double *pts,
			struct strbuf *failed)
{
	sqlite3_stmt *st;
	size_t n = 0;

	while (sc->test_ids[n])
		pts[n++] = NAN;
	if (sqlite3_prepare_v2(db, "SELECT test_id, score, status FROM test_results"
			       " WHERE grading_id = ? ORDER BY position", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, grading);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);

		for (size_t i = 0; i < n; i++)
			if (id && !strcmp(id, sc->test_ids[i]))
				pts[i] = sqlite3_column_double(st, 1);
		if (failed && strcmp((const char *)sqlite3_column_text(st, 2), "passed"))
			sb_addf(failed, "%s%s", failed->len ? ", " : "", id);
	}
	sqlite3_finalize(st);
}

static void export_header(FILE *f, const struct export_scope *sc, enum export_format fmt)
{
	size_t n = 0;

	switch (fmt) {
	case EXPORT_CSV:
		fputs("student,status,score,max_score,", f);
		for (; sc->test_ids[n]; n++)
			csv_field(f, sc->test_ids[n], 0);
		fputs("commit,note\r\n", f);
		break;
	case EXPORT_CANVAS:
		/* Canvas's gradebook layout: five identity columns, then one per
		 * assignment, and a "Points Possible" row; Canvas matches rows
		 * on ID, SIS User ID or SIS Login ID */
		fputs("Student,ID,SIS User ID,SIS Login ID,Section,", f);
		csv_field(f, sc->column, 1);
		fputs("Points Possible,,,,,", f);
		csv_number(f, sc->max_score, 1);
		break;
	case EXPORT_MOODLE:
		/* Moodle's CSV grade import maps each column by hand: an
		 * identity (username), a grade item, and its feedback */
		fputs("username,", f);
		csv_field(f, sc->column, 0);
		fputs("Feedback\r\n", f);
		break;
	}
}

int export_grades(sqlite3 *db, const struct export_scope *sc, enum export_format fmt,
		  const char *path, char *err, size_t errsize)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "we") : stdout;
	sqlite3_stmt *st;
	size_t ntests = 0, left_out = 0;
	double *pts;

	if (!f) {
		snprintf(err, errsize, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	while (sc->test_ids[ntests])
		ntests++;
	pts = calloc(ntests + 1, sizeof(*pts));
	st = roster_rows(db, sc);
	if (!st || !pts) {
		snprintf(err, errsize, "cannot read the gradebook: %s", sqlite3_errmsg(db));
		free(pts);
		sqlite3_finalize(st);
		if (f != stdout)
			fclose(f);
		return -1;
	}
	export_header(f, sc, fmt);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *student = (const char *)sqlite3_column_text(st, 0);
		const char *problem = (const char *)sqlite3_column_text(st, 1);
		int graded = sqlite3_column_type(st, 2) != SQLITE_NULL;
		double score = graded ? sqlite3_column_double(st, 3) : NAN;
		const char *commit = (const char *)sqlite3_column_text(st, 5);
		const char *reason = (const char *)sqlite3_column_text(st, 6);
		struct strbuf failed = { 0 };

		if (graded)
			test_points(db, sqlite3_column_int64(st, 2), sc, pts, &failed);
		if (fmt == EXPORT_CSV) {
			csv_field(f, student, 0);
			csv_field(f, graded ? "graded" : problem ? "no submission" : reason ? "ungradable"
				  : "not graded", 0);
			csv_number(f, score, 0);
			csv_number(f, sc->max_score, 0);
			for (size_t i = 0; i < ntests; i++)
				csv_number(f, graded ? pts[i] : NAN, 0);
			csv_field(f, commit, 0);
			csv_field(f, graded ? "" : problem ? problem : reason ? reason : "", 1);
		} else if (!graded) {
			left_out++;
		} else if (fmt == EXPORT_CANVAS) {
			csv_field(f, student, 0);
			fputs(",,", f);
			csv_field(f, student, 0);
			fputs(",", f);
			csv_number(f, score, 1);
		} else {
			struct strbuf fb = { 0 };

			sb_addf(&fb, "%g/%g", score, sc->max_score);
			if (failed.len)
				sb_addf(&fb, "; failed: %s", sb_str(&failed));
			csv_field(f, student, 0);
			csv_number(f, score, 0);
			csv_field(f, sb_str(&fb), 1);
			sb_release(&fb);
		}
		sb_release(&failed);
	}
	sqlite3_finalize(st);
	free(pts);
	if (left_out)
		fprintf(stderr, "ipcgrade: %zu student%s without a result left out of '%s'\n", left_out,
			left_out == 1 ? "" : "s", path);
	if (fflush(f) != 0 || ferror(f) || (f != stdout && fclose(f) != 0)) {
		snprintf(err, errsize, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int export_reports(sqlite3 *db, const struct export_scope *sc, const char *dir, char *err,
		   size_t errsize)
{
	static const struct { enum report_format fmt; const char *ext; } kinds[] = {
		{ REPORT_TEXT, "txt" }, { REPORT_JSON, "json" }, { REPORT_MARKDOWN, "md" },
		{ REPORT_HTML, "html" },
	};
	struct report_options opt = { 0 };
	sqlite3_stmt *st = roster_rows(db, sc), *res = NULL;
	int ret = 0;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errsize, "cannot make '%s': %s", dir, strerror(errno));
		sqlite3_finalize(st);
		return -1;
	}
	if (!st || sqlite3_prepare_v2(db, "SELECT result FROM gradings WHERE id = ?", -1, &res, NULL)) {
		snprintf(err, errsize, "cannot read the gradebook: %s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	while (ret == 0 && sqlite3_step(st) == SQLITE_ROW) {
		json_t *result = NULL;

		if (sqlite3_column_type(st, 2) == SQLITE_NULL)
			continue;
		sqlite3_reset(res);
		sqlite3_bind_int64(res, 1, sqlite3_column_int64(st, 2));
		if (sqlite3_step(res) == SQLITE_ROW)
			result = json_loads((const char *)sqlite3_column_text(res, 0), 0, NULL);
		for (size_t k = 0; result && k < sizeof(kinds) / sizeof(kinds[0]) && ret == 0; k++) {
			char path[PATH_MAX];

			snprintf(path, sizeof(path), "%s/%s.%s", dir, sqlite3_column_text(st, 0), kinds[k].ext);
			if (report_write_file(result, kinds[k].fmt, &opt, path) < 0) {
				snprintf(err, errsize, "cannot write the report '%s': %s", path, strerror(errno));
				ret = -1;
			}
		}
		json_decref(result);
	}
	sqlite3_finalize(res);
	sqlite3_finalize(st);
	return ret;
}

/* ---- stats and diff ---- */

static int open_read(const char *path, struct gradebook **gb)
{
	char err[512];

	if (gradebook_open(path, GRADEBOOK_READ, gb, err, sizeof(err)) < 0) {
		fprintf(stderr, "ipcgrade: %s\n", err);
		return -1;
	}
	return 0;
}

/* DB [--assignment A]: 0, -1 after --help, or an exit status */
static int db_args(int argc, char **argv, const char *usage, const char **db, const char **assignment)
{
	static const struct option opts[] = {
		{ "assignment", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	*assignment = NULL;
	while ((c = getopt_long(argc, argv, "a:h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: %s\n", usage);
			return -1;
		}
		if (c != 'a') {
			fprintf(stderr, "usage: %s\n", usage);
			return 2;
		}
		*assignment = optarg;
	}
	if (argc - optind != 1) {
		fprintf(stderr, "usage: %s\n", usage);
		return 2;
	}
	*db = argv[optind];
	return 0;
}

static sqlite3_stmt *query(sqlite3 *db, const char *sql, const char *assignment)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "ipcgrade: cannot read the gradebook: %s\n", sqlite3_errmsg(db));
		return NULL;
	}
	if (assignment)
		sqlite3_bind_text(st, 1, assignment, -1, SQLITE_STATIC);
	return st;
}

static void bar(int n, int of)
{
	int w = of ? (40 * n + of - 1) / of : 0;

	for (int i = 0; i < w; i++)
		fputs("#", stdout);
}

static int stats_one(sqlite3 *db, const char *a)
{
	sqlite3_stmt *st;
	int hist[11] = { 0 }, n = 0, most = 0, ungradable = 0, nosub = 0;
	double sum = 0;

	st = query(db, "SELECT score, max_score FROM gradings WHERE assignment = ?1 AND current = 1", a);
	if (!st)
		return 3;
	while (sqlite3_step(st) == SQLITE_ROW) {
		double s = sqlite3_column_double(st, 0), m = sqlite3_column_double(st, 1);
		int b = m > 0 ? (int)floor(10 * s / m) : 10;

		hist[b < 0 ? 0 : b > 10 ? 10 : b]++;
		sum += m > 0 ? s / m : 1;
		n++;
	}
	sqlite3_finalize(st);
	st = query(db, "SELECT SUM(problem IS NOT NULL), SUM(problem IS NULL AND NOT EXISTS"
		   " (SELECT 1 FROM gradings g WHERE g.assignment = r.assignment AND g.student = r.student"
		   "  AND g.current = 1)) FROM roster r WHERE assignment = ?1", a);
	if (st && sqlite3_step(st) == SQLITE_ROW) {
		nosub = sqlite3_column_int(st, 0);
		ungradable = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	printf("== %s: %d student%s graded, mean %.0f%%", a, n, n == 1 ? "" : "s", n ? 100 * sum / n : 0);
	if (nosub || ungradable)
		printf("; without a result: %d with no submission, %d not graded", nosub, ungradable);
	printf("\n\nscores (share of the maximum)\n");
	for (int i = 0; i <= 10; i++)
		most = hist[i] > most ? hist[i] : most;
	for (int i = 0; i <= 10; i++) {
		if (i < 10)
			printf("  %3d-%3d%% %4d  ", i * 10, i * 10 + 9, hist[i]);
		else
			printf("     100%% %4d  ", hist[i]);
		bar(hist[i], most);
		putchar('\n');
	}

	printf("\npass rate per test\n");
	st = query(db, "SELECT t.test_id, SUM(t.status = 'passed'), COUNT(*), MIN(t.name)"
		   " FROM test_results t JOIN gradings g ON g.id = t.grading_id"
		   " WHERE g.assignment = ?1 AND g.current = 1 GROUP BY t.test_id ORDER BY MIN(t.position)", a);
	while (st && sqlite3_step(st) == SQLITE_ROW)
		printf("  %4.0f%%  %-24s %s\n", 100.0 * sqlite3_column_int(st, 1) / sqlite3_column_int(st, 2),
		       sqlite3_column_text(st, 0), sqlite3_column_text(st, 3));
	sqlite3_finalize(st);

	printf("\npass rate per tag\n");
	st = query(db, "SELECT j.value, SUM(t.status = 'passed'), COUNT(*)"
		   " FROM test_results t JOIN gradings g ON g.id = t.grading_id, json_each(t.tags) j"
		   " WHERE g.assignment = ?1 AND g.current = 1 GROUP BY j.value"
		   " ORDER BY 1.0 * SUM(t.status = 'passed') / COUNT(*), j.value", a);
	while (st && sqlite3_step(st) == SQLITE_ROW)
		printf("  %4.0f%%  %s\n", 100.0 * sqlite3_column_int(st, 1) / sqlite3_column_int(st, 2),
		       sqlite3_column_text(st, 0));
	sqlite3_finalize(st);

	printf("\nmost common causes of failure\n");
	st = query(db, "SELECT COUNT(DISTINCT g.student), t.cause, GROUP_CONCAT(DISTINCT t.test_id)"
		   " FROM test_results t JOIN gradings g ON g.id = t.grading_id"
		   " WHERE g.assignment = ?1 AND g.current = 1 AND t.cause IS NOT NULL"
		   " GROUP BY t.cause ORDER BY 1 DESC, 2 LIMIT 10", a);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		int k = sqlite3_column_int(st, 0);

		printf("  %d student%s: %s\n      (tests: %s)\n", k, k == 1 ? "" : "s",
		       sqlite3_column_text(st, 1), sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	putchar('\n');
	return 0;
}

/* every assignment in the gradebook, or just the one asked for */
static int each_assignment(const char *dbpath, const char *only, int (*fn)(sqlite3 *, const char *))
{
	struct gradebook *gb;
	sqlite3_stmt *st;
	int ret = 0, seen = 0;

	if (open_read(dbpath, &gb) < 0)
		return 2;
	st = query(gradebook_db(gb), "SELECT DISTINCT assignment FROM roster ORDER BY 1", NULL);
	if (!st) {
		gradebook_close(gb);
		return 2;
	}
	while (ret == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(st, 0);

		if (only && strcmp(a, only))
			continue;
		seen = 1;
		ret = fn(gradebook_db(gb), a);
	}
	sqlite3_finalize(st);
	gradebook_close(gb);
	if (!seen && ret == 0) {
		fprintf(stderr, "ipcgrade: no gradings%s%s%s in '%s'\n", only ? " of '" : "",
			only ? only : "", only ? "'" : "", dbpath);
		return 2;
	}
	return ret;
}

int cmd_stats(int argc, char **argv)
{
	const char *db, *a;
	int ret = db_args(argc, argv, "ipcgrade stats DB [--assignment A]", &db, &a);

	return ret < 0 ? 0 : ret ? ret : each_assignment(db, a, stats_one);
}

static int diff_one(sqlite3 *db, const char *a)
{
	sqlite3_stmt *st, *tests;
	int changed = 0;

	/* each current result against the graded one just before it */
	st = query(db, "SELECT g.student, p.score, g.score, g.max_score, p.id, g.id,"
		   " p.submission_id != g.submission_id, p.grader_hash != g.grader_hash,"
		   " p.engine_hash != g.engine_hash"
		   " FROM gradings g JOIN gradings p ON p.id = (SELECT MAX(q.id) FROM gradings q"
		   "  WHERE q.assignment = g.assignment AND q.student = g.student AND q.status = 'graded'"
		   "  AND q.id < g.id)"
		   " WHERE g.assignment = ?1 AND g.current = 1 ORDER BY g.student", a);
	tests = query(db, "SELECT COALESCE(n.test_id, o.test_id), o.score, o.max_score, n.score, n.max_score"
		      " FROM test_results n LEFT JOIN test_results o ON o.grading_id = ?1 AND o.test_id = n.test_id"
		      " WHERE n.grading_id = ?2 AND (o.score IS NULL OR o.score != n.score)"
		      " UNION ALL SELECT o.test_id, o.score, o.max_score, NULL, NULL FROM test_results o"
		      " WHERE o.grading_id = ?1 AND NOT EXISTS (SELECT 1 FROM test_results n"
		      "  WHERE n.grading_id = ?2 AND n.test_id = o.test_id)", NULL);
	if (!st || !tests) {
		sqlite3_finalize(st);
		sqlite3_finalize(tests);
		return 3;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		double before = sqlite3_column_double(st, 1), after = sqlite3_column_double(st, 2);

		if (before == after)
			continue;
		if (!changed++)
			printf("== %s: students whose score changed at the last regrade\n", a);
		printf("%s: %g -> %g of %g (%s%s%s)\n", sqlite3_column_text(st, 0), before, after,
		       sqlite3_column_double(st, 3),
		       sqlite3_column_int(st, 6) ? "new submission" : "",
		       sqlite3_column_int(st, 6) && (sqlite3_column_int(st, 7) || sqlite3_column_int(st, 8))
		       ? ", " : "",
		       sqlite3_column_int(st, 7) ? "grader changed" : sqlite3_column_int(st, 8)
		       ? "ipcgrade changed" : "");
		sqlite3_reset(tests);
		sqlite3_bind_int64(tests, 1, sqlite3_column_int64(st, 4));
		sqlite3_bind_int64(tests, 2, sqlite3_column_int64(st, 5));
		while (sqlite3_step(tests) == SQLITE_ROW) {
			printf("  %-24s ", sqlite3_column_text(tests, 0));
			if (sqlite3_column_type(tests, 1) == SQLITE_NULL)
				printf("(new test) -> %g/%g\n", sqlite3_column_double(tests, 3),
				       sqlite3_column_double(tests, 4));
			else if (sqlite3_column_type(tests, 3) == SQLITE_NULL)
				printf("%g/%g -> (test removed)\n", sqlite3_column_double(tests, 1),
				       sqlite3_column_double(tests, 2));
			else
				printf("%g/%g -> %g/%g\n", sqlite3_column_double(tests, 1),
				       sqlite3_column_double(tests, 2), sqlite3_column_double(tests, 3),
				       sqlite3_column_double(tests, 4));
		}
	}
	if (!changed)
		printf("== %s: no score changed at the last regrade\n", a);
	sqlite3_finalize(st);
	sqlite3_finalize(tests);
	return 0;
}

int cmd_diff(int argc, char **argv)
{
	const char *db, *a;
	int ret = db_args(argc, argv, "ipcgrade diff DB [--assignment A]", &db, &a);

	return ret < 0 ? 0 : ret ? ret : each_assignment(db, a, diff_one);
}

int cmd_merge(int argc, char **argv)
{
	struct gradebook *gb;
	char err[1024];
	int ret;

	if (argc == 2 && !strcmp(argv[1], "--help")) {
		printf("usage: ipcgrade merge OUT.db SHARD.db...\n");
		return 0;
	}
	if (argc < 3 || argv[1][0] == '-') {
		fprintf(stderr, "usage: ipcgrade merge OUT.db SHARD.db...\n"
			"adds each shard's gradings (ipcgrade batch --shard I/N) to OUT.db\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) < 0 || !S_ISREG(st.st_mode)) {
			fprintf(stderr, "ipcgrade: cannot open '%s': %s\n", argv[i],
				errno ? strerror(errno) : "Not a file");
			return 2;
		}
	}
	ret = gradebook_open(argv[1], GRADEBOOK_BATCH, &gb, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "ipcgrade: %s\n", err);
		return ret == -2 ? 2 : 3;
	}
	for (int i = 2; i < argc && ret == 0; i++) {
		int64_t added;

		if (gradebook_merge(gb, argv[i], &added, err, sizeof(err)) < 0) {
			fprintf(stderr, "ipcgrade: cannot merge '%s': %s\n", argv[i], err);
			ret = 2;
		} else {
			printf("%s: %lld grading%s added\n", argv[i], (long long)added, added == 1 ? "" : "s");
		}
	}
	gradebook_close(gb);
	return ret;
}
