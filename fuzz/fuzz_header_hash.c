/* libFuzzer target: header hashing from arbitrary field values (layout in fuzz_common.h).
 * The original-ABI hash (coinjecture_compute_header_hash: 32-bit index/difficulty, codec_version mod 256,
 * extra_data of any length, streamed in chunks when long) and the full-width hash (coinjecture_header_hash)
 * are compared with SHA-256 of the harness's naive encoding, with each other whenever the values fit both,
 * across both crypto backends; the full-width header also round-trips through encode/decode, and is
 * refused with COINJ_ERROR_ENCODING when extra_data exceeds the consensus limit. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Full-width checks: encoding = naive encoding, hash = SHA-256 of it, decode gives the fields back. */
static void fz_hh_full_width(const coinjecture_header *h, uint8_t out_hash[32])
{
    cj_fz_buf naive = {0};
    cj_fz_mp_header(&naive, h);
    size_t need = 0, len = 0;
    CJ_FZ_CHECK(coinjecture_header_encode(h, NULL, 0, &need) == COINJ_ERROR_BUFFER_TOO_SMALL);
    CJ_FZ_CHECK(need == naive.n);
    uint8_t *enc = malloc(need);
    CJ_FZ_CHECK(enc != NULL);
    CJ_FZ_CHECK(coinjecture_header_encode(h, enc, need, &len) == COINJ_OK);
    CJ_FZ_CHECK(len == need && memcmp(enc, naive.p, len) == 0);

    uint8_t want[32], lib[32];
    cj_fz_sha256(naive.p, naive.n, want);
    CJ_FZ_CHECK(coinjecture_sha256(enc, len, lib) == COINJ_OK && memcmp(lib, want, 32) == 0);
    CJ_FZ_CHECK(coinjecture_header_hash(h, out_hash) == COINJ_OK && memcmp(out_hash, want, 32) == 0);

    coinjecture_header back;
    CJ_FZ_CHECK(coinjecture_header_decode(enc, len, &back) == COINJ_OK);
    CJ_FZ_CHECK(back.codec_version == h->codec_version && back.block_index == h->block_index);
    CJ_FZ_CHECK(back.timestamp == h->timestamp && back.difficulty_target == h->difficulty_target);
    CJ_FZ_CHECK(back.nonce == h->nonce && back.extra_data_len == h->extra_data_len);
    CJ_FZ_CHECK(memcmp(back.parent_hash, h->parent_hash, 32) == 0 && memcmp(back.merkle_root, h->merkle_root, 32) == 0);
    CJ_FZ_CHECK(memcmp(back.miner_address, h->miner_address, 32) == 0 && memcmp(back.commitment, h->commitment, 32) == 0);
    CJ_FZ_CHECK(memcmp(back.extra_data, h->extra_data, h->extra_data_len) == 0);
    free(enc);
    cj_fz_buf_free(&naive);
}

/* Entry point. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cj_fz_in in = {data, size};
    const uint8_t flags = cj_fz_u8(&in);
    uint32_t codec = (uint32_t)cj_fz_le(&in, 4);
    uint64_t index = cj_fz_le(&in, 8);
    const int64_t ts = (int64_t)cj_fz_le(&in, 8);
    uint8_t parent[32], merkle[32], miner[32], commitment[32];
    cj_fz_take(&in, parent, 32);
    cj_fz_take(&in, merkle, 32);
    cj_fz_take(&in, miner, 32);
    cj_fz_take(&in, commitment, 32);
    uint64_t difficulty = cj_fz_le(&in, 8);
    const uint64_t nonce = cj_fz_le(&in, 8);
    const uint8_t *extra = in.n ? in.p : NULL;
    const size_t extra_len = in.n;
    if (flags & CJ_FZ_HH_NARROW) index &= 0xffffffffu, difficulty &= 0xffffffffu;
    if (flags & CJ_FZ_HH_CODEC8) codec &= 0xffu;
    const int accel = (flags & CJ_FZ_HH_ACCEL) != 0;
    CJ_FZ_CHECK(coinjecture_backend_select(accel ? "accelerated" : "reference") == COINJ_OK);

    /* Original ABI: the wire carries what the 32-bit struct holds. */
    BlockHeaderFFI f;
    memset(&f, 0, sizeof f);
    f.codec_version = codec;
    f.block_index = (uint32_t)index;
    f.timestamp = ts;
    memcpy(f.parent_hash, parent, 32);
    memcpy(f.merkle_root, merkle, 32);
    memcpy(f.miner_address, miner, 32);
    memcpy(f.commitment, commitment, 32);
    f.difficulty_target = (uint32_t)difficulty;
    f.nonce = nonce;
    f.extra_data_len = (uint32_t)extra_len;
    f.extra_data = extra;
    cj_fz_buf fe = {0};
    cj_fz_mp_header_fields(&fe, (uint8_t)codec, (uint32_t)index, ts, parent, merkle, miner, commitment,
                           (uint32_t)difficulty, nonce, extra, extra_len);
    uint8_t want[32], ffi[32], other[32];
    cj_fz_sha256(fe.p, fe.n, want);
    cj_fz_buf_free(&fe);
    CJ_FZ_CHECK(coinjecture_compute_header_hash(&f, ffi) == COINJ_OK);
    CJ_FZ_CHECK(memcmp(ffi, want, 32) == 0);
    CJ_FZ_CHECK(coinjecture_backend_select(accel ? "reference" : "accelerated") == COINJ_OK);
    CJ_FZ_CHECK(coinjecture_compute_header_hash(&f, other) == COINJ_OK);
    CJ_FZ_CHECK(memcmp(ffi, other, 32) == 0);
    if (extra_len) {
        f.extra_data = NULL;
        CJ_FZ_CHECK(coinjecture_compute_header_hash(&f, other) == COINJ_ERROR_INVALID_INPUT);
    }

    /* Full width: 64-bit index and difficulty, extra_data inline (at most 256 bytes). */
    coinjecture_header h;
    memset(&h, 0, sizeof h);
    h.codec_version = (uint8_t)codec;
    h.block_index = index;
    h.timestamp = ts;
    memcpy(h.parent_hash, parent, 32);
    memcpy(h.merkle_root, merkle, 32);
    memcpy(h.miner_address, miner, 32);
    memcpy(h.commitment, commitment, 32);
    h.difficulty_target = difficulty;
    h.nonce = nonce;
    h.extra_data_len = (uint32_t)extra_len;
    if (extra_len) memcpy(h.extra_data, extra, extra_len < sizeof h.extra_data ? extra_len : sizeof h.extra_data);
    if (extra_len <= COINJECTURE_MAX_EXTRA_DATA) {
        uint8_t full[32];
        fz_hh_full_width(&h, full);
        if (index <= UINT32_MAX && difficulty <= UINT32_MAX) CJ_FZ_CHECK(memcmp(full, ffi, 32) == 0);
        cj_fz_stats.checks++;
    } else {
        uint8_t big[1024];
        size_t len = 0;
        cj_fz_mark_error();
        CJ_FZ_CHECK(coinjecture_header_encode(&h, big, sizeof big, &len) == COINJ_ERROR_ENCODING);
        CJ_FZ_CHECK(cj_fz_error_written());
        CJ_FZ_CHECK(coinjecture_header_hash(&h, other) == COINJ_ERROR_ENCODING);
    }
    return 0;
}
