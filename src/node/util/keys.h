/* Ed25519 key files (libsodium). A key file holds the 64-byte libsodium secret key (seed || public key)
 * as 128 lowercase hex digits and a newline: the same layout as the original node's .priv files.
 * Files are created with mode 0600 and never overwritten; loading refuses files that group or others
 * can access, files that are not regular, and files whose public half does not match the seed.
 * Secrets pass through stack/heap buffers that are wiped with sodium_memzero; they are never logged. */
#ifndef CJ_NODE_KEYS_H
#define CJ_NODE_KEYS_H

#include <stddef.h>
#include <stdint.h>

/* Generates a fresh key pair. Returns 0 or -1 (libsodium failed to initialise). */
int cj_keys_generate(uint8_t sk[64], uint8_t pk[32]);

/* Writes sk to a new file at path (O_EXCL, mode 0600, fsync). Returns 0, or -1 with err (existing file,
 * permissions, I/O). */
int cj_keys_write(const char *path, const uint8_t sk[64], char *err, size_t errlen);

/* Loads a key file. Returns 0 with sk/pk filled, or -1 with err; sk is zeroed on failure. */
int cj_keys_load(const char *path, uint8_t sk[64], uint8_t pk[32], char *err, size_t errlen);

/* Parses the key file text (128 hex digits, optional "0x", optional trailing whitespace) and checks that
 * the public half matches the seed. Pure; used by cj_keys_load and the tests. */
int cj_keys_parse(const char *text, size_t len, uint8_t sk[64], uint8_t pk[32], char *err, size_t errlen);

/* Lowercase hex of a public key into out[65]. */
void cj_keys_pubhex(const uint8_t pk[32], char out[65]);

#endif /* CJ_NODE_KEYS_H */
