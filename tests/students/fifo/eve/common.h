#ifndef COMMON_H
#define COMMON_H
int make_fifo(const char *prog, const char *path);
void fail(const char *prog, const char *what, const char *path);
#endif
