/*
 * fifo_recv PATH: copy what arrives on the FIFO at PATH to stdout, then
 * remove PATH.
 *
 * open(2) for reading blocks until a writer opens the FIFO; read(2)
 * returns 0 (end of file) once every writer has closed it. The FIFO is
 * opened read-only on purpose: a reader that also held it open for writing
 * (O_RDWR) would never block in open and never see end of file.
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

/* the same as fifo_send's: mode exactly 0600, an existing PATH must be a FIFO */
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
		if (errno != EEXIST)
			die("mkfifo", path);
		if (stat(path, &st) == 0)
			break;
		if (errno != ENOENT)
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

/* Copy the FIFO to stdout until end of file; -1 with a message on error. */
static int copy_out(int fd, const char *path)
{
	char buf[65536];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, PROG ": read %s: %s\n", path, strerror(errno));
			return -1;
		}
		if (write_all(STDOUT_FILENO, buf, (size_t)n) < 0) {
			fprintf(stderr, PROG ": write stdout: %s\n", strerror(errno));
			return -1;
		}
	}
}

int main(int argc, char **argv)
{
	const char *path;
	struct stat st;
	int fd, ret;

	if (argc != 2 || !argv[1][0]) {
		fprintf(stderr, "usage: " PROG " PATH\n");
		return 1;
	}
	path = argv[1];
	make_fifo(path);

	do
		fd = open(path, O_RDONLY | O_CLOEXEC);	/* blocks until a writer opens */
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		die("open", path);
	if (fstat(fd, &st) < 0)
		die("fstat", path);
	if (!S_ISFIFO(st.st_mode))
		not_a_fifo(path);	/* replaced since stat: leave it alone */

	ret = copy_out(fd, path);
	close(fd);
	/* the FIFO is removed on the error path too: nothing is left behind */
	if (unlink(path) < 0 && errno != ENOENT)
		die("unlink", path);
	return ret < 0 ? 1 : 0;
}
