/*
 * verdict: what happened to each program, from what the kernel and init
 * reported (never from what a program wrote), as a status, the limit it
 * hit, and a sentence that says so.
 */
#define _GNU_SOURCE
#include "box_internal.h"
#include "../common/clock.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

static const char *signame(int sig, char *buf, size_t size)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		snprintf(buf, size, "SIG%s", abbrev);
	else
		snprintf(buf, size, "signal %d", sig);
	return buf;
}

static void human_kib(int64_t kib, char *buf, size_t size)
{
	if (kib >= 1024 && kib % 1024 == 0)
		snprintf(buf, size, "%lld MiB", (long long)(kib / 1024));
	else
		snprintf(buf, size, "%lld KiB", (long long)kib);
}

#define SAY(...) snprintf(v->message, sizeof(v->message), __VA_ARGS__)

void make_verdict(struct box *b, int i)
{
	struct box_proc *p = &b->procs[i];
	struct box_verdict *v = &p->verdict;
	const struct box_violation *viol = NULL;
	int sig = 0, code = -1, oom = b->cgs.oom_kills > 0, shsig = 0, lsig;
	char sn[32], lim[32], who[96];

	for (int k = 0; k < b->nviol && !viol; k++)
		if (b->viol[k].proc == i)
			viol = &b->viol[k];
	if (p->done && WIFEXITED(p->wait_status))
		code = WEXITSTATUS(p->wait_status);
	if (p->done && WIFSIGNALED(p->wait_status))
		sig = WTERMSIG(p->wait_status);
	v->exit_code = code;
	v->signal = sig;
	v->cpu_ms = p->cpu_ms;
	v->wall_ms = (p->done ? p->ended_ms : now_ms()) - p->started_ms;
	v->peak_memory_kib = p->maxrss_kib;
	v->limit = LIMIT_NONE;
	if (b->cgs.peak_kib > v->peak_memory_kib && b->nprocs == 1)
		v->peak_memory_kib = b->cgs.peak_kib;
	/* a shell tells its child's death by a signal as status 128 + the
	 * signal: a limit that killed that child is named all the same */
	if (code > 128 && code < 128 + 65)
		shsig = code - 128;
	lsig = sig ? sig : shsig;
	if (sig || !shsig)
		snprintf(who, sizeof(who), "%s", p->name);
	else
		snprintf(who, sizeof(who), "a process that %.60s ran", p->name);

	if (b->init_lost) {
		v->status = BOX_INTERNAL;
		SAY("the box failed while %s ran (its init died)", p->name);
	} else if (p->exec_errno) {
		char step[sizeof(v->message)];

		snprintf(step, sizeof(step), "%s", v->message);
		v->status = BOX_EXIT;
		v->exit_code = 127;
		if (!strcmp(step, "exec"))
			SAY("cannot run '%s': %s", p->name, strerror(p->exec_errno));
		else
			SAY("cannot start '%s': %.100s: %s", p->name, step, strerror(p->exec_errno));
	} else if (viol) {
		int other = strcmp(viol->process, p->name) && strcmp(viol->process, "?");

		v->status = BOX_FORBIDDEN;
		SAY("forbidden system call: %s by %.31s%s%.63s%s%s", viol->detail,
		    other ? viol->process : p->name, other ? " (run by " : "",
		    other ? p->name : "", other ? ")" : "",
		    b->cfg.profile == POLICY_RUN ? "; the process was stopped" :
		    "; the call was refused");
	} else if (b->kill_status == BOX_OUTPUT && b->kill_proc == i) {
		v->status = BOX_OUTPUT;
		v->limit = LIMIT_OUTPUT;
		human_kib(b->lim.output_max / 1024, lim, sizeof(lim));
		SAY("%s wrote more than %s of output and was stopped", p->name, lim);
	} else if (!p->done && b->kill_status == BOX_TIME &&
		   (b->cgs.pids_refused > 0 ||
		    ((b->cg.version == 0 || b->nested) &&
		     b->count_at_kill >= b->lim.processes - 1))) {
		v->status = BOX_PROCESSES;
		v->limit = LIMIT_PROCESSES;
		SAY("%s tried to create more than %d processes (a fork loop?) and was stopped "
		    "at the time limit", p->name, b->lim.processes);
	} else if (!p->done && b->kill_status == BOX_TIME) {
		v->status = BOX_TIME;
		v->limit = LIMIT_WALL;
		SAY("%s was still running after %.1f s of wall-clock time and was stopped",
		    p->name, (double)b->lim.wall_ms / 1000);
	} else if (!p->done) {
		v->status = BOX_SIGNAL;
		v->signal = SIGKILL;
		SAY("%s was still running when the box was stopped%s", p->name,
		    b->kill_status == BOX_OUTPUT ? " for another program's output" : "");
	} else if (lsig == SIGXCPU || (sig == SIGKILL && p->cpu_ms >= b->lim.cpu_ms)) {
		v->status = BOX_TIME;
		v->limit = LIMIT_CPU;
		SAY("%s used more than %.1f s of CPU time and was stopped (an endless loop, "
		    "or busy waiting?)", who, (double)b->lim.cpu_ms / 1000);
	} else if (oom && (sig == SIGKILL || code != 0)) {
		v->status = BOX_MEMORY;
		v->limit = LIMIT_MEMORY;
		human_kib(b->lim.memory_kib, lim, sizeof(lim));
		SAY("%s ran out of memory: the box's limit is %s", p->name, lim);
	} else if (b->cg.version == 0 && (sig || code) &&
		   p->maxrss_kib * 4 >= b->lim.memory_kib * 3) {
		v->status = BOX_MEMORY;
		v->limit = LIMIT_MEMORY;
		human_kib(b->lim.memory_kib, lim, sizeof(lim));
		SAY("%s most likely ran out of memory (it reached %lld KiB of the %s allowed "
		    "to each process)", p->name, (long long)p->maxrss_kib, lim);
	} else if (lsig == SIGXFSZ) {
		v->status = BOX_SIGNAL;
		v->limit = LIMIT_FILE_SIZE;
		human_kib(b->lim.file_size_kib, lim, sizeof(lim));
		SAY("%s was killed by SIGXFSZ: it wrote a file larger than the limit of %s",
		    who, lim);
	} else if (lsig == SIGBUS && p->full_fs) {
		int shm = p->full_fs & EXIT_FULL_SHM;

		v->status = BOX_SIGNAL;
		v->limit = shm ? LIMIT_SHM : LIMIT_DISK;
		human_kib(shm ? b->lim.memory_kib : b->lim.tmpfs_kib, lim, sizeof(lim));
		SAY("%s was killed by SIGBUS: it used a mapped file for which %s had no room "
		    "left (the box's limit is %s)", who,
		    shm ? "/dev/shm" : "/work and /tmp", lim);
	} else if (b->cgs.pids_refused > 0 && (sig || code != 0 || b->nprocs == 1)) {
		/* a fork refused, also to a child of a shell, stops a program
		 * however it ends; with several programs in the box, one that
		 * ended well is not blamed for another's */
		char how[64];

		if (sig)
			snprintf(how, sizeof(how), "was killed by %s", signame(sig, sn, sizeof(sn)));
		else
			snprintf(how, sizeof(how), "exited with status %d", code);
		v->status = BOX_PROCESSES;
		v->limit = LIMIT_PROCESSES;
		SAY("%s %s after the box refused to create more than %d processes", p->name,
		    how, b->lim.processes);
	} else if (sig) {
		v->status = BOX_SIGNAL;
		SAY("%s was killed by %s (%s)", p->name, signame(sig, sn, sizeof(sn)),
		    strsignal(sig));
	} else if (code != 0) {
		v->status = BOX_EXIT;
		SAY("%s exited with status %d", p->name, code);
	} else {
		v->status = BOX_OK;
		SAY("%s exited with status 0", p->name);
	}
	if (!sig && shsig && v->limit != LIMIT_NONE && v->limit != LIMIT_PROCESSES &&
	    v->limit != LIMIT_MEMORY) {
		size_t len = strlen(v->message);

		snprintf(v->message + len, sizeof(v->message) - len,
			 "; %s exited with status %d", p->name, code);
	}
	if (v->leftover > 0 && v->status == BOX_OK) {
		size_t len = strlen(v->message);

		snprintf(v->message + len, sizeof(v->message) - len,
			 "; %d process%s it left running %s killed", v->leftover,
			 v->leftover == 1 ? "" : "es", v->leftover == 1 ? "was" : "were");
	}
}

const char *box_status_name(enum box_status s)
{
	static const char *const names[] = {
		[BOX_OK] = "ok", [BOX_EXIT] = "exit", [BOX_SIGNAL] = "signal",
		[BOX_TIME] = "time-limit", [BOX_MEMORY] = "memory-limit",
		[BOX_OUTPUT] = "output-limit", [BOX_PROCESSES] = "process-limit",
		[BOX_FORBIDDEN] = "forbidden-syscall", [BOX_INTERNAL] = "internal-error",
	};
	return names[s];
}

const char *box_limit_name(enum box_limit l)
{
	static const char *const names[] = {
		[LIMIT_NONE] = NULL, [LIMIT_WALL] = "wall-time", [LIMIT_CPU] = "cpu-time",
		[LIMIT_MEMORY] = "memory", [LIMIT_OUTPUT] = "output",
		[LIMIT_PROCESSES] = "processes", [LIMIT_FILE_SIZE] = "file-size",
		[LIMIT_SHM] = "shm-size", [LIMIT_DISK] = "disk-size",
	};
	return names[l];
}
