/*
 * A disturbed run, for `grade --repeat` (docs/races.md): the scheduling of
 * one test's programs is changed in ways a real machine changes it, so
 * that a race in a submission shows up on some runs instead of never on
 * an idle grader.
 *
 * Every choice is drawn, in a fixed order, from a generator seeded with
 * the run's seed and the test's id alone (SHA-256 of both), so the same
 * seed makes the same choices on every machine and in every order of
 * tests; what the kernel then does with them is still up to it, which is
 * why a failure is reported as "passed k of N", with the seed to try again.
 *
 * The choices:
 *   - the box pinned to one CPU (3 runs in 4): its init's affinity, which
 *     every program started later inherits, so the box's processes
 *     interleave on one CPU where a scenario would otherwise run them side
 *     by side, and take turns at moments the scheduler picks;
 *   - a burner beside the box (1 run in 2): a process of ours, outside the
 *     box (so a hang in the box is still a hang), that spins at a chosen
 *     nice value on the box's CPU and preempts its programs at other moments;
 *   - each started program's nice value, 0 to 5, set as it reports its
 *     pid, before its own code runs (its children inherit it).
 * The disturbance slows the programs, by 4x at worst (one CPU instead of
 * two, half of it to the burner at worst): a disturbed run's deadlines are
 * PERTURB_SLACK times the undisturbed ones, so that a step does not fail
 * for the disturbance's own sake.
 */
#define _GNU_SOURCE
#include "testrun.h"
#include "../sandbox/box.h"
#include "../common/clock.h"
#include "../common/io.h"

#include <errno.h>
#include <nettle/sha2.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static void note(struct run *r, const char *key, json_t *value)
{
	if (!r->perturbation)
		r->perturbation = json_object();
	json_object_set_new(r->perturbation, key, value);
}

/* spin on one CPU at one nice value until killed; never returns */
static void burn(pid_t parent, int cpu, int nice_value)
{
	cpu_set_t set;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);	/* the grader ended before the signal was asked for */
	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	setpriority(PRIO_PROCESS, 0, nice_value);
	for (;;)
		__asm__ volatile("" ::: "memory");
}

void perturb_begin(struct run *r)
{
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_SIZE], seed[8];
	cpu_set_t allowed, one;
	int cpus[CPU_SETSIZE], ncpus = 0, pin, cpu = -1, burner, burner_nice;
	pid_t init = box_init_pid(r->box);

	r->burner = -1;
	if (!r->e->perturb)
		return;
	for (int i = 0; i < 8; i++)
		seed[i] = (uint8_t)(r->e->perturb_seed >> (8 * i));
	sha256_init(&c);
	sha256_update(&c, sizeof(seed), seed);
	sha256_update(&c, strlen(r->t->id), (const uint8_t *)r->t->id);
	sha256_digest(&c, sizeof(d), d);
	memcpy(r->rand, d, sizeof(r->rand));
	if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0)
		for (int i = 0; i < CPU_SETSIZE; i++)
			if (CPU_ISSET(i, &allowed))
				cpus[ncpus++] = i;
	/* drawn whether used or not: the same seed, the same later choices */
	pin = nrand48(r->rand) % 4 != 0;
	cpu = ncpus ? cpus[nrand48(r->rand) % ncpus] : -1;
	burner = nrand48(r->rand) % 2;
	burner_nice = 5 + (int)(nrand48(r->rand) % 11);
	note(r, "seed", json_integer((json_int_t)r->e->perturb_seed));
	if (pin && cpu >= 0 && init > 0) {
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(init, sizeof(one), &one) == 0) {
			note(r, "cpu", json_integer(cpu));
			run_event(r, "disturbed: the box runs on CPU %d only", cpu);
		} else {
			run_event(r, "disturbed: the box could not be pinned to CPU %d: %s", cpu,
				  strerror(errno));
		}
	} else {
		cpu = -1;
	}
	if (burner) {
		pid_t parent = getpid(), pid = fork();

		if (pid == 0)
			burn(parent, cpu, burner_nice);
		if (pid > 0) {
			r->burner = pid;
			note(r, "burner_nice", json_integer(burner_nice));
			run_event(r, "disturbed: a process outside the box spins at nice %d%s", burner_nice,
				  cpu >= 0 ? " on the box's CPU" : "");
		}
	}
}

void perturb_started(struct run *r, struct started *s, pid_t pid)
{
	int value;

	if (!r->e->perturb)
		return;
	value = (int)(nrand48(r->rand) % 6);
	if (pid <= 0 || !value)
		return;
	if (setpriority(PRIO_PROCESS, (id_t)pid, value) == 0) {
		json_t *nice = json_object_get(r->perturbation, "nice");

		if (!nice) {
			nice = json_object();
			note(r, "nice", nice);
		}
		json_object_set_new(nice, s->start->proc, json_integer(value));
		run_event(r, "disturbed: %s runs at nice %d", s->label, value);
	}
}

void perturb_end(struct run *r)
{
	if (r->burner > 0) {
		kill(r->burner, SIGKILL);
		while (waitpid(r->burner, NULL, 0) < 0 && errno == EINTR)
			;
		r->burner = -1;
	}
}
