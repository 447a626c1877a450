/*
 * scenario: the grader of one assignment, read from the .scn files in
 * graders/NAME/.
 *
 * A grader file is line-oriented (docs/scenarios.md is the reference):
 * header lines (`programs`, `deny`, `allow`, `limit`), then tests, each a
 * `test` line followed by its steps. scenario_load() reads every .scn file
 * of a directory in name order; a bad line fails the whole load with
 * "file:line: what is wrong" and nothing is graded. scenario_free()
 * releases everything.
 */
#ifndef HARNESS_SCENARIO_H
#define HARNESS_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "cond.h"

enum proc_kind { PROC_STUDENT, PROC_REFERENCE, PROC_SYSTEM };
enum stdin_kind { IN_NULL, IN_TEXT, IN_FILE, IN_RANDOM, IN_HOLD };

enum step_kind {
	STEP_START,	/* start ID = KIND PROGRAM ARGS... [stdin=...] */
	STEP_WRITE,	/* write ID "text" */
	STEP_CLOSE,	/* close ID: its stdin */
	STEP_SIGNAL,	/* signal ID SIGNAME */
	STEP_HOLD,	/* hold ID: stop reading its stdout */
	STEP_RELEASE,	/* release ID: read it again, let held children go */
	STEP_WAIT,	/* wait ID COND [within DUR] */
	STEP_EXPECT,	/* expect ID COND [within DUR] */
};


enum selector {
	SEL_SELF,	/* ID: the started process */
	SEL_CHILD,	/* ID.child: its only child (several: the step fails) */
	SEL_ALL,	/* ID.all: it and every live descendant, each must hold */
};
enum match_op { MATCH_EQ, MATCH_CONTAINS, MATCH_REGEX, MATCH_LINES, MATCH_SAME_AS };
enum fd_kind { FD_ANY, FD_PIPE, FD_FIFO, FD_SOCKET, FD_PATH };
enum sysv_kind { SYSV_NONE, SYSV_MSG, SYSV_SHM, SYSV_SEM };

struct cond {
	enum cond_kind kind;
	char **syscalls;	/* COND_BLOCKED, NULL-terminated */
	enum fd_kind on;
	char *path;		/* COND_BLOCKED on "path", COND_PATH */
	int code;		/* COND_EXIT: -1 any; COND_KILLED: signal */
	int signal;		/* handler, sigblk, sigpnd */
	enum match_op op;
	char *text;		/* output, stdout/stderr argument, regex */
	char *other;		/* MATCH_SAME_AS, exit = ID2: the other process's id */
	int64_t limit_ms;	/* COND_CPU */
	char *type;		/* COND_PATH: absent fifo socket file dir empty listening */
	int mode;		/* COND_PATH, COND_SYSV: -1 unchecked */
	enum sysv_kind sysv;
	long key;
	int absent;		/* COND_SYSV */
	long count, nattch, value;	/* -1 unchecked */
	int number;		/* COND_PROCESSES, COND_ORPHANS */
};

#define MAX_WHEN 4	/* conditions a hint's premise joins with "and" or "or" */

struct step {
	enum step_kind kind;
	int line;
	char *proc;		/* process id; NULL for box-wide conditions */
	enum selector sel;	/* which processes of ID a COND_LIVE condition tests */
	/* start */
	enum proc_kind pkind;
	char **argv;		/* NULL-terminated */
	enum stdin_kind in;
	char *in_text;		/* IN_TEXT text, IN_FILE name */
	size_t in_len;
	int64_t in_size;	/* IN_RANDOM */
	unsigned in_seed;
	int in_letters;		/* IN_RANDOM of lower-case letters and newlines */
	int hold_stdout;	/* stdout=hold: not read until `release` */
	int full_stdout;	/* stdout=frozen: held, and its first write blocks */
	int hold_children;	/* children=held: its descendants wait for `release` */
	int load;		/* role=load: a system command that only burns CPU */
	/* write, signal */
	char *text;
	size_t text_len;
	int signal;
	/* wait, expect */
	struct cond cond;
	int64_t within_ms;	/* wait and expect deadline */
	char *hint;
	/*
	 * hint='s premise (when="COND"): a wait/expect-like step whose
	 * condition is looked at once, when this step has failed; the hint
	 * is shown only if it holds (negated: when="not COND"). NULL: the
	 * hint holds for any failure of this step. Premises joined by "and"
	 * (or all by "or") chain: when->when is the next, negated by
	 * when->when_not.
	 */
	struct step *when;
	int when_not;
	int when_any;		/* the chain's conditions are joined by "or" */
	char *common;		/* common="...": shown as "A common cause: ..." */
	char *source;		/* the step's line as written, for the grader's author */
};

struct test {
	char *id, *title;
	char *file;
	int line;
	double points;
	char **tags;		/* NULL-terminated */
	int hidden;
	struct step *steps;
	int nsteps;
};

struct grader {
	char *name;		/* the assignment */
	char *dir;		/* graders/NAME */
	char **programs;	/* NULL-terminated */
	char **allow, **deny;	/* seccomp changes, NULL-terminated */
	char **deny_reason;	/* beside deny: why each call is denied, or NULL */
	int64_t wall_ms;	/* per scenario; 0 for the default */
	struct test *tests;
	int ntests;
};

/* 0, or -1 with err (e.g. "graders/fifo/order.scn:12: unknown step 'wiat'") */
int scenario_load(const char *dir, const char *name, struct grader *g,
		  char *err, size_t errsize);
void scenario_free(struct grader *g);

double grader_max_score(const struct grader *g, int hidden_too);
/* the tag vocabulary of docs/curriculum.md; 1 if known */
int scenario_known_tag(const char *tag);

#endif
