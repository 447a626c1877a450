/* Cleo Martin - pipeline */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

static int count_stages(int argc, char **argv)
{
	int n = 1;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "|"))
			n++;
	return n;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: pipeline CMD [ARG...] { '|' CMD [ARG...] }\n");
		return 1;
	}
	int n = count_stages(argc, argv);
	char ***cmds = calloc(n, sizeof *cmds);
	int k = 0;
	cmds[k++] = argv + 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "|")) {
			argv[i] = NULL;
			cmds[k++] = argv + i + 1;
		}
	}
	for (int i = 0; i < n; i++) {
		if (cmds[i][0] == NULL) {
			fprintf(stderr, "usage: pipeline CMD [ARG...] { '|' CMD [ARG...] }\n");
			return 1;
		}
	}

	pid_t *kids = calloc(n, sizeof *kids);
	int in = 0;
	for (int i = 0; i < n; i++) {
		int fd[2];
		if (i < n - 1)
			pipe(fd);
		kids[i] = fork();
		if (kids[i] == 0) {
			if (in != 0) {
				dup2(in, 0);
				close(in);
			}
			if (i < n - 1) {
				close(fd[0]);
				dup2(fd[1], 1);
				close(fd[1]);
			}
			execvp(cmds[i][0], cmds[i]);
			perror("execvp");
			exit(1);
		}
		if (in != 0)
			close(in);
		if (i < n - 1) {
			close(fd[1]);
			in = fd[0];
		}
	}
	int st = 0;
	for (int i = 0; i < n; i++)
		waitpid(kids[i], &st, 0);
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}
