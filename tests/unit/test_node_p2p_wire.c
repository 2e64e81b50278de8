/* Unit tests of the P2P wire format (src/node/net/p2p_wire.c): frames, message codec, handshake, AEAD. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "p2p_wire.h"
#include "testutil.h"

/* ---- helpers ---- */

/* Encodes m, decodes the bytes, re-encodes the result and checks both encodings are identical. */
static void roundtrip(const cj_p2p_msg *m, cj_p2p_msg *out)
{
    uint8_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    char err[200];
    assert_int_equal(cj_p2p_encode(m, &a, &na, err, sizeof err), 0);
    assert_int_equal(cj_p2p_decode(a, na, out, err, sizeof err), 0);
    assert_int_equal(out->type, m->type);
    assert_int_equal(cj_p2p_encode(out, &b, &nb, err, sizeof err), 0);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    free(b);
    free(a);
}

/* Decodes hex and expects a refusal. */
static void expect_reject_hex(const char *hex)
{
    uint8_t buf[512];
    size_t n = tu_unhex(hex, buf, sizeof buf);
    cj_p2p_msg m;
    char err[200];
    memset(&m, 0xab, sizeof m);
    err[0] = '\0';
    assert_int_equal(cj_p2p_decode(buf, n, &m, err, sizeof err), -1);
    assert_true(err[0] != '\0');
    assert_int_equal(m.type, 0); /* zeroed on failure */
    assert_int_equal(m.u.status.height, 0);
}

/* Encodes m into a fresh buffer (test owns it). */
static uint8_t *enc(const cj_p2p_msg *m, size_t *n)
{
    uint8_t *a = NULL;
    assert_int_equal(cj_p2p_encode(m, &a, n, NULL, 0), 0);
    return a;
}

/* ---- framing ---- */

static void test_frame_len(void **state)
{
    (void)state;
    uint8_t hdr[4];
    uint32_t len = 7;
    char err[100];
    cj_p2p_frame_hdr(hdr, 300);
    assert_memory_equal(hdr, "\x00\x00\x01\x2c", 4);
    assert_int_equal(cj_p2p_frame_len(hdr, CJ_P2P_MAX_FRAME, &len, err, sizeof err), 0);
    assert_int_equal(len, 300);
    /* exactly the maximum passes, one more is refused (before any allocation: only 4 bytes are read) */
    cj_p2p_frame_hdr(hdr, CJ_P2P_MAX_FRAME);
    assert_int_equal(cj_p2p_frame_len(hdr, CJ_P2P_MAX_FRAME, &len, err, sizeof err), 0);
    assert_int_equal(len, CJ_P2P_MAX_FRAME);
    cj_p2p_frame_hdr(hdr, CJ_P2P_MAX_FRAME + 1);
    assert_int_equal(cj_p2p_frame_len(hdr, CJ_P2P_MAX_FRAME, &len, err, sizeof err), -1);
    assert_int_equal(len, 0);
    assert_non_null(strstr(err, "oversize"));
    memcpy(hdr, "\xff\xff\xff\xff", 4);
    assert_int_equal(cj_p2p_frame_len(hdr, CJ_P2P_MAX_FRAME, &len, err, sizeof err), -1);
    /* handshake frames have a much lower limit */
    cj_p2p_frame_hdr(hdr, CJ_P2P_MAX_HANDSHAKE_FRAME + 1);
    assert_int_equal(cj_p2p_frame_len(hdr, CJ_P2P_MAX_HANDSHAKE_FRAME, &len, NULL, 0), -1);
    /* empty frame */
    cj_p2p_frame_hdr(hdr, 0);
    assert_int_equal(cj_p2p_frame_len(hdr, CJ_P2P_MAX_FRAME, &len, err, sizeof err), -1);
    /* NULL */
    assert_int_equal(cj_p2p_frame_len(NULL, CJ_P2P_MAX_FRAME, &len, err, sizeof err), -1);
    assert_int_equal(cj_p2p_frame_len(hdr, CJ_P2P_MAX_FRAME, NULL, err, sizeof err), -1);
}

/* ---- messages ---- */

