/* Cleo Martin: msg_recv */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>

struct mymsg {
	long mtype;
	char mtext[513];
};

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: msg_recv KEY TYPE\n");
		return 1;
	}
	char *end;
	long key = strtol(argv[1], &end, 0);
	if (*end != '\0' || end == argv[1]) {
		fprintf(stderr, "msg_recv: KEY '%s' is not a number\n", argv[1]);
		return 1;
	}
	long type = atol(argv[2]);
	int id = msgget((key_t)key, IPC_CREAT | 0600);
	if (id == -1) {
		perror("msg_recv: msgget");
		return 1;
	}
	struct mymsg m;
	for (;;) {
		ssize_t n = msgrcv(id, &m, 512, type, MSG_NOERROR);
		if (n == -1) {
			perror("msg_recv: msgrcv");
			return 1;
		}
		m.mtext[n] = 0;
		printf("%ld %s\n", m.mtype, m.mtext);
		fflush(stdout);
		if (!strcmp(m.mtext, "quit"))
			break;
	}
	msgctl(id, IPC_RMID, NULL);
	return 0;
}
