/*
 * query: looking into the box through its init, one request and its
 * answer at a time (box.h: box_stat, box_open, box_read, box_semval).
 */
#define _GNU_SOURCE
#include "box_internal.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * One request to init and its answer; exits that arrive meanwhile are
 * recorded. Returns 0 with *r filled (and *fd if one came), or -1.
 */
static int request(struct box *b, struct msg *m, size_t textlen, int want,
		   struct msg *r, int *fd)
{
	int nfds;
	ssize_t n;

	if (b->ctl < 0 || box_send(b, m, textlen, NULL, 0) < 0)
		return -1;
	for (;;) {
		int got = -1;

		nfds = 1;
		n = recv_fds(b->ctl, r, sizeof(*r), &got, &nfds, NULL);
		if (n <= 0) {
			kill_box(b, BOX_INTERNAL, LIMIT_NONE, -1);
			return -1;
		}
		if (r->type == want) {
			if (fd)
				*fd = nfds ? got : -1;
			else if (nfds)
				close(got);
			if (n < (ssize_t)sizeof(*r))
				((char *)r)[n] = '\0';
			return 0;
		}
		if (nfds)
			close(got);
		if (r->type == MSG_EXITED)
			record_exit(b, r);
	}
}

int box_stat(struct box *b, const char *path, struct box_stat *st)
{
	struct msg *m = calloc(2, sizeof(*m));
	int ret = -EIO;

	if (!m)
		return -ENOMEM;
	m->type = MSG_OPEN;
	snprintf(m->text, sizeof(m->text), "%s", path);
	if (request(b, m, strlen(m->text) + 1, MSG_OPENED, m + 1, NULL) == 0) {
		ret = -m[1].opened.err;
		st->mode = (unsigned)m[1].opened.mode;
		st->size = m[1].opened.size;
	}
	free(m);
	return ret;
}

int box_open(struct box *b, const char *path)
{
	struct msg *m = calloc(2, sizeof(*m));
	int ret = -EIO, fd = -1;

	if (!m)
		return -ENOMEM;
	m->type = MSG_OPEN;
	m->open.for_reading = 1;
	snprintf(m->text, sizeof(m->text), "%s", path);
	if (request(b, m, strlen(m->text) + 1, MSG_OPENED, m + 1, &fd) == 0)
		ret = m[1].opened.err ? -m[1].opened.err : fd >= 0 ? fd : -EIO;
	free(m);
	return ret;
}

ssize_t box_read(struct box *b, const char *path, char *buf, size_t size)
{
	struct msg *m = calloc(2, sizeof(*m));
	ssize_t ret = -EIO;

	if (!m)
		return -ENOMEM;
	m->type = MSG_READ;
	snprintf(m->text, sizeof(m->text), "%s", path);
	if (request(b, m, strlen(m->text) + 1, MSG_READ_DONE, m + 1, NULL) == 0) {
		if (m[1].read_done.err) {
			ret = -m[1].read_done.err;
		} else {
			size_t n = (size_t)m[1].read_done.len < size - 1 ? (size_t)m[1].read_done.len :
				   size - 1;

			memcpy(buf, m[1].text, n);
			buf[n] = '\0';
			ret = (ssize_t)n;
		}
	}
	free(m);
	return ret;
}

int box_semval(struct box *b, long key, int num)
{
	struct msg *m = calloc(2, sizeof(*m));
	int ret = -EIO;

	if (!m)
		return -ENOMEM;
	m->type = MSG_SEMVAL;
	m->semval.key = key;
	m->semval.num = num;
	if (request(b, m, 0, MSG_SEMVAL_DONE, m + 1, NULL) == 0)
		ret = m[1].semval_done.err ? -m[1].semval_done.err : m[1].semval_done.value;
	free(m);
	return ret;
}
