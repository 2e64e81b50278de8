/* libFuzzer target: the strict reveal decoder (coinjecture_reveal_decode), and on the same bytes the
 * decoders of its parts and of the commitment (problem, solution, commitment), so one target covers every
 * fixed-size consensus object. Accepted input must re-encode byte for byte (library and naive encoder);
 * an accepted reveal must also give the hashes, commitment and subset-sum verdict the harness computes
 * independently. Refused input must leave the output zeroed with a DECODE_* code and a fresh message. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef CoinjResult (*fz_reveal_enc_fn)(const void *obj, uint8_t *out, size_t cap, size_t *len);

/* Library encoder output (sized by a first NULL call) must equal the input exactly. */
static void fz_reveal_roundtrip(fz_reveal_enc_fn enc, const void *obj, const uint8_t *data, size_t size)
{
    size_t need = 0, len = 0;
    CJ_FZ_CHECK(enc(obj, NULL, 0, &need) == COINJ_ERROR_BUFFER_TOO_SMALL);
    CJ_FZ_CHECK(need == size);
    uint8_t *out = malloc(size);
    CJ_FZ_CHECK(out != NULL);
    CJ_FZ_CHECK(enc(obj, out, size, &len) == COINJ_OK);
    CJ_FZ_CHECK(len == size && memcmp(out, data, size) == 0);
    free(out);
}

/* Adapters from the typed encoders to one signature. */
static CoinjResult fz_enc_reveal(const void *o, uint8_t *out, size_t cap, size_t *len)
{
    return coinjecture_reveal_encode(o, out, cap, len);
}
static CoinjResult fz_enc_problem(const void *o, uint8_t *out, size_t cap, size_t *len)
{
    return coinjecture_problem_encode(o, out, cap, len);
}
static CoinjResult fz_enc_solution(const void *o, uint8_t *out, size_t cap, size_t *len)
{
    return coinjecture_solution_encode(o, out, cap, len);
}
static CoinjResult fz_enc_commitment(const void *o, uint8_t *out, size_t cap, size_t *len)
{
    return coinjecture_commitment_encode(o, out, cap, len);
}

/* The naive encoding of an accepted object must be the input too. */
static void fz_reveal_naive_equal(const cj_fz_buf *naive, const uint8_t *data, size_t size)
{
    CJ_FZ_CHECK(naive->n == size && memcmp(naive->p, data, size) == 0);
}

/* Subset-sum verdict of a decoded reveal under its tier's budget against the harness model. */
static void fz_reveal_verdict(const coinjecture_reveal *r)
{
    coinjecture_budget b;
    CJ_FZ_CHECK(coinjecture_tier_budget(r->problem.tier, &b) == COINJ_OK);
    coinjecture_ss_status want =
        r->problem.problem_type != COINJECTURE_PROBLEM_SUBSET_SUM
            ? COINJECTURE_SS_NOT_IMPLEMENTED
            : cj_fz_subset_sum_model(r->problem.elements, r->problem.elements_len, r->problem.tier,
                                     r->problem.target, r->solution.indices, r->solution.indices_len,
                                     b.max_ops, b.max_memory_bytes);
    coinjecture_ss_status got = (coinjecture_ss_status)99;
    CoinjResult rc = coinjecture_subset_sum_verify(&r->problem, &r->solution, &b, &got);
    CJ_FZ_CHECK(got == want);
    CJ_FZ_CHECK(rc == (want == COINJECTURE_SS_OK ? COINJ_OK : COINJ_ERROR_VERIFICATION_FAILED));
}

/* Hashes and commitment of a decoded reveal: problem/solution hashes are SHA-256 of their encodings,
 * the commitment binds them with epoch_salt = SHA-256(parent || LE64 index) (here parent = miner_salt and
 * index = nonce, just to vary them), and the commitment hash is SHA-256 of its 128 raw bytes. */
