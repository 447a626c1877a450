/*
 * edges: the limits of what the box now allows, one subcommand each. The
 * calls allowed for legitimate programs must not open anything more:
 * netlink only of glibc's mq_notify kind, scheduling only downwards; and
 * each limit a program runs into is named in its verdict.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* the route socket glibc's mq_notify makes cannot change the network */
static int netlink_route(void)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_NEWLINK,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK },
		.i = { .ifi_family = AF_UNSPEC, .ifi_index = 1, .ifi_flags = 0, .ifi_change = 1 },
	};
	char buf[4096];
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	ssize_t n;

	if (s < 0) {
		printf("socket: %s\n", strerror(errno));
		return 1;
	}
	/* take the loopback down: needs CAP_NET_ADMIN over the box's netns */
	if (send(s, &req, sizeof(req), 0) < 0) {
		printf("send: %s\n", strerror(errno));
		return 0;
	}
	n = recv(s, buf, sizeof(buf), 0);
	if (n >= (ssize_t)(sizeof(struct nlmsghdr) + sizeof(int)) &&
	    ((struct nlmsghdr *)buf)->nlmsg_type == NLMSG_ERROR) {
		int err = -*(int *)NLMSG_DATA(buf);

		printf("RTM_NEWLINK: %s\n", err ? strerror(err) : "done");
		return err ? 0 : 1;
	}
	printf("no answer\n");
	return 1;
}

static int realtime(void)
{
	struct sched_param sp = { .sched_priority = 1 };

	if (sched_setscheduler(0, SCHED_FIFO, &sp) == 0) {
		printf("SCHED_FIFO: granted\n");
		return 1;
	}
	printf("SCHED_FIFO: %s\n", strerror(errno));
	if (setpriority(PRIO_PROCESS, 0, -5) == 0) {
		printf("nice -5: granted\n");
		return 1;
	}
	printf("nice -5: %s\n", strerror(errno));
	return 0;
}

/* a mapped file larger than its tmpfs: SIGBUS at the first page beyond.
 * With fill, the tmpfs is filled first by writing another file (to
 * ENOSPC), so that a small mapping is enough even under RLIMIT_AS. */
static int bus(const char *path, size_t size, int fill)
{
	char *p, filler[4096] = { 1 }, name[64];
	int fd;

	if (fill) {
		snprintf(name, sizeof(name), "%s.filler", path);
		fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		while (fd >= 0 && write(fd, filler, sizeof(filler)) > 0)
			;
		if (fd < 0 || errno != ENOSPC) {
			perror(name);
			return 2;
		}
		close(fd);
	}
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
		perror(path);
		return 2;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 2;
	for (size_t i = 0; i < size; i += 4096)
		p[i] = 1;
	return 0;
}

/* N children alive at once; a refused fork ends it with status 1 */
static int forks(int n)
{
	int go[2];
	char c;

	if (pipe(go) < 0)
		return 2;
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			close(go[1]);
			(void)!read(go[0], &c, 1);
			_exit(0);
		}
	}
	close(go[1]);
	while (wait(NULL) > 0)
		;
	return 0;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	if (!strcmp(what, "netlink-route"))
		return netlink_route();
	if (!strcmp(what, "netlink-uevent"))
		return socket(AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT) < 0 ? 1 : 0;
	if (!strcmp(what, "netlink-dgram"))
		return socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE) < 0 ? 1 : 0;
	if (!strcmp(what, "realtime"))
		return realtime();
	if (!strcmp(what, "sched_setattr")) {
		uint32_t attr[12] = { 48, SCHED_FIFO };

		return syscall(SYS_sched_setattr, 0, attr, 0) < 0 ? 1 : 0;
	}
	if (!strcmp(what, "bus-shm"))
		return bus("/dev/shm/big", (size_t)atol(argc > 2 ? argv[2] : "0") << 20, 1);
	if (!strcmp(what, "bus-tmp"))
		return bus("/tmp/big", (size_t)atol(argc > 2 ? argv[2] : "0") << 20, 0);
	if (!strcmp(what, "forks"))
		return forks(argc > 2 ? atoi(argv[2]) : 0);
	fprintf(stderr, "edges: unknown subcommand '%s'\n", what);
	return 2;
}
