#define _GNU_SOURCE
#include "cli.h"
#include "box.h"
#include "../common/io.h"
#include "../common/number.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [options] -- CMD [ARG...]\n"
		"  --dir DIR        copy DIR into the box's /work (symlinks are refused,\n"
		"                   FIFOs and sockets skipped)\n"
		"  --profile NAME   seccomp profile: run (default) or build\n"
		"  --time SEC       wall-clock limit (default 10)\n"
		"  --cpu SEC        CPU time per process (default 5)\n"
		"  --mem MIB        memory for the whole box (default 512)\n"
		"  --procs N        processes in the box (default 256)\n"
		"  --fsize MIB      largest file written (default 512)\n"
		"  --nofile N       open files per process (default 64)\n"
		"  --output BYTES   output captured (default 1048576); the rest is counted\n"
		"  --output-max BYTES  output beyond which the box is stopped (default 64 MiB)\n"
		"  --json FILE      write the verdict as JSON to FILE ('-' for stdout)\n"
		"  --quiet          do not echo the program's output\n"
		"exit status: 0 ok, 1 any other verdict, 2 bad usage or input, 3 harness failure\n",
		prog);
}

/* the one number parser of the project: no nan, inf, overflow or junk */
static int parse_num(const char *prog, const char *opt, const char *s, double min,
		     double max, double *out)
{
	if (number_parse(s, NULL, min, max, out) < 0) {
		fprintf(stderr, "%s: invalid value '%s' for --%s (a number from %g to %g)\n",
			prog, s, opt, min, max);
		return -1;
	}
	return 0;
}

static void echo(int proc, int stream, const char *buf, size_t len, void *data)
{
	(void)proc;
	(void)data;
	xwrite_all(stream == 1 ? 1 : 2, buf, len);
}

json_t *box_isolation_json(const struct box_isolation *iso)
{
	json_t *notes = json_array();

	for (int i = 0; i < iso->nnotes; i++)
		json_array_append_new(notes, json_string(iso->notes[i]));
	return json_pack("{s:s,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:s,s:s,s:o}",
			 "mode", iso->mode ? iso->mode : "box",
			 "userns", iso->userns, "pidns", iso->pidns, "mountns", iso->mountns,
			 "ipcns", iso->ipcns, "netns", iso->netns, "utsns", iso->utsns,
			 "cgroupns", iso->cgroupns, "seccomp", iso->seccomp,
			 "proc", iso->proc ? iso->proc : "own",
			 "cgroup", iso->cgroup ? iso->cgroup : "none", "notes", notes);
}

static json_t *verdict_json(struct box *b)
{
	const struct box_proc *p = box_result(b, 0);
	const struct box_verdict *v = &p->verdict;
	const struct box_limits *l = box_limits(b);
	const char *lim = box_limit_name(v->limit);
	json_t *viol = json_array(), *root;
	char sig[32] = "";

	for (int i = 0; i < box_nviolations(b); i++) {
		const struct box_violation *x = box_violation(b, i);
		const char *name = x->proc >= 0 ? box_result(b, x->proc)->name : "?";

		json_array_append_new(viol, json_pack("{s:s,s:s,s:i,s:s,s:s}", "program", name,
						      "process", x->process,
						      "pid", (int)x->pid, "syscall", x->syscall,
						      "detail", x->detail));
	}
	if (v->signal && sigabbrev_np(v->signal))
		snprintf(sig, sizeof(sig), "SIG%s", sigabbrev_np(v->signal));
	root = json_pack("{s:s,s:s,s:o,s:o,s:o,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:i,s:o,s:o,s:{s:I,s:I,s:I,s:i,s:I,s:i,s:I}}",
			 "program", p->name,
			 "status", box_status_name(v->status),
			 "exit_code", v->exit_code >= 0 ? json_integer(v->exit_code) : json_null(),
			 "signal", v->signal ? json_string(sig[0] ? sig : "unknown") : json_null(),
			 "limit", lim ? json_string(lim) : json_null(),
			 "message", v->message,
			 "cpu_ms", (json_int_t)v->cpu_ms, "wall_ms", (json_int_t)v->wall_ms,
			 "peak_memory_kib", (json_int_t)v->peak_memory_kib,
			 "stdout_bytes", (json_int_t)p->out.total,
			 "stderr_bytes", (json_int_t)p->err.total,
			 "output_discarded",
			 (json_int_t)(p->out.total + p->err.total - (int64_t)(p->out.len + p->err.len)),
			 "leftover_processes", v->leftover,
			 "violations", viol,
			 "isolation", box_isolation_json(box_isolation(b)),
			 "limits",
			 "wall_ms", (json_int_t)l->wall_ms, "cpu_ms", (json_int_t)l->cpu_ms,
			 "memory_kib", (json_int_t)l->memory_kib, "processes", l->processes,
			 "file_size_kib", (json_int_t)l->file_size_kib, "open_files", l->open_files,
			 "output_bytes", (json_int_t)l->output_bytes);
	return root;
}

