/* setitimer and timer_create, each waited for with sigsuspend. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t alarms, timer_hits, value;

static void on_alarm(int sig) { (void)sig; alarms++; }
static void on_timer(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	timer_hits++;
	value = si->si_value.sival_int;
}

int main(void)
{
	struct itimerval it = { .it_interval = { 0, 1000 }, .it_value = { 0, 1000 } };
	struct sigaction sa = { .sa_handler = on_alarm };
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN };
	struct itimerspec ts = { .it_value = { 0, 1000000 } };
	sigset_t block, wait_mask;
	timer_t t;

	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	sigaddset(&block, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_sigaction = on_timer;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGRTMIN, &sa, NULL);
	if (setitimer(ITIMER_REAL, &it, NULL) < 0)
		return 1;
	while (alarms < 3)
		sigsuspend(&wait_mask);
	it = (struct itimerval){ 0 };
	setitimer(ITIMER_REAL, &it, NULL);
	printf("setitimer: at least 3 SIGALRM\n");

	sev.sigev_value.sival_int = 42;
	if (timer_create(CLOCK_MONOTONIC, &sev, &t) < 0 || timer_settime(t, 0, &ts, NULL) < 0) {
		perror("timer_create");
		return 1;
	}
	while (!timer_hits)
		sigsuspend(&wait_mask);
	printf("timer_create: fired with value %d, overrun %s\n", (int)value,
	       timer_getoverrun(t) >= 0 ? "readable" : "error");
	timer_delete(t);
	return 0;
}
