/* Fuzzing under ctest: every libFuzzer harness in fuzz/ is compiled into this test (its entry point renamed)
 * and its checks report through cmocka instead of abort().
 *  - Regressions: every input a fuzzer ever crashed on is kept in fuzz/regressions/<target>/ and replayed
 *    here, plus a named test per bug below. (None so far: see fuzz/README.md for the procedure.)
 *  - Seeds: the committed corpora fuzz/corpus/<target>/ go through the harnesses (decoders must accept every
 *    seed, re-encode it byte for byte, and agree with the harness's independent encoder and SHA-256).
 *  - Deterministic mini-fuzzing: every proper prefix, a trailing byte and bit flips of each decoder seed, and
 *    pseudo-random inputs for the structured harnesses, so the failure paths are exercised too.
 *  - The harnesses' own reference code (naive SHA-256, Merkle, MessagePack writer) against known values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#define CJ_FZ_FAIL(file, line, what)                                                                      \
    fail_msg("%s:%d: fuzz check failed: %s (last error: \"%s\")", (file), (line), (what),               \
             coinjecture_last_error_message())

#define LLVMFuzzerTestOneInput fz_run_decode_header
#include "../../fuzz/fuzz_decode_header.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_run_decode_tx
#include "../../fuzz/fuzz_decode_tx.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_run_decode_reveal
#include "../../fuzz/fuzz_decode_reveal.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_run_decode_block
#include "../../fuzz/fuzz_decode_block.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_run_header_hash
#include "../../fuzz/fuzz_header_hash.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_run_subset_sum
#include "../../fuzz/fuzz_subset_sum.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_run_sha256_diff
#include "../../fuzz/fuzz_sha256_diff.c"
#undef LLVMFuzzerTestOneInput

typedef int (*fz_entry)(const uint8_t *data, size_t size);
typedef CoinjResult (*fz_decode_fn)(const uint8_t *in, size_t len, void *scratch);

/* Strict decoders behind one signature for the prefix/trailing-byte checks (scratch is released again). */
static CoinjResult fz_dec_header(const uint8_t *in, size_t len, void *scratch)
{
    return coinjecture_header_decode(in, len, scratch);
}
static CoinjResult fz_dec_tx(const uint8_t *in, size_t len, void *scratch)
{
    CoinjResult rc = coinjecture_tx_decode(in, len, scratch);
    coinjecture_tx_free(scratch);
    return rc;
}
static CoinjResult fz_dec_block(const uint8_t *in, size_t len, void *scratch)
{
    CoinjResult rc = coinjecture_block_decode(in, len, scratch);
    coinjecture_block_free(scratch);
    return rc;
}
static CoinjResult fz_dec_reveal(const uint8_t *in, size_t len, void *scratch)
{
    return coinjecture_reveal_decode(in, len, scratch);
}
static CoinjResult fz_dec_problem(const uint8_t *in, size_t len, void *scratch)
{
    return coinjecture_problem_decode(in, len, scratch);
}
static CoinjResult fz_dec_solution(const uint8_t *in, size_t len, void *scratch)
{
    return coinjecture_solution_decode(in, len, scratch);
}
static CoinjResult fz_dec_commitment(const uint8_t *in, size_t len, void *scratch)
{
    return coinjecture_commitment_decode(in, len, scratch);
}

static const struct {
    const char *target;
    fz_entry run;
    /* The decoders a seed of this corpus may be for (NULL-terminated; none for the structured harnesses):
     * the reveal corpus also holds problems, solutions and commitments. */
    fz_decode_fn decode[5];
} fz_targets[] = {
    {"fuzz_decode_header", fz_run_decode_header, {fz_dec_header}},
    {"fuzz_decode_tx", fz_run_decode_tx, {fz_dec_tx}},
    {"fuzz_decode_reveal", fz_run_decode_reveal, {fz_dec_reveal, fz_dec_problem, fz_dec_solution, fz_dec_commitment}},
    {"fuzz_decode_block", fz_run_decode_block, {fz_dec_block}},
    {"fuzz_header_hash", fz_run_header_hash, {NULL}},
    {"fuzz_subset_sum", fz_run_subset_sum, {NULL}},
    {"fuzz_sha256_diff", fz_run_sha256_diff, {NULL}},
};
#define FZ_NTARGETS (sizeof fz_targets / sizeof fz_targets[0])

