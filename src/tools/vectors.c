/*
 * coinjecture-vectors - writes golden/network_b_vectors.json, the project's golden vectors.
 *
 * The file is a superset of the original generator's 50 vectors (same test names, fields, values and
 * order, first) followed by vectors for every consensus operation: SHA-256 at padding boundaries,
 * Merkle roots of many sizes, header/transaction/problem/solution/reveal/commitment/block encodings at
 * every MessagePack width boundary, RFC 8032-keyed transaction signatures, transaction rule verdicts,
 * salts, commitments, escrow ids and rules, subset-sum verdicts, tier tables and addresses.
 * Every value is computed through the public API of include/coinjecture.h; tests/golden recomputes all
 * of them with an independent pure-Python implementation.
 *
 * Output format (as serde_json::to_string_pretty of the original): 2-space indent, keys sorted
 * alphabetically at every level, lowercase hex, plus a final newline. No timestamp: regenerating is
 * byte-identical.
 *
 * Usage: coinjecture-vectors [-o FILE] (options: the table before main, src/tools/opts.h)
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "coinjecture.h"
#include "opts.h"

#if defined(__GNUC__)
#define V_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define V_NORETURN __attribute__((noreturn))
#else
#define V_PRINTF(a, b)
#define V_NORETURN
#endif

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ===================================================================================================
 * Errors and memory
 * =================================================================================================== */

/* Aborts the program: a generator that cannot compute a vector must not write a partial file. */
static V_NORETURN V_PRINTF(1, 2) void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("coinjecture-vectors: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

/* Stops on any library failure, naming the call and the library's reason. */
static void ok(CoinjResult rc, const char *what)
{
    if (rc != COINJ_OK)
        die("%s failed: %s (%s)", what, coinjecture_result_name(rc), coinjecture_last_error_message());
}

/* malloc that never returns NULL (the tool has nothing sensible to do without memory). */
static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) die("out of memory");
    return p;
}

/* realloc that never returns NULL. */
static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) die("out of memory");
    return q;
}

/* strdup without the POSIX dependency. */
static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = xmalloc(n);
    memcpy(p, s, n);
    return p;
}

/* ===================================================================================================
 * A minimal JSON tree, printed like serde_json's pretty printer with keys sorted
 * =================================================================================================== */

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

/* Allocates a zeroed node of the given type. */
static jv *jnew(jtype t)
{
    jv *v = xmalloc(sizeof *v);
    memset(v, 0, sizeof *v);
    v->type = t;
    return v;
}

/* An empty object. */
static jv *jobj(void) { return jnew(J_OBJ); }

/* An empty array. */
static jv *jarr(void) { return jnew(J_ARR); }

/* A string node (copied). */
static jv *jstr(const char *s)
{
    jv *v = jnew(J_STR);
    v->str = xstrdup(s);
    return v;
}

/* An unsigned integer node. */
static jv *ju64(uint64_t u)
{
    jv *v = jnew(J_U64);
    v->u = u;
    return v;
}

/* A signed integer node. */
static jv *ji64(int64_t i)
{
    jv *v = jnew(J_I64);
    v->i = i;
    return v;
}

/* A boolean node. */
static jv *jbool(int b)
{
    jv *v = jnew(J_BOOL);
    v->b = b != 0;
    return v;
}

/* The null node. */
static jv *jnull(void) { return jnew(J_NULL); }

/* Lowercase hex of len bytes as a string node, through the library's own encoder. */
static jv *jhex(const uint8_t *p, size_t len)
{
    jv *v = jnew(J_STR);
    v->str = xmalloc(2 * len + 1);
    ok(coinjecture_hex_encode(p, len, v->str, 2 * len + 1), "coinjecture_hex_encode");
    return v;
}

/* Appends a child slot, growing the arrays geometrically. */
static void jgrow(jv *v)
{
    if (v->len < v->cap) return;
    v->cap = v->cap ? 2 * v->cap : 8;
    v->items = xrealloc(v->items, v->cap * sizeof *v->items);
    if (v->type == J_OBJ) v->keys = xrealloc(v->keys, v->cap * sizeof *v->keys);
}

/* Sets obj[key] = val; a repeated key is a generator bug. */
static void jput(jv *obj, const char *key, jv *val)
{
    for (size_t i = 0; i < obj->len; i++)
        if (strcmp(obj->keys[i], key) == 0) die("duplicate key %s", key);
    jgrow(obj);
    obj->keys[obj->len] = xstrdup(key);
    obj->items[obj->len++] = val;
}

/* Appends val to arr. */
static void jpush(jv *arr, jv *val)
{
    jgrow(arr);
    arr->items[arr->len++] = val;
}

/* Releases a tree (keeps sanitizer builds leak-free). */
static void jfree(jv *v)
{
    if (!v) return;
    for (size_t i = 0; i < v->len; i++) {
        jfree(v->items[i]);
        if (v->type == J_OBJ) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    free(v);
}

/* Writes a JSON string with serde_json's escapes (", \, \b \f \n \r \t, other controls as \u00xx). */
static void jprint_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20) fprintf(f, "\\u%04x", (unsigned)*p);
            else fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* Sorts an object's entries by key (byte order, as serde_json's BTreeMap); objects are small. */
static void jsort(jv *obj)
{
    for (size_t i = 1; i < obj->len; i++) {
        char *k = obj->keys[i];
        jv *val = obj->items[i];
        size_t j = i;
        while (j > 0 && strcmp(obj->keys[j - 1], k) > 0) {
            obj->keys[j] = obj->keys[j - 1];
            obj->items[j] = obj->items[j - 1];
            j--;
        }
        obj->keys[j] = k;
        obj->items[j] = val;
    }
}

/* Writes 2 * depth spaces. */
static void jindent(FILE *f, int depth)
{
    for (int i = 0; i < depth; i++) fputs("  ", f);
}

/* Pretty-prints v at the given nesting depth (serde_json to_string_pretty layout). */
static void jprint(FILE *f, jv *v, int depth)
{
    switch (v->type) {
    case J_OBJ:
    case J_ARR:
        if (v->len == 0) {
            fputs(v->type == J_OBJ ? "{}" : "[]", f);
            return;
        }
        if (v->type == J_OBJ) jsort(v);
        fputs(v->type == J_OBJ ? "{\n" : "[\n", f);
        for (size_t i = 0; i < v->len; i++) {
            jindent(f, depth + 1);
            if (v->type == J_OBJ) {
                jprint_string(f, v->keys[i]);
                fputs(": ", f);
            }
            jprint(f, v->items[i], depth + 1);
            fputs(i + 1 < v->len ? ",\n" : "\n", f);
        }
        jindent(f, depth);
        fputc(v->type == J_OBJ ? '}' : ']', f);
        return;
    case J_STR: jprint_string(f, v->str); return;
    case J_U64: fprintf(f, "%" PRIu64, v->u); return;
    case J_I64: fprintf(f, "%" PRId64, v->i); return;
    case J_BOOL: fputs(v->b ? "true" : "false", f); return;
    case J_NULL: fputs("null", f); return;
    }
}

/* ===================================================================================================
 * Vector list and small helpers
 * =================================================================================================== */

static jv *g_vectors; /* the "vectors" array, in output order */

/* Starts a vector object {operation, test_name} and appends it; names must be unique. */
static V_PRINTF(2, 3) jv *vec_new(const char *operation, const char *name_fmt, ...)
{
    char name[128];
    va_list ap;
    va_start(ap, name_fmt);
    int n = vsnprintf(name, sizeof name, name_fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof name) die("test name too long");
    for (size_t i = 0; i < g_vectors->len; i++) {
        jv *o = g_vectors->items[i];
        for (size_t k = 0; k < o->len; k++)
            if (strcmp(o->keys[k], "test_name") == 0 && strcmp(o->items[k]->str, name) == 0)
                die("duplicate test name %s", name);
    }
    jv *v = jobj();
    jput(v, "operation", jstr(operation));
    jput(v, "test_name", jstr(name));
    jpush(g_vectors, v);
    return v;
}

/* SHA-256 of a C string (the original generator derives most inputs this way). */
static void sha_str(const char *s, uint8_t out[32])
{
    ok(coinjecture_sha256((const uint8_t *)s, strlen(s), out), "coinjecture_sha256");
}

/* SHA-256 of a printf-formatted string. */
static V_PRINTF(2, 3) void sha_fmt(uint8_t out[32], const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf) die("preimage too long");
    sha_str(buf, out);
}

/* Parses a hex constant of this file (a typo is a generator bug). */
static void unhex(const char *hex, uint8_t *out, size_t len)
{
    ok(coinjecture_hex_decode(hex, out, len), "coinjecture_hex_decode");
}

/* Runs an encoder twice: once to size the buffer (NULL output), once to fill it. */
typedef CoinjResult (*encode_fn)(const void *obj, uint8_t *out, size_t cap, size_t *len);

/* Encodes obj with fn into a new heap buffer of *len bytes. */
static uint8_t *encode_alloc(encode_fn fn, const void *obj, size_t *len, const char *what)
{
    size_t need = 0;
    CoinjResult rc = fn(obj, NULL, 0, &need);
    if (rc != COINJ_ERROR_BUFFER_TOO_SMALL) ok(rc == COINJ_OK ? COINJ_ERROR_INTERNAL : rc, what);
    uint8_t *buf = xmalloc(need);
    size_t got = 0;
    ok(fn(obj, buf, need, &got), what);
    if (got != need) die("%s: sized %zu bytes, wrote %zu", what, need, got);
    *len = got;
    return buf;
}

/* Adapters from the typed encoders to encode_fn. */
static CoinjResult enc_header(const void *o, uint8_t *out, size_t cap, size_t *len)
{
    return coinjecture_header_encode(o, out, cap, len);
}
/* Transaction encoder adapter. */
static CoinjResult enc_tx(const void *o, uint8_t *out, size_t cap, size_t *len)
{
    return coinjecture_tx_encode(o, out, cap, len);
}
/* Signing-message adapter. */
static CoinjResult enc_signing(const void *o, uint8_t *out, size_t cap, size_t *len)
{
    return coinjecture_tx_signing_message(o, out, cap, len);
}
/* Problem encoder adapter. */
static CoinjResult enc_problem(const void *o, uint8_t *out, size_t cap, size_t *len)
{
    return coinjecture_problem_encode(o, out, cap, len);
}
/* Solution encoder adapter. */
static CoinjResult enc_solution(const void *o, uint8_t *out, size_t cap, size_t *len)
{
    return coinjecture_solution_encode(o, out, cap, len);
}
/* Reveal encoder adapter. */
static CoinjResult enc_reveal(const void *o, uint8_t *out, size_t cap, size_t *len)
{
    return coinjecture_reveal_encode(o, out, cap, len);
}
/* Commitment encoder adapter. */
static CoinjResult enc_commitment(const void *o, uint8_t *out, size_t cap, size_t *len)
{
    return coinjecture_commitment_encode(o, out, cap, len);
}
/* Block encoder adapter. */
static CoinjResult enc_block(const void *o, uint8_t *out, size_t cap, size_t *len)
{
    return coinjecture_block_encode(o, out, cap, len);
}