static void test_roundtrip_all_types(void **state)
{
    (void)state;
    cj_p2p_msg m, out;
    uint8_t blob[300], blob2[70000];
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (uint8_t)(i * 7);
    for (size_t i = 0; i < sizeof blob2; i++)
        blob2[i] = (uint8_t)(i * 13);

    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_HELLO;
    m.u.hello.version = CJ_P2P_VERSION;
    m.u.hello.chain_id = UINT64_MAX;
    memset(m.u.hello.genesis, 1, 32);
    memset(m.u.hello.node_key, 2, 32);
    memset(m.u.hello.eph_key, 3, 32);
    memset(m.u.hello.nonce, 4, 32);
    m.u.hello.listen_port = 65535;
    memset(m.u.hello.instance, 5, 16);
    roundtrip(&m, &out);
    assert_memory_equal(out.u.hello.instance, m.u.hello.instance, 16);
    assert_true(out.u.hello.chain_id == UINT64_MAX);
    assert_int_equal(out.u.hello.listen_port, 65535);
    assert_memory_equal(out.u.hello.eph_key, m.u.hello.eph_key, 32);

    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_AUTH;
    m.u.auth.time_ms = UINT64_MAX; /* any u64: the receiver clamps the sample, the codec does not judge it */
    memset(m.u.auth.sig, 0x5a, 64);
    roundtrip(&m, &out);
    assert_memory_equal(out.u.auth.sig, m.u.auth.sig, 64);
    assert_true(out.u.auth.time_ms == UINT64_MAX);

    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_STATUS;
    m.u.status.height = 123456789;
    m.u.status.weight = 42;
    memset(m.u.status.best, 0xee, 32);
    roundtrip(&m, &out);
    assert_true(out.u.status.height == 123456789);
    assert_true(out.u.status.weight == 42);

    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_TX;
    m.u.tx.bytes = blob;
    m.u.tx.len = sizeof blob; /* bin16 */
    roundtrip(&m, &out);
    assert_int_equal(out.u.tx.len, sizeof blob);

    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_BLOCK;
    m.u.block.bytes = blob2;
    m.u.block.len = sizeof blob2; /* bin32 */
    roundtrip(&m, &out);
    assert_int_equal(out.u.block.len, sizeof blob2);

    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_GET_BLOCKS;
    m.u.get_blocks.from = 1000;
    m.u.get_blocks.count = 256;
    roundtrip(&m, &out);
    assert_true(out.u.get_blocks.from == 1000 && out.u.get_blocks.count == 256);

    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_BLOCKS;
    m.u.blocks.from = 7;
    m.u.blocks.count = 20; /* array16 header */
    for (uint32_t i = 0; i < 20; i++) {
        m.u.blocks.items[i] = blob + i;
        m.u.blocks.lens[i] = 1 + i;
    }
    roundtrip(&m, &out);
    assert_int_equal(out.u.blocks.count, 20);
    assert_int_equal(out.u.blocks.lens[19], 20);

    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_BLOCKS; /* empty answer */
    m.u.blocks.from = 99;
    roundtrip(&m, &out);
    assert_int_equal(out.u.blocks.count, 0);

    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_PING;
    m.u.ping.nonce = 0x0123456789abcdefull;
    roundtrip(&m, &out);
    assert_true(out.u.ping.nonce == 0x0123456789abcdefull);
    m.type = CJ_P2P_PONG;
    roundtrip(&m, &out);
    assert_int_equal(out.type, CJ_P2P_PONG);

    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_EVIDENCE;
    m.u.evidence.header_a = blob;
    m.u.evidence.len_a = 200; /* bin8 */
    m.u.evidence.header_b = blob + 1;
    m.u.evidence.len_b = CJ_P2P_MAX_HEADER_BYTES > sizeof blob - 1 ? sizeof blob - 1 : CJ_P2P_MAX_HEADER_BYTES;
    roundtrip(&m, &out);
    assert_int_equal(out.u.evidence.len_a, 200);
    assert_int_equal(out.u.evidence.len_b, m.u.evidence.len_b);
    /* the decoded headers point into the encoding (zero copy): check them while it lives */
    uint8_t *enc = NULL;
    size_t nenc = 0;
    char err[200];
    assert_int_equal(cj_p2p_encode(&m, &enc, &nenc, err, sizeof err), 0);
    assert_int_equal(cj_p2p_decode(enc, nenc, &out, err, sizeof err), 0);
    assert_memory_equal(out.u.evidence.header_b, blob + 1, out.u.evidence.len_b);
    free(enc);
    assert_string_equal(cj_p2p_type_name(CJ_P2P_EVIDENCE), "evidence");
}

