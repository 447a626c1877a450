/* sigcatch -- Ana Ruiz */
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <unistd.h>

static volatile sig_atomic_t usr1_count, got_int;

static void on_usr1(int sig) { (void)sig; usr1_count++; }
static void on_int(int sig) { (void)sig; got_int = 1; }

int main(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: sigcatch\n");
		return 1;
	}
	struct sigaction sa = { 0 };
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_usr1;
	if (sigaction(SIGUSR1, &sa, NULL) < 0) { perror("sigcatch: sigaction"); return 1; }
	sa.sa_handler = on_int;
	if (sigaction(SIGINT, &sa, NULL) < 0) { perror("sigcatch: sigaction"); return 1; }

	/* block both, and wait for them in sigsuspend only: no signal is missed */
	sigset_t both, old;
	sigemptyset(&both);
	sigaddset(&both, SIGUSR1);
	sigaddset(&both, SIGINT);
	sigprocmask(SIG_BLOCK, &both, &old);

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	int printed = 0;
	for (;;) {
		while (printed < usr1_count)
			printf("USR1 %d\n", ++printed);
		if (got_int)
			break;
		sigsuspend(&old);
	}
	printf("Catch SIGINT!\n");
	return 0;
}
