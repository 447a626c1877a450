/*
 * When a wait can end early (hang.h).
 *
 * Why two scans prove a hang. A process asleep in the kernel runs again
 * only when something wakes it: another process, the engine (writing its
 * stdin, reading its stdout or stderr, answering the box's seccomp
 * notifier, a later step's signal), or the kernel on its own (a timeout, a
 * timer, a signal it raises itself). We count a process as stuck only if
 * it sleeps (state S, one thread) in a call on this list, which no
 * timeout and no timer of its own can end:
 *   read/readv/pread/preadv and write/writev/pwrite/pwritev on a pipe or
 *   FIFO; open/openat (a FIFO's open waiting for its other end; nothing
 *   else blocks in open on the box's tmpfs); wait4/waitid; msgrcv, msgsnd,
 *   semop, semtimedop without a timeout; poll with timeout -1, ppoll,
 *   select, pselect6 without one, epoll_wait/epoll_pwait with -1,
 *   epoll_pwait2 without one; futex WAIT/WAIT_BITSET without a timeout;
 *   flock; fcntl F_SETLKW/F_OFD_SETLKW; mq_timedreceive/mq_timedsend
 *   without a timeout.
 *   Sockets too: accept/accept4, connect, recvfrom/recvmsg,
 *   sendto/sendmsg/sendmmsg, recvmmsg without a timeout, and read/write
 *   and their vector forms on a socket, provided the socket has neither
 *   SO_RCVTIMEO nor SO_SNDTIMEO (either turns the call into a timed one;
 *   /proc does not show them, so we look at the socket itself, through a
 *   copy of the descriptor taken with pidfd_getfd(), and anything we
 *   cannot look at is unsure). The box has a network namespace of its own
 *   and allows Unix sockets only, so the other end of a socket, or a
 *   client of a listening one, can only be a process of the box; in host
 *   mode (no namespaces) any process of the user could be, and no socket
 *   wait is stuck.
 * Never stuck: sleeps and every call with a timeout, pause, sigsuspend and
 * sigwait* (an alarm ends them), state R or D. A process that could be woken by a timer of
 * its own is never stuck: a handler for SIGALRM, SIGVTALRM or SIGPROF,
 * POSIX timers in /proc/PID/timers, a timerfd or signalfd among its
 * descriptors, or an executable that names alarm, itimer, timer_create
 * or timerfd (alarm() without a handler kills the process when it rings,
 * and no file of /proc shows that it was called).
 * The engine owes them nothing when no started process has stdin queued,
 * and a process writing to a pipe the engine reads (a stdout or stderr)
 * is stuck only while that output is held. And the engine must have
 * caught up: it knows of every started process that ended, and the pipes
 * it reads hold no unread bytes and no unread end of file, so that the
 * condition, looked at once more after the second scan, has seen all
 * there is to see.
 * Then let every live process p of the box be stuck in two scans A and B,
 * A over before B begins, each look reading p's state (stat) before its
 * count of context switches (status), the count the same in both. p did
 * not run at any moment between its count's look in A and its state's
 * look in B: had it run then, it would either still be running at B's
 * state look (state R) or have switched out before B's count look (a
 * higher count). Nor was it woken without running: it would be R at B.
 * So between the end of A and the start of B no process of the box ran
 * or was runnable, and nothing from outside (the engine, a timer) woke
 * any, by the rules above. A process runs again only once woken, and the
 * only wakers left are these processes, all asleep: nothing ever will,
 * and the step's condition, false now, stays false. A process forked or
 * ended in between changes the set and starts the count again. A zombie
 * whose parent is one of them is inert (it never runs, and its sleeping
 * parent is not reaping it); an empty box, once the engine has caught up,
 * has nothing left that could change. Any other zombie, a stopped
 * process, more processes than we follow, or anything /proc would not
 * tell, means unsure, and unsure is never a hang.
 * A process the scenario started with role=load is left out of both
 * scans: a system command of the grader's that only burns CPU, whose
 * author promises that it acts on no process (sends no signal, opens,
 * writes and connects to nothing the others use). It then wakes none of
 * them, and the argument above holds for the rest while it runs. The
 * promise is the grader's to keep; the parser takes it from system
 * commands only. Any other process that runs could act at any moment.
 */
#define _GNU_SOURCE
#include "hang.h"
#include "../sandbox/box.h"
#include "../common/clock.h"
#include "cond.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#ifndef F_OFD_SETLKW
#define F_OFD_SETLKW 38
#endif

void hang_begin(struct hang_watch *w)
{
	memset(w, 0, sizeof(*w));
	w->n = -1;
}

