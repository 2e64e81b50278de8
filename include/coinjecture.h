/*
 * coinjecture.h - libcoinjecture_core, the COINjecture Network B consensus core.
 *
 * This header is the specification. It has two parts:
 *
 *   Part I   the original ABI of rust/coinjecture-core v4.0.0 ("coinjecture.h" plus the declarations the
 *            original Go bindings made for themselves): same names, same struct layouts, same enum values,
 *            same return codes for every valid input. A program compiled against the original header
 *            links against this library unchanged and gets identical bytes.
 *   Part II  the extended API: 64-bit clean, strict canonical codec, transactions, commitments, escrow,
 *            subset-sum with budget, SHA-256 streaming, and crypto backend selection.
 *
 * Rules that hold for every function below unless its own entry says otherwise:
 *
 *  1. Return value. Functions return a CoinjResult. COINJ_OK (0) means success. Any other value means
 *     failure; a human-readable reason is then available from coinjecture_last_error() (heap copy) or
 *     coinjecture_last_error_message() (thread-local pointer). Successful calls leave the message as it was.
 *  2. NULL. The library refuses a NULL pointer argument with COINJ_ERROR_INVALID_INPUT, except where an
 *     entry explicitly allows it (a NULL data pointer with length 0 is allowed wherever a length accompanies
 *     it, in the extended API and in coinjecture_sha256_hash). In Part I this is the documented behaviour
 *     (as in the original). In Part II, arguments marked COINJECTURE_ARG_NONNULL must never be NULL (rule 9):
 *     the refusal is a last line of defence, not something a caller may build on.
 *  3. Outputs on failure. Unless an entry says otherwise, output arguments are left untouched on failure
 *     (Part I keeps this from the original) and fully written on success.
 *  4. Argument order: inputs first, then outputs ("out_" prefix), as in the original.
 *  5. Sizes. Every hash is 32 bytes, every public key 32, every secret key 64 (libsodium layout
 *     seed||public key), every signature 64. Array parameters declared [32] must point to at least
 *     that many bytes; the library cannot check this.
 *  6. Threads. All functions are re-entrant and may be called concurrently from any thread. The only
 *     global mutable state is the crypto backend choice (an atomic pointer, see coinjecture_backend_select)
 *     and the per-thread last-error buffer. Objects passed to a call must not be modified concurrently.
 *  7. Memory. The library never keeps a pointer it was given after the call returns. Memory it hands out is
 *     released by the matching function named in the entry (coinjecture_free_string, coinjecture_tx_free,
 *     coinjecture_block_free, coinjecture_buffer_free).
 *  8. Determinism. Every hash, encoding and verdict is a pure function of the arguments: integer-only,
 *     independent of platform, locale, time and backend.
 *  9. Compiler-checked contracts (GCC and Clang), in the style of libsecp256k1's secp256k1.h.
 *     Contract. An entry's argument requirements (pointers that must not be NULL, buffers of the stated
 *     size, an initialised context) are its contract. A call that breaks it gets COINJ_ERROR_INVALID_INPUT
 *     or COINJ_ERROR_BUFFER_TOO_SMALL (rule 2), never undefined behaviour the library can detect.
 *     COINJECTURE_WARN_UNUSED_RESULT marks every function that can fail for arguments that meet its
 *     contract: decoding and verification verdicts, consensus limits, unknown names, allocation, and the
 *     encoders' sizing protocol; also coinjecture_hash_equal (the result is its only effect) and
 *     coinjecture_last_error (ignoring it leaks). Discarding such a result is a warning (an error under
 *     -Werror; GCC does not accept a cast to void). Functions that can only fail when their contract is
 *     broken say "Returns: COINJ_OK whenever the contract is met" and carry no WUR, like secp256k1's
 *     "Returns: 1 always" functions (e.g. coinjecture_sha256, coinjecture_hex_encode).
 *     COINJECTURE_ARG_NONNULL(n) marks Part II pointer arguments that must never be NULL: the compiler
 *     warns where it can see a NULL (-Wnonnull) and may assume the pointer valid after the call.
 *     Part I carries no ARG_NONNULL: its NULL refusal is part of the original ABI, which programs (and
 *     tests/unit/test_abi_null.c) rely on, and the attribute would let a compiler drop such a program's
 *     own NULL checks.
 *     The library's own build defines COINJECTURE_BUILD, which compiles ARG_NONNULL out so that the
 *     library's defensive NULL checks are not optimised away. A program that passes NULL to a Part II
 *     function on purpose, to test that refusal (the core unit tests do), defines COINJECTURE_NO_ARG_NONNULL
 *     before including this header and gets exactly the runtime checks of rule 2. A program written for the
 *     original header that ignores results may define COINJECTURE_NO_WARN_UNUSED_RESULT.
 */
#ifndef COINJECTURE_H
#define COINJECTURE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(COINJECTURE_BUILD_SHARED)
#define COINJECTURE_API __declspec(dllexport)
#elif defined(_WIN32) && defined(COINJECTURE_DLL)
#define COINJECTURE_API __declspec(dllimport)
#elif defined(__GNUC__) && defined(COINJECTURE_BUILD)
#define COINJECTURE_API __attribute__((visibility("default")))
#else
#define COINJECTURE_API
#endif

/* Rule 9. COINJECTURE_BUILD (the library itself) drops ARG_NONNULL so its NULL checks stay in the code. */
#if defined(__GNUC__) && !defined(COINJECTURE_NO_WARN_UNUSED_RESULT)
#define COINJECTURE_WARN_UNUSED_RESULT __attribute__((__warn_unused_result__))
#else
#define COINJECTURE_WARN_UNUSED_RESULT
#endif
/* The earlier name, kept for source compatibility. */
#define COINJECTURE_WARN_UNUSED COINJECTURE_WARN_UNUSED_RESULT

#if defined(__GNUC__) && !defined(COINJECTURE_BUILD) && !defined(COINJECTURE_NO_ARG_NONNULL)
#define COINJECTURE_ARG_NONNULL(n) __attribute__((__nonnull__(n)))
#else
#define COINJECTURE_ARG_NONNULL(n)
#endif

/* =====================================================================================================
 * Part I - the original ABI (rust/coinjecture-core v4.0.0)
 * ===================================================================================================== */

/* Result codes. Values 0-5 are the original's; the extended API adds the codes from 16 on. */
typedef enum {
    COINJ_OK = 0,
    COINJ_ERROR_INVALID_INPUT = 1,       /* NULL pointer, bad enum value, bad length, escrow rule failure */
    COINJ_ERROR_OUT_OF_MEMORY = 2,       /* allocation failed (the original never returned it) */
    COINJ_ERROR_VERIFICATION_FAILED = 3, /* a well-formed object breaks a consensus rule */
    COINJ_ERROR_ENCODING = 4,            /* an object cannot be encoded (a field over its consensus limit) */
    COINJ_ERROR_INTERNAL = 5,            /* a bug in the library; please report it */

    /* Extended API: strict decoding failures. Each names the first rule the input breaks. */
    COINJ_ERROR_DECODE_TRUNCATED = 16,   /* input ends inside a value */
    COINJ_ERROR_DECODE_TRAILING = 17,    /* bytes follow the complete object */
    COINJ_ERROR_DECODE_TYPE = 18,        /* wrong MessagePack type for the field (e.g. bin where int expected) */
    COINJ_ERROR_DECODE_NONCANONICAL = 19,/* right type but not the shortest/canonical form */
    COINJ_ERROR_DECODE_KEY = 20,         /* map key missing, unknown, duplicated or out of order; wrong map size */
    COINJ_ERROR_DECODE_RANGE = 21,       /* integer outside the field's range */
    COINJ_ERROR_DECODE_LENGTH = 22,      /* fixed array of the wrong length, or a field over its size limit */
    COINJ_ERROR_DECODE_ENUM = 23,        /* unknown enum variant name */
    COINJ_ERROR_BUFFER_TOO_SMALL = 24,   /* caller's output buffer is too small; the needed size is reported */
    COINJ_ERROR_UNSUPPORTED = 25         /* unknown backend name, or a backend this CPU/build cannot run */
} CoinjResult;

