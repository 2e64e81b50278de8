/* P2P wire format: frames, strict message codec, handshake transcript and AEAD session (docs/P2P.md). */
#include "p2p_wire.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coinjecture.h"


static const char *const type_names[CJ_P2P_TYPE_COUNT] = {
    "hello", "auth", "status", "tx", "block", "get_blocks", "blocks", "ping", "pong", "evidence",
};

/* Field keys of each message type, "type" first (the decoder checks order and count). */
static const char *const keys_hello[] = {"type",    "version", "chain_id", "genesis",
                                         "node_key", "eph_key", "nonce",    "listen_port", "instance"};
static const char *const keys_auth[] = {"type", "time_ms", "sig"};
static const char *const keys_status[] = {"type", "height", "best", "weight"};
static const char *const keys_tx[] = {"type", "tx"};
static const char *const keys_block[] = {"type", "block"};
static const char *const keys_get[] = {"type", "from", "count"};
static const char *const keys_blocks[] = {"type", "from", "blocks"};
static const char *const keys_ping[] = {"type", "nonce"};
static const char *const keys_evidence[] = {"type", "header_a", "header_b"};

static const struct {
    const char *const *keys;
    uint32_t n;
} schema[CJ_P2P_TYPE_COUNT] = {
    {keys_hello, 9}, {keys_auth, 3}, {keys_status, 4}, {keys_tx, 2},   {keys_block, 2},
    {keys_get, 3},   {keys_blocks, 3}, {keys_ping, 2}, {keys_ping, 2}, {keys_evidence, 3},
};

/* Message type names are part of the wire format and of metric labels. */
const char *cj_p2p_type_name(cj_p2p_type t)
{
    return (unsigned)t < CJ_P2P_TYPE_COUNT ? type_names[t] : "?";
}

/* Writes a reason into a caller buffer that may be NULL. */
static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* ---- framing ---- */

/* The length is checked before any byte of the body is buffered or allocated. */
int cj_p2p_frame_len(const uint8_t hdr[4], uint32_t max, uint32_t *out_len, char *err, size_t errlen)
{
    if (hdr == NULL || out_len == NULL)
        return fail(err, errlen, "%s", "NULL argument");
    uint32_t len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
    *out_len = 0;
    if (len == 0)
        return fail(err, errlen, "%s", "empty frame");
    if (len > max) {
        char what[64];
        snprintf(what, sizeof what, "%lu bytes exceeds %lu", (unsigned long)len, (unsigned long)max);
        return fail(err, errlen, "oversize frame: %s", what);
    }
    *out_len = len;
    return 0;
}

/* Big-endian length prefix shared by plaintext and sealed frames. */
void cj_p2p_frame_hdr(uint8_t hdr[4], uint32_t len)
{
    hdr[0] = (uint8_t)(len >> 24);
    hdr[1] = (uint8_t)(len >> 16);
    hdr[2] = (uint8_t)(len >> 8);
    hdr[3] = (uint8_t)len;
}

/* ---- encoding ---- */

/* Writes the map header, the "type" key and the type name. */
static void put_head(coinjecture_msgpack_writer *w, cj_p2p_type t)
{
    coinjecture_msgpack_put_map(w, schema[t].n);
    coinjecture_msgpack_put_str(w, "type", 4);
    coinjecture_msgpack_put_str(w, type_names[t], strlen(type_names[t]));
}

/* Writes field key i of type t. */
static void put_key(coinjecture_msgpack_writer *w, cj_p2p_type t, size_t i)
{
    coinjecture_msgpack_put_str(w, schema[t].keys[i], strlen(schema[t].keys[i]));
}

