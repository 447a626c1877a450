#define _GNU_SOURCE
#include "mnt.h"
#include "box.h"
#include "util.h"
#include "../common/io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Where the new root is assembled: a path every system has, private to
 * init's mount namespace from the first step on. */
#define NEWROOT "/tmp"

static int fail(struct mnt_error *e, const char *step, const char *path)
{
	e->step = step;
	e->err = errno;
	snprintf(e->path, sizeof(e->path), "%.255s", path ? path : "");
	return -1;
}

/* A read-only bind must keep the flags the kernel locked on the source
 * mount (nosuid, nodev, noexec, atime) or the remount fails with EPERM. */
static unsigned long locked_flags(const char *path)
{
	struct statvfs s;
	unsigned long f = 0;

	if (statvfs(path, &s) < 0)
		return 0;
	if (s.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (s.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (s.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (s.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (s.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (s.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

static int bind_ro(const char *src, const char *dst, struct mnt_error *e)
{
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return fail(e, "bind", src);
	if (mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID |
		  MS_NODEV | locked_flags(src), NULL) < 0)
		return fail(e, "remount read-only", src);
	return 0;
}

static int touch(const char *path, struct mnt_error *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return fail(e, "create", path);
	close(fd);
	return 0;
}

static int put_file(const char *path, const char *text, struct mnt_error *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || xwrite_all(fd, text, strlen(text)) < 0) {
		if (fd >= 0)
			close(fd);
		return fail(e, "write", path);
	}
	close(fd);
	return 0;
}

/* /bin, /lib, ... as the host has them: links on a merged-/usr system */
static int mirror_top(const char *name, struct mnt_error *e)
{
	char host[64], dst[80], target[256];
	struct stat st;
	ssize_t n;

	snprintf(host, sizeof(host), "/%s", name);
	snprintf(dst, sizeof(dst), NEWROOT "/%s", name);
	if (lstat(host, &st) < 0)
		return 0;	/* e.g. no /lib32 here */
	if (S_ISLNK(st.st_mode)) {
		n = readlink(host, target, sizeof(target) - 1);
		if (n < 0)
			return fail(e, "readlink", host);
		target[n] = '\0';
		if (symlink(target, dst) < 0)
			return fail(e, "symlink", dst);
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (mkdir(dst, 0755) < 0)
		return fail(e, "mkdir", dst);
	return bind_ro(host, dst, e);
}

static int copy_file(int sfd, int dfd, const char *name, mode_t mode,
		     uid_t uid, gid_t gid, struct mnt_error *e)
{
	char buf[65536];
	int in, out, ret = 0;
	ssize_t n;

	in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (in < 0)
		return fail(e, "open", name);
	out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 0755);
	if (out < 0) {
		close(in);
		return fail(e, "create", name);
	}
	while ((n = xread(in, buf, sizeof(buf))) > 0)
		if (xwrite_all(out, buf, (size_t)n) < 0) {
			ret = fail(e, "write", name);
			break;
		}
	if (n < 0)
		ret = fail(e, "read", name);
	if (ret == 0 && fchown(out, uid, gid) < 0)
		ret = fail(e, "chown", name);
	close(in);
	close(out);
	return ret;
}

/* FIFOs and sockets left in the copied directory (see mnt_skipped) */
static int nskipped;
static char skipped[192];

static void skip_special(const char *name, mode_t mode)
{
	size_t used = strlen(skipped);

	if (++nskipped <= 3 && used < sizeof(skipped))
		snprintf(skipped + used, sizeof(skipped) - used, "%s%s '%.32s'",
			 used ? ", " : "", S_ISFIFO(mode) ? "FIFO" : "socket", name);
}

const char *mnt_skipped(void)
{
	static char note[320];

	if (!nskipped)
		return "";
	snprintf(note, sizeof(note), "not copied: %s%s%.0d%s (a program makes its own)",
		 skipped, nskipped > 3 ? " and " : "", nskipped > 3 ? nskipped - 3 : 0,
		 nskipped > 3 ? " more" : "");
	return note;
}

/*
 * Copy the directory sfd into dfd, never following a link: every entry is
 * looked at with AT_SYMLINK_NOFOLLOW and opened with O_NOFOLLOW. A FIFO or
 * a socket is what a student's directory holds after a run: it is left
 * out (mnt_skipped says so); any other special file is refused.
 */
static int copy_tree(int sfd, int dfd, uid_t uid, gid_t gid, int depth,
		     struct mnt_error *e)
{
	DIR *d;
	struct dirent *de;
	int ret = 0, fd = dup(sfd);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return fail(e, "read directory", "");
	}
	while (ret == 0 && (errno = 0, de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(sfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			ret = fail(e, "stat", de->d_name);
		} else if (S_ISREG(st.st_mode)) {
			ret = copy_file(sfd, dfd, de->d_name, st.st_mode, uid, gid, e);
		} else if (S_ISDIR(st.st_mode) && depth < 16) {
			int s2, d2;

			if (mkdirat(dfd, de->d_name, 0755) < 0 ||
			    fchownat(dfd, de->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
				ret = fail(e, "mkdir", de->d_name);
			s2 = ret ? -1 : openat(sfd, de->d_name, O_RDONLY | O_DIRECTORY |
					       O_NOFOLLOW | O_CLOEXEC);
			d2 = ret ? -1 : openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY |
					       O_NOFOLLOW | O_CLOEXEC);
			if (!ret && (s2 < 0 || d2 < 0))
				ret = fail(e, "open", de->d_name);
			if (!ret)
				ret = copy_tree(s2, d2, uid, gid, depth + 1, e);
			if (s2 >= 0)
				close(s2);
			if (d2 >= 0)
				close(d2);
		} else if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) {
			skip_special(de->d_name, st.st_mode);
		} else {
			errno = S_ISLNK(st.st_mode) ? ELOOP : EPERM;
			ret = fail(e, S_ISLNK(st.st_mode) ? "refusing symbolic link" :
				   S_ISDIR(st.st_mode) ? "refusing directory nested too deep" :
				   "refusing special file", de->d_name);
			e->bad_input = 1;
		}
	}
	if (ret == 0 && errno)
		ret = fail(e, "read directory", "");
	closedir(d);
	return ret;
}

static int make_dirs(struct mnt_error *e)
{
	static const struct { const char *path; mode_t mode; } dirs[] = {
		{ NEWROOT "/usr", 0755 }, { NEWROOT "/etc", 0755 },
		{ NEWROOT "/etc/alternatives", 0755 }, { NEWROOT "/dev", 0755 },
		{ NEWROOT "/dev/shm", 01777 }, { NEWROOT "/proc", 0555 },
		{ NEWROOT "/tmp", 01777 }, { NEWROOT "/work", 0755 },
		{ NEWROOT "/.oldroot", 0700 },
	};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (mkdir(dirs[i].path, dirs[i].mode) < 0 ||
		    chmod(dirs[i].path, dirs[i].mode) < 0)	/* past the umask */
			return fail(e, "mkdir", dirs[i].path);
	return 0;
}

static int make_etc(struct mnt_error *e)
{
	/* the names the programs see for themselves, whatever the host's */
	static const char passwd[] = "root:x:0:0:root:/:/usr/sbin/nologin\n"
				     "student:x:1000:1000:student:/work:/bin/sh\n";
	static const char group[] = "root:x:0:\nstudent:x:1000:\n";

	if (put_file(NEWROOT "/etc/passwd", passwd, e) < 0 ||
	    put_file(NEWROOT "/etc/group", group, e) < 0 ||
	    put_file(NEWROOT "/etc/hostname", "ipcgrade\n", e) < 0 ||
	    put_file(NEWROOT "/etc/hosts", "127.0.0.1 localhost ipcgrade\n", e) < 0)
		return -1;
	if (access("/etc/ld.so.cache", F_OK) == 0 &&
	    (touch(NEWROOT "/etc/ld.so.cache", e) < 0 ||
	     bind_ro("/etc/ld.so.cache", NEWROOT "/etc/ld.so.cache", e) < 0))
		return -1;
	/* cc is a link through /etc/alternatives on Debian */
	if (access("/etc/alternatives", F_OK) == 0 &&
	    bind_ro("/etc/alternatives", NEWROOT "/etc/alternatives", e) < 0)
		return -1;
	return 0;
}

static int make_dev(struct mnt_error *e)
{
	static const char *const nodes[] = { "null", "zero", "full", "random", "urandom" };
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
	};
	char src[32], dst[64];

	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		snprintf(src, sizeof(src), "/dev/%s", nodes[i]);
		snprintf(dst, sizeof(dst), NEWROOT "/dev/%s", nodes[i]);
		if (touch(dst, e) < 0)
			return -1;
		/* devices cannot be made in a user namespace: bind the host's */
		if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
			return fail(e, "bind", src);
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(dst, sizeof(dst), NEWROOT "/dev/%s", links[i][1]);
		if (symlink(links[i][0], dst) < 0)
			return fail(e, "symlink", dst);
	}
	return 0;
}

static int set_ipc_limits(const struct box_limits *l, struct mnt_error *e)
{
	char sem[64], num[32];
	struct { const char *file; int64_t value; } table[] = {
		{ NEWROOT "/proc/sys/kernel/msgmni", l->msgmni },
		{ NEWROOT "/proc/sys/kernel/shmmni", l->shmmni },
		{ NEWROOT "/proc/sys/kernel/shmmax", l->shmmax },
		{ NEWROOT "/proc/sys/kernel/shmall", l->shmall },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		snprintf(num, sizeof(num), "%lld", (long long)table[i].value);
		if (write_file(table[i].file, num) < 0)
			return fail(e, "set ipc limit", table[i].file);
	}
	/* SEMMSL SEMMNS SEMOPM SEMMNI */
	snprintf(sem, sizeof(sem), "250 %d 32 %d", 250 * l->semmni, l->semmni);
	if (write_file(NEWROOT "/proc/sys/kernel/sem", sem) < 0)
		return fail(e, "set ipc limit", "/proc/sys/kernel/sem");
	return 0;
}

static int copy_into(int src_fd, const char *dst, uid_t uid, gid_t gid, struct mnt_error *e)
{
	int fd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret;

	if (fd < 0)
		return fail(e, "open", dst);
	ret = copy_tree(src_fd, fd, uid, gid, 0, e);
	close(fd);
	return ret;
}

/*
 * Without a mount namespace nothing can be mounted read-only: take the
 * write bits off instead, which keeps out mistakes, not the owner.
 */
static int make_read_only(const char *path, struct mnt_error *e)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), ret = 0;
	DIR *d;
	struct dirent *de;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return fail(e, "open", path);
	}
	while (ret == 0 && (de = readdir(d))) {
		struct stat st;
		char sub[PATH_MAX];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			ret = fail(e, "stat", de->d_name);
		} else if (S_ISDIR(st.st_mode)) {
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			ret = make_read_only(sub, e);
		} else if (fchmodat(dirfd(d), de->d_name, st.st_mode & 0555, 0) < 0) {
			ret = fail(e, "chmod", de->d_name);
		}
	}
	if (ret == 0 && fchmod(dirfd(d), 0555) < 0)
		ret = fail(e, "chmod", path);
	closedir(d);
	return ret;
}