/* The migration plan's names for the same values. */
#define COINJ_ERR_INVALID_INPUT COINJ_ERROR_INVALID_INPUT
#define COINJ_ERR_OUT_OF_MEMORY COINJ_ERROR_OUT_OF_MEMORY
#define COINJ_ERR_VERIFICATION_FAILED COINJ_ERROR_VERIFICATION_FAILED
#define COINJ_ERR_ENCODING COINJ_ERROR_ENCODING
#define COINJ_ERR_INTERNAL COINJ_ERROR_INTERNAL

/* Block header as the original FFI passes it (176 bytes on LP64). block_index and difficulty_target are
 * 32-bit here although 64-bit on the wire; codec_version is truncated modulo 256 when hashed (257 hashes
 * like 1). Use coinjecture_header_hash for full-width fields. */
typedef struct {
    uint32_t codec_version;
    uint32_t block_index;
    int64_t timestamp;
    uint8_t parent_hash[32];
    uint8_t merkle_root[32];
    uint8_t miner_address[32];
    uint8_t commitment[32];
    uint32_t difficulty_target;
    uint64_t nonce;
    uint32_t extra_data_len;
    const uint8_t *extra_data;
} BlockHeaderFFI;

/* Subset-sum problem (40 bytes). tier: 0 Mobile, 1 Desktop, 2 Workstation, 3 Server, 4 Cluster.
 * problem_type and timestamp are ignored by verification (the original forces SubsetSum). */
typedef struct {
    uint32_t problem_type;
    uint32_t tier;
    const int64_t *elements;
    uint32_t elements_len;
    int64_t target;
    int64_t timestamp;
} SubsetSumProblemFFI;

/* Subset-sum solution (24 bytes): indices into the problem's elements. timestamp is ignored. */
typedef struct {
    const uint32_t *indices;
    uint32_t indices_len;
    int64_t timestamp;
} SubsetSumSolutionFFI;

/* Verification budget (12 bytes), 32-bit in this ABI (64-bit in coinjecture_budget). */
typedef struct {
    uint32_t max_ops;
    uint32_t max_duration_ms;
    uint32_t max_memory_bytes;
} VerifyBudgetFFI;

/* Transaction as the original Go bindings pass it (192 bytes). from is the sender's raw Ed25519 public
 * key. codec_version is truncated modulo 256 (it enters the signed message as one byte). tx_type: 1
 * Transfer, 2 ProblemSubmission, 3 BountyPayment. */
typedef struct {
    uint32_t codec_version;
    uint32_t tx_type;
    uint8_t from[32];
    uint8_t to[32];
    uint64_t amount;
    uint64_t nonce;
    uint64_t gas_limit;
    uint64_t gas_price;
    uint8_t signature[64];
    const uint8_t *data;
    uint32_t data_len;
    int64_t timestamp;
} TransactionFFI;

/* Sender account state (16 bytes). */
typedef struct {
    uint64_t balance;
    uint64_t nonce;
} AccountStateFFI;

/* Transaction verdict (32 bytes). */
typedef struct {
    int32_t valid;
    uint64_t total_cost;
    uint64_t gas_used;
    uint64_t fee;
} ValidationResultFFI;

/* Bounty escrow (216 bytes). state: 0 Locked, 1 Released, 2 Refunded. */
typedef struct {
    uint8_t id[32];
    uint8_t submitter[32];
    uint64_t amount;
    uint8_t problem_hash[32];
    uint64_t created_block;
    uint64_t expiry_block;
    uint32_t state;
    int32_t has_recipient;
    uint8_t recipient[32];
    int32_t has_settled_block;
    uint64_t settled_block;
    int32_t has_settlement_tx;
    uint8_t settlement_tx[32];
} BountyEscrowFFI;

/* SHA-256 of input_len bytes.
 * Returns: COINJ_OK whenever the arguments are valid pointers (no WUR, rule 9); COINJ_ERROR_INVALID_INPUT if
 *          out_hash is NULL or input is NULL with input_len > 0.
 * In:  input      the bytes (may be NULL when input_len == 0: accepted, unlike the original, which
 *                 refused NULL even for length 0; the result is SHA-256 of the empty string)
 *      input_len  number of bytes
 * Out: out_hash   32-byte digest */
COINJECTURE_API CoinjResult coinjecture_sha256_hash(const uint8_t *input, uint32_t input_len,
                                                    uint8_t out_hash[32]);

/* Block hash: SHA-256 of the canonical MessagePack encoding of the header (Part II, "Codec").
 * Returns: COINJ_OK whenever the arguments are valid pointers (no WUR, rule 9); COINJ_ERROR_INVALID_INPUT if
 *          header or out_hash is NULL, or extra_data is NULL while extra_data_len > 0 (extra_data is
 *          ignored when extra_data_len == 0).
 * In:  header    codec_version is hashed modulo 256; extra_data of any length is hashed (the 256-byte
 *                consensus limit is a block-validity rule, not a hashing rule)
 * Out: out_hash  32-byte block hash */
COINJECTURE_API CoinjResult coinjecture_compute_header_hash(const BlockHeaderFFI *header,
                                                            uint8_t out_hash[32]);

/* Merkle root of transaction hashes: no leaves -> 32 zero bytes; one leaf -> that leaf; otherwise
 * parent = SHA-256(left || right) level by level, and an odd last node is promoted unchanged.
 * Returns: COINJ_OK; COINJ_ERROR_OUT_OF_MEMORY (large trees; the original could not fail here);
 *          COINJ_ERROR_INVALID_INPUT if out_root is NULL, or tx_hashes is NULL while tx_count > 0 (the
 *          original returned OK and a zero root; see docs/COMPATIBILITY.md).
 * In:  tx_hashes  tx_count leaves of 32 bytes (NULL allowed when tx_count == 0)
 * Out: out_root   32-byte root */
COINJECTURE_API CoinjResult coinjecture_compute_merkle_root(const uint8_t (*tx_hashes)[32],
                                                            uint32_t tx_count, uint8_t out_root[32])
    COINJECTURE_WARN_UNUSED_RESULT;

/* Subset-sum verification (docs/spec/core.md §6): tier element range, solution size, duplicate indices, index
 * range, checked signed 64-bit sum in index order, sum == target, ops (2k) and memory (8k) budget.
 * Returns: COINJ_OK with *out_valid = 1 when valid;
 *          COINJ_ERROR_VERIFICATION_FAILED with *out_valid = 0 when a rule fails (the original left
 *          *out_valid untouched);
 *          COINJ_ERROR_INVALID_INPUT (out_valid untouched) if any pointer is NULL, elements is NULL,
 *          elements_len == 0, indices is NULL (even with indices_len == 0), or tier > 4.
 * In:  problem, solution, budget   see the struct comments
 * Out: out_valid                   1 valid, 0 invalid */
COINJECTURE_API CoinjResult coinjecture_verify_subset_sum(const SubsetSumProblemFFI *problem,
                                                          const SubsetSumSolutionFFI *solution,
                                                          const VerifyBudgetFFI *budget,
                                                          int32_t *out_valid) COINJECTURE_WARN_UNUSED_RESULT;

/* Transaction verification (docs/spec/core.md §7), in this order: Ed25519 signature (libsodium strict), nonce ==
 * sender nonce, fee = gas_limit * gas_price >= max(amount / 10000, 1000) without overflow, total cost =
 * amount + fee without overflow, balance >= total cost, gas_limit >= 21000 (Transfer) or 50000.
 * Returns: COINJ_OK with out_result = {1, total_cost, gas_used = gas_limit, fee};
 *          COINJ_ERROR_VERIFICATION_FAILED with out_result->valid = 0 (other fields untouched);
 *          COINJ_ERROR_INVALID_INPUT (out_result untouched) if a pointer is NULL, data is NULL while
 *          data_len > 0, or tx_type is not 1, 2 or 3.
 * In:  tx            the transaction; its signature covers coinjecture_tx_signing_message
 *      sender_state  the sender's balance and nonce before this transaction
 * Out: out_result    the verdict */
COINJECTURE_API CoinjResult coinjecture_verify_transaction(const TransactionFFI *tx,
                                                           const AccountStateFFI *sender_state,
                                                           ValidationResultFFI *out_result)
    COINJECTURE_WARN_UNUSED_RESULT;

/* Escrow id = SHA-256(submitter || problem_hash || u64 little-endian created_block).
 * Returns: COINJ_OK whenever the arguments are valid pointers (no WUR, rule 9); COINJ_ERROR_INVALID_INPUT if
 *          any pointer is NULL.
 * In:  submitter, problem_hash  32 bytes each; created_block  the escrow's creation height
 * Out: out_id                   32 bytes */
