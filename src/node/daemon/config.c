/* Table-driven configuration: YAML file (libyaml), environment, flags; sample and effective output. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "chain.h"

#define F(field) offsetof(cj_config, field)
#define MS_MIN 60000ull
#define KIB 1024ull
#define MIB (1024ull * 1024ull)

/* The one table. Defaults are text and go through the same parsers as user input. */
static const cj_config_key TABLE[] = {
    {"node.data_dir", CJ_CFG_STRING, F(data_dir), "./data", 0, 0, 0, 0, NULL, "data-dir", NULL,
     "Data directory: database and the genesis copy made by `coinjectured init`. Several nodes on one host "
     "need distinct data directories."},
    {"node.genesis_file", CJ_CFG_STRING, F(genesis_file), "", 0, 0, 0, 0, NULL, "genesis", NULL,
     "Genesis file (JSON). `init` copies it into the data directory; when running, the copy in the data "
     "directory is used and this file, if set, must describe the same chain."},
    {"node.key_file", CJ_CFG_STRING, F(key_file), "", 0, 0, 0, 0, NULL, "key-file", NULL,
     "Ed25519 key file written by coinjecture-keygen (mode 0600; group/world-readable files are refused). "
     "Empty: run as an observer without a key."},
    {"consensus.enabled", CJ_CFG_BOOL, F(consensus_enabled), "true", 0, 0, 0, 0, NULL, NULL, NULL,
     "Produce blocks when the key belongs to a validator (false: validate and follow only)."},
    {"consensus.crypto_backend", CJ_CFG_ENUM, F(crypto_backend), "reference", 0, 0, 0, 0,
     "reference|accelerated", "crypto-backend", "COINJECTURE_CRYPTO_BACKEND",
     "Hash implementation of the core library: reference (portable C) or accelerated (SHA-NI/AVX2/AVX-512). "
     "Both give identical bytes; the node refuses to start if accelerated cannot run on this CPU."},
    {"consensus.use_rust_bindings", CJ_CFG_BOOL, F(use_rust_bindings), "false", 0, 0, 0, 0, NULL, NULL, NULL,
     "Deprecated key of the original node: true means consensus.crypto_backend: accelerated."},
    {"consensus.validator_key", CJ_CFG_STRING, F(validator_key), "", 0, 0, 0, 0, NULL, NULL, NULL,
     "Key of the original node: this node's public key (64 hex). Optional; if set it must match the key "
     "file."},
    {"consensus.votes", CJ_CFG_LIST, F(consensus_votes), "", 0, 0, 0, 0, NULL, NULL, NULL,
     "Validator-set votes this validator casts in the blocks it seals (docs/CHAIN.md \"Validator votes\"): "
     "entries \"add:<64 hex public key>\" or \"remove:<64 hex public key>\". A change applies at the next epoch "
     "boundary once more than half of the validators voted for it. Also POST /v1/validators/votes (loopback)."},
    {"consensus.shadow_mode.enabled", CJ_CFG_BOOL, F(shadow_enabled), "false", 0, 0, 0, 0, NULL, NULL, NULL,
     "Shadow mode (docs/SHADOW.md): re-hash every block with the other crypto backend and compare our block hashes "
     "with those of compare_with_validator; divergences are logged at critical level, counted in "
     "coinjecture_parity_drifts_total and listed by GET /v1/parity."},
    {"consensus.shadow_mode.compare_with_validator", CJ_CFG_STRING, F(shadow_compare_with), "", 0, 0, 0, 0, NULL,
     NULL, NULL,
     "Validator whose block hashes are compared with ours: its public key (64 hex) or its index in the genesis "
     "validator list. Empty: backend parity only."},
    {"consensus.shadow_mode.alert_on_divergence", CJ_CFG_BOOL, F(shadow_alert_on_divergence), "true", 0, 0, 0, 0,
     NULL, NULL, NULL, "Run alert_command when a divergence is detected."},
    {"consensus.shadow_mode.log_all_comparisons", CJ_CFG_BOOL, F(shadow_log_all), "false", 0, 0, 0, 0, NULL, NULL,
     NULL, "Log every matching comparison at info level, not only divergences."},
    {"consensus.shadow_mode.alert_command", CJ_CFG_STRING, F(shadow_alert_command), "", 0, 0, 0, 0, NULL, NULL, NULL,
     "Shell command run with /bin/sh -c in the background (at most once per height, killed after 60 s) on a "
     "divergence; its environment has COINJECTURE_DIVERGENCE_HEIGHT, _OURS, _THEIRS, _KIND (backend|peer) and "
     "_WHAT."},
    {"api.enabled", CJ_CFG_BOOL, F(api_enabled), "true", 0, 0, 0, 0, NULL, NULL, NULL,
     "Serve the HTTP API (JSON, /metrics, status page)."},
    {"api.host", CJ_CFG_STRING, F(api_host), "127.0.0.1", 0, 0, 0, 0, NULL, NULL, NULL,
     "Address the HTTP API binds to. The API has no authentication: keep it on loopback or behind a proxy."},
    {"api.port", CJ_CFG_PORT, F(api_port), "8081", 1, 65535, 0, 0, NULL, NULL, NULL, "HTTP API port."},
    {"api.read_timeout", CJ_CFG_DURATION, F(api_read_timeout_ms), "10s", 100, 10 * MS_MIN, 0, 0, NULL, NULL,
     NULL, "Longest silence while a client sends a request, and idle time of a kept-alive connection "
     "(libevent 2.1 applies the smaller of the two timeouts)."},
    {"api.write_timeout", CJ_CFG_DURATION, F(api_write_timeout_ms), "10s", 100, 10 * MS_MIN, 0, 0, NULL, NULL,
     NULL, "Time a client has to receive a response."},
    {"api.request_timeout", CJ_CFG_DURATION, F(api_request_timeout_ms), "30s", 100, 10 * MS_MIN, 0, 0, NULL,
     NULL, NULL,
     "Time from a request's first byte until it is complete (headers and body), however steadily bytes "
     "arrive; then the connection is closed, so a client trickling bytes cannot hold it."},
    {"api.max_request_size", CJ_CFG_SIZE, F(api_max_request_size), "3MiB", KIB, 64 * MIB, 0, 0, NULL, NULL,
     NULL, "Largest request body accepted (413 above). A transaction with 1 MiB of data needs about 2.1 MiB."},
    {"api.max_headers_size", CJ_CFG_SIZE, F(api_max_headers_size), "16KiB", KIB, MIB, 0, 0, NULL, NULL, NULL,
     "Largest total size of request line and headers."},
    {"rate_limiter.enabled", CJ_CFG_BOOL, F(rl_enabled), "true", 0, 0, 0, 0, NULL, NULL, NULL,
     "Rate-limit API requests per client IP and globally (token buckets; 429 when empty)."},
    {"rate_limiter.ip_limit", CJ_CFG_U64, F(rl_ip_limit), "100", 1, 1000000, 0, 0, NULL, NULL, NULL,
     "Requests per second allowed per client IP (sustained)."},
    {"rate_limiter.burst_multiplier", CJ_CFG_DOUBLE, F(rl_burst_multiplier), "2", 0, 0, 1.0, 1000.0, NULL,
     NULL, NULL, "Bucket size as a multiple of the per-second limits (burst allowance)."},
    {"rate_limiter.global_limit", CJ_CFG_U64, F(rl_global_limit), "10000", 1, 10000000, 0, 0, NULL, NULL, NULL,
     "Requests per second allowed for all clients together."},
    {"rate_limiter.max_clients", CJ_CFG_U64, F(rl_max_clients), "10000", 16, 10000000, 0, 0, NULL, NULL, NULL,
     "Client IPs tracked at once; idle entries are dropped first, then new clients share one bucket."},
    {"p2p.host", CJ_CFG_STRING, F(p2p_host), "127.0.0.1", 0, 0, 0, 0, NULL, NULL, NULL,
     "Address the peer-to-peer listener binds to (0.0.0.0 for other hosts)."},
    {"p2p.port", CJ_CFG_PORT, F(p2p_port), "9001", 1, 65535, 0, 0, NULL, NULL, NULL, "Peer-to-peer TCP port."},
    {"p2p.bootstrap_peers", CJ_CFG_LIST, F(p2p_bootstrap_peers), "", 0, 0, 0, 0, NULL, "peers", NULL,
     "Static peers as host:port, or KEY@host:port to pin the peer's P2P node key (64 hex digits, its "
     "/v1/status node.p2p_node_key): then only that key is accepted at that address (YAML list, or "
     "comma-separated in env/flags)."},
    {"p2p.max_peers", CJ_CFG_U64, F(p2p_max_peers), "50", 1, 1000, 0, 0, NULL, NULL, NULL,
     "Most peer connections kept at once."},
    {"p2p.ban_time", CJ_CFG_DURATION, F(p2p_ban_time_ms), "10m", 0, 24 * 60 * MS_MIN, 0, 0, NULL, NULL, NULL,
     "How long a misbehaving peer's address stays banned."},
    {"p2p.node_key", CJ_CFG_STRING, F(p2p_node_key), "", 0, 0, 0, 0, NULL, NULL, NULL,
     "P2P identity key file (coinjecture-keygen format); empty: <data_dir>/p2p_node.key, generated on first "
     "start."},
    {"mempool.max_size", CJ_CFG_U64, F(mempool_max_size), "10000", 1, 10000000, 0, 0, NULL, NULL, NULL,
     "Most pending transactions kept (lowest fee evicted first)."},
    {"mempool.max_per_account", CJ_CFG_U64, F(mempool_max_per_account), "100", 1, 1000000, 0, 0, NULL, NULL,
     NULL, "Most pending transactions per sender."},
    {"log.level", CJ_CFG_ENUM, F(log_level), "info", 0, 0, 0, 0, "debug|info|warn|error|critical", "log-level",
     NULL, "Lowest level written."},
    {"log.format", CJ_CFG_ENUM, F(log_format), "human", 0, 0, 0, 0, "human|json", "log-format", NULL,
     "human: one readable line per event; json: one JSON object per line."},
};
#define NKEYS (sizeof TABLE / sizeof TABLE[0])

