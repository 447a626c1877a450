/*
 * report: every report format, rendered from the one native JSON result
 * of a grading (docs/result.md is its contract). The engine knows
 * nothing of formats; this module knows nothing of grading.
 *
 * Steps for a caller:
 *   1. Build the result (a json_t object) and fill a struct report_options;
 *      a NULL options pointer means all zero.
 *   2. Call report_write_file() once per wanted format and path ("-" is
 *      stdout), or report_write() for a stream of your own.
 *   3. On -1, word the message yourself from errno; nothing is printed
 *      here. The result is only read, never changed or freed: the caller
 *      keeps ownership and json_decref()s it after the last report.
 *
 * Each report is first rendered whole in memory and then written, so a
 * failure while rendering writes nothing, and report_write_file() renames
 * a finished temporary file into place: a reader never sees half a report.
 *
 * What is read from the result, and what stands in for a missing field
 * (no field is required; a missing one is never an error):
 *   assignment, submission      strings; ""
 *   score, max_score            numbers; the sums over tests[] if absent
 *   build.status                "ok" or anything else, which is a failed
 *                               build; absent counts as "ok"
 *   build.output                compiler messages: shown when the build
 *                               failed, or when build.warnings is true
 *   isolation.userns, .seccomp  true, or anything else, which is reported
 *                               loudly as missing isolation
 *   isolation.cgroup            "v1", "v2", "none" (or absent: not shown)
 *   isolation.pidns .mountns .ipcns .netns .utsns .cgroupns
 *                               mentioned only when false
 *   isolation.notes             array of strings
 *   tests[].name, .tags[], .feedback, .events[] {t_ms, text}
 *   tests[].visibility          "hidden", or anything else: visible
 *   tests[].status              "passed", or anything else: failed
 *   tests[].score, .max_score   numbers; 0
 *   tests[].harness_error       true when the grader, not the submission,
 *                               failed: JUnit <error>, a distinct mark in
 *                               the other formats
 *   tests[].duration_ms         JUnit time (from the test's start to the end
 *                               of its steps); absent: 0
 *   violations[] {program, syscall, detail}
 *   hidden_not_run {count, points}
 *                               the hidden tests a check left out: TEXT,
 *                               MARKDOWN and GRADESCOPE say "1 hidden test
 *                               (1 point) is not run here"
 *
 * The cause contract (docs/feedback.md tells the whole story). A failed
 * test may say what explains it; all optional, and a result without them
 * renders as before, but for the summary and the de-duplication below:
 *   tests[].id                  the test's name in the scenario
 *   tests[].cause               one sentence naming the cause in the
 *                               student's terms ("fifo_recv opens the FIFO
 *                               with O_RDWR"); tests with the same text
 *                               share one cause
 *   tests[].fix                 one sentence: what to change
 *   tests[].not_checked {cause, test, build, step}
 *                               the test could not reach its check: cause
 *                               is the earlier cause, test the id of the
 *                               test whose cause it is (absent: none),
 *                               build true when a program did not build
 *                               ("not run" rather than "not checked")
 *   tests[].step {file, line, text}
 *                               the failing step, in the grader's words
 *   tests[].debug               what only a grader's author can use (step
 *                               variables, box pids, inode numbers)
 * Without these, the report falls back on today's feedback: a first line
 * "PROG did not build" (or "not run: PROG did not build") is a test that
 * could not run, and a line "Why: ..." is its cause.
 *
 * What TEXT, MARKDOWN and GRADESCOPE make of it: a summary first, naming
 * the (at most three) causes that explain the most failed tests shown,
 * each with its tests by number (their place in tests[], from 1) and its
 * fix; then the tests, where a test whose cause is given already says so
 * in one line, a test that did not build says "not run: PROG did not
 * build" (the compiler's log is shown once, at the top), and a repeated
 * "Why: " line refers to the summary. Their feedback loses what only the
 * grader's author can use: a leading "PATH.scn:LINE: ", a " (PATH.scn:LINE)",
 * " (pid N in the box)", and the inode of "pipe N is held by" / "FIFO N
 * is held by". step and debug are not shown. JSON keeps everything;
 * JUNIT shows each test's feedback as the result has it; TEXT with
 * report_options.debug shows the feedback as it is, with id, cause, fix,
 * not_checked, step, debug and the timeline.
 *
 * Also for students: MARKDOWN folds each failure in <details>, wraps its
 * prose at 100 columns (fenced blocks and table rows excepted), and says
 * nothing of isolation unless it was weaker than a grading run's (then
 * one calm line); GRADESCOPE's top-level output has no score (it would
 * count the tests Gradescope hides) and no isolation, and says
 * output_format "text".
 *
 * Strings may hold any valid UTF-8, control characters included (they come
 * from students' programs). TEXT shows control characters as \xHH (\uHHHH
 * for C1 controls) so that a student's output cannot drive the terminal;
 * JUNIT and MARKDOWN do the same for those XML 1.0 or a renderer cannot
 * carry (U+FFFE and U+FFFF become U+FFFD), and bytes that are not UTF-8
 * become U+FFFD in those three formats. JSON and GRADESCOPE keep every
 * string exactly, escaped by jansson.
 */
#ifndef HARNESS_REPORT_H
#define HARNESS_REPORT_H

#include <stdio.h>
#include <jansson.h>

/* the order is used as an array index by callers: append only */
enum report_format {
	REPORT_TEXT,		/* what a student reads in a terminal */
	REPORT_JSON,		/* the native result itself, indented by 2, final newline */
	REPORT_GRADESCOPE,	/* Gradescope autograder results.json */
	REPORT_JUNIT,		/* JUnit XML (Jenkins xUnit junit-10.xsd dialect) */
	REPORT_MARKDOWN,	/* a CI job summary (GitHub-flavoured Markdown) */
	REPORT_HTML,		/* MARKDOWN as a self-contained page (html.h) */
};

struct report_options {
	/* TEXT: ANSI colours, for a terminal */
	int color;
	/*
	 * Hidden tests (grade --hidden). Without it, TEXT and MARKDOWN leave
	 * hidden tests out (saying how many), and GRADESCOPE and JUNIT keep
	 * them, with their points, but say "hidden test" instead of their
	 * feedback. GRADESCOPE marks them "after_published" either way.
	 * JSON is always the whole result.
	 */
	int show_hidden;
	/* TEXT: the events timeline under each failed test */
	int verbose;
	/*
	 * TEXT: the view for a grader's author: feedback exactly as the
	 * result has it (scenario paths, box pids, inodes), each test's id,
	 * step and debug text, and the timeline. The other formats ignore it.
	 */
	int debug;
};

/*
 * Write result in format fmt to out, and fflush it. Returns 0, or -1 with
 * errno: EINVAL (result is not an object, or fmt is unknown), ENOMEM, or
 * the error of the failed write. out is left open.
 */
int report_write(const json_t *result, enum report_format fmt,
		 const struct report_options *opt, FILE *out);

/*
 * Write result to path, "-" meaning stdout (as report_write()). Otherwise
 * the report goes to a new hidden file ".NAME.XXXXXX" in path's directory,
 * is fsync()ed, given mode 0666 less the umask, and renamed to path,
 * replacing any file (or symlink) there. On -1 (errno set) path is
 * untouched and the temporary file is gone.
 */
int report_write_file(const json_t *result, enum report_format fmt,
		      const struct report_options *opt, const char *path);

#endif
