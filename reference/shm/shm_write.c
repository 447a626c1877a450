/*
 * shm_write KEY: store stdin (its first 4095 bytes) as a NUL-terminated
 * string at the start of the SysV shared memory segment KEY, then raise
 * semaphore 0 of the SysV semaphore set KEY by one.
 *
 * The text is complete in the segment before the semaphore is raised: the
 * raise is what tells the reader that it may look. Both objects are got
 * or created with IPC_CREAT and mode 0600 (SysV modes ignore the umask);
 * a new semaphore is 0, as semget leaves it, and nobody sets it: a SETVAL
 * here could wipe out a raise that came first. The writer removes
 * nothing: the reader does, once it has the text.
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

#define PROG "shm_write"
#define SEG_SIZE 4096

static void die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

/*
 * KEY: a decimal, 0x hex (or 0-prefixed octal) integer, as strtol with base
 * 0 reads it, that fits in 32 bits. 0 is IPC_PRIVATE, objects no other
 * process can find, so it is refused too.
 */
static key_t parse_key(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (!isdigit((unsigned char)s[0]) && s[0] != '-')
		end = (char *)s;	/* no leading blanks or '+' */
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

/* up to size bytes of stdin; fewer only at end of input */
static size_t read_input(char *buf, size_t size)
{
	size_t got = 0;

	while (got < size) {
		ssize_t n = read(STDIN_FILENO, buf + got, size - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("read stdin");
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return got;
}

int main(int argc, char **argv)
{
	char text[SEG_SIZE];
	struct sembuf up = { .sem_num = 0, .sem_op = 1, .sem_flg = 0 };
	key_t key;
	size_t len;
	int shmid, semid;
	char *seg;

	if (argc != 2) {
		fprintf(stderr, "usage: " PROG " KEY < TEXT\n");
		return 1;
	}
	key = parse_key(argv[1]);
	shmid = shmget(key, SEG_SIZE, IPC_CREAT | 0600);
	if (shmid < 0)
		die("shmget");
	semid = semget(key, 1, IPC_CREAT | 0600);
	if (semid < 0)
		die("semget");

	/* the rest of a longer input is not read: it is ignored */
	len = read_input(text, SEG_SIZE - 1);
	seg = shmat(shmid, NULL, 0);
	if (seg == (void *)-1)
		die("shmat");
	memcpy(seg, text, len);
	seg[len] = '\0';

	while (semop(semid, &up, 1) < 0)
		if (errno != EINTR)
			die("semop");
	if (shmdt(seg) < 0)
		die("shmdt");
	return 0;
}
