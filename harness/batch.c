/*
 * batch: grade a class. How this works:
 *
 * The batch process is a supervisor; it never grades. It scans
 * SUBMISSIONS (one directory or git clone per student), records in the
 * gradebook what each student handed in (the roster, one transaction),
 * and queues each submission that has no result from this grader and
 * engine. It then keeps up to -j children running: each one is
 * `ipcgrade grade ASSIGNMENT DIR --json -`, exec'd from /proc/self/exe,
 * in its own process group and with PR_SET_PDEATHSIG, so that whatever
 * a submission does to its grading (or whatever breaks in it) ends there
 * and dies with the batch. The child's stdout (the JSON result) and
 * stderr come back on two pipes; the supervisor polls them with each
 * child's pidfd, reaps the child when its pidfd says it ended, and stores
 * the grading in its own transaction. Only the supervisor touches the
 * database. A child that outlives --timeout is killed with its group.
 *
 * A grading that gave no result (a harness error, a killed child, no
 * JSON) is tried once more, then recorded as ungradable, with the reason:
 * it is reported and never exported as a score. Verdicts do not depend on
 * -j: each grading runs alone in its own boxes.
 *
 * A git clone is graded at the last commit before --before (or at --tag,
 * or HEAD), exported with `git archive` into a temporary directory while
 * its child runs; its content hash is the commit's tree.
 *
 * The supervisor builds the assignment's reference once, before the
 * first child, and hands its directory to every child
 * (--prebuilt-reference): building it in each child was a third of a
 * pipe-lab grading. Each box gets a read-only copy of it, so
 * no submission can change it for the next. When it does not build, each
 * child tries again on its own, and fails as a fault of ours: its
 * student is recorded ungradable with the reason, after the retry, as
 * for any harness error (a passing fault, such as memory short for the
 * compiler, may then pass). It then has the reference's step times
 * measured once, by a forked process, into the cache the children read
 * (reftimes.h), so that no two children measure them at once.
 *
 * The queue starts the longest gradings first, as known from each
 * student's last grading in the gradebook (a regrade): the last grading
 * to start should not be the one that keeps the other slots idle.
 */
#define _GNU_SOURCE
#include "batch.h"
#include "files.h"
#include "grade.h"
#include "gradebook.h"
#include "refcache.h"
#include "reftimes.h"
#include "scenario.h"
#include "strbuf.h"
#include "../common/clock.h"
#include "../common/io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum state { S_TODO, S_UPTODATE, S_GRADED, S_UNGRADABLE, S_PROBLEM };

struct student {
	char *name;
	char *dir;		/* the submission, or the clone */
	char *commit;		/* git: the commit graded; NULL */
	char *problem;		/* why there is nothing to grade; NULL */
	char *reason;		/* ungradable: why */
	int64_t sub_id;
	enum state state;
	int attempts;
	double score, max;
	int64_t last_ms;	/* its last grading's duration; -1: none known */
};

struct child {
	pid_t pid;
	int pidfd, out, err;
	struct strbuf outb, errb;
	int64_t t0, deadline;
	time_t started;
	char *checkout;		/* a git export to remove afterwards; NULL */
	struct student *s;
	int timed_out;
	int out_eof, err_eof;
};

struct batch {
	const char *assignment;
	const char *db_path;
	int jobs;
	int64_t timeout_ms;
	const char *before, *tag;
	unsigned shard, nshards;	/* --shard I/N: 0-based I */
	char grader_hash[80], engine_hash[80], host[256];
	char tmp[PATH_MAX];	/* git exports, made on demand */
	const char *refdir;	/* the reference, built once for every child */
	struct gradebook *gb;
	struct student *students;
	size_t nstudents, todo;	/* todo: without a result from this grader */
	/* progress */
	int tty;
	size_t total, done, below, ungradable;
	int64_t t0, last_draw;
};

/* ---- hashes ---- */

