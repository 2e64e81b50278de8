/* Double-sign evidence over P2P: the `evidence` message in (verified, deduplicated, recorded) and out (each new
 * record once to every peer). */
#include "evidence_gossip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence.h"
#include "log.h"
#include "metrics.h"

/* Registers the counters once (idempotent in the registry). */
static void evidence_gossip_metrics(void)
{
    cj_metrics_register("p2p_evidence_received_total", CJ_METRIC_COUNTER,
                        "Evidence messages from peers, by outcome (new, known, ignored, invalid).", "outcome", NULL,
                        0);
    cj_metrics_register("p2p_evidence_sent_total", CJ_METRIC_COUNTER,
                        "Evidence messages sent to peers (each new record once to every peer).", NULL, NULL, 0);
}

/* Counts one received evidence message by outcome. */
static void evidence_gossip_count(const char *outcome)
{
    const char *label[1] = {outcome};
    evidence_gossip_metrics();
    cj_metrics_add_l("p2p_evidence_received_total", label, 1);
}

/* Index of the current validator whose address is addr, or -1. */
static long evidence_gossip_member(const cj_chain *c, const uint8_t addr[32])
{
    size_t n = cj_chain_validator_count(c);
    for (size_t i = 0; i < n; i++) {
        uint8_t a[32];
        const uint8_t *pk = cj_chain_validator(c, i);
        if (pk != NULL && coinjecture_derive_address(pk, a) == COINJ_OK && memcmp(a, addr, 32) == 0)
            return (long)i;
    }
    return -1;
}

/* Checks a peer's double-sign proof and records it; a new record is the daemon's event (which gossips it on). */
void cj_evidence_gossip_on_msg(peer *pe, const cj_p2p_msg *m)
{
    cj_p2p *p = pe->p2p;
    coinjecture_header a, b;
    uint8_t ha[32], hb[32];
    if (coinjecture_header_decode(m->u.evidence.header_a, m->u.evidence.len_a, &a) != COINJ_OK ||
        coinjecture_header_decode(m->u.evidence.header_b, m->u.evidence.len_b, &b) != COINJ_OK ||
        coinjecture_header_hash(&a, ha) != COINJ_OK || coinjecture_header_hash(&b, hb) != COINJ_OK) {
        evidence_gossip_count("invalid");
        cj_score_penalize(pe, CJ_P2P_PENALTY_MALFORMED, "evidence: a header is not canonical");
        return;
    }
    if (a.block_index != b.block_index || memcmp(ha, hb, 32) == 0 || memcmp(a.miner_address, b.miner_address, 32) != 0) {
        evidence_gossip_count("invalid");
        cj_score_penalize(pe, CJ_P2P_PENALTY_MALFORMED, "evidence: not two different headers of one sealer at one height");
        return;
    }
    if (p->evidence == NULL || cj_evidence_has_pair(p->evidence, ha, hb)) {
        evidence_gossip_count("known");
        return;
    }
    long va = evidence_gossip_member(p->chain, a.miner_address);
    if (va < 0) {
        /* a key outside our current set (it may have left the set since): nothing we can check */
        evidence_gossip_count("ignored");
        char k[17];
        cj_p2p_short_hex(a.miner_address, k);
        cj_log_debug("p2p: evidence from %s at height %llu names miner address %s, not a current validator: ignored",
                     pe->addr, (unsigned long long)a.block_index, k);
        return;
    }
    if (!cj_chain_seal_ok(&a, cj_chain_validator(p->chain, (size_t)va)) ||
        !cj_chain_seal_ok(&b, cj_chain_validator(p->chain, (size_t)va))) {
        evidence_gossip_count("invalid");
        cj_score_penalize(pe, CJ_P2P_PENALTY_INVALID_BLOCK, "evidence: a seal does not verify (forged evidence)");
        return;
    }
    const uint8_t *key = cj_chain_validator(p->chain, (size_t)va);
    int rc = cj_evidence_add_pair(p->evidence, p->chain, &a, &b, key, cj_clock_wall_ms());
    evidence_gossip_count(rc == 1 ? "new" : "known");
    if (rc == 1) {
        cj_log_info("p2p: double-sign evidence from %s: validator %zu at height %llu", pe->addr, (size_t)va,
                    (unsigned long long)a.block_index);
        if (p->ev.evidence)
            p->ev.evidence(p->ev.ctx, cj_evidence_get(p->evidence, 0));
    }
}

/* Encodes one header into a fresh buffer (free()); NULL on failure. */
static uint8_t *evidence_gossip_header(const coinjecture_header *h, size_t *len)
{
    size_t n = 0;
    if (coinjecture_header_encode(h, NULL, 0, &n) != COINJ_ERROR_BUFFER_TOO_SMALL || n == 0 ||
        n > CJ_P2P_MAX_HEADER_BYTES)
        return NULL;
    uint8_t *buf = malloc(n);
    if (buf != NULL && coinjecture_header_encode(h, buf, n, &n) != COINJ_OK) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* Sends one record to every established peer (the daemon calls this once per new record). */
void cj_evidence_gossip_send(cj_p2p *p, const cj_evidence_record *r)
{
    cj_p2p_msg m;
    size_t la = 0, lb = 0, sent = 0;
    if (p == NULL || r == NULL)
        return;
    uint8_t *a = evidence_gossip_header(&r->header_a, &la), *b = evidence_gossip_header(&r->header_b, &lb);
    if (a != NULL && b != NULL) {
        memset(&m, 0, sizeof m);
        m.type = CJ_P2P_EVIDENCE;
        m.u.evidence.header_a = a;
        m.u.evidence.len_a = la;
        m.u.evidence.header_b = b;
        m.u.evidence.len_b = lb;
        for (peer *pe = p->peers; pe != NULL; pe = pe->next)
            if (pe->st == PS_READY && cj_conn_send(pe, &m) == 0)
                sent++;
        evidence_gossip_metrics();
        cj_metrics_add("p2p_evidence_sent_total", (double)sent);
        cj_log_info("p2p: double-sign evidence at height %llu sent to %zu peer(s)", (unsigned long long)r->height, sent);
    } else {
        cj_log_error("p2p: cannot encode the headers of double-sign evidence at height %llu",
                     (unsigned long long)r->height);
    }
    free(a);
    free(b);
}
