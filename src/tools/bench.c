/* coinjecture-bench: ns/op of our reference and accelerated backends against three OpenSSL baselines
 * (one-shot SHA256(), EVP with a reused EVP_MD_CTX, low-level SHA256_Init/Update/Final), all measured in
 * the same run, interleaved, as the median of several samples after a warm-up.
 * Options: the table before main (src/tools/opts.h); `coinjecture-bench --help` lists them. */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_Init/Update/Final are a requested baseline */
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coinjecture.h"
#include "opts.h"
#include "sha256_paths.h"

enum { COL_REF, COL_ACCEL, COL_OSSL_ONESHOT, COL_OSSL_EVP, COL_OSSL_LOW, NCOLS };
static const char *const col_names[NCOLS] = {"reference", "accelerated", "ossl-SHA256()", "ossl-EVP",
                                             "ossl-lowlevel"};
static const char *const col_keys[NCOLS] = {"reference", "accelerated", "ossl_oneshot", "ossl_evp", "ossl_lowlevel"};

typedef enum { K_SHA, K_MERKLE, K_MERKLE_1T, K_HEADER, K_HEADER_PRE, K_FFI, K_SUBSET } row_kind;

typedef struct {
    const char *name;
    row_kind kind;
    size_t size; /* bytes or leaves */
    double ns[NCOLS];
    int has[NCOLS];
} bench_row;

static bench_row rows[] = {
    {"sha256 64 B", K_SHA, 64, {0}, {0}},
    {"sha256 260 B", K_SHA, 260, {0}, {0}},
    {"sha256 1 KiB", K_SHA, 1024, {0}, {0}},
    {"sha256 1 MiB", K_SHA, 1 << 20, {0}, {0}},
    {"merkle 1,000", K_MERKLE, 1000, {0}, {0}},
    {"merkle 10,000", K_MERKLE, 10000, {0}, {0}},
    {"merkle 100,000", K_MERKLE, 100000, {0}, {0}},
    {"merkle 100,000 1-thread", K_MERKLE_1T, 100000, {0}, {0}},
    {"header hash", K_HEADER, 0, {0}, {0}},
    {"header bytes pre-encoded", K_HEADER_PRE, 0, {0}, {0}},
    {"ffi sha256_hash 64 B", K_FFI, 64, {0}, {0}},
    {"subset-sum verify (16)", K_SUBSET, 16, {0}, {0}},
};
#define NROWS (sizeof rows / sizeof rows[0])

static uint8_t *data;              /* 1 MiB of pseudo-random bytes */
static uint8_t (*leaves)[32];      /* 100,000 leaves */
static uint8_t (*scratch)[32];     /* OpenSSL Merkle level buffer */
static EVP_MD_CTX *evp;
static EVP_MD *evp_md; /* fetched once: the fastest way to drive EVP repeatedly */
static coinjecture_header header;
static uint8_t header_enc[512]; /* header's canonical encoding: the baseline hashes these bytes */
static size_t header_len;
static int64_t ss_elements[16];
static uint32_t ss_indices[5] = {0, 2, 5, 7, 11};
static volatile uint8_t sink;

/* Monotonic clock in nanoseconds. */
static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* OpenSSL one-shot of len bytes in the style of column col. */
static void ossl_hash(int col, const uint8_t *p, size_t len, uint8_t out[32])
{
    if (col == COL_OSSL_ONESHOT) {
        SHA256(p, len, out);
    } else if (col == COL_OSSL_EVP) {
        EVP_DigestInit_ex(evp, evp_md, NULL);
        EVP_DigestUpdate(evp, p, len);
        EVP_DigestFinal_ex(evp, out, NULL);
    } else {
        SHA256_CTX c;
        SHA256_Init(&c);
        SHA256_Update(&c, p, len);
        SHA256_Final(out, &c);
    }
}

/* The same tree algorithm as the library (pairs, odd node promoted), one OpenSSL hash per node. */
static void ossl_merkle(int col, size_t n, uint8_t out[32])
{
    const uint8_t(*src)[32] = (const uint8_t(*)[32])leaves;
    while (n > 1) {
        size_t next = 0;
        for (size_t i = 0; i + 1 < n; i += 2) ossl_hash(col, src[i], 64, scratch[next++]);
        if (n & 1) memmove(scratch[next++], src[n - 1], 32);
        src = (const uint8_t(*)[32])scratch;
        n = next;
    }
    memcpy(out, src[0], 32);
}

