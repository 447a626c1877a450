/* Cleo Martin - echo server */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

char *sock_path;

void handle_term(int sig)
{
	(void)sig;
	unlink(sock_path);
	_exit(0);
}

void echo_client(int fd)
{
	FILE *in = fdopen(fd, "r");
	char line[4100], reply[4200];
	while (fgets(line, sizeof line, in)) {
		int n = snprintf(reply, sizeof reply, "echo: %s", line);
		write(fd, reply, n);
	}
	fclose(in);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: usock_server PATH\n");
		return 1;
	}
	sock_path = argv[1];
	struct stat st;
	if (stat(sock_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			fprintf(stderr, "usock_server: %s: not a socket\n", sock_path);
			return 1;
		}
		unlink(sock_path);
	}
	signal(SIGTERM, handle_term);
	signal(SIGPIPE, SIG_IGN);

	int srv = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a;
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	strncpy(a.sun_path, sock_path, sizeof a.sun_path - 1);
	if (bind(srv, (struct sockaddr *)&a, sizeof a) == -1) {
		perror("usock_server: bind");
		return 1;
	}
	listen(srv, 5);
	for (;;) {
		int c = accept(srv, NULL, NULL);
		if (c == -1)
			continue;
		echo_client(c);
	}
}
