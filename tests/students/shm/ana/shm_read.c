/* shm_read -- Ana Ruiz */
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
		fprintf(stderr, "usage: shm_read KEY\n");
		return 1;
	}
	char *end;
	errno = 0;
	long k = strtol(argv[1], &end, 0);
	if (errno || end == argv[1] || *end || k == 0) {
		fprintf(stderr, "shm_read: KEY '%s' is not a number\n", argv[1]);
		return 1;
	}
	int shmid = shmget((key_t)k, SHMSZ, IPC_CREAT | 0600);
	if (shmid < 0) { perror("shm_read: shmget"); return 1; }
	int semid = semget((key_t)k, 1, IPC_CREAT | 0600);
	if (semid < 0) { perror("shm_read: semget"); return 1; }

	struct sembuf down = { 0, -1, 0 };
	while (semop(semid, &down, 1) < 0) {
		if (errno != EINTR) { perror("shm_read: semop"); return 1; }
	}
	char *mem = shmat(shmid, NULL, SHM_RDONLY);
	if (mem == (void *)-1) { perror("shm_read: shmat"); return 1; }
	size_t len = strnlen(mem, SHMSZ);
	fwrite(mem, 1, len, stdout);
	fflush(stdout);
	shmdt(mem);
	if (shmctl(shmid, IPC_RMID, NULL) < 0) { perror("shm_read: shmctl"); return 1; }
	if (semctl(semid, 0, IPC_RMID) < 0) { perror("shm_read: semctl"); return 1; }
	return 0;
}
