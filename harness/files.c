/*
 * files: the harness's own scratch files: temporary directories, and
 * copying and removing trees (references, mutants, built programs).
 */
#define _GNU_SOURCE
#include "files.h"
#include "../common/io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

void rm_tree(const char *dir)
{
	if (dir && dir[0])
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int make_temp(char *out, size_t size, const char *what)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(out, size, "%s/ipcgrade-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", what);
	if (!mkdtemp(out))
		return -1;
	return chmod(out, 0755);
}

int copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	FILE *in, *out;
	size_t n;
	int ret = 0;

	in = fopen(from, "rbe");
	out = in ? fopen(to, "wbe") : NULL;
	if (!in || !out) {
		if (in)
			fclose(in);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			ret = -1;
	if (ferror(in))
		ret = -1;
	fclose(in);
	if (fclose(out) != 0)
		ret = -1;
	return ret == 0 ? chmod(to, mode) : -1;
}

int link_or_copy(const char *from, const char *to)
{
	if (link(from, to) == 0)
		return 0;
	return copy_file(from, to, 0755);
}

int copy_tree(const char *from, const char *to)
{
	char a[PATH_MAX], b[PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(from);
	int ret = 0;

	if (!d)
		return -1;
	if (mkdir(to, 0755) < 0 && errno != EEXIST)
		ret = -1;
	while (ret == 0 && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(a, sizeof(a), "%s/%s", from, e->d_name);
		snprintf(b, sizeof(b), "%s/%s", to, e->d_name);
		if (lstat(a, &st) < 0)
			ret = -1;
		else if (S_ISDIR(st.st_mode))
			ret = copy_tree(a, b);
		else if (S_ISREG(st.st_mode))
			ret = copy_file(a, b, 0644);
	}
	closedir(d);
	return ret;
}

int hash_file(struct sha256_ctx *ctx, const char *path)
{
	char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	while ((n = xread(fd, buf, sizeof(buf))) > 0)
		sha256_update(ctx, (size_t)n, (const uint8_t *)buf);
	close(fd);
	return n < 0 ? -1 : 0;
}

static int skip_entry(const struct dirent *d)
{
	return strcmp(d->d_name, ".") && strcmp(d->d_name, "..") && strcmp(d->d_name, ".git");
}

static int hash_under(struct sha256_ctx *ctx, const char *dir, const char *rel, const char *skip)
{
	struct dirent **names;
	int n = scandir(dir, &names, skip_entry, alphasort), ret = 0;

	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX], sub[PATH_MAX], head[PATH_MAX + 64], link[PATH_MAX];
		struct stat st;
		ssize_t len;

		if (ret < 0 || (skip && !strcmp(names[i]->d_name, skip)))
			goto next;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", names[i]->d_name);
		if (lstat(path, &st) < 0) {
			ret = -1;
			goto next;
		}
		snprintf(head, sizeof(head), "%c%o %s", S_ISDIR(st.st_mode) ? 'd' : S_ISLNK(st.st_mode) ? 'l' : 'f',
			 (unsigned)(st.st_mode & 0111), sub);
		sha256_update(ctx, strlen(head) + 1, (const uint8_t *)head);
		if (S_ISDIR(st.st_mode))
			ret = hash_under(ctx, path, sub, NULL);
		else if (S_ISLNK(st.st_mode) && (len = readlink(path, link, sizeof(link))) >= 0)
			sha256_update(ctx, (size_t)len, (const uint8_t *)link);
		else if (S_ISREG(st.st_mode))
			ret = hash_file(ctx, path);
next:
		free(names[i]);
	}
	free(names);
	return ret;
}

int hash_tree(struct sha256_ctx *ctx, const char *dir, const char *skip)
{
	return hash_under(ctx, dir, "", skip);
}
