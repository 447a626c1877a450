/* mmap of a file in the work directory and of /dev/zero, shared with a child. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int fd = open("mapped.dat", O_RDWR | O_CREAT | O_TRUNC, 0644), zero;
	char *f, *z, buf[32] = "";

	if (fd < 0 || ftruncate(fd, 4096) < 0) {
		perror("mapped.dat");
		return 1;
	}
	f = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	zero = open("/dev/zero", O_RDWR);
	z = zero < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, zero, 0);
	if (f == MAP_FAILED || z == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (fork() == 0) {
		strcpy(f, "written by the child");
		strcpy(z, "shared through /dev/zero");
		msync(f, 4096, MS_SYNC);
		_exit(0);
	}
	wait(NULL);
	printf("file mapping: %s\n", f);
	printf("/dev/zero mapping: %s\n", z);
	if (pread(fd, buf, sizeof(buf) - 1, 0) < 0)
		return 1;
	printf("read back from the file: %s\n", buf);
	unlink("mapped.dat");
	return 0;
}
