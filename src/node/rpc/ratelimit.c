/* HTTP API rate limiter: token buckets keyed by the client's binary address (IPv4 mapped into IPv6). */
#include "ratelimit.h"

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"

typedef struct {
    double tokens;
    int64_t last_ms;
} ratelimit_bucket;

struct cj_ratelimit {
    double rate, burst, grate, gburst;
    size_t max_clients;
    cj_hmap map;
    ratelimit_bucket global, overflow;
    int64_t last_sweep_ms;
};

/* Creates a limiter with both buckets full. */
cj_ratelimit *cj_ratelimit_new(double rate, double burst, double global_rate, double global_burst,
                               size_t max_clients)
{
    if (!(rate > 0) || !(burst >= 1) || !(global_rate > 0) || !(global_burst >= 1) || max_clients == 0)
        return NULL;
    cj_ratelimit *rl = calloc(1, sizeof *rl);
    if (rl == NULL || cj_hmap_init(&rl->map, max_clients) != 0) {
        free(rl);
        return NULL;
    }
    rl->rate = rate, rl->burst = burst, rl->grate = global_rate, rl->gburst = global_burst;
    rl->max_clients = max_clients;
    rl->global.tokens = global_burst;
    rl->overflow.tokens = burst;
    rl->global.last_ms = rl->overflow.last_ms = INT64_MIN;
    return rl;
}

/* Frees every bucket and the map. */
void cj_ratelimit_free(cj_ratelimit *rl)
{
    if (rl == NULL)
        return;
    for (size_t i = 0; i < rl->map.cap; i++)
        free(rl->map.slots[i].val);
    cj_hmap_free(&rl->map);
    free(rl);
}

/* Refills a bucket for elapsed time and takes one token if available. */
static int ratelimit_bucket_take(ratelimit_bucket *b, double rate, double burst, int64_t now_ms)
{
    if (b->last_ms == INT64_MIN || now_ms < b->last_ms) {
        b->last_ms = now_ms;
    } else {
        b->tokens = fmin(burst, b->tokens + (double)(now_ms - b->last_ms) * rate / 1000.0);
        b->last_ms = now_ms;
    }
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        return 1;
    }
    return 0;
}

/* Drops buckets that have refilled completely (indistinguishable from new clients). */
static void ratelimit_sweep(cj_ratelimit *rl, int64_t now_ms)
{
    size_t n = 0;
    uint8_t(*keys)[32] = malloc(rl->map.count * 32 + 32);
    if (keys == NULL)
        return;
    for (size_t i = 0; i < rl->map.cap; i++) {
        ratelimit_bucket *b = rl->map.slots[i].val;
        if (b != NULL && b->tokens + (double)(now_ms - b->last_ms) * rl->rate / 1000.0 >= rl->burst)
            memcpy(keys[n++], rl->map.slots[i].key, 32);
    }
    for (size_t i = 0; i < n; i++)
        free(cj_hmap_del(&rl->map, keys[i]));
    free(keys);
}

/* Converts an address text to a 32-byte map key; unparsable text hashes into a fixed key. */
static void ratelimit_ip_key(const char *ip, uint8_t key[32])
{
    struct in_addr v4;
    memset(key, 0, 32);
    if (ip != NULL && inet_pton(AF_INET, ip, &v4) == 1) {
        key[10] = key[11] = 0xff;
        memcpy(key + 12, &v4, 4);
    } else if (ip == NULL || inet_pton(AF_INET6, ip, key) != 1) {
        memset(key, 0xee, 32);
    }
}

/* One request from ip: per-client bucket first, then the global one. */
int cj_ratelimit_take(cj_ratelimit *rl, const char *ip, int64_t now_ms)
{
    uint8_t key[32];
    if (rl == NULL)
        return 1;
    ratelimit_ip_key(ip, key);
    ratelimit_bucket *b = cj_hmap_get(&rl->map, key);
    if (b == NULL) {
        if (rl->map.count >= rl->max_clients && now_ms - rl->last_sweep_ms >= 1000) {
            rl->last_sweep_ms = now_ms;
            ratelimit_sweep(rl, now_ms);
        }
        if (rl->map.count < rl->max_clients && (b = calloc(1, sizeof *b)) != NULL) {
            b->tokens = rl->burst;
            b->last_ms = now_ms;
            if (cj_hmap_put(&rl->map, key, b) != 0) {
                free(b);
                b = NULL;
            }
        }
        if (b == NULL)
            b = &rl->overflow; /* too many clients: the newcomers share one bucket */
    }
    if (!ratelimit_bucket_take(b, rl->rate, rl->burst, now_ms))
        return 0;
    return ratelimit_bucket_take(&rl->global, rl->grate, rl->gburst, now_ms);
}
