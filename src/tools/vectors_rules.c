/* coinjecture-vectors: the rule vectors. ESCROW_ID and the escrow creation, release and refund rules,
 * SUBSET_SUM verdicts of every rule and their order, and the TIER tables. */
#include <stdio.h>
#include <string.h>

#include "vectors.h"

/* Wire names of escrow states and coinjecture_ss_status values (index = the enum value). */
static const char *const ESCROW_STATE_NAME[] = {"Locked", "Released", "Refunded"};
static const char *const SS_STATUS_NAME[] = {"OK", "NOT_IMPLEMENTED", "TIER_SIZE", "PROOF_SIZE",
                                             "BUDGET_OPS", "DUPLICATE_INDEX", "INDEX_RANGE", "OVERFLOW",
                                             "WRONG_SUM", "BUDGET_MEMORY"};

/* An ESCROW_ID vector. */
static void emit_escrow_id(const char *name, const uint8_t sub[32], const uint8_t ph[32], uint64_t created)
{
    uint8_t id[32];
    vec_ok(coinjecture_compute_escrow_id(sub, ph, created, id), "coinjecture_compute_escrow_id");
    jv *v = vec_new("ESCROW_ID", "%s", name);
    vjson_put(v, "created_block", vjson_u64(created));
    vjson_put(v, "expected_id", vjson_hex(id, 32));
    vjson_put(v, "problem_hash", vjson_hex(ph, 32));
    vjson_put(v, "submitter", vjson_hex(sub, 32));
}

/* Maps an escrow rule's result to a verdict (COINJ_ERROR_INVALID_INPUT means "not allowed"). */
static int escrow_verdict(CoinjResult rc, const char *what)
{
    if (rc != COINJ_OK && rc != COINJ_ERROR_INVALID_INPUT) vec_ok(rc, what);
    return rc == COINJ_OK;
}

/* An ESCROW_CREATION vector. */
static void emit_escrow_creation(const char *name, uint64_t amount, uint64_t created, uint64_t expiry)
{
    int valid = escrow_verdict(coinjecture_validate_escrow_creation(amount, created, expiry),
                               "coinjecture_validate_escrow_creation");
    jv *v = vec_new("ESCROW_CREATION", "%s", name);
    vjson_put(v, "amount", vjson_u64(amount));
    vjson_put(v, "created_block", vjson_u64(created));
    vjson_put(v, "expected_valid", vjson_bool(valid));
    vjson_put(v, "expiry_block", vjson_u64(expiry));
}

/* An escrow as a JSON object (Option fields null when absent). */
static jv *escrow_json(const coinjecture_escrow *e)
{
    jv *o = vjson_obj();
    vjson_put(o, "amount", vjson_u64(e->amount));
    vjson_put(o, "created_block", vjson_u64(e->created_block));
    vjson_put(o, "expiry_block", vjson_u64(e->expiry_block));
    vjson_put(o, "id", vjson_hex(e->id, 32));
    vjson_put(o, "problem_hash", vjson_hex(e->problem_hash, 32));
    vjson_put(o, "recipient", e->has_recipient ? vjson_hex(e->recipient, 32) : vjson_null());
    vjson_put(o, "settled_block", e->has_settled_block ? vjson_u64(e->settled_block) : vjson_null());
    vjson_put(o, "settlement_tx", e->has_settlement_tx ? vjson_hex(e->settlement_tx, 32) : vjson_null());
    vjson_put(o, "state", vjson_str(ESCROW_STATE_NAME[e->state]));
    vjson_put(o, "submitter", vjson_hex(e->submitter, 32));
    return o;
}

/* An ESCROW_RELEASE vector. */
static void emit_escrow_release(const char *name, const coinjecture_escrow *e, const uint8_t recipient[32])
{
    int valid = escrow_verdict(coinjecture_escrow_check_release(e, recipient), "coinjecture_escrow_check_release");
    jv *v = vec_new("ESCROW_RELEASE", "%s", name);
    vjson_put(v, "escrow", escrow_json(e));
    vjson_put(v, "expected_valid", vjson_bool(valid));
    vjson_put(v, "recipient", vjson_hex(recipient, 32));
}

