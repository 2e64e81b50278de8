/* libFuzzer target: the genesis file parser (src/node/consensus/genesis.c), the input being the file's bytes.
 *  - refused: -1, a fresh non-empty message, the struct all zero (nothing left allocated: LeakSanitizer);
 *  - accepted: every documented limit holds (ranges, network charset, 1..1024 distinct validators, distinct
 *    allocations whose total fits in u64, validator_index finds each key at its position); parsing the same
 *    bytes again gives an identical struct; the canonical text (cj_genesis_to_json) parses back to an
 *    identical struct and is a fixed point. The genesis block and hash are built from exactly these fields
 *    (chain.c, behind a data dir), so identical structs mean an identical genesis hash. */
#include "fuzz_common.h"
#include "genesis_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FGN_MARK "fgn-marker"

/* Field-by-field equality of two parsed genesis documents (arrays included, in order). */
static int fgn_equal(const cj_genesis *a, const cj_genesis *b)
{
    if (a->rules_version != b->rules_version || a->chain_id != b->chain_id || strcmp(a->network, b->network) != 0 ||
        a->genesis_time != b->genesis_time ||
        a->block_time_ms != b->block_time_ms || a->epoch_length != b->epoch_length ||
        a->validator_count != b->validator_count || a->alloc_count != b->alloc_count)
        return 0;
    if (a->validator_count && memcmp(a->validators, b->validators, a->validator_count * 32) != 0) return 0;
    for (size_t i = 0; i < a->alloc_count; i++)
        if (memcmp(a->allocs[i].pubkey, b->allocs[i].pubkey, 32) != 0 || a->allocs[i].balance != b->allocs[i].balance)
            return 0;
    return 1;
}

/* The documented limits of an accepted document (quadratic duplicate checks: inputs are small). */
static void fgn_check_limits(const cj_genesis *g)
{
    size_t n = strlen(g->network);
    CJ_FZ_CHECK(n >= 1 && n <= CJ_GENESIS_MAX_NETWORK);
    CJ_FZ_CHECK(strspn(g->network, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n);
    CJ_FZ_CHECK(g->genesis_time >= 0);
    CJ_FZ_CHECK(g->block_time_ms >= 100 && g->block_time_ms <= 3600000);
    CJ_FZ_CHECK(g->epoch_length >= 1 && g->epoch_length <= 1000000);
    CJ_FZ_CHECK(g->validator_count >= 1 && g->validator_count <= CJ_GENESIS_MAX_VALIDATORS && g->validators);
    for (size_t i = 0; i < g->validator_count; i++) {
        CJ_FZ_CHECK(cj_genesis_validator_index(g, g->validators[i]) == (long)i);
    }
    CJ_FZ_CHECK((g->alloc_count == 0) == (g->allocs == NULL));
    unsigned __int128 total = 0;
    for (size_t i = 0; i < g->alloc_count; i++) {
        total += g->allocs[i].balance;
        for (size_t j = 0; j < i; j++) CJ_FZ_CHECK(memcmp(g->allocs[i].pubkey, g->allocs[j].pubkey, 32) != 0);
    }
    CJ_FZ_CHECK(total <= UINT64_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cj_genesis g, g2;
    char err[512] = FGN_MARK, err2[512] = FGN_MARK;
    int rc = cj_genesis_parse((const char *)data, size, &g, err, sizeof err);
    int rc2 = cj_genesis_parse((const char *)data, size, &g2, err2, sizeof err2);
    CJ_FZ_CHECK(rc == rc2);
    if (rc != 0) {
        CJ_FZ_CHECK(rc == -1);
        CJ_FZ_CHECK(err[0] != 0 && strcmp(err, FGN_MARK) != 0 && strcmp(err, err2) == 0);
        CJ_FZ_CHECK(cj_fz_all_zero(&g, sizeof g) && cj_fz_all_zero(&g2, sizeof g2));
        cj_fz_stats.rejected++;
        return 0;
    }
    fgn_check_limits(&g);
    CJ_FZ_CHECK(fgn_equal(&g, &g2));
    cj_genesis_free(&g2);
    CJ_FZ_CHECK(cj_fz_all_zero(&g2, sizeof g2));

    char *text = cj_genesis_to_json(&g);
    CJ_FZ_CHECK(text != NULL);
    cj_genesis g3;
    rc = cj_genesis_parse(text, strlen(text), &g3, err, sizeof err);
    if (rc != 0) fprintf(stderr, "canonical text refused: %s\n%s\n", err, text);
    CJ_FZ_CHECK(rc == 0 && fgn_equal(&g, &g3));
    char *text3 = cj_genesis_to_json(&g3);
    CJ_FZ_CHECK(text3 != NULL && strcmp(text, text3) == 0);
    free(text3);
    free(text);
    cj_genesis_free(&g3);
    cj_genesis_free(&g);
    cj_fz_stats.decoded++;
    return 0;
}
