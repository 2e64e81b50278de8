/* Pure JSON <-> struct conversion for the HTTP API (jansson). No I/O, no global state: fuzzable.
 *
 * Conventions (also in docs/NODE.md):
 *  - bytes are lowercase hex without 0x (inputs may carry 0x, either case);
 *  - unsigned 64-bit values are JSON integers up to 2^63-1 and decimal strings above (jansson integers
 *    are int64); inputs accept both forms for every u64 field; floats, negatives, exponents, leading
 *    signs/zeros in strings and values above 2^64-1 are refused with an error naming the field;
 *  - signed values (timestamps, subset-sum elements) are JSON integers. */
#ifndef CJ_NODE_API_JSON_H
#define CJ_NODE_API_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "coinjecture.h"

/* Largest POST /v1/transactions body this parser is meant for: a transaction with the maximum data. */
#define CJ_API_TX_JSON_MAX (2u * COINJECTURE_MAX_TX_DATA + 4096u)

/* Reads a u64 from a JSON integer (>= 0) or a canonical decimal string ("0", "18446744073709551615").
 * Returns 0, or -1 with a static reason in *why ("must be an unsigned integer", ...). */
int cj_json_u64(const json_t *v, uint64_t *out, const char **why);

/* A JSON value for a u64: integer when it fits in int64, else a decimal string. NULL on OOM. */
json_t *cj_json_from_u64(uint64_t v);

/* Hex text of len bytes as a new JSON string (NULL on OOM). */
json_t *cj_json_hex(const uint8_t *bytes, size_t len);

/* Decodes exactly len bytes of hex (optional 0x) from a JSON string. Returns 0 or -1 with *why. */
int cj_json_hex_fixed(const json_t *v, uint8_t *out, size_t len, const char **why);

/* Transaction -> object with every field plus tx_hash and fee (fee omitted if gas_limit*gas_price
 * overflows). NULL on OOM or if the tx cannot be hashed (over a consensus limit). */
json_t *cj_json_tx(const coinjecture_tx *tx);

/* Header -> object with every field (hex for byte fields). */
json_t *cj_json_header(const coinjecture_header *h);

/* Reveal -> {problem:{problem_type, tier, elements, target, timestamp}, solution:{indices, timestamp},
 * miner_salt, nonce}. */
json_t *cj_json_reveal(const coinjecture_reveal *r);

/* Block -> {block_hash, height, tx_count, header:{...}, transactions:[...], reveal:{...}, cid}. The hash
 * is computed here from the header. NULL on OOM or unhashable header. */
json_t *cj_json_block(const coinjecture_block *b);

/* Account -> {pubkey, address (SHA-256 of the key, the miner_address form), balance, nonce}. */
json_t *cj_json_account(const uint8_t pubkey[32], uint64_t balance, uint64_t nonce);

/* Parses a POST /v1/transactions body. Required: from, to, amount, nonce, gas_limit, gas_price,
 * signature, timestamp. Optional: data (hex, default empty), tx_type (1..3, default 1), codec_version
 * (0..255, default 1), tx_hash (if present it must equal the computed hash). Unknown fields are refused.
 * On success *out is filled and out->data is heap memory (release with cj_json_tx_free); on failure
 * returns -1, writes "field: reason" to err, and *out is zeroed. */
int cj_json_parse_tx(const char *body, size_t len, coinjecture_tx *out, char *err, size_t errlen);

/* The same checks on an already parsed JSON value (one element of a POST /v1/transactions/batch array).
 * Same contract as cj_json_parse_tx; root is not retained. */
int cj_json_tx_from_value(json_t *root, coinjecture_tx *out, char *err, size_t errlen);

/* Releases the data buffer of a transaction from cj_json_parse_tx and zeroes it. */
void cj_json_tx_free(coinjecture_tx *tx);

/* {"error": error, "details": details} as compact text (heap, free()); never NULL unless OOM. */
char *cj_json_error_text(const char *error, const char *details);

#endif /* CJ_NODE_API_JSON_H */
