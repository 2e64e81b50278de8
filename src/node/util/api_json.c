/* JSON <-> struct conversion for the HTTP API: blocks, transactions, accounts, errors. Pure. */
#include "api_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads an unsigned 64-bit value from a JSON integer or canonical decimal string. */
int cj_json_u64(const json_t *v, uint64_t *out, const char **why)
{
    const char *dummy;
    if (why == NULL)
        why = &dummy;
    if (v == NULL || out == NULL) {
        *why = "missing";
        return -1;
    }
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 0) {
            *why = "must not be negative";
            return -1;
        }
        *out = (uint64_t)i;
        return 0;
    }
    if (json_is_real(v)) {
        *why = "must be an integer (no fraction or exponent)";
        return -1;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        uint64_t acc = 0;
        if (n == 0 || n > 20 || (n > 1 && s[0] == '0')) {
            *why = n > 20 ? "exceeds 2^64-1" : "must be a decimal string without sign or leading zeros";
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            if (s[i] < '0' || s[i] > '9') {
                *why = "must be a decimal string without sign or leading zeros";
                return -1;
            }
            unsigned d = (unsigned)(s[i] - '0');
            if (acc > (UINT64_MAX - d) / 10) {
                *why = "exceeds 2^64-1";
                return -1;
            }
            acc = acc * 10 + d;
        }
        *out = acc;
        return 0;
    }
    *why = "must be an unsigned integer (a JSON number, or a decimal string above 2^63-1)";
    return -1;
}

/* Emits a u64 losslessly: a JSON integer when it fits json_int_t, otherwise a decimal string. */
json_t *cj_json_from_u64(uint64_t v)
{
    if (v <= (uint64_t)INT64_MAX)
        return json_integer((json_int_t)v);
    char buf[24];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
    return json_string(buf);
}

/* Encodes bytes as a lowercase hex JSON string. */
json_t *cj_json_hex(const uint8_t *bytes, size_t len)
{
    char small[256];
    char *buf = len * 2 + 1 <= sizeof small ? small : malloc(len * 2 + 1);
    if (buf == NULL)
        return NULL;
    if (coinjecture_hex_encode(bytes, len, buf, len * 2 + 1) != COINJ_OK) {
        if (buf != small)
            free(buf);
        return NULL;
    }
    json_t *s = json_stringn(buf, len * 2);
    if (buf != small)
        free(buf);
    return s;
}

/* Strips an optional 0x prefix and returns the digits and their count. */
static const char *hex_body(const json_t *v, size_t *n)
{
    const char *s = json_string_value(v);
    *n = json_string_length(v);
    if (*n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        *n -= 2;
    }
    return s;
}

/* Whether n characters are all hex digits. */
static int all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return 0;
    }
    return 1;
}

/* Decodes a fixed-length hex field with a reason on failure. */
int cj_json_hex_fixed(const json_t *v, uint8_t *out, size_t len, const char **why)
{
    const char *dummy;
    size_t n;
    if (why == NULL)
        why = &dummy;
    if (v == NULL || !json_is_string(v)) {
        *why = "expected a hex string";
        return -1;
    }
    const char *s = hex_body(v, &n);
    if (n != 2 * len) {
        *why = len == 32 ? "expected 64 hex digits" : len == 64 ? "expected 128 hex digits" : "wrong hex length";
        return -1;
    }
    if (!all_hex(s, n)) {
        *why = "invalid hex digit";
        return -1;
    }
    char tmp[2 * 64 + 1];
    if (n >= sizeof tmp) {
        *why = "wrong hex length";
        return -1;
    }
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (coinjecture_hex_decode(tmp, out, len) != COINJ_OK) {
        *why = "invalid hex";
        return -1;
    }
    return 0;
}

/* Adds key -> value to obj, taking ownership; fails on NULL value (OOM upstream). */
static int put(json_t *obj, const char *key, json_t *value)
{
    if (value == NULL)
        return -1;
    return json_object_set_new(obj, key, value);
}

