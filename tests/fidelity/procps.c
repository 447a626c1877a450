/* ps, top, pgrep and pmap run from a program, as zombie demos do: procps
 * loads libnuma, which probes the NUMA policy at start-up. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* the first line of CMD's output, or "" */
static void first_line(const char *cmd, char *buf, size_t size)
{
	FILE *f = popen(cmd, "r");

	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	while (fgetc(f) != EOF)
		;
	buf[strcspn(buf, "\n")] = '\0';
	pclose(f);
}

int main(void)
{
	char cmd[128], line[256];
	pid_t child = fork();

	if (child < 0)
		return 1;
	if (child == 0)
		_exit(0);
	/* once it has exited, the child is a zombie until we reap it:
	 * waitid with WNOWAIT waits for that without reaping */
	siginfo_t si;

	if (waitid(P_PID, (id_t)child, &si, WEXITED | WNOWAIT) < 0)
		return 1;
	snprintf(cmd, sizeof(cmd), "ps -o stat= -p %d", (int)child);
	first_line(cmd, line, sizeof(line));
	printf("ps: child state %c\n", line[0] ? line[0] : '?');
	snprintf(cmd, sizeof(cmd), "pgrep -c -P %d -x procps", (int)getpid());
	first_line(cmd, line, sizeof(line));
	printf("pgrep: %s child named procps\n", line);
	first_line("top -b -n 1 | head -1 | cut -c1-3", line, sizeof(line));
	printf("top: %s\n", line);
	snprintf(cmd, sizeof(cmd), "pmap %d | tail -1 | cut -c1-6", (int)getpid());
	first_line(cmd, line, sizeof(line));
	printf("pmap: %s\n", line);
	first_line("vmstat 1 1 | head -1 | cut -c1-5", line, sizeof(line));
	printf("vmstat: %s\n", line);
	waitpid(child, NULL, 0);
	return 0;
}
