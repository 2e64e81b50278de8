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
 * This file: main, the vector list, errors and the helpers every generator uses; the generators are in
 * vectors_*.c (vectors.h). Usage: coinjecture-vectors [-o FILE] (options: the table before main,
 * src/tools/opts.h)
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "coinjecture.h"
#include "opts.h"
#include "vectors.h"

/* ===================================================================================================
 * Errors and memory
 * =================================================================================================== */

/* Aborts the program: a generator that cannot compute a vector must not write a partial file. */
void vec_die(const char *fmt, ...)
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
void vec_ok(CoinjResult rc, const char *what)
{
    if (rc != COINJ_OK)
        vec_die("%s failed: %s (%s)", what, coinjecture_result_name(rc), coinjecture_last_error_message());
}

/* malloc that never returns NULL (the tool has nothing sensible to do without memory). */
void *vec_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) vec_die("out of memory");
    return p;
}

/* ===================================================================================================
 * Vector list and small helpers
 * =================================================================================================== */

static jv *g_vectors; /* the "vectors" array, in output order */

/* Starts a vector object {operation, test_name} and appends it; names must be unique. */
jv *vec_new(const char *operation, const char *name_fmt, ...)
{
    char name[128];
    va_list ap;
    va_start(ap, name_fmt);
    int n = vsnprintf(name, sizeof name, name_fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof name) vec_die("test name too long");
    for (size_t i = 0; i < g_vectors->len; i++) {
        jv *o = g_vectors->items[i];
        for (size_t k = 0; k < o->len; k++)
            if (strcmp(o->keys[k], "test_name") == 0 && strcmp(o->items[k]->str, name) == 0)
                vec_die("duplicate test name %s", name);
    }
    jv *v = vjson_obj();
    vjson_put(v, "operation", vjson_str(operation));
    vjson_put(v, "test_name", vjson_str(name));
    vjson_push(g_vectors, v);
    return v;
}

/* SHA-256 of a C string (the original generator derives most inputs this way). */
void vec_sha_str(const char *s, uint8_t out[32])
{
    vec_ok(coinjecture_sha256((const uint8_t *)s, strlen(s), out), "coinjecture_sha256");
}

/* SHA-256 of a printf-formatted string. */
void vec_sha_fmt(uint8_t out[32], const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf) vec_die("preimage too long");
    vec_sha_str(buf, out);
}

/* Parses a hex constant of this file (a typo is a generator bug). */
void vec_unhex(const char *hex, uint8_t *out, size_t len)
{
    vec_ok(coinjecture_hex_decode(hex, out, len), "coinjecture_hex_decode");
}

/* Encodes obj with fn into a new heap buffer of *len bytes. */
uint8_t *vec_encode(encode_fn fn, const void *obj, size_t *len, const char *what)
{
    size_t need = 0;
    CoinjResult rc = fn(obj, NULL, 0, &need);
    if (rc != COINJ_ERROR_BUFFER_TOO_SMALL) vec_ok(rc == COINJ_OK ? COINJ_ERROR_INTERNAL : rc, what);
    uint8_t *buf = vec_xmalloc(need);
    size_t got = 0;
    vec_ok(fn(obj, buf, need, &got), what);
    if (got != need) vec_die("%s: sized %zu bytes, wrote %zu", what, need, got);
    *len = got;
    return buf;
}

/* Adds key = hex(encoding) and checks that the object hash equals SHA-256 of that encoding. */
void vec_put_encoding(jv *v, const char *key, const uint8_t *enc, size_t len, const uint8_t *hash)
{
    if (hash) {
        uint8_t h[32];
        vec_ok(coinjecture_sha256(enc, len, h), "coinjecture_sha256");
        if (memcmp(h, hash, 32) != 0) vec_die("%s: hash is not SHA-256 of the encoding", key);
    }
    vjson_put(v, key, vjson_hex(enc, len));
}

/* RFC 8032 section 7.1 test keys (TEST 1, 2, 3, 1024, SHA(abc)): seeds. */
const char *const RFC8032_SEED[RFC_KEYS] = {
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
    "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
    "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
    "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
};
/* ...and the public keys RFC 8032 lists for them (checked against libsodium's derivation). */
const char *const RFC8032_PUB[RFC_KEYS] = {
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
    "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
    "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
    "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
};
const char *const RFC8032_LABEL[RFC_KEYS] = {"test1", "test2", "test3", "test1024", "sha_abc"};

/* Secret key (libsodium seed||pk) and public key of RFC 8032 key i. */
void vec_rfc_key(size_t i, uint8_t sk[64], uint8_t pk[32])
{
    uint8_t seed[32], want[32];
    vec_unhex(RFC8032_SEED[i], seed, 32);
    vec_unhex(RFC8032_PUB[i], want, 32);
    if (crypto_sign_seed_keypair(pk, sk, seed) != 0) vec_die("crypto_sign_seed_keypair failed");
    if (memcmp(pk, want, 32) != 0) vec_die("RFC 8032 key %zu: public key mismatch", i);
}

/* Unsigned 64-bit values at every MessagePack width boundary. */
const uint64_t U64_EDGES[13] = {0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295u,
                                     4294967296u, 9223372036854775807u, 9223372036854775808u,
                                     18446744073709551615u};
