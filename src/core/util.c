/* Version, constants, hex and constant-time helpers of the public API. */
#include <string.h>

#include <sodium.h>

#include "cj_internal.h"

#ifndef COINJECTURE_LIBRARY_VERSION
#define COINJECTURE_LIBRARY_VERSION "0.0.0"
#endif

/* The original library's version string, kept so callers that check it keep working. */
COINJECTURE_API const char *coinjecture_version(void) { return "4.0.0"; }

/* This implementation's own version (CMake project version). */
COINJECTURE_API const char *coinjecture_library_version(void) { return COINJECTURE_LIBRARY_VERSION; }

/* Constants as functions so bindings never hard-code limits. */
COINJECTURE_API uint32_t coinjecture_codec_version(void) { return COINJECTURE_CODEC_VERSION; }
COINJECTURE_API uint32_t coinjecture_max_block_size(void) { return COINJECTURE_MAX_BLOCK_SIZE; }
COINJECTURE_API uint32_t coinjecture_max_extra_data(void) { return COINJECTURE_MAX_EXTRA_DATA; }
COINJECTURE_API uint32_t coinjecture_max_tx_data(void) { return COINJECTURE_MAX_TX_DATA; }
COINJECTURE_API uint32_t coinjecture_max_tx_per_block(void) { return COINJECTURE_MAX_TX_PER_BLOCK; }
COINJECTURE_API uint32_t coinjecture_max_elements(void) { return COINJECTURE_MAX_ELEMENTS; }

/* Hashes may be compared against attacker-chosen values, so the comparison does not leak timing. */
COINJECTURE_API int coinjecture_hash_equal(const uint8_t a[32], const uint8_t b[32])
{
    if (!a || !b) return 0;
    return sodium_memcmp(a, b, 32) == 0;
}

/* Lowercase hex is what every JSON surface of the project prints. */
COINJECTURE_API CoinjResult coinjecture_hex_encode(const uint8_t *in, size_t len, char *out, size_t out_cap)
{
    static const char digits[] = "0123456789abcdef";
    if (!out || (!in && len)) return cj_fail(COINJ_ERROR_INVALID_INPUT, "hex_encode: NULL argument");
    if (len > (SIZE_MAX - 1) / 2 || out_cap < 2 * len + 1)
        return cj_fail(COINJ_ERROR_BUFFER_TOO_SMALL, "hex_encode: need %zu bytes, have %zu",
                       len > (SIZE_MAX - 1) / 2 ? SIZE_MAX : 2 * len + 1, out_cap);
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = 0;
    return COINJ_OK;
}

/* Maps one hex digit to its value, or -1. */
static int cj_hex_nibble(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Strict parser: exact length, nothing but digits, so "abc" or "12 34" never half-parse. */
COINJECTURE_API CoinjResult coinjecture_hex_decode(const char *hex, uint8_t *out, size_t out_len)
{
    if (!hex || (!out && out_len)) return cj_fail(COINJ_ERROR_INVALID_INPUT, "hex_decode: NULL argument");
    if (hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex += 2;
    size_t n = strlen(hex);
    if (out_len > SIZE_MAX / 2 || n != 2 * out_len)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "hex_decode: expected %zu hex digits, got %zu",
                       out_len > SIZE_MAX / 2 ? SIZE_MAX : 2 * out_len, n);
    for (size_t i = 0; i < n; i++)
        if (cj_hex_nibble(hex[i]) < 0)
            return cj_fail(COINJ_ERROR_INVALID_INPUT, "hex_decode: invalid hex character at offset %zu", i);
    for (size_t i = 0; i < out_len; i++)
        out[i] = (uint8_t)(cj_hex_nibble(hex[2 * i]) << 4 | cj_hex_nibble(hex[2 * i + 1]));
    return COINJ_OK;
}
