/*
 * shm_write KEY: store stdin in the SysV segment KEY and raise the SysV
 * semaphore KEY. See README.md for the exact interface.
 */
#include <errno.h>
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

/* print "shm_write: WHAT: <strerror(errno)>" and exit 1 */
static void die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

/*
 * TODO: parse_key(s): strtol(s, &end, 0); refuse (message, exit 1) what is
 * not entirely a number, and what does not fit in a key_t.
 */

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: " PROG " KEY < TEXT\n");
		return 1;
	}
	(void)argv;

	/*
	 * TODO: shmget(key, SEG_SIZE, IPC_CREAT | 0600) and
	 * semget(key, 1, IPC_CREAT | 0600); read stdin up to its end, at
	 * most SEG_SIZE - 1 bytes (read(2) may return less than asked);
	 * shmat, copy the text and a NUL to the start of the segment; only
	 * then semop with sem_op = +1; shmdt; exit 0.
	 */
	errno = ENOSYS;
	die("not implemented yet");
}