/* The evidence message's bounds: each header 1..CJ_P2P_MAX_HEADER_BYTES, on both sides of the codec. */
static void test_evidence_bounds(void **state)
{
    (void)state;
    static uint8_t big[CJ_P2P_MAX_HEADER_BYTES + 1];
    cj_p2p_msg m;
    uint8_t *out = NULL;
    size_t n = 0;
    char err[160];
    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_EVIDENCE;
    m.u.evidence.header_a = big;
    m.u.evidence.len_a = sizeof big;
    m.u.evidence.header_b = big;
    m.u.evidence.len_b = 1;
    assert_int_equal(cj_p2p_encode(&m, &out, &n, err, sizeof err), -1);
    m.u.evidence.len_a = 0;
    assert_int_equal(cj_p2p_encode(&m, &out, &n, err, sizeof err), -1);
    m.u.evidence.len_a = 1;
    m.u.evidence.header_b = NULL;
    assert_int_equal(cj_p2p_encode(&m, &out, &n, err, sizeof err), -1);
    /* decode: a header bin of 1025 bytes, an empty one, and a missing second field */
    uint8_t buf[1200];
    size_t k = 0;
    const char head[] = "\x83\xa4type\xa8" "evidence" "\xa8header_a";
    memcpy(buf, head, sizeof head - 1);
    k = sizeof head - 1;
    buf[k++] = 0xc5, buf[k++] = 0x04, buf[k++] = 0x01; /* bin16 of 1025 */
    memset(buf + k, 0, 1025);
    assert_true(k + 1025 <= sizeof buf);
    assert_int_equal(cj_p2p_decode(buf, k + 1025, &m, err, sizeof err), -1);
    buf[sizeof head - 1] = 0xc4, buf[sizeof head] = 0x00; /* bin8 of 0 */
    assert_int_equal(cj_p2p_decode(buf, sizeof head + 1, &m, err, sizeof err), -1);
    const char only_a[] = "\x82\xa4type\xa8" "evidence" "\xa8header_a\xc4\x01\x07";
    assert_int_equal(cj_p2p_decode((const uint8_t *)only_a, sizeof only_a - 1, &m, err, sizeof err), -1);
}

static void test_exact_encoding(void **state)
{
    (void)state;
    cj_p2p_msg m;
    size_t n;
    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_PING;
    m.u.ping.nonce = 5;
    uint8_t *b = enc(&m, &n);
    /* {"type":"ping","nonce":5} */
    uint8_t want[32];
    size_t wn = tu_unhex("82a474797065a470696e67a56e6f6e636505", want, sizeof want);
    assert_int_equal(n, wn);
    assert_memory_equal(b, want, n);
    free(b);
    /* the decoded tx bytes point into the input (zero copy) */
    uint8_t tx[3] = {1, 2, 3};
    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_TX;
    m.u.tx.bytes = tx;
    m.u.tx.len = 3;
    b = enc(&m, &n);
    cj_p2p_msg d;
    assert_int_equal(cj_p2p_decode(b, n, &d, NULL, 0), 0);
    assert_ptr_equal(d.u.tx.bytes, b + n - 3);
    assert_memory_equal(d.u.tx.bytes, tx, 3);
    free(b);
    /* {"type":"auth","time_ms":1765000000123,"sig":64 x 0x5a}: time_ms as uint64 (cf), before sig */
    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_AUTH;
    m.u.auth.time_ms = 1765000000123ull;
    memset(m.u.auth.sig, 0x5a, 64);
    b = enc(&m, &n);
    uint8_t want_auth[128];
    wn = tu_unhex("83a474797065a461757468a774696d655f6d73cf0000019af232b27ba3736967c440"
                  "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
                    "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a", want_auth, sizeof want_auth);
    assert_int_equal(n, wn);
    assert_memory_equal(b, want_auth, n);
    free(b);
}

