/*
 * shm_read KEY: wait on semaphore 0 of the SysV semaphore set KEY until the
 * writer has raised it, print the NUL-terminated string at the start of
 * the SysV shared memory segment KEY exactly, then remove both objects.
 *
 * The wait is semop(-1), which sleeps in the kernel until the value can
 * be lowered: no polling of the segment, no sleep(). Both objects are got
 * or created with IPC_CREAT and mode 0600 before the wait, so that a
 * writer that comes later finds them; whichever program starts first
 * creates them. Both are removed whoever created them.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <unistd.h>

#define PROG "shm_read"
#define SEG_SIZE 4096

static void die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

/* as in shm_write: strtol base 0, 32 bits, not IPC_PRIVATE */
static key_t parse_key(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (!isdigit((unsigned char)s[0]) && s[0] != '-')
		end = (char *)s;
	if (end == s || *end || errno == ERANGE || v < INT_MIN || v > (long)UINT_MAX) {
		fprintf(stderr, PROG ": KEY '%s' is not a number\n", s);
		exit(1);
	}
	if (v == 0) {
		fprintf(stderr, PROG ": KEY 0 is IPC_PRIVATE, which another program cannot open\n");
		exit(1);
	}
	return (key_t)v;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

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

int main(int argc, char **argv)
{
	struct sembuf down = { .sem_num = 0, .sem_op = -1, .sem_flg = 0 };
	key_t key;
	int shmid, semid;
	const char *seg;

	if (argc != 2) {
		fprintf(stderr, "usage: " PROG " KEY\n");
		return 1;
	}
	key = parse_key(argv[1]);
	shmid = shmget(key, SEG_SIZE, IPC_CREAT | 0600);
	if (shmid < 0)
		die("shmget");
	semid = semget(key, 1, IPC_CREAT | 0600);
	if (semid < 0)
		die("semget");
	seg = shmat(shmid, NULL, SHM_RDONLY);
	if (seg == (void *)-1)
		die("shmat");

	while (semop(semid, &down, 1) < 0)
		if (errno != EINTR)
			die("semop");

	/* strnlen: a writer from elsewhere may have filled the segment
	 * without a NUL */
	if (write_all(STDOUT_FILENO, seg, strnlen(seg, SEG_SIZE)) < 0)
		die("write stdout");
	if (shmdt(seg) < 0)
		die("shmdt");
	if (shmctl(shmid, IPC_RMID, NULL) < 0)
		die("shmctl IPC_RMID");
	if (semctl(semid, 0, IPC_RMID) < 0)
		die("semctl IPC_RMID");
	return 0;
}
