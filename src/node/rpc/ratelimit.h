/* Per-client-IP token-bucket rate limiter of the HTTP API, with one global bucket on top. Clients are keyed
 * by binary address (IPv4 mapped into IPv6); when max_clients are tracked, newcomers share one overflow
 * bucket, and fully refilled buckets (indistinguishable from new clients) are swept at most once a second. */
#ifndef CJ_NODE_RATELIMIT_H
#define CJ_NODE_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

typedef struct cj_ratelimit cj_ratelimit;

/* rate: tokens per second per client; burst: bucket size; global_rate/global_burst: shared bucket;
 * max_clients: tracked clients at most. NULL on OOM or invalid parameters. */
cj_ratelimit *cj_ratelimit_new(double rate, double burst, double global_rate, double global_burst,
                               size_t max_clients);
void cj_ratelimit_free(cj_ratelimit *rl);
/* Takes one token for client ip (text form) at now_ms. Returns 1 if allowed, 0 if limited. */
int cj_ratelimit_take(cj_ratelimit *rl, const char *ip, int64_t now_ms);

#endif /* CJ_NODE_RATELIMIT_H */
