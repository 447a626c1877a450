#define _GNU_SOURCE
#include "policy.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The namespace flags a student's clone() may not carry. */
#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | \
		  CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP)

enum cond {
	ANY,		/* no condition on the arguments */
	AF_UNIX_ONLY,	/* arg 0 is AF_UNIX */
	FIFO_ARG1,	/* mknod: the mode in arg 1 makes a FIFO */
	FIFO_ARG2,	/* mknodat: the mode in arg 2 makes a FIFO */
	NO_NS_FLAGS,	/* clone: no namespace flags in arg 0 */
	NOT_ALL,	/* kill: arg 0 is not -1 (every process in the box) */
	SELF_ONLY,	/* prlimit64: arg 0 is 0, the calling process */
	NOT_TIOCSTI,	/* ioctl: not pushing input into a terminal */
	NETLINK_ROUTE_RAW,	/* socket: AF_NETLINK, SOCK_RAW, NETLINK_ROUTE only */
	ENOSYS_ALWAYS,	/* refused quietly so libc falls back */
};

/* the suffix after a name in a group's list, e.g. "socket:unix" */
static const struct { const char *suffix; enum cond cond; } conds[] = {
	{ "unix", AF_UNIX_ONLY }, { "fifo1", FIFO_ARG1 }, { "fifo2", FIFO_ARG2 },
	{ "nons", NO_NS_FLAGS }, { "notall", NOT_ALL }, { "self", SELF_ONLY },
	{ "notiocsti", NOT_TIOCSTI }, { "enosys", ENOSYS_ALWAYS },
	{ "mqnetlink", NETLINK_ROUTE_RAW },
};

struct group {
	const char *reason;
	const char *calls;	/* names separated by spaces, name:cond */
};

/*
 * The run profile: every group says why a program of an IPC lab needs it.
 * Anything absent is reported to the supervisor as a forbidden call.
 */
