/*
 * Small helpers shared by the box's modules: full reads and writes that
 * retry on EINTR, descriptor passing over Unix sockets, and a monotonic
 * clock in milliseconds.
 *
 * Every function returns 0 (or a count) on success and -1 with errno set on
 * failure; none of them prints.
 */
#ifndef SANDBOX_UTIL_H
#define SANDBOX_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* write all of buf, retrying short writes and EINTR */
int xwrite_all(int fd, const void *buf, size_t len);
/* read until len bytes or EOF; returns bytes read (short only at EOF) */
ssize_t xread_full(int fd, void *buf, size_t len);
/* read once, retrying EINTR */
ssize_t xread(int fd, void *buf, size_t len);

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

/* CLOCK_MONOTONIC in milliseconds */
int64_t now_ms(void);

#endif
