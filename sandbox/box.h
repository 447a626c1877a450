/*
 * box: one fresh container for the programs of one build or one scenario.
 *
 * A box is a pid 1 of ours ("init") in new user, pid, mount, ipc, net, uts
 * and cgroup namespaces, on a tmpfs root that holds the system directories
 * read-only and a writable /work. The caller (the supervisor) stays outside
 * and asks init, over a socket only init holds, to start programs; each
 * program runs as uid 1000 with no capabilities, no_new_privs, hard rlimits
 * and a seccomp allowlist whose denied calls come to the supervisor as user
 * notifications. Verdicts are made by the supervisor from what the kernel
 * tells it and init reports, never from anything a program writes.
 *
 * The caller's steps, in order:
 *   1. box_config_init(&cfg), then change cfg's limits, profile, copy_dir.
 *   2. box_new(&cfg, &box, err): starts init and builds the root. On
 *      failure, err says which step failed; a bad copy_dir (a symlink, a
 *      special file) is BOX_EBADINPUT, anything else BOX_EINTERNAL. Where
 *      the namespaces are refused, or granted without the right to mount,
 *      it falls back to host mode (host.h): no namespaces, and
 *      box_isolation() says so in its flags and notes.
 *   3. box_spawn(box, &spawn): starts one program; returns its index. The
 *      program's stdin is spawn.stdin_fd (the box does not close it), its
 *      stdout and stderr are captured by the box.
 *   4. box_pump(box, timeout_ms): waits for events (output, exits, denied
 *      calls, limits) for at most timeout_ms; call it until the programs
 *      you wait for are done (box_result(box, i)->done) or box_finished(box).
 *   5. box_finish(box): kills whatever still runs, reaps init, collects
 *      the box-wide figures (peak memory, process count, cgroup events) and
 *      fills each program's verdict. Safe to call more than once.
 *   6. box_free(box): releases everything box_new() allocated, including
 *      the cgroup, after box_finish() if the caller did not call it.
 * box_run() does steps 2 to 6 for one command, which is `ipcgrade run`.
 *
 * Who owns what: the box owns every descriptor it creates; the caller owns
 * cfg and the stdin_fd it passes. Verdicts live in the box until box_free().
 */
#ifndef SANDBOX_BOX_H
#define SANDBOX_BOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy.h"

struct box_limits {
	int64_t wall_ms;	/* whole box, from box_new() */
	int64_t cpu_ms;		/* per process (RLIMIT_CPU) */
	int64_t memory_kib;	/* whole box with a cgroup, per process without */
	int processes;		/* whole box with a cgroup, per uid without */
	int64_t file_size_kib;	/* RLIMIT_FSIZE */
	int open_files;		/* RLIMIT_NOFILE */
	int64_t output_bytes;	/* captured per program; the rest is counted */
	int64_t output_max;	/* all output of the box; beyond it, killed */
	int64_t tmpfs_kib;	/* size of the box's root, /work and /tmp */
	int msgmni, shmmni, semmni;	/* SysV objects in the ipc namespace */
	int64_t shmmax, shmall;		/* bytes per segment, pages in all */
};

struct box_config {
	struct box_limits limits;
	enum policy_profile profile;
	const struct policy_delta *delta;	/* an assignment's changes */
	const char *copy_dir;	/* copied into /work, or NULL */
	const char *ro_dir;	/* copied into /box, read-only, or NULL */
};

enum box_status {
	BOX_OK,			/* exit 0, no rule broken */
	BOX_EXIT,		/* nonzero exit */
	BOX_SIGNAL,		/* killed by a signal no limit explains */
	BOX_TIME,		/* wall or CPU time limit */
	BOX_MEMORY,		/* memory limit */
	BOX_OUTPUT,		/* wrote more than output_max */
	BOX_PROCESSES,		/* could not create a process: limit reached */
	BOX_FORBIDDEN,		/* made a system call the profile denies */
	BOX_INTERNAL,		/* the box itself failed */
};

enum box_limit {
	LIMIT_NONE, LIMIT_WALL, LIMIT_CPU, LIMIT_MEMORY, LIMIT_OUTPUT,
	LIMIT_PROCESSES, LIMIT_FILE_SIZE,
	LIMIT_SHM,		/* /dev/shm full: SIGBUS in a shared mapping */
	LIMIT_DISK,		/* /work and /tmp full: SIGBUS in a mapping */
};

struct box_violation {
	pid_t pid;		/* in the supervisor's pid namespace */
	int proc;		/* index of the program it belongs to, or -1 */
	char process[32];	/* basename of the caller's executable */
	char syscall[32];
	char detail[160];
};

/* What was in force; the verdict always carries it. */
struct box_isolation {
	int userns, pidns, mountns, ipcns, netns, utsns, cgroupns, seccomp;
	const char *mode;	/* "box" (namespaces) or "host" (host.h) */
	const char *proc;	/* the programs' /proc: "own" (the box's pid
				 * namespace), "bound" (the one the supervisor
				 * sees, bound in) or "host" (host mode) */
	const char *cgroup;	/* "v1", "v2" or "none" */
	char notes[6][160];
	int nnotes;
};

struct box_output {
	char *data;		/* up to limits.output_bytes, NUL-terminated */
	size_t len;		/* bytes kept */
	int64_t total;		/* bytes written, kept or not */
	int eof;
};

struct box_verdict {
	enum box_status status;
	enum box_limit limit;
	int exit_code;		/* -1 unless the program exited */
	int signal;		/* 0 unless killed by a signal */
	int64_t cpu_ms, wall_ms, peak_memory_kib;
	int leftover;		/* processes killed when the program ended */
	int unwaited;		/* zombies its parent never waited for, reaped
				 * by the box's init as the program ended */
	char message[320];
};

