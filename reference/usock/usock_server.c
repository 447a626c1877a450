/*
 * usock_server PATH: an echo server on an AF_UNIX stream socket at PATH,
 * one child process per connection.
 *
 * How it runs: the parent only accepts and forks. It keeps SIGTERM and
 * SIGCHLD blocked except inside ppoll() on the listening socket, so their
 * handlers run only there: no accept() can start after a SIGTERM was
 * missed, and no call of the parent needs an EINTR retry. The SIGCHLD
 * handler reaps every child that has ended (one signal may stand for
 * several children). On SIGTERM the parent stops accepting, removes PATH,
 * waits for its connection children, which end when their clients
 * disconnect, and exits 0.
 *
 * Each child answers every line "echo: LINE" until its client closes.
 */
#define _GNU_SOURCE	/* ppoll, accept4 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROG "usock_server"
#define LINE_MAX_BYTES 4096	/* a line, its newline included */

static volatile sig_atomic_t terminate;

static void die(const char *what, const char *path)
{
	if (path)
		fprintf(stderr, PROG ": %s %s: %s\n", what, path, strerror(errno));
	else
		fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

static void on_term(int sig)
{
	(void)sig;
	terminate = 1;
}

static void on_chld(int sig)
{
	int saved = errno;

	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

static int send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int reply(int fd, const char *line, size_t len)
{
	char out[sizeof("echo: ") - 1 + LINE_MAX_BYTES];

	memcpy(out, "echo: ", 6);
	memcpy(out + 6, line, len);
	out[6 + len] = '\n';
	return send_all(fd, out, 6 + len + 1);
}

/*
 * A connection: the bytes arrive as a stream, so a line may come in
 * pieces and several lines in one read. A line longer than the buffer is
 * answered in pieces of LINE_MAX_BYTES - 1 bytes; a last line without a
 * newline is answered too.
 */
static void serve(int fd)
{
	char buf[LINE_MAX_BYTES];
	size_t have = 0;

	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - have);
		size_t start = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		for (size_t i = 0; i < have; i++) {
			if (buf[i] != '\n')
				continue;
			if (reply(fd, buf + start, i - start) < 0)
				_exit(1);
			start = i + 1;
		}
		if (start == 0 && have == sizeof(buf)) {
			if (reply(fd, buf, have - 1) < 0)
				_exit(1);
			start = have - 1;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
	}
	if (have > 0)
		reply(fd, buf, have);
	/* exit closes the connection: the client sees its end only once
	 * this child is as good as gone */
	_exit(0);
}

/* a socket left at PATH by a server that died is replaced; anything else
 * at PATH is not ours to remove */
static void clear_path(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return;
		die("stat", path);
	}
	if (!S_ISSOCK(st.st_mode)) {
		fprintf(stderr, PROG ": %s: not a socket\n", path);
		exit(1);
	}
	if (unlink(path) < 0)
		die("unlink", path);
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct sigaction sa = { 0 };
	sigset_t handled, outside;
	const char *path;
	int lfd;

	if (argc != 2 || !argv[1][0]) {
		fprintf(stderr, "usage: " PROG " PATH\n");
		return 1;
	}
	path = argv[1];
	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, PROG ": %s: path too long for a socket\n", path);
		return 1;
	}
	strcpy(addr.sun_path, path);

	sigemptyset(&handled);
	sigaddset(&handled, SIGTERM);
	sigaddset(&handled, SIGCHLD);
	sigprocmask(SIG_BLOCK, &handled, &outside);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);

	clear_path(path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket", NULL);
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die("bind", path);
	if (listen(lfd, 16) < 0)
		die("listen", path);

	while (!terminate) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };
		int cfd;
		pid_t pid;

		/* the only place the handlers can run */
		if (ppoll(&pfd, 1, NULL, &outside) < 0) {
			if (errno == EINTR)
				continue;
			die("ppoll", NULL);
		}
		cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == ECONNABORTED || errno == EINTR)
				continue;
			die("accept", NULL);
		}
		pid = fork();
		if (pid < 0) {
			perror(PROG ": fork");
			close(cfd);
			continue;
		}
		if (pid == 0) {
			struct sigaction dfl = { .sa_handler = SIG_DFL };

			close(lfd);
			sigaction(SIGTERM, &dfl, NULL);
			sigaction(SIGCHLD, &dfl, NULL);
			sigprocmask(SIG_SETMASK, &outside, NULL);
			serve(cfd);
		}
		close(cfd);
	}

	close(lfd);
	if (unlink(path) < 0 && errno != ENOENT)
		perror(PROG ": unlink");
	/* still blocked: the SIGCHLD handler cannot race with this wait */
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	return 0;
}
