/*
 * fifo_send PATH: copy stdin into the FIFO at PATH.
 *
 * Either half of the lab may start first, so both create the FIFO when it
 * is missing and accept one that exists. open(2) for writing then blocks
 * until a reader has the FIFO open: that is the rendezvous, and no sleep is
 * needed to order the two programs.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define PROG "fifo_send"

static void die(const char *what, const char *path)
{
	fprintf(stderr, PROG ": %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

static void not_a_fifo(const char *path)
{
	fprintf(stderr, PROG ": %s: not a FIFO\n", path);
	exit(1);
}

/*
 * Create PATH as a FIFO of mode 0600 unless it exists; an existing PATH
 * must be a FIFO (stat follows a symlink, as open will). umask(0) around
 * mkfifo makes the mode exactly 0600 whatever umask we were given, with
 * no moment at which the FIFO has another mode.
 */
static void make_fifo(const char *path)
{
	struct stat st;

	for (;;) {
		mode_t old = umask(0);
		int ret = mkfifo(path, 0600);
		int err = errno;

		umask(old);
		if (ret == 0)
			return;
		errno = err;
		die("mkfifo", path);	/* EEXIST too: the reader may have made it */
		if (stat(path, &st) == 0)
			break;
		if (errno != ENOENT)	/* ENOENT: removed meanwhile, try again */
			die("stat", path);
	}
	if (!S_ISFIFO(st.st_mode))
		not_a_fifo(path);
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
	const char *path;
	char buf[65536];
	struct stat st;
	ssize_t n;
	int fd;

	if (argc != 2 || !argv[1][0]) {
		fprintf(stderr, "usage: " PROG " PATH\n");
		return 1;
	}
	path = argv[1];
	make_fifo(path);

	/* a reader that leaves early is reported as EPIPE, not a silent death */
	signal(SIGPIPE, SIG_IGN);
	do
		fd = open(path, O_WRONLY | O_CLOEXEC);	/* blocks until a reader opens */
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		die("open", path);
	/* PATH may have been replaced between stat and open */
	if (fstat(fd, &st) < 0)
		die("fstat", path);
	if (!S_ISFIFO(st.st_mode))
		not_a_fifo(path);

	for (;;) {
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("read", "stdin");
		}
		if (write_all(fd, buf, (size_t)n) < 0)
			die("write", path);
	}
	if (close(fd) < 0)
		die("close", path);
	return 0;
}
