/* coinjecture-vectors: BLOCK_HEADER vectors, the original's 32 and every field at every MessagePack width
 * boundary; header hashes are checked against the original ABI where it can carry the values. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vectors.h"

/* The header encoder as an encode_fn. */
static CoinjResult enc_header(const void *o, uint8_t *out, size_t cap, size_t *len)
{
    return coinjecture_header_encode(o, out, cap, len);
}

/* The header as a JSON object with the original's field names (byte fields hex). */
jv *vheader_json(const coinjecture_header *h)
{
    jv *o = vjson_obj();
    vjson_put(o, "block_index", vjson_u64(h->block_index));
    vjson_put(o, "codec_version", vjson_u64(h->codec_version));
    vjson_put(o, "commitment", vjson_hex(h->commitment, 32));
    vjson_put(o, "difficulty_target", vjson_u64(h->difficulty_target));
    vjson_put(o, "extra_data", vjson_hex(h->extra_data, h->extra_data_len));
    vjson_put(o, "merkle_root", vjson_hex(h->merkle_root, 32));
    vjson_put(o, "miner_address", vjson_hex(h->miner_address, 32));
    vjson_put(o, "nonce", vjson_u64(h->nonce));
    vjson_put(o, "parent_hash", vjson_hex(h->parent_hash, 32));
    vjson_put(o, "timestamp", vjson_i64(h->timestamp));
    return o;
}

/* Header hash through the extended API, checked against the original ABI where the narrower
 * BlockHeaderFFI can carry the value. */
static void header_hash_checked(const coinjecture_header *h, uint8_t out[32])
{
    vec_ok(coinjecture_header_hash(h, out), "coinjecture_header_hash");
    if (h->block_index > UINT32_MAX || h->difficulty_target > UINT32_MAX) return;
    BlockHeaderFFI f;
    memset(&f, 0, sizeof f);
    f.codec_version = h->codec_version;
    f.block_index = (uint32_t)h->block_index;
    f.timestamp = h->timestamp;
    memcpy(f.parent_hash, h->parent_hash, 32);
    memcpy(f.merkle_root, h->merkle_root, 32);
    memcpy(f.miner_address, h->miner_address, 32);
    memcpy(f.commitment, h->commitment, 32);
    f.difficulty_target = (uint32_t)h->difficulty_target;
    f.nonce = h->nonce;
    f.extra_data_len = h->extra_data_len;
    f.extra_data = h->extra_data_len ? h->extra_data : NULL;
    uint8_t o2[32];
    vec_ok(coinjecture_compute_header_hash(&f, o2), "coinjecture_compute_header_hash");
    if (memcmp(out, o2, 32) != 0) vec_die("header: extended and original ABI hashes disagree");
}

/* A BLOCK_HEADER vector; new vectors also carry the canonical encoding. */
static void emit_header(const char *name, const coinjecture_header *h, int with_encoding)
{
    uint8_t hash[32];
    header_hash_checked(h, hash);
    jv *v = vec_new("BLOCK_HEADER", "%s", name);
    if (with_encoding) {
        size_t len;
        uint8_t *enc = vec_encode(enc_header, h, &len, "coinjecture_header_encode");
        vec_put_encoding(v, "encoding_hex", enc, len, hash);
        free(enc);
    }
    vjson_put(v, "expected_hash", vjson_hex(hash, 32));
    vjson_put(v, "header", vheader_json(h));
}

/* Sets the extra_data of a header from a C string. */
static void header_extra(coinjecture_header *h, const char *s)
{
    h->extra_data_len = (uint32_t)strlen(s);
    memcpy(h->extra_data, s, h->extra_data_len);
}

