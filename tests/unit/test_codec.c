/* Unit tests of the canonical codec and the hashes over it (src/core/codec.c; core.md §4, §5). */
/* These tests pass NULL to Part II functions on purpose to check the library's refusal (coinjecture.h
 * rule 2), so the compiler's nonnull contract (rule 9) is switched off for this file. */
#define COINJECTURE_NO_ARG_NONNULL
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coinjecture.h"
#include "msgpack.h"
#include "testutil.h"

/* ---- helpers ---- */

/* Fills a genesis-like header: codec 1, given timestamp/difficulty, zero hashes, empty extra_data. */
static void make_header(coinjecture_header *h, int64_t ts, uint64_t difficulty)
{
    memset(h, 0, sizeof *h);
    h->codec_version = 1;
    h->timestamp = ts;
    h->difficulty_target = difficulty;
}

/* Transaction::default() of the original. */
static void make_default_tx(coinjecture_tx *tx)
{
    memset(tx, 0, sizeof *tx);
    tx->codec_version = 1;
    tx->tx_type = COINJECTURE_TX_TRANSFER;
    tx->gas_limit = 21000;
    tx->gas_price = 1;
}

static const uint8_t BOUNTY_DATA[3] = {1, 2, 200};

/* The BountyPayment transaction of core.md §4.3. */
static void make_bounty_tx(coinjecture_tx *tx)
{
    memset(tx, 0, sizeof *tx);
    tx->codec_version = 1;
    tx->tx_type = COINJECTURE_TX_BOUNTY_PAYMENT;
    memset(tx->from, 0x11, 32);
    memset(tx->to, 0x22, 32);
    tx->amount = 1000000000000000000ull;
    tx->nonce = 5;
    tx->gas_limit = 50000;
    tx->gas_price = 1000;
    memset(tx->signature, 0x33, 64);
    tx->data = BOUNTY_DATA;
    tx->data_len = 3;
    tx->timestamp = -5;
}

/* The Problem of core.md §4.3. */
static void make_problem(coinjecture_problem *p)
{
    static const int64_t el[12] = {1, -2, 300, -40000, 5000000000ll, -5000000000ll, 0, 127, 128, -32, -33, 255};
    memset(p, 0, sizeof *p);
    p->problem_type = COINJECTURE_PROBLEM_SUBSET_SUM;
    p->tier = COINJECTURE_TIER_DESKTOP;
    p->elements_len = 12;
    memcpy(p->elements, el, sizeof el);
    p->target = 9;
    p->timestamp = 1000;
}

/* The Solution of core.md §4.3. */
static void make_solution(coinjecture_solution *s)
{
    memset(s, 0, sizeof *s);
    s->indices_len = 4;
    s->indices[0] = 0;
    s->indices[1] = 2;
    s->indices[2] = 4;
    s->indices[3] = 70000;
    s->timestamp = 1001;
}

static const uint8_t TX1_DATA[24] = {0x00, 0x7f, 0x80, 0xff, 0x43, 1, 2, 3, 4, 5, 6, 7,
                                     8,    9,    10,   0x90, 0xa0, 0xc0, 0xc1, 0xcc, 0xd0, 0xdc, 0xe0, 0x20};
static coinjecture_tx SAMPLE_TXS[2];
static char SAMPLE_CID[] = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";

/* A small block exercising every field type (extra_data and data with high bytes, negatives, cid). */
static void make_block(coinjecture_block *b, int with_cid)
{
    memset(b, 0, sizeof *b);
    make_header(&b->header, 1704067200, 100);
    b->header.block_index = 70000;
    memset(b->header.parent_hash, 0xab, 32);
    b->header.nonce = 4294967296ull;
    b->header.extra_data_len = 3;
    b->header.extra_data[0] = 0x01;
    b->header.extra_data[1] = 0x80;
    b->header.extra_data[2] = 0xff;
    make_default_tx(&SAMPLE_TXS[0]);
    SAMPLE_TXS[0].data = TX1_DATA;
    SAMPLE_TXS[0].data_len = sizeof TX1_DATA;
    SAMPLE_TXS[0].amount = 300;
    SAMPLE_TXS[0].timestamp = -129;
    make_bounty_tx(&SAMPLE_TXS[1]);
    SAMPLE_TXS[1].data = NULL;
    SAMPLE_TXS[1].data_len = 0;
    b->transactions = SAMPLE_TXS;
    b->tx_count = 2;
    b->reveal.problem.problem_type = COINJECTURE_PROBLEM_LATTICE;
    b->reveal.problem.tier = COINJECTURE_TIER_CLUSTER;
    b->reveal.problem.elements_len = 3;
    b->reveal.problem.elements[0] = -1;
    b->reveal.problem.elements[1] = 200;
    b->reveal.problem.elements[2] = INT64_MIN;
    b->reveal.problem.target = -33;
    b->reveal.problem.timestamp = 5;
    b->reveal.solution.indices_len = 2;
    b->reveal.solution.indices[0] = 1;
    b->reveal.solution.indices[1] = 65536;
    b->reveal.solution.timestamp = 6;
    memset(b->reveal.miner_salt, 0x5a, 32);
    b->reveal.nonce = 255;
    b->cid = with_cid ? SAMPLE_CID : NULL;
}

/* Encodes a block into a fresh heap buffer (test helper; asserts success). */
static uint8_t *enc_block(const coinjecture_block *b, size_t *len)
{
    uint8_t *buf = NULL;
    assert_int_equal(coinjecture_block_encode_alloc(b, &buf, len), COINJ_OK);
    assert_non_null(buf);
    return buf;
}

/* Finds the first occurrence of the fixstr key `key` in buf and returns the offset just after it. */
static size_t after_key(const uint8_t *buf, size_t n, const char *key)
{
    size_t k = strlen(key);
    for (size_t i = 0; i + 1 + k <= n; i++)
        if (buf[i] == (0xa0 | k) && memcmp(buf + i + 1, key, k) == 0) return i + 1 + k;
    fail_msg("key %s not found", key);
    return 0;
}

/* Builds in[0..off) ++ hex ++ in[off+skip..n) into out; returns the new length. */
static size_t splice(const uint8_t *in, size_t n, size_t off, size_t skip, const char *hex, uint8_t *out,
                     size_t cap)
{
    uint8_t rep[4096];
    size_t r = tu_unhex(hex, rep, sizeof rep);
    assert_true(off + skip <= n);
    assert_true(n - skip + r <= cap);
    memcpy(out, in, off);
    memcpy(out + off, rep, r);
    memcpy(out + off + r, in + off + skip, n - off - skip);
    return n - skip + r;
}

/* Encodes a header into buf (asserts success) and returns the length. */
static size_t enc_header(const coinjecture_header *h, uint8_t *buf, size_t cap)
{
    size_t n = 0;
    assert_int_equal(coinjecture_header_encode(h, buf, cap, &n), COINJ_OK);
    return n;
}

/* Decodes a header expecting rc; on failure checks the output is zeroed. */
static void expect_header_rc(const uint8_t *in, size_t n, CoinjResult rc)
{
    coinjecture_header h;
    memset(&h, 0xaa, sizeof h);
    CoinjResult got = coinjecture_header_decode(in, n, &h);
    if (got != rc) fail_msg("header decode: got %d expected %d (%s)", got, rc, coinjecture_last_error_message());
    if (rc != COINJ_OK) {
        coinjecture_header zero;
        memset(&zero, 0, sizeof zero);
        assert_memory_equal(&h, &zero, sizeof h);
        assert_true(strlen(coinjecture_last_error_message()) > 0);
    }
}

/* Decodes a block expecting rc; a failed decode must own nothing. */
static void expect_block_rc(const uint8_t *in, size_t n, CoinjResult rc)
{
    coinjecture_block b;
    memset(&b, 0xaa, sizeof b);
    CoinjResult got = coinjecture_block_decode(in, n, &b);
    if (got != rc) fail_msg("block decode: got %d expected %d (%s)", got, rc, coinjecture_last_error_message());
    if (rc != COINJ_OK) {
        assert_null(b.transactions);
        assert_null(b.cid);
        assert_int_equal(b.tx_count, 0);
    }
    coinjecture_block_free(&b);
}

/* ---- core.md §4.2 worked example ---- */

