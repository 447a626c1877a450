/*
 * usock_client PATH: connect to the AF_UNIX stream socket PATH; for each
 * line of stdin, send it and print the reply line before sending the next.
 *
 * The socket is a byte stream: a reply may arrive in pieces, so replies
 * are read into a buffer and printed a whole line at a time. At end of
 * input the client shuts down its sending side and reads until the server
 * closes the connection: it leaves only once the server has finished
 * with it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#define PROG "usock_client"

struct conn {
	int fd;
	char buf[8192];
	size_t have;
};

static void die(const char *what, const char *path)
{
	if (path)
		fprintf(stderr, PROG ": %s %s: %s\n", what, path, strerror(errno));
	else
		fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

static int write_all(int fd, const char *p, size_t len, int flags)
{
	while (len > 0) {
		ssize_t n = flags >= 0 ? send(fd, p, len, flags) : write(fd, p, len);

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

/* print one reply line; 0 at a clean end of the connection */
static int print_reply(struct conn *c)
{
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->have);
		ssize_t n;

		if (nl || c->have == sizeof(c->buf)) {
			size_t len = nl ? (size_t)(nl - c->buf) + 1 : c->have;

			if (write_all(STDOUT_FILENO, c->buf, len, -1) < 0)
				die("write stdout", NULL);
			memmove(c->buf, c->buf + len, c->have - len);
			c->have -= len;
			if (nl)
				return 1;
			continue;
		}
		n = read(c->fd, c->buf + c->have, sizeof(c->buf) - c->have);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("read", NULL);
		}
		if (n == 0)
			return 0;
		c->have += (size_t)n;
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	static struct conn c;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	const char *path;

	if (argc != 2 || !argv[1][0]) {
		fprintf(stderr, "usage: " PROG " PATH < LINES\n");
		return 1;
	}
	path = argv[1];
	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, PROG ": %s: path too long for a socket\n", path);
		return 1;
	}
	strcpy(addr.sun_path, path);
	c.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c.fd < 0)
		die("socket", NULL);
	if (connect(c.fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die("connect", path);

	while ((len = getline(&line, &cap, stdin)) > 0) {
		/* a last line without a newline is still a line */
		if (line[len - 1] != '\n') {
			if ((size_t)len + 1 >= cap) {
				char *more = realloc(line, (size_t)len + 2);

				if (!more)
					die("realloc", NULL);
				line = more;
				cap = (size_t)len + 2;
			}
			line[len++] = '\n';
		}
		if (write_all(c.fd, line, (size_t)len, MSG_NOSIGNAL) < 0)
			die("send", NULL);
		if (!print_reply(&c)) {
			fprintf(stderr, PROG ": the server closed the connection\n");
			return 1;
		}
	}
	if (ferror(stdin))
		die("read stdin", NULL);
	free(line);
	/* nothing more to say; wait for the server to hang up */
	shutdown(c.fd, SHUT_WR);
	while (print_reply(&c))
		;
	close(c.fd);
	return 0;
}
