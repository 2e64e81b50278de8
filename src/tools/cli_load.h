/* coinjecture-cli, private: the load generator's state, shared by cli_load.c (the command: options, keys,
 * funding, confirmation, report) and cli_load_send.c (the timed sending window on libevent). */
#ifndef CJ_TOOLS_CLI_LOAD_H
#define CJ_TOOLS_CLI_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"

/* One sending key and where its nonces stand. */
typedef struct load_key {
    uint8_t sk[64];
    uint64_t start_nonce, next_nonce;
    int in_flight;
    int64_t retry_at_ms;
    char **pre;    /* --presign: request bodies for nonces start_nonce .. start_nonce + npre - 1 */
    size_t npre;
} load_key;

/* One run of the load generator: its keys, connections, settings and counters. */
typedef struct {
    cli *c;
    load_key *keys;
    size_t nkeys;
    struct evhttp_connection **conns;
    size_t nconns;
    uint64_t amount, gas_limit, gas_price;
    uint64_t accepted, rejected, limited, errors, in_flight;
    int stopping;
    struct event *tick;
    size_t cursor;
    char first_error[256];
    uint64_t batch, chunk; /* --batch: transfers per request (1 = POST /v1/transactions), per key */
    uint64_t rate;         /* --rate: offered transfers per second (0 = as fast as accepted) */
    double credit;         /* token bucket for --rate */
    int64_t credit_ms;
} load_ctx;

/* When the sending window ran (for the report and the confirmed rate). */
typedef struct {
    double t0;        /* monotonic start, seconds */
    double sent_s;    /* its length */
    int64_t start_ms; /* wall clock at start and end */
    int64_t end_ms;
} load_window;

/* Opens L->nconns connections (L->conns allocated), sends transfers for duration_ms as fast as the node
 * accepts them, then drains the replies in flight. Returns 0, or -1 if a connection cannot be created. */
int cli_load_send_window(load_ctx *L, uint64_t duration_ms, load_window *w);

#endif
