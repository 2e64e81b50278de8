/* libFuzzer target: the strict block decoder (coinjecture_block_decode).
 * Accepted input must re-encode byte for byte (caller buffer, heap buffer and the naive encoder), carry its
 * header encoding at the fixed offset with the header hash over exactly those bytes, and give the Merkle
 * root the harness computes over naive transaction hashes. Refused input must leave the block zeroed and
 * owning nothing (LeakSanitizer reports anything a failed decode kept). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Ownership invariants of a decoded block. */
static void fz_block_shape(const coinjecture_block *b)
{
    CJ_FZ_CHECK(b->tx_count <= COINJECTURE_MAX_TX_PER_BLOCK);
    CJ_FZ_CHECK((b->transactions != NULL) == (b->tx_count > 0));
    for (uint32_t i = 0; i < b->tx_count; i++)
        CJ_FZ_CHECK((b->transactions[i].data != NULL) == (b->transactions[i].data_len > 0));
    if (b->cid) CJ_FZ_CHECK(strlen(b->cid) <= COINJECTURE_MAX_CID);
}

/* The three encoders must give back the input. */
static void fz_block_roundtrip(const uint8_t *data, size_t size, const coinjecture_block *b)
{
    size_t need = 0, len = 0;
    CJ_FZ_CHECK(coinjecture_block_encode(b, NULL, 0, &need) == COINJ_ERROR_BUFFER_TOO_SMALL);
    CJ_FZ_CHECK(need == size);
    uint8_t *out = malloc(size);
    CJ_FZ_CHECK(out != NULL);
    CJ_FZ_CHECK(coinjecture_block_encode(b, out, size, &len) == COINJ_OK);
    CJ_FZ_CHECK(len == size && memcmp(out, data, size) == 0);
    free(out);

    uint8_t *heap = NULL;
    len = 0;
    CJ_FZ_CHECK(coinjecture_block_encode_alloc(b, &heap, &len) == COINJ_OK);
    CJ_FZ_CHECK(heap != NULL && len == size && memcmp(heap, data, size) == 0);
    coinjecture_buffer_free(heap);

    cj_fz_buf naive = {0};
    CJ_FZ_CHECK(cj_fz_mp_block(&naive, b));
    CJ_FZ_CHECK(naive.n == size && memcmp(naive.p, data, size) == 0);
    cj_fz_buf_free(&naive);
}

/* Header bytes start right after `84 a6 "header"`; the block id is SHA-256 of exactly those bytes. */
static void fz_block_header(const uint8_t *data, size_t size, const coinjecture_block *b)
{
    cj_fz_buf he = {0};
    cj_fz_mp_header(&he, &b->header);
    CJ_FZ_CHECK(8 + he.n <= size && memcmp(data + 8, he.p, he.n) == 0);
    uint8_t want[32], got[32];
    cj_fz_sha256(data + 8, he.n, want);
    cj_fz_buf_free(&he);
    CJ_FZ_CHECK(coinjecture_header_hash(&b->header, got) == COINJ_OK && memcmp(got, want, 32) == 0);
}

/* Merkle root of the block against the naive tree over naive transaction hashes. */
static void fz_block_merkle(const coinjecture_block *b)
{
    uint8_t (*leaves)[32] = malloc(((size_t)b->tx_count + 1) * 32);
    CJ_FZ_CHECK(leaves != NULL);
    for (uint32_t i = 0; i < b->tx_count; i++) {
        cj_fz_buf te = {0};
        CJ_FZ_CHECK(cj_fz_mp_tx(&te, &b->transactions[i]));
        cj_fz_sha256(te.p, te.n, leaves[i]);
        cj_fz_buf_free(&te);
    }
    uint8_t want[32], got[32];
    cj_fz_merkle((const uint8_t (*)[32])leaves, b->tx_count, want);
    free(leaves);
    CJ_FZ_CHECK(coinjecture_block_merkle_root(b, got) == COINJ_OK && memcmp(got, want, 32) == 0);
}

/* Entry point: decode, check, release (release must zero the object). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    coinjecture_block b;
    memset(&b, 0xa5, sizeof b);
    cj_fz_mark_error();
    CoinjResult rc = coinjecture_block_decode(data, size, &b);
    if (rc == COINJ_OK) {
        CJ_FZ_CHECK(cj_fz_error_untouched());
        fz_block_shape(&b);
        fz_block_roundtrip(data, size, &b);
        fz_block_header(data, size, &b);
        fz_block_merkle(&b);
        coinjecture_block_free(&b);
        CJ_FZ_CHECK(cj_fz_all_zero(&b, sizeof b));
        cj_fz_stats.decoded++;
    } else {
        cj_fz_check_decode_failure(rc, &b, sizeof b);
        cj_fz_stats.rejected++;
    }
    return 0;
}
