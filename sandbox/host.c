#define _GNU_SOURCE
#include "host.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *tmpdir(void)
{
	const char *t = getenv("TMPDIR");

	return t && t[0] == '/' ? t : "/tmp";
}

int host_lock(void)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/ipcgrade-host-%u.lock", tmpdir(), (unsigned)getuid());
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	/* in a shared /tmp, someone else's file would let them hold us up */
	if (fstat(fd, &st) < 0 || st.st_uid != getuid() || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	return fd;
}

void host_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* and with it the lock */
}

int host_dir_make(char *dir, size_t size)
{
	if ((size_t)snprintf(dir, size, "%s/ipcgrade-box.XXXXXX", tmpdir()) >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return mkdtemp(dir) ? 0 : -1;
}

/* remove name in dfd and all below it, never following a link; a program
 * may have taken the write or search bits off its own directories */
static int remove_tree(int dfd, const char *name, int depth)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int fd;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dfd, name, 0);
	if (depth > 64) {
		errno = ELOOP;
		return -1;
	}
	if ((st.st_mode & 0700) != 0700 && fchmodat(dfd, name, 0700, 0) < 0)
		return -1;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			remove_tree(dirfd(d), de->d_name, depth + 1);
	closedir(d);
	return unlinkat(dfd, name, AT_REMOVEDIR);
}

int host_dir_remove(const char *dir)
{
	return remove_tree(AT_FDCWD, dir, 0);
}

const char *host_relative(const char *path)
{
	static const char *const mapped[] = { "/work", "/box", "/tmp" };

	for (size_t i = 0; i < sizeof(mapped) / sizeof(mapped[0]); i++) {
		size_t n = strlen(mapped[i]);

		if (!strncmp(path, mapped[i], n) && (path[n] == '\0' || path[n] == '/'))
			return path + 1;
	}
	return NULL;
}

/* the descendants of pid that can be seen now: counted, and sent sig */
static int walk_tree(pid_t pid, int sig, int depth)
{
	char path[320], buf[4096];
	struct dirent *de;
	DIR *tasks;
	int n = 0;

	if (depth > 4096)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if (!(tasks = opendir(path)))
		return 0;
	while ((de = readdir(tasks))) {
		char *p, *end;
		ssize_t got;
		int fd;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/children", (int)pid, de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		got = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (got <= 0)
			continue;
		buf[got] = '\0';
		for (p = buf; *p; p = end) {
			long child = strtol(p, &end, 10);

			if (end == p)
				break;
			if (sig)
				kill((pid_t)child, sig);
			n += 1 + walk_tree((pid_t)child, sig, depth + 1);
		}
	}
	closedir(tasks);
	return n;
}

/* our pid as /proc numbers it: getpid() but in a pid namespace whose
 * /proc is the outer one (mnt.h's MNT_PROC_BOUND), where we are not 1 */
static pid_t proc_self(void)
{
	char buf[32];
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);

	if (n <= 0)
		return getpid();
	buf[n] = '\0';
	return (pid_t)atoi(buf);
}

int host_count_descendants(void)
{
	return walk_tree(proc_self(), 0, 0);
}

/*
 * Every descendant of ours, killed and reaped. We are a subreaper, so each
 * one is ours or below one of ours; each round kills all that can be seen
 * and reaps at least one, and ECHILD means none is left.
 */
void host_kill_all(void)
{
	for (;;) {
		walk_tree(proc_self(), SIGKILL, 0);
		if (waitpid(-1, NULL, __WALL) < 0 && errno == ECHILD)
			return;
	}
}

int host_count_processes(uid_t uid)
{
	struct dirent *de;
	struct stat st;
	DIR *d = opendir("/proc");
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9' &&
		    fstatat(dirfd(d), de->d_name, &st, 0) == 0 && st.st_uid == uid)
			n++;
	closedir(d);
	return n;
}

/* ---- SysV objects the box made ---- */

#define MAX_SEEN 4096

static const struct sysv_kind {
	const char *file;
	int cuid_column, nattch_column;	/* 1-based in /proc/sysvipc/FILE; 0: none */
} kinds[] = {
	{ "/proc/sysvipc/msg", 10, 0 },
	{ "/proc/sysvipc/shm", 10, 7 },
	{ "/proc/sysvipc/sem", 7, 0 },
};

struct host_snapshot {
	uid_t uid;
	int ids[3][MAX_SEEN];
	int nids[3];
	int overflow;
};

/* calls fn for each object uid created, with its nattch (or 0) */
static void each_object(uid_t uid, void (*fn)(int kind, int id, long nattch, void *data),
			void *data)
{
	char line[512];

	for (int k = 0; k < 3; k++) {
		FILE *f = fopen(kinds[k].file, "re");

		if (!f)
			continue;
		if (!fgets(line, sizeof(line), f)) {	/* the header */
			fclose(f);
			continue;
		}
		while (fgets(line, sizeof(line), f)) {
			char *save = NULL, *tok = strtok_r(line, " \t\n", &save);
			long id = -1, cuid = -1, nattch = 0;

			for (int col = 1; tok; col++, tok = strtok_r(NULL, " \t\n", &save)) {
				if (col == 2)
					id = strtol(tok, NULL, 10);
				else if (col == kinds[k].cuid_column)
					cuid = strtol(tok, NULL, 10);
				else if (col == kinds[k].nattch_column)
					nattch = strtol(tok, NULL, 10);
			}
			if (id >= 0 && cuid == (long)uid)
				fn(k, (int)id, nattch, data);
		}
		fclose(f);
	}
}

static void remember(int kind, int id, long nattch, void *data)
{
	struct host_snapshot *s = data;

	(void)nattch;
	if (s->nids[kind] < MAX_SEEN)
		s->ids[kind][s->nids[kind]++] = id;
	else
		s->overflow = 1;
}

static void remove_new(int kind, int id, long nattch, void *data)
{
	const struct host_snapshot *s = data;

	for (int i = 0; i < s->nids[kind]; i++)
		if (s->ids[kind][i] == id)
			return;
	if (kind == 0)
		msgctl(id, IPC_RMID, NULL);
	else if (kind == 1 && nattch == 0)
		shmctl(id, IPC_RMID, NULL);
	else if (kind == 2)
		semctl(id, 0, IPC_RMID);
}

struct host_snapshot *host_snapshot(uid_t uid)
{
	struct host_snapshot *s = calloc(1, sizeof(*s));

	if (s) {
		s->uid = uid;
		each_object(uid, remember, s);
	}
	return s;
}

/*
 * Removing another uid's object takes CAP_SYS_ADMIN, which a container's
 * root lacks: root's programs run as nobody, so root becomes their owner
 * for the while (every program is dead by now).
 */
void host_cleanup(const struct host_snapshot *before)
{
	int as_owner;

	if (!before || before->overflow)
		return;
	as_owner = geteuid() == 0 && before->uid != 0 && seteuid(before->uid) == 0;
	each_object(before->uid, remove_new, (void *)before);
	if (as_owner && seteuid(0) < 0)
		_exit(1);	/* cannot happen: the saved uid is 0 */
}