/* Keys of the original Go node's configs that coinjectured accepts and ignores, with the reason. A
 * pattern matches the key itself and everything below it. Table keys are matched first. */
static const struct {
    const char *pattern;
    const char *why;
} LEGACY[] = {
    {"network", "chain id, network name and genesis time come from the genesis file"},
    {"consensus.validators", "the validator set comes from the genesis file"},
    {"consensus.block_time", "the block time comes from the genesis file"},
    {"consensus.genesis_timestamp", "the genesis time comes from the genesis file"},
    {"consensus.max_block_size", "block limits are consensus constants of the core library"},
    {"consensus.gas_limit_per_block", "block limits are consensus constants of the core library"},
    {"consensus.gas_limit_per_tx", "transaction limits are consensus constants of the core library"},
    {"consensus.fork_choice", "the reorg depth limit (100) is a consensus rule"},
    {"consensus.slashing", "double signs are recorded as evidence (GET /v1/evidence), not slashed"},
    {"consensus.checkpoints", "checkpoints are not used"},
    {"rust", "there is no separate library: use consensus.crypto_backend"},
    {"p2p.listen_addrs", "use p2p.host and p2p.port"},
    {"p2p.external_addr", "peers are static: use p2p.bootstrap_peers on the other nodes"},
    {"p2p.discovery", "peers are static (p2p.bootstrap_peers)"},
    {"p2p.quarantine_threshold", "peer scoring uses fixed thresholds"},
    {"p2p.equilibrium_lambda", "not used"},
    {"p2p.broadcast_interval_ms", "blocks and transactions are relayed at once"},
    {"p2p.peer_scoring_enabled", "peer scoring is always on"},
    {"api.cors", "no CORS headers are sent"},
    {"api.enable_cors", "no CORS headers are sent"},
    {"api.auth", "the API has no authentication; keep it on loopback or behind a proxy"},
    {"api.tls", "terminate TLS in a reverse proxy"},
    {"api.trusted_proxies", "the client IP is the TCP peer address"},
    {"database", "the database lives in node.data_dir"},
    {"logger", "use log.level and log.format"},
    {"monitoring", "not used"},
    {"mempool", "not used (mempool.max_size and mempool.max_per_account are)"},
    {"features", "there is one canonical codec, no codec modes"},
    {"ipfs", "IPFS is not used"},
    {"rate_limiter", "not used (enabled, ip_limit, burst_multiplier, global_limit, max_clients are)"},
    {"metrics", "metrics are served at /metrics on the API port"},
};
#define NLEGACY (sizeof LEGACY / sizeof LEGACY[0])

