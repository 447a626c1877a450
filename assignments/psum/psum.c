/*
 * psum N LIMIT: sum 1..LIMIT with N child processes.
 * See README.md for the exact interface.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROG "psum"
#define MAX_CHILDREN 64
#define MAX_LIMIT 1000000000L

/* print "psum: WHAT: <strerror(errno)>" and exit 1 */
static void die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: " PROG " N LIMIT (1 <= N <= %d, 0 <= LIMIT <= %ld)\n",
		MAX_CHILDREN, MAX_LIMIT);
	exit(1);
}

/* a whole decimal number in [min, max], or usage */
static long parse_arg(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		usage();
	return v;
}

/*
 * TODO: the child. Sum its share (64 bits: long long) and send the parent
 * its index and sum in ONE write() of a short message, then _exit(0).
 */

int main(int argc, char **argv)
{
	long n, limit;

	if (argc != 3)
		usage();
	n = parse_arg(argv[1], 1, MAX_CHILDREN);
	limit = parse_arg(argv[2], 0, MAX_LIMIT);

	/*
	 * TODO: pipe(2); fork N children, child i with LIMIT/N numbers plus
	 * one if i < LIMIT%N, starting after child i-1's; in the parent,
	 * close the write end, read the N messages, wait for every child,
	 * then print "child <i>: <sum>" in order and "total: <sum>".
	 */
	(void)n;
	(void)limit;
	errno = ENOSYS;
	die("not implemented yet");
}
