/*
 * pipeline: run CMD [ARG...] { '|' CMD [ARG...] } like sh -c 'CMD | CMD ...'.
 *
 * One child per stage, all started before any is waited for, joined by
 * n-1 pipes:
 *
 *     stage 0 ==pipe 0==> stage 1 ==pipe 1==> ... ==> stage n-1 --> stdout
 *
 * Stage i's stdin is the read end of pipe i-1 and its stdout the write end
 * of pipe i (the first stage keeps pipeline's stdin, the last its stdout).
 * Every other pipe descriptor must be closed, in the children and in the
 * parent: a reader sees end of file only when no process holds the write
 * end, and a writer gets SIGPIPE (which is how `yes | head -n 3` ends) only
 * when no process holds the read end. The parent therefore keeps at most
 * one pipe end across a fork: the read end the next stage will take.
 *
 * The exit status is the last stage's, 128+signal if it was killed, as a
 * shell reports it. A command that cannot be executed makes its stage say
 * so and exit 127.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROG "pipeline"

static void die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: " PROG " CMD [ARG...] { '|' CMD [ARG...] }\n");
	exit(1);
}

/* the child of stage `argv`: take its stdin and stdout, then exec */
static void run_stage(char **argv, int in, int out, int unused)
{
	if (in != STDIN_FILENO) {
		if (dup2(in, STDIN_FILENO) < 0)
			die("dup2");
		close(in);
	}
	if (out != STDOUT_FILENO) {
		if (dup2(out, STDOUT_FILENO) < 0)
			die("dup2");
		close(out);
	}
	/* the read end of the pipe this stage writes into is the next stage's */
	if (unused >= 0)
		close(unused);
	execvp(argv[0], argv);
	/* pipeline says 127 whatever the reason, where sh says 126 for EACCES */
	fprintf(stderr, PROG ": %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int main(int argc, char **argv)
{
	pid_t pids[argc];	/* at most one stage per argument */
	int nstages = 0, in = STDIN_FILENO, last_status = 0;
	int start = 1;

	/* check every stage before the first one runs */
	if (argc < 2)
		usage();
	for (int i = 1; i <= argc; i++)
		if ((i == argc || !strcmp(argv[i], "|")) &&
		    (i == 1 || !strcmp(argv[i - 1], "|")))
			usage();	/* nothing before, between or after separators */

	for (int i = 1; i <= argc; i++) {
		int fd[2] = { -1, STDOUT_FILENO };
		int last = i == argc;

		if (!last && strcmp(argv[i], "|"))
			continue;
		argv[i] = NULL;	/* argv[start..i) is this stage's command */
		if (!last && pipe(fd) < 0)
			die("pipe");
		pids[nstages] = fork();
		if (pids[nstages] < 0)
			die("fork");
		if (pids[nstages] == 0)
			run_stage(argv + start, in, fd[1], fd[0]);
		nstages++;
		/* the parent keeps only what the next stage needs */
		if (in != STDIN_FILENO)
			close(in);
		if (!last) {
			close(fd[1]);
			in = fd[0];
		}
		start = i + 1;
	}

	for (int k = 0; k < nstages; k++) {
		int status;

		while (waitpid(pids[k], &status, 0) < 0)
			if (errno != EINTR)
				die("waitpid");
		if (k == nstages - 1)
			last_status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) :
				      WEXITSTATUS(status);
	}
	return last_status;
}
