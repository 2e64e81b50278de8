/* HTTP API on libevent evhttp (DESIGN.md §7): JSON endpoints, /metrics, a status page. Every evhttp limit
 * is set explicitly (body and header sizes, timeouts); requests are rate-limited per client IP and
 * globally (token buckets, ratelimit.h); the listener backs off when accept() runs out of descriptors. Errors are
 * {"error": "...", "details": "..."} with 400/404/405/413/429/500/503. */
#ifndef CJ_NODE_API_H
#define CJ_NODE_API_H

#include <stddef.h>
#include <stdint.h>

struct cj_node;
typedef struct cj_api cj_api;

/* Binds node->cfg.api_host:api_port on node->base and starts serving. Returns NULL with err on failure
 * (e.g. "cannot bind 127.0.0.1:8081: Address already in use"). */
cj_api *cj_api_start(struct cj_node *node, char *err, size_t errlen);

/* Stops listening and frees the server. NULL is a no-op. */
void cj_api_stop(cj_api *api);

/* The port actually bound (useful when it was chosen by the OS). */
uint16_t cj_api_port(const cj_api *api);

#endif /* CJ_NODE_API_H */
