/*
 * proto: what the supervisor (box.c and its parts) and the box's init
 * (init.c) say to each other over the ctl socket, and what each program
 * says on its report socket. Both sides are built from this one header, in
 * one build: there is no versioning, the init image is always the one
 * linked into the supervisor.
 *
 * Every message is a struct msg: its type, the fields of that type (one
 * member of the union, named after the type) and text, of which only the
 * part used is sent. CONFIG is the exception: struct init_config.
 *
 *   message      direction         field                 meaning
 *   CONFIG       sup -> init       struct init_config    first and once: limits,
 *                                                        identity, the filter
 *   READY        init -> sup       ready.degraded        what the root was built
 *                                                        without (mnt.h's MNT_*)
 *                                  ready.cgroupns        1: init has a cgroup
 *                                                        namespace of its own
 *                                  text                  what the copy left out
 *                                                        (FIFOs, sockets), or ""
 *   FAIL         init -> sup       fail.err              errno of the failed step
 *                (instead of       fail.bad_input        1: the caller's directory
 *                READY)                                  is at fault, not the box
 *                                  text                  the step, and its path
 *   SPAWN        sup -> init       spawn.id              the program's index
 *                                  spawn.argc            how many strings in text
 *                                  spawn.has_stdin       0: fds[0] is a placeholder
 *                                  text                  argv, NUL-separated
 *                                  fds                   stdin, out, err, report
 *   SPAWNED      init -> sup       spawned.id            as in SPAWN; comes before
 *                                                        any EXITED of the same id
 *                                  spawned.err           errno of the clone, or 0
 *                                  spawned.pid           the program, in the box
 *   EXITED       init -> sup       exited.id             as in SPAWN
 *                                  exited.wait_status    as waitpid() gives it
 *                                  exited.pid            in the box
 *                                  exited.cpu_ms,        from its rusage
 *                                  exited.maxrss_kib
 *                                  exited.full           after SIGBUS: EXIT_FULL_*,
 *                                                        the tmpfs without room
 *                                  exited.left           processes still in the box
 *                                  exited.unwaited       processes reaped in the same
 *                                                        pass that init never started:
 *                                                        zombies whose parent exited
 *                                                        without waiting for them
 *   COUNT        sup -> init       (none)
 *   COUNTED      init -> sup       counted.left          processes in the box, init
 *                                                        not counted
 *   OPEN         sup -> init       open.for_reading      1: open a regular file to
 *                                                        read; 0: only say what the
 *                                                        path is
 *                                  text                  the path, in the box
 *   OPENED       init -> sup       opened.err            errno, or 0
 *                                  opened.mode, .size    its st_mode and st_size
 *                                  fd                    the file, if for_reading
 *                                                        and err is 0
 *   READ         sup -> init       text                  the path, in the box
 *   READ_DONE    init -> sup       read_done.err         errno, or 0
 *                                  read_done.len         bytes of text
 *                                  text                  the file's first bytes
 *   SEMVAL       sup -> init       semval.key            a SysV semaphore set's key
 *                                  semval.num            which semaphore of the set
 *   SEMVAL_DONE  init -> sup       semval_done.err       errno, or 0
 *                                  semval_done.value     the semaphore's value
 *   KILL         sup -> init       (none)                host mode: kill everything
 *                                                        of the box, clean up, exit
 *   HELLO        program -> sup    fd                    its seccomp listener; the
 *                                                        kernel adds its pid as the
 *                                                        supervisor sees it
 *   FAIL         program -> sup    fail.err              errno of the failed step
 *                                  text                  the step
 * On the report socket (close-on-exec), EOF means the program's exec
 * happened. "sup" is the supervisor.
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
#include <sys/types.h>

#include "box.h"

#define BOX_UID 1000
#define BOX_GID 1000
#define MAX_ARGV_BYTES 6144
#define MAX_FILTER_LEN 4096	/* BPF_MAXINSNS */

/* MSG_EXITED's exited.full: the tmpfs that had no room left */
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
	int type;		/* enum msg_type */
	union {			/* by type, as the table above says */
		struct { unsigned degraded; int cgroupns; } ready;
		struct { int err, bad_input; } fail;
		struct { int id, argc, has_stdin; } spawn;
		struct { int id, err; pid_t pid; } spawned;
		struct {
			int id, wait_status, full, left, unwaited;
			pid_t pid;
			int64_t cpu_ms, maxrss_kib;
		} exited;
		struct { int left; } counted;
		struct { int for_reading; } open;
		struct { int err, mode; int64_t size; } opened;
		struct { int err; int64_t len; } read_done;
		struct { long key; int num; } semval;
		struct { int err, value; } semval_done;
	};
	char text[MAX_ARGV_BYTES];	/* see the table; only what is used is sent */
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
