/* The node's clocks (clock.h). */
#include "clock.h"

#include <time.h>

/* Milliseconds of one clock. */
static int64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wall clock: block timestamps and slots. */
int64_t cj_clock_wall_ms(void)
{
    return clock_ms(CLOCK_REALTIME);
}

/* Monotonic clock: timeouts and back-offs. */
int64_t cj_clock_mono_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}
