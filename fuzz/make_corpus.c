/* cj_make_corpus [-n N] OUTDIR [VECTORS.json ...]: writes the seed corpora of the fuzz targets into
 * OUTDIR/<target>/<seed name>. Decoder seeds are encodings made by the library's own encoders (golden
 * headers from the vector files, plus hand-picked transactions, reveals, problems, solutions, commitments
 * and blocks that reach every integer width, array/str header size, enum variant and Option); the
 * structured harnesses get inputs in the layouts of fuzz_common.h. Without VECTORS arguments it reads the
 * project's golden/network_b_vectors.json and the original's golden/original/network_b_vectors.json.
 * -n N uses at most N entries per vector operation and file (fuzz/make-corpus.sh uses it to keep the
 * committed corpus small; at fuzz time every vector is used).
 * When built with the node library (CJ_MC_NODE), it also writes the node parsers' seeds: transaction JSON
 * bodies as coinjecture-cli sends them, genesis documents (cj_genesis_to_json and hand-written ones), config
 * files (docs/coinjectured.sample.yaml, an effective configuration, short edge cases) and P2P messages and
 * sealed frames (cj_p2p_encode / cj_p2p_seal) for fuzz_node_p2p_wire.
 * Output is deterministic (same files, same bytes), so rerunning it never churns fuzz/corpus/. */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <sys/stat.h>

#include "fuzz_common.h"

#ifdef CJ_MC_NODE
#include "api_json.h"
#include "config.h"
#include "genesis_file.h"
#include "p2p_wire.h"
#endif

#ifndef CJ_SOURCE_DIR
#define CJ_SOURCE_DIR "."
#endif

static const char *mc_outdir;
static unsigned mc_written;
static uint8_t mc_seen[2048][32]; /* digests of the seeds written so far (duplicates are skipped) */
static unsigned mc_nseen;

/* Creates OUTDIR/target (and OUTDIR) so every seed has a place to go. */
static void mc_mkdir(const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "cj_make_corpus: cannot create %s\n", path);
        exit(1);
    }
}

/* Writes one seed file unless an identical seed was already written for any target. */
static void mc_write(const char *target, const char *name, const uint8_t *data, size_t len)
{
    uint8_t tag[32];
    cj_fz_buf keyed = {0};
    cj_fz_put(&keyed, target, strlen(target));
    cj_fz_put_u8(&keyed, 0);
    cj_fz_put(&keyed, data, len);
    cj_fz_sha256(keyed.p, keyed.n, tag);
    cj_fz_buf_free(&keyed);
    for (unsigned i = 0; i < mc_nseen; i++)
        if (memcmp(mc_seen[i], tag, 32) == 0) return;
    if (mc_nseen < sizeof mc_seen / sizeof mc_seen[0]) memcpy(mc_seen[mc_nseen++], tag, 32);

    char path[4096];
    snprintf(path, sizeof path, "%s/%s", mc_outdir, target);
    mc_mkdir(path);
    snprintf(path, sizeof path, "%s/%s/%s", mc_outdir, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
        fprintf(stderr, "cj_make_corpus: cannot write %s\n", path);
        exit(1);
    }
    mc_written++;
}

/* Encoder results are seeds only when the library accepted the value; anything else is a generator bug. */
static void mc_check(CoinjResult rc, const char *what)
{
    if (rc != COINJ_OK) {
        fprintf(stderr, "cj_make_corpus: %s: %s (%s)\n", what, coinjecture_result_name(rc),
                coinjecture_last_error_message());
        exit(1);
    }
}

/* Encodes with the library's heap-free two-call protocol into a malloc'd buffer. */
typedef CoinjResult (*mc_enc_fn)(const void *obj, uint8_t *out, size_t cap, size_t *len);
static void mc_encode_write(const char *target, const char *name, mc_enc_fn enc, const void *obj)
{
    size_t need = 0, len = 0;
    if (enc(obj, NULL, 0, &need) != COINJ_ERROR_BUFFER_TOO_SMALL) mc_check(COINJ_ERROR_INTERNAL, name);
    uint8_t *buf = malloc(need ? need : 1);
    if (!buf) exit(1);
    mc_check(enc(obj, buf, need, &len), name);
    mc_write(target, name, buf, len);
    free(buf);
}

/* Typed adapters for mc_encode_write (one per encoder; calling through a cast pointer would be UB). */
static CoinjResult mc_enc_header(const void *o, uint8_t *b, size_t c, size_t *l)
{
    return coinjecture_header_encode(o, b, c, l);
}
static CoinjResult mc_enc_tx(const void *o, uint8_t *b, size_t c, size_t *l)
{
    return coinjecture_tx_encode(o, b, c, l);
}
static CoinjResult mc_enc_problem(const void *o, uint8_t *b, size_t c, size_t *l)
{
    return coinjecture_problem_encode(o, b, c, l);
}
static CoinjResult mc_enc_solution(const void *o, uint8_t *b, size_t c, size_t *l)
{
    return coinjecture_solution_encode(o, b, c, l);
}
static CoinjResult mc_enc_reveal(const void *o, uint8_t *b, size_t c, size_t *l)
{
    return coinjecture_reveal_encode(o, b, c, l);
}
static CoinjResult mc_enc_commitment(const void *o, uint8_t *b, size_t c, size_t *l)
{
    return coinjecture_commitment_encode(o, b, c, l);
}
static CoinjResult mc_enc_block(const void *o, uint8_t *b, size_t c, size_t *l)
{
    return coinjecture_block_encode(o, b, c, l);
}

/* Hex string of a JSON member into out (at most cap bytes); returns the byte count, or SIZE_MAX when the
 * member is missing or malformed (the entry is then skipped). */
static size_t mc_json_hex(json_t *obj, const char *key, uint8_t *out, size_t cap)
{
    const char *hex = json_string_value(json_object_get(obj, key));
    if (!hex) return SIZE_MAX;
    size_t n = strlen(hex) / 2;
    if (n > cap || (n && coinjecture_hex_decode(hex, out, n) != COINJ_OK)) return SIZE_MAX;
    return n;
}

/* Numbers are loaded as doubles (JSON_DECODE_INT_AS_REAL: the project vectors hold u64 values jansson's
 * int64 cannot); seeds only need to be close to the vectors, so rounding is harmless. */
static uint64_t mc_json_u64(json_t *obj, const char *key)
{
    double d = json_number_value(json_object_get(obj, key));
    if (!(d > 0)) return 0;
    return d >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)d;
}

