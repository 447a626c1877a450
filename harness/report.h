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
