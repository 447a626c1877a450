/*
 * legit: what IPC programs do, one subcommand each; prints one line and
 * exits 0 when everything worked, exits 1 with the failed step otherwise.
 * The box tests run each subcommand on the host and in the box and compare.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(x) do { if (!(x)) { fprintf(stderr, "legit: %s failed: %s\n", #x, strerror(errno)); exit(1); } } while (0)

static int child_ok(pid_t pid)
{
	int st;

	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static int t_pipe(void)
{
	int p[2];
	static char buf[1 << 20];
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	CHECK(pipe(p) == 0);
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		close(p[0]);
		memset(buf, 'x', sizeof(buf));
		for (size_t off = 0; off < sizeof(buf); off += (size_t)n)
			if ((n = write(p[1], buf + off, sizeof(buf) - off)) < 0)
				_exit(1);
		_exit(0);
	}
	close(p[1]);
	while ((n = read(p[0], buf, sizeof(buf))) > 0)
		got += (size_t)n;
	CHECK(child_ok(pid) && got == sizeof(buf));
	printf("pipe %zu bytes\n", got);
	return 0;
}

static int t_fifo(void)
{
	char buf[32] = "";
	pid_t pid;
	int fd;

	unlink("legit.fifo");
	CHECK(mkfifo("legit.fifo", 0600) == 0);
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		int w = open("legit.fifo", O_WRONLY);	/* blocks until the reader opens */

		_exit(w < 0 || write(w, "hello", 5) != 5);
	}
	CHECK((fd = open("legit.fifo", O_RDONLY)) >= 0);
	CHECK(read(fd, buf, sizeof(buf) - 1) == 5);
	CHECK(child_ok(pid));
	CHECK(unlink("legit.fifo") == 0);
	printf("fifo %s\n", buf);
	return 0;
}

struct msgbuf1 { long mtype; char text[16]; };

static int t_msg(void)
{
	struct msgbuf1 m = { 2, "queued" };
	int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	pid_t pid;

	CHECK(id >= 0);
	CHECK((pid = fork()) >= 0);
	if (pid == 0)
		_exit(msgsnd(id, &m, sizeof(m.text), 0) != 0);
	memset(&m, 0, sizeof(m));
	CHECK(msgrcv(id, &m, sizeof(m.text), 2, 0) == sizeof(m.text));
	CHECK(child_ok(pid));
	CHECK(msgctl(id, IPC_RMID, NULL) == 0);
	printf("msg %ld %s\n", m.mtype, m.text);
	return 0;
}

static int t_shm(void)
{
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	char *p;
	pid_t pid;

	CHECK(id >= 0);
	CHECK((p = shmat(id, NULL, 0)) != (void *)-1);
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		strcpy(p, "Linux Programming");
		_exit(0);
	}
	CHECK(child_ok(pid));
	printf("shm %s\n", p);
	CHECK(shmdt(p) == 0 && shmctl(id, IPC_RMID, NULL) == 0);
	return 0;
}

static int t_sem(void)
{
	int id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	struct sembuf down = { 0, -1, 0 }, up = { 0, 1, 0 };
	pid_t pid;

	CHECK(id >= 0);
	CHECK((pid = fork()) >= 0);
	if (pid == 0)
		_exit(semop(id, &up, 1) != 0);
	CHECK(semop(id, &down, 1) == 0);	/* blocks until the child is up */
	CHECK(child_ok(pid));
	CHECK(semctl(id, 0, IPC_RMID) == 0);
	printf("sem ok\n");
	return 0;
}