/* One encoder body for the measuring and the buffer pass. */
static void write_msg(coinjecture_msgpack_writer *w, const cj_p2p_msg *m)
{
    cj_p2p_type t = m->type;
    put_head(w, t);
    switch (t) {
    case CJ_P2P_HELLO:
        put_key(w, t, 1), coinjecture_msgpack_put_uint(w, m->u.hello.version);
        put_key(w, t, 2), coinjecture_msgpack_put_uint(w, m->u.hello.chain_id);
        put_key(w, t, 3), coinjecture_msgpack_put_bin(w, m->u.hello.genesis, 32);
        put_key(w, t, 4), coinjecture_msgpack_put_bin(w, m->u.hello.node_key, 32);
        put_key(w, t, 5), coinjecture_msgpack_put_bin(w, m->u.hello.eph_key, 32);
        put_key(w, t, 6), coinjecture_msgpack_put_bin(w, m->u.hello.nonce, 32);
        put_key(w, t, 7), coinjecture_msgpack_put_uint(w, m->u.hello.listen_port);
        put_key(w, t, 8), coinjecture_msgpack_put_bin(w, m->u.hello.instance, 16);
        break;
    case CJ_P2P_AUTH:
        put_key(w, t, 1), coinjecture_msgpack_put_uint(w, m->u.auth.time_ms);
        put_key(w, t, 2), coinjecture_msgpack_put_bin(w, m->u.auth.sig, 64);
        break;
    case CJ_P2P_STATUS:
        put_key(w, t, 1), coinjecture_msgpack_put_uint(w, m->u.status.height);
        put_key(w, t, 2), coinjecture_msgpack_put_bin(w, m->u.status.best, 32);
        put_key(w, t, 3), coinjecture_msgpack_put_uint(w, m->u.status.weight);
        break;
    case CJ_P2P_TX:
        put_key(w, t, 1), coinjecture_msgpack_put_bin(w, m->u.tx.bytes, m->u.tx.len);
        break;
    case CJ_P2P_BLOCK:
        put_key(w, t, 1), coinjecture_msgpack_put_bin(w, m->u.block.bytes, m->u.block.len);
        break;
    case CJ_P2P_GET_BLOCKS:
        put_key(w, t, 1), coinjecture_msgpack_put_uint(w, m->u.get_blocks.from);
        put_key(w, t, 2), coinjecture_msgpack_put_uint(w, m->u.get_blocks.count);
        break;
    case CJ_P2P_BLOCKS:
        put_key(w, t, 1), coinjecture_msgpack_put_uint(w, m->u.blocks.from);
        put_key(w, t, 2), coinjecture_msgpack_put_array(w, m->u.blocks.count);
        for (uint32_t i = 0; i < m->u.blocks.count; i++)
            coinjecture_msgpack_put_bin(w, m->u.blocks.items[i], m->u.blocks.lens[i]);
        break;
    case CJ_P2P_PING:
    case CJ_P2P_PONG:
        put_key(w, t, 1), coinjecture_msgpack_put_uint(w, m->u.ping.nonce);
        break;
    case CJ_P2P_EVIDENCE:
        put_key(w, t, 1), coinjecture_msgpack_put_bin(w, m->u.evidence.header_a, m->u.evidence.len_a);
        put_key(w, t, 2), coinjecture_msgpack_put_bin(w, m->u.evidence.header_b, m->u.evidence.len_b);
        break;
    default:
        break;
    }
}

/* The encoder refuses what the decoder would refuse, so we never send a frame a peer must reject. */
static int check_encodable(const cj_p2p_msg *m, char *err, size_t errlen)
{
    switch (m->type) {
    case CJ_P2P_TX:
        if (m->u.tx.bytes == NULL || m->u.tx.len == 0 || m->u.tx.len > CJ_P2P_MAX_TX_BYTES)
            return fail(err, errlen, "%s", "tx: missing or over CJ_P2P_MAX_TX_BYTES");
        break;
    case CJ_P2P_BLOCK:
        if (m->u.block.bytes == NULL || m->u.block.len == 0 || m->u.block.len > COINJECTURE_MAX_BLOCK_SIZE)
            return fail(err, errlen, "%s", "block: missing or over COINJECTURE_MAX_BLOCK_SIZE");
        break;
    case CJ_P2P_GET_BLOCKS:
        if (m->u.get_blocks.count == 0 || m->u.get_blocks.count > CJ_P2P_MAX_BATCH)
            return fail(err, errlen, "%s", "get_blocks: count must be 1..256");
        break;
    case CJ_P2P_BLOCKS:
        if (m->u.blocks.count > CJ_P2P_MAX_BATCH)
            return fail(err, errlen, "%s", "blocks: more than 256");
        for (uint32_t i = 0; i < m->u.blocks.count; i++)
            if (m->u.blocks.items[i] == NULL || m->u.blocks.lens[i] == 0 ||
                m->u.blocks.lens[i] > COINJECTURE_MAX_BLOCK_SIZE)
                return fail(err, errlen, "%s", "blocks: an item is missing or over COINJECTURE_MAX_BLOCK_SIZE");
        break;
    case CJ_P2P_EVIDENCE:
        if (m->u.evidence.header_a == NULL || m->u.evidence.len_a == 0 || m->u.evidence.len_a > CJ_P2P_MAX_HEADER_BYTES ||
            m->u.evidence.header_b == NULL || m->u.evidence.len_b == 0 || m->u.evidence.len_b > CJ_P2P_MAX_HEADER_BYTES)
            return fail(err, errlen, "%s", "evidence: a header is missing or over CJ_P2P_MAX_HEADER_BYTES");
        break;
    case CJ_P2P_HELLO:
        if (m->u.hello.version > UINT32_MAX)
            return fail(err, errlen, "%s", "hello: version out of range");
        break;
    default:
        if ((unsigned)m->type >= CJ_P2P_TYPE_COUNT)
            return fail(err, errlen, "%s", "unknown message type");
        break;
    }
    return 0;
}

