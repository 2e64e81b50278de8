/* Double-sign evidence from relayed headers: a bounded memory of sealed headers per (height, validator)
 * and the conflicting pairs found in it. */
#include "evidence.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "hmap.h"
#include "log.h"
#include "metrics.h"


typedef struct {
    uint8_t key[32]; /* SHA-256(le64 height || validator): the map key */
    uint64_t height;
    uint8_t validator[32];
    uint8_t hash[32];
    coinjecture_header header;
    int used;
} seen_entry;

struct cj_evidence_pool {
    seen_entry *seen; /* ring of `recent` entries */
    size_t recent, seen_next;
    cj_hmap index; /* key -> seen_entry* */
    cj_evidence_record *rec; /* ring of max_records, rec_next is the next slot to write */
    size_t max_records, rec_next, rec_count;
    uint64_t counted;
};

/* Allocates the two rings and the index. */
cj_evidence_pool *cj_evidence_new(size_t recent, size_t max_records)
{
    if (recent < 16)
        recent = 16;
    if (max_records < 1)
        max_records = 1;
    cj_evidence_pool *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->seen = calloc(recent, sizeof *p->seen);
    p->rec = calloc(max_records, sizeof *p->rec);
    if (p->seen == NULL || p->rec == NULL || cj_hmap_init(&p->index, recent) != 0) {
        cj_evidence_free(p);
        return NULL;
    }
    p->recent = recent;
    p->max_records = max_records;
    return p;
}

/* Releases everything the pool owns. */
void cj_evidence_free(cj_evidence_pool *p)
{
    if (p == NULL)
        return;
    cj_hmap_free(&p->index);
    free(p->seen);
    free(p->rec);
    free(p);
}

/* Which current validator sealed h (the chain's seal rule, cj_chain_seal_ok), or -1. */
long cj_evidence_sealer(const cj_chain *c, const coinjecture_header *h)
{
    if (c == NULL || h == NULL)
        return -1;
    size_t n = cj_chain_validator_count(c);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *pk = cj_chain_validator(c, i);
        uint8_t addr[32];
        if (pk == NULL || coinjecture_derive_address(pk, addr) != COINJ_OK || memcmp(addr, h->miner_address, 32) != 0)
            continue;
        return cj_chain_seal_ok(h, pk) ? (long)i : -1;
    }
    return -1;
}

/* The index key of (height, validator). */
static void slot_key(uint64_t height, const uint8_t validator[32], uint8_t out[32])
{
    uint8_t buf[40];
    for (int i = 0; i < 8; i++)
        buf[i] = (uint8_t)(height >> (8 * i));
    memcpy(buf + 8, validator, 32);
    crypto_hash_sha256(out, buf, sizeof buf);
}

/* Whether the pair (a, b) is already a record, in either order. */
static int have_record(const cj_evidence_pool *p, const uint8_t a[32], const uint8_t b[32])
{
    for (size_t i = 0; i < p->rec_count; i++) {
        const cj_evidence_record *r = &p->rec[i];
        if ((memcmp(r->hash_a, a, 32) == 0 && memcmp(r->hash_b, b, 32) == 0) ||
            (memcmp(r->hash_a, b, 32) == 0 && memcmp(r->hash_b, a, 32) == 0))
            return 1;
    }
    return 0;
}

/* Whether the chain's own evidence list (newest 256) holds the pair. */
static int chain_has(cj_chain *chain, const uint8_t a[32], const uint8_t b[32])
{
    enum { MAXE = 256 };
    cj_evidence *ev = malloc(MAXE * sizeof *ev);
    int found = 0;
    if (ev == NULL)
        return 0;
    size_t n = cj_chain_evidence(chain, ev, MAXE);
    for (size_t i = 0; i < n && !found; i++)
        found = (memcmp(ev[i].hash_a, a, 32) == 0 && memcmp(ev[i].hash_b, b, 32) == 0) ||
                (memcmp(ev[i].hash_a, b, 32) == 0 && memcmp(ev[i].hash_b, a, 32) == 0);
    free(ev);
    return found;
}

/* Remembers h as the first sealed header of (height, validator) unless one is known; returns that entry, or NULL
 * on OOM. *fresh says whether h was stored now. */
