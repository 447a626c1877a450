/* Process groups: setpgid(0, 0) in the started program, children in its
 * group, another group made for one child, and killpg of its own group. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static void on_usr1(int sig) { (void)sig; got = 1; }

int main(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigset_t usr1, old;
	int p[2], status, caught = 0;
	pid_t kids[3];
	char c;

	/* first, so that killpg below reaches nothing of our caller's */
	if (setpgid(0, 0) < 0) {
		perror("setpgid(0, 0)");
		return 1;
	}
	printf("setpgid(0, 0): ok, leader of its group: %s\n", getpgrp() == getpid() ? "yes" : "no");
	printf("session leader: %s\n", getsid(0) == getpid() ? "yes" : "no");
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	sigaction(SIGUSR1, &sa, NULL);
	if (pipe(p) < 0)
		return 1;
	for (int i = 0; i < 3; i++) {
		if ((kids[i] = fork()) == 0) {
			if (i == 2)	/* a group of its own: killpg misses it */
				setpgid(0, 0);
			close(p[0]);
			(void)!write(p[1], "r", 1);
			while (!got)
				sigsuspend(&old);
			_exit(10 + i);
		}
		/* both sides, so that the group exists whoever runs first */
		if (i == 2)
			setpgid(kids[i], kids[i]);
	}
	close(p[1]);
	for (int i = 0; i < 3; i++)
		if (read(p[0], &c, 1) != 1)
			return 1;
	printf("child 3 in its own group: %s\n", getpgid(kids[2]) == kids[2] ? "yes" : "no");
	if (killpg(getpgrp(), SIGUSR1) < 0) {
		perror("killpg");
		return 1;
	}
	while (!got)
		sigsuspend(&old);
	printf("killpg: the program itself caught SIGUSR1\n");
	for (int i = 0; i < 2; i++) {
		waitpid(kids[i], &status, 0);
		caught += WIFEXITED(status) && WEXITSTATUS(status) == 10 + i;
	}
	printf("children of its group that caught it: %d\n", caught);
	printf("child 3 still waiting: %s\n", waitpid(kids[2], &status, WNOHANG) == 0 ? "yes" : "no");
	kill(kids[2], SIGUSR1);
	waitpid(kids[2], &status, 0);
	printf("child 3 after kill: exit %d\n", WEXITSTATUS(status));
	return 0;
}