static void hex(const uint8_t *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* dirs: NULL-terminated (directory, name to skip) pairs; out: 65 bytes */
static int hash_dirs(const char *const *dirs, const char *file, char *out)
{
	struct sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_init(&ctx);
	for (; dirs && dirs[0]; dirs += 2)
		if (hash_tree(&ctx, dirs[0], dirs[1]) < 0)
			return -1;
	if (file && hash_file(&ctx, file) < 0)
		return -1;
	sha256_digest(&ctx, sizeof(d), d);
	hex(d, sizeof(d), out);
	return 0;
}

/* ---- git ---- */

/*
 * Run argv with stdout into out (up to size-1 bytes, NUL-terminated,
 * trailing newline cut) and stderr discarded; returns the exit status,
 * or -1 when it could not run.
 */
static int run_capture(char *const argv[], char *out, size_t size)
{
	posix_spawn_file_actions_t fa;
	int fds[2], status;
	ssize_t n;
	size_t got = 0;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	while ((n = xread(fds[0], out + got, size - 1 - got)) > 0 && got + (size_t)n < size - 1)
		got += (size_t)n;
	if (n > 0)
		got += (size_t)n;
	out[got] = '\0';
	while (got && out[got - 1] == '\n')
		out[--got] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int is_clone(const char *dir)
{
	char git[PATH_MAX + 8];

	snprintf(git, sizeof(git), "%s/.git", dir);
	return access(git, F_OK) == 0;
}

/*
 * The commit to grade in a clone: "HASH TREE DATE", or a problem in
 * problem. Repositories belong to whoever cloned them: safe.directory
 * lets git read them whoever we run as.
 */
static int git_pick(struct batch *b, struct student *s, char *tree, size_t tsize, char *ctime_,
		    size_t csize, char *problem, size_t psize)
{
	char before[128], line[512], rev[300], hash[64], tr[64], date[64];
	char *argv[16];
	int argc = 0, rc;

	argv[argc++] = "git";
	argv[argc++] = "-c";
	argv[argc++] = "safe.directory=*";
	argv[argc++] = "-C";
	argv[argc++] = s->dir;
	argv[argc++] = "log";
	argv[argc++] = "-1";
	argv[argc++] = "--format=%H %T %cI";
	if (b->before) {
		snprintf(before, sizeof(before), "--before=%s", b->before);
		argv[argc++] = before;
	}
	snprintf(rev, sizeof(rev), "%s^{commit}", b->tag ? b->tag : "HEAD");
	argv[argc++] = rev;
	argv[argc++] = "--";
	argv[argc] = NULL;
	rc = run_capture(argv, line, sizeof(line));
	if (rc < 0) {
		snprintf(problem, psize, "cannot run git: %s", strerror(errno));
		return -1;
	}
	if (rc != 0 || sscanf(line, "%63s %63s %63s", hash, tr, date) != 3) {
		if (rc != 0 && b->tag)
			snprintf(problem, psize, "no tag '%s' in the repository", b->tag);
		else if (rc != 0)
			snprintf(problem, psize, "the repository has no commit");
		else
			snprintf(problem, psize, "no commit before %s", b->before);
		return -1;
	}
	s->commit = strdup(hash);
	snprintf(tree, tsize, "git:%s", tr);
	snprintf(ctime_, csize, "%s", date);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* the commit's files, in a new directory under b->tmp named after the student */
static char *git_export(struct batch *b, struct student *s, char *err, size_t errsize)
{
	char dir[PATH_MAX + 256], tar[PATH_MAX + 256], out[256];
	char *archive[] = { "git", "-c", "safe.directory=*", "-C", s->dir, "archive", "--format=tar",
			    "-o", tar, s->commit, NULL };
	char *untar[] = { "tar", "-x", "--no-same-owner", "-f", tar, "-C", dir, NULL };

	if (!b->tmp[0]) {
		const char *t = getenv("TMPDIR");

		snprintf(b->tmp, sizeof(b->tmp), "%s/ipcgrade-batch-XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(b->tmp) || chmod(b->tmp, 0755) < 0) {
			snprintf(err, errsize, "cannot make a temporary directory: %s", strerror(errno));
			b->tmp[0] = '\0';
			return NULL;
		}
	}
	snprintf(dir, sizeof(dir), "%s/%s", b->tmp, s->name);
	snprintf(tar, sizeof(tar), "%s/.%s.tar", b->tmp, s->name);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (mkdir(dir, 0755) < 0) {
		snprintf(err, errsize, "cannot make '%.512s': %s", dir, strerror(errno));
		return NULL;
	}
	if (run_capture(archive, out, sizeof(out)) != 0 || run_capture(untar, out, sizeof(out)) != 0) {
		snprintf(err, errsize, "cannot export commit %.12s of '%s' with git archive", s->commit,
			 s->dir);
		unlink(tar);
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		return NULL;
	}
	unlink(tar);
	return strdup(dir);
}

/* ---- the roster ---- */

static int is_student_dir(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* which shard grades a student: a hash of the name, so that a student
 * added to the class does not move the others between shards */
static unsigned shard_of(const char *name, unsigned n)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h % n;
}

static int scan_roster(struct batch *b, const char *subs, char *err, size_t errsize)
{
	struct dirent **names;
	int n = scandir(subs, &names, is_student_dir, alphasort);
	size_t plain = 0;

	if (n < 0) {
		snprintf(err, errsize, "cannot open '%s': %s", subs, strerror(errno));
		return -2;
	}
	b->students = calloc((size_t)n + 1, sizeof(*b->students));
	if (!b->students) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	if (gradebook_begin(b->gb, err, errsize) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		char dir[PATH_MAX], hash[80], ctime_[64] = "", problem[512];
		struct student *s;
		struct stat st;
		int ret;

		snprintf(dir, sizeof(dir), "%s/%s", subs, names[i]->d_name);
		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode) ||
		    (b->nshards > 1 && shard_of(names[i]->d_name, b->nshards) != b->shard)) {
			free(names[i]);
			continue;
		}
		s = &b->students[b->nstudents++];
		s->name = strdup(names[i]->d_name);
		s->dir = strdup(dir);
		free(names[i]);
		if (is_clone(dir)) {
			ret = git_pick(b, s, hash, sizeof(hash), ctime_, sizeof(ctime_), problem,
				       sizeof(problem));
		} else {
			plain++;
			ret = hash_dirs((const char *const[]){ dir, NULL, NULL }, NULL, hash);
			if (ret < 0)
				snprintf(problem, sizeof(problem), "cannot read the submission: %s",
					 strerror(errno));
		}
		if (ret < 0) {
			s->problem = strdup(problem);
			s->state = S_PROBLEM;
			ret = gradebook_set_problem(b->gb, b->assignment, s->name, problem, err, errsize);
		} else {
			ret = gradebook_set_roster(b->gb, b->assignment, s->name, hash, s->commit, ctime_,
						   &s->sub_id, err, errsize);
			if (ret == 0) {
				ret = gradebook_has_result(b->gb, s->sub_id, b->grader_hash,
							   b->engine_hash, err, errsize);
				s->state = ret == 1 ? S_UPTODATE : S_TODO;
				b->todo += ret == 0;
			}
			s->last_ms = -1;
			if (ret == 0 && gradebook_last_duration(b->gb, b->assignment, s->name, s->sub_id,
								&s->last_ms, err, errsize) < 0)
				ret = -1;
		}
		if (ret < 0) {
			for (int k = i + 1; k < n; k++)
				free(names[k]);
			free(names);
			return -1;
		}
	}
	free(names);
	if (gradebook_commit(b->gb, err, errsize) < 0)
		return -1;
	if (plain && (b->before || b->tag))
		fprintf(stderr, "ipcgrade: %zu submission%s not a git clone: graded as %s, whatever "
			"--before or --tag say\n", plain, plain == 1 ? " is" : "s are",
			plain == 1 ? "it is" : "they are");
	return 0;
}

/* ---- the order of the queue ---- */

static int cmp_ms(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int cmp_longest(const void *a, const void *b)
{
	const struct student *x = *(struct student *const *)a, *y = *(struct student *const *)b;

	if (x->last_ms != y->last_ms)
		return x->last_ms < y->last_ms ? 1 : -1;
	return strcmp(x->name, y->name);
}

/*
 * The longest gradings first: one started last would leave the other
 * slots idle while it ends the batch. How long a grading takes is known
 * from the student's last one (a regrade); a student without one counts
 * as the median of those with one, and with none known the queue keeps
 * the roster's name order. The order changes only when gradings start,
 * never a verdict: each grading runs alone in its own boxes.
 */
static void order_queue(struct student **queue, size_t n)
{
	int64_t *known = calloc(n + 1, sizeof(*known)), median = 0;
	size_t nknown = 0;

	if (!known)
		return;
	for (size_t i = 0; i < n; i++)
		if (queue[i]->last_ms >= 0)
			known[nknown++] = queue[i]->last_ms;
	if (nknown) {
		qsort(known, nknown, sizeof(*known), cmp_ms);
		median = known[nknown / 2];
		for (size_t i = 0; i < n; i++)
			if (queue[i]->last_ms < 0)
				queue[i]->last_ms = median;
		qsort(queue, n, sizeof(*queue), cmp_longest);
	}
	free(known);
}

/* ---- progress ---- */

static void progress(struct batch *b, const struct student *s, int force)
{
	int64_t now = now_ms();
	double secs = (double)(now - b->t0) / 1000, rate = secs > 0 ? (double)b->done / secs : 0;

	if (!b->tty) {
		if (!s)
			return;
		if (s->state == S_GRADED)
			fprintf(stderr, "[%zu/%zu] %s: %g/%g\n", b->done, b->total, s->name, s->score, s->max);
		else
			fprintf(stderr, "[%zu/%zu] %s: ungradable: %s\n", b->done, b->total, s->name,
				s->reason);
		return;
	}
	if (!force && now - b->last_draw < 200)
		return;
	b->last_draw = now;
	{
		int width = 30, fill = b->total ? (int)(width * b->done / b->total) : width;
		char bar[64], eta[32] = "--:--";

		memset(bar, '#', (size_t)fill);
		memset(bar + fill, '.', (size_t)(width - fill));
		bar[width] = '\0';
		if (rate > 0) {
			long left = (long)((double)(b->total - b->done) / rate + 0.5);

			snprintf(eta, sizeof(eta), "%ld:%02ld", left / 60, left % 60);
		}
		fprintf(stderr, "\r[%s] %zu/%zu  %.2f/s  left %s  below full marks %zu  ungradable %zu\033[K",
			bar, b->done, b->total, rate, eta, b->below, b->ungradable);
		fflush(stderr);
	}
}

/* ---- children ---- */

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static int start_child(struct batch *b, struct child *c, struct student *s, char *err,
		       size_t errsize)
{
	int out[2] = { -1, -1 }, er[2] = { -1, -1 };
	const char *dir = s->dir;
	pid_t parent = getpid();
	char *argv[] = { "ipcgrade", "grade", (char *)b->assignment, NULL, "--json", "-",
			 "--prebuilt-reference", (char *)b->refdir, NULL };

	if (!b->refdir)
		argv[6] = NULL;	/* each child tries on its own, and says why it fails */

	memset(c, 0, sizeof(*c));
	c->s = s;
	c->pid = -1;
	if (s->commit) {
		c->checkout = git_export(b, s, err, errsize);
		if (!c->checkout)
			return -1;
		dir = c->checkout;
	}
	argv[3] = (char *)dir;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(er, O_CLOEXEC) < 0) {
		snprintf(err, errsize, "cannot make a pipe: %s", strerror(errno));
		goto fail;
	}
	c->pid = fork();
	if (c->pid < 0) {
		snprintf(err, errsize, "cannot fork: %s", strerror(errno));
		goto fail;
	}
	if (c->pid == 0) {
		int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

		/* only async-signal-safe calls from here to exec */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out[1], 1) < 0 || dup2(er[1], 2) < 0)
			_exit(127);
		execve("/proc/self/exe", argv, environ);
		_exit(127);
	}
	/* the parent too, so that a kill of the group never misses a child
	 * that has not run setpgid yet */
	setpgid(c->pid, c->pid);
	close(out[1]);
	close(er[1]);
	c->out = out[0];
	c->err = er[0];
	set_nonblock(c->out);
	set_nonblock(c->err);
	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	if (c->pidfd < 0) {
		snprintf(err, errsize, "cannot watch the grading process (pidfd_open): %s", strerror(errno));
		kill(-c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
		close(c->out);
		close(c->err);
		c->pid = -1;
		goto fail_tree;
	}
	c->t0 = now_ms();
	c->started = time(NULL);
	c->deadline = c->t0 + b->timeout_ms;
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (er[i] >= 0)
			close(er[i]);
	}