/* Adds key = hex(encoding) and checks that the object hash equals SHA-256 of that encoding. */
static void put_encoding(jv *v, const char *key, const uint8_t *enc, size_t len, const uint8_t *hash)
{
    if (hash) {
        uint8_t h[32];
        ok(coinjecture_sha256(enc, len, h), "coinjecture_sha256");
        if (memcmp(h, hash, 32) != 0) die("%s: hash is not SHA-256 of the encoding", key);
    }
    jput(v, key, jhex(enc, len));
}

static const char *const TX_TYPE_NAME[] = {NULL, "Transfer", "ProblemSubmission", "BountyPayment"};
static const char *const PROBLEM_TYPE_NAME[] = {NULL, "SubsetSum", "Knapsack", "GraphColoring", "SAT",
                                                "TSP", "Factorization", "LatticeProblems"};
static const char *const TIER_NAME[] = {NULL, "Mobile", "Desktop", "Workstation", "Server", "Cluster"};
static const char *const ESCROW_STATE_NAME[] = {"Locked", "Released", "Refunded"};
static const char *const SS_STATUS_NAME[] = {"OK", "NOT_IMPLEMENTED", "TIER_SIZE", "PROOF_SIZE",
                                             "BUDGET_OPS", "DUPLICATE_INDEX", "INDEX_RANGE", "OVERFLOW",
                                             "WRONG_SUM", "BUDGET_MEMORY"};
static const char *const TX_STATUS_NAME[] = {"OK", "BAD_SIGNATURE", "BAD_NONCE", "AMOUNT_OVERFLOW",
                                             "FEE_TOO_LOW", "INSUFFICIENT_BALANCE", "GAS_TOO_LOW"};

/* RFC 8032 section 7.1 test keys (TEST 1, 2, 3, 1024, SHA(abc)): seeds. */
static const char *const RFC8032_SEED[] = {
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
    "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
    "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
    "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
};
/* ...and the public keys RFC 8032 lists for them (checked against libsodium's derivation). */
static const char *const RFC8032_PUB[] = {
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
    "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
    "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
    "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
};
static const char *const RFC8032_LABEL[] = {"test1", "test2", "test3", "test1024", "sha_abc"};
#define RFC_KEYS 5

/* Secret key (libsodium seed||pk) and public key of RFC 8032 key i. */
static void rfc_key(size_t i, uint8_t sk[64], uint8_t pk[32])
{
    uint8_t seed[32], want[32];
    unhex(RFC8032_SEED[i], seed, 32);
    unhex(RFC8032_PUB[i], want, 32);
    if (crypto_sign_seed_keypair(pk, sk, seed) != 0) die("crypto_sign_seed_keypair failed");
    if (memcmp(pk, want, 32) != 0) die("RFC 8032 key %zu: public key mismatch", i);
}

/* Unsigned 64-bit values at every MessagePack width boundary. */
static const uint64_t U64_EDGES[] = {0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295u,
                                     4294967296u, 9223372036854775807u, 9223372036854775808u,
                                     18446744073709551615u};
/* Signed 64-bit values at every MessagePack width boundary, both signs. */
static const int64_t I64_EDGES[] = {0, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296,
                                    INT64_MAX, -1, -32, -33, -128, -129, -32768, -32769,
                                    -2147483647 - 1, -2147483649, INT64_MIN};

/* A test-name fragment for a signed value ("neg_33" for -33). */
static void i64_label(int64_t v, char *buf, size_t cap)
{
    if (v < 0) snprintf(buf, cap, "neg_%" PRIu64, (uint64_t)0 - (uint64_t)v);
    else snprintf(buf, cap, "%" PRId64, v);
}

/* ===================================================================================================
 * SHA256
 * =================================================================================================== */

/* Hashes with every backend and with the streaming API, and insists on one answer. */
static void sha256_all_paths(const uint8_t *in, size_t len, uint8_t out[32])
{
    ok(coinjecture_sha256(in, len, out), "coinjecture_sha256");
    for (size_t b = 0; b < coinjecture_backend_count(); b++) {
        const char *name = coinjecture_backend_name(b);
        uint8_t h[32];
        ok(coinjecture_backend_select(name), "coinjecture_backend_select");
        ok(coinjecture_sha256(in, len, h), "coinjecture_sha256");
        if (memcmp(h, out, 32) != 0) die("backend %s disagrees on a %zu-byte SHA-256", name, len);
        coinjecture_sha256_ctx ctx;
        ok(coinjecture_sha256_init(&ctx), "coinjecture_sha256_init");
        for (size_t off = 0; off < len; off += 1000) {
            size_t n = len - off < 1000 ? len - off : 1000;
            ok(coinjecture_sha256_update(&ctx, in + off, n), "coinjecture_sha256_update");
        }
        ok(coinjecture_sha256_final(&ctx, h), "coinjecture_sha256_final");
        if (memcmp(h, out, 32) != 0) die("streaming SHA-256 disagrees (backend %s)", name);
    }
    ok(coinjecture_backend_select("reference"), "coinjecture_backend_select");
}

/* One SHA256 vector; when shown < len the input is the first `shown` bytes repeated cyclically and
 * input_size carries the full length (the original's compact form). */
static void emit_sha256(const char *name, const uint8_t *in, size_t len, size_t shown)
{
    uint8_t h[32];
    for (size_t i = shown; i < len; i++)
        if (in[i] != in[i % shown]) die("%s: input is not periodic", name);
    sha256_all_paths(in, len, h);
    jv *v = vec_new("SHA256", "%s", name);
    jput(v, "expected_hash", jhex(h, 32));
    jput(v, "input_hex", jhex(in, shown));
    if (shown < len) jput(v, "input_size", ju64(len));
}

/* Emits a SHA256 vector of a C string. */
static void emit_sha256_str(const char *name, const char *s)
{
    emit_sha256(name, (const uint8_t *)s, strlen(s), strlen(s));
}

/* The original's 10 SHA-256 vectors. */
static void gen_sha256_original(void)
{
    uint8_t buf[256];
    emit_sha256("sha256_empty_input", NULL, 0, 0);
    emit_sha256_str("sha256_hello_world", "hello world");
    emit_sha256_str("sha256_coinjecture", "COINjecture");
    memset(buf, 0x00, 32);
    emit_sha256("sha256_zeros_32", buf, 32, 32);
    memset(buf, 0xff, 32);
    emit_sha256("sha256_ones_32", buf, 32, 32);
    for (int i = 0; i < 256; i++) buf[i] = (uint8_t)i;
    emit_sha256("sha256_sequential_256", buf, 256, 256);
    uint8_t *big = xmalloc(1048576);
    memset(big, 0xaa, 10240);
    emit_sha256("sha256_large_10kb", big, 10240, 64);
    emit_sha256_str("sha256_json_data", "{\"block_number\":1337,\"validator\":\"alice\",\"amount\":1000000}");
    emit_sha256_str("sha256_btc_genesis", "The Times 03/Jan/2009 Chancellor on brink of second bailout for banks");
    emit_sha256_str("sha256_unicode", "Hello \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x9a\x80");
    free(big);
}

