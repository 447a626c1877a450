#define _GNU_SOURCE
#include "build.h"
#include "strbuf.h"
#include "../sandbox/box.h"
#include "../common/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* one command in the build box, its output added to the log */
static int run_in(struct box *b, char **argv, struct strbuf *log)
{
	struct box_error err;
	const struct box_proc *p;
	int idx = box_spawn(b, &(struct box_spawn){ .argv = argv, .stdin_fd = -1 }, &err);

	if (idx < 0) {
		sb_addf(log, "cannot run %s: %s\n", argv[0], err.message);
		return -1;
	}
	p = box_result(b, idx);
	while (!box_finished(b) && (!p->done || !p->out.eof || !p->err.eof))
		if (box_pump(b, -1) < 0)
			break;
	sb_add(log, p->out.data, p->out.len);
	sb_add(log, p->err.data, p->err.len);
	if (box_finished(b) && !p->done) {
		sb_addf(log, "the build was stopped: it ran past the build's time limit\n");
		return -1;
	}
	if (p->exec_errno)
		sb_addf(log, "cannot run %s: %s\n", argv[0], strerror(p->exec_errno));
	return p->done && WIFEXITED(p->wait_status) && WEXITSTATUS(p->wait_status) == 0 ? 0 : -1;
}

static int export(struct box *b, const char *name, const char *out_dir)
{
	char inside[300], path[4096], buf[65536];
	int in, out, ret = 0;
	ssize_t n;
	int64_t total = 0;

	snprintf(inside, sizeof(inside), "/work/%s", name);
	in = box_open(b, inside);
	if (in < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = xread(in, buf, sizeof(buf))) > 0 && ret == 0) {
		total += n;
		if (total > (64 << 20) || xwrite_all(out, buf, (size_t)n) < 0)
			ret = -1;
	}
	if (n < 0)
		ret = -1;
	close(in);
	if (close(out) < 0)
		ret = -1;
	return ret;
}

int build_programs(const char *src, char *const *programs, const char *out_dir,
		   struct build_result *res, char *err, size_t errsize)
{
	struct box_config cfg;
	struct box_error berr;
	struct box *b;
	struct strbuf log = { 0 };
	char mk[4096];
	struct stat st;
	int n = 0, nbuilt = 0;

	memset(res, 0, sizeof(*res));
	box_config_init(&cfg);
	cfg.profile = POLICY_BUILD;
	cfg.copy_dir = src;
	cfg.limits.wall_ms = 120000;
	cfg.limits.cpu_ms = 60000;
	cfg.limits.memory_kib = 1024 * 1024;
	cfg.limits.file_size_kib = 64 * 1024;
	cfg.limits.output_bytes = 256 * 1024;
	cfg.limits.tmpfs_kib = 256 * 1024;
	for (char *const *p = programs; *p; p++)
		n++;
	res->built = calloc((size_t)n + 1, sizeof(char *));
	if (box_new(&cfg, &b, &berr) < 0) {
		if (berr.kind != BOX_EBADINPUT) {
			snprintf(err, errsize, "%s", berr.message);
			return -1;
		}
		/* a submission that cannot be copied in (a symlink, a device)
		 * is the submission's failure: a failed build, with the reason */
		sb_addf(&log, "the submission cannot be built: %s\n", berr.message);
		res->log = strdup(sb_str(&log));
		sb_release(&log);
		return 0;
	}
	snprintf(mk, sizeof(mk), "%s/Makefile", src);
	if (lstat(mk, &st) == 0) {
		char *argv[] = { "make", NULL };

		run_in(b, argv, &log);
	} else {
		for (char *const *p = programs; *p && !box_finished(b); p++) {
			char file[300];
			struct box_stat bs;
			char *argv[] = { "cc", "-std=gnu11", "-O2", "-Wall", "-o", *p, file, NULL };

			char inside[320];

			snprintf(file, sizeof(file), "%s.c", *p);
			snprintf(inside, sizeof(inside), "/work/%s", file);
			if (box_stat(b, inside, &bs) < 0) {
				sb_addf(&log, "%s is missing from the submission\n", file);
				continue;
			}
			sb_addf(&log, "$ cc -std=gnu11 -O2 -Wall -o %s %s\n", *p, file);
			run_in(b, argv, &log);
		}
	}
	for (char *const *p = programs; *p; p++) {
		if (export(b, *p, out_dir) == 0)
			res->built[nbuilt++] = strdup(*p);
		else
			sb_addf(&log, "%s was not built\n", *p);
	}
	box_free(b);
	res->ok = nbuilt == n;
	res->log = strdup(sb_str(&log));
	res->warnings = strstr(res->log, "warning:") != NULL;
	sb_release(&log);
	return 0;
}

void build_result_release(struct build_result *res)
{
	for (char **p = res->built; p && *p; p++)
		free(*p);
	free(res->built);
	free(res->log);
	memset(res, 0, sizeof(*res));
}