static int64_t mc_json_i64(json_t *v)
{
    double d = json_number_value(v);
    if (d >= 9223372036854775807.0) return INT64_MAX;
    if (d <= -9223372036854775808.0) return INT64_MIN;
    return (int64_t)d;
}

/* A header_hash harness input for a full-width header (flags as in fuzz_common.h). */
static void mc_header_hash_seed(const char *name, uint8_t flags, uint32_t codec, const coinjecture_header *h,
                                const uint8_t *extra, size_t extra_len)
{
    cj_fz_buf b = {0};
    cj_fz_put_u8(&b, flags);
    cj_fz_put_le(&b, codec, 4);
    cj_fz_put_le(&b, h->block_index, 8);
    cj_fz_put_le(&b, (uint64_t)h->timestamp, 8);
    cj_fz_put(&b, h->parent_hash, 32);
    cj_fz_put(&b, h->merkle_root, 32);
    cj_fz_put(&b, h->miner_address, 32);
    cj_fz_put(&b, h->commitment, 32);
    cj_fz_put_le(&b, h->difficulty_target, 8);
    cj_fz_put_le(&b, h->nonce, 8);
    cj_fz_put(&b, extra, extra_len);
    mc_write("fuzz_header_hash", name, b.p, b.n);
    cj_fz_buf_free(&b);
}

/* A sha256_diff harness input. */
static void mc_sha_seed(const char *name, uint8_t flags, uint32_t seed, const uint8_t *count, size_t count_len,
                        const uint8_t *data, size_t len)
{
    cj_fz_buf b = {0};
    cj_fz_put_u8(&b, flags);
    cj_fz_put_le(&b, seed, 4);
    cj_fz_put(&b, count, count_len);
    cj_fz_put(&b, data, len);
    mc_write("fuzz_sha256_diff", name, b.p, b.n);
    cj_fz_buf_free(&b);
}

