/*
 * sigcatch: "ready", then "USR1 <n>" per SIGUSR1, and "Catch SIGINT!" with
 * exit 0 on SIGINT. See README.md for the exact interface.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROG "sigcatch"

/* TODO: what the handlers and main share: which type, which qualifier? */

/* print "sigcatch: WHAT: <strerror(errno)>" and exit 1 */
static void die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

/* TODO: the SIGUSR1 and SIGINT handlers: record what happened, no printf */

int main(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: " PROG "\n");
		return 1;
	}

	/*
	 * TODO: block SIGUSR1 and SIGINT (sigprocmask), install the handlers
	 * (sigaction), print "ready" (flushed), then loop: print what the
	 * handlers recorded, and wait with sigsuspend() on the old mask.
	 */
	errno = ENOSYS;
	die("not implemented yet");
}
