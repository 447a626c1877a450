/* pthreads: a parallel sum with a mutex and a barrier. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>

#define T 8
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t barrier;
static long long total;

static void *work(void *arg)
{
	long id = (long)arg;
	long long part = 0;

	for (long i = id; i < 1000000; i += T)
		part += i;
	pthread_barrier_wait(&barrier);
	pthread_mutex_lock(&lock);
	total += part;
	pthread_mutex_unlock(&lock);
	return NULL;
}

int main(void)
{
	pthread_t t[T];

	pthread_barrier_init(&barrier, NULL, T);
	for (long i = 0; i < T; i++)
		if (pthread_create(&t[i], NULL, work, (void *)i) != 0)
			return 1;
	for (int i = 0; i < T; i++)
		pthread_join(t[i], NULL);
	printf("%d threads, sum %lld\n", T, total);
	return 0;
}
