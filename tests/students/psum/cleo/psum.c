/* Cleo Martin -- psum, one shared pipe */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

struct result {
	int index;
	long long sum;
};

int n;
long limit;

void worker(int i, int wfd)
{
	long base = limit / n, extra = limit % n;
	long first = i * base + (i < extra ? i : extra) + 1;
	long count = base + (i < extra ? 1 : 0);
	struct result r = { i, 0 };
	for (long k = first; k < first + count; k++)
		r.sum += k;
	write(wfd, &r, sizeof r);
	exit(0);
}

int main(int argc, char **argv)
{
	char *e1, *e2;
	if (argc != 3)
		goto usage;
	n = strtol(argv[1], &e1, 10);
	limit = strtol(argv[2], &e2, 10);
	if (*e1 || *e2 || !*argv[1] || !*argv[2] || n < 1 || n > 64 || limit < 0 || limit > 1000000000)
		goto usage;

	int p[2];
	if (pipe(p) == -1) {
		perror("psum: pipe");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == -1) {
			perror("psum: fork");
			return 1;
		}
		if (pid == 0) {
			close(p[0]);
			worker(i, p[1]);
		}
	}
	close(p[1]);

	long long sums[64] = { 0 }, total = 0;
	struct result r;
	while (read(p[0], &r, sizeof r) == sizeof r)
		sums[r.index] = r.sum;
	for (int i = 0; i < n; i++) {
		printf("child %d: %lld\n", i, sums[i]);
		total += sums[i];
	}
	printf("total: %lld\n", total);
	wait(NULL);
	return 0;

usage:
	fprintf(stderr, "usage: psum N LIMIT (1 <= N <= 64, 0 <= LIMIT <= 1000000000)\n");
	return 1;
}
