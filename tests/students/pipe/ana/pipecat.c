/* pipecat - Ana Ruiz, lab 1 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <ctype.h>
#include <signal.h>
#include <errno.h>
#include <sys/wait.h>

#define BUFSZ 4096

static void die(const char *what)
{
	fprintf(stderr, "pipecat: ");
	perror(what);
	exit(1);
}

static int write_all(int fd, const char *buf, ssize_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		n -= w;
	}
	return 0;
}

static void child(int in)
{
	char buf[BUFSZ];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("read pipe");
		}
		for (ssize_t i = 0; i < n; i++)
			buf[i] = toupper((unsigned char)buf[i]);
		if (write_all(1, buf, n) < 0)
			die("write stdout");
	}
	exit(0);
}

int main(int argc, char **argv)
{
	int fd[2];
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: pipecat < INPUT\n");
		return 1;
	}
	if (pipe(fd) < 0)
		die("pipe");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(fd[1]);
		child(fd[0]);
	}
	close(fd[0]);
	signal(SIGPIPE, SIG_IGN);

	char buf[BUFSZ];
	ssize_t n;
	int rc = 0;
	while ((n = read(0, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("pipecat: read stdin");
			rc = 1;
			break;
		}
		if (write_all(fd[1], buf, n) < 0)
			break;
	}
	close(fd[1]);

	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	if (rc)
		return rc;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
