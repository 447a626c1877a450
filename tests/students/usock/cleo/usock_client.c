/* usock_client -- Cleo Martin */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

int main(int argc, char **argv)
{
	if (argc != 2 || !argv[1][0]) {
		fprintf(stderr, "usage: usock_client PATH < LINES\n");
		return 1;
	}
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(argv[1]) >= sizeof addr.sun_path) {
		fprintf(stderr, "usock_client: %s: path too long for a socket\n", argv[1]);
		return 1;
	}
	strcpy(addr.sun_path, argv[1]);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof addr) < 0) {
		fprintf(stderr, "usock_client: connect %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	FILE *conn = fdopen(s, "r");
	char *line = NULL, *reply = NULL;
	size_t cap = 0, rcap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, stdin)) > 0) {
		if (line[n - 1] != '\n') {
			line = realloc(line, n + 2);
			line[n++] = '\n';
		}
		if (send(s, line, n, MSG_NOSIGNAL) != n) {
			perror("usock_client: send");
			return 1;
		}
		if (getline(&reply, &rcap, conn) <= 0) {
			fprintf(stderr, "usock_client: the server closed the connection\n");
			return 1;
		}
		fputs(reply, stdout);
		fflush(stdout);
	}
	return 0;
}