/* Exposes the table to the sample writer, tests and flag parser. */
const cj_config_key *cj_config_table(size_t *count)
{
    if (count != NULL)
        *count = NKEYS;
    return TABLE;
}

/* Finds a key by its dotted name. */
long cj_config_find(const char *key)
{
    for (size_t i = 0; key != NULL && i < NKEYS; i++)
        if (strcmp(TABLE[i].key, key) == 0)
            return (long)i;
    return -1;
}

/* Derives the long flag name of a key: dots and underscores become dashes. */
static void flag_name(size_t i, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = TABLE[i].key; *p && o + 1 < cap; p++)
        out[o++] = (*p == '.' || *p == '_') ? '-' : *p;
    out[o] = '\0';
}

/* Maps a long flag (without dashes) to its key, through the derived name or the alias. */
long cj_config_find_flag(const char *flag)
{
    char name[128];
    for (size_t i = 0; flag != NULL && i < NKEYS; i++) {
        flag_name(i, name, sizeof name);
        if (strcmp(name, flag) == 0 || (TABLE[i].flag_alias != NULL && strcmp(TABLE[i].flag_alias, flag) == 0))
            return (long)i;
    }
    return -1;
}

/* Derives the environment variable of a key: COINJECTURE_ + upper-case key with dots as underscores. */
void cj_config_env_name(size_t i, char *out, size_t cap)
{
    if (cap == 0)
        return;
    size_t o = (size_t)snprintf(out, cap, "COINJECTURE_");
    for (const char *p = TABLE[i].key; i < NKEYS && *p && o + 1 < cap; p++)
        out[o++] = *p == '.' ? '_' : (char)toupper((unsigned char)*p);
    out[o < cap ? o : cap - 1] = '\0';
}

/* Records a warning to be logged after logging is configured. */
void cj_config_warn(cj_config *c, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **nw = realloc(c->warnings, (c->warning_count + 1) * sizeof *nw);
    if (nw == NULL)
        return;
    c->warnings = nw;
    char *s = strdup(buf);
    if (s != NULL)
        c->warnings[c->warning_count++] = s;
}

