/*
 * observe: what the kernel says about a process, read from /proc in our
 * own pid namespace (host pids). Nothing here waits or sleeps: callers poll
 * these facts with a deadline.
 */
#ifndef HARNESS_OBSERVE_H
#define HARNESS_OBSERVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct pinfo {
	pid_t pid, ppid, box_pid;
	char state;		/* R S D Z T ..., or 0 if the process is gone */
	int64_t cpu_ms;		/* utime + stime of the process itself */
	int in_syscall;		/* blocked in nr with args */
	int unobservable;	/* errno: /proc/PID/syscall could not be read */
	long nr;
	unsigned long args[6];
	char syscall[32];	/* its name */
	uint64_t sigblk, sigpnd, sigcgt, sigign;	/* sigpnd: thread and shared */
	char wchan[64];
	char exe[64];		/* basename of the executable */
	int threads;		/* Threads: of /proc/PID/status */
	uint64_t csw;		/* voluntary + nonvoluntary context switches: it
				 * changes whenever the process has run */
	uint64_t vcsw;		/* the voluntary ones: it went to sleep */
};

/* 0, or -1 when the process is gone */
int observe_proc(pid_t pid, struct pinfo *pi);
/* rchar and wchar of /proc/PID/io: the bytes it read and wrote through the kernel; 0 or -1 */
int observe_io(pid_t pid, int64_t *rchar, int64_t *wchar);

enum fd_type { FDT_OTHER, FDT_PIPE, FDT_FIFO, FDT_SOCKET, FDT_FILE, FDT_TTY };

struct fdinfo {
	int fd;
	enum fd_type type;
	int access;		/* O_RDONLY, O_WRONLY or O_RDWR */
	unsigned long inode;	/* pipes and sockets: pipe:[inode] */
	char target[256];	/* what /proc/PID/fd/N points at */
};

/* the process's descriptors; returns how many, or -1 */
int observe_fds(pid_t pid, struct fdinfo *out, int max);
int observe_fd(pid_t pid, int fd, struct fdinfo *out);
/* the process's children (one level); returns how many, or -1 */
int observe_children(pid_t pid, pid_t *out, int max);
/* a NUL-terminated string from the process's memory */
int observe_string(pid_t pid, unsigned long addr, char *buf, size_t size);

/* "blocked in read() on a pipe (fd 0)", "running", "a zombie ..." */
void observe_describe(const struct pinfo *pi, char *buf, size_t size);
/* a system call by the name the student wrote: wait4 is "waitpid", openat
 * "open", others their own */
const char *observe_call_name(const char *syscall);
const char *fd_type_name(enum fd_type t);
/* 1 if the process has POSIX timers (/proc/PID/timers not empty), 0 if
 * not, -1 if that cannot be known */
int observe_timers(pid_t pid);
/* does a blocked syscall name match a scenario's name ("open" ~ openat) */
int observe_syscall_matches(const char *actual, const char *wanted);

#endif
