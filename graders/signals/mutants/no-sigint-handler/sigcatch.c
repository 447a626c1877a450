/*
 * sigcatch: handlers for SIGUSR1 and SIGINT, then "ready", then waiting in
 * sigsuspend(2). Each SIGUSR1 prints "USR1 <n>"; SIGINT prints
 * "Catch SIGINT!" and exits 0. The handlers only count: printing happens
 * outside them.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t usr1, got_int;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		usr1++;
	else
		got_int = 1;
}

int main(void)
{
	struct sigaction sa;
	sigset_t both, waiting;
	int printed = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0) {
		perror("sigcatch: sigaction");
		return 1;
	}
	/* blocked except inside sigsuspend(): no signal slips in between the
	 * check of the counters and the wait */
	sigemptyset(&both);
	sigaddset(&both, SIGUSR1);
	sigaddset(&both, SIGINT);
	sigprocmask(SIG_BLOCK, &both, &waiting);
	sigdelset(&waiting, SIGUSR1);
	sigdelset(&waiting, SIGINT);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	for (;;) {
		while (printed < usr1)
			printf("USR1 %d\n", ++printed);
		if (got_int) {
			printf("Catch SIGINT!\n");
			return 0;
		}
		sigsuspend(&waiting);
	}
}
