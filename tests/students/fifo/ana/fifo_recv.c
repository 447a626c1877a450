#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>
#include "common.h"

int main(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '\0') {
		fprintf(stderr, "usage: fifo_recv PATH\n");
		return 1;
	}
	make_fifo("fifo_recv", argv[1]);
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		fail("fifo_recv", "open", argv[1]);
	char buf[8192];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		if (fwrite(buf, 1, n, stdout) != (size_t)n || fflush(stdout) == EOF)
			fail("fifo_recv", "write", "stdout");
	}
	if (n < 0)
		fail("fifo_recv", "read", argv[1]);
	close(fd);
	unlink(argv[1]);
	return 0;
}
