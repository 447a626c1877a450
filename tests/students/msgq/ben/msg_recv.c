// Ben Okafor -- msg_recv
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>

struct msg {
    int type;
    char text[513];
};

int main(int argc, char *argv[])
{
    struct msg m;
    int qid, type;

    if (argc != 3) {
        fprintf(stderr, "usage: msg_recv KEY TYPE\n");
        exit(1);
    }
    qid = msgget(strtol(argv[1], NULL, 0), IPC_CREAT | 0600);
    if (qid < 0) {
        perror("msg_recv: msgget");
        exit(1);
    }
    type = atoi(argv[2]);
    while (1) {
        if (msgrcv(qid, &m, sizeof(m.text), type, 0) < 0) {
            perror("msg_recv: msgrcv");
            exit(1);
        }
        printf("%d %s\n", m.type, m.text);
        fflush(stdout);
        if (strcmp(m.text, "quit") == 0)
            break;
    }
    msgctl(qid, IPC_RMID, NULL);
    return 0;
}
