/* shm_open, ftruncate and mmap: a child fills the segment, the parent sums it. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define N (1 << 20)

int main(void)
{
	char name[32];
	long long sum = 0;
	int fd, *a;
	struct stat st;

	snprintf(name, sizeof(name), "/fidelity-shm-%d", (int)getpid());
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || ftruncate(fd, N * sizeof(int)) < 0) {
		perror("shm_open");
		return 1;
	}
	a = mmap(NULL, N * sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (a == MAP_FAILED)
		return 1;
	if (fork() == 0) {
		for (int i = 0; i < N; i++)
			a[i] = i % 1000;
		_exit(0);
	}
	wait(NULL);
	for (int i = 0; i < N; i++)
		sum += a[i];
	fstat(fd, &st);
	printf("segment of %lld bytes, sum %lld\n", (long long)st.st_size, sum);
	printf("shm_unlink: %d\n", shm_unlink(name));
	return 0;
}
