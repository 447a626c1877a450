#define _GNU_SOURCE
#include "observe.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * /proc/PID/syscall, fd/, fdinfo/, wchan and mem are readable only with
 * ptrace access to PID: the reader's filesystem uid and gid equal to the
 * process's and the process dumpable, or CAP_SYS_PTRACE. Root without that
 * capability (a container's root) cannot read them for programs that run as
 * another uid (host mode runs root's programs as nobody). The kernel checks
 * the filesystem ids, so such a read is retried with the process's own,
 * taken for that one call; the capabilities they drop come back with ours.
 */
struct borrowed {
	uid_t fsuid;
	gid_t fsgid;
	int active;
};

static int borrow_ids(const char *path, struct borrowed *b)
{
	char dir[32];
	const char *p = path + strlen("/proc/");
	struct stat st;
	size_t n = strspn(p, "0123456789");

	b->active = 0;
	if (strncmp(path, "/proc/", 6) || !n || n > 10 || geteuid() != 0)
		return -1;
	snprintf(dir, sizeof(dir), "/proc/%.*s", (int)n, p);
	if (stat(dir, &st) < 0 || st.st_uid == 0)
		return -1;
	b->fsgid = (gid_t)setfsgid(st.st_gid);
	b->fsuid = (uid_t)setfsuid(st.st_uid);
	b->active = 1;
	/* setfsuid() says nothing on failure: ask what is in force now */
	if ((uid_t)setfsuid((uid_t)-1) != st.st_uid) {
		setfsgid(b->fsgid);
		b->active = 0;
		return -1;
	}
	return 0;
}

static void return_ids(struct borrowed *b)
{
	if (b->active) {
		setfsuid(b->fsuid);
		setfsgid(b->fsgid);
		b->active = 0;
	}
}

/* one whole operation on a /proc path: open and read, since some files
 * check access at each read */
struct proc_op {
	char *buf;
	size_t size;
	off_t offset;		/* OP_PREAD */
	struct stat *st;	/* OP_STAT */
	enum { OP_SLURP, OP_READLINK, OP_STAT, OP_PREAD, OP_OPEN } kind;
};

static ssize_t do_op(const char *path, const struct proc_op *op)
{
	ssize_t n, got = 0;
	int fd, saved;

	switch (op->kind) {
	case OP_READLINK:
		return readlink(path, op->buf, op->size);
	case OP_STAT:
		return stat(path, op->st);
	case OP_OPEN:
		return open(path, O_RDONLY | O_CLOEXEC);
	case OP_SLURP:
	case OP_PREAD:
		break;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (op->kind == OP_PREAD) {
		got = pread(fd, op->buf, op->size - 1, op->offset);
	} else {
		while ((size_t)got < op->size - 1 &&
		       (n = read(fd, op->buf + got, op->size - 1 - (size_t)got)) != 0) {
			if (n < 0) {
				got = -1;
				break;
			}
			got += n;
		}
	}
	saved = errno;
	close(fd);
	errno = saved;
	if (got < 0)
		return -1;
	op->buf[got] = '\0';
	return got;
}

/* the operation, and once more with the process's ids if it was refused */
static ssize_t proc_do(const char *path, const struct proc_op *op)
{
	ssize_t ret = do_op(path, op);
	struct borrowed b;
	int saved;

	if (ret >= 0 || (errno != EACCES && errno != EPERM) || borrow_ids(path, &b) < 0)
		return ret;
	ret = do_op(path, op);
	saved = errno;
	return_ids(&b);
	errno = saved;
	return ret;
}

static ssize_t slurp(const char *path, char *buf, size_t size)
{
	return proc_do(path, &(struct proc_op){ .kind = OP_SLURP, .buf = buf, .size = size });
}

static ssize_t proc_readlink(const char *path, char *buf, size_t size)
{
	return proc_do(path, &(struct proc_op){ .kind = OP_READLINK, .buf = buf, .size = size });
}

static int proc_stat(const char *path, struct stat *st)
{
	return (int)proc_do(path, &(struct proc_op){ .kind = OP_STAT, .st = st });
}

static int proc_open(const char *path)
{
	return (int)proc_do(path, &(struct proc_op){ .kind = OP_OPEN });
}

static uint64_t hex_field(const char *status, const char *key)
{
	const char *p = strstr(status, key);

	return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

int observe_io(pid_t pid, int64_t *rchar, int64_t *wchar)
{
	char path[64], buf[512];
	const char *rc, *wc;

	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	if (slurp(path, buf, sizeof(buf)) < 0 || !(rc = strstr(buf, "rchar: ")) || !(wc = strstr(buf, "wchar: ")))
		return -1;
	*rchar = strtoll(rc + 7, NULL, 10);
	*wchar = strtoll(wc + 7, NULL, 10);
	return 0;
}

int observe_proc(pid_t pid, struct pinfo *pi)
{
	char path[64], buf[4096], *p;
	unsigned long ut = 0, st = 0;
	long hz = sysconf(_SC_CLK_TCK);

	memset(pi, 0, sizeof(*pi));
	pi->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (slurp(path, buf, sizeof(buf)) <= 0 || !(p = strrchr(buf, ')')))
		return -1;
	/* after "(comm)": state ppid pgrp session tty tpgid flags minflt
	 * cminflt majflt cmajflt utime stime */
	if (sscanf(p + 2, "%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		   &pi->state, &pi->ppid, &ut, &st) != 4)
		return -1;
	pi->cpu_ms = (int64_t)(ut + st) * 1000 / (hz > 0 ? hz : 100);

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (slurp(path, buf, sizeof(buf)) > 0) {
		char *ns = strstr(buf, "NSpid:");

		pi->sigblk = hex_field(buf, "SigBlk:\t");
		pi->sigpnd = hex_field(buf, "SigPnd:\t") | hex_field(buf, "ShdPnd:\t");
		pi->sigcgt = hex_field(buf, "SigCgt:\t");
		pi->sigign = hex_field(buf, "SigIgn:\t");
		{
			char *t = strstr(buf, "Threads:\t"), *v = strstr(buf, "\nvoluntary_ctxt_switches:\t"),
			     *nv = strstr(buf, "nonvoluntary_ctxt_switches:\t");

			pi->threads = t ? atoi(t + 9) : 0;
			pi->vcsw = v ? strtoull(v + 26, NULL, 10) : 0;
			pi->csw = pi->vcsw + (nv ? strtoull(nv + 28, NULL, 10) : 0);
		}
		if (ns) {
			char *end = strchr(ns, '\n'), *last = NULL;

			if (end)
				*end = '\0';
			for (char *w = strtok(ns + 6, " \t"); w; w = strtok(NULL, " \t"))
				last = w;
			pi->box_pid = last ? atoi(last) : 0;
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	if (pi->state == 'Z' || pi->state == 'X') {
		/* nothing to see */
	} else if (slurp(path, buf, sizeof(buf)) < 0) {
		if (errno == EACCES || errno == EPERM)
			pi->unobservable = errno;
	} else if (buf[0] >= '0' && buf[0] <= '9') {	/* not "running", not -1 */
		char *end = buf;

		pi->nr = strtol(buf, &end, 10);
		for (int i = 0; i < 6; i++)
			pi->args[i] = strtoul(end, &end, 16);
		pi->in_syscall = 1;
		{
			char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)pi->nr);

			snprintf(pi->syscall, sizeof(pi->syscall), "%s", name ? name : "?");
			free(name);
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)pid);
	if (slurp(path, pi->wchan, sizeof(pi->wchan)) < 0)
		pi->wchan[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	{
		char target[512];
		ssize_t n = proc_readlink(path, target, sizeof(target) - 1);

		if (n > 0) {
			target[n] = '\0';
			p = strrchr(target, '/');
			snprintf(pi->exe, sizeof(pi->exe), "%.63s", p ? p + 1 : target);
		}
	}
	return 0;
}

int observe_fd(pid_t pid, int fd, struct fdinfo *out)
{
	char path[64], info[512];
	struct stat st;
	ssize_t n;
	char *flags;

	memset(out, 0, sizeof(*out));
	out->fd = fd;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
	n = proc_readlink(path, out->target, sizeof(out->target) - 1);
	if (n < 0)
		return -1;
	out->target[n] = '\0';
	if (!strncmp(out->target, "pipe:[", 6)) {
		out->type = FDT_PIPE;
		out->inode = strtoul(out->target + 6, NULL, 10);
	} else if (!strncmp(out->target, "socket:[", 8)) {
		out->type = FDT_SOCKET;
		out->inode = strtoul(out->target + 8, NULL, 10);
	} else if (proc_stat(path, &st) == 0) {
		out->inode = st.st_ino;
		out->type = S_ISFIFO(st.st_mode) ? FDT_FIFO : S_ISCHR(st.st_mode) ? FDT_TTY :
			    S_ISREG(st.st_mode) ? FDT_FILE : FDT_OTHER;
	}
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, fd);
	if (slurp(path, info, sizeof(info)) > 0 && (flags = strstr(info, "flags:")))
		out->access = (int)(strtoul(flags + 6, NULL, 8) & O_ACCMODE);
	return 0;
}

static int by_fd(const void *a, const void *b)
{
	return ((const struct fdinfo *)a)->fd - ((const struct fdinfo *)b)->fd;
}

int observe_fds(pid_t pid, struct fdinfo *out, int max)
{
	char path[64];
	DIR *d;
	struct dirent *de;
	int n = 0, fd;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	fd = proc_open(path);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((de = readdir(d)) && n < max)
		if (de->d_name[0] != '.' && observe_fd(pid, atoi(de->d_name), &out[n]) == 0)
			n++;
	closedir(d);
	qsort(out, (size_t)n, sizeof(*out), by_fd);
	return n;
}

int observe_children(pid_t pid, pid_t *out, int max)
{
	char path[64], buf[8192];
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	if (slurp(path, buf, sizeof(buf)) < 0)
		return -1;
	for (char *w = strtok(buf, " \n"); w && n < max; w = strtok(NULL, " \n"))
		out[n++] = atoi(w);
	return n;
}

int observe_string(pid_t pid, unsigned long addr, char *buf, size_t size)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	return proc_do(path, &(struct proc_op){ .kind = OP_PREAD, .buf = buf, .size = size,
						 .offset = (off_t)addr }) < 0 ? -1 : 0;
}

const char *fd_type_name(enum fd_type t)
{
	static const char *const names[] = {
		[FDT_OTHER] = "file", [FDT_PIPE] = "pipe", [FDT_FIFO] = "FIFO",
		[FDT_SOCKET] = "socket", [FDT_FILE] = "file", [FDT_TTY] = "device",
	};
	return names[t];
}

int observe_syscall_matches(const char *actual, const char *wanted)
{
	static const char *const aliases[][4] = {
		{ "open", "openat", "openat2", NULL },
		{ "wait", "wait4", "waitid", NULL },
		{ "sigsuspend", "rt_sigsuspend", NULL },
		{ "sigtimedwait", "rt_sigtimedwait", NULL },
		{ "select", "pselect6", NULL },
		{ "poll", "ppoll", NULL },
		{ "accept", "accept4", NULL },
		{ "msgrcv", NULL },
	};

	if (!strcmp(actual, wanted))
		return 1;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		if (strcmp(aliases[i][0], wanted))
			continue;
		for (int k = 1; k < 4 && aliases[i][k]; k++)
			if (!strcmp(aliases[i][k], actual))
				return 1;
	}
	return 0;
}

/* which argument of a blocking call is a descriptor */
static int fd_arg(const char *name)
{
	static const char *const first[] = {
		"read", "readv", "pread64", "write", "writev", "pwrite64", "recvfrom",
		"recvmsg", "sendto", "sendmsg", "accept", "accept4", "connect", "flock",
		"fsync", NULL
	};

	for (const char *const *f = first; *f; f++)
		if (!strcmp(*f, name))
			return 0;
	return -1;
}

void observe_describe(const struct pinfo *pi, char *buf, size_t size)
{
	if (!pi->state) {
		snprintf(buf, size, "gone");
	} else if (pi->state == 'Z') {
		snprintf(buf, size, "a zombie (it has exited, but its parent has not waited for it)");
	} else if (pi->state == 'T' || pi->state == 't') {
		snprintf(buf, size, "stopped");
	} else if (pi->unobservable && pi->state != 'R') {
		snprintf(buf, size, "in a state the grader cannot see here (reading /proc/%d/syscall: "
			 "%s)", (int)pi->pid, strerror(pi->unobservable));
	} else if (pi->state == 'R' || !pi->in_syscall) {
		snprintf(buf, size, "running (%lld ms of CPU so far)", (long long)pi->cpu_ms);
	} else {
		int a = fd_arg(pi->syscall);
		struct fdinfo fi;
		char path[128];

		if (a >= 0 && observe_fd(pi->pid, (int)pi->args[a], &fi) == 0 && fi.type == FDT_FIFO &&
		    fi.target[0] == '/')
			/* a FIFO by the name the program opened it with: its
			 * working directory is the box's /work */
			snprintf(buf, size, "blocked in %s() on the FIFO %s (fd %d)", observe_call_name(pi->syscall),
				 fi.target + (strncmp(fi.target, "/work/", 6) ? 0 : 6), fi.fd);
		else if (a >= 0 && observe_fd(pi->pid, (int)pi->args[a], &fi) == 0)
			snprintf(buf, size, "blocked in %s() on a %s (fd %d)", observe_call_name(pi->syscall),
				 fd_type_name(fi.type), fi.fd);
		else if (!strcmp(pi->syscall, "openat") &&
			 observe_string(pi->pid, pi->args[1], path, sizeof(path)) == 0) {
			/* open() is openat() in the C library: the student wrote open() */
			snprintf(buf, size, "blocked in open() of \"%s\"%s", path,
				 !strcmp(pi->wchan, "wait_for_partner") ?
				 " (a FIFO waiting for its other end)" : "");
		} else if (!strcmp(pi->syscall, "wait4")) {
			/* what the C library's wait() and waitpid() call */
			snprintf(buf, size, "blocked in waitpid() or wait(), waiting for a child");
		} else {
			snprintf(buf, size, "blocked in %s()", observe_call_name(pi->syscall));
		}
	}
}

const char *observe_call_name(const char *syscall)
{
	/* the C library's wait(), waitpid() and open() */
	if (!strcmp(syscall, "wait4"))
		return "waitpid";
	if (!strcmp(syscall, "openat"))
		return "open";
	return syscall;
}

int observe_timers(pid_t pid)
{
	char path[64], buf[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/timers", (int)pid);
	n = slurp(path, buf, sizeof(buf));
	return n < 0 ? -1 : n > 0;
}
