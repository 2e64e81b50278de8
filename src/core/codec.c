/* Canonical codec of the consensus types (core.md §3, §4) and the hashes over it (§5): encoders with
 * caller-sized buffers, strict decoders that accept only what the encoders emit, and allocation-free
 * header hashing. */
#define CJ_SHA256_SHANI_INLINE 1 /* the SHA-NI block primitives for the fused header hash */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msgpack.h"
#include "sha256_paths.h" /* cj_backend_fast: the inlined backend load for the header hash */

#include "codec_schema.h"

#if defined(__GNUC__)
#define CJ_HOT_INLINE static inline __attribute__((always_inline))
#else
#define CJ_HOT_INLINE static inline
#endif

#define CJ_PUT_LIT(p, lit) (memcpy((p), (lit), sizeof(lit) - 1), (p) + (sizeof(lit) - 1))


/* ============================== encoding ============================== */

/* The header is the hottest encoding: keys and bin markers are constant byte runs copied straight in. It is
 * written in pieces so the fused SHA-NI hash can interleave them with the compressions: whatever the integer
 * widths, part 0 ends at byte 132..149 (blocks 0-1 complete), part 1 at 225..242 (block 2) and part 2 at
 * 263..300 (block 3). */

/* codec_version through the parent_hash key and bin8 marker (54..71 bytes). */
CJ_HOT_INLINE uint8_t *cj_codec_header_part0a(uint8_t *p, uint8_t codec_version, uint64_t block_index,
                                              int64_t timestamp)
{
    p = CJ_PUT_LIT(p, "\x8a\xad" "codec_version");
    p = cj_msgpack_wr_uint(p, codec_version);
    p = CJ_PUT_LIT(p, "\xab" "block_index");
    p = cj_msgpack_wr_uint(p, block_index);
    p = CJ_PUT_LIT(p, "\xa9" "timestamp");
    p = cj_msgpack_wr_int(p, timestamp);
    return CJ_PUT_LIT(p, "\xab" "parent_hash" "\xc4\x20");
}

/* parent_hash bytes through merkle_root. */
CJ_HOT_INLINE uint8_t *cj_codec_header_part0b(uint8_t *p, const uint8_t *parent_hash, const uint8_t *merkle_root)
{
    memcpy(p, parent_hash, 32);
    p = CJ_PUT_LIT(p + 32, "\xab" "merkle_root" "\xc4\x20");
    memcpy(p, merkle_root, 32);
    return p + 32;
}

/* codec_version through merkle_root. */
CJ_HOT_INLINE uint8_t *cj_codec_header_part0(uint8_t *p, uint8_t codec_version, uint64_t block_index,
                                             int64_t timestamp, const uint8_t *parent_hash,
                                             const uint8_t *merkle_root)
{
    return cj_codec_header_part0b(cj_codec_header_part0a(p, codec_version, block_index, timestamp), parent_hash,
                                  merkle_root);
}

/* miner_address and commitment. */
CJ_HOT_INLINE uint8_t *cj_codec_header_part1(uint8_t *p, const uint8_t *miner_address, const uint8_t *commitment)
{
    p = CJ_PUT_LIT(p, "\xad" "miner_address" "\xc4\x20");
    memcpy(p, miner_address, 32);
    p = CJ_PUT_LIT(p + 32, "\xaa" "commitment" "\xc4\x20");
    memcpy(p, commitment, 32);
    return p + 32;
}

/* difficulty_target, nonce and the extra_data key with its array header. */
CJ_HOT_INLINE uint8_t *cj_codec_header_part2(uint8_t *p, uint64_t difficulty_target, uint64_t nonce,
                                             uint32_t extra_data_len)
{
    p = CJ_PUT_LIT(p, "\xb1" "difficulty_target");
    p = cj_msgpack_wr_uint(p, difficulty_target);
    p = CJ_PUT_LIT(p, "\xa5" "nonce");
    p = cj_msgpack_wr_uint(p, nonce);
    p = CJ_PUT_LIT(p, "\xaa" "extra_data");
    return cj_msgpack_wr_array(p, extra_data_len);
}

/* Everything up to and including the extra_data array header (at most CJ_HEADER_HEAD_MAX bytes). */
CJ_HOT_INLINE uint8_t *cj_codec_header_head(uint8_t *p, uint8_t codec_version, uint64_t block_index,
                                            int64_t timestamp, const uint8_t *parent_hash,
                                            const uint8_t *merkle_root, const uint8_t *miner_address,
                                            const uint8_t *commitment, uint64_t difficulty_target, uint64_t nonce,
                                            uint32_t extra_data_len)
{
    p = cj_codec_header_part0(p, codec_version, block_index, timestamp, parent_hash, merkle_root);
    p = cj_codec_header_part1(p, miner_address, commitment);
    return cj_codec_header_part2(p, difficulty_target, nonce, extra_data_len);
}

/* The same for a full-width header. */
CJ_HOT_INLINE uint8_t *cj_codec_header_head_h(uint8_t *p, const coinjecture_header *h)
{
    return cj_codec_header_head(p, h->codec_version, h->block_index, h->timestamp, h->parent_hash, h->merkle_root,
                                h->miner_address, h->commitment, h->difficulty_target, h->nonce, h->extra_data_len);
}

#if defined(CJ_SHA256_HAVE_SHANI_INLINE)
#define CJ_CODEC_HH_CHUNK 512 /* extra_data bytes encoded per pass of the fused hash (one pass up to this) */

