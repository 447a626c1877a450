/*
 * psum N LIMIT: sum 1..LIMIT with N child processes.
 *
 * The parent splits 1..LIMIT into N contiguous shares, in order, whose
 * sizes differ by at most one (the first LIMIT % N children take one number
 * more), forks one child per share and reads the partial sums back from
 * one pipe that all children share:
 *
 *     child 0 --\
 *     child 1 ---+==pipe==> parent --> "child <i>: <sum>" ..., "total: <sum>"
 *     ...     --/
 *
 * Several writers on one pipe are safe only because each child sends its
 * whole message with one write(2) of at most PIPE_BUF bytes, which the
 * kernel never interleaves with another write. The parent closes its write
 * end before reading, so that end of file on the pipe means every child
 * has closed its own, and reaps every child before it prints and exits.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROG "psum"
#define MAX_CHILDREN 64
#define MAX_LIMIT 1000000000L

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

/* the child: sum its share and send "<i> <sum>\n" in one write */
static void run_child(int i, long first, long count, int wfd)
{
	long long sum = 0;
	char msg[64];
	int len;

	for (long k = first; k < first + count; k++)
		sum += k;
	len = snprintf(msg, sizeof(msg), "%d %lld\n", i, sum);
	/* a pipe never splits a write of at most PIPE_BUF bytes */
	if (write(wfd, msg, (size_t)len) != len)
		die("write pipe");
	_exit(0);
}

int main(int argc, char **argv)
{
	long n, limit, first = 1;
	long long sums[MAX_CHILDREN], total = 0;
	int got[MAX_CHILDREN] = { 0 };
	pid_t pids[MAX_CHILDREN];
	int fd[2], failed = 0;
	char *line = NULL;
	size_t cap = 0;
	FILE *in;

	if (argc != 3)
		usage();
	n = parse_arg(argv[1], 1, MAX_CHILDREN);
	limit = parse_arg(argv[2], 0, MAX_LIMIT);

	if (pipe(fd) < 0)
		die("pipe");
	for (int i = 0; i < n; i++) {
		long count = limit / n + (i < limit % n);

		pids[i] = fork();
		if (pids[i] < 0)
			die("fork");
		if (pids[i] == 0) {
			close(fd[0]);
			run_child(i, first, count, fd[1]);
		}
		first += count;
	}
	close(fd[1]);

	/* lines in the order the children finish; the index says whose */
	if (!(in = fdopen(fd[0], "r")))
		die("fdopen");
	while (getline(&line, &cap, in) > 0) {
		int i;
		long long sum;

		if (sscanf(line, "%d %lld", &i, &sum) != 2 || i < 0 || i >= n || got[i]) {
			fprintf(stderr, PROG ": bad message from a child: %s", line);
			failed = 1;
			continue;
		}
		sums[i] = sum;
		got[i] = 1;
	}
	free(line);
	fclose(in);

	for (int i = 0; i < n; i++) {
		int status;

		while (waitpid(pids[i], &status, 0) < 0)
			if (errno != EINTR)
				die("waitpid");
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !got[i]) {
			fprintf(stderr, PROG ": child %d failed\n", i);
			failed = 1;
		}
	}
	if (failed)
		return 1;
	for (int i = 0; i < n; i++) {
		printf("child %d: %lld\n", i, sums[i]);
		total += sums[i];
	}
	printf("total: %lld\n", total);
	return fflush(stdout) == 0 ? 0 : 1;
}
