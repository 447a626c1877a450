/* epoll over a pipe, an eventfd, a signalfd and a timerfd. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

int main(void)
{
	int ep = epoll_create1(EPOLL_CLOEXEC), p[2], ev, sfd, tfd, seen = 0;
	struct itimerspec its = { .it_value = { 0, 2000000 } };
	sigset_t usr2;
	const char *names[4] = { "pipe", "eventfd", "signalfd", "timerfd" };

	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, NULL);
	if (ep < 0 || pipe(p) < 0 || (ev = eventfd(0, 0)) < 0 ||
	    (sfd = signalfd(-1, &usr2, 0)) < 0 ||
	    (tfd = timerfd_create(CLOCK_MONOTONIC, 0)) < 0) {
		perror("setup");
		return 1;
	}
	int fds[4] = { p[0], ev, sfd, tfd };
	for (int i = 0; i < 4; i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = (uint32_t)i };

		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &e);
	}
	if (write(p[1], "x", 1) != 1 || eventfd_write(ev, 5) < 0 || raise(SIGUSR2) < 0 ||
	    timerfd_settime(tfd, 0, &its, NULL) < 0)
		return 1;
	/* each source reported once, in a fixed order: whatever epoll's */
	while (seen != 15) {
		struct epoll_event e[4];
		int n = epoll_wait(ep, e, 4, -1);

		for (int i = 0; i < n; i++) {
			unsigned k = e[i].data.u32;
			char buf[128];

			if (read(fds[k], buf, sizeof(buf)) < 0)
				return 1;
			seen |= 1 << k;
		}
	}
	for (int i = 0; i < 4; i++)
		printf("%s: ready\n", names[i]);
	return 0;
}