/* Measures, allocates and writes (the same writer body twice). */
int cj_p2p_encode(const cj_p2p_msg *m, uint8_t **out, size_t *out_len, char *err, size_t errlen)
{
    if (out != NULL)
        *out = NULL;
    if (out_len != NULL)
        *out_len = 0;
    if (m == NULL || out == NULL || out_len == NULL)
        return fail(err, errlen, "%s", "NULL argument");
    if (check_encodable(m, err, errlen) != 0)
        return -1;
    coinjecture_msgpack_writer w;
    size_t n = 0, wrote = 0;
    coinjecture_msgpack_writer_init(&w, NULL, 0);
    write_msg(&w, m);
    if (coinjecture_msgpack_writer_finish(&w, &n) != COINJ_ERROR_BUFFER_TOO_SMALL)
        return fail(err, errlen, "encoder: %s", coinjecture_last_error_message());
    if (n > CJ_P2P_MAX_FRAME - CJ_P2P_TAG_LEN)
        return fail(err, errlen, "%s", "message larger than a frame");
    uint8_t *buf = malloc(n);
    if (buf == NULL)
        return fail(err, errlen, "%s", "out of memory");
    coinjecture_msgpack_writer_init(&w, buf, n);
    write_msg(&w, m);
    if (coinjecture_msgpack_writer_finish(&w, &wrote) != COINJ_OK || wrote != n) {
        free(buf);
        return fail(err, errlen, "%s", "encoder size mismatch");
    }
    *out = buf;
    *out_len = n;
    return 0;
}

/* ---- decoding ---- */

/* A fixed-size bin (node keys, hashes, signatures) copied out. */
static CoinjResult read_fixed(coinjecture_msgpack_reader *r, const char *field, uint8_t *out, size_t n)
{
    const uint8_t *p = NULL;
    size_t len = 0;
    CoinjResult rc = coinjecture_msgpack_read_bin(r, field, n, n, &p, &len);
    if (rc == COINJ_OK)
        memcpy(out, p, n);
    return rc;
}

/* Reads key i of type t. */
static CoinjResult rd_key(coinjecture_msgpack_reader *r, cj_p2p_type t, size_t i)
{
    return coinjecture_msgpack_read_key(r, schema[t].keys, schema[t].n, i);
}

