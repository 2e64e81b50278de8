/* Account state as a collapsed sparse Merkle tree (definition in state.h and docs/CHAIN.md). */
#include "state.h"

#include <stdlib.h>
#include <string.h>

typedef struct smt_node {
    uint8_t hash[32];
    uint8_t leaf;  /* 1 leaf, 0 inner */
    uint8_t dirty; /* hash needs recomputing */
} smt_node;

typedef struct {
    smt_node n;
    smt_node *child[2];
} smt_inner;

typedef struct {
    smt_node n;
    uint8_t key[32]; /* SHA-256(pubkey) */
    uint8_t pk[32];
    uint64_t balance, nonce;
} smt_leaf;

struct cj_state {
    smt_node *root;
    uint64_t count;
};

/* Bit d of a key, most significant bit of byte 0 first: the branch taken at depth d. */
static int key_bit(const uint8_t key[32], unsigned d)
{
    return (key[d >> 3] >> (7u - (d & 7u))) & 1;
}

/* Little-endian u64 store for the leaf preimage. */
static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Leaf hash = SHA-256(pubkey || le64 balance || le64 nonce); 48 bytes, so never confused with an inner
 * node's 64-byte preimage. */
void cj_state_leaf_hash(const uint8_t pubkey[32], uint64_t balance, uint64_t nonce, uint8_t out[32])
{
    uint8_t buf[48];
    memcpy(buf, pubkey, 32);
    put_le64(buf + 32, balance);
    put_le64(buf + 40, nonce);
    (void)coinjecture_sha256(buf, sizeof buf, out);
}

/* Inner hash = SHA-256(left || right), with absent children as 32 zero bytes. */
static void inner_hash(const uint8_t l[32], const uint8_t r[32], uint8_t out[32])
{
    uint8_t buf[64];
    memcpy(buf, l, 32);
    memcpy(buf + 32, r, 32);
    (void)coinjecture_sha256(buf, sizeof buf, out);
}

static const uint8_t ZERO32[32];

/* Creates an empty state (all-zero root). */
cj_state *cj_state_new(void)
{
    return calloc(1, sizeof(cj_state));
}

/* Frees a subtree recursively (depth is bounded by 256). */
static void node_free(smt_node *n)
{
    if (!n) return;
    if (!n->leaf) {
        smt_inner *in = (smt_inner *)n;
        node_free(in->child[0]);
        node_free(in->child[1]);
    }
    free(n);
}

/* Releases the whole tree. */
void cj_state_free(cj_state *s)
{
    if (!s) return;
    node_free(s->root);
    free(s);
}

/* Walks to the leaf that would hold key; returns it if it is that key's leaf. */
static const smt_leaf *find_leaf(const cj_state *s, const uint8_t key[32])
{
    const smt_node *n = s->root;
    for (unsigned d = 0; n && !n->leaf; d++) n = ((const smt_inner *)n)->child[key_bit(key, d)];
    if (!n) return NULL;
    const smt_leaf *lf = (const smt_leaf *)n;
    return memcmp(lf->key, key, 32) == 0 ? lf : NULL;
}

/* Account lookup: a root-to-leaf walk over the key bits. */
int cj_state_get(const cj_state *s, const uint8_t pubkey[32], coinjecture_account *out)
{
    if (!out) return 0;
    if (!s || !pubkey) {
        out->balance = out->nonce = 0;
        return 0;
    }
    uint8_t key[32];
    (void)coinjecture_sha256(pubkey, 32, key);
    const smt_leaf *lf = find_leaf(s, key);
    if (!lf) {
        out->balance = out->nonce = 0;
        return 0;
    }
    out->balance = lf->balance;
    out->nonce = lf->nonce;
    return 1;
}

/* Allocates a dirty leaf. */
static smt_leaf *leaf_new(const uint8_t key[32], const uint8_t pk[32], uint64_t bal, uint64_t nonce)
{
    smt_leaf *lf = calloc(1, sizeof *lf);
    if (!lf) return NULL;
    lf->n.leaf = 1;
    lf->n.dirty = 1;
    memcpy(lf->key, key, 32);
    memcpy(lf->pk, pk, 32);
    lf->balance = bal;
    lf->nonce = nonce;
    return lf;
}

