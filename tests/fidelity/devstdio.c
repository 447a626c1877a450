/* Reopening its own stdio by name: /dev/stdout, /dev/stderr, /dev/fd/N,
 * and a piped /dev/stdin (run with input on a pipe). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void say(const char *path, int flags, const char *text)
{
	int fd = open(path, flags);

	if (fd < 0) {
		printf("%s: cannot open: %m\n", path);
		return;
	}
	fflush(stdout);
	dprintf(fd, "%s: %s\n", path, text);
	close(fd);
}

int main(void)
{
	char buf[64] = "";
	int fd;
	ssize_t n;

	say("/dev/stdout", O_WRONLY, "written");
	say("/dev/fd/1", O_WRONLY | O_APPEND, "written");
	say("/proc/self/fd/1", O_WRONLY, "written");
	/* stderr too; what is written there is not compared */
	fd = open("/dev/stderr", O_WRONLY);
	printf("/dev/stderr: %s\n", fd >= 0 ? "opened" : "cannot open");
	if (fd >= 0)
		close(fd);
	fd = open("/dev/stdin", O_RDONLY);
	if (fd < 0) {
		printf("/dev/stdin: cannot open: %m\n");
		return 1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	printf("/dev/stdin: read '%s'\n", buf);
	return 0;
}