fail_tree:
	if (c->checkout) {
		nftw(c->checkout, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		free(c->checkout);
		c->checkout = NULL;
	}
	return -1;
}

/* read what is there; 1 at end of file (or an error), 0 when more may come */
static int drain(int fd, struct strbuf *sb)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n > 0) {
			sb_add(sb, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 && errno == EAGAIN ? 0 : 1;
	}
}

/* a reason from a child's stderr: its last message of ours (a compiler's
 * log may follow it), else its last non-empty line */
static void last_line(struct strbuf *sb, char *out, size_t size)
{
	const char *s = sb->buf ? sb->buf : "", *ours = NULL, *last = NULL;

	for (const char *p = s; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
		if (!strncmp(p, "ipcgrade: ", 10))
			ours = p + 10;
		if (*p != '\n')
			last = p;
	}
	s = ours ? ours : last ? last : "";
	snprintf(out, size, "%.*s", (int)strcspn(s, "\n"), s);
	/* a message that introduces the log ends in a colon */
	if (*out && out[strlen(out) - 1] == ':')
		out[strlen(out) - 1] = '\0';
}

/*
 * What a finished child gave: the result (graded), or NULL with the
 * reason it is not one.
 */
static json_t *child_result(struct batch *b, struct child *c, int status, char *why, size_t size)
{
	json_t *res = json_loadb(c->outb.buf ? c->outb.buf : "", c->outb.len, 0, NULL);
	char line[400];
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

	last_line(&c->errb, line, sizeof(line));
	if (res && (!json_is_object(res) || !json_is_array(json_object_get(res, "tests")) ||
		    !json_is_number(json_object_get(res, "score")))) {
		json_decref(res);
		res = NULL;
	}
	if (c->timed_out)
		snprintf(why, size, "the grading took longer than %lld s and was stopped",
			 (long long)(b->timeout_ms / 1000));
	else if (WIFSIGNALED(status))
		snprintf(why, size, "the grading process was killed by %s", strsignal(WTERMSIG(status)));
	else if ((code == 0 || code == 1) && res)
		return res;
	else if (code == 3 && res) {
		size_t i;
		json_t *t;

		snprintf(why, size, "the harness failed");
		json_array_foreach(json_object_get(res, "tests"), i, t)
			if (json_is_true(json_object_get(t, "harness_error"))) {
				const char *fb = json_string_value(json_object_get(t, "feedback"));

				snprintf(why, size, "the harness failed in test '%s': %.*s",
					 json_string_value(json_object_get(t, "id")),
					 fb ? (int)strcspn(fb, "\n") : 0, fb ? fb : "");
				break;
			}
	} else if (code == 127)
		snprintf(why, size, "cannot run '/proc/self/exe'");
	else
		snprintf(why, size, "%s%s(exit status %d)", line, *line ? " " : "", code);
	json_decref(res);
	return NULL;
}

