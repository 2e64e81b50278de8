/* Twins: one P2P node key presented by two running processes (twin.h). */
#include "twin.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "metrics.h"

/* Registers the twin metrics (idempotent). */
static void twin_metrics(void)
{
    cj_metrics_register("p2p_twins_detected_total", CJ_METRIC_COUNTER,
                        "Connections from a second process presenting a connected peer's node key (a copied data dir "
                        "running twice).",
                        NULL, NULL, 0);
    cj_metrics_register("p2p_twin_node_keys", CJ_METRIC_GAUGE,
                        "Node keys currently connected from two or more processes.", NULL, NULL, 0);
}

/* Whether two connections with one node key come from two processes (their hello instance ids differ). */
static int twin_differ(const peer *a, const peer *b)
{
    return memcmp(a->hs.peer_instance, b->hs.peer_instance, 16) != 0;
}

/* Reports a twin pair once per new connection; the caller keeps both connections. */
int cj_twin_check(peer *pe, const peer *o)
{
    if (!twin_differ(pe, o))
        return 0;
    char k[65], ia[33], ib[33];
    coinjecture_hex_encode(pe->hs.peer_node_pk, 32, k, sizeof k);
    coinjecture_hex_encode(o->hs.peer_instance, 16, ia, sizeof ia);
    coinjecture_hex_encode(pe->hs.peer_instance, 16, ib, sizeof ib);
    twin_metrics();
    cj_metrics_inc("p2p_twins_detected_total");
    cj_log_error("p2p: TWIN: node key %s is presented by two running processes: %s (listens on %u, instance %.8s) and "
                 "%s (listens on %u, instance %.8s); a data dir or p2p_node.key copied while its node still runs? Both "
                 "stay connected so every node sees their blocks and any double-sign (docs/OPERATIONS.md, procedure F)",
                 k, o->addr, (unsigned)o->hs.peer_listen_port, ia, pe->addr, (unsigned)pe->hs.peer_listen_port, ib);
    return 1;
}

/* Another established connection with pe's key from another process. */
int cj_twin_of(const cj_p2p *p, const peer *pe)
{
    for (const peer *o = p->peers; o != NULL; o = o->next)
        if (o != pe && o->st == PS_READY && memcmp(o->hs.peer_node_pk, pe->hs.peer_node_pk, 32) == 0 &&
            twin_differ(o, pe))
            return 1;
    return 0;
}

/* Counts node keys with a twin, each once (the first connection of the key in the list counts it). */
void cj_twin_gauge(const cj_p2p *p)
{
    size_t n = 0;
    for (const peer *pe = p->peers; pe != NULL; pe = pe->next) {
        if (pe->st != PS_READY || !cj_twin_of(p, pe))
            continue;
        int first = 1;
        for (const peer *q = p->peers; q != pe && first; q = q->next)
            if (q->st == PS_READY && memcmp(q->hs.peer_node_pk, pe->hs.peer_node_pk, 32) == 0)
                first = 0;
        n += (size_t)first;
    }
    twin_metrics();
    cj_metrics_set("p2p_twin_node_keys", (double)n);
}
