/* coinjecture-vectors: the consensus objects. COMMITMENT and COMMITMENT_HASH, and the encodings of
 * PROBLEM, SOLUTION, REVEAL and BLOCK (tiers, types, array and integer widths). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vectors.h"

/* Problem encoder adapter. */
static CoinjResult enc_problem(const void *o, uint8_t *out, size_t cap, size_t *len)
{
    return coinjecture_problem_encode(o, out, cap, len);
}

/* Solution encoder adapter. */
static CoinjResult enc_solution(const void *o, uint8_t *out, size_t cap, size_t *len)
{
    return coinjecture_solution_encode(o, out, cap, len);
}

/* Reveal encoder adapter. */
static CoinjResult enc_reveal(const void *o, uint8_t *out, size_t cap, size_t *len)
{
    return coinjecture_reveal_encode(o, out, cap, len);
}

/* Commitment encoder adapter. */
static CoinjResult enc_commitment(const void *o, uint8_t *out, size_t cap, size_t *len)
{
    return coinjecture_commitment_encode(o, out, cap, len);
}

/* Block encoder adapter. */
static CoinjResult enc_block(const void *o, uint8_t *out, size_t cap, size_t *len)
{
    return coinjecture_block_encode(o, out, cap, len);
}


/* A problem as a JSON object (enums by wire name). */
jv *vobjects_problem_json(const coinjecture_problem *p)
{
    jv *o = vjson_obj();
    jv *e = vjson_arr();
    for (uint32_t i = 0; i < p->elements_len; i++) vjson_push(e, vjson_i64(p->elements[i]));
    vjson_put(o, "elements", e);
    vjson_put(o, "problem_type", vjson_str(PROBLEM_TYPE_NAME[p->problem_type]));
    vjson_put(o, "target", vjson_i64(p->target));
    vjson_put(o, "tier", vjson_str(TIER_NAME[p->tier]));
    vjson_put(o, "timestamp", vjson_i64(p->timestamp));
    return o;
}

/* A solution as a JSON object. */
jv *vobjects_solution_json(const coinjecture_solution *s)
{
    jv *o = vjson_obj();
    jv *a = vjson_arr();
    for (uint32_t i = 0; i < s->indices_len; i++) vjson_push(a, vjson_u64(s->indices[i]));
    vjson_put(o, "indices", a);
    vjson_put(o, "timestamp", vjson_i64(s->timestamp));
    return o;
}

/* Fills a problem from a list of elements. */
void vobjects_problem_set(coinjecture_problem *p, uint8_t type, uint8_t tier, const int64_t *el, uint32_t n,
                          int64_t target, int64_t ts)
{
    memset(p, 0, sizeof *p);
    p->problem_type = type;
    p->tier = tier;
    p->elements_len = n;
    if (n) memcpy(p->elements, el, n * sizeof *el);
    p->target = target;
    p->timestamp = ts;
}

/* Fills a solution from a list of indices. */
void vobjects_solution_set(coinjecture_solution *s, const uint32_t *idx, uint32_t k, int64_t ts)
{
    memset(s, 0, sizeof *s);
    s->indices_len = k;
    if (k) memcpy(s->indices, idx, k * sizeof *idx);
    s->timestamp = ts;
}

/* The core.md 4.3 example problem and solution. */
static void core_problem(coinjecture_problem *p, coinjecture_solution *s)
{
    static const int64_t el[] = {1, -2, 300, -40000, 5000000000, -5000000000, 0, 127, 128, -32, -33, 255};
    static const uint32_t idx[] = {0, 2, 4, 70000};
    vobjects_problem_set(p, COINJECTURE_PROBLEM_SUBSET_SUM, COINJECTURE_TIER_DESKTOP, el, 12, 9, 1000);
    vobjects_solution_set(s, idx, 4, 1001);
}