/* IPCGRADE_TEST_STOP=graded:N stops the batch after its Nth recorded
 * grading, =start before the first child, =done before it exits: places
 * for a test to kill it, or for a benchmark to read its peak memory */
static void test_stop(const char *where, size_t n)
{
	const char *hook = getenv("IPCGRADE_TEST_STOP");
	size_t len = strlen(where);

	if (hook && !strncmp(hook, where, len) &&
	    (hook[len] == '\0' || (hook[len] == ':' && (size_t)atol(hook + len + 1) == n)))
		raise(SIGSTOP);
}

static int record(struct batch *b, struct student *s, json_t *res, const char *why, time_t started,
		  int64_t ms, char *err, size_t errsize)
{
	struct grading g = {
		.assignment = b->assignment, .student = s->name, .sub_id = s->sub_id,
		.graded = res != NULL, .reason = why, .result = res, .started = started,
		.duration_ms = ms, .attempts = s->attempts, .grader_hash = b->grader_hash,
		.engine_hash = b->engine_hash, .host = b->host,
	};

	if (res) {
		/* the student's name, not the temporary checkout's */
		json_object_set_new(res, "submission", json_string(s->name));
		if (s->commit)
			json_object_set_new(res, "commit", json_string(s->commit));
	}
	return gradebook_record(b->gb, &g, err, errsize);
}

