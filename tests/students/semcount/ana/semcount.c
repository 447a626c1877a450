/* semcount -- Ana Ruiz */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <unistd.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/wait.h>

struct shared {
	sem_t lock;
	long counter;
};

static int number(const char *s, long lo, long hi, long *v)
{
	char *end;
	errno = 0;
	*v = strtol(s, &end, 10);
	return errno || end == s || *end || *v < lo || *v > hi ? -1 : 0;
}

int main(int argc, char **argv)
{
	long n, iter;
	if (argc != 3 || number(argv[1], 1, 16, &n) || number(argv[2], 0, 10000000, &iter)) {
		fprintf(stderr, "usage: semcount N ITER (1 <= N <= 16, 0 <= ITER <= 10000000)\n");
		return 1;
	}
	struct shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("semcount: mmap");
		return 1;
	}
	sh->counter = 0;
	if (sem_init(&sh->lock, 1, 1) < 0) {
		perror("semcount: sem_init");
		return 1;
	}
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("semcount: fork");
			return 1;
		}
		if (pid == 0) {
			for (long k = 0; k < iter; k++) {
				while (sem_wait(&sh->lock) < 0 && errno == EINTR)
					;
				sh->counter++;
				sem_post(&sh->lock);
			}
			_exit(0);
		}
	}
	int bad = 0, st;
	while (wait(&st) > 0)
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			bad = 1;
	printf("counter: %ld\n", sh->counter);
	sem_destroy(&sh->lock);
	munmap(sh, sizeof *sh);
	return bad;
}
