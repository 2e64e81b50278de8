/* libFuzzer target: subset-sum verification (layout in fuzz_common.h). The same problem, solution and
 * budget go through the extended API (coinjecture_subset_sum_verify, tiers 1..5, 64-bit budget) and the
 * original ABI (coinjecture_verify_subset_sum, tiers 0..4, 32-bit budget); each verdict must equal the
 * harness's independent model of core.md §6, and the argument checks, out-parameter rules and error
 * messages must follow coinjecture.h. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Extended API: INVALID_INPUT for a bad tier or over-long arrays (status untouched), NOT_IMPLEMENTED for
 * other problem types, otherwise the model's verdict. */
static void fz_ss_extended(const coinjecture_problem *p, const coinjecture_solution *s, const coinjecture_budget *b)
{
    coinjecture_ss_status got = (coinjecture_ss_status)99;
    cj_fz_mark_error();
    CoinjResult rc = coinjecture_subset_sum_verify(p, s, b, &got);
    if (p->tier < 1 || p->tier > 5 || p->elements_len > COINJECTURE_MAX_ELEMENTS ||
        s->indices_len > COINJECTURE_MAX_ELEMENTS) {
        CJ_FZ_CHECK(rc == COINJ_ERROR_INVALID_INPUT && got == (coinjecture_ss_status)99 && cj_fz_error_written());
        return;
    }
    coinjecture_ss_status want =
        p->problem_type != COINJECTURE_PROBLEM_SUBSET_SUM
            ? COINJECTURE_SS_NOT_IMPLEMENTED
            : cj_fz_subset_sum_model(p->elements, p->elements_len, p->tier, p->target, s->indices, s->indices_len,
                                     b->max_ops, b->max_memory_bytes);
    CJ_FZ_CHECK(got == want);
    if (want == COINJECTURE_SS_OK) CJ_FZ_CHECK(rc == COINJ_OK && cj_fz_error_untouched());
    else CJ_FZ_CHECK(rc == COINJ_ERROR_VERIFICATION_FAILED && cj_fz_error_written());
    /* out_status may be NULL; the verdict must not change. */
    CJ_FZ_CHECK(coinjecture_subset_sum_verify(p, s, b, NULL) == rc);
}

/* Original ABI: INVALID_INPUT (out_valid untouched) for NULL arrays, no elements or tier > 4; otherwise
 * the model's verdict with *out_valid written either way. */
static void fz_ss_original(const SubsetSumProblemFFI *p, const SubsetSumSolutionFFI *s, const VerifyBudgetFFI *b)
{
    int32_t valid = 77;
    cj_fz_mark_error();
    CoinjResult rc = coinjecture_verify_subset_sum(p, s, b, &valid);
    if (!p->elements || p->elements_len == 0 || !s->indices || p->tier > 4) {
        CJ_FZ_CHECK(rc == COINJ_ERROR_INVALID_INPUT && valid == 77 && cj_fz_error_written());
        return;
    }
    coinjecture_ss_status want = cj_fz_subset_sum_model(p->elements, p->elements_len, p->tier + 1, p->target,
                                                        s->indices, s->indices_len, b->max_ops, b->max_memory_bytes);
    if (want == COINJECTURE_SS_OK) CJ_FZ_CHECK(rc == COINJ_OK && valid == 1 && cj_fz_error_untouched());
    else CJ_FZ_CHECK(rc == COINJ_ERROR_VERIFICATION_FAILED && valid == 0 && cj_fz_error_written());
}

