/*
 * Waits on a Unix socket, for tests/hang.t:
 *   sockwait accept PATH    listens on PATH and waits in accept(): no
 *                           process of the box will ever connect (a hang)
 *   sockwait timeout PATH   the same with SO_RCVTIMEO of 0.3 s: accept()
 *                           fails with EAGAIN, and it prints "gave up"
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_usec = 300000 };
	int fd;

	if (argc != 3 || strlen(argv[2]) >= sizeof(addr.sun_path))
		return 2;
	strcpy(addr.sun_path, argv[2]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 1) < 0)
		return 1;
	if (!strcmp(argv[1], "timeout") && setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return 1;
	if (accept(fd, NULL, NULL) < 0)
		printf("gave up\n");
	return 0;
}
