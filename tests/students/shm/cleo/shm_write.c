#include <unistd.h>
#include "common.h"

int main(int argc, char **argv)
{
	int shmid, semid;
	if (argc != 2) {
		fprintf(stderr, "usage: shm_write KEY < TEXT\n");
		return 1;
	}
	if (get_objects("shm_write", argv[1], &shmid, &semid) < 0)
		return 1;
	char *seg = shmat(shmid, NULL, 0);
	size_t len = fread(seg, 1, SEG_SIZE - 1, stdin);
	seg[len] = '\0';
	struct sembuf v = { 0, +1, 0 };
	semop(semid, &v, 1);
	shmdt(seg);
	return 0;
}
