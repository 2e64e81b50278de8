/* The original ABI's hash entry points, as thin checked wrappers over the extended implementation. */
#include <string.h>

#include "cj_internal.h"
#include "sha256_paths.h"

/* Accepts (NULL, 0) unlike the original, which refused it (the Go caller passed NULL for empty input). */
COINJECTURE_API CoinjResult coinjecture_sha256_hash(const uint8_t *input, uint32_t input_len, uint8_t out_hash[32])
{
    if (!out_hash) return cj_fail(COINJ_ERROR_INVALID_INPUT, "sha256_hash: out_hash is NULL");
    if (!input && input_len) return cj_fail(COINJ_ERROR_INVALID_INPUT, "sha256_hash: input is NULL but input_len is %u", input_len);
    cj_backend_fast()->oneshot(input, input_len, out_hash);
    return COINJ_OK;
}

/* Widens the 32-bit FFI fields and hashes any extra_data length, as the original did. */
COINJECTURE_API CoinjResult coinjecture_compute_header_hash(const BlockHeaderFFI *header, uint8_t out_hash[32])
{
    if (!header || !out_hash) return cj_fail(COINJ_ERROR_INVALID_INPUT, "compute_header_hash: NULL argument");
    if (header->extra_data_len && !header->extra_data)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "compute_header_hash: extra_data is NULL but extra_data_len is %u",
                       header->extra_data_len);
    const cj_header_view v = {
        .codec_version = (uint8_t)header->codec_version,
        .block_index = header->block_index,
        .timestamp = header->timestamp,
        .parent_hash = header->parent_hash,
        .merkle_root = header->merkle_root,
        .miner_address = header->miner_address,
        .commitment = header->commitment,
        .difficulty_target = header->difficulty_target,
        .nonce = header->nonce,
        .extra_data = header->extra_data_len ? header->extra_data : NULL,
        .extra_data_len = header->extra_data_len,
    };
    cj_header_view_hash(&v, cj_backend_fast(), out_hash);
    return COINJ_OK;
}

/* Refuses NULL with a non-zero count (the original silently returned a zero root). */
COINJECTURE_API CoinjResult coinjecture_compute_merkle_root(const uint8_t (*tx_hashes)[32], uint32_t tx_count,
                                                            uint8_t out_root[32])
{
    if (!out_root) return cj_fail(COINJ_ERROR_INVALID_INPUT, "compute_merkle_root: out_root is NULL");
    if (!tx_hashes && tx_count)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "compute_merkle_root: tx_hashes is NULL but tx_count is %u", tx_count);
    return cj_merkle_root_impl(NULL, tx_hashes, tx_count, out_root);
}
