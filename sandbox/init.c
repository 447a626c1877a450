/*
 * ipcbox-init: pid 1 of a box.
 *
 * The supervisor (start.c) starts this program from a sealed memfd image in
 * a child cloned with CLONE_VM|CLONE_VFORK into the box's new namespaces:
 * no copy of the supervisor's address space is made, and none of its
 * memory (another student's output, say) is ever in the box. Started with
 * fds 3 ctl, 4 and 5 the directories to copy (proto.h), init waits for
 * MSG_CONFIG, which comes once the supervisor has written its uid map and
 * put it in the box's cgroup; then it builds the root filesystem (mnt.c),
 * says READY and serves requests until ctl closes or it is killed.
 *
 * Programs are started the same way: a CLONE_VM|CLONE_VFORK child on a
 * stack of init's, which sets itself up (exec_child) and execs while init
 * waits. Between clone and exec the child reads the request it was given
 * and writes only its stack, errno, the reply buffer and the exec path;
 * init reads none of these after the spawn.
 *
 * init is not dumpable and installs no signal handlers, so nothing in the
 * box can signal, trace or read it; it dies with the supervisor
 * (PDEATHSIG), and the kernel then kills everything else in the box.
 *
 * In host mode (proto.h, host.h) there is no namespace to die with: init
 * is a subreaper, and when the supervisor says KILL or goes away (its end
 * of ctl closes) init kills every descendant before it exits.
 */
#define _GNU_SOURCE
#include "host.h"
#include "limits.h"
#include "mnt.h"
#include "proto.h"
#include "util.h"
#include "../common/io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const struct init_config *cfg;

/*
 * Every message init sends is built in this one buffer. A box's init is a
 * new process, and on a virtual machine each page it touches costs a fault
 * of about 13 us: messages on the stack (6 KiB each, several inlined into
 * main) made the stack-clash probes touch 26 pages at start-up.
 */
static struct msg reply;

static struct msg *reply_new(int type)
{
	memset(&reply, 0, offsetof(struct msg, text) + 1);
	reply.type = type;
	return &reply;
}

static char *box_env[] = {
	"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/work", "LANG=C",
	"USER=student", "LOGNAME=student", "TMPDIR=/tmp", NULL
};

/* the programs' directory, and their limits (host mode adjusts both) */
static char work_dir[PATH_MAX] = "/work";
static struct box_limits prog_limits;

/* host mode: the box's directory, which /work, /box and /tmp are below,
 * and the SysV objects there were before it */
static int host_fd = -1;
static struct host_snapshot *host_before;

/*
 * Where a path the supervisor names is, for the *at() calls: itself, or in
 * host mode the same path below the box's directory (resolve_flags then
 * keep it there).
 */
static int box_path(const char *path, const char **rel, unsigned long long *resolve_flags)
{
	const char *r = cfg->host ? host_relative(path) : NULL;

	*rel = r ? r : path;
	if (resolve_flags && r)
		*resolve_flags |= RESOLVE_BENEATH;
	return r ? host_fd : AT_FDCWD;
}

/* with IPCBOX_TRACE in the supervisor: when each step ends, on fd 2 */
static void trace(const char *step)
{
	struct timespec ts;
	char line[96];
	int n;

	if (!cfg || !cfg->trace)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	n = snprintf(line, sizeof(line), "ipcbox-trace:   %-18s %8lld\n", step,
		     (long long)((ts.tv_sec * 1000000 + ts.tv_nsec / 1000) % 100000000));
	if (n > 0)
		(void)!write(2, line, (size_t)n);
}

