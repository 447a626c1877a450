/*
 * fifo_recv PATH: see README.md for the exact interface.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define PROG "fifo_recv"

/* print "fifo_recv: WHAT PATH: <strerror(errno)>" and exit 1 */
static void die(const char *what, const char *path)
{
	fprintf(stderr, PROG ": %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

/*
 * TODO: make_fifo(path): mkfifo(path, 0600) with a mode that the umask
 * cannot change; EEXIST is fine if PATH is a FIFO (stat(2), S_ISFIFO),
 * otherwise print "fifo_recv: PATH: not a FIFO" and exit 1.
 */

/* TODO: a helper that writes all of a buffer, retrying on EINTR */

int main(int argc, char **argv)
{
	const char *path;

	if (argc != 2 || !argv[1][0]) {
		fprintf(stderr, "usage: " PROG " PATH\n");
		return 1;
	}
	path = argv[1];

	/*
	 * TODO: make_fifo(path), then opens PATH for reading (blocks until a writer opens it),
	 * then copy the FIFO to stdout until read(2) returns 0, then unlink PATH and exit 0.
	 */
	errno = ENOSYS;
	die("not implemented yet:", path);
}