/* Entry point: parse, then run both APIs on the same values. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cj_fz_in in = {data, size};
    const uint8_t flags = cj_fz_u8(&in);
    const uint32_t ffi_tier = flags & 7u;
    const size_t n = cj_fz_u8(&in) % CJ_FZ_SS_MAXLEN, k = cj_fz_u8(&in) % CJ_FZ_SS_MAXLEN;
    int64_t elements[CJ_FZ_SS_MAXLEN];
    uint32_t indices[CJ_FZ_SS_MAXLEN];
    for (size_t i = 0; i < n; i++)
        elements[i] = flags & CJ_FZ_SS_SMALL ? (int8_t)cj_fz_u8(&in) : (int64_t)cj_fz_le(&in, 8);
    for (size_t i = 0; i < k; i++)
        indices[i] = flags & CJ_FZ_SS_COMPACT ? (uint32_t)(cj_fz_u8(&in) % (n + 1)) : (uint32_t)cj_fz_le(&in, 4);
    int64_t target;
    if (flags & CJ_FZ_SS_SUM) {
        uint64_t sum = 0; /* wrapping: the model decides whether it overflowed */
        for (size_t i = 0; i < k; i++)
            if (indices[i] < n) sum += (uint64_t)elements[indices[i]];
        target = (int64_t)(sum + (uint64_t)(int64_t)(int8_t)cj_fz_u8(&in));
    } else {
        target = (int64_t)cj_fz_le(&in, 8);
    }
    coinjecture_budget b = {0, 0, 0};
    VerifyBudgetFFI fb = {0, 0, 0};
    if (flags & CJ_FZ_SS_BUDGET) {
        fb.max_ops = (uint32_t)cj_fz_le(&in, 4);
        fb.max_duration_ms = (uint32_t)cj_fz_le(&in, 4);
        fb.max_memory_bytes = (uint32_t)cj_fz_le(&in, 4);
        b = (coinjecture_budget){fb.max_ops, fb.max_duration_ms, fb.max_memory_bytes};
    } else if (ffi_tier <= 4) {
        CJ_FZ_CHECK(coinjecture_tier_budget((uint8_t)(ffi_tier + 1), &b) == COINJ_OK);
        fb.max_ops = b.max_ops > UINT32_MAX ? UINT32_MAX : (uint32_t)b.max_ops;
        fb.max_duration_ms = (uint32_t)b.max_duration_ms;
        fb.max_memory_bytes = b.max_memory_bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)b.max_memory_bytes;
    } else {
        CJ_FZ_CHECK(coinjecture_tier_budget((uint8_t)(ffi_tier + 1), &b) == COINJ_ERROR_INVALID_INPUT);
    }
    uint32_t lo = 0, hi = 0;
    if (ffi_tier <= 4) {
        static const uint32_t want_lo[5] = {8, 12, 16, 20, 24}, want_hi[5] = {12, 16, 20, 24, 32};
        CJ_FZ_CHECK(coinjecture_tier_elements((uint8_t)(ffi_tier + 1), &lo, &hi) == COINJ_OK);
        CJ_FZ_CHECK(lo == want_lo[ffi_tier] && hi == want_hi[ffi_tier]);
    } else {
        CJ_FZ_CHECK(coinjecture_tier_elements((uint8_t)(ffi_tier + 1), &lo, &hi) == COINJ_ERROR_INVALID_INPUT);
    }
    const uint8_t nulls = cj_fz_u8(&in);

    coinjecture_problem p;
    coinjecture_solution s;
    memset(&p, 0, sizeof p);
    memset(&s, 0, sizeof s);
    p.problem_type = flags & CJ_FZ_SS_OTHER_TYPE ? (uint8_t)(2 + (uint64_t)target % 6) : COINJECTURE_PROBLEM_SUBSET_SUM;
    p.tier = (uint8_t)(ffi_tier + 1);
    p.elements_len = (uint32_t)n; /* > 32 is a length the API must refuse before reading the array */
    memcpy(p.elements, elements, (n < COINJECTURE_MAX_ELEMENTS ? n : COINJECTURE_MAX_ELEMENTS) * sizeof *elements);
    p.target = target;
    s.indices_len = (uint32_t)k;
    memcpy(s.indices, indices, (k < COINJECTURE_MAX_ELEMENTS ? k : COINJECTURE_MAX_ELEMENTS) * sizeof *indices);
    fz_ss_extended(&p, &s, &b);

    SubsetSumProblemFFI fp = {0, ffi_tier, (nulls & 2) ? NULL : elements, (uint32_t)n, target, 0};
    SubsetSumSolutionFFI fs = {(nulls & 1) ? NULL : indices, (uint32_t)k, 0};
    fz_ss_original(&fp, &fs, &fb);
    cj_fz_stats.checks++;
    return 0;
}
