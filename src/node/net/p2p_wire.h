/* P2P wire format (docs/P2P.md): frame length checks, message encode/decode with the core's strict
 * canonical MessagePack codec, the handshake transcript and its Ed25519 signature, session keys from
 * X25519 (crypto_kx) and the per-direction AEAD (ChaCha20-Poly1305 IETF) with frame counters.
 * Pure: no I/O and no global state (randomness only in cj_p2p_hs_init), so every function can be fuzzed
 * and unit-tested. Errors return -1 (or a CJ_P2P_* code) and write a one-line reason into err. */
#ifndef CJ_NODE_P2P_WIRE_H
#define CJ_NODE_P2P_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define CJ_P2P_VERSION 3u                       /* 3: the auth's signed time_ms (docs/P2P.md "Versions") */
#define CJ_P2P_MAX_FRAME (12u * 1024u * 1024u) /* body bytes after the 4-byte length */
#define CJ_P2P_MAX_HANDSHAKE_FRAME 1024u        /* plaintext hello / auth */
#define CJ_P2P_MAX_BATCH 256u                    /* blocks per get_blocks / blocks */
#define CJ_P2P_BATCH_BYTES (8u * 1024u * 1024u)  /* a blocks answer stops adding blocks past this size */
#define CJ_P2P_MAX_TX_BYTES (256u * 1024u)       /* a tx message's bin (a canonical tx is far smaller) */
#define CJ_P2P_MAX_HEADER_BYTES 1024u            /* an evidence header bin (a canonical header is < 600) */
#define CJ_P2P_TAG_LEN 16u                       /* AEAD tag */
#define CJ_P2P_AUTH_TAG "coinjecture/p2p/v1/auth"

typedef enum {
    CJ_P2P_HELLO = 0,
    CJ_P2P_AUTH,
    CJ_P2P_STATUS,
    CJ_P2P_TX,
    CJ_P2P_BLOCK,
    CJ_P2P_GET_BLOCKS,
    CJ_P2P_BLOCKS,
    CJ_P2P_PING,
    CJ_P2P_PONG,
    CJ_P2P_EVIDENCE,
    CJ_P2P_TYPE_COUNT
} cj_p2p_type;

/* Wire name of a message type ("get_blocks"); "?" if out of range. */
const char *cj_p2p_type_name(cj_p2p_type t);

/* A decoded message. Byte fields of tx / block / blocks point into the decoded input (zero copy): the
 * input buffer must outlive the message. */
typedef struct {
    cj_p2p_type type;
    union {
        struct {
            uint64_t version, chain_id;
            uint8_t genesis[32], node_key[32], eph_key[32], nonce[32];
            uint16_t listen_port;
            uint8_t instance[16]; /* random per process start: two processes with one node key differ here */
        } hello;
        struct {
            uint64_t time_ms; /* the signer's wall clock (unix ms) when it signed: a clock sample, never a rule */
            uint8_t sig[64];
        } auth;
        struct {
            uint64_t height;
            uint8_t best[32];
            uint64_t weight;
        } status;
        struct {
            const uint8_t *bytes;
            size_t len;
        } tx, block;
        struct {
            uint64_t from, count; /* count 1..CJ_P2P_MAX_BATCH */
        } get_blocks;
        struct {
            uint64_t from;
            uint32_t count; /* 0..CJ_P2P_MAX_BATCH */
            const uint8_t *items[CJ_P2P_MAX_BATCH];
            size_t lens[CJ_P2P_MAX_BATCH];
        } blocks;
        struct {
            uint64_t nonce;
        } ping; /* also pong */
        struct {
            const uint8_t *header_a, *header_b; /* canonical headers, 1..CJ_P2P_MAX_HEADER_BYTES each */
            size_t len_a, len_b;
        } evidence;
    } u;
} cj_p2p_msg;

/* ---- framing ---- */

/* Reads the 4-byte big-endian length of a frame header and checks it against max (the caller passes
 * CJ_P2P_MAX_HANDSHAKE_FRAME before the session, CJ_P2P_MAX_FRAME after). Returns 0 with *out_len, or
 * -1 when the length is 0 or above max: the caller closes the connection without allocating. */
int cj_p2p_frame_len(const uint8_t hdr[4], uint32_t max, uint32_t *out_len, char *err, size_t errlen);

/* Writes the 4-byte big-endian length. */
void cj_p2p_frame_hdr(uint8_t hdr[4], uint32_t len);

/* ---- messages ---- */

/* Canonical encoding of m into a heap buffer (free()). Returns 0, or -1 with err on a bad message
 * (counts or sizes over their limits, unknown type) or OOM. */
int cj_p2p_encode(const cj_p2p_msg *m, uint8_t **out, size_t *out_len, char *err, size_t errlen);