static int finish_child(struct batch *b, struct child *c, struct student ***queue, size_t *qlen,
			char *err, size_t errsize)
{
	struct student *s = c->s;
	char why[1024];
	json_t *res;
	int status = 0, ret = 0;

	while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
		;
	/* a process the grading left behind would hold the group */
	kill(-c->pid, SIGKILL);
	drain(c->out, &c->outb);
	drain(c->err, &c->errb);
	close(c->out);
	close(c->err);
	close(c->pidfd);
	s->attempts++;
	res = child_result(b, c, status, why, sizeof(why));
	if (!res && s->attempts < 2) {
		/* once more, at the end of the queue: a fault of ours may pass */
		(*queue)[(*qlen)++] = s;
	} else {
		s->state = res ? S_GRADED : S_UNGRADABLE;
		if (res) {
			s->score = json_number_value(json_object_get(res, "score"));
			s->max = json_number_value(json_object_get(res, "max_score"));
			b->below += s->score < s->max;
		} else {
			s->reason = strdup(why);
			b->ungradable++;
		}
		ret = record(b, s, res, why, c->started, now_ms() - c->t0, err, errsize);
		b->done++;
		if (ret == 0)
			progress(b, s, 1);
		test_stop("graded", b->done);
	}
	json_decref(res);
	sb_release(&c->outb);
	sb_release(&c->errb);
	if (c->checkout) {
		nftw(c->checkout, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		free(c->checkout);
	}
	c->pid = -1;
	return ret;
}

static int supervise(struct batch *b, char *err, size_t errsize)
{
	struct student **queue = calloc(2 * b->nstudents + 1, sizeof(*queue));
	struct child *kids = calloc((size_t)b->jobs, sizeof(*kids));
	struct pollfd *pfd = calloc(3 * (size_t)b->jobs, sizeof(*pfd));
	size_t qlen = 0, next = 0;
	int running = 0, ret = 0;

	if (!queue || !kids || !pfd) {
		snprintf(err, errsize, "out of memory");
		ret = -1;
		goto out;
	}
	for (size_t i = 0; i < b->nstudents; i++)
		if (b->students[i].state == S_TODO)
			queue[qlen++] = &b->students[i];
	order_queue(queue, qlen);
	b->total = qlen;
	for (int i = 0; i < b->jobs; i++)
		kids[i].pid = -1;
	b->t0 = now_ms();
	test_stop("start", 0);
	progress(b, NULL, 1);
	while ((next < qlen || running > 0) && ret == 0) {
		int n = 0, timeout = b->tty ? 1000 : -1;
		int64_t now;

		for (int i = 0; i < b->jobs && next < qlen; i++) {
			struct student *s;

			if (kids[i].pid > 0)
				continue;
			s = queue[next++];
			if (start_child(b, &kids[i], s, err, errsize) < 0) {
				/* no process to grade in: the grading's fault, not the student's */
				s->attempts = 2;
				s->state = S_UNGRADABLE;
				s->reason = strdup(err);
				b->ungradable++;
				b->done++;
				ret = record(b, s, NULL, err, time(NULL), 0, err, errsize);
				progress(b, s, 1);
				continue;
			}
			running++;
		}
		now = now_ms();
		for (int i = 0; i < b->jobs; i++) {
			struct child *c = &kids[i];

			if (c->pid <= 0)
				continue;
			if (!c->timed_out && now >= c->deadline) {
				c->timed_out = 1;
				kill(-c->pid, SIGKILL);
			}
			if (!c->timed_out && (timeout < 0 || c->deadline - now < timeout))
				timeout = (int)(c->deadline - now);
			pfd[n++] = (struct pollfd){ .fd = c->pidfd, .events = POLLIN };
			/* a pipe at its end would wake poll for ever */
			pfd[n++] = (struct pollfd){ .fd = c->out_eof ? -1 : c->out, .events = POLLIN };
			pfd[n++] = (struct pollfd){ .fd = c->err_eof ? -1 : c->err, .events = POLLIN };
		}
		if (n == 0)
			continue;
		if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR) {
			snprintf(err, errsize, "poll: %s", strerror(errno));
			ret = -1;
			break;
		}
		for (int i = 0, k = 0; i < b->jobs; i++) {
			struct child *c = &kids[i];

			if (c->pid <= 0)
				continue;
			c->out_eof |= drain(c->out, &c->outb);
			c->err_eof |= drain(c->err, &c->errb);
			if (pfd[k].revents & POLLIN) {
				running--;
				if (finish_child(b, c, &queue, &qlen, err, errsize) < 0)
					ret = -1;
			}
			k += 3;
		}
		progress(b, NULL, 0);
	}
	if (b->tty)
		fputc('\n', stderr);
out:
	for (int i = 0; kids && i < b->jobs; i++)
		if (kids[i].pid > 0) {
			kill(-kids[i].pid, SIGKILL);
			waitpid(kids[i].pid, NULL, 0);
		}
	free(queue);
	free(kids);
	free(pfd);
	return ret;
}