/* The commitment as a JSON object. */
static jv *commitment_json(const coinjecture_commitment *c)
{
    jv *o = vjson_obj();
    vjson_put(o, "epoch_salt", vjson_hex(c->epoch_salt, 32));
    vjson_put(o, "miner_salt", vjson_hex(c->miner_salt, 32));
    vjson_put(o, "problem_hash", vjson_hex(c->problem_hash, 32));
    vjson_put(o, "solution_hash", vjson_hex(c->solution_hash, 32));
    return o;
}

/* A COMMITMENT vector: commitment_create from its inputs, the 128-byte commitment hash, and the
 * MessagePack encoding of the Commitment struct. */
static void emit_commitment(const char *name, const coinjecture_problem *p, const coinjecture_solution *s,
                            const uint8_t ms[32], const uint8_t parent[32], uint64_t index)
{
    coinjecture_commitment c;
    uint8_t h[32], ph[32], sh[32];
    size_t len;
    vec_ok(coinjecture_commitment_create(p, s, ms, parent, index, &c), "coinjecture_commitment_create");
    vec_ok(coinjecture_commitment_hash(&c, h), "coinjecture_commitment_hash");
    vec_ok(coinjecture_problem_hash(p, ph), "coinjecture_problem_hash");
    vec_ok(coinjecture_solution_hash(s, sh), "coinjecture_solution_hash");
    if (memcmp(ph, c.problem_hash, 32) || memcmp(sh, c.solution_hash, 32) || memcmp(ms, c.miner_salt, 32))
        vec_die("%s: commitment fields disagree with their sources", name);
    uint8_t *enc = vec_encode(enc_commitment, &c, &len, "coinjecture_commitment_encode");
    jv *v = vec_new("COMMITMENT", "%s", name);
    vjson_put(v, "block_index", vjson_u64(index));
    vec_put_encoding(v, "encoding_hex", enc, len, NULL);
    vjson_put(v, "expected_commitment_hash", vjson_hex(h, 32));
    vjson_put(v, "expected_epoch_salt", vjson_hex(c.epoch_salt, 32));
    vjson_put(v, "expected_problem_hash", vjson_hex(c.problem_hash, 32));
    vjson_put(v, "expected_solution_hash", vjson_hex(c.solution_hash, 32));
    vjson_put(v, "miner_salt", vjson_hex(ms, 32));
    vjson_put(v, "parent_hash", vjson_hex(parent, 32));
    vjson_put(v, "problem", vobjects_problem_json(p));
    vjson_put(v, "solution", vobjects_solution_json(s));
    free(enc);
}

/* Starts an `operation` vector with obj's encoding (by fn) and its hash h, checked to be SHA-256 of the
 * encoding when h_is_sha256: the part the PROBLEM, SOLUTION and COMMITMENT_HASH vectors share. */
static jv *emit_hashed(const char *operation, const char *name, encode_fn fn, const void *obj, const char *what,
                       const uint8_t h[32], int h_is_sha256)
{
    size_t len;
    uint8_t *enc = vec_encode(fn, obj, &len, what);
    jv *v = vec_new(operation, "%s", name);
    vec_put_encoding(v, "encoding_hex", enc, len, h_is_sha256 ? h : NULL);
    vjson_put(v, "expected_hash", vjson_hex(h, 32));
    free(enc);
    return v;
}

/* A COMMITMENT_HASH vector: the raw 128-byte hash of a given commitment, and its encoding. */
static void emit_commitment_hash(const char *name, const coinjecture_commitment *c)
{
    uint8_t h[32];
    vec_ok(coinjecture_commitment_hash(c, h), "coinjecture_commitment_hash");
    jv *v = emit_hashed("COMMITMENT_HASH", name, enc_commitment, c, "coinjecture_commitment_encode", h, 0);
    vjson_put(v, "commitment", commitment_json(c));
}

