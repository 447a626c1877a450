/*
 * files: scratch directories and copies for the harness. Each returns 0,
 * or -1 with errno set; none prints.
 */
#ifndef HARNESS_FILES_H
#define HARNESS_FILES_H

#include <nettle/sha2.h>
#include <stddef.h>
#include <sys/types.h>

/* remove DIR and everything under it (no-op for NULL or ""); best effort */
void rm_tree(const char *dir);
/* a new directory $TMPDIR/ipcgrade-WHAT-XXXXXX (mode 0755) named in out */
int make_temp(char *out, size_t size, const char *what);
/* copy a regular file, giving the copy MODE */
int copy_file(const char *from, const char *to, mode_t mode);
/* hard-link FROM to TO, or copy it (mode 0755) across file systems */
int link_or_copy(const char *from, const char *to);
/* copy the directories and regular files under FROM to TO (others skipped) */
int copy_tree(const char *from, const char *to);
/* add a regular file's bytes to a SHA-256 */
int hash_file(struct sha256_ctx *ctx, const char *path);
/*
 * add a tree to a SHA-256: each entry's path, kind and content, in name
 * order (.git left out), so that the same files give the same hash
 * wherever they are; skip: a name left out at the top (a grader's
 * mutants do not change its verdicts), or NULL
 */
int hash_tree(struct sha256_ctx *ctx, const char *dir, const char *skip);

#endif
