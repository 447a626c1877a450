// Ben Okafor -- msg_send
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
    char line[1024];
    struct msg m;
    int qid;

    if (argc != 2) {
        fprintf(stderr, "usage: msg_send KEY < LINES\n");
        exit(1);
    }
    qid = msgget(strtol(argv[1], NULL, 0), IPC_CREAT | 0600);
    if (qid < 0) {
        perror("msg_send: msgget");
        exit(1);
    }
    while (fgets(line, sizeof(line), stdin) != NULL) {
        char *sp;
        line[strcspn(line, "\n")] = 0;
        if (line[0] == 0)
            continue;
        m.type = atoi(line);
        if (m.type < 1) {
            fprintf(stderr, "msg_send: bad line: %s\n", line);
            exit(1);
        }
        sp = strchr(line, ' ');
        strcpy(m.text, sp ? sp + 1 : "");
        if (msgsnd(qid, &m, strlen(m.text) + 1, 0) < 0) {
            perror("msg_send: msgsnd");
            exit(1);
        }
    }
    return 0;
}