COINJECTURE_API CoinjResult coinjecture_compute_escrow_id(const uint8_t *submitter,
                                                          const uint8_t *problem_hash,
                                                          uint64_t created_block, uint8_t *out_id);

/* Escrow creation rule: amount >= 1000, expiry_block > created_block, 100 <= expiry - created <= 100000.
 * Returns: COINJ_OK if allowed; COINJ_ERROR_INVALID_INPUT otherwise (as the original). */
COINJECTURE_API CoinjResult coinjecture_validate_escrow_creation(uint64_t amount, uint64_t created_block,
                                                                 uint64_t expiry_block)
    COINJECTURE_WARN_UNUSED_RESULT;

/* Escrow release rule: state Locked (0) and recipient not 32 zero bytes; expiry is not considered.
 * Returns: COINJ_OK if allowed; COINJ_ERROR_INVALID_INPUT if not, if a pointer is NULL or state > 2. */
COINJECTURE_API CoinjResult coinjecture_validate_escrow_release(const BountyEscrowFFI *escrow,
                                                                const uint8_t *recipient)
    COINJECTURE_WARN_UNUSED_RESULT;

/* Escrow refund rule: state Locked (0) and current_block >= expiry_block.
 * Returns: COINJ_OK if allowed; COINJ_ERROR_INVALID_INPUT if not, if escrow is NULL or state > 2. */
COINJECTURE_API CoinjResult coinjecture_validate_escrow_refund(const BountyEscrowFFI *escrow,
                                                               uint64_t current_block)
    COINJECTURE_WARN_UNUSED_RESULT;

/* The calling thread's last error message as a new heap string (the original always returned
 * "Not implemented"). Never NULL: "" when no call on this thread has failed, or when allocation fails
 * (then a static "" that coinjecture_free_string recognises).
 * Ownership: the caller releases it with coinjecture_free_string. */
COINJECTURE_API char *coinjecture_last_error(void) COINJECTURE_WARN_UNUSED_RESULT;

/* Releases a string from coinjecture_last_error. NULL is a no-op. Any other pointer is undefined. */
COINJECTURE_API void coinjecture_free_string(char *s);

/* Library version compatible with the original ("4.0.0"); static, do not free. See
 * coinjecture_library_version for this implementation's own version. */
COINJECTURE_API const char *coinjecture_version(void);

/* The canonical codec version (1). */
COINJECTURE_API uint32_t coinjecture_codec_version(void);

/* =====================================================================================================
 * Part II - the extended API
 * ===================================================================================================== */

/* ---- Constants (also available as functions, so bindings never hard-code them) ---- */
#define COINJECTURE_HASH_SIZE 32
#define COINJECTURE_PUBKEY_SIZE 32
#define COINJECTURE_SECKEY_SIZE 64
#define COINJECTURE_SIGNATURE_SIZE 64
#define COINJECTURE_CODEC_VERSION 1
#define COINJECTURE_MAX_BLOCK_SIZE 10485760u /* encoded block */
#define COINJECTURE_MAX_EXTRA_DATA 256u      /* header extra_data */
#define COINJECTURE_MAX_TX_DATA 1048576u     /* transaction data */
#define COINJECTURE_MAX_TX_PER_BLOCK 10000u
#define COINJECTURE_MAX_ELEMENTS 32u         /* subset-sum elements and indices (Cluster tier maximum) */
#define COINJECTURE_MAX_CID 256u             /* block cid string, bytes */
#define COINJECTURE_TX_SIGNING_BASE 110u     /* signing message = 110 + data_len bytes */

/* Returns the value of the macro of the same name in capitals (e.g. coinjecture_max_block_size()).
 * They cannot fail. */
COINJECTURE_API uint32_t coinjecture_max_block_size(void);
COINJECTURE_API uint32_t coinjecture_max_extra_data(void);
COINJECTURE_API uint32_t coinjecture_max_tx_data(void);
COINJECTURE_API uint32_t coinjecture_max_tx_per_block(void);
COINJECTURE_API uint32_t coinjecture_max_elements(void);

/* This implementation's semantic version (e.g. "1.0.0"); static, do not free. */
COINJECTURE_API const char *coinjecture_library_version(void);

/* The calling thread's last error message; never NULL, "" if none. Valid until the next failing call on
 * this thread. Do not free. */
COINJECTURE_API const char *coinjecture_last_error_message(void);

/* Short English name of a result code ("COINJ_ERROR_DECODE_KEY"); never NULL ("unknown" if unknown). */
COINJECTURE_API const char *coinjecture_result_name(CoinjResult rc);

/* ---- Crypto backends ---------------------------------------------------------------------------------
 * "reference": portable C (default). "accelerated": SHA-NI / AVX2 / AVX-512 / ARMv8 paths chosen by CPU
 * detection; byte-identical to reference; on a CPU without the instructions it runs portable code and
 * coinjecture_backend_active() reports "reference".
 * The first hash call in the process reads the environment variable COINJECTURE_CRYPTO_BACKEND once
 * (unset or "" -> "reference"; an unknown name -> "reference", and coinjecture_backend_requested() reports
 * the bad name so a caller can refuse it). Selection is a single atomic store: safe to call from any
 * thread at any time; calls already running finish on the backend they started with. */

/* Selects a backend by name for the whole process.
 * Returns: COINJ_OK; COINJ_ERROR_UNSUPPORTED if the name is unknown (the current choice is kept);
 *          COINJ_ERROR_INVALID_INPUT if name is NULL (contract violation).
 * In:  name  "reference" or "accelerated" (NUL-terminated) */
COINJECTURE_API CoinjResult coinjecture_backend_select(const char *name) COINJECTURE_WARN_UNUSED_RESULT
    COINJECTURE_ARG_NONNULL(1);

/* The name last requested (by coinjecture_backend_select or the environment), e.g. "accelerated". Static. */
COINJECTURE_API const char *coinjecture_backend_requested(void);

/* The backend actually running: "reference" or "accelerated". Static. */
COINJECTURE_API const char *coinjecture_backend_active(void);

/* The code path the active backend uses on this CPU, e.g. "portable", "sha-ni", "sha-ni+avx512",
 * "sha-ni+avx2", "avx2", "armv8-crypto". Static. */
COINJECTURE_API const char *coinjecture_backend_detail(void);

/* Number of backend names known to this build, and the i-th of them (NULL when i is out of range). */
COINJECTURE_API size_t coinjecture_backend_count(void);
COINJECTURE_API const char *coinjecture_backend_name(size_t i);

/* Whether backend name runs its own code on this CPU, independent of the process-wide selection.
 * "reference" always does; "accelerated" only where this CPU and build have an accelerated path (elsewhere
 * selecting it runs portable code). The coinjecture_backend_* hash functions below accept exactly the
 * names this reports available.
 * Returns: COINJ_OK (available); COINJ_ERROR_UNSUPPORTED (unknown name, or a backend this CPU/build cannot
 *          run; *out_detail untouched); COINJ_ERROR_INVALID_INPUT if name is NULL.
 * In:  name        a backend name (coinjecture_backend_name)
 * Out: out_detail  its code path on this CPU, e.g. "portable" or "sha-ni+avx512" (static); may be NULL */
COINJECTURE_API CoinjResult coinjecture_backend_query(const char *name, const char **out_detail)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1);

/* ---- SHA-256 and Merkle ---- */

/* Streaming SHA-256. Treat the fields as private. A context may be copied to fork a hash. */
typedef struct {
    uint32_t state[8];
    uint64_t bytes;
    uint8_t buf[64];
    const void *impl; /* backend captured at init */
} coinjecture_sha256_ctx;

/* Starts a hash on the active backend (captured: a later coinjecture_backend_select does not affect it).
 * Returns: COINJ_OK whenever the contract is met; COINJ_ERROR_INVALID_INPUT if ctx is NULL.
 * Out: ctx  an initialised context */
COINJECTURE_API CoinjResult coinjecture_sha256_init(coinjecture_sha256_ctx *ctx) COINJECTURE_ARG_NONNULL(1);

/* Adds len bytes to a running hash.
 * Returns: COINJ_OK whenever the contract is met; COINJ_ERROR_INVALID_INPUT (ctx unchanged) if it is not:
 *          ctx NULL, never initialised or already finalised, data NULL with len > 0, or the message over
 *          SHA-256's limit of 2^64 - 1 bits.
 * In:     data  len bytes (may be NULL when len == 0)
 * In/Out: ctx   an initialised context */
