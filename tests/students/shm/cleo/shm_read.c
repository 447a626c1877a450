#include <string.h>
#include "common.h"

int main(int argc, char **argv)
{
	int shmid, semid;
	if (argc != 2) {
		fprintf(stderr, "usage: shm_read KEY\n");
		return 1;
	}
	if (get_objects("shm_read", argv[1], &shmid, &semid) < 0)
		return 1;
	struct sembuf p = { 0, -1, 0 };
	if (semop(semid, &p, 1) < 0) {
		perror("shm_read: semop");
		return 1;
	}
	char *seg = shmat(shmid, NULL, 0);
	fputs(seg, stdout);
	shmdt(seg);
	shmctl(shmid, IPC_RMID, NULL);
	semctl(semid, 0, IPC_RMID);
	return 0;
}
