/* burn: keeps one core busy until its stdin is closed (a load for tests) */
#include <poll.h>

int main(void)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };
	volatile unsigned long spin = 0;

	/* stdin is a pipe the test holds: it closes when the test is done */
	while (poll(&p, 1, 0) == 0)
		for (int i = 0; i < 1000000; i++)
			spin++;
	return 0;
}
