/*
 * start: box_new(). Init is cloned from a sealed memfd image into new
 * namespaces, given its uid map and cgroup, sent its configuration, and
 * waited for until it has built the root. Where the namespaces are
 * refused, or give no right to mount, the box starts over in host mode
 * (host.h), and its isolation notes say so.
 */
#define _GNU_SOURCE
#include "box_internal.h"
#include "host.h"
#include "mnt.h"
#include "util.h"
#include "../common/clock.h"
#include "../common/io.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

/* *refused is set when init failed for want of a privilege (EPERM, EACCES) */
static int wait_ready(struct box *b, struct box_error *err, int *refused)
{
	struct msg m;
	ssize_t n = recv_fds(b->ctl, &m, sizeof(m), NULL, NULL, NULL);

	/* init sends a text without its NUL */
	if (n > 0 && n < (ssize_t)sizeof(m))
		((char *)&m)[n] = '\0';
	*refused = n > 0 && m.type == MSG_FAIL && !m.fail.bad_input &&
		   (m.fail.err == EPERM || m.fail.err == EACCES);
	if (n > 0 && m.type == MSG_READY) {
		if (b->iso.cgroupns && !m.ready.cgroupns) {
			b->iso.cgroupns = 0;
			note(b, "no cgroup namespace");
		}
		/* FIFOs and sockets left out of the copy */
		m.text[sizeof(m.text) - 1] = '\0';
		if (m.text[0])
			note(b, "%.150s", m.text);
		if (m.ready.degraded & MNT_PROC_BOUND) {
			b->iso.proc = "bound";
			note(b, "/proc is the one ipcgrade sees (a fresh one is refused where a "
			     "container masks parts of it): programs see processes outside the box");
		}
		if (m.ready.degraded & MNT_NO_HOSTNAME)
			note(b, "sethostname() is refused here: the box's uts namespace keeps "
			     "the machine's name");
		if (m.ready.degraded & MNT_IPC_DEFAULT)
			note(b, "/proc/sys is read-only here: the box's ipc namespace keeps the "
			     "kernel's SysV limits");
		return 0;
	}
	if (n > 0 && m.type == MSG_FAIL) {
		m.text[sizeof(m.text) - 1] = '\0';
		if (m.fail.bad_input)
			return set_error(err, BOX_EBADINPUT, "%s in '%s'", m.text,
					 b->cfg.copy_dir ? b->cfg.copy_dir : "");
		return set_error(err, BOX_EINTERNAL, "cannot build the box: %s: %s",
				 m.text, strerror(m.fail.err));
	}
	return set_error(err, BOX_EINTERNAL, "the box's init died while starting");
}

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U	/* Linux 6.3: executable even where vm.memfd_noexec says not */
#endif

/* init.c, built static and linked in by initimg.S */
extern const unsigned char box_init_image[], box_init_image_end[];

/*
 * A read-only descriptor of a sealed memfd holding the init image, made
 * once per process: every box execs it without a path, so init is found
 * wherever ipcgrade is installed and nothing on disk can swap it. The
 * writable descriptor is closed, as exec refuses a file open for writing.
 */