/*
 * The reference's step times (reftimes.h), measured once here, before the
 * first grading, into the cache every child then reads. Left to the
 * children, the first two of a -j 2 batch would both measure them (while
 * the second core could grade), and each would grade by its own figures.
 * Measured in a process of its own, as the supervisor never runs a
 * scenario itself; a measurement that fails leaves each child to try.
 */
static void time_reference(const struct batch *b, const struct grader *g)
{
	const char *cache = getenv("IPCGRADE_CACHE");
	pid_t pid;

	/* without a cache, each child measures for itself anyway */
	if (cache && !strcmp(cache, "off"))
		return;
	pid = fork();
	if (pid == 0) {
		struct reftimes_info info;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGPIPE, SIG_IGN);
		reftimes_get(g, b->refdir, &info);
		_exit(0);
	}
	while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* ---- the command ---- */

static int cores(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	return 1;
}

/* a date git and people read alike: YYYY-MM-DD, with an optional time
 * ("T" or a space, HH:MM[:SS]) and zone (Z or +HH:MM); git's other forms
 * ("yesterday") are refused, as a typo would silently mean "now" */
static int valid_date(const char *d)
{
	int y, mo, da, h, mi, n = 0, m = 0;

	if (sscanf(d, "%4d-%2d-%2d%n", &y, &mo, &da, &n) != 3 || n != 10 || mo < 1 || mo > 12 ||
	    da < 1 || da > 31)
		return 0;
	d += n;
	if (!*d)
		return 1;
	if ((*d != 'T' && *d != ' ') || sscanf(d + 1, "%2d:%2d%n", &h, &mi, &m) != 2 || m != 5 ||
	    h > 23 || mi > 59)
		return 0;
	d += 1 + m;
	if (d[0] == ':' && d[1] >= '0' && d[1] <= '5' && d[2] >= '0' && d[2] <= '9')
		d += 3;
	if (!strcmp(d, "Z") || !*d)
		return 1;
	return (d[0] == '+' || d[0] == '-') && strspn(d + 1, "0123456789:") == strlen(d + 1) &&
	       strlen(d + 1) >= 2 && strlen(d + 1) <= 5;
}

