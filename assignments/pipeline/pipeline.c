/*
 * pipeline: run CMD [ARG...] { '|' CMD [ARG...] } like sh -c 'CMD | CMD ...'.
 * See README.md for the exact interface.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROG "pipeline"

/* print "pipeline: WHAT: <strerror(errno)>" and exit 1 */
static void die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: " PROG " CMD [ARG...] { '|' CMD [ARG...] }\n");
	exit(1);
}

/*
 * TODO: a stage. In the child: dup2() the read end of the previous pipe
 * onto 0 and the write end of the next pipe onto 1 (the first stage keeps
 * stdin, the last keeps stdout), close every pipe descriptor it still has,
 * then execvp(). If execvp() returns, print "pipeline: CMD: <strerror>"
 * and _exit(127).
 */

int main(int argc, char **argv)
{
	/* every stage is checked before the first one runs */
	if (argc < 2)
		usage();
	for (int i = 1; i <= argc; i++)
		if ((i == argc || !strcmp(argv[i], "|")) &&
		    (i == 1 || !strcmp(argv[i - 1], "|")))
			usage();	/* nothing before, between or after separators */

	/*
	 * TODO: for each stage (the arguments between two "|"; replacing a
	 * "|" by NULL ends the previous stage's argv): make its pipe (not for
	 * the last stage), fork it, and in the parent close what the parent
	 * no longer needs. Start them all, then wait for every stage and exit
	 * with the last stage's status (128+signal if it was killed).
	 */
	errno = ENOSYS;
	die("not implemented yet");
}
