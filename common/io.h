/*
 * io: full reads and writes that retry on EINTR, shared by the box (its
 * supervisor and its init) and the harness. Each returns -1 with errno set
 * on failure; none prints.
 */
#ifndef COMMON_IO_H
#define COMMON_IO_H

#include <stddef.h>
#include <sys/types.h>

/* write all of buf, retrying short writes and EINTR; 0 or -1 */
int xwrite_all(int fd, const void *buf, size_t len);
/* read until len bytes or EOF; returns bytes read (short only at EOF) */
ssize_t xread_full(int fd, void *buf, size_t len);
/* read once, retrying EINTR */
ssize_t xread(int fd, void *buf, size_t len);

#endif