/* Strict unsigned decimal: digits only, no sign, no overflow. */
int cj_config_parse_u64(const char *s, uint64_t *out)
{
    if (s == NULL || *s == '\0' || out == NULL)
        return -1;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* Accepts the usual YAML/env spellings of booleans. */
int cj_config_parse_bool(const char *s, int *out)
{
    static const char *const t[] = {"true", "yes", "on", "1"};
    static const char *const f[] = {"false", "no", "off", "0"};
    if (s == NULL || out == NULL)
        return -1;
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, t[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(s, f[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

/* Go-style durations made of integer+unit parts (ms, s, m, h); "0" alone is allowed. */
int cj_config_parse_duration_ms(const char *s, uint64_t *out)
{
    if (s == NULL || *s == '\0' || out == NULL)
        return -1;
    if (strcmp(s, "0") == 0) {
        *out = 0;
        return 0;
    }
    uint64_t total = 0;
    const char *p = s;
    while (*p) {
        if (*p < '0' || *p > '9')
            return -1;
        uint64_t v = 0;
        while (*p >= '0' && *p <= '9') {
            unsigned d = (unsigned)(*p - '0');
            if (v > (UINT64_MAX - d) / 10)
                return -1;
            v = v * 10 + d;
            p++;
        }
        uint64_t mul;
        if (strncmp(p, "ms", 2) == 0)
            mul = 1, p += 2;
        else if (*p == 's')
            mul = 1000, p++;
        else if (*p == 'm')
            mul = 60000, p++;
        else if (*p == 'h')
            mul = 3600000, p++;
        else
            return -1;
        if (v > UINT64_MAX / mul || total > UINT64_MAX - v * mul)
            return -1;
        total += v * mul;
    }
    *out = total;
    return 0;
}

/* Byte sizes: integer with an optional unit (B, KB, KiB, MB, MiB, GB, GiB; case-insensitive). */
int cj_config_parse_size(const char *s, uint64_t *out)
{
    static const struct {
        const char *unit;
        uint64_t mul;
    } units[] = {{"", 1},           {"b", 1},      {"kb", 1000},         {"kib", 1024},
                 {"mb", 1000000},   {"mib", MIB},  {"gb", 1000000000ull}, {"gib", 1024ull * MIB}};
    if (s == NULL || out == NULL || *s < '0' || *s > '9')
        return -1;
    uint64_t v = 0;
    const char *p = s;
    while (*p >= '0' && *p <= '9') {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
        p++;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcasecmp(p, units[i].unit) == 0) {
            if (v > UINT64_MAX / units[i].mul)
                return -1;
            *out = v * units[i].mul;
            return 0;
        }
    }
    return -1;
}

/* Shortest exact duration text, so printed configs read back to the same value. */
void cj_config_format_duration(uint64_t ms, char *out, size_t cap)
{
    if (ms == 0) {
        snprintf(out, cap, "0s");
        return;
    }
    char buf[96] = "";
    size_t o = 0;
    uint64_t h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60, r = ms % 1000;
    if (h)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%lluh", (unsigned long long)h);
    if (m)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%llum", (unsigned long long)m);
    if (s)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%llus", (unsigned long long)s);
    if (r)
        snprintf(buf + o, sizeof buf - o, "%llums", (unsigned long long)r);
    snprintf(out, cap, "%s", buf);
}

/* Shortest exact size text in binary units. */
void cj_config_format_size(uint64_t bytes, char *out, size_t cap)
{
    if (bytes != 0 && bytes % (1024ull * MIB) == 0)
        snprintf(out, cap, "%lluGiB", (unsigned long long)(bytes / (1024ull * MIB)));
    else if (bytes != 0 && bytes % MIB == 0)
        snprintf(out, cap, "%lluMiB", (unsigned long long)(bytes / MIB));
    else if (bytes != 0 && bytes % KIB == 0)
        snprintf(out, cap, "%lluKiB", (unsigned long long)(bytes / KIB));
    else
        snprintf(out, cap, "%llu", (unsigned long long)bytes);
}

/* Releases a string list. */
static void strlist_free(cj_strlist *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

/* Appends a copy of s to a list. */
static int strlist_push(cj_strlist *l, const char *s)
{
    char **n = realloc(l->items, (l->count + 1) * sizeof *n);
    if (n == NULL)
        return -1;
    l->items = n;
    if ((l->items[l->count] = strdup(s)) == NULL)
        return -1;
    l->count++;
    return 0;
}

/* Splits comma-separated text into a list, trimming blanks and dropping empty items. */
static int strlist_from_text(const char *text, cj_strlist *out)
{
    cj_strlist l = {0};
    const char *p = text;
    while (p != NULL && *p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n > 0 && isspace((unsigned char)*p))
            p++, n--;
        while (n > 0 && isspace((unsigned char)p[n - 1]))
            n--;
        if (n > 0) {
            char *item = strndup(p, n);
            if (item == NULL || strlist_push(&l, item) != 0) {
                free(item);
                strlist_free(&l);
                return -1;
            }
            free(item);
        }
        p = e ? e + 1 : NULL;
    }
    *out = l;
    return 0;
}

/* Writes the allowed range of a numeric key in its own units for error messages. */
static void range_text(const cj_config_key *k, char *out, size_t cap)
{
    char a[48], b[48];
    if (k->type == CJ_CFG_DURATION) {
        cj_config_format_duration(k->min, a, sizeof a);
        cj_config_format_duration(k->max, b, sizeof b);
    } else if (k->type == CJ_CFG_SIZE) {
        cj_config_format_size(k->min, a, sizeof a);
        cj_config_format_size(k->max, b, sizeof b);
    } else if (k->type == CJ_CFG_DOUBLE) {
        snprintf(a, sizeof a, "%g", k->dmin);
        snprintf(b, sizeof b, "%g", k->dmax);
    } else {
        snprintf(a, sizeof a, "%llu", (unsigned long long)k->min);
        snprintf(b, sizeof b, "%llu", (unsigned long long)k->max);
    }
    snprintf(out, cap, "%s..%s", a, b);
}

/* Whether value is one of the '|'-separated choices. */
static int enum_ok(const char *choices, const char *value)
{
    size_t n = strlen(value);
    const char *p = choices;
    while (p != NULL && *p) {
        const char *e = strchr(p, '|');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == n && strncmp(p, value, n) == 0)
            return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

/* Parses text for table entry i and stores it, replacing the old value. */
static int set_index(cj_config *c, size_t i, const char *value, cj_cfg_source src, int line, char *err,
                     size_t errlen)
{
    const cj_config_key *k = &TABLE[i];
    char *base = (char *)c + k->offset;
    char range[128];
    uint64_t v = 0;
    switch (k->type) {
    case CJ_CFG_STRING:
    case CJ_CFG_ENUM: {
        if (k->type == CJ_CFG_ENUM && !enum_ok(k->choices, value)) {
            snprintf(err, errlen, "%s: '%s' is not one of %s", k->key, value, k->choices);
            return -1;
        }
        char *dup = strdup(value);
        if (dup == NULL) {
            snprintf(err, errlen, "%s: out of memory", k->key);
            return -1;
        }
        char **slot = (char **)(void *)base;
        free(*slot);
        *slot = dup;
        break;
    }
    case CJ_CFG_BOOL: {
        int b;
        if (cj_config_parse_bool(value, &b) != 0) {
            snprintf(err, errlen, "%s: '%s' is not a boolean (true or false)", k->key, value);
            return -1;
        }
        *(int *)(void *)base = b;
        break;
    }
    case CJ_CFG_U64:
    case CJ_CFG_PORT:
    case CJ_CFG_DURATION:
    case CJ_CFG_SIZE: {
        int rc = k->type == CJ_CFG_DURATION ? cj_config_parse_duration_ms(value, &v)
                 : k->type == CJ_CFG_SIZE   ? cj_config_parse_size(value, &v)
                                            : cj_config_parse_u64(value, &v);
        if (rc != 0) {
            if (k->type == CJ_CFG_DURATION)
                snprintf(err, errlen, "%s: bad duration '%s' (use a number with a unit, e.g. 500ms, 2s, 1m)",
                         k->key, value);
            else if (k->type == CJ_CFG_SIZE)
                snprintf(err, errlen, "%s: bad size '%s' (use e.g. 65536, 64KiB, 3MiB)", k->key, value);
            else if (k->type == CJ_CFG_PORT)
                snprintf(err, errlen, "%s: bad port '%s' (expected an integer 1..65535)", k->key, value);
            else
                snprintf(err, errlen, "%s: '%s' is not a non-negative integer", k->key, value);
            return -1;
        }
        if (v < k->min || v > k->max) {
            range_text(k, range, sizeof range);
            snprintf(err, errlen, "%s: '%s' is out of range %s", k->key, value, range);
            return -1;
        }
        *(uint64_t *)(void *)base = v;
        break;
    }
    case CJ_CFG_DOUBLE: {
        char *end = NULL;
        errno = 0;
        double d = (*value == '\0' || isspace((unsigned char)*value)) ? NAN : strtod(value, &end);
        if (end == NULL || *end != '\0' || errno != 0 || !isfinite(d)) {
            snprintf(err, errlen, "%s: '%s' is not a number", k->key, value);
            return -1;
        }
        if (d < k->dmin || d > k->dmax) {
            range_text(k, range, sizeof range);
            snprintf(err, errlen, "%s: '%s' is out of range %s", k->key, value, range);
            return -1;
        }
        *(double *)(void *)base = d;
        break;
    }
    case CJ_CFG_LIST: {
        cj_strlist l;
        if (strlist_from_text(value, &l) != 0) {
            snprintf(err, errlen, "%s: out of memory", k->key);
            return -1;
        }
        cj_strlist *slot = (cj_strlist *)(void *)base;
        strlist_free(slot);
        *slot = l;
        break;
    }
    }
    c->src[i] = src;
    c->line[i] = line;
    return 0;
}

/* Public setter by key name. */
int cj_config_set(cj_config *c, const char *key, const char *value, cj_cfg_source src, int line, char *err,
                  size_t errlen)
{
    long i = cj_config_find(key);
    if (c == NULL || value == NULL) {
        snprintf(err, errlen, "internal: NULL argument");
        return -1;
    }
    if (i < 0) {
        snprintf(err, errlen, "unknown key '%s'", key ? key : "(null)");
        return -1;
    }
    return set_index(c, (size_t)i, value, src, line, err, errlen);
}

/* Fills every key with its default. */
int cj_config_init(cj_config *c)
{
    char err[256];
    memset(c, 0, sizeof *c);
    c->src = calloc(NKEYS, sizeof *c->src);
    c->line = calloc(NKEYS, sizeof *c->line);
    if (c->src == NULL || c->line == NULL) {
        cj_config_free(c);
        return -1;
    }
    for (size_t i = 0; i < NKEYS; i++) {
        if (set_index(c, i, TABLE[i].def, CJ_SRC_DEFAULT, 0, err, sizeof err) != 0) {
            cj_config_free(c);
            return -1;
        }
    }
    return 0;
}

/* Frees every string and list the table points at, plus bookkeeping. */
void cj_config_free(cj_config *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < NKEYS; i++) {
        char *base = (char *)c + TABLE[i].offset;
        if (TABLE[i].type == CJ_CFG_STRING || TABLE[i].type == CJ_CFG_ENUM)
            free(*(char **)(void *)base);
        else if (TABLE[i].type == CJ_CFG_LIST)
            strlist_free((cj_strlist *)(void *)base);
    }
    for (size_t i = 0; i < c->warning_count; i++)
        free(c->warnings[i]);
    free(c->warnings);
    free(c->src);
    free(c->line);
    free(c->file);
    memset(c, 0, sizeof *c);
}

/* ---- YAML file ---- */

/* Levenshtein distance (capped inputs) for "did you mean" suggestions. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 99;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t sub = prev + (a[i - 1] != b[j - 1]);
            size_t del = row[j] + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            prev = cur;
        }
    }
    return row[lb];
}

/* Closest table key to an unknown one, or NULL if none is close. */
static const char *suggest(const char *key)
{
    const char *best = NULL;
    size_t bd = 4;
    for (size_t i = 0; i < NKEYS; i++) {
        size_t d = edit_distance(key, TABLE[i].key);
        if (d < bd)
            bd = d, best = TABLE[i].key;
    }
    return best;
}

/* Legacy entry matching path (the key itself or something below it), or -1. */
static long legacy_find(const char *path)
{
    for (size_t i = 0; i < NLEGACY; i++) {
        size_t n = strlen(LEGACY[i].pattern);
        if (strncmp(path, LEGACY[i].pattern, n) == 0 && (path[n] == '\0' || path[n] == '.'))
            return (long)i;
    }
    return -1;
}

/* Whether path names a section that holds table keys (e.g. "api"). */
static int is_section(const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < NKEYS; i++)
        if (strncmp(TABLE[i].key, path, n) == 0 && TABLE[i].key[n] == '.')
            return 1;
    return 0;
}

/* Whether a scalar node is YAML null (plain "", "~", "null"). */
static int scalar_is_null(const yaml_node_t *n)
{
    const char *v = (const char *)n->data.scalar.value;
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    return *v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
           strcmp(v, "NULL") == 0;
}

typedef struct {
    cj_config *c;
    yaml_document_t *doc;
    const char *name;
    int *seen_line; /* per table key: line where this file set it, 0 if not */
    char *err;
    size_t errlen;
} yaml_walk;

/* Applies one key's YAML value (scalar or sequence) to the table entry. */
static int apply_value(yaml_walk *w, size_t idx, yaml_node_t *v, int line, int col)
{
    const cj_config_key *k = &TABLE[idx];
    char msg[512];
    if (w->seen_line[idx] != 0) {
        snprintf(w->err, w->errlen, "%s:%d:%d: duplicate key '%s' (first set on line %d)", w->name, line, col,
                 k->key, w->seen_line[idx]);
        return -1;
    }
    w->seen_line[idx] = line;
    if (v->type == YAML_MAPPING_NODE) {
        snprintf(w->err, w->errlen, "%s:%d:%d: %s: expected a value, got a mapping", w->name, line, col, k->key);
        return -1;
    }
    if (v->type == YAML_SEQUENCE_NODE) {
        if (k->type != CJ_CFG_LIST) {
            snprintf(w->err, w->errlen, "%s:%d:%d: %s: expected a single value, got a list", w->name, line, col,
                     k->key);
            return -1;
        }
        cj_strlist l = {0};
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
            yaml_node_t *item = yaml_document_get_node(w->doc, *it);
            if (item == NULL || item->type != YAML_SCALAR_NODE) {
                strlist_free(&l);
                snprintf(w->err, w->errlen, "%s:%d:%d: %s: list items must be plain values", w->name,
                         item ? (int)item->start_mark.line + 1 : line, item ? (int)item->start_mark.column + 1 : col,
                         k->key);
                return -1;
            }
            if (strlist_push(&l, (const char *)item->data.scalar.value) != 0) {
                strlist_free(&l);
                snprintf(w->err, w->errlen, "%s: out of memory", w->name);
                return -1;
            }
        }
        cj_strlist *slot = (cj_strlist *)(void *)((char *)w->c + k->offset);
        strlist_free(slot);
        *slot = l;
        w->c->src[idx] = CJ_SRC_FILE;
        w->c->line[idx] = line;
        return 0;
    }
    const char *value = (const char *)v->data.scalar.value;
    if (scalar_is_null(v)) {
        if (k->type != CJ_CFG_STRING && k->type != CJ_CFG_LIST) {
            snprintf(w->err, w->errlen, "%s:%d:%d: %s: missing value", w->name, line, col, k->key);
            return -1;
        }
        value = "";
    }
    if (set_index(w->c, idx, value, CJ_SRC_FILE, line, msg, sizeof msg) != 0) {
        snprintf(w->err, w->errlen, "%s:%d:%d: %s", w->name, line, col, msg);
        return -1;
    }
    return 0;
}

/* Walks one mapping level, resolving "prefix.key" against the table, the legacy list and sections. */
static int walk_map(yaml_walk *w, yaml_node_t *map, const char *prefix)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(w->doc, p->key);
        yaml_node_t *vn = yaml_document_get_node(w->doc, p->value);
        if (kn == NULL || vn == NULL)
            continue;
        int line = (int)kn->start_mark.line + 1, col = (int)kn->start_mark.column + 1;
        if (kn->type != YAML_SCALAR_NODE) {
            snprintf(w->err, w->errlen, "%s:%d:%d: keys must be plain names", w->name, line, col);
            return -1;
        }
        char path[256];
        int pl = snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", (const char *)kn->data.scalar.value);
        if (pl < 0 || (size_t)pl >= sizeof path) {
            snprintf(w->err, w->errlen, "%s:%d:%d: key too long", w->name, line, col);
            return -1;
        }
        long idx = cj_config_find(path);
        if (idx >= 0) {
            if (apply_value(w, (size_t)idx, vn, line, col) != 0)
                return -1;
            continue;
        }
        if (is_section(path)) {
            if (vn->type == YAML_MAPPING_NODE) {
                if (walk_map(w, vn, path) != 0)
                    return -1;
                continue;
            }
            if (vn->type == YAML_SCALAR_NODE && scalar_is_null(vn))
                continue;
            snprintf(w->err, w->errlen, "%s:%d:%d: '%s' is a section: expected a mapping of keys", w->name, line,
                     col, path);
            return -1;
        }
        long lg = legacy_find(path);
        if (lg >= 0) {
            cj_config_warn(w->c, "%s:%d: key '%s' of the original node is accepted and ignored: %s", w->name, line,
                           path, LEGACY[lg].why);
            continue;
        }
        const char *s = suggest(path);
        if (s != NULL)
            snprintf(w->err, w->errlen, "%s:%d:%d: unknown key '%s' (did you mean '%s'?)", w->name, line, col, path,
                     s);
        else
            snprintf(w->err, w->errlen, "%s:%d:%d: unknown key '%s'", w->name, line, col, path);
        return -1;
    }
    return 0;
}