/* A MessagePack integer as register bytes: bytes 0..7 in lo (byte 0 lowest), byte 8 in hi. */
typedef struct {
    uint64_t lo, hi;
    unsigned len;
} cj_codec_le;

/* cj_msgpack_wr_uint's bytes without a store (same forms, same order). */
static inline cj_codec_le cj_codec_uint_le(uint64_t v)
{
    if (v < 0x80) return (cj_codec_le){v, 0, 1};
    if (v <= 0xff) return (cj_codec_le){0xcc | v << 8, 0, 2};
    if (v <= 0xffff) return (cj_codec_le){0xcd | (uint64_t)__builtin_bswap16((uint16_t)v) << 8, 0, 3};
    if (v <= 0xffffffffu) return (cj_codec_le){0xce | (uint64_t)__builtin_bswap32((uint32_t)v) << 8, 0, 5};
    return (cj_codec_le){0xcf | __builtin_bswap64(v) << 8, v & 0xff, 9};
}

/* cj_msgpack_wr_int's bytes without a store. */
static inline cj_codec_le cj_codec_int_le(int64_t v)
{
    uint64_t u = (uint64_t)v;
    if (v >= 0) return cj_codec_uint_le(u);
    if (v >= -32) return (cj_codec_le){u & 0xff, 0, 1};
    if (v >= INT8_MIN) return (cj_codec_le){0xd0 | (u & 0xff) << 8, 0, 2};
    if (v >= INT16_MIN) return (cj_codec_le){0xd1 | (uint64_t)__builtin_bswap16((uint16_t)u) << 8, 0, 3};
    if (v >= INT32_MIN) return (cj_codec_le){0xd2 | (uint64_t)__builtin_bswap32((uint32_t)u) << 8, 0, 5};
    return (cj_codec_le){0xd3 | __builtin_bswap64(u) << 8, u & 0xff, 9};
}

/* pshufb controls for a byte shift by k (0..15): loadu(+16 - k) moves a vector's bytes up by k, loadu(+32 - k)
 * gives the k bytes that cross into the next vector. */
static const uint8_t cj_codec_shift_ctl[48] = {
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0,    1,    2,    3,    4,    5,    6,    7,    8,    9,    10,   11,   12,   13,   14,   15,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80};
/* The constant runs of block 0, zero-padded to 16 bytes. */
static const uint8_t cj_codec_hh_k0[16] = "\x8a\xad" "codec_version"; /* 15 bytes + codec_version fixint */
static const uint8_t cj_codec_hh_k1[16] = "\xab" "block_index";
static const uint8_t cj_codec_hh_k2[16] = "\xa9" "timestamp";
static const uint8_t cj_codec_hh_k3[16] = "\xab" "parent_hash" "\xc4\x20";

#define CJ_CODEC_LDU(p) _mm_loadu_si128((const __m128i *)(const void *)(p))

/* ORs the 48-byte sequence s into the 48-byte d at byte offset off (0..31); what passes d's end is dropped. */
CJ_SHANI_INLINE void cj_codec_or_at(__m128i d[3], const __m128i s[3], unsigned off)
{
    const __m128i up = CJ_CODEC_LDU(cj_codec_shift_ctl + 16 - (off & 15));
    const __m128i cross = CJ_CODEC_LDU(cj_codec_shift_ctl + 32 - (off & 15));
    __m128i t0 = _mm_shuffle_epi8(s[0], up);
    __m128i t1 = _mm_or_si128(_mm_shuffle_epi8(s[1], up), _mm_shuffle_epi8(s[0], cross));
    if (off >= 16) {
        d[1] = _mm_or_si128(d[1], t0);
        d[2] = _mm_or_si128(d[2], t1);
    } else {
        __m128i t2 = _mm_or_si128(_mm_shuffle_epi8(s[2], up), _mm_shuffle_epi8(s[1], cross));
        d[0] = _mm_or_si128(d[0], t0);
        d[1] = _mm_or_si128(d[1], t1);
        d[2] = _mm_or_si128(d[2], t2);
    }
}

/* Block 0 (bytes 0..63) in registers for a codec_version below 0x80, so its rounds start without waiting for
 * the encoder's stores to reach the cache (a load that spans several smaller stores cannot be forwarded and
 * would wait until they commit, which back-to-back hashes serialise on). Returns the parent_hash offset. */
CJ_SHANI_INLINE unsigned cj_codec_hh_block0(__m128i b[4], uint8_t codec_version, uint64_t block_index,
                                            int64_t timestamp, const uint8_t *parent_hash)
{
    const cj_codec_le bi = cj_codec_uint_le(block_index), ts = cj_codec_int_le(timestamp);
    const __m128i ebi = _mm_set_epi64x((long long)bi.hi, (long long)bi.lo);
    const __m128i ets = _mm_set_epi64x((long long)ts.hi, (long long)ts.lo);
    const __m128i ph = CJ_CODEC_LDU(parent_hash);
    /* z: parent_hash key, marker and bytes; y: timestamp key and value, then z; b: header start, then y. */
    const __m128i z[3] = {_mm_or_si128(CJ_CODEC_LDU(cj_codec_hh_k3), _mm_slli_si128(ph, 14)),
                          CJ_CODEC_LDU(parent_hash + 2), _mm_setzero_si128()};
    __m128i y[3] = {_mm_or_si128(CJ_CODEC_LDU(cj_codec_hh_k2), _mm_slli_si128(ets, 10)), _mm_srli_si128(ets, 6),
                    _mm_setzero_si128()};
    cj_codec_or_at(y, z, 10 + ts.len);
    b[0] = _mm_insert_epi8(CJ_CODEC_LDU(cj_codec_hh_k0), codec_version, 15);
    b[1] = _mm_or_si128(CJ_CODEC_LDU(cj_codec_hh_k1), _mm_slli_si128(ebi, 12));
    b[2] = _mm_srli_si128(ebi, 4);
    b[3] = _mm_setzero_si128();
    cj_codec_or_at(b + 1, y, 12 + bi.len);
    return 16 + 12 + bi.len + 10 + ts.len + 14;
}

