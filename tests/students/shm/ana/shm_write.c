/* shm_write -- Ana Ruiz */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/sem.h>

#define SHMSZ 4096

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: shm_write KEY < TEXT\n");
		return 1;
	}
	char *end;
	errno = 0;
	long k = strtol(argv[1], &end, 0);
	if (errno || end == argv[1] || *end || k == 0) {
		fprintf(stderr, "shm_write: KEY '%s' is not a number\n", argv[1]);
		return 1;
	}
	int shmid = shmget((key_t)k, SHMSZ, IPC_CREAT | 0600);
	if (shmid < 0) { perror("shm_write: shmget"); return 1; }
	int semid = semget((key_t)k, 1, IPC_CREAT | 0600);
	if (semid < 0) { perror("shm_write: semget"); return 1; }

	char *mem = shmat(shmid, NULL, 0);
	if (mem == (void *)-1) { perror("shm_write: shmat"); return 1; }

	size_t used = 0;
	while (used < SHMSZ - 1) {
		ssize_t n = read(0, mem + used, SHMSZ - 1 - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("shm_write: read");
			return 1;
		}
		if (n == 0)
			break;
		used += n;
	}
	mem[used] = '\0';

	struct sembuf up = { 0, 1, 0 };
	if (semop(semid, &up, 1) < 0) { perror("shm_write: semop"); return 1; }
	shmdt(mem);
	return 0;
}
