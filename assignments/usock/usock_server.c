/*
 * usock_server PATH: an echo server on a Unix domain stream socket, one
 * child per connection. See README.md for the exact interface.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROG "usock_server"
#define LINE_MAX_BYTES 4096

/* print "usock_server: WHAT: <strerror(errno)>" and exit 1 */
static void die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

/*
 * TODO: a SIGCHLD handler that reaps every child that has ended
 * (waitpid(-1, NULL, WNOHANG) in a loop: one signal may stand for
 * several children; save and restore errno), and a SIGTERM handler
 * that makes the accept loop end.
 */

/*
 * TODO: serve(fd): read the connection, and for each line (bytes up to a
 * newline, at most LINE_MAX_BYTES) send "echo: LINE\n"; at end of file,
 * close and _exit(0).
 */

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	if (argc != 2 || !argv[1][0]) {
		fprintf(stderr, "usage: " PROG " PATH\n");
		return 1;
	}
	(void)addr;

	/*
	 * TODO: install the handlers with sigaction(); if PATH exists,
	 * unlink it when it is a socket (lstat, S_ISSOCK), else refuse
	 * ("PATH: not a socket", exit 1); socket(AF_UNIX, SOCK_STREAM, 0),
	 * bind, listen; then loop: accept, fork, the child serves, the
	 * parent closes the connection. After SIGTERM: unlink PATH, wait
	 * for the children, exit 0.
	 */
	errno = ENOSYS;
	die("not implemented yet");
}