/* The header hash on SHA-NI with encoding and compression fused. Block 0 is assembled in registers (when
 * codec_version < 0x80, i.e. every real header; otherwise it is read back from the buffer); block k >= 1
 * is compressed from the stack buffer once the piece after the one completing it has been written, so its
 * stores have long retired when its rounds start and the encoding runs in the shadow of the SHA256RNDS2
 * latency chain (measured: compressing each block right after its own piece, or everything after the whole
 * encoding, is slower). The padding is written in place; no function pointer, no tail copy, no allocation.
 * Any extra_data length: beyond CJ_CODEC_HH_CHUNK bytes it streams through the buffer chunk by chunk. */
CJ_SHANI_TARGET static void cj_codec_header_hash_shani(const cj_header_view *v, uint8_t out[32])
{
    /* head, a chunk of elements (the SIMD writer may scribble up to 2 bytes per input byte), padding stores */
    uint8_t buf[CJ_HEADER_HEAD_MAX + 2 * CJ_CODEC_HH_CHUNK + 128] __attribute__((aligned(64)));
    __m128i s0 = CJ_SHANI_IV_ABEF, s1 = CJ_SHANI_IV_CDGH;
    uint8_t *p;
    if (v->codec_version < 0x80) {
        __m128i b[4];
        p = buf + cj_codec_hh_block0(b, v->codec_version, v->block_index, v->timestamp, v->parent_hash);
        memcpy(p - 14, cj_codec_hh_k3, 16); /* the key may end in block 1; its zero tail is overwritten */
        p = cj_codec_header_part0b(p, v->parent_hash, v->merkle_root);
        cj_shani_block_v(&s0, &s1, b[0], b[1], b[2], b[3]);
    } else {
        p = cj_codec_header_part0(buf, v->codec_version, v->block_index, v->timestamp, v->parent_hash,
                                  v->merkle_root);
        cj_shani_block(&s0, &s1, buf);
    }
    p = cj_codec_header_part1(p, v->miner_address, v->commitment);
    cj_shani_block(&s0, &s1, buf + 64);
    p = cj_codec_header_part2(p, v->difficulty_target, v->nonce, (uint32_t)v->extra_data_len);
    const uint8_t *d = v->extra_data;
    size_t n = v->extra_data_len;
    uint8_t *next = buf + 128; /* first byte not compressed yet */
    uint64_t dropped = 0;      /* bytes compressed and discarded by the streaming passes */
    while (n > CJ_CODEC_HH_CHUNK) {
        p = cj_msgpack_wr_byte_elems(p, d, CJ_CODEC_HH_CHUNK);
        d += CJ_CODEC_HH_CHUNK;
        n -= CJ_CODEC_HH_CHUNK;
        for (; p - next >= 64; next += 64) cj_shani_block(&s0, &s1, next);
        size_t rest = (size_t)(p - next);
        dropped += (uint64_t)(next - buf);
        memmove(buf, next, rest);
        p = buf + rest;
        next = buf;
    }
    if (n) p = cj_msgpack_wr_byte_elems(p, d, n);
    /* Padding: 0x80, zeros, the bit length in the last 8 bytes of the block that has room for it. */
    size_t len = (size_t)(p - buf);
    uint8_t *end = buf + (len + 9 + 63) / 64 * 64;
    const __m128i zero = _mm_setzero_si128();
    for (int i = 0; i < 8; i++) _mm_storeu_si128((__m128i *)(void *)(p + 16 * i), zero);
    *p = 0x80;
    uint64_t bits_be = __builtin_bswap64((dropped + len) << 3);
    memcpy(end - 8, &bits_be, 8);
    for (; next < end; next += 64) cj_shani_block(&s0, &s1, next);
    cj_shani_store_digest(s0, s1, out);
}
#endif

/* The original-ABI wrapper hashes extra_data of any length: fused on SHA-NI; otherwise one shot from a
 * stack buffer when it fits, else the same buffer streams extra_data in chunks. Never allocates. */
void cj_header_view_hash(const cj_header_view *v, const cj_sha256_impl *impl, uint8_t out[32])
{
    uint8_t buf[1024];
    if (!impl) impl = cj_backend();
#if defined(CJ_SHA256_HAVE_SHANI_INLINE)
    if (impl->compress == cj_sha256_x86_shani_compress) {
        cj_codec_header_hash_shani(v, out);
        return;
    }
#endif
    uint8_t *p = cj_codec_header_head(buf, v->codec_version, v->block_index, v->timestamp, v->parent_hash,
                                      v->merkle_root, v->miner_address, v->commitment, v->difficulty_target,
                                      v->nonce, (uint32_t)v->extra_data_len);
    size_t n = v->extra_data_len, room = (size_t)(buf + sizeof buf - p) / 2;
    const uint8_t *d = v->extra_data;
    if (n <= room && impl->oneshot) {
        if (n) p = cj_msgpack_wr_byte_elems(p, d, n);
        impl->oneshot(buf, (size_t)(p - buf), out);
        return;
    }
    coinjecture_sha256_ctx ctx;
    cj_sha256_init(&ctx, impl);
    for (;;) {
        size_t k = n < room ? n : room;
        if (k) {
            p = cj_msgpack_wr_byte_elems(p, d, k);
            d += k;
            n -= k;
        }
        cj_sha256_update(&ctx, buf, (size_t)(p - buf));
        if (n == 0) break;
        p = buf;
        room = sizeof buf / 2;
    }
    cj_sha256_final(&ctx, out);
}

