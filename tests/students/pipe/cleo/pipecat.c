/*
 * Lab 1 -- pipecat
 * Cleo Martin
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ctype.h>
#include <sys/wait.h>

int fds[2];

void copy_input(void)
{
	char buf[1024];
	ssize_t r;
	while ((r = read(STDIN_FILENO, buf, sizeof buf)) > 0) {
		if (write(fds[1], buf, r) != r) {
			perror("pipecat: write");
			exit(1);
		}
	}
	close(fds[1]);
}

void upper_output(void)
{
	char buf[1024];
	ssize_t r;
	while ((r = read(fds[0], buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < r; i++)
			buf[i] = toupper((unsigned char)buf[i]);
		write(STDOUT_FILENO, buf, r);
	}
	close(fds[0]);
}

int main(int argc, char *argv[])
{
	if (argc > 1) {
		fprintf(stderr, "usage: %s < INPUT\n", argv[0]);
		return 1;
	}
	if (pipe(fds) < 0) {
		perror("pipecat: pipe");
		return 1;
	}
	/* first put everything into the pipe, then let the child convert it */
	copy_input();

	pid_t pid = fork();
	if (pid == -1) {
		perror("pipecat: fork");
		return 1;
	}
	if (pid == 0) {
		upper_output();
		return 0;
	}
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	return WEXITSTATUS(status);
}
