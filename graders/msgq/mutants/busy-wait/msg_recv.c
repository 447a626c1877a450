/*
 * msg_recv KEY TYPE: print the messages of type TYPE from the SysV message
 * queue KEY as "TYPE TEXT" lines; after "quit", remove the queue.
 *
 * msgrcv(2) chooses by TYPE: 0 takes the first message of any type, a
 * positive TYPE the first of exactly that type, a negative TYPE the first
 * of the lowest type not above |TYPE|. Messages of other types stay queued.
 * msgrcv blocks while nothing matches: no polling, no IPC_NOWAIT.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/types.h>
#include <unistd.h>

#define PROG "msg_recv"
#define TEXT_MAX 512

struct message {
	long mtype;
	char mtext[TEXT_MAX + 1];	/* a sender may add a NUL */
};

static void die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: " PROG " KEY TYPE\n");
	exit(1);
}

/* as in msg_send: strtol base 0, 32 bits, not IPC_PRIVATE */
static key_t parse_key(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (!isdigit((unsigned char)s[0]) && s[0] != '-')
		end = (char *)s;
	if (end == s || *end || errno == ERANGE || v < INT_MIN || v > (long)UINT_MAX) {
		fprintf(stderr, PROG ": KEY '%s' is not a number\n", s);
		exit(1);
	}
	if (v == 0) {
		fprintf(stderr, PROG ": KEY 0 is IPC_PRIVATE, which another program cannot open\n");
		exit(1);
	}
	return (key_t)v;
}

/* TYPE: any decimal long; 0 and negative values have their msgrcv meaning */
static long parse_type(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!isdigit((unsigned char)s[0]) && s[0] != '-')
		end = (char *)s;
	if (end == s || *end || errno == ERANGE) {
		fprintf(stderr, PROG ": TYPE '%s' is not a number\n", s);
		exit(1);
	}
	return v;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char out[32 + TEXT_MAX + 1];
	struct message m;
	key_t key;
	long type;
	int qid;

	if (argc != 3)
		usage();
	key = parse_key(argv[1]);
	type = parse_type(argv[2]);
	qid = msgget(key, IPC_CREAT | 0600);
	if (qid < 0)
		die("msgget");

	for (;;) {
		ssize_t n;
		size_t textlen;
		int head;

		/* MSG_NOERROR: a longer message than any sender of this lab
		 * sends is cut, rather than left blocking the queue (E2BIG) */
		n = msgrcv(qid, &m, sizeof(m.mtext), type, MSG_NOERROR | IPC_NOWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == ENOMSG)
				continue;	/* nothing yet: ask again */
			die("msgrcv");
		}
		textlen = strnlen(m.mtext, (size_t)n);
		head = snprintf(out, sizeof(out), "%ld ", m.mtype);
		memcpy(out + head, m.mtext, textlen);
		out[head + textlen] = '\n';
		if (write_all(STDOUT_FILENO, out, (size_t)head + textlen + 1) < 0)
			die("write stdout");
		if (textlen == 4 && !memcmp(m.mtext, "quit", 4))
			break;
	}
	if (msgctl(qid, IPC_RMID, NULL) < 0)
		die("msgctl IPC_RMID");
	return 0;
}