/* Decodes the fields after "type" for type t. */
static CoinjResult read_body(coinjecture_msgpack_reader *r, cj_p2p_type t, cj_p2p_msg *m)
{
    CoinjResult rc = COINJ_OK;
    uint64_t v = 0;
    uint32_t n = 0;
#define TRY(x)                                                                                                        \
    do {                                                                                                              \
        if ((rc = (x)) != COINJ_OK)                                                                                   \
            return rc;                                                                                                \
    } while (0)
    switch (t) {
    case CJ_P2P_HELLO:
        TRY(rd_key(r, t, 1));
        TRY(coinjecture_msgpack_read_uint(r, "version", UINT32_MAX, &m->u.hello.version));
        TRY(rd_key(r, t, 2));
        TRY(coinjecture_msgpack_read_uint(r, "chain_id", UINT64_MAX, &m->u.hello.chain_id));
        TRY(rd_key(r, t, 3));
        TRY(read_fixed(r, "genesis", m->u.hello.genesis, 32));
        TRY(rd_key(r, t, 4));
        TRY(read_fixed(r, "node_key", m->u.hello.node_key, 32));
        TRY(rd_key(r, t, 5));
        TRY(read_fixed(r, "eph_key", m->u.hello.eph_key, 32));
        TRY(rd_key(r, t, 6));
        TRY(read_fixed(r, "nonce", m->u.hello.nonce, 32));
        TRY(rd_key(r, t, 7));
        TRY(coinjecture_msgpack_read_uint(r, "listen_port", 0xffff, &v));
        m->u.hello.listen_port = (uint16_t)v;
        TRY(rd_key(r, t, 8));
        TRY(read_fixed(r, "instance", m->u.hello.instance, 16));
        break;
    case CJ_P2P_AUTH:
        TRY(rd_key(r, t, 1));
        TRY(coinjecture_msgpack_read_uint(r, "time_ms", UINT64_MAX, &m->u.auth.time_ms));
        TRY(rd_key(r, t, 2));
        TRY(read_fixed(r, "sig", m->u.auth.sig, 64));
        break;
    case CJ_P2P_STATUS:
        TRY(rd_key(r, t, 1));
        TRY(coinjecture_msgpack_read_uint(r, "height", UINT64_MAX, &m->u.status.height));
        TRY(rd_key(r, t, 2));
        TRY(read_fixed(r, "best", m->u.status.best, 32));
        TRY(rd_key(r, t, 3));
        TRY(coinjecture_msgpack_read_uint(r, "weight", UINT64_MAX, &m->u.status.weight));
        break;
    case CJ_P2P_TX:
        TRY(rd_key(r, t, 1));
        TRY(coinjecture_msgpack_read_bin(r, "tx", 1, CJ_P2P_MAX_TX_BYTES, &m->u.tx.bytes, &m->u.tx.len));
        break;
    case CJ_P2P_BLOCK:
        TRY(rd_key(r, t, 1));
        TRY(coinjecture_msgpack_read_bin(r, "block", 1, COINJECTURE_MAX_BLOCK_SIZE, &m->u.block.bytes,
                                         &m->u.block.len));
        break;
    case CJ_P2P_GET_BLOCKS:
        TRY(rd_key(r, t, 1));
        TRY(coinjecture_msgpack_read_uint(r, "from", UINT64_MAX, &m->u.get_blocks.from));
        TRY(rd_key(r, t, 2));
        TRY(coinjecture_msgpack_read_uint(r, "count", CJ_P2P_MAX_BATCH, &m->u.get_blocks.count));
        if (m->u.get_blocks.count == 0)
            return coinjecture_msgpack_reader_fail(r, COINJ_ERROR_DECODE_RANGE, "count", "count must be >= 1");
        break;
    case CJ_P2P_BLOCKS:
        TRY(rd_key(r, t, 1));
        TRY(coinjecture_msgpack_read_uint(r, "from", UINT64_MAX, &m->u.blocks.from));
        TRY(rd_key(r, t, 2));
        /* the cap applies before any element is looked at; each element is at least a 3-byte bin8 */
        TRY(coinjecture_msgpack_read_array(r, "blocks", CJ_P2P_MAX_BATCH, 3, &n));
        m->u.blocks.count = n;
        for (uint32_t i = 0; i < n; i++)
            TRY(coinjecture_msgpack_read_bin(r, "blocks[]", 1, COINJECTURE_MAX_BLOCK_SIZE, &m->u.blocks.items[i],
                                             &m->u.blocks.lens[i]));
        break;
    case CJ_P2P_PING:
    case CJ_P2P_PONG:
        TRY(rd_key(r, t, 1));
        TRY(coinjecture_msgpack_read_uint(r, "nonce", UINT64_MAX, &m->u.ping.nonce));
        break;
    case CJ_P2P_EVIDENCE:
        TRY(rd_key(r, t, 1));
        TRY(coinjecture_msgpack_read_bin(r, "header_a", 1, CJ_P2P_MAX_HEADER_BYTES, &m->u.evidence.header_a,
                                         &m->u.evidence.len_a));
        TRY(rd_key(r, t, 2));
        TRY(coinjecture_msgpack_read_bin(r, "header_b", 1, CJ_P2P_MAX_HEADER_BYTES, &m->u.evidence.header_b,
                                         &m->u.evidence.len_b));
        break;
    default:
        return coinjecture_msgpack_reader_fail(r, COINJ_ERROR_DECODE_ENUM, "type", "unknown type");
    }
#undef TRY
    return COINJ_OK;
}

