/*
 * msg_send KEY: send stdin lines "TYPE TEXT" as messages on the SysV
 * message queue KEY.
 *
 * A message is a long mtype (≥ 1) followed by the data; msgsnd's size
 * argument counts the data only, never the mtype. TEXT is sent without its
 * newline and without a terminating NUL. The queue is left in place at the
 * end: the receiver removes it when it gets "quit".
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

#define PROG "msg_send"
#define TEXT_MAX 512

struct message {
	long mtype;
	char mtext[TEXT_MAX];
};

static void die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: " PROG " KEY < LINES\n");
	exit(1);
}

/*
 * KEY: a decimal, 0x hex (or 0-prefixed octal) integer, as strtol with base
 * 0 reads it, that fits in 32 bits. 0 is IPC_PRIVATE, a queue no other
 * process can find, so it is refused too.
 */
static key_t parse_key(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (!isdigit((unsigned char)s[0]) && s[0] != '-')
		end = (char *)s;	/* no leading blanks or '+' */
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

static int blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

/*
 * Split "TYPE TEXT" (newline already removed) into m; returns NULL, or
 * what is wrong with the line. TYPE is decimal digits, TEXT whatever
 * follows the one space after them (spaces included, possibly empty); a
 * line of TYPE alone is a message with empty TEXT.
 */
static const char *parse_line(const char *line, size_t len, struct message *m,
			      size_t *textlen)
{
	const char *text;
	char *end;
	long type;

	if (!isdigit((unsigned char)line[line[0] == '-']))
		return "no TYPE";
	errno = 0;
	type = strtol(line, &end, 10);
	if (errno == ERANGE)
		return "TYPE is too large";
	if (type < 1)
		return "TYPE must be at least 1";
	if (end == line + len) {
		text = end;
	} else if (*end == ' ') {
		text = end + 1;
	} else {
		return "TYPE must be followed by one space";
	}
	*textlen = (size_t)(line + len - text);
	if (*textlen > TEXT_MAX)
		return "TEXT is longer than 512 bytes";
	m->mtype = type;
	memcpy(m->mtext, text, *textlen);
	return NULL;
}

int main(int argc, char **argv)
{
	struct message m;
	char *line = NULL;
	size_t cap = 0, textlen;
	unsigned long lineno = 0;
	ssize_t len;
	key_t key;
	int qid;

	if (argc != 2)
		usage();
	key = parse_key(argv[1]);
	qid = msgget(key, IPC_CREAT | 0600);
	if (qid < 0)
		die("msgget");

	while ((len = getline(&line, &cap, stdin)) > 0) {
		const char *why;

		lineno++;
		if (line[len - 1] == '\n')
			len--;
		if (blank(line, (size_t)len))
			continue;
		why = parse_line(line, (size_t)len, &m, &textlen);
		if (why) {
			fprintf(stderr, PROG ": line %lu: %s, skipped\n", lineno, why);
			continue;
		}
		/* blocks while the queue is full, as it should */
		while (msgsnd(qid, &m, textlen, 0) < 0)
			if (errno != EINTR)
				die("msgsnd");
	}
	if (ferror(stdin))
		die("read stdin");
	free(line);
	return 0;
}
