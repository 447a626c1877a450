#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "msg.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: msg_send KEY < LINES\n");
		return 1;
	}
	key_t key = parse_key("msg_send", argv[1]);
	int q = msgget(key, IPC_CREAT | 0600);
	if (q < 0) {
		perror("msg_send: msgget");
		return 1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0;
	while ((len = getline(&line, &cap, stdin)) != -1) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (strspn(line, " \t") == (size_t)len)
			continue;	/* blank */
		char *end;
		errno = 0;
		long type = strtol(line, &end, 10);
		if (end == line || errno || (*end != ' ' && *end != '\0')) {
			fprintf(stderr, "msg_send: line %d: no TYPE\n", lineno);
			return 1;
		}
		if (type < 1) {
			fprintf(stderr, "msg_send: line %d: TYPE must be at least 1\n", lineno);
			return 1;
		}
		char *text = *end ? end + 1 : end;
		size_t tlen = strlen(text);
		if (tlen > MAXTEXT) {
			fprintf(stderr, "msg_send: line %d: TEXT is longer than 512 bytes\n", lineno);
			return 1;
		}
		struct message m;
		m.mtype = type;
		memcpy(m.mtext, text, tlen);
		if (msgsnd(q, &m, tlen, 0) < 0) {
			perror("msg_send: msgsnd");
			return 1;
		}
	}
	free(line);
	return 0;
}
