/*
 * msg_recv KEY TYPE: receives messages from the SysV queue KEY (created
 * with mode 0600 if needed) with msgrcv(2)'s msgtyp = TYPE, prints each as
 * "TYPE TEXT", and after the message "quit" removes the queue and exits 0.
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
	long mtype;
	char mtext[MAX_TEXT];
};

static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	struct message m;
	long key, type;
	int id;

	if (argc != 3) {
		fprintf(stderr, "usage: msg_recv KEY TYPE\n");
		return 1;
	}
	if (parse_long(argv[1], INT_MIN, UINT_MAX, &key) < 0) {
		fprintf(stderr, "msg_recv: '%s' is not a key (a decimal or 0x-prefixed number)\n", argv[1]);
		return 1;
	}
	if (parse_long(argv[2], LONG_MIN, LONG_MAX, &type) < 0) {
		fprintf(stderr, "msg_recv: '%s' is not a message type\n", argv[2]);
		return 1;
	}
	id = msgget((key_t)key, IPC_CREAT | 0600);
	if (id < 0) {
		fprintf(stderr, "msg_recv: msgget: %s\n", strerror(errno));
		return 1;
	}
	for (;;) {
		/* blocks until a message of a matching type arrives */
		ssize_t n = msgrcv(id, &m, sizeof(m.mtext), type, 0);
		size_t len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "msg_recv: msgrcv: %s\n", strerror(errno));
			return 1;
		}
		len = strnlen(m.mtext, (size_t)n);
		printf("%ld %.*s\n", m.mtype, (int)len, m.mtext);
		fflush(stdout);
		if (len == 4 && !memcmp(m.mtext, "quit", 4))
			break;
	}
	if (msgctl(id, IPC_RMID, NULL) < 0) {
		fprintf(stderr, "msg_recv: msgctl: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