/* Strict decode: exact shape per type, nothing trailing. */
int cj_p2p_decode(const uint8_t *in, size_t len, cj_p2p_msg *m, char *err, size_t errlen)
{
    if (m == NULL)
        return fail(err, errlen, "%s", "NULL argument");
    memset(m, 0, sizeof *m);
    if (in == NULL || len == 0)
        return fail(err, errlen, "%s", "empty message");
    coinjecture_msgpack_reader r;
    if (coinjecture_msgpack_reader_init(&r, in, len, "p2p") != COINJ_OK)
        goto bad;
    size_t idx = 0;
    uint32_t nent = 0;
    static const char *const type_key[] = {"type"};
    if (coinjecture_msgpack_read_map(&r, 15, &nent) != COINJ_OK)
        goto bad; /* records a precise reason (type, noncanonical or oversized map) */
    if (nent < 2) {
        (void)coinjecture_msgpack_reader_fail(&r, COINJ_ERROR_DECODE_KEY, NULL, "map too small");
        goto bad;
    }
    if (coinjecture_msgpack_read_key(&r, type_key, 1, 0) != COINJ_OK ||
        coinjecture_msgpack_read_enum(&r, "type", type_names, CJ_P2P_TYPE_COUNT, &idx) != COINJ_OK)
        goto bad;
    char path[32];
    snprintf(path, sizeof path, "p2p.%s", type_names[idx]);
    coinjecture_msgpack_reader_set_path(&r, path);
    if (nent != schema[idx].n) {
        char what[64];
        snprintf(what, sizeof what, "map of %u entries, expected %u", (unsigned)nent, (unsigned)schema[idx].n);
        (void)coinjecture_msgpack_reader_fail(&r, COINJ_ERROR_DECODE_KEY, NULL, what);
        goto bad;
    }
    m->type = (cj_p2p_type)idx;
    if (read_body(&r, m->type, m) != COINJ_OK || coinjecture_msgpack_read_end(&r) != COINJ_OK)
        goto bad;
    return 0;
bad:
    memset(m, 0, sizeof *m);
    return fail(err, errlen, "%s", coinjecture_last_error_message());
}

/* ---- handshake ---- */

/* Our half of the handshake: identity plus fresh ephemeral key and nonce for this connection only. */
int cj_p2p_hs_init(cj_p2p_hs *hs, uint64_t chain_id, const uint8_t genesis[32], const uint8_t node_pk[32],
                   uint16_t listen_port)
{
    if (hs == NULL || genesis == NULL || node_pk == NULL)
        return -1;
    memset(hs, 0, sizeof *hs);
    hs->chain_id = chain_id;
    memcpy(hs->genesis, genesis, 32);
    memcpy(hs->node_pk, node_pk, 32);
    hs->listen_port = listen_port;
    if (crypto_kx_keypair(hs->eph_pk, hs->eph_sk) != 0)
        return -1;
    randombytes_buf(hs->nonce, sizeof hs->nonce);
    return 0;
}

/* Our hello carries every value the peer checks or binds into its signature. */
void cj_p2p_hs_hello(const cj_p2p_hs *hs, cj_p2p_msg *out)
{
    memset(out, 0, sizeof *out);
    out->type = CJ_P2P_HELLO;
    out->u.hello.version = CJ_P2P_VERSION;
    out->u.hello.chain_id = hs->chain_id;
    memcpy(out->u.hello.genesis, hs->genesis, 32);
    memcpy(out->u.hello.node_key, hs->node_pk, 32);
    memcpy(out->u.hello.eph_key, hs->eph_pk, 32);
    memcpy(out->u.hello.nonce, hs->nonce, 32);
    out->u.hello.listen_port = hs->listen_port;
    memcpy(out->u.hello.instance, hs->instance, 16);
}

