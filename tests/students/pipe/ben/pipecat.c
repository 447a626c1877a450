// Ben Okafor
// pipecat: parent -> pipe -> child (uppercase)
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <ctype.h>
#include <sys/types.h>
#include <sys/wait.h>

int main(void)
{
    int p[2];
    char c[512];
    int n, i, st;

    if (pipe(p) == -1) { perror("pipe"); exit(1); }

    switch (fork()) {
    case -1:
        perror("fork");
        exit(1);
    case 0:
        /* child: read from pipe */
        while ((n = read(p[0], c, sizeof(c))) > 0) {
            for (i = 0; i < n; i++)
                c[i] = toupper(c[i]);
            write(1, c, n);
        }
        close(p[0]);
        exit(0);
    default:
        close(p[0]);
        while ((n = read(0, c, sizeof(c))) > 0)
            write(p[1], c, n);
        close(p[1]);
        wait(&st);
        exit(WEXITSTATUS(st));
    }
}
