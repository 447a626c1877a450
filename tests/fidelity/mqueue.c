/* POSIX message queues with both notifications: by signal, and by thread
 * (the C library receives that one on a netlink socket of its own). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static sem_t done;
static mqd_t q;
static char got[64];

static void on_message(union sigval v)
{
	unsigned prio;
	ssize_t n = mq_receive(q, got, 64, &prio);

	if (n >= 0)
		got[n] = '\0';
	printf("thread notification: value %d, message '%s' priority %u\n", v.sival_int,
	       n >= 0 ? got : "?", prio);
	sem_post(&done);
}

int main(void)
{
	struct mq_attr attr = { .mq_maxmsg = 4, .mq_msgsize = 64 };
	struct sigevent sev = { 0 };
	char name[32], buf[64];
	sigset_t usr1;
	siginfo_t si;
	unsigned prio;

	snprintf(name, sizeof(name), "/fidelity-%d", (int)getpid());
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
	if (q == (mqd_t)-1) {
		perror("mq_open");
		return 1;
	}
	mq_unlink(name);

	/* by signal: blocked, so it waits for sigwaitinfo */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	sev.sigev_value.sival_int = 7;
	if (mq_notify(q, &sev) < 0) {
		perror("mq_notify signal");
		return 1;
	}
	mq_send(q, "first", 5, 3);
	if (sigwaitinfo(&usr1, &si) < 0)
		return 1;
	printf("signal notification: %s, code %s, value %d\n", strsignal(si.si_signo),
	       si.si_code == SI_MESGQ ? "SI_MESGQ" : "other", si.si_value.sival_int);
	buf[mq_receive(q, buf, sizeof(buf), &prio)] = '\0';
	printf("received '%s' priority %u\n", buf, prio);

	/* by thread */
	sem_init(&done, 0, 0);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD;
	sev.sigev_notify_function = on_message;
	sev.sigev_value.sival_int = 9;
	if (mq_notify(q, &sev) < 0) {
		perror("mq_notify thread");
		return 1;
	}
	mq_send(q, "second", 6, 5);
	while (sem_wait(&done) < 0)
		;
	mq_close(q);
	return 0;
}
