/* coinjecture-vectors, private: what its files share. Each file's shared functions carry its prefix:
 *   vectors.c         vec_     driver (main, the vector list, errors, hashing/encoding helpers, shared tables)
 *   vectors_json.c    vjson_   the JSON tree, printed like serde_json's pretty printer with keys sorted
 *   vectors_hash.c    vhash_   SHA256, MERKLE, ADDRESS, EPOCH_SALT, MINER_SALT
 *   vectors_header.c  vheader_ BLOCK_HEADER
 *   vectors_tx.c      vtx_     TRANSACTION, TX_RULES
 *   vectors_objects.c vobjects_ COMMITMENT, COMMITMENT_HASH, PROBLEM, SOLUTION, REVEAL, BLOCK
 *   vectors_rules.c   vrules_  ESCROW_*, SUBSET_SUM, TIER
 * The order in which main calls the generators is the order of the vectors in the file. */
#ifndef CJ_TOOLS_VECTORS_H
#define CJ_TOOLS_VECTORS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "coinjecture.h"

#if defined(__GNUC__)
#define V_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define V_NORETURN __attribute__((noreturn))
#else
#define V_PRINTF(a, b)
#define V_NORETURN
#endif

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- vectors_json.c: a minimal JSON tree ---- */

typedef enum { J_OBJ, J_ARR, J_STR, J_U64, J_I64, J_BOOL, J_NULL } jtype;

typedef struct jv {
    jtype type;
    char *str;         /* J_STR */
    uint64_t u;        /* J_U64 */
    int64_t i;         /* J_I64 */
    int b;             /* J_BOOL */
    size_t len, cap;   /* J_OBJ, J_ARR: children */
    char **keys;       /* J_OBJ */
    struct jv **items; /* J_OBJ values, J_ARR elements */
} jv;

jv *vjson_obj(void);
jv *vjson_arr(void);
jv *vjson_str(const char *s);
jv *vjson_u64(uint64_t u);
jv *vjson_i64(int64_t i);
jv *vjson_bool(int b);
jv *vjson_null(void);
/* Lowercase hex of len bytes as a string node. */
jv *vjson_hex(const uint8_t *p, size_t len);
/* Sets obj[key] = val (a repeated key is a generator bug). */
void vjson_put(jv *obj, const char *key, jv *val);
void vjson_push(jv *arr, jv *val);
void vjson_free(jv *v);
/* Pretty-prints v (serde_json to_string_pretty layout, keys sorted) at the given nesting depth. */
void vjson_print(FILE *f, jv *v, int depth);

/* ---- vectors.c: errors, the vector list, helpers ---- */

/* Prints "coinjecture-vectors: message" and exits 1: no partial file is ever written. */
V_NORETURN V_PRINTF(1, 2) void vec_die(const char *fmt, ...);
/* Stops on any library failure, naming the call. */
void vec_ok(CoinjResult rc, const char *what);
/* malloc that never returns NULL. */
void *vec_xmalloc(size_t n);
/* Starts a vector object {operation, test_name} and appends it; names must be unique. */
V_PRINTF(2, 3) jv *vec_new(const char *operation, const char *name_fmt, ...);
/* SHA-256 of a C string, and of a printf-formatted string. */
void vec_sha_str(const char *s, uint8_t out[32]);
V_PRINTF(2, 3) void vec_sha_fmt(uint8_t out[32], const char *fmt, ...);
/* Parses a hex constant of the generator. */
void vec_unhex(const char *hex, uint8_t *out, size_t len);

/* A typed encoder (sized with a NULL output, then filled). */
typedef CoinjResult (*encode_fn)(const void *obj, uint8_t *out, size_t cap, size_t *len);
/* Encodes obj with fn into a new heap buffer of *len bytes. */
uint8_t *vec_encode(encode_fn fn, const void *obj, size_t *len, const char *what);
/* Adds key = hex(encoding), checking (hash not NULL) that the hash is SHA-256 of the encoding. */
void vec_put_encoding(jv *v, const char *key, const uint8_t *enc, size_t len, const uint8_t *hash);

/* RFC 8032 section 7.1 test keys (TEST 1, 2, 3, 1024, SHA(abc)): seeds, public keys, labels. */
#define RFC_KEYS 5
extern const char *const RFC8032_SEED[RFC_KEYS];
extern const char *const RFC8032_PUB[RFC_KEYS];
extern const char *const RFC8032_LABEL[RFC_KEYS];
/* Secret key (libsodium seed||pk) and public key of RFC 8032 key i. */
void vec_rfc_key(size_t i, uint8_t sk[64], uint8_t pk[32]);

/* Integer values at every MessagePack width boundary (unsigned; signed, both signs). */
extern const uint64_t U64_EDGES[13];
extern const int64_t I64_EDGES[20];
/* A test-name fragment for a signed value ("neg_33" for -33). */
void vec_i64_label(int64_t v, char *buf, size_t cap);

/* Wire names of problem types and tiers (index = the enum value). */
extern const char *const PROBLEM_TYPE_NAME[8];
extern const char *const TIER_NAME[6];

/* ---- the generators, in output order where main calls them ---- */

void vhash_sha256_original(void);
void vhash_merkle_original(void);
void vheader_original(void);
void vhash_sha256(void);
void vhash_merkle(void);
void vheader_edges(void);
void vtx_transactions(void);
void vtx_rules(void);
void vhash_address(void);
void vhash_salts(void);
void vobjects_commitment(void);
void vobjects_encodings(void);
void vrules_escrow(void);
void vrules_subset_sum(void);
void vrules_tier(void);

/* ---- shared object builders ---- */

/* vectors_header.c: a header as JSON; the base header the boundary vectors vary. */
jv *vheader_json(const coinjecture_header *h);
void vheader_base(coinjecture_header *h);
/* vectors_tx.c: a transaction as JSON (data shown as its first `shown` bytes); the base transaction. */
jv *vtx_json(const coinjecture_tx *tx, size_t shown);
void vtx_base(coinjecture_tx *tx);
/* vectors_objects.c: problems and solutions as JSON, and filled from lists. */
jv *vobjects_problem_json(const coinjecture_problem *p);
jv *vobjects_solution_json(const coinjecture_solution *s);
void vobjects_problem_set(coinjecture_problem *p, uint8_t type, uint8_t tier, const int64_t *el, uint32_t n,
                          int64_t target, int64_t ts);
void vobjects_solution_set(coinjecture_solution *s, const uint32_t *idx, uint32_t k, int64_t ts);

#endif
