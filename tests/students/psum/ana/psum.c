/* psum -- Ana Ruiz: one pipe per child */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <unistd.h>
#include <sys/wait.h>

static int parse(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static long long sum_range(long long from, long long to)
{
	long long s = 0;
	for (long long k = from; k <= to; k++)
		s += k;
	return s;
}

static int read_full(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= r;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n, limit;
	if (argc != 3 || parse(argv[1], 1, 64, &n) || parse(argv[2], 0, 1000000000, &limit)) {
		fprintf(stderr, "usage: psum N LIMIT (1 <= N <= 64, 0 <= LIMIT <= 1000000000)\n");
		return 1;
	}
	int fds[64][2];
	pid_t pids[64];
	long long start = 1;
	for (long i = 0; i < n; i++) {
		long long size = limit / n + (i < limit % n ? 1 : 0);
		if (pipe(fds[i]) < 0) {
			perror("psum: pipe");
			return 1;
		}
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("psum: fork");
			return 1;
		}
		if (pids[i] == 0) {
			close(fds[i][0]);
			long long s = sum_range(start, start + size - 1);
			if (write(fds[i][1], &s, sizeof s) != sizeof s)
				_exit(1);
			_exit(0);
		}
		close(fds[i][1]);
		start += size;
	}
	long long total = 0;
	int bad = 0;
	for (long i = 0; i < n; i++) {
		long long s;
		if (read_full(fds[i][0], &s, sizeof s) < 0) {
			fprintf(stderr, "psum: child %ld sent no sum\n", i);
			bad = 1;
			s = 0;
		}
		close(fds[i][0]);
		printf("child %ld: %lld\n", i, s);
		total += s;
	}
	printf("total: %lld\n", total);
	fflush(stdout);
	for (long i = 0; i < n; i++) {
		int st;
		waitpid(pids[i], &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad = 1;
	}
	return bad;
}
