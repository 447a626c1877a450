/* mlock, mlockall and munlockall on an ordinary program. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void)
{
	char *buf = malloc(64 * 1024);

	if (!buf)
		return 1;
	memset(buf, 1, 64 * 1024);
	printf("mlock 64 KiB: %s\n", mlock(buf, 64 * 1024) == 0 ? "ok" : "failed");
	printf("munlock: %s\n", munlock(buf, 64 * 1024) == 0 ? "ok" : "failed");
	if (mlockall(MCL_CURRENT) < 0) {
		perror("mlockall");
		return 1;
	}
	printf("mlockall(MCL_CURRENT): ok\n");
	printf("munlockall: %s\n", munlockall() == 0 ? "ok" : "failed");
	return 0;
}
