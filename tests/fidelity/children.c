/* 100 children alive at once before any is reaped (a parallel sum). */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define N 100

int main(void)
{
	int go[2], done[2], status;
	long sum = 0;
	char c;

	if (pipe(go) < 0 || pipe(done) < 0)
		return 1;
	for (int i = 0; i < N; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			close(go[1]);
			close(done[0]);
			(void)!write(done[1], "r", 1);
			/* every child lives until all are forked */
			(void)!read(go[0], &c, 1);
			_exit(i % 7);
		}
	}
	close(done[1]);
	for (int i = 0; i < N; i++)
		if (read(done[0], &c, 1) != 1)
			return 1;
	printf("%d children alive at once\n", N);
	close(go[1]);
	for (int i = 0; i < N; i++) {
		if (wait(&status) < 0)
			return 1;
		sum += WEXITSTATUS(status);
	}
	printf("reaped %d, sum of statuses %ld\n", N, sum);
	return 0;
}
