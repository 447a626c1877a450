// Ben Okafor shm lab
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/shm.h>
#include <sys/sem.h>

int main(int argc, char *argv[])
{
    int shmid, semid, n, total = 0;
    char *p;
    struct sembuf op;

    if (argc != 2) {
        fprintf(stderr, "usage: shm_write KEY < TEXT\n");
        exit(1);
    }
    key_t key = strtol(argv[1], NULL, 0);
    shmid = shmget(key, 4096, IPC_CREAT | 0600);
    semid = semget(key, 1, IPC_CREAT | 0600);
    if (shmid == -1 || semid == -1) {
        perror("shm_write: get");
        exit(1);
    }
    p = (char *)shmat(shmid, 0, 0);
    while (total < 4095 && (n = read(0, p + total, 4095 - total)) > 0)
        total += n;
    p[total] = 0;
    op.sem_num = 0;
    op.sem_op = 1;
    op.sem_flg = 0;
    semop(semid, &op, 1);
    shmdt(p);
    return 0;
}