static const struct group run_groups[] = {
	{ "reading and writing descriptors is what every program does",
	  "read write readv writev pread64 pwrite64 preadv pwritev preadv2 "
	  "pwritev2 lseek close close_range dup dup2 dup3 fcntl sendfile splice "
	  "tee vmsplice copy_file_range fsync fdatasync sync_file_range flock "
	  "ftruncate truncate fallocate fadvise64 readahead" },
	{ "isatty() and FIONREAD use ioctl; TIOCSTI would type into a terminal",
	  "ioctl:notiocsti" },
	{ "files and directories in the box's own tmpfs",
	  "open openat openat2 creat stat fstat lstat newfstatat statx access "
	  "faccessat faccessat2 readlink readlinkat getdents getdents64 getcwd "
	  "chdir fchdir mkdir mkdirat rmdir unlink unlinkat rename renameat "
	  "renameat2 link linkat symlink symlinkat chmod fchmod fchmodat chown "
	  "fchown fchownat lchown umask utime utimes utimensat futimesat statfs "
	  "fstatfs getxattr lgetxattr fgetxattr listxattr llistxattr flistxattr "
	  "memfd_create inotify_init inotify_init1 inotify_add_watch "
	  "inotify_rm_watch" },
	{ "mkfifo(3) is mknod with S_IFIFO; device nodes are not",
	  "mknod:fifo1 mknodat:fifo2" },
	{ "memory: malloc, mmap (MAP_SHARED included), shared libraries",
	  "brk mmap munmap mprotect mremap madvise msync mincore mlock munlock "
	  "mlock2 mlockall munlockall membarrier get_mempolicy" },
	{ "libnuma, which procps (ps, top, pgrep, pmap) loads, probes the NUMA "
	  "policy at start-up; it places only the caller's own memory",
	  "set_mempolicy" },
	{ "fork and exec; clone only without namespace flags",
	  "fork vfork clone:nons execve execveat exit exit_group wait4 waitid" },
	{ "clone3 passes its flags in memory, which a filter cannot read: "
	  "ENOSYS makes libc fall back to clone",
	  "clone3:enosys" },
	{ "process identity, limited by the kernel to what the box's uid may do",
	  "getpid getppid gettid getuid geteuid getgid getegid getresuid "
	  "getresgid getgroups setuid setgid setreuid setregid setresuid "
	  "setresgid getpgid getpgrp setpgid setsid getsid capget uname sysinfo "
	  "getrandom getcpu" },
	{ "threads and the C runtime",
	  "arch_prctl set_tid_address set_robust_list get_robust_list rseq futex "
	  "futex_waitv prctl restart_syscall" },
	{ "scheduling and resource queries; limits only of the caller itself",
	  "sched_yield sched_getaffinity sched_setaffinity sched_getparam "
	  "sched_getscheduler sched_getattr sched_rr_get_interval "
	  "sched_get_priority_max sched_get_priority_min "
	  "getpriority setpriority getrlimit setrlimit prlimit64:self getrusage "
	  "times" },
	{ "changing a scheduling policy or priority: the kernel lets the box's uid "
	  "touch only its own processes, no capability lifts a program above "
	  "SCHED_OTHER, and the hard RLIMIT_RTPRIO and RLIMIT_NICE of 0 keep it from "
	  "raising its priority, so only lowering it (SCHED_BATCH, SCHED_IDLE) works; "
	  "sched_setattr stays refused (deadline and utilisation-clamp knobs no lab needs)",
	  "sched_setscheduler sched_setparam" },
	{ "signals: handlers, masks, waiting, sending inside the box; "
	  "kill(-1) would take down every process of the scenario",
	  "rt_sigaction rt_sigprocmask rt_sigreturn rt_sigpending rt_sigsuspend "
	  "rt_sigtimedwait rt_sigqueueinfo rt_tgsigqueueinfo sigaltstack "
	  "kill:notall tkill tgkill pause alarm signalfd signalfd4 pidfd_open "
	  "pidfd_send_signal" },
	{ "clocks, timers and sleeps",
	  "nanosleep clock_nanosleep clock_gettime clock_getres gettimeofday "
	  "time getitimer setitimer timer_create timer_settime timer_gettime "
	  "timer_getoverrun timer_delete timerfd_create timerfd_settime "
	  "timerfd_gettime" },
	{ "waiting on several descriptors",
	  "poll ppoll select pselect6 epoll_create epoll_create1 epoll_ctl "
	  "epoll_wait epoll_pwait epoll_pwait2 eventfd eventfd2" },
	{ "pipes", "pipe pipe2" },
	{ "SysV queues, segments and semaphores: the box has its own ipc namespace",
	  "msgget msgsnd msgrcv msgctl shmget shmat shmdt shmctl semget semop "
	  "semtimedop semctl" },
	{ "POSIX message queues",
	  "mq_open mq_unlink mq_timedsend mq_timedreceive mq_notify "
	  "mq_getsetattr" },
	{ "mq_notify(SIGEV_THREAD): the C library receives the notification on a "
	  "raw NETLINK_ROUTE socket of its own; no other netlink protocol or type. "
	  "The box's network namespace has nothing but a loopback, which needs a "
	  "capability to change, as does sending to another socket (in host mode "
	  "it reads the host's interfaces, which /proc/net shows anyway)",
	  "socket:mqnetlink" },
	{ "Unix domain sockets only: no network",
	  "socket:unix socketpair:unix bind listen accept accept4 connect "
	  "getsockname getpeername sendto recvfrom sendmsg recvmsg sendmmsg "
	  "recvmmsg shutdown setsockopt getsockopt" },
	{ NULL, NULL }
};

/*
 * The build profile adds nothing today: make, gcc, cc1, as, ld and collect2
 * use only calls the run profile has (strace -f of a build, tests/box-legit.t
 * builds for real). It differs in what happens on a denied call: refused
 * with EPERM and reported, not killed, since a compiler probing an optional
 * feature should not fail the build.
 */
static const struct group build_groups[] = {
	{ NULL, NULL }
};

