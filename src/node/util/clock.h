/* The node's two clocks. Wall-clock time is what block timestamps, slots and admission times are compared
 * with (a test may skew it with libfaketime); monotonic time measures timeouts and back-offs, immune to
 * clock steps. One place reads each, so every part of the node sees the same time. */
#ifndef CJ_NODE_CLOCK_H
#define CJ_NODE_CLOCK_H

#include <stdint.h>

/* Unix time in milliseconds (CLOCK_REALTIME). */
int64_t cj_clock_wall_ms(void);

/* Milliseconds since an arbitrary start (CLOCK_MONOTONIC). */
int64_t cj_clock_mono_ms(void);

#endif /* CJ_NODE_CLOCK_H */