/* Runs iters operations of one cell; returns elapsed nanoseconds. */
static uint64_t run_cell(const bench_row *r, int col, uint64_t iters)
{
    uint8_t out[32] = {0}, enc[512];
    const cj_sha256_impl *impl = col == COL_ACCEL ? cj_sha256_accelerated() : &cj_sha256_reference;
    int failed = 0; /* a failing call would time an error path: refuse the measurement */
    if (col <= COL_ACCEL && coinjecture_backend_select(col == COL_ACCEL ? "accelerated" : "reference") != COINJ_OK)
        failed = 1;
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < iters; i++) {
        switch (r->kind) {
        case K_SHA:
            if (col <= COL_ACCEL) failed |= coinjecture_sha256(data, r->size, out) != COINJ_OK;
            else ossl_hash(col, data, r->size, out);
            break;
        case K_MERKLE:
            if (col <= COL_ACCEL)
                failed |= coinjecture_merkle_root((const uint8_t(*)[32])leaves, r->size, out) != COINJ_OK;
            else ossl_merkle(col, r->size, out);
            break;
        case K_MERKLE_1T:
            if (col <= COL_ACCEL)
                failed |= cj_merkle_root_threads(impl, (const uint8_t(*)[32])leaves, r->size, out, 1) != COINJ_OK;
            else ossl_merkle(col, r->size, out);
            break;
        case K_HEADER:
            if (col <= COL_ACCEL) {
                failed |= coinjecture_header_hash(&header, out) != COINJ_OK;
            } else {
                size_t len = 0;
                failed |= coinjecture_header_encode(&header, enc, sizeof enc, &len) != COINJ_OK;
                ossl_hash(col, enc, len, out);
            }
            break;
        case K_HEADER_PRE:
            if (col <= COL_ACCEL) failed |= coinjecture_sha256(header_enc, header_len, out) != COINJ_OK;
            else ossl_hash(col, header_enc, header_len, out);
            break;
        case K_FFI:
            if (col <= COL_ACCEL) failed |= coinjecture_sha256_hash(data, (uint32_t)r->size, out) != COINJ_OK;
            else ossl_hash(col, data, r->size, out);
            break;
        case K_SUBSET: {
            SubsetSumProblemFFI p = {1, 1, ss_elements, 16, 0, 0};
            for (int k = 0; k < 5; k++) p.target += ss_elements[ss_indices[k]];
            SubsetSumSolutionFFI s = {ss_indices, 5, 0};
            VerifyBudgetFFI b = {65536, 300000, 1u << 30};
            int32_t valid = 0;
            failed |= coinjecture_verify_subset_sum(&p, &s, &b, &valid) != COINJ_OK;
            out[0] ^= (uint8_t)valid;
            break;
        }
        }
        sink ^= out[0];
    }
    uint64_t dt = now_ns() - t0;
    if (failed) {
        fprintf(stderr, "coinjecture-bench: %s (%s) failed: %s\n", r->name, col_names[col],
                coinjecture_last_error_message());
        exit(2);
    }
    return dt;
}

/* Which columns a row has: OpenSSL has nothing to compare for subset-sum verification. */
static int row_has(const bench_row *r, int col)
{
    return r->kind != K_SUBSET || col <= COL_ACCEL;
}

/* qsort order for the medians. */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Warm-up + iteration count per cell, then runs rounds in which every cell of a row takes one sample
 * (interleaving spreads machine noise over all columns). A sample is the best of three back-to-back
 * timings (a preemption by another process only ever adds time); the result is the median sample. */
