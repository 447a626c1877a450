/*
 * commands: list, check and grade, the commands a student, an instructor
 * or a CI job runs on one submission: their options, and which reports
 * they render where.
 */
#define _GNU_SOURCE
#include "commands.h"
#include "grade.h"
#include "refcache.h"
#include "report.h"
#include "scenario.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int cmd_list(int argc, char **argv)
{
	char dir[PATH_MAX];
	struct dirent **names;
	int n;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: ipcgrade list\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s/graders", root_dir());
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "ipcgrade: cannot open '%s': %s\n", dir, strerror(errno));
		return 3;
	}
	printf("%-12s %6s %8s %8s\n", "assignment", "tests", "visible", "points");
	for (int i = 0; i < n; i++) {
		struct grader g;
		char sub[PATH_MAX + 256], err[1024];
		int nvis = 0;

		if (names[i]->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", dir, names[i]->d_name);
			if (scenario_load(sub, names[i]->d_name, &g, err, sizeof(err)) == 0) {
				for (int k = 0; k < g.ntests; k++)
					nvis += !g.tests[k].hidden;
				printf("%-12s %6d %8d %8g\n", g.name, g.ntests, nvis, grader_max_score(&g, 1));
				scenario_free(&g);
			} else {
				printf("%-12s  (broken: %s)\n", names[i]->d_name, err);
			}
		}
		free(names[i]);
	}
	free(names);
	return 0;
}