COINJECTURE_API CoinjResult coinjecture_sha256_update(coinjecture_sha256_ctx *ctx, const uint8_t *data,
                                                      size_t len) COINJECTURE_ARG_NONNULL(1);

/* Finishes a hash: writes the digest and wipes ctx (initialise it again before reuse).
 * Returns: COINJ_OK whenever the contract is met; COINJ_ERROR_INVALID_INPUT if ctx was never initialised
 *          (or is already finalised), or a pointer is NULL.
 * In/Out: ctx  an initialised context; wiped on success
 * Out:    out  32-byte digest */
COINJECTURE_API CoinjResult coinjecture_sha256_final(coinjecture_sha256_ctx *ctx, uint8_t out[32])
    COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(2);

/* One-shot SHA-256 on the active backend with a size_t length.
 * Returns: COINJ_OK whenever the contract is met; COINJ_ERROR_INVALID_INPUT if data is NULL with len > 0,
 *          or out is NULL.
 * In:  data  len bytes (may be NULL when len == 0)
 * Out: out   32-byte digest */
COINJECTURE_API CoinjResult coinjecture_sha256(const uint8_t *data, size_t len, uint8_t out[32])
    COINJECTURE_ARG_NONNULL(3);

/* Merkle root with a size_t count (rules of coinjecture_compute_merkle_root), on the active backend.
 * Returns: COINJ_OK; COINJ_ERROR_OUT_OF_MEMORY; COINJ_ERROR_INVALID_INPUT if leaves is NULL with count > 0,
 *          or out_root is NULL.
 * In:  leaves    count 32-byte leaves (may be NULL when count == 0)
 * Out: out_root  32-byte root (32 zero bytes for no leaves) */
COINJECTURE_API CoinjResult coinjecture_merkle_root(const uint8_t (*leaves)[32], size_t count,
                                                    uint8_t out_root[32]) COINJECTURE_WARN_UNUSED_RESULT
    COINJECTURE_ARG_NONNULL(3);

/* The same hashes on an explicitly named backend, whatever the process-wide selection (for comparing
 * backends, e.g. the node's shadow mode); byte-identical to the functions above on every backend.
 * Each returns COINJ_ERROR_UNSUPPORTED (outputs untouched) where coinjecture_backend_query(backend) does:
 * an unknown name, or "accelerated" on a CPU/build without an accelerated path (never a silent fallback).
 * In: backend  "reference" or "accelerated" */

/* coinjecture_sha256 on backend.
 * Returns: COINJ_OK; COINJ_ERROR_UNSUPPORTED; COINJ_ERROR_INVALID_INPUT for NULL misuse.
 * In:  data  len bytes (may be NULL when len == 0)
 * Out: out   32-byte digest */
COINJECTURE_API CoinjResult coinjecture_backend_sha256(const char *backend, const uint8_t *data, size_t len,
                                                       uint8_t out[32]) COINJECTURE_WARN_UNUSED_RESULT
    COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(4);

/* coinjecture_sha256_init on backend: the context hashes on it until final.
 * Returns: COINJ_OK; COINJ_ERROR_UNSUPPORTED (ctx untouched); COINJ_ERROR_INVALID_INPUT for NULL misuse.
 * Out: ctx  an initialised context (continue with coinjecture_sha256_update / _final) */
COINJECTURE_API CoinjResult coinjecture_backend_sha256_init(const char *backend, coinjecture_sha256_ctx *ctx)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(2);

/* coinjecture_merkle_root on backend.
 * Returns: COINJ_OK; COINJ_ERROR_UNSUPPORTED; COINJ_ERROR_OUT_OF_MEMORY; COINJ_ERROR_INVALID_INPUT for NULL
 *          misuse.
 * In:  leaves    count 32-byte leaves (may be NULL when count == 0)
 * Out: out_root  32-byte root */
COINJECTURE_API CoinjResult coinjecture_backend_merkle_root(const char *backend, const uint8_t (*leaves)[32],
                                                            size_t count, uint8_t out_root[32])
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(4);

/* ---- Consensus types ----
 * Field order is wire order. Enum values follow the original Rust discriminants; on the wire each enum is
 * its variant name. */

typedef enum {
    COINJECTURE_TX_TRANSFER = 1,
    COINJECTURE_TX_PROBLEM_SUBMISSION = 2,
    COINJECTURE_TX_BOUNTY_PAYMENT = 3
} coinjecture_tx_type;

typedef enum {
    COINJECTURE_PROBLEM_SUBSET_SUM = 1,
    COINJECTURE_PROBLEM_KNAPSACK = 2,
    COINJECTURE_PROBLEM_GRAPH_COLORING = 3,
    COINJECTURE_PROBLEM_SAT = 4,
    COINJECTURE_PROBLEM_TSP = 5,
    COINJECTURE_PROBLEM_FACTORIZATION = 6,
    COINJECTURE_PROBLEM_LATTICE = 7
} coinjecture_problem_type;

/* Hardware tiers (wire names Mobile..Cluster). The original FFI numbers these 0-4; here they are 1-5. */
typedef enum {
    COINJECTURE_TIER_MOBILE = 1,      /* 8-12 elements, 2^12 ops */
    COINJECTURE_TIER_DESKTOP = 2,     /* 12-16 elements, 2^16 ops */
    COINJECTURE_TIER_WORKSTATION = 3, /* 16-20 elements, 2^20 ops */
    COINJECTURE_TIER_SERVER = 4,      /* 20-24 elements, 2^24 ops */
    COINJECTURE_TIER_CLUSTER = 5      /* 24-32 elements, 2^32 ops */
} coinjecture_tier;

typedef enum {
    COINJECTURE_ESCROW_LOCKED = 0,
    COINJECTURE_ESCROW_RELEASED = 1,
    COINJECTURE_ESCROW_REFUNDED = 2
} coinjecture_escrow_state;

/* Block header, full width. extra_data is stored inline (consensus limit 256 bytes). */
typedef struct {
    uint8_t codec_version;
    uint64_t block_index;
    int64_t timestamp;
    uint8_t parent_hash[32];
    uint8_t merkle_root[32];
    uint8_t miner_address[32];
    uint8_t commitment[32];
    uint64_t difficulty_target;
    uint64_t nonce;
    uint32_t extra_data_len; /* 0..COINJECTURE_MAX_EXTRA_DATA */
    uint8_t extra_data[COINJECTURE_MAX_EXTRA_DATA];
} coinjecture_header;

/* Transaction. data is borrowed when the caller builds the value, owned when it comes from
 * coinjecture_tx_decode or coinjecture_block_decode (then released by coinjecture_tx_free /
 * coinjecture_block_free). */
typedef struct {
    uint8_t codec_version;
    uint8_t tx_type; /* coinjecture_tx_type */
    uint8_t from[32];
    uint8_t to[32];
    uint64_t amount;
    uint64_t nonce;
    uint64_t gas_limit;
    uint64_t gas_price;
    uint8_t signature[64];
    const uint8_t *data;
    uint32_t data_len; /* 0..COINJECTURE_MAX_TX_DATA */
    int64_t timestamp;
} coinjecture_tx;

typedef struct {
    uint8_t problem_type; /* coinjecture_problem_type */
    uint8_t tier;         /* coinjecture_tier */
    uint32_t elements_len;
    int64_t elements[COINJECTURE_MAX_ELEMENTS];
    int64_t target;
    int64_t timestamp;
} coinjecture_problem;

typedef struct {
    uint32_t indices_len;
    uint32_t indices[COINJECTURE_MAX_ELEMENTS];
    int64_t timestamp;
} coinjecture_solution;

typedef struct {
    coinjecture_problem problem;
    coinjecture_solution solution;
    uint8_t miner_salt[32];
    uint64_t nonce;
} coinjecture_reveal;

typedef struct {
    uint8_t epoch_salt[32];
    uint8_t problem_hash[32];
    uint8_t solution_hash[32];
    uint8_t miner_salt[32];
} coinjecture_commitment;

/* Block. transactions and cid are borrowed when the caller builds the value, owned after
 * coinjecture_block_decode (release with coinjecture_block_free). cid == NULL means None. */
