/* usock_server.c  (B. Okafor) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

static volatile sig_atomic_t stop;


static void reap(int sig)
{
	int saved = errno;
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

static void serve(int c)
{
	char in[4096], out[4200];
	size_t have = 0;
	for (;;) {
		ssize_t n = recv(c, in + have, sizeof in - have, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += n;
		char *nl;
		while ((nl = memchr(in, '\n', have)) != NULL) {
			size_t len = nl - in + 1;
			int m = snprintf(out, sizeof out, "echo: %.*s", (int)len, in);
			send(c, out, m, MSG_NOSIGNAL);
			memmove(in, in + len, have - len);
			have -= len;
		}
		if (have == sizeof in) {
			int m = snprintf(out, sizeof out, "echo: %.*s\n", 4095, in);
			send(c, out, m, MSG_NOSIGNAL);
			memmove(in, in + 4095, have - 4095);
			have -= 4095;
		}
	}
	if (have > 0) {
		int m = snprintf(out, sizeof out, "echo: %.*s\n", (int)have, in);
		send(c, out, m, MSG_NOSIGNAL);
	}
	close(c);
}

int main(int argc, char **argv)
{
	if (argc != 2 || !argv[1][0]) {
		fprintf(stderr, "usage: usock_server PATH\n");
		return 1;
	}
	const char *path = argv[1];
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof addr.sun_path) {
		fprintf(stderr, "usock_server: %s: path too long for a socket\n", path);
		return 1;
	}
	strcpy(addr.sun_path, path);

	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			fprintf(stderr, "usock_server: %s: not a socket\n", path);
			return 1;
		}
		unlink(path);
	}

	struct sigaction sa = { 0 };
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = reap;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);

	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0) { perror("usock_server: socket"); return 1; }
	if (bind(s, (struct sockaddr *)&addr, sizeof addr) < 0) {
		fprintf(stderr, "usock_server: bind %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (listen(s, 16) < 0) { perror("usock_server: listen"); return 1; }

	while (!stop) {
		int c = accept(s, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			perror("usock_server: accept");
			break;
		}
		pid_t pid = fork();
		if (pid == 0) {
			signal(SIGTERM, SIG_DFL);
			signal(SIGCHLD, SIG_DFL);
			close(s);
			serve(c);
			_exit(0);
		}
		close(c);
	}
	close(s);
	unlink(path);
	/* wait for the connection children; the SIGCHLD handler may reap some */
	signal(SIGCHLD, SIG_DFL);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return 0;
}
