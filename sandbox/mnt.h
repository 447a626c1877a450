/*
 * mnt: the box's root filesystem, built by init inside its own mount and
 * user namespaces, then entered with pivot_root.
 *
 *   /            a fresh tmpfs (limits.tmpfs_kib), nothing of the host's
 *   /usr         the host's, read-only (and /bin, /lib, /lib64, /sbin as
 *                the same links or read-only binds as on the host)
 *   /etc         passwd, group, hosts made here; ld.so.cache and
 *                alternatives/ of the host, read-only
 *   /dev         null zero full random urandom (bound from the host),
 *                fd stdin stdout stderr links, shm/ (a tmpfs of
 *                the memory limit's size, mode 1777)
 *   /proc        the box's own proc (its pid namespace); where a fresh one
 *                may not be mounted (a container's /proc with masked
 *                paths), the one we were started with, bound (MNT_PROC_BOUND)
 *   /tmp         mode 1777; /work, owned by the box's user, holding a copy
 *                of the caller's directory (no symlink is followed or copied;
 *                FIFOs and sockets are left out, other special files refused)
 *   /box         a read-only copy of a second directory (e.g. binaries)
 *
 * mnt_build_root() is called once by init, before any program starts.
 */
#ifndef SANDBOX_MNT_H
#define SANDBOX_MNT_H

#include <sys/types.h>

struct box_limits;

struct mnt_error {
	const char *step;	/* "mount /usr", "copy", ... */
	char path[256];		/* the path concerned, or "" */
	int err;		/* errno */
	int bad_input;		/* the caller's directory is at fault */
};

/* "" or a note naming the FIFOs and sockets the copy left out */
const char *mnt_skipped(void);

/* what mnt_build_root() had to do without, or 0 */
enum {
	MNT_PROC_BOUND = 1,	/* /proc is the outer one, bound in */
	MNT_IPC_DEFAULT = 2,	/* the SysV limits could not be set (read-only /proc/sys) */
	MNT_NO_HOSTNAME = 4,	/* (init's, not mnt's) sethostname() was refused */
};

int mnt_build_root(int src_fd, int ro_fd, uid_t uid, gid_t gid,
		   const struct box_limits *l, unsigned *degraded, struct mnt_error *e);

/*
 * Host mode (proto.h): the box is the directory dir of the host's, made by
 * the supervisor; this makes dir/work (a copy of src_fd) and dir/tmp,
 * owned by the programs' uid and gid, and dir/box (a copy of ro_fd
 * without write bits). Nothing is mounted.
 */
int mnt_build_host(const char *dir, int src_fd, int ro_fd, uid_t uid, gid_t gid,
		   struct mnt_error *e);

#endif
