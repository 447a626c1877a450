/*
 * finish: ending a box. box_finish() kills what still runs (in host mode,
 * init does it and is waited for), reaps init, drains what the programs
 * left in their pipes, reads the cgroup's figures and makes the verdicts;
 * box_free() releases the rest.
 */
#define _GNU_SOURCE
#include "box_internal.h"
#include "host.h"
#include "../common/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Host mode: init kills every process of the box, then exits, closing ctl.
 * Exits reported meanwhile are still recorded. Should init not be done in
 * time, each program's process group is killed, then init: a process
 * that left its program's group and init had not killed yet may be left
 * (the verdict's notes say so).
 */
void wait_host_teardown(struct box *b)
{
	int64_t deadline = now_ms() + 10000;

	while (b->ctl >= 0) {
		struct pollfd pfd = { .fd = b->ctl, .events = POLLIN };
		int64_t left = deadline - now_ms();

		if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
			note(b, "the box's init did not finish killing its processes in time");
			/* what it may have left: each program's process group,
			 * while init lives (a program it has not reaped still
			 * owns its group's number) */
			for (int i = 0; i < b->nprocs; i++)
				if (b->procs[i].pid > 0 && !b->procs[i].done)
					kill(-b->procs[i].pid, SIGKILL);
			kill(b->init_pid, SIGKILL);
			break;
		}
		handle_ctl(b);
	}
}

void box_finish(struct box *b)
{
	int status;

	if (b->reaped)
		return;
	if (b->init_pid > 0) {
		trace("finish");
		kill_box(b, BOX_SIGNAL, LIMIT_NONE, -1);
		if (b->host)
			wait_host_teardown(b);
		while (waitpid(b->init_pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	b->reaped = 1;
	b->finished = 1;
	trace("init reaped");
	if (b->hostdir[0] && host_dir_remove(b->hostdir) < 0)
		note(b, "cannot remove the box's directory %s: %s", b->hostdir, strerror(errno));
	b->hostdir[0] = '\0';
	/* every process of the box is gone: what is still in the pipes and
	 * sockets ends in EOF. In host mode a process init did not kill in
	 * time may still hold them: the reads then must not wait for it */
	for (int i = 0; i < b->nprocs; i++) {
		struct box_proc *p = &b->procs[i];

		if (b->host)
			for (int *fd = (int[]){ p->out_fd, p->err_fd, p->report_fd, -2 }; *fd != -2; fd++)
				if (*fd >= 0)
					fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) | O_NONBLOCK);

		while (p->report_fd >= 0)
			handle_report(b, p);
		while (p->out_fd >= 0)
			handle_output(b, p, 1);
		while (p->err_fd >= 0)
			handle_output(b, p, 2);
		if (p->listen_fd >= 0) {
			close(p->listen_fd);
			p->listen_fd = -1;
		}
	}
	cgroup_read(&b->cg, &b->cgs);
	for (int i = 0; i < b->nprocs; i++)
		make_verdict(b, i);
	trace("verdicts");
}

void box_free(struct box *b)
{
	if (!b)
		return;
	if (b->init_pid > 0 && !b->reaped)
		box_finish(b);
	for (int i = 0; i < b->nprocs; i++) {
		struct box_proc *p = &b->procs[i];
		int fds[4] = { p->out_fd, p->err_fd, p->report_fd, p->listen_fd };

		for (int k = 0; k < 4; k++)
			if (fds[k] >= 0)
				close(fds[k]);
		free(p->out.data);
		free(p->err.data);
	}
	free(b->procs);
	if (b->ctl >= 0)
		close(b->ctl);
	if (b->timer_fd >= 0)
		close(b->timer_fd);
	if (b->src_fd >= 0)
		close(b->src_fd);
	if (b->ro_fd >= 0)
		close(b->ro_fd);
	cgroup_remove(&b->cg);
	if (b->hostdir[0])	/* box_new failed: there is no verdict to tell */
		host_dir_remove(b->hostdir);
	host_unlock(b->host_lock_fd);
	policy_release(&b->bpf);
	trace("freed");
	if (b->req)
		seccomp_notify_free(b->req, b->resp);
	free(b->iobuf);
	free(b);
}