static int add_rule(scmp_filter_ctx ctx, const char *name, enum cond cond)
{
	int nr = seccomp_syscall_resolve_name(name);
	uint32_t allow = SCMP_ACT_ALLOW;

	if (nr == __NR_SCMP_ERROR)
		return 0;	/* not a call on this architecture */
	switch (cond) {
	case ANY:
		return seccomp_rule_add(ctx, allow, nr, 0);
	case AF_UNIX_ONLY:
		return seccomp_rule_add(ctx, allow, nr, 1,
					SCMP_A0_32(SCMP_CMP_EQ, AF_UNIX));
	case FIFO_ARG1:
		return seccomp_rule_add(ctx, allow, nr, 1,
					SCMP_A1_32(SCMP_CMP_MASKED_EQ, S_IFMT, S_IFIFO));
	case FIFO_ARG2:
		return seccomp_rule_add(ctx, allow, nr, 1,
					SCMP_A2_32(SCMP_CMP_MASKED_EQ, S_IFMT, S_IFIFO));
	case NO_NS_FLAGS:
		return seccomp_rule_add(ctx, allow, nr, 1,
					SCMP_A0_64(SCMP_CMP_MASKED_EQ, NS_FLAGS, 0));
	case NOT_ALL:
		return seccomp_rule_add(ctx, allow, nr, 1,
					SCMP_A0_32(SCMP_CMP_NE, (uint32_t)-1));
	case SELF_ONLY:
		return seccomp_rule_add(ctx, allow, nr, 1,
					SCMP_A0_32(SCMP_CMP_EQ, 0));
	case NOT_TIOCSTI:
		return seccomp_rule_add(ctx, allow, nr, 1,
					SCMP_A1_32(SCMP_CMP_NE, TIOCSTI));
	case NETLINK_ROUTE_RAW:
		return seccomp_rule_add(ctx, allow, nr, 3,
					SCMP_A0_32(SCMP_CMP_EQ, AF_NETLINK),
					SCMP_A1_32(SCMP_CMP_MASKED_EQ, 0xf, SOCK_RAW),
					SCMP_A2_32(SCMP_CMP_EQ, NETLINK_ROUTE));
	case ENOSYS_ALWAYS:
		return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
	}
	return -EINVAL;
}

static int in_list(const char *const *list, const char *name)
{
	for (; list && *list; list++)
		if (!strcmp(*list, name))
			return 1;
	return 0;
}

