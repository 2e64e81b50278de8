/* Bounty escrow rules (core.md §8) and the escrow id; every failure is COINJ_ERROR_INVALID_INPUT as in
 * the original. */
#include <string.h>

#include "cj_internal.h"

/* Escrow ids bind submitter, problem and creation height so two escrows never share one. */
COINJECTURE_API CoinjResult coinjecture_compute_escrow_id(const uint8_t *submitter, const uint8_t *problem_hash,
                                                          uint64_t created_block, uint8_t *out_id)
{
    if (!submitter || !problem_hash || !out_id)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "compute_escrow_id: NULL argument");
    uint8_t pre[72];
    memcpy(pre, submitter, 32);
    memcpy(pre + 32, problem_hash, 32);
    cj_store_le64(pre + 64, created_block);
    cj_sha256(pre, sizeof pre, out_id);
    return COINJ_OK;
}

/* Creation bounds keep bounties worth settling and expiries within a sane window. */
COINJECTURE_API CoinjResult coinjecture_validate_escrow_creation(uint64_t amount, uint64_t created_block,
                                                                 uint64_t expiry_block)
{
    if (amount < 1000) return cj_fail(COINJ_ERROR_INVALID_INPUT, "Escrow amount %llu below minimum 1000", (unsigned long long)amount);
    if (expiry_block <= created_block)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "Escrow expiry %llu not after creation %llu",
                       (unsigned long long)expiry_block, (unsigned long long)created_block);
    uint64_t d = expiry_block - created_block;
    if (d < 100 || d > 100000)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "Escrow duration %llu blocks outside 100..100000", (unsigned long long)d);
    return COINJ_OK;
}

/* Release needs a locked escrow and a real recipient; expiry is deliberately not considered (original rule). */
CoinjResult cj_escrow_release(uint32_t state, const uint8_t recipient[32])
{
    static const uint8_t zero[32];
    if (state > COINJECTURE_ESCROW_REFUNDED) return cj_fail(COINJ_ERROR_INVALID_INPUT, "Invalid escrow state %u", state);
    if (state != COINJECTURE_ESCROW_LOCKED) return cj_fail(COINJ_ERROR_INVALID_INPUT, "Escrow is not locked (state %u)", state);
    if (memcmp(recipient, zero, 32) == 0) return cj_fail(COINJ_ERROR_INVALID_INPUT, "Escrow recipient is the zero key");
    return COINJ_OK;
}

/* Refund needs a locked escrow whose expiry height has been reached. */
CoinjResult cj_escrow_refund(uint32_t state, uint64_t expiry_block, uint64_t current_block)
{
    if (state > COINJECTURE_ESCROW_REFUNDED) return cj_fail(COINJ_ERROR_INVALID_INPUT, "Invalid escrow state %u", state);
    if (state != COINJECTURE_ESCROW_LOCKED) return cj_fail(COINJ_ERROR_INVALID_INPUT, "Escrow is not locked (state %u)", state);
    if (current_block < expiry_block)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "Escrow not expired: block %llu < expiry %llu",
                       (unsigned long long)current_block, (unsigned long long)expiry_block);
    return COINJ_OK;
}

/* Original ABI release check. */
COINJECTURE_API CoinjResult coinjecture_validate_escrow_release(const BountyEscrowFFI *escrow, const uint8_t *recipient)
{
    if (!escrow || !recipient) return cj_fail(COINJ_ERROR_INVALID_INPUT, "validate_escrow_release: NULL argument");
    return cj_escrow_release(escrow->state, recipient);
}

/* Original ABI refund check. */
COINJECTURE_API CoinjResult coinjecture_validate_escrow_refund(const BountyEscrowFFI *escrow, uint64_t current_block)
{
    if (!escrow) return cj_fail(COINJ_ERROR_INVALID_INPUT, "validate_escrow_refund: escrow is NULL");
    return cj_escrow_refund(escrow->state, escrow->expiry_block, current_block);
}

/* Full-width release check. */
COINJECTURE_API CoinjResult coinjecture_escrow_check_release(const coinjecture_escrow *e, const uint8_t recipient[32])
{
    if (!e || !recipient) return cj_fail(COINJ_ERROR_INVALID_INPUT, "escrow_check_release: NULL argument");
    return cj_escrow_release(e->state, recipient);
}

/* Full-width refund check. */
COINJECTURE_API CoinjResult coinjecture_escrow_check_refund(const coinjecture_escrow *e, uint64_t current_block)
{
    if (!e) return cj_fail(COINJ_ERROR_INVALID_INPUT, "escrow_check_refund: escrow is NULL");
    return cj_escrow_refund(e->state, e->expiry_block, current_block);
}
