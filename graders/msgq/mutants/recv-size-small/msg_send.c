/*
 * msg_send KEY: sends each stdin line "TYPE TEXT" as one message of type
 * TYPE holding TEXT (no newline, no NUL) on the SysV queue KEY, created
 * with mode 0600 if needed. Blank lines are skipped; a malformed line ends
 * the program with status 1. The queue stays.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>

#define MAX_TEXT 512

struct message {
	long mtype;		/* first, as msgsnd(2) wants */
	char mtext[MAX_TEXT];
};

static int parse_key(const char *s, key_t *key)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < INT_MIN || v > UINT_MAX)
		return -1;
	*key = (key_t)v;
	return 0;
}

int main(int argc, char **argv)
{
	struct message m;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	key_t key;
	int id;

	if (argc != 2) {
		fprintf(stderr, "usage: msg_send KEY < lines\n");
		return 1;
	}
	if (parse_key(argv[1], &key) < 0) {
		fprintf(stderr, "msg_send: '%s' is not a key (a decimal or 0x-prefixed number)\n", argv[1]);
		return 1;
	}
	id = msgget(key, IPC_CREAT | 0600);
	if (id < 0) {
		fprintf(stderr, "msg_send: msgget: %s\n", strerror(errno));
		return 1;
	}
	while ((len = getline(&line, &cap, stdin)) > 0) {
		char *end, *text;
		long type;
		size_t n;

		lineno++;
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (strspn(line, " \t") == (size_t)len)
			continue;	/* blank */
		errno = 0;
		type = strtol(line, &end, 10);
		if (end == line || line[0] < '0' || line[0] > '9' || errno || type < 1 || *end != ' ') {
			fprintf(stderr, "msg_send: line %ld: expected 'TYPE TEXT' with TYPE >= 1\n", lineno);
			return 1;
		}
		text = end + 1;
		n = (size_t)len - (size_t)(text - line);
		if (n > MAX_TEXT) {
			fprintf(stderr, "msg_send: line %ld: the text is longer than %d bytes\n", lineno, MAX_TEXT);
			return 1;
		}
		m.mtype = type;
		memcpy(m.mtext, text, n);
		/* the size counts the text only, not mtype */
		while (msgsnd(id, &m, n, 0) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "msg_send: msgsnd: %s\n", strerror(errno));
			return 1;
		}
	}
	free(line);
	if (ferror(stdin)) {
		fprintf(stderr, "msg_send: reading stdin: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