static void measure(bench_row *r, int runs, double target_ms)
{
    uint64_t iters[NCOLS] = {0};
    double samples[NCOLS][64];
    for (int c = 0; c < NCOLS; c++) {
        if (!row_has(r, c)) continue;
        uint64_t n = 1, target = (uint64_t)(target_ms * 1e6 / 3);
        for (;;) {
            uint64_t dt = run_cell(r, c, n);
            if (dt >= target / 4 || n >= (UINT64_C(1) << 40)) {
                n = dt ? (uint64_t)((double)n * (double)target / (double)dt) : n * 4;
                break;
            }
            n *= 2;
        }
        iters[c] = n ? n : 1;
        run_cell(r, c, iters[c] / 4 + 1); /* warm caches and clocks at the final size */
    }
    for (int k = 0; k < runs; k++) {
        for (int c = 0; c < NCOLS; c++) {
            if (!row_has(r, c)) continue;
            double best = 0;
            for (int j = 0; j < 3; j++) {
                double t = (double)run_cell(r, c, iters[c]) / (double)iters[c];
                if (j == 0 || t < best) best = t;
            }
            samples[c][k] = best;
        }
    }
    for (int c = 0; c < NCOLS; c++) {
        r->has[c] = row_has(r, c);
        if (!r->has[c]) continue;
        qsort(samples[c], (size_t)runs, sizeof(double), cmp_double);
        r->ns[c] = samples[c][runs / 2];
    }
}

/* Fastest OpenSSL column of a row (0 when the row has none). */
static double ossl_best(const bench_row *r)
{
    double b = 0;
    for (int c = COL_OSSL_ONESHOT; c < NCOLS; c++)
        if (r->has[c] && (b == 0 || r->ns[c] < b)) b = r->ns[c];
    return b;
}

/* Human-friendly duration. */
static void fmt_ns(char *buf, size_t cap, double ns)
{
    if (ns >= 1e6) snprintf(buf, cap, "%.2f ms", ns / 1e6);
    else if (ns >= 1e4) snprintf(buf, cap, "%.1f us", ns / 1e3);
    else snprintf(buf, cap, "%.1f ns", ns);
}

/* Model name from /proc/cpuinfo (or "unknown"). */
static void cpu_model(char *buf, size_t cap)
{
    snprintf(buf, cap, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) != 0) continue;
        char *p = strchr(line, ':');
        if (p) {
            p += 1 + (p[1] == ' ');
            p[strcspn(p, "\n")] = 0;
            snprintf(buf, cap, "%s", p);
        }
        break;
    }
    fclose(f);
}

typedef struct {
    const char *detail;
    double many_ns, oneshot_ns, merkle_ns;
} path_result;

/* Per-code-path numbers (every runnable path, not just the one picked): hash64_many per message on a
 * 1000-message level, one-shot 64 B, Merkle(1000) single thread. Median over runs of best-of-3. */
static size_t measure_paths(path_result *res, size_t cap, int runs)
{
    size_t np = 0;
    const cj_sha256_impl *impl;
    static uint8_t out[1000][32];
    for (size_t v = 0; (impl = cj_backend_variant(v)) != NULL && np < cap; v++) {
        double s1[64], s2[64], s3[64];
        for (int k = -1; k < runs; k++) {
            uint64_t d1 = UINT64_MAX, d2 = UINT64_MAX, d3 = UINT64_MAX;
            for (int j = 0; j < 3; j++) { /* best of three, as in measure() */
                uint64_t t0 = now_ns();
                for (int i = 0; i < 10; i++) impl->hash64_many(out, (const uint8_t(*)[64])leaves, 1000);
                uint64_t t1 = now_ns();
                for (int i = 0; i < 10000; i++) impl->oneshot(data, 64, out[i & 7]);
                uint64_t t2 = now_ns();
                for (int i = 0; i < 10; i++)
                    cj_merkle_root_threads(impl, (const uint8_t(*)[32])leaves, 1000, out[0], 1);
                uint64_t t3 = now_ns();
                if (t1 - t0 < d1) d1 = t1 - t0;
                if (t2 - t1 < d2) d2 = t2 - t1;
                if (t3 - t2 < d3) d3 = t3 - t2;
            }
            if (k < 0) continue; /* warm-up */
            s1[k] = (double)d1 / 10000.0;
            s2[k] = (double)d2 / 10000.0;
            s3[k] = (double)d3 / 10.0;
        }
        qsort(s1, (size_t)runs, sizeof(double), cmp_double);
        qsort(s2, (size_t)runs, sizeof(double), cmp_double);
        qsort(s3, (size_t)runs, sizeof(double), cmp_double);
        res[np++] = (path_result){impl->detail, s1[runs / 2], s2[runs / 2], s3[runs / 2]};
    }
    return np;
}

