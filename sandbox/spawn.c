/*
 * spawn: box_spawn(). The supervisor makes the program's pipes and report
 * socket, hands their far ends to init with SPAWN, and waits for SPAWNED;
 * init starts the program (init.c says how).
 */
#define _GNU_SOURCE
#include "box_internal.h"
#include "util.h"
#include "../common/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

/*
 * Outside, a program may reopen its stdio (/dev/stdout, /dev/fd/0): the
 * pipes a shell makes belong to the user. The kernel checks a pipe's
 * owner and mode (0600) on such an open, so as root, whose programs run
 * as another uid, the box's pipes are given to that uid; so is a pipe the
 * caller gives as stdin, when it is ours (never a named FIFO, which is a
 * file of the host's). Unprivileged, the programs' uid is ours already.
 */
static void give_pipe(const struct box *b, int fd, int callers)
{
	struct stat st;
	struct statfs sf;
	/* BOX_UID is nobody on the host (write_maps), as in host mode */
	uid_t uid = b->host || b->iso.userns ? HOST_ROOT_UID : BOX_UID;
	gid_t gid = b->host || b->iso.userns ? HOST_ROOT_GID : BOX_GID;

	if (geteuid() != 0 || fd < 0 || fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode) ||
	    fstatfs(fd, &sf) < 0 || sf.f_type != PIPEFS_MAGIC)
		return;
	if (callers && st.st_uid != geteuid())
		return;
	/* best effort: without it the program sees EACCES, as before */
	(void)!fchown(fd, uid, gid);
}

/*
 * Make a pipe as small as the kernel allows and fill it, so that the next
 * write to it blocks until someone reads. The descriptor is the one the
 * program will get: O_NONBLOCK is on the open file, so it is set only
 * while we fill and cleared before anyone else sees it.
 */
static int fill_pipe(int fd, size_t *filled)
{
	static const char filler[4096];
	int fl = fcntl(fd, F_GETFL);

	*filled = 0;
	if (fl < 0 || fcntl(fd, F_SETPIPE_SZ, 4096) < 0 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	for (;;) {
		ssize_t n = write(fd, filler, sizeof(filler));

		if (n > 0) {
			*filled += (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else {
			int full = n < 0 && errno == EAGAIN;

			if (fcntl(fd, F_SETFL, fl) < 0 || !full)
				return -1;
			return 0;
		}
	}
}

int box_spawn(struct box *b, const struct box_spawn *s, struct box_error *err)
{
	struct msg *m = calloc(1, sizeof(*m));
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 }, rep[2] = { -1, -1 }, on = 1;
	struct box_proc *p;
	size_t used = 0;
	int id = -1, fds[4];
	const char *slash;

	if (!m)
		return set_error(err, BOX_EINTERNAL, "out of memory");
	if (b->finished || b->ctl < 0) {
		set_error(err, BOX_EINTERNAL, "the box has already ended");
		goto out;
	}
	if (b->nprocs == b->cap) {
		int cap = b->cap ? b->cap * 2 : 4;
		struct box_proc *np = cap <= 64 ? realloc(b->procs, (size_t)cap * sizeof(*np)) : NULL;

		if (!np) {
			set_error(err, BOX_EINTERNAL, "too many programs in one box");
			goto out;
		}
		b->procs = np;
		b->cap = cap;
	}
	for (m->spawn.argc = 0; s->argv[m->spawn.argc]; m->spawn.argc++) {
		size_t len = strlen(s->argv[m->spawn.argc]) + 1;

		if (used + len > sizeof(m->text) || m->spawn.argc == 255) {
			set_error(err, BOX_EBADINPUT, "the command line is too long");
			goto out;
		}
		memcpy(m->text + used, s->argv[m->spawn.argc], len);
		used += len;
	}
	if (m->spawn.argc == 0) {
		set_error(err, BOX_EBADINPUT, "no command to run");
		goto out;
	}
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, rep) < 0 ||
	    setsockopt(rep[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0) {
		set_error(err, BOX_EINTERNAL, "cannot make the program's pipes: %s", strerror(errno));
		goto out;
	}
	give_pipe(b, out[1], 0);
	give_pipe(b, errp[1], 0);
	give_pipe(b, s->stdin_fd, 1);
	id = b->nprocs++;
	p = &b->procs[id];
	memset(p, 0, sizeof(*p));
	if (s->stdout_full && fill_pipe(out[1], &p->out_skip) < 0) {
		set_error(err, BOX_EINTERNAL, "cannot fill the program's stdout: %s", strerror(errno));
		goto out;
	}
	slash = strrchr(s->argv[0], '/');
	snprintf(p->name, sizeof(p->name), "%s", slash ? slash + 1 : s->argv[0]);
	p->out.data = malloc((size_t)b->lim.output_bytes + 1);
	p->err.data = malloc((size_t)b->lim.output_bytes + 1);
	p->out_fd = out[0];
	p->err_fd = errp[0];
	p->report_fd = rep[0];
	p->listen_fd = -1;
	p->hold_children = s->hold_children;
	p->verdict.exit_code = -1;
	out[0] = errp[0] = rep[0] = -1;
	if (!p->out.data || !p->err.data) {
		set_error(err, BOX_EINTERNAL, "out of memory");
		goto out;
	}
	p->out.data[0] = p->err.data[0] = '\0';

	m->type = MSG_SPAWN;
	m->spawn.id = id;
	m->spawn.has_stdin = s->stdin_fd >= 0;
	fds[0] = s->stdin_fd >= 0 ? s->stdin_fd : out[1];	/* placeholder, unused */
	fds[1] = out[1];
	fds[2] = errp[1];
	fds[3] = rep[1];
	p->started_ms = now_ms();
	if (box_send(b, m, used, fds, 4) < 0) {
		set_error(err, BOX_EINTERNAL, "cannot reach the box's init: %s", strerror(errno));
		goto out;
	}
	/* SPAWNED comes before any EXITED for this program on the same socket */
	for (;;) {
		struct msg r;
		ssize_t n = recv_fds(b->ctl, &r, sizeof(r), NULL, NULL, NULL);

		if (n <= 0) {
			set_error(err, BOX_EINTERNAL, "the box's init died");
			kill_box(b, BOX_INTERNAL, LIMIT_NONE, -1);
			goto out;
		}
		if (r.type == MSG_SPAWNED && r.spawned.id == id) {
			if (r.spawned.err) {
				set_error(err, BOX_EINTERNAL, "cannot fork in the box: %s",
					  strerror(r.spawned.err));
				goto out;
			}
			p->box_pid = r.spawned.pid;
			p->started_seq = ++b->seq;
			break;
		}
		if (r.type == MSG_EXITED)
			record_exit(b, &r);
	}
	free(m);
	m = NULL;
	trace("spawned");
	goto close_ends;
out:
	free(m);
	if (id >= 0) {
		struct box_proc *q = &b->procs[id];
		int own[4] = { q->out_fd, q->err_fd, q->report_fd, q->listen_fd };

		b->nprocs--;
		for (int k = 0; k < 4; k++)
			if (own[k] >= 0)
				close(own[k]);
		free(b->procs[id].out.data);
		free(b->procs[id].err.data);
		id = -1;
	}
close_ends:
	/* our copies of the program's ends: only the box may hold them */
	for (int *fd = (int[]){ out[0], out[1], errp[0], errp[1], rep[0], rep[1], -2 }; *fd != -2; fd++)
		if (*fd >= 0)
			close(*fd);
	return id;
}
