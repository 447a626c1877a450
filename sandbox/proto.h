/*
 * proto: what the supervisor (box.c and its parts) and the box's init
 * (init.c) say to each other over the ctl socket, and on each program's
 * report socket.
 * Both sides are built from this one header, in one build: there is no
 * versioning, the init image is always the one linked into the supervisor.
 *
 *   supervisor -> init   CONFIG (first, once: limits, flags, the filter),
 *                        SPAWN (argv; fds stdin, out, err, report),
 *                        COUNT, OPEN, READ, SEMVAL, and KILL (host mode:
 *                        kill everything of the box, clean up and exit)
 *   init -> supervisor   READY (others: in a cgroup namespace; status: what
 *                        the root was built without, mnt.h's MNT_ bits) or
 *                        FAIL (after CONFIG), SPAWNED, EXITED,
 *                        COUNTED, OPENED, READ_DONE, SEMVAL_DONE
 *   program -> supervisor  HELLO with its seccomp listener, or FAIL
 *                        {step, errno}; EOF (close-on-exec) means exec
 *
 * Descriptors init is started with: 3 ctl, 4 the directory to copy into
 * /work, 5 the directory to copy into /box (each closed when absent), and
 * 0-2 on /dev/null (2 kept when tracing).
 */
#ifndef SANDBOX_PROTO_H
#define SANDBOX_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>

#include "box.h"

#define BOX_UID 1000
#define BOX_GID 1000
#define MAX_ARGV_BYTES 6144
#define MAX_FILTER_LEN 4096	/* BPF_MAXINSNS */

/* MSG_EXITED's full: the tmpfs that had no room left */
#define EXIT_FULL_SHM 1		/* /dev/shm */
#define EXIT_FULL_ROOT 2	/* the root: /work and /tmp */

#define INIT_CTL_FD 3
#define INIT_SRC_FD 4
#define INIT_RO_FD 5

enum msg_type {
	MSG_CONFIG = 1, MSG_READY, MSG_FAIL, MSG_SPAWN, MSG_SPAWNED, MSG_EXITED,
	MSG_COUNT, MSG_COUNTED, MSG_HELLO, MSG_OPEN, MSG_OPENED, MSG_READ, MSG_READ_DONE,
	MSG_SEMVAL, MSG_SEMVAL_DONE, MSG_KILL,
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
	int full;		/* MSG_EXITED after SIGBUS: EXIT_FULL_* */
	char text[MAX_ARGV_BYTES];	/* argv, NUL-separated; a path; or an error */
};

/* MSG_CONFIG: everything init needs to know, sent up to filter[filter_len] */
struct init_config {
	int type;			/* MSG_CONFIG */
	struct box_limits limits;
	int nested;		/* programs get a user namespace of their own */
	int cgroupns;		/* unshare a cgroup namespace (we sit in the box's cgroup) */
	int have_cgroup;	/* memory is bounded by the cgroup, not RLIMIT_AS */
	int trace;		/* IPCBOX_TRACE: steps on fd 2 */
	/*
	 * Host mode, where no namespace can be had (an ordinary user without
	 * user namespaces): no new root, programs run as the caller in
	 * hostdir/work, and init translates the box's paths /work, /box and
	 * /tmp to hostdir's; init is a subreaper and kills every descendant
	 * when told to (MSG_KILL) or when the supervisor goes away.
	 */
	int host;
	char hostdir[256];
	/* who the programs are: BOX_UID in a box; in host mode the caller,
	 * or nobody when the caller is root (set_identity then) */
	int set_identity;
	uid_t uid;
	gid_t gid;
	unsigned filter_len;
	struct sock_filter filter[];	/* filter_len of them, at most MAX_FILTER_LEN */
};

#endif
