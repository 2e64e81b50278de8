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

/* splitmix64: the generator the fuzz replay tests draw their reproducible inputs from. */
uint64_t tu_splitmix64(uint64_t *state);

/* One input file of a fuzz corpus or regression directory (data is NUL-terminated, name is the file name). */
typedef struct {
    uint8_t *data;
    size_t len;
    char name[256];
} tu_file;

/* Every file of dir but hidden ones and README.md, sorted by name (reproducible runs); fails the test if one
 * is unreadable. NULL with *count = 0 when dir is missing or empty. Release with tu_free_files. */
tu_file *tu_load_dir(const char *dir, size_t *count);

/* The files of fuzz/<kind>/<target>/ in the source tree (kind "corpus" or "regressions"), as tu_load_dir. */
tu_file *tu_fuzz_files(const char *kind, const char *target, size_t *count);

/* Releases what tu_load_dir / tu_fuzz_files returned (NULL with count 0 is fine). */
void tu_free_files(tu_file *files, size_t count);

/* Replays every saved crash input of fuzz/regressions/<target>/ through run (a libFuzzer entry point whose
 * checks report through cmocka), printing each file name; returns how many were replayed. */
size_t tu_fuzz_replay(const char *target, int (*run)(const uint8_t *data, size_t size));

#endif
