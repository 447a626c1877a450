// Ben Okafor - sigmask
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>

static volatile sig_atomic_t count;

static void on_usr1(int sig) { (void)sig; count++; }

int main(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: sigmask\n");
		return 1;
	}
	struct sigaction sa = { 0 };
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0) { perror("sigmask: sigaction"); return 1; }

	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	char line[256];
	while (fgets(line, sizeof line, stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, "block") == 0) {
			sigprocmask(SIG_BLOCK, &usr1, NULL);
			printf("ok\n");
		} else if (strcmp(line, "unblock") == 0) {
			sigprocmask(SIG_UNBLOCK, &usr1, NULL);
			printf("ok\n");
		}
	}
	printf("total %d\n", (int)count);
	return 0;
}
