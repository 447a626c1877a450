/*
 * gradebook: the SQLite record of a class's gradings (gradebook.h).
 *
 * Why it survives kill -9: every grading is one transaction, and SQLite in
 * WAL mode with synchronous=FULL either has all of it or none of it after
 * a crash. Which submissions still need grading is computed from the
 * database alone, so a rerun grades exactly what has no result.
 */
#define _GNU_SOURCE
#include "gradebook.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

struct gradebook {
	sqlite3 *db;
	int lock_fd;		/* flock held for a batch; -1 */
	int records;		/* gradings recorded, for the test hook */
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
	"INSERT OR IGNORE INTO meta VALUES('schema', '1');"
	"CREATE TABLE IF NOT EXISTS submissions("
	"  id INTEGER PRIMARY KEY, assignment TEXT NOT NULL, student TEXT NOT NULL,"
	"  content_hash TEXT NOT NULL, commit_id TEXT NOT NULL DEFAULT '',"
	"  commit_time TEXT NOT NULL DEFAULT '', first_seen TEXT NOT NULL,"
	"  UNIQUE(assignment, student, content_hash, commit_id));"
	"CREATE TABLE IF NOT EXISTS roster("
	"  assignment TEXT NOT NULL, student TEXT NOT NULL,"
	"  submission_id INTEGER REFERENCES submissions(id), problem TEXT, seen TEXT NOT NULL,"
	"  PRIMARY KEY(assignment, student));"
	"CREATE TABLE IF NOT EXISTS gradings("
	"  id INTEGER PRIMARY KEY, submission_id INTEGER NOT NULL REFERENCES submissions(id),"
	"  assignment TEXT NOT NULL, student TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK(status IN ('graded', 'ungradable')), reason TEXT,"
	"  score REAL, max_score REAL, started TEXT NOT NULL, finished TEXT NOT NULL,"
	"  duration_ms INTEGER, attempts INTEGER, host TEXT, engine_hash TEXT NOT NULL,"
	"  grader_hash TEXT NOT NULL, isolation TEXT, result TEXT,"
	"  current INTEGER NOT NULL DEFAULT 0);"
	"CREATE UNIQUE INDEX IF NOT EXISTS gradings_one_current"
	"  ON gradings(assignment, student) WHERE current = 1;"
	"CREATE INDEX IF NOT EXISTS gradings_by_submission ON gradings(submission_id, status);"
	/* a student's gradings: the batch reads their last duration */
	"CREATE INDEX IF NOT EXISTS gradings_by_student ON gradings(assignment, student, id);"
	"CREATE TABLE IF NOT EXISTS test_results("
	"  grading_id INTEGER NOT NULL REFERENCES gradings(id), position INTEGER NOT NULL,"
	"  test_id TEXT NOT NULL, name TEXT, tags TEXT, visibility TEXT, status TEXT NOT NULL,"
	"  score REAL, max_score REAL, feedback TEXT, cause TEXT,"
	"  PRIMARY KEY(grading_id, test_id));";

static void set_err(char *err, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
}

static int exec_sql(struct gradebook *gb, const char *sql, char *err, size_t errsize)
{
	char *msg = NULL;

	if (sqlite3_exec(gb->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		set_err(err, errsize, "%s", msg ? msg : sqlite3_errmsg(gb->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int gradebook_open(const char *path, int mode, struct gradebook **out, char *err, size_t errsize)
{
	struct gradebook *gb = calloc(1, sizeof(*gb));
	int flags = SQLITE_OPEN_READWRITE | (mode == GRADEBOOK_BATCH ? SQLITE_OPEN_CREATE : 0);

	*out = NULL;
	if (!gb) {
		set_err(err, errsize, "out of memory");
		return -1;
	}
	gb->lock_fd = -1;
	if (sqlite3_open_v2(path, &gb->db, flags, NULL) != SQLITE_OK) {
		set_err(err, errsize, "cannot open '%s': %s", path,
			gb->db ? sqlite3_errmsg(gb->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(gb->db, 10000);
	if (mode == GRADEBOOK_BATCH) {
		/*
		 * An flock on the database file itself: independent of
		 * SQLite's own fcntl locks on Linux, released by the kernel
		 * however we die, and never closed before sqlite3_close() (a
		 * close of any descriptor of the file would drop SQLite's
		 * POSIX locks).
		 */
		gb->lock_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (gb->lock_fd < 0) {
			set_err(err, errsize, "cannot open '%s': %s", path, strerror(errno));
			goto fail;
		}
		if (flock(gb->lock_fd, LOCK_EX | LOCK_NB) < 0) {
			int busy = errno == EWOULDBLOCK;

			set_err(err, errsize, busy ? "another batch is writing '%s'; wait for it to end"
				: "cannot lock '%s': %s", path, strerror(errno));
			gradebook_close(gb);
			return busy ? -2 : -1;
		}
	}
	if (exec_sql(gb, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
		     err, errsize) < 0)
		goto fail;
	if (mode == GRADEBOOK_BATCH && exec_sql(gb, schema, err, errsize) < 0)
		goto fail;
	/*
	 * A batch only appends, one grading at a time, and never reads back
	 * what it wrote: SQLite's page cache (2 MiB by default) would only
	 * keep the pages of gradings already stored, so the batch's memory
	 * would grow with the class until that cap. 256 KiB holds a
	 * transaction's pages and the indexes' upper levels; the kernel's
	 * page cache holds the rest of the file for the exports.
	 */
	if (mode == GRADEBOOK_BATCH && exec_sql(gb, "PRAGMA cache_size=-256;", err, errsize) < 0)
		goto fail;
	*out = gb;
	return 0;
fail:
	gradebook_close(gb);
	return -1;
}

void gradebook_close(struct gradebook *gb)
{
	if (!gb)
		return;
	sqlite3_close(gb->db);
	if (gb->lock_fd >= 0)
		close(gb->lock_fd);
	free(gb);
}

sqlite3 *gradebook_db(struct gradebook *gb)
{
	return gb->db;
}

int gradebook_begin(struct gradebook *gb, char *err, size_t errsize)
{
	return exec_sql(gb, "BEGIN IMMEDIATE", err, errsize);
}

int gradebook_commit(struct gradebook *gb, char *err, size_t errsize)
{
	return exec_sql(gb, "COMMIT", err, errsize);
}

static void now_iso(char *out, size_t size, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/*
 * Prepare sql and bind the arguments that follow, described by types:
 * 's' a string (NULL binds NULL), 'i' an int64_t, 'd' a double.
 */
static sqlite3_stmt *prepare(struct gradebook *gb, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int i = 1;

	if (sqlite3_prepare_v2(gb->db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	va_start(ap, types);
	for (const char *t = types; *t; t++, i++) {
		if (*t == 's')
			sqlite3_bind_text(st, i, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
		else if (*t == 'i')
			sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
		else {
			double d = va_arg(ap, double);

			/* NAN: no number, as an ungradable grading's score */
			if (isnan(d))
				sqlite3_bind_null(st, i);
			else
				sqlite3_bind_double(st, i, d);
		}
	}
	va_end(ap);
	return st;
}

/* step a prepared statement that returns no row, and finalize it */
static int run(struct gradebook *gb, sqlite3_stmt *st, char *err, size_t errsize)
{
	int rc = st ? sqlite3_step(st) : SQLITE_ERROR;

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		set_err(err, errsize, "%s", sqlite3_errmsg(gb->db));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

int gradebook_set_roster(struct gradebook *gb, const char *assignment, const char *student,
			 const char *content_hash, const char *commit, const char *commit_time,
			 int64_t *sub_id, char *err, size_t errsize)
{
	char now[32];
	sqlite3_stmt *st;

	now_iso(now, sizeof(now), time(NULL));
	if (run(gb, prepare(gb, "INSERT OR IGNORE INTO submissions(assignment, student, content_hash,"
			    " commit_id, commit_time, first_seen) VALUES(?, ?, ?, ?, ?, ?)", "ssssss",
			    assignment, student, content_hash, commit ? commit : "",
			    commit_time ? commit_time : "", now), err, errsize) < 0)
		return -1;
	st = prepare(gb, "SELECT id FROM submissions WHERE assignment = ? AND student = ?"
		     " AND content_hash = ? AND commit_id = ?", "ssss", assignment, student,
		     content_hash, commit ? commit : "");
	if (!st || sqlite3_step(st) != SQLITE_ROW) {
		set_err(err, errsize, "%s", sqlite3_errmsg(gb->db));
		sqlite3_finalize(st);
		return -1;
	}
	*sub_id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return run(gb, prepare(gb, "INSERT OR REPLACE INTO roster VALUES(?, ?, ?, NULL, ?)", "ssis",
			       assignment, student, *sub_id, now), err, errsize);
}

int gradebook_set_problem(struct gradebook *gb, const char *assignment, const char *student,
			  const char *problem, char *err, size_t errsize)
{
	char now[32];

	now_iso(now, sizeof(now), time(NULL));
	return run(gb, prepare(gb, "INSERT OR REPLACE INTO roster VALUES(?, ?, NULL, ?, ?)", "ssss",
			       assignment, student, problem, now), err, errsize);
}

/* a one-row query's answer: 1 a row, 0 none, -1 an error (in err) */
static int found(struct gradebook *gb, int rc, char *err, size_t errsize)
{
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	set_err(err, errsize, "%s", sqlite3_errmsg(gb->db));
	return -1;
}

int gradebook_has_result(struct gradebook *gb, int64_t sub_id, const char *grader_hash,
			 const char *engine_hash, char *err, size_t errsize)
{
	sqlite3_stmt *st = prepare(gb, "SELECT 1 FROM gradings WHERE submission_id = ?"
				   " AND status = 'graded' AND grader_hash = ? AND engine_hash = ?",
				   "iss", sub_id, grader_hash, engine_hash);
	int rc = st ? sqlite3_step(st) : SQLITE_ERROR;

	sqlite3_finalize(st);
	return found(gb, rc, err, errsize);
}

int gradebook_last_duration(struct gradebook *gb, const char *assignment, const char *student,
			    int64_t sub_id, int64_t *ms, char *err, size_t errsize)
{
	/* this very submission's latest grading first, then the student's
	 * latest of the assignment: a resubmission takes about as long */
	sqlite3_stmt *st = prepare(gb, "SELECT duration_ms FROM gradings WHERE assignment = ?"
				   " AND student = ? AND status = 'graded' AND duration_ms IS NOT NULL"
				   " ORDER BY submission_id = ? DESC, id DESC LIMIT 1",
				   "ssi", assignment, student, sub_id);
	int rc = st ? sqlite3_step(st) : SQLITE_ERROR;

	if (rc == SQLITE_ROW)
		*ms = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return found(gb, rc, err, errsize);
}

void gradebook_cause(const char *feedback, char *out, size_t size)
{
	static const char *const marks[] = { "\nWhy: ", "\nWhat happened: ", NULL };
	const char *s = NULL;
	size_t n;

	out[0] = '\0';
	if (!feedback || !*feedback)
		return;
	/* the engine's feedback says why last; a message without that
	 * structure (a failed build) says it in its first line */
	for (int i = 0; marks[i] && !s; i++)
		if ((s = strstr(feedback, marks[i])))
			s += strlen(marks[i]);
	if (!s)
		s = feedback;
	if (!strncmp(s, "not run: ", 9))	/* "not run: PROG did not build" */
		s += 9;
	n = strcspn(s, "\n");
	/* up to a colon that introduces quoted detail (compiler output) */
	if (n > 0 && s[n - 1] == ':')
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* a test hook: IPCGRADE_TEST_STOP=commit:N stops the process (SIGSTOP)
 * inside the Nth grading's transaction, so that a test can kill it there */
static void maybe_stop(struct gradebook *gb)
{
	const char *hook = getenv("IPCGRADE_TEST_STOP");

	if (hook && !strncmp(hook, "commit:", 7) && atoi(hook + 7) == gb->records)
		raise(SIGSTOP);
}

static int record_tests(struct gradebook *gb, int64_t grading_id, json_t *tests, char *err,
			size_t errsize)
{
	size_t i;
	json_t *t;

	json_array_foreach(tests, i, t) {
		const char *feedback = json_string_value(json_object_get(t, "feedback"));
		const char *status = json_string_value(json_object_get(t, "status"));
		char *tags = json_dumps(json_object_get(t, "tags"), JSON_COMPACT);
		char cause[512] = "";
		int ret;

		if (status && strcmp(status, "passed")) {
			/* the result's own cause (docs/feedback.md) when the engine
			 * gave one; else the feedback's Why or first line */
			const char *given = json_string_value(json_object_get(t, "cause"));

			/* a test stopped by an earlier cause counts under it */
			if (!given || !*given)
				given = json_string_value(json_object_get(json_object_get(t, "not_checked"), "cause"));
			if (given && *given)
				snprintf(cause, sizeof(cause), "%s", given);
			else
				gradebook_cause(feedback, cause, sizeof(cause));
		}
		ret = run(gb, prepare(gb, "INSERT INTO test_results VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				      "iisssssddss", grading_id, (int64_t)i,
				      json_string_value(json_object_get(t, "id")),
				      json_string_value(json_object_get(t, "name")), tags ? tags : "[]",
				      json_string_value(json_object_get(t, "visibility")),
				      status ? status : "failed",
				      json_number_value(json_object_get(t, "score")),
				      json_number_value(json_object_get(t, "max_score")),
				      feedback, cause[0] ? cause : NULL), err, errsize);
		free(tags);
		if (ret < 0)
			return -1;
	}
	return 0;
}

int gradebook_record(struct gradebook *gb, const struct grading *g, char *err, size_t errsize)
{
	char started[32], finished[32];
	char *json = NULL, *iso = NULL;
	int64_t id;
	int ret = -1;

	now_iso(started, sizeof(started), g->started);
	now_iso(finished, sizeof(finished), time(NULL));
	if (g->result) {
		json = json_dumps(g->result, JSON_COMPACT);
		iso = json_dumps(json_object_get(g->result, "isolation"), JSON_COMPACT);
	}
	if (gradebook_begin(gb, err, errsize) < 0)
		goto out;
	if (g->graded && run(gb, prepare(gb, "UPDATE gradings SET current = 0 WHERE assignment = ?"
					 " AND student = ? AND current = 1", "ss", g->assignment,
					 g->student), err, errsize) < 0)
		goto rollback;
	if (run(gb, prepare(gb, "INSERT INTO gradings(submission_id, assignment, student, status,"
			    " reason, score, max_score, started, finished, duration_ms, attempts, host,"
			    " engine_hash, grader_hash, isolation, result, current)"
			    " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			    "issssddssiisssssi", g->sub_id, g->assignment, g->student,
			    g->graded ? "graded" : "ungradable", g->reason,
			    g->result ? json_number_value(json_object_get(g->result, "score")) : NAN,
			    g->result ? json_number_value(json_object_get(g->result, "max_score")) : NAN,
			    started, finished,
			    g->duration_ms, (int64_t)g->attempts, g->host, g->engine_hash, g->grader_hash,
			    iso, json, (int64_t)(g->graded != 0)), err, errsize) < 0)
		goto rollback;
	id = sqlite3_last_insert_rowid(gb->db);
	if (g->graded && record_tests(gb, id, json_object_get(g->result, "tests"), err, errsize) < 0)
		goto rollback;
	gb->records++;
	maybe_stop(gb);
	if (gradebook_commit(gb, err, errsize) < 0)
		goto rollback;
	ret = 0;
	goto out;
rollback:
	sqlite3_exec(gb->db, "ROLLBACK", NULL, NULL, NULL);
out:
	free(json);
	free(iso);
	return ret;
}

/* the shard's gradings, each copied with its tests unless already here */
static int merge_gradings(struct gradebook *gb, int64_t *added, char *err, size_t errsize)
{
	sqlite3_stmt *st = prepare(gb, "SELECT g.id, (SELECT m.id FROM main.submissions m"
				   "  WHERE m.assignment = x.assignment AND m.student = x.student"
				   "  AND m.content_hash = x.content_hash AND m.commit_id = x.commit_id)"
				   " FROM shard.gradings g JOIN shard.submissions x ON x.id = g.submission_id"
				   " WHERE NOT EXISTS (SELECT 1 FROM main.gradings o WHERE o.assignment = g.assignment"
				   "  AND o.student = g.student AND o.started = g.started AND o.finished = g.finished"
				   "  AND o.grader_hash = g.grader_hash AND o.engine_hash = g.engine_hash"
				   "  AND o.status = g.status) ORDER BY g.id", "");
	int rc;

	while (st && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t old = sqlite3_column_int64(st, 0), sub = sqlite3_column_int64(st, 1), id;

		if (run(gb, prepare(gb, "INSERT INTO main.gradings(submission_id, assignment, student,"
				    " status, reason, score, max_score, started, finished, duration_ms, attempts,"
				    " host, engine_hash, grader_hash, isolation, result, current)"
				    " SELECT ?, assignment, student, status, reason, score, max_score, started,"
				    " finished, duration_ms, attempts, host, engine_hash, grader_hash, isolation,"
				    " result, 0 FROM shard.gradings WHERE id = ?", "ii", sub, old),
			err, errsize) < 0)
			goto fail;
		id = sqlite3_last_insert_rowid(gb->db);
		if (run(gb, prepare(gb, "INSERT INTO main.test_results SELECT ?, position, test_id, name,"
				    " tags, visibility, status, score, max_score, feedback, cause"
				    " FROM shard.test_results WHERE grading_id = ?", "ii", id, old),
			err, errsize) < 0)
			goto fail;
		(*added)++;
	}
	if (!st || rc != SQLITE_DONE) {
		set_err(err, errsize, "%s", sqlite3_errmsg(gb->db));
		goto fail;
	}
	sqlite3_finalize(st);
	return 0;
fail:
	sqlite3_finalize(st);
	return -1;
}

int gradebook_merge(struct gradebook *gb, const char *shard, int64_t *added, char *err,
		    size_t errsize)
{
	static const char copy[] =
		"INSERT OR IGNORE INTO main.submissions(assignment, student, content_hash, commit_id,"
		"  commit_time, first_seen)"
		" SELECT assignment, student, content_hash, commit_id, commit_time, first_seen"
		" FROM shard.submissions;"
		/* a student seen by several shards: the latest sighting */
		"INSERT OR REPLACE INTO main.roster"
		" SELECT r.assignment, r.student, (SELECT m.id FROM main.submissions m"
		"  JOIN shard.submissions x ON x.id = r.submission_id WHERE m.assignment = x.assignment"
		"  AND m.student = x.student AND m.content_hash = x.content_hash"
		"  AND m.commit_id = x.commit_id), r.problem, r.seen"
		" FROM shard.roster r WHERE NOT EXISTS (SELECT 1 FROM main.roster o"
		"  WHERE o.assignment = r.assignment AND o.student = r.student AND o.seen > r.seen);";
	static const char current[] =
		"UPDATE main.gradings SET current = 0 WHERE current = 1;"
		"UPDATE main.gradings SET current = 1 WHERE id IN (SELECT (SELECT g.id FROM main.gradings g"
		"  WHERE g.assignment = s.assignment AND g.student = s.student AND g.status = 'graded'"
		"  ORDER BY g.finished DESC, g.id DESC LIMIT 1)"
		" FROM (SELECT DISTINCT assignment, student FROM main.gradings) s);";
	int ret = -1;

	*added = 0;
	if (run(gb, prepare(gb, "ATTACH DATABASE ? AS shard", "s", shard), err, errsize) < 0)
		return -1;
	/* a file that is not a gradebook fails here, before any change */
	if (exec_sql(gb, "SELECT 1 FROM shard.gradings, shard.roster, shard.submissions,"
		     " shard.test_results LIMIT 1", err, errsize) < 0)
		goto detach;
	if (gradebook_begin(gb, err, errsize) < 0)
		goto detach;
	if (exec_sql(gb, copy, err, errsize) < 0 || merge_gradings(gb, added, err, errsize) < 0 ||
	    exec_sql(gb, current, err, errsize) < 0 || gradebook_commit(gb, err, errsize) < 0) {
		sqlite3_exec(gb->db, "ROLLBACK", NULL, NULL, NULL);
		goto detach;
	}
	ret = 0;
detach:
	sqlite3_exec(gb->db, "DETACH DATABASE shard", NULL, NULL, NULL);
	return ret;
}