/* Transaction up to the data array header, straight-line like the header. */
static uint8_t *cj_codec_tx_head(uint8_t *p, const coinjecture_tx *tx)
{
    const char *name = cj_codec_tx_types[tx->tx_type - 1];
    size_t len = strlen(name);
    p = CJ_PUT_LIT(p, "\x8b\xad" "codec_version");
    p = cj_msgpack_wr_uint(p, tx->codec_version);
    p = CJ_PUT_LIT(p, "\xa7" "tx_type");
    *p++ = (uint8_t)(0xa0 | len);
    memcpy(p, name, len);
    p = CJ_PUT_LIT(p + len, "\xa4" "from" "\xc4\x20");
    memcpy(p, tx->from, 32);
    p = CJ_PUT_LIT(p + 32, "\xa2" "to" "\xc4\x20");
    memcpy(p, tx->to, 32);
    p = CJ_PUT_LIT(p + 32, "\xa6" "amount");
    p = cj_msgpack_wr_uint(p, tx->amount);
    p = CJ_PUT_LIT(p, "\xa5" "nonce");
    p = cj_msgpack_wr_uint(p, tx->nonce);
    p = CJ_PUT_LIT(p, "\xa9" "gas_limit");
    p = cj_msgpack_wr_uint(p, tx->gas_limit);
    p = CJ_PUT_LIT(p, "\xa9" "gas_price");
    p = cj_msgpack_wr_uint(p, tx->gas_price);
    p = CJ_PUT_LIT(p, "\xa9" "signature" "\xc4\x40");
    memcpy(p, tx->signature, 64);
    p = CJ_PUT_LIT(p + 64, "\xa4" "data");
    return cj_msgpack_wr_array(p, tx->data_len);
}

/* Map keys through the generic writer (fixstr: every key is shorter than 32 bytes). */
static void cj_codec_put_key(cj_msgpack_writer *w, const cj_msgpack_key *k)
{
    cj_msgpack_put_str(w, k->name, k->len);
}

/* Header through the generic writer (inside a block). */
static void cj_codec_write_header(cj_msgpack_writer *w, const coinjecture_header *h)
{
    uint8_t head[CJ_HEADER_HEAD_MAX];
    cj_msgpack_put_raw(w, head, (size_t)(cj_codec_header_head_h(head, h) - head));
    cj_msgpack_put_byte_elems(w, h->extra_data, h->extra_data_len);
}

/* Transaction: constant head, data elements, timestamp tail. */
static void cj_codec_write_tx(cj_msgpack_writer *w, const coinjecture_tx *tx)
{
    uint8_t head[CJ_TX_HEAD_MAX], tail[CJ_TX_TAIL_MAX];
    cj_msgpack_put_raw(w, head, (size_t)(cj_codec_tx_head(head, tx) - head));
    cj_msgpack_put_byte_elems(w, tx->data, tx->data_len);
    uint8_t *p = CJ_PUT_LIT(tail, "\xa9" "timestamp");
    cj_msgpack_put_raw(w, tail, (size_t)(cj_msgpack_wr_int(p, tx->timestamp) - tail));
}

/* Problem {problem_type, tier, elements, target, timestamp}. */
static void cj_codec_write_problem(cj_msgpack_writer *w, const coinjecture_problem *p)
{
    const char *pt = cj_codec_problem_types[p->problem_type - 1], *tier = cj_codec_tiers[p->tier - 1];
    cj_msgpack_put_map(w, 5);
    cj_codec_put_key(w, &cj_codec_problem_keys[0]);
    cj_msgpack_put_str(w, pt, strlen(pt));
    cj_codec_put_key(w, &cj_codec_problem_keys[1]);
    cj_msgpack_put_str(w, tier, strlen(tier));
    cj_codec_put_key(w, &cj_codec_problem_keys[2]);
    cj_msgpack_put_array(w, p->elements_len);
    for (uint32_t i = 0; i < p->elements_len; i++) cj_msgpack_put_int(w, p->elements[i]);
    cj_codec_put_key(w, &cj_codec_problem_keys[3]);
    cj_msgpack_put_int(w, p->target);
    cj_codec_put_key(w, &cj_codec_problem_keys[4]);
    cj_msgpack_put_int(w, p->timestamp);
}

/* Solution {indices, timestamp}. */
static void cj_codec_write_solution(cj_msgpack_writer *w, const coinjecture_solution *s)
{
    cj_msgpack_put_map(w, 2);
    cj_codec_put_key(w, &cj_codec_solution_keys[0]);
    cj_msgpack_put_array(w, s->indices_len);
    for (uint32_t i = 0; i < s->indices_len; i++) cj_msgpack_put_uint(w, s->indices[i]);
    cj_codec_put_key(w, &cj_codec_solution_keys[1]);
    cj_msgpack_put_int(w, s->timestamp);
}

