/* Table-driven configuration: YAML file (libyaml), environment, flags; sample and effective output. */
#include "config_impl.h"


#include "chain.h"

#define F(field) offsetof(cj_config, field)

/* The one table. Defaults are text and go through the same parsers as user input. */
const cj_config_key cj_config_keys[] = {
    {"node.data_dir", CJ_CFG_STRING, F(data_dir), "", 0, 0, 0, 0, NULL, "data-dir", NULL,
     "Data directory: database and the genesis copy made by `coinjectured init`. Empty: the platform's place, "
     "/var/lib/coinjecture for root (the systemd units' StateDirectory), else $XDG_DATA_HOME/coinjecture or "
     "~/.local/share/coinjecture. Several nodes on one host need distinct data directories."},
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
    {"consensus.clock_tolerance", CJ_CFG_DURATION, F(clock_tolerance_ms), "0s", 0, 15000, 0, 0, NULL, NULL, NULL,
     "A block is accepted once its timestamp is at most this far ahead of this node's clock; earlier it is held "
     "until due (not relayed before), so a validator whose clock runs ahead gains nothing (docs/CHAIN.md §3). "
     "0s: min(250ms, block_time / 2). All validators should use the same value."},
    {"consensus.double_sign_check_window", CJ_CFG_DURATION, F(double_sign_window_ms), "0", 0, 10 * MS_MIN, 0, 0,
     NULL, NULL, NULL,
     "Double-sign protection (docs/OPERATIONS.md): after a start a validator watches the network this long, and "
     "does not seal while blocks sealed by its key that it did not make appear (another instance is live); "
     "each such block holds sealing for this long again. 0: (validators + 1) x block_time, at least 1 s, so one "
     "full round of turns is seen."},
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
const size_t cj_config_key_count = sizeof cj_config_keys / sizeof cj_config_keys[0];

/* Keys of the original Go node's configs that coinjectured accepts and ignores, with the reason. A
 * pattern matches the key itself and everything below it. Table keys are matched first. */
const cj_config_legacy cj_config_legacy_keys[] = {
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
const size_t cj_config_legacy_count = sizeof cj_config_legacy_keys / sizeof cj_config_legacy_keys[0];

/* Exposes the table to the sample writer, tests and flag parser. */
const cj_config_key *cj_config_table(size_t *count)
{
    if (count != NULL)
        *count = cj_config_key_count;
    return cj_config_keys;
}

/* Finds a key by its dotted name. */
long cj_config_find(const char *key)
{
    for (size_t i = 0; key != NULL && i < cj_config_key_count; i++)
        if (strcmp(cj_config_keys[i].key, key) == 0)
            return (long)i;
    return -1;
}

/* Derives the long flag name of a key: dots and underscores become dashes. */
void cj_config_flag_name(size_t i, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = cj_config_keys[i].key; *p && o + 1 < cap; p++)
        out[o++] = (*p == '.' || *p == '_') ? '-' : *p;
    out[o] = '\0';
}

/* Maps a long flag (without dashes) to its key, through the derived name or the alias. */
long cj_config_find_flag(const char *flag)
{
    char name[128];
    for (size_t i = 0; flag != NULL && i < cj_config_key_count; i++) {
        cj_config_flag_name(i, name, sizeof name);
        if (strcmp(name, flag) == 0 || (cj_config_keys[i].flag_alias != NULL && strcmp(cj_config_keys[i].flag_alias, flag) == 0))
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
    for (const char *p = cj_config_keys[i].key; i < cj_config_key_count && *p && o + 1 < cap; p++)
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

/* Releases a string list. */
void cj_config_strlist_free(cj_strlist *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

/* Appends a copy of s to a list. */
int cj_config_strlist_push(cj_strlist *l, const char *s)
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
            if (item == NULL || cj_config_strlist_push(&l, item) != 0) {
                free(item);
                cj_config_strlist_free(&l);
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
void cj_config_range_text(const cj_config_key *k, char *out, size_t cap)
{
    char a[48], b[48];
    if (k->type == CJ_CFG_DURATION) {
        cj_value_format_duration(k->min, a, sizeof a);
        cj_value_format_duration(k->max, b, sizeof b);
    } else if (k->type == CJ_CFG_SIZE) {
        cj_value_format_size(k->min, a, sizeof a);
        cj_value_format_size(k->max, b, sizeof b);
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
int cj_config_set_index(cj_config *c, size_t i, const char *value, cj_cfg_source src, int line, char *err,
                     size_t errlen)
{
    const cj_config_key *k = &cj_config_keys[i];
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
        if (cj_value_parse_bool(value, &b) != 0) {
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
        int rc = k->type == CJ_CFG_DURATION ? cj_value_parse_duration_ms(value, &v)
                 : k->type == CJ_CFG_SIZE   ? cj_value_parse_size(value, &v)
                                            : cj_value_parse_u64(value, &v);
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
            cj_config_range_text(k, range, sizeof range);
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
            cj_config_range_text(k, range, sizeof range);
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
        cj_config_strlist_free(slot);
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
    return cj_config_set_index(c, (size_t)i, value, src, line, err, errlen);
}

/* Fills every key with its default. */
int cj_config_init(cj_config *c)
{
    char err[256];
    memset(c, 0, sizeof *c);
    c->src = calloc(cj_config_key_count, sizeof *c->src);
    c->line = calloc(cj_config_key_count, sizeof *c->line);
    if (c->src == NULL || c->line == NULL) {
        cj_config_free(c);
        return -1;
    }
    for (size_t i = 0; i < cj_config_key_count; i++) {
        if (cj_config_set_index(c, i, cj_config_keys[i].def, CJ_SRC_DEFAULT, 0, err, sizeof err) != 0) {
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
    for (size_t i = 0; i < cj_config_key_count; i++) {
        char *base = (char *)c + cj_config_keys[i].offset;
        if (cj_config_keys[i].type == CJ_CFG_STRING || cj_config_keys[i].type == CJ_CFG_ENUM)
            free(*(char **)(void *)base);
        else if (cj_config_keys[i].type == CJ_CFG_LIST)
            cj_config_strlist_free((cj_strlist *)(void *)base);
    }
    for (size_t i = 0; i < c->warning_count; i++)
        free(c->warnings[i]);
    free(c->warnings);
    free(c->src);
    free(c->line);
    free(c->file);
    memset(c, 0, sizeof *c);
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
        for (size_t i = 0; i < cj_config_key_count && !known; i++) {
            cj_config_env_name(i, name, sizeof name);
            if (strlen(name) == nl && strncmp(*e, name, nl) == 0)
                canon_of = (long)i;
            else if (cj_config_keys[i].env_alias && strlen(cj_config_keys[i].env_alias) == nl && strncmp(*e, cj_config_keys[i].env_alias, nl) == 0)
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
        if (cj_config_set_index(c, i, eq + 1, CJ_SRC_ENV, 0, msg, sizeof msg) != 0) {
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

/* The platform's data directory when none is configured: /var/lib/coinjecture for root, else
 * $XDG_DATA_HOME/coinjecture (when absolute), else $HOME/.local/share/coinjecture. 0, or -1 without HOME. */
int cj_config_default_data_dir(char *out, size_t cap, int root, const char *home, const char *xdg_data_home)
{
    int n;
    if (root)
        n = snprintf(out, cap, "/var/lib/coinjecture");
    else if (xdg_data_home != NULL && xdg_data_home[0] == '/')
        n = snprintf(out, cap, "%s/coinjecture", xdg_data_home);
    else if (home != NULL && home[0] != '\0')
        n = snprintf(out, cap, "%s/.local/share/coinjecture", home);
    else
        return -1;
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* Resolves aliases and checks rules that involve several keys. */
int cj_config_finish(cj_config *c, char *err, size_t errlen)
{
    long ib = cj_config_find("consensus.crypto_backend");
    long ir = cj_config_find("consensus.use_rust_bindings");
    if (c->use_rust_bindings) {
        if (c->src[ib] == CJ_SRC_DEFAULT) {
            char e2[128];
            cj_config_set_index(c, (size_t)ib, "accelerated", c->src[ir], c->line[ir], e2, sizeof e2);
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
        char dir[4096];
        long idd = cj_config_find("node.data_dir");
        if (cj_config_default_data_dir(dir, sizeof dir, geteuid() == 0, getenv("HOME"), getenv("XDG_DATA_HOME")) != 0) {
            snprintf(err, errlen, "node.data_dir: not set, and no platform default (HOME is unset): pass --data-dir");
            return -1;
        }
        if (cj_config_set_index(c, (size_t)idd, dir, CJ_SRC_DEFAULT, 0, err, errlen) != 0)
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