/* Seed target of a vector operation that carries an encoding_hex. */
static const char *mc_encoding_target(const char *op)
{
    static const char *const map[][2] = {
        {"BLOCK_HEADER", "fuzz_decode_header"}, {"TRANSACTION", "fuzz_decode_tx"},
        {"BLOCK", "fuzz_decode_block"},         {"REVEAL", "fuzz_decode_reveal"},
        {"PROBLEM", "fuzz_decode_reveal"},      {"SOLUTION", "fuzz_decode_reveal"},
        {"COMMITMENT", "fuzz_decode_reveal"},   {"COMMITMENT_HASH", "fuzz_decode_reveal"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(op, map[i][0]) == 0) return map[i][1];
    return NULL;
}

/* A BLOCK_HEADER vector without an encoding: encode it (when the library accepts it) and make a
 * header_hash seed of it. */
static void mc_vector_header(json_t *v, const char *name, unsigned nth)
{
    json_t *jh = json_object_get(v, "header");
    coinjecture_header h;
    memset(&h, 0, sizeof h);
    static uint8_t extra[65536];
    size_t extra_len = mc_json_hex(jh, "extra_data", extra, sizeof extra);
    if (extra_len == SIZE_MAX) extra_len = 0;
    h.codec_version = (uint8_t)mc_json_u64(jh, "codec_version");
    h.block_index = mc_json_u64(jh, "block_index");
    h.timestamp = mc_json_i64(json_object_get(jh, "timestamp"));
    if (mc_json_hex(jh, "parent_hash", h.parent_hash, 32) != 32 ||
        mc_json_hex(jh, "merkle_root", h.merkle_root, 32) != 32 ||
        mc_json_hex(jh, "miner_address", h.miner_address, 32) != 32 ||
        mc_json_hex(jh, "commitment", h.commitment, 32) != 32)
        return;
    h.difficulty_target = mc_json_u64(jh, "difficulty_target");
    h.nonce = mc_json_u64(jh, "nonce");
    uint8_t flags = (uint8_t)(nth % 2 ? CJ_FZ_HH_ACCEL : CJ_FZ_HH_NARROW | CJ_FZ_HH_CODEC8);
    mc_header_hash_seed(name, flags, (uint32_t)mc_json_u64(jh, "codec_version"), &h, extra, extra_len);
    if (extra_len > COINJECTURE_MAX_EXTRA_DATA) return;
    h.extra_data_len = (uint32_t)extra_len;
    memcpy(h.extra_data, extra, extra_len);
    mc_encode_write("fuzz_decode_header", name, mc_enc_header, &h);
}

/* A SUBSET_SUM vector as a subset_sum harness input (full-width elements, indices and target). */
static void mc_vector_subset_sum(json_t *v, const char *name)
{
    json_t *p = json_object_get(v, "problem"), *s = json_object_get(v, "solution"), *b = json_object_get(v, "budget");
    json_t *elems = json_object_get(p, "elements"), *idx = json_object_get(s, "indices");
    const char *tier = json_string_value(json_object_get(p, "tier"));
    const char *type = json_string_value(json_object_get(p, "problem_type"));
    size_t n = json_array_size(elems), k = json_array_size(idx);
    unsigned t = 0;
    while (t < 5 && tier && strcmp(cj_fz_tier_name(t + 1), tier) != 0) t++;
    if (n >= CJ_FZ_SS_MAXLEN || k >= CJ_FZ_SS_MAXLEN || t == 5) return;
    uint64_t ops = mc_json_u64(b, "max_ops"), dur = mc_json_u64(b, "max_duration_ms"),
             mem = mc_json_u64(b, "max_memory_bytes");
    int own_budget = ops <= UINT32_MAX && dur <= UINT32_MAX && mem <= UINT32_MAX;
    cj_fz_buf in = {0};
    cj_fz_put_u8(&in, (uint8_t)(t | (own_budget ? CJ_FZ_SS_BUDGET : 0) |
                                (type && strcmp(type, "SubsetSum") != 0 ? CJ_FZ_SS_OTHER_TYPE : 0)));
    cj_fz_put_u8(&in, (uint8_t)n);
    cj_fz_put_u8(&in, (uint8_t)k);
    for (size_t i = 0; i < n; i++) cj_fz_put_le(&in, (uint64_t)mc_json_i64(json_array_get(elems, i)), 8);
    for (size_t i = 0; i < k; i++) cj_fz_put_le(&in, (uint64_t)mc_json_i64(json_array_get(idx, i)), 4);
    cj_fz_put_le(&in, (uint64_t)mc_json_i64(json_object_get(p, "target")), 8);
    if (own_budget) cj_fz_put_le(&in, ops, 4), cj_fz_put_le(&in, dur, 4), cj_fz_put_le(&in, mem, 4);
    cj_fz_put_u8(&in, 0);
    mc_write("fuzz_subset_sum", name, in.p, in.n);
    cj_fz_buf_free(&in);
}

/* A SHA256 vector (input repeated to input_size when given) as a sha256_diff input. */
static void mc_vector_sha(json_t *v, const char *name, uint32_t seed)
{
    static uint8_t in[65536];
    size_t n = mc_json_hex(v, "input_hex", in, sizeof in);
    if (n == SIZE_MAX) return;
    size_t want = (size_t)mc_json_u64(v, "input_size");
    if (n && want > n && want <= sizeof in) {
        for (size_t j = n; j < want; j++) in[j] = in[j % n];
        n = want;
    }
    mc_sha_seed(name, CJ_FZ_SHA_HASH | CJ_FZ_SHA_MANY, seed, NULL, 0, in, n);
}

/* A MERKLE vector: its leaves (when listed) as the data, its leaf count as the count. */
static void mc_vector_merkle(json_t *v, const char *name)
{
    json_t *leaves = json_object_get(v, "tx_hashes");
    size_t count = leaves ? json_array_size(leaves) : (size_t)mc_json_u64(v, "tx_count");
    if (count > CJ_FZ_SHA_MAX_LEAVES) count = CJ_FZ_SHA_MAX_LEAVES;
    uint8_t *d = calloc(count ? count : 1, 32);
    if (!d) exit(1);
    for (size_t j = 0; leaves && j < count; j++) {
        const char *hex = json_string_value(json_array_get(leaves, j));
        if (!hex || strlen(hex) != 64 || coinjecture_hex_decode(hex, d + 32 * j, 32) != COINJ_OK) {
            free(d);
            return;
        }
    }
    uint8_t cnt[2] = {(uint8_t)count, (uint8_t)(count >> 8)};
    size_t len = leaves ? 32 * count : 0;
    if (count < 256) mc_sha_seed(name, CJ_FZ_SHA_MERKLE, 7, cnt, 1, d, len);
    else mc_sha_seed(name, CJ_FZ_SHA_MERKLE | CJ_FZ_SHA_LARGE_COUNT | (3u << 3), 7, cnt, 2, d, len);
    free(d);
}

/* Vectors: entries with an encoding_hex become decoder seeds as they are; headers without one are encoded
 * here; SHA256, MERKLE and SUBSET_SUM entries become inputs of the structured harnesses. With a limit,
 * at most `limit` entries per operation are used, spread evenly over the file. */
static void mc_vectors(const char *path, const char *prefix, unsigned limit)
{
    json_error_t err;
    json_t *root = json_load_file(path, JSON_DECODE_INT_AS_REAL, &err);
    if (!root) {
        fprintf(stderr, "cj_make_corpus: %s: %s (line %d)\n", path, err.text, err.line);
        exit(1);
    }
    json_t *vectors = json_object_get(root, "vectors"), *totals = json_object(), *seen = json_object();
    size_t i;
    json_t *v;
    json_array_foreach(vectors, i, v)
    {
        const char *op = json_string_value(json_object_get(v, "operation"));
        if (op) json_object_set_new(totals, op, json_integer(json_integer_value(json_object_get(totals, op)) + 1));
    }
    static uint8_t enc[COINJECTURE_MAX_BLOCK_SIZE / 16];
    json_array_foreach(vectors, i, v)
    {
        const char *op = json_string_value(json_object_get(v, "operation"));
        const char *test = json_string_value(json_object_get(v, "test_name"));
        if (!op) continue;
        json_int_t total = json_integer_value(json_object_get(totals, op));
        json_int_t nth = json_integer_value(json_object_get(seen, op));
        json_object_set_new(seen, op, json_integer(nth + 1));
        if (limit && total > (json_int_t)limit && (nth * (json_int_t)limit) / total == ((nth - 1) * (json_int_t)limit) / total &&
            nth != 0)
            continue;
        char name[256];
        snprintf(name, sizeof name, "%s_%s", prefix, test ? test : "unnamed");
        const char *target = mc_encoding_target(op);
        size_t n = target ? mc_json_hex(v, "encoding_hex", enc, sizeof enc) : SIZE_MAX;
        if (n != SIZE_MAX) mc_write(target, name, enc, n);
        else if (strcmp(op, "BLOCK_HEADER") == 0) mc_vector_header(v, name, (unsigned)nth);
        else if (strcmp(op, "SHA256") == 0) mc_vector_sha(v, name, (uint32_t)(i * 2654435761u));
        else if (strcmp(op, "MERKLE") == 0) mc_vector_merkle(v, name);
        else if (strcmp(op, "SUBSET_SUM") == 0) mc_vector_subset_sum(v, name);
    }
    json_decref(totals);
    json_decref(seen);
    json_decref(root);
}

/* Transactions at the edges of every field encoding; one carries a valid Ed25519 signature. */
static void mc_txs(coinjecture_tx *txs, uint8_t *data300)
{
    for (int i = 0; i < 300; i++) data300[i] = (uint8_t)(i * 37 + 1);
    static const uint8_t data3[3] = {1, 2, 200};
    coinjecture_tx *t = txs;
    /* 0: Transaction::default() */
    memset(t, 0, 6 * sizeof *t);
    t[0].codec_version = 1, t[0].tx_type = COINJECTURE_TX_TRANSFER, t[0].gas_limit = 21000, t[0].gas_price = 1;
    /* 1: the BountyPayment reference value of core.md §4.3 */
    t[1].codec_version = 1, t[1].tx_type = COINJECTURE_TX_BOUNTY_PAYMENT;
    memset(t[1].from, 0x11, 32), memset(t[1].to, 0x22, 32), memset(t[1].signature, 0x33, 64);
    t[1].amount = UINT64_C(1000000000000000000), t[1].nonce = 5, t[1].gas_limit = 50000, t[1].gas_price = 1000;
    t[1].data = data3, t[1].data_len = 3, t[1].timestamp = -5;
    /* 2: ProblemSubmission, array16 data, extreme integers */
    t[2].codec_version = 0, t[2].tx_type = COINJECTURE_TX_PROBLEM_SUBMISSION;
    memset(t[2].from, 0xff, 32), memset(t[2].signature, 0x80, 64);
    t[2].amount = UINT64_MAX, t[2].nonce = UINT64_MAX - 1, t[2].gas_limit = 50000, t[2].gas_price = UINT64_MAX;
    t[2].data = data300, t[2].data_len = 300, t[2].timestamp = INT64_MIN;
    /* 3: every unsigned width once, int8 timestamp, 16-element data (array16 boundary) */
    t[3].codec_version = 255, t[3].tx_type = COINJECTURE_TX_TRANSFER;
    t[3].amount = 0xffff, t[3].nonce = 0x10000, t[3].gas_limit = 0xffffffffu, t[3].gas_price = UINT64_C(0x100000000);
    t[3].data = data300 + 100, t[3].data_len = 16, t[3].timestamp = -33;
    /* 4: int16/int32 timestamps' neighbours, 15-element data (fixarray boundary) */
    t[4].codec_version = 1, t[4].tx_type = COINJECTURE_TX_BOUNTY_PAYMENT, t[4].gas_limit = 60000,
    t[4].gas_price = 200, t[4].amount = 127, t[4].nonce = 128;
    t[4].data = data300 + 7, t[4].data_len = 15, t[4].timestamp = -129;
    /* 5: a correctly signed transfer (the rules harness then sees a valid signature too) */
    uint8_t pk[32], sk[64], seed[32];
    memset(seed, 0x5e, sizeof seed);
    if (crypto_sign_seed_keypair(pk, sk, seed) != 0) exit(1);
    t[5].codec_version = 1, t[5].tx_type = COINJECTURE_TX_TRANSFER;
    memcpy(t[5].from, pk, 32), memset(t[5].to, 0x42, 32);
    t[5].amount = 1000000, t[5].nonce = 0, t[5].gas_limit = 21000, t[5].gas_price = 100;
    t[5].timestamp = INT32_MIN - INT64_C(1);
    mc_check(coinjecture_tx_sign(&t[5], sk), "tx sign");
    static const char *const names[6] = {"default_transfer", "bounty_payment_ref", "problem_submission_max",
                                         "widths_data16",    "bounty_data15",      "signed_transfer"};
    for (int i = 0; i < 6; i++) mc_encode_write("fuzz_decode_tx", names[i], mc_enc_tx, &t[i]);
    /* Data large enough that the tx hash streams through its 2 KiB stage instead of one-shot hashing. */
    static uint8_t data1500[1500];
    for (size_t i = 0; i < sizeof data1500; i++) data1500[i] = (uint8_t)(i * 151 + 3);
    coinjecture_tx big = t[2];
    big.data = data1500, big.data_len = sizeof data1500, big.nonce = 16;
    mc_encode_write("fuzz_decode_tx", "problem_submission_data1500", mc_enc_tx, &big);
}

/* Reveals (valid and invalid subset-sum verdicts, every tier name used somewhere), their parts, and two
 * commitments. */
static void mc_reveals(coinjecture_reveal *r)
{
    memset(r, 0, 4 * sizeof *r);
    static const int64_t ref[12] = {1, -2, 300, -40000, 5000000000, -5000000000, 0, 127, 128, -32, -33, 255};
    /* 0: Desktop, valid: indices 0, 7, 9, 10, 11, 4, 5 sum to 318 */
    r[0].problem.problem_type = COINJECTURE_PROBLEM_SUBSET_SUM, r[0].problem.tier = COINJECTURE_TIER_DESKTOP;
    r[0].problem.elements_len = 12;
    memcpy(r[0].problem.elements, ref, sizeof ref);
    r[0].problem.target = 318, r[0].problem.timestamp = 1000;
    static const uint32_t idx0[7] = {0, 7, 9, 10, 11, 4, 5};
    r[0].solution.indices_len = 7;
    memcpy(r[0].solution.indices, idx0, sizeof idx0);
    r[0].solution.timestamp = 1001;
    memset(r[0].miner_salt, 0x04, 32), r[0].nonce = 42;
    /* 1: Mobile, empty solution with target 0 (valid) */
    r[1].problem.problem_type = COINJECTURE_PROBLEM_SUBSET_SUM, r[1].problem.tier = COINJECTURE_TIER_MOBILE;
    r[1].problem.elements_len = 8;
    for (int i = 0; i < 8; i++) r[1].problem.elements[i] = i - 4;
    r[1].problem.timestamp = -1, r[1].nonce = UINT64_MAX;
    /* 2: Cluster, 32 elements and 32 indices (array16 headers), sum overflows int64 */
    r[2].problem.problem_type = COINJECTURE_PROBLEM_SUBSET_SUM, r[2].problem.tier = COINJECTURE_TIER_CLUSTER;
    r[2].problem.elements_len = 32, r[2].solution.indices_len = 32;
    for (int i = 0; i < 32; i++) {
        r[2].problem.elements[i] = i % 2 ? INT64_MAX - i : INT64_MIN + i;
        r[2].solution.indices[i] = (uint32_t)(31 - i);
    }
    r[2].problem.target = INT64_MIN, r[2].problem.timestamp = INT64_MAX;
    memset(r[2].miner_salt, 0xee, 32), r[2].nonce = 0x100;
    /* 3: Knapsack and Workstation/Server names, the §4.3 solution with a u32 index */
    r[3].problem.problem_type = COINJECTURE_PROBLEM_KNAPSACK, r[3].problem.tier = COINJECTURE_TIER_WORKSTATION;
    r[3].problem.elements_len = 16;
    for (int i = 0; i < 16; i++) r[3].problem.elements[i] = (int64_t)1 << (i * 4);
    r[3].problem.target = -32769;
    static const uint32_t idx3[4] = {0, 2, 4, 70000};
    r[3].solution.indices_len = 4;
    memcpy(r[3].solution.indices, idx3, sizeof idx3);
    r[3].solution.timestamp = 1001;
    static const char *const names[4] = {"desktop_valid", "mobile_empty_solution", "cluster_overflow",
                                         "knapsack_workstation"};
    for (int i = 0; i < 4; i++) mc_encode_write("fuzz_decode_reveal", names[i], mc_enc_reveal, &r[i]);

    coinjecture_problem server = r[3].problem;
    server.problem_type = COINJECTURE_PROBLEM_LATTICE, server.tier = COINJECTURE_TIER_SERVER;
    server.elements_len = 20;
    mc_encode_write("fuzz_decode_reveal", "problem_desktop", mc_enc_problem, &r[0].problem);
    mc_encode_write("fuzz_decode_reveal", "problem_lattice_server", mc_enc_problem, &server);
    mc_encode_write("fuzz_decode_reveal", "solution_ref", mc_enc_solution, &r[3].solution);
    mc_encode_write("fuzz_decode_reveal", "solution_cluster", mc_enc_solution, &r[2].solution);
    coinjecture_commitment c;
    uint8_t parent[32];
    memset(parent, 0x03, sizeof parent);
    mc_check(coinjecture_commitment_create(&r[0].problem, &r[0].solution, r[0].miner_salt, parent, 7, &c), "commit");
    mc_encode_write("fuzz_decode_reveal", "commitment_desktop", mc_enc_commitment, &c);
    memset(&c, 0xff, sizeof c);
    mc_encode_write("fuzz_decode_reveal", "commitment_ff", mc_enc_commitment, &c);
}

/* Blocks: empty, with transactions and a cid, with a str8 cid, and with 16 transactions (array16). */
static void mc_blocks(coinjecture_tx *txs, const coinjecture_reveal *r)
{
    coinjecture_block b;
    memset(&b, 0, sizeof b);
    b.header.codec_version = 1, b.header.timestamp = 1704067200, b.header.difficulty_target = 100;
    b.reveal = r[1];
    mc_encode_write("fuzz_decode_block", "genesis_empty", mc_enc_block, &b);

    memcpy(b.header.extra_data, "CHECKPOINT", 10), b.header.extra_data_len = 10;
    b.header.block_index = 1000, b.header.nonce = 999999;
    memset(b.header.parent_hash, 0xab, 32);
    coinjecture_tx three[3] = {txs[0], txs[1], txs[3]};
    b.transactions = three, b.tx_count = 3;
    b.reveal = r[0];
    b.cid = (char *)"bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
    mc_encode_write("fuzz_decode_block", "three_txs_cid", mc_enc_block, &b);

    b.transactions = &txs[5], b.tx_count = 1;
    b.reveal = r[3];
    b.cid = (char *)"Qm";
    mc_encode_write("fuzz_decode_block", "signed_tx_short_cid", mc_enc_block, &b);

    coinjecture_tx many[16];
    for (int i = 0; i < 16; i++) many[i] = txs[i % 2 ? 0 : 4], many[i].nonce = (uint64_t)i;
    b.transactions = many, b.tx_count = 16;
    b.reveal = r[2];
    b.cid = NULL;
    b.header.extra_data_len = 256;
    for (int i = 0; i < 256; i++) b.header.extra_data[i] = (uint8_t)i;
    mc_encode_write("fuzz_decode_block", "sixteen_txs_extra256", mc_enc_block, &b);
}

/* Extra header seeds (widths the golden headers never use) and header_hash seeds beyond the golden ones. */
static void mc_headers(void)
{
    coinjecture_header h;
    memset(&h, 0, sizeof h);
    h.codec_version = 200, h.block_index = UINT64_MAX, h.timestamp = INT64_MIN;
    h.difficulty_target = UINT64_C(0x100000000), h.nonce = 0xffffffffu;
    memset(h.parent_hash, 0xaa, 32), memset(h.commitment, 0x55, 32);
    h.extra_data_len = 256;
    for (int i = 0; i < 256; i++) h.extra_data[i] = (uint8_t)(255 - i);
    mc_encode_write("fuzz_decode_header", "wide_fields_extra256", mc_enc_header, &h);
    h.timestamp = -1, h.extra_data_len = 16;
    mc_encode_write("fuzz_decode_header", "negfix_extra16", mc_enc_header, &h);

    mc_header_hash_seed("wide_fields_extra256", 0, 0x1c8, &h, h.extra_data, 256);
    uint8_t big[900];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)(i * 7);
    h.block_index = 77, h.difficulty_target = 1000;
    mc_header_hash_seed("ffi_extra900_streamed", CJ_FZ_HH_NARROW | CJ_FZ_HH_ACCEL, 1, &h, big, sizeof big);
}