static seen_entry *remember(cj_evidence_pool *p, const coinjecture_header *h, const uint8_t hash[32],
                            const uint8_t validator[32], int *fresh)
{
    uint8_t key[32];
    slot_key(h->block_index, validator, key);
    seen_entry *e = cj_hmap_get(&p->index, key);
    *fresh = 0;
    if (e != NULL)
        return e;
    e = &p->seen[p->seen_next];
    if (e->used)
        (void)cj_hmap_del(&p->index, e->key);
    memset(e, 0, sizeof *e);
    memcpy(e->key, key, 32);
    e->height = h->block_index;
    memcpy(e->validator, validator, 32);
    memcpy(e->hash, hash, 32);
    e->header = *h;
    if (cj_hmap_put(&p->index, key, e) != 0)
        return NULL;
    e->used = 1;
    p->seen_next = (p->seen_next + 1) % p->recent;
    *fresh = 1;
    return e;
}

/* Writes a new record (a, b) at the ring's head; logs and counts it unless the chain holds the pair. */
static void add_record(cj_evidence_pool *p, cj_chain *chain, const uint8_t validator[32], const coinjecture_header *a,
                       const uint8_t ha[32], const coinjecture_header *b, const uint8_t hb[32], int64_t now_ms)
{
    cj_evidence_record *r = &p->rec[p->rec_next];
    memset(r, 0, sizeof *r);
    r->height = a->block_index;
    memcpy(r->validator, validator, 32);
    memcpy(r->hash_a, ha, 32);
    memcpy(r->hash_b, hb, 32);
    r->header_a = *a;
    r->header_b = *b;
    r->seen_ms = now_ms;
    r->in_chain = chain != NULL && chain_has(chain, ha, hb);
    p->rec_next = (p->rec_next + 1) % p->max_records;
    if (p->rec_count < p->max_records)
        p->rec_count++;
    if (!r->in_chain) {
        char v[65], x[65], y[65];
        (void)coinjecture_hex_encode(validator, 32, v, sizeof v);
        (void)coinjecture_hex_encode(ha, 32, x, sizeof x);
        (void)coinjecture_hex_encode(hb, 32, y, sizeof y);
        cj_log_warn("double-sign evidence (p2p): validator %s sealed %s and %s at height %llu", v, x, y,
                    (unsigned long long)r->height);
        cj_metrics_inc("double_sign_evidence_total");
        p->counted++;
    }
}

/* Remembers the first header per (height, validator); a different second one becomes a record. */
int cj_evidence_observe(cj_evidence_pool *p, cj_chain *chain, const coinjecture_header *h, const uint8_t validator[32],
                        int64_t now_ms)
{
    uint8_t hash[32];
    int fresh = 0;
    if (p == NULL || h == NULL || validator == NULL || coinjecture_header_hash(h, hash) != COINJ_OK)
        return -1;
    seen_entry *e = remember(p, h, hash, validator, &fresh);
    if (e == NULL)
        return -1;
    if (fresh || memcmp(e->hash, hash, 32) == 0 || have_record(p, e->hash, hash))
        return 0;
    add_record(p, chain, validator, &e->header, e->hash, h, hash, now_ms);
    return 1;
}

/* A pair proven elsewhere (the caller checked both seals): recorded as is, and a remembers the slot. */
int cj_evidence_add_pair(cj_evidence_pool *p, cj_chain *chain, const coinjecture_header *a, const coinjecture_header *b,
                         const uint8_t validator[32], int64_t now_ms)
{
    uint8_t ha[32], hb[32];
    int fresh = 0;
    if (p == NULL || a == NULL || b == NULL || validator == NULL || a->block_index != b->block_index ||
        coinjecture_header_hash(a, ha) != COINJ_OK || coinjecture_header_hash(b, hb) != COINJ_OK ||
        memcmp(ha, hb, 32) == 0)
        return -1;
    if (have_record(p, ha, hb))
        return 0;
    if (remember(p, a, ha, validator, &fresh) == NULL)
        return -1;
    add_record(p, chain, validator, a, ha, b, hb, now_ms);
    return 1;
}

/* Whether the pair is held, in either order. */
int cj_evidence_has_pair(const cj_evidence_pool *p, const uint8_t a[32], const uint8_t b[32])
{
    return p != NULL && a != NULL && b != NULL && have_record(p, a, b);
}

/* Number of records held. */
size_t cj_evidence_count(const cj_evidence_pool *p)
{
    return p ? p->rec_count : 0;
}

/* Record i counted from the newest. */
const cj_evidence_record *cj_evidence_get(const cj_evidence_pool *p, size_t i)
{
    if (p == NULL || i >= p->rec_count)
        return NULL;
    size_t idx = (p->rec_next + p->max_records - 1 - i) % p->max_records;
    return &p->rec[idx];
}

/* Records this pool counted itself. */
uint64_t cj_evidence_counted(const cj_evidence_pool *p)
{
    return p ? p->counted : 0;
}
