/* The genesis file: strict JSON parsing (jansson) into struct cj_genesis, and canonical output. The
 * struct itself is consensus (consensus/genesis.h); reading the file is the daemon's and the tools' job. */
#include "genesis_file.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api_json.h"
#include "coinjecture.h"

static const char *const GENESIS_KEYS[] = {"rules_version", "chain_id",   "network",    "genesis_time",
                                           "block_time_ms", "epoch_length", "validators", "allocations"};
#define NGKEYS (sizeof GENESIS_KEYS / sizeof GENESIS_KEYS[0])

/* Reads a required u64 member and checks its range. */
static int get_u64(const json_t *root, const char *key, uint64_t min, uint64_t max, uint64_t *out, char *err,
                   size_t errlen)
{
    const char *why = NULL;
    json_t *v = json_object_get(root, key);
    if (v == NULL) {
        snprintf(err, errlen, "missing key '%s'", key);
        return -1;
    }
    if (cj_json_u64(v, out, &why) != 0) {
        snprintf(err, errlen, "%s: %s", key, why);
        return -1;
    }
    if (*out < min || *out > max) {
        snprintf(err, errlen, "%s: %llu is out of range %llu..%llu", key, (unsigned long long)*out,
                 (unsigned long long)min, (unsigned long long)max);
        return -1;
    }
    return 0;
}

/* Decodes a 64-hex public key at a named position. */
static int get_key(const json_t *v, uint8_t out[32], const char *where, char *err, size_t errlen)
{
    const char *why = NULL;
    if (cj_json_hex_fixed(v, out, 32, &why) != 0) {
        snprintf(err, errlen, "%s: %s (an Ed25519 public key is 64 hex digits)", where, why);
        return -1;
    }
    return 0;
}

/* Orders allocation indices by public key to find duplicates in O(n log n). */
static int cmp_alloc(const void *a, const void *b)
{
    return memcmp(((const cj_genesis_alloc *)a)->pubkey, ((const cj_genesis_alloc *)b)->pubkey, 32);
}