/* core.md §4.2: the 267 genesis bytes, their hash, decoding, and the CHECKPOINT tail. */
static void test_genesis_worked_example(void **state)
{
    (void)state;
    char hex[1200] = "8a"
                     "ad636f6465635f76657273696f6e01"
                     "ab626c6f636b5f696e64657800"
                     "a974696d657374616d70ce65920080"
                     "ab706172656e745f68617368c420";
    char z32[65];
    memset(z32, '0', 64);
    z32[64] = 0;
    strcat(hex, z32);
    strcat(hex, "ab6d65726b6c655f726f6f74c420");
    strcat(hex, z32);
    strcat(hex, "ad6d696e65725f61646472657373c420");
    strcat(hex, z32);
    strcat(hex, "aa636f6d6d69746d656e74c420");
    strcat(hex, z32);
    strcat(hex, "b1646966666963756c74795f74617267657464"
                "a56e6f6e636500"
                "aa65787472615f6461746190");
    uint8_t want[300], got[300];
    size_t wn = tu_unhex(hex, want, sizeof want);
    assert_int_equal(wn, 267);

    coinjecture_header h, back;
    make_header(&h, 1704067200, 100);
    size_t n = enc_header(&h, got, sizeof got);
    assert_int_equal(n, 267);
    assert_memory_equal(got, want, 267);

    uint8_t hash[32];
    assert_int_equal(coinjecture_header_hash(&h, hash), COINJ_OK);
    tu_assert_hash(hash, "9e28bebb26c909a59795061a5e1f71abfe29874a4e8e7afedfba453cf87285dc");
    cj_sha256(want, wn, hash);
    tu_assert_hash(hash, "9e28bebb26c909a59795061a5e1f71abfe29874a4e8e7afedfba453cf87285dc");

    assert_int_equal(coinjecture_header_decode(want, wn, &back), COINJ_OK);
    assert_memory_equal(&back, &h, sizeof h);

    /* CHECKPOINT tail */
    memcpy(h.extra_data, "CHECKPOINT", 10);
    h.extra_data_len = 10;
    n = enc_header(&h, got, sizeof got);
    uint8_t tail[32];
    size_t tn = tu_unhex("aa65787472615f646174619a434845434b504f494e54", tail, sizeof tail);
    assert_int_equal(n, 267 + 10);
    assert_memory_equal(got + n - tn, tail, tn);
    assert_memory_equal(got, want, 267 - 11);
    assert_int_equal(coinjecture_header_decode(got, n, &back), COINJ_OK);
    assert_memory_equal(&back, &h, sizeof h);
}

/* ---- core.md §4.3 reference hashes ---- */

/* core.md §4.3: hashes the original crate gives for a tx, a problem, a solution and a header. */
static void test_reference_hashes(void **state)
{
    (void)state;
    uint8_t hash[32], buf[1024];
    size_t n;

    coinjecture_tx tx;
    make_default_tx(&tx);
    assert_int_equal(coinjecture_tx_hash(&tx, hash), COINJ_OK);
    tu_assert_hash(hash, "1e74bb26bf917b4939b564023e03a39769a82b8a607050a82678f4a4e5f12f51");
    assert_int_equal(coinjecture_tx_encode(&tx, buf, sizeof buf, &n), COINJ_OK);
    cj_sha256(buf, n, hash);
    tu_assert_hash(hash, "1e74bb26bf917b4939b564023e03a39769a82b8a607050a82678f4a4e5f12f51");

    make_bounty_tx(&tx);
    assert_int_equal(coinjecture_tx_hash(&tx, hash), COINJ_OK);
    tu_assert_hash(hash, "35b8464352c4506779486669ff1f17f34b1aa1df289de3a1fd6bbe9c322545f3");

    coinjecture_problem p;
    make_problem(&p);
    assert_int_equal(coinjecture_problem_hash(&p, hash), COINJ_OK);
    tu_assert_hash(hash, "824ad0478271751c0441066ae44fa86812bf65786deabeec408a8e2987311090");

    coinjecture_solution s;
    make_solution(&s);
    uint8_t want[64];
    size_t wn = tu_unhex("82a7696e64696365739400020"
                         "4ce00011170a974696d657374616d70cd03e9",
                         want, sizeof want);
    assert_int_equal(coinjecture_solution_encode(&s, buf, sizeof buf, &n), COINJ_OK);
    assert_int_equal(n, wn);
    assert_memory_equal(buf, want, wn);
    assert_int_equal(coinjecture_solution_hash(&s, hash), COINJ_OK);
    tu_assert_hash(hash, "ad510234830bf16af55ea30098eaba7f26e6290c7f24ae5bc7273bbdae94013f");

    coinjecture_header h;
    make_header(&h, 1609459200, 1000);
    assert_int_equal(coinjecture_header_hash(&h, hash), COINJ_OK);
    tu_assert_hash(hash, "d1d959b0b7ec30e7613e650973fe34fc55c40bd97c476135e8163ee28068f66c");

    /* the minimal transaction is CJ_TX_MIN_SIZE (239) bytes, the bound the block decoder relies on */
    make_default_tx(&tx);
    tx.codec_version = 0;
    tx.gas_limit = 0;
    tx.gas_price = 0;
    assert_int_equal(coinjecture_tx_encode(&tx, buf, sizeof buf, &n), COINJ_OK);
    assert_int_equal(n, 239);
}

/* ---- golden BLOCK_HEADER vectors (network_b_vectors.json) ---- */

typedef struct {
    const char *name;
    uint64_t index;
    int64_t ts;
    const char *parent, *merkle, *miner, *commitment;
    uint64_t difficulty, nonce;
    const char *extra;
    const char *hash;
} golden_header;

static const golden_header GOLDEN[] = {
    {"block_header_1", 1, 1704067202, "9e28bebb26c909a59795061a5e1f71abfe29874a4e8e7afedfba453cf87285dc",
     "bbea820f07f7f89aeea1ab4a354ecea39f2f72accd05c64371522ee371cd0c48",
     "f17a8e54c59b1bf9f8003faf01dde2d54c38a51e5d1de25a665f2de7df981716",
     "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 100, 42, "",
     "ab8340e6d73563fa2e391f215a33c5e49a1f89c284a767dcf8fe8de407733636"},
    {"block_header_with_extra_data", 100, 1704067400,
     "14618b751626dc1bc5583cd53b99a59e4d34ada0f7a847fe203683aa01e7e864",
     "cdfc7c5a619294fb7f07ac9e69aaa45f436f97699704b463eadc100f628887f7",
     "de50cbafd2d519b84956a5a7ae0a21d164b7dad8b422f8995df5b501d39cc75e",
     "41384829859dcd17a474542a3d3d42ab7573c7fdb7b0d496e747c98451a86ab4", 1000, 1337,
     "4e6574776f726b2042204d6967726174696f6e202d2076342e352e302b",
     "ee23459fdb00b243c8962862060ca951ceb3cd47db40551b3d3057aeadf4cf3a"},
    {"block_header_checkpoint_1000", 1000, 1704069200,
     "b3bebc796ef79515f8cf3655a1c708fcfca38101b83a9961fd476cea44c7c2f6",
     "d038e15b9657285770cfd7f0a4d2c4fd6492142a800656491871c92520ffa3f7",
     "2f46b0008bb6b6ef62dc7cadd0d22ec67ec639b7afa76f8d835c991122e48de2",
     "ed44244a1f01153bfe37fc03324b4bc5a18e5cb032fa19ed9c15ca8d818f4ed6", 10000, 999999, "434845434b504f494e54",
     "5400880cd94345a495e2e5c194febf57bbd7e9e374497bba20dca47526de2773"},
    {"stress_test_vector_24", 168, 1704067248, "e094aaf60cec9f7ff7f2fc7b5198107ed9117d30f6d29877540dd3e3a6566f13",
     "d962510a2b9c52828b4c3a9b59e9958e56e2cca828400a567639bc2efcd7927e",
     "b971dd42f0dc2b06ea7ffc5314f16a89b8b285ea66a78fa36be60c4f42a72317",
     "21d763579d6c3675c0eb411a32bcf3cde400f9494845a59ab0fbae430dbbf3a4", 2400, 96280, "65787472615f646174615f3234",
     "0096f82830572fbb6d85b5215077c5d127677576df5a6e25bd8f1a2a35d2f778"},
};

/* Four BLOCK_HEADER vectors, through both backends, the encoder and the decoder. */
static void test_golden_header_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof GOLDEN / sizeof GOLDEN[0]; i++) {
        const golden_header *g = &GOLDEN[i];
        coinjecture_header h, back;
        make_header(&h, g->ts, g->difficulty);
        h.block_index = g->index;
        h.nonce = g->nonce;
        tu_unhex(g->parent, h.parent_hash, 32);
        tu_unhex(g->merkle, h.merkle_root, 32);
        tu_unhex(g->miner, h.miner_address, 32);
        tu_unhex(g->commitment, h.commitment, 32);
        h.extra_data_len = (uint32_t)tu_unhex(g->extra, h.extra_data, sizeof h.extra_data);
        uint8_t hash[32], buf[1024];
        assert_int_equal(coinjecture_header_hash(&h, hash), COINJ_OK);
        tu_assert_hash(hash, g->hash);
        /* the same through the reference backend and through encode + one-shot */
        cj_header_view v = {h.codec_version, h.block_index,       h.timestamp, h.parent_hash,
                            h.merkle_root,   h.miner_address,     h.commitment, h.difficulty_target,
                            h.nonce,         h.extra_data,        h.extra_data_len};
        cj_header_view_hash(&v, &cj_sha256_reference, hash);
        tu_assert_hash(hash, g->hash);
        size_t n = enc_header(&h, buf, sizeof buf);
        cj_sha256(buf, n, hash);
        tu_assert_hash(hash, g->hash);
        assert_int_equal(coinjecture_header_decode(buf, n, &back), COINJ_OK);
        assert_memory_equal(&back, &h, sizeof h);
    }
}


/* cj_header_view_hash streams extra_data of any length (the original ABI has no 256-byte limit); the
 * expected bytes are built with the generic writer, independently of the straight-line header code. */