/* The original's 32 header vectors, rebuilt by the original generator's rules (core.md 10.1). */
void vheader_original(void)
{
    coinjecture_header g, h;
    uint8_t genesis_hash[32], leaves[50][32];
    memset(&g, 0, sizeof g);
    g.codec_version = 1;
    g.timestamp = 1704067200;
    g.difficulty_target = 100;
    emit_header("block_header_genesis", &g, 0);
    vec_ok(coinjecture_header_hash(&g, genesis_hash), "coinjecture_header_hash");

    h = g;
    h.block_index = 1;
    h.timestamp = 1704067202;
    memcpy(h.parent_hash, genesis_hash, 32);
    vec_sha_str("tx1", leaves[0]);
    vec_sha_str("tx2", leaves[1]);
    vec_ok(coinjecture_merkle_root((const uint8_t(*)[32])leaves, 2, h.merkle_root), "coinjecture_merkle_root");
    vec_sha_str("validator1_pubkey", h.miner_address);
    memset(h.commitment, 0xff, 32);
    h.nonce = 42;
    emit_header("block_header_1", &h, 0);

    memset(&h, 0, sizeof h);
    h.codec_version = 1;
    h.block_index = 100;
    h.timestamp = 1704067400;
    vec_sha_str("parent_block_99", h.parent_hash);
    vec_sha_str("merkle_root_100", h.merkle_root);
    vec_sha_str("miner_alice", h.miner_address);
    vec_sha_str("commitment_100", h.commitment);
    h.difficulty_target = 1000;
    h.nonce = 1337;
    header_extra(&h, "Network B Migration - v4.5.0+");
    emit_header("block_header_with_extra_data", &h, 0);

    memset(&h, 0, sizeof h);
    h.codec_version = 1;
    h.block_index = 1000;
    h.timestamp = 1704069200;
    vec_sha_str("block_999", h.parent_hash);
    for (int i = 0; i < 50; i++) vec_sha_fmt(leaves[i], "tx_%d", i);
    vec_ok(coinjecture_merkle_root((const uint8_t(*)[32])leaves, 50, h.merkle_root), "coinjecture_merkle_root");
    vec_sha_str("validator_checkpoint", h.miner_address);
    vec_sha_str("checkpoint_1000", h.commitment);
    h.difficulty_target = 10000;
    h.nonce = 999999;
    header_extra(&h, "CHECKPOINT");
    emit_header("block_header_checkpoint_1000", &h, 0);

    for (int i = 23; i <= 50; i++) {
        char name[64], extra[32];
        memset(&h, 0, sizeof h);
        h.codec_version = 1;
        h.block_index = (uint64_t)(i * 7 % 10000);
        h.timestamp = 1704067200 + 2 * i;
        vec_sha_fmt(h.parent_hash, "parent_%d", i);
        vec_sha_fmt(h.merkle_root, "merkle_%d", i);
        vec_sha_fmt(h.miner_address, "miner_%d", i);
        vec_sha_fmt(h.commitment, "commit_%d", i);
        h.difficulty_target = (uint64_t)i * 100;
        h.nonce = (uint64_t)(i * 12345 % 100000);
        if (i % 3 == 0) {
            snprintf(extra, sizeof extra, "extra_data_%d", i);
            header_extra(&h, extra);
        }
        snprintf(name, sizeof name, "stress_test_vector_%d", i);
        emit_header(name, &h, 0);
    }
}

/* The base header the boundary vectors vary one field of. */
void vheader_base(coinjecture_header *h)
{
    memset(h, 0, sizeof *h);
    h->codec_version = 1;
    h->block_index = 1;
    h->timestamp = 1704067200;
    vec_sha_str("vectors/parent_hash", h->parent_hash);
    vec_sha_str("vectors/merkle_root", h->merkle_root);
    vec_sha_str("vectors/miner_address", h->miner_address);
    vec_sha_str("vectors/commitment", h->commitment);
    h->difficulty_target = 100;
}

/* Every integer field at every width boundary, negative timestamps, and extra_data lengths/bytes. */
void vheader_edges(void)
{
    coinjecture_header h;
    char name[96], lbl[32];
    for (size_t k = 0; k < ARRAY_LEN(U64_EDGES); k++) {
        vheader_base(&h);
        h.block_index = U64_EDGES[k];
        snprintf(name, sizeof name, "header_block_index_%" PRIu64, U64_EDGES[k]);
        emit_header(name, &h, 1);
        vheader_base(&h);
        h.difficulty_target = U64_EDGES[k];
        snprintf(name, sizeof name, "header_difficulty_target_%" PRIu64, U64_EDGES[k]);
        emit_header(name, &h, 1);
        vheader_base(&h);
        h.nonce = U64_EDGES[k];
        snprintf(name, sizeof name, "header_nonce_%" PRIu64, U64_EDGES[k]);
        emit_header(name, &h, 1);
    }
    for (size_t k = 0; k < ARRAY_LEN(I64_EDGES); k++) {
        vheader_base(&h);
        h.timestamp = I64_EDGES[k];
        vec_i64_label(I64_EDGES[k], lbl, sizeof lbl);
        snprintf(name, sizeof name, "header_timestamp_%s", lbl);
        emit_header(name, &h, 1);
    }
    static const uint8_t codecs[] = {0, 1, 127, 128, 255};
    for (size_t k = 0; k < ARRAY_LEN(codecs); k++) {
        vheader_base(&h);
        h.codec_version = codecs[k];
        snprintf(name, sizeof name, "header_codec_version_%u", (unsigned)codecs[k]);
        emit_header(name, &h, 1);
    }
    /* extra_data byte i = 0x7e + i: crosses the 0x7f/0x80 fixint boundary early. */
    static const uint32_t lens[] = {0, 1, 2, 3, 15, 16, 17, 31, 32, 127, 128, 129, 255, 256};
    for (size_t k = 0; k < ARRAY_LEN(lens); k++) {
        vheader_base(&h);
        h.extra_data_len = lens[k];
        for (uint32_t i = 0; i < lens[k]; i++) h.extra_data[i] = (uint8_t)(0x7e + i);
        snprintf(name, sizeof name, "header_extra_data_len_%u", (unsigned)lens[k]);
        emit_header(name, &h, 1);
    }
    vheader_base(&h);
    h.extra_data_len = 16;
    memset(h.extra_data, 0xff, 16);
    emit_header("header_extra_data_ff_16", &h, 1);
    vheader_base(&h);
    h.extra_data_len = 17;
    emit_header("header_extra_data_00_17", &h, 1);

    memset(&h, 0xff, sizeof h);
    h.codec_version = 255;
    h.timestamp = INT64_MAX;
    h.extra_data_len = 256;
    emit_header("header_all_max", &h, 1);
    memset(&h, 0, sizeof h);
    h.timestamp = INT64_MIN;
    emit_header("header_all_min", &h, 1);
}