/* could the executable arm a timer of its own? 1 yes or unknown */
static int exe_may_time(pid_t pid)
{
	static const char *const names[] = { "alarm", "itimer", "timer_create", "timerfd" };
	char path[64];
	struct stat st;
	int fd, found = 1;
	void *map;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	if (fstat(fd, &st) == 0 && st.st_size > 0 &&
	    (map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) != MAP_FAILED) {
		found = 0;
		for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
			found |= memmem(map, (size_t)st.st_size, names[i], strlen(names[i])) != NULL;
		munmap(map, (size_t)st.st_size);
	}
	close(fd);
	return found;
}

static int may_time(struct hang_watch *w, pid_t pid)
{
	int i;

	for (i = 0; i < w->nexe; i++)
		if (w->exe[i].pid == pid)
			return w->exe[i].timers;
	if (w->nexe == MAX_SEEN)
		w->nexe = 0;	/* forget: it is only a cache */
	w->exe[w->nexe].pid = pid;
	return w->exe[w->nexe++].timers = exe_may_time(pid);
}

/* is fd a pipe the engine reads, and does it read it now? */
static int drained_by_engine(struct run *r, unsigned long ino)
{
	for (int i = 0; i < r->n; i++) {
		const struct box_proc *p = run_boxproc(r, &r->procs[i]);
		struct stat st;

		if (!p)
			continue;
		if (p->out_fd >= 0 && fstat(p->out_fd, &st) == 0 && st.st_ino == ino && !p->hold_output)
			return 1;
		if (p->err_fd >= 0 && fstat(p->err_fd, &st) == 0 && st.st_ino == ino)
			return 1;
	}
	return 0;
}

/* the call's fd is a pipe or FIFO whose other side only the box can move */
static int pipe_wait(struct run *r, const struct fdinfo *fi, int writing)
{
	if (fi->type != FDT_PIPE && fi->type != FDT_FIFO)
		return 0;
	return !writing || fi->type != FDT_PIPE || !drained_by_engine(r, fi->inode);
}

/*
 * fd of pid is a socket without a send or receive timeout: looked at on a
 * copy of the descriptor (pidfd_getfd, which needs the right to trace the
 * process: the engine has it over the box's processes; without it the
 * answer is no, which is unsure). The copy is closed at once: a socket
 * whose last other descriptor was closed meanwhile is released then, and
 * whatever that wakes is woken before the next scan.
 */
static int socket_untimed(pid_t pid, int fd)
{
	struct timeval tv[2];
	socklen_t len = sizeof(tv[0]);
	int pidfd, copy, ok = 0;

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return 0;
	copy = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	close(pidfd);
	if (copy < 0)
		return 0;
	if (getsockopt(copy, SOL_SOCKET, SO_RCVTIMEO, &tv[0], &len) == 0 && len == sizeof(tv[0]) &&
	    getsockopt(copy, SOL_SOCKET, SO_SNDTIMEO, &tv[1], &len) == 0 && len == sizeof(tv[1]))
		ok = !tv[0].tv_sec && !tv[0].tv_usec && !tv[1].tv_sec && !tv[1].tv_usec;
	close(copy);
	return ok;
}

/* a socket wait that only the box's processes can end: the box has a
 * network namespace of its own (in host mode, any process of the user
 * could connect), and the socket no timeout */
static int socket_wait(struct run *r, const struct seen *v)
{
	const struct box_isolation *iso = box_isolation(r->box);

	return iso && iso->netns && socket_untimed(v->pid, (int)v->pi.args[0]);
}

/* a read or write on a pipe or FIFO only the box moves, or on a socket
 * without a timeout */
static int io_wait(struct run *r, const struct seen *v, int writing)
{
	struct fdinfo fi;

	if (observe_fd(v->pid, (int)v->pi.args[0], &fi) < 0)
		return 0;
	if (fi.type == FDT_SOCKET)
		return socket_wait(r, v);
	return pipe_wait(r, &fi, writing);
}

