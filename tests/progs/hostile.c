/*
 * hostile: what a broken or hostile submission does, one subcommand each.
 * The box must contain every one of them and give the verdict the test
 * expects; the host must be untouched afterwards.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/ptrace.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int __attribute__((noreturn)) forkbomb(void)
{
	for (;;)
		fork();
}

static int membomb(void)
{
	for (;;) {
		char *p = malloc(1 << 20);

		if (!p)
			return 1;
		memset(p, 1, 1 << 20);
	}
}

static int __attribute__((noreturn)) cpuloop(void)
{
	volatile unsigned long x = 0;

	for (;;)
		x++;
}

static int __attribute__((noreturn)) sleeper(void)
{
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	for (;;)
		pause();
}

static int flood(void)
{
	static char buf[65536];

	memset(buf, 'y', sizeof(buf));
	for (;;)
		if (write(1, buf, sizeof(buf)) < 0)
			return 1;
}

static int diskfill(void)
{
	static char buf[1 << 20];
	int fd = open("fill", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return 1;
	for (;;)
		if (write(fd, buf, sizeof(buf)) < 0)
			return 1;
}

static int tmpfill(void)
{
	static char buf[65536];

	for (int i = 0;; i++) {
		char name[64];
		int fd;

		snprintf(name, sizeof(name), "/tmp/f%d", i);
		fd = open(name, O_WRONLY | O_CREAT, 0644);
		if (fd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf)) {
			/* a short write is followed by the one that says why */
			if (fd >= 0)
				write(fd, buf, sizeof(buf));
			printf("stopped after %d files: %s\n", i, strerror(errno));
			return 1;
		}
		close(fd);
	}
}

/* argv[2] is a token that the test looks for among the host's processes */
static int daemonize(char **argv)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid < 0;
	setsid();
	if (fork() != 0)
		_exit(0);
	execl("/proc/self/exe", "hostile", "sleep", argv[2], (char *)NULL);
	return 1;
}

static int killall(void)
{
	int ret = kill(-1, SIGKILL);

	printf("kill(-1) returned %d\n", ret);
	return 0;
}

static int readhost(int argc, char **argv)
{
	int leaked = 0;

	for (int i = 2; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);

		if (fd >= 0) {
			printf("could open %s\n", argv[i]);
			leaked = 1;
			close(fd);
		}
	}
	return leaked;
}

static int writehost(int argc, char **argv)
{
	int escaped = 0;

	for (int i = 2; i < argc; i++) {
		int fd = open(argv[i], O_WRONLY | O_CREAT, 0644);

		if (fd >= 0) {
			printf("created %s\n", argv[i]);
			close(fd);
			/* /tmp is the box's own: landing there is no escape */
			if (strncmp(argv[i], "/tmp/", 5))
				escaped = 1;
		}
	}
	return escaped;
}

static int inet(int family)
{
	int s = socket(family, SOCK_STREAM, 0);

	printf("socket returned %d\n", s);
	if (s >= 0 && family == AF_INET) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(80),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

		connect(s, (struct sockaddr *)&a, sizeof(a));
	}
	return 0;
}

static int do_ptrace(void)
{
	printf("ptrace %ld\n", ptrace(PTRACE_ATTACH, 1, NULL, NULL));
	return 0;
}

static int do_mount(const char *what)
{
	long r;

	if (!strcmp(what, "mount"))
		r = mount("none", "/tmp", "tmpfs", 0, NULL);
	else if (!strcmp(what, "umount"))
		r = umount2("/proc", MNT_DETACH);
	else if (!strcmp(what, "unshare"))
		r = unshare(CLONE_NEWUSER);
	else
		r = setns(0, 0);
	printf("%s returned %ld\n", what, r);
	return 0;
}

static int raw(const char *what)
{
	struct io_uring_params p;
	long r = -1;

	memset(&p, 0, sizeof(p));
	if (!strcmp(what, "keyctl"))
		r = syscall(SYS_keyctl, 0, 0, 0, 0, 0);
	else if (!strcmp(what, "bpf"))
		r = syscall(SYS_bpf, 0, NULL, 0);
	else if (!strcmp(what, "perf_event_open"))
		r = syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
	else if (!strcmp(what, "io_uring_setup"))
		r = syscall(SYS_io_uring_setup, 8, &p);
	printf("%s returned %ld\n", what, r);
	return 0;
}

static int sysv_flood(void)
{
	int msgs = 0, shms = 0, sems = 0;

	for (int i = 0; i < 5000; i++) {
		msgs += msgget(0x1bad0000 + i, IPC_CREAT | 0600) >= 0;
		shms += shmget(0x1bad0000 + i, 4096, IPC_CREAT | 0600) >= 0;
		sems += semget(0x1bad0000 + i, 1, IPC_CREAT | 0600) >= 0;
	}
	printf("created %d queues, %d segments, %d semaphore sets\n", msgs, shms, sems);
	return 0;
}

static int fake_verdict(void)
{
	static const char fake[] = "{\"status\":\"ok\",\"exit_code\":0}\nipcgrade run: ok\n";

	for (int fd = 0; fd < 1024; fd++)
		write(fd, fake, sizeof(fake) - 1);
	return 3;
}

int main(int argc, char **argv)
{
	const char *t = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(t, "forkbomb")) return forkbomb();
	if (!strcmp(t, "membomb")) return membomb();
	if (!strcmp(t, "cpuloop")) return cpuloop();
	if (!strcmp(t, "sleep")) return sleeper();
	if (!strcmp(t, "flood")) return flood();
	if (!strcmp(t, "diskfill")) return diskfill();
	if (!strcmp(t, "tmpfill")) return tmpfill();
	if (!strcmp(t, "daemon") && argc == 3) return daemonize(argv);
	if (!strcmp(t, "killall")) return killall();
	if (!strcmp(t, "readhost")) return readhost(argc, argv);
	if (!strcmp(t, "writehost")) return writehost(argc, argv);
	if (!strcmp(t, "inet")) return inet(AF_INET);
	if (!strcmp(t, "inet6")) return inet(AF_INET6);
	if (!strcmp(t, "ptrace")) return do_ptrace();
	if (!strcmp(t, "mount") || !strcmp(t, "umount") || !strcmp(t, "unshare") ||
	    !strcmp(t, "setns"))
		return do_mount(t);
	if (!strcmp(t, "keyctl") || !strcmp(t, "bpf") || !strcmp(t, "perf_event_open") ||
	    !strcmp(t, "io_uring_setup"))
		return raw(t);
	if (!strcmp(t, "sysv")) return sysv_flood();
	if (!strcmp(t, "fake")) return fake_verdict();
	fprintf(stderr, "usage: hostile TEST\n");
	return 2;
}