/* Deepest nesting of flow collections ('[' / '{' outside quotes and comments). libyaml's scanner is
 * quadratic in it (stale simple-key checks on every token), so a corrupt file of brackets would stall the
 * start for minutes; no configuration needs more than a few levels. A guard, not a parser: odd quoting only
 * makes it count fewer levels. */
static size_t yaml_flow_depth(const char *s, size_t len)
{
    size_t depth = 0, max = 0;
    char quote = 0;
    int comment = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (comment) {
            comment = ch != '\n';
        } else if (quote) {
            if (ch == quote)
                quote = 0;
            else if (ch == '\\' && quote == '"')
                i++;
        } else if (ch == '"' || ch == '\'') {
            quote = ch;
        } else if (ch == '#') {
            comment = 1;
        } else if (ch == '[' || ch == '{') {
            if (++depth > max)
                max = depth;
        } else if ((ch == ']' || ch == '}') && depth > 0) {
            depth--;
        }
    }
    return max;
}

#define MAX_FLOW_DEPTH 64

/* Flow nesting as libyaml's own scanner sees it, counted only up to limit + 1 (so this stays linear): the
 * exact check behind yaml_flow_depth, which a quote or '#' inside a plain scalar ("b'", "a#") fools. */
static size_t yaml_token_depth(const char *s, size_t len, size_t limit)
{
    yaml_parser_t p;
    yaml_token_t t;
    size_t depth = 0, max = 0;
    if (!yaml_parser_initialize(&p))
        return 0;
    yaml_parser_set_input_string(&p, (const unsigned char *)s, len);
    while (max <= limit && yaml_parser_scan(&p, &t)) {
        yaml_token_type_t type = t.type;
        yaml_token_delete(&t);
        if (type == YAML_STREAM_END_TOKEN || type == YAML_NO_TOKEN)
            break;
        if (type == YAML_FLOW_SEQUENCE_START_TOKEN || type == YAML_FLOW_MAPPING_START_TOKEN)
            max = ++depth > max ? depth : max;
        else if ((type == YAML_FLOW_SEQUENCE_END_TOKEN || type == YAML_FLOW_MAPPING_END_TOKEN) && depth > 0)
            depth--;
    }
    yaml_parser_delete(&p);
    return max;
}