static int untimed(struct run *r, const struct seen *v)
{
	const unsigned long *a = v->pi.args;

	switch (v->pi.nr) {
	case SYS_read: case SYS_readv: case SYS_pread64: case SYS_preadv: case SYS_preadv2:
		return io_wait(r, v, 0);
	case SYS_write: case SYS_writev: case SYS_pwrite64: case SYS_pwritev: case SYS_pwritev2:
		return io_wait(r, v, 1);
	case SYS_accept: case SYS_accept4: case SYS_connect: case SYS_recvfrom: case SYS_recvmsg:
	case SYS_sendto: case SYS_sendmsg: case SYS_sendmmsg:
		return socket_wait(r, v);
	case SYS_recvmmsg:
		return a[4] == 0 && socket_wait(r, v);
#ifdef SYS_open
	case SYS_open:
#endif
	case SYS_openat: case SYS_wait4: case SYS_waitid: case SYS_msgrcv: case SYS_msgsnd:
	case SYS_semop: case SYS_flock:
		return 1;
	case SYS_semtimedop:
		return a[3] == 0;
#ifdef SYS_poll
	case SYS_poll:
		return (int)a[2] == -1;
#endif
	case SYS_ppoll:
		return a[2] == 0;
#ifdef SYS_select
	case SYS_select:
#endif
	case SYS_pselect6:
		return a[4] == 0;
#ifdef SYS_epoll_wait
	case SYS_epoll_wait:
#endif
	case SYS_epoll_pwait:
		return (int)a[3] == -1;
#ifdef SYS_epoll_pwait2
	case SYS_epoll_pwait2:
		return a[3] == 0;
#endif
	case SYS_futex: {
		int op = (int)a[1] & 0x7f;	/* without PRIVATE and CLOCK_REALTIME */

		return (op == 0 || op == 9) && a[3] == 0;	/* FUTEX_WAIT, FUTEX_WAIT_BITSET */
	}
	case SYS_fcntl:
		return (int)a[1] == F_SETLKW || (int)a[1] == F_OFD_SETLKW;
	case SYS_mq_timedsend: case SYS_mq_timedreceive:
		return a[4] == 0;
	}
	return 0;
}

static int has_timer_fd(pid_t pid)
{
	struct fdinfo fds[64];
	int n = observe_fds(pid, fds, 64);

	if (n < 0 || n == 64)
		return 1;	/* unsure */
	for (int i = 0; i < n; i++)
		if (strstr(fds[i].target, "[timerfd]") || strstr(fds[i].target, "[signalfd]"))
			return 1;
	return 0;
}

static int stuck(struct run *r, struct hang_watch *w, const struct seen *v)
{
	const uint64_t timer_sigs = 1ULL << (SIGALRM - 1) | 1ULL << (SIGVTALRM - 1) |
				    1ULL << (SIGPROF - 1);

	if (v->pi.state != 'S' || v->pi.threads != 1 || !v->pi.in_syscall)
		return 0;
	if (v->pi.sigcgt & timer_sigs)
		return 0;
	if (strstr(v->pi.wchan, "seccomp"))
		return 0;	/* the engine answers it */
	if (!untimed(r, v))
		return 0;
	if (observe_timers(v->pid) != 0 || has_timer_fd(v->pid) || may_time(w, v->pid))
		return 0;
	return 1;
}

/* the engine has caught up with the box: it knows every started process
 * that ended, and has read every byte, and every end of file, that the
 * pipes it reads hold (else the condition could still turn true) */
static int engine_behind(struct run *r, const struct seen *live, int n)
{
	for (int i = 0; i < r->n; i++) {
		const struct box_proc *p = run_boxproc(r, &r->procs[i]);
		int alive = 0;

		if (!p)
			continue;
		if (!p->pid)
			return 1;
		for (int k = 0; k < n; k++)
			alive |= live[k].pid == p->pid;
		if (!alive && !p->done)
			return 1;
		for (int k = 0; k < 2; k++) {
			struct pollfd pfd = { .fd = k ? p->err_fd : p->out_fd, .events = POLLIN };

			if (pfd.fd < 0 || (!k && p->hold_output))
				continue;
			if (poll(&pfd, 1, 0) != 0)
				return 1;
		}
	}
	return 0;
}

/* pid is a process the scenario started with role=load: the grader's
 * own command, which only burns CPU and acts on no other process */
static int is_load(struct run *r, pid_t pid)
{
	for (int i = 0; i < r->n; i++) {
		const struct box_proc *p = run_boxproc(r, &r->procs[i]);

		if (p && p->pid == pid && r->procs[i].start->load)
			return 1;
	}
	return 0;
}