typedef struct {
    coinjecture_header header;
    coinjecture_tx *transactions;
    uint32_t tx_count; /* 0..COINJECTURE_MAX_TX_PER_BLOCK */
    coinjecture_reveal reveal;
    char *cid; /* NUL-terminated UTF-8, at most COINJECTURE_MAX_CID bytes, or NULL */
} coinjecture_block;

typedef struct {
    uint64_t max_ops;
    uint64_t max_duration_ms;
    uint64_t max_memory_bytes;
} coinjecture_budget;

typedef struct {
    uint64_t balance;
    uint64_t nonce;
} coinjecture_account;

/* ---- Codec ----
 * Canonical MessagePack, as rmp-serde's to_vec_named emits it (docs/spec/core.md §4): structs are fixmaps with the
 * field names as keys in declaration order; integers in the shortest form (non-negative signed values use
 * the unsigned markers); 32/64-byte arrays as bin8; byte vectors (extra_data, data) as arrays of integers;
 * enums as variant-name strings; None as nil.
 *
 * Every encoder  coinjecture_<type>_encode(const <type> *v, uint8_t *out, size_t out_cap, size_t *out_len):
 *   Returns: COINJ_OK (*out_len = bytes written);
 *            COINJ_ERROR_BUFFER_TOO_SMALL when out is NULL or out_cap is too small (*out_len = the size
 *            needed, out untouched: a first call with out = NULL, out_cap = 0 sizes the buffer);
 *            COINJ_ERROR_ENCODING when a field exceeds its consensus limit (COINJECTURE_MAX_*), an enum is
 *            out of range, or a cid contains NUL or is not UTF-8;
 *            COINJ_ERROR_INVALID_INPUT when a borrowed pointer inside v is NULL with a non-zero length, or v
 *            or out_len is NULL.
 *   In:  v        the value
 *        out      out_cap bytes of buffer (may be NULL to size)
 *   Out: out_len  bytes written, or needed
 * Every decoder  coinjecture_<type>_decode(const uint8_t *in, size_t in_len, <type> *out):
 *   Returns: COINJ_OK; a COINJ_ERROR_DECODE_* code naming the first broken rule (the message in
 *            coinjecture_last_error_message() names the field); COINJ_ERROR_OUT_OF_MEMORY (decoders that
 *            allocate); COINJ_ERROR_INVALID_INPUT when in is NULL with in_len > 0, or out is NULL.
 *   In:  in   in_len bytes holding exactly one encoded value (may be NULL when in_len == 0: TRUNCATED)
 *   Out: out  the value; zeroed (owning nothing) on failure
 * Decoders are strict: they accept exactly the bytes the encoder produces (so encode(decode(x)) == x). */

COINJECTURE_API CoinjResult coinjecture_header_encode(const coinjecture_header *h, uint8_t *out,
                                                      size_t out_cap, size_t *out_len)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(4);
COINJECTURE_API CoinjResult coinjecture_header_decode(const uint8_t *in, size_t in_len,
                                                      coinjecture_header *out) COINJECTURE_WARN_UNUSED_RESULT
    COINJECTURE_ARG_NONNULL(3);

COINJECTURE_API CoinjResult coinjecture_tx_encode(const coinjecture_tx *tx, uint8_t *out, size_t out_cap,
                                                  size_t *out_len) COINJECTURE_WARN_UNUSED_RESULT
    COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(4);
/* On success out->data is heap memory owned by out: release it with coinjecture_tx_free. */
COINJECTURE_API CoinjResult coinjecture_tx_decode(const uint8_t *in, size_t in_len, coinjecture_tx *out)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(3);
/* Releases the data of a decoded transaction and zeroes it. Cannot fail.
 * In/Out: tx  a transaction from coinjecture_tx_decode, or NULL (no-op). Never call it on a transaction
 *             whose data the caller owns. */
COINJECTURE_API void coinjecture_tx_free(coinjecture_tx *tx);

COINJECTURE_API CoinjResult coinjecture_problem_encode(const coinjecture_problem *p, uint8_t *out,
                                                       size_t out_cap, size_t *out_len)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(4);
COINJECTURE_API CoinjResult coinjecture_problem_decode(const uint8_t *in, size_t in_len,
                                                       coinjecture_problem *out)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(3);
COINJECTURE_API CoinjResult coinjecture_solution_encode(const coinjecture_solution *s, uint8_t *out,
                                                        size_t out_cap, size_t *out_len)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(4);
COINJECTURE_API CoinjResult coinjecture_solution_decode(const uint8_t *in, size_t in_len,
                                                        coinjecture_solution *out)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(3);
COINJECTURE_API CoinjResult coinjecture_reveal_encode(const coinjecture_reveal *r, uint8_t *out,
                                                      size_t out_cap, size_t *out_len)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(4);
COINJECTURE_API CoinjResult coinjecture_reveal_decode(const uint8_t *in, size_t in_len,
                                                      coinjecture_reveal *out) COINJECTURE_WARN_UNUSED_RESULT
    COINJECTURE_ARG_NONNULL(3);
COINJECTURE_API CoinjResult coinjecture_commitment_encode(const coinjecture_commitment *c, uint8_t *out,
                                                          size_t out_cap, size_t *out_len)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(4);
COINJECTURE_API CoinjResult coinjecture_commitment_decode(const uint8_t *in, size_t in_len,
                                                          coinjecture_commitment *out)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(3);

/* Block encoding; the encoded size is limited to COINJECTURE_MAX_BLOCK_SIZE (else COINJ_ERROR_ENCODING). */
COINJECTURE_API CoinjResult coinjecture_block_encode(const coinjecture_block *b, uint8_t *out,
                                                     size_t out_cap, size_t *out_len)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(4);
/* Inputs over COINJECTURE_MAX_BLOCK_SIZE are refused before decoding (COINJ_ERROR_DECODE_LENGTH). On
 * success out owns its transactions, their data and cid: release with coinjecture_block_free. */
COINJECTURE_API CoinjResult coinjecture_block_decode(const uint8_t *in, size_t in_len,
                                                     coinjecture_block *out) COINJECTURE_WARN_UNUSED_RESULT
    COINJECTURE_ARG_NONNULL(3);
/* Releases what a decoded block owns and zeroes it. Cannot fail.
 * In/Out: b  a block from coinjecture_block_decode, or NULL (no-op) */
COINJECTURE_API void coinjecture_block_free(coinjecture_block *b);

/* Encodes a block into a new heap buffer (for callers that prefer not to size buffers).
 * Returns: the encoder's codes (never COINJ_ERROR_BUFFER_TOO_SMALL); COINJ_ERROR_OUT_OF_MEMORY. *out and
 *          *out_len are untouched on failure.
 * In:  b        the block
 * Out: out      the encoding, released with coinjecture_buffer_free
 *      out_len  its length */
COINJECTURE_API CoinjResult coinjecture_block_encode_alloc(const coinjecture_block *b, uint8_t **out,
                                                           size_t *out_len) COINJECTURE_WARN_UNUSED_RESULT
    COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(2) COINJECTURE_ARG_NONNULL(3);
/* Releases a buffer from this library (coinjecture_block_encode_alloc); NULL is a no-op. Cannot fail. */
COINJECTURE_API void coinjecture_buffer_free(uint8_t *buf);

/* ---- Canonical MessagePack primitives ----
 * The writer and strict reader the codec is built on, for protocols layered on the same encoding (the
 * node's P2P messages, docs/P2P.md). Only the forms the consensus encoding uses: integers, str, bin, array
 * and map headers. The writer emits the shortest form of every value; the reader accepts only that form.
 * Writer and reader live in caller memory (e.g. on the stack), but their layout is private: the reserved
 * space is touched only by these functions (its size may grow only with a SONAME bump). Functions check
 * that the object was initialised and refuse one that was not. One object per thread. */

typedef struct {
    uint64_t reserved[12];
} coinjecture_msgpack_writer;

/* Starts a writer into out[0 .. out_cap), or, with out == NULL, one that only measures. Cannot fail.
 * In:  out, out_cap  the buffer (out may be NULL: measure only)
 * Out: w             the writer (any previous state is discarded) */
COINJECTURE_API void coinjecture_msgpack_writer_init(coinjecture_msgpack_writer *w, uint8_t *out,
                                                     size_t out_cap) COINJECTURE_ARG_NONNULL(1);