/* Parses YAML text and applies it. */
int cj_config_load_yaml(cj_config *c, const char *yaml, size_t len, const char *name, char *err, size_t errlen)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc = -1;
    if (yaml == NULL && len != 0) {
        snprintf(err, errlen, "%s: no configuration text", name);
        return -1;
    }
    if (yaml == NULL)
        yaml = ""; /* libyaml asserts on a NULL input; no text is an empty file */
    size_t depth = yaml_flow_depth(yaml, len);
    if (depth <= MAX_FLOW_DEPTH && yaml_token_depth(yaml, len, MAX_FLOW_DEPTH) > MAX_FLOW_DEPTH) {
        snprintf(err, errlen, "%s: '[' / '{' collections nested more than %d deep: not a configuration file?", name,
                 MAX_FLOW_DEPTH);
        return -1;
    }
    if (depth > MAX_FLOW_DEPTH) {
        snprintf(err, errlen, "%s: '[' / '{' collections nested %zu deep (at most %d): not a configuration file?",
                 name, depth, MAX_FLOW_DEPTH);
        return -1;
    }
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, errlen, "%s: cannot initialise the YAML parser", name);
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, errlen, "%s:%zu:%zu: YAML syntax error: %s%s%s", name, parser.problem_mark.line + 1,
                 parser.problem_mark.column + 1, parser.problem ? parser.problem : "unknown",
                 parser.context ? " " : "", parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        return -1;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    int *seen = calloc(NKEYS, sizeof *seen);
    if (seen == NULL) {
        snprintf(err, errlen, "%s: out of memory", name);
        goto out;
    }
    if (root == NULL || (root->type == YAML_SCALAR_NODE && scalar_is_null(root))) {
        rc = 0; /* empty file: defaults */
    } else if (root->type != YAML_MAPPING_NODE) {
        snprintf(err, errlen, "%s:%zu:%zu: the top level must be a mapping of sections", name,
                 root->start_mark.line + 1, root->start_mark.column + 1);
    } else {
        yaml_walk w = {c, &doc, name, seen, err, errlen};
        rc = walk_map(&w, root, "");
    }
    if (rc == 0) {
        yaml_document_t doc2;
        if (yaml_parser_load(&parser, &doc2)) {
            if (yaml_document_get_root_node(&doc2) != NULL) {
                snprintf(err, errlen, "%s: more than one YAML document", name);
                rc = -1;
            }
            yaml_document_delete(&doc2);
        }
    }