/* Allocates a dirty inner node. */
static smt_inner *inner_new(void)
{
    smt_inner *in = calloc(1, sizeof *in);
    if (in) in->n.dirty = 1;
    return in;
}

/* Inserts or updates below *slot at depth d; splitting a leaf builds the inner chain down to the first
 * bit where the two keys differ. All allocations happen before *slot changes, so OOM leaves it intact. */
static int node_put(smt_node **slot, unsigned d, const uint8_t key[32], const uint8_t pk[32], uint64_t bal,
                    uint64_t nonce, int *added)
{
    smt_node *n = *slot;
    if (!n) {
        smt_leaf *lf = leaf_new(key, pk, bal, nonce);
        if (!lf) return -1;
        *slot = &lf->n;
        *added = 1;
        return 0;
    }
    if (n->leaf) {
        smt_leaf *old = (smt_leaf *)n;
        if (memcmp(old->key, key, 32) == 0) {
            old->balance = bal;
            old->nonce = nonce;
            old->n.dirty = 1;
            return 0;
        }
        unsigned p = d;
        while (p < 256 && key_bit(key, p) == key_bit(old->key, p)) p++;
        if (p >= 256) return -1; /* SHA-256 collision: cannot happen */
        smt_leaf *lf = leaf_new(key, pk, bal, nonce);
        smt_inner *bottom = inner_new();
        if (!lf || !bottom) {
            free(lf);
            free(bottom);
            return -1;
        }
        bottom->child[key_bit(key, p)] = &lf->n;
        bottom->child[key_bit(old->key, p)] = n;
        smt_inner *top = bottom;
        for (unsigned e = p; e-- > d;) {
            smt_inner *up = inner_new();
            if (!up) {
                /* unlink the two leaves before freeing the partial chain */
                bottom->child[0] = bottom->child[1] = NULL;
                node_free(&top->n);
                free(lf);
                return -1;
            }
            up->child[key_bit(key, e)] = &top->n;
            top = up;
        }
        *slot = &top->n;
        *added = 1;
        return 0;
    }
    smt_inner *in = (smt_inner *)n;
    if (node_put(&in->child[key_bit(key, d)], d + 1, key, pk, bal, nonce, added) != 0) return -1;
    in->n.dirty = 1;
    return 0;
}

/* Deletes key below *slot; an inner node left with a single leaf under it collapses into that leaf. */
static int node_del(smt_node **slot, unsigned d, const uint8_t key[32])
{
    smt_node *n = *slot;
    if (!n) return 0;
    if (n->leaf) {
        if (memcmp(((smt_leaf *)n)->key, key, 32) != 0) return 0;
        free(n);
        *slot = NULL;
        return 1;
    }
    smt_inner *in = (smt_inner *)n;
    if (!node_del(&in->child[key_bit(key, d)], d + 1, key)) return 0;
    in->n.dirty = 1;
    smt_node *l = in->child[0], *r = in->child[1];
    smt_node *only = !l ? r : (!r ? l : NULL);
    if (!l && !r) { /* cannot happen: an inner node holds at least two leaves */
        free(in);
        *slot = NULL;
    } else if (only && only->leaf) {
        free(in);
        *slot = only;
    }
    return 1;
}

/* Sets or (for {0,0}) removes an account. */
int cj_state_set(cj_state *s, const uint8_t pubkey[32], const coinjecture_account *a)
{
    if (!s || !pubkey || !a) return -1;
    uint8_t key[32];
    (void)coinjecture_sha256(pubkey, 32, key);
    if (a->balance == 0 && a->nonce == 0) {
        if (node_del(&s->root, 0, key)) s->count--;
        return 0;
    }
    int added = 0;
    if (node_put(&s->root, 0, key, pubkey, a->balance, a->nonce, &added) != 0) return -1;
    if (added) s->count++;
    return 0;
}

