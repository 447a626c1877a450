/*
 * probe: a program with one behaviour per argument, for tests/scenario.t's
 * happy-path scenarios, which need each condition to hold for certain.
 * Every mode that waits reads its stdin until end of file: the scenario
 * ends the wait with `close`, never with a timer.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void drain(void)
{
	char buf[256];

	while (read(0, buf, sizeof(buf)) > 0)
		;
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* N children, each reading stdin to its end; the parent waits for all */
static int family(int n)
{
	for (int i = 0; i < n; i++)
		if (fork() == 0) {
			drain();
			_exit(0);
		}
	close(0);
	while (wait(NULL) > 0)
		;
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "signals")) {
		sigset_t set;

		signal(SIGUSR1, on_usr1);
		sigemptyset(&set);
		sigaddset(&set, SIGUSR2);
		sigprocmask(SIG_BLOCK, &set, NULL);
		raise(SIGUSR2);
		drain();
		return 0;
	}
	if (!strcmp(mode, "sysv")) {
		struct { long type; char text[8]; } m = { 1, "hi" };
		int q = msgget(0x1234, IPC_CREAT | 0600);
		int s = semget(0x3456, 1, IPC_CREAT | 0600);
		int h = shmget(0x2345, 4096, IPC_CREAT | 0640);

		if (q < 0 || s < 0 || h < 0 || msgsnd(q, &m, sizeof(m.text), 0) < 0 ||
		    semctl(s, 0, SETVAL, 2) < 0 || shmat(h, NULL, 0) == (void *)-1) {
			perror("probe");
			return 1;
		}
		drain();
		msgctl(q, IPC_RMID, NULL);
		semctl(s, 0, IPC_RMID);
		shmctl(h, IPC_RMID, NULL);
		return 0;
	}
	if (!strcmp(mode, "child"))
		return family(1);
	if (!strcmp(mode, "twins"))
		return family(2);
	if (!strcmp(mode, "leaky")) {
		/* a child that keeps both ends of a pipe it never uses */
		int fds[2];

		if (pipe(fds) < 0)
			return 1;
		if (fork() == 0) {
			drain();
			_exit(0);
		}
		close(fds[0]);
		close(fds[1]);
		close(0);
		wait(NULL);
		return 0;
	}
	if ((!strcmp(mode, "bind") || !strcmp(mode, "listen")) && argc > 2) {
		/* a Unix socket bound at argv[2], listening or not */
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		int s = socket(AF_UNIX, SOCK_STREAM, 0);

		snprintf(a.sun_path, sizeof(a.sun_path), "%s", argv[2]);
		if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
		    (mode[0] == 'l' && listen(s, 1) < 0)) {
			perror("probe");
			return 1;
		}
		drain();
		return 0;
	}
	if (!strcmp(mode, "nowait")) {
		/* two children that end; the parent sees them end without
		 * reaping them (WNOWAIT) and exits: they are zombies then */
		for (int i = 0; i < 2; i++) {
			siginfo_t si;
			pid_t pid = fork();

			if (pid == 0)
				_exit(0);
			if (pid < 0 || waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0)
				return 1;
		}
		return 0;
	}
	if (!strcmp(mode, "stderr")) {
		fputs("oops\n", stderr);
		return 2;
	}
	fprintf(stderr, "probe: unknown mode '%s'\n", mode);
	return 1;
}
