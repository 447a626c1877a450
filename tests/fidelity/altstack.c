/* sigaltstack: a stack overflow caught on the alternate stack. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

static char *alt;
static volatile int depth_reached;

static void on_segv(int sig)
{
	char here;
	const char msg[] = "SIGSEGV handled on the alternate stack\n";
	const char bad[] = "SIGSEGV handled on the wrong stack\n";

	(void)sig;
	if (&here >= alt && &here < alt + SIGSTKSZ * 4)
		(void)!write(1, msg, sizeof(msg) - 1);
	else
		(void)!write(1, bad, sizeof(bad) - 1);
	_exit(0);
}

static int recurse(int n)
{
	volatile char pad[4096];

	pad[0] = (char)n;
	depth_reached = n;
	if (n > 1 << 20)	/* far beyond any stack; keeps the compiler quiet */
		return 0;
	return recurse(n + 1) + pad[0];
}

int main(void)
{
	stack_t ss;
	struct sigaction sa = { .sa_handler = on_segv, .sa_flags = SA_ONSTACK };
	struct rlimit rl = { 8 << 20, 8 << 20 };

	/* the same stack size inside and out */
	setrlimit(RLIMIT_STACK, &rl);
	alt = malloc(SIGSTKSZ * 4);
	ss.ss_sp = alt;
	ss.ss_size = SIGSTKSZ * 4;
	ss.ss_flags = 0;
	if (!alt || sigaltstack(&ss, NULL) < 0) {
		perror("sigaltstack");
		return 1;
	}
	sigaction(SIGSEGV, &sa, NULL);
	return recurse(0);
}
