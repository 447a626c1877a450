/*
 * clock: CLOCK_MONOTONIC in milliseconds, the one clock every deadline and
 * duration of the box and the harness is measured on.
 */
#ifndef COMMON_CLOCK_H
#define COMMON_CLOCK_H

#include <stdint.h>

int64_t now_ms(void);

#endif
