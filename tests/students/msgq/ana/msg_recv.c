#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "msg.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: msg_recv KEY TYPE\n");
		return 1;
	}
	key_t key = parse_key("msg_recv", argv[1]);
	char *end;
	long type = strtol(argv[2], &end, 10);
	if (end == argv[2] || *end) {
		fprintf(stderr, "msg_recv: TYPE '%s' is not a number\n", argv[2]);
		return 1;
	}
	int q = msgget(key, IPC_CREAT | 0600);
	if (q < 0) {
		perror("msg_recv: msgget");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		struct message m;
		ssize_t n = msgrcv(q, &m, MAXTEXT + 1, type, MSG_NOERROR);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("msg_recv: msgrcv");
			return 1;
		}
		m.mtext[n] = '\0';
		printf("%ld %s\n", m.mtype, m.mtext);
		if (strcmp(m.mtext, "quit") == 0)
			break;
	}
	if (msgctl(q, IPC_RMID, NULL) < 0) {
		perror("msg_recv: msgctl");
		return 1;
	}
	return 0;
}
