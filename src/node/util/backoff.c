/* Back-off delays (backoff.h). */
#include "backoff.h"

#include <event2/event.h>
#include <event2/listener.h>

/* Doubling with a cap. */
uint64_t cj_backoff_next(uint64_t cur, uint64_t first, uint64_t max)
{
    if (cur == 0)
        return first < max ? first : max;
    return cur > max / 2 ? max : cur * 2;
}

/* Pauses a listener whose accept() failed until the timer fires. */
int cj_backoff_pause_listener(struct evconnlistener *lis, struct event *timer, int *backoff_ms)
{
    evconnlistener_disable(lis);
    *backoff_ms = (int)cj_backoff_next((uint64_t)*backoff_ms, CJ_BACKOFF_ACCEPT_FIRST_MS, CJ_BACKOFF_ACCEPT_MAX_MS);
    struct timeval tv = {*backoff_ms / 1000, (*backoff_ms % 1000) * 1000};
    evtimer_add(timer, &tv);
    return *backoff_ms;
}