/* Commitments built from problems/solutions, and raw commitment hashes (core.md 5.5 (a)). */
void vobjects_commitment(void)
{
    coinjecture_problem p;
    coinjecture_solution s;
    coinjecture_commitment c;
    uint8_t ms[32], parent[32], seed[32], es[32];
    core_problem(&p, &s);
    vec_unhex("9e28bebb26c909a59795061a5e1f71abfe29874a4e8e7afedfba453cf87285dc", parent, 32);
    vec_unhex(RFC8032_SEED[0], seed, 32);
    vec_ok(coinjecture_epoch_salt(parent, 1, es), "coinjecture_epoch_salt");
    vec_ok(coinjecture_miner_salt(seed, es, parent, 1, ms), "coinjecture_miner_salt");
    emit_commitment("commitment_core_problem_genesis_1", &p, &s, ms, parent, 1);

    static const int64_t mob[] = {3, 34, 4, 12, 5, 2, 27, 9};
    static const uint32_t mi[] = {2, 4};
    vobjects_problem_set(&p, COINJECTURE_PROBLEM_SUBSET_SUM, COINJECTURE_TIER_MOBILE, mob, 8, 9, 1704067200);
    vobjects_solution_set(&s, mi, 2, 1704067201);
    memset(ms, 4, 32);
    memset(parent, 0xff, 32);
    emit_commitment("commitment_mobile_index_max", &p, &s, ms, parent, UINT64_MAX);

    int64_t big[32];
    for (int i = 0; i < 32; i++) big[i] = (i % 2 ? -1 : 1) * ((int64_t)1 << (2 * i % 63));
    vobjects_problem_set(&p, COINJECTURE_PROBLEM_SUBSET_SUM, COINJECTURE_TIER_CLUSTER, big, 32, 0, -1);
    vobjects_solution_set(&s, NULL, 0, INT64_MIN);
    memset(ms, 0, 32);
    memset(parent, 0, 32);
    emit_commitment("commitment_cluster_empty_solution", &p, &s, ms, parent, 0);

    memset(c.epoch_salt, 1, 32);
    memset(c.problem_hash, 2, 32);
    memset(c.solution_hash, 3, 32);
    memset(c.miner_salt, 4, 32);
    emit_commitment_hash("commitment_hash_core_example", &c);
    memset(&c, 0, sizeof c);
    emit_commitment_hash("commitment_hash_zeros", &c);
    memset(&c, 0xff, sizeof c);
    emit_commitment_hash("commitment_hash_ones", &c);
}

/* A PROBLEM vector: encoding and hash. */
static void emit_problem(const char *name, const coinjecture_problem *p)
{
    uint8_t h[32];
    vec_ok(coinjecture_problem_hash(p, h), "coinjecture_problem_hash");
    jv *v = emit_hashed("PROBLEM", name, enc_problem, p, "coinjecture_problem_encode", h, 1);
    vjson_put(v, "problem", vobjects_problem_json(p));
}

/* A SOLUTION vector: encoding and hash. */
static void emit_solution(const char *name, const coinjecture_solution *s)
{
    uint8_t h[32];
    vec_ok(coinjecture_solution_hash(s, h), "coinjecture_solution_hash");
    jv *v = emit_hashed("SOLUTION", name, enc_solution, s, "coinjecture_solution_encode", h, 1);
    vjson_put(v, "solution", vobjects_solution_json(s));
}

/* A reveal as a JSON object. */
static jv *reveal_json(const coinjecture_reveal *r)
{
    jv *o = vjson_obj();
    vjson_put(o, "miner_salt", vjson_hex(r->miner_salt, 32));
    vjson_put(o, "nonce", vjson_u64(r->nonce));
    vjson_put(o, "problem", vobjects_problem_json(&r->problem));
    vjson_put(o, "solution", vobjects_solution_json(&r->solution));
    return o;
}