/* in the program's child: init is waiting for us, so reply is ours */
static void __attribute__((noreturn)) child_fail(int report, const char *step)
{
	int err = errno;
	struct msg *m = reply_new(MSG_FAIL);

	m->fail.err = err;
	snprintf(m->text, sizeof(m->text), "%s", step);
	send_fds(report, m, offsetof(struct msg, text) + strlen(m->text) + 1, NULL, 0);
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
 * its limits, its identity, and the seccomp filter last. The signal
 * dispositions are init's, all default (main), and the bounding set is
 * already empty (drop_bounding_set): each costs 64 system calls.
 */
static void __attribute__((noreturn))
exec_child(const struct msg *m, int in, int out, int err, int report)
{
	char *argv[256];
	const char *p = m->text;
	sigset_t none;
	int listener, fds[4] = { in, out, err, report };

	trace("child forked");
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* the first program of a process group, as a shell's job is, in
	 * init's session: not a session leader, so that its own
	 * setpgid(0, 0) works as it does outside, and killpg() of its group
	 * reaches it and its children only */
	setpgid(0, 0);

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
	if (syscall(SYS_close_range, 4, ~0U, 0) < 0)
		child_fail(report, "close_range");

	if (chdir(work_dir) < 0)
		child_fail(report, "chdir /work");
	umask(022);
	if (limits_apply(&prog_limits, cfg->have_cgroup) < 0)
		child_fail(report, "setrlimit");

	/* identity: while still privileged, empty the ambient set (the
	 * bounding set is empty already); then become the box's user; then
	 * drop whatever is left */
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (cfg->set_identity && setgroups(0, NULL) < 0 && errno != EPERM)
		child_fail(report, "setgroups");
	if (cfg->set_identity && setresgid(cfg->gid, cfg->gid, cfg->gid) < 0)
		child_fail(report, "setresgid");
	if (cfg->set_identity && setresuid(cfg->uid, cfg->uid, cfg->uid) < 0)
		child_fail(report, "setresuid");
	if (drop_capabilities() < 0)
		child_fail(report, "capset");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(report, "no_new_privs");

	for (int i = 0; i < m->spawn.argc && i < 255; i++) {
		argv[i] = (char *)p;
		p += strlen(p) + 1;
	}
	argv[m->spawn.argc < 255 ? m->spawn.argc : 255] = NULL;

	/* last: from here on every call goes through the filter, and the
	 * first one must be the sendmsg that hands the listener over */
	{
		struct sock_fprog prog = { .len = (unsigned short)cfg->filter_len,
					   .filter = (struct sock_filter *)cfg->filter };

		listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
					SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	}
	if (listener < 0)
		child_fail(report, "load seccomp filter");
	if (send_fds(report, reply_new(MSG_HELLO), offsetof(struct msg, text), &listener, 1) < 0)
		child_fail(report, "send seccomp listener");
	close(listener);
	/* a path the supervisor names is the box's; argv[0] stays as given */
	if (strchr(argv[0], '/')) {
		/* host_fd is closed by now: the box's directory by name */
		const char *rel = cfg->host ? host_relative(argv[0]) : NULL;
		static char exe[PATH_MAX];

		if (rel)
			snprintf(exe, sizeof(exe), "%s/%s", cfg->hostdir, rel);
		execve(rel ? exe : argv[0], argv, box_env);
	} else {
		execvpe(argv[0], argv, box_env);
	}
	child_fail(report, "exec");
}

/* ---- inside: init ---- */

/*
 * Host mode: no namespace to die with, so no PDEATHSIG (we must outlive
 * the supervisor long enough to kill the box's processes), a subreaper so
 * that no descendant leaves our tree, and the box's directory instead of a
 * root. RLIMIT_NPROC counts every process of the user, so the box's share
 * is added to what the user already runs.
 */
static int host_setup(int src, int ro, struct mnt_error *me)
{
	static char home[PATH_MAX + 8], tmp[PATH_MAX + 8];
	int running = host_count_processes(cfg->uid);

	prctl(PR_SET_PDEATHSIG, 0);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		*me = (struct mnt_error){ .step = "become a subreaper", .err = errno };
		return -1;
	}
	if (!(host_before = host_snapshot(cfg->uid))) {
		*me = (struct mnt_error){ .step = "list SysV objects", .err = ENOMEM };
		return -1;
	}
	if (mnt_build_host(cfg->hostdir, src, ro, cfg->uid, cfg->gid, me) < 0)
		return -1;
	host_fd = open(cfg->hostdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (host_fd < 0) {
		*me = (struct mnt_error){ .step = "open", .err = errno };
		snprintf(me->path, sizeof(me->path), "%s", cfg->hostdir);
		return -1;
	}
	snprintf(work_dir, sizeof(work_dir), "%s/work", cfg->hostdir);
	snprintf(home, sizeof(home), "HOME=%s/work", cfg->hostdir);
	snprintf(tmp, sizeof(tmp), "TMPDIR=%s/tmp", cfg->hostdir);
	box_env[1] = home;
	box_env[5] = tmp;
	if (running > 0)
		prog_limits.processes += running;
	return 0;
}

/*
 * Once for all programs: nothing started from init may ever gain a
 * capability by exec. init keeps the ones it holds (the bounding set
 * limits only what exec grants).
 */
static int drop_bounding_set(void)
{
	for (int cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return errno == EINVAL && cap > 0 ? 0 : -1;	/* past the last */
	return 0;
}

/* MNT_PROC_BOUND: /proc shows more than the box */
static int proc_bound;

/* the box's processes but init, zombies included */
static int count_processes(void)
{
	DIR *d;
	struct dirent *de;
	int n = 0;

	if (cfg->host || proc_bound)
		return host_count_descendants();
	if (!(d = opendir("/proc")))
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

struct spawn_args {
	const struct msg *m;
	const int *fds;
};

static int spawn_child(void *arg)
{
	const struct spawn_args *a = arg;

	exec_child(a->m, a->m->spawn.has_stdin ? a->fds[0] : -1, a->fds[1], a->fds[2], a->fds[3]);
}

/*
 * Start a program without copying init's address space: the child runs on
 * this stack until it execs (or fails and exits), and we wait meanwhile.
 */
static void init_spawn(int ctl, struct msg *m, int *fds, int nfds, pid_t *pids, int npids)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	struct spawn_args a = { m, fds };
	int status = 0;
	pid_t pid = 0;
	struct msg *r;

	if (nfds != 4 || m->spawn.id < 0 || m->spawn.id >= npids) {
		status = EINVAL;
	} else {
		pid = clone(spawn_child, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
		if (pid < 0)
			status = errno;
		else
			pids[m->spawn.id] = pid;
	}
	for (int i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	r = reply_new(MSG_SPAWNED);
	r->spawned.id = m->spawn.id;
	r->spawned.err = status;
	r->spawned.pid = pid > 0 ? pid : 0;
	init_send(ctl, r);
}

/*
 * Open a path of the box for the supervisor, never through a symlink:
 * for_reading 0 asks for O_PATH (what the path is), 1 for reading a
 * regular file. The descriptor goes back with the file's type and size.
 */
static void init_open(int ctl, struct msg *m)
{
	struct open_how how = {
		.flags = (m->open.for_reading ? O_RDONLY | O_NONBLOCK : O_PATH) | O_CLOEXEC | O_NOFOLLOW,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	struct msg *r = reply_new(MSG_OPENED);
	struct stat st;
	const char *path;
	int fd, dir;

	m->text[sizeof(m->text) - 1] = '\0';
	dir = box_path(m->text, &path, &how.resolve);
	fd = (int)syscall(SYS_openat2, dir, path, &how, sizeof(how));
	if (fd < 0 && errno == ELOOP && !m->open.for_reading) {
		/* the path is itself a symlink: say so rather than fail */
		if (fstatat(dir, path, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			r->opened.mode = (int)st.st_mode;
			r->opened.size = st.st_size;
		} else {
			r->opened.err = errno;
		}
		init_send(ctl, r);
		return;
	}
	if (fd < 0 || fstat(fd, &st) < 0) {
		r->opened.err = errno;
	} else if (m->open.for_reading && !S_ISREG(st.st_mode)) {
		r->opened.err = EINVAL;
	} else {
		r->opened.mode = (int)st.st_mode;
		r->opened.size = st.st_size;
	}
	if (r->opened.err == 0 && m->open.for_reading) {
		if (send_fds(ctl, r, offsetof(struct msg, text), &fd, 1) < 0)
			_exit(1);
	} else {
		init_send(ctl, r);
	}
	if (fd >= 0)
		close(fd);
}

/* Read a small file as seen from inside (ns_last_pid answers per reader) */
static void init_read(int ctl, struct msg *m)
{
	struct msg *r = reply_new(MSG_READ_DONE);
	const char *path;
	int fd, dir;
	ssize_t n = -1;

	m->text[sizeof(m->text) - 1] = '\0';
	dir = box_path(m->text, &path, NULL);
	fd = openat(dir, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd >= 0) {
		n = xread_full(fd, r->text, sizeof(r->text) - 1);
		close(fd);
	}
	if (n < 0)
		r->read_done.err = errno;
	else
		r->read_done.len = n;
	if (send_fds(ctl, r, offsetof(struct msg, text) + (n > 0 ? (size_t)n : 0), NULL, 0) < 0)
		_exit(1);
}

struct exit_record {
	int id, status, pid, full;
	int64_t cpu_ms, maxrss_kib;
};

/*
 * A program killed by SIGBUS (or a shell whose child was) most often
 * touched a page of a shared mapping that its tmpfs had no room for: say
 * which one was full, while its files are still there (a file already
 * unlinked is freed with the mapping, and is then not seen).
 */
static int full_filesystems(int status)
{
	static const struct { const char *path; int bit; } fs[] = {
		{ "/dev/shm", EXIT_FULL_SHM }, { "/", EXIT_FULL_ROOT },
	};
	int full = 0;

	/* a shell says 128 + SIGBUS for its child */
	if (cfg->host || !((WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS) ||
			   (WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGBUS)))
		return 0;
	for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
		struct statfs s;

		/* a few pages may have been freed meanwhile by others */
		if (statfs(fs[i].path, &s) == 0 && s.f_blocks > 0 &&
		    (uint64_t)s.f_bavail * (uint64_t)s.f_bsize < 64 * 1024)
			full |= fs[i].bit;
	}
	return full;
}

static void send_exits(int ctl, const struct exit_record *x, int n, int unwaited)
{
	int others = count_processes();

	for (int k = 0; k < n; k++) {
		struct msg *r = reply_new(MSG_EXITED);

		r->exited.id = x[k].id;
		r->exited.wait_status = x[k].status;
		r->exited.pid = x[k].pid;
		r->exited.cpu_ms = x[k].cpu_ms;
		r->exited.maxrss_kib = x[k].maxrss_kib;
		r->exited.full = x[k].full;
		r->exited.left = others;
		r->exited.unwaited = unwaited;
		init_send(ctl, r);
	}
}

/*
 * Reap everything; the programs' exits go to the supervisor, with how many
 * processes are still in the box once they are all counted, and how many
 * zombies of others were reaped with them. A parent that exits without
 * waiting for its ended children hands them to us: the kernel reparents
 * them before the parent itself becomes a zombie, in one step, so when we
 * see the parent's exit its unwaited children are already ours and this
 * pass reaps them too. Whatever we reap that we never started ended
 * without its parent's wait().
 */
static void init_reap(int ctl, pid_t *pids, int npids)
{
	struct exit_record x[16];
	int n = 0, status, unwaited = 0;
	struct rusage ru;
	pid_t pid;

	while ((pid = wait4(-1, &status, WNOHANG, &ru)) > 0) {
		int ours = 0;

		for (int i = 0; i < npids; i++) {
			if (pids[i] != pid)
				continue;
			ours = 1;
			pids[i] = 0;
			if (n == 16) {	/* rare, but keep every exit */
				send_exits(ctl, x, n, unwaited);
				n = 0;
			}
			x[n++] = (struct exit_record){
				.id = i, .status = status, .pid = pid,
				.full = full_filesystems(status),
				.cpu_ms = (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
					  (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000,
				.maxrss_kib = ru.ru_maxrss,
			};
		}
		unwaited += !ours;
	}
	if (n)
		send_exits(ctl, x, n, unwaited);
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

int main(void)
{
	/* static, not on the stack: see reply */
	static union {
		struct init_config c;
		char room[sizeof(struct init_config) + MAX_FILTER_LEN * sizeof(struct sock_filter)];
	} config_buf;
	struct init_config *config = &config_buf.c;
	static struct msg request;
	static pid_t pids[1024];
	struct msg *m = &request, *r;
	struct mnt_error me;
	int npids = 1024, sfd, fds[4], nfds, cgroupns;
	unsigned degraded = 0;
	int no_hostname = 0;
	int ctl = INIT_CTL_FD, src = INIT_SRC_FD, ro = INIT_RO_FD;
	sigset_t chld;
	ssize_t got;

	/* die with the supervisor; the kernel then kills the whole box */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* a session of the box's own, without the caller's terminal, for
	 * the programs' process groups (exec_child) */
	setsid();
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	umask(022);
	/* what we were started with (proto.h); none of it reaches a program */
	if (fcntl(ctl, F_SETFD, FD_CLOEXEC) < 0)
		_exit(1);
	if (fcntl(src, F_SETFD, FD_CLOEXEC) < 0)
		src = -1;
	if (fcntl(ro, F_SETFD, FD_CLOEXEC) < 0)
		ro = -1;

	/* the configuration comes once the supervisor has written our uid
	 * map and put us in the box's cgroup */
	nfds = 0;
	got = recv_fds(ctl, &config_buf, sizeof(config_buf), NULL, &nfds, NULL);
	if (got < (ssize_t)sizeof(*config) || config->type != MSG_CONFIG ||
	    config->filter_len == 0 || config->filter_len > MAX_FILTER_LEN ||
	    (size_t)got != sizeof(*config) + config->filter_len * sizeof(config->filter[0]))
		_exit(1);
	config->hostdir[sizeof(config->hostdir) - 1] = '\0';
	cfg = config;
	prog_limits = cfg->limits;
	trace("init configured");
	if (cfg->host) {
		if (host_setup(src, ro, &me) < 0)
			goto failed;
		cgroupns = 0;
		goto serve;
	}

	cgroupns = cfg->cgroupns;
	if (cgroupns && unshare(CLONE_NEWCGROUP) < 0)
		cgroupns = 0;	/* the supervisor makes it a note */
	/* a container's seccomp profile may refuse it even in our own uts
	 * namespace; the name is cosmetic, the namespace is still ours */
	if (sethostname("ipcgrade", 8) < 0) {
		if (errno != EPERM) {
			me = (struct mnt_error){ .step = "sethostname", .err = errno };
			goto failed;
		}
		no_hostname = 1;
	}
	/* /work belongs to the programs' uid: 1000 here, or our own root
	 * when they get a user namespace of their own (where it is 1000) */
	if (mnt_build_root(src, ro, cfg->nested ? 0 : BOX_UID, cfg->nested ? 0 : BOX_GID,
			   &cfg->limits, &degraded, &me) < 0)
		goto failed;
	if (src >= 0)
		close(src);
	if (ro >= 0)
		close(ro);
	trace("root built");
	if (cfg->nested && nest_user_namespace(&me) < 0)
		goto failed;
serve:
	prctl(PR_SET_DUMPABLE, 0);

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		me = (struct mnt_error){ .step = "signalfd", .err = errno };
		goto failed;
	}
	r = reply_new(MSG_READY);
	r->ready.cgroupns = cgroupns;
	snprintf(r->text, sizeof(r->text), "%s", mnt_skipped());
	r->ready.degraded = degraded | (no_hostname ? MNT_NO_HOSTNAME : 0);
	proc_bound = (degraded & MNT_PROC_BOUND) != 0;
	init_send(ctl, r);
	/* while the supervisor prepares its first request; a program is
	 * never started with a capability left in the set (an ordinary
	 * user's host mode has none to give, and no right to change it) */
	if (cfg->set_identity && drop_bounding_set() < 0)
		_exit(1);

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
		if (n <= 0 || m->type == MSG_KILL) {
			/* the supervisor is gone or done: so is the box; with
			 * namespaces the kernel kills the rest when we exit */
			if (cfg->host) {
				/* each program's process group first, in one
				 * step each: a fork loop cannot outrun it as it
				 * can a walk of the tree. A program not yet
				 * reaped still owns its group's number */
				for (int i = 0; i < npids; i++)
					if (pids[i] > 0)
						kill(-pids[i], SIGKILL);
				host_kill_all();
				host_cleanup(host_before);
			}
			_exit(0);
		}
		if (m->type == MSG_SPAWN) {
			init_spawn(ctl, m, fds, nfds, pids, npids);
		} else {
			for (int i = 0; i < nfds; i++)
				close(fds[i]);
			if (m->type == MSG_COUNT) {
				int others = count_processes();

				r = reply_new(MSG_COUNTED);
				r->counted.left = others;
				init_send(ctl, r);
			} else if (m->type == MSG_OPEN) {
				init_open(ctl, m);
			} else if (m->type == MSG_READ) {
				init_read(ctl, m);
			} else if (m->type == MSG_SEMVAL) {
				/* a semaphore's value is not in /proc/sysvipc/sem */
				int id = semget((key_t)m->semval.key, 0, 0);
				int v = id < 0 ? -1 : semctl(id, m->semval.num, GETVAL);
				int err = v < 0 ? errno : 0;

				r = reply_new(MSG_SEMVAL_DONE);
				r->semval_done.err = err;
				r->semval_done.value = v;
				init_send(ctl, r);
			}
		}
	}

failed:
	r = reply_new(MSG_FAIL);
	r->fail.err = me.err;
	r->fail.bad_input = me.bad_input;
	snprintf(r->text, sizeof(r->text), "%s%s%s%s", me.step, me.path[0] ? " '" : "",
		 me.path, me.path[0] ? "'" : "");
	init_send(ctl, r);
	_exit(1);
}

