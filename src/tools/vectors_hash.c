/* coinjecture-vectors: the hash vectors. SHA256 (padding boundaries, NIST inputs, every backend and the
 * streaming API), MERKLE (many sizes, promotion versus duplication), ADDRESS, EPOCH_SALT and MINER_SALT. */
#include <string.h>

#include <sodium.h>

#include "vectors.h"

/* Hashes with every backend and with the streaming API, and insists on one answer. */
static void sha256_all_paths(const uint8_t *in, size_t len, uint8_t out[32])
{
    vec_ok(coinjecture_sha256(in, len, out), "coinjecture_sha256");
    for (size_t b = 0; b < coinjecture_backend_count(); b++) {
        const char *name = coinjecture_backend_name(b);
        uint8_t h[32];
        vec_ok(coinjecture_backend_select(name), "coinjecture_backend_select");
        vec_ok(coinjecture_sha256(in, len, h), "coinjecture_sha256");
        if (memcmp(h, out, 32) != 0) vec_die("backend %s disagrees on a %zu-byte SHA-256", name, len);
        coinjecture_sha256_ctx ctx;
        vec_ok(coinjecture_sha256_init(&ctx), "coinjecture_sha256_init");
        for (size_t off = 0; off < len; off += 1000) {
            size_t n = len - off < 1000 ? len - off : 1000;
            vec_ok(coinjecture_sha256_update(&ctx, in + off, n), "coinjecture_sha256_update");
        }
        vec_ok(coinjecture_sha256_final(&ctx, h), "coinjecture_sha256_final");
        if (memcmp(h, out, 32) != 0) vec_die("streaming SHA-256 disagrees (backend %s)", name);
    }
    vec_ok(coinjecture_backend_select("reference"), "coinjecture_backend_select");
}

/* One SHA256 vector; when shown < len the input is the first `shown` bytes repeated cyclically and
 * input_size carries the full length (the original's compact form). */
static void emit_sha256(const char *name, const uint8_t *in, size_t len, size_t shown)
{
    uint8_t h[32];
    for (size_t i = shown; i < len; i++)
        if (in[i] != in[i % shown]) vec_die("%s: input is not periodic", name);
    sha256_all_paths(in, len, h);
    jv *v = vec_new("SHA256", "%s", name);
    vjson_put(v, "expected_hash", vjson_hex(h, 32));
    vjson_put(v, "input_hex", vjson_hex(in, shown));
    if (shown < len) vjson_put(v, "input_size", vjson_u64(len));
}

/* Emits a SHA256 vector of a C string. */
static void emit_sha256_str(const char *name, const char *s)
{
    emit_sha256(name, (const uint8_t *)s, strlen(s), strlen(s));
}

/* The original's 10 SHA-256 vectors. */
void vhash_sha256_original(void)
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
    uint8_t *big = vec_xmalloc(1048576);
    memset(big, 0xaa, 10240);
    emit_sha256("sha256_large_10kb", big, 10240, 64);
    emit_sha256_str("sha256_json_data", "{\"block_number\":1337,\"validator\":\"alice\",\"amount\":1000000}");
    emit_sha256_str("sha256_btc_genesis", "The Times 03/Jan/2009 Chancellor on brink of second bailout for banks");
    emit_sha256_str("sha256_unicode", "Hello \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x9a\x80");
    free(big);
}