/* An ESCROW_REFUND vector. */
static void emit_escrow_refund(const char *name, const coinjecture_escrow *e, uint64_t current)
{
    int valid = escrow_verdict(coinjecture_escrow_check_refund(e, current), "coinjecture_escrow_check_refund");
    jv *v = vec_new("ESCROW_REFUND", "%s", name);
    vjson_put(v, "current_block", vjson_u64(current));
    vjson_put(v, "escrow", escrow_json(e));
    vjson_put(v, "expected_valid", vjson_bool(valid));
}

/* A locked escrow (submitter RFC 8032 TEST 1, created 100, expiry 1100). */
static void escrow_base(coinjecture_escrow *e)
{
    memset(e, 0, sizeof *e);
    vec_unhex(RFC8032_PUB[0], e->submitter, 32);
    e->amount = 5000;
    vec_sha_str("vectors/escrow_problem", e->problem_hash);
    e->created_block = 100;
    e->expiry_block = 1100;
    vec_ok(coinjecture_compute_escrow_id(e->submitter, e->problem_hash, e->created_block, e->id),
           "coinjecture_compute_escrow_id");
    e->state = COINJECTURE_ESCROW_LOCKED;
}

/* Escrow ids, and the creation/release/refund rules at their boundaries (core.md 8). */
void vrules_escrow(void)
{
    uint8_t a[32], b[32], rcpt[32];
    const uint64_t M = UINT64_MAX;
    memset(a, 1, 32);
    memset(b, 2, 32);
    emit_escrow_id("escrow_id_core_example", a, b, 1000);
    memset(a, 0, 32);
    memset(b, 0, 32);
    emit_escrow_id("escrow_id_zeros", a, b, 0);
    memset(a, 0xff, 32);
    memset(b, 0xff, 32);
    emit_escrow_id("escrow_id_ones_max", a, b, M);
    vec_unhex(RFC8032_PUB[0], a, 32);
    vec_sha_str("vectors/escrow_problem", b);
    emit_escrow_id("escrow_id_test1_4294967296", a, b, 4294967296u);

    emit_escrow_creation("escrow_create_min_ok", 1000, 10, 110);
    emit_escrow_creation("escrow_create_amount_999", 999, 10, 110);
    emit_escrow_creation("escrow_create_duration_99", 1000, 10, 109);
    emit_escrow_creation("escrow_create_duration_100000", 1000, 10, 100010);
    emit_escrow_creation("escrow_create_duration_100001", 1000, 10, 100011);
    emit_escrow_creation("escrow_create_expiry_equal", 1000, 10, 10);
    emit_escrow_creation("escrow_create_expiry_before", 1000, 10, 9);
    emit_escrow_creation("escrow_create_from_block_0", 1000, 0, 100);
    emit_escrow_creation("escrow_create_at_u64_end", M, M - 100, M);
    emit_escrow_creation("escrow_create_at_u64_end_99", 1000, M - 99, M);
    emit_escrow_creation("escrow_create_all_zero", 0, 0, 0);
    emit_escrow_creation("escrow_create_wrapped_expiry", 1000, M, 99);

    coinjecture_escrow e;
    escrow_base(&e);
    vec_unhex(RFC8032_PUB[1], rcpt, 32);
    emit_escrow_release("escrow_release_locked_ok", &e, rcpt);
    memset(rcpt, 0, 32);
    emit_escrow_release("escrow_release_zero_recipient", &e, rcpt);
    rcpt[31] = 1;
    emit_escrow_release("escrow_release_recipient_one", &e, rcpt);
    e.state = COINJECTURE_ESCROW_RELEASED;
    e.has_recipient = 1;
    vec_unhex(RFC8032_PUB[1], e.recipient, 32);
    e.has_settled_block = 1;
    e.settled_block = 500;
    e.has_settlement_tx = 1;
    vec_sha_str("vectors/settlement_tx", e.settlement_tx);
    vec_unhex(RFC8032_PUB[1], rcpt, 32);
    emit_escrow_release("escrow_release_already_released", &e, rcpt);
    e.state = COINJECTURE_ESCROW_REFUNDED;
    e.has_recipient = 0;
    memset(e.recipient, 0, 32);
    emit_escrow_release("escrow_release_already_refunded", &e, rcpt);

    escrow_base(&e);
    emit_escrow_refund("escrow_refund_before_expiry", &e, 1099);
    emit_escrow_refund("escrow_refund_at_expiry", &e, 1100);
    emit_escrow_refund("escrow_refund_after_expiry", &e, 1101);
    emit_escrow_refund("escrow_refund_block_max", &e, M);
    emit_escrow_refund("escrow_refund_block_0", &e, 0);
    e.state = COINJECTURE_ESCROW_RELEASED;
    emit_escrow_refund("escrow_refund_released", &e, 2000);
    e.state = COINJECTURE_ESCROW_REFUNDED;
    emit_escrow_refund("escrow_refund_refunded", &e, 2000);
}