out:
    free(seen);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}

/* Reads a config file (size-capped) and applies it. */
int cj_config_load_file(cj_config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open config file: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)MIB) {
        snprintf(err, errlen, "%s: not a regular file of at most 1 MiB", path);
        fclose(f);
        return -1;
    }
    size_t n = (size_t)st.st_size;
    char *buf = malloc(n + 1);
    if (buf == NULL || fread(buf, 1, n, f) != n) {
        snprintf(err, errlen, "%s: cannot read config file", path);
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    buf[n] = '\0';
    free(c->file);
    c->file = strdup(path);
    int rc = cj_config_load_yaml(c, buf, n, path, err, errlen);
    free(buf);
    return rc;
}

/* Applies COINJECTURE_* environment variables (canonical names win over aliases). */
int cj_config_apply_env(cj_config *c, char *const *envp, char *err, size_t errlen)
{
    char name[128], msg[512];
    if (envp == NULL)
        return 0;
    for (char *const *e = envp; *e; e++) {
        const char *eq = strchr(*e, '=');
        if (strncmp(*e, "COINJECTURE_", 12) != 0 || eq == NULL)
            continue;
        size_t nl = (size_t)(eq - *e);
        /* variables read by other parts of the project, not settings of the node */
        static const char *const others[] = {"COINJECTURE_CONFIG", "COINJECTURE_NODE",
                                             "COINJECTURE_BUILD_DIR"};
        int known = 0;
        for (size_t o = 0; o < sizeof others / sizeof others[0]; o++)
            known |= nl == strlen(others[o]) && strncmp(*e, others[o], nl) == 0;
        long alias_of = -1, canon_of = -1;
        for (size_t i = 0; i < NKEYS && !known; i++) {
            cj_config_env_name(i, name, sizeof name);
            if (strlen(name) == nl && strncmp(*e, name, nl) == 0)
                canon_of = (long)i;
            else if (TABLE[i].env_alias && strlen(TABLE[i].env_alias) == nl && strncmp(*e, TABLE[i].env_alias, nl) == 0)
                alias_of = (long)i;
        }
        if (canon_of < 0 && alias_of < 0) {
            if (!known)
                cj_config_warn(c, "environment variable %.*s is not a coinjectured setting and is ignored", (int)nl,
                               *e);
            continue;
        }
        size_t i = (size_t)(canon_of >= 0 ? canon_of : alias_of);
        if (canon_of < 0) {
            /* an alias only applies when the canonical variable is absent */
            cj_config_env_name(i, name, sizeof name);
            int canon_set = 0;
            for (char *const *f = envp; *f; f++)
                if (strncmp(*f, name, strlen(name)) == 0 && (*f)[strlen(name)] == '=')
                    canon_set = 1;
            if (canon_set)
                continue;
        }
        if (set_index(c, i, eq + 1, CJ_SRC_ENV, 0, msg, sizeof msg) != 0) {
            snprintf(err, errlen, "environment %.*s: %s", (int)nl, *e, msg);
            return -1;
        }
    }
    return 0;
}

/* Whether s is 64 hex digits with an optional 0x prefix. */
static int is_hex64(const char *s)
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    size_t n = 0;
    for (; s[n]; n++)
        if (!isxdigit((unsigned char)s[n]))
            return 0;
    return n == 64;
}

/* Resolves aliases and checks rules that involve several keys. */
int cj_config_finish(cj_config *c, char *err, size_t errlen)
{
    long ib = cj_config_find("consensus.crypto_backend");
    long ir = cj_config_find("consensus.use_rust_bindings");
    if (c->use_rust_bindings) {
        if (c->src[ib] == CJ_SRC_DEFAULT) {
            char e2[128];
            set_index(c, (size_t)ib, "accelerated", c->src[ir], c->line[ir], e2, sizeof e2);
            cj_config_warn(c, "consensus.use_rust_bindings is deprecated: use consensus.crypto_backend: "
                              "accelerated (applied)");
        } else if (strcmp(c->crypto_backend, "accelerated") != 0) {
            cj_config_warn(c, "consensus.use_rust_bindings: true is deprecated and overridden by "
                              "consensus.crypto_backend: %s", c->crypto_backend);
        } else {
            cj_config_warn(c, "consensus.use_rust_bindings is deprecated: consensus.crypto_backend is set");
        }
    }
    if (c->validator_key[0] != '\0' && !is_hex64(c->validator_key)) {
        snprintf(err, errlen, "consensus.validator_key: expected 64 hex digits (the node's public key)");
        return -1;
    }
    for (size_t i = 0; i < c->consensus_votes.count; i++) {
        cj_vote v;
        if (cj_chain_vote_parse(c->consensus_votes.items[i], &v) != 0) {
            snprintf(err, errlen, "consensus.votes[%zu]: expected \"add:<64 hex>\" or \"remove:<64 hex>\", got '%.80s'",
                     i, c->consensus_votes.items[i]);
            return -1;
        }
    }
    if (c->shadow_compare_with[0] != '\0' && !is_hex64(c->shadow_compare_with) &&
        (strlen(c->shadow_compare_with) > 7 || strspn(c->shadow_compare_with, "0123456789") != strlen(c->shadow_compare_with))) {
        snprintf(err, errlen, "consensus.shadow_mode.compare_with_validator: expected a public key (64 hex digits) or a "
                              "validator index");
        return -1;
    }
    if (c->data_dir[0] == '\0') {
        snprintf(err, errlen, "node.data_dir: must not be empty");
        return -1;
    }
    if (c->api_enabled && c->api_host[0] == '\0') {
        snprintf(err, errlen, "api.host: must not be empty when api.enabled is true");
        return -1;
    }
    if (c->api_enabled && c->api_port == c->p2p_port && strcmp(c->api_host, c->p2p_host) == 0) {
        snprintf(err, errlen, "api.port and p2p.port are both %llu on %s", (unsigned long long)c->api_port,
                 c->api_host);
        return -1;
    }
    return 0;
}

/* ---- output ---- */

/* Writes s as a YAML double-quoted string that libyaml reads back unchanged: ASCII controls, C1 controls
 * (NEL included), LS/PS and U+FFFE/U+FFFF are escaped (raw, libyaml refuses them or folds the breaks). */