/* One subset_sum harness input (layout in fuzz_common.h). */
static void mc_ss_seed(const char *name, uint8_t flags, uint8_t n, uint8_t k, const void *elems, size_t elems_len,
                       const void *idx, size_t idx_len, const void *tail, size_t tail_len)
{
    cj_fz_buf b = {0};
    cj_fz_put_u8(&b, flags);
    cj_fz_put_u8(&b, n);
    cj_fz_put_u8(&b, k);
    cj_fz_put(&b, elems, elems_len);
    cj_fz_put(&b, idx, idx_len);
    cj_fz_put(&b, tail, tail_len);
    mc_write("fuzz_subset_sum", name, b.p, b.n);
    cj_fz_buf_free(&b);
}

/* Subset-sum inputs covering every verdict of both APIs. */
static void mc_subset_sum(void)
{
    const uint8_t small = CJ_FZ_SS_SMALL | CJ_FZ_SS_SUM | CJ_FZ_SS_COMPACT;
    static const int8_t e12[12] = {5, -3, 7, 1, 0, 9, -8, 2, 4, 6, -1, 3};
    static const uint8_t i5[5] = {0, 2, 4, 6, 8}, dup[5] = {0, 2, 2, 6, 8}, oob[3] = {1, 12, 3};
    static const uint8_t zero_nulls[2] = {0, 0}, one[2] = {1, 0}, nulls3[2] = {0, 3};
    mc_ss_seed("desktop_valid", 1 | small, 12, 5, e12, 12, i5, 5, zero_nulls, 2);
    mc_ss_seed("desktop_wrong_sum", 1 | small, 12, 5, e12, 12, i5, 5, one, 2);
    mc_ss_seed("desktop_duplicate", 1 | small, 12, 5, e12, 12, dup, 5, zero_nulls, 2);
    mc_ss_seed("desktop_index_range", 1 | small, 12, 3, e12, 12, oob, 3, zero_nulls, 2);
    mc_ss_seed("mobile_empty_valid", 0 | small, 8, 0, e12, 8, NULL, 0, zero_nulls, 2);
    mc_ss_seed("tier7_invalid", 7 | small, 12, 5, e12, 12, i5, 5, zero_nulls, 2);
    mc_ss_seed("knapsack_type", 1 | small | CJ_FZ_SS_OTHER_TYPE, 12, 5, e12, 12, i5, 5, zero_nulls, 2);
    mc_ss_seed("null_pointers", 1 | small, 12, 5, e12, 12, i5, 5, nulls3, 2);
    /* Tight budget: max_ops 9 < 2k = 10 (input budget, then the NULL flags byte). */
    uint8_t budget[14] = {0, 9, 0, 0, 0, 1, 0, 0, 0, 40, 0, 0, 0, 0};
    mc_ss_seed("budget_ops", 1 | small | CJ_FZ_SS_BUDGET, 12, 5, e12, 12, i5, 5, budget, sizeof budget);
    /* Cluster: 32 full-width elements that overflow when summed in index order. */
    uint8_t big[32 * 8], idx[3 * 4] = {0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0}, tail[9] = {0};
    for (int i = 0; i < 32; i++) {
        uint64_t v = i == 2 ? (uint64_t)-1 : (uint64_t)INT64_MAX - (uint64_t)i;
        for (int j = 0; j < 8; j++) big[8 * i + j] = (uint8_t)(v >> (8 * j));
    }
    mc_ss_seed("cluster_overflow_order", 4, 32, 3, big, sizeof big, idx, sizeof idx, tail, sizeof tail);
    mc_ss_seed("forty_elements", 4 | small, 40, 2, big, 40, i5, 2, zero_nulls, 2);
}

