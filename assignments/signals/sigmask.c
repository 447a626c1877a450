/*
 * sigmask: count SIGUSR1 while stdin lines "block" and "unblock" say when
 * it is blocked; "total <n>" at end of input. See README.md.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROG "sigmask"

/* TODO: the counter the handler increments: which type, which qualifier? */

/* print "sigmask: WHAT: <strerror(errno)>" and exit 1 */
static void die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

/* TODO: the SIGUSR1 handler: it only counts */

int main(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: " PROG " < COMMANDS\n");
		return 1;
	}

	/*
	 * TODO: install the handler with sigaction (think about SA_RESTART),
	 * print "ready" (flushed), then read lines: "block" and "unblock" call
	 * sigprocmask and print "ok"; other lines are ignored. At end of
	 * input print "total <n>" and exit 0.
	 */
	errno = ENOSYS;
	die("not implemented yet");
}