static void test_header_view_long_extra(void **state)
{
    (void)state;
    static const char *const keys[10] = {"codec_version", "block_index",       "timestamp", "parent_hash",
                                         "merkle_root",   "miner_address",     "commitment", "difficulty_target",
                                         "nonce",         "extra_data"};
    static const size_t lens[] = {0, 1, 256, 257, 360, 361, 1000, 5000, 70000};
    uint64_t seed = 99;
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        size_t len = lens[li];
        uint8_t *extra = malloc(len + 1);
        assert_non_null(extra);
        tu_rand_bytes(&seed, extra, len);
        uint8_t ph[32], mr[32], ma[32], cm[32];
        tu_rand_bytes(&seed, ph, 32);
        tu_rand_bytes(&seed, mr, 32);
        tu_rand_bytes(&seed, ma, 32);
        tu_rand_bytes(&seed, cm, 32);
        cj_header_view v = {200, UINT64_MAX, INT64_MIN, ph, mr, ma, cm, 1ull << 40, 65535, len ? extra : NULL, len};
        size_t cap = 400 + 2 * len;
        uint8_t *buf = malloc(cap);
        assert_non_null(buf);
        cj_msgpack_writer w;
        cj_msgpack_writer_buffer(&w, buf, cap);
        cj_msgpack_put_map(&w, 10);
        cj_msgpack_put_str(&w, keys[0], strlen(keys[0]));
        cj_msgpack_put_uint(&w, 200);
        cj_msgpack_put_str(&w, keys[1], strlen(keys[1]));
        cj_msgpack_put_uint(&w, UINT64_MAX);
        cj_msgpack_put_str(&w, keys[2], strlen(keys[2]));
        cj_msgpack_put_int(&w, INT64_MIN);
        const uint8_t *hs[4] = {ph, mr, ma, cm};
        for (int i = 0; i < 4; i++) {
            cj_msgpack_put_str(&w, keys[3 + i], strlen(keys[3 + i]));
            cj_msgpack_put_bin(&w, hs[i], 32);
        }
        cj_msgpack_put_str(&w, keys[7], strlen(keys[7]));
        cj_msgpack_put_uint(&w, 1ull << 40);
        cj_msgpack_put_str(&w, keys[8], strlen(keys[8]));
        cj_msgpack_put_uint(&w, 65535);
        cj_msgpack_put_str(&w, keys[9], strlen(keys[9]));
        cj_msgpack_put_byte_array(&w, extra, len);
        assert_false(w.overflow);
        uint8_t want[32], got[32];
        cj_sha256(buf, w.pos, want);
        cj_header_view_hash(&v, NULL, got);
        assert_memory_equal(got, want, 32);
        cj_header_view_hash(&v, &cj_sha256_reference, got);
        assert_memory_equal(got, want, 32);
        if (len <= COINJECTURE_MAX_EXTRA_DATA) {
            coinjecture_header h;
            memset(&h, 0, sizeof h);
            h.codec_version = 200;
            h.block_index = UINT64_MAX;
            h.timestamp = INT64_MIN;
            memcpy(h.parent_hash, ph, 32);
            memcpy(h.merkle_root, mr, 32);
            memcpy(h.miner_address, ma, 32);
            memcpy(h.commitment, cm, 32);
            h.difficulty_target = 1ull << 40;
            h.nonce = 65535;
            memcpy(h.extra_data, extra, len);
            h.extra_data_len = (uint32_t)len;
            assert_int_equal(coinjecture_header_hash(&h, got), COINJ_OK);
            assert_memory_equal(got, want, 32);
            uint8_t enc[1024];
            size_t n = enc_header(&h, enc, sizeof enc);
            assert_int_equal(n, w.pos);
            assert_memory_equal(enc, buf, n);
        }
        free(buf);
        free(extra);
    }
}

/* ---- integer width boundaries through real fields ---- */

static const uint64_t U_BOUNDS[] = {0,     127,   128,         255,           256,       65535,
                                    65536, 4294967295u, 4294967296ull, UINT64_MAX};
static const int64_t I_BOUNDS[] = {0,     127,   128,   255,    256,    65535,  65536,  4294967295ll, 4294967296ll,
                                   INT64_MAX, -1, -32, -33, -128, -129, -32768, -32769, INT32_MIN,
                                   (int64_t)INT32_MIN - 1, INT64_MIN};

/* Header round trip: decode(encode(h)) == h and the re-encoding is byte-identical. */
static void roundtrip_header(const coinjecture_header *h)
{
    uint8_t a[1024], b[1024];
    coinjecture_header back;
    size_t n = enc_header(h, a, sizeof a);
    assert_int_equal(coinjecture_header_decode(a, n, &back), COINJ_OK);
    assert_memory_equal(&back, h, sizeof back);
    size_t m = enc_header(&back, b, sizeof b);
    assert_int_equal(m, n);
    assert_memory_equal(a, b, n);
}

/* Transaction round trip (decoded data is owned and freed). */
static void roundtrip_tx(const coinjecture_tx *tx)
{
    size_t n = 0, m = 0;
    assert_int_equal(coinjecture_tx_encode(tx, NULL, 0, &n), COINJ_ERROR_BUFFER_TOO_SMALL);
    uint8_t *a = malloc(n), *b = malloc(n);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(coinjecture_tx_encode(tx, a, n, &n), COINJ_OK);
    coinjecture_tx back;
    assert_int_equal(coinjecture_tx_decode(a, n, &back), COINJ_OK);
    assert_int_equal(back.data_len, tx->data_len);
    if (tx->data_len) assert_memory_equal(back.data, tx->data, tx->data_len);
    assert_int_equal(back.amount, tx->amount);
    assert_true(back.timestamp == tx->timestamp);
    assert_int_equal(coinjecture_tx_encode(&back, b, n, &m), COINJ_OK);
    assert_int_equal(m, n);
    assert_memory_equal(a, b, n);
    coinjecture_tx_free(&back);
    assert_null(back.data);
    free(a);
    free(b);
}

/* Every integer width boundary, in u8/u32/u64/i64 fields, decodes back and re-encodes identically. */
static void test_integer_boundaries(void **state)
{
    (void)state;
    coinjecture_header h;
    coinjecture_tx tx;
    for (size_t i = 0; i < sizeof U_BOUNDS / sizeof U_BOUNDS[0]; i++) {
        make_header(&h, 0, U_BOUNDS[i]);
        h.block_index = U_BOUNDS[i];
        h.nonce = U_BOUNDS[i];
        h.codec_version = (uint8_t)U_BOUNDS[i];
        roundtrip_header(&h);
        make_default_tx(&tx);
        tx.amount = tx.nonce = tx.gas_limit = tx.gas_price = U_BOUNDS[i];
        tx.codec_version = (uint8_t)U_BOUNDS[i];
        roundtrip_tx(&tx);
    }
    for (size_t i = 0; i < sizeof I_BOUNDS / sizeof I_BOUNDS[0]; i++) {
        make_header(&h, I_BOUNDS[i], 1);
        roundtrip_header(&h);
        make_default_tx(&tx);
        tx.timestamp = I_BOUNDS[i];
        roundtrip_tx(&tx);
    }
    /* i64 lists and u32 lists: all boundaries in one problem / solution */
    coinjecture_problem p, pb;
    make_problem(&p);
    p.elements_len = sizeof I_BOUNDS / sizeof I_BOUNDS[0];
    memcpy(p.elements, I_BOUNDS, sizeof I_BOUNDS);
    p.target = INT64_MIN;
    p.timestamp = INT64_MAX;
    uint8_t a[1024], b[1024];
    size_t n, m;
    assert_int_equal(coinjecture_problem_encode(&p, a, sizeof a, &n), COINJ_OK);
    assert_int_equal(coinjecture_problem_decode(a, n, &pb), COINJ_OK);
    assert_memory_equal(&pb, &p, sizeof p);
    assert_int_equal(coinjecture_problem_encode(&pb, b, sizeof b, &m), COINJ_OK);
    assert_int_equal(m, n);
    assert_memory_equal(a, b, n);

    coinjecture_solution s, sb;
    memset(&s, 0, sizeof s);
    static const uint32_t u32b[] = {0, 127, 128, 255, 256, 65535, 65536, UINT32_MAX};
    s.indices_len = 8;
    memcpy(s.indices, u32b, sizeof u32b);
    s.timestamp = -32769;
    assert_int_equal(coinjecture_solution_encode(&s, a, sizeof a, &n), COINJ_OK);
    assert_int_equal(coinjecture_solution_decode(a, n, &sb), COINJ_OK);
    assert_memory_equal(&sb, &s, sizeof s);
    assert_int_equal(coinjecture_solution_encode(&sb, b, sizeof b, &m), COINJ_OK);
    assert_int_equal(m, n);
    assert_memory_equal(a, b, n);
}

