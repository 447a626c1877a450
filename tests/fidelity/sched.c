/* Scheduling queries, and lowering one's own priority. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct attr {	/* struct sched_attr, which glibc does not declare everywhere */
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
};

static const char *policy(int p)
{
	return p == SCHED_OTHER ? "SCHED_OTHER" : p == SCHED_BATCH ? "SCHED_BATCH" :
	       p == SCHED_IDLE ? "SCHED_IDLE" : p == SCHED_FIFO ? "SCHED_FIFO" : "other";
}

int main(void)
{
	struct sched_param sp;
	struct timespec ts;
	struct attr a = { 0 };

	printf("sched_getscheduler: %s\n", policy(sched_getscheduler(0)));
	printf("sched_getparam: %s, priority %d\n", sched_getparam(0, &sp) == 0 ? "ok" : "failed",
	       sp.sched_priority);
	printf("SCHED_FIFO priorities: %d to %d\n", sched_get_priority_min(SCHED_FIFO),
	       sched_get_priority_max(SCHED_FIFO));
	printf("sched_rr_get_interval: %s\n", sched_rr_get_interval(0, &ts) == 0 ? "ok" : "failed");
	if (syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0) < 0) {
		perror("sched_getattr");
		return 1;
	}
	printf("sched_getattr: %s, nice %d\n", policy((int)a.policy), a.nice);
	sp.sched_priority = 0;
	printf("sched_setparam(0, 0): %s\n", sched_setparam(0, &sp) == 0 ? "ok" : "failed");
	printf("sched_setscheduler(SCHED_BATCH): %s\n",
	       sched_setscheduler(0, SCHED_BATCH, &sp) == 0 ? "ok" : "failed");
	printf("now: %s\n", policy(sched_getscheduler(0)));
	printf("setpriority(+5): %s\n", setpriority(PRIO_PROCESS, 0, 5) == 0 ? "ok" : "failed");
	printf("nice now %d\n", getpriority(PRIO_PROCESS, 0));
	return 0;
}
