/*
 * Computing without sleeping, for tests/hang.t. The submission's copy has
 * SCALE 5 (the test rewrites it), the reference's SCALE 1, so the
 * submission does more of it than the reference.
 *   compute work     computes 60 x SCALE units, then exits 0: a correct
 *                    program that is just slower than the reference
 *   compute spin     SCALE 1 exits 0 at once; otherwise it spins for ever
 *   compute helper   a child computes 4 x SCALE^3 units while the
 *                    parent polls waitpid(WNOHANG) for it without sleeping,
 *                    then exits 0: it spins, but on something that ends
 * A unit is three million steps of a loop on a volatile counter (a few ms).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SCALE 1

static volatile unsigned long counter;

static void compute(long units)
{
	for (long i = 0; i < units * 3000000L; i++)
		counter++;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	pid_t pid;

	if (!strcmp(mode, "work")) {
		compute(60L * SCALE);
		return 0;
	}
	if (!strcmp(mode, "spin")) {
		while (SCALE > 1)
			counter++;
		return 0;
	}
	if (!strcmp(mode, "helper")) {
		pid = fork();
		if (pid == 0) {
			compute(4L * SCALE * SCALE * SCALE);
			_exit(0);
		}
		while (pid > 0 && waitpid(pid, NULL, WNOHANG) == 0)
			counter++;
		return 0;
	}
	return 1;
}
