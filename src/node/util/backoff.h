/* Back-off: how long to wait before trying again, doubling up to a cap. One rule for the P2P dialer's
 * static peers and for both listeners (P2P and API) when accept() fails, so none of them spins. */
#ifndef CJ_NODE_BACKOFF_H
#define CJ_NODE_BACKOFF_H

#include <stdint.h>

struct evconnlistener;
struct event;

#define CJ_BACKOFF_ACCEPT_FIRST_MS 50
#define CJ_BACKOFF_ACCEPT_MAX_MS 2000

/* The next delay: first when cur is 0, else twice cur, never above max (and never overflowing). */
uint64_t cj_backoff_next(uint64_t cur, uint64_t first, uint64_t max);

/* accept() failed (descriptors exhausted and the like): disables lis and arms timer, whose callback
 * re-enables it, for the next delay of *backoff_ms (50 ms doubling to 2 s; reset it to 0 after a good
 * accept). Returns the delay in ms. */
int cj_backoff_pause_listener(struct evconnlistener *lis, struct event *timer, int *backoff_ms);

#endif /* CJ_NODE_BACKOFF_H */