/* Every transaction field plus tx_hash and fee. */
json_t *cj_json_tx(const coinjecture_tx *tx)
{
    uint8_t h[32];
    if (tx == NULL || coinjecture_tx_hash(tx, h) != COINJ_OK)
        return NULL;
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int bad = put(o, "tx_hash", cj_json_hex(h, 32)) | put(o, "codec_version", json_integer(tx->codec_version)) |
              put(o, "tx_type", json_integer(tx->tx_type)) | put(o, "from", cj_json_hex(tx->from, 32)) |
              put(o, "to", cj_json_hex(tx->to, 32)) | put(o, "amount", cj_json_from_u64(tx->amount)) |
              put(o, "nonce", cj_json_from_u64(tx->nonce)) | put(o, "gas_limit", cj_json_from_u64(tx->gas_limit)) |
              put(o, "gas_price", cj_json_from_u64(tx->gas_price)) |
              put(o, "signature", cj_json_hex(tx->signature, 64)) |
              put(o, "data", cj_json_hex(tx->data, tx->data_len)) | put(o, "timestamp", json_integer(tx->timestamp));
    if (tx->gas_price == 0 || tx->gas_limit <= UINT64_MAX / tx->gas_price)
        bad |= put(o, "fee", cj_json_from_u64(tx->gas_limit * tx->gas_price));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Every header field; bytes as hex. */
json_t *cj_json_header(const coinjecture_header *h)
{
    json_t *o = json_object();
    if (o == NULL || h == NULL || h->extra_data_len > COINJECTURE_MAX_EXTRA_DATA) {
        json_decref(o);
        return NULL;
    }
    int bad = put(o, "codec_version", json_integer(h->codec_version)) |
              put(o, "block_index", cj_json_from_u64(h->block_index)) |
              put(o, "timestamp", json_integer(h->timestamp)) | put(o, "parent_hash", cj_json_hex(h->parent_hash, 32)) |
              put(o, "merkle_root", cj_json_hex(h->merkle_root, 32)) |
              put(o, "miner_address", cj_json_hex(h->miner_address, 32)) |
              put(o, "commitment", cj_json_hex(h->commitment, 32)) |
              put(o, "difficulty_target", cj_json_from_u64(h->difficulty_target)) |
              put(o, "nonce", cj_json_from_u64(h->nonce)) | put(o, "extra_data", cj_json_hex(h->extra_data, h->extra_data_len));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* JSON array of n signed integers. */
static json_t *int_array(const int64_t *v, uint32_t n)
{
    json_t *a = json_array();
    for (uint32_t i = 0; a != NULL && i < n; i++) {
        if (json_array_append_new(a, json_integer(v[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* The subset-sum reveal: problem, solution, miner salt and nonce. */
json_t *cj_json_reveal(const coinjecture_reveal *r)
{
    if (r == NULL || r->problem.elements_len > COINJECTURE_MAX_ELEMENTS ||
        r->solution.indices_len > COINJECTURE_MAX_ELEMENTS)
        return NULL;
    json_t *o = json_object(), *p = json_object(), *s = json_object(), *idx = json_array();
    int bad = o == NULL || p == NULL || s == NULL || idx == NULL;
    for (uint32_t i = 0; !bad && i < r->solution.indices_len; i++)
        bad |= json_array_append_new(idx, json_integer(r->solution.indices[i])) != 0;
    if (!bad) {
        bad |= put(p, "problem_type", json_integer(r->problem.problem_type)) |
               put(p, "tier", json_integer(r->problem.tier)) |
               put(p, "elements", int_array(r->problem.elements, r->problem.elements_len)) |
               put(p, "target", json_integer(r->problem.target)) | put(p, "timestamp", json_integer(r->problem.timestamp));
        bad |= json_object_set(s, "indices", idx) | put(s, "timestamp", json_integer(r->solution.timestamp));
        bad |= json_object_set(o, "problem", p) | json_object_set(o, "solution", s) |
               put(o, "miner_salt", cj_json_hex(r->miner_salt, 32)) | put(o, "nonce", cj_json_from_u64(r->nonce));
    }
    json_decref(p);
    json_decref(s);
    json_decref(idx);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* A whole block: hash, header, transactions, reveal and cid. */
json_t *cj_json_block(const coinjecture_block *b)
{
    uint8_t h[32];
    if (b == NULL || (b->tx_count > 0 && b->transactions == NULL) || coinjecture_header_hash(&b->header, h) != COINJ_OK)
        return NULL;
    json_t *o = json_object(), *txs = json_array();
    int bad = o == NULL || txs == NULL;
    for (uint32_t i = 0; !bad && i < b->tx_count; i++) {
        json_t *t = cj_json_tx(&b->transactions[i]);
        bad |= t == NULL || json_array_append_new(txs, t) != 0;
    }
    if (!bad) {
        bad |= put(o, "block_hash", cj_json_hex(h, 32)) | put(o, "height", cj_json_from_u64(b->header.block_index)) |
               put(o, "tx_count", json_integer(b->tx_count)) | put(o, "header", cj_json_header(&b->header)) |
               json_object_set(o, "transactions", txs) | put(o, "reveal", cj_json_reveal(&b->reveal));
        json_t *cid = b->cid ? json_string(b->cid) : json_null();
        if (cid == NULL && b->cid != NULL) /* not UTF-8: show the bytes instead */
            bad |= put(o, "cid", json_null()) | put(o, "cid_hex", cj_json_hex((const uint8_t *)b->cid, strlen(b->cid)));
        else
            bad |= put(o, "cid", cid);
    }
    json_decref(txs);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* An account view keyed by public key, with the derived address. */
json_t *cj_json_account(const uint8_t pubkey[32], uint64_t balance, uint64_t nonce)
{
    uint8_t addr[32];
    if (pubkey == NULL || coinjecture_derive_address(pubkey, addr) != COINJ_OK)
        return NULL;
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    if (put(o, "pubkey", cj_json_hex(pubkey, 32)) | put(o, "address", cj_json_hex(addr, 32)) |
        put(o, "balance", cj_json_from_u64(balance)) | put(o, "nonce", cj_json_from_u64(nonce))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static const char *const TX_FIELDS[] = {"from",      "to",        "amount",  "nonce",         "gas_limit",
                                        "gas_price", "signature", "data",    "timestamp",     "tx_type",
                                        "codec_version", "tx_hash"};

/* Reads a required u64 field of the tx body. */
static int tx_u64(const json_t *root, const char *key, uint64_t *out, char *err, size_t errlen)
{
    const char *why = NULL;
    json_t *v = json_object_get(root, key);
    if (v == NULL) {
        snprintf(err, errlen, "%s: missing", key);
        return -1;
    }
    if (cj_json_u64(v, out, &why) != 0) {
        snprintf(err, errlen, "%s: %s", key, why);
        return -1;
    }
    return 0;
}

/* Reads an optional small integer field within [min, max] (default when absent). */
static int tx_small(const json_t *root, const char *key, long min, long max, long def, long *out, char *err,
                    size_t errlen)
{
    json_t *v = json_object_get(root, key);
    if (v == NULL) {
        *out = def;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        snprintf(err, errlen, "%s: must be an integer %ld..%ld", key, min, max);
        return -1;
    }
    *out = (long)json_integer_value(v);
    return 0;
}

/* Parses and checks a submitted transaction body. */
int cj_json_parse_tx(const char *body, size_t len, coinjecture_tx *out, char *err, size_t errlen)
{
    json_error_t jerr;
    memset(out, 0, sizeof *out);
    if (body == NULL || len == 0) {
        snprintf(err, errlen, "empty body: expected a JSON object with the transaction fields");
        return -1;
    }
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        snprintf(err, errlen, "invalid JSON at line %d column %d: %s%s", jerr.line, jerr.column, jerr.text,
                 strstr(jerr.text, "too big") ? " (send integers above 2^63-1 as decimal strings)" : "");
        return -1;
    }
    int rc = cj_json_tx_from_value(root, out, err, errlen);
    json_decref(root);
    return rc;
}

/* Checks one transaction object (a request body, or an element of a batch) field by field. */
int cj_json_tx_from_value(json_t *root, coinjecture_tx *out, char *err, size_t errlen)
{
    const char *why = NULL;
    const char *k;
    json_t *v;
    long small;
    uint8_t *data = NULL;
    memset(out, 0, sizeof *out);
    if (!json_is_object(root)) {
        snprintf(err, errlen, "expected a JSON object with the transaction fields");
        goto fail;
    }
    json_object_foreach(root, k, v)
    {
        int known = 0;
        for (size_t i = 0; i < sizeof TX_FIELDS / sizeof TX_FIELDS[0]; i++)
            known |= strcmp(k, TX_FIELDS[i]) == 0;
        if (!known) {
            snprintf(err, errlen, "unknown field '%.64s'", k);
            goto fail;
        }
    }
    if (json_object_get(root, "from") == NULL || cj_json_hex_fixed(json_object_get(root, "from"), out->from, 32, &why) != 0) {
        snprintf(err, errlen, "from: %s", json_object_get(root, "from") ? why : "missing");
        goto fail;
    }
    if (json_object_get(root, "to") == NULL || cj_json_hex_fixed(json_object_get(root, "to"), out->to, 32, &why) != 0) {
        snprintf(err, errlen, "to: %s", json_object_get(root, "to") ? why : "missing");
        goto fail;
    }
    if (tx_u64(root, "amount", &out->amount, err, errlen) || tx_u64(root, "nonce", &out->nonce, err, errlen) ||
        tx_u64(root, "gas_limit", &out->gas_limit, err, errlen) ||
        tx_u64(root, "gas_price", &out->gas_price, err, errlen))
        goto fail;
    v = json_object_get(root, "signature");
    if (v == NULL || cj_json_hex_fixed(v, out->signature, 64, &why) != 0) {
        snprintf(err, errlen, "signature: %s", v ? why : "missing");
        goto fail;
    }
    v = json_object_get(root, "timestamp");
    if (v == NULL || !json_is_integer(v)) {
        snprintf(err, errlen, "timestamp: %s", v ? "must be an integer (chosen and signed by the client; Unix milliseconds by convention)"
                                                : "missing");
        goto fail;
    }
    out->timestamp = (int64_t)json_integer_value(v);
    if (tx_small(root, "tx_type", 1, 3, 1, &small, err, errlen) != 0)
        goto fail;
    out->tx_type = (uint8_t)small;
    if (tx_small(root, "codec_version", 0, 255, COINJECTURE_CODEC_VERSION, &small, err, errlen) != 0)
        goto fail;
    out->codec_version = (uint8_t)small;
    v = json_object_get(root, "data");
    if (v != NULL) {
        size_t n;
        if (!json_is_string(v)) {
            snprintf(err, errlen, "data: expected a hex string");
            goto fail;
        }
        const char *s = hex_body(v, &n);
        if (n % 2 != 0 || !all_hex(s, n)) {
            snprintf(err, errlen, "data: %s", n % 2 ? "odd number of hex digits" : "invalid hex digit");
            goto fail;
        }
        if (n / 2 > COINJECTURE_MAX_TX_DATA) {
            snprintf(err, errlen, "data: %zu bytes exceeds the limit of %u", n / 2, COINJECTURE_MAX_TX_DATA);
            goto fail;
        }
        if (n > 0) {
            char *tmp = malloc(n + 1);
            data = malloc(n / 2);
            if (tmp == NULL || data == NULL) {
                free(tmp);
                snprintf(err, errlen, "out of memory");
                goto fail;
            }
            memcpy(tmp, s, n);
            tmp[n] = '\0';
            CoinjResult rc = coinjecture_hex_decode(tmp, data, n / 2);
            free(tmp);
            if (rc != COINJ_OK) {
                snprintf(err, errlen, "data: invalid hex");
                goto fail;
            }
            out->data = data;
            out->data_len = (uint32_t)(n / 2);
        }
    }
    v = json_object_get(root, "tx_hash");
    if (v != NULL) {
        uint8_t claimed[32], actual[32];
        if (cj_json_hex_fixed(v, claimed, 32, &why) != 0) {
            snprintf(err, errlen, "tx_hash: %s", why);
            goto fail;
        }
        if (coinjecture_tx_hash(out, actual) != COINJ_OK || memcmp(claimed, actual, 32) != 0) {
            snprintf(err, errlen, "tx_hash: does not match the hash of the given fields");
            goto fail;
        }
    }
    return 0;
fail:
    free(data);
    memset(out, 0, sizeof *out);
    return -1;
}

/* Frees a parsed transaction's data. */
void cj_json_tx_free(coinjecture_tx *tx)
{
    if (tx == NULL)
        return;
    free((void *)tx->data);
    memset(tx, 0, sizeof *tx);
}

/* Copies s replacing invalid UTF-8 and control bytes with '?' so jansson accepts it. */
static char *sanitize(const char *s)
{
    size_t n = strlen(s);
    char *o = malloc(n + 1);
    if (o == NULL)
        return NULL;
    size_t i = 0, j = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t l = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        int ok = l > 0 && i + l <= n;
        for (size_t k = 1; ok && k < l; k++)
            ok = ((unsigned char)s[i + k] & 0xC0) == 0x80;
        if (ok && l == 1 && (c < 0x20 || c == 0x7f))
            ok = 0;
        if (ok && l > 1) {
            json_t *probe = json_stringn(s + i, l);
            ok = probe != NULL;
            json_decref(probe);
        }
        if (!ok) {
            o[j++] = '?';
            i++;
        } else {
            memcpy(o + j, s + i, l);
            j += l, i += l;
        }
    }
    o[j] = '\0';
    return o;
}

/* Error body {"error", "details"} as compact JSON text. */
char *cj_json_error_text(const char *error, const char *details)
{
    char *e = sanitize(error ? error : "error"), *d = sanitize(details ? details : "");
    json_t *o = (e && d) ? json_pack("{s:s,s:s}", "error", e, "details", d) : NULL;
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    free(e);
    free(d);
    return text;
}
