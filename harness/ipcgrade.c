/*
 * ipcgrade: the command line. Subcommands dispatch from a table; each
 * returns the process's exit status (0 passed, 1 failed, 2 bad usage or
 * input, 3 the harness failed).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "../sandbox/cli.h"
#include "grade.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static int cmd_run(int argc, char **argv)
{
	return box_cli_run("ipcgrade run", argc, argv);
}

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{ "list", cmd_list, "the assignments and their points" },
	{ "check", cmd_check, "ASSIGNMENT [DIR]: the visible tests, for a student before submitting" },
	{ "grade", cmd_grade, "ASSIGNMENT DIR [--json F] [--gradescope F] [--junit F] [--md F]: all tests" },
	{ "selftest", cmd_selftest, "[--materialize DIR] [ASSIGNMENT...]: references score full marks, mutants as expected" },
	{ "run", cmd_run, "[limits] -- CMD [ARG...]: one command in a fresh box, and its verdict" },
	{ "help", cmd_help, "show this list" },
	{ NULL, NULL, NULL },
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
		if (!strcmp(argv[1], c->name))
			return c->fn(argc - 1, argv + 1);
	fprintf(stderr, "ipcgrade: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
