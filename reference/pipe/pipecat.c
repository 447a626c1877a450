/*
 * pipecat: the parent copies stdin into a pipe; the child reads the pipe
 * and writes it to stdout in upper case. The parent waits for the child and
 * exits with its status (128+signal if it was killed).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "pipecat: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* write all of buf, across short writes and signals */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int copy(int in, int out, int upper)
{
	char buf[65536];
	ssize_t n;

	for (;;) {
		n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (int)n;
		if (upper)
			for (ssize_t i = 0; i < n; i++)
				buf[i] = (char)toupper((unsigned char)buf[i]);
		if (write_all(out, buf, (size_t)n) < 0)
			return -1;
	}
}

int main(int argc, char **argv)
{
	int fd[2], status;
	pid_t pid;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: pipecat < input\n");
		return 1;
	}
	if (pipe(fd) < 0)
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(fd[1]);	/* or read() never sees end of file */
		if (copy(fd[0], 1, 1) < 0)
			die("copy");
		_exit(0);
	}
	close(fd[0]);
	if (copy(0, fd[1], 0) < 0)
		die("copy");
	close(fd[1]);		/* end of input for the child */
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
