/* Strict decoding of the consensus types (docs/spec/core.md §3, §4): only what the encoders of codec.c emit is
 * accepted, with every count capped before allocation. */
#include <stdlib.h>
#include <string.h>

#include "codec_schema.h"

/* ============================== strict decoding ============================== */

/* Header fields in declaration order; extra_data lands in the inline array. */
static CoinjResult cj_codec_read_header(cj_msgpack_reader *r, coinjecture_header *h)
{
    const cj_msgpack_key *k = cj_codec_header_keys;
    uint64_t u = 0;
    uint32_t n = 0;
    CJ_TRY(cj_msgpack_read_map(r, 10));
    CJ_TRY(cj_msgpack_read_key(r, k, 10, 0));
    CJ_TRY(cj_msgpack_read_uint(r, "codec_version", CJ_NO_INDEX, UINT8_MAX, &u));
    h->codec_version = (uint8_t)u;
    CJ_TRY(cj_msgpack_read_key(r, k, 10, 1));
    CJ_TRY(cj_msgpack_read_uint(r, "block_index", CJ_NO_INDEX, UINT64_MAX, &h->block_index));
    CJ_TRY(cj_msgpack_read_key(r, k, 10, 2));
    CJ_TRY(cj_msgpack_read_int(r, "timestamp", CJ_NO_INDEX, &h->timestamp));
    CJ_TRY(cj_msgpack_read_key(r, k, 10, 3));
    CJ_TRY(cj_msgpack_read_bin_fixed(r, "parent_hash", h->parent_hash, 32));
    CJ_TRY(cj_msgpack_read_key(r, k, 10, 4));
    CJ_TRY(cj_msgpack_read_bin_fixed(r, "merkle_root", h->merkle_root, 32));
    CJ_TRY(cj_msgpack_read_key(r, k, 10, 5));
    CJ_TRY(cj_msgpack_read_bin_fixed(r, "miner_address", h->miner_address, 32));
    CJ_TRY(cj_msgpack_read_key(r, k, 10, 6));
    CJ_TRY(cj_msgpack_read_bin_fixed(r, "commitment", h->commitment, 32));
    CJ_TRY(cj_msgpack_read_key(r, k, 10, 7));
    CJ_TRY(cj_msgpack_read_uint(r, "difficulty_target", CJ_NO_INDEX, UINT64_MAX, &h->difficulty_target));
    CJ_TRY(cj_msgpack_read_key(r, k, 10, 8));
    CJ_TRY(cj_msgpack_read_uint(r, "nonce", CJ_NO_INDEX, UINT64_MAX, &h->nonce));
    CJ_TRY(cj_msgpack_read_key(r, k, 10, 9));
    CJ_TRY(cj_msgpack_read_array(r, "extra_data", COINJECTURE_MAX_EXTRA_DATA, 1, &n));
    CJ_TRY(cj_msgpack_read_byte_elems(r, "extra_data", h->extra_data, n));
    h->extra_data_len = n;
    return COINJ_OK;
}

/* Transaction fields; data is allocated as soon as its length is known and trusted (so the caller's
 * cleanup frees it on any later failure). */