/* 64-byte batch seeds sized for the 8- and 16-lane paths plus a remainder. */
static void mc_sha_batches(void)
{
    uint8_t d[64 * 19 + 5];
    for (size_t i = 0; i < sizeof d; i++) d[i] = (uint8_t)(i ^ (i >> 6));
    mc_sha_seed("batch_5", CJ_FZ_SHA_MANY, 1, NULL, 0, d, 64 * 5);
    mc_sha_seed("batch_19_tail5", CJ_FZ_SHA_MANY | CJ_FZ_SHA_HASH, 2, NULL, 0, d, sizeof d);
    uint8_t cnt[2] = {0x00, 0x02}; /* 512 leaves: the threaded split */
    mc_sha_seed("merkle_512_threads4", CJ_FZ_SHA_MERKLE | CJ_FZ_SHA_LARGE_COUNT | (3u << 3), 3, cnt, 2, d, 96);
}

#ifdef CJ_MC_NODE
/* ---- node parsers (only when cj_make_corpus links cj_node): seeds made by the node's own renderers ---- */

/* Writes a NUL-terminated text seed (the terminator is not part of it). */
static void mc_write_text(const char *target, const char *name, const char *text)
{
    if (!text) exit(1);
    mc_write(target, name, (const uint8_t *)text, strlen(text));
}

