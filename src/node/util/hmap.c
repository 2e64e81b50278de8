/* Hash map keyed by 32-byte values (see hmap.h). */
#include "hmap.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* SipHash of the key under the map's random key, so attackers cannot aim keys at one bucket. */
static uint64_t hmap_hash(const cj_hmap *m, const uint8_t key[32])
{
    uint8_t out[crypto_shorthash_BYTES];
    crypto_shorthash(out, key, 32, m->sipkey);
    uint64_t h;
    memcpy(&h, out, sizeof h);
    return h;
}

/* Allocates a slot array of cap entries and rehashes the old one into it. */
static int hmap_resize(cj_hmap *m, size_t cap)
{
    cj_hmap_slot *slots = calloc(cap, sizeof *slots);
    if (!slots) return -1;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].val) continue;
        size_t j = (size_t)m->slots[i].h & (cap - 1);
        while (slots[j].val) j = (j + 1) & (cap - 1);
        slots[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return 0;
}

/* Initialises the map with a capacity that keeps the load under 1/2 for `expected` entries. */
int cj_hmap_init(cj_hmap *m, size_t expected)
{
    if (sodium_init() < 0) return -1;
    memset(m, 0, sizeof *m);
    randombytes_buf(m->sipkey, sizeof m->sipkey);
    size_t cap = 16;
    while (cap < expected * 2 && cap < ((size_t)1 << 40)) cap <<= 1;
    m->slots = calloc(cap, sizeof *m->slots);
    if (!m->slots) return -1;
    m->cap = cap;
    return 0;
}

/* Frees the slots; values belong to the caller. */
void cj_hmap_free(cj_hmap *m)
{
    if (!m) return;
    free(m->slots);
    m->slots = NULL;
    m->cap = m->count = 0;
}

/* Empties the map without shrinking it (reused per block). */
void cj_hmap_clear(cj_hmap *m)
{
    if (m->slots) memset(m->slots, 0, m->cap * sizeof *m->slots);
    m->count = 0;
}

/* Linear probe from the key's home slot until the key or an empty slot. */
void *cj_hmap_get(const cj_hmap *m, const uint8_t key[32])
{
    if (!m->cap) return NULL;
    uint64_t h = hmap_hash(m, key);
    for (size_t i = (size_t)h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        const cj_hmap_slot *s = &m->slots[i];
        if (!s->val) return NULL;
        if (s->h == h && memcmp(s->key, key, 32) == 0) return s->val;
    }
}

/* Inserts or replaces, growing at load 1/2 so probes stay short. */
int cj_hmap_put(cj_hmap *m, const uint8_t key[32], void *val)
{
    if (!val) return -1;
    if ((m->count + 1) * 2 > m->cap && hmap_resize(m, m->cap ? m->cap * 2 : 16) != 0) return -1;
    uint64_t h = hmap_hash(m, key);
    for (size_t i = (size_t)h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        cj_hmap_slot *s = &m->slots[i];
        if (!s->val) {
            s->h = h;
            memcpy(s->key, key, 32);
            s->val = val;
            m->count++;
            return 0;
        }
        if (s->h == h && memcmp(s->key, key, 32) == 0) {
            s->val = val;
            return 0;
        }
    }
}

/* Removes with backward shift: later entries of the probe run move up so lookups never stop early. */
void *cj_hmap_del(cj_hmap *m, const uint8_t key[32])
{
    if (!m->cap) return NULL;
    uint64_t h = hmap_hash(m, key);
    size_t mask = m->cap - 1, i = (size_t)h & mask;
    for (;; i = (i + 1) & mask) {
        cj_hmap_slot *s = &m->slots[i];
        if (!s->val) return NULL;
        if (s->h == h && memcmp(s->key, key, 32) == 0) break;
    }
    void *val = m->slots[i].val;
    size_t hole = i;
    for (size_t j = (i + 1) & mask; m->slots[j].val; j = (j + 1) & mask) {
        size_t home = (size_t)m->slots[j].h & mask;
        /* entry j may move into the hole iff its home is not in (hole, j] cyclically */
        int in_range = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!in_range) {
            m->slots[hole] = m->slots[j];
            hole = j;
        }
    }
    memset(&m->slots[hole], 0, sizeof m->slots[hole]);
    m->count--;
    return val;
}
