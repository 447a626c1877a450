// Ben Okafor - semcount
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/wait.h>

sem_t mutex;
long *counter;

void work(int iter)
{
    for (int i = 0; i < iter; i++) {
        sem_wait(&mutex);
        (*counter)++;
        sem_post(&mutex);
    }
}

int main(int argc, char *argv[])
{
    if (argc != 3) {
        fprintf(stderr, "usage: semcount N ITER (1 <= N <= 16, 0 <= ITER <= 10000000)\n");
        exit(1);
    }
    int n = atoi(argv[1]);
    int iter = atoi(argv[2]);
    if (n < 1 || n > 16 || iter < 0 || iter > 10000000) {
        fprintf(stderr, "usage: semcount N ITER (1 <= N <= 16, 0 <= ITER <= 10000000)\n");
        exit(1);
    }
    counter = mmap(NULL, sizeof(long), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    *counter = 0;
    sem_init(&mutex, 1, 1);
    for (int i = 0; i < n; i++) {
        if (fork() == 0) {
            work(iter);
            exit(0);
        }
    }
    for (int i = 0; i < n; i++)
        wait(NULL);
    printf("counter: %ld\n", *counter);
    sem_destroy(&mutex);
    return 0;
}