/* Test data: deterministic bytes, leaves, a header with 32 bytes of extra data, a Desktop problem. */
static void setup(void)
{
    data = malloc(1 << 20);
    leaves = malloc(100000 * 32);
    scratch = malloc(50001 * 32);
    evp = EVP_MD_CTX_new();
    evp_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (!data || !leaves || !scratch || !evp || !evp_md) {
        fprintf(stderr, "coinjecture-bench: out of memory\n");
        exit(2);
    }
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < (1 << 20); i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        data[i] = (uint8_t)(x >> 32);
    }
    memcpy(leaves, data, 100000 * 32 < (1 << 20) ? 100000 * 32 : (1 << 20));
    for (size_t i = (1 << 20) / 32; i < 100000; i++) cj_sha256_oneshot_portable(leaves[i - 1], 32, leaves[i]);
    header.codec_version = 1;
    header.block_index = 123456;
    header.timestamp = 1700000000;
    memcpy(header.parent_hash, data, 32);
    memcpy(header.merkle_root, data + 32, 32);
    memcpy(header.miner_address, data + 64, 32);
    memcpy(header.commitment, data + 96, 32);
    header.difficulty_target = 1000;
    header.nonce = 42;
    header.extra_data_len = 32;
    memcpy(header.extra_data, data + 128, 32);
    if (coinjecture_header_encode(&header, header_enc, sizeof header_enc, &header_len) != COINJ_OK) {
        fprintf(stderr, "coinjecture-bench: cannot encode the header: %s\n", coinjecture_last_error_message());
        exit(2);
    }
    for (int i = 0; i < 16; i++) ss_elements[i] = 1000 + 37 * i;
}

enum { O_JSON = 1, O_RUNS, O_MS, O_CHECK };

/* The options (parser, --help, completion and man page). */
static const cj_opt options[] = {
    {O_JSON, "json", 0, NULL, "print the results as JSON", 0, NULL},
    {O_RUNS, "runs", 0, "N", "samples per cell, 1..63; the median is reported, a sample is the best of 3 timings "
     "(default 7)", 0, NULL},
    {O_MS, "ms", 0, "M", "target duration of one sample in milliseconds, 1..10000 (default 15)", 0, NULL},
    {O_CHECK, "check", 0, NULL, "exit 1 if a performance target of docs/PERFORMANCE.md is missed", 0, NULL},
    {0, NULL, 0, NULL, NULL, 0, NULL},
};

static const cj_prog prog = {
    "coinjecture-bench",
    "time the crypto backends of libcoinjecture_core against OpenSSL",
    "Measures ns/op of the reference and accelerated backends of libcoinjecture_core (SHA-256, Merkle roots, "
    "header hashing, the FFI path, subset-sum verification) against three OpenSSL baselines (one-shot SHA256(), "
    "EVP with a reused context, SHA256_Init/Update/Final), interleaved in the same run, as the median of several "
    "samples after a warm-up.",
    options,
    NULL,
    NULL,
    0,
    0,
    "docs/PERFORMANCE.md describes the targets and the reference results.",
    "coinjecture-bench\ncoinjecture-bench --json --runs 11\ncoinjecture-bench --check",
    NULL, /* no default command */
};

/* The measured ratios against the targets of docs/PERFORMANCE.md (--check fails when ok is 0). */
typedef struct {
    double r_merkle, r_ffi, r_bulk, r_header;
    int slower_rows;
    int ok;
} bench_targets;

/* Reads the options into *json, *runs, *ms and *check. Returns -1 to go on, else the exit status (after
 * --help, --version or a usage error). */
static int parse_options(int argc, char **argv, int *json, int *runs, double *ms, int *check)
{
    cj_parsed opt;
    int rc = cj_opts_parse(&prog, argc, argv, &opt);
    if (rc >= 0)
        return rc;
    for (size_t i = 0; i < opt.nopts; i++) {
        const cj_optval *ov = &opt.opts[i];
        uint64_t v = 0;
        if (ov->opt->id == O_JSON) *json = 1;
        else if (ov->opt->id == O_CHECK) *check = 1;
        else if (cj_opts_u64(&prog, NULL, ov, 1, ov->opt->id == O_RUNS ? 63 : 10000, &v) != 0) {
            cj_opts_free(&opt);
            return 2;
        } else if (ov->opt->id == O_RUNS) *runs = (int)v;
        else *ms = (double)v;
    }
    cj_opts_free(&opt);
    if (*runs < 1) *runs = 1;
    if (*runs > 63) *runs = 63;
    if (*ms <= 0) *ms = 15;
    return -1;
}

