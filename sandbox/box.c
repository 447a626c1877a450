/*
 * How a box works.
 *
 * Processes:
 *   supervisor  the caller (ipcgrade), outside every namespace of the box.
 *               It owns the box's cgroup, the wall-clock timer, the read
 *               ends of every program's stdout and stderr, and the seccomp
 *               notification listeners. It makes every verdict.
 *   init        pid 1 of the box, cloned by the supervisor into new user,
 *               pid, mount, ipc, net and uts namespaces (and a cgroup
 *               namespace once it sits in the box's cgroup). It builds the
 *               root filesystem, then serves the supervisor's requests to
 *               start programs and reaps every process of the box. It is
 *               not dumpable and installs no signal handlers, so nothing in
 *               the box can signal, trace or read it. When it dies (the
 *               supervisor kills it, or the supervisor dies: PDEATHSIG) the
 *               kernel kills everything else in the pid namespace.
 *   programs    forked by init; each drops to uid 1000 with no capabilities,
 *               hard rlimits and no_new_privs, loads the seccomp filter
 *               last, sends its listener to the supervisor and execs.
 *
 * Descriptors:
 *   ctl         SOCK_SEQPACKET pair between supervisor and init: GO,
 *               READY/FAIL, SPAWN/SPAWNED, EXITED, COUNT/COUNTED.
 *   report      one SOCK_SEQPACKET pair per program, supervisor end with
 *               SO_PASSCRED: the child sends HELLO with its listener (the
 *               kernel adds its pid as we see it) or FAIL {step, errno};
 *               close-on-exec, so EOF means exec happened.
 *   out, err    one pipe each per program; the supervisor reads them.
 * Nothing of these reaches a program past exec: it has fds 0, 1, 2 only.
 */
#define _GNU_SOURCE
#include "box.h"
#include "limits.h"
#include "mnt.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <dirent.h>
#include <stdarg.h>
#include <unistd.h>

#define BOX_UID 1000
#define BOX_GID 1000
#define MAX_VIOLATIONS 32
#define MAX_ARGV_BYTES 6144

enum msg_type {
	MSG_GO = 1, MSG_READY, MSG_FAIL, MSG_SPAWN, MSG_SPAWNED, MSG_EXITED,
	MSG_COUNT, MSG_COUNTED, MSG_HELLO, MSG_OPEN, MSG_OPENED, MSG_READ, MSG_READ_DONE,
	MSG_SEMVAL, MSG_SEMVAL_DONE,
};

struct msg {
	int type;
	int id;			/* program index */
	int status;		/* wait status, or errno */
	int pid;		/* in the box */
	int others;		/* processes left in the box */
	int bad_input;
	int argc;
	int has_stdin;
	int64_t cpu_ms, maxrss_kib;
	int mode;		/* MSG_OPENED: st_mode */
	int64_t size;		/* MSG_OPENED: st_size; MSG_READ_DONE: bytes */
	char text[MAX_ARGV_BYTES];	/* argv, NUL-separated; a path; or an error */
};

struct box {
	struct box_config cfg;
	struct box_limits lim;
	struct policy_bpf bpf;
	struct box_isolation iso;
	struct cgroup cg;
	struct cgroup_stats cgs;
	pid_t init_pid;
	int ctl, timer_fd, src_fd, ro_fd;
	int64_t started_ms;
	struct box_proc *procs;
	int nprocs, cap;
	struct box_violation viol[MAX_VIOLATIONS];
	int nviol;
	int64_t total_output;
	int finished, reaped, init_lost;
	int nested;		/* programs get a user namespace of their own */
	enum box_status kill_status;
	enum box_limit kill_limit;
	int kill_proc;		/* program blamed for the kill, or -1 */
	int count_at_kill;	/* processes alive when a limit killed it */
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	box_echo_fn *echo;
	void *echo_data;
};

static const char *const box_env[] = {
	"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/work", "LANG=C",
	"USER=student", "LOGNAME=student", "TMPDIR=/tmp", NULL
};

void box_config_init(struct box_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->profile = POLICY_RUN;
	cfg->limits = (struct box_limits){
		.wall_ms = 10000, .cpu_ms = 5000, .memory_kib = 256 * 1024,
		.processes = 64, .file_size_kib = 16 * 1024, .open_files = 64,
		.output_bytes = 1 << 20, .output_max = 64 << 20,
		.tmpfs_kib = 64 * 1024,
		.msgmni = 32, .shmmni = 32, .semmni = 32,
		.shmmax = 16 << 20, .shmall = (16 << 20) / 4096 * 4,
	};
}

/* ---- inside: the program's child, between init's fork and exec ---- */