/* Reveal {problem, solution, miner_salt, nonce}. */
static void cj_codec_write_reveal(cj_msgpack_writer *w, const coinjecture_reveal *r)
{
    cj_msgpack_put_map(w, 4);
    cj_codec_put_key(w, &cj_codec_reveal_keys[0]);
    cj_codec_write_problem(w, &r->problem);
    cj_codec_put_key(w, &cj_codec_reveal_keys[1]);
    cj_codec_write_solution(w, &r->solution);
    cj_codec_put_key(w, &cj_codec_reveal_keys[2]);
    cj_msgpack_put_bin(w, r->miner_salt, 32);
    cj_codec_put_key(w, &cj_codec_reveal_keys[3]);
    cj_msgpack_put_uint(w, r->nonce);
}

/* Commitment {epoch_salt, problem_hash, solution_hash, miner_salt}. */
static void cj_codec_write_commitment(cj_msgpack_writer *w, const coinjecture_commitment *c)
{
    cj_msgpack_put_map(w, 4);
    cj_codec_put_key(w, &cj_codec_commitment_keys[0]);
    cj_msgpack_put_bin(w, c->epoch_salt, 32);
    cj_codec_put_key(w, &cj_codec_commitment_keys[1]);
    cj_msgpack_put_bin(w, c->problem_hash, 32);
    cj_codec_put_key(w, &cj_codec_commitment_keys[2]);
    cj_msgpack_put_bin(w, c->solution_hash, 32);
    cj_codec_put_key(w, &cj_codec_commitment_keys[3]);
    cj_msgpack_put_bin(w, c->miner_salt, 32);
}

/* Block {header, transactions, reveal, cid}; a measuring pass stops early once over the size limit. */
static void cj_codec_write_block(cj_msgpack_writer *w, const coinjecture_block *b)
{
    cj_msgpack_put_map(w, 4);
    cj_codec_put_key(w, &cj_codec_block_keys[0]);
    cj_codec_write_header(w, &b->header);
    cj_codec_put_key(w, &cj_codec_block_keys[1]);
    cj_msgpack_put_array(w, b->tx_count);
    for (uint32_t i = 0; i < b->tx_count; i++) {
        cj_codec_write_tx(w, &b->transactions[i]);
        if (!w->buf && w->total > COINJECTURE_MAX_BLOCK_SIZE) return;
    }
    cj_codec_put_key(w, &cj_codec_block_keys[2]);
    cj_codec_write_reveal(w, &b->reveal);
    cj_codec_put_key(w, &cj_codec_block_keys[3]);
    if (b->cid)
        cj_msgpack_put_str(w, b->cid, strlen(b->cid));
    else
        cj_msgpack_put_nil(w);
}

/* Type-erased adapters (one line each) so one sizing/filling routine serves every public encoder. */
typedef void (*cj_codec_write_fn)(cj_msgpack_writer *w, const void *obj);
static void cj_codec_write_tx_any(cj_msgpack_writer *w, const void *o) { cj_codec_write_tx(w, o); }
static void cj_codec_write_problem_any(cj_msgpack_writer *w, const void *o) { cj_codec_write_problem(w, o); }
static void cj_codec_write_solution_any(cj_msgpack_writer *w, const void *o) { cj_codec_write_solution(w, o); }
static void cj_codec_write_reveal_any(cj_msgpack_writer *w, const void *o) { cj_codec_write_reveal(w, o); }
static void cj_codec_write_commitment_any(cj_msgpack_writer *w, const void *o) { cj_codec_write_commitment(w, o); }
static void cj_codec_write_block_any(cj_msgpack_writer *w, const void *o) { cj_codec_write_block(w, o); }

/* Sizing pass: the exact encoded length, refused if over limit. Sets no error on success. */
static CoinjResult cj_codec_measure(cj_codec_write_fn fn, const void *obj, const char *what, uint64_t limit,
                                   size_t *need)
{
    cj_msgpack_writer w;
    cj_msgpack_writer_measure(&w);
    fn(&w, obj);
    if (w.total > limit) /* limit <= 10 MiB for blocks; other objects are bounded far below SIZE_MAX */
        return cj_fail(COINJ_ERROR_ENCODING, "%s: encoding of %llu bytes exceeds %llu", what,
                       (unsigned long long)w.total, (unsigned long long)limit);
    *need = (size_t)w.total;
    return COINJ_OK;
}

/* Writing pass into a buffer of exactly the measured size. */
static CoinjResult cj_codec_fill(cj_codec_write_fn fn, const void *obj, const char *what, uint8_t *out, size_t need)
{
    cj_msgpack_writer w;
    cj_msgpack_writer_buffer(&w, out, need);
    fn(&w, obj);
    if (w.overflow || w.pos != need)
        return cj_fail(COINJ_ERROR_INTERNAL, "%s: encoder wrote %zu bytes, measured %zu", what, w.pos, need);
    return COINJ_OK;
}

/* Implements the buffer convention: measure, report the needed size, then write; the caller's buffer is
 * only touched when everything fits. */
static CoinjResult cj_codec_emit(cj_codec_write_fn fn, const void *obj, const char *what, uint64_t limit,
                                 uint8_t *out, size_t out_cap, size_t *out_len)
{
    size_t need = 0;
    CJ_TRY(cj_codec_measure(fn, obj, what, limit, &need));
    if (!out || out_cap < need) {
        *out_len = need;
        return cj_fail(COINJ_ERROR_BUFFER_TOO_SMALL, "%s: needs %zu bytes, buffer has %zu", what, need,
                       out ? out_cap : (size_t)0);
    }
    CJ_TRY(cj_codec_fill(fn, obj, what, out, need));
    *out_len = need;
    return COINJ_OK;
}

/* ============================== limits (what the encoder refuses) ============================== */