static int t_posix_sem(void)
{
	sem_t *named, *unnamed;
	pid_t pid;

	sem_unlink("/legit");
	CHECK((named = sem_open("/legit", O_CREAT | O_EXCL, 0600, 0)) != SEM_FAILED);
	unnamed = mmap(NULL, sizeof(sem_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(unnamed != MAP_FAILED && sem_init(unnamed, 1, 0) == 0);
	CHECK((pid = fork()) >= 0);
	if (pid == 0)
		_exit(sem_post(named) != 0 || sem_post(unnamed) != 0);
	CHECK(sem_wait(named) == 0 && sem_wait(unnamed) == 0);
	CHECK(child_ok(pid));
	CHECK(sem_close(named) == 0 && sem_unlink("/legit") == 0);
	printf("posix-sem ok\n");
	return 0;
}

static int t_posix_shm(void)
{
	int fd;
	char *p;

	shm_unlink("/legit-shm");
	CHECK((fd = shm_open("/legit-shm", O_CREAT | O_EXCL | O_RDWR, 0600)) >= 0);
	CHECK(ftruncate(fd, 4096) == 0);
	CHECK((p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) != MAP_FAILED);
	strcpy(p, "shared");
	CHECK(shm_unlink("/legit-shm") == 0);
	printf("posix-shm %s\n", p);
	return 0;
}

static volatile sig_atomic_t hits;

static void on_usr1(int sig)
{
	(void)sig;
	hits++;
}

static int t_signals(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigset_t set, pending;

	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	CHECK(kill(getpid(), SIGUSR1) == 0 && kill(getpid(), SIGUSR1) == 0);
	CHECK(sigpending(&pending) == 0 && sigismember(&pending, SIGUSR1) && hits == 0);
	CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
	CHECK(hits == 1);	/* two sent while blocked: delivered once */
	printf("signals %d\n", (int)hits);
	return 0;
}

static int t_unix_stream(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX, .sun_path = "legit.sock" };
	char buf[16] = "";
	int s, c;
	pid_t pid;

	unlink(a.sun_path);
	CHECK((s = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	CHECK(bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(s, 4) == 0);
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		int k = socket(AF_UNIX, SOCK_STREAM, 0);

		_exit(k < 0 || connect(k, (struct sockaddr *)&a, sizeof(a)) != 0 || write(k, "ping", 4) != 4);
	}
	CHECK((c = accept(s, NULL, NULL)) >= 0);
	CHECK(read(c, buf, sizeof(buf) - 1) == 4);
	CHECK(child_ok(pid) && unlink(a.sun_path) == 0);
	printf("unix-stream %s\n", buf);
	return 0;
}

static int t_socketpair(void)
{
	int sv[2];
	char buf[8] = "";

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(write(sv[0], "pair", 4) == 4 && read(sv[1], buf, sizeof(buf) - 1) == 4);
	printf("socketpair %s\n", buf);
	return 0;
}

static int t_mmap(void)
{
	int *counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;

	CHECK(counter != MAP_FAILED);
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		*counter = 42;
		_exit(0);
	}
	CHECK(child_ok(pid));
	printf("mmap %d\n", *counter);
	return 0;
}

static int t_fork64(void)
{
	pid_t pids[64];

	for (int i = 0; i < 63; i++) {	/* with us, 64 processes */
		CHECK((pids[i] = fork()) >= 0);
		if (pids[i] == 0)
			_exit(0);
	}
	for (int i = 0; i < 63; i++)
		CHECK(child_ok(pids[i]));
	printf("fork64 ok\n");
	return 0;
}

/* a program starts clean: default dispositions, empty mask, fds 0-2, umask 022 */
static int t_clean(void)
{
	static const char *const want[] = { "PATH=", "HOME=", "LANG=", "USER=", "LOGNAME=", "TMPDIR=" };
	extern char **environ;
	sigset_t mask;
	DIR *d;
	struct dirent *de;
	int bad = 0, nenv = 0;
	mode_t um = umask(022);

	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;

		if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &sa) < 0)
			continue;
		if (sa.sa_handler != SIG_DFL) {
			printf("signal %d not default\n", sig);
			bad = 1;
		}
	}
	sigprocmask(SIG_SETMASK, NULL, &mask);
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&mask, sig) == 1) {
			printf("signal %d blocked\n", sig);
			bad = 1;
		}
	CHECK((d = opendir("/proc/self/fd")) != NULL);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && atoi(de->d_name) > 2 && atoi(de->d_name) != dirfd(d)) {
			printf("fd %s open\n", de->d_name);
			bad = 1;
		}
	closedir(d);
	if (um != 022) {
		printf("umask %03o\n", um);
		bad = 1;
	}
	for (char **e = environ; *e; e++, nenv++) {
		int known = 0;

		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			known |= !strncmp(*e, want[i], strlen(want[i]));
		if (!known) {
			printf("unexpected environment %s\n", *e);
			bad = 1;
		}
	}
	if (nenv != 6) {
		printf("%d environment variables\n", nenv);
		bad = 1;
	}
	if (!bad)
		printf("clean\n");
	return bad;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int (*fn)(void); } t[] = {
		{ "pipe", t_pipe }, { "fifo", t_fifo }, { "sysv-msg", t_msg }, { "sysv-shm", t_shm },
		{ "sysv-sem", t_sem }, { "posix-sem", t_posix_sem }, { "posix-shm", t_posix_shm },
		{ "signals", t_signals }, { "unix-stream", t_unix_stream }, { "socketpair", t_socketpair },
		{ "mmap-shared", t_mmap }, { "fork64", t_fork64 }, { "clean", t_clean },
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; argc == 2 && i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(argv[1], t[i].name))
			return t[i].fn();
	fprintf(stderr, "usage: legit TEST\n");
	return 2;
}