/* Orders raw public keys (validators) for duplicate detection. */
static int cmp_key(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

/* Parses the validators array (ordered, distinct). */
static int parse_validators(const json_t *root, cj_genesis *g, char *err, size_t errlen)
{
    json_t *arr = json_object_get(root, "validators");
    char where[64];
    if (arr == NULL) {
        snprintf(err, errlen, "missing key 'validators'");
        return -1;
    }
    if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > CJ_GENESIS_MAX_VALIDATORS) {
        snprintf(err, errlen, "validators: expected a list of 1..%u public keys", CJ_GENESIS_MAX_VALIDATORS);
        return -1;
    }
    size_t n = json_array_size(arr);
    g->validators = calloc(n, 32);
    uint8_t(*sorted)[32] = calloc(n, 32);
    if (g->validators == NULL || sorted == NULL) {
        free(sorted);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    g->validator_count = n;
    for (size_t i = 0; i < n; i++) {
        snprintf(where, sizeof where, "validators[%zu]", i);
        if (get_key(json_array_get(arr, i), g->validators[i], where, err, errlen) != 0) {
            free(sorted);
            return -1;
        }
    }
    memcpy(sorted, g->validators, n * 32);
    qsort(sorted, n, 32, cmp_key);
    for (size_t i = 1; i < n; i++) {
        if (memcmp(sorted[i - 1], sorted[i], 32) == 0) {
            char hex[65];
            coinjecture_hex_encode(sorted[i], 32, hex, sizeof hex);
            snprintf(err, errlen, "validators: %s is listed twice", hex);
            free(sorted);
            return -1;
        }
    }
    free(sorted);
    return 0;
}

/* Parses the allocations array: strict objects, distinct keys, total within u64. */
static int parse_allocs(const json_t *root, cj_genesis *g, char *err, size_t errlen)
{
    json_t *arr = json_object_get(root, "allocations");
    char where[64];
    if (arr == NULL) {
        snprintf(err, errlen, "missing key 'allocations'");
        return -1;
    }
    if (!json_is_array(arr) || json_array_size(arr) > CJ_GENESIS_MAX_ALLOCATIONS) {
        snprintf(err, errlen, "allocations: expected a list of at most %u {pubkey, balance} objects",
                 CJ_GENESIS_MAX_ALLOCATIONS);
        return -1;
    }
    size_t n = json_array_size(arr);
    if (n == 0)
        return 0;
    g->allocs = calloc(n, sizeof *g->allocs);
    cj_genesis_alloc *sorted = calloc(n, sizeof *sorted);
    if (g->allocs == NULL || sorted == NULL) {
        free(sorted);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    g->alloc_count = n;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i);
        const char *k;
        json_t *v;
        const char *why = NULL;
        if (!json_is_object(o)) {
            snprintf(err, errlen, "allocations[%zu]: expected an object {\"pubkey\", \"balance\"}", i);
            goto fail;
        }
        json_object_foreach(o, k, v)
        {
            if (strcmp(k, "pubkey") != 0 && strcmp(k, "balance") != 0) {
                snprintf(err, errlen, "allocations[%zu]: unknown key '%s'", i, k);
                goto fail;
            }
        }
        snprintf(where, sizeof where, "allocations[%zu].pubkey", i);
        if (json_object_get(o, "pubkey") == NULL || json_object_get(o, "balance") == NULL) {
            snprintf(err, errlen, "allocations[%zu]: needs both 'pubkey' and 'balance'", i);
            goto fail;
        }
        if (get_key(json_object_get(o, "pubkey"), g->allocs[i].pubkey, where, err, errlen) != 0)
            goto fail;
        if (cj_json_u64(json_object_get(o, "balance"), &g->allocs[i].balance, &why) != 0) {
            snprintf(err, errlen, "allocations[%zu].balance: %s", i, why);
            goto fail;
        }
        if (g->allocs[i].balance > UINT64_MAX - total) {
            snprintf(err, errlen, "allocations: the total balance exceeds 2^64-1 (at allocations[%zu])", i);
            goto fail;
        }
        total += g->allocs[i].balance;
    }
    memcpy(sorted, g->allocs, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_alloc);
    for (size_t i = 1; i < n; i++) {
        if (memcmp(sorted[i - 1].pubkey, sorted[i].pubkey, 32) == 0) {
            char hex[65];
            coinjecture_hex_encode(sorted[i].pubkey, 32, hex, sizeof hex);
            snprintf(err, errlen, "allocations: %s is allocated twice", hex);
            goto fail;
        }
    }
    free(sorted);
    return 0;
fail:
    free(sorted);
    return -1;
}

/* Checks the network name: short, printable, no spaces or quotes. */
static int network_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > CJ_GENESIS_MAX_NETWORK)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-'))
            return 0;
    }
    return 1;
}

/* Parses a genesis document strictly; on failure *out is zeroed. */
int cj_genesis_parse(const char *json, size_t len, cj_genesis *out, char *err, size_t errlen)
{
    json_error_t jerr;
    const char *k;
    json_t *v;
    uint64_t t;
    memset(out, 0, sizeof *out);
    if (json == NULL) {
        snprintf(err, errlen, "no genesis text");
        return -1;
    }
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        snprintf(err, errlen, "line %d column %d: invalid JSON: %s%s", jerr.line, jerr.column, jerr.text,
                 strstr(jerr.text, "too big") ? " (write integers above 2^63-1 as decimal strings)" : "");
        return -1;
    }
    if (!json_is_object(root)) {
        snprintf(err, errlen, "the genesis must be a JSON object");
        goto fail;
    }
    json_object_foreach(root, k, v)
    {
        int known = 0;
        for (size_t i = 0; i < NGKEYS; i++)
            known |= strcmp(k, GENESIS_KEYS[i]) == 0;
        if (!known) {
            snprintf(err, errlen, "unknown key '%s'", k);
            goto fail;
        }
    }
    out->rules_version = 1; /* files from before rules_version existed: refused by the chain, with the reason */
    if (json_object_get(root, "rules_version") != NULL) {
        if (get_u64(root, "rules_version", 1, 1000, &t, err, errlen) != 0)
            goto fail;
        out->rules_version = (uint32_t)t;
    }
    if (get_u64(root, "chain_id", 0, UINT64_MAX, &out->chain_id, err, errlen) != 0)
        goto fail;
    v = json_object_get(root, "network");
    if (v == NULL || !json_is_string(v) || !network_ok(json_string_value(v))) {
        snprintf(err, errlen, "%s", v == NULL ? "missing key 'network'"
                                              : "network: expected 1..64 characters of A-Z a-z 0-9 . _ -");
        goto fail;
    }
    snprintf(out->network, sizeof out->network, "%s", json_string_value(v));
    if (get_u64(root, "genesis_time", 0, (uint64_t)INT64_MAX, &t, err, errlen) != 0)
        goto fail;
    out->genesis_time = (int64_t)t;
    if (get_u64(root, "block_time_ms", 100, 3600000, &out->block_time_ms, err, errlen) != 0)
        goto fail;
    if (get_u64(root, "epoch_length", 1, 1000000, &out->epoch_length, err, errlen) != 0)
        goto fail;
    if (parse_validators(root, out, err, errlen) != 0 || parse_allocs(root, out, err, errlen) != 0)
        goto fail;
    json_decref(root);
    return 0;
