/*
 * Feeding the started processes' stdin (testrun.h): what `write`,
 * stdin="text", file: and random: queue is written as the pipe takes it,
 * without ever blocking the harness, and the pipe is closed once its
 * queue is empty if the scenario asked for end of file.
 */
#define _GNU_SOURCE
#include "testrun.h"
#include "../sandbox/box.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void feed(struct run *r)
{
	for (int i = 0; i < r->n; i++) {
		struct started *s = &r->procs[i];

		while (s->in_fd >= 0 && s->poff < s->plen) {
			ssize_t n = write(s->in_fd, s->pending + s->poff, s->plen - s->poff);

			if (n < 0) {
				if (errno == EAGAIN)
					break;
				/* the reader is gone: the rest cannot be delivered */
				s->poff = s->plen;
				break;
			}
			s->poff += (size_t)n;
		}
		if (s->in_fd >= 0 && s->poff == s->plen && s->close_after) {
			close(s->in_fd);
			s->in_fd = -1;
		}
	}
}

void feed_pump(struct run *r, int timeout_ms)
{
	struct pollfd extra[MAX_PROCS];
	int n = 0;

	feed(r);
	for (int i = 0; i < r->n; i++)
		if (r->procs[i].in_fd >= 0 && r->procs[i].poff < r->procs[i].plen)
			extra[n++] = (struct pollfd){ .fd = r->procs[i].in_fd, .events = POLLOUT };
	box_pump_with(r->box, timeout_ms, extra, n);
	feed(r);
}

void feed_add(struct started *s, const char *data, size_t len)
{
	/* doubling: stdin=random:2M comes in 512 blocks, and growing by each
	 * copied a megabyte on average every time (seconds under ASan) */
	if (s->plen + len + 1 > s->pcap) {
		size_t cap = s->pcap ? s->pcap : 4096;
		char *p;

		while (cap < s->plen + len + 1)
			cap *= 2;
		p = realloc(s->pending, cap);
		if (!p) {
			fprintf(stderr, "ipcgrade: out of memory\n");
			exit(3);
		}
		s->pending = p;
		s->pcap = cap;
	}
	memcpy(s->pending + s->plen, data, len);
	s->plen += len;
}

/* deterministic bytes for stdin=random:SIZE:SEED (xorshift64*) */
void feed_add_random(struct started *s, int64_t size, unsigned seed, int letters)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL ^ seed;
	char block[4096];

	for (int64_t done = 0; done < size; done += (int64_t)sizeof(block)) {
		size_t n = size - done < (int64_t)sizeof(block) ? (size_t)(size - done) : sizeof(block);

		for (size_t i = 0; i < n; i++) {
			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			block[i] = (char)((x * 0x2545f4914f6cdd1dULL) >> 56);
			if (letters)	/* a line of text every 64 bytes or so */
				block[i] = (unsigned char)block[i] % 64 == 0 ? '\n' :
					   (char)('a' + (unsigned char)block[i] % 26);
		}
		feed_add(s, block, n);
	}
}
