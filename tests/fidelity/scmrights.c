/* socketpair with SCM_RIGHTS: a child receives a pipe's write end and uses it. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int sv[2], p[2];
	char buf[64] = "";

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 || pipe(p) < 0)
		return 1;
	if (fork() == 0) {
		char data, ctl[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { &data, 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = ctl, .msg_controllen = sizeof(ctl) };
		struct cmsghdr *c;
		int fd;

		close(sv[0]);
		close(p[1]);
		close(p[0]);
		if (recvmsg(sv[1], &mh, 0) != 1 || !(c = CMSG_FIRSTHDR(&mh)) ||
		    c->cmsg_type != SCM_RIGHTS)
			_exit(1);
		memcpy(&fd, CMSG_DATA(c), sizeof(fd));
		dprintf(fd, "through a passed descriptor");
		_exit(0);
	}
	{
		char data = 'x', ctl[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { &data, 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = ctl, .msg_controllen = sizeof(ctl) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		int status;

		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &p[1], sizeof(int));
		if (sendmsg(sv[0], &mh, 0) != 1)
			return 1;
		close(p[1]);
		wait(&status);
		if (read(p[0], buf, sizeof(buf) - 1) < 0)
			return 1;
		printf("child status %d, pipe says: %s\n", WEXITSTATUS(status), buf);
	}
	return 0;
}
