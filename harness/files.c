/*
 * files: the harness's own scratch files: temporary directories, and
 * copying and removing trees (references, mutants, built programs).
 */
#define _GNU_SOURCE
#include "files.h"

#include <dirent.h>
#include <errno.h>
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
