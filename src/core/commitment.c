/* Address, epoch salt, miner salt and commitment hashes (core.md §5.3-§5.5). */
#include <string.h>

#include <sodium.h>

#include "cj_internal.h"

/* Validators are named in headers by the hash of their key, not the key itself. */
COINJECTURE_API CoinjResult coinjecture_derive_address(const uint8_t pubkey[32], uint8_t out[32])
{
    if (!pubkey || !out) return cj_fail(COINJ_ERROR_INVALID_INPUT, "derive_address: NULL argument");
    cj_sha256(pubkey, 32, out);
    return COINJ_OK;
}

/* The epoch salt ties a commitment to one parent and height, so a reveal cannot be replayed elsewhere. */
COINJECTURE_API CoinjResult coinjecture_epoch_salt(const uint8_t parent_hash[32], uint64_t block_index, uint8_t out[32])
{
    if (!parent_hash || !out) return cj_fail(COINJ_ERROR_INVALID_INPUT, "epoch_salt: NULL argument");
    uint8_t pre[40];
    memcpy(pre, parent_hash, 32);
    cj_store_le64(pre + 32, block_index);
    cj_sha256(pre, sizeof pre, out);
    return COINJ_OK;
}

/* HMAC-SHA256 (RFC 2104) with a 32-byte key, on our own SHA-256 so every backend agrees. */
COINJECTURE_API CoinjResult coinjecture_miner_salt(const uint8_t seed[32], const uint8_t epoch_salt[32],
                                                   const uint8_t parent_hash[32], uint64_t block_index, uint8_t out[32])
{
    if (!seed || !epoch_salt || !parent_hash || !out)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "miner_salt: NULL argument");
    uint8_t pad[64], inner[32], msg[72];
    memcpy(msg, epoch_salt, 32);
    memcpy(msg + 32, parent_hash, 32);
    cj_store_le64(msg + 64, block_index);
    coinjecture_sha256_ctx ctx;
    const cj_sha256_impl *impl = cj_backend();
    memset(pad, 0x36, sizeof pad);
    for (int i = 0; i < 32; i++) pad[i] ^= seed[i];
    cj_sha256_init(&ctx, impl);
    cj_sha256_update(&ctx, pad, 64);
    cj_sha256_update(&ctx, msg, sizeof msg);
    cj_sha256_final(&ctx, inner);
    memset(pad, 0x5c, sizeof pad);
    for (int i = 0; i < 32; i++) pad[i] ^= seed[i];
    cj_sha256_init(&ctx, impl);
    cj_sha256_update(&ctx, pad, 64);
    cj_sha256_update(&ctx, inner, 32);
    cj_sha256_final(&ctx, out);
    sodium_memzero(pad, sizeof pad); /* the pads are the secret key in disguise */
    sodium_memzero(inner, sizeof inner);
    return COINJ_OK;
}

/* Gathers the four values a header commitment binds; refuses what the codec refuses. */
COINJECTURE_API CoinjResult coinjecture_commitment_create(const coinjecture_problem *p, const coinjecture_solution *s,
                                                          const uint8_t miner_salt[32], const uint8_t parent_hash[32],
                                                          uint64_t block_index, coinjecture_commitment *out)
{
    if (!p || !s || !miner_salt || !parent_hash || !out)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "commitment_create: NULL argument");
    coinjecture_commitment c;
    CoinjResult rc = coinjecture_problem_hash(p, c.problem_hash);
    if (rc) return rc;
    rc = coinjecture_solution_hash(s, c.solution_hash);
    if (rc) return rc;
    rc = coinjecture_epoch_salt(parent_hash, block_index, c.epoch_salt);
    if (rc) return rc;
    memcpy(c.miner_salt, miner_salt, 32);
    *out = c;
    return COINJ_OK;
}

/* The raw 128-byte concatenation: the original's commitment::compute_commitment_hash (core.md §5.5 a). */
COINJECTURE_API CoinjResult coinjecture_commitment_hash(const coinjecture_commitment *c, uint8_t out[32])
{
    if (!c || !out) return cj_fail(COINJ_ERROR_INVALID_INPUT, "commitment_hash: NULL argument");
    uint8_t pre[128];
    memcpy(pre, c->epoch_salt, 32);
    memcpy(pre + 32, c->problem_hash, 32);
    memcpy(pre + 64, c->solution_hash, 32);
    memcpy(pre + 96, c->miner_salt, 32);
    cj_sha256(pre, sizeof pre, out);
    return COINJ_OK;
}
