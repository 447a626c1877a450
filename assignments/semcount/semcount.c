/*
 * semcount N ITER: N processes increment one shared counter ITER times each.
 * See README.md for the exact interface.
 */
#include <errno.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROG "semcount"
#define MAX_WORKERS 16
#define MAX_ITER 10000000L

/* what the parent and the workers share: one mapping for both */
struct shared {
	sem_t lock;
	long counter;
};

/* print "semcount: WHAT: <strerror(errno)>" and exit 1 */
static void die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: " PROG " N ITER (1 <= N <= %d, 0 <= ITER <= %ld)\n",
		MAX_WORKERS, MAX_ITER);
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
 * TODO: the worker. ITER times: sem_wait (again on EINTR), counter++,
 * sem_post. Then _exit(0).
 */

int main(int argc, char **argv)
{
	long n, iter;
	struct shared *sh = NULL;

	if (argc != 3)
		usage();
	n = parse_arg(argv[1], 1, MAX_WORKERS);
	iter = parse_arg(argv[2], 0, MAX_ITER);

	/*
	 * TODO: mmap() a struct shared with MAP_SHARED | MAP_ANONYMOUS,
	 * sem_init(&sh->lock, 1, 1), fork N workers, wait for all of them,
	 * print "counter: <value>", sem_destroy() and munmap().
	 */
	(void)n;
	(void)iter;
	(void)sh;
	errno = ENOSYS;
	die("not implemented yet");
}