fail:
    json_decref(root);
    cj_genesis_free(out);
    return -1;
}

/* Reads a genesis file (size-capped) and parses it; messages carry the path. */
int cj_genesis_load(const char *path, cj_genesis *out, char *err, size_t errlen)
{
    char msg[512];
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "genesis file %s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > CJ_GENESIS_MAX_FILE) {
        snprintf(err, errlen, "genesis file %s: not a regular file of at most %u bytes", path, CJ_GENESIS_MAX_FILE);
        fclose(f);
        return -1;
    }
    size_t n = (size_t)st.st_size;
    char *buf = malloc(n ? n : 1);
    if (buf == NULL || fread(buf, 1, n, f) != n) {
        snprintf(err, errlen, "genesis file %s: cannot read", path);
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    int rc = cj_genesis_parse(buf, n, out, msg, sizeof msg);
    free(buf);
    if (rc != 0)
        snprintf(err, errlen, "genesis file %s: %s", path, msg);
    return rc;
}

/* Writes the canonical JSON text (used by `init` for the data-dir copy and by tests). */
char *cj_genesis_to_json(const cj_genesis *g)
{
    json_t *root = json_object();
    json_t *vals = json_array();
    json_t *allocs = json_array();
    char *text = NULL;
    if (root == NULL || vals == NULL || allocs == NULL)
        goto out;
    for (size_t i = 0; i < g->validator_count; i++)
        if (json_array_append_new(vals, cj_json_hex(g->validators[i], 32)) != 0)
            goto out;
    for (size_t i = 0; i < g->alloc_count; i++) {
        json_t *o = json_object();
        if (o == NULL || json_object_set_new(o, "pubkey", cj_json_hex(g->allocs[i].pubkey, 32)) != 0 ||
            json_object_set_new(o, "balance", cj_json_from_u64(g->allocs[i].balance)) != 0 ||
            json_array_append_new(allocs, o) != 0)
            goto out;
    }
    if (json_object_set_new(root, "rules_version", json_integer(g->rules_version)) != 0 ||
        json_object_set_new(root, "chain_id", cj_json_from_u64(g->chain_id)) != 0 ||
        json_object_set_new(root, "network", json_string(g->network)) != 0 ||
        json_object_set_new(root, "genesis_time", json_integer(g->genesis_time)) != 0 ||
        json_object_set_new(root, "block_time_ms", cj_json_from_u64(g->block_time_ms)) != 0 ||
        json_object_set_new(root, "epoch_length", cj_json_from_u64(g->epoch_length)) != 0 ||
        json_object_set(root, "validators", vals) != 0 || json_object_set(root, "allocations", allocs) != 0)
        goto out;
    text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
out:
    json_decref(vals);
    json_decref(allocs);
    json_decref(root);
    return text;
}