/* Refuses peers of another protocol, chain or genesis, and connections to ourselves. */
int cj_p2p_hs_check_hello(cj_p2p_hs *hs, const cj_p2p_msg *hello, char *err, size_t errlen)
{
    if (hs == NULL || hello == NULL || hello->type != CJ_P2P_HELLO)
        return fail(err, errlen, "%s", "expected hello");
    const uint8_t zero[32] = {0};
    char num[48];
    if (hello->u.hello.version != CJ_P2P_VERSION) {
        snprintf(num, sizeof num, "%llu", (unsigned long long)hello->u.hello.version);
        return fail(err, errlen, "protocol version %s, we speak %u", num, CJ_P2P_VERSION);
    }
    if (hello->u.hello.chain_id != hs->chain_id) {
        snprintf(num, sizeof num, "%llu", (unsigned long long)hello->u.hello.chain_id);
        return fail(err, errlen, "chain id %s differs from ours", num);
    }
    if (sodium_memcmp(hello->u.hello.genesis, hs->genesis, 32) != 0)
        return fail(err, errlen, "%s", "genesis hash differs from ours");
    if (sodium_memcmp(hello->u.hello.node_key, hs->node_pk, 32) == 0)
        return fail(err, errlen, "%s", "the peer is this node (same node key)");
    if (sodium_memcmp(hello->u.hello.eph_key, hs->eph_pk, 32) == 0 || sodium_memcmp(hello->u.hello.eph_key, zero, 32) == 0)
        return fail(err, errlen, "%s", "unusable ephemeral key");
    memcpy(hs->peer_node_pk, hello->u.hello.node_key, 32);
    memcpy(hs->peer_eph_pk, hello->u.hello.eph_key, 32);
    memcpy(hs->peer_nonce, hello->u.hello.nonce, 32);
    hs->peer_listen_port = hello->u.hello.listen_port;
    memcpy(hs->peer_instance, hello->u.hello.instance, 16);
    hs->have_peer = 1;
    return 0;
}

/* Binds the signer's key to both nonces, both ephemeral keys and both node keys of this connection, and its
 * clock reading to that proof (so nobody on the path can alter the time a peer reports). */
int cj_p2p_hs_transcript(const cj_p2p_hs *hs, int own_is_signer, uint64_t time_ms, uint8_t *out)
{
    if (hs == NULL || out == NULL || !hs->have_peer)
        return -1;
    const size_t tl = sizeof(CJ_P2P_AUTH_TAG) - 1;
    const uint8_t *parts[6];
    if (own_is_signer) {
        const uint8_t *p[6] = {hs->peer_nonce, hs->peer_eph_pk, hs->eph_pk, hs->nonce, hs->node_pk, hs->peer_node_pk};
        memcpy(parts, p, sizeof parts);
    } else {
        const uint8_t *p[6] = {hs->nonce, hs->eph_pk, hs->peer_eph_pk, hs->peer_nonce, hs->peer_node_pk, hs->node_pk};
        memcpy(parts, p, sizeof parts);
    }
    memcpy(out, CJ_P2P_AUTH_TAG, tl);
    for (size_t i = 0; i < 6; i++)
        memcpy(out + tl + 32 * i, parts[i], 32);
    for (size_t i = 0; i < 8; i++)
        out[tl + 6 * 32 + i] = (uint8_t)(time_ms >> (56 - 8 * i));
    return 0;
}

/* Proof that we hold node_sk, valid for this connection only. */
int cj_p2p_hs_sign(const cj_p2p_hs *hs, const uint8_t node_sk[64], uint64_t time_ms, cj_p2p_msg *out)
{
    uint8_t t[CJ_P2P_TRANSCRIPT_LEN];
    if (out == NULL || node_sk == NULL)
        return -1;
    memset(out, 0, sizeof *out);
    out->type = CJ_P2P_AUTH;
    out->u.auth.time_ms = time_ms;
    if (cj_p2p_hs_transcript(hs, 1, time_ms, t) != 0)
        return -1;
    return crypto_sign_ed25519_detached(out->u.auth.sig, NULL, t, sizeof t, node_sk) == 0 ? 0 : -1;
}

