/*
 * render: the test driver for harness/report.c. Reads a native JSON
 * result and writes one report format, to stdout through report_write()
 * or to OUT through report_write_file().
 *
 * usage: render FORMAT [--color] [--hidden] [--verbose] [--debug] IN [OUT]
 *   FORMAT  text, json, gradescope, junit, markdown or html
 *   IN      a native JSON file
 *        render md2html IN
 *   IN      Markdown, made a page by html_page() (harness/html.c), as
 *           if report.c had written it: for Markdown it never writes
 * Without any option the options pointer passed is NULL.
 * Exit status: 0 written; 1 the report failed (errno's message on
 * stderr); 2 bad usage or unreadable IN; 3 a descriptor was left open.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "report.h"

static const char *const format_names[] = {
	[REPORT_TEXT] = "text",
	[REPORT_JSON] = "json",
	[REPORT_GRADESCOPE] = "gradescope",
	[REPORT_JUNIT] = "junit",
	[REPORT_MARKDOWN] = "markdown",
	[REPORT_HTML] = "html",
};

static int parse_format(const char *name, enum report_format *fmt)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++) {
		if (!strcmp(name, format_names[i])) {
			*fmt = (enum report_format)i;
			return 0;
		}
	}
	return -1;
}

/* descriptors open besides 0, 1, 2 and the one reading /proc/self/fd */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && atoi(e->d_name) > 2 && atoi(e->d_name) != dirfd(d))
			n++;
	closedir(d);
	return n;
}

static int usage(void)
{
	fprintf(stderr, "usage: render text|json|gradescope|junit|markdown|html "
		"[--color] [--hidden] [--verbose] [--debug] IN [OUT]\n"
		"       render md2html IN\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct report_options opt = { 0 };
	enum report_format fmt;
	json_error_t jerr;
	json_t *result;
	int i, any = 0, ret, fds = open_fds();

	if (argc == 3 && !strcmp(argv[1], "md2html")) {
		char *md = NULL;
		size_t len = 0, n;
		char buf[4096];
		FILE *in = fopen(argv[2], "re"), *m = open_memstream(&md, &len);

		if (!in || !m)
			return 2;
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			fwrite(buf, 1, n, m);
		fclose(in);
		fclose(m);
		ret = html_page(md, len, stdout);
		free(md);
		return ret < 0 ? 1 : 0;
	}
	if (argc < 3 || parse_format(argv[1], &fmt) < 0)
		return usage();
	for (i = 2; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--color"))
			opt.color = 1;
		else if (!strcmp(argv[i], "--hidden"))
			opt.show_hidden = 1;
		else if (!strcmp(argv[i], "--verbose"))
			opt.verbose = 1;
		else if (!strcmp(argv[i], "--debug"))
			opt.debug = 1;
		else
			return usage();
		any = 1;
	}
	if (argc - i != 1 && argc - i != 2)
		return usage();
	result = json_load_file(argv[i], JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!result) {
		fprintf(stderr, "render: cannot read '%s': line %d: %s\n", argv[i], jerr.line, jerr.text);
		return 2;
	}
	if (argc - i == 2)
		ret = report_write_file(result, fmt, any ? &opt : NULL, argv[i + 1]);
	else
		ret = report_write(result, fmt, any ? &opt : NULL, stdout);
	if (ret < 0)
		fprintf(stderr, "render: cannot write the %s report: %s\n", argv[1], strerror(errno));
	json_decref(result);
	if (open_fds() > fds) {
		fprintf(stderr, "render: %d descriptors left open\n", open_fds() - fds);
		return 3;
	}
	return ret < 0 ? 1 : 0;
}