static void test_strict_rejection(void **state)
{
    (void)state;
    /* not a map / too small / map16 */
    expect_reject_hex("90");
    expect_reject_hex("81a474797065a470696e67");
    expect_reject_hex("de0002a474797065a470696e67a56e6f6e636505");
    /* unknown type */
    expect_reject_hex("82a474797065a470696e68a56e6f6e636505");
    /* type not the first key */
    expect_reject_hex("82a56e6f6e636505a474797065a470696e67");
    /* wrong number of entries for ping */
    expect_reject_hex("83a474797065a470696e67a56e6f6e636505a56e6f6e636505");
    /* unknown field name */
    expect_reject_hex("82a474797065a470696e67a56e6f6e636605");
    /* non-canonical integer (cc 05) */
    expect_reject_hex("82a474797065a470696e67a56e6f6e6365cc05");
    /* negative integer */
    expect_reject_hex("82a474797065a470696e67a56e6f6e6365ff");
    /* trailing byte */
    expect_reject_hex("82a474797065a470696e67a56e6f6e63650500");
    /* truncated */
    expect_reject_hex("82a474797065a470696e67a56e6f6e6365");
    /* get_blocks count 0 and 257 */
    expect_reject_hex("83a474797065aa6765745f626c6f636b73a466726f6d01a5636f756e7400");
    expect_reject_hex("83a474797065aa6765745f626c6f636b73a466726f6d01a5636f756e74cd0101");
    /* tx as bin16 of 3 bytes (bin8 required) and an empty tx */
    expect_reject_hex("82a474797065a27478a27478c50003010203");
    expect_reject_hex("82a474797065a27478a27478c400");
    /* tx bin longer than the input */
    expect_reject_hex("82a474797065a27478a27478c4ff0102");
    /* blocks: array32 of 2^32-1 elements (cap checked before anything is allocated), 257 elements,
       and an element that is not a bin */
    expect_reject_hex("83a474797065a6626c6f636b73a466726f6d01a6626c6f636b73ddffffffff");
    expect_reject_hex("83a474797065a6626c6f636b73a466726f6d01a6626c6f636b73dc0101");
    expect_reject_hex("83a474797065a6626c6f636b73a466726f6d01a6626c6f636b739101");
    /* auth of protocol 2 (no time_ms), with time_ms after sig, and with a non-canonical time_ms (cd 0005) */
    expect_reject_hex("82a474797065a461757468a3736967c4405a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
                      "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a");
    expect_reject_hex("83a474797065a461757468a3736967c4405a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
                      "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5aa774696d655f6d7305");
    expect_reject_hex("83a474797065a461757468a774696d655f6d73cd0005a3736967c4405a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
                      "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a");
    /* status with a 31-byte best hash */
    expect_reject_hex("84a474797065a6737461747573a668656967687401a462657374c41f"
                      "00000000000000000000000000000000000000000000000000000000000000a6776569676874"
                      "01");
    /* NULL and empty */
    cj_p2p_msg m;
    assert_int_equal(cj_p2p_decode(NULL, 5, &m, NULL, 0), -1);
    assert_int_equal(cj_p2p_decode((const uint8_t *)"\x80", 0, &m, NULL, 0), -1);
    assert_int_equal(cj_p2p_decode((const uint8_t *)"\x80", 1, NULL, NULL, 0), -1);
}

static void test_encode_refuses(void **state)
{
    (void)state;
    cj_p2p_msg m;
    uint8_t *out = (uint8_t *)&m;
    size_t n = 99;
    char err[100];
    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_GET_BLOCKS;
    m.u.get_blocks.count = 257;
    assert_int_equal(cj_p2p_encode(&m, &out, &n, err, sizeof err), -1);
    assert_null(out);
    assert_int_equal(n, 0);
    m.u.get_blocks.count = 0;
    assert_int_equal(cj_p2p_encode(&m, &out, &n, err, sizeof err), -1);
    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_BLOCKS;
    m.u.blocks.count = 257;
    assert_int_equal(cj_p2p_encode(&m, &out, &n, err, sizeof err), -1);
    m.u.blocks.count = 1; /* NULL item */
    assert_int_equal(cj_p2p_encode(&m, &out, &n, err, sizeof err), -1);
    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_TX; /* empty tx */
    assert_int_equal(cj_p2p_encode(&m, &out, &n, err, sizeof err), -1);
    m.type = (cj_p2p_type)99;
    assert_int_equal(cj_p2p_encode(&m, &out, &n, err, sizeof err), -1);
    assert_string_equal(cj_p2p_type_name((cj_p2p_type)99), "?");
    assert_string_equal(cj_p2p_type_name(CJ_P2P_GET_BLOCKS), "get_blocks");
    assert_int_equal(cj_p2p_encode(NULL, &out, &n, err, sizeof err), -1);
    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_PING;
    assert_int_equal(cj_p2p_encode(&m, NULL, &n, err, sizeof err), -1);
    assert_int_equal(cj_p2p_encode(&m, &out, NULL, err, sizeof err), -1);
}