/* A SUBSET_SUM vector; also checks the original ABI's verdict where its 32-bit budget can carry it. */
static void emit_ss(const char *name, const coinjecture_problem *p, const coinjecture_solution *s,
                    const coinjecture_budget *bud)
{
    coinjecture_ss_status st = COINJECTURE_SS_OK;
    CoinjResult rc = coinjecture_subset_sum_verify(p, s, bud, &st);
    if (rc != COINJ_OK && rc != COINJ_ERROR_VERIFICATION_FAILED) vec_ok(rc, "coinjecture_subset_sum_verify");
    if ((rc == COINJ_OK) != (st == COINJECTURE_SS_OK) || (unsigned)st >= ARRAY_LEN(SS_STATUS_NAME))
        vec_die("%s: return code and status disagree", name);
    if (p->problem_type == COINJECTURE_PROBLEM_SUBSET_SUM && bud->max_ops <= UINT32_MAX &&
        bud->max_duration_ms <= UINT32_MAX && bud->max_memory_bytes <= UINT32_MAX) {
        SubsetSumProblemFFI fp = {0, (uint32_t)p->tier - 1, p->elements, p->elements_len, p->target, p->timestamp};
        uint32_t dummy = 0;
        SubsetSumSolutionFFI fs = {s->indices_len ? s->indices : &dummy, s->indices_len, s->timestamp};
        VerifyBudgetFFI fb = {(uint32_t)bud->max_ops, (uint32_t)bud->max_duration_ms, (uint32_t)bud->max_memory_bytes};
        int32_t valid = -1;
        CoinjResult rc2 = coinjecture_verify_subset_sum(&fp, &fs, &fb, &valid);
        if ((rc2 == COINJ_OK) != (rc == COINJ_OK)) vec_die("%s: original ABI verdict differs", name);
    }
    jv *v = vec_new("SUBSET_SUM", "%s", name);
    jv *b = vjson_obj();
    vjson_put(b, "max_duration_ms", vjson_u64(bud->max_duration_ms));
    vjson_put(b, "max_memory_bytes", vjson_u64(bud->max_memory_bytes));
    vjson_put(b, "max_ops", vjson_u64(bud->max_ops));
    vjson_put(v, "budget", b);
    vjson_put(v, "expected_status", vjson_str(SS_STATUS_NAME[st]));
    vjson_put(v, "expected_valid", vjson_bool(st == COINJECTURE_SS_OK));
    vjson_put(v, "problem", vobjects_problem_json(p));
    vjson_put(v, "solution", vobjects_solution_json(s));
}