/* Names an object in messages: "path" or "path[idx]". */
static const char *cj_codec_where(char *buf, size_t cap, const char *path, size_t idx)
{
    if (idx == CJ_NO_INDEX) return path;
    snprintf(buf, cap, "%s[%zu]", path, idx);
    return buf;
}

/* Header limits: extra_data. */
static CoinjResult cj_codec_check_header(const coinjecture_header *h, const char *path)
{
    if (h->extra_data_len > COINJECTURE_MAX_EXTRA_DATA)
        return cj_fail(COINJ_ERROR_ENCODING, "%s.extra_data: %u bytes exceeds %u", path,
                       (unsigned)h->extra_data_len, (unsigned)COINJECTURE_MAX_EXTRA_DATA);
    return COINJ_OK;
}

/* Transaction limits: tx_type, data length and pointer. */
static CoinjResult cj_codec_check_tx(const coinjecture_tx *tx, const char *path, size_t idx)
{
    char buf[48];
    if (tx->tx_type < COINJECTURE_TX_TRANSFER || tx->tx_type > COINJECTURE_TX_BOUNTY_PAYMENT)
        return cj_fail(COINJ_ERROR_ENCODING, "%s.tx_type: %u is not 1 (Transfer), 2 or 3",
                       cj_codec_where(buf, sizeof buf, path, idx), (unsigned)tx->tx_type);
    if (tx->data_len > COINJECTURE_MAX_TX_DATA)
        return cj_fail(COINJ_ERROR_ENCODING, "%s.data: %u bytes exceeds %u", cj_codec_where(buf, sizeof buf, path, idx),
                       (unsigned)tx->data_len, (unsigned)COINJECTURE_MAX_TX_DATA);
    if (tx->data_len > 0 && !tx->data)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "%s.data: NULL with data_len %u",
                       cj_codec_where(buf, sizeof buf, path, idx), (unsigned)tx->data_len);
    return COINJ_OK;
}

/* Problem limits: enums and element count. */
static CoinjResult cj_codec_check_problem(const coinjecture_problem *p, const char *path)
{
    if (p->problem_type < COINJECTURE_PROBLEM_SUBSET_SUM || p->problem_type > COINJECTURE_PROBLEM_LATTICE)
        return cj_fail(COINJ_ERROR_ENCODING, "%s.problem_type: %u is outside 1..7", path, (unsigned)p->problem_type);
    if (p->tier < COINJECTURE_TIER_MOBILE || p->tier > COINJECTURE_TIER_CLUSTER)
        return cj_fail(COINJ_ERROR_ENCODING, "%s.tier: %u is outside 1..5", path, (unsigned)p->tier);
    if (p->elements_len > COINJECTURE_MAX_ELEMENTS)
        return cj_fail(COINJ_ERROR_ENCODING, "%s.elements: %u elements exceeds %u", path,
                       (unsigned)p->elements_len, (unsigned)COINJECTURE_MAX_ELEMENTS);
    return COINJ_OK;
}

/* Solution limits: index count. */
static CoinjResult cj_codec_check_solution(const coinjecture_solution *s, const char *path)
{
    if (s->indices_len > COINJECTURE_MAX_ELEMENTS)
        return cj_fail(COINJ_ERROR_ENCODING, "%s.indices: %u indices exceeds %u", path, (unsigned)s->indices_len,
                       (unsigned)COINJECTURE_MAX_ELEMENTS);
    return COINJ_OK;
}

/* Reveal limits: its problem and solution. */
static CoinjResult cj_codec_check_reveal(const coinjecture_reveal *r, const char *path)
{
    char buf[48];
    snprintf(buf, sizeof buf, "%s.problem", path);
    CJ_TRY(cj_codec_check_problem(&r->problem, buf));
    snprintf(buf, sizeof buf, "%s.solution", path);
    return cj_codec_check_solution(&r->solution, buf);
}

/* Transactions of a block (also the Merkle root's precondition). */
static CoinjResult cj_codec_check_txs(const coinjecture_block *b)
{
    if (b->tx_count > COINJECTURE_MAX_TX_PER_BLOCK)
        return cj_fail(COINJ_ERROR_ENCODING, "block.transactions: %u transactions exceeds %u", (unsigned)b->tx_count,
                       (unsigned)COINJECTURE_MAX_TX_PER_BLOCK);
    if (b->tx_count > 0 && !b->transactions)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "block.transactions: NULL with tx_count %u", (unsigned)b->tx_count);
    for (uint32_t i = 0; i < b->tx_count; i++) CJ_TRY(cj_codec_check_tx(&b->transactions[i], "block.transactions", i));
    return COINJ_OK;
}

/* Block limits: every part, and a cid the decoder could return unchanged (<= 256 bytes of UTF-8). */
static CoinjResult cj_codec_check_block(const coinjecture_block *b)
{
    CJ_TRY(cj_codec_check_header(&b->header, "block.header"));
    CJ_TRY(cj_codec_check_txs(b));
    CJ_TRY(cj_codec_check_reveal(&b->reveal, "block.reveal"));
    if (b->cid) {
        size_t n = strnlen(b->cid, COINJECTURE_MAX_CID + 1);
        if (n > COINJECTURE_MAX_CID)
            return cj_fail(COINJ_ERROR_ENCODING, "block.cid: longer than %u bytes", (unsigned)COINJECTURE_MAX_CID);
        if (!cj_msgpack_utf8_valid((const uint8_t *)b->cid, n))
            return cj_fail(COINJ_ERROR_ENCODING, "block.cid: not valid UTF-8");
    }
    return COINJ_OK;
}

