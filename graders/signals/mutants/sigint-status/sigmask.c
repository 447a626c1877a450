/*
 * sigmask: counts SIGUSR1 in a handler; reads stdin lines: "block" blocks
 * SIGUSR1, "unblock" unblocks it (a pending one is delivered then), each
 * answered with "ok"; at end of input prints "total <n>".
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t count;

static void on_usr1(int sig)
{
	(void)sig;
	count++;
}

static void mask(int how)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(how, &set, NULL) < 0) {
		perror("sigmask: sigprocmask");
		exit(1);
	}
}

int main(void)
{
	struct sigaction sa;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;	/* reading stdin goes on after a signal */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0) {
		perror("sigmask: sigaction");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	while ((len = getline(&line, &cap, stdin)) > 0) {
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (!strcmp(line, "block")) {
			mask(SIG_BLOCK);
			printf("ok\n");
		} else if (!strcmp(line, "unblock")) {
			mask(SIG_UNBLOCK);
			printf("ok\n");
		}
	}
	free(line);
	printf("total %d\n", (int)count);
	return 0;
}
