#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ctype.h>
#include <sys/wait.h>

/* Dev Patel - OS lab 1 */

#define SIZE 256

void to_upper(char *s)
{
	for (int i = 0; s[i] != '\0'; i++)
		s[i] = toupper(s[i]);
}

int main()
{
	int fd[2];
	char line[SIZE];

	if (pipe(fd) == -1) {
		perror("pipe");
		return 1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[1]);
		int n;
		while ((n = read(fd[0], line, SIZE - 1)) > 0) {
			line[n] = '\0';
			to_upper(line);
			fputs(line, stdout);
		}
		fflush(stdout);
		close(fd[0]);
		exit(0);
	}
	close(fd[0]);
	int n;
	while ((n = read(0, line, SIZE)) > 0)
		write(fd[1], line, n);
	close(fd[1]);
	int status;
	waitpid(pid, &status, 0);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 1;
}
