// Ben Okafor - fifo lab
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
        fprintf(stderr, "usage: fifo_send PATH\n");
        exit(1);
    }
    if (stat(argv[1], &sb) == 0 && !S_ISFIFO(sb.st_mode)) {
        fprintf(stderr, "fifo_send: %s: not a FIFO\n", argv[1]);
        exit(1);
    }
    if (mkfifo(argv[1], 0666) == -1 && errno != EEXIST) {
        perror("fifo_send: mkfifo");
        exit(1);
    }
    fd = open(argv[1], O_WRONLY);
    if (fd == -1) {
        perror("fifo_send: open");
        exit(1);
    }
    while ((n = read(0, buf, sizeof(buf))) > 0)
        write(fd, buf, n);
    close(fd);
    return 0;
}
