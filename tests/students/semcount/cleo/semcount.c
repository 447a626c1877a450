/* Cleo Martin -- semcount with a named semaphore */
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	char *e1, *e2;
	if (argc != 3) {
		fprintf(stderr, "usage: semcount N ITER (1 <= N <= 16, 0 <= ITER <= 10000000)\n");
		return 1;
	}
	long n = strtol(argv[1], &e1, 10), iter = strtol(argv[2], &e2, 10);
	if (*e1 || *e2 || e1 == argv[1] || e2 == argv[2] || n < 1 || n > 16 || iter < 0 || iter > 10000000) {
		fprintf(stderr, "usage: semcount N ITER (1 <= N <= 16, 0 <= ITER <= 10000000)\n");
		return 1;
	}
	long *counter = mmap(NULL, sizeof *counter, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counter == MAP_FAILED) {
		perror("semcount: mmap");
		return 1;
	}
	sem_t *sem = sem_open("/semcount_lock", O_CREAT, 0600, 1);
	if (sem == SEM_FAILED) {
		perror("semcount: sem_open");
		return 1;
	}
	for (long i = 0; i < n; i++) {
		if (fork() == 0) {
			for (long k = 0; k < iter; k++) {
				sem_wait(sem);
				++*counter;
				sem_post(sem);
			}
			_exit(0);
		}
	}
	for (long i = 0; i < n; i++)
		wait(NULL);
	printf("counter: %ld\n", *counter);
	sem_close(sem);
	return 0;
}
