/* prctl(PR_SET_NAME): the new name in PR_GET_NAME and in /proc/self/comm. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

int main(void)
{
	char name[17] = "", comm[32] = "";
	FILE *f;

	if (prctl(PR_SET_NAME, "worker-1", 0, 0, 0) < 0 ||
	    prctl(PR_GET_NAME, name, 0, 0, 0) < 0) {
		perror("prctl");
		return 1;
	}
	f = fopen("/proc/self/comm", "r");
	if (!f || !fgets(comm, sizeof(comm), f))
		return 1;
	comm[strcspn(comm, "\n")] = '\0';
	printf("PR_GET_NAME: %s\n/proc/self/comm: %s\n", name, comm);
	return 0;
}
