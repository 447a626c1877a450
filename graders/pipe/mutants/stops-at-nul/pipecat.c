/*
 * pipecat: copy stdin to stdout through a pipe, upper-cased by a child.
 *
 * Two processes and one pipe:
 *
 *     stdin --> parent ==pipe==> child --toupper--> stdout
 *
 * Each process closes the end of the pipe it does not use. That matters for
 * the child: read(2) on a pipe returns 0 (end of file) only when no process
 * holds the write end any more, so a child that kept its copy of the write
 * end would wait for itself for ever. The parent closes its write end at the
 * end of its input, waits for the child and exits with the child's status
 * (128+signal if the child was killed), as a shell reports it.
 *
 * Only read(2) and write(2) are used on the data: no stdio buffer can be
 * duplicated by fork() or lost at exit, and NUL bytes are data like any other.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROG "pipecat"

static void die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

/* read(2), again when a signal interrupted it */
static ssize_t read_retry(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

/* write(2) until everything is written: a pipe may take less than asked */
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The child: the read end of the pipe in, upper case out, until EOF. */
static void run_child(int rfd)
{
	char buf[65536 + 1];
	ssize_t n;

	while ((n = read_retry(rfd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';	/* make it a string */
		for (size_t i = 0; buf[i]; i++)
			buf[i] = (char)toupper((unsigned char)buf[i]);
		if (write_all(STDOUT_FILENO, buf, strlen(buf)) < 0)
			die("write stdout");
	}
	if (n < 0)
		die("read pipe");
	exit(0);
}

/*
 * The parent: stdin into the write end. Returns 0, or 1 when reading stdin
 * failed. A child that ended early (EPIPE) is not the parent's error: its
 * exit status tells what happened.
 */
static int copy_input(int wfd)
{
	char buf[65536];
	ssize_t n;

	while ((n = read_retry(STDIN_FILENO, buf, sizeof(buf))) > 0) {
		if (write_all(wfd, buf, (size_t)n) < 0) {
			if (errno == EPIPE)
				return 0;
			die("write pipe");
		}
	}
	if (n < 0) {
		fprintf(stderr, PROG ": read stdin: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int fds[2], status, failed;
	pid_t pid;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: " PROG " < INPUT\n");
		return 1;
	}
	if (pipe(fds) < 0)
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(fds[1]);	/* or the child never sees end of file */
		run_child(fds[0]);
	}
	close(fds[0]);

	/* only in the parent: a dead child makes write() fail with EPIPE
	 * instead of killing the parent before it could wait */
	signal(SIGPIPE, SIG_IGN);
	failed = copy_input(fds[1]);
	if (close(fds[1]) < 0)
		die("close pipe");

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	if (failed)
		return 1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