/* Append one value in its shortest form. They report nothing themselves: the first problem (buffer full,
 * a str or bin over 2^32 - 1 bytes, NULL data with a length, an uninitialised writer) is kept in w and
 * returned by coinjecture_msgpack_writer_finish; after a full buffer the writer goes on measuring, after
 * any other problem it ignores further values.
 * In/Out: w  an initialised writer
 * In:     v  an integer (put_int: non-negative values take the unsigned forms, as rmp-serde writes i64)
 *         s, data, len  len bytes (may be NULL when len == 0); str bytes are written as given
 *         n  the number of elements (array) or key/value pairs (map) the caller writes next */
COINJECTURE_API void coinjecture_msgpack_put_uint(coinjecture_msgpack_writer *w, uint64_t v)
    COINJECTURE_ARG_NONNULL(1);
COINJECTURE_API void coinjecture_msgpack_put_int(coinjecture_msgpack_writer *w, int64_t v)
    COINJECTURE_ARG_NONNULL(1);
COINJECTURE_API void coinjecture_msgpack_put_str(coinjecture_msgpack_writer *w, const char *s, size_t len)
    COINJECTURE_ARG_NONNULL(1);
COINJECTURE_API void coinjecture_msgpack_put_bin(coinjecture_msgpack_writer *w, const uint8_t *data,
                                                 size_t len) COINJECTURE_ARG_NONNULL(1);
COINJECTURE_API void coinjecture_msgpack_put_array(coinjecture_msgpack_writer *w, uint32_t n)
    COINJECTURE_ARG_NONNULL(1);
COINJECTURE_API void coinjecture_msgpack_put_map(coinjecture_msgpack_writer *w, uint32_t n)
    COINJECTURE_ARG_NONNULL(1);

/* The outcome of a writer (it stays usable for more values).
 * Returns: COINJ_OK: *out_len = bytes written;
 *          COINJ_ERROR_BUFFER_TOO_SMALL: a measuring writer, or the buffer was too small (its content is
 *          then only a prefix); *out_len = bytes the whole encoding needs (write again into that many);
 *          COINJ_ERROR_ENCODING: a str or bin over 2^32 - 1 bytes (*out_len = 0);
 *          COINJ_ERROR_INVALID_INPUT: NULL data with a length, or w not initialised (*out_len = 0).
 * In:  w        the writer
 * Out: out_len  see above */
COINJECTURE_API CoinjResult coinjecture_msgpack_writer_finish(const coinjecture_msgpack_writer *w,
                                                              size_t *out_len) COINJECTURE_WARN_UNUSED_RESULT
    COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(2);

typedef struct {
    uint64_t reserved[16];
} coinjecture_msgpack_reader;

/* Starts a strict read of in[0 .. in_len). path names the object in error messages ("p2p"); it is
 * copied (up to 63 bytes).
 * Returns: COINJ_OK whenever the contract is met; COINJ_ERROR_INVALID_INPUT if in is NULL with in_len > 0
 *          or path is NULL (r is then an empty reader: every read fails).
 * In:  in, in_len  the input (in may be NULL when in_len == 0); path  NUL-terminated
 * Out: r           the reader; it borrows in, which must outlive it */
COINJECTURE_API CoinjResult coinjecture_msgpack_reader_init(coinjecture_msgpack_reader *r, const uint8_t *in,
                                                            size_t in_len, const char *path)
    COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(4);

/* Renames the object being read (e.g. "p2p.hello" once the type is known), copied up to 63 bytes. Cannot
 * fail. In/Out: r  an initialised reader; In: path  NUL-terminated */
COINJECTURE_API void coinjecture_msgpack_reader_set_path(coinjecture_msgpack_reader *r, const char *path)
    COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(2);

/* Bytes not consumed yet (0 for an uninitialised reader). In: r */
COINJECTURE_API size_t coinjecture_msgpack_reader_remaining(const coinjecture_msgpack_reader *r)
    COINJECTURE_ARG_NONNULL(1);

/* The reads. Each consumes one value (or header) on success and nothing on failure.
 * Returns: COINJ_OK with the outputs written; otherwise the first rule the input breaks, in this order:
 *          COINJ_ERROR_DECODE_TRUNCATED (input ends), _TYPE (another MessagePack type), _NONCANONICAL (not
 *          the shortest form), then the read's own rule (_RANGE, _LENGTH, _KEY, _ENUM), with
 *          "<path>.<field>: reason" in coinjecture_last_error_message(); outputs untouched.
 *          COINJ_ERROR_INVALID_INPUT for an uninitialised reader.
 * In/Out: r      an initialised reader
 * In:     field  the value's name for error messages (may be NULL)
 * Out:    str and bin contents are returned in place: pointers into the input, valid as long as it is */

/* A map header of at most max entries, which the rest of the input can hold (2 bytes per entry at least).
 * Out: out_n  the entry count; the caller reads that many key/value pairs */
COINJECTURE_API CoinjResult coinjecture_msgpack_read_map(coinjecture_msgpack_reader *r, uint32_t max,
                                                         uint32_t *out_n) COINJECTURE_WARN_UNUSED_RESULT
    COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(3);
/* The map key keys[i] of a struct whose keys are keys[0 .. nkeys) in this order (each NUL-terminated).
 * A different key is COINJ_ERROR_DECODE_KEY, named as unknown, duplicate (one of keys[0 .. i)) or out of
 * order (one of keys(i .. nkeys)). i must be < nkeys. */
COINJECTURE_API CoinjResult coinjecture_msgpack_read_key(coinjecture_msgpack_reader *r,
                                                         const char *const *keys, size_t nkeys, size_t i)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(2);
/* An unsigned integer <= max (a negative value is COINJ_ERROR_DECODE_RANGE). Out: out */
COINJECTURE_API CoinjResult coinjecture_msgpack_read_uint(coinjecture_msgpack_reader *r, const char *field,
                                                          uint64_t max, uint64_t *out)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(4);
/* A signed 64-bit integer (non-negative values must use the unsigned forms). Out: out */
COINJECTURE_API CoinjResult coinjecture_msgpack_read_int(coinjecture_msgpack_reader *r, const char *field,
                                                         int64_t *out) COINJECTURE_WARN_UNUSED_RESULT
    COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(3);
/* A str of at most max bytes (not checked for UTF-8). Out: out, out_len  its bytes, in place */
COINJECTURE_API CoinjResult coinjecture_msgpack_read_str(coinjecture_msgpack_reader *r, const char *field,
                                                         size_t max, const uint8_t **out, size_t *out_len)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(4)
    COINJECTURE_ARG_NONNULL(5);
/* A str equal to one of names[0 .. count) (NUL-terminated; how the codec writes enums), else
 * COINJ_ERROR_DECODE_ENUM. Out: out_index  its position in names */
COINJECTURE_API CoinjResult coinjecture_msgpack_read_enum(coinjecture_msgpack_reader *r, const char *field,
                                                          const char *const *names, size_t count,
                                                          size_t *out_index) COINJECTURE_WARN_UNUSED_RESULT
    COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(3) COINJECTURE_ARG_NONNULL(5);
/* A bin of min .. max bytes (else COINJ_ERROR_DECODE_LENGTH). Out: out, out_len  its bytes, in place */
COINJECTURE_API CoinjResult coinjecture_msgpack_read_bin(coinjecture_msgpack_reader *r, const char *field,
                                                         size_t min, size_t max, const uint8_t **out,
                                                         size_t *out_len) COINJECTURE_WARN_UNUSED_RESULT
    COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(5) COINJECTURE_ARG_NONNULL(6);
/* An array header of at most max elements, refused (COINJ_ERROR_DECODE_TRUNCATED) when the rest of the
 * input cannot hold that many elements of min_elem_size bytes (0 counts as 1), so allocating *out_n
 * elements is safe. Out: out_n  the element count; the caller reads that many values */
COINJECTURE_API CoinjResult coinjecture_msgpack_read_array(coinjecture_msgpack_reader *r, const char *field,
                                                           uint32_t max, size_t min_elem_size,
                                                           uint32_t *out_n) COINJECTURE_WARN_UNUSED_RESULT
    COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(5);
/* Succeeds when the whole input has been consumed; else COINJ_ERROR_DECODE_TRAILING. */
COINJECTURE_API CoinjResult coinjecture_msgpack_read_end(const coinjecture_msgpack_reader *r)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1);

