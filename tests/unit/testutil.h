/* Helpers shared by the unit tests (cmocka). */
#ifndef CJ_TESTUTIL_H
#define CJ_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Parses hex (no prefix) into out; fails the test on bad input. Returns the byte count. */
size_t tu_unhex(const char *hex, uint8_t *out, size_t cap);

/* Asserts that 32 bytes equal the given 64-digit hex string. */
void tu_assert_hash(const uint8_t got[32], const char *hex);

/* Reads a whole file into a NUL-terminated heap buffer (caller frees); fails the test if unreadable. */
char *tu_read_file(const char *path, size_t *len);

/* Deterministic pseudo-random bytes (xorshift64*), for differential and metamorphic tests. */
void tu_rand_bytes(uint64_t *state, uint8_t *out, size_t len);
uint64_t tu_rand_u64(uint64_t *state);

#endif
