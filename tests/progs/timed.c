/*
 * Waits that a timer ends, for tests/hang.t: the engine must never take
 * them for a hang, though each blocks in a call that alone would be one.
 *   timed handler   SIGALRM handler, alarm(1), read(0) on a held stdin:
 *                   the handler prints "rang" and exits 0
 *   timed silent    alarm(1) without a handler, then read(0): SIGALRM
 *                   kills it
 *   timed pause     SIGALRM handler, alarm(1), pause(); prints "woke"
 *   timed parent    forks "timed silent"'s child and waits for it in
 *                   wait4(): the parent itself has no timer
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void rang(int sig)
{
	static const char msg[] = "rang\n";

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(0);
}

static void silent(void)
{
	char c;

	alarm(1);
	(void)!read(0, &c, 1);
	_exit(3);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	char c;

	if (!strcmp(mode, "handler") || !strcmp(mode, "pause")) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = rang;
		sigaction(SIGALRM, &sa, NULL);
		alarm(1);
		if (!strcmp(mode, "pause"))
			pause();
		else
			(void)!read(0, &c, 1);
		return 3;
	}
	if (!strcmp(mode, "silent"))
		silent();
	if (!strcmp(mode, "parent")) {
		pid_t pid = fork();
		int status;

		if (pid == 0)
			silent();
		waitpid(pid, &status, 0);
		printf("child %s\n", WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM ? "rang" : "?");
		return 0;
	}
	return 1;
}