static int write_json(const char *prog, const char *path, json_t *j)
{
	int ret;

	if (!strcmp(path, "-"))
		ret = json_dumpf(j, stdout, JSON_INDENT(2)) || fputc('\n', stdout) == EOF ||
		      fflush(stdout);
	else
		ret = json_dump_file(j, path, JSON_INDENT(2));
	if (ret) {
		fprintf(stderr, "%s: cannot write '%s': %s\n", prog, path, strerror(errno));
		return -1;
	}
	return 0;
}

int box_cli_run(const char *prog, int argc, char **argv)
{
	enum { O_DIR = 256, O_PROFILE, O_TIME, O_CPU, O_MEM, O_PROCS, O_FSIZE, O_NOFILE,
	       O_OUTPUT, O_OUTPUT_MAX, O_JSON, O_QUIET, O_HELP };
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, O_DIR },
		{ "profile", required_argument, NULL, O_PROFILE },
		{ "time", required_argument, NULL, O_TIME },
		{ "cpu", required_argument, NULL, O_CPU },
		{ "mem", required_argument, NULL, O_MEM },
		{ "procs", required_argument, NULL, O_PROCS },
		{ "fsize", required_argument, NULL, O_FSIZE },
		{ "nofile", required_argument, NULL, O_NOFILE },
		{ "output", required_argument, NULL, O_OUTPUT },
		{ "output-max", required_argument, NULL, O_OUTPUT_MAX },
		{ "json", required_argument, NULL, O_JSON },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct box_config cfg;
	struct box_limits *l = &cfg.limits;
	struct box_error err = { 0 };
	struct box *b = NULL;
	const char *json_path = NULL;
	int quiet = 0, c, ret;
	double v;

	box_config_init(&cfg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case O_DIR: cfg.copy_dir = optarg; break;
		case O_PROFILE:
			if (!strcmp(optarg, "run"))
				cfg.profile = POLICY_RUN;
			else if (!strcmp(optarg, "build"))
				cfg.profile = POLICY_BUILD;
			else {
				fprintf(stderr, "%s: unknown profile '%s' (run or build)\n", prog, optarg);
				return 2;
			}
			break;
		case O_TIME:
			if (parse_num(prog, "time", optarg, 0.001, 86400, &v) < 0)
				return 2;
			l->wall_ms = (int64_t)(v * 1000);
			break;
		case O_CPU:
			if (parse_num(prog, "cpu", optarg, 1, 86400, &v) < 0)
				return 2;
			l->cpu_ms = (int64_t)(v * 1000);
			break;
		case O_MEM:
			if (parse_num(prog, "mem", optarg, 4, 1 << 20, &v) < 0)
				return 2;
			l->memory_kib = (int64_t)(v * 1024);
			break;
		case O_PROCS:
			if (parse_num(prog, "procs", optarg, 1, 4096, &v) < 0)
				return 2;
			l->processes = (int)v;
			break;
		case O_FSIZE:
			if (parse_num(prog, "fsize", optarg, 0, 1 << 20, &v) < 0)
				return 2;
			l->file_size_kib = (int64_t)(v * 1024);
			break;
		case O_NOFILE:
			if (parse_num(prog, "nofile", optarg, 4, 1 << 20, &v) < 0)
				return 2;
			l->open_files = (int)v;
			break;
		case O_OUTPUT:
			if (parse_num(prog, "output", optarg, 0, 1 << 30, &v) < 0)
				return 2;
			l->output_bytes = (int64_t)v;
			break;
		case O_OUTPUT_MAX:
			if (parse_num(prog, "output-max", optarg, 0, 1LL << 40, &v) < 0)
				return 2;
			l->output_max = (int64_t)v;
			break;
		case O_JSON: json_path = optarg; break;
		case O_QUIET: quiet = 1; break;
		case O_HELP: usage(stdout, prog); return 0;
		default: usage(stderr, prog); return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "%s: no command given\n", prog);
		usage(stderr, prog);
		return 2;
	}
	/* a reader that went away must not kill us before the verdict */
	signal(SIGPIPE, SIG_IGN);
	ret = box_run(&cfg, &(struct box_spawn){ .argv = argv + optind, .stdin_fd = 0 },
		      quiet ? NULL : echo, NULL, &b, &err);
	if (ret < 0) {
		fprintf(stderr, "%s: %s\n", prog, err.message);
		return err.kind == BOX_EBADINPUT ? 2 : 3;
	}
	{
		const struct box_verdict *vd = &box_result(b, 0)->verdict;
		const struct box_isolation *iso = box_isolation(b);
		json_t *j;

		fprintf(stderr, "%s: %s\n", prog, vd->message);
		if (!iso->userns || iso->nnotes)
			for (int i = 0; i < iso->nnotes; i++)
				fprintf(stderr, "%s: note: %s\n", prog, iso->notes[i]);
		ret = vd->status == BOX_OK ? 0 : vd->status == BOX_INTERNAL ? 3 : 1;
		if (json_path) {
			j = verdict_json(b);
			if (!j || write_json(prog, json_path, j) < 0)
				ret = 3;
			json_decref(j);
		}
	}
	box_free(b);
	return ret;
}