/* SHA-256 at the padding boundaries, the NIST inputs and long inputs. */
void vhash_sha256(void)
{
    uint8_t *big = vec_xmalloc(1048576);

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

/* Root through the extended API, checked against the original ABI entry point. */
static void merkle_checked(const uint8_t (*leaves)[32], size_t n, uint8_t root[32])
{
    uint8_t r2[32];
    vec_ok(coinjecture_merkle_root(leaves, n, root), "coinjecture_merkle_root");
    vec_ok(coinjecture_compute_merkle_root(leaves, (uint32_t)n, r2), "coinjecture_compute_merkle_root");
    if (memcmp(root, r2, 32) != 0) vec_die("merkle: extended and original ABI disagree for %zu leaves", n);
}

/* A MERKLE vector with the full leaf list. */
static void emit_merkle_list(const char *name, const uint8_t (*leaves)[32], size_t n)
{
    uint8_t root[32];
    merkle_checked(leaves, n, root);
    jv *v = vec_new("MERKLE", "%s", name);
    vjson_put(v, "expected_root", vjson_hex(root, 32));
    jv *list = vjson_arr();
    for (size_t i = 0; i < n; i++) vjson_push(list, vjson_hex(leaves[i], 32));
    vjson_put(v, "tx_hashes", list);
}

/* A compact MERKLE vector (tx_count, first/last leaf); leaf_prefix documents the leaf rule
 * SHA256(prefix + decimal i) unless NULL (the original's two compact vectors have no such field). */
static void emit_merkle_compact(const char *name, const uint8_t (*leaves)[32], size_t n,
                                const char *leaf_prefix)
{
    uint8_t root[32];
    merkle_checked(leaves, n, root);
    jv *v = vec_new("MERKLE", "%s", name);
    vjson_put(v, "expected_root", vjson_hex(root, 32));
    vjson_put(v, "first_tx_hash", vjson_hex(leaves[0], 32));
    vjson_put(v, "last_tx_hash", vjson_hex(leaves[n - 1], 32));
    if (leaf_prefix) vjson_put(v, "leaf_prefix", vjson_str(leaf_prefix));
    vjson_put(v, "tx_count", vjson_u64(n));
}

/* The original's 8 Merkle vectors. */
void vhash_merkle_original(void)
{
    uint8_t(*lv)[32] = vec_xmalloc(1000 * sizeof *lv);
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
    for (int i = 0; i < 8; i++) vec_sha_fmt(lv[i], "tx%d", i + 1);
    emit_merkle_list("merkle_four_txs", lv, 4);
    emit_merkle_list("merkle_eight_txs", lv, 8);
    for (int i = 0; i < 100; i++) vec_sha_fmt(lv[i], "transaction_%d", i);
    emit_merkle_compact("merkle_hundred_txs", lv, 100, NULL);
    for (int i = 0; i < 1000; i++) vec_sha_fmt(lv[i], "tx_%04d", i);
    emit_merkle_compact("merkle_thousand_txs", lv, 1000, NULL);
    free(lv);
}

/* Every size 0-17, 31-33, large/odd sizes up to 10 000, and promotion versus duplication. */
void vhash_merkle(void)
{
    enum { MAXN = 10000 };
    uint8_t(*lv)[32] = vec_xmalloc(MAXN * sizeof *lv);

    for (int i = 0; i < MAXN; i++) vec_sha_fmt(lv[i], "merkle_leaf_%d", i);
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

/* An ADDRESS vector: SHA-256 of a public key. */
static void emit_address(const char *name, const uint8_t pk[32])
{
    uint8_t a[32];
    vec_ok(coinjecture_derive_address(pk, a), "coinjecture_derive_address");
    jv *v = vec_new("ADDRESS", "%s", name);
    vjson_put(v, "expected_address", vjson_hex(a, 32));
    vjson_put(v, "public_key", vjson_hex(pk, 32));
}

/* Addresses of the RFC 8032 keys and of a few fixed 32-byte values. */
void vhash_address(void)
{
    uint8_t pk[32], sk[64];
    char name[64];
    for (size_t i = 0; i < RFC_KEYS; i++) {
        vec_rfc_key(i, sk, pk);
        snprintf(name, sizeof name, "address_rfc8032_%s", RFC8032_LABEL[i]);
        emit_address(name, pk);
    }
    sodium_memzero(sk, sizeof sk);
    memset(pk, 0, 32);
    emit_address("address_zeros", pk);
    memset(pk, 0xff, 32);
    emit_address("address_ones", pk);
    vec_sha_str("validator1_pubkey", pk);
    emit_address("address_validator1_pubkey", pk);
}

/* An EPOCH_SALT vector. */
static void emit_epoch_salt(const char *name, const uint8_t parent[32], uint64_t index)
{
    uint8_t s[32];
    vec_ok(coinjecture_epoch_salt(parent, index, s), "coinjecture_epoch_salt");
    jv *v = vec_new("EPOCH_SALT", "%s", name);
    vjson_put(v, "block_index", vjson_u64(index));
    vjson_put(v, "expected_salt", vjson_hex(s, 32));
    vjson_put(v, "parent_hash", vjson_hex(parent, 32));
}

/* A MINER_SALT vector. */
static void emit_miner_salt(const char *name, const uint8_t seed[32], const uint8_t es[32],
                            const uint8_t parent[32], uint64_t index)
{
    uint8_t s[32];
    vec_ok(coinjecture_miner_salt(seed, es, parent, index, s), "coinjecture_miner_salt");
    jv *v = vec_new("MINER_SALT", "%s", name);
    vjson_put(v, "block_index", vjson_u64(index));
    vjson_put(v, "epoch_salt", vjson_hex(es, 32));
    vjson_put(v, "expected_salt", vjson_hex(s, 32));
    vjson_put(v, "parent_hash", vjson_hex(parent, 32));
    vjson_put(v, "seed", vjson_hex(seed, 32));
}

/* Epoch and miner salts (core.md 5.4 examples, extremes, RFC 8032 seeds). */
void vhash_salts(void)
{
    uint8_t p[32], es[32], seed[32], genesis[32];
    vec_unhex("9e28bebb26c909a59795061a5e1f71abfe29874a4e8e7afedfba453cf87285dc", genesis, 32);
    memset(p, 0x42, 32);
    emit_epoch_salt("epoch_salt_core_example", p, 0x0102030405060708u);
    memset(p, 0, 32);
    emit_epoch_salt("epoch_salt_zeros_0", p, 0);
    emit_epoch_salt("epoch_salt_genesis_1", genesis, 1);
    memset(p, 0xff, 32);
    emit_epoch_salt("epoch_salt_ones_max", p, UINT64_MAX);
    vec_sha_str("vectors/parent_hash", p);
    emit_epoch_salt("epoch_salt_index_255", p, 255);
    emit_epoch_salt("epoch_salt_index_4294967296", p, 4294967296u);

    memset(seed, 1, 32);
    memset(es, 2, 32);
    memset(p, 3, 32);
    emit_miner_salt("miner_salt_core_example", seed, es, p, 100);
    vec_unhex(RFC8032_SEED[0], seed, 32);
    vec_ok(coinjecture_epoch_salt(genesis, 1, es), "coinjecture_epoch_salt");
    emit_miner_salt("miner_salt_test1_genesis_1", seed, es, genesis, 1);
    vec_unhex(RFC8032_SEED[1], seed, 32);
    memset(p, 0, 32);
    vec_ok(coinjecture_epoch_salt(p, 0, es), "coinjecture_epoch_salt");
    emit_miner_salt("miner_salt_test2_zero_parent", seed, es, p, 0);
    vec_unhex(RFC8032_SEED[2], seed, 32);
    memset(p, 0xff, 32);
    memset(es, 0xee, 32);
    emit_miner_salt("miner_salt_test3_index_max", seed, es, p, UINT64_MAX);
    memset(seed, 0, 32);
    memset(es, 0, 32);
    memset(p, 0, 32);
    emit_miner_salt("miner_salt_all_zero", seed, es, p, 0);
}