/* SHA-256 at the padding boundaries, the NIST inputs and long inputs. */
static void gen_sha256(void)
{
    uint8_t *big = xmalloc(1048576);

    /* Lengths around the 55/56-byte padding split and the 64-byte block size; byte i = 31 * i + len. */
    static const size_t lens[] = {1,   55,  56,  57,  63,  64,  65,   111,  112,  119,  120,
                                  127, 128, 129, 183, 184, 1000, 1023, 1024, 1025, 4096};
    for (size_t k = 0; k < ARRAY_LEN(lens); k++) {
        size_t n = lens[k];
        for (size_t i = 0; i < n; i++) big[i] = (uint8_t)(31 * i + n);
        char name[64];
        snprintf(name, sizeof name, "sha256_len_%zu", n);
        emit_sha256(name, big, n, n);
    }
    emit_sha256_str("sha256_nist_abc", "abc");
    emit_sha256_str("sha256_nist_448_bits", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
    memset(big, 'a', 1000000);
    emit_sha256("sha256_nist_million_a", big, 1000000, 64);
    memset(big, 0, 1048576);
    emit_sha256("sha256_zeros_1mib", big, 1048576, 64);
    for (size_t i = 0; i < 65599; i++) big[i] = (uint8_t)(i % 64);
    emit_sha256("sha256_cyclic_64_len_65599", big, 65599, 64);
    free(big);
}

/* ===================================================================================================
 * MERKLE
 * =================================================================================================== */

/* Root through the extended API, checked against the original ABI entry point. */
static void merkle_checked(const uint8_t (*leaves)[32], size_t n, uint8_t root[32])
{
    uint8_t r2[32];
    ok(coinjecture_merkle_root(leaves, n, root), "coinjecture_merkle_root");
    ok(coinjecture_compute_merkle_root(leaves, (uint32_t)n, r2), "coinjecture_compute_merkle_root");
    if (memcmp(root, r2, 32) != 0) die("merkle: extended and original ABI disagree for %zu leaves", n);
}

/* A MERKLE vector with the full leaf list. */
static void emit_merkle_list(const char *name, const uint8_t (*leaves)[32], size_t n)
{
    uint8_t root[32];
    merkle_checked(leaves, n, root);
    jv *v = vec_new("MERKLE", "%s", name);
    jput(v, "expected_root", jhex(root, 32));
    jv *list = jarr();
    for (size_t i = 0; i < n; i++) jpush(list, jhex(leaves[i], 32));
    jput(v, "tx_hashes", list);
}

/* A compact MERKLE vector (tx_count, first/last leaf); leaf_prefix documents the leaf rule
 * SHA256(prefix + decimal i) unless NULL (the original's two compact vectors have no such field). */
static void emit_merkle_compact(const char *name, const uint8_t (*leaves)[32], size_t n,
                                const char *leaf_prefix)
{
    uint8_t root[32];
    merkle_checked(leaves, n, root);
    jv *v = vec_new("MERKLE", "%s", name);
    jput(v, "expected_root", jhex(root, 32));
    jput(v, "first_tx_hash", jhex(leaves[0], 32));
    jput(v, "last_tx_hash", jhex(leaves[n - 1], 32));
    if (leaf_prefix) jput(v, "leaf_prefix", jstr(leaf_prefix));
    jput(v, "tx_count", ju64(n));
}

/* The original's 8 Merkle vectors. */
static void gen_merkle_original(void)
{
    uint8_t(*lv)[32] = xmalloc(1000 * sizeof *lv);
    emit_merkle_list("merkle_empty", NULL, 0);
    memset(lv[0], 0x42, 32);
    emit_merkle_list("merkle_single_tx", lv, 1);
    memset(lv[0], 0x11, 32);
    memset(lv[1], 0x22, 32);
    emit_merkle_list("merkle_two_txs", lv, 2);
    memset(lv[0], 0xaa, 32);
    memset(lv[1], 0xbb, 32);
    memset(lv[2], 0xcc, 32);
    emit_merkle_list("merkle_three_txs", lv, 3);
    for (int i = 0; i < 8; i++) sha_fmt(lv[i], "tx%d", i + 1);
    emit_merkle_list("merkle_four_txs", lv, 4);
    emit_merkle_list("merkle_eight_txs", lv, 8);
    for (int i = 0; i < 100; i++) sha_fmt(lv[i], "transaction_%d", i);
    emit_merkle_compact("merkle_hundred_txs", lv, 100, NULL);
    for (int i = 0; i < 1000; i++) sha_fmt(lv[i], "tx_%04d", i);
    emit_merkle_compact("merkle_thousand_txs", lv, 1000, NULL);
    free(lv);
}

/* Every size 0-17, 31-33, large/odd sizes up to 10 000, and promotion versus duplication. */
static void gen_merkle(void)
{
    enum { MAXN = 10000 };
    uint8_t(*lv)[32] = xmalloc(MAXN * sizeof *lv);

    for (int i = 0; i < MAXN; i++) sha_fmt(lv[i], "merkle_leaf_%d", i);
    static const size_t listed[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 31, 32, 33};
    for (size_t k = 0; k < ARRAY_LEN(listed); k++) {
        char name[64];
        snprintf(name, sizeof name, "merkle_leaves_%zu", listed[k]);
        emit_merkle_list(name, lv, listed[k]);
    }
    static const size_t compact[] = {100, 255, 256, 257, 1000, 1025, 10000};
    for (size_t k = 0; k < ARRAY_LEN(compact); k++) {
        char name[64];
        snprintf(name, sizeof name, "merkle_leaves_%zu", compact[k]);
        emit_merkle_compact(name, lv, compact[k], "merkle_leaf_");
    }
    /* Promotion, not duplication: [a,b,c] and [a,b,c,c] must have different roots. */
    memcpy(lv[3], lv[2], 32);
    emit_merkle_list("merkle_odd_last_promoted_3", lv, 3);
    emit_merkle_list("merkle_last_duplicated_4", lv, 4);
    memset(lv, 0, 2 * sizeof *lv);
    emit_merkle_list("merkle_two_zero_leaves", lv, 2);
    memset(lv, 0x5a, 5 * sizeof *lv);
    emit_merkle_list("merkle_five_identical_leaves", lv, 5);
    free(lv);
}

/* ===================================================================================================
 * BLOCK_HEADER
 * =================================================================================================== */

/* The header as a JSON object with the original's field names (byte fields hex). */
static jv *header_json(const coinjecture_header *h)
{
    jv *o = jobj();
    jput(o, "block_index", ju64(h->block_index));
    jput(o, "codec_version", ju64(h->codec_version));
    jput(o, "commitment", jhex(h->commitment, 32));
    jput(o, "difficulty_target", ju64(h->difficulty_target));
    jput(o, "extra_data", jhex(h->extra_data, h->extra_data_len));
    jput(o, "merkle_root", jhex(h->merkle_root, 32));
    jput(o, "miner_address", jhex(h->miner_address, 32));
    jput(o, "nonce", ju64(h->nonce));
    jput(o, "parent_hash", jhex(h->parent_hash, 32));
    jput(o, "timestamp", ji64(h->timestamp));
    return o;
}

/* Header hash through the extended API, checked against the original ABI where the narrower
 * BlockHeaderFFI can carry the value. */
static void header_hash_checked(const coinjecture_header *h, uint8_t out[32])
{
    ok(coinjecture_header_hash(h, out), "coinjecture_header_hash");
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
    ok(coinjecture_compute_header_hash(&f, o2), "coinjecture_compute_header_hash");
    if (memcmp(out, o2, 32) != 0) die("header: extended and original ABI hashes disagree");
}

/* A BLOCK_HEADER vector; new vectors also carry the canonical encoding. */
static void emit_header(const char *name, const coinjecture_header *h, int with_encoding)
{
    uint8_t hash[32];
    header_hash_checked(h, hash);
    jv *v = vec_new("BLOCK_HEADER", "%s", name);
    if (with_encoding) {
        size_t len;
        uint8_t *enc = encode_alloc(enc_header, h, &len, "coinjecture_header_encode");
        put_encoding(v, "encoding_hex", enc, len, hash);
        free(enc);
    }
    jput(v, "expected_hash", jhex(hash, 32));
    jput(v, "header", header_json(h));
}

/* Sets the extra_data of a header from a C string. */
static void header_extra(coinjecture_header *h, const char *s)
{
    h->extra_data_len = (uint32_t)strlen(s);
    memcpy(h->extra_data, s, h->extra_data_len);
}

/* The original's 32 header vectors, rebuilt by the original generator's rules (core.md 10.1). */
static void gen_header_original(void)
{
    coinjecture_header g, h;
    uint8_t genesis_hash[32], leaves[50][32];
    memset(&g, 0, sizeof g);
    g.codec_version = 1;
    g.timestamp = 1704067200;
    g.difficulty_target = 100;
    emit_header("block_header_genesis", &g, 0);
    ok(coinjecture_header_hash(&g, genesis_hash), "coinjecture_header_hash");

    h = g;
    h.block_index = 1;
    h.timestamp = 1704067202;
    memcpy(h.parent_hash, genesis_hash, 32);
    sha_str("tx1", leaves[0]);
    sha_str("tx2", leaves[1]);
    ok(coinjecture_merkle_root((const uint8_t(*)[32])leaves, 2, h.merkle_root), "coinjecture_merkle_root");
    sha_str("validator1_pubkey", h.miner_address);
    memset(h.commitment, 0xff, 32);
    h.nonce = 42;
    emit_header("block_header_1", &h, 0);

    memset(&h, 0, sizeof h);
    h.codec_version = 1;
    h.block_index = 100;
    h.timestamp = 1704067400;
    sha_str("parent_block_99", h.parent_hash);
    sha_str("merkle_root_100", h.merkle_root);
    sha_str("miner_alice", h.miner_address);
    sha_str("commitment_100", h.commitment);
    h.difficulty_target = 1000;
    h.nonce = 1337;
    header_extra(&h, "Network B Migration - v4.5.0+");
    emit_header("block_header_with_extra_data", &h, 0);

    memset(&h, 0, sizeof h);
    h.codec_version = 1;
    h.block_index = 1000;
    h.timestamp = 1704069200;
    sha_str("block_999", h.parent_hash);
    for (int i = 0; i < 50; i++) sha_fmt(leaves[i], "tx_%d", i);
    ok(coinjecture_merkle_root((const uint8_t(*)[32])leaves, 50, h.merkle_root), "coinjecture_merkle_root");
    sha_str("validator_checkpoint", h.miner_address);
    sha_str("checkpoint_1000", h.commitment);
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
        sha_fmt(h.parent_hash, "parent_%d", i);
        sha_fmt(h.merkle_root, "merkle_%d", i);
        sha_fmt(h.miner_address, "miner_%d", i);
        sha_fmt(h.commitment, "commit_%d", i);
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
static void header_base(coinjecture_header *h)
{
    memset(h, 0, sizeof *h);
    h->codec_version = 1;
    h->block_index = 1;
    h->timestamp = 1704067200;
    sha_str("vectors/parent_hash", h->parent_hash);
    sha_str("vectors/merkle_root", h->merkle_root);
    sha_str("vectors/miner_address", h->miner_address);
    sha_str("vectors/commitment", h->commitment);
    h->difficulty_target = 100;
}

/* Every integer field at every width boundary, negative timestamps, and extra_data lengths/bytes. */
static void gen_header_edges(void)
{
    coinjecture_header h;
    char name[96], lbl[32];
    for (size_t k = 0; k < ARRAY_LEN(U64_EDGES); k++) {
        header_base(&h);
        h.block_index = U64_EDGES[k];
        snprintf(name, sizeof name, "header_block_index_%" PRIu64, U64_EDGES[k]);
        emit_header(name, &h, 1);
        header_base(&h);
        h.difficulty_target = U64_EDGES[k];
        snprintf(name, sizeof name, "header_difficulty_target_%" PRIu64, U64_EDGES[k]);
        emit_header(name, &h, 1);
        header_base(&h);
        h.nonce = U64_EDGES[k];
        snprintf(name, sizeof name, "header_nonce_%" PRIu64, U64_EDGES[k]);
        emit_header(name, &h, 1);
    }
    for (size_t k = 0; k < ARRAY_LEN(I64_EDGES); k++) {
        header_base(&h);
        h.timestamp = I64_EDGES[k];
        i64_label(I64_EDGES[k], lbl, sizeof lbl);
        snprintf(name, sizeof name, "header_timestamp_%s", lbl);
        emit_header(name, &h, 1);
    }
    static const uint8_t codecs[] = {0, 1, 127, 128, 255};
    for (size_t k = 0; k < ARRAY_LEN(codecs); k++) {
        header_base(&h);
        h.codec_version = codecs[k];
        snprintf(name, sizeof name, "header_codec_version_%u", (unsigned)codecs[k]);
        emit_header(name, &h, 1);
    }
    /* extra_data byte i = 0x7e + i: crosses the 0x7f/0x80 fixint boundary early. */
    static const uint32_t lens[] = {0, 1, 2, 3, 15, 16, 17, 31, 32, 127, 128, 129, 255, 256};
    for (size_t k = 0; k < ARRAY_LEN(lens); k++) {
        header_base(&h);
        h.extra_data_len = lens[k];
        for (uint32_t i = 0; i < lens[k]; i++) h.extra_data[i] = (uint8_t)(0x7e + i);
        snprintf(name, sizeof name, "header_extra_data_len_%u", (unsigned)lens[k]);
        emit_header(name, &h, 1);
    }
    header_base(&h);
    h.extra_data_len = 16;
    memset(h.extra_data, 0xff, 16);
    emit_header("header_extra_data_ff_16", &h, 1);
    header_base(&h);
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

/* ===================================================================================================
 * TRANSACTION and TX_RULES
 * =================================================================================================== */

/* A transaction as a JSON object (data shown as its first `shown` bytes; enums by wire name). */
static jv *tx_json(const coinjecture_tx *tx, size_t shown)
{
    jv *o = jobj();
    jput(o, "amount", ju64(tx->amount));
    jput(o, "codec_version", ju64(tx->codec_version));
    jput(o, "data", jhex(tx->data, shown));
    jput(o, "from", jhex(tx->from, 32));
    jput(o, "gas_limit", ju64(tx->gas_limit));
    jput(o, "gas_price", ju64(tx->gas_price));
    jput(o, "nonce", ju64(tx->nonce));
    jput(o, "signature", jhex(tx->signature, 64));
    jput(o, "timestamp", ji64(tx->timestamp));
    jput(o, "to", jhex(tx->to, 32));
    if (tx->tx_type < 1 || tx->tx_type > 3) die("bad tx_type in a vector");
    jput(o, "tx_type", jstr(TX_TYPE_NAME[tx->tx_type]));
    return o;
}

/* The base transaction of the hash vectors (arbitrary 32-byte keys: hashing does not check them). */
static void tx_base(coinjecture_tx *tx)
{
    memset(tx, 0, sizeof *tx);
    tx->codec_version = 1;
    tx->tx_type = COINJECTURE_TX_TRANSFER;
    sha_str("vectors/tx_from", tx->from);
    sha_str("vectors/tx_to", tx->to);
    tx->amount = 1000000;
    tx->nonce = 1;
    tx->gas_limit = 21000;
    tx->gas_price = 100;
    sha_str("vectors/tx_signature_r", tx->signature);
    sha_str("vectors/tx_signature_s", tx->signature + 32);
    tx->timestamp = 1704067200;
}

/* A TRANSACTION vector: encoding, signing message, hash; large data (> 4096 bytes) is shown as its
 * 64-byte period with data_size, and the encoding/message as their SHA-256. */
static void emit_tx(const char *name, const coinjecture_tx *tx, const char *signer_seed_hex, int sig_known)
{
    uint8_t hash[32];
    size_t elen, mlen;
    ok(coinjecture_tx_hash(tx, hash), "coinjecture_tx_hash");
    uint8_t *enc = encode_alloc(enc_tx, tx, &elen, "coinjecture_tx_encode");
    uint8_t *msg = encode_alloc(enc_signing, tx, &mlen, "coinjecture_tx_signing_message");
    if (mlen != COINJECTURE_TX_SIGNING_BASE + tx->data_len) die("%s: signing message length", name);
    int compact = tx->data_len > 4096;
    size_t shown = compact ? 64 : tx->data_len;
    for (size_t i = shown; i < tx->data_len; i++)
        if (tx->data[i] != tx->data[i % 64]) die("%s: data is not periodic", name);

    jv *v = vec_new("TRANSACTION", "%s", name);
    if (compact) {
        uint8_t h[32];
        jput(v, "data_size", ju64(tx->data_len));
        ok(coinjecture_sha256(enc, elen, h), "coinjecture_sha256");
        if (memcmp(h, hash, 32) != 0) die("%s: tx hash is not SHA-256 of the encoding", name);
        jput(v, "encoding_sha256", jhex(h, 32));
        ok(coinjecture_sha256(msg, mlen, h), "coinjecture_sha256");
        jput(v, "signing_message_sha256", jhex(h, 32));
    } else {
        put_encoding(v, "encoding_hex", enc, elen, hash);
        jput(v, "signing_message_hex", jhex(msg, mlen));
    }
    jput(v, "expected_hash", jhex(hash, 32));
    if (sig_known) {
        CoinjResult rc = coinjecture_tx_verify_signature(tx);
        if (rc != COINJ_OK && rc != COINJ_ERROR_VERIFICATION_FAILED) ok(rc, "coinjecture_tx_verify_signature");
        int libsodium_ok = crypto_sign_verify_detached(tx->signature, msg, mlen, tx->from) == 0;
        if (libsodium_ok != (rc == COINJ_OK)) die("%s: signature verdict differs from libsodium", name);
        jput(v, "signature_valid", jbool(rc == COINJ_OK));
    }
    if (signer_seed_hex) jput(v, "signer_seed", jstr(signer_seed_hex));
    jput(v, "tx", tx_json(tx, shown));
    free(enc);
    free(msg);
}

/* Signs tx with RFC 8032 key i (setting from) and emits it; tamper 1 changes the amount after
 * signing, tamper 2 flips a signature bit (both must then fail verification). */
static void emit_signed_tx(const char *name, coinjecture_tx *tx, size_t key, int tamper)
{
    uint8_t sk[64];
    rfc_key(key, sk, tx->from);
    ok(coinjecture_tx_sign(tx, sk), "coinjecture_tx_sign");
    sodium_memzero(sk, sizeof sk);
    if (tamper == 1) tx->amount += 1;
    if (tamper == 2) tx->signature[63] ^= 0x01;
    emit_tx(name, tx, tamper ? NULL : RFC8032_SEED[key], 1);
}

/* Transaction encodings at every boundary, plus RFC 8032-signed transactions. */
static void gen_tx(void)
{
    coinjecture_tx tx;
    char name[96], lbl[32];
    uint8_t *data = xmalloc(COINJECTURE_MAX_TX_DATA);
    for (size_t i = 0; i < COINJECTURE_MAX_TX_DATA; i++) data[i] = (uint8_t)(0x70 + 5 * (i % 64));

    /* Transaction::default() and the core.md 4.3 example. */
    memset(&tx, 0, sizeof tx);
    tx.codec_version = 1;
    tx.tx_type = COINJECTURE_TX_TRANSFER;
    tx.gas_limit = 21000;
    tx.gas_price = 1;
    emit_tx("tx_default", &tx, NULL, 0);
    memset(&tx, 0, sizeof tx);
    tx.codec_version = 1;
    tx.tx_type = COINJECTURE_TX_BOUNTY_PAYMENT;
    memset(tx.from, 0x11, 32);
    memset(tx.to, 0x22, 32);
    tx.amount = 1000000000000000000u;
    tx.nonce = 5;
    tx.gas_limit = 50000;
    tx.gas_price = 1000;
    memset(tx.signature, 0x33, 64);
    static const uint8_t three[] = {1, 2, 200};
    tx.data = three;
    tx.data_len = 3;
    tx.timestamp = -5;
    emit_tx("tx_bounty_payment_example", &tx, NULL, 0);

    for (uint8_t t = 1; t <= 3; t++) {
        tx_base(&tx);
        tx.tx_type = t;
        snprintf(name, sizeof name, "tx_type_%s", TX_TYPE_NAME[t]);
        emit_tx(name, &tx, NULL, 0);
    }
    static const uint64_t uedges[] = {127, 128, 255, 256, 65535, 65536, 4294967295u, 4294967296u,
                                      18446744073709551615u};
    for (size_t k = 0; k < ARRAY_LEN(uedges); k++) {
        static const char *const field[] = {"amount", "nonce", "gas_limit", "gas_price"};
        for (int f = 0; f < 4; f++) {
            tx_base(&tx);
            uint64_t *p = f == 0 ? &tx.amount : f == 1 ? &tx.nonce : f == 2 ? &tx.gas_limit : &tx.gas_price;
            *p = uedges[k];
            snprintf(name, sizeof name, "tx_%s_%" PRIu64, field[f], uedges[k]);
            emit_tx(name, &tx, NULL, 0);
        }
    }
    static const uint8_t codecs[] = {0, 255};
    for (size_t k = 0; k < ARRAY_LEN(codecs); k++) {
        tx_base(&tx);
        tx.codec_version = codecs[k];
        snprintf(name, sizeof name, "tx_codec_version_%u", (unsigned)codecs[k]);
        emit_tx(name, &tx, NULL, 0);
    }
    for (size_t k = 0; k < ARRAY_LEN(I64_EDGES); k++) {
        if (I64_EDGES[k] > 0 && I64_EDGES[k] != INT64_MAX) continue;
        tx_base(&tx);
        tx.timestamp = I64_EDGES[k];
        i64_label(I64_EDGES[k], lbl, sizeof lbl);
        snprintf(name, sizeof name, "tx_timestamp_%s", lbl);
        emit_tx(name, &tx, NULL, 0);
    }
    static const uint32_t dlens[] = {1, 15, 16, 17, 255, 256, 1000, 65535, 65536, COINJECTURE_MAX_TX_DATA};
    for (size_t k = 0; k < ARRAY_LEN(dlens); k++) {
        tx_base(&tx);
        tx.tx_type = COINJECTURE_TX_PROBLEM_SUBMISSION;
        tx.data = data;
        tx.data_len = dlens[k];
        snprintf(name, sizeof name, "tx_data_len_%u", (unsigned)dlens[k]);
        emit_tx(name, &tx, NULL, 0);
    }

    /* Signed with the RFC 8032 test keys; `to` is the next key's public key. */
    for (size_t key = 0; key < RFC_KEYS; key++) {
        tx_base(&tx);
        unhex(RFC8032_PUB[(key + 1) % RFC_KEYS], tx.to, 32);
        tx.nonce = key;
        snprintf(name, sizeof name, "tx_signed_%s_transfer", RFC8032_LABEL[key]);
        emit_signed_tx(name, &tx, key, 0);
    }
    tx_base(&tx);
    tx.tx_type = COINJECTURE_TX_PROBLEM_SUBMISSION;
    tx.gas_limit = 50000;
    tx.data = data;
    tx.data_len = 300;
    emit_signed_tx("tx_signed_test2_problem_submission_data_300", &tx, 1, 0);
    tx_base(&tx);
    tx.tx_type = COINJECTURE_TX_BOUNTY_PAYMENT;
    tx.gas_limit = 50000;
    tx.timestamp = -1704067200;
    tx.data = data;
    tx.data_len = 17;
    emit_signed_tx("tx_signed_test3_bounty_negative_timestamp", &tx, 2, 0);
    tx_base(&tx);
    tx.codec_version = 255;
    tx.amount = tx.nonce = tx.gas_limit = tx.gas_price = UINT64_MAX;
    tx.timestamp = INT64_MIN;
    emit_signed_tx("tx_signed_test1024_extremes", &tx, 3, 0);
    tx_base(&tx);
    tx.codec_version = 0;
    tx.data = data;
    tx.data_len = 65536;
    emit_signed_tx("tx_signed_sha_abc_data_65536", &tx, 4, 0);
    tx_base(&tx);
    emit_signed_tx("tx_signed_test1_tampered_amount", &tx, 0, 1);
    tx_base(&tx);
    emit_signed_tx("tx_signed_test2_tampered_signature", &tx, 1, 2);
    free(data);
}

/* A TX_RULES vector: verdict of every rule except the signature. */
static void emit_tx_rules(const char *name, const coinjecture_tx *tx, uint64_t balance, uint64_t nonce)
{
    coinjecture_account acct = {balance, nonce};
    coinjecture_tx_result res;
    memset(&res, 0, sizeof res);
    CoinjResult rc = coinjecture_tx_check_rules(tx, &acct, &res);
    if (rc != COINJ_OK && rc != COINJ_ERROR_VERIFICATION_FAILED) ok(rc, "coinjecture_tx_check_rules");
    if ((rc == COINJ_OK) != (res.status == COINJECTURE_TX_OK) || (unsigned)res.status >= ARRAY_LEN(TX_STATUS_NAME))
        die("%s: return code and status disagree", name);
    jv *v = vec_new("TX_RULES", "%s", name);
    jv *a = jobj();
    jput(a, "balance", ju64(balance));
    jput(a, "nonce", ju64(nonce));
    jput(v, "account", a);
    jput(v, "expected_status", jstr(TX_STATUS_NAME[res.status]));
    if (res.status == COINJECTURE_TX_OK) {
        jput(v, "expected_fee", ju64(res.fee));
        jput(v, "expected_gas_used", ju64(res.gas_used));
        jput(v, "expected_total_cost", ju64(res.total_cost));
    }
    jput(v, "tx", tx_json(tx, tx->data_len));
}

/* Nonce, fee, overflow, balance and gas rules, their boundaries and their order. */
static void gen_tx_rules(void)
{
    coinjecture_tx tx;
    const uint64_t M = UINT64_MAX;
#define RULE(name, setup, bal, non) \
    do { \
        tx_base(&tx); \
        tx.nonce = 7; \
        setup; \
        emit_tx_rules(name, &tx, bal, non); \
    } while (0)
    RULE("rules_ok_core_example", (void)0, 3100000, 7);
    RULE("rules_insufficient_balance_by_one", (void)0, 3099999, 7);
    RULE("rules_bad_nonce_low", (void)0, 3100000, 8);
    RULE("rules_bad_nonce_high", (void)0, 3100000, 6);
    RULE("rules_amount_zero", tx.amount = 0, 2100000, 7);
    RULE("rules_fee_zero_price", tx.gas_price = 0, M, 7);
    RULE("rules_fee_999", (tx.gas_limit = 999, tx.gas_price = 1), M, 7);
    RULE("rules_fee_1000_then_gas_too_low", (tx.gas_limit = 1000, tx.gas_price = 1, tx.amount = 0), M, 7);
    RULE("rules_fee_min_from_amount_fail", (tx.amount = 210010000, tx.gas_limit = 21000, tx.gas_price = 1), M, 7);
    RULE("rules_fee_min_from_amount_exact", (tx.amount = 210009999, tx.gas_limit = 21000, tx.gas_price = 1), M, 7);
    RULE("rules_fee_too_low_max_amount", (tx.amount = M, tx.gas_limit = 21000, tx.gas_price = 1), M, 7);
    RULE("rules_gas_product_overflow", (tx.gas_limit = 4294967296u, tx.gas_price = 4294967296u), M, 7);
    RULE("rules_gas_product_exactly_max", (tx.amount = 0, tx.gas_limit = 4294967295u, tx.gas_price = 4294967297u), M, 7);
    RULE("rules_total_overflow", (tx.amount = M - 4611686018427387903u, tx.gas_limit = 4294967296u, tx.gas_price = 1073741824u), M, 7);
    RULE("rules_total_exactly_max", (tx.amount = M - 4611686018427387904u, tx.gas_limit = 4294967296u, tx.gas_price = 1073741824u), M, 7);
    RULE("rules_transfer_gas_20999", (tx.gas_limit = 20999, tx.gas_price = 100), M, 7);
    RULE("rules_transfer_gas_21000", (tx.gas_limit = 21000, tx.gas_price = 100), M, 7);
    RULE("rules_problem_submission_gas_49999", (tx.tx_type = COINJECTURE_TX_PROBLEM_SUBMISSION, tx.gas_limit = 49999), M, 7);
    RULE("rules_problem_submission_gas_50000", (tx.tx_type = COINJECTURE_TX_PROBLEM_SUBMISSION, tx.gas_limit = 50000), M, 7);
    RULE("rules_bounty_payment_gas_49999", (tx.tx_type = COINJECTURE_TX_BOUNTY_PAYMENT, tx.gas_limit = 49999), M, 7);
    RULE("rules_bounty_payment_gas_50000", (tx.tx_type = COINJECTURE_TX_BOUNTY_PAYMENT, tx.gas_limit = 50000), M, 7);
    RULE("rules_order_nonce_before_fee", tx.gas_price = 0, M, 8);
    RULE("rules_order_fee_before_balance", tx.gas_price = 0, 0, 7);
    RULE("rules_order_balance_before_gas", tx.gas_limit = 20000, 0, 7);
    RULE("rules_order_overflow_before_balance", (tx.gas_limit = M, tx.gas_price = 2), 0, 7);
    RULE("rules_nonce_max", (tx.nonce = M), M, M);
#undef RULE
}

/* ===================================================================================================
 * ADDRESS, EPOCH_SALT, MINER_SALT, COMMITMENT, COMMITMENT_HASH
 * =================================================================================================== */

/* An ADDRESS vector: SHA-256 of a public key. */
static void emit_address(const char *name, const uint8_t pk[32])
{
    uint8_t a[32];
    ok(coinjecture_derive_address(pk, a), "coinjecture_derive_address");
    jv *v = vec_new("ADDRESS", "%s", name);
    jput(v, "expected_address", jhex(a, 32));
    jput(v, "public_key", jhex(pk, 32));
}

/* Addresses of the RFC 8032 keys and of a few fixed 32-byte values. */
static void gen_address(void)
{
    uint8_t pk[32], sk[64];
    char name[64];
    for (size_t i = 0; i < RFC_KEYS; i++) {
        rfc_key(i, sk, pk);
        snprintf(name, sizeof name, "address_rfc8032_%s", RFC8032_LABEL[i]);
        emit_address(name, pk);
    }
    sodium_memzero(sk, sizeof sk);
    memset(pk, 0, 32);
    emit_address("address_zeros", pk);
    memset(pk, 0xff, 32);
    emit_address("address_ones", pk);
    sha_str("validator1_pubkey", pk);
    emit_address("address_validator1_pubkey", pk);
}

/* An EPOCH_SALT vector. */
static void emit_epoch_salt(const char *name, const uint8_t parent[32], uint64_t index)
{
    uint8_t s[32];
    ok(coinjecture_epoch_salt(parent, index, s), "coinjecture_epoch_salt");
    jv *v = vec_new("EPOCH_SALT", "%s", name);
    jput(v, "block_index", ju64(index));
    jput(v, "expected_salt", jhex(s, 32));
    jput(v, "parent_hash", jhex(parent, 32));
}

/* A MINER_SALT vector. */
static void emit_miner_salt(const char *name, const uint8_t seed[32], const uint8_t es[32],
                            const uint8_t parent[32], uint64_t index)
{
    uint8_t s[32];
    ok(coinjecture_miner_salt(seed, es, parent, index, s), "coinjecture_miner_salt");
    jv *v = vec_new("MINER_SALT", "%s", name);
    jput(v, "block_index", ju64(index));
    jput(v, "epoch_salt", jhex(es, 32));
    jput(v, "expected_salt", jhex(s, 32));
    jput(v, "parent_hash", jhex(parent, 32));
    jput(v, "seed", jhex(seed, 32));
}

/* Epoch and miner salts (core.md 5.4 examples, extremes, RFC 8032 seeds). */
static void gen_salts(void)
{
    uint8_t p[32], es[32], seed[32], genesis[32];
    unhex("9e28bebb26c909a59795061a5e1f71abfe29874a4e8e7afedfba453cf87285dc", genesis, 32);
    memset(p, 0x42, 32);
    emit_epoch_salt("epoch_salt_core_example", p, 0x0102030405060708u);
    memset(p, 0, 32);
    emit_epoch_salt("epoch_salt_zeros_0", p, 0);
    emit_epoch_salt("epoch_salt_genesis_1", genesis, 1);
    memset(p, 0xff, 32);
    emit_epoch_salt("epoch_salt_ones_max", p, UINT64_MAX);
    sha_str("vectors/parent_hash", p);
    emit_epoch_salt("epoch_salt_index_255", p, 255);
    emit_epoch_salt("epoch_salt_index_4294967296", p, 4294967296u);

    memset(seed, 1, 32);
    memset(es, 2, 32);
    memset(p, 3, 32);
    emit_miner_salt("miner_salt_core_example", seed, es, p, 100);
    unhex(RFC8032_SEED[0], seed, 32);
    ok(coinjecture_epoch_salt(genesis, 1, es), "coinjecture_epoch_salt");
    emit_miner_salt("miner_salt_test1_genesis_1", seed, es, genesis, 1);
    unhex(RFC8032_SEED[1], seed, 32);
    memset(p, 0, 32);
    ok(coinjecture_epoch_salt(p, 0, es), "coinjecture_epoch_salt");
    emit_miner_salt("miner_salt_test2_zero_parent", seed, es, p, 0);
    unhex(RFC8032_SEED[2], seed, 32);
    memset(p, 0xff, 32);
    memset(es, 0xee, 32);
    emit_miner_salt("miner_salt_test3_index_max", seed, es, p, UINT64_MAX);
    memset(seed, 0, 32);
    memset(es, 0, 32);
    memset(p, 0, 32);
    emit_miner_salt("miner_salt_all_zero", seed, es, p, 0);
}

/* A problem as a JSON object (enums by wire name). */
static jv *problem_json(const coinjecture_problem *p)
{
    jv *o = jobj();
    jv *e = jarr();
    for (uint32_t i = 0; i < p->elements_len; i++) jpush(e, ji64(p->elements[i]));
    jput(o, "elements", e);
    jput(o, "problem_type", jstr(PROBLEM_TYPE_NAME[p->problem_type]));
    jput(o, "target", ji64(p->target));
    jput(o, "tier", jstr(TIER_NAME[p->tier]));
    jput(o, "timestamp", ji64(p->timestamp));
    return o;
}

/* A solution as a JSON object. */
static jv *solution_json(const coinjecture_solution *s)
{
    jv *o = jobj();
    jv *a = jarr();
    for (uint32_t i = 0; i < s->indices_len; i++) jpush(a, ju64(s->indices[i]));
    jput(o, "indices", a);
    jput(o, "timestamp", ji64(s->timestamp));
    return o;
}

/* Fills a problem from a list of elements. */
static void problem_set(coinjecture_problem *p, uint8_t type, uint8_t tier, const int64_t *el, uint32_t n,
                        int64_t target, int64_t ts)
{
    memset(p, 0, sizeof *p);
    p->problem_type = type;
    p->tier = tier;
    p->elements_len = n;
    if (n) memcpy(p->elements, el, n * sizeof *el);
    p->target = target;
    p->timestamp = ts;
}

/* Fills a solution from a list of indices. */
static void solution_set(coinjecture_solution *s, const uint32_t *idx, uint32_t k, int64_t ts)
{
    memset(s, 0, sizeof *s);
    s->indices_len = k;
    if (k) memcpy(s->indices, idx, k * sizeof *idx);
    s->timestamp = ts;
}

/* The core.md 4.3 example problem and solution. */
static void core_problem(coinjecture_problem *p, coinjecture_solution *s)
{
    static const int64_t el[] = {1, -2, 300, -40000, 5000000000, -5000000000, 0, 127, 128, -32, -33, 255};
    static const uint32_t idx[] = {0, 2, 4, 70000};
    problem_set(p, COINJECTURE_PROBLEM_SUBSET_SUM, COINJECTURE_TIER_DESKTOP, el, 12, 9, 1000);
    solution_set(s, idx, 4, 1001);
}

/* The commitment as a JSON object. */
static jv *commitment_json(const coinjecture_commitment *c)
{
    jv *o = jobj();
    jput(o, "epoch_salt", jhex(c->epoch_salt, 32));
    jput(o, "miner_salt", jhex(c->miner_salt, 32));
    jput(o, "problem_hash", jhex(c->problem_hash, 32));
    jput(o, "solution_hash", jhex(c->solution_hash, 32));
    return o;
}

/* A COMMITMENT vector: commitment_create from its inputs, the 128-byte commitment hash, and the
 * MessagePack encoding of the Commitment struct. */
static void emit_commitment(const char *name, const coinjecture_problem *p, const coinjecture_solution *s,
                            const uint8_t ms[32], const uint8_t parent[32], uint64_t index)
{
    coinjecture_commitment c;
    uint8_t h[32], ph[32], sh[32];
    size_t len;
    ok(coinjecture_commitment_create(p, s, ms, parent, index, &c), "coinjecture_commitment_create");
    ok(coinjecture_commitment_hash(&c, h), "coinjecture_commitment_hash");
    ok(coinjecture_problem_hash(p, ph), "coinjecture_problem_hash");
    ok(coinjecture_solution_hash(s, sh), "coinjecture_solution_hash");
    if (memcmp(ph, c.problem_hash, 32) || memcmp(sh, c.solution_hash, 32) || memcmp(ms, c.miner_salt, 32))
        die("%s: commitment fields disagree with their sources", name);
    uint8_t *enc = encode_alloc(enc_commitment, &c, &len, "coinjecture_commitment_encode");
    jv *v = vec_new("COMMITMENT", "%s", name);
    jput(v, "block_index", ju64(index));
    put_encoding(v, "encoding_hex", enc, len, NULL);
    jput(v, "expected_commitment_hash", jhex(h, 32));
    jput(v, "expected_epoch_salt", jhex(c.epoch_salt, 32));
    jput(v, "expected_problem_hash", jhex(c.problem_hash, 32));
    jput(v, "expected_solution_hash", jhex(c.solution_hash, 32));
    jput(v, "miner_salt", jhex(ms, 32));
    jput(v, "parent_hash", jhex(parent, 32));
    jput(v, "problem", problem_json(p));
    jput(v, "solution", solution_json(s));
    free(enc);
}

/* A COMMITMENT_HASH vector: the raw 128-byte hash of a given commitment, and its encoding. */
static void emit_commitment_hash(const char *name, const coinjecture_commitment *c)
{
    uint8_t h[32];
    size_t len;
    ok(coinjecture_commitment_hash(c, h), "coinjecture_commitment_hash");
    uint8_t *enc = encode_alloc(enc_commitment, c, &len, "coinjecture_commitment_encode");
    jv *v = vec_new("COMMITMENT_HASH", "%s", name);
    jput(v, "commitment", commitment_json(c));
    put_encoding(v, "encoding_hex", enc, len, NULL);
    jput(v, "expected_hash", jhex(h, 32));
    free(enc);
}

/* Commitments built from problems/solutions, and raw commitment hashes (core.md 5.5 (a)). */
static void gen_commitment(void)
{
    coinjecture_problem p;
    coinjecture_solution s;
    coinjecture_commitment c;
    uint8_t ms[32], parent[32], seed[32], es[32];
    core_problem(&p, &s);
    unhex("9e28bebb26c909a59795061a5e1f71abfe29874a4e8e7afedfba453cf87285dc", parent, 32);
    unhex(RFC8032_SEED[0], seed, 32);
    ok(coinjecture_epoch_salt(parent, 1, es), "coinjecture_epoch_salt");
    ok(coinjecture_miner_salt(seed, es, parent, 1, ms), "coinjecture_miner_salt");
    emit_commitment("commitment_core_problem_genesis_1", &p, &s, ms, parent, 1);

    static const int64_t mob[] = {3, 34, 4, 12, 5, 2, 27, 9};
    static const uint32_t mi[] = {2, 4};
    problem_set(&p, COINJECTURE_PROBLEM_SUBSET_SUM, COINJECTURE_TIER_MOBILE, mob, 8, 9, 1704067200);
    solution_set(&s, mi, 2, 1704067201);
    memset(ms, 4, 32);
    memset(parent, 0xff, 32);
    emit_commitment("commitment_mobile_index_max", &p, &s, ms, parent, UINT64_MAX);

    int64_t big[32];
    for (int i = 0; i < 32; i++) big[i] = (i % 2 ? -1 : 1) * ((int64_t)1 << (2 * i % 63));
    problem_set(&p, COINJECTURE_PROBLEM_SUBSET_SUM, COINJECTURE_TIER_CLUSTER, big, 32, 0, -1);
    solution_set(&s, NULL, 0, INT64_MIN);
    memset(ms, 0, 32);
    memset(parent, 0, 32);
    emit_commitment("commitment_cluster_empty_solution", &p, &s, ms, parent, 0);

    memset(c.epoch_salt, 1, 32);
    memset(c.problem_hash, 2, 32);
    memset(c.solution_hash, 3, 32);
    memset(c.miner_salt, 4, 32);
    emit_commitment_hash("commitment_hash_core_example", &c);
    memset(&c, 0, sizeof c);
    emit_commitment_hash("commitment_hash_zeros", &c);
    memset(&c, 0xff, sizeof c);
    emit_commitment_hash("commitment_hash_ones", &c);
}

/* ===================================================================================================
 * PROBLEM, SOLUTION, REVEAL, BLOCK
 * =================================================================================================== */

/* A PROBLEM vector: encoding and hash. */
static void emit_problem(const char *name, const coinjecture_problem *p)
{
    uint8_t h[32];
    size_t len;
    ok(coinjecture_problem_hash(p, h), "coinjecture_problem_hash");
    uint8_t *enc = encode_alloc(enc_problem, p, &len, "coinjecture_problem_encode");
    jv *v = vec_new("PROBLEM", "%s", name);
    put_encoding(v, "encoding_hex", enc, len, h);
    jput(v, "expected_hash", jhex(h, 32));
    jput(v, "problem", problem_json(p));
    free(enc);
}

/* A SOLUTION vector: encoding and hash. */
static void emit_solution(const char *name, const coinjecture_solution *s)
{
    uint8_t h[32];
    size_t len;
    ok(coinjecture_solution_hash(s, h), "coinjecture_solution_hash");
    uint8_t *enc = encode_alloc(enc_solution, s, &len, "coinjecture_solution_encode");
    jv *v = vec_new("SOLUTION", "%s", name);
    put_encoding(v, "encoding_hex", enc, len, h);
    jput(v, "expected_hash", jhex(h, 32));
    jput(v, "solution", solution_json(s));
    free(enc);
}

/* A reveal as a JSON object. */
static jv *reveal_json(const coinjecture_reveal *r)
{
    jv *o = jobj();
    jput(o, "miner_salt", jhex(r->miner_salt, 32));
    jput(o, "nonce", ju64(r->nonce));
    jput(o, "problem", problem_json(&r->problem));
    jput(o, "solution", solution_json(&r->solution));
    return o;
}

/* A REVEAL vector: the encoding (the original defines no reveal hash). */
static void emit_reveal(const char *name, const coinjecture_reveal *r)
{
    size_t len;
    uint8_t *enc = encode_alloc(enc_reveal, r, &len, "coinjecture_reveal_encode");
    jv *v = vec_new("REVEAL", "%s", name);
    put_encoding(v, "encoding_hex", enc, len, NULL);
    jput(v, "reveal", reveal_json(r));
    free(enc);
}

/* A BLOCK vector: encoding, block id (header hash) and Merkle root of the transactions. */
static void emit_block(const char *name, const coinjecture_block *b)
{
    uint8_t h[32], root[32];
    size_t len;
    ok(coinjecture_header_hash(&b->header, h), "coinjecture_header_hash");
    ok(coinjecture_block_merkle_root(b, root), "coinjecture_block_merkle_root");
    uint8_t *enc = encode_alloc(enc_block, b, &len, "coinjecture_block_encode");
    uint8_t *enc2 = NULL;
    size_t len2 = 0;
    ok(coinjecture_block_encode_alloc(b, &enc2, &len2), "coinjecture_block_encode_alloc");
    if (len2 != len || memcmp(enc, enc2, len) != 0) die("%s: block_encode_alloc differs", name);
    coinjecture_buffer_free(enc2);
    jv *v = vec_new("BLOCK", "%s", name);
    jv *o = jobj();
    jput(o, "cid", b->cid ? jstr(b->cid) : jnull());
    jput(o, "header", header_json(&b->header));
    jput(o, "reveal", reveal_json(&b->reveal));
    jv *txs = jarr();
    for (uint32_t i = 0; i < b->tx_count; i++) jpush(txs, tx_json(&b->transactions[i], b->transactions[i].data_len));
    jput(o, "transactions", txs);
    jput(v, "block", o);
    put_encoding(v, "encoding_hex", enc, len, NULL);
    jput(v, "expected_hash", jhex(h, 32));
    jput(v, "expected_merkle_root", jhex(root, 32));
    free(enc);
}

/* Problem/solution encodings (tiers, types, array and integer widths), reveals and whole blocks. */
static void gen_objects(void)
{
    coinjecture_problem p;
    coinjecture_solution s;
    char name[96];
    int64_t el[32];
    uint32_t idx[32];
    core_problem(&p, &s);
    emit_problem("problem_core_example", &p);
    emit_solution("solution_core_example", &s);

    for (uint8_t t = 1; t <= 5; t++) {
        uint32_t lo, hi;
        ok(coinjecture_tier_elements(t, &lo, &hi), "coinjecture_tier_elements");
        for (uint32_t i = 0; i < lo; i++) el[i] = (int64_t)i * 1000 - 7;
        problem_set(&p, COINJECTURE_PROBLEM_SUBSET_SUM, t, el, lo, 42, 1704067200);
        snprintf(name, sizeof name, "problem_tier_%s", TIER_NAME[t]);
        emit_problem(name, &p);
    }
    for (uint8_t t = 2; t <= 7; t++) {
        for (uint32_t i = 0; i < 8; i++) el[i] = (int64_t)i;
        problem_set(&p, t, COINJECTURE_TIER_MOBILE, el, 8, 3, 0);
        snprintf(name, sizeof name, "problem_type_%s", PROBLEM_TYPE_NAME[t]);
        emit_problem(name, &p);
    }
    static const uint32_t counts[] = {0, 15, 16, 32};
    for (size_t k = 0; k < ARRAY_LEN(counts); k++) {
        for (uint32_t i = 0; i < counts[k]; i++) el[i] = I64_EDGES[i % ARRAY_LEN(I64_EDGES)];
        problem_set(&p, COINJECTURE_PROBLEM_SUBSET_SUM, COINJECTURE_TIER_CLUSTER, el, counts[k], INT64_MIN, INT64_MAX);
        snprintf(name, sizeof name, "problem_elements_%u", (unsigned)counts[k]);
        emit_problem(name, &p);
    }

    static const uint32_t icounts[] = {0, 1, 15, 16, 32};
    for (size_t k = 0; k < ARRAY_LEN(icounts); k++) {
        for (uint32_t i = 0; i < icounts[k]; i++) idx[i] = (uint32_t)U64_EDGES[i % 10] + i;
        solution_set(&s, idx, icounts[k], -(int64_t)k * 1000);
        snprintf(name, sizeof name, "solution_indices_%u", (unsigned)icounts[k]);
        emit_solution(name, &s);
    }
    idx[0] = UINT32_MAX;
    idx[1] = 0;
    solution_set(&s, idx, 2, INT64_MIN);
    emit_solution("solution_index_u32_max", &s);

    coinjecture_reveal r;
    memset(&r, 0, sizeof r);
    core_problem(&r.problem, &r.solution);
    memset(r.miner_salt, 0x5c, 32);
    r.nonce = 1337;
    emit_reveal("reveal_core_example", &r);
    static const int64_t mob[] = {3, 34, 4, 12, 5, 2, 27, 9};
    static const uint32_t mi[] = {2, 4};
    problem_set(&r.problem, COINJECTURE_PROBLEM_SUBSET_SUM, COINJECTURE_TIER_MOBILE, mob, 8, 9, -1);
    solution_set(&r.solution, mi, 2, -2);
    memset(r.miner_salt, 0xff, 32);
    r.nonce = UINT64_MAX;
    emit_reveal("reveal_mobile_nonce_max", &r);

    /* Blocks: empty with no cid; two transactions with a cid; 16 transactions (array16 header). */
    coinjecture_block b;
    coinjecture_tx txs[16];
    static const uint8_t d3[] = {0x00, 0x7f, 0x80};
    memset(&b, 0, sizeof b);
    header_base(&b.header);
    b.reveal = r;
    ok(coinjecture_block_merkle_root(&b, b.header.merkle_root), "coinjecture_block_merkle_root");
    emit_block("block_empty_no_cid", &b);
    for (int i = 0; i < 16; i++) {
        tx_base(&txs[i]);
        txs[i].nonce = (uint64_t)i;
        txs[i].data = d3;
        txs[i].data_len = (uint32_t)(i % 4);
    }
    b.transactions = txs;
    b.tx_count = 2;
    ok(coinjecture_block_merkle_root(&b, b.header.merkle_root), "coinjecture_block_merkle_root");
    char cid[] = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG";
    b.cid = cid;
    b.header.block_index = 2;
    emit_block("block_two_txs_cid", &b);
    b.tx_count = 16;
    char cid_long[300];
    memset(cid_long, 'z', 256);
    cid_long[256] = '\0';
    b.cid = cid_long;
    b.header.block_index = 3;
    b.header.timestamp = -1;
    ok(coinjecture_block_merkle_root(&b, b.header.merkle_root), "coinjecture_block_merkle_root");
    emit_block("block_sixteen_txs_cid_256", &b);
}

/* ===================================================================================================
 * ESCROW_ID, ESCROW_CREATION, ESCROW_RELEASE, ESCROW_REFUND
 * =================================================================================================== */

/* An ESCROW_ID vector. */
static void emit_escrow_id(const char *name, const uint8_t sub[32], const uint8_t ph[32], uint64_t created)
{
    uint8_t id[32];
    ok(coinjecture_compute_escrow_id(sub, ph, created, id), "coinjecture_compute_escrow_id");
    jv *v = vec_new("ESCROW_ID", "%s", name);
    jput(v, "created_block", ju64(created));
    jput(v, "expected_id", jhex(id, 32));
    jput(v, "problem_hash", jhex(ph, 32));
    jput(v, "submitter", jhex(sub, 32));
}

/* Maps an escrow rule's result to a verdict (COINJ_ERROR_INVALID_INPUT means "not allowed"). */
static int escrow_verdict(CoinjResult rc, const char *what)
{
    if (rc != COINJ_OK && rc != COINJ_ERROR_INVALID_INPUT) ok(rc, what);
    return rc == COINJ_OK;
}

/* An ESCROW_CREATION vector. */
static void emit_escrow_creation(const char *name, uint64_t amount, uint64_t created, uint64_t expiry)
{
    int valid = escrow_verdict(coinjecture_validate_escrow_creation(amount, created, expiry),
                               "coinjecture_validate_escrow_creation");
    jv *v = vec_new("ESCROW_CREATION", "%s", name);
    jput(v, "amount", ju64(amount));
    jput(v, "created_block", ju64(created));
    jput(v, "expected_valid", jbool(valid));
    jput(v, "expiry_block", ju64(expiry));
}

/* An escrow as a JSON object (Option fields null when absent). */
static jv *escrow_json(const coinjecture_escrow *e)
{
    jv *o = jobj();
    jput(o, "amount", ju64(e->amount));
    jput(o, "created_block", ju64(e->created_block));
    jput(o, "expiry_block", ju64(e->expiry_block));
    jput(o, "id", jhex(e->id, 32));
    jput(o, "problem_hash", jhex(e->problem_hash, 32));
    jput(o, "recipient", e->has_recipient ? jhex(e->recipient, 32) : jnull());
    jput(o, "settled_block", e->has_settled_block ? ju64(e->settled_block) : jnull());
    jput(o, "settlement_tx", e->has_settlement_tx ? jhex(e->settlement_tx, 32) : jnull());
    jput(o, "state", jstr(ESCROW_STATE_NAME[e->state]));
    jput(o, "submitter", jhex(e->submitter, 32));
    return o;
}

/* An ESCROW_RELEASE vector. */
static void emit_escrow_release(const char *name, const coinjecture_escrow *e, const uint8_t recipient[32])
{
    int valid = escrow_verdict(coinjecture_escrow_check_release(e, recipient), "coinjecture_escrow_check_release");
    jv *v = vec_new("ESCROW_RELEASE", "%s", name);
    jput(v, "escrow", escrow_json(e));
    jput(v, "expected_valid", jbool(valid));
    jput(v, "recipient", jhex(recipient, 32));
}

/* An ESCROW_REFUND vector. */
static void emit_escrow_refund(const char *name, const coinjecture_escrow *e, uint64_t current)
{
    int valid = escrow_verdict(coinjecture_escrow_check_refund(e, current), "coinjecture_escrow_check_refund");
    jv *v = vec_new("ESCROW_REFUND", "%s", name);
    jput(v, "current_block", ju64(current));
    jput(v, "escrow", escrow_json(e));
    jput(v, "expected_valid", jbool(valid));
}

/* A locked escrow (submitter RFC 8032 TEST 1, created 100, expiry 1100). */
static void escrow_base(coinjecture_escrow *e)
{
    memset(e, 0, sizeof *e);
    unhex(RFC8032_PUB[0], e->submitter, 32);
    e->amount = 5000;
    sha_str("vectors/escrow_problem", e->problem_hash);
    e->created_block = 100;
    e->expiry_block = 1100;
    ok(coinjecture_compute_escrow_id(e->submitter, e->problem_hash, e->created_block, e->id),
       "coinjecture_compute_escrow_id");
    e->state = COINJECTURE_ESCROW_LOCKED;
}

/* Escrow ids, and the creation/release/refund rules at their boundaries (core.md 8). */
static void gen_escrow(void)
{
    uint8_t a[32], b[32], rcpt[32];
    const uint64_t M = UINT64_MAX;
    memset(a, 1, 32);
    memset(b, 2, 32);
    emit_escrow_id("escrow_id_core_example", a, b, 1000);
    memset(a, 0, 32);
    memset(b, 0, 32);
    emit_escrow_id("escrow_id_zeros", a, b, 0);
    memset(a, 0xff, 32);
    memset(b, 0xff, 32);
    emit_escrow_id("escrow_id_ones_max", a, b, M);
    unhex(RFC8032_PUB[0], a, 32);
    sha_str("vectors/escrow_problem", b);
    emit_escrow_id("escrow_id_test1_4294967296", a, b, 4294967296u);

    emit_escrow_creation("escrow_create_min_ok", 1000, 10, 110);
    emit_escrow_creation("escrow_create_amount_999", 999, 10, 110);
    emit_escrow_creation("escrow_create_duration_99", 1000, 10, 109);
    emit_escrow_creation("escrow_create_duration_100000", 1000, 10, 100010);
    emit_escrow_creation("escrow_create_duration_100001", 1000, 10, 100011);
    emit_escrow_creation("escrow_create_expiry_equal", 1000, 10, 10);
    emit_escrow_creation("escrow_create_expiry_before", 1000, 10, 9);
    emit_escrow_creation("escrow_create_from_block_0", 1000, 0, 100);
    emit_escrow_creation("escrow_create_at_u64_end", M, M - 100, M);
    emit_escrow_creation("escrow_create_at_u64_end_99", 1000, M - 99, M);
    emit_escrow_creation("escrow_create_all_zero", 0, 0, 0);
    emit_escrow_creation("escrow_create_wrapped_expiry", 1000, M, 99);

    coinjecture_escrow e;
    escrow_base(&e);
    unhex(RFC8032_PUB[1], rcpt, 32);
    emit_escrow_release("escrow_release_locked_ok", &e, rcpt);
    memset(rcpt, 0, 32);
    emit_escrow_release("escrow_release_zero_recipient", &e, rcpt);
    rcpt[31] = 1;
    emit_escrow_release("escrow_release_recipient_one", &e, rcpt);
    e.state = COINJECTURE_ESCROW_RELEASED;
    e.has_recipient = 1;
    unhex(RFC8032_PUB[1], e.recipient, 32);
    e.has_settled_block = 1;
    e.settled_block = 500;
    e.has_settlement_tx = 1;
    sha_str("vectors/settlement_tx", e.settlement_tx);
    unhex(RFC8032_PUB[1], rcpt, 32);
    emit_escrow_release("escrow_release_already_released", &e, rcpt);
    e.state = COINJECTURE_ESCROW_REFUNDED;
    e.has_recipient = 0;
    memset(e.recipient, 0, 32);
    emit_escrow_release("escrow_release_already_refunded", &e, rcpt);

    escrow_base(&e);
    emit_escrow_refund("escrow_refund_before_expiry", &e, 1099);
    emit_escrow_refund("escrow_refund_at_expiry", &e, 1100);
    emit_escrow_refund("escrow_refund_after_expiry", &e, 1101);
    emit_escrow_refund("escrow_refund_block_max", &e, M);
    emit_escrow_refund("escrow_refund_block_0", &e, 0);
    e.state = COINJECTURE_ESCROW_RELEASED;
    emit_escrow_refund("escrow_refund_released", &e, 2000);
    e.state = COINJECTURE_ESCROW_REFUNDED;
    emit_escrow_refund("escrow_refund_refunded", &e, 2000);
}

/* ===================================================================================================
 * SUBSET_SUM and TIER
 * =================================================================================================== */

/* A SUBSET_SUM vector; also checks the original ABI's verdict where its 32-bit budget can carry it. */
static void emit_ss(const char *name, const coinjecture_problem *p, const coinjecture_solution *s,
                    const coinjecture_budget *bud)
{
    coinjecture_ss_status st = COINJECTURE_SS_OK;
    CoinjResult rc = coinjecture_subset_sum_verify(p, s, bud, &st);
    if (rc != COINJ_OK && rc != COINJ_ERROR_VERIFICATION_FAILED) ok(rc, "coinjecture_subset_sum_verify");
    if ((rc == COINJ_OK) != (st == COINJECTURE_SS_OK) || (unsigned)st >= ARRAY_LEN(SS_STATUS_NAME))
        die("%s: return code and status disagree", name);
    if (p->problem_type == COINJECTURE_PROBLEM_SUBSET_SUM && bud->max_ops <= UINT32_MAX &&
        bud->max_duration_ms <= UINT32_MAX && bud->max_memory_bytes <= UINT32_MAX) {
        SubsetSumProblemFFI fp = {0, (uint32_t)p->tier - 1, p->elements, p->elements_len, p->target, p->timestamp};
        uint32_t dummy = 0;
        SubsetSumSolutionFFI fs = {s->indices_len ? s->indices : &dummy, s->indices_len, s->timestamp};
        VerifyBudgetFFI fb = {(uint32_t)bud->max_ops, (uint32_t)bud->max_duration_ms, (uint32_t)bud->max_memory_bytes};
        int32_t valid = -1;
        CoinjResult rc2 = coinjecture_verify_subset_sum(&fp, &fs, &fb, &valid);
        if ((rc2 == COINJ_OK) != (rc == COINJ_OK)) die("%s: original ABI verdict differs", name);
    }
    jv *v = vec_new("SUBSET_SUM", "%s", name);
    jv *b = jobj();
    jput(b, "max_duration_ms", ju64(bud->max_duration_ms));
    jput(b, "max_memory_bytes", ju64(bud->max_memory_bytes));
    jput(b, "max_ops", ju64(bud->max_ops));
    jput(v, "budget", b);
    jput(v, "expected_status", jstr(SS_STATUS_NAME[st]));
    jput(v, "expected_valid", jbool(st == COINJECTURE_SS_OK));
    jput(v, "problem", problem_json(p));
    jput(v, "solution", solution_json(s));
}

/* Builds a problem + solution + (tier or custom) budget and emits a SUBSET_SUM vector. */
static void ss_case(const char *name, uint8_t type, uint8_t tier, const int64_t *el, uint32_t n, int64_t target,
                    const uint32_t *idx, uint32_t k, uint64_t max_ops, uint64_t max_mem)
{
    coinjecture_problem p;
    coinjecture_solution s;
    coinjecture_budget bud;
    problem_set(&p, type, tier, el, n, target, 1704067200);
    solution_set(&s, idx, k, 1704067201);
    ok(coinjecture_tier_budget(tier, &bud), "coinjecture_tier_budget");
    if (max_ops != UINT64_MAX) bud.max_ops = max_ops;
    if (max_mem != UINT64_MAX) bud.max_memory_bytes = max_mem;
    emit_ss(name, &p, &s, &bud);
}

/* Every subset-sum rule, its boundary and the order in which rules fire (core.md 6). */
static void gen_subset_sum(void)
{
    const uint64_t D = UINT64_MAX; /* "tier default" */
    const uint8_t SS = COINJECTURE_PROBLEM_SUBSET_SUM, MOB = COINJECTURE_TIER_MOBILE;
    static const int64_t m8[] = {3, 34, 4, 12, 5, 2, 27, 9, 1, 1, 1, 1, 1};
    static const uint32_t i24[] = {2, 4}, i11[] = {1, 1}, i_all9[] = {0, 1, 2, 3, 4, 5, 6, 7, 0};
    static const uint32_t dup_range[] = {99, 0, 0}, range_n[] = {8}, range_max[] = {UINT32_MAX}, i80[] = {8, 0};
    static const uint32_t i012[] = {0, 1, 2}, i021[] = {0, 2, 1}, i01[] = {0, 1};
    static const int64_t ovf[] = {INT64_MAX, 1, -1, 0, 0, 0, 0, 0};
    static const int64_t novf[] = {INT64_MIN, -1, 0, 0, 0, 0, 0, 0};
    static const int64_t ext[] = {INT64_MIN, INT64_MAX, 0, 0, 0, 0, 0, 0};
    static const int64_t neg[] = {-5, -10, 20, 7, -3, 0, 1, 2};
    static const uint32_t ineg[] = {0, 1, 4};
    int64_t big[32];
    uint32_t all[32];
    int64_t sum = 0;
    for (uint32_t i = 0; i < 32; i++) {
        big[i] = (int64_t)(i * i) - 100;
        all[i] = 31 - i;
        sum += big[i];
    }

    ss_case("ss_valid_mobile", SS, MOB, m8, 8, 9, i24, 2, D, D);
    ss_case("ss_valid_empty_target_0", SS, MOB, m8, 8, 0, NULL, 0, D, D);
    ss_case("ss_valid_all_indices_reversed_cluster_32", SS, COINJECTURE_TIER_CLUSTER, big, 32, sum, all, 32, D, D);
    ss_case("ss_valid_desktop_12", SS, COINJECTURE_TIER_DESKTOP, m8, 12, 9, i24, 2, D, D);
    ss_case("ss_valid_workstation_16", SS, COINJECTURE_TIER_WORKSTATION, big, 16, big[0] + big[15], (const uint32_t[]){15, 0}, 2, D, D);
    ss_case("ss_valid_server_20", SS, COINJECTURE_TIER_SERVER, big, 20, big[19], (const uint32_t[]){19}, 1, D, D);
    ss_case("ss_valid_negative_target", SS, MOB, neg, 8, -18, ineg, 3, D, D);
    ss_case("ss_valid_int64_extremes", SS, MOB, ext, 8, -1, i01, 2, D, D);
    ss_case("ss_wrong_sum", SS, MOB, m8, 8, 10, i24, 2, D, D);
    ss_case("ss_wrong_sum_empty_solution", SS, MOB, m8, 8, 9, NULL, 0, D, D);
    ss_case("ss_not_implemented_knapsack", COINJECTURE_PROBLEM_KNAPSACK, MOB, m8, 8, 9, i24, 2, D, D);
    ss_case("ss_not_implemented_before_tier_size", COINJECTURE_PROBLEM_LATTICE, MOB, m8, 3, 9, i24, 2, D, D);
    ss_case("ss_tier_size_mobile_7", SS, MOB, m8, 7, 9, i24, 2, D, D);
    ss_case("ss_tier_size_mobile_13", SS, MOB, m8, 13, 9, i24, 2, D, D);
    ss_case("ss_tier_size_cluster_23", SS, COINJECTURE_TIER_CLUSTER, big, 23, big[0], (const uint32_t[]){0}, 1, D, D);
    ss_case("ss_tier_size_desktop_17", SS, COINJECTURE_TIER_DESKTOP, big, 17, big[0], (const uint32_t[]){0}, 1, D, D);
    ss_case("ss_proof_size_9_of_8", SS, MOB, m8, 8, 0, i_all9, 9, D, D);
    ss_case("ss_duplicate_index", SS, MOB, m8, 8, 68, i11, 2, D, D);
    ss_case("ss_duplicate_before_index_range", SS, MOB, m8, 8, 6, dup_range, 3, D, D);
    ss_case("ss_index_range_n", SS, MOB, m8, 8, 0, range_n, 1, D, D);
    ss_case("ss_index_range_u32_max", SS, MOB, m8, 8, 0, range_max, 1, D, D);
    ss_case("ss_overflow_in_index_order", SS, MOB, ovf, 8, INT64_MAX, i012, 3, D, D);
    ss_case("ss_no_overflow_other_order", SS, MOB, ovf, 8, INT64_MAX, i021, 3, D, D);
    ss_case("ss_overflow_negative", SS, MOB, novf, 8, 0, i01, 2, D, D);
    ss_case("ss_budget_ops_0", SS, MOB, m8, 8, 9, i24, 2, 0, D);
    ss_case("ss_budget_ops_pass1", SS, MOB, m8, 8, 9, i24, 2, 1, D);
    ss_case("ss_budget_ops_pass2", SS, MOB, m8, 8, 9, i24, 2, 3, D);
    ss_case("ss_budget_ops_exact_2k", SS, MOB, m8, 8, 9, i24, 2, 4, D);
    ss_case("ss_budget_ops_before_duplicate", SS, MOB, m8, 8, 68, i11, 2, 1, D);
    ss_case("ss_duplicate_within_ops", SS, MOB, m8, 8, 68, i11, 2, 2, D);
    ss_case("ss_budget_ops_before_index_range", SS, MOB, m8, 8, 3, i80, 2, 2, D);
    ss_case("ss_budget_memory_8k_minus_1", SS, MOB, m8, 8, 9, i24, 2, D, 15);
    ss_case("ss_budget_memory_exact_8k", SS, MOB, m8, 8, 9, i24, 2, D, 16);
    ss_case("ss_wrong_sum_before_memory", SS, MOB, m8, 8, 10, i24, 2, D, 15);
    ss_case("ss_empty_solution_zero_budget", SS, MOB, m8, 8, 0, NULL, 0, 0, 0);
}

/* The tier tables (budget and element range) for tiers 1-5. */
static void gen_tier(void)
{
    for (uint8_t t = 1; t <= 5; t++) {
        coinjecture_budget b;
        uint32_t lo, hi;
        ok(coinjecture_tier_budget(t, &b), "coinjecture_tier_budget");
        ok(coinjecture_tier_elements(t, &lo, &hi), "coinjecture_tier_elements");
        jv *v = vec_new("TIER", "tier_%s", TIER_NAME[t]);
        jv *o = jobj();
        jput(o, "max_duration_ms", ju64(b.max_duration_ms));
        jput(o, "max_memory_bytes", ju64(b.max_memory_bytes));
        jput(o, "max_ops", ju64(b.max_ops));
        jput(v, "expected_budget", o);
        jput(v, "expected_max_elements", ju64(hi));
        jput(v, "expected_min_elements", ju64(lo));
        jput(v, "tier", jstr(TIER_NAME[t]));
    }
}

/* ===================================================================================================
 * main
 * =================================================================================================== */

/* Builds every vector and writes the file; exit status 0 only if the whole file was written. */
enum { O_OUTPUT = 1 };

/* The options (parser, --help, completion and man page). */
static const cj_opt options[] = {
    {O_OUTPUT, "output", 'o', "FILE", "write the vectors to FILE instead of stdout", 0, "@file"},
    {0, NULL, 0, NULL, NULL, 0, NULL},
};

static const cj_prog prog = {
    "coinjecture-vectors",
    "write the golden test vectors of the Network B consensus",
    "Writes the golden vectors JSON (golden/network_b_vectors.json): a superset of the original generator's 50 "
    "vectors followed by vectors for every consensus operation, each computed through the public API of "
    "libcoinjecture_core. The output has no timestamp: regenerating it is byte-identical.",
    options,
    NULL,
    NULL,
    0,
    0,
    "tests/golden recomputes every vector with an independent pure-Python implementation.",
    "coinjecture-vectors -o golden/network_b_vectors.json",
};

/* Parses the options, generates every vector and writes the file. */
int main(int argc, char **argv)
{
    const char *out_path = NULL;
    cj_parsed a;
    int rc = cj_opts_parse(&prog, argc, argv, &a);
    if (rc >= 0)
        return rc;
    for (size_t i = 0; i < a.nopts; i++)
        if (a.opts[i].opt->id == O_OUTPUT)
            out_path = a.opts[i].val;
    cj_opts_free(&a);
    if (sodium_init() < 0) die("sodium_init failed");
    ok(coinjecture_backend_select("reference"), "coinjecture_backend_select");

    g_vectors = jarr();
    gen_sha256_original(); /* the original's 50, in its order */
    gen_merkle_original();
    gen_header_original();
    gen_sha256();
    gen_merkle();
    gen_header_edges();
    gen_tx();
    gen_tx_rules();
    gen_address();
    gen_salts();
    gen_commitment();
    gen_objects();
    gen_escrow();
    gen_subset_sum();
    gen_tier();

    jv *root = jobj();
    jv *conv = jobj();
    jput(conv, "bytes", jstr("byte fields are lowercase hex, \"\" when empty"));
    jput(conv, "enums", jstr("tx_type, problem_type, tier and state are wire variant names"));
    jput(conv, "input_size", jstr("when present, the input is input_hex repeated cyclically to input_size "
                                  "bytes; data_size does the same for a transaction's data"));
    jput(conv, "merkle_compact", jstr("without tx_hashes, leaf i (i < tx_count) is SHA256(leaf_prefix + "
                                      "decimal i); merkle_hundred_txs: SHA256(\"transaction_\" + i), "
                                      "merkle_thousand_txs: SHA256(\"tx_\" + i as 4 digits)"));
    jput(conv, "status", jstr("expected_status names a coinjecture_ss_status / coinjecture_tx_status value "
                              "without its prefix"));
    jput(root, "conventions", conv);
    jput(root, "description", jstr("Golden test vectors for Network B consensus (libcoinjecture_core); a "
                                   "superset of the original generator's 50 vectors"));
    jput(root, "generator", jstr("coinjecture-vectors"));
    jput(root, "purpose", jstr("Ensure cryptographic parity between Rust, Go, and Python implementations"));
    jput(root, "total_vectors", ju64(g_vectors->len));
    jput(root, "vectors", g_vectors);
    jput(root, "version", jstr("4.5.0+"));

    FILE *f = out_path ? fopen(out_path, "wb") : stdout;
    if (!f) die("cannot open %s", out_path);
    jprint(f, root, 0);
    fputc('\n', f);
    if (fflush(f) != 0 || ferror(f)) die("write failed");
    if (out_path && fclose(f) != 0) die("close failed");
    fprintf(stderr, "coinjecture-vectors: %zu vectors\n", g_vectors->len);
    jfree(root);
    return 0;
}