/* IPCBOX_TRACE=1 prints when each step of a box ends, for benchmarks */
static void trace(const char *step)
{
	static int on = -1;
	static int64_t last;
	struct timespec ts;
	int64_t us;

	if (on < 0)
		on = getenv("IPCBOX_TRACE") != NULL;
	if (!on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	fprintf(stderr, "ipcbox-trace: %-20s %8lld +%5lld us\n", step, (long long)(us % 100000000),
		last ? (long long)(us - last) : 0LL);
	last = us;
}

static void __attribute__((noreturn)) child_fail(int report, const char *step)
{
	struct msg m = { .type = MSG_FAIL, .status = errno };

	snprintf(m.text, sizeof(m.text), "%s", step);
	send_fds(report, &m, offsetof(struct msg, text) + strlen(m.text) + 1, NULL, 0);
	_exit(127);
}

static int drop_capabilities(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	return (int)syscall(SYS_capset, &h, d);
}

/*
 * The flat, ordered setup of a program: clean signals, its descriptors,
 * its limits, its identity, and the seccomp filter last.
 */
static void __attribute__((noreturn))
exec_child(struct box *b, const struct msg *m, int in, int out, int err, int report)
{
	char *argv[256];
	const char *p = m->text;
	sigset_t none;
	int listener, fds[4] = { in, out, err, report };

	trace("child forked");
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();

	/* move our four above 10, then onto 0, 1, 2 and 3 */
	for (int i = 0; i < 4; i++)
		if (fds[i] >= 0 && (fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10)) < 0)
			child_fail(report, "dup");
	report = fds[3];
	if (fds[0] < 0 && (fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		child_fail(report, "open /dev/null");
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			child_fail(report, "dup2");
	if (dup2(report, 3) < 0 || fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
		child_fail(report, "dup2");
	report = 3;
	if (close_range(4, ~0U, 0) < 0)
		child_fail(report, "close_range");

	if (chdir("/work") < 0)
		child_fail(report, "chdir /work");
	umask(022);
	if (limits_apply(&b->lim, b->cg.version != 0) < 0)
		child_fail(report, "setrlimit");

	/* identity: while still privileged, empty the bounding and ambient
	 * sets; then become the box's user; then drop whatever is left */
	for (int cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			child_fail(report, "drop capability bounding set");
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		child_fail(report, "setgroups");
	if (setresgid(BOX_GID, BOX_GID, BOX_GID) < 0)
		child_fail(report, "setresgid");
	if (setresuid(BOX_UID, BOX_UID, BOX_UID) < 0)
		child_fail(report, "setresuid");
	if (drop_capabilities() < 0)
		child_fail(report, "capset");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(report, "no_new_privs");

	for (int i = 0; i < m->argc && i < 255; i++) {
		argv[i] = (char *)p;
		p += strlen(p) + 1;
	}
	argv[m->argc < 255 ? m->argc : 255] = NULL;
	environ = (char **)box_env;

	/* last: from here on every call goes through the filter, and the
	 * first one must be the sendmsg that hands the listener over */
	trace("child set up");
	listener = policy_load(&b->bpf);
	if (listener < 0)
		child_fail(report, "load seccomp filter");
	{
		struct msg hello = { .type = MSG_HELLO };

		if (send_fds(report, &hello, offsetof(struct msg, text), &listener, 1) < 0)
			child_fail(report, "send seccomp listener");
	}
	close(listener);
	trace("child filtered");
	execvp(argv[0], argv);
	child_fail(report, "exec");
}

/* ---- inside: init ---- */

static int count_processes(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9' && strcmp(de->d_name, "1"))
			n++;
	closedir(d);
	return n;
}

static void init_send(int ctl, struct msg *m)
{
	if (send_fds(ctl, m, offsetof(struct msg, text) + strnlen(m->text, sizeof(m->text)),
		     NULL, 0) < 0)
		_exit(1);
}

static void init_spawn(struct box *b, int ctl, struct msg *m, int *fds, int nfds,
		       pid_t *pids, int npids)
{
	struct msg r = { .type = MSG_SPAWNED, .id = m->id };
	pid_t pid;

	if (nfds != 4 || m->id < 0 || m->id >= npids) {
		r.status = EINVAL;
	} else {
		pid = fork();
		if (pid == 0) {
			close(ctl);
			exec_child(b, m, m->has_stdin ? fds[0] : -1, fds[1], fds[2], fds[3]);
		}
		if (pid < 0)
			r.status = errno;
		else
			pids[m->id] = r.pid = pid;
	}
	for (int i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	init_send(ctl, &r);
}

/*
 * Open a path of the box for the supervisor, never through a symlink:
 * status 0 asks for O_PATH (what the path is), 1 for reading a regular
 * file. The descriptor goes back with the file's type and size.
 */
static void init_open(int ctl, struct msg *m)
{
	struct open_how how = {
		.flags = (m->status ? O_RDONLY | O_NONBLOCK : O_PATH) | O_CLOEXEC | O_NOFOLLOW,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	struct msg r = { .type = MSG_OPENED };
	struct stat st;
	int fd;

	m->text[sizeof(m->text) - 1] = '\0';
	fd = (int)syscall(SYS_openat2, AT_FDCWD, m->text, &how, sizeof(how));
	if (fd < 0 && errno == ELOOP && !m->status) {
		/* the path is itself a symlink: say so rather than fail */
		if (lstat(m->text, &st) == 0) {
			r.mode = (int)st.st_mode;
			r.size = st.st_size;
		} else {
			r.status = errno;
		}
		init_send(ctl, &r);
		return;
	}
	if (fd < 0 || fstat(fd, &st) < 0) {
		r.status = errno;
	} else if (m->status && !S_ISREG(st.st_mode)) {
		r.status = EINVAL;
	} else {
		r.mode = (int)st.st_mode;
		r.size = st.st_size;
	}
	if (r.status == 0 && m->status) {
		if (send_fds(ctl, &r, offsetof(struct msg, text), &fd, 1) < 0)
			_exit(1);
	} else {
		init_send(ctl, &r);
	}
	if (fd >= 0)
		close(fd);
}

/* Read a small file as seen from inside (ns_last_pid answers per reader) */
static void init_read(int ctl, struct msg *m)
{
	struct msg *r = calloc(1, sizeof(*r));
	int fd;
	ssize_t n = -1;

	if (!r)
		_exit(1);
	m->text[sizeof(m->text) - 1] = '\0';
	r->type = MSG_READ_DONE;
	fd = open(m->text, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd >= 0) {
		n = xread_full(fd, r->text, sizeof(r->text) - 1);
		close(fd);
	}
	if (n < 0)
		r->status = errno;
	else
		r->size = n;
	if (send_fds(ctl, r, offsetof(struct msg, text) + (n > 0 ? (size_t)n : 0), NULL, 0) < 0)
		_exit(1);
	free(r);
}

static void init_reap(int ctl, pid_t *pids, int npids)
{
	struct msg out[16];
	int n = 0, status;
	struct rusage ru;
	pid_t pid;

	while ((pid = wait4(-1, &status, WNOHANG, &ru)) > 0) {
		for (int i = 0; i < npids; i++) {
			if (pids[i] != pid)
				continue;
			pids[i] = 0;
			if (n == 16) {
				/* flush: rare, but keep every exit */
				for (int k = 0; k < n; k++)
					init_send(ctl, &out[k]);
				n = 0;
			}
			out[n] = (struct msg){
				.type = MSG_EXITED, .id = i, .status = status, .pid = pid,
				.cpu_ms = (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
					  (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000,
				.maxrss_kib = ru.ru_maxrss,
			};
			n++;
		}
	}
	if (n) {
		int others = count_processes();

		for (int k = 0; k < n; k++) {
			out[k].others = others;
			init_send(ctl, &out[k]);
		}
	}
}

/*
 * Unprivileged, the box maps one uid, init's root, which owns the box's
 * namespaces (the ipc sysctls want a mapped root). Once the root is built,
 * init moves into a user namespace of its own where that uid is 1000, so
 * that the programs it forks hold no capability over the box's namespaces.
 * We are still dumpable here, and no program exists yet, so writing our own
 * maps races with nothing.
 */
static int nest_user_namespace(struct mnt_error *me)
{
	static const struct { const char *file, *text; } maps[] = {
		{ "/proc/self/uid_map", "1000 0 1" },
		{ "/proc/self/setgroups", "deny" },
		{ "/proc/self/gid_map", "1000 0 1" },
	};

	if (unshare(CLONE_NEWUSER) < 0) {
		*me = (struct mnt_error){ .step = "unshare a nested user namespace", .err = errno };
		return -1;
	}
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		if (write_file(maps[i].file, maps[i].text) < 0) {
			*me = (struct mnt_error){ .step = "write", .err = errno };
			snprintf(me->path, sizeof(me->path), "%s", maps[i].file);
			return -1;
		}
	return 0;
}

static void __attribute__((noreturn)) init_main(struct box *b, int ctl, int src, int ro)
{
	struct msg *m = malloc(sizeof(*m));
	struct mnt_error me;
	pid_t *pids;
	int npids = 1024, sfd, fds[4], nfds;
	sigset_t chld;

	/* die with the supervisor; the kernel then kills the whole box */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	umask(022);
	/* keep ctl and src only: nothing else of the supervisor's, such as
	 * another box's pipes, may be held here */
	ctl = fcntl(ctl, F_DUPFD_CLOEXEC, 10);
	if (src >= 0)
		src = fcntl(src, F_DUPFD_CLOEXEC, 10);
	if (ro >= 0)
		ro = fcntl(ro, F_DUPFD_CLOEXEC, 10);
	if (ctl < 0 || dup2(ctl, 3) < 0)
		_exit(1);
	ctl = 3;
	if (src >= 0 && dup2(src, 4) < 0)
		_exit(1);
	src = src >= 0 ? 4 : -1;
	if (ro >= 0 && dup2(ro, 5) < 0)
		_exit(1);
	ro = ro >= 0 ? 5 : -1;
	close_range(6, ~0U, 0);
	if (src < 0)
		close(4);
	if (ro < 0)
		close(5);
	{
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		for (int i = 0; i < 3 && null >= 0; i++)
			dup2(null, i);
		if (null > 2)
			close(null);
	}
	pids = calloc((size_t)npids, sizeof(*pids));
	if (!m || !pids)
		_exit(1);

	/* wait until the supervisor has written our uid map and put us in
	 * the box's cgroup */
	nfds = 0;
	if (recv_fds(ctl, m, sizeof(*m), NULL, &nfds, NULL) <= 0 || m->type != MSG_GO)
		_exit(1);

	memset(m, 0, sizeof(*m));
	if (b->iso.cgroupns && unshare(CLONE_NEWCGROUP) < 0)
		b->iso.cgroupns = 0;	/* reported below as a note */
	if (sethostname("ipcgrade", 8) < 0) {
		me = (struct mnt_error){ .step = "sethostname", .err = errno };
		goto failed;
	}
	/* /work belongs to the programs' uid: 1000 here, or our own root
	 * when they get a user namespace of their own (where it is 1000) */
	if (mnt_build_root(src, ro, b->nested ? 0 : BOX_UID, b->nested ? 0 : BOX_GID,
			   &b->lim, &me) < 0)
		goto failed;
	if (src >= 0)
		close(src);
	if (ro >= 0)
		close(ro);
	if (b->nested && nest_user_namespace(&me) < 0)
		goto failed;
	prctl(PR_SET_DUMPABLE, 0);

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		me = (struct mnt_error){ .step = "signalfd", .err = errno };
		goto failed;
	}
	m->type = MSG_READY;
	m->others = b->iso.cgroupns;
	init_send(ctl, m);

	for (;;) {
		struct pollfd p[2] = { { .fd = ctl, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
		struct signalfd_siginfo si;
		ssize_t n;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (p[1].revents & POLLIN) {
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				;
			init_reap(ctl, pids, npids);
		}
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		nfds = 4;
		n = recv_fds(ctl, m, sizeof(*m), fds, &nfds, NULL);
		if (n <= 0)
			_exit(0);	/* the supervisor is gone: so is the box */
		if (m->type == MSG_SPAWN) {
			init_spawn(b, ctl, m, fds, nfds, pids, npids);
		} else {
			for (int i = 0; i < nfds; i++)
				close(fds[i]);
			if (m->type == MSG_COUNT) {
				struct msg r = { .type = MSG_COUNTED, .others = count_processes() };

				init_send(ctl, &r);
			} else if (m->type == MSG_OPEN) {
				init_open(ctl, m);
			} else if (m->type == MSG_READ) {
				init_read(ctl, m);
			} else if (m->type == MSG_SEMVAL) {
				/* a semaphore's value is not in /proc/sysvipc/sem */
				struct msg r = { .type = MSG_SEMVAL_DONE };
				int id = semget((key_t)m->size, 0, 0);
				int v = id < 0 ? -1 : semctl(id, m->id, GETVAL);

				r.status = v < 0 ? errno : 0;
				r.size = v;
				init_send(ctl, &r);
			}
		}
	}

failed:
	m->type = MSG_FAIL;
	m->status = me.err;
	m->bad_input = me.bad_input;
	snprintf(m->text, sizeof(m->text), "%s%s%s%s", me.step, me.path[0] ? " '" : "",
		 me.path, me.path[0] ? "'" : "");
	init_send(ctl, m);
	_exit(1);
}

/* ---- outside: the supervisor ---- */


static void note(struct box *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct box *b, const char *fmt, ...)
{
	va_list ap;

	if (b->iso.nnotes == 4)
		return;
	va_start(ap, fmt);
	vsnprintf(b->iso.notes[b->iso.nnotes++], sizeof(b->iso.notes[0]), fmt, ap);
	va_end(ap);
}

static int set_error(struct box_error *err, enum box_error_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int set_error(struct box_error *err, enum box_error_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->kind = kind;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int write_maps(pid_t pid, int root)
{
	char path[64], map[64];

	if (root) {
		/* init stays host root (it reads the caller's files and builds
		 * the root); the programs' uid 1000 is nobody on the host */
		snprintf(map, sizeof(map), "0 0 1\n%d 65534 1\n", BOX_UID);
		snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
		if (write_file(path, map) < 0)
			return -1;
		snprintf(map, sizeof(map), "0 0 1\n%d 65534 1\n", BOX_GID);
	} else {
		/* an unprivileged user may map its own uid only: it becomes
		 * init's root (the ipc sysctls want a mapped root), and each
		 * program nests a user namespace where it is uid 1000. Both
		 * are the same uid to the host: init is kept out of reach by
		 * being non-dumpable and handler-less, and by the filter. */
		snprintf(map, sizeof(map), "0 %d 1\n", (int)geteuid());
		snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
		if (write_file(path, map) < 0)
			return -1;
		snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
		if (write_file(path, "deny") < 0 && errno != ENOENT)
			return -1;
		snprintf(map, sizeof(map), "0 %d 1\n", (int)getegid());
	}
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	return write_file(path, map);
}

static int box_send(struct box *b, struct msg *m, size_t textlen, const int *fds, int nfds)
{
	return send_fds(b->ctl, m, offsetof(struct msg, text) + textlen, fds, nfds);
}

static void kill_box(struct box *b, enum box_status status, enum box_limit limit, int proc)
{
	if (b->finished)
		return;
	b->finished = 1;
	b->kill_status = status;
	b->kill_limit = limit;
	b->kill_proc = proc;
	/* SIGKILL to pid 1 of a pid namespace kills all of it; the kernel
	 * lets it through because we are outside */
	if (b->init_pid > 0)
		kill(b->init_pid, SIGKILL);
}

static int find_proc_by_pid(struct box *b, pid_t pid)
{
	for (int i = 0; i < b->nprocs; i++)
		if (b->procs[i].pid == pid)
			return i;
	return -1;
}

/* the program a process descends from, by its parents (never its name) */
static int owner_of(struct box *b, pid_t pid)
{
	char path[64], buf[512], *p;

	for (int depth = 0; pid > 1 && depth < 128; depth++) {
		int i = find_proc_by_pid(b, pid);

		if (i >= 0)
			return i;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		if (read_file(path, buf, sizeof(buf)) < 0 || !(p = strrchr(buf, ')')))
			return -1;
		if (sscanf(p + 2, "%*c %d", &pid) != 1)
			return -1;
	}
	return -1;
}

/* the executable's name, which a program cannot rename as it can its comm */
static void exe_name(pid_t pid, char *buf, size_t size)
{
	char path[64], target[PATH_MAX];
	ssize_t n;
	const char *base;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0) {
		snprintf(buf, size, "?");
		return;
	}
	target[n] = '\0';
	base = strrchr(target, '/');
	snprintf(buf, size, "%.31s", base ? base + 1 : target);
}

static void handle_notification(struct box *b, struct box_proc *p)
{
	struct box_violation *v;
	int owner;

	memset(b->req, 0, sizeof(*b->req));
	if (seccomp_notify_receive(p->listen_fd, b->req) < 0) {
		if (errno != EINTR && errno != ENOENT) {
			close(p->listen_fd);
			p->listen_fd = -1;
		}
		return;
	}
	owner = owner_of(b, (pid_t)b->req->pid);
	if (b->nviol < MAX_VIOLATIONS) {
		v = &b->viol[b->nviol++];
		v->pid = (pid_t)b->req->pid;
		v->proc = owner >= 0 ? owner : (int)(p - b->procs);
		exe_name(v->pid, v->process, sizeof(v->process));
		policy_syscall_name(b->req->data.nr, v->syscall, sizeof(v->syscall));
		policy_describe(&b->req->data, v->detail, sizeof(v->detail));
	}
	/* the run profile stops a program that breaks the rules; the build
	 * profile refuses the call and lets the compiler carry on */
	if (b->cfg.profile == POLICY_RUN &&
	    seccomp_notify_id_valid(p->listen_fd, b->req->id) == 0)
		kill((pid_t)b->req->pid, SIGKILL);
	memset(b->resp, 0, sizeof(*b->resp));
	b->resp->id = b->req->id;
	b->resp->error = -EPERM;
	seccomp_notify_respond(p->listen_fd, b->resp);
}

static void handle_report(struct box *b, struct box_proc *p)
{
	struct msg m;
	int fd = -1, nfds = 1;
	pid_t pid;
	ssize_t n = recv_fds(p->report_fd, &m, sizeof(m), &fd, &nfds, &pid);

	if (n <= 0) {
		close(p->report_fd);
		p->report_fd = -1;
		return;
	}
	if (m.type == MSG_HELLO && nfds == 1) {
		p->pid = pid;
		p->listen_fd = fd;
		(void)b;
	} else {
		if (nfds == 1)
			close(fd);
		if (m.type == MSG_FAIL) {
			p->exec_errno = m.status ? m.status : EIO;
			snprintf(p->verdict.message, sizeof(p->verdict.message), "%.*s",
				 (int)(n - (ssize_t)offsetof(struct msg, text)), m.text);
		}
	}
}

static void handle_output(struct box *b, struct box_proc *p, int stream)
{
	struct box_output *o = stream == 1 ? &p->out : &p->err;
	int *fd = stream == 1 ? &p->out_fd : &p->err_fd;
	char buf[65536];
	ssize_t n = xread(*fd, buf, sizeof(buf));

	if (n <= 0) {
		close(*fd);
		*fd = -1;
		o->eof = 1;
		return;
	}
	o->total += n;
	b->total_output += n;
	{
		int64_t room = b->lim.output_bytes - (int64_t)(p->out.len + p->err.len);
		size_t keep = room <= 0 ? 0 : (size_t)(n < room ? n : room);

		if (keep) {
			memcpy(o->data + o->len, buf, keep);
			o->len += keep;
			o->data[o->len] = '\0';
			if (b->echo)
				b->echo((int)(p - b->procs), stream, buf, keep, b->echo_data);
		}
	}
	if (b->total_output > b->lim.output_max)
		kill_box(b, BOX_OUTPUT, LIMIT_OUTPUT, (int)(p - b->procs));
}

static void record_exit(struct box *b, const struct msg *m);

static void handle_ctl(struct box *b)
{
	struct msg m;
	ssize_t n = recv_fds(b->ctl, &m, sizeof(m), NULL, NULL, NULL);

	if (n <= 0) {
		/* init is gone: killed by us, or it failed */
		if (!b->finished)
			b->init_lost = 1;
		close(b->ctl);
		b->ctl = -1;
		if (!b->finished)
			kill_box(b, BOX_INTERNAL, LIMIT_NONE, -1);
		return;
	}
	if (m.type == MSG_EXITED) {
		record_exit(b, &m);
		trace("program exited");
	} else if (m.type == MSG_COUNTED) {
		b->count_at_kill = m.others;
	}
}

static void record_exit(struct box *b, const struct msg *m)
{
	struct box_proc *p;

	if (m->id < 0 || m->id >= b->nprocs)
		return;
	p = &b->procs[m->id];
	p->done = 1;
	p->wait_status = m->status;
	p->cpu_ms = m->cpu_ms;
	p->maxrss_kib = m->maxrss_kib;
	p->ended_ms = now_ms();
	p->verdict.leftover = m->others;
}

/*
 * One request to init and its answer; exits that arrive meanwhile are
 * recorded. Returns 0 with *r filled (and *fd if one came), or -1.
 */
static int request(struct box *b, struct msg *m, size_t textlen, int want,
		   struct msg *r, int *fd)
{
	int nfds;
	ssize_t n;

	if (b->ctl < 0 || box_send(b, m, textlen, NULL, 0) < 0)
		return -1;
	for (;;) {
		int got = -1;

		nfds = 1;
		n = recv_fds(b->ctl, r, sizeof(*r), &got, &nfds, NULL);
		if (n <= 0) {
			kill_box(b, BOX_INTERNAL, LIMIT_NONE, -1);
			return -1;
		}
		if (r->type == want) {
			if (fd)
				*fd = nfds ? got : -1;
			else if (nfds)
				close(got);
			if (n < (ssize_t)sizeof(*r))
				((char *)r)[n] = '\0';
			return 0;
		}
		if (nfds)
			close(got);
		if (r->type == MSG_EXITED)
			record_exit(b, r);
	}
}

int box_stat(struct box *b, const char *path, struct box_stat *st)
{
	struct msg *m = calloc(2, sizeof(*m));
	int ret = -EIO;

	if (!m)
		return -ENOMEM;
	m->type = MSG_OPEN;
	snprintf(m->text, sizeof(m->text), "%s", path);
	if (request(b, m, strlen(m->text) + 1, MSG_OPENED, m + 1, NULL) == 0) {
		ret = -m[1].status;
		st->mode = (unsigned)m[1].mode;
		st->size = m[1].size;
	}
	free(m);
	return ret;
}

int box_open(struct box *b, const char *path)
{
	struct msg *m = calloc(2, sizeof(*m));
	int ret = -EIO, fd = -1;

	if (!m)
		return -ENOMEM;
	m->type = MSG_OPEN;
	m->status = 1;
	snprintf(m->text, sizeof(m->text), "%s", path);
	if (request(b, m, strlen(m->text) + 1, MSG_OPENED, m + 1, &fd) == 0)
		ret = m[1].status ? -m[1].status : fd >= 0 ? fd : -EIO;
	free(m);
	return ret;
}

ssize_t box_read(struct box *b, const char *path, char *buf, size_t size)
{
	struct msg *m = calloc(2, sizeof(*m));
	ssize_t ret = -EIO;

	if (!m)
		return -ENOMEM;
	m->type = MSG_READ;
	snprintf(m->text, sizeof(m->text), "%s", path);
	if (request(b, m, strlen(m->text) + 1, MSG_READ_DONE, m + 1, NULL) == 0) {
		if (m[1].status) {
			ret = -m[1].status;
		} else {
			size_t n = (size_t)m[1].size < size - 1 ? (size_t)m[1].size : size - 1;

			memcpy(buf, m[1].text, n);
			buf[n] = '\0';
			ret = (ssize_t)n;
		}
	}
	free(m);
	return ret;
}

int box_semval(struct box *b, long key, int num)
{
	struct msg *m = calloc(2, sizeof(*m));
	int ret = -EIO;

	if (!m)
		return -ENOMEM;
	m->type = MSG_SEMVAL;
	m->size = key;
	m->id = num;
	if (request(b, m, 0, MSG_SEMVAL_DONE, m + 1, NULL) == 0)
		ret = m[1].status ? -m[1].status : (int)m[1].size;
	free(m);
	return ret;
}

static int ask_count(struct box *b)
{
	struct msg m = { .type = MSG_COUNT };
	struct pollfd pfd = { .fd = b->ctl, .events = POLLIN };

	if (b->ctl < 0 || box_send(b, &m, 0, NULL, 0) < 0)
		return -1;
	b->count_at_kill = -1;
	/* init is ours and answers at once; the deadline only guards
	 * against a box that is already dying */
	while (b->count_at_kill < 0 && b->ctl >= 0 && poll(&pfd, 1, 1000) > 0)
		handle_ctl(b);
	return b->count_at_kill;
}

static void handle_timer(struct box *b)
{
	uint64_t ticks;

	if (xread(b->timer_fd, &ticks, sizeof(ticks)) < 0)
		return;
	if (b->cg.version == 0)
		ask_count(b);
	kill_box(b, BOX_TIME, LIMIT_WALL, -1);
}

int box_pump(struct box *b, int timeout_ms)
{
	return box_pump_with(b, timeout_ms, NULL, 0);
}

int box_pump_with(struct box *b, int timeout_ms, struct pollfd *extra, int nextra)
{
	struct pollfd pfd[2 + 4 * 64 + 16];
	struct { struct box_proc *p; int what; } who[2 + 4 * 64 + 16];
	int n = 0, ret;

	if (b->ctl >= 0) {
		pfd[n] = (struct pollfd){ .fd = b->ctl, .events = POLLIN };
		who[n++].what = 0;
	}
	if (b->timer_fd >= 0 && !b->finished) {
		pfd[n] = (struct pollfd){ .fd = b->timer_fd, .events = POLLIN };
		who[n++].what = 1;
	}
	for (int i = 0; i < b->nprocs && n + 4 <= (int)(sizeof(pfd) / sizeof(pfd[0])); i++) {
		struct box_proc *p = &b->procs[i];
		int fds[4] = { p->hold_output && !b->finished ? -1 : p->out_fd, p->err_fd,
			       p->report_fd, p->listen_fd };

		for (int k = 0; k < 4; k++) {
			if (fds[k] < 0)
				continue;
			pfd[n] = (struct pollfd){ .fd = fds[k], .events = POLLIN };
			who[n].p = p;
			who[n++].what = 2 + k;
		}
	}
	for (int i = 0; i < nextra && i < 16; i++) {
		pfd[n] = extra[i];
		who[n++].what = 6 + i;
	}
	if (n == 0)
		return 0;
	ret = poll(pfd, (nfds_t)n, timeout_ms);
	if (ret <= 0)
		return ret < 0 && errno != EINTR ? -1 : 0;
	for (int i = 0; i < n; i++) {
		if (who[i].what >= 6) {
			extra[who[i].what - 6].revents = pfd[i].revents;
			continue;
		}
		if (!pfd[i].revents)
			continue;
		switch (who[i].what) {
		case 0: handle_ctl(b); break;
		case 1: handle_timer(b); break;
		case 2: handle_output(b, who[i].p, 1); break;
		case 3: handle_output(b, who[i].p, 2); break;
		case 4: handle_report(b, who[i].p); break;
		case 5:
			if (pfd[i].revents & POLLIN)
				handle_notification(b, who[i].p);
			else {
				close(who[i].p->listen_fd);
				who[i].p->listen_fd = -1;
			}
			break;
		}
	}
	return ret;
}

static int wait_ready(struct box *b, struct box_error *err)
{
	struct msg m;
	ssize_t n = recv_fds(b->ctl, &m, sizeof(m), NULL, NULL, NULL);

	if (n > 0 && m.type == MSG_READY) {
		if (b->iso.cgroupns && !m.others) {
			b->iso.cgroupns = 0;
			note(b, "no cgroup namespace");
		}
		return 0;
	}
	if (n > 0 && m.type == MSG_FAIL) {
		m.text[sizeof(m.text) - 1] = '\0';
		if (m.bad_input)
			return set_error(err, BOX_EBADINPUT, "%s in '%s'", m.text,
					 b->cfg.copy_dir ? b->cfg.copy_dir : "");
		return set_error(err, BOX_EINTERNAL, "cannot build the box: %s: %s",
				 m.text, strerror(m.status));
	}
	return set_error(err, BOX_EINTERNAL, "the box's init died while starting");
}

static pid_t clone_init(struct box *b, int flags)
{
	/* a raw clone without a new stack behaves as fork(), in the new
	 * namespaces */
	(void)b;
	return (pid_t)syscall(SYS_clone, (unsigned long)(flags | SIGCHLD), NULL, NULL, NULL, NULL);
}

int box_new(const struct box_config *cfg, struct box **out, struct box_error *err)
{
	static unsigned counter;
	const int ns = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC |
		       CLONE_NEWNET | CLONE_NEWUTS;
	struct box *b = calloc(1, sizeof(*b));
	int sv[2] = { -1, -1 }, root = geteuid() == 0, ret;
	char name[64], why[256];
	struct msg go = { .type = MSG_GO };
	struct itimerspec its = { 0 };

	*out = NULL;
	if (!b)
		return set_error(err, BOX_EINTERNAL, "out of memory");
	b->cfg = *cfg;
	b->lim = cfg->limits;
	b->ctl = b->timer_fd = b->src_fd = b->ro_fd = -1;
	b->kill_proc = -1;
	b->count_at_kill = -1;
	if (seccomp_notify_alloc(&b->req, &b->resp) < 0) {
		set_error(err, BOX_EINTERNAL, "cannot allocate seccomp notification buffers");
		goto fail;
	}
	trace("start");
	ret = policy_compile(cfg->profile, cfg->delta, &b->bpf);
	trace("seccomp compiled");
	if (ret < 0) {
		set_error(err, BOX_EINTERNAL, "cannot build the seccomp filter: %s", strerror(-ret));
		goto fail;
	}
	if (cfg->copy_dir) {
		b->src_fd = open(cfg->copy_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (b->src_fd < 0) {
			set_error(err, BOX_EBADINPUT, "cannot open '%s': %s", cfg->copy_dir,
				  strerror(errno));
			goto fail;
		}
	}
	if (cfg->ro_dir) {
		b->ro_fd = open(cfg->ro_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (b->ro_fd < 0) {
			set_error(err, BOX_EINTERNAL, "cannot open '%s': %s", cfg->ro_dir,
				  strerror(errno));
			goto fail;
		}
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		set_error(err, BOX_EINTERNAL, "socketpair: %s", strerror(errno));
		goto fail;
	}

	snprintf(name, sizeof(name), "ipcgrade-%d-%u", (int)getpid(), counter++);
	trace("setup");
	if (cgroup_create(&b->cg, name, &b->lim, why, sizeof(why)) < 0)
		note(b, "%s: memory and process limits are enforced per process with rlimits", why);
	b->iso.cgroup = b->cg.version == 1 ? "v1" : b->cg.version == 2 ? "v2" : "none";

	b->iso.userns = 1;
	b->iso.cgroupns = 1;
	b->nested = !root;
	trace("cgroup created");
	b->init_pid = clone_init(b, ns);
	if (b->init_pid < 0 && root) {
		/* e.g. user namespaces disabled by sysctl: root can still have
		 * every other namespace */
		b->iso.userns = 0;
		b->nested = 0;
		note(b, "no user namespace (%s): the box's init runs as host root", strerror(errno));
		b->init_pid = clone_init(b, ns & ~CLONE_NEWUSER);
	}
	if (b->init_pid < 0) {
		set_error(err, BOX_EINTERNAL,
			  "cannot create the box's namespaces: %s (unprivileged user namespaces "
			  "may be disabled: sysctl user.max_user_namespaces, "
			  "kernel.unprivileged_userns_clone)", strerror(errno));
		goto fail;
	}
	if (b->init_pid == 0) {
		close(sv[0]);
		init_main(b, sv[1], b->src_fd, b->ro_fd);
	}
	trace("clone");
	close(sv[1]);
	sv[1] = -1;
	b->ctl = sv[0];
	b->iso.pidns = b->iso.mountns = b->iso.ipcns = b->iso.netns = b->iso.utsns = 1;
	b->iso.seccomp = 1;
	if (b->iso.userns && write_maps(b->init_pid, root) < 0) {
		set_error(err, BOX_EINTERNAL, "cannot write the box's uid map: %s", strerror(errno));
		goto fail;
	}
	trace("uid maps");
	if (b->cg.version && cgroup_attach(&b->cg, b->init_pid) < 0) {
		note(b, "cannot enter the box's cgroup (%s): limits per process only", strerror(errno));
		cgroup_remove(&b->cg);
		b->iso.cgroup = "none";
	}
	if (!b->cg.version)
		b->iso.cgroupns = 0;
	go.others = b->iso.cgroupns;
	trace("cgroup attach");
	if (box_send(b, &go, 0, NULL, 0) < 0 || wait_ready(b, err) < 0)
		goto fail;
	trace("root built");
	if (b->src_fd >= 0) {
		close(b->src_fd);
		b->src_fd = -1;
	}
	if (b->ro_fd >= 0) {
		close(b->ro_fd);
		b->ro_fd = -1;
	}

	b->started_ms = now_ms();
	b->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	its.it_value.tv_sec = b->lim.wall_ms / 1000;
	its.it_value.tv_nsec = (b->lim.wall_ms % 1000) * 1000000;
	if (b->timer_fd < 0 || timerfd_settime(b->timer_fd, 0, &its, NULL) < 0) {
		set_error(err, BOX_EINTERNAL, "timerfd: %s", strerror(errno));
		goto fail;
	}
	*out = b;
	return 0;

fail:
	if (sv[1] >= 0)
		close(sv[1]);
	if (b->ctl < 0 && sv[0] >= 0)
		close(sv[0]);
	box_free(b);
	return -1;
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
	for (m->argc = 0; s->argv[m->argc]; m->argc++) {
		size_t len = strlen(s->argv[m->argc]) + 1;

		if (used + len > sizeof(m->text) || m->argc == 255) {
			set_error(err, BOX_EBADINPUT, "the command line is too long");
			goto out;
		}
		memcpy(m->text + used, s->argv[m->argc], len);
		used += len;
	}
	if (m->argc == 0) {
		set_error(err, BOX_EBADINPUT, "no command to run");
		goto out;
	}
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, rep) < 0 ||
	    setsockopt(rep[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0) {
		set_error(err, BOX_EINTERNAL, "cannot make the program's pipes: %s", strerror(errno));
		goto out;
	}
	id = b->nprocs++;
	p = &b->procs[id];
	memset(p, 0, sizeof(*p));
	slash = strrchr(s->argv[0], '/');
	snprintf(p->name, sizeof(p->name), "%s", slash ? slash + 1 : s->argv[0]);
	p->out.data = malloc((size_t)b->lim.output_bytes + 1);
	p->err.data = malloc((size_t)b->lim.output_bytes + 1);
	p->out_fd = out[0];
	p->err_fd = errp[0];
	p->report_fd = rep[0];
	p->listen_fd = -1;
	p->verdict.exit_code = -1;
	out[0] = errp[0] = rep[0] = -1;
	if (!p->out.data || !p->err.data) {
		set_error(err, BOX_EINTERNAL, "out of memory");
		goto out;
	}
	p->out.data[0] = p->err.data[0] = '\0';

	m->type = MSG_SPAWN;
	m->id = id;
	m->has_stdin = s->stdin_fd >= 0;
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
		if (r.type == MSG_SPAWNED && r.id == id) {
			if (r.status) {
				set_error(err, BOX_EINTERNAL, "cannot fork in the box: %s",
					  strerror(r.status));
				goto out;
			}
			p->box_pid = r.pid;
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

static void make_verdict(struct box *b, int i)
{
	struct box_proc *p = &b->procs[i];
	struct box_verdict *v = &p->verdict;
	const struct box_violation *viol = NULL;
	int sig = 0, code = -1, oom = b->cgs.oom_kills > 0;
	char sn[32], lim[32];

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
		    (b->cg.version == 0 && b->count_at_kill >= b->lim.processes - 1))) {
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
	} else if (sig == SIGXCPU || (sig == SIGKILL && p->cpu_ms >= b->lim.cpu_ms)) {
		v->status = BOX_TIME;
		v->limit = LIMIT_CPU;
		SAY("%s used more than %.1f s of CPU time and was stopped (an endless loop, "
		    "or busy waiting?)", p->name, (double)b->lim.cpu_ms / 1000);
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
	} else if (sig == SIGXFSZ) {
		v->status = BOX_SIGNAL;
		v->limit = LIMIT_FILE_SIZE;
		human_kib(b->lim.file_size_kib, lim, sizeof(lim));
		SAY("%s was killed by SIGXFSZ: it wrote a file larger than the limit of %s",
		    p->name, lim);
	} else if (sig) {
		v->status = BOX_SIGNAL;
		SAY("%s was killed by %s (%s)", p->name, signame(sig, sn, sizeof(sn)),
		    strsignal(sig));
	} else if (code != 0 && b->cgs.pids_refused > 0) {
		v->status = BOX_PROCESSES;
		v->limit = LIMIT_PROCESSES;
		SAY("%s exited with status %d after the box refused to create more than %d "
		    "processes", p->name, code, b->lim.processes);
	} else if (code != 0) {
		v->status = BOX_EXIT;
		SAY("%s exited with status %d", p->name, code);
	} else {
		v->status = BOX_OK;
		SAY("%s exited with status 0", p->name);
	}
	if (v->leftover > 0 && v->status == BOX_OK) {
		size_t len = strlen(v->message);

		snprintf(v->message + len, sizeof(v->message) - len,
			 "; %d process%s it left running %s killed", v->leftover,
			 v->leftover == 1 ? "" : "es", v->leftover == 1 ? "was" : "were");
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
		while (waitpid(b->init_pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	b->reaped = 1;
	b->finished = 1;
	trace("init reaped");
	/* every process of the box is gone: what is still in the pipes and
	 * sockets ends in EOF */
	for (int i = 0; i < b->nprocs; i++) {
		struct box_proc *p = &b->procs[i];

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
	policy_release(&b->bpf);
	trace("freed");
	if (b->req)
		seccomp_notify_free(b->req, b->resp);
	free(b);
}

int box_nprocs(const struct box *b) { return b->nprocs; }
struct box_proc *box_proc(struct box *b, int i) { return &b->procs[i]; }
const struct box_isolation *box_isolation(const struct box *b) { return &b->iso; }
const struct box_limits *box_limits(const struct box *b) { return &b->lim; }
int box_nviolations(const struct box *b) { return b->nviol; }
const struct box_violation *box_violation(const struct box *b, int i) { return &b->viol[i]; }
int box_finished(const struct box *b) { return b->finished; }
pid_t box_init_pid(const struct box *b) { return b->init_pid; }

void box_set_echo(struct box *b, box_echo_fn *fn, void *data)
{
	b->echo = fn;
	b->echo_data = data;
}

int box_run(const struct box_config *cfg, const struct box_spawn *spawn,
	    box_echo_fn *echo, void *data, struct box **out, struct box_error *err)
{
	struct box *b;
	struct box_proc *p;

	*out = NULL;
	if (box_new(cfg, &b, err) < 0)
		return -1;
	box_set_echo(b, echo, data);
	if (box_spawn(b, spawn, err) < 0) {
		box_free(b);
		return -1;
	}
	p = box_proc(b, 0);
	/* until the program has ended, its report channel is done (so an
	 * exec failure is known) and the box has not been stopped */
	while (!b->finished && (!p->done || p->report_fd >= 0))
		if (box_pump(b, -1) < 0)
			break;
	box_finish(b);
	*out = b;
	return 0;
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
	};
	return names[l];
}
