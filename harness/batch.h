/*
 * batch: grading a whole class into a gradebook (gradebook.h), and what
 * an instructor reads out of one (classbook.c).
 *
 *   ipcgrade batch ASSIGNMENT SUBMISSIONS [options]   grade what has no result
 *   ipcgrade stats DB [--assignment A]                class statistics
 *   ipcgrade diff DB [--assignment A]                 scores a regrade changed
 *   ipcgrade merge OUT.db SHARD.db...                 shards' gradebooks into one
 *
 * Each returns an exit status: 0 done (batch: every submission has a
 * result), 1 batch: some submission has none, 2 bad usage or input,
 * 3 the harness (or the database) failed.
 */
#ifndef HARNESS_BATCH_H
#define HARNESS_BATCH_H

#include <sqlite3.h>
#include <stddef.h>

int cmd_batch(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_merge(int argc, char **argv);

/* the exports of the roster's results: see classbook.c */
enum export_format { EXPORT_CSV, EXPORT_CANVAS, EXPORT_MOODLE };

struct export_scope {
	const char *assignment;
	const char *grader_hash, *engine_hash;	/* a result counts when graded by these */
	char **test_ids;			/* the grader's tests, in order; NULL-terminated */
	double max_score;
	const char *column;			/* the LMS's name for the assignment */
};

/* 0, or -1 with err; path "-" is stdout */
int export_grades(sqlite3 *db, const struct export_scope *scope, enum export_format fmt,
		  const char *path, char *err, size_t errsize);
/* DIR/STUDENT.txt, .json, .md and .html for every student with a result */
int export_reports(sqlite3 *db, const struct export_scope *scope, const char *dir, char *err,
		   size_t errsize);

#endif