/* Array header forms through real fields: 15/16 elements, and 255/256-byte extra_data. */
static void test_array_forms_in_fields(void **state)
{
    (void)state;
    coinjecture_header h;
    static const uint32_t lens[] = {0, 15, 16, 255, 256};
    for (size_t i = 0; i < 5; i++) {
        make_header(&h, 1, 1);
        h.extra_data_len = lens[i];
        for (uint32_t j = 0; j < lens[i]; j++) h.extra_data[j] = (uint8_t)(j * 7);
        roundtrip_header(&h);
    }
    coinjecture_problem p, pb;
    uint8_t a[1024];
    size_t n;
    make_problem(&p);
    for (uint32_t k = 0; k <= COINJECTURE_MAX_ELEMENTS; k++) {
        p.elements_len = k;
        memset(p.elements, 0, sizeof p.elements);
        for (uint32_t j = 0; j < k; j++) p.elements[j] = (int64_t)j - 16;
        assert_int_equal(coinjecture_problem_encode(&p, a, sizeof a, &n), COINJ_OK);
        assert_int_equal(coinjecture_problem_decode(a, n, &pb), COINJ_OK);
        assert_memory_equal(&pb, &p, sizeof p);
    }
    /* tx data of 65535 / 65536 bytes switches dc -> dd */
    static const uint32_t dl[] = {65535, 65536};
    uint8_t *data = malloc(65536);
    assert_non_null(data);
    memset(data, 0x80, 65536);
    for (int i = 0; i < 2; i++) {
        coinjecture_tx tx;
        make_default_tx(&tx);
        tx.data = data;
        tx.data_len = dl[i];
        roundtrip_tx(&tx);
    }
    free(data);
}

/* ---- rejection of each decode error code ---- */

/* Each decode error code, provoked by a minimal edit of the genesis header bytes. */
static void test_header_decode_errors(void **state)
{
    (void)state;
    coinjecture_header h;
    uint8_t g[300], m[1200];
    make_header(&h, 1704067200, 100);
    size_t n = enc_header(&h, g, sizeof g), k;
    expect_header_rc(g, n, COINJ_OK);

    expect_header_rc(g, n - 1, COINJ_ERROR_DECODE_TRUNCATED);
    expect_header_rc(g, 0, COINJ_ERROR_DECODE_TRUNCATED);
    expect_header_rc(NULL, 0, COINJ_ERROR_DECODE_TRUNCATED);
    memcpy(m, g, n);
    m[n] = 0x00;
    expect_header_rc(m, n + 1, COINJ_ERROR_DECODE_TRAILING);
    assert_non_null(strstr(coinjecture_last_error_message(), "trailing"));

    size_t ts = after_key(g, n, "timestamp");
    k = splice(g, n, ts, 5, "c0", m, sizeof m);
    expect_header_rc(m, k, COINJ_ERROR_DECODE_TYPE);
    assert_non_null(strstr(coinjecture_last_error_message(), "header.timestamp"));
    k = splice(g, n, ts, 5, "cb41d9648020000000", m, sizeof m); /* float */
    expect_header_rc(m, k, COINJ_ERROR_DECODE_TYPE);
    k = splice(g, n, after_key(g, n, "parent_hash"), 0, "", m, sizeof m);
    m[after_key(g, n, "parent_hash")] = 0xdc; /* array where bin expected */
    expect_header_rc(m, k, COINJ_ERROR_DECODE_TYPE);

    size_t cv = after_key(g, n, "codec_version");
    k = splice(g, n, cv, 1, "cc01", m, sizeof m);
    expect_header_rc(m, k, COINJ_ERROR_DECODE_NONCANONICAL);
    k = splice(g, n, ts, 5, "cf0000000065920080", m, sizeof m);
    expect_header_rc(m, k, COINJ_ERROR_DECODE_NONCANONICAL);
    k = splice(g, n, 0, 1, "de000a", m, sizeof m); /* map16 */
    expect_header_rc(m, k, COINJ_ERROR_DECODE_NONCANONICAL);
    k = splice(g, n, 1, 1, "d90d", m, sizeof m); /* str8 key */
    expect_header_rc(m, k, COINJ_ERROR_DECODE_NONCANONICAL);
    k = splice(g, n, n - 1, 1, "dc0000", m, sizeof m); /* array16 for an empty array */
    expect_header_rc(m, k, COINJ_ERROR_DECODE_NONCANONICAL);
    k = splice(g, n, after_key(g, n, "commitment"), 2, "c50020", m, sizeof m); /* bin16 */
    expect_header_rc(m, k, COINJ_ERROR_DECODE_NONCANONICAL);

    k = splice(g, n, 0, 1, "89", m, sizeof m);
    expect_header_rc(m, k, COINJ_ERROR_DECODE_KEY);
    k = splice(g, n, 0, 1, "8b", m, sizeof m);
    expect_header_rc(m, k, COINJ_ERROR_DECODE_KEY);
    k = splice(g, n, after_key(g, n, "nonce") - 5, 5, "6e6f6e7365", m, sizeof m); /* "nonse" */
    expect_header_rc(m, k, COINJ_ERROR_DECODE_KEY);
    assert_non_null(strstr(coinjecture_last_error_message(), "unknown key 'nonse'"));
    k = splice(g, n, cv + 1, 12, "ad636f6465635f76657273696f6e", m, sizeof m); /* codec_version twice */
    expect_header_rc(m, k, COINJ_ERROR_DECODE_KEY);
    assert_non_null(strstr(coinjecture_last_error_message(), "duplicate"));
    /* block_index and timestamp swapped */
    k = splice(g, n, cv + 1, 12 + 1 + 10 + 5,
               "a974696d657374616d70ce65920080ab626c6f636b5f696e64657800", m, sizeof m);
    expect_header_rc(m, k, COINJ_ERROR_DECODE_KEY);
    assert_non_null(strstr(coinjecture_last_error_message(), "out of order"));

    k = splice(g, n, cv, 1, "cd0100", m, sizeof m); /* codec_version 256 */
    expect_header_rc(m, k, COINJ_ERROR_DECODE_RANGE);
    assert_non_null(strstr(coinjecture_last_error_message(), "header.codec_version"));
    k = splice(g, n, after_key(g, n, "block_index"), 1, "ff", m, sizeof m); /* -1 for u64 */
    expect_header_rc(m, k, COINJ_ERROR_DECODE_RANGE);
    k = splice(g, n, ts, 5, "cf8000000000000000", m, sizeof m); /* 2^63 for i64 */
    expect_header_rc(m, k, COINJ_ERROR_DECODE_RANGE);

    size_t ph = after_key(g, n, "parent_hash");
    k = splice(g, n, ph, 3, "c41f", m, sizeof m); /* bin of 31 */
    expect_header_rc(m, k, COINJ_ERROR_DECODE_LENGTH);
    char big[700] = "dc012c";
    for (int i = 0; i < 300; i++) strcat(big, "00");
    k = splice(g, n, n - 1, 1, big, m, sizeof m);
    expect_header_rc(m, k, COINJ_ERROR_DECODE_LENGTH);
    assert_string_equal(coinjecture_last_error_message(), "header.extra_data: array of 300 elements exceeds 256");
    k = splice(g, n, n - 1, 1, "ddffffffff", m, sizeof m); /* 2^32-1 declared, nothing allocated */
    expect_header_rc(m, k, COINJ_ERROR_DECODE_LENGTH);
    k = splice(g, n, n - 1, 1, "9f", m, sizeof m); /* 15 declared, none present */
    expect_header_rc(m, k, COINJ_ERROR_DECODE_TRUNCATED);
    k = splice(g, n, n - 1, 1, "91cc05", m, sizeof m);
    expect_header_rc(m, k, COINJ_ERROR_DECODE_NONCANONICAL);
    assert_non_null(strstr(coinjecture_last_error_message(), "header.extra_data[0]"));
    k = splice(g, n, n - 1, 1, "91cd0100", m, sizeof m);
    expect_header_rc(m, k, COINJ_ERROR_DECODE_RANGE);
    k = splice(g, n, n - 1, 1, "91c40100", m, sizeof m); /* bin inside a byte array */
    expect_header_rc(m, k, COINJ_ERROR_DECODE_TYPE);
    k = splice(g, n, n - 1, 1, "c400", m, sizeof m); /* extra_data as bin (accepted by the original) */
    expect_header_rc(m, k, COINJ_ERROR_DECODE_TYPE);
    k = splice(g, n, 0, 1, "9a", m, sizeof m); /* struct as array (accepted by the original) */
    expect_header_rc(m, k, COINJ_ERROR_DECODE_TYPE);
}

