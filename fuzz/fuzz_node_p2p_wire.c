/* libFuzzer target: the P2P wire format (src/node/net/p2p_wire.c).
 * Byte 0 selects the path. 0: the input is a message body; an accepted message must re-encode byte for
 * byte (the decoder accepts only canonical encodings) and its borrowed bin fields must lie inside the input.
 * 1: the input is a frame (4-byte length + body) opened with a fixed session key at counter 0; the length
 * check must refuse anything over the limit, and an opened frame must reseal to the same bytes. */
#include <sodium.h>

#include "fuzz_common.h"
#include "p2p_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A borrowed pointer lies within [in, in + n). */
static int inside(const uint8_t *p, size_t len, const uint8_t *in, size_t n)
{
    return p >= in && len <= n && (size_t)(p - in) <= n - len;
}

/* Decode, then check canonical re-encoding and zero-copy bounds. */
static void fz_message(const uint8_t *in, size_t n)
{
    static cj_p2p_msg m; /* large (blocks table): not on the stack */
    if (cj_p2p_decode(in, n, &m, NULL, 0) != 0) {
        CJ_FZ_CHECK(m.type == 0 && m.u.status.height == 0);
        return;
    }
    if (m.type == CJ_P2P_TX)
        CJ_FZ_CHECK(inside(m.u.tx.bytes, m.u.tx.len, in, n) && m.u.tx.len <= CJ_P2P_MAX_TX_BYTES);
    if (m.type == CJ_P2P_BLOCK)
        CJ_FZ_CHECK(inside(m.u.block.bytes, m.u.block.len, in, n));
    if (m.type == CJ_P2P_BLOCKS) {
        CJ_FZ_CHECK(m.u.blocks.count <= CJ_P2P_MAX_BATCH);
        for (uint32_t i = 0; i < m.u.blocks.count; i++)
            CJ_FZ_CHECK(inside(m.u.blocks.items[i], m.u.blocks.lens[i], in, n));
    }
    if (m.type == CJ_P2P_GET_BLOCKS)
        CJ_FZ_CHECK(m.u.get_blocks.count >= 1 && m.u.get_blocks.count <= CJ_P2P_MAX_BATCH);
    uint8_t *out = NULL;
    size_t len = 0;
    CJ_FZ_CHECK(cj_p2p_encode(&m, &out, &len, NULL, 0) == 0);
    CJ_FZ_CHECK(len == n && memcmp(out, in, n) == 0);
    free(out);
}

/* Frame length check and AEAD open/reseal with a fixed key. */
static void fz_frame(const uint8_t *in, size_t n)
{
    if (n < 4)
        return;
    uint32_t len = 0;
    if (cj_p2p_frame_len(in, CJ_P2P_MAX_FRAME, &len, NULL, 0) != 0) {
        CJ_FZ_CHECK(len == 0);
        return;
    }
    CJ_FZ_CHECK(len >= 1 && len <= CJ_P2P_MAX_FRAME);
    if (n - 4 < len)
        return;
    cj_p2p_cipher rx, tx;
    memset(&rx, 0, sizeof rx);
    memset(rx.key, 0x42, 32);
    tx = rx;
    uint8_t *body = malloc(len ? len : 1);
    CJ_FZ_CHECK(body != NULL);
    memcpy(body, in + 4, len);
    size_t pl = 0;
    if (cj_p2p_open(&rx, in, body, len, &pl) == 0) {
        CJ_FZ_CHECK(rx.counter == 1 && pl + CJ_P2P_TAG_LEN == len);
        uint8_t *again = malloc(4 + len);
        CJ_FZ_CHECK(again != NULL);
        CJ_FZ_CHECK(cj_p2p_seal(&tx, body, pl, again) == 0);
        CJ_FZ_CHECK(memcmp(again, in, 4 + len) == 0);
        free(again);
    } else {
        CJ_FZ_CHECK(rx.counter == 0 && pl == 0);
    }
    free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        CJ_FZ_CHECK(sodium_init() >= 0);
        init = 1;
    }
    if (size == 0)
        return 0;
    if (data[0] & 1)
        fz_frame(data + 1, size - 1);
    else
        fz_message(data + 1, size - 1);
    return 0;
}