/* Computes the target ratios from the measured rows, so the JSON and the table report the same verdict. */
static bench_targets targets(void)
{
    bench_targets t;
    bench_row *sha1m = &rows[3], *mk1k = &rows[4], *hdr = &rows[8], *hdr_pre = &rows[9], *ffi = &rows[10];
    t.r_merkle = ossl_best(mk1k) / mk1k->ns[COL_ACCEL];
    t.r_ffi = ossl_best(ffi) / ffi->ns[COL_ACCEL];
    t.r_bulk = ossl_best(sha1m) / sha1m->ns[COL_ACCEL];
    t.slower_rows = 0;
    for (size_t i = 0; i < NROWS; i++)
        if (rows[i].kind != K_SUBSET && rows[i].ns[COL_ACCEL] > rows[i].ns[COL_REF] * 1.03) t.slower_rows++;
    /* Header: encode + hash on our side against OpenSSL hashing the already-encoded bytes (<= 1.1x). */
    t.r_header = hdr->ns[COL_ACCEL] / ossl_best(hdr_pre);
    t.ok = t.r_merkle >= 2.2 && t.r_ffi >= 1.0 && t.r_bulk >= 0.97 && t.r_header <= 1.1 && t.slower_rows == 0;
    return t;
}

/* --json: every row, the per-path results and the targets, for scripts and the performance docs. */
static void print_json(const char *model, const char *detail, int runs, double ms, const path_result *paths,
                       size_t np, const bench_targets *t)
{
    printf("{\n  \"machine\": \"%s\",\n  \"accelerated_detail\": \"%s\",\n  \"runs\": %d,\n  \"sample_ms\": %g,\n",
           model, detail, runs, ms);
    printf("  \"rows\": [\n");
    for (size_t i = 0; i < NROWS; i++) {
        const bench_row *r = &rows[i];
        printf("    {\"name\": \"%s\"", r->name);
        for (int c = 0; c < NCOLS; c++) {
            if (r->has[c]) printf(", \"%s_ns\": %.2f", col_keys[c], r->ns[c]);
            else printf(", \"%s_ns\": null", col_keys[c]);
        }
        double best = ossl_best(r);
        if (best > 0)
            printf(", \"ossl_best_ns\": %.2f, \"accel_vs_ossl\": %.3f, \"ref_vs_ossl\": %.3f", best,
                   best / r->ns[COL_ACCEL], best / r->ns[COL_REF]);
        printf(", \"accel_vs_ref\": %.3f}%s\n", r->ns[COL_REF] / r->ns[COL_ACCEL], i + 1 < NROWS ? "," : "");
    }
    printf("  ],\n  \"paths\": [\n");
    for (size_t i = 0; i < np; i++)
        printf("    {\"detail\": \"%s\", \"hash64_many_ns_per_msg\": %.2f, \"oneshot64_ns\": %.2f, "
               "\"merkle1000_1t_ns\": %.0f}%s\n",
               paths[i].detail, paths[i].many_ns, paths[i].oneshot_ns, paths[i].merkle_ns,
               i + 1 < np ? "," : "");
    printf("  ],\n  \"targets\": {\"merkle1000_vs_ossl\": %.3f, \"ffi64_vs_ossl\": %.3f, "
           "\"bulk_vs_ossl\": %.3f, \"header_time_vs_ossl_preencoded\": %.3f, "
           "\"rows_accel_slower_than_ref\": %d, \"all_met\": %s}\n}\n",
           t->r_merkle, t->r_ffi, t->r_bulk, t->r_header, t->slower_rows, t->ok ? "true" : "false");
}

