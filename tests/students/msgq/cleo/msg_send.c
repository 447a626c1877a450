/* Cleo Martin: msg_send */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>

struct mymsg {
	long mtype;
	char mtext[512];
};

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: msg_send KEY < LINES\n");
		return 1;
	}
	char *end;
	long key = strtol(argv[1], &end, 0);
	if (*end != '\0' || end == argv[1]) {
		fprintf(stderr, "msg_send: KEY '%s' is not a number\n", argv[1]);
		return 1;
	}
	int id = msgget((key_t)key, IPC_CREAT | 0600);
	if (id == -1) {
		perror("msg_send: msgget");
		return 1;
	}
	char line[600];
	struct mymsg m;
	while (fgets(line, sizeof line, stdin)) {
		if (line[0] == '\n')
			continue;
		if (sscanf(line, "%ld %s", &m.mtype, m.mtext) < 1 || m.mtype < 1) {
			fprintf(stderr, "msg_send: malformed line\n");
			return 1;
		}
		if (msgsnd(id, &m, strlen(m.mtext), 0) == -1) {
			perror("msg_send: msgsnd");
			return 1;
		}
	}
	return 0;
}
