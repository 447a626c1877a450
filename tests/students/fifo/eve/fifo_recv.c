#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "common.h"

int main(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '\0') {
		fprintf(stderr, "usage: fifo_recv PATH\n");
		return 1;
	}
	make_fifo("fifo_recv", argv[1]);
	FILE *in = fopen(argv[1], "r");
	if (!in)
		fail("fifo_recv", "open", argv[1]);
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
		fwrite(buf, 1, n, stdout);
		fflush(stdout);
	}
	fclose(in);
	unlink(argv[1]);
	return 0;
}
