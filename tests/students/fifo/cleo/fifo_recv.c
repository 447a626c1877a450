/* Cleo Martin -- fifo_recv */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

static void copy(int in, int out)
{
	char buf[2048];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, n) != n) {
			perror("fifo_recv: write");
			exit(1);
		}
}

int main(int argc, char **argv)
{
	int fd, in, out;
	if (argc != 2) {
		fprintf(stderr, "usage: fifo_recv PATH\n");
		return 1;
	}
	umask(0);
	if (mkfifo(argv[1], 0600) < 0) {
		perror("fifo_recv: mkfifo");
		return 1;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror("fifo_recv: open");
		return 1;
	}
	in = fd; out = 1;
	copy(in, out);
	close(fd);
	unlink(argv[1]);
	return 0;
}