int mnt_build_root(int src_fd, int ro_fd, uid_t uid, gid_t gid, const struct box_limits *l,
		   unsigned *degraded, struct mnt_error *e)
{
	static const char *const tops[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };
	static const char *const writable[] = { "/work", "/tmp" };
	char opts[64];
	memset(e, 0, sizeof(*e));
	*degraded = 0;
	/* nothing we mount may propagate back to the host */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail(e, "make mounts private", "/");
	snprintf(opts, sizeof(opts), "size=%lldk,nr_inodes=16384,mode=0755",
		 (long long)l->tmpfs_kib);
	if (mount("ipcgrade", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		return fail(e, "mount tmpfs", NEWROOT);
	if (make_dirs(e) < 0)
		return -1;
	if (bind_ro("/usr", NEWROOT "/usr", e) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(tops) / sizeof(tops[0]); i++)
		if (mirror_top(tops[i], e) < 0)
			return -1;
	if (make_etc(e) < 0 || make_dev(e) < 0)
		return -1;
	/* POSIX shared memory gets a tmpfs of its own, as large as the box's
	 * memory, which bounds it (a segment's pages are charged there):
	 * a big shared array fits as it does on the host */
	snprintf(opts, sizeof(opts), "size=%lldk,nr_inodes=4096,mode=1777",
		 (long long)l->memory_kib);
	if (mount("shm", NEWROOT "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		return fail(e, "mount tmpfs", NEWROOT "/dev/shm");
	/*
	 * A container runtime masks parts of its /proc by mounting over them;
	 * the kernel then refuses a fresh proc from a user namespace, as that
	 * would uncover them. The /proc we came with, masks and all, still
	 * serves: it shows the processes of the pid namespace we left, and
	 * /proc/self, /proc/sysvipc and ns_last_pid still answer for the box.
	 */
	if (mount("proc", NEWROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		if ((errno != EPERM && errno != EACCES) ||
		    mount("/proc", NEWROOT "/proc", NULL, MS_BIND | MS_REC, NULL) < 0)
			return fail(e, "mount proc", NEWROOT "/proc");
		*degraded |= MNT_PROC_BOUND;
	}
	if (set_ipc_limits(l, e) < 0) {
		/* such a /proc/sys is read-only: the fresh ipc namespace keeps
		 * the kernel's defaults, larger than ours */
		if (!(*degraded & MNT_PROC_BOUND))
			return -1;
		memset(e, 0, sizeof(*e));
		*degraded |= MNT_IPC_DEFAULT;
	}
	/* the sysctls belong to the box's root, which unprivileged is the
	 * programs' uid too: read-only for everyone from here on */
	if (bind_ro(NEWROOT "/proc/sys", NEWROOT "/proc/sys", e) < 0)
		return -1;
	if (chown(NEWROOT "/work", uid, gid) < 0)
		return fail(e, "chown", "/work");
	if (src_fd >= 0 && copy_into(src_fd, NEWROOT "/work", uid, gid, e) < 0)
		return -1;
	/* what the programs run but must not change, such as the reference
	 * solution's binaries: a read-only bind of itself */
	if (ro_fd >= 0) {
		if (mkdir(NEWROOT "/box", 0755) < 0)
			return fail(e, "mkdir", "/box");
		if (copy_into(ro_fd, NEWROOT "/box", 0, 0, e) < 0 ||
		    bind_ro(NEWROOT "/box", NEWROOT "/box", e) < 0)
			return -1;
	}
	if (syscall(SYS_pivot_root, NEWROOT, NEWROOT "/.oldroot") < 0)
		return fail(e, "pivot_root", NEWROOT);
	if (chdir("/") < 0)
		return fail(e, "chdir", "/");
	if (umount2("/.oldroot", MNT_DETACH) < 0)
		return fail(e, "unmount the old root", "/.oldroot");
	if (rmdir("/.oldroot") < 0)
		return fail(e, "rmdir", "/.oldroot");
	/* only /work, /tmp and /dev/shm (a tmpfs of its own) are writable:
	 * each its own mount, and the root read-only (unprivileged, the
	 * programs' uid owns it) */
	for (size_t i = 0; i < sizeof(writable) / sizeof(writable[0]); i++)
		if (mount(writable[i], writable[i], NULL, MS_BIND, NULL) < 0)
			return fail(e, "bind", writable[i]);
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
		return fail(e, "remount read-only", "/");
	return 0;
}

int mnt_build_host(const char *dir, int src_fd, int ro_fd, uid_t uid, gid_t gid,
		   struct mnt_error *e)
{
	static const struct { const char *name; mode_t mode; } dirs[] = {
		{ "work", 0755 }, { "tmp", 0700 }, { "box", 0755 },
	};
	char path[PATH_MAX];
	int ret = 0;

	memset(e, 0, sizeof(*e));
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, dirs[i].name);
		if (mkdir(path, dirs[i].mode) < 0 ||
		    (strcmp(dirs[i].name, "box") && chown(path, uid, gid) < 0))
			return fail(e, "mkdir", path);
	}
	snprintf(path, sizeof(path), "%s/work", dir);
	if (src_fd >= 0 && copy_into(src_fd, path, uid, gid, e) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/box", dir);
	if (ro_fd >= 0 && (ret = copy_into(ro_fd, path, getuid(), getgid(), e)) == 0)
		ret = make_read_only(path, e);
	return ret;
}
