/*
 * box_internal: what the supervisor's side of the box shares between its
 * files; not an interface (box.h is). The box is split by concept:
 *   box.c      how a box works (the overview), defaults, the accessors,
 *              box_run(), and the helpers every part uses (trace, note,
 *              set_error)
 *   start.c    box_new(): init cloned into its namespaces, or host mode
 *   spawn.c    box_spawn(): one program started by init
 *   events.c   the event loop: box_pump() and what it handles, kill_box()
 *   query.c    looking into the box through init (box_stat, box_read, ...)
 *   finish.c   box_finish() and box_free(): teardown, host mode's included
 *   verdict.c  each program's verdict and its wording
 */
#ifndef SANDBOX_BOX_INTERNAL_H
#define SANDBOX_BOX_INTERNAL_H

#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "box.h"
#include "limits.h"
#include "policy.h"
#include "proto.h"

#define MAX_VIOLATIONS 32
/* in host mode, root's programs run as nobody */
#define HOST_ROOT_UID 65534
#define HOST_ROOT_GID 65534
/* output is read through one buffer per box, not the stack: the
 * stack-clash probes of a 64 KiB frame fault in every page of it, which
 * a short-lived process (ipcbox) pays at each box */
#define IOBUF_SIZE 65536

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
	uint64_t seq;		/* news of starts and ends so far (box_proc) */
	struct box_violation viol[MAX_VIOLATIONS];
	int nviol;
	int64_t total_output;
	int finished, reaped, init_lost;
	int nested;		/* programs get a user namespace of their own */
	int host;		/* host mode (host.h): no namespaces at all */
	int host_lock_fd;	/* host mode: held while the box exists */
	char hostdir[256];	/* host mode: the box's directory, or "" */
	char no_ns_why[160];	/* why namespaces failed, for host mode's note */
	enum box_status kill_status;
	enum box_limit kill_limit;
	int kill_proc;		/* program blamed for the kill, or -1 */
	int count_at_kill;	/* processes alive when a limit killed it */
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	box_echo_fn *echo;
	void *echo_data;
	char *iobuf;		/* IOBUF_SIZE */
};

/* IPCBOX_TRACE=1: when each step of a box ends, on stderr */
int tracing(void);
void trace(const char *step);
/* a line for the verdict's isolation notes (at most six are kept) */
void note(struct box *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* fill *err (if not NULL); returns -1 */
int set_error(struct box_error *err, enum box_error_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* events.c */
int box_send(struct box *b, struct msg *m, size_t textlen, const int *fds, int nfds);
/* stop everything in the box, blaming status and limit on program proc
 * (or -1); only the first call counts */
void kill_box(struct box *b, enum box_status status, enum box_limit limit, int proc);
void handle_ctl(struct box *b);
void handle_report(struct box *b, struct box_proc *p);
void handle_output(struct box *b, struct box_proc *p, int stream);
void record_exit(struct box *b, const struct msg *m);

/* finish.c */
void wait_host_teardown(struct box *b);

/* verdict.c: program i's verdict, once the box has ended */
void make_verdict(struct box *b, int i);

#endif