/* A signed POST /v1/transactions body exactly as coinjecture-cli builds it (cj_json_tx without "fee"). */
static char *mc_tx_body(const coinjecture_tx *tx, int keep_hash)
{
    json_t *o = cj_json_tx(tx);
    if (!o) exit(1);
    json_object_del(o, "fee");
    if (!keep_hash) json_object_del(o, "tx_hash");
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return text;
}

/* Transaction bodies: signed transfers (cli form, with and without tx_hash), data, u64 strings above 2^63,
 * "0x" hex, a batch array, and two refusals (unknown field, bad hash). */
static void mc_node_tx_json(void)
{
    const char *t = "fuzz_node_tx_json";
    uint8_t pk[32], sk[64], seed[32];
    memset(seed, 0x7a, sizeof seed);
    if (crypto_sign_seed_keypair(pk, sk, seed) != 0) exit(1);
    coinjecture_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.codec_version = COINJECTURE_CODEC_VERSION, tx.tx_type = COINJECTURE_TX_TRANSFER;
    memcpy(tx.from, pk, 32), memset(tx.to, 0x42, 32);
    tx.amount = 1000000, tx.nonce = 0, tx.gas_limit = 21000, tx.gas_price = 100, tx.timestamp = 1700000000123;
    mc_check(coinjecture_tx_sign(&tx, sk), "tx sign");
    char *cli = mc_tx_body(&tx, 1), *nohash = mc_tx_body(&tx, 0);
    mc_write_text(t, "cli_signed_transfer", cli);
    mc_write_text(t, "signed_transfer_no_hash", nohash);

    static const uint8_t data[5] = {0xde, 0xad, 0xbe, 0xef, 0x01};
    coinjecture_tx big = tx;
    big.tx_type = COINJECTURE_TX_PROBLEM_SUBMISSION, big.codec_version = 0;
    big.amount = UINT64_MAX, big.nonce = UINT64_C(9223372036854775808), big.gas_price = UINT64_MAX;
    big.gas_limit = 50000, big.timestamp = INT64_MIN, big.data = data, big.data_len = sizeof data;
    mc_check(coinjecture_tx_sign(&big, sk), "tx sign");
    char *wide = mc_tx_body(&big, 1);
    mc_write_text(t, "u64_strings_data_type2", wide);

    char buf[4096];
    char hex_from[65], hex_sig[129];
    coinjecture_hex_encode(tx.from, 32, hex_from, sizeof hex_from);
    coinjecture_hex_encode(tx.signature, 64, hex_sig, sizeof hex_sig);
    snprintf(buf, sizeof buf,
             "{\n  \"from\": \"0x%s\",\n  \"to\": \"0X%s\",\n  \"amount\": \"1000000\",\n  \"nonce\": 0,\n"
             "  \"gas_limit\": 21000,\n  \"gas_price\": \"100\",\n  \"signature\": \"%s\",\n"
             "  \"timestamp\": 1700000000123,\n  \"tx_type\": 3,\n  \"codec_version\": 255,\n  \"data\": \"0xABcd\"\n}\n",
             hex_from, "4242424242424242424242424242424242424242424242424242424242424242", hex_sig);
    mc_write_text(t, "hex_prefixes_optional_fields", buf);
    snprintf(buf, sizeof buf, "[%s, %s]", cli, wide);
    mc_write_text(t, "batch_two", buf);
    snprintf(buf, sizeof buf, "%.*s,\"fee\":2100000}", (int)strlen(nohash) - 1, nohash);
    mc_write_text(t, "refused_unknown_fee", buf);
    snprintf(buf, sizeof buf, "%s", cli);
    char *h = strstr(buf, "\"tx_hash\":\"");
    if (h) h[11] = h[11] == '0' ? '1' : '0';
    mc_write_text(t, "refused_wrong_hash", buf);
    free(cli), free(nohash), free(wide);
}

/* Genesis documents: canonical text of a few structs (one validator; several with allocations up to the
 * u64 total) and a hand-written one with "0x" keys and decimal strings, as the unit tests write them. */