static void yaml_quote(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
            fprintf(out, "\\u%04x", (unsigned)*++p);
        else if ((p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) ||
                 (p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf))) {
            fprintf(out, "\\u%04x", (unsigned)(((p[0] & 0x0f) << 12) | ((p[1] & 0x3f) << 6) | (p[2] & 0x3f)));
            p += 2;
        } else
            fputc(*p, out);
    }
    fputc('"', out);
}

/* Writes the value of entry i in the syntax the parser reads back. */
static void print_value(FILE *out, const cj_config *c, size_t i)
{
    const cj_config_key *k = &TABLE[i];
    const char *base = (const char *)c + k->offset;
    char buf[64];
    switch (k->type) {
    case CJ_CFG_STRING:
        yaml_quote(out, *(char *const *)(const void *)base);
        break;
    case CJ_CFG_ENUM:
        fputs(*(char *const *)(const void *)base, out);
        break;
    case CJ_CFG_BOOL:
        fputs(*(const int *)(const void *)base ? "true" : "false", out);
        break;
    case CJ_CFG_U64:
    case CJ_CFG_PORT:
        fprintf(out, "%llu", (unsigned long long)*(const uint64_t *)(const void *)base);
        break;
    case CJ_CFG_DURATION:
        cj_config_format_duration(*(const uint64_t *)(const void *)base, buf, sizeof buf);
        fputs(buf, out);
        break;
    case CJ_CFG_SIZE:
        cj_config_format_size(*(const uint64_t *)(const void *)base, buf, sizeof buf);
        fputs(buf, out);
        break;
    case CJ_CFG_DOUBLE:
        fprintf(out, "%.17g", *(const double *)(const void *)base);
        break;
    case CJ_CFG_LIST: {
        const cj_strlist *l = (const cj_strlist *)(const void *)base;
        fputc('[', out);
        for (size_t j = 0; j < l->count; j++) {
            if (j)
                fputs(", ", out);
            yaml_quote(out, l->items[j]);
        }
        fputc(']', out);
        break;
    }
    }
}

/* Prints "section:" when entry i starts a new section. */
static void print_section(FILE *out, size_t i, int blank)
{
    const char *dot = strchr(TABLE[i].key, '.');
    size_t n = (size_t)(dot - TABLE[i].key);
    if (i == 0 || strncmp(TABLE[i - 1].key, TABLE[i].key, n + 1) != 0)
        fprintf(out, "%s%.*s:\n", (blank && i) ? "\n" : "", (int)n, TABLE[i].key);
}

/* Effective configuration, each value annotated with where it came from. */
void cj_config_print(const cj_config *c, FILE *out)
{
    char env[128];
    fprintf(out, "# coinjectured effective configuration (precedence: flag > env > file > default)\n");
    for (size_t i = 0; i < NKEYS; i++) {
        print_section(out, i, 0);
        fprintf(out, "  %s: ", strchr(TABLE[i].key, '.') + 1);
        print_value(out, c, i);
        switch (c->src[i]) {
        case CJ_SRC_DEFAULT:
            fprintf(out, "  # default\n");
            break;
        case CJ_SRC_FILE:
            fprintf(out, "  # file %s line %d\n", c->file ? c->file : "?", c->line[i]);
            break;
        case CJ_SRC_ENV:
            cj_config_env_name(i, env, sizeof env);
            fprintf(out, "  # env %s%s%s\n", env, TABLE[i].env_alias ? " or " : "",
                    TABLE[i].env_alias ? TABLE[i].env_alias : "");
            break;
        case CJ_SRC_FLAG:
            fprintf(out, "  # flag\n");
            break;
        }
    }
}

/* Writes help text as YAML comments wrapped at ~100 columns. */
static void print_wrapped_comment(FILE *out, const char *text)
{
    const char *p = text;
    while (*p) {
        size_t n = strlen(p);
        if (n > 96) {
            n = 96;
            while (n > 0 && p[n] != ' ')
                n--;
            if (n == 0)
                n = 96;
        }
        fprintf(out, "  # %.*s\n", (int)n, p);
        p += n;
        while (*p == ' ')
            p++;
    }
}

/* The sample configuration, generated from the table (docs/coinjectured.sample.yaml). */
void cj_config_sample(FILE *out)
{
    static const char *const type_names[] = {"string", "boolean", "integer", "port", "duration",
                                             "size",   "number",  "one of",  "list"};
    char env[128], flag[128], range[128];
    cj_config d;
    if (cj_config_init(&d) != 0)
        return;
    fprintf(out, "# coinjectured sample configuration, generated by `coinjectured --sample-config`.\n"
                 "# Every key is optional; the values below are the defaults.\n"
                 "# Precedence: command-line flag > environment variable > this file > default.\n"
                 "# Durations: 500ms, 2s, 1m, 1h30m. Sizes: 65536, 64KiB, 3MiB.\n"
                 "# Keys of the original node's configs that are not used here are accepted with a warning.\n");
    for (size_t i = 0; i < NKEYS; i++) {
        const cj_config_key *k = &TABLE[i];
        print_section(out, i, 1);
        print_wrapped_comment(out, k->help);
        cj_config_env_name(i, env, sizeof env);
        flag_name(i, flag, sizeof flag);
        fprintf(out, "  # %s", type_names[k->type]);
        if (k->type == CJ_CFG_ENUM)
            fprintf(out, " %s", k->choices);
        if (k->type == CJ_CFG_U64 || k->type == CJ_CFG_DURATION || k->type == CJ_CFG_SIZE ||
            k->type == CJ_CFG_DOUBLE) {
            range_text(k, range, sizeof range);
            fprintf(out, " %s", range);
        }
        fprintf(out, "; env %s", env);
        if (k->env_alias)
            fprintf(out, " or %s", k->env_alias);
        fprintf(out, "; flag --%s", flag);
        if (k->flag_alias)
            fprintf(out, " or --%s", k->flag_alias);
        fprintf(out, "\n  %s: ", strchr(k->key, '.') + 1);
        print_value(out, &d, i);
        fputc('\n', out);
    }
    fprintf(out, "\n# Accepted for compatibility with the original node's configs and ignored (with a warning):\n");
    for (size_t i = 0; i < NLEGACY; i++)
        fprintf(out, "#   %s: %s\n", LEGACY[i].pattern, LEGACY[i].why);
    cj_config_free(&d);
}
