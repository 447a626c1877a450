/*
 * Small helpers of the box's own (its supervisor and its init): whole
 * small files, and descriptor passing over Unix sockets. What the harness
 * shares with the box is in common/ (io.h: reads and writes; clock.h).
 *
 * Every function returns 0 (or a count) on success and -1 with errno set on
 * failure; none of them prints.
 */
#ifndef SANDBOX_UTIL_H
#define SANDBOX_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* write a whole small file (procfs, cgroupfs); 0 or -1 */
int write_file(const char *path, const char *text);
/* read a small file into buf (NUL-terminated); bytes read or -1 */
ssize_t read_file(const char *path, char *buf, size_t size);

/*
 * Send len bytes with up to nfds descriptors attached (SCM_RIGHTS).
 * Receive the same: *nfds in is the room in fds, out the number received
 * (received descriptors are close-on-exec). If pid is not NULL and the
 * socket has SO_PASSCRED, *pid is the sender's pid in our pid namespace,
 * or 0 when no credentials came.
 */
int send_fds(int sock, const void *buf, size_t len, const int *fds, int nfds);
ssize_t recv_fds(int sock, void *buf, size_t len, int *fds, int *nfds, pid_t *pid);

#endif