/* Checks the peer's proof against the node key it announced. */
int cj_p2p_hs_verify(const cj_p2p_hs *hs, const cj_p2p_msg *auth, char *err, size_t errlen)
{
    uint8_t t[CJ_P2P_TRANSCRIPT_LEN];
    if (hs == NULL || auth == NULL || auth->type != CJ_P2P_AUTH)
        return fail(err, errlen, "%s", "expected auth");
    if (cj_p2p_hs_transcript(hs, 0, auth->u.auth.time_ms, t) != 0)
        return fail(err, errlen, "%s", "auth before hello");
    if (crypto_sign_ed25519_verify_detached(auth->u.auth.sig, t, sizeof t, hs->peer_node_pk) != 0)
        return fail(err, errlen, "%s", "auth signature does not verify under the peer's node key");
    return 0;
}

/* ---- session ---- */

/* crypto_kx gives each direction its own key; the roles come from the key order, not from who dialed. */
int cj_p2p_hs_session(cj_p2p_hs *hs, cj_p2p_cipher *rx, cj_p2p_cipher *tx)
{
    if (hs == NULL || rx == NULL || tx == NULL || !hs->have_peer)
        return -1;
    memset(rx, 0, sizeof *rx);
    memset(tx, 0, sizeof *tx);
    int cmp = memcmp(hs->eph_pk, hs->peer_eph_pk, 32);
    int rc = -1;
    if (cmp < 0)
        rc = crypto_kx_client_session_keys(rx->key, tx->key, hs->eph_pk, hs->eph_sk, hs->peer_eph_pk);
    else if (cmp > 0)
        rc = crypto_kx_server_session_keys(rx->key, tx->key, hs->eph_pk, hs->eph_sk, hs->peer_eph_pk);
    sodium_memzero(hs->eph_sk, sizeof hs->eph_sk);
    if (rc != 0) {
        sodium_memzero(rx, sizeof *rx);
        sodium_memzero(tx, sizeof *tx);
        return -1;
    }
    return 0;
}

/* The IETF nonce of frame number ctr: 4 zero bytes || u64 little-endian. */
static void frame_nonce(uint8_t nonce[12], uint64_t ctr)
{
    memset(nonce, 0, 4);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] = (uint8_t)(ctr >> (8 * i));
}

/* Encrypts and authenticates one frame; the length prefix is authenticated as associated data. */
int cj_p2p_seal(cj_p2p_cipher *c, const uint8_t *pt, size_t ptlen, uint8_t *out)
{
    uint8_t nonce[12];
    unsigned long long clen = 0;
    if (c == NULL || out == NULL || (pt == NULL && ptlen > 0) || ptlen > CJ_P2P_MAX_FRAME - CJ_P2P_TAG_LEN ||
        c->counter == UINT64_MAX)
        return -1;
    cj_p2p_frame_hdr(out, (uint32_t)(ptlen + CJ_P2P_TAG_LEN));
    frame_nonce(nonce, c->counter);
    if (crypto_aead_chacha20poly1305_ietf_encrypt(out + 4, &clen, pt, ptlen, out, 4, NULL, nonce, c->key) != 0 ||
        clen != ptlen + CJ_P2P_TAG_LEN)
        return -1;
    c->counter++;
    return 0;
}

/* Decrypts in place; a frame under any other counter (replayed, reordered, dropped) fails the tag. */
int cj_p2p_open(cj_p2p_cipher *c, const uint8_t hdr[4], uint8_t *body, size_t len, size_t *ptlen)
{
    uint8_t nonce[12];
    unsigned long long mlen = 0;
    uint32_t declared;
    if (ptlen != NULL)
        *ptlen = 0;
    if (c == NULL || hdr == NULL || body == NULL || ptlen == NULL || len < CJ_P2P_TAG_LEN || len > CJ_P2P_MAX_FRAME ||
        c->counter == UINT64_MAX)
        return -1;
    if (cj_p2p_frame_len(hdr, CJ_P2P_MAX_FRAME, &declared, NULL, 0) != 0 || declared != len)
        return -1;
    frame_nonce(nonce, c->counter);
    if (crypto_aead_chacha20poly1305_ietf_decrypt(body, &mlen, NULL, body, len, hdr, 4, nonce, c->key) != 0)
        return -1;
    c->counter++;
    *ptlen = (size_t)mlen;
    return 0;
}
