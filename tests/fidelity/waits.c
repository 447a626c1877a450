/* wait3, wait4 and waitid (P_PID, P_ALL, WNOWAIT, WSTOPPED, WCONTINUED). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	siginfo_t si;
	struct rusage ru;
	int status;
	pid_t a, b, c, got;

	if ((a = fork()) == 0)
		_exit(3);
	if (waitid(P_PID, (id_t)a, &si, WEXITED | WNOWAIT) < 0)
		return 1;
	printf("waitid WNOWAIT: code %s, status %d, same pid %s\n",
	       si.si_code == CLD_EXITED ? "CLD_EXITED" : "?", si.si_status,
	       si.si_pid == a ? "yes" : "no");
	got = wait3(&status, 0, &ru);
	printf("wait3: same child %s, exit %d\n", got == a ? "yes" : "no", WEXITSTATUS(status));

	if ((b = fork()) == 0) {
		raise(SIGSTOP);
		_exit(4);
	}
	if (waitid(P_PID, (id_t)b, &si, WSTOPPED) < 0)
		return 1;
	printf("waitid WSTOPPED: %s by %s\n", si.si_code == CLD_STOPPED ? "stopped" : "?",
	       si.si_status == SIGSTOP ? "SIGSTOP" : "?");
	kill(b, SIGCONT);
	if (waitid(P_PID, (id_t)b, &si, WCONTINUED) < 0)
		return 1;
	printf("waitid WCONTINUED: %s\n", si.si_code == CLD_CONTINUED ? "continued" : "?");
	if (wait4(b, &status, 0, &ru) != b)
		return 1;
	printf("wait4: exit %d\n", WEXITSTATUS(status));

	if ((c = fork()) == 0) {
		pause();
		_exit(0);
	}
	kill(c, SIGTERM);
	if (waitid(P_ALL, 0, &si, WEXITED) < 0)
		return 1;
	printf("waitid P_ALL: %s by %s\n", si.si_code == CLD_KILLED ? "killed" : "?",
	       si.si_status == SIGTERM ? "SIGTERM" : "?");
	printf("no child left: %s\n", waitid(P_ALL, 0, &si, WEXITED | WNOHANG) < 0 ? "ECHILD" : "?");
	return 0;
}
