/*
 * nouserns: runs a command on a machine that, as far as it can tell, gives
 * no usable user namespace, the way container runtimes and hardened
 * distributions refuse them. Built with -lseccomp by tests/nons.t.
 *   nouserns clone CMD...   clone/unshare with CLONE_NEWUSER fail (EPERM)
 *   nouserns all CMD...     clone/unshare with any namespace flag fail, as in
 *                           a container without CAP_SYS_ADMIN
 *   nouserns mount CMD...   user namespaces are made, but mount fails (EPERM),
 *                           as under Ubuntu's AppArmor restriction
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static const unsigned long all[] = {
		CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
		CLONE_NEWPID, CLONE_NEWNET,
	};
	scmp_filter_ctx ctx;
	int ret = 0;

	if (argc < 3 || (strcmp(argv[1], "clone") && strcmp(argv[1], "all") &&
			 strcmp(argv[1], "mount"))) {
		fprintf(stderr, "usage: nouserns clone|all|mount CMD [ARG...]\n");
		return 2;
	}
	if (!(ctx = seccomp_init(SCMP_ACT_ALLOW)))
		return 2;
	if (!strcmp(argv[1], "clone")) {
		ret |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 1,
					SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
		ret |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
					SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
		/* clone3 passes its flags in memory: refuse it, libc falls back */
		ret |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	} else if (!strcmp(argv[1], "all")) {
		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
			ret |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 1,
						SCMP_A0(SCMP_CMP_MASKED_EQ, all[i], all[i]));
			ret |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
						SCMP_A0(SCMP_CMP_MASKED_EQ, all[i], all[i]));
		}
		ret |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	} else {
		ret |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mount), 0);
	}
	if (ret || seccomp_load(ctx) < 0) {
		fprintf(stderr, "nouserns: cannot load the filter\n");
		return 2;
	}
	seccomp_release(ctx);
	execvp(argv[2], argv + 2);
	fprintf(stderr, "nouserns: %s: %s\n", argv[2], strerror(errno));
	return 127;
}