/* Builds a problem + solution + (tier or custom) budget and emits a SUBSET_SUM vector. */
static void ss_case(const char *name, uint8_t type, uint8_t tier, const int64_t *el, uint32_t n, int64_t target,
                    const uint32_t *idx, uint32_t k, uint64_t max_ops, uint64_t max_mem)
{
    coinjecture_problem p;
    coinjecture_solution s;
    coinjecture_budget bud;
    vobjects_problem_set(&p, type, tier, el, n, target, 1704067200);
    vobjects_solution_set(&s, idx, k, 1704067201);
    vec_ok(coinjecture_tier_budget(tier, &bud), "coinjecture_tier_budget");
    if (max_ops != UINT64_MAX) bud.max_ops = max_ops;
    if (max_mem != UINT64_MAX) bud.max_memory_bytes = max_mem;
    emit_ss(name, &p, &s, &bud);
}

/* Every subset-sum rule, its boundary and the order in which rules fire (core.md 6). */
void vrules_subset_sum(void)
{
    const uint64_t D = UINT64_MAX; /* "tier default" */
    const uint8_t SS = COINJECTURE_PROBLEM_SUBSET_SUM, MOB = COINJECTURE_TIER_MOBILE;
    static const int64_t m8[] = {3, 34, 4, 12, 5, 2, 27, 9, 1, 1, 1, 1, 1};
    static const uint32_t i24[] = {2, 4}, i11[] = {1, 1}, i_all9[] = {0, 1, 2, 3, 4, 5, 6, 7, 0};
    static const uint32_t dup_range[] = {99, 0, 0}, range_n[] = {8}, range_max[] = {UINT32_MAX}, i80[] = {8, 0};
    static const uint32_t i012[] = {0, 1, 2}, i021[] = {0, 2, 1}, i01[] = {0, 1};
    static const int64_t ovf[] = {INT64_MAX, 1, -1, 0, 0, 0, 0, 0};
    static const int64_t novf[] = {INT64_MIN, -1, 0, 0, 0, 0, 0, 0};
    static const int64_t ext[] = {INT64_MIN, INT64_MAX, 0, 0, 0, 0, 0, 0};
    static const int64_t neg[] = {-5, -10, 20, 7, -3, 0, 1, 2};
    static const uint32_t ineg[] = {0, 1, 4};
    int64_t big[32];
    uint32_t all[32];
    int64_t sum = 0;
    for (uint32_t i = 0; i < 32; i++) {
        big[i] = (int64_t)(i * i) - 100;
        all[i] = 31 - i;
        sum += big[i];
    }

    ss_case("ss_valid_mobile", SS, MOB, m8, 8, 9, i24, 2, D, D);
    ss_case("ss_valid_empty_target_0", SS, MOB, m8, 8, 0, NULL, 0, D, D);
    ss_case("ss_valid_all_indices_reversed_cluster_32", SS, COINJECTURE_TIER_CLUSTER, big, 32, sum, all, 32, D, D);
    ss_case("ss_valid_desktop_12", SS, COINJECTURE_TIER_DESKTOP, m8, 12, 9, i24, 2, D, D);
    ss_case("ss_valid_workstation_16", SS, COINJECTURE_TIER_WORKSTATION, big, 16, big[0] + big[15], (const uint32_t[]){15, 0}, 2, D, D);
    ss_case("ss_valid_server_20", SS, COINJECTURE_TIER_SERVER, big, 20, big[19], (const uint32_t[]){19}, 1, D, D);
    ss_case("ss_valid_negative_target", SS, MOB, neg, 8, -18, ineg, 3, D, D);
    ss_case("ss_valid_int64_extremes", SS, MOB, ext, 8, -1, i01, 2, D, D);
    ss_case("ss_wrong_sum", SS, MOB, m8, 8, 10, i24, 2, D, D);
    ss_case("ss_wrong_sum_empty_solution", SS, MOB, m8, 8, 9, NULL, 0, D, D);
    ss_case("ss_not_implemented_knapsack", COINJECTURE_PROBLEM_KNAPSACK, MOB, m8, 8, 9, i24, 2, D, D);
    ss_case("ss_not_implemented_before_tier_size", COINJECTURE_PROBLEM_LATTICE, MOB, m8, 3, 9, i24, 2, D, D);
    ss_case("ss_tier_size_mobile_7", SS, MOB, m8, 7, 9, i24, 2, D, D);
    ss_case("ss_tier_size_mobile_13", SS, MOB, m8, 13, 9, i24, 2, D, D);
    ss_case("ss_tier_size_cluster_23", SS, COINJECTURE_TIER_CLUSTER, big, 23, big[0], (const uint32_t[]){0}, 1, D, D);
    ss_case("ss_tier_size_desktop_17", SS, COINJECTURE_TIER_DESKTOP, big, 17, big[0], (const uint32_t[]){0}, 1, D, D);
    ss_case("ss_proof_size_9_of_8", SS, MOB, m8, 8, 0, i_all9, 9, D, D);
    ss_case("ss_duplicate_index", SS, MOB, m8, 8, 68, i11, 2, D, D);
    ss_case("ss_duplicate_before_index_range", SS, MOB, m8, 8, 6, dup_range, 3, D, D);
    ss_case("ss_index_range_n", SS, MOB, m8, 8, 0, range_n, 1, D, D);
    ss_case("ss_index_range_u32_max", SS, MOB, m8, 8, 0, range_max, 1, D, D);
    ss_case("ss_overflow_in_index_order", SS, MOB, ovf, 8, INT64_MAX, i012, 3, D, D);
    ss_case("ss_no_overflow_other_order", SS, MOB, ovf, 8, INT64_MAX, i021, 3, D, D);
    ss_case("ss_overflow_negative", SS, MOB, novf, 8, 0, i01, 2, D, D);
    ss_case("ss_budget_ops_0", SS, MOB, m8, 8, 9, i24, 2, 0, D);
    ss_case("ss_budget_ops_pass1", SS, MOB, m8, 8, 9, i24, 2, 1, D);
    ss_case("ss_budget_ops_pass2", SS, MOB, m8, 8, 9, i24, 2, 3, D);
    ss_case("ss_budget_ops_exact_2k", SS, MOB, m8, 8, 9, i24, 2, 4, D);
    ss_case("ss_budget_ops_before_duplicate", SS, MOB, m8, 8, 68, i11, 2, 1, D);
    ss_case("ss_duplicate_within_ops", SS, MOB, m8, 8, 68, i11, 2, 2, D);
    ss_case("ss_budget_ops_before_index_range", SS, MOB, m8, 8, 3, i80, 2, 2, D);
    ss_case("ss_budget_memory_8k_minus_1", SS, MOB, m8, 8, 9, i24, 2, D, 15);
    ss_case("ss_budget_memory_exact_8k", SS, MOB, m8, 8, 9, i24, 2, D, 16);
    ss_case("ss_wrong_sum_before_memory", SS, MOB, m8, 8, 10, i24, 2, D, 15);
    ss_case("ss_empty_solution_zero_budget", SS, MOB, m8, 8, 0, NULL, 0, 0, 0);
}

/* The tier tables (budget and element range) for tiers 1-5. */
void vrules_tier(void)
{
    for (uint8_t t = 1; t <= 5; t++) {
        coinjecture_budget b;
        uint32_t lo, hi;
        vec_ok(coinjecture_tier_budget(t, &b), "coinjecture_tier_budget");
        vec_ok(coinjecture_tier_elements(t, &lo, &hi), "coinjecture_tier_elements");
        jv *v = vec_new("TIER", "tier_%s", TIER_NAME[t]);
        jv *o = vjson_obj();
        vjson_put(o, "max_duration_ms", vjson_u64(b.max_duration_ms));
        vjson_put(o, "max_memory_bytes", vjson_u64(b.max_memory_bytes));
        vjson_put(o, "max_ops", vjson_u64(b.max_ops));
        vjson_put(v, "expected_budget", o);
        vjson_put(v, "expected_max_elements", vjson_u64(hi));
        vjson_put(v, "expected_min_elements", vjson_u64(lo));
        vjson_put(v, "tier", vjson_str(TIER_NAME[t]));
    }
}

