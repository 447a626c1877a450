/* 256 MiB of shared memory, SysV and then POSIX, filled by the parent and
 * summed by a child: a parallel sum over a large array. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#define SIZE (256UL << 20)

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/*
 * The parent fills the array, a child sums it. With every page, all of
 * it is in use: that is done once, for the POSIX segment, whose pages are
 * charged to the box's memory and held by /dev/shm's tmpfs; the SysV
 * segment is touched once per MiB, enough to show that shmmax and shmall
 * let it be made.
 */
static long long fill_and_sum(uint64_t *a, size_t stride)
{
	size_t n = SIZE / sizeof(*a);
	long long sum = -1;
	int p[2], status;

	/* all pages at once rather than a fault for each: the same memory,
	 * without a second per page on a loaded virtual machine */
	if (stride == 4096 / sizeof(*a) && madvise(a, SIZE, MADV_POPULATE_WRITE) < 0)
		memset(a, 0, SIZE);
	for (size_t i = 0; i < n; i += stride)
		a[i] = i / stride % 100;
	if (pipe(p) < 0)
		return -1;
	if (fork() == 0) {
		long long s = 0;

		for (size_t i = 0; i < n; i += stride)
			s += (long long)a[i];
		_exit(write(p[1], &s, sizeof(s)) == sizeof(s) ? 0 : 1);
	}
	close(p[1]);
	if (read(p[0], &sum, sizeof(sum)) != sizeof(sum))
		sum = -1;
	close(p[0]);
	if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return sum;
}

int main(void)
{
	char name[40];
	int id, fd;
	void *a;

	id = shmget(IPC_PRIVATE, SIZE, IPC_CREAT | 0600);
	if (id < 0) {
		perror("shmget 256 MiB");
		return 1;
	}
	a = shmat(id, NULL, 0);
	shmctl(id, IPC_RMID, NULL);
	if (a == (void *)-1) {
		perror("shmat");
		return 1;
	}
	printf("SysV segment of 256 MiB: sum %lld\n", fill_and_sum(a, (1 << 20) / sizeof(uint64_t)));
	shmdt(a);

	snprintf(name, sizeof(name), "/fidelity-big-%d", (int)getpid());
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || ftruncate(fd, SIZE) < 0) {
		perror("shm_open 256 MiB");
		return 1;
	}
	a = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (a == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	printf("POSIX segment of 256 MiB: sum %lld\n", fill_and_sum(a, 4096 / sizeof(uint64_t)));
	munmap(a, SIZE);
	shm_unlink(name);
	return 0;
}
