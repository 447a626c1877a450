/*
 * ipcgrade: the command line. Subcommands dispatch from a table; each
 * returns the process's exit status (0 passed, 1 failed, 2 bad usage or
 * input, 3 the harness failed).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "../sandbox/cli.h"
#include "batch.h"
#include "commands.h"
#include "selftest.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *help;	/* `ipcgrade NAME --help`; NULL: the command has its own */
};

static int cmd_run(int argc, char **argv)
{
	return box_cli_run("ipcgrade run", argc, argv);
}

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{ "list", cmd_list, "the assignments and their points",
	  "usage: ipcgrade list\n"
	  "The assignments this installation grades, with their tests' points.\n" },
	{ "check", cmd_check, "ASSIGNMENT [DIR]: the visible tests, for a student before submitting",
	  "usage: ipcgrade check ASSIGNMENT [DIR] [--format FMT] [--debug]\n"
	  "Build the submission in DIR (default: the current directory) and run the\n"
	  "assignment's visible tests; the report is printed on stdout.\n"
	  "  --format FMT     text (default), markdown, html (a page that needs nothing\n"
	  "                   else: check lab . --format html >report.html) or json\n"
	  "  --debug          the report for a grader's author: scenario lines, box pids,\n"
	  "                   each test's id and step (docs/feedback.md)\n"
	  "exit status: 0 all passed, 1 some failed, 2 bad usage or input, 3 harness failure\n" },
	{ "grade", cmd_grade, "ASSIGNMENT DIR [--json F] [--gradescope F] [--junit F] [--md F] [--html F]: all tests",
	  "usage: ipcgrade grade ASSIGNMENT DIR [options]\n"
	  "Build the submission in DIR and run every test, hidden ones included.\n"
	  "  --json F         the native JSON result (docs/result.md)\n"
	  "  --gradescope F   Gradescope results.json\n"
	  "  --junit F        JUnit XML\n"
	  "  --md F           a Markdown summary for CI\n"
	  "  --html F         the Markdown summary as a self-contained HTML page\n"
	  "  --hidden         show the hidden tests in the text report too\n"
	  "  --verbose        the events timeline under each failed test\n"
	  "  --debug          the text report for a grader's author: scenario lines, box\n"
	  "                   pids, each test's id and step (docs/feedback.md)\n"
	  "  --repeat N       run each test N times, each run's scheduling disturbed (the box\n"
	  "                   on one CPU, a spinning process beside it, shuffled nice values):\n"
	  "                   a race shows as \"passed k of N\"; a test passes only if every\n"
	  "                   run passed (docs/races.md). Default: one undisturbed run\n"
	  "  --seed S         the first run's seed (run r uses S+r; default: from the clock,\n"
	  "                   and printed): --repeat 1 --seed S repeats one run's choices\n"
	  "  --prebuilt-reference DIR\n"
	  "                   use the reference programs already built in DIR (what\n"
	  "                   `ipcgrade batch` passes each grading; also for autograder\n"
	  "                   images that build the reference once): DIR is only read\n"
	  "F may be '-' for stdout. The text report goes to stdout.\n"
	  "A wait's deadline is the scenario's, or 10 x the reference's own time for the\n"
	  "step on this machine where that is longer (docs/scenarios.md, \"Deadlines\");\n"
	  "IPCGRADE_DEADLINES=scenario keeps the scenario's, IPCGRADE_CACHE=DIR|off\n"
	  "says where the reference's times are kept.\n"
	  "exit status: 0 full marks, 1 points lost, 2 bad usage or input, 3 harness failure\n" },
	{ "batch", cmd_batch, "ASSIGNMENT SUBMISSIONS [-j N] [--db F] [--csv F] ...: grade a class", NULL },
	{ "stats", cmd_stats, "DB: score histogram, pass rates, the most common causes of failure", NULL },
	{ "diff", cmd_diff, "DB: the students whose score changed at the last regrade", NULL },
	{ "merge", cmd_merge, "OUT.db SHARD.db...: batches' gradebooks (--shard I/N) into one", NULL },
	{ "selftest", cmd_selftest, "[--materialize DIR] [ASSIGNMENT...]: references score full marks, mutants as expected",
	  "usage: ipcgrade selftest [--materialize DIR] [ASSIGNMENT...]\n"
	  "Grade each assignment's reference (it must score full marks) and each of its\n"
	  "mutants (exactly the tests named in its MUTANT file must fail, with the\n"
	  "phrases named there in the feedback). Mutants are stored as patches against\n"
	  "the reference; --materialize DIR writes each one out whole under DIR instead.\n"
	  "exit status: 0 all as expected, 1 otherwise, 2 bad usage, 3 harness failure\n" },
	{ "run", cmd_run, "[limits] -- CMD [ARG...]: one command in a fresh box, and its verdict", NULL },
	{ "help", cmd_help, "show this list", NULL },
	{ NULL, NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ipcgrade COMMAND [ARG...]\n\ncommands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(f, "  %-9s %s\n", c->name, c->summary);
	fprintf(f, "\n'ipcgrade COMMAND --help' describes each command\n");
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

/* --help or -h among a command's arguments (before a "--") */
static int wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	/* a program that stops reading its stdin, or a reader of our output
	 * that goes away, is an error to report, not a reason to die */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(argc - 1, argv + 1);
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(argv[1], c->name)) {
			if (c->help && wants_help(argc - 1, argv + 1)) {
				fputs(c->help, stdout);
				return 0;
			}
			return c->fn(argc - 1, argv + 1);
		}
	fprintf(stderr, "ipcgrade: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