static CoinjResult cj_codec_read_tx(cj_msgpack_reader *r, coinjecture_tx *tx)
{
    const cj_msgpack_key *k = cj_codec_tx_keys;
    uint64_t u = 0;
    uint32_t n = 0;
    size_t e = 0;
    CJ_TRY(cj_msgpack_read_map(r, 11));
    CJ_TRY(cj_msgpack_read_key(r, k, 11, 0));
    CJ_TRY(cj_msgpack_read_uint(r, "codec_version", CJ_NO_INDEX, UINT8_MAX, &u));
    tx->codec_version = (uint8_t)u;
    CJ_TRY(cj_msgpack_read_key(r, k, 11, 1));
    CJ_TRY(cj_msgpack_read_enum(r, "tx_type", cj_codec_tx_types, 3, &e));
    tx->tx_type = (uint8_t)(e + 1);
    CJ_TRY(cj_msgpack_read_key(r, k, 11, 2));
    CJ_TRY(cj_msgpack_read_bin_fixed(r, "from", tx->from, 32));
    CJ_TRY(cj_msgpack_read_key(r, k, 11, 3));
    CJ_TRY(cj_msgpack_read_bin_fixed(r, "to", tx->to, 32));
    CJ_TRY(cj_msgpack_read_key(r, k, 11, 4));
    CJ_TRY(cj_msgpack_read_uint(r, "amount", CJ_NO_INDEX, UINT64_MAX, &tx->amount));
    CJ_TRY(cj_msgpack_read_key(r, k, 11, 5));
    CJ_TRY(cj_msgpack_read_uint(r, "nonce", CJ_NO_INDEX, UINT64_MAX, &tx->nonce));
    CJ_TRY(cj_msgpack_read_key(r, k, 11, 6));
    CJ_TRY(cj_msgpack_read_uint(r, "gas_limit", CJ_NO_INDEX, UINT64_MAX, &tx->gas_limit));
    CJ_TRY(cj_msgpack_read_key(r, k, 11, 7));
    CJ_TRY(cj_msgpack_read_uint(r, "gas_price", CJ_NO_INDEX, UINT64_MAX, &tx->gas_price));
    CJ_TRY(cj_msgpack_read_key(r, k, 11, 8));
    CJ_TRY(cj_msgpack_read_bin_fixed(r, "signature", tx->signature, 64));
    CJ_TRY(cj_msgpack_read_key(r, k, 11, 9));
    CJ_TRY(cj_msgpack_read_array(r, "data", COINJECTURE_MAX_TX_DATA, 1, &n));
    if (n) {
        uint8_t *data = malloc(n);
        if (!data) return cj_msgpack_fail(r, COINJ_ERROR_OUT_OF_MEMORY, "data", CJ_NO_INDEX, "cannot allocate %u bytes",
                                          (unsigned)n);
        tx->data = data;
        tx->data_len = n;
        CJ_TRY(cj_msgpack_read_byte_elems(r, "data", data, n));
    }
    CJ_TRY(cj_msgpack_read_key(r, k, 11, 10));
    return cj_msgpack_read_int(r, "timestamp", CJ_NO_INDEX, &tx->timestamp);
}

/* Problem fields. */
static CoinjResult cj_codec_read_problem(cj_msgpack_reader *r, coinjecture_problem *p)
{
    const cj_msgpack_key *k = cj_codec_problem_keys;
    size_t e = 0;
    uint32_t n = 0;
    CJ_TRY(cj_msgpack_read_map(r, 5));
    CJ_TRY(cj_msgpack_read_key(r, k, 5, 0));
    CJ_TRY(cj_msgpack_read_enum(r, "problem_type", cj_codec_problem_types, 7, &e));
    p->problem_type = (uint8_t)(e + 1);
    CJ_TRY(cj_msgpack_read_key(r, k, 5, 1));
    CJ_TRY(cj_msgpack_read_enum(r, "tier", cj_codec_tiers, 5, &e));
    p->tier = (uint8_t)(e + 1);
    CJ_TRY(cj_msgpack_read_key(r, k, 5, 2));
    CJ_TRY(cj_msgpack_read_array(r, "elements", COINJECTURE_MAX_ELEMENTS, 1, &n));
    for (uint32_t i = 0; i < n; i++) CJ_TRY(cj_msgpack_read_int(r, "elements", i, &p->elements[i]));
    p->elements_len = n;
    CJ_TRY(cj_msgpack_read_key(r, k, 5, 3));
    CJ_TRY(cj_msgpack_read_int(r, "target", CJ_NO_INDEX, &p->target));
    CJ_TRY(cj_msgpack_read_key(r, k, 5, 4));
    return cj_msgpack_read_int(r, "timestamp", CJ_NO_INDEX, &p->timestamp);
}