/* Recomputes the hashes of dirty nodes bottom-up. */
static void node_rehash(smt_node *n)
{
    if (!n || !n->dirty) return;
    if (n->leaf) {
        smt_leaf *lf = (smt_leaf *)n;
        cj_state_leaf_hash(lf->pk, lf->balance, lf->nonce, n->hash);
    } else {
        smt_inner *in = (smt_inner *)n;
        node_rehash(in->child[0]);
        node_rehash(in->child[1]);
        inner_hash(in->child[0] ? in->child[0]->hash : ZERO32, in->child[1] ? in->child[1]->hash : ZERO32,
                   n->hash);
    }
    n->dirty = 0;
}

/* Root of the tree: zero when empty, else the (refreshed) root node hash. */
void cj_state_root(cj_state *s, uint8_t out[32])
{
    if (!out) return;
    if (!s || !s->root) {
        memset(out, 0, 32);
        return;
    }
    node_rehash(s->root);
    memcpy(out, s->root->hash, 32);
}

/* Number of accounts present. */
uint64_t cj_state_count(const cj_state *s)
{
    return s ? s->count : 0;
}

/* Records the siblings along key's path and what the walk ended on. */
int cj_state_prove(cj_state *s, const uint8_t pubkey[32], cj_state_proof *out)
{
    if (!s || !pubkey || !out) return -1;
    uint8_t key[32], root[32];
    memset(out, 0, sizeof *out);
    (void)coinjecture_sha256(pubkey, 32, key);
    cj_state_root(s, root);
    const smt_node *n = s->root;
    unsigned d = 0;
    while (n && !n->leaf) {
        const smt_inner *in = (const smt_inner *)n;
        int b = key_bit(key, d);
        const smt_node *sib = in->child[1 - b];
        memcpy(out->siblings[d], sib ? sib->hash : ZERO32, 32);
        n = in->child[b];
        d++;
    }
    out->depth = d;
    if (!n) {
        out->kind = 0;
    } else {
        const smt_leaf *lf = (const smt_leaf *)n;
        if (memcmp(lf->key, key, 32) == 0) {
            out->kind = 1;
        } else {
            out->kind = 2;
            memcpy(out->other_pubkey, lf->pk, 32);
            out->other_balance = lf->balance;
            out->other_nonce = lf->nonce;
        }
    }
    return 0;
}

/* Recomputes the root from the proof's bottom node and siblings, checking the claim on the way. */
int cj_state_verify_proof(const uint8_t root[32], const uint8_t pubkey[32], const coinjecture_account *a,
                          const cj_state_proof *p)
{
    if (!root || !pubkey || !p || p->depth > 256) return 0;
    int present = a && (a->balance != 0 || a->nonce != 0);
    uint8_t key[32], h[32];
    (void)coinjecture_sha256(pubkey, 32, key);
    switch (p->kind) {
    case 0:
        if (present) return 0;
        memset(h, 0, 32);
        break;
    case 1:
        if (!present) return 0;
        cj_state_leaf_hash(pubkey, a->balance, a->nonce, h);
        break;
    case 2: {
        if (present) return 0;
        uint8_t okey[32];
        (void)coinjecture_sha256(p->other_pubkey, 32, okey);
        if (memcmp(okey, key, 32) == 0) return 0;
        for (unsigned i = 0; i < p->depth; i++)
            if (key_bit(okey, i) != key_bit(key, i)) return 0;
        cj_state_leaf_hash(p->other_pubkey, p->other_balance, p->other_nonce, h);
        break;
    }
    default:
        return 0;
    }
    if (p->depth == 0) return memcmp(h, root, 32) == 0 && (p->kind != 0 || memcmp(root, ZERO32, 32) == 0);
    for (unsigned i = p->depth; i-- > 0;) {
        if (key_bit(key, i))
            inner_hash(p->siblings[i], h, h);
        else
            inner_hash(h, p->siblings[i], h);
    }
    return memcmp(h, root, 32) == 0;
}