/* ============================== public encoders ============================== */

/* Header: built in one stack buffer (at most ~820 bytes), then copied out. */
CoinjResult coinjecture_header_encode(const coinjecture_header *h, uint8_t *out, size_t out_cap, size_t *out_len)
{
    if (!h || !out_len) return cj_fail(COINJ_ERROR_INVALID_INPUT, "header_encode: NULL argument");
    CJ_TRY(cj_codec_check_header(h, "header"));
    uint8_t buf[CJ_HEADER_HEAD_MAX + 2 * COINJECTURE_MAX_EXTRA_DATA];
    uint8_t *p = cj_codec_header_head_h(buf, h);
    if (h->extra_data_len) p = cj_msgpack_wr_byte_elems(p, h->extra_data, h->extra_data_len);
    size_t need = (size_t)(p - buf);
    if (!out || out_cap < need) {
        *out_len = need;
        return cj_fail(COINJ_ERROR_BUFFER_TOO_SMALL, "header: needs %zu bytes, buffer has %zu", need,
                       out ? out_cap : (size_t)0);
    }
    memcpy(out, buf, need);
    *out_len = need;
    return COINJ_OK;
}

/* Transaction encoder. */
CoinjResult coinjecture_tx_encode(const coinjecture_tx *tx, uint8_t *out, size_t out_cap, size_t *out_len)
{
    if (!tx || !out_len) return cj_fail(COINJ_ERROR_INVALID_INPUT, "tx_encode: NULL argument");
    CJ_TRY(cj_codec_check_tx(tx, "tx", CJ_NO_INDEX));
    return cj_codec_emit(cj_codec_write_tx_any, tx, "tx", UINT64_MAX, out, out_cap, out_len);
}

/* Problem encoder. */
CoinjResult coinjecture_problem_encode(const coinjecture_problem *p, uint8_t *out, size_t out_cap, size_t *out_len)
{
    if (!p || !out_len) return cj_fail(COINJ_ERROR_INVALID_INPUT, "problem_encode: NULL argument");
    CJ_TRY(cj_codec_check_problem(p, "problem"));
    return cj_codec_emit(cj_codec_write_problem_any, p, "problem", UINT64_MAX, out, out_cap, out_len);
}

/* Solution encoder. */
CoinjResult coinjecture_solution_encode(const coinjecture_solution *s, uint8_t *out, size_t out_cap,
                                        size_t *out_len)
{
    if (!s || !out_len) return cj_fail(COINJ_ERROR_INVALID_INPUT, "solution_encode: NULL argument");
    CJ_TRY(cj_codec_check_solution(s, "solution"));
    return cj_codec_emit(cj_codec_write_solution_any, s, "solution", UINT64_MAX, out, out_cap, out_len);
}

/* Reveal encoder. */
CoinjResult coinjecture_reveal_encode(const coinjecture_reveal *r, uint8_t *out, size_t out_cap, size_t *out_len)
{
    if (!r || !out_len) return cj_fail(COINJ_ERROR_INVALID_INPUT, "reveal_encode: NULL argument");
    CJ_TRY(cj_codec_check_reveal(r, "reveal"));
    return cj_codec_emit(cj_codec_write_reveal_any, r, "reveal", UINT64_MAX, out, out_cap, out_len);
}

/* Commitment encoder (no limits: four fixed arrays). */
CoinjResult coinjecture_commitment_encode(const coinjecture_commitment *c, uint8_t *out, size_t out_cap,
                                          size_t *out_len)
{
    if (!c || !out_len) return cj_fail(COINJ_ERROR_INVALID_INPUT, "commitment_encode: NULL argument");
    return cj_codec_emit(cj_codec_write_commitment_any, c, "commitment", UINT64_MAX, out, out_cap, out_len);
}

/* Block encoder, limited to COINJECTURE_MAX_BLOCK_SIZE. */
CoinjResult coinjecture_block_encode(const coinjecture_block *b, uint8_t *out, size_t out_cap, size_t *out_len)
{
    if (!b || !out_len) return cj_fail(COINJ_ERROR_INVALID_INPUT, "block_encode: NULL argument");
    CJ_TRY(cj_codec_check_block(b));
    return cj_codec_emit(cj_codec_write_block_any, b, "block", COINJECTURE_MAX_BLOCK_SIZE, out, out_cap, out_len);
}

/* Block encoder for callers that prefer a heap buffer of the exact size. */
CoinjResult coinjecture_block_encode_alloc(const coinjecture_block *b, uint8_t **out, size_t *out_len)
{
    if (!b || !out || !out_len) return cj_fail(COINJ_ERROR_INVALID_INPUT, "block_encode_alloc: NULL argument");
    CJ_TRY(cj_codec_check_block(b));
    size_t need = 0;
    CJ_TRY(cj_codec_measure(cj_codec_write_block_any, b, "block", COINJECTURE_MAX_BLOCK_SIZE, &need));
    uint8_t *buf = malloc(need);
    if (!buf) return cj_fail(COINJ_ERROR_OUT_OF_MEMORY, "block: cannot allocate %zu bytes", need);
    CoinjResult rc = cj_codec_fill(cj_codec_write_block_any, b, "block", buf, need);
    if (rc != COINJ_OK) {
        free(buf);
        return rc;
    }
    *out = buf;
    *out_len = need;
    return COINJ_OK;
}

/* Releases a buffer from coinjecture_block_encode_alloc. */
void coinjecture_buffer_free(uint8_t *buf)
{
    free(buf);
}

