/* Helpers shared by the unit tests. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CJ_SOURCE_DIR
#error "CJ_SOURCE_DIR must name the source tree (tests/unit/CMakeLists.txt defines it)"
#endif

/* Maps one hex digit to its value, or -1. */
static int tu_nibble(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Tests compare against hex literals copied from specs and vectors. */
size_t tu_unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex);
    assert_true(n % 2 == 0);
    assert_true(n / 2 <= cap);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = tu_nibble(hex[2 * i]), lo = tu_nibble(hex[2 * i + 1]);
        assert_true(hi >= 0 && lo >= 0);
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return n / 2;
}

/* Prints both values on mismatch so a failing vector is easy to read. */
void tu_assert_hash(const uint8_t got[32], const char *hex)
{
    char buf[65];
    for (int i = 0; i < 32; i++) snprintf(buf + 2 * i, 3, "%02x", got[i]);
    if (strcmp(buf, hex) != 0) fail_msg("hash mismatch\n  got      %s\n  expected %s", buf, hex);
}

/* Golden files are read whole; they are small. */
char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = 0;
    fclose(f);
    if (len) *len = (size_t)n;
    return buf;
}

/* xorshift64*: reproducible across platforms, good enough for test inputs. */
uint64_t tu_rand_u64(uint64_t *s)
{
    uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dull;
}

/* Fills a buffer from the generator above. */
void tu_rand_bytes(uint64_t *s, uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i++) out[i] = (uint8_t)(tu_rand_u64(s) >> 56);
}

/* splitmix64 keeps the fuzz replay tests' pseudo-random inputs identical across runs and platforms. */
uint64_t tu_splitmix64(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Hidden files and READMEs sit next to fuzz inputs but are not inputs. */
static int tu_visible(const struct dirent *e)
{
    return e->d_name[0] != '.' && strcmp(e->d_name, "README.md") != 0;
}

/* Fuzz corpora and crash inputs are directories of small files, loaded whole in name order. */
tu_file *tu_load_dir(const char *dir, size_t *count)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, tu_visible, alphasort);
    *count = 0;
    if (n <= 0) {
        free(names);
        return NULL;
    }
    tu_file *files = calloc((size_t)n, sizeof *files);
    assert_non_null(files);
    for (int i = 0; i < n; i++) {
        char path[4096 + 256 + 2];
        snprintf(path, sizeof path, "%.4096s/%.256s", dir, names[i]->d_name);
        files[*count].data = (uint8_t *)tu_read_file(path, &files[*count].len);
        snprintf(files[*count].name, sizeof files[*count].name, "%s", names[i]->d_name);
        (*count)++;
        free(names[i]);
    }
    free(names);
    return files;
}

/* The fuzz tests name their inputs by kind and harness rather than by path. */
tu_file *tu_fuzz_files(const char *kind, const char *target, size_t *count)
{
    char dir[4096];
    int w = snprintf(dir, sizeof dir, "%s/fuzz/%s/%s", CJ_SOURCE_DIR, kind, target);
    if (w < 0 || (size_t)w >= sizeof dir) fail_msg("path too long: fuzz/%s/%s", kind, target);
    return tu_load_dir(dir, count);
}

/* Pairs with tu_load_dir. */
void tu_free_files(tu_file *files, size_t count)
{
    for (size_t i = 0; i < count; i++) free(files[i].data);
    free(files);
}

/* Every fuzz replay test runs its saved crash inputs the same way: each through its harness, named in the log. */
size_t tu_fuzz_replay(const char *target, int (*run)(const uint8_t *data, size_t size))
{
    size_t n = 0;
    tu_file *files = tu_fuzz_files("regressions", target, &n);
    for (size_t i = 0; i < n; i++) {
        print_message("replaying fuzz/regressions/%s/%s\n", target, files[i].name);
        run(files[i].data, files[i].len);
    }
    tu_free_files(files, n);
    return n;
}