static void batch_usage(FILE *f)
{
	fprintf(f, "usage: ipcgrade batch ASSIGNMENT SUBMISSIONS [-j N] [--db FILE] [--csv FILE]\n"
		"         [--canvas FILE] [--moodle FILE] [--column NAME] [--reports DIR]\n"
		"         [--before DATE | --tag TAG] [--timeout SECONDS] [--shard I/N]\n"
		"SUBMISSIONS holds one directory (or git clone) per student; the gradebook\n"
		"(default ./gradebook.db) keeps every grading, and a rerun grades only what\n"
		"has no result from this grader.\n");
}

static int summarize(struct batch *b)
{
	size_t graded = 0, uptodate = 0, missing = 0;

	for (size_t i = 0; i < b->nstudents; i++) {
		graded += b->students[i].state == S_GRADED;
		uptodate += b->students[i].state == S_UPTODATE;
		missing += b->students[i].state == S_UNGRADABLE || b->students[i].state == S_PROBLEM;
	}
	printf("%s: %zu student%s: %zu graded now, %zu already graded, %zu without a result\n",
	       b->assignment, b->nstudents, b->nstudents == 1 ? "" : "s", graded, uptodate, missing);
	if (missing)
		printf("without a result (not exported as a score):\n");
	for (size_t i = 0; i < b->nstudents; i++) {
		const struct student *s = &b->students[i];

		if (s->state == S_PROBLEM)
			printf("  %s: %s\n", s->name, s->problem);
		else if (s->state == S_UNGRADABLE)
			printf("  %s: ungradable after %d attempt%s: %s\n", s->name, s->attempts,
			       s->attempts == 1 ? "" : "s", s->reason);
	}
	return missing ? 1 : 0;
}

static int do_exports(struct batch *b, const struct grader *g, const char *const *out,
		      const char *column, const char *reports)
{
	char **ids = calloc((size_t)g->ntests + 1, sizeof(*ids));
	struct export_scope scope = {
		.assignment = b->assignment, .grader_hash = b->grader_hash,
		.engine_hash = b->engine_hash, .test_ids = ids,
		.max_score = grader_max_score(g, 1), .column = column ? column : b->assignment,
	};
	char err[512];
	int ret = 0;

	if (!ids)
		return -1;
	for (int i = 0; i < g->ntests; i++)
		ids[i] = g->tests[i].id;
	for (int f = EXPORT_CSV; f <= EXPORT_MOODLE; f++)
		if (out[f] && export_grades(gradebook_db(b->gb), &scope, (enum export_format)f, out[f],
					    err, sizeof(err)) < 0) {
			fprintf(stderr, "ipcgrade: %s\n", err);
			ret = -1;
		}
	if (reports && export_reports(gradebook_db(b->gb), &scope, reports, err, sizeof(err)) < 0) {
		fprintf(stderr, "ipcgrade: %s\n", err);
		ret = -1;
	}
	free(ids);
	return ret;
}