/* ---- handshake ---- */

typedef struct {
    uint8_t sk[64], pk[32];
    cj_p2p_hs hs;
} side;

/* Two sides of one connection with fresh identities. */
static void two_sides(side *a, side *b, uint64_t chain_a, uint64_t chain_b)
{
    uint8_t gen[32];
    memset(gen, 0x77, 32);
    crypto_sign_keypair(a->pk, a->sk);
    crypto_sign_keypair(b->pk, b->sk);
    assert_int_equal(cj_p2p_hs_init(&a->hs, chain_a, gen, a->pk, 9001), 0);
    assert_int_equal(cj_p2p_hs_init(&b->hs, chain_b, gen, b->pk, 9002), 0);
}

/* Passes a's hello to b through the codec. Returns b's verdict. */
static int deliver_hello(const side *a, side *b)
{
    cj_p2p_msg h, d;
    size_t n;
    cj_p2p_hs_hello(&a->hs, &h);
    uint8_t *buf = enc(&h, &n);
    assert_int_equal(cj_p2p_decode(buf, n, &d, NULL, 0), 0);
    free(buf);
    char err[200];
    return cj_p2p_hs_check_hello(&b->hs, &d, err, sizeof err);
}

static void test_handshake_ok(void **state)
{
    (void)state;
    side a, b;
    cj_p2p_msg auth_a, auth_b;
    cj_p2p_cipher arx, atx, brx, btx;
    char err[200];
    two_sides(&a, &b, 1337, 1337);
    assert_int_equal(deliver_hello(&a, &b), 0);
    assert_int_equal(deliver_hello(&b, &a), 0);
    assert_int_equal(a.hs.peer_listen_port, 9002);
    assert_int_equal(cj_p2p_hs_sign(&a.hs, a.sk, 1765000000123ull, &auth_a), 0);
    assert_int_equal(cj_p2p_hs_sign(&b.hs, b.sk, 1765000000456ull, &auth_b), 0);
    assert_true(auth_a.u.auth.time_ms == 1765000000123ull);
    assert_int_equal(cj_p2p_hs_verify(&b.hs, &auth_a, err, sizeof err), 0);
    assert_int_equal(cj_p2p_hs_verify(&a.hs, &auth_b, err, sizeof err), 0);
    /* transcripts: what a signs is what b checks, ending in the signer's time_ms (u64 big-endian) */
    uint8_t ta[CJ_P2P_TRANSCRIPT_LEN], tb[CJ_P2P_TRANSCRIPT_LEN];
    assert_int_equal(CJ_P2P_TRANSCRIPT_LEN, 23 + 6 * 32 + 8);
    assert_int_equal(cj_p2p_hs_transcript(&a.hs, 1, 0x0102030405060708ull, ta), 0);
    assert_int_equal(cj_p2p_hs_transcript(&b.hs, 0, 0x0102030405060708ull, tb), 0);
    assert_memory_equal(ta, tb, sizeof ta);
    assert_memory_equal(ta, CJ_P2P_AUTH_TAG, sizeof(CJ_P2P_AUTH_TAG) - 1);
    const uint8_t be[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_memory_equal(ta + sizeof ta - 8, be, 8);
    /* the time is signed: an auth whose time_ms was altered on the path does not verify */
    cj_p2p_msg forged = auth_a;
    forged.u.auth.time_ms -= 120000;
    assert_int_equal(cj_p2p_hs_verify(&b.hs, &forged, err, sizeof err), -1);
    /* session keys: a's tx is b's rx and vice versa, and the two directions differ */
    assert_int_equal(cj_p2p_hs_session(&a.hs, &arx, &atx), 0);
    assert_int_equal(cj_p2p_hs_session(&b.hs, &brx, &btx), 0);
    assert_memory_equal(atx.key, brx.key, 32);
    assert_memory_equal(btx.key, arx.key, 32);
    assert_memory_not_equal(atx.key, arx.key, 32);
    uint8_t zero[32] = {0};
    assert_memory_equal(a.hs.eph_sk, zero, 32); /* wiped */
    /* a frame sealed by a opens at b */
    const char *txt = "status";
    uint8_t frame[4 + 6 + CJ_P2P_TAG_LEN];
    size_t ptlen = 0;
    assert_int_equal(cj_p2p_seal(&atx, (const uint8_t *)txt, 6, frame), 0);
    assert_int_equal(cj_p2p_open(&brx, frame, frame + 4, sizeof frame - 4, &ptlen), 0);
    assert_int_equal(ptlen, 6);
    assert_memory_equal(frame + 4, txt, 6);
}

static void test_handshake_reject(void **state)
{
    (void)state;
    side a, b, c;
    cj_p2p_msg auth_a, h;
    char err[200];
    /* chain id mismatch */
    two_sides(&a, &b, 1, 2);
    assert_int_equal(deliver_hello(&a, &b), -1);
    /* genesis mismatch */
    two_sides(&a, &b, 1, 1);
    b.hs.genesis[0] ^= 1;
    assert_int_equal(deliver_hello(&a, &b), -1);
    /* version mismatch */
    two_sides(&a, &b, 1, 1);
    cj_p2p_hs_hello(&a.hs, &h);
    h.u.hello.version = 2; /* a node of protocol 2 (no time in its auth) */
    assert_int_equal(cj_p2p_hs_check_hello(&b.hs, &h, err, sizeof err), -1);
    assert_non_null(strstr(err, "protocol version 2, we speak 3"));
    h.u.hello.version = 4;
    assert_int_equal(cj_p2p_hs_check_hello(&b.hs, &h, err, sizeof err), -1);
    /* self connection (same node key) */
    cj_p2p_hs_hello(&a.hs, &h);
    memcpy(h.u.hello.node_key, b.pk, 32);
    assert_int_equal(cj_p2p_hs_check_hello(&b.hs, &h, err, sizeof err), -1);
    /* a reflected hello (our own ephemeral key) */
    cj_p2p_hs_hello(&b.hs, &h);
    memcpy(h.u.hello.node_key, a.pk, 32);
    assert_int_equal(cj_p2p_hs_check_hello(&b.hs, &h, err, sizeof err), -1);
    /* wrong message type, NULL */
    h.type = CJ_P2P_AUTH;
    assert_int_equal(cj_p2p_hs_check_hello(&b.hs, &h, err, sizeof err), -1);
    assert_int_equal(cj_p2p_hs_check_hello(NULL, &h, err, sizeof err), -1);

    /* tampered signature */
    two_sides(&a, &b, 1, 1);
    assert_int_equal(deliver_hello(&a, &b), 0);
    assert_int_equal(deliver_hello(&b, &a), 0);
    assert_int_equal(cj_p2p_hs_sign(&a.hs, a.sk, 1, &auth_a), 0);
    auth_a.u.auth.sig[10] ^= 0x01;
    assert_int_equal(cj_p2p_hs_verify(&b.hs, &auth_a, err, sizeof err), -1);
    /* signed with another key than the announced node key */
    two_sides(&a, &b, 1, 1);
    two_sides(&c, &c, 1, 1);
    assert_int_equal(deliver_hello(&a, &b), 0);
    assert_int_equal(deliver_hello(&b, &a), 0);
    assert_int_equal(cj_p2p_hs_sign(&a.hs, c.sk, 1, &auth_a), 0);
    assert_int_equal(cj_p2p_hs_verify(&b.hs, &auth_a, err, sizeof err), -1);
    /* replay: a valid auth from an earlier connection does not verify on a new one (fresh nonces) */
    two_sides(&a, &b, 1, 1);
    assert_int_equal(deliver_hello(&a, &b), 0);
    assert_int_equal(deliver_hello(&b, &a), 0);
    assert_int_equal(cj_p2p_hs_sign(&a.hs, a.sk, 1, &auth_a), 0);
    assert_int_equal(cj_p2p_hs_verify(&b.hs, &auth_a, err, sizeof err), 0);
    cj_p2p_hs old_b = b.hs;
    assert_int_equal(cj_p2p_hs_init(&b.hs, 1, old_b.genesis, b.pk, 9002), 0);
    assert_int_equal(deliver_hello(&a, &b), 0);
    assert_int_equal(cj_p2p_hs_verify(&b.hs, &auth_a, err, sizeof err), -1);
    /* auth before hello, NULLs */
    assert_int_equal(cj_p2p_hs_init(&c.hs, 1, old_b.genesis, c.pk, 1), 0);
    assert_int_equal(cj_p2p_hs_verify(&c.hs, &auth_a, err, sizeof err), -1);
    assert_int_equal(cj_p2p_hs_sign(&c.hs, c.sk, 1, &auth_a), -1);
    assert_int_equal(cj_p2p_hs_verify(NULL, &auth_a, err, sizeof err), -1);
    assert_int_equal(cj_p2p_hs_sign(&a.hs, NULL, 1, &auth_a), -1);
    assert_int_equal(cj_p2p_hs_init(NULL, 1, old_b.genesis, c.pk, 1), -1);
    assert_int_equal(cj_p2p_hs_init(&c.hs, 1, NULL, c.pk, 1), -1);
    cj_p2p_cipher rx, tx;
    assert_int_equal(cj_p2p_hs_session(&c.hs, &rx, &tx), -1); /* no peer yet */
    assert_int_equal(cj_p2p_hs_session(NULL, &rx, &tx), -1);
    assert_int_equal(cj_p2p_hs_transcript(&c.hs, 1, 0, NULL), -1);
}

/* ---- AEAD ---- */

/* A matched pair of ciphers (one direction). */
static void cipher_pair(cj_p2p_cipher *tx, cj_p2p_cipher *rx)
{
    memset(tx, 0, sizeof *tx);
    randombytes_buf(tx->key, 32);
    *rx = *tx;
}

static void test_aead_tamper_replay_reorder(void **state)
{
    (void)state;
    cj_p2p_cipher tx, rx;
    cipher_pair(&tx, &rx);
    const uint8_t m1[5] = "hello", m2[5] = "world";
    uint8_t f1[4 + 5 + 16], f2[4 + 5 + 16], copy[sizeof f1];
    size_t pl = 0;
    assert_int_equal(cj_p2p_seal(&tx, m1, 5, f1), 0);
    assert_int_equal(cj_p2p_seal(&tx, m2, 5, f2), 0);
    assert_true(tx.counter == 2);
    /* the length prefix is the real length */
    assert_memory_equal(f1, "\x00\x00\x00\x15", 4);
    /* reordered: frame 2 first fails and the counter does not move (the body is wiped by libsodium) */
    memcpy(copy, f2, sizeof f2);
    assert_int_equal(cj_p2p_open(&rx, copy, copy + 4, sizeof copy - 4, &pl), -1);
    assert_true(rx.counter == 0);
    assert_int_equal(pl, 0);
    /* tampered ciphertext, tag and length prefix fail */
    memcpy(copy, f1, sizeof f1);
    copy[6] ^= 1;
    assert_int_equal(cj_p2p_open(&rx, copy, copy + 4, sizeof copy - 4, &pl), -1);
    memcpy(copy, f1, sizeof f1);
    copy[sizeof copy - 1] ^= 0x80;
    assert_int_equal(cj_p2p_open(&rx, copy, copy + 4, sizeof copy - 4, &pl), -1);
    memcpy(copy, f1, sizeof f1);
    uint8_t badhdr[4] = {0, 0, 0, 0x14};
    assert_int_equal(cj_p2p_open(&rx, badhdr, copy + 4, sizeof copy - 4, &pl), -1);
    /* in order: both open */
    memcpy(copy, f1, sizeof f1);
    assert_int_equal(cj_p2p_open(&rx, f1, f1 + 4, sizeof f1 - 4, &pl), 0);
    assert_int_equal(pl, 5);
    assert_memory_equal(f1 + 4, "hello", 5);
    /* replay of frame 1 fails */
    assert_int_equal(cj_p2p_open(&rx, copy, copy + 4, sizeof copy - 4, &pl), -1);
    assert_int_equal(cj_p2p_open(&rx, f2, f2 + 4, sizeof f2 - 4, &pl), 0);
    assert_memory_equal(f2 + 4, "world", 5);
    assert_true(rx.counter == 2);
    /* a frame from the other direction's key does not open */
    cj_p2p_cipher other, orx;
    cipher_pair(&other, &orx);
    uint8_t f3[4 + 5 + 16];
    other.counter = 2;
    assert_int_equal(cj_p2p_seal(&other, m1, 5, f3), 0);
    assert_int_equal(cj_p2p_open(&rx, f3, f3 + 4, sizeof f3 - 4, &pl), -1);
    /* empty plaintext is fine */
    uint8_t f4[4 + 16];
    assert_int_equal(cj_p2p_seal(&tx, NULL, 0, f4), 0);
    assert_int_equal(cj_p2p_open(&rx, f4, f4 + 4, sizeof f4 - 4, &pl), 0);
    assert_int_equal(pl, 0);
}

static void test_aead_limits(void **state)
{
    (void)state;
    cj_p2p_cipher tx, rx;
    cipher_pair(&tx, &rx);
    uint8_t small[4 + 16 + 1], pt[1] = {9};
    size_t pl = 1;
    /* counter exhausted: refuses instead of wrapping */
    tx.counter = UINT64_MAX;
    assert_int_equal(cj_p2p_seal(&tx, pt, 1, small), -1);
    tx.counter = UINT64_MAX - 1;
    assert_int_equal(cj_p2p_seal(&tx, pt, 1, small), 0);
    assert_true(tx.counter == UINT64_MAX);
    rx.counter = UINT64_MAX;
    assert_int_equal(cj_p2p_open(&rx, small, small + 4, sizeof small - 4, &pl), -1);
    /* too short for a tag, too long for a frame */
    rx.counter = 0;
    assert_int_equal(cj_p2p_open(&rx, small, small + 4, 15, &pl), -1);
    assert_int_equal(pl, 0);
    assert_int_equal(cj_p2p_open(&rx, small, small + 4, (size_t)CJ_P2P_MAX_FRAME + 1, &pl), -1);
    /* plaintext over the frame limit */
    assert_int_equal(cj_p2p_seal(&tx, pt, CJ_P2P_MAX_FRAME - CJ_P2P_TAG_LEN + 1, small), -1);
    /* NULLs */
    assert_int_equal(cj_p2p_seal(NULL, pt, 1, small), -1);
    assert_int_equal(cj_p2p_seal(&tx, NULL, 1, small), -1);
    assert_int_equal(cj_p2p_seal(&tx, pt, 1, NULL), -1);
    assert_int_equal(cj_p2p_open(NULL, small, small + 4, 17, &pl), -1);
    assert_int_equal(cj_p2p_open(&rx, NULL, small + 4, 17, &pl), -1);
    assert_int_equal(cj_p2p_open(&rx, small, NULL, 17, &pl), -1);
    assert_int_equal(cj_p2p_open(&rx, small, small + 4, 17, NULL), -1);
}

/* A full message through encode -> seal -> open -> decode, the path every post-handshake frame takes. */
static void test_sealed_message(void **state)
{
    (void)state;
    cj_p2p_cipher tx, rx;
    cipher_pair(&tx, &rx);
    cj_p2p_msg m, d;
    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_STATUS;
    m.u.status.height = 77;
    m.u.status.weight = 150;
    size_t n, pl;
    uint8_t *pt = enc(&m, &n);
    uint8_t *frame = malloc(4 + n + CJ_P2P_TAG_LEN);
    assert_non_null(frame);
    assert_int_equal(cj_p2p_seal(&tx, pt, n, frame), 0);
    uint32_t len = 0;
    assert_int_equal(cj_p2p_frame_len(frame, CJ_P2P_MAX_FRAME, &len, NULL, 0), 0);
    assert_int_equal(len, n + CJ_P2P_TAG_LEN);
    assert_int_equal(cj_p2p_open(&rx, frame, frame + 4, len, &pl), 0);
    assert_int_equal(cj_p2p_decode(frame + 4, pl, &d, NULL, 0), 0);
    assert_true(d.u.status.height == 77 && d.u.status.weight == 150);
    free(pt);
    free(frame);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_len),
        cmocka_unit_test(test_roundtrip_all_types),
        cmocka_unit_test(test_exact_encoding),
        cmocka_unit_test(test_strict_rejection),
        cmocka_unit_test(test_evidence_bounds),
        cmocka_unit_test(test_encode_refuses),
        cmocka_unit_test(test_handshake_ok),
        cmocka_unit_test(test_handshake_reject),
        cmocka_unit_test(test_aead_tamper_replay_reorder),
        cmocka_unit_test(test_aead_limits),
        cmocka_unit_test(test_sealed_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