/* A REVEAL vector: the encoding (the original defines no reveal hash). */
static void emit_reveal(const char *name, const coinjecture_reveal *r)
{
    size_t len;
    uint8_t *enc = vec_encode(enc_reveal, r, &len, "coinjecture_reveal_encode");
    jv *v = vec_new("REVEAL", "%s", name);
    vec_put_encoding(v, "encoding_hex", enc, len, NULL);
    vjson_put(v, "reveal", reveal_json(r));
    free(enc);
}

/* A BLOCK vector: encoding, block id (header hash) and Merkle root of the transactions. */
static void emit_block(const char *name, const coinjecture_block *b)
{
    uint8_t h[32], root[32];
    size_t len;
    vec_ok(coinjecture_header_hash(&b->header, h), "coinjecture_header_hash");
    vec_ok(coinjecture_block_merkle_root(b, root), "coinjecture_block_merkle_root");
    uint8_t *enc = vec_encode(enc_block, b, &len, "coinjecture_block_encode");
    uint8_t *enc2 = NULL;
    size_t len2 = 0;
    vec_ok(coinjecture_block_encode_alloc(b, &enc2, &len2), "coinjecture_block_encode_alloc");
    if (len2 != len || memcmp(enc, enc2, len) != 0) vec_die("%s: block_encode_alloc differs", name);
    coinjecture_buffer_free(enc2);
    jv *v = vec_new("BLOCK", "%s", name);
    jv *o = vjson_obj();
    vjson_put(o, "cid", b->cid ? vjson_str(b->cid) : vjson_null());
    vjson_put(o, "header", vheader_json(&b->header));
    vjson_put(o, "reveal", reveal_json(&b->reveal));
    jv *txs = vjson_arr();
    for (uint32_t i = 0; i < b->tx_count; i++)
        vjson_push(txs, vtx_json(&b->transactions[i], b->transactions[i].data_len));
    vjson_put(o, "transactions", txs);
    vjson_put(v, "block", o);
    vec_put_encoding(v, "encoding_hex", enc, len, NULL);
    vjson_put(v, "expected_hash", vjson_hex(h, 32));
    vjson_put(v, "expected_merkle_root", vjson_hex(root, 32));
    free(enc);
}

/* Problem encodings: every tier at its minimum size, every problem type, and element arrays across the
 * fixarray/array16 boundary with integers at every width. */
static void problem_encodings(void)
{
    coinjecture_problem p;
    char name[96];
    int64_t el[32];
    for (uint8_t t = 1; t <= 5; t++) {
        uint32_t lo, hi;
        vec_ok(coinjecture_tier_elements(t, &lo, &hi), "coinjecture_tier_elements");
        for (uint32_t i = 0; i < lo; i++) el[i] = (int64_t)i * 1000 - 7;
        vobjects_problem_set(&p, COINJECTURE_PROBLEM_SUBSET_SUM, t, el, lo, 42, 1704067200);
        snprintf(name, sizeof name, "problem_tier_%s", TIER_NAME[t]);
        emit_problem(name, &p);
    }
    for (uint8_t t = 2; t <= 7; t++) {
        for (uint32_t i = 0; i < 8; i++) el[i] = (int64_t)i;
        vobjects_problem_set(&p, t, COINJECTURE_TIER_MOBILE, el, 8, 3, 0);
        snprintf(name, sizeof name, "problem_type_%s", PROBLEM_TYPE_NAME[t]);
        emit_problem(name, &p);
    }
    static const uint32_t counts[] = {0, 15, 16, 32};
    for (size_t k = 0; k < ARRAY_LEN(counts); k++) {
        for (uint32_t i = 0; i < counts[k]; i++) el[i] = I64_EDGES[i % ARRAY_LEN(I64_EDGES)];
        vobjects_problem_set(&p, COINJECTURE_PROBLEM_SUBSET_SUM, COINJECTURE_TIER_CLUSTER, el, counts[k], INT64_MIN,
                             INT64_MAX);
        snprintf(name, sizeof name, "problem_elements_%u", (unsigned)counts[k]);
        emit_problem(name, &p);
    }
}

