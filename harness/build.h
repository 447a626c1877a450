/*
 * build: compiles a submission (or the reference) in a box with the build
 * profile and copies the programs it produced out to a host directory.
 *
 * build_programs() runs `make` when the directory has a Makefile, else
 * `cc -std=gnu11 -O2 -Wall -o P P.c` for each program P whose P.c exists.
 * It fills *res; build_result_release() frees it. Returns 0 when the box
 * worked (whatever the compiler said), -1 with err when it did not.
 */
#ifndef HARNESS_BUILD_H
#define HARNESS_BUILD_H

#include <stddef.h>

struct build_result {
	int ok;			/* every program was built */
	char **built;		/* NULL-terminated names that were */
	char *log;		/* what the compiler and make printed */
	int warnings;		/* the log mentions "warning:" */
};

int build_programs(const char *src, char *const *programs, const char *out_dir,
		   struct build_result *res, char *err, size_t errsize);
void build_result_release(struct build_result *res);

#endif
