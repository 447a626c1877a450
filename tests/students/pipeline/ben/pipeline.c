// pipeline -- Ben Okafor
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

int pipes[32][2];
char *args[32][64];
int ncmd = 0;

void parse(int argc, char **argv)
{
    int a = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "|") == 0) {
            if (a == 0) {
                fprintf(stderr, "usage: pipeline CMD [ARG...] { '|' CMD [ARG...] }\n");
                exit(1);
            }
            args[ncmd][a] = NULL;
            ncmd++;
            a = 0;
        } else {
            args[ncmd][a++] = argv[i];
        }
    }
    if (a == 0) {
        fprintf(stderr, "usage: pipeline CMD [ARG...] { '|' CMD [ARG...] }\n");
        exit(1);
    }
    args[ncmd][a] = NULL;
    ncmd++;
}

int main(int argc, char **argv)
{
    int status, i;
    pid_t pid[32];

    if (argc < 2) {
        fprintf(stderr, "usage: pipeline CMD [ARG...] { '|' CMD [ARG...] }\n");
        exit(1);
    }
    parse(argc, argv);

    for (i = 0; i < ncmd - 1; i++)
        pipe(pipes[i]);

    for (i = 0; i < ncmd; i++) {
        pid[i] = fork();
        if (pid[i] == 0) {
            if (i > 0)
                dup2(pipes[i - 1][0], 0);
            if (i < ncmd - 1)
                dup2(pipes[i][1], 1);
            execvp(args[i][0], args[i]);
            fprintf(stderr, "pipeline: %s: ", args[i][0]);
            perror("");
            exit(127);
        }
    }
    for (i = 0; i < ncmd - 1; i++) {
        close(pipes[i][0]);
        close(pipes[i][1]);
    }
    for (i = 0; i < ncmd; i++)
        waitpid(pid[i], &status, 0);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