int hang_stuck(struct run *r, struct hang_watch *w)
{
	static struct seen live[HANG_MAX];	/* too big for the stack */
	int n, same, kept = 0;

	for (int i = 0; i < r->n; i++)
		if (r->procs[i].in_fd >= 0 && r->procs[i].poff < r->procs[i].plen)
			goto unsure;	/* the engine still has stdin to give */
	n = run_seen(r, live, HANG_MAX);
	if (n < 0 || n == HANG_MAX || engine_behind(r, live, n))
		goto unsure;
	/* the test's CPU load runs, and wakes no one: as if it were not there */
	for (int i = 0; i < n; i++)
		if (!is_load(r, live[i].pid))
			live[kept++] = live[i];
	w->load = n - kept;
	n = kept;
	for (int i = 0; i < n; i++) {
		int parent_live = 0;

		/* a zombie never runs; it changes something only when reaped,
		 * and a parent of the box asleep is not reaping it (if it
		 * waited for this child, the child's end would have woken it);
		 * one that the box's init will reap is news to the engine */
		for (int k = 0; k < n; k++)
			parent_live |= live[k].pid == live[i].pi.ppid;
		if (live[i].pi.state == 'Z' ? !parent_live : !stuck(r, w, &live[i]))
			goto unsure;
	}
	same = w->n == n;
	for (int i = 0; same && i < n; i++)
		same = w->last[i].pid == live[i].pid && w->last[i].csw == live[i].pi.csw;
	w->n = n;
	for (int i = 0; i < n; i++) {
		w->last[i].pid = live[i].pid;
		w->last[i].csw = live[i].pi.csw;
	}
	return same;
unsure:
	w->n = -1;
	return 0;
}

/*
 * A spinner is told apart from a program on its way to the wait by what
 * it costs: a program that is about to block reaches its call within a
 * few milliseconds of CPU (these are programs that pass bytes around), and
 * one that has used HANG_SPIN_CPU_MS without sleeping once (no voluntary
 * context switch: every blocking call, and every wait for a full or empty
 * pipe, is one) polls in a loop, whether on a flag or on calls that never
 * block (IPC_NOWAIT, O_NONBLOCK). Each sleep starts the count again, so a
 * program that does block now and then is left to its deadline.
 */
int hang_spinning(struct run *r, const struct step *st, struct hang_watch *w, struct strbuf *why)
{
	struct strbuf ignore = { 0 };
	struct pinfo pi;
	pid_t pid;

	if (st->kind != STEP_WAIT || st->cond.kind != COND_BLOCKED || st->sel == SEL_ALL)
		return 0;
	pid = run_target(r, st, &ignore);
	sb_release(&ignore);
	if (pid <= 0 || observe_proc(pid, &pi) < 0 || pi.state == 'Z' || pi.threads != 1)
		return 0;
	if (pid != w->spin_pid || pi.vcsw != w->spin_vcsw || pi.state != 'R') {
		w->spin_pid = pid;	/* new, or it slept: count from now */
		w->spin_vcsw = pi.vcsw;
		w->spin_cpu = pi.cpu_ms;
		w->spin_ms = now_ms();
		return 0;
	}
	if (pi.cpu_ms - w->spin_cpu < HANG_SPIN_CPU_MS)
		return 0;
	sb_addf(why, "%s was running, not blocked: it used %lld ms of CPU in %.2f s without "
		"sleeping once, so it polls in a loop where it should wait in the kernel",
		run_find(r, st->proc) ? run_find(r, st->proc)->label : st->proc, (long long)(pi.cpu_ms - w->spin_cpu), (double)(now_ms() - w->spin_ms) / 1000);
	return 1;
}

/*
 * A wait for a process's end, cut short when the process spins (hang.h).
 *
 * Outside, a loop that polls (a flag in shared memory, msgrcv with
 * IPC_NOWAIT, a non-blocking read that fails with EAGAIN) looks like a
 * long computation: both run without sleeping. What tells them apart is
 * what they cost against what the step needs, counted in a stretch of
 * time in which nothing but the awaited process could change anything.
 * A stretch starts at a look that finds every other process of the box
 * stuck, and is over (a new one may start) whenever
 *   - the awaited process sleeps (a voluntary context switch: every
 *     blocking call, every wait for a pipe, a lock, a child, a timer, is
 *     one; being preempted is not),
 *   - it moves a byte through the kernel (rchar or wchar of /proc/PID/io:
 *     a program that reads its input or writes its output a byte at a
 *     time without ever having to wait is working, not polling; a poll
 *     that fails moves nothing),
 *   - or any other process of the box runs, or is not stuck by the rules
 *     at the top of this file (asleep in a wait that no timer ends), or
 *     the engine has stdin to give (a role=load process is no other
 *     process: it acts on none): while another process can act,
 *     a spinner may be waiting for it, and how long that takes depends on
 *     the machine's load.
 * Within the stretch the awaited process is alone: its CPU time
 * (utime + stime: what it did, not how long it waited for a CPU, so the
 * load does not change the verdict) is spent on its own work, and nothing
 * it waits for can come from elsewhere. The wait ends when that CPU time
 * passes HANG_END_FACTOR times the reference's time for the whole step
 * on this machine (reftimes.h; wall time, so at least the CPU time of any
 * one process of the reference in the step, however loaded the machine
 * was when it was measured), and never less than HANG_END_FLOOR_MS; the
 * process must be one thread, neither stopped nor a zombie.
 * When can a correct program be cut short? Only if, alone in the box, it
 * computes without a single sleep and without reading or writing a byte
 * for more than ten times what the reference needs for the whole step,
 * and more than a tenth of a second of CPU. That is a choice, not a
 * proof: a quadratic loop over an input it has read would lose a step it
 * might have passed before the deadline. The labs' computations
 * (psum's sums to 10^9, semcount's workers at ITER 10^7) run in children
 * that no step awaits, and the awaited parent sleeps in read() or
 * waitpid() while they compute, so its count never starts. A step whose
 * reference time is unknown (the reference failed it, or the derivation
 * is off) is never cut short: it runs to its deadline, and the same
 * sentence is said then.
 */