struct box_proc {
	char name[64];		/* basename of argv[0], for messages */
	pid_t pid;		/* in the supervisor's pid namespace */
	pid_t box_pid;		/* in the box */
	int64_t started_ms;
	int done;		/* exited (and reaped by init) */
	int wait_status;
	int64_t cpu_ms, maxrss_kib, ended_ms;
	/*
	 * When init told of its start and of its end, in the order of all
	 * such news of this box (1, 2, ...; 0: not yet). verdict.leftover
	 * counts every process alive at its end; another program was among
	 * them when it started before and ended after (started_seq <
	 * ended_seq < its ended_seq).
	 */
	uint64_t started_seq, ended_seq;
	struct box_output out, err;
	int out_fd, err_fd, report_fd, listen_fd;	/* -1 when closed */
	int exec_errno;		/* nonzero if exec failed */
	int full_fs;		/* after SIGBUS: which tmpfs was full (proto.h) */
	size_t out_skip;	/* filler still to drop from stdout (stdout_full) */
	int hold_output;	/* box_hold_output(): stdout is not read for now, so a
				 * program writing more than a pipe holds blocks */
	int hold_children;	/* box_spawn's hold_children, until released */
	int nheld;		/* notifications of held children, unanswered */
	uint64_t held[64];
	pid_t held_pid[64];
	struct box_verdict verdict;
};

struct box_spawn {
	char *const *argv;	/* looked up in the box's PATH */
	int stdin_fd;		/* -1 for /dev/null */
	/*
	 * The program's descendants stop at the first call of the config's
	 * delta->notify that they make (the caller names one that a new
	 * process makes before anything else: glibc's fork() child calls
	 * set_robust_list first) and stay there until
	 * box_release_children(): then they all go on at once. The program
	 * itself is never held.
	 */
	int hold_children;
	int stdout_full;	/* stdout starts as a pipe already full of filler:
				 * the program's first write to it blocks until
				 * the caller stops holding its output (call
				 * box_hold_output() before the next box_pump()
				 * to hold it). The
				 * filler is dropped unread; the program's own
				 * bytes follow it. This freezes a program at the
				 * moment of its first output, so that its state
				 * then can be looked at without a race. */
};

enum box_error_kind { BOX_EINTERNAL = 1, BOX_EBADINPUT };

struct box_error {
	enum box_error_kind kind;
	char message[320];
};

struct box;

void box_config_init(struct box_config *cfg);
int box_new(const struct box_config *cfg, struct box **out, struct box_error *err);
int box_spawn(struct box *box, const struct box_spawn *spawn, struct box_error *err);
int box_pump(struct box *box, int timeout_ms);
/* the same, also polling up to 16 of the caller's descriptors, whose
 * revents are filled in (e.g. the write ends of programs' stdin) */
struct pollfd;
int box_pump_with(struct box *box, int timeout_ms, struct pollfd *extra, int nextra);
void box_finish(struct box *box);
void box_free(struct box *box);

int box_nprocs(const struct box *box);
/* program i's record, read-only: all a caller outside the box needs */
const struct box_proc *box_result(const struct box *box, int i);
/* stop (1) or resume (0) reading program i's stdout: a program writing
 * more than a pipe holds then blocks in write() */
void box_hold_output(struct box *box, int i, int hold);
/* let program i's held descendants go on (box_spawn's hold_children),
 * all at once, each bound to a CPU of its own in turn so that they run
 * side by side, and hold none after them */
void box_release_children(struct box *box, int i);
/*
 * Pump until program i has reported its pid before exec or its report
 * channel closed (its exec succeeded or failed), the box finished, or
 * timeout_ms passed. Returns 0, or the errno of its failed exec.
 */
int box_wait_started(struct box *box, int i, int timeout_ms);
const struct box_isolation *box_isolation(const struct box *box);
const struct box_limits *box_limits(const struct box *box);
int box_nviolations(const struct box *box);
const struct box_violation *box_violation(const struct box *box, int i);
/* nonzero once the box has been killed (limit, violation, or finish) */
int box_finished(const struct box *box);
/* the init's pid in our namespace: every process of the box descends
 * from it (/proc/PID/task/PID/children) */
pid_t box_init_pid(const struct box *box);

/*
 * Looking into the box, through init (symlinks are never followed):
 * box_stat() says what a path is; box_open() opens a regular file for
 * reading and returns the descriptor (the caller closes it); box_read()
 * reads a small file as a process inside sees it (/proc/sys/kernel/
 * ns_last_pid, /proc/sysvipc/msg). All return a negative errno on failure.
 */
struct box_stat {
	unsigned mode;
	int64_t size;
};
int box_stat(struct box *box, const char *path, struct box_stat *st);
int box_open(struct box *box, const char *path);
ssize_t box_read(struct box *box, const char *path, char *buf, size_t size);
/* the value of semaphore num of the SysV set with this key, in the box */
int box_semval(struct box *box, long key, int num);

/*
 * Called with each chunk of captured output as it arrives (stream 1 or 2),
 * e.g. to echo it; may be NULL.
 */
typedef void box_echo_fn(int proc, int stream, const char *buf, size_t len, void *data);
void box_set_echo(struct box *box, box_echo_fn *fn, void *data);

/*
 * One command in one box: `ipcgrade run`. Returns 0 with *out set (free
 * with box_free()), or -1 with err filled.
 */
int box_run(const struct box_config *cfg, const struct box_spawn *spawn,
	    box_echo_fn *echo, void *data, struct box **out, struct box_error *err);

const char *box_status_name(enum box_status status);
const char *box_limit_name(enum box_limit limit);

#endif
