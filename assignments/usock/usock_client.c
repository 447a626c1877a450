/*
 * usock_client PATH: send each line of stdin to the server at PATH and
 * print its reply. See README.md for the exact interface.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#define PROG "usock_client"

/* print "usock_client: WHAT: <strerror(errno)>" and exit 1 */
static void die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

/*
 * TODO: read_reply(fd): read from the connection up to a newline (the
 * reply may arrive in pieces) and write that line to stdout at once.
 */

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	if (argc != 2 || !argv[1][0]) {
		fprintf(stderr, "usage: " PROG " PATH < LINES\n");
		return 1;
	}
	(void)addr;

	/*
	 * TODO: socket(AF_UNIX, SOCK_STREAM, 0), connect to PATH; for each
	 * line of stdin (getline), send the whole line, then print the
	 * reply before reading the next line; at end of input exit 0.
	 */
	errno = ENOSYS;
	die("not implemented yet");
}
