#define _GNU_SOURCE
#include "limits.h"
#include "box.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

static int is_fs(const char *path, long magic)
{
	struct statfs s;

	return statfs(path, &s) == 0 && (unsigned long)s.f_type == (unsigned long)magic;
}

/* our own cgroup in one hierarchy, from /proc/self/cgroup */
static int own_cgroup(const char *controller, char *out, size_t size)
{
	char buf[4096], *line, *save = NULL;

	if (read_file("/proc/self/cgroup", buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *ctl = strchr(line, ':'), *path;

		if (!ctl || !(path = strchr(ctl + 1, ':')))
			continue;
		*path++ = '\0';
		ctl++;
		if (controller ? !strcmp(ctl, controller) : !*ctl) {
			snprintf(out, size, "%s", path);
			return 0;
		}
	}
	return -1;
}

static int make_dir(const char *base, const char *own, const char *name,
		    char *out, size_t size)
{
	int n = snprintf(out, size, "%s%s/%s", base, strcmp(own, "/") ? own : "", name);

	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return mkdir(out, 0755);
}

static int set(const char *dir, const char *file, int64_t value)
{
	char path[PATH_MAX + 64], text[32];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	snprintf(text, sizeof(text), "%lld", (long long)value);
	return write_file(path, text);
}

static int create_v1(struct cgroup *cg, const char *name, const struct box_limits *l)
{
	static const char *const ctl[CG_NCTL] = { "memory", "pids" };
	char own[PATH_MAX], base[64];

	for (int i = 0; i < CG_NCTL; i++) {
		snprintf(base, sizeof(base), "/sys/fs/cgroup/%s", ctl[i]);
		if (own_cgroup(ctl[i], own, sizeof(own)) < 0)
			snprintf(own, sizeof(own), "/");
		/* a container sees its own cgroup as the hierarchy's root, while
		 * /proc/self/cgroup names it as the host does */
		if (make_dir(base, own, name, cg->path[i], sizeof(cg->path[i])) < 0 &&
		    (errno != ENOENT || make_dir(base, "/", name, cg->path[i],
						 sizeof(cg->path[i])) < 0))
			return -1;
		cg->version = 1;	/* so that cgroup_remove() cleans up */
	}
	if (set(cg->path[CG_MEMORY], "memory.limit_in_bytes", l->memory_kib * 1024) < 0)
		return -1;
	/* with swap accounting, swap counts towards the same limit */
	set(cg->path[CG_MEMORY], "memory.memsw.limit_in_bytes", l->memory_kib * 1024);
	/* init is in the cgroup too, and not one of the programs' */
	return set(cg->path[CG_PIDS], "pids.max", l->processes + 1);
}

/* memory and pids are enabled for dir's children, or now are */
static int v2_controllers(const char *dir)
{
	char path[PATH_MAX + 64], have[256];

	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
	if (read_file(path, have, sizeof(have)) == 0 && strstr(have, "memory") &&
	    strstr(have, "pids"))
		return 0;
	snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
	if (read_file(path, have, sizeof(have)) < 0 || !strstr(have, "memory") ||
	    !strstr(have, "pids")) {
		errno = ENOTSUP;
		return -1;
	}
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
	return write_file(path, "+memory +pids");
}

/*
 * The box goes below our own cgroup, or else below the nearest ancestor
 * that has (or can be given) the memory and pids controllers for its
 * children. Our own cannot, unless it is the root: it holds us, and a
 * cgroup with processes may not enable controllers for children. Where
 * systemd delegates a subtree to a user (user@UID.service), we sit in a
 * leaf of it and the box becomes a sibling of that leaf; as root the box
 * may land higher. Moving init in needs write access to the common
 * ancestor's cgroup.procs, which a delegation gives. The first refusal
 * is what errno says.
 */
static int create_v2(struct cgroup *cg, const char *name, const struct box_limits *l)
{
	char own[PATH_MAX], dir[PATH_MAX + 16];
	int first = 0;

	if (own_cgroup(NULL, own, sizeof(own)) < 0)
		return -1;
	/* as in create_v1: a container's view of the host's path */
	snprintf(dir, sizeof(dir), "/sys/fs/cgroup%s", own);
	if (access(dir, F_OK) < 0)
		snprintf(own, sizeof(own), "/");
	for (int up = 0; up < 3; up++) {
		char *slash;

		snprintf(dir, sizeof(dir), "/sys/fs/cgroup%s", strcmp(own, "/") ? own : "");
		if (v2_controllers(dir) == 0 && make_dir(dir, "/", name, cg->path[0],
							  sizeof(cg->path[0])) == 0)
			break;
		if (!first)
			first = errno;
		cg->path[0][0] = '\0';
		if (!strcmp(own, "/") || !(slash = strrchr(own, '/')))
			break;
		if (slash == own)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	if (!cg->path[0][0]) {
		errno = first ? first : ENOTSUP;
		return -1;
	}
	cg->version = 2;
	snprintf(cg->path[1], sizeof(cg->path[1]), "%s", cg->path[0]);
	if (set(cg->path[0], "memory.max", l->memory_kib * 1024) < 0)
		return -1;
	set(cg->path[0], "memory.swap.max", 0);
	return set(cg->path[0], "pids.max", l->processes + 1);
}

int cgroup_create(struct cgroup *cg, const char *name, const struct box_limits *l,
		  char *why, size_t whysize)
{
	int ret;

	memset(cg, 0, sizeof(*cg));
	if (is_fs("/sys/fs/cgroup/memory", CGROUP_SUPER_MAGIC) &&
	    is_fs("/sys/fs/cgroup/pids", CGROUP_SUPER_MAGIC)) {
		ret = create_v1(cg, name, l);
	} else if (is_fs("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC)) {
		ret = create_v2(cg, name, l);
	} else {
		snprintf(why, whysize, "no cgroup hierarchy with memory and pids controllers");
		return -1;
	}
	if (ret < 0) {
		int saved = errno;

		int v = cg->version ? cg->version :
			is_fs("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC) ? 2 : 1;

		/* a container's cgroup tree is read-only or not ours; a user's
		 * v2 tree is not delegated: the usual case, said calmly */
		if (saved == EROFS || saved == ENOENT || saved == EACCES || saved == EPERM)
			snprintf(why, whysize, "the box gets no cgroup: cgroup v%d is not writable "
				 "here (%s)", v, strerror(saved));
		else
			snprintf(why, whysize, "cannot create a cgroup v%d for the box: %s", v,
				 strerror(saved));
		cgroup_remove(cg);
		return -1;
	}
	return 0;
}

int cgroup_attach(const struct cgroup *cg, pid_t pid)
{
	char path[PATH_MAX + 32], text[16];

	snprintf(text, sizeof(text), "%d", (int)pid);
	for (int i = 0; i < (cg->version == 1 ? CG_NCTL : 1); i++) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", cg->path[i]);
		if (write_file(path, text) < 0)
			return -1;
	}
	return 0;
}

static int64_t read_num(const char *dir, const char *file)
{
	char path[PATH_MAX + 64], buf[64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return strtoll(buf, NULL, 10);
}

/* the value of "key N" in a flat-keyed file such as memory.events */
static int64_t read_key(const char *dir, const char *file, const char *key)
{
	char path[PATH_MAX + 64], buf[2048], *p;
	size_t klen = strlen(key);

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, klen) && p[klen] == ' ')
			return strtoll(p + klen + 1, NULL, 10);
	return -1;
}

void cgroup_read(const struct cgroup *cg, struct cgroup_stats *st)
{
	int64_t v;

	st->peak_kib = -1;
	st->oom_kills = 0;
	st->pids_refused = 0;
	if (cg->version == 1) {
		v = read_num(cg->path[CG_MEMORY], "memory.max_usage_in_bytes");
		st->peak_kib = v < 0 ? -1 : v / 1024;
		st->oom_kills = read_key(cg->path[CG_MEMORY], "memory.oom_control", "oom_kill");
		st->pids_refused = read_key(cg->path[CG_PIDS], "pids.events", "max");
	} else if (cg->version == 2) {
		v = read_num(cg->path[0], "memory.peak");
		st->peak_kib = v < 0 ? -1 : v / 1024;
		st->oom_kills = read_key(cg->path[0], "memory.events", "oom_kill");
		st->pids_refused = read_key(cg->path[0], "pids.events", "max");
	}
	if (st->oom_kills < 0)
		st->oom_kills = 0;
	if (st->pids_refused < 0)
		st->pids_refused = 0;
}

void cgroup_remove(struct cgroup *cg)
{
	for (int i = 0; cg->version && i < (cg->version == 1 ? CG_NCTL : 1); i++)
		if (cg->path[i][0])
			rmdir(cg->path[i]);
	cg->version = 0;
}

static int limit(int resource, rlim_t value)
{
	struct rlimit now, want;

	if (getrlimit(resource, &now) < 0)
		return -1;
	if (now.rlim_max != RLIM_INFINITY && value > now.rlim_max)
		value = now.rlim_max;
	want.rlim_cur = want.rlim_max = value;
	return setrlimit(resource, &want);
}

int limits_apply(const struct box_limits *l, int have_cgroup)
{
	/* whole seconds, rounded up; SIGXCPU at the soft limit, then the
	 * hard limit one second later is SIGKILL for a program that
	 * catches SIGXCPU */
	rlim_t cpu = (rlim_t)((l->cpu_ms + 999) / 1000);
	struct { int resource; rlim_t value; int always; } table[] = {
		{ RLIMIT_CORE, 0, 1 },			/* no core files in /work */
		{ RLIMIT_FSIZE, (rlim_t)l->file_size_kib * 1024, 1 },
		{ RLIMIT_NOFILE, (rlim_t)l->open_files, 1 },
		/* per uid in the box's own user namespace: a second fence
		 * behind pids.max, and the only one without a cgroup */
		{ RLIMIT_NPROC, (rlim_t)l->processes + 1, 1 },	/* with init */
		/* without a memory cgroup, address space is the only bound */
		{ RLIMIT_AS, (rlim_t)l->memory_kib * 1024, !have_cgroup },
		/* mlockall() of an ordinary program locks a few MiB; locked
		 * pages are charged to the box's memory like any other */
		{ RLIMIT_MEMLOCK, (rlim_t)l->memory_kib * 1024 / 8, 1 },
		/* with no capability, these keep sched_setscheduler and
		 * setpriority to lowering one's own priority */
		{ RLIMIT_RTPRIO, 0, 1 },
		{ RLIMIT_NICE, 0, 1 },
		{ RLIMIT_MSGQUEUE, 800 * 1024, 1 },
	};
	struct rlimit c;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].always && limit(table[i].resource, table[i].value) < 0)
			return -1;
	if (getrlimit(RLIMIT_CPU, &c) < 0)
		return -1;
	c.rlim_cur = cpu;
	c.rlim_max = cpu + 1;
	return setrlimit(RLIMIT_CPU, &c);
}
