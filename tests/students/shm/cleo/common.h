/* Cleo Martin -- shm lab */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/sem.h>

#define SEG_SIZE 4096

static int get_objects(const char *prog, const char *arg, int *shmid, int *semid)
{
	key_t key = ftok(".", atoi(arg));
	if (key == -1) {
		fprintf(stderr, "%s: ", prog);
		perror("ftok");
		return -1;
	}
	*shmid = shmget(key, SEG_SIZE, IPC_CREAT | 0600);
	*semid = semget(key, 1, IPC_CREAT | 0600);
	if (*shmid < 0 || *semid < 0) {
		fprintf(stderr, "%s: ", prog);
		perror("shmget/semget");
		return -1;
	}
	return 0;
}
