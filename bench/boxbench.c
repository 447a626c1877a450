/*
 * boxbench: the per-run cost of /bin/true plainly, under unshare, under
 * bubblewrap and in our box, measured in one run and interleaved (run i of
 * every peer before run i+1 of any), so that a change of load hits all of
 * them alike. Prints medians, p10 and p90, and ratios to bubblewrap.
 *
 * usage: boxbench RUNS IPCBOX
 * The peer "box (in-process)" is what the grading engine pays per
 * scenario: box_run() in a loop inside one process.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../sandbox/box.h"

extern char **environ;

struct peer {
	const char *name;
	char *argv[40];
	double *ms;
	int n, broken;
	char why[160];
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* one run of the peer; -1 if it failed */
static double run_cmd(struct peer *p)
{
	posix_spawn_file_actions_t fa;
	double t0 = now();
	pid_t pid;
	int st;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, p->argv[0], &fa, NULL, p->argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return now() - t0;
}

static double run_inproc(void)
{
	static char *argv[] = { "/bin/true", NULL };
	struct box_config cfg;
	struct box_error err;
	struct box *b;
	double t0 = now();
	int ok;

	box_config_init(&cfg);
	if (box_run(&cfg, &(struct box_spawn){ .argv = argv, .stdin_fd = -1 }, NULL, NULL, &b, &err) < 0)
		return -1;
	ok = box_result(b, 0)->verdict.status == BOX_OK;
	box_free(b);
	return ok ? now() - t0 : -1;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(const struct peer *p, double q)
{
	return p->ms[(int)(q * (p->n - 1))];
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 200;
	const char *ipcbox = argc > 2 ? argv[2] : "build/ipcbox";
	struct peer peers[] = {
		{ .name = "plain fork/exec", .argv = { "/bin/true" } },
		{ .name = "unshare (6 namespaces)", .argv = { "/usr/bin/unshare", "--user",
			"--map-root-user", "--pid", "--fork", "--mount", "--net", "--ipc", "--uts",
			"/bin/true" } },
		{ .name = "bubblewrap", .argv = { "/usr/bin/bwrap", "--unshare-all",
			"--die-with-parent", "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin",
			"/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
			"--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "/bin/true" } },
		{ .name = "ipcbox (command)", .argv = { (char *)ipcbox, "--quiet", "--",
			"/bin/true" } },
		{ .name = "box (in-process)", .argv = { NULL } },
	};
	int np = sizeof(peers) / sizeof(peers[0]);
	double bwrap = 0;

	if (runs < 10) {
		fprintf(stderr, "usage: boxbench RUNS(>=10) [IPCBOX]\n");
		return 2;
	}
	for (int i = 0; i < np; i++) {
		struct peer *p = &peers[i];

		p->ms = calloc((size_t)runs, sizeof(double));
		if (p->argv[0] && access(p->argv[0], X_OK) < 0) {
			p->broken = 1;
			snprintf(p->why, sizeof(p->why), "%s is not installed", p->argv[0]);
			continue;
		}
		for (int w = 0; w < 5 && !p->broken; w++)	/* warm up, and see it works */
			if ((p->argv[0] ? run_cmd(p) : run_inproc()) < 0) {
				p->broken = 1;
				snprintf(p->why, sizeof(p->why), "it fails here");
			}
	}
	for (int r = 0; r < runs; r++)
		for (int i = 0; i < np; i++) {
			struct peer *p = &peers[i];
			double ms;

			if (p->broken)
				continue;
			ms = p->argv[0] ? run_cmd(p) : run_inproc();
			if (ms >= 0)
				p->ms[p->n++] = ms;
		}
	for (int i = 0; i < np; i++)
		if (!peers[i].broken && peers[i].n) {
			qsort(peers[i].ms, (size_t)peers[i].n, sizeof(double), cmp);
			if (!strcmp(peers[i].name, "bubblewrap"))
				bwrap = pct(&peers[i], 0.5);
		}
	printf("%d runs of /bin/true each, interleaved; milliseconds per run\n", runs);
	printf("%-26s %8s %8s %8s %10s\n", "peer", "median", "p10", "p90", "/ bwrap");
	for (int i = 0; i < np; i++) {
		struct peer *p = &peers[i];

		if (p->broken || !p->n) {
			printf("%-26s unavailable: %s\n", p->name, p->broken ? p->why : "no run succeeded");
			continue;
		}
		printf("%-26s %8.2f %8.2f %8.2f", p->name, pct(p, 0.5), pct(p, 0.1), pct(p, 0.9));
		if (bwrap > 0)
			printf(" %9.2fx", pct(p, 0.5) / bwrap);
		printf("\n");
	}
	if (bwrap > 0 && !peers[3].broken && peers[3].n)
		printf("goal: ipcbox/bwrap <= 0.60: command %.2f, in-process %.2f\n",
		       pct(&peers[3], 0.5) / bwrap,
		       peers[4].n ? pct(&peers[4], 0.5) / bwrap : 0.0);
	return 0;
}
