/*
 * msg_send KEY: send stdin lines "TYPE TEXT" as messages on the SysV
 * message queue KEY. See README.md for the exact interface.
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

/* TODO: your message struct: what must come first, and of which type? */

/* print "msg_send: WHAT: <strerror(errno)>" and exit 1 */
static void die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

/*
 * TODO: parse_key(s): strtol(s, &end, 0); refuse (message, exit 1) what is
 * not entirely a number, and what does not fit in a key_t.
 */

/*
 * TODO: parse one line: TYPE (decimal, >= 1), one space, TEXT (the rest,
 * at most TEXT_MAX bytes). Blank lines are skipped; a malformed line is
 * reported and ends the program with exit 1.
 */

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: " PROG " KEY < LINES\n");
		return 1;
	}
	(void)argv;

	/*
	 * TODO: key = parse_key(argv[1]); msgget(key, IPC_CREAT | 0600);
	 * then for each line of stdin (getline), msgsnd one message whose size
	 * counts the TEXT only. At end of input exit 0, leaving the queue.
	 */
	errno = ENOSYS;
	die("not implemented yet");
}
