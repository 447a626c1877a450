// Ben Okafor - sigcatch
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <unistd.h>

int count = 0;

void handler(int sig)
{
    if (sig == SIGUSR1) {
        count++;
        printf("USR1 %d\n", count);
    } else if (sig == SIGINT) {
        printf("Catch SIGINT!\n");
        exit(0);
    }
}

int main(void)
{
    struct sigaction sa;
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    printf("ready\n");
    fflush(stdout);
    while (1)
        pause();
    return 0;
}