/* The harnesses' reference code must itself be right, or every comparison is void: FIPS 180-2 examples,
 * the genesis header of core.md §4.2 and a three-leaf Merkle tree by hand. */
static void test_reference_code(void **state)
{
    (void)state;
    uint8_t d[32];
    cj_fz_sha256(NULL, 0, d);
    tu_assert_hash(d, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    cj_fz_sha256((const uint8_t *)"abc", 3, d);
    tu_assert_hash(d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m56 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    cj_fz_sha256((const uint8_t *)m56, strlen(m56), d);
    tu_assert_hash(d, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

    coinjecture_header h;
    memset(&h, 0, sizeof h);
    h.codec_version = 1, h.timestamp = 1704067200, h.difficulty_target = 100;
    cj_fz_buf b = {0};
    cj_fz_mp_header(&b, &h);
    assert_int_equal(b.n, 267);
    cj_fz_sha256(b.p, b.n, d);
    tu_assert_hash(d, "9e28bebb26c909a59795061a5e1f71abfe29874a4e8e7afedfba453cf87285dc");
    cj_fz_buf_free(&b);

    uint8_t leaves[3][32], pair[64], left[32], root[32], want[32];
    for (int i = 0; i < 3; i++) memset(leaves[i], 0x11 * (i + 1), 32);
    memcpy(pair, leaves[0], 32), memcpy(pair + 32, leaves[1], 32);
    cj_fz_sha256(pair, 64, left);
    memcpy(pair, left, 32), memcpy(pair + 32, leaves[2], 32); /* the odd leaf is promoted unchanged */
    cj_fz_sha256(pair, 64, want);
    cj_fz_merkle((const uint8_t (*)[32])leaves, 3, root);
    assert_memory_equal(root, want, 32);
}

/* Every committed seed through its harness; decoder seeds must all be accepted, structured seeds must all
 * reach a comparison. */
static void test_seed_corpora(void **state)
{
    (void)state;
    for (size_t t = 0; t < FZ_NTARGETS; t++) {
        size_t n = 0;
        tu_file *seeds = tu_fuzz_files("corpus", fz_targets[t].target, &n);
        if (n == 0) fail_msg("no seeds in fuzz/corpus/%s (run fuzz/make-corpus.sh)", fz_targets[t].target);
        unsigned long decoded = cj_fz_stats.decoded, checks = cj_fz_stats.checks;
        for (size_t i = 0; i < n; i++) fz_targets[t].run(seeds[i].data, seeds[i].len);
        if (fz_targets[t].decode[0]) assert_int_equal(cj_fz_stats.decoded - decoded, n);
        else assert_true(cj_fz_stats.checks - checks >= n - n / 4); /* header_hash skips over-long extra */
        tu_free_files(seeds, n);
    }
}

/* Each decoder seed cut short anywhere is TRUNCATED, with one byte more it is TRAILING, and bit flips
 * through the harness must keep the success/failure contract. */
static void test_seed_mutations(void **state)
{
    (void)state;
    union {
        coinjecture_header h;
        coinjecture_tx tx;
        coinjecture_reveal r;
        coinjecture_block b;
        coinjecture_problem p;
        coinjecture_solution s;
        coinjecture_commitment c;
    } scratch;
    for (size_t t = 0; t < FZ_NTARGETS; t++) {
        if (!fz_targets[t].decode[0]) continue;
        size_t n = 0;
        tu_file *seeds = tu_fuzz_files("corpus", fz_targets[t].target, &n);
        assert_true(n > 0);
        unsigned long rejected = cj_fz_stats.rejected;
        for (size_t i = 0; i < n; i++) {
            const tu_file *f = &seeds[i];
            fz_decode_fn decode = NULL;
            for (size_t d = 0; !decode && fz_targets[t].decode[d]; d++)
                if (fz_targets[t].decode[d](f->data, f->len, &scratch) == COINJ_OK) decode = fz_targets[t].decode[d];
            if (!decode) fail_msg("%s/%s: no decoder accepts this seed", fz_targets[t].target, f->name);
            uint8_t *buf = malloc(f->len + 1);
            assert_non_null(buf);
            memcpy(buf, f->data, f->len);
            for (size_t cut = 0; cut < f->len; cut++) {
                CoinjResult rc = decode(buf, cut, &scratch);
                if (rc != COINJ_ERROR_DECODE_TRUNCATED)
                    fail_msg("%s/%s cut at %zu: %s", fz_targets[t].target, f->name, cut, coinjecture_result_name(rc));
                if (cut % 7 == 0) fz_targets[t].run(buf, cut);
            }
            buf[f->len] = 0xc0;
            assert_int_equal(decode(buf, f->len + 1, &scratch), COINJ_ERROR_DECODE_TRAILING);
            fz_targets[t].run(buf, f->len + 1);
            size_t stride = f->len > 512 ? f->len / 256 : 1;
            for (size_t pos = 0; pos < f->len; pos += stride)
                for (unsigned m = 0; m < 3; m++) {
                    static const uint8_t masks[3] = {0x01, 0x20, 0xff};
                    buf[pos] ^= masks[m];
                    fz_targets[t].run(buf, f->len);
                    buf[pos] ^= masks[m];
                }
            free(buf);
        }
        assert_true(cj_fz_stats.rejected > rejected);
        tu_free_files(seeds, n);
    }
}

/* Random inputs (and randomly mutated seeds) for the structured harnesses: the assertions live in the
 * harnesses, the counters prove every input reached a comparison. */
static void test_structured_random(void **state)
{
    (void)state;
    uint64_t s = 20251125;
    uint8_t buf[1200];
    for (size_t t = 0; t < FZ_NTARGETS; t++) {
        if (fz_targets[t].decode[0]) continue;
        size_t nseeds = 0;
        tu_file *seeds = tu_fuzz_files("corpus", fz_targets[t].target, &nseeds);
        unsigned long checks = cj_fz_stats.checks;
        const unsigned rounds = 600;
        for (unsigned r = 0; r < rounds; r++) {
            size_t len;
            if (nseeds && r % 2) {
                const tu_file *f = &seeds[tu_splitmix64(&s) % nseeds];
                len = f->len < sizeof buf ? f->len : sizeof buf;
                memcpy(buf, f->data, len);
                for (unsigned k = 0; k < 4 && len; k++) buf[tu_splitmix64(&s) % len] ^= (uint8_t)tu_splitmix64(&s);
            } else {
                len = tu_splitmix64(&s) % sizeof buf;
                for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)tu_splitmix64(&s);
            }
            fz_targets[t].run(buf, len);
        }
        assert_true(cj_fz_stats.checks - checks >= rounds / 2);
        tu_free_files(seeds, nseeds);
    }
}

/* Every saved crash input stays fixed: fuzz/regressions/<target>/ holds them (copied from the libFuzzer
 * artifacts, see fuzz/README.md); each must now run through its harness without a failed check. */
static void test_regression_inputs(void **state)
{
    (void)state;
    size_t total = 0;
    for (size_t t = 0; t < FZ_NTARGETS; t++) total += tu_fuzz_replay(fz_targets[t].target, fz_targets[t].run);
    /* The empty input is the first thing libFuzzer tries; it must be refused cleanly everywhere. */
    for (size_t t = 0; t < FZ_NTARGETS; t++) fz_targets[t].run(NULL, 0);
    print_message("%zu regression inputs replayed\n", total);
    assert_true(cj_fz_stats.rejected >= 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_code),
        cmocka_unit_test(test_seed_corpora),
        cmocka_unit_test(test_seed_mutations),
        cmocka_unit_test(test_structured_random),
        cmocka_unit_test(test_regression_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
