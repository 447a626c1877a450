/*
 * policy: the box's system call allowlists, one per stage, as data.
 *
 * A profile is a table of rules; each rule names a system call, an optional
 * argument condition and the reason it is there. Everything not allowed goes
 * to the supervisor as a seccomp user notification, so that a denied call can
 * be reported by name, with its arguments and the program that made it.
 *
 * Steps for a caller:
 *   1. policy_compile() once per profile, in the supervisor, before forking:
 *      libseccomp builds the filter and we keep its BPF program.
 *   2. The box's init loads it in each program, last before exec, after
 *      no_new_privs: one raw seccomp(2) call with
 *      SECCOMP_FILTER_FLAG_NEW_LISTENER, whose listener goes to the
 *      supervisor (init.c; the program travels in proto.h's CONFIG).
 *   3. policy_describe() in the supervisor for each notification.
 *   4. policy_release() frees what policy_compile() allocated.
 */
#ifndef SANDBOX_POLICY_H
#define SANDBOX_POLICY_H

#include <stddef.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

enum policy_profile {
	POLICY_RUN,		/* what IPC programs legitimately need */
	POLICY_BUILD,		/* what make, gcc, cc1, as and ld need */
};

struct policy_bpf {
	struct sock_filter *insns;
	unsigned short len;
};

/*
 * Changes an assignment makes to a profile: NULL-terminated lists of
 * system call names to allow unconditionally, or to deny even when the
 * profile allows them. Either list may be NULL.
 */
struct policy_delta {
	const char *const *allow;
	const char *const *deny;
	/* allowed, but each call goes to the supervisor first, which lets
	 * it through, at once or later (box.h's hold_children) */
	const char *const *notify;
};

/* 0, or a negative errno (-EINVAL names an unknown system call in delta) */
int policy_compile(enum policy_profile profile, const struct policy_delta *delta,
		   struct policy_bpf *out);
void policy_release(struct policy_bpf *bpf);

/* "socket(AF_INET, SOCK_STREAM, 0)" for a notification's data */
void policy_describe(const struct seccomp_data *data, char *buf, size_t size);
/* "socket", or "syscall 1234" when libseccomp does not know the number */
const char *policy_syscall_name(int nr, char *buf, size_t size);

const char *policy_profile_name(enum policy_profile profile);

#endif