/* Transaction rejections: variant names, fixed lengths, data limit and element forms; no leaks. */
static void test_tx_decode_errors(void **state)
{
    (void)state;
    coinjecture_tx tx, out;
    uint8_t g[1024], m[1024];
    size_t n, k;
    make_bounty_tx(&tx);
    assert_int_equal(coinjecture_tx_encode(&tx, g, sizeof g, &n), COINJ_OK);
    assert_int_equal(coinjecture_tx_decode(g, n, &out), COINJ_OK);
    coinjecture_tx_free(&out);

    size_t tt = after_key(g, n, "tx_type");
    static const struct {
        const char *hex;
        CoinjResult rc;
    } variants[] = {{"ad426f756e74795061796d656e74", COINJ_OK},
                    {"ad626f756e74795061796d656e74", COINJ_ERROR_DECODE_ENUM}, /* bountyPayment */
                    {"a0", COINJ_ERROR_DECODE_ENUM},
                    {"a85472616e73666572", COINJ_OK},                       /* Transfer */
                    {"a95472616e736665727a", COINJ_ERROR_DECODE_ENUM},      /* Transferz */
                    {"02", COINJ_ERROR_DECODE_TYPE},                        /* index form */
                    {"81ad426f756e74795061796d656e74c0", COINJ_ERROR_DECODE_TYPE}}; /* map form */
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        k = splice(g, n, tt, 14, variants[i].hex, m, sizeof m);
        memset(&out, 0x55, sizeof out);
        CoinjResult rc = coinjecture_tx_decode(m, k, &out);
        assert_int_equal(rc, variants[i].rc);
        if (rc != COINJ_OK) assert_null(out.data);
        coinjecture_tx_free(&out);
    }
    assert_int_equal(coinjecture_tx_decode(g, n, &out), COINJ_OK);
    coinjecture_tx_free(&out);
    size_t sig = after_key(g, n, "signature");
    k = splice(g, n, sig, 2, "c43f", m, sizeof m);
    assert_int_equal(coinjecture_tx_decode(m, k - 1, &out), COINJ_ERROR_DECODE_LENGTH);
    size_t data = after_key(g, n, "data");
    k = splice(g, n, data, 5, "dd00100001", m, sizeof m); /* 1 MiB + 1 declared */
    assert_int_equal(coinjecture_tx_decode(m, k, &out), COINJ_ERROR_DECODE_LENGTH);
    assert_non_null(strstr(coinjecture_last_error_message(), "tx.data"));
    k = splice(g, n, data + 3, 2, "d0c8", m, sizeof m); /* 200 as a signed byte: -56 */
    assert_int_equal(coinjecture_tx_decode(m, k, &out), COINJ_ERROR_DECODE_RANGE);
    assert_null(out.data); /* the allocated data was released */
    k = splice(g, n, after_key(g, n, "amount"), 9, "cb0000000000000000", m, sizeof m);
    assert_int_equal(coinjecture_tx_decode(m, k, &out), COINJ_ERROR_DECODE_TYPE);
    k = splice(g, n, after_key(g, n, "timestamp"), 1, "d0fb", m, sizeof m); /* -5 in d0 */
    assert_int_equal(coinjecture_tx_decode(m, k, &out), COINJ_ERROR_DECODE_NONCANONICAL);
    assert_null(out.data);
}

/* Problem/Solution rejections, and every ProblemType variant name round-trips. */
static void test_problem_solution_decode_errors(void **state)
{
    (void)state;
    coinjecture_problem p, out;
    uint8_t g[1024], m[1024];
    size_t n, k;
    make_problem(&p);
    assert_int_equal(coinjecture_problem_encode(&p, g, sizeof g, &n), COINJ_OK);
    size_t tier = after_key(g, n, "tier");
    k = splice(g, n, tier, 8, "a76465736b746f70", m, sizeof m); /* desktop */
    assert_int_equal(coinjecture_problem_decode(m, k, &out), COINJ_ERROR_DECODE_ENUM);
    assert_non_null(strstr(coinjecture_last_error_message(), "problem.tier"));
    k = splice(g, n, tier, 8, "01", m, sizeof m); /* index form: the original read this as Desktop */
    assert_int_equal(coinjecture_problem_decode(m, k, &out), COINJ_ERROR_DECODE_TYPE);
    size_t pt = after_key(g, n, "problem_type");
    static const char *const names[7] = {"SubsetSum", "Knapsack", "GraphColoring", "SAT", "TSP", "Factorization",
                                         "LatticeProblems"};
    for (int i = 0; i < 7; i++) { /* every variant name decodes to its number and re-encodes identically */
        char hex[64];
        size_t len = strlen(names[i]);
        snprintf(hex, sizeof hex, "%02x", 0xa0 | (unsigned)len);
        for (size_t j = 0; j < len; j++) snprintf(hex + 2 + 2 * j, 3, "%02x", (unsigned char)names[i][j]);
        k = splice(g, n, pt, 10, hex, m, sizeof m);
        assert_int_equal(coinjecture_problem_decode(m, k, &out), COINJ_OK);
        assert_int_equal(out.problem_type, i + 1);
        uint8_t re[1024];
        size_t rn;
        assert_int_equal(coinjecture_problem_encode(&out, re, sizeof re, &rn), COINJ_OK);
        assert_int_equal(rn, k);
        assert_memory_equal(re, m, k);
    }
    k = splice(g, n, pt, 10, "a3536174", m, sizeof m); /* "Sat" */
    assert_int_equal(coinjecture_problem_decode(m, k, &out), COINJ_ERROR_DECODE_ENUM);
    size_t el = after_key(g, n, "elements");
    k = splice(g, n, el, 1, "dc0021", m, sizeof m); /* 33 elements declared */
    assert_int_equal(coinjecture_problem_decode(m, k, &out), COINJ_ERROR_DECODE_LENGTH);
    assert_non_null(strstr(coinjecture_last_error_message(), "problem.elements: array of 33 elements exceeds 32"));
    k = splice(g, n, el + 1, 1, "d001", m, sizeof m); /* elements[0] = 1 as d0 01 */
    assert_int_equal(coinjecture_problem_decode(m, k, &out), COINJ_ERROR_DECODE_NONCANONICAL);
    assert_non_null(strstr(coinjecture_last_error_message(), "problem.elements[0]"));

    coinjecture_solution s, so;
    make_solution(&s);
    assert_int_equal(coinjecture_solution_encode(&s, g, sizeof g, &n), COINJ_OK);
    size_t ix = after_key(g, n, "indices");
    k = splice(g, n, ix + 4, 5, "cf0000000100000000", m, sizeof m); /* index 2^32 */
    assert_int_equal(coinjecture_solution_decode(m, k, &so), COINJ_ERROR_DECODE_RANGE);
    assert_non_null(strstr(coinjecture_last_error_message(), "solution.indices[3]"));
    k = splice(g, n, ix + 1, 1, "ff", m, sizeof m); /* index -1 */
    assert_int_equal(coinjecture_solution_decode(m, k, &so), COINJ_ERROR_DECODE_RANGE);
    k = splice(g, n, ix, 1, "dc0021", m, sizeof m);
    assert_int_equal(coinjecture_solution_decode(m, k, &so), COINJ_ERROR_DECODE_LENGTH);
    k = splice(g, n, 0, 1, "83", m, sizeof m);
    assert_int_equal(coinjecture_solution_decode(m, k, &so), COINJ_ERROR_DECODE_KEY);
}

/* Reveal and commitment: round trip, nested path names, fixed-length fields. */
static void test_reveal_commitment(void **state)
{
    (void)state;
    coinjecture_reveal r, rb;
    memset(&r, 0, sizeof r);
    make_problem(&r.problem);
    make_solution(&r.solution);
    memset(r.miner_salt, 0x77, 32);
    r.nonce = UINT64_MAX;
    uint8_t a[2048], b[2048], m[2048];
    size_t n, k;
    assert_int_equal(coinjecture_reveal_encode(&r, a, sizeof a, &n), COINJ_OK);
    assert_int_equal(a[0], 0x84);
    assert_int_equal(coinjecture_reveal_decode(a, n, &rb), COINJ_OK);
    assert_memory_equal(&rb, &r, sizeof r);
    assert_int_equal(coinjecture_reveal_encode(&rb, b, sizeof b, &k), COINJ_OK);
    assert_int_equal(k, n);
    assert_memory_equal(a, b, n);
    k = splice(a, n, after_key(a, n, "target"), 1, "cc09", m, sizeof m);
    assert_int_equal(coinjecture_reveal_decode(m, k, &rb), COINJ_ERROR_DECODE_NONCANONICAL);
    assert_non_null(strstr(coinjecture_last_error_message(), "reveal.problem.target"));
    k = splice(a, n, after_key(a, n, "miner_salt"), 2, "c421", m, sizeof m);
    assert_int_equal(coinjecture_reveal_decode(m, k, &rb), COINJ_ERROR_DECODE_LENGTH);
    assert_non_null(strstr(coinjecture_last_error_message(), "reveal.miner_salt"));

    coinjecture_commitment c, cb;
    memset(c.epoch_salt, 1, 32);
    memset(c.problem_hash, 2, 32);
    memset(c.solution_hash, 3, 32);
    memset(c.miner_salt, 4, 32);
    assert_int_equal(coinjecture_commitment_encode(&c, a, sizeof a, &n), COINJ_OK);
    assert_int_equal(n, 1 + 11 + 13 + 14 + 11 + 4 * 34);
    assert_int_equal(coinjecture_commitment_decode(a, n, &cb), COINJ_OK);
    assert_memory_equal(&cb, &c, sizeof c);
    /* the msgpack commitment hash of core.md §5.5 (b) */
    uint8_t hash[32];
    cj_sha256(a, n, hash);
    tu_assert_hash(hash, "8622bdfc02e5ef11283457f28b6d3065e74cc6097a28d29f90a3afbc7879e62b");
    k = splice(a, n, after_key(a, n, "epoch_salt"), 2, "c421", m, sizeof m);
    assert_int_equal(coinjecture_commitment_decode(m, k, &cb), COINJ_ERROR_DECODE_LENGTH);
    k = splice(a, n, after_key(a, n, "solution_hash") - 14, 14, "ad736f6c7574696f6e5f68617368", m, sizeof m);
    assert_int_equal(coinjecture_commitment_decode(m, k, &cb), COINJ_OK);
    k = splice(a, n, after_key(a, n, "solution_hash") - 14, 14, "ad736f6c7574696f6e5f68617369", m, sizeof m);
    assert_int_equal(coinjecture_commitment_decode(m, k, &cb), COINJ_ERROR_DECODE_KEY);
}