/* ============================== hashes ============================== */

/* Header hash: fused encode+compress on SHA-NI; otherwise one straight-line encoding pass into a stack buffer
 * (at most ~820 bytes) and one SHA-256 call. No allocation. */
CoinjResult coinjecture_header_hash(const coinjecture_header *h, uint8_t out[32])
{
    if (!h || !out) return cj_fail(COINJ_ERROR_INVALID_INPUT, "header_hash: NULL argument");
    CJ_TRY(cj_codec_check_header(h, "header"));
    const cj_sha256_impl *impl = cj_backend_fast();
#if defined(CJ_SHA256_HAVE_SHANI_INLINE)
    if (impl->compress == cj_sha256_x86_shani_compress) {
        const cj_header_view v = cj_header_view_of(h);
        cj_codec_header_hash_shani(&v, out);
        return COINJ_OK;
    }
#endif
    uint8_t buf[CJ_HEADER_HEAD_MAX + 2 * COINJECTURE_MAX_EXTRA_DATA];
    uint8_t *p = cj_codec_header_head_h(buf, h);
    if (h->extra_data_len) p = cj_msgpack_wr_byte_elems(p, h->extra_data, h->extra_data_len);
    impl->oneshot(buf, (size_t)(p - buf), out);
    return COINJ_OK;
}

/* Header hash on an explicitly named backend (backend comparisons): the same bytes through that
 * implementation's own code path. */
CoinjResult coinjecture_backend_header_hash(const char *backend, const coinjecture_header *h, uint8_t out[32])
{
    const cj_sha256_impl *impl;
    if (!h || !out) return cj_fail(COINJ_ERROR_INVALID_INPUT, "backend_header_hash: NULL argument");
    CJ_TRY(cj_backend_named(backend, "coinjecture_backend_header_hash", &impl));
    CJ_TRY(cj_codec_check_header(h, "header"));
    const cj_header_view v = cj_header_view_of(h);
    cj_header_view_hash(&v, impl, out);
    return COINJ_OK;
}

/* Transaction hash through a 2 KiB stage: one-shot for ordinary transactions, streamed for large data. */
static void cj_codec_tx_digest(const coinjecture_tx *tx, uint8_t out[32])
{
    coinjecture_sha256_ctx ctx;
    uint8_t stage[2048];
    cj_msgpack_writer w;
    cj_msgpack_writer_sha(&w, &ctx, NULL, stage, sizeof stage);
    cj_codec_write_tx(&w, tx);
    cj_msgpack_writer_digest(&w, out);
}

/* Transaction hash (Merkle leaf), covering the signature. */
CoinjResult coinjecture_tx_hash(const coinjecture_tx *tx, uint8_t out[32])
{
    if (!tx || !out) return cj_fail(COINJ_ERROR_INVALID_INPUT, "tx_hash: NULL argument");
    CJ_TRY(cj_codec_check_tx(tx, "tx", CJ_NO_INDEX));
    cj_codec_tx_digest(tx, out);
    return COINJ_OK;
}

/* Hashes a small object encoded into a stack buffer (problem, solution: at most ~400 bytes). */
static CoinjResult cj_codec_small_hash(cj_codec_write_fn fn, const void *obj, const char *what, uint8_t out[32])
{
    uint8_t buf[1024];
    cj_msgpack_writer w;
    cj_msgpack_writer_buffer(&w, buf, sizeof buf);
    fn(&w, obj);
    if (w.overflow) return cj_fail(COINJ_ERROR_INTERNAL, "%s: encoding exceeds the hash buffer", what);
    cj_sha256(buf, w.pos, out);
    return COINJ_OK;
}

/* Problem hash (commitment binding). */
CoinjResult coinjecture_problem_hash(const coinjecture_problem *p, uint8_t out[32])
{
    if (!p || !out) return cj_fail(COINJ_ERROR_INVALID_INPUT, "problem_hash: NULL argument");
    CJ_TRY(cj_codec_check_problem(p, "problem"));
    return cj_codec_small_hash(cj_codec_write_problem_any, p, "problem", out);
}

/* Solution hash (commitment binding). */
CoinjResult coinjecture_solution_hash(const coinjecture_solution *s, uint8_t out[32])
{
    if (!s || !out) return cj_fail(COINJ_ERROR_INVALID_INPUT, "solution_hash: NULL argument");
    CJ_TRY(cj_codec_check_solution(s, "solution"));
    return cj_codec_small_hash(cj_codec_write_solution_any, s, "solution", out);
}

/* Merkle root of the block's transaction hashes; only the transactions must be encodable. */
CoinjResult coinjecture_block_merkle_root(const coinjecture_block *b, uint8_t out[32])
{
    if (!b || !out) return cj_fail(COINJ_ERROR_INVALID_INPUT, "block_merkle_root: NULL argument");
    CJ_TRY(cj_codec_check_txs(b));
    if (b->tx_count == 0) return cj_merkle_root_impl(NULL, NULL, 0, out);
    uint8_t (*leaves)[32] = malloc((size_t)b->tx_count * 32);
    if (!leaves) return cj_fail(COINJ_ERROR_OUT_OF_MEMORY, "block: cannot allocate %u leaves", (unsigned)b->tx_count);
    for (uint32_t i = 0; i < b->tx_count; i++) cj_codec_tx_digest(&b->transactions[i], leaves[i]);
    CoinjResult rc = cj_merkle_root_impl(NULL, (const uint8_t (*)[32])leaves, b->tx_count, out);
    free(leaves);
    return rc;
}
