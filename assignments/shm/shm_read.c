/*
 * shm_read KEY: wait on the SysV semaphore KEY, print the text in the SysV
 * segment KEY, remove both. See README.md for the exact interface.
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

#define PROG "shm_read"
#define SEG_SIZE 4096

/* print "shm_read: WHAT: <strerror(errno)>" and exit 1 */
static void die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

/* TODO: parse_key(s) as in shm_write */

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: " PROG " KEY\n");
		return 1;
	}
	(void)argv;

	/*
	 * TODO: shmget and semget as in shm_write (both before waiting, so
	 * that a writer started later finds them); shmat; semop with
	 * sem_op = -1 (it sleeps until the writer raises the semaphore;
	 * retry on EINTR); write the string to stdout exactly; shmdt; then
	 * shmctl(IPC_RMID) and semctl(IPC_RMID); exit 0.
	 */
	errno = ENOSYS;
	die("not implemented yet");
}
