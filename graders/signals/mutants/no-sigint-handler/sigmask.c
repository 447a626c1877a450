/*
 * sigmask: count SIGUSR1 in a handler while stdin says when to block it.
 *
 * "block" adds SIGUSR1 to the signal mask with sigprocmask(2): a SIGUSR1
 * sent then stays pending (SigPnd in /proc/PID/status), and several pending
 * ones are one, since standard signals do not queue. "unblock" removes it:
 * a pending SIGUSR1 is delivered before sigprocmask returns, so it is
 * counted before "ok" is printed. At end of input, "total <n>".
 *
 * SA_RESTART matters here: without it a SIGUSR1 arriving while main waits
 * in read(2) makes read fail with EINTR, which stdio reports as an error
 * or end of input.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROG "sigmask"

static volatile sig_atomic_t count;

static void on_usr1(int sig)
{
	(void)sig;
	count++;
}

static void die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

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

int main(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t usr1;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: " PROG " < COMMANDS\n");
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGUSR1, &sa, NULL) < 0)
		die("sigaction");
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	say("ready\n");

	while ((len = getline(&line, &cap, stdin)) > 0) {
		int how;

		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (!strcmp(line, "block"))
			how = SIG_BLOCK;
		else if (!strcmp(line, "unblock"))
			how = SIG_UNBLOCK;
		else
			continue;	/* other lines are ignored */
		if (sigprocmask(how, &usr1, NULL) < 0)
			die("sigprocmask");
		say("ok\n");
	}
	if (ferror(stdin))
		die("read stdin");
	free(line);
	say("total %d\n", (int)count);
	return 0;
}