/* ---- blocks ---- */

/* Blocks with and without cid round-trip; tx count, cid and size limits are enforced. */
static void test_block_roundtrip_and_errors(void **state)
{
    (void)state;
    for (int with_cid = 0; with_cid < 2; with_cid++) {
        coinjecture_block b, back;
        make_block(&b, with_cid);
        size_t n, k;
        uint8_t *a = enc_block(&b, &n);
        assert_int_equal(a[0], 0x84);
        assert_int_equal(a[n - 1 - (with_cid ? strlen(SAMPLE_CID) + 1 : 0)], with_cid ? 0xd9 : 0xc0);
        assert_int_equal(coinjecture_block_decode(a, n, &back), COINJ_OK);
        assert_memory_equal(&back.header, &b.header, sizeof b.header);
        assert_memory_equal(&back.reveal, &b.reveal, sizeof b.reveal);
        assert_int_equal(back.tx_count, 2);
        assert_int_equal(back.transactions[0].data_len, sizeof TX1_DATA);
        assert_memory_equal(back.transactions[0].data, TX1_DATA, sizeof TX1_DATA);
        assert_null(back.transactions[1].data);
        if (with_cid)
            assert_string_equal(back.cid, SAMPLE_CID);
        else
            assert_null(back.cid);
        size_t m = 0;
        uint8_t *re = enc_block(&back, &m);
        assert_int_equal(m, n);
        assert_memory_equal(re, a, n);
        coinjecture_buffer_free(re);
        coinjecture_block_free(&back);
        assert_null(back.transactions);
        assert_int_equal(back.tx_count, 0);

        uint8_t *mm = malloc(n + 600);
        assert_non_null(mm);
        size_t txs = after_key(a, n, "transactions");
        k = splice(a, n, txs, 1, "dc2711", mm, n + 600); /* 10001 transactions declared */
        expect_block_rc(mm, k, COINJ_ERROR_DECODE_LENGTH);
        k = splice(a, n, txs, 1, "dc2710", mm, n + 600); /* 10000 declared, too few bytes for them */
        expect_block_rc(mm, k, COINJ_ERROR_DECODE_TRUNCATED);
        k = splice(a, n, txs, 1, "93", mm, n + 600); /* 3 declared, 2 present: fails inside "reveal" */
        expect_block_rc(mm, k, COINJ_ERROR_DECODE_TYPE);
        assert_non_null(strstr(coinjecture_last_error_message(), "block.transactions[2]"));
        k = splice(a, n, 0, 1, "83", mm, n + 600);
        expect_block_rc(mm, k, COINJ_ERROR_DECODE_KEY);
        size_t cid = after_key(a, n, "cid");
        static const struct {
            const char *hex;
            CoinjResult rc;
        } cids[] = {{"c0", COINJ_OK},
                    {"a0", COINJ_OK},
                    {"a3516d78", COINJ_OK},
                    {"a3510078", COINJ_ERROR_DECODE_RANGE},         /* NUL inside */
                    {"a2c328", COINJ_ERROR_DECODE_TYPE},            /* invalid UTF-8 */
                    {"a2eda0", COINJ_ERROR_DECODE_TYPE},            /* truncated UTF-8 sequence */
                    {"a3516d", COINJ_ERROR_DECODE_TRUNCATED},
                    {"d903516d78", COINJ_ERROR_DECODE_NONCANONICAL},
                    {"c403516d78", COINJ_ERROR_DECODE_TYPE},
                    {"00", COINJ_ERROR_DECODE_TYPE},
                    {"", COINJ_ERROR_DECODE_TRUNCATED}};
        for (size_t i = 0; i < sizeof cids / sizeof cids[0]; i++) {
            k = splice(a, n, cid, n - cid, cids[i].hex, mm, n + 600);
            expect_block_rc(mm, k, cids[i].rc);
        }
        char longcid[700] = "da0101";
        for (int i = 0; i < 257; i++) strcat(longcid, "61");
        k = splice(a, n, cid, n - cid, longcid, mm, n + 600);
        expect_block_rc(mm, k, COINJ_ERROR_DECODE_LENGTH);
        assert_non_null(strstr(coinjecture_last_error_message(), "block.cid"));
        k = splice(a, n, cid, n - cid, longcid, mm, n + 600); /* 256 bytes is the maximum */
        mm[cid + 2] = 0x00;
        expect_block_rc(mm, k - 1, COINJ_OK);
        free(mm);
        coinjecture_buffer_free(a);
    }
    /* inputs over 10 MiB are refused before decoding, even garbage */
    uint8_t *huge = calloc(1, (size_t)COINJECTURE_MAX_BLOCK_SIZE + 1);
    assert_non_null(huge);
    expect_block_rc(huge, (size_t)COINJECTURE_MAX_BLOCK_SIZE + 1, COINJ_ERROR_DECODE_LENGTH);
    expect_block_rc(huge, (size_t)COINJECTURE_MAX_BLOCK_SIZE, COINJ_ERROR_DECODE_TYPE);
    free(huge);
}

/* Every single-byte change of a valid block is rejected or decodes to a value that re-encodes to exactly
 * the mutated bytes (the decoder accepts canonical bytes only). */
static void test_block_mutations(void **state)
{
    (void)state;
    for (int with_cid = 0; with_cid < 2; with_cid++) {
        coinjecture_block b;
        make_block(&b, with_cid);
        size_t n;
        uint8_t *a = enc_block(&b, &n);
        uint8_t *m = malloc(n);
        assert_non_null(m);
        size_t accepted = 0, rejected = 0;
        for (size_t pos = 0; pos < n; pos++) {
            for (int v = 0; v < 256; v++) {
                if (v == a[pos]) continue;
                memcpy(m, a, n);
                m[pos] = (uint8_t)v;
                coinjecture_block out;
                CoinjResult rc = coinjecture_block_decode(m, n, &out);
                if (rc != COINJ_OK) {
                    assert_true(rc >= COINJ_ERROR_DECODE_TRUNCATED && rc <= COINJ_ERROR_DECODE_ENUM);
                    assert_null(out.transactions);
                    assert_null(out.cid);
                    rejected++;
                    continue;
                }
                size_t k = 0;
                uint8_t *re = NULL;
                assert_int_equal(coinjecture_block_encode_alloc(&out, &re, &k), COINJ_OK);
                if (k != n || memcmp(re, m, n) != 0)
                    fail_msg("mutation at %zu to %02x decoded but re-encodes differently", pos, (unsigned)v);
                coinjecture_buffer_free(re);
                coinjecture_block_free(&out);
                accepted++;
            }
        }
        assert_true(accepted > 1000); /* hash bytes, integers, data bytes */
        assert_true(rejected > accepted);
        free(m);
        coinjecture_buffer_free(a);
    }
}

/* Truncation at every prefix length is TRUNCATED, for every type. */
static void test_truncation_every_prefix(void **state)
{
    (void)state;
    coinjecture_block b;
    make_block(&b, 1);
    size_t n;
    uint8_t *a = enc_block(&b, &n);
    for (size_t i = 0; i < n; i++) expect_block_rc(a, i, COINJ_ERROR_DECODE_TRUNCATED);
    coinjecture_buffer_free(a);

    uint8_t buf[2048];
    size_t len;
    assert_int_equal(coinjecture_header_encode(&b.header, buf, sizeof buf, &len), COINJ_OK);
    for (size_t i = 0; i < len; i++) expect_header_rc(buf, i, COINJ_ERROR_DECODE_TRUNCATED);

    coinjecture_tx tx;
    assert_int_equal(coinjecture_tx_encode(&SAMPLE_TXS[0], buf, sizeof buf, &len), COINJ_OK);
    for (size_t i = 0; i < len; i++) {
        assert_int_equal(coinjecture_tx_decode(buf, i, &tx), COINJ_ERROR_DECODE_TRUNCATED);
        assert_null(tx.data);
    }
    coinjecture_problem p;
    assert_int_equal(coinjecture_problem_encode(&b.reveal.problem, buf, sizeof buf, &len), COINJ_OK);
    for (size_t i = 0; i < len; i++) assert_int_equal(coinjecture_problem_decode(buf, i, &p), COINJ_ERROR_DECODE_TRUNCATED);
    coinjecture_solution s;
    assert_int_equal(coinjecture_solution_encode(&b.reveal.solution, buf, sizeof buf, &len), COINJ_OK);
    for (size_t i = 0; i < len; i++) assert_int_equal(coinjecture_solution_decode(buf, i, &s), COINJ_ERROR_DECODE_TRUNCATED);
    coinjecture_reveal r;
    assert_int_equal(coinjecture_reveal_encode(&b.reveal, buf, sizeof buf, &len), COINJ_OK);
    for (size_t i = 0; i < len; i++) assert_int_equal(coinjecture_reveal_decode(buf, i, &r), COINJ_ERROR_DECODE_TRUNCATED);
    coinjecture_commitment c, cb;
    memset(&c, 9, sizeof c);
    assert_int_equal(coinjecture_commitment_encode(&c, buf, sizeof buf, &len), COINJ_OK);
    for (size_t i = 0; i < len; i++)
        assert_int_equal(coinjecture_commitment_decode(buf, i, &cb), COINJ_ERROR_DECODE_TRUNCATED);
}