static int render(json_t *result, const char *fmt_name, enum report_format fmt,
		  const char *path, const struct report_options *opt)
{
	if (report_write_file(result, fmt, opt, path) < 0) {
		fprintf(stderr, "ipcgrade: cannot write the %s report '%s': %s\n", fmt_name, path,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* what check --format takes: the reports a student reads */
static const struct {
	const char *name;
	enum report_format fmt;
} check_formats[] = {
	{ "text", REPORT_TEXT },
	{ "markdown", REPORT_MARKDOWN },
	{ "md", REPORT_MARKDOWN },
	{ "html", REPORT_HTML },
	{ "json", REPORT_JSON },
};

int cmd_check(int argc, char **argv)
{
	struct grader g;
	struct report_options opt = { .color = isatty(1), .verbose = 0 };
	enum report_format fmt = REPORT_TEXT;
	const char *fmt_name = "text";
	json_t *result;
	int status;

	for (int i = 1; i < argc; i++) {
		size_t k;

		/* --debug, anywhere: the view for a grader's author */
		if (!strcmp(argv[i], "--debug")) {
			opt.debug = 1;
			memmove(&argv[i], &argv[i + 1], (size_t)(argc - i) * sizeof(*argv));
			argc--;
			i--;
			continue;
		}
		/* --format FMT, anywhere: the same report as a page or a summary */
		if (strcmp(argv[i], "--format"))
			continue;
		for (k = 0; i + 1 < argc && k < sizeof(check_formats) / sizeof(check_formats[0]); k++)
			if (!strcmp(argv[i + 1], check_formats[k].name))
				break;
		if (i + 1 >= argc || k == sizeof(check_formats) / sizeof(check_formats[0])) {
			fprintf(stderr, "ipcgrade: --format wants text, markdown, html or json%s%s%s\n",
				i + 1 < argc ? ", not '" : "", i + 1 < argc ? argv[i + 1] : "",
				i + 1 < argc ? "'" : "");
			return 2;
		}
		fmt = check_formats[k].fmt;
		fmt_name = check_formats[k].name;
		memmove(&argv[i], &argv[i + 2], (size_t)(argc - i - 1) * sizeof(*argv));
		argc -= 2;
		i--;
	}
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: ipcgrade check ASSIGNMENT [DIR] [--format text|markdown|html|json] "
			"[--debug]\n");
		return 2;
	}
	if (load_grader(argv[1], &g) < 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	result = grade_submission(&g, argc == 3 ? argv[2] : ".", 0, &status);
	if (result) {
		/* the points a check leaves out, so that its total is not mistaken for the grade */
		int nhidden = 0;

		for (int i = 0; i < g.ntests; i++)
			nhidden += g.tests[i].hidden;
		if (nhidden)
			json_object_set_new(result, "hidden_not_run", json_pack("{s:i,s:f}", "count", nhidden,
				"points", grader_max_score(&g, 1) - grader_max_score(&g, 0)));
		if (render(result, fmt_name, fmt, "-", &opt) < 0)
			status = 3;
		json_decref(result);
	}
	scenario_free(&g);
	return status;
}

int cmd_grade(int argc, char **argv)
{
	enum { O_JSON = 256, O_GS, O_JUNIT, O_HTML, O_MD, O_HIDDEN, O_VERBOSE, O_DEBUG, O_REPEAT,
	       O_SEED, O_PREBUILT };
	static const struct option opts[] = {
		{ "json", required_argument, NULL, O_JSON },
		{ "gradescope", required_argument, NULL, O_GS },
		{ "junit", required_argument, NULL, O_JUNIT },
		{ "html", required_argument, NULL, O_HTML },
		{ "md", required_argument, NULL, O_MD },
		{ "hidden", no_argument, NULL, O_HIDDEN },
		{ "verbose", no_argument, NULL, O_VERBOSE },
		{ "debug", no_argument, NULL, O_DEBUG },
		{ "repeat", required_argument, NULL, O_REPEAT },
		{ "seed", required_argument, NULL, O_SEED },
		{ "prebuilt-reference", required_argument, NULL, O_PREBUILT },
		{ NULL, 0, NULL, 0 },
	};
	const char *out[REPORT_HTML + 1] = { NULL };
	const char *seed_arg = NULL, *prebuilt = NULL;
	uint64_t seed = 0;
	int repeat = 0;
	char *end;
	struct report_options opt = { .color = isatty(1), .show_hidden = 0 };
	struct grader g;
	json_t *result;
	int c, status, any = 0;

	optind = 1;
	/* options may follow ASSIGNMENT DIR, as the README writes them */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_JSON: out[REPORT_JSON] = optarg; break;
		case O_GS: out[REPORT_GRADESCOPE] = optarg; break;
		case O_JUNIT: out[REPORT_JUNIT] = optarg; break;
		case O_MD: out[REPORT_MARKDOWN] = optarg; break;
		case O_HTML: out[REPORT_HTML] = optarg; break;
		case O_HIDDEN: opt.show_hidden = 1; break;
		case O_VERBOSE: opt.verbose = 1; break;
		case O_DEBUG: opt.debug = 1; break;
		case O_REPEAT:
			errno = 0;
			repeat = (int)strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || repeat < 1 || repeat > 1000) {
				fprintf(stderr, "ipcgrade: --repeat '%s': give a number of runs from 1 to 1000\n",
					optarg);
				return 2;
			}
			break;
		case O_SEED:
			errno = 0;
			seed = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-') {
				fprintf(stderr, "ipcgrade: --seed '%s' is not a number (0 or more)\n", optarg);
				return 2;
			}
			seed_arg = optarg;
			break;
		/* a batch's children: the reference its supervisor built once */
		case O_PREBUILT: prebuilt = optarg; break;
		default:
			fprintf(stderr, "usage: ipcgrade grade ASSIGNMENT DIR [--json F] [--gradescope F] "
				"[--junit F] [--md F] [--html F] [--hidden] [--debug] [--repeat N [--seed S]]\n");
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: ipcgrade grade ASSIGNMENT DIR [--json F] [--gradescope F] "
			"[--junit F] [--md F] [--html F] [--hidden] [--debug] [--repeat N [--seed S]]\n");
		return 2;
	}
	if (seed_arg && !repeat) {
		fprintf(stderr, "ipcgrade: --seed chooses the disturbance of --repeat's runs: give "
			"--repeat N too (--repeat 1 --seed S repeats one run)\n");
		return 2;
	}
	if (repeat && !seed_arg) {
		/* any seed will do; it is said, so that the runs can be made again */
		seed = (uint64_t)time(NULL) % 1000000;
		fprintf(stderr, "ipcgrade: --repeat %d with --seed %llu\n", repeat, (unsigned long long)seed);
	}
	if (load_grader(argv[optind], &g) < 0)
		return 2;
	if (prebuilt) {
		char err[PATH_MAX + 128];

		if (reference_adopt(&g, prebuilt, err, sizeof(err)) < 0) {
			fprintf(stderr, "ipcgrade: %s\n", err);
			scenario_free(&g);
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	/* grade runs every test; --hidden shows the hidden ones in text */
	result = grade_repeated(&g, argv[optind + 1], 1, repeat, seed, &status);
	if (result) {
		static const char *const names[] = { "text", "json", "gradescope", "junit", "markdown",
						     "HTML" };

		for (int f = REPORT_JSON; f <= REPORT_HTML; f++) {
			if (!out[f])
				continue;
			any |= !strcmp(out[f], "-");
			if (render(result, names[f], (enum report_format)f, out[f], &opt) < 0)
				status = 3;
		}
		if (!any && render(result, "text", REPORT_TEXT, "-", &opt) < 0)
			status = 3;
		json_decref(result);
	}
	scenario_free(&g);
	return status;
}