static void mc_node_genesis(void)
{
    const char *t = "fuzz_node_genesis";
    uint8_t keys[4][32];
    for (int i = 0; i < 4; i++) {
        uint8_t sk[64], seed[32];
        memset(seed, 0x10 + i, sizeof seed);
        if (crypto_sign_seed_keypair(keys[i], sk, seed) != 0) exit(1);
    }
    cj_genesis g;
    memset(&g, 0, sizeof g);
    g.rules_version = CJ_GENESIS_RULES_VERSION;
    g.chain_id = 1337, g.genesis_time = 1700000000, g.block_time_ms = 1000, g.epoch_length = 100;
    snprintf(g.network, sizeof g.network, "coinjecture-devnet");
    g.validators = keys, g.validator_count = 1;
    char *text = cj_genesis_to_json(&g);
    mc_write_text(t, "one_validator", text);
    free(text);

    cj_genesis_alloc allocs[3];
    memset(allocs, 0, sizeof allocs);
    memcpy(allocs[0].pubkey, keys[3], 32), allocs[0].balance = 1000000000;
    memcpy(allocs[1].pubkey, keys[0], 32), allocs[1].balance = UINT64_C(9223372036854775808);
    memset(allocs[2].pubkey, 0, 32), allocs[2].pubkey[31] = 1, allocs[2].balance = UINT64_C(9223372035854775807);
    g.chain_id = UINT64_MAX, g.genesis_time = 0, g.block_time_ms = 3600000, g.epoch_length = 1000000;
    snprintf(g.network, sizeof g.network, "net.work_1-0123456789012345678901234567890123456789012345678901");
    g.validator_count = 3, g.allocs = allocs, g.alloc_count = 3;
    text = cj_genesis_to_json(&g);
    mc_write_text(t, "three_validators_full_allocations", text);
    free(text);

    mc_write_text(t, "hand_written_prefixes",
                  "{\"network\": \"coinjecture-testnet\", \"chain_id\": \"1337\", \"genesis_time\": 1700000000,"
                  " \"block_time_ms\": 2000, \"epoch_length\": 100, \"validators\": ["
                  "\"7eb04adf26b040b0e66abd7d5176d57b2484ef8a9f28fc479ad02e8721c206b6\","
                  " \"0x5ed2fa2399e55a63f5c277fb4640de1281efecea850b7c8ad36b3bbd575347a5\"], \"allocations\": ["
                  "{\"pubkey\": \"0000000000000000000000000000000000000000000000000000000000000001\", \"balance\": 1000},"
                  " {\"balance\": \"18446744073709550615\", \"pubkey\": "
                  "\"5ed2fa2399e55a63f5c277fb4640de1281efecea850b7c8ad36b3bbd575347a5\"}]}");
    mc_write_text(t, "refused_duplicate_validator",
                  "{\"chain_id\": 1, \"network\": \"n\", \"genesis_time\": 0, \"block_time_ms\": 100,"
                  " \"epoch_length\": 1, \"validators\": ["
                  "\"7eb04adf26b040b0e66abd7d5176d57b2484ef8a9f28fc479ad02e8721c206b6\","
                  " \"7EB04ADF26B040B0E66ABD7D5176D57B2484EF8A9F28FC479AD02E8721C206B6\"], \"allocations\": []}");
}

/* Reads a file of the source tree into a heap string (NULL if missing). */
static char *mc_read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    cj_fz_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) cj_fz_put(&b, chunk, n);
    fclose(f);
    cj_fz_put_u8(&b, 0);
    return (char *)b.p;
}

/* Configuration files: the shipped sample, an effective configuration with every source kind a file can
 * set, and short files for dotted keys, flow lists, legacy keys, anchors/aliases and escapes. */
static void mc_node_config(void)
{
    const char *t = "fuzz_node_config";
    char *sample = mc_read_text(CJ_SOURCE_DIR "/docs/coinjectured.sample.yaml");
    if (sample) mc_write_text(t, "sample", sample);
    free(sample);

    cj_config c;
    char err[512];
    static const char edited[] =
        "node:\n  data_dir: /var/lib/coinjecture\n  key_file: \"keys/validator.key\"\n"
        "consensus:\n  crypto_backend: accelerated\n  votes:\n    - add:7eb04adf26b040b0e66abd7d5176d57b2484ef8a9f28fc479ad02e8721c206b6\n"
        "  shadow_mode.enabled: yes\n  shadow_mode:\n    compare_with_validator: \"0\"\n"
        "api:\n  port: 18081\n  read_timeout: 1m30s\n  max_request_size: 64KiB\n"
        "rate_limiter: {ip_limit: 5, burst_multiplier: 1.5}\n"
        "p2p:\n  bootstrap_peers: [\"127.0.0.1:9002\", 'node-b:9003']\n  ban_time: 0s\n"
        "log:\n  level: debug\n  format: json\n";
    if (cj_config_init(&c) != 0 || cj_config_load_yaml(&c, edited, strlen(edited), "edited.yaml", err, sizeof err) != 0) {
        fprintf(stderr, "cj_make_corpus: config seed refused: %s\n", err);
        exit(1);
    }
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) exit(1);
    cj_config_print(&c, f);
    fclose(f);
    cj_config_free(&c);
    mc_write_text(t, "edited", edited);
    mc_write_text(t, "effective_print", text);
    free(text);

    mc_write_text(t, "legacy_keys", "network:\n  chain_id: 7\nmetrics:\n  enabled: true\nrust: {lib: x}\n"
                                    "p2p:\n  discovery: {mdns: true}\n  max_peers: 8\n");
    mc_write_text(t, "anchors_aliases", "api: &a {host: \"::1\", port: 9000}\np2p: {host: &h 0.0.0.0, port: 9001}\n"
                                        "node: {data_dir: *h}\n");
    mc_write_text(t, "escapes", "consensus:\n  shadow_mode:\n    alert_command: \"echo \\t\\\"x\\\" \\u00e9 \\\\ '\"\n"
                                "node:\n  genesis_file: 'it''s.json'\n");
    mc_write_text(t, "empty_document", "---\n...\n");
    mc_write_text(t, "refused_unknown_key", "api:\n  prot: 8081\n");
    mc_write_text(t, "refused_nesting", "api: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]"
                                        "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n");
}

/* P2P wire (fuzz_node_p2p_wire): byte 0x00 + one message of every type (encoded by cj_p2p_encode), and
 * byte 0x01 + frames sealed with the harness's key (32 x 0x42) at counter 0. */
