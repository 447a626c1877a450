/*
 * msg_recv KEY TYPE: print the messages selected by TYPE from the SysV
 * message queue KEY as "TYPE TEXT" lines; after "quit", remove the queue.
 * See README.md for the exact interface.
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

/* TODO: your message struct, with room for TEXT_MAX bytes and a NUL */

/* print "msg_recv: WHAT: <strerror(errno)>" and exit 1 */
static void die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

/* TODO: parse_key(s) as in msg_send, and parse_type(s): any decimal long */

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: " PROG " KEY TYPE\n");
		return 1;
	}
	(void)argv;

	/*
	 * TODO: msgget(key, IPC_CREAT | 0600); then loop: msgrcv with
	 * msgtyp = TYPE (it blocks until a message matches; retry on EINTR),
	 * print "TYPE TEXT\n" at once, and after the message "quit" remove
	 * the queue with msgctl(IPC_RMID) and exit 0.
	 */
	errno = ENOSYS;
	die("not implemented yet");
}