/* Solution encodings: index arrays across the fixarray/array16 boundary and the largest index. */
static void solution_encodings(void)
{
    coinjecture_solution s;
    char name[96];
    uint32_t idx[32];
    static const uint32_t icounts[] = {0, 1, 15, 16, 32};
    for (size_t k = 0; k < ARRAY_LEN(icounts); k++) {
        for (uint32_t i = 0; i < icounts[k]; i++) idx[i] = (uint32_t)U64_EDGES[i % 10] + i;
        vobjects_solution_set(&s, idx, icounts[k], -(int64_t)k * 1000);
        snprintf(name, sizeof name, "solution_indices_%u", (unsigned)icounts[k]);
        emit_solution(name, &s);
    }
    idx[0] = UINT32_MAX;
    idx[1] = 0;
    vobjects_solution_set(&s, idx, 2, INT64_MIN);
    emit_solution("solution_index_u32_max", &s);
}

/* Two reveals; the last one is left in *r for the block vectors to carry. */
static void reveal_encodings(coinjecture_reveal *r)
{
    memset(r, 0, sizeof *r);
    core_problem(&r->problem, &r->solution);
    memset(r->miner_salt, 0x5c, 32);
    r->nonce = 1337;
    emit_reveal("reveal_core_example", r);
    static const int64_t mob[] = {3, 34, 4, 12, 5, 2, 27, 9};
    static const uint32_t mi[] = {2, 4};
    vobjects_problem_set(&r->problem, COINJECTURE_PROBLEM_SUBSET_SUM, COINJECTURE_TIER_MOBILE, mob, 8, 9, -1);
    vobjects_solution_set(&r->solution, mi, 2, -2);
    memset(r->miner_salt, 0xff, 32);
    r->nonce = UINT64_MAX;
    emit_reveal("reveal_mobile_nonce_max", r);
}

/* Blocks carrying reveal r: empty with no cid; two transactions with a cid; 16 transactions (array16
 * header) with a 256-byte cid. */
static void block_encodings(const coinjecture_reveal *r)
{
    coinjecture_block b;
    coinjecture_tx txs[16];
    static const uint8_t d3[] = {0x00, 0x7f, 0x80};
    memset(&b, 0, sizeof b);
    vheader_base(&b.header);
    b.reveal = *r;
    vec_ok(coinjecture_block_merkle_root(&b, b.header.merkle_root), "coinjecture_block_merkle_root");
    emit_block("block_empty_no_cid", &b);
    for (int i = 0; i < 16; i++) {
        vtx_base(&txs[i]);
        txs[i].nonce = (uint64_t)i;
        txs[i].data = d3;
        txs[i].data_len = (uint32_t)(i % 4);
    }
    b.transactions = txs;
    b.tx_count = 2;
    vec_ok(coinjecture_block_merkle_root(&b, b.header.merkle_root), "coinjecture_block_merkle_root");
    char cid[] = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG";
    b.cid = cid;
    b.header.block_index = 2;
    emit_block("block_two_txs_cid", &b);
    b.tx_count = 16;
    char cid_long[300];
    memset(cid_long, 'z', 256);
    cid_long[256] = '\0';
    b.cid = cid_long;
    b.header.block_index = 3;
    b.header.timestamp = -1;
    vec_ok(coinjecture_block_merkle_root(&b, b.header.merkle_root), "coinjecture_block_merkle_root");
    emit_block("block_sixteen_txs_cid_256", &b);
}

/* Problem/solution encodings (tiers, types, array and integer widths), reveals and whole blocks. */
void vobjects_encodings(void)
{
    coinjecture_problem p;
    coinjecture_solution s;
    coinjecture_reveal r;
    core_problem(&p, &s);
    emit_problem("problem_core_example", &p);
    emit_solution("solution_core_example", &s);
    problem_encodings();
    solution_encodings();
    reveal_encodings(&r);
    block_encodings(&r);
}