void hang_end_begin(struct hang_end *w, pid_t pid, int64_t ref_ms)
{
	int64_t bound = ref_ms * HANG_END_FACTOR;

	memset(w, 0, sizeof(*w));
	w->pid = pid;
	w->bound = ref_ms < 0 || pid <= 0 ? -1 : bound > HANG_END_FLOOR_MS ? bound : HANG_END_FLOOR_MS;
	w->n = -1;
}

/* the other live processes of the box, each stuck or a zombie, in out;
 * -1 when one of them could act, or the engine has stdin to give */
static int others_now(struct run *r, struct hang_watch *hw, pid_t self, struct hang_other *out)
{
	static struct seen live[HANG_MAX];	/* too big for the stack */
	int n, k = 0;

	for (int i = 0; i < r->n; i++)
		if (r->procs[i].in_fd >= 0 && r->procs[i].poff < r->procs[i].plen)
			return -1;
	n = run_seen(r, live, HANG_MAX);
	if (n < 0 || n == HANG_MAX)
		return -1;
	for (int i = 0; i < n; i++) {
		if (live[i].pid == self || is_load(r, live[i].pid))
			continue;
		if (live[i].pi.state != 'Z' && !stuck(r, hw, &live[i]))
			return -1;
		out[k].pid = live[i].pid;
		out[k++].csw = live[i].pi.csw;
	}
	return k;
}

/*
 * The looks: each one reads the awaited process; a sleep, a byte, or
 * anything that makes it unfit ends the stretch. A stretch starts at a
 * look that finds every other process stuck (their context switches
 * noted); while the awaited process's CPU time in it is below the bound,
 * nothing else is read. Past the bound, the others are read again: all
 * still stuck, the same processes, none with a context switch more (by
 * the argument at the top of this file none of them ran in between), and
 * the stretch stands; anything else starts a new one.
 */
int hang_end_spinning(struct run *r, struct hang_watch *hw, struct hang_end *w, int64_t *cpu,
		      int64_t *ms)
{
	static struct hang_other now[HANG_MAX];
	struct pinfo pi;
	int64_t moved, rc, wc;
	int n, same;

	if (w->bound < 0 || observe_proc(w->pid, &pi) < 0 || pi.state == 'Z' || pi.state == 'X')
		return 0;
	moved = observe_io(w->pid, &rc, &wc) < 0 ? -1 : rc + wc;
	if (pi.state == 'T' || pi.state == 't' || pi.threads != 1 || moved < 0 || !w->since_ms ||
	    pi.vcsw != w->vcsw || moved != w->moved)
		w->n = -1;	/* it slept, moved a byte, or is unfit: the stretch ends */
	if (w->n < 0) {
		w->vcsw = pi.vcsw;
		w->moved = moved;
		w->cpu = pi.cpu_ms;
		w->since_ms = now_ms();
		/* while another process can act, look again only now and then:
		 * hang_stuck() scans the box at every poll already */
		if (pi.state != 'T' && pi.state != 't' && pi.threads == 1 && moved >= 0 &&
		    w->since_ms >= w->retry_ms &&
		    (w->n = others_now(r, hw, w->pid, w->others)) < 0)
			w->retry_ms = w->since_ms + HANG_END_RETRY_MS;
		return 0;
	}
	if (pi.cpu_ms - w->cpu <= w->bound)
		return 0;
	n = others_now(r, hw, w->pid, now);
	same = n == w->n;
	for (int i = 0; same && i < n; i++)
		same = now[i].pid == w->others[i].pid && now[i].csw == w->others[i].csw;
	if (!same) {
		w->n = -1;
		return 0;
	}
	*cpu = pi.cpu_ms - w->cpu;
	*ms = now_ms() - w->since_ms;
	return 1;
}