/* Solution fields. */
static CoinjResult cj_codec_read_solution(cj_msgpack_reader *r, coinjecture_solution *s)
{
    const cj_msgpack_key *k = cj_codec_solution_keys;
    uint32_t n = 0;
    CJ_TRY(cj_msgpack_read_map(r, 2));
    CJ_TRY(cj_msgpack_read_key(r, k, 2, 0));
    CJ_TRY(cj_msgpack_read_array(r, "indices", COINJECTURE_MAX_ELEMENTS, 1, &n));
    for (uint32_t i = 0; i < n; i++) {
        uint64_t u = 0;
        CJ_TRY(cj_msgpack_read_uint(r, "indices", i, UINT32_MAX, &u));
        s->indices[i] = (uint32_t)u;
    }
    s->indices_len = n;
    CJ_TRY(cj_msgpack_read_key(r, k, 2, 1));
    return cj_msgpack_read_int(r, "timestamp", CJ_NO_INDEX, &s->timestamp);
}

/* Reveal fields; nested objects extend the error path. */
static CoinjResult cj_codec_read_reveal(cj_msgpack_reader *r, coinjecture_reveal *rv)
{
    const cj_msgpack_key *k = cj_codec_reveal_keys;
    char saved[sizeof r->path];
    memcpy(saved, r->path, sizeof saved);
    CJ_TRY(cj_msgpack_read_map(r, 4));
    CJ_TRY(cj_msgpack_read_key(r, k, 4, 0));
    cj_msgpack_reader_path(r, "%s.problem", saved);
    CJ_TRY(cj_codec_read_problem(r, &rv->problem));
    cj_msgpack_reader_path(r, "%s", saved);
    CJ_TRY(cj_msgpack_read_key(r, k, 4, 1));
    cj_msgpack_reader_path(r, "%s.solution", saved);
    CJ_TRY(cj_codec_read_solution(r, &rv->solution));
    cj_msgpack_reader_path(r, "%s", saved);
    CJ_TRY(cj_msgpack_read_key(r, k, 4, 2));
    CJ_TRY(cj_msgpack_read_bin_fixed(r, "miner_salt", rv->miner_salt, 32));
    CJ_TRY(cj_msgpack_read_key(r, k, 4, 3));
    return cj_msgpack_read_uint(r, "nonce", CJ_NO_INDEX, UINT64_MAX, &rv->nonce);
}

/* Commitment fields. */
static CoinjResult cj_codec_read_commitment(cj_msgpack_reader *r, coinjecture_commitment *c)
{
    const cj_msgpack_key *k = cj_codec_commitment_keys;
    CJ_TRY(cj_msgpack_read_map(r, 4));
    CJ_TRY(cj_msgpack_read_key(r, k, 4, 0));
    CJ_TRY(cj_msgpack_read_bin_fixed(r, "epoch_salt", c->epoch_salt, 32));
    CJ_TRY(cj_msgpack_read_key(r, k, 4, 1));
    CJ_TRY(cj_msgpack_read_bin_fixed(r, "problem_hash", c->problem_hash, 32));
    CJ_TRY(cj_msgpack_read_key(r, k, 4, 2));
    CJ_TRY(cj_msgpack_read_bin_fixed(r, "solution_hash", c->solution_hash, 32));
    CJ_TRY(cj_msgpack_read_key(r, k, 4, 3));
    return cj_msgpack_read_bin_fixed(r, "miner_salt", c->miner_salt, 32);
}

/* cid: nil, or a str of at most 256 bytes of UTF-8 without NUL (it becomes a C string). */
static CoinjResult cj_codec_read_cid(cj_msgpack_reader *r, char **out)
{
    if (cj_msgpack_read_nil(r) == 1) return COINJ_OK;
    const uint8_t *s = NULL;
    uint32_t n = 0;
    const uint8_t *start = r->p;
    CJ_TRY(cj_msgpack_read_str(r, "cid", COINJECTURE_MAX_CID, &s, &n));
    if (!cj_msgpack_utf8_valid(s, n)) {
        r->p = start;
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TYPE, "cid", CJ_NO_INDEX, "str is not valid UTF-8");
    }
    if (memchr(s, 0, n)) {
        r->p = start;
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_RANGE, "cid", CJ_NO_INDEX, "str contains a NUL byte");
    }
    char *cid = malloc((size_t)n + 1);
    if (!cid) return cj_msgpack_fail(r, COINJ_ERROR_OUT_OF_MEMORY, "cid", CJ_NO_INDEX, "cannot allocate");
    if (n) memcpy(cid, s, n);
    cid[n] = 0;
    *out = cid;
    return COINJ_OK;
}

