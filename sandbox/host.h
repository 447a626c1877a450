/*
 * host: the box without namespaces ("host mode"), for an ordinary user on
 * a machine that gives no user namespaces (or gives them without the right
 * to mount). What the namespaces would do is done by hand, as well as can
 * be: programs still run under the seccomp filter, no_new_privs and hard
 * rlimits, but they run as the caller, see the host's files and processes,
 * and share its SysV IPC and /dev/shm. The verdict says so.
 *
 * The supervisor, per box:
 *   1. host_lock(): waits until no other host-mode box of this user runs,
 *      since two would share SysV keys, /dev/shm paths and processes;
 *   2. host_dir_make(): the box's directory, private to the user;
 *   3. host_dir_remove() and host_unlock() when the box is freed.
 * init, in that directory:
 *   1. host_snapshot() before any program starts;
 *   2. host_relative() for every path the supervisor names: /work, /box
 *      and /tmp are the box directory's work, box and tmp;
 *   3. host_kill_all(), then host_cleanup(): every descendant is killed
 *      (init is a subreaper, so a double fork does not escape it; killing
 *      init does), then the SysV objects the programs' uid created while
 *      the box ran are removed, for a leftover queue would change the next
 *      box's result; a shared memory segment only if nothing has it
 *      attached, as the user's other programs (X11) make them too.
 * /dev/shm is left as it is: nothing there tells the box's from the rest.
 *
 * NEEDSWORK: the programs may kill init (same uid, and kill is allowed),
 * and whatever they left running then escapes to the host's reaper. A
 * filter rule refusing signals to init's pid would stop it, at the price
 * of compiling the filter for each host-mode box.
 * All return 0 or -1 with errno set; none prints.
 */
#ifndef SANDBOX_HOST_H
#define SANDBOX_HOST_H

#include <stddef.h>
#include <sys/types.h>

int host_lock(void);
void host_unlock(int fd);
int host_dir_make(char *dir, size_t size);
int host_dir_remove(const char *dir);

/* "work/x" for "/work/x" (likewise /box, /tmp), or NULL: not the box's */
const char *host_relative(const char *path);
void host_kill_all(void);
/* how many descendants init has (the box's processes, zombies included);
 * also for a box whose /proc is not its own (mnt.h) */
int host_count_descendants(void);
/* how many processes uid has (RLIMIT_NPROC counts them all) */
int host_count_processes(uid_t uid);

struct host_snapshot;
/* the SysV objects uid (the programs') made; NULL: out of memory */
struct host_snapshot *host_snapshot(uid_t uid);
void host_cleanup(const struct host_snapshot *before);

#endif
