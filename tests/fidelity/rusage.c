/* getrusage of itself and of its reaped children, and times(). */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	struct rusage self, kids;
	struct tms t;
	volatile long x = 0;

	if (fork() == 0) {
		for (long i = 0; i < 20000000; i++)
			x += i;
		_exit(0);
	}
	wait(NULL);
	if (getrusage(RUSAGE_SELF, &self) < 0 || getrusage(RUSAGE_CHILDREN, &kids) < 0 ||
	    times(&t) == (clock_t)-1) {
		perror("getrusage");
		return 1;
	}
	printf("self: maxrss %s\n", self.ru_maxrss > 0 ? "positive" : "zero");
	printf("children: maxrss %s, cpu time %s\n", kids.ru_maxrss > 0 ? "positive" : "zero",
	       kids.ru_utime.tv_sec + kids.ru_stime.tv_sec + kids.ru_utime.tv_usec +
	       kids.ru_stime.tv_usec > 0 ?
	       "counted" : "none");
	return 0;
}