/* Block fields; every allocation is recorded in b at once so coinjecture_block_free can undo a failure. */
static CoinjResult cj_codec_read_block(cj_msgpack_reader *r, coinjecture_block *b)
{
    const cj_msgpack_key *k = cj_codec_block_keys;
    uint32_t n = 0;
    CJ_TRY(cj_msgpack_read_map(r, 4));
    CJ_TRY(cj_msgpack_read_key(r, k, 4, 0));
    cj_msgpack_reader_path(r, "block.header");
    CJ_TRY(cj_codec_read_header(r, &b->header));
    cj_msgpack_reader_path(r, "block");
    CJ_TRY(cj_msgpack_read_key(r, k, 4, 1));
    CJ_TRY(cj_msgpack_read_array(r, "transactions", COINJECTURE_MAX_TX_PER_BLOCK, CJ_TX_MIN_SIZE, &n));
    if (n) {
        b->transactions = calloc(n, sizeof *b->transactions);
        if (!b->transactions)
            return cj_msgpack_fail(r, COINJ_ERROR_OUT_OF_MEMORY, "transactions", CJ_NO_INDEX,
                                   "cannot allocate %u transactions", (unsigned)n);
        b->tx_count = n;
    }
    for (uint32_t i = 0; i < n; i++) {
        cj_msgpack_reader_path(r, "block.transactions[%u]", (unsigned)i);
        CJ_TRY(cj_codec_read_tx(r, &b->transactions[i]));
    }
    cj_msgpack_reader_path(r, "block");
    CJ_TRY(cj_msgpack_read_key(r, k, 4, 2));
    cj_msgpack_reader_path(r, "block.reveal");
    CJ_TRY(cj_codec_read_reveal(r, &b->reveal));
    cj_msgpack_reader_path(r, "block");
    CJ_TRY(cj_msgpack_read_key(r, k, 4, 3));
    return cj_codec_read_cid(r, &b->cid);
}

/* Shared prologue of the decoders: out must exist (it is zeroed first), in may be NULL only when empty. */
static CoinjResult cj_codec_decode_begin(const uint8_t *in, size_t in_len, void *out, size_t out_size,
                                         const char *what)
{
    if (!out) return cj_fail(COINJ_ERROR_INVALID_INPUT, "%s_decode: out is NULL", what);
    memset(out, 0, out_size);
    if (!in && in_len) return cj_fail(COINJ_ERROR_INVALID_INPUT, "%s_decode: NULL input with length %zu", what, in_len);
    return COINJ_OK;
}

/* Strict header decoder. */
CoinjResult coinjecture_header_decode(const uint8_t *in, size_t in_len, coinjecture_header *out)
{
    CJ_TRY(cj_codec_decode_begin(in, in_len, out, sizeof *out, "header"));
    cj_msgpack_reader r;
    cj_msgpack_reader_init(&r, in, in_len, "header");
    CoinjResult rc = cj_codec_read_header(&r, out);
    if (rc == COINJ_OK) rc = cj_msgpack_read_end(&r);
    if (rc != COINJ_OK) memset(out, 0, sizeof *out);
    return rc;
}

/* Strict transaction decoder; out->data is heap memory on success. */
CoinjResult coinjecture_tx_decode(const uint8_t *in, size_t in_len, coinjecture_tx *out)
{
    CJ_TRY(cj_codec_decode_begin(in, in_len, out, sizeof *out, "tx"));
    cj_msgpack_reader r;
    cj_msgpack_reader_init(&r, in, in_len, "tx");
    CoinjResult rc = cj_codec_read_tx(&r, out);
    if (rc == COINJ_OK) rc = cj_msgpack_read_end(&r);
    if (rc != COINJ_OK) coinjecture_tx_free(out);
    return rc;
}

