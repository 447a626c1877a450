/*
 * report: every report format, rendered from the one native JSON result
 * of a grading (DESIGN.md). The engine knows nothing of formats; this
 * module knows nothing of grading.
 *
 * report_write() writes one format to a stream; report_write_file() to a
 * path ("-" is stdout), through a temporary file renamed into place so a
 * reader never sees half a report. Both return 0, or -1 with errno set.
 */
#ifndef HARNESS_REPORT_H
#define HARNESS_REPORT_H

#include <stdio.h>
#include <jansson.h>

enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_GRADESCOPE, REPORT_JUNIT, REPORT_MARKDOWN };

struct report_options {
	int color;		/* TEXT: ANSI colours, for a terminal */
	int show_hidden;	/* TEXT, MARKDOWN: include hidden tests */
	int verbose;		/* TEXT: the timeline of failed tests */
};

int report_write(const json_t *result, enum report_format fmt,
		 const struct report_options *opt, FILE *out);
int report_write_file(const json_t *result, enum report_format fmt,
		      const struct report_options *opt, const char *path);

#endif
