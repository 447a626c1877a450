/*
 * sigcatch: print "ready", then a line for every SIGUSR1 ("USR1 <n>") until
 * SIGINT ("Catch SIGINT!", exit 0).
 *
 * The handlers only record that a signal came; main prints. Checking a flag
 * and then calling pause() would race: a signal arriving between the check
 * and pause() would wait for the next one. So SIGUSR1 and SIGINT stay
 * blocked while main looks at the flags, and sigsuspend(2) unblocks them
 * and waits in one atomic step.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROG "sigcatch"

static volatile sig_atomic_t usr1_count;
static volatile sig_atomic_t got_int;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_count++;
}

static void on_int(int sig)
{
	(void)sig;
	got_int = 1;
}

static void die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

/* one line with one write(2): nothing waits in a stdio buffer */
__attribute__((format(printf, 1, 2)))
static void say(const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	size_t len, off = 0;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	len = n < 0 ? 0 : (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
	while (off < len) {
		ssize_t w = write(STDOUT_FILENO, buf + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("write stdout");
		}
		off += (size_t)w;
	}
}

static void install(int sig, void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(sig, &sa, NULL) < 0)
		die("sigaction");
}

int main(int argc, char **argv)
{
	sigset_t both, waitmask;
	sig_atomic_t printed = 0;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: " PROG "\n");
		return 1;
	}
	sigemptyset(&both);
	sigaddset(&both, SIGUSR1);
	sigaddset(&both, SIGINT);
	if (sigprocmask(SIG_BLOCK, &both, &waitmask) < 0)
		die("sigprocmask");
	sigdelset(&waitmask, SIGUSR1);
	sigdelset(&waitmask, SIGINT);

	install(SIGUSR1, on_usr1);
	install(SIGINT, on_int);
	say("ready\n");	/* only now: a signal sent from here on is caught */

	for (;;) {
		/* the handlers run only inside sigsuspend: no flag changes here */
		while (printed < usr1_count)
			say("USR1 %d\n", (int)++printed);
		if (got_int) {
			say("Catch SIGINT!\n");
			return 0;
		}
		sigsuspend(&waitmask);	/* returns -1 EINTR after a handler ran */
	}
}
