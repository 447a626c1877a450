/* Cleo Martin - sigmask */
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

volatile sig_atomic_t n = 0;

void count_usr1(int s)
{
	(void)s;
	n++;
}

int main(void)
{
	char buf[100];

	signal(SIGUSR1, count_usr1);
	printf("ready\n");
	fflush(stdout);
	while (fgets(buf, sizeof(buf), stdin) != NULL) {
		if (strcmp(buf, "block\n") == 0) {
			signal(SIGUSR1, SIG_IGN);	/* block it */
			printf("ok\n");
		} else if (strcmp(buf, "unblock\n") == 0) {
			signal(SIGUSR1, count_usr1);
			printf("ok\n");
		}
		fflush(stdout);
	}
	printf("total %d\n", n);
	return 0;
}