/* Reports a rule of the caller's own schema (e.g. "count must be >= 1") like the reads do: records
 * "<path>.<field>: reason" as this thread's last error.
 * Returns: rc; COINJ_ERROR_INVALID_INPUT (nothing recorded) if rc is COINJ_OK, reason is NULL or r is not
 *          initialised.
 * In:  r       the reader
 *      rc      a failure code (normally a COINJ_ERROR_DECODE_*)
 *      field   the value's name (may be NULL); reason  the text */
COINJECTURE_API CoinjResult coinjecture_msgpack_reader_fail(const coinjecture_msgpack_reader *r,
                                                            CoinjResult rc, const char *field,
                                                            const char *reason)
    COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(4);

/* ---- Hashes ----
 * All are SHA-256 over the canonical encoding of the in-memory value (never over received bytes), on the
 * active backend. Each  coinjecture_<what>_hash(const <type> *v, uint8_t out[32]):
 *   Returns: COINJ_OK; COINJ_ERROR_ENCODING for a value the encoder refuses; COINJ_ERROR_INVALID_INPUT as
 *            the encoder (or a NULL argument).
 *   In:  v    the value
 *   Out: out  32-byte hash
 * The header hash is computed without any heap allocation: the encoding streams into the SHA-256 state. */
COINJECTURE_API CoinjResult coinjecture_header_hash(const coinjecture_header *h, uint8_t out[32])
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(2);
/* coinjecture_header_hash on an explicitly named backend (see coinjecture_backend_sha256).
 * Returns: as coinjecture_header_hash; COINJ_ERROR_UNSUPPORTED for a backend coinjecture_backend_query
 *          refuses (out untouched).
 * In:  backend  "reference" or "accelerated"; h  the header
 * Out: out      32-byte block hash */
COINJECTURE_API CoinjResult coinjecture_backend_header_hash(const char *backend, const coinjecture_header *h,
                                                            uint8_t out[32]) COINJECTURE_WARN_UNUSED_RESULT
    COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(2) COINJECTURE_ARG_NONNULL(3);
/* Transaction hash (the Merkle leaf): covers every field including the signature. */
COINJECTURE_API CoinjResult coinjecture_tx_hash(const coinjecture_tx *tx, uint8_t out[32])
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(2);
COINJECTURE_API CoinjResult coinjecture_problem_hash(const coinjecture_problem *p, uint8_t out[32])
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(2);
COINJECTURE_API CoinjResult coinjecture_solution_hash(const coinjecture_solution *s, uint8_t out[32])
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(2);
/* Merkle root over the hashes of the block's transactions (header.merkle_root is not read).
 * Returns additionally COINJ_ERROR_OUT_OF_MEMORY (large blocks). */
COINJECTURE_API CoinjResult coinjecture_block_merkle_root(const coinjecture_block *b, uint8_t out[32])
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(2);

/* Address of a validator: SHA-256(public_key) (the header's miner_address). Note that transaction
 * from/to fields carry raw public keys, not addresses.
 * Returns: COINJ_OK whenever the contract is met; COINJ_ERROR_INVALID_INPUT if a pointer is NULL.
 * In:  pubkey  32-byte Ed25519 public key
 * Out: out     32-byte address */
COINJECTURE_API CoinjResult coinjecture_derive_address(const uint8_t pubkey[32], uint8_t out[32])
    COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(2);

/* Epoch salt = SHA-256(parent_hash || u64 little-endian block_index).
 * Returns: COINJ_OK whenever the contract is met; COINJ_ERROR_INVALID_INPUT if a pointer is NULL.
 * In:  parent_hash  32 bytes; block_index  the block's height
 * Out: out          32 bytes */
COINJECTURE_API CoinjResult coinjecture_epoch_salt(const uint8_t parent_hash[32], uint64_t block_index,
                                                   uint8_t out[32])
    COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(3);

/* Miner salt = HMAC-SHA256(key = 32-byte Ed25519 seed, msg = epoch_salt || parent_hash || u64 LE index).
 * Returns: COINJ_OK whenever the contract is met; COINJ_ERROR_INVALID_INPUT if a pointer is NULL.
 * In:  seed, epoch_salt, parent_hash  32 bytes each; block_index  the block's height
 * Out: out                            32 bytes */
COINJECTURE_API CoinjResult coinjecture_miner_salt(const uint8_t seed[32], const uint8_t epoch_salt[32],
                                                   const uint8_t parent_hash[32], uint64_t block_index,
                                                   uint8_t out[32])
    COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(2) COINJECTURE_ARG_NONNULL(3)
    COINJECTURE_ARG_NONNULL(5);

/* Builds a commitment: {epoch_salt(parent_hash, block_index), problem hash, solution hash, miner_salt}.
 * Returns: COINJ_OK; the codes of coinjecture_problem_hash / coinjecture_solution_hash (*out untouched).
 * In:  p, s         the problem and its solution
 *      miner_salt   32 bytes (coinjecture_miner_salt); parent_hash  32 bytes; block_index  the height
 * Out: out          the commitment */
COINJECTURE_API CoinjResult coinjecture_commitment_create(const coinjecture_problem *p,
                                                          const coinjecture_solution *s,
                                                          const uint8_t miner_salt[32],
                                                          const uint8_t parent_hash[32],
                                                          uint64_t block_index,
                                                          coinjecture_commitment *out)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(2)
    COINJECTURE_ARG_NONNULL(3) COINJECTURE_ARG_NONNULL(4) COINJECTURE_ARG_NONNULL(6);

/* Commitment hash = SHA-256 of the raw 128 bytes epoch_salt || problem_hash || solution_hash || miner_salt
 * (the original's commitment::compute_commitment_hash; the header's commitment field).
 * Returns: COINJ_OK whenever the contract is met; COINJ_ERROR_INVALID_INPUT if a pointer is NULL.
 * In:  c    the commitment
 * Out: out  32 bytes */
COINJECTURE_API CoinjResult coinjecture_commitment_hash(const coinjecture_commitment *c, uint8_t out[32])
    COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(2);

/* ---- Subset-sum ---- */

/* Why a solution failed (COINJECTURE_SS_OK when valid). Rules are checked in this order. */
typedef enum {
    COINJECTURE_SS_OK = 0,
    COINJECTURE_SS_NOT_IMPLEMENTED = 1,  /* problem_type is not SubsetSum */
    COINJECTURE_SS_TIER_SIZE = 2,        /* element count outside the tier's range */
    COINJECTURE_SS_PROOF_SIZE = 3,       /* more indices than elements */
    COINJECTURE_SS_BUDGET_OPS = 4,       /* more than max_ops steps (2 per index) */
    COINJECTURE_SS_DUPLICATE_INDEX = 5,
    COINJECTURE_SS_INDEX_RANGE = 6,
    COINJECTURE_SS_OVERFLOW = 7,         /* a partial sum, in index order, overflows int64 */
    COINJECTURE_SS_WRONG_SUM = 8,
    COINJECTURE_SS_BUDGET_MEMORY = 9     /* 8 * indices_len > max_memory_bytes */
} coinjecture_ss_status;

/* The budget of a tier (max_ops = 2^(12,16,20,24,32), max_duration_ms, max_memory_bytes; docs/spec/core.md §1).
 * Returns: COINJ_OK; COINJ_ERROR_INVALID_INPUT for a tier outside 1..5 or a NULL out (out untouched).
 * In:  tier  coinjecture_tier (1..5)
 * Out: out   the budget */
COINJECTURE_API CoinjResult coinjecture_tier_budget(uint8_t tier, coinjecture_budget *out)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(2);

/* Inclusive element-count range of a tier.
 * Returns: COINJ_OK; COINJ_ERROR_INVALID_INPUT for a tier outside 1..5 or a NULL output (outputs untouched).
 * In:  tier     coinjecture_tier (1..5)
 * Out: out_min  fewest elements; out_max  most elements */
COINJECTURE_API CoinjResult coinjecture_tier_elements(uint8_t tier, uint32_t *out_min, uint32_t *out_max)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(2) COINJECTURE_ARG_NONNULL(3);

/* Verifies a solution under a 64-bit budget (the wall-clock limit is not applied: verification of at most
 * 32 indices is bounded by max_ops, and a clock would make the verdict non-deterministic).
 * Returns: COINJ_OK (valid, *out_status = COINJECTURE_SS_OK); COINJ_ERROR_VERIFICATION_FAILED with the rule
 *          in *out_status; COINJ_ERROR_INVALID_INPUT (out_status untouched) for NULL pointers, a tier outside
 *          1..5, or a length field above COINJECTURE_MAX_ELEMENTS.
 * In:  p, s, budget  the problem, the candidate solution, the budget (e.g. coinjecture_tier_budget)
 * Out: out_status    the first broken rule; may be NULL when the caller needs only the code */