/* ---- encoder limits and the buffer convention ---- */

/* Encoders and hashes refuse values over their consensus limits (COINJ_ERROR_ENCODING). */
static void test_encode_limits(void **state)
{
    (void)state;
    uint8_t buf[4096], hash[32];
    size_t n = 0;
    coinjecture_header h;
    make_header(&h, 0, 0);
    h.extra_data_len = 257;
    assert_int_equal(coinjecture_header_encode(&h, buf, sizeof buf, &n), COINJ_ERROR_ENCODING);
    assert_non_null(strstr(coinjecture_last_error_message(), "header.extra_data"));
    assert_int_equal(coinjecture_header_hash(&h, hash), COINJ_ERROR_ENCODING);
    h.extra_data_len = UINT32_MAX;
    assert_int_equal(coinjecture_header_hash(&h, hash), COINJ_ERROR_ENCODING);

    coinjecture_tx tx;
    static const uint8_t bad_types[] = {0, 4, 255};
    for (int i = 0; i < 3; i++) {
        make_default_tx(&tx);
        tx.tx_type = bad_types[i];
        assert_int_equal(coinjecture_tx_encode(&tx, buf, sizeof buf, &n), COINJ_ERROR_ENCODING);
        assert_int_equal(coinjecture_tx_hash(&tx, hash), COINJ_ERROR_ENCODING);
    }
    make_default_tx(&tx);
    tx.data = buf;
    tx.data_len = COINJECTURE_MAX_TX_DATA + 1;
    assert_int_equal(coinjecture_tx_encode(&tx, buf, sizeof buf, &n), COINJ_ERROR_ENCODING);
    assert_int_equal(coinjecture_tx_hash(&tx, hash), COINJ_ERROR_ENCODING);
    tx.data = NULL;
    tx.data_len = 1;
    assert_int_equal(coinjecture_tx_encode(&tx, buf, sizeof buf, &n), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_tx_hash(&tx, hash), COINJ_ERROR_INVALID_INPUT);

    coinjecture_problem p;
    make_problem(&p);
    p.elements_len = 33;
    assert_int_equal(coinjecture_problem_encode(&p, buf, sizeof buf, &n), COINJ_ERROR_ENCODING);
    assert_int_equal(coinjecture_problem_hash(&p, hash), COINJ_ERROR_ENCODING);
    make_problem(&p);
    p.tier = 0;
    assert_int_equal(coinjecture_problem_hash(&p, hash), COINJ_ERROR_ENCODING);
    p.tier = 6;
    assert_int_equal(coinjecture_problem_encode(&p, buf, sizeof buf, &n), COINJ_ERROR_ENCODING);
    make_problem(&p);
    p.problem_type = 0;
    assert_int_equal(coinjecture_problem_hash(&p, hash), COINJ_ERROR_ENCODING);
    p.problem_type = 8;
    assert_int_equal(coinjecture_problem_encode(&p, buf, sizeof buf, &n), COINJ_ERROR_ENCODING);
    coinjecture_solution s;
    make_solution(&s);
    s.indices_len = 33;
    assert_int_equal(coinjecture_solution_encode(&s, buf, sizeof buf, &n), COINJ_ERROR_ENCODING);
    assert_int_equal(coinjecture_solution_hash(&s, hash), COINJ_ERROR_ENCODING);
    coinjecture_reveal r;
    memset(&r, 0, sizeof r);
    make_problem(&r.problem);
    r.solution.indices_len = 40;
    assert_int_equal(coinjecture_reveal_encode(&r, buf, sizeof buf, &n), COINJ_ERROR_ENCODING);
    assert_non_null(strstr(coinjecture_last_error_message(), "reveal.solution.indices"));

    coinjecture_block b;
    make_block(&b, 1);
    b.tx_count = COINJECTURE_MAX_TX_PER_BLOCK + 1;
    assert_int_equal(coinjecture_block_encode(&b, NULL, 0, &n), COINJ_ERROR_ENCODING);
    assert_int_equal(coinjecture_block_merkle_root(&b, hash), COINJ_ERROR_ENCODING);
    make_block(&b, 1);
    b.transactions = NULL;
    assert_int_equal(coinjecture_block_encode(&b, NULL, 0, &n), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_block_merkle_root(&b, hash), COINJ_ERROR_INVALID_INPUT);
    make_block(&b, 1);
    SAMPLE_TXS[1].tx_type = 9;
    assert_int_equal(coinjecture_block_encode(&b, NULL, 0, &n), COINJ_ERROR_ENCODING);
    assert_non_null(strstr(coinjecture_last_error_message(), "block.transactions[1].tx_type"));
    make_block(&b, 1);
    b.header.extra_data_len = 300;
    assert_int_equal(coinjecture_block_encode(&b, NULL, 0, &n), COINJ_ERROR_ENCODING);
    make_block(&b, 1);
    b.reveal.problem.tier = 7;
    assert_int_equal(coinjecture_block_encode(&b, NULL, 0, &n), COINJ_ERROR_ENCODING);
    char cid[300];
    memset(cid, 'a', sizeof cid);
    cid[257] = 0;
    make_block(&b, 1);
    b.cid = cid;
    assert_int_equal(coinjecture_block_encode(&b, NULL, 0, &n), COINJ_ERROR_ENCODING);
    cid[256] = 0; /* exactly 256 bytes is allowed */
    assert_int_equal(coinjecture_block_encode(&b, NULL, 0, &n), COINJ_ERROR_BUFFER_TOO_SMALL);
    cid[3] = (char)0xc3;
    cid[4] = 0x28;
    assert_int_equal(coinjecture_block_encode(&b, NULL, 0, &n), COINJ_ERROR_ENCODING);
    uint8_t *out = (uint8_t *)&n;
    assert_int_equal(coinjecture_block_encode_alloc(&b, &out, &n), COINJ_ERROR_ENCODING);
    assert_true(out == (uint8_t *)&n); /* untouched */

    /* encoded size over 10 MiB: six transactions of 1 MiB of 0xff (2 MiB each encoded) */
    uint8_t *big = malloc(COINJECTURE_MAX_TX_DATA);
    assert_non_null(big);
    memset(big, 0xff, COINJECTURE_MAX_TX_DATA);
    coinjecture_tx many[6];
    for (int i = 0; i < 6; i++) {
        make_default_tx(&many[i]);
        many[i].data = big;
        many[i].data_len = COINJECTURE_MAX_TX_DATA;
    }
    make_block(&b, 1);
    b.transactions = many;
    b.tx_count = 6;
    assert_int_equal(coinjecture_block_encode(&b, NULL, 0, &n), COINJ_ERROR_ENCODING);
    assert_non_null(strstr(coinjecture_last_error_message(), "exceeds 10485760"));
    assert_int_equal(coinjecture_block_encode_alloc(&b, &out, &n), COINJ_ERROR_ENCODING);
    b.tx_count = 4; /* about 8 MiB: fine, and decodes back */
    uint8_t *enc = NULL;
    assert_int_equal(coinjecture_block_encode_alloc(&b, &enc, &n), COINJ_OK);
    assert_true(n > 8 * 1048576 && n <= COINJECTURE_MAX_BLOCK_SIZE);
    coinjecture_block back;
    assert_int_equal(coinjecture_block_decode(enc, n, &back), COINJ_OK);
    assert_int_equal(back.tx_count, 4);
    assert_memory_equal(back.transactions[3].data, big, COINJECTURE_MAX_TX_DATA);
    coinjecture_block_free(&back);
    coinjecture_buffer_free(enc);
    /* large data streams through the tx hash */
    uint8_t want[32];
    uint8_t *txenc = malloc(3 * COINJECTURE_MAX_TX_DATA);
    assert_non_null(txenc);
    static const uint32_t dlens[] = {0, 700, 880, 881, 1000, 1800, 2048, 5000, COINJECTURE_MAX_TX_DATA};
    for (size_t i = 0; i < sizeof dlens / sizeof dlens[0]; i++) {
        make_default_tx(&tx);
        tx.data = big;
        tx.data_len = dlens[i];
        for (uint32_t j = 0; j < dlens[i]; j++) big[j] = (uint8_t)(j * 131);
        assert_int_equal(coinjecture_tx_encode(&tx, txenc, 3 * COINJECTURE_MAX_TX_DATA, &n), COINJ_OK);
        cj_sha256(txenc, n, want);
        assert_int_equal(coinjecture_tx_hash(&tx, hash), COINJ_OK);
        assert_memory_equal(hash, want, 32);
    }
    free(txenc);
    free(big);
}