/* The default output: a table of every row, the per-path results and each target with its verdict. */
static void print_table(const char *model, const char *detail, int runs, double ms, const path_result *paths,
                        size_t np, const bench_targets *t)
{
    printf("coinjecture-bench  machine: %s  accelerated path: %s  (median of %d, ~%g ms samples)\n\n", model,
           detail, runs, ms);
    printf("%-24s", "operation");
    for (int c = 0; c < NCOLS; c++) printf(" %13s", col_names[c]);
    printf(" %10s %10s %10s\n", "accel/ossl", "ref/ossl", "accel/ref");
    for (size_t i = 0; i < NROWS; i++) {
        const bench_row *r = &rows[i];
        printf("%-24s", r->name);
        for (int c = 0; c < NCOLS; c++) {
            char buf[32] = "-";
            if (r->has[c]) fmt_ns(buf, sizeof buf, r->ns[c]);
            printf(" %13s", buf);
        }
        double best = ossl_best(r);
        if (best > 0) printf(" %9.2fx %9.2fx", best / r->ns[COL_ACCEL], best / r->ns[COL_REF]);
        else printf(" %10s %10s", "-", "-");
        printf(" %9.2fx\n", r->ns[COL_REF] / r->ns[COL_ACCEL]);
    }
    printf("\nratios are speed-ups (>1 = faster): accel/ossl = fastest OpenSSL column / accelerated.\n");
    printf("\ncode paths on this CPU (single thread):\n%-16s %16s %14s %16s\n", "path", "hash64_many/msg",
           "one-shot 64 B", "merkle 1,000");
    for (size_t i = 0; i < np; i++) {
        char m[32];
        fmt_ns(m, sizeof m, paths[i].merkle_ns);
        printf("%-16s %13.1f ns %11.1f ns %16s\n", paths[i].detail, paths[i].many_ns, paths[i].oneshot_ns, m);
    }
    printf("\ntargets: merkle(1000) accel vs OpenSSL %.2fx (>= 2.2) %s; ffi 64 B %.2fx (>= 1.0) %s; "
           "1 MiB %.2fx (>= 0.97) %s; header encode+hash / OpenSSL on pre-encoded bytes %.2fx (<= 1.1) %s; "
           "rows where accel is >3%% slower than ref: %d %s\n",
           t->r_merkle, t->r_merkle >= 2.2 ? "ok" : "MISSED", t->r_ffi, t->r_ffi >= 1.0 ? "ok" : "MISSED", t->r_bulk,
           t->r_bulk >= 0.97 ? "ok" : "MISSED", t->r_header, t->r_header <= 1.1 ? "ok" : "MISSED", t->slower_rows,
           t->slower_rows ? "MISSED" : "ok");
}

/* Parses the options, checks that every column agrees on a Merkle root, measures, prints. */
int main(int argc, char **argv)
{
    int json = 0, runs = 7, check = 0;
    double ms = 15;
    int rc = parse_options(argc, argv, &json, &runs, &ms, &check);
    if (rc >= 0)
        return rc;
    setup();

    /* Sanity: every column computes the same digests before anything is timed. */
    uint8_t a[32], b[32];
    if (coinjecture_backend_select("accelerated") != COINJ_OK ||
        coinjecture_merkle_root((const uint8_t(*)[32])leaves, 1000, a) != COINJ_OK) {
        fprintf(stderr, "coinjecture-bench: %s\n", coinjecture_last_error_message());
        return 2;
    }
    ossl_merkle(COL_OSSL_LOW, 1000, b);
    if (memcmp(a, b, 32) != 0) {
        fprintf(stderr, "coinjecture-bench: Merkle root differs from the OpenSSL tree\n");
        return 2;
    }
    const char *detail = cj_sha256_accelerated() ? cj_sha256_accelerated()->detail : "portable";

    for (size_t i = 0; i < NROWS; i++) measure(&rows[i], runs, ms);
    path_result paths[16];
    size_t np = measure_paths(paths, 16, runs);

    char model[256];
    cpu_model(model, sizeof model);
    bench_targets t = targets();
    if (json)
        print_json(model, detail, runs, ms, paths, np, &t);
    else
        print_table(model, detail, runs, ms, paths, np, &t);
    EVP_MD_CTX_free(evp);
    EVP_MD_free(evp_md);
    free(data);
    free(leaves);
    free(scratch);
    return check && !t.ok ? 1 : 0;
}
