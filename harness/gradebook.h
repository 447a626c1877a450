/*
 * gradebook: a class's grading record, in one SQLite database (WAL).
 *
 * Tables (the schema is created on first open):
 *   submissions   one row per distinct submission a student handed in:
 *                 assignment, student, content hash, git commit ("" for
 *                 a plain directory) and its commit time
 *   roster        what the latest batch found for each student: the
 *                 submission to grade, or the problem that left none
 *   gradings      every grading, never deleted: when, how long, host,
 *                 engine and grader hashes, isolation, status "graded" or
 *                 "ungradable" (with the reason), score, the full JSON,
 *                 and `current`: 1 on exactly one graded row per student
 *                 (a partial unique index holds that)
 *   test_results  every test of every grading: status, points, tags,
 *                 feedback and its cause sentence
 *
 * Steps for a caller:
 *   1. gradebook_open(); with GRADEBOOK_BATCH it also takes the batch lock
 *      (an flock on the database file, gone when the process is), so that
 *      two batches never write one gradebook at once.
 *   2. For each student: gradebook_begin(), gradebook_set_roster() or
 *      gradebook_set_problem(), ..., gradebook_commit(): one transaction
 *      for the whole roster.
 *   3. gradebook_has_result() says whether a submission was already graded
 *      by these grader and engine hashes; gradebook_record() stores one
 *      grading in its own transaction.
 *   4. gradebook_db() for the read-only queries of exports and statistics.
 *   5. gradebook_close().
 * Functions return 0 (or a count or flag) or -1 with a message in err;
 * nothing is printed.
 */
#ifndef HARNESS_GRADEBOOK_H
#define HARNESS_GRADEBOOK_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

struct gradebook;

enum { GRADEBOOK_READ = 0, GRADEBOOK_BATCH = 1 };

/* -1: cannot open (err says why); -2: another batch holds the lock */
int gradebook_open(const char *path, int mode, struct gradebook **out, char *err, size_t errsize);
void gradebook_close(struct gradebook *gb);
sqlite3 *gradebook_db(struct gradebook *gb);

int gradebook_begin(struct gradebook *gb, char *err, size_t errsize);
int gradebook_commit(struct gradebook *gb, char *err, size_t errsize);

/* the student's submission now; *sub_id gets its row */
int gradebook_set_roster(struct gradebook *gb, const char *assignment, const char *student,
			 const char *content_hash, const char *commit, const char *commit_time,
			 int64_t *sub_id, char *err, size_t errsize);
/* the student handed in nothing gradable (no commit before the deadline) */
int gradebook_set_problem(struct gradebook *gb, const char *assignment, const char *student,
			  const char *problem, char *err, size_t errsize);

/* 1 when sub_id has a graded result from these hashes, 0 if not, -1 */
int gradebook_has_result(struct gradebook *gb, int64_t sub_id, const char *grader_hash,
			 const char *engine_hash, char *err, size_t errsize);

/*
 * How long the student's latest graded grading of this assignment took
 * (this submission's, if it has one), for the batch to start the longest
 * first: 1 with *ms, 0 when there is none, -1.
 */
int gradebook_last_duration(struct gradebook *gb, const char *assignment, const char *student,
			    int64_t sub_id, int64_t *ms, char *err, size_t errsize);

struct grading {
	const char *assignment, *student;
	int64_t sub_id;
	int graded;		/* 1 graded, 0 ungradable */
	const char *reason;	/* ungradable: why */
	json_t *result;		/* graded: the native JSON result */
	int64_t started;	/* unix seconds */
	int64_t duration_ms;
	int attempts;
	const char *grader_hash, *engine_hash, *host;
};

/*
 * Store one grading in one transaction. A graded one becomes the
 * student's current result; an ungradable one is kept for the record and
 * leaves the current result as it was.
 */
int gradebook_record(struct gradebook *gb, const struct grading *g, char *err, size_t errsize);

/*
 * Add a shard's gradebook (another batch's, e.g. with --shard) to this
 * one, in one transaction: its submissions, roster and every grading not
 * already here (merging a shard twice adds nothing); then each student's
 * current result is the newest graded one. *added gets the gradings added.
 */
int gradebook_merge(struct gradebook *gb, const char *shard, int64_t *added, char *err,
		    size_t errsize);

/* the sentence of a test's feedback that says why it failed, in out */
void gradebook_cause(const char *feedback, char *out, size_t size);

#endif
