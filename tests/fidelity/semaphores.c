/* Named and unnamed POSIX semaphores between a parent and its children. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct shared {
	sem_t mutex, ready;
	long counter;
};

int main(void)
{
	struct shared *s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char name[32];
	sem_t *named;
	int value;

	if (s == MAP_FAILED)
		return 1;
	sem_init(&s->mutex, 1, 1);
	sem_init(&s->ready, 1, 0);
	snprintf(name, sizeof(name), "/fidelity-sem-%d", (int)getpid());
	named = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
	if (named == SEM_FAILED) {
		perror("sem_open");
		return 1;
	}
	for (int c = 0; c < 4; c++) {
		if (fork() == 0) {
			for (int i = 0; i < 10000; i++) {
				sem_wait(&s->mutex);
				s->counter++;
				sem_post(&s->mutex);
			}
			sem_post(&s->ready);
			sem_post(named);
			_exit(0);
		}
	}
	for (int c = 0; c < 4; c++) {
		sem_wait(&s->ready);
		sem_wait(named);
	}
	while (wait(NULL) > 0)
		;
	sem_getvalue(named, &value);
	printf("unnamed (pshared) semaphores: counter %ld\n", s->counter);
	printf("named semaphore: every child posted, value now %d\n", value);
	sem_close(named);
	printf("sem_unlink: %d\n", sem_unlink(name));
	return 0;
}