/* Strict decode of exactly len bytes: a map whose first key is "type", then the type's fields in the
 * documented order, shortest forms only, counts capped (get_blocks count <= 256, blocks <= 256, tx bin
 * <= CJ_P2P_MAX_TX_BYTES) before anything is used. Returns 0, or -1 with err and *m zeroed. */
int cj_p2p_decode(const uint8_t *in, size_t len, cj_p2p_msg *m, char *err, size_t errlen);

/* ---- handshake ---- */

typedef struct {
    /* ours */
    uint64_t chain_id;
    uint8_t genesis[32];
    uint8_t node_pk[32];
    uint8_t eph_pk[32], eph_sk[32];
    uint8_t nonce[32];
    uint16_t listen_port;
    uint8_t instance[16]; /* this process's instance id (zero after cj_p2p_hs_init; the caller sets it) */
    /* the peer's, valid once cj_p2p_hs_check_hello succeeded */
    int have_peer;
    uint8_t peer_node_pk[32], peer_eph_pk[32], peer_nonce[32];
    uint16_t peer_listen_port;
    uint8_t peer_instance[16];
} cj_p2p_hs;

/* Fresh ephemeral X25519 key pair and nonce (libsodium randomness) plus our identity. Returns 0 or -1. */
int cj_p2p_hs_init(cj_p2p_hs *hs, uint64_t chain_id, const uint8_t genesis[32], const uint8_t node_pk[32],
                   uint16_t listen_port);

/* Our hello message. */
void cj_p2p_hs_hello(const cj_p2p_hs *hs, cj_p2p_msg *out);

/* Checks the peer's hello: version, chain id, genesis, not our own node key, a usable ephemeral key
 * (not equal to ours). Stores the peer's values. Returns 0 or -1 with a reason for the log. */
int cj_p2p_hs_check_hello(cj_p2p_hs *hs, const cj_p2p_msg *hello, char *err, size_t errlen);

/* The transcript a side signs (after the peer's hello): tag || peer.nonce || peer.eph_key || own.eph_key ||
 * own.nonce || own.node_key || peer.node_key || u64 big-endian time_ms (the signer's auth time_ms).
 * `own_is_signer` picks whose view: 1 = we sign, 0 = we check the peer's signature (roles swapped). out must
 * hold CJ_P2P_TRANSCRIPT_LEN bytes. */
#define CJ_P2P_TRANSCRIPT_LEN (sizeof(CJ_P2P_AUTH_TAG) - 1 + 6 * 32 + 8)
int cj_p2p_hs_transcript(const cj_p2p_hs *hs, int own_is_signer, uint64_t time_ms, uint8_t *out);

/* Our auth message: our wall clock time_ms and the Ed25519 signature of our transcript (which binds it)
 * with node_sk (libsodium 64-byte secret key). */
int cj_p2p_hs_sign(const cj_p2p_hs *hs, const uint8_t node_sk[64], uint64_t time_ms, cj_p2p_msg *out);

/* Verifies the peer's auth under the node key from its hello. Returns 0 or -1. */
int cj_p2p_hs_verify(const cj_p2p_hs *hs, const cj_p2p_msg *auth, char *err, size_t errlen);

/* ---- session (after both auths) ---- */

typedef struct {
    uint8_t key[32];
    uint64_t counter; /* next frame number in this direction */
} cj_p2p_cipher;

/* Derives both directions' keys (crypto_kx; the lower ephemeral public key is the client) and wipes the
 * ephemeral secret in hs. Returns 0 or -1 (equal or invalid ephemeral keys). */
int cj_p2p_hs_session(cj_p2p_hs *hs, cj_p2p_cipher *rx, cj_p2p_cipher *tx);

/* Seals plaintext pt into a complete frame at out: 4-byte length || ciphertext || tag, with the length
 * bytes as associated data and the nonce 4 zero bytes || u64 LE counter. out must hold
 * 4 + ptlen + CJ_P2P_TAG_LEN bytes; ptlen + CJ_P2P_TAG_LEN must be <= CJ_P2P_MAX_FRAME. Advances the
 * counter. Returns 0, or -1 (too large, counter exhausted). */
int cj_p2p_seal(cj_p2p_cipher *c, const uint8_t *pt, size_t ptlen, uint8_t *out);

/* Opens a frame body (len bytes after the header hdr) in place: on success the plaintext is body[0 ..
 * *ptlen) and the counter advances; on any failure (tag, replayed or reordered frame, short body)
 * returns -1, the counter is unchanged, the body may have been wiped, and the connection must be
 * closed. */
int cj_p2p_open(cj_p2p_cipher *c, const uint8_t hdr[4], uint8_t *body, size_t len, size_t *ptlen);

#endif /* CJ_NODE_P2P_WIRE_H */