static void fz_reveal_hashes(const coinjecture_reveal *r)
{
    cj_fz_buf pe = {0}, se = {0};
    CJ_FZ_CHECK(cj_fz_mp_problem(&pe, &r->problem) && cj_fz_mp_solution(&se, &r->solution));
    uint8_t ph[32], sh[32], got[32];
    cj_fz_sha256(pe.p, pe.n, ph);
    cj_fz_sha256(se.p, se.n, sh);
    cj_fz_buf_free(&pe);
    cj_fz_buf_free(&se);
    CJ_FZ_CHECK(coinjecture_problem_hash(&r->problem, got) == COINJ_OK && memcmp(got, ph, 32) == 0);
    CJ_FZ_CHECK(coinjecture_solution_hash(&r->solution, got) == COINJ_OK && memcmp(got, sh, 32) == 0);

    uint8_t pre[40], es[32];
    memcpy(pre, r->miner_salt, 32);
    for (int i = 0; i < 8; i++) pre[32 + i] = (uint8_t)(r->nonce >> (8 * i));
    cj_fz_sha256(pre, sizeof pre, es);
    coinjecture_commitment c;
    CJ_FZ_CHECK(coinjecture_commitment_create(&r->problem, &r->solution, r->miner_salt, r->miner_salt, r->nonce,
                                              &c) == COINJ_OK);
    CJ_FZ_CHECK(memcmp(c.epoch_salt, es, 32) == 0 && memcmp(c.problem_hash, ph, 32) == 0);
    CJ_FZ_CHECK(memcmp(c.solution_hash, sh, 32) == 0 && memcmp(c.miner_salt, r->miner_salt, 32) == 0);
    uint8_t raw[128], want[32];
    memcpy(raw, c.epoch_salt, 32);
    memcpy(raw + 32, c.problem_hash, 32);
    memcpy(raw + 64, c.solution_hash, 32);
    memcpy(raw + 96, c.miner_salt, 32);
    cj_fz_sha256(raw, sizeof raw, want);
    CJ_FZ_CHECK(coinjecture_commitment_hash(&c, got) == COINJ_OK && memcmp(got, want, 32) == 0);

    CJ_FZ_CHECK(coinjecture_epoch_salt(r->miner_salt, r->nonce, got) == COINJ_OK && memcmp(got, es, 32) == 0);
    cj_fz_sha256(r->miner_salt, 32, want);
    CJ_FZ_CHECK(coinjecture_derive_address(r->miner_salt, got) == COINJ_OK && memcmp(got, want, 32) == 0);
    /* Miner salt = HMAC-SHA256(seed, epoch_salt || parent || LE64 index), here seed = problem hash and
     * parent = solution hash; HMAC spelled out (RFC 2104) over the naive SHA-256. */
    uint8_t kpad[64 + 72], inner[32], outer[64 + 32];
    memset(kpad, 0, 64);
    memcpy(kpad, ph, 32);
    for (int i = 0; i < 64; i++) outer[i] = kpad[i] ^ 0x5c, kpad[i] ^= 0x36;
    memcpy(kpad + 64, es, 32);
    memcpy(kpad + 96, sh, 32);
    memcpy(kpad + 128, pre + 32, 8);
    cj_fz_sha256(kpad, 64 + 72, inner);
    memcpy(outer + 64, inner, 32);
    cj_fz_sha256(outer, sizeof outer, want);
    CJ_FZ_CHECK(coinjecture_miner_salt(ph, es, sh, r->nonce, got) == COINJ_OK && memcmp(got, want, 32) == 0);
}

/* The reveal decoder on the whole input. */
static void fz_reveal_one(const uint8_t *data, size_t size)
{
    coinjecture_reveal r;
    memset(&r, 0xa5, sizeof r);
    cj_fz_mark_error();
    CoinjResult rc = coinjecture_reveal_decode(data, size, &r);
    if (rc != COINJ_OK) {
        cj_fz_check_decode_failure(rc, &r, sizeof r);
        cj_fz_stats.rejected++;
        return;
    }
    CJ_FZ_CHECK(cj_fz_error_untouched());
    fz_reveal_roundtrip(fz_enc_reveal, &r, data, size);
    cj_fz_buf naive = {0};
    CJ_FZ_CHECK(cj_fz_mp_reveal(&naive, &r));
    fz_reveal_naive_equal(&naive, data, size);
    cj_fz_buf_free(&naive);
    fz_reveal_verdict(&r);
    fz_reveal_hashes(&r);
    cj_fz_stats.decoded++;
}

/* The part decoders on the same input (a reveal never decodes as one of them: the key sets differ). */
static void fz_reveal_parts(const uint8_t *data, size_t size)
{
    coinjecture_problem p;
    memset(&p, 0xa5, sizeof p);
    cj_fz_mark_error();
    CoinjResult rc = coinjecture_problem_decode(data, size, &p);
    if (rc == COINJ_OK) {
        CJ_FZ_CHECK(cj_fz_error_untouched() && p.elements_len <= COINJECTURE_MAX_ELEMENTS);
        fz_reveal_roundtrip(fz_enc_problem, &p, data, size);
        cj_fz_buf naive = {0};
        CJ_FZ_CHECK(cj_fz_mp_problem(&naive, &p));
        fz_reveal_naive_equal(&naive, data, size);
        cj_fz_buf_free(&naive);
        cj_fz_stats.decoded++;
    } else {
        cj_fz_check_decode_failure(rc, &p, sizeof p);
    }

    coinjecture_solution s;
    memset(&s, 0xa5, sizeof s);
    cj_fz_mark_error();
    rc = coinjecture_solution_decode(data, size, &s);
    if (rc == COINJ_OK) {
        CJ_FZ_CHECK(cj_fz_error_untouched() && s.indices_len <= COINJECTURE_MAX_ELEMENTS);
        fz_reveal_roundtrip(fz_enc_solution, &s, data, size);
        cj_fz_buf naive = {0};
        CJ_FZ_CHECK(cj_fz_mp_solution(&naive, &s));
        fz_reveal_naive_equal(&naive, data, size);
        cj_fz_buf_free(&naive);
        cj_fz_stats.decoded++;
    } else {
        cj_fz_check_decode_failure(rc, &s, sizeof s);
    }

    coinjecture_commitment c;
    memset(&c, 0xa5, sizeof c);
    cj_fz_mark_error();
    rc = coinjecture_commitment_decode(data, size, &c);
    if (rc == COINJ_OK) {
        CJ_FZ_CHECK(cj_fz_error_untouched());
        fz_reveal_roundtrip(fz_enc_commitment, &c, data, size);
        cj_fz_buf naive = {0};
        cj_fz_mp_commitment(&naive, &c);
        fz_reveal_naive_equal(&naive, data, size);
        cj_fz_buf_free(&naive);
        cj_fz_stats.decoded++;
    } else {
        cj_fz_check_decode_failure(rc, &c, sizeof c);
    }
}

/* Entry point. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_reveal_one(data, size);
    fz_reveal_parts(data, size);
    return 0;
}