/* Runs one encoder through the sizing convention: NULL out, one byte short, exact, larger. */
#define CHECK_SIZING(fn, obj)                                                                                     \
    do {                                                                                                          \
        size_t need_ = 0, len_ = 0;                                                                               \
        uint8_t big_[4096], small_[4096];                                                                         \
        assert_int_equal(fn(obj, NULL, 0, &need_), COINJ_ERROR_BUFFER_TOO_SMALL);                                 \
        assert_true(need_ > 0 && need_ < sizeof big_);                                                            \
        assert_int_equal(fn(obj, NULL, 100000, &len_), COINJ_ERROR_BUFFER_TOO_SMALL);                             \
        assert_int_equal(len_, need_);                                                                            \
        memset(small_, 0xee, sizeof small_);                                                                      \
        len_ = 0;                                                                                                 \
        assert_int_equal(fn(obj, small_, need_ - 1, &len_), COINJ_ERROR_BUFFER_TOO_SMALL);                        \
        assert_int_equal(len_, need_);                                                                            \
        for (size_t i_ = 0; i_ < sizeof small_; i_++) assert_int_equal(small_[i_], 0xee);                         \
        assert_int_equal(fn(obj, small_, need_, &len_), COINJ_OK);                                                \
        assert_int_equal(len_, need_);                                                                            \
        assert_int_equal(small_[need_], 0xee);                                                                    \
        assert_int_equal(fn(obj, big_, sizeof big_, &len_), COINJ_OK);                                           \
        assert_int_equal(len_, need_);                                                                            \
        assert_memory_equal(big_, small_, need_);                                                                 \
    } while (0)

/* Every encoder follows the sizing convention and leaves a too-small buffer untouched. */
static void test_buffer_sizing(void **state)
{
    (void)state;
    coinjecture_block b;
    make_block(&b, 1);
    coinjecture_commitment c;
    memset(&c, 3, sizeof c);
    CHECK_SIZING(coinjecture_header_encode, &b.header);
    CHECK_SIZING(coinjecture_tx_encode, &SAMPLE_TXS[0]);
    CHECK_SIZING(coinjecture_problem_encode, &b.reveal.problem);
    CHECK_SIZING(coinjecture_solution_encode, &b.reveal.solution);
    CHECK_SIZING(coinjecture_reveal_encode, &b.reveal);
    CHECK_SIZING(coinjecture_commitment_encode, &c);
    CHECK_SIZING(coinjecture_block_encode, &b);
    size_t n = 0;
    assert_int_equal(coinjecture_block_encode(&b, NULL, 0, &n), COINJ_ERROR_BUFFER_TOO_SMALL);
    assert_non_null(strstr(coinjecture_last_error_message(), "needs"));
}

/* ---- NULL and bad arguments ---- */

/* NULL and bad-length arguments for every public codec function. */
static void test_null_args(void **state)
{
    (void)state;
    uint8_t buf[64], hash[32];
    size_t n = 0;
    coinjecture_header h;
    coinjecture_tx tx;
    coinjecture_problem p;
    coinjecture_solution s;
    coinjecture_reveal r;
    coinjecture_commitment c;
    coinjecture_block b;
    make_header(&h, 0, 0);
    make_default_tx(&tx);
    make_problem(&p);
    make_solution(&s);
    memset(&r, 0, sizeof r);
    make_problem(&r.problem);
    memset(&c, 0, sizeof c);
    make_block(&b, 0);

    assert_int_equal(coinjecture_header_encode(NULL, buf, sizeof buf, &n), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_header_encode(&h, buf, sizeof buf, NULL), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_tx_encode(NULL, buf, sizeof buf, &n), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_tx_encode(&tx, buf, sizeof buf, NULL), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_problem_encode(NULL, buf, sizeof buf, &n), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_problem_encode(&p, buf, sizeof buf, NULL), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_solution_encode(NULL, buf, sizeof buf, &n), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_solution_encode(&s, buf, sizeof buf, NULL), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_reveal_encode(NULL, buf, sizeof buf, &n), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_reveal_encode(&r, buf, sizeof buf, NULL), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_commitment_encode(NULL, buf, sizeof buf, &n), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_commitment_encode(&c, buf, sizeof buf, NULL), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_block_encode(NULL, buf, sizeof buf, &n), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_block_encode(&b, buf, sizeof buf, NULL), COINJ_ERROR_INVALID_INPUT);
    uint8_t *out = NULL;
    assert_int_equal(coinjecture_block_encode_alloc(NULL, &out, &n), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_block_encode_alloc(&b, NULL, &n), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_block_encode_alloc(&b, &out, NULL), COINJ_ERROR_INVALID_INPUT);
    assert_null(out);

    assert_int_equal(coinjecture_header_decode(buf, 1, NULL), COINJ_ERROR_INVALID_INPUT);
    memset(&h, 0x11, sizeof h);
    assert_int_equal(coinjecture_header_decode(NULL, 5, &h), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(h.codec_version, 0); /* zeroed */
    assert_int_equal(coinjecture_tx_decode(buf, 1, NULL), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_tx_decode(NULL, 5, &tx), COINJ_ERROR_INVALID_INPUT);
    assert_null(tx.data);
    assert_int_equal(coinjecture_tx_decode(NULL, 0, &tx), COINJ_ERROR_DECODE_TRUNCATED);
    assert_int_equal(coinjecture_problem_decode(buf, 1, NULL), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_problem_decode(NULL, 5, &p), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_solution_decode(buf, 1, NULL), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_solution_decode(NULL, 5, &s), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_reveal_decode(buf, 1, NULL), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_reveal_decode(NULL, 5, &r), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_commitment_decode(buf, 1, NULL), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_commitment_decode(NULL, 5, &c), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_block_decode(buf, 1, NULL), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_block_decode(NULL, 5, &b), COINJ_ERROR_INVALID_INPUT);
    assert_null(b.transactions);
    assert_int_equal(coinjecture_block_decode(NULL, 0, &b), COINJ_ERROR_DECODE_TRUNCATED);

    make_header(&h, 0, 0);
    make_default_tx(&tx);
    make_problem(&p);
    make_solution(&s);
    make_block(&b, 0);
    assert_int_equal(coinjecture_header_hash(NULL, hash), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_header_hash(&h, NULL), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_tx_hash(NULL, hash), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_tx_hash(&tx, NULL), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_problem_hash(NULL, hash), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_problem_hash(&p, NULL), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_solution_hash(NULL, hash), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_solution_hash(&s, NULL), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_block_merkle_root(NULL, hash), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_block_merkle_root(&b, NULL), COINJ_ERROR_INVALID_INPUT);

    coinjecture_tx_free(NULL);
    coinjecture_block_free(NULL);
    coinjecture_buffer_free(NULL);
    /* a tx with NULL data and length 0 is fine everywhere */
    make_default_tx(&tx);
    assert_null(tx.data);
    assert_int_equal(coinjecture_tx_encode(&tx, NULL, 0, &n), COINJ_ERROR_BUFFER_TOO_SMALL);
    assert_int_equal(coinjecture_tx_hash(&tx, hash), COINJ_OK);
}

/* ---- Merkle root over transaction hashes ---- */

/* Merkle root over transaction hashes: empty, one leaf, odd node promoted, bad input. */
static void test_block_merkle_root(void **state)
{
    (void)state;
    coinjecture_block b;
    uint8_t root[32], zero[32] = {0}, leaf[3][32], pair[64], l1[32];
    make_block(&b, 1);
    b.tx_count = 0;
    b.transactions = NULL;
    memset(root, 0x77, 32);
    assert_int_equal(coinjecture_block_merkle_root(&b, root), COINJ_OK);
    assert_memory_equal(root, zero, 32);

    coinjecture_tx txs[3];
    make_default_tx(&txs[0]);
    make_bounty_tx(&txs[1]);
    make_default_tx(&txs[2]);
    txs[2].nonce = 7;
    for (int i = 0; i < 3; i++) assert_int_equal(coinjecture_tx_hash(&txs[i], leaf[i]), COINJ_OK);
    b.transactions = txs;
    b.tx_count = 1;
    assert_int_equal(coinjecture_block_merkle_root(&b, root), COINJ_OK);
    assert_memory_equal(root, leaf[0], 32);
    tu_assert_hash(root, "1e74bb26bf917b4939b564023e03a39769a82b8a607050a82678f4a4e5f12f51");
    b.tx_count = 3; /* odd node promoted: H(H(l0||l1) || l2) */
    assert_int_equal(coinjecture_block_merkle_root(&b, root), COINJ_OK);
    memcpy(pair, leaf[0], 32);
    memcpy(pair + 32, leaf[1], 32);
    cj_sha256(pair, 64, l1);
    memcpy(pair, l1, 32);
    memcpy(pair + 32, leaf[2], 32);
    cj_sha256(pair, 64, l1);
    assert_memory_equal(root, l1, 32);
    txs[1].data = NULL; /* data_len 3 with NULL data */
    assert_int_equal(coinjecture_block_merkle_root(&b, root), COINJ_ERROR_INVALID_INPUT);
}

/* cmocka entry point. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_genesis_worked_example),
        cmocka_unit_test(test_reference_hashes),
        cmocka_unit_test(test_golden_header_vectors),
        cmocka_unit_test(test_header_view_long_extra),
        cmocka_unit_test(test_integer_boundaries),
        cmocka_unit_test(test_array_forms_in_fields),
        cmocka_unit_test(test_header_decode_errors),
        cmocka_unit_test(test_tx_decode_errors),
        cmocka_unit_test(test_problem_solution_decode_errors),
        cmocka_unit_test(test_reveal_commitment),
        cmocka_unit_test(test_block_roundtrip_and_errors),
        cmocka_unit_test(test_block_mutations),
        cmocka_unit_test(test_truncation_every_prefix),
        cmocka_unit_test(test_encode_limits),
        cmocka_unit_test(test_buffer_sizing),
        cmocka_unit_test(test_null_args),
        cmocka_unit_test(test_block_merkle_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
