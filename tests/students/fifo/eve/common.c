#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include "common.h"

void fail(const char *prog, const char *what, const char *path)
{
	fprintf(stderr, "%s: %s %s: %s\n", prog, what, path, strerror(errno));
	exit(1);
}

/* create the FIFO 0600, or accept an existing one */
int make_fifo(const char *prog, const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0) {
		if (!S_ISFIFO(st.st_mode)) {
			fprintf(stderr, "%s: %s: not a FIFO\n", prog, path);
			exit(1);
		}
		return 0;
	}
	mode_t old = umask(0);
	int r = mkfifo(path, 0600);
	umask(old);
	if (r < 0 && errno != EEXIST)
		fail(prog, "mkfifo", path);
	return 0;
}