/* Releases a decoded transaction's data. */
void coinjecture_tx_free(coinjecture_tx *tx)
{
    if (!tx) return;
    free((void *)(uintptr_t)tx->data);
    memset(tx, 0, sizeof *tx);
}

/* Strict problem decoder. */
CoinjResult coinjecture_problem_decode(const uint8_t *in, size_t in_len, coinjecture_problem *out)
{
    CJ_TRY(cj_codec_decode_begin(in, in_len, out, sizeof *out, "problem"));
    cj_msgpack_reader r;
    cj_msgpack_reader_init(&r, in, in_len, "problem");
    CoinjResult rc = cj_codec_read_problem(&r, out);
    if (rc == COINJ_OK) rc = cj_msgpack_read_end(&r);
    if (rc != COINJ_OK) memset(out, 0, sizeof *out);
    return rc;
}

/* Strict solution decoder. */
CoinjResult coinjecture_solution_decode(const uint8_t *in, size_t in_len, coinjecture_solution *out)
{
    CJ_TRY(cj_codec_decode_begin(in, in_len, out, sizeof *out, "solution"));
    cj_msgpack_reader r;
    cj_msgpack_reader_init(&r, in, in_len, "solution");
    CoinjResult rc = cj_codec_read_solution(&r, out);
    if (rc == COINJ_OK) rc = cj_msgpack_read_end(&r);
    if (rc != COINJ_OK) memset(out, 0, sizeof *out);
    return rc;
}

/* Strict reveal decoder. */
CoinjResult coinjecture_reveal_decode(const uint8_t *in, size_t in_len, coinjecture_reveal *out)
{
    CJ_TRY(cj_codec_decode_begin(in, in_len, out, sizeof *out, "reveal"));
    cj_msgpack_reader r;
    cj_msgpack_reader_init(&r, in, in_len, "reveal");
    CoinjResult rc = cj_codec_read_reveal(&r, out);
    if (rc == COINJ_OK) rc = cj_msgpack_read_end(&r);
    if (rc != COINJ_OK) memset(out, 0, sizeof *out);
    return rc;
}

/* Strict commitment decoder. */
CoinjResult coinjecture_commitment_decode(const uint8_t *in, size_t in_len, coinjecture_commitment *out)
{
    CJ_TRY(cj_codec_decode_begin(in, in_len, out, sizeof *out, "commitment"));
    cj_msgpack_reader r;
    cj_msgpack_reader_init(&r, in, in_len, "commitment");
    CoinjResult rc = cj_codec_read_commitment(&r, out);
    if (rc == COINJ_OK) rc = cj_msgpack_read_end(&r);
    if (rc != COINJ_OK) memset(out, 0, sizeof *out);
    return rc;
}

/* Strict block decoder; oversized input is refused before any parsing. */
CoinjResult coinjecture_block_decode(const uint8_t *in, size_t in_len, coinjecture_block *out)
{
    CJ_TRY(cj_codec_decode_begin(in, in_len, out, sizeof *out, "block"));
    if (in_len > COINJECTURE_MAX_BLOCK_SIZE)
        return cj_fail(COINJ_ERROR_DECODE_LENGTH, "block: input of %zu bytes exceeds %u", in_len,
                       (unsigned)COINJECTURE_MAX_BLOCK_SIZE);
    cj_msgpack_reader r;
    cj_msgpack_reader_init(&r, in, in_len, "block");
    CoinjResult rc = cj_codec_read_block(&r, out);
    if (rc == COINJ_OK) rc = cj_msgpack_read_end(&r);
    if (rc != COINJ_OK) coinjecture_block_free(out);
    return rc;
}

/* Releases everything a decoded block owns. */
void coinjecture_block_free(coinjecture_block *b)
{
    if (!b) return;
    if (b->transactions)
        for (uint32_t i = 0; i < b->tx_count; i++) free((void *)(uintptr_t)b->transactions[i].data);
    free(b->transactions);
    free(b->cid);
    memset(b, 0, sizeof *b);
}