static int add_groups(scmp_filter_ctx ctx, const struct group *g,
		      const char *const *deny, const char *const *notify)
{
	for (; g->calls; g++) {
		const char *p = g->calls;

		while (*p) {
			char name[64], *colon;
			size_t len = strcspn(p, " ");
			enum cond cond = ANY;
			int ret;

			if (len == 0 || len >= sizeof(name))
				return -EINVAL;
			memcpy(name, p, len);
			name[len] = '\0';
			p += len + strspn(p + len, " ");
			colon = strchr(name, ':');
			if (colon) {
				size_t i;

				*colon++ = '\0';
				for (i = 0; i < sizeof(conds) / sizeof(conds[0]); i++)
					if (!strcmp(conds[i].suffix, colon))
						break;
				if (i == sizeof(conds) / sizeof(conds[0]))
					return -EINVAL;
				cond = conds[i].cond;
			}
			if (in_list(deny, name) || in_list(notify, name))
				continue;
			ret = add_rule(ctx, name, cond);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

static int export_bpf(scmp_filter_ctx ctx, struct policy_bpf *out)
{
	int fd = memfd_create("policy", MFD_CLOEXEC);
	off_t size;
	int ret = 0;

	if (fd < 0)
		return -errno;
	ret = seccomp_export_bpf(ctx, fd);
	if (ret < 0)
		goto out;
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) ||
	    size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS) {
		ret = -E2BIG;
		goto out;
	}
	out->insns = malloc((size_t)size);
	if (!out->insns) {
		ret = -ENOMEM;
		goto out;
	}
	if (pread(fd, out->insns, (size_t)size, 0) != size) {
		free(out->insns);
		out->insns = NULL;
		ret = -EIO;
		goto out;
	}
	out->len = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
out:
	close(fd);
	return ret;
}

/*
 * The profiles without a delta, compiled by build/policygen when ipcgrade
 * is built (with the same libseccomp, for the same architecture): building
 * a filter with libseccomp costs a millisecond, a third of a box. Weak, so
 * that policygen itself links without them.
 */
extern const struct policy_bpf policy_prebuilt[] __attribute__((weak));

static int copy_prebuilt(enum policy_profile profile, struct policy_bpf *out)
{
	const struct policy_bpf *pre;
	size_t size;

	if (!policy_prebuilt || getenv("IPCBOX_NO_PREBUILT"))
		return -1;
	pre = &policy_prebuilt[profile];
	size = pre->len * sizeof(struct sock_filter);
	if (!pre->len || !(out->insns = malloc(size)))
		return -1;
	memcpy(out->insns, pre->insns, size);
	out->len = pre->len;
	return 0;
}

int policy_compile(enum policy_profile profile, const struct policy_delta *delta,
		   struct policy_bpf *out)
{
	const char *const *deny = delta ? delta->deny : NULL;
	const char *const *notify = delta ? delta->notify : NULL;
	scmp_filter_ctx ctx;
	int ret;

	out->insns = NULL;
	out->len = 0;
	if (!delta && copy_prebuilt(profile, out) == 0)
		return 0;
	ctx = seccomp_init(SCMP_ACT_NOTIFY);
	if (!ctx)
		return -ENOMEM;
	/* a 32-bit call (int 0x80) would bypass every rule above */
	ret = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (ret < 0)
		goto out;
	/* a binary tree rather than a list: the kernel runs the filter for
	 * every system call number when it is loaded (to cache the calls
	 * that are always allowed), and for every call a program makes */
	ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (ret < 0)
		goto out;
	/* the child sets no_new_privs itself, before the raw load */
	ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (ret < 0)
		goto out;
	ret = add_groups(ctx, run_groups, deny, notify);
	if (ret == 0 && profile == POLICY_BUILD)
		ret = add_groups(ctx, build_groups, deny, notify);
	if (ret < 0)
		goto out;
	for (const char *const *a = delta ? delta->allow : NULL; a && *a; a++) {
		int nr = seccomp_syscall_resolve_name(*a);

		if (nr == __NR_SCMP_ERROR) {
			ret = -EINVAL;
			goto out;
		}
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (ret < 0)
			goto out;
	}
	ret = export_bpf(ctx, out);
out:
	seccomp_release(ctx);
	return ret;
}

void policy_release(struct policy_bpf *bpf)
{
	free(bpf->insns);
	bpf->insns = NULL;
	bpf->len = 0;
}

const char *policy_profile_name(enum policy_profile profile)
{
	return profile == POLICY_BUILD ? "build" : "run";
}

const char *policy_syscall_name(int nr, char *buf, size_t size)
{
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

	if (name) {
		snprintf(buf, size, "%s", name);
		free(name);
	} else {
		snprintf(buf, size, "syscall %d", nr);
	}
	return buf;
}

struct name { long value; const char *name; };

static const struct name families[] = {
	{ AF_UNIX, "AF_UNIX" }, { AF_INET, "AF_INET" }, { AF_INET6, "AF_INET6" },
	{ AF_NETLINK, "AF_NETLINK" }, { AF_PACKET, "AF_PACKET" },
	{ AF_ALG, "AF_ALG" }, { AF_VSOCK, "AF_VSOCK" },
	{ AF_BLUETOOTH, "AF_BLUETOOTH" }, { AF_KEY, "AF_KEY" }, { 0, NULL }
};

static const struct name socktypes[] = {
	{ SOCK_STREAM, "SOCK_STREAM" }, { SOCK_DGRAM, "SOCK_DGRAM" },
	{ SOCK_RAW, "SOCK_RAW" }, { SOCK_SEQPACKET, "SOCK_SEQPACKET" },
	{ SOCK_RDM, "SOCK_RDM" }, { 0, NULL }
};

static const struct name nsflags[] = {
	{ CLONE_NEWNS, "CLONE_NEWNS" }, { CLONE_NEWUSER, "CLONE_NEWUSER" },
	{ CLONE_NEWPID, "CLONE_NEWPID" }, { CLONE_NEWNET, "CLONE_NEWNET" },
	{ CLONE_NEWIPC, "CLONE_NEWIPC" }, { CLONE_NEWUTS, "CLONE_NEWUTS" },
	{ CLONE_NEWCGROUP, "CLONE_NEWCGROUP" }, { 0, NULL }
};

static const struct name filetypes[] = {
	{ S_IFREG, "S_IFREG" }, { S_IFCHR, "S_IFCHR" }, { S_IFBLK, "S_IFBLK" },
	{ S_IFSOCK, "S_IFSOCK" }, { S_IFIFO, "S_IFIFO" }, { 0, "S_IFREG" },
	{ 0, NULL }
};

static const char *lookup(const struct name *t, long v, char *buf, size_t size)
{
	for (; t->name; t++)
		if (t->value == v)
			return t->name;
	snprintf(buf, size, "%ld", v);
	return buf;
}

static void describe_socket(const char *call, const struct seccomp_data *d,
			    char *buf, size_t size)
{
	char a[24], b[24];
	int type = (int)d->args[1];
	const char *t = lookup(socktypes, type & 0xf, b, sizeof(b));

	snprintf(buf, size, "%s(%s, %s%s%s, %d)", call,
		 lookup(families, (int)d->args[0], a, sizeof(a)), t,
		 type & SOCK_NONBLOCK ? "|SOCK_NONBLOCK" : "",
		 type & SOCK_CLOEXEC ? "|SOCK_CLOEXEC" : "", (int)d->args[2]);
}

static void describe_clone(const struct seccomp_data *d, char *buf, size_t size)
{
	size_t used = (size_t)snprintf(buf, size, "clone(");

	for (const struct name *n = nsflags; n->name && used < size; n++)
		if (d->args[0] & (unsigned long)n->value)
			used += (size_t)snprintf(buf + used, size - used, "%s%s",
						 used > 6 ? "|" : "", n->name);
	if (used < size)
		snprintf(buf + used, size - used, ", ...)");
}

void policy_describe(const struct seccomp_data *d, char *buf, size_t size)
{
	char name[64], a[24];

	policy_syscall_name(d->nr, name, sizeof(name));
	if (!strcmp(name, "socket") || !strcmp(name, "socketpair")) {
		describe_socket(name, d, buf, size);
	} else if (!strcmp(name, "kill")) {
		const char *sig = sigabbrev_np((int)d->args[1]);

		snprintf(buf, size, "kill(%d, %s%s)", (int)d->args[0],
			 sig ? "SIG" : "", sig ? sig : "0");
	} else if (!strcmp(name, "clone")) {
		describe_clone(d, buf, size);
	} else if (!strcmp(name, "mknod") || !strcmp(name, "mknodat")) {
		int mode = (int)d->args[!strcmp(name, "mknod") ? 1 : 2];

		snprintf(buf, size, "%s(..., %s|0%o, ...)", name,
			 lookup(filetypes, mode & S_IFMT, a, sizeof(a)), mode & 07777);
	} else if (!strcmp(name, "prlimit64")) {
		snprintf(buf, size, "prlimit64(%d, ...) on another process",
			 (int)d->args[0]);
	} else {
		snprintf(buf, size, "%s(0x%llx, 0x%llx, 0x%llx, ...)", name,
			 (unsigned long long)d->args[0],
			 (unsigned long long)d->args[1],
			 (unsigned long long)d->args[2]);
	}
}