int cmd_batch(int argc, char **argv)
{
	enum { O_DB = 256, O_CSV, O_CANVAS, O_MOODLE, O_COLUMN, O_REPORTS, O_BEFORE, O_TAG,
	       O_TIMEOUT, O_SHARD };
	static const struct option opts[] = {
		{ "db", required_argument, NULL, O_DB },
		{ "csv", required_argument, NULL, O_CSV },
		{ "canvas", required_argument, NULL, O_CANVAS },
		{ "moodle", required_argument, NULL, O_MOODLE },
		{ "column", required_argument, NULL, O_COLUMN },
		{ "reports", required_argument, NULL, O_REPORTS },
		{ "before", required_argument, NULL, O_BEFORE },
		{ "tag", required_argument, NULL, O_TAG },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "shard", required_argument, NULL, O_SHARD },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct batch b = { .db_path = "gradebook.db", .jobs = cores(), .timeout_ms = 600000 };
	const char *out[3] = { NULL }, *column = NULL, *reports = NULL;
	char gdir[PATH_MAX], rdir[PATH_MAX], err[1024];
	struct grader g;
	int c, ret;
	char *end;

	optind = 1;
	while ((c = getopt_long(argc, argv, "j:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			b.jobs = (int)strtol(optarg, &end, 10);
			if (*end || b.jobs < 1 || b.jobs > 256) {
				fprintf(stderr, "ipcgrade: -j wants a number of gradings from 1 to 256, not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case O_DB: b.db_path = optarg; break;
		case O_CSV: out[EXPORT_CSV] = optarg; break;
		case O_CANVAS: out[EXPORT_CANVAS] = optarg; break;
		case O_MOODLE: out[EXPORT_MOODLE] = optarg; break;
		case O_COLUMN: column = optarg; break;
		case O_REPORTS: reports = optarg; break;
		case O_BEFORE:
			if (!valid_date(optarg)) {
				fprintf(stderr, "ipcgrade: '%s' is not a date like 2026-03-01 or "
					"2026-03-01T23:59:00+01:00\n", optarg);
				return 2;
			}
			b.before = optarg;
			break;
		case O_TAG: b.tag = optarg; break;
		case O_TIMEOUT:
			b.timeout_ms = strtol(optarg, &end, 10) * 1000;
			if (*end || b.timeout_ms <= 0) {
				fprintf(stderr, "ipcgrade: --timeout wants seconds, not '%s'\n", optarg);
				return 2;
			}
			break;
		case O_SHARD: {
			unsigned i, n;
			int len = 0;

			if (sscanf(optarg, "%u/%u%n", &i, &n, &len) != 2 || optarg[len] || n < 1 || i < 1 ||
			    i > n) {
				fprintf(stderr, "ipcgrade: --shard wants I/N with 1 <= I <= N, not '%s'\n", optarg);
				return 2;
			}
			b.shard = i - 1;
			b.nshards = n;
			break;
		}
		case 'h':
			batch_usage(stdout);
			return 0;
		default:
			batch_usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		batch_usage(stderr);
		return 2;
	}
	if (b.before && b.tag) {
		fprintf(stderr, "ipcgrade: --before and --tag each choose the commit: give one\n");
		return 2;
	}
	b.assignment = argv[optind];
	if (!*b.assignment || strchr(b.assignment, '/') || b.assignment[0] == '.') {
		fprintf(stderr, "ipcgrade: '%s' is not an assignment name\n", b.assignment);
		return 2;
	}
	snprintf(gdir, sizeof(gdir), "%s/graders/%s", root_dir(), b.assignment);
	snprintf(rdir, sizeof(rdir), "%s/reference/%s", root_dir(), b.assignment);
	if (access(gdir, F_OK) < 0) {
		fprintf(stderr, "ipcgrade: unknown assignment '%s' (see 'ipcgrade list')\n", b.assignment);
		return 2;
	}
	if (scenario_load(gdir, b.assignment, &g, err, sizeof(err)) < 0) {
		fprintf(stderr, "ipcgrade: %s\n", err);
		return 2;
	}
	if (hash_dirs((const char *const[]){ gdir, "mutants", rdir, NULL, NULL }, NULL, b.grader_hash) < 0 ||
	    hash_dirs(NULL, "/proc/self/exe", b.engine_hash) < 0) {
		fprintf(stderr, "ipcgrade: cannot read the grader of '%s': %s\n", b.assignment, strerror(errno));
		scenario_free(&g);
		return 3;
	}
	gethostname(b.host, sizeof(b.host) - 1);
	b.tty = isatty(2);
	ret = gradebook_open(b.db_path, GRADEBOOK_BATCH, &b.gb, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "ipcgrade: %s\n", err);
		scenario_free(&g);
		return ret == -2 ? 2 : 3;
	}
	ret = scan_roster(&b, argv[optind + 1], err, sizeof(err));
	if (ret == 0 && b.todo)
		b.refdir = reference_bins(&g);
	if (b.refdir)
		time_reference(&b, &g);
	if (ret == 0)
		ret = supervise(&b, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "ipcgrade: %s\n", err);
		ret = ret == -2 ? 2 : 3;
	} else {
		ret = summarize(&b);
		if (do_exports(&b, &g, out, column, reports) < 0)
			ret = 3;
	}
	test_stop("done", 0);
	if (b.tmp[0])
		nftw(b.tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	for (size_t i = 0; i < b.nstudents; i++) {
		free(b.students[i].name);
		free(b.students[i].dir);
		free(b.students[i].commit);
		free(b.students[i].problem);
		free(b.students[i].reason);
	}
	free(b.students);
	gradebook_close(b.gb);
	scenario_free(&g);
	return ret;
}
