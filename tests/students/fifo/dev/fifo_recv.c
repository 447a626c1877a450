/* dev patel */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>
#include <errno.h>
#include <sys/stat.h>

int main(int argc, char *argv[])
{
	struct stat sb;
	char buf[4096];
	int fd, n;

	if (argc != 2) {
		fprintf(stderr, "usage: fifo_recv PATH\n");
		exit(1);
	}
	if (stat(argv[1], &sb) == 0 && !S_ISFIFO(sb.st_mode)) {
		fprintf(stderr, "fifo_recv: %s: not a FIFO\n", argv[1]);
		exit(1);
	}
	umask(0);
	if (mkfifo(argv[1], 0600) == -1 && errno != EEXIST) {
		perror("fifo_recv: mkfifo");
		exit(1);
	}
	/* O_RDWR so open doesn't hang when no writer is there yet */
	fd = open(argv[1], O_RDWR);
	if (fd == -1) {
		perror("fifo_recv: open");
		exit(1);
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		write(1, buf, n);
	close(fd);
	unlink(argv[1]);
	return 0;
}
