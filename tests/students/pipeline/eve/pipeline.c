/* pipeline.c -- Eve Novak */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/wait.h>

#define MAXSTAGES 64

static void usage(void)
{
	fprintf(stderr, "usage: pipeline CMD [ARG...] { '|' CMD [ARG...] }\n");
	exit(1);
}

int main(int argc, char **argv)
{
	char **cmd[MAXSTAGES];
	int nst = 0;

	if (argc < 2)
		usage();
	/* split argv in place at the "|" arguments */
	cmd[nst++] = &argv[1];
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "|") == 0) {
			if (i == 1 || i == argc - 1 || strcmp(argv[i - 1], "|") == 0 || argv[i - 1] == NULL)
				usage();
			argv[i] = NULL;
			if (nst == MAXSTAGES) {
				fprintf(stderr, "pipeline: too many stages\n");
				return 1;
			}
			cmd[nst++] = &argv[i + 1];
		}
	}

	pid_t pids[MAXSTAGES];
	int prev = -1;
	for (int s = 0; s < nst; s++) {
		int p[2] = { -1, -1 };
		if (s < nst - 1 && pipe(p) < 0) {
			perror("pipeline: pipe");
			exit(1);
		}
		pids[s] = fork();
		if (pids[s] < 0) {
			perror("pipeline: fork");
			exit(1);
		}
		if (pids[s] == 0) {
			if (prev != -1) {
				dup2(prev, 0);
				close(prev);
			}
			if (p[1] != -1) {
				dup2(p[1], 1);
				close(p[1]);
				close(p[0]);
			}
			execvp(cmd[s][0], cmd[s]);
			fprintf(stderr, "pipeline: %s: %s\n", cmd[s][0], strerror(errno));
			_exit(127);
		}
		if (prev != -1)
			close(prev);
		if (p[1] != -1)
			close(p[1]);
		prev = p[0];
	}

	int last = 0;
	for (int s = 0; s < nst; s++) {
		int st;
		if (waitpid(pids[s], &st, 0) < 0) {
			perror("pipeline: waitpid");
			continue;
		}
		if (s == nst - 1)
			last = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
	}
	return last;
}
