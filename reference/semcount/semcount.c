/*
 * semcount N ITER: N processes increment one shared counter ITER times each.
 *
 * The counter and the unnamed POSIX semaphore that guards it live in one
 * anonymous MAP_SHARED mapping made before fork(), so the parent and every
 * worker see the same page. Both details matter: a MAP_PRIVATE mapping (or
 * a global variable) is copied at fork(), so each worker would count in its
 * own copy, and a semaphore initialised with pshared = 0, or kept outside
 * the shared page, does not exclude other processes: increments are lost.
 *
 * counter++ is a load, an add and a store; between sem_wait and sem_post
 * only one worker can be in the middle of one. The parent waits for every
 * worker, prints the counter and destroys the semaphore; an anonymous
 * mapping leaves nothing behind in /dev/shm or SysV IPC.
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

struct shared {
	sem_t lock;
	long counter;
};

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

/* sem_wait, again when a signal interrupted it */
static void lock(sem_t *s)
{
	while (sem_wait(s) < 0)
		if (errno != EINTR)
			die("sem_wait");
}

static void run_worker(struct shared *sh, long iter)
{
	for (long k = 0; k < iter; k++) {
		lock(&sh->lock);
		sh->counter++;
		if (sem_post(&sh->lock) < 0)
			die("sem_post");
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	long n, iter;
	pid_t pids[MAX_WORKERS];
	struct shared *sh;
	int failed = 0;

	if (argc != 3)
		usage();
	n = parse_arg(argv[1], 1, MAX_WORKERS);
	iter = parse_arg(argv[2], 0, MAX_ITER);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap");
	/* pshared = 1: the semaphore is used by several processes */
	if (sem_init(&sh->lock, 1, 1) < 0)
		die("sem_init");
	sh->counter = 0;

	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			die("fork");
		if (pids[i] == 0)
			run_worker(sh, iter);
	}
	for (int i = 0; i < n; i++) {
		int status;

		while (waitpid(pids[i], &status, 0) < 0)
			if (errno != EINTR)
				die("waitpid");
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, PROG ": worker %d failed\n", i);
			failed = 1;
		}
	}
	if (failed)
		return 1;
	printf("counter: %ld\n", sh->counter);
	sem_destroy(&sh->lock);
	munmap(sh, sizeof(*sh));
	return fflush(stdout) == 0 ? 0 : 1;
}
