/*
 * pipecat: copy stdin to stdout through a pipe, upper-cased by a child.
 * See README.md for the exact interface.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROG "pipecat"

/* print "pipecat: WHAT: <strerror(errno)>" and exit 1 */
static void die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

/*
 * TODO: a helper that writes all of a buffer (write(2) may write less than
 * asked, and may fail with EINTR), and one that reads with EINTR retried.
 */

/*
 * TODO: the child. Read the pipe until read(2) returns 0, convert each byte
 * with toupper(3) (cast to unsigned char first) and write it to stdout.
 * Which pipe end must the child close first, and why?
 */

/*
 * TODO: the parent. Copy stdin into the pipe, close the write end, wait for
 * the child and return its status (128+signal if it was killed).
 */

int main(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: " PROG " < INPUT\n");
		return 1;
	}

	/* TODO: pipe(2), fork(2), then the child's and the parent's work */
	errno = ENOSYS;
	die("not implemented yet");
}