/* Signed 64-bit values at every MessagePack width boundary, both signs. */
const int64_t I64_EDGES[20] = {0, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296,
                                    INT64_MAX, -1, -32, -33, -128, -129, -32768, -32769,
                                    -2147483647 - 1, -2147483649, INT64_MIN};

/* A test-name fragment for a signed value ("neg_33" for -33). */
void vec_i64_label(int64_t v, char *buf, size_t cap)
{
    if (v < 0) snprintf(buf, cap, "neg_%" PRIu64, (uint64_t)0 - (uint64_t)v);
    else snprintf(buf, cap, "%" PRId64, v);
}

/* Wire names of problem types and tiers, shared by the object and the rule vectors. */
const char *const PROBLEM_TYPE_NAME[8] = {NULL, "SubsetSum", "Knapsack", "GraphColoring", "SAT",
                                          "TSP", "Factorization", "LatticeProblems"};
const char *const TIER_NAME[6] = {NULL, "Mobile", "Desktop", "Workstation", "Server", "Cluster"};

/* ===================================================================================================
 * main
 * =================================================================================================== */

/* Option ids. */
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
    NULL, /* no default command */
};

/* Parses the command line into *out_path (NULL: stdout). Returns -1 to go on, else the exit status (after
 * --help, --version or a usage error). */
static int parse_options(int argc, char **argv, const char **out_path)
{
    cj_parsed a;
    int rc = cj_opts_parse(&prog, argc, argv, &a);
    if (rc >= 0)
        return rc;
    for (size_t i = 0; i < a.nopts; i++)
        if (a.opts[i].opt->id == O_OUTPUT)
            *out_path = a.opts[i].val;
    cj_opts_free(&a);
    return -1;
}

/* Runs every generator into g_vectors; the order of the calls is the order of the vectors in the file. */
static void generate_all(void)
{
    g_vectors = vjson_arr();
    vhash_sha256_original(); /* the original's 50, in its order */
    vhash_merkle_original();
    vheader_original();
    vhash_sha256();
    vhash_merkle();
    vheader_edges();
    vtx_transactions();
    vtx_rules();
    vhash_address();
    vhash_salts();
    vobjects_commitment();
    vobjects_encodings();
    vrules_escrow();
    vrules_subset_sum();
    vrules_tier();
}

/* The whole document: its description and conventions around the vectors (which it takes over). */
static jv *document(jv *vectors)
{
    jv *root = vjson_obj();
    jv *conv = vjson_obj();
    vjson_put(conv, "bytes", vjson_str("byte fields are lowercase hex, \"\" when empty"));
    vjson_put(conv, "enums", vjson_str("tx_type, problem_type, tier and state are wire variant names"));
    vjson_put(conv, "input_size", vjson_str("when present, the input is input_hex repeated cyclically to input_size "
                                            "bytes; data_size does the same for a transaction's data"));
    vjson_put(conv, "merkle_compact", vjson_str("without tx_hashes, leaf i (i < tx_count) is SHA256(leaf_prefix + "
                                                "decimal i); merkle_hundred_txs: SHA256(\"transaction_\" + i), "
                                                "merkle_thousand_txs: SHA256(\"tx_\" + i as 4 digits)"));
    vjson_put(conv, "status", vjson_str("expected_status names a coinjecture_ss_status / coinjecture_tx_status "
                                        "value without its prefix"));
    vjson_put(root, "conventions", conv);
    vjson_put(root, "description", vjson_str("Golden test vectors for Network B consensus (libcoinjecture_core); a "
                                             "superset of the original generator's 50 vectors"));
    vjson_put(root, "generator", vjson_str("coinjecture-vectors"));
    vjson_put(root, "purpose", vjson_str("Ensure cryptographic parity between Rust, Go, and Python implementations"));
    vjson_put(root, "total_vectors", vjson_u64(vectors->len));
    vjson_put(root, "vectors", vectors);
    vjson_put(root, "version", vjson_str("4.5.0+"));
    return root;
}

/* Writes the document to out_path (NULL: stdout); any failure exits 1, so a written file is whole. */
static void write_document(jv *root, const char *out_path)
{
    FILE *f = out_path ? fopen(out_path, "wb") : stdout;
    if (!f) vec_die("cannot open %s", out_path);
    vjson_print(f, root, 0);
    fputc('\n', f);
    if (fflush(f) != 0 || ferror(f)) vec_die("write failed");
    if (out_path && fclose(f) != 0) vec_die("close failed");
}

/* Parses the options, generates every vector and writes the file; exit status 0 only if it was all written. */
int main(int argc, char **argv)
{
    const char *out_path = NULL;
    int rc = parse_options(argc, argv, &out_path);
    if (rc >= 0)
        return rc;
    if (sodium_init() < 0) vec_die("sodium_init failed");
    vec_ok(coinjecture_backend_select("reference"), "coinjecture_backend_select");
    generate_all();
    jv *root = document(g_vectors);
    write_document(root, out_path);
    fprintf(stderr, "coinjecture-vectors: %zu vectors\n", g_vectors->len);
    vjson_free(root);
    return 0;
}