static void mc_node_p2p(const coinjecture_tx *txs, const coinjecture_reveal *r)
{
    const char *t = "fuzz_node_p2p_wire";
    static cj_p2p_msg m;
    uint8_t *tx_bytes = NULL, *blk_bytes = NULL;
    size_t tx_len = 0, blk_len = 0;
    size_t need = 0;
    if (coinjecture_tx_encode(&txs[5], NULL, 0, &need) != COINJ_ERROR_BUFFER_TOO_SMALL || !(tx_bytes = malloc(need)))
        exit(1);
    mc_check(coinjecture_tx_encode(&txs[5], tx_bytes, need, &tx_len), "p2p tx");
    coinjecture_block b;
    memset(&b, 0, sizeof b);
    b.header.codec_version = 1, b.header.timestamp = 1704067200, b.header.difficulty_target = 100;
    b.reveal = r[1];
    mc_check(coinjecture_block_encode_alloc(&b, &blk_bytes, &blk_len), "p2p block");
    char err[256];
    uint8_t hdr_bytes[CJ_P2P_MAX_HEADER_BYTES];
    size_t hdr_len = 0;
    for (int ty = 0; ty < (int)CJ_P2P_TYPE_COUNT; ty++) {
        memset(&m, 0, sizeof m);
        m.type = (cj_p2p_type)ty;
        switch (m.type) {
        case CJ_P2P_HELLO:
            m.u.hello.version = CJ_P2P_VERSION, m.u.hello.chain_id = 1337, m.u.hello.listen_port = 9001;
            memset(m.u.hello.genesis, 0x9e, 32), memset(m.u.hello.node_key, 0x11, 32);
            memset(m.u.hello.eph_key, 0x22, 32), memset(m.u.hello.nonce, 0x33, 32);
            break;
        case CJ_P2P_AUTH: m.u.auth.time_ms = 1765000000123ull, memset(m.u.auth.sig, 0x5a, 64); break;
        case CJ_P2P_STATUS:
            m.u.status.height = 1000, m.u.status.weight = UINT64_C(0x100000000);
            memset(m.u.status.best, 0xab, 32);
            break;
        case CJ_P2P_TX: m.u.tx.bytes = tx_bytes, m.u.tx.len = tx_len; break;
        case CJ_P2P_BLOCK: m.u.block.bytes = blk_bytes, m.u.block.len = blk_len; break;
        case CJ_P2P_GET_BLOCKS: m.u.get_blocks.from = 1, m.u.get_blocks.count = CJ_P2P_MAX_BATCH; break;
        case CJ_P2P_BLOCKS:
            m.u.blocks.from = 7, m.u.blocks.count = 2;
            m.u.blocks.items[0] = m.u.blocks.items[1] = blk_bytes;
            m.u.blocks.lens[0] = m.u.blocks.lens[1] = blk_len;
            break;
        case CJ_P2P_PING:
        case CJ_P2P_PONG: m.u.ping.nonce = UINT64_MAX - (uint64_t)ty; break;
        case CJ_P2P_EVIDENCE:
            mc_check(coinjecture_header_encode(&b.header, hdr_bytes, sizeof hdr_bytes, &hdr_len), "p2p evidence");
            m.u.evidence.header_a = m.u.evidence.header_b = hdr_bytes;
            m.u.evidence.len_a = m.u.evidence.len_b = hdr_len;
            break;
        default: break;
        }
        uint8_t *enc = NULL;
        size_t len = 0;
        if (cj_p2p_encode(&m, &enc, &len, err, sizeof err) != 0) {
            fprintf(stderr, "cj_make_corpus: p2p %s: %s\n", cj_p2p_type_name(m.type), err);
            exit(1);
        }
        char name[64];
        cj_fz_buf in = {0};
        cj_fz_put_u8(&in, 0x00);
        cj_fz_put(&in, enc, len);
        snprintf(name, sizeof name, "msg_%s", cj_p2p_type_name(m.type));
        mc_write(t, name, in.p, in.n);
        if (m.type == CJ_P2P_STATUS || m.type == CJ_P2P_TX) {
            cj_p2p_cipher c;
            memset(&c, 0, sizeof c);
            memset(c.key, 0x42, 32);
            in.n = 0;
            cj_fz_put_u8(&in, 0x01);
            uint8_t *frame = malloc(4 + len + CJ_P2P_TAG_LEN);
            if (!frame || cj_p2p_seal(&c, enc, len, frame) != 0) exit(1);
            cj_fz_put(&in, frame, 4 + len + CJ_P2P_TAG_LEN);
            free(frame);
            snprintf(name, sizeof name, "frame_%s", cj_p2p_type_name(m.type));
            mc_write(t, name, in.p, in.n);
        }
        cj_fz_buf_free(&in);
        free(enc);
    }
    free(tx_bytes);
    free(blk_bytes);
}
#endif /* CJ_MC_NODE */

/* Entry point: OUTDIR first, then optional vector files. */
int main(int argc, char **argv)
{
    unsigned limit = 0;
    int a = 1;
    if (argc > 2 && strcmp(argv[1], "-n") == 0) {
        limit = (unsigned)strtoul(argv[2], NULL, 10);
        a = 3;
    }
    if (argc <= a) {
        fprintf(stderr, "usage: %s [-n PER_OPERATION] OUTDIR [VECTORS.json ...]\n", argv[0]);
        return 2;
    }
    if (sodium_init() < 0) return 1;
    mc_outdir = argv[a];
    mc_mkdir(mc_outdir);
    if (argc > a + 1) {
        for (int i = a + 1; i < argc; i++) {
            char prefix[16];
            snprintf(prefix, sizeof prefix, "v%d", i - a);
            mc_vectors(argv[i], prefix, limit);
        }
    } else {
        static const char *const defaults[2][2] = {{CJ_SOURCE_DIR "/golden/network_b_vectors.json", "project"},
                                                   {CJ_SOURCE_DIR "/golden/original/network_b_vectors.json", "golden"}};
        for (int i = 0; i < 2; i++) {
            FILE *f = fopen(defaults[i][0], "rb");
            if (!f) continue;
            fclose(f);
            mc_vectors(defaults[i][0], defaults[i][1], limit);
        }
    }
    coinjecture_tx txs[6];
    coinjecture_reveal reveals[4];
    uint8_t data300[300];
    mc_txs(txs, data300);
    mc_reveals(reveals);
    mc_blocks(txs, reveals);
    mc_headers();
    mc_subset_sum();
    mc_sha_batches();
#ifdef CJ_MC_NODE
    mc_node_tx_json();
    mc_node_genesis();
    mc_node_config();
    mc_node_p2p(txs, reveals);
#endif
    printf("cj_make_corpus: %u seed files in %s\n", mc_written, mc_outdir);
    return 0;
}