COINJECTURE_API CoinjResult coinjecture_subset_sum_verify(const coinjecture_problem *p,
                                                          const coinjecture_solution *s,
                                                          const coinjecture_budget *budget,
                                                          coinjecture_ss_status *out_status)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(2)
    COINJECTURE_ARG_NONNULL(3);

/* ---- Transactions ---- */

/* Why a transaction failed (COINJECTURE_TX_OK when valid), checked in this order. */
typedef enum {
    COINJECTURE_TX_OK = 0,
    COINJECTURE_TX_BAD_SIGNATURE = 1,
    COINJECTURE_TX_BAD_NONCE = 2,
    COINJECTURE_TX_AMOUNT_OVERFLOW = 3, /* gas_limit * gas_price or amount + fee overflows u64 */
    COINJECTURE_TX_FEE_TOO_LOW = 4,
    COINJECTURE_TX_INSUFFICIENT_BALANCE = 5,
    COINJECTURE_TX_GAS_TOO_LOW = 6
} coinjecture_tx_status;

typedef struct {
    coinjecture_tx_status status;
    uint64_t total_cost; /* amount + fee */
    uint64_t gas_used;   /* = gas_limit */
    uint64_t fee;        /* = gas_limit * gas_price */
} coinjecture_tx_result;

/* The message a transaction signature covers, 110 + data_len bytes, little-endian:
 * u8 codec_version, u8 tx_type, from[32], to[32], u64 amount, u64 nonce, u64 gas_limit, u64 gas_price,
 * u32 data_len, data, i64 timestamp.
 * Returns: as the encoders (COINJ_ERROR_BUFFER_TOO_SMALL with the size needed); COINJ_ERROR_INVALID_INPUT
 *          for tx_type not 1..3 or data NULL with data_len > 0.
 * In:  tx       the transaction (its signature is not part of the message)
 *      out      out_cap bytes of buffer (may be NULL to size)
 * Out: out_len  bytes written, or needed */
COINJECTURE_API CoinjResult coinjecture_tx_signing_message(const coinjecture_tx *tx, uint8_t *out,
                                                           size_t out_cap, size_t *out_len)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(4);

/* Signs tx in place with a libsodium 64-byte secret key.
 * Returns: COINJ_OK; COINJ_ERROR_INVALID_INPUT if the key does not belong to tx->from, tx_type is not 1..3,
 *          data is NULL with data_len > 0, or a pointer is NULL; COINJ_ERROR_OUT_OF_MEMORY;
 *          COINJ_ERROR_INTERNAL if libsodium cannot initialise. tx is untouched on failure.
 * In:     secret_key  seed || public key; the public half must equal tx->from
 * In/Out: tx          tx->signature is written */
COINJECTURE_API CoinjResult coinjecture_tx_sign(coinjecture_tx *tx, const uint8_t secret_key[64])
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(2);

/* Checks only the signature (libsodium crypto_sign_verify_detached: canonical, non-small-order keys).
 * Returns: COINJ_OK; COINJ_ERROR_VERIFICATION_FAILED; COINJ_ERROR_INVALID_INPUT (bad tx_type, data NULL
 *          with data_len > 0, NULL tx); COINJ_ERROR_OUT_OF_MEMORY.
 * In:  tx  the signed transaction */
COINJECTURE_API CoinjResult coinjecture_tx_verify_signature(const coinjecture_tx *tx)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1);

/* Checks every rule except the signature (for callers that already checked it once): nonce, fee,
 * overflow, balance, gas.
 * Returns: COINJ_OK; COINJ_ERROR_VERIFICATION_FAILED (out->status names the rule); COINJ_ERROR_INVALID_INPUT
 *          as coinjecture_tx_verify_signature or for a NULL pointer (out untouched).
 * In:  tx      the transaction; sender  the sender's balance and nonce before it
 * Out: out     status, and on success total_cost, gas_used and fee */
COINJECTURE_API CoinjResult coinjecture_tx_check_rules(const coinjecture_tx *tx,
                                                       const coinjecture_account *sender,
                                                       coinjecture_tx_result *out)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(2)
    COINJECTURE_ARG_NONNULL(3);

/* Signature then rules (coinjecture_verify_transaction with full-width types).
 * Returns: as coinjecture_tx_check_rules; a bad signature gives COINJ_ERROR_VERIFICATION_FAILED with
 *          out->status = COINJECTURE_TX_BAD_SIGNATURE; COINJ_ERROR_OUT_OF_MEMORY.
 * In/Out: as coinjecture_tx_check_rules */
COINJECTURE_API CoinjResult coinjecture_tx_verify(const coinjecture_tx *tx,
                                                  const coinjecture_account *sender,
                                                  coinjecture_tx_result *out)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(2)
    COINJECTURE_ARG_NONNULL(3);

/* ---- Escrow (full-width; same rules and codes as Part I) ---- */
typedef struct {
    uint8_t id[32];
    uint8_t submitter[32];
    uint64_t amount;
    uint8_t problem_hash[32];
    uint64_t created_block;
    uint64_t expiry_block;
    uint8_t state; /* coinjecture_escrow_state */
    uint8_t has_recipient;
    uint8_t recipient[32];
    uint8_t has_settled_block;
    uint64_t settled_block;
    uint8_t has_settlement_tx;
    uint8_t settlement_tx[32];
} coinjecture_escrow;

/* Release rule: state Locked and recipient not 32 zero bytes (expiry is not considered).
 * Returns: COINJ_OK if allowed; COINJ_ERROR_INVALID_INPUT if not, for a state above 2, or a NULL pointer.
 * In:  e  the escrow; recipient  32-byte public key */
COINJECTURE_API CoinjResult coinjecture_escrow_check_release(const coinjecture_escrow *e,
                                                             const uint8_t recipient[32])
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1) COINJECTURE_ARG_NONNULL(2);
/* Refund rule: state Locked and current_block >= expiry_block.
 * Returns: COINJ_OK if allowed; COINJ_ERROR_INVALID_INPUT if not, for a state above 2, or a NULL e.
 * In:  e  the escrow; current_block  the height the refund would happen at */
COINJECTURE_API CoinjResult coinjecture_escrow_check_refund(const coinjecture_escrow *e,
                                                            uint64_t current_block)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1);

/* ---- Utilities ---- */

/* Constant-time comparison of two 32-byte values.
 * Returns: 1 if equal, 0 if not (or if either is NULL: allowed, so no ARG_NONNULL).
 * In:  a, b  32 bytes each */
COINJECTURE_API int coinjecture_hash_equal(const uint8_t a[32], const uint8_t b[32])
    COINJECTURE_WARN_UNUSED_RESULT;

/* Lowercase hex of len bytes, NUL-terminated.
 * Returns: COINJ_OK whenever the contract is met; COINJ_ERROR_BUFFER_TOO_SMALL if out_cap < 2 * len + 1
 *          (out untouched); COINJ_ERROR_INVALID_INPUT if in is NULL with len > 0, or out is NULL.
 * In:  in   len bytes (may be NULL when len == 0)
 * Out: out  out_cap bytes, at least 2 * len + 1 (the contract); receives 2 * len digits and the NUL */
COINJECTURE_API CoinjResult coinjecture_hex_encode(const uint8_t *in, size_t len, char *out, size_t out_cap)
    COINJECTURE_ARG_NONNULL(3);

/* Parses exactly 2 * out_len hex digits (either case, optional "0x" prefix, nothing else).
 * Returns: COINJ_OK; COINJ_ERROR_INVALID_INPUT naming the problem (length or the first bad character; out
 *          untouched), or for NULL hex, or out NULL with out_len > 0.
 * In:  hex  NUL-terminated string
 * Out: out  out_len bytes (may be NULL when out_len == 0) */
COINJECTURE_API CoinjResult coinjecture_hex_decode(const char *hex, uint8_t *out, size_t out_len)
    COINJECTURE_WARN_UNUSED_RESULT COINJECTURE_ARG_NONNULL(1);

#ifdef __cplusplus
}
#endif

#endif /* COINJECTURE_H */
