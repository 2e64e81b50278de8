/* Open-addressing hash map from 32-byte keys (public keys, hashes) to non-NULL pointers. Keys are hashed
 * with SipHash-2-4 (libsodium crypto_shorthash) under a random per-map key, so peers cannot choose keys
 * that collide. Linear probing with backward-shift deletion (no tombstones). Not thread-safe. */
#ifndef CJ_NODE_HMAP_H
#define CJ_NODE_HMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t h;
    uint8_t key[32];
    void *val; /* NULL = empty slot */
} cj_hmap_slot;

typedef struct {
    cj_hmap_slot *slots;
    size_t cap; /* power of two */
    size_t count;
    uint8_t sipkey[16];
} cj_hmap;

/* Initialises an empty map sized for about `expected` entries. Returns 0, or -1 on OOM. */
int cj_hmap_init(cj_hmap *m, size_t expected);
/* Releases the slot array (not the values). Safe on a zeroed map. */
void cj_hmap_free(cj_hmap *m);
/* Removes every entry, keeping the capacity. */
void cj_hmap_clear(cj_hmap *m);
/* The value stored under key, or NULL. */
void *cj_hmap_get(const cj_hmap *m, const uint8_t key[32]);
/* Inserts or replaces (val must not be NULL). Returns 0, or -1 on OOM (map unchanged). */
int cj_hmap_put(cj_hmap *m, const uint8_t key[32], void *val);
/* Removes key; returns its value or NULL if absent. */
void *cj_hmap_del(cj_hmap *m, const uint8_t key[32]);

#endif /* CJ_NODE_HMAP_H */
