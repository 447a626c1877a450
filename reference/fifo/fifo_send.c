/*
 * fifo_send PATH: creates the FIFO PATH (mode 0600) unless it exists, then
 * opens PATH for writing and copies its stdin into it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void die(const char *what, const char *path)
{
	if (path)
		fprintf(stderr, "fifo_send: %s: %s: %s\n", what, path, strerror(errno));
	else
		fprintf(stderr, "fifo_send: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* mkfifo(3), where a FIFO that exists already is fine and anything else
 * at PATH is left alone and refused */
static void make_fifo(const char *path)
{
	struct stat st;

	if (mkfifo(path, 0600) == 0)
		return;
	if (errno != EEXIST)
		die("mkfifo", path);
	if (lstat(path, &st) < 0)
		die("stat", path);
	if (!S_ISFIFO(st.st_mode)) {
		fprintf(stderr, "fifo_send: %s: not a FIFO\n", path);
		exit(1);
	}
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char buf[65536];
	ssize_t n;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: fifo_send PATH\n");
		return 1;
	}
	make_fifo(argv[1]);
	/* blocks until the other end opens: that is the point of a FIFO */
	do
		fd = open(argv[1], O_WRONLY);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		die("open", argv[1]);
	for (;;) {
		n = read(0, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read", NULL);
		if (n == 0)
			break;
		if (write_all(fd, buf, (size_t)n) < 0)
			die("write", NULL);
	}
	if (close(fd) < 0)
		die("close", argv[1]);
	return 0;
}
