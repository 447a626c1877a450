#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <unistd.h>
#include "common.h"

int main(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '\0') {
		fprintf(stderr, "usage: fifo_send PATH\n");
		return 1;
	}
	make_fifo("fifo_send", argv[1]);
	signal(SIGPIPE, SIG_IGN);
	FILE *out = fopen(argv[1], "w");
	if (!out)
		fail("fifo_send", "open", argv[1]);
	char buf[8192];
	size_t n;
	/* read(), not fread(): send what has arrived at once */
	ssize_t r;
	while ((r = read(0, buf, sizeof buf)) > 0) {
		n = r;
		if (fwrite(buf, 1, n, out) != n || fflush(out) == EOF)
			fail("fifo_send", "write", argv[1]);
	}
	if (fclose(out) != 0)
		fail("fifo_send", "write", argv[1]);
	return 0;
}