static int init_image(struct box_error *err)
{
	static int fd = -1;
	size_t len = (size_t)(box_init_image_end - box_init_image);
	char path[64];
	int w;

	if (fd >= 0)
		return fd;
	w = memfd_create("ipcbox-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (w < 0 && errno == EINVAL)	/* before Linux 6.3 */
		w = memfd_create("ipcbox-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (w < 0)
		return set_error(err, BOX_EINTERNAL, "cannot make the box's init image: "
				 "memfd_create: %s", strerror(errno));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", w);
	if (xwrite_all(w, box_init_image, len) < 0 || fchmod(w, 0555) < 0 ||
	    fcntl(w, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		set_error(err, BOX_EINTERNAL, "cannot make the box's init image: %s",
			  strerror(errno));
		close(w);
		return -1;
	}
	close(w);
	return fd;
}

struct init_start {
	int ctl, src, ro, image, keep_stderr, userns;
	int exec_errno;		/* written by the child when exec fails */
};

/*
 * In a new user namespace we hold every capability, but our uid has no
 * mapping there until the supervisor writes it, after our exec; and exec
 * by an unmapped uid keeps only the ambient set. So make them ambient.
 */
static int keep_capabilities(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	d[0].inheritable = d[0].permitted;
	d[1].inheritable = d[1].permitted;
	if (syscall(SYS_capset, &h, d) < 0)
		return -1;
	for (int cap = 0; cap < 64; cap++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return errno == EINVAL && cap > 0 ? 0 : -1;	/* past the last */
	return 0;
}

/*
 * The child of clone_init(), on the caller's stack and in its memory until
 * exec: it puts init's descriptors where proto.h says and execs the image.
 * It writes nothing of ours but exec_errno (and errno).
 */
static int init_start_child(void *arg)
{
	static char *const argv[] = { "ipcbox-init", NULL }, *const envp[] = { NULL };
	struct init_start *s = arg;
	int ctl = fcntl(s->ctl, F_DUPFD_CLOEXEC, 10);
	int src = s->src >= 0 ? fcntl(s->src, F_DUPFD_CLOEXEC, 10) : -1;
	int ro = s->ro >= 0 ? fcntl(s->ro, F_DUPFD_CLOEXEC, 10) : -1;
	int image = fcntl(s->image, F_DUPFD_CLOEXEC, 10);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (ctl < 0 || (s->src >= 0 && src < 0) || (s->ro >= 0 && ro < 0) || image < 0 ||
	    null < 0 || dup2(ctl, INIT_CTL_FD) < 0 ||
	    (src >= 0 && dup2(src, INIT_SRC_FD) < 0) || (ro >= 0 && dup2(ro, INIT_RO_FD) < 0) ||
	    dup2(null, 0) < 0 || dup2(null, 1) < 0 || (!s->keep_stderr && dup2(null, 2) < 0))
		goto fail;
	if (s->userns && keep_capabilities() < 0)
		goto fail;
	if (src < 0)
		close(INIT_SRC_FD);
	if (ro < 0)
		close(INIT_RO_FD);
	/* nothing else of the supervisor's, such as another box's pipes */
	close_range(INIT_RO_FD + 1, (unsigned)image - 1, 0);
	close_range((unsigned)image + 1, ~0U, 0);
	syscall(SYS_execveat, image, "", argv, envp, AT_EMPTY_PATH);
fail:
	s->exec_errno = errno ? errno : EIO;
	_exit(127);
}

/*
 * Start init in new namespaces (flags), without copying our address space:
 * CLONE_VFORK holds us until the child has exec'd the image or failed.
 * Returns its pid, -1 if the clone failed, -2 if the exec did (errno set).
 */
static pid_t clone_init(struct box *b, int flags, int ctl, int image)
{
	char stack[16384] __attribute__((aligned(16)));
	struct init_start s = {
		.ctl = ctl, .src = b->src_fd, .ro = b->ro_fd, .image = image,
		.keep_stderr = tracing(), .userns = !!(flags & CLONE_NEWUSER),
	};
	pid_t pid = clone(init_start_child, stack + sizeof(stack),
			  CLONE_VM | CLONE_VFORK | SIGCHLD | flags, &s);

	if (pid > 0 && s.exec_errno) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		errno = s.exec_errno;
		return -2;
	}
	return pid;
}

static void stop_init(struct box *b)
{
	if (b->init_pid > 0) {
		kill(b->init_pid, SIGKILL);
		while (waitpid(b->init_pid, NULL, 0) < 0 && errno == EINTR)
			;
		b->init_pid = 0;
	}
	if (b->ctl >= 0)
		close(b->ctl);
	b->ctl = -1;
	cgroup_remove(&b->cg);
	memset(&b->iso, 0, sizeof(b->iso));
}

/*
 * Host mode, said plainly: the verdict carries these notes, and `ipcgrade
 * run` prints them. The grading is the same; what is missing is the
 * containment, which matters when the code graded is not your own.
 */
static void host_notes(struct box *b, const char *why)
{
	note(b, "host mode: no namespaces (%s); programs are graded the same way, but are "
	     "not contained as in a box", why);
	if (geteuid() == 0)
		note(b, "the programs run as nobody (uid %d), in %s, and can read what nobody "
		     "can", HOST_ROOT_UID, b->hostdir);
	else
		note(b, "the programs run as you, in %s, and can read and write your files",
		     b->hostdir);
	note(b, "SysV IPC and /dev/shm are this machine's: the SysV objects made while the "
	     "box ran are removed at its end, /dev/shm is not cleaned");
	note(b, "the seccomp filter, no_new_privs and rlimits%s hold the programs",
	     b->cg.version ? ", and the box's cgroup," : "");
}

/* all three capabilities are in our effective set */
static int effective_cap(int a, int b2, int c)
{
	char buf[4096], *p;
	unsigned long long eff;

	if (read_file("/proc/self/status", buf, sizeof(buf)) < 0 || !(p = strstr(buf, "CapEff:")))
		return 1;	/* cannot tell: let the attempt say */
	eff = strtoull(p + 7, NULL, 16);
	return (eff >> a & 1) && (eff >> b2 & 1) && (eff >> c & 1);
}

/*
 * Start init: cloned into the namespaces (or, in host mode, none), its uid
 * map written, in the box's cgroup, configured, and ready. Returns 0; 1
 * when the namespaces are refused (all of them, for root) or granted
 * without the right to mount, which host mode can still serve; or -1 with
 * err set.
 */
static int start_init(struct box *b, int host, struct box_error *err)
{
	static unsigned counter;
	const int ns = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC |
		       CLONE_NEWNET | CLONE_NEWUTS;
	int sv[2] = { -1, -1 }, root = geteuid() == 0, image, refused, ret = -1;
	char name[64], why[256];
	struct init_config *conf = NULL;
	size_t conf_len;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return set_error(err, BOX_EINTERNAL, "socketpair: %s", strerror(errno));
	snprintf(name, sizeof(name), "ipcgrade-%d-%u", (int)getpid(), counter++);
	trace("setup");
	if (cgroup_create(&b->cg, name, &b->lim, why, sizeof(why)) < 0)
		note(b, "%s: memory and process limits are enforced per process with rlimits", why);
	b->iso.cgroup = b->cg.version == 1 ? "v1" : b->cg.version == 2 ? "v2" : "none";
	trace("cgroup created");
	if ((image = init_image(err)) < 0)
		goto out;
	b->host = host;
	b->iso.mode = host ? "host" : "box";
	b->iso.proc = host ? "host" : "own";
	if (host && root && !effective_cap(CAP_CHOWN, CAP_SETUID, CAP_SETGID)) {
		set_error(err, BOX_EINTERNAL, "no namespaces can be made here, and root without "
			  "CAP_CHOWN, CAP_SETUID and CAP_SETGID (e.g. docker --cap-drop ALL) cannot "
			  "run the programs as another user: keep those capabilities, or run "
			  "ipcgrade as an ordinary user");
		goto out;
	}
	if (host) {
		b->nested = 0;
		/* root's programs run as nobody, who must get through to work/ */
		if ((b->host_lock_fd = host_lock()) < 0 ||
		    host_dir_make(b->hostdir, sizeof(b->hostdir)) < 0 ||
		    (root && chmod(b->hostdir, 0711) < 0)) {
			b->hostdir[0] = '\0';
			set_error(err, BOX_EINTERNAL, "cannot make the box's directory: %s",
				  strerror(errno));
			goto out;
		}
		host_notes(b, b->no_ns_why);
		b->init_pid = clone_init(b, 0, sv[1], image);
	} else {
		b->iso.userns = b->iso.cgroupns = 1;
		b->nested = !root;
		b->init_pid = clone_init(b, ns, sv[1], image);
		if (b->init_pid == -1 && root) {
			/* e.g. user namespaces disabled by sysctl: root can
			 * still have every other namespace */
			b->iso.userns = 0;
			b->nested = 0;
			note(b, "no user namespace (%s): the box's init runs as host root",
			     strerror(errno));
			b->init_pid = clone_init(b, ns & ~CLONE_NEWUSER, sv[1], image);
		}
		if (b->init_pid == -1) {
			/* not even that: a container without CAP_SYS_ADMIN */
			b->init_pid = 0;
			snprintf(b->no_ns_why, sizeof(b->no_ns_why), "%s namespaces are refused: %s",
				 root ? "the" : "user", strerror(errno));
			ret = 1;
			goto out;
		}
	}
	if (b->init_pid == -2) {
		b->init_pid = 0;
		set_error(err, BOX_EINTERNAL, "cannot start the box's init: execveat: %s%s",
			  strerror(errno), errno == EACCES || errno == EPERM ?
			  " (is sysctl vm.memfd_noexec set?)" : "");
		goto out;
	}
	if (b->init_pid < 0) {
		b->init_pid = 0;
		set_error(err, BOX_EINTERNAL, "cannot create the box's namespaces: %s",
			  strerror(errno));
		goto out;
	}
	trace("clone");
	close(sv[1]);
	sv[1] = -1;
	b->ctl = sv[0];
	sv[0] = -1;
	b->iso.pidns = b->iso.mountns = b->iso.ipcns = b->iso.netns = b->iso.utsns = !host;
	b->iso.seccomp = 1;
	if (b->iso.userns && write_maps(b->init_pid, root) < 0) {
		set_error(err, BOX_EINTERNAL, "cannot write the box's uid map: %s", strerror(errno));
		/* e.g. root without CAP_SETUID and CAP_SETFCAP */
		if (errno == EPERM) {
			snprintf(b->no_ns_why, sizeof(b->no_ns_why), "the user namespace's uid "
				 "map is refused: %s", strerror(errno));
			ret = 1;
		}
		goto out;
	}
	trace("uid maps");
	if (b->cg.version && cgroup_attach(&b->cg, b->init_pid) < 0) {
		note(b, "cannot enter the box's cgroup (%s): limits per process only", strerror(errno));
		cgroup_remove(&b->cg);
		b->iso.cgroup = "none";
	}
	if (!b->cg.version)
		b->iso.cgroupns = 0;
	trace("cgroup attach");
	if (b->bpf.len > MAX_FILTER_LEN) {
		set_error(err, BOX_EINTERNAL, "the seccomp filter is too long (%u instructions)",
			  b->bpf.len);
		goto out;
	}
	conf_len = sizeof(*conf) + b->bpf.len * sizeof(conf->filter[0]);
	if (!(conf = malloc(conf_len))) {
		set_error(err, BOX_EINTERNAL, "out of memory");
		goto out;
	}
	memset(conf, 0, sizeof(*conf));
	conf->type = MSG_CONFIG;
	conf->limits = b->lim;
	conf->nested = b->nested;
	conf->cgroupns = b->iso.cgroupns;
	conf->have_cgroup = b->cg.version != 0;
	conf->trace = tracing();
	conf->host = host;
	conf->set_identity = !host || root;
	conf->uid = !host ? BOX_UID : root ? HOST_ROOT_UID : getuid();
	conf->gid = !host ? BOX_GID : root ? HOST_ROOT_GID : getgid();
	conf->filter_len = b->bpf.len;
	snprintf(conf->hostdir, sizeof(conf->hostdir), "%s", host ? b->hostdir : "");
	memcpy(conf->filter, b->bpf.insns, b->bpf.len * sizeof(conf->filter[0]));
	if (send_fds(b->ctl, conf, conf_len, NULL, 0) < 0) {
		set_error(err, BOX_EINTERNAL, "cannot configure the box's init: %s",
			  strerror(errno));
		goto out;
	}
	if (wait_ready(b, err, &refused) < 0) {
		/* e.g. user namespaces that grant no capability (Ubuntu's
		 * AppArmor restriction), or a container's AppArmor profile: the
		 * first mount or sethostname fails */
		if (refused && !host) {
			const char *what = strncmp(err->message, "cannot build the box: ", 22) ?
					   err->message : err->message + 22;

			snprintf(b->no_ns_why, sizeof(b->no_ns_why), "%s give no right to %.100s",
				 b->iso.userns ? "user namespaces here" : "the namespaces here", what);
			ret = 1;
		}
		goto out;
	}
	trace("root built");
	ret = 0;
out:
	free(conf);
	for (int i = 0; i < 2; i++)
		if (sv[i] >= 0)
			close(sv[i]);
	return ret;
}

int box_new(const struct box_config *cfg, struct box **out, struct box_error *err)
{
	struct box *b = calloc(1, sizeof(*b));
	struct itimerspec its = { 0 };
	int ret;

	*out = NULL;
	if (!b)
		return set_error(err, BOX_EINTERNAL, "out of memory");
	b->cfg = *cfg;
	b->lim = cfg->limits;
	b->ctl = b->timer_fd = b->src_fd = b->ro_fd = b->host_lock_fd = -1;
	b->kill_proc = -1;
	b->count_at_kill = -1;
	if (seccomp_notify_alloc(&b->req, &b->resp) < 0 || !(b->iobuf = malloc(IOBUF_SIZE))) {
		set_error(err, BOX_EINTERNAL, "out of memory");
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
	/* IPCGRADE_HOST_MODE=1: host mode where a box could be had, to test
	 * it, or where the namespaces are known to be of no use */
	if (getenv("IPCGRADE_HOST_MODE") && !strcmp(getenv("IPCGRADE_HOST_MODE"), "1")) {
		snprintf(b->no_ns_why, sizeof(b->no_ns_why), "IPCGRADE_HOST_MODE=1 asks for it");
		ret = 1;
	} else {
		ret = start_init(b, 0, err);
	}
	if (ret == 1) {
		stop_init(b);
		ret = start_init(b, 1, err);
	}
	if (ret != 0)
		goto fail;
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
	box_free(b);
	return -1;
}
