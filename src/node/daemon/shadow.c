/* Shadow mode: backend parity and peer parity per block, divergence log/metrics/alerts (shadow.h). */
#include "shadow.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api_json.h"
#include "chain.h"
#include "log.h"
#include "metrics.h"

extern char **environ;

/* Peer-parity state of one height. */
enum { ST_NONE = 0, ST_MATCH, ST_PENDING, ST_DRIFT };

typedef struct {
    uint64_t height;
    uint8_t used, have_ours, have_theirs, state;
    uint8_t matched, drifted; /* counted once per height */
    uint8_t ours_owed;        /* drifted on an invalid block before we had a block here: complete the entry */
    uint8_t ours[32], theirs[32];
    int64_t since_ms;      /* when the mismatch was first seen */
    uint64_t since_blocks; /* blocks_seen then */
} slot;

typedef struct {
    pid_t pid;
    int64_t started_ms;
    uint64_t height;
    int killed;
} alert_child;

static const uint8_t OURS_UNKNOWN[32]; /* "ours" of an invalid-block drift before we have a block there */

#define ALERTED_MEMORY 64 /* heights already alerted (one run per height) */
#define CATCH_UP_MAX 1024

struct cj_shadow {
    cj_shadow_options o;
    char *alert_command;
    uint8_t validator_addr[32]; /* SHA-256 of the validator key (the miner_address it seals with) */
    slot *slots;
    uint64_t blocks_seen;
    uint64_t drift_open; /* drifted heights not restored yet */
    cj_shadow_stats st;
    cj_shadow_divergence ring[CJ_SHADOW_RING];
    size_t ring_next, ring_count;
    alert_child *children;
    uint64_t alerted[ALERTED_MEMORY];
    size_t alerted_next, alerted_count;
    const char *mode;
    char other[64];
    int caught_up;
    int64_t last_now_ms;
};

/* Label value and log word of a parity kind. */
static const char *kind_name(cj_shadow_kind k)
{
    return k == CJ_SHADOW_BACKEND ? "backend" : "peer";
}

/* Lowercase hex of 32 bytes into a 65-byte buffer. */
static void hex32(const uint8_t b[32], char out[65])
{
    if (coinjecture_hex_encode(b, 32, out, 65) != COINJ_OK)
        out[0] = '\0';
}

/* One labeled counter update; families missing or unlabeled are handled by the registry. */
static void metric_add(const char *name, cj_shadow_kind k, double v)
{
    const char *labels[1] = {kind_name(k)};
    cj_metrics_add_l(name, labels, v);
}

/* Defaults documented in shadow.h. */
void cj_shadow_options_default(cj_shadow_options *o)
{
    if (o == NULL)
        return;
    memset(o, 0, sizeof *o);
    o->validator_index = -1;
    o->alert_on_divergence = 1;
    o->settle_blocks = 2;
    o->settle_ms = 30000;
    o->alert_timeout_ms = 60000;
    o->max_alerts = 4;
    o->window = 4096;
}

/* Resolves compare_with_validator as a public key (64 hex) or an index into the validator set. */
int cj_shadow_parse_validator(const char *spec, const uint8_t (*validators)[32], size_t count,
                              uint8_t out_pubkey[32], long *out_index, char *err, size_t errlen)
{
    if (spec == NULL || out_pubkey == NULL || out_index == NULL) {
        if (err)
            snprintf(err, errlen, "compare_with_validator: NULL argument");
        return -1;
    }
    size_t n = strlen(spec);
    const char *digits = spec;
    if (n >= 2 && spec[0] == '0' && (spec[1] == 'x' || spec[1] == 'X'))
        digits = spec + 2;
    if (strlen(digits) == 64) {
        if (coinjecture_hex_decode(spec, out_pubkey, 32) != COINJ_OK) {
            if (err)
                snprintf(err, errlen, "compare_with_validator: %s", coinjecture_last_error_message());
            return -1;
        }
        *out_index = -1;
        return 0;
    }
    if (n == 0 || n > 7 || strspn(spec, "0123456789") != n || (n > 1 && spec[0] == '0')) {
        if (err)
            snprintf(err, errlen,
                     "compare_with_validator: expected a validator public key (64 hex digits) or an index, got "
                     "'%.80s'",
                     spec);
        return -1;
    }
    long idx = strtol(spec, NULL, 10);
    if (validators == NULL || (size_t)idx >= count) {
        if (err)
            snprintf(err, errlen, "compare_with_validator: index %ld is out of range (%zu validators)", idx, count);
        return -1;
    }
    memcpy(out_pubkey, validators[idx], 32);
    *out_index = idx;
    return 0;
}

/* Allocates the height window and the alert table after checking the options. */
cj_shadow *cj_shadow_new(const cj_shadow_options *o, char *err, size_t errlen)
{
    char dummy[1];
    if (err == NULL)
        err = dummy, errlen = sizeof dummy;
    if (o == NULL) {
        snprintf(err, errlen, "shadow: NULL options");
        return NULL;
    }
    if (o->window < 16 || o->window > (1u << 20)) {
        snprintf(err, errlen, "shadow: window %u is out of range 16..1048576", o->window);
        return NULL;
    }
    if (o->max_alerts == 0 || o->max_alerts > 64) {
        snprintf(err, errlen, "shadow: max_alerts %u is out of range 1..64", o->max_alerts);
        return NULL;
    }
    cj_shadow *s = calloc(1, sizeof *s);
    if (s == NULL)
        goto oom;
    s->o = *o;
    s->o.alert_command = NULL;
    if (o->alert_command != NULL && o->alert_command[0] != '\0' &&
        (s->alert_command = strdup(o->alert_command)) == NULL)
        goto oom;
    if ((s->slots = calloc(o->window, sizeof *s->slots)) == NULL ||
        (s->children = calloc(o->max_alerts, sizeof *s->children)) == NULL)
        goto oom;
    if (o->has_validator && coinjecture_derive_address(o->validator, s->validator_addr) != COINJ_OK)
        goto oom;
    s->mode = "not-run";
    snprintf(s->other, sizeof s->other, "none yet");
    /* make both label children visible in /metrics at 0 */
    for (int k = 0; k < 2; k++) {
        metric_add("parity_matches_total", (cj_shadow_kind)k, 0);
        metric_add("parity_drifts_total", (cj_shadow_kind)k, 0);
    }
    return s;
oom:
    snprintf(err, errlen, "shadow: out of memory");
    cj_shadow_free(s);
    return NULL;
}

/* Reaps alert children that have exited (never waits; only our own pids). */
static void reap_children(cj_shadow *s)
{
    for (uint32_t i = 0; i < s->o.max_alerts; i++) {
        alert_child *c = &s->children[i];
        int status = 0;
        if (c->pid <= 0)
            continue;
        pid_t r = waitpid(c->pid, &status, WNOHANG);
        if (r == 0)
            continue;
        if (r == c->pid) {
            if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
                cj_log_warn("shadow: alert_command for block %llu exited with status %d",
                            (unsigned long long)c->height, WEXITSTATUS(status));
            else if (WIFSIGNALED(status) && !c->killed)
                cj_log_warn("shadow: alert_command for block %llu died from signal %d",
                            (unsigned long long)c->height, WTERMSIG(status));
        }
        /* r < 0 (ECHILD: someone else reaped it) also frees the entry */
        c->pid = 0;
        s->st.alerts_running--;
    }
}

/* Frees everything; running alert children are left to finish (they are not ours to wait for). */
void cj_shadow_free(cj_shadow *s)
{
    if (s == NULL)
        return;
    if (s->children != NULL)
        reap_children(s);
    free(s->children);
    free(s->slots);
    free(s->alert_command);
    free(s);
}

/* Whether an alert already ran for height; remembers it if not. */
static int alerted_before(cj_shadow *s, uint64_t height)
{
    for (size_t i = 0; i < s->alerted_count; i++)
        if (s->alerted[i] == height)
            return 1;
    s->alerted[s->alerted_next] = height;
    s->alerted_next = (s->alerted_next + 1) % ALERTED_MEMORY;
    if (s->alerted_count < ALERTED_MEMORY)
        s->alerted_count++;
    return 0;
}

/* Builds environ plus the COINJECTURE_DIVERGENCE_* variables (older values of them are dropped). */
static char **alert_env(uint64_t height, const char *kind, const char *what, const char *ours, const char *theirs)
{
    size_t n = 0;
    while (environ != NULL && environ[n] != NULL)
        n++;
    char **env = calloc(n + 6, sizeof *env);
    if (env == NULL)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "COINJECTURE_DIVERGENCE_", 23) != 0)
            env[k++] = environ[i];
    char *own[5];
    int bad = 0;
    own[0] = malloc(64), own[1] = malloc(96), own[2] = malloc(96), own[3] = malloc(48), own[4] = malloc(64);
    for (int i = 0; i < 5; i++)
        bad |= own[i] == NULL;
    if (!bad) {
        snprintf(own[0], 64, "COINJECTURE_DIVERGENCE_HEIGHT=%llu", (unsigned long long)height);
        snprintf(own[1], 96, "COINJECTURE_DIVERGENCE_OURS=%s", ours);
        snprintf(own[2], 96, "COINJECTURE_DIVERGENCE_THEIRS=%s", theirs);
        snprintf(own[3], 48, "COINJECTURE_DIVERGENCE_KIND=%s", kind);
        snprintf(own[4], 64, "COINJECTURE_DIVERGENCE_WHAT=%s", what);
    }
    for (int i = 0; i < 5; i++) {
        if (bad)
            free(own[i]);
        else
            env[k++] = own[i];
    }
    if (bad) {
        free(env);
        return NULL;
    }
    env[k] = NULL;
    return env;
}

/* Frees the five strings alert_env allocated (they are the last entries) and the array. */
static void alert_env_free(char **env)
{
    size_t n = 0;
    while (env[n] != NULL)
        n++;
    for (size_t i = n >= 5 ? n - 5 : 0; i < n; i++)
        free(env[i]);
    free(env);
}

/* Starts `/bin/sh -c alert_command` in its own process group, stdin from /dev/null, without waiting. */
static void alert_run(cj_shadow *s, uint64_t height, cj_shadow_kind kind, const char *what, const char *ours,
                      const char *theirs)
{
    if (!s->o.alert_on_divergence || s->alert_command == NULL || alerted_before(s, height))
        return;
    reap_children(s);
    alert_child *slot_c = NULL;
    for (uint32_t i = 0; i < s->o.max_alerts && slot_c == NULL; i++)
        if (s->children[i].pid <= 0)
            slot_c = &s->children[i];
    if (slot_c == NULL) {
        s->st.alerts_skipped++;
        cj_log_warn("shadow: %u alert commands still running; not alerting for block %llu", s->o.max_alerts,
                    (unsigned long long)height);
        return;
    }
    char **env = alert_env(height, kind_name(kind), what, ours, theirs);
    char *argv[] = {"/bin/sh", "-c", s->alert_command, NULL};
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    long maxfd = sysconf(_SC_OPEN_MAX);
    if (maxfd < 0 || maxfd > 65536)
        maxfd = 65536;
    pid_t pid = env == NULL ? -1 : fork();
    if (pid == 0) {
        /* child: async-signal-safe calls only */
        struct sigaction dfl;
        sigset_t none;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigaction(SIGPIPE, &dfl, NULL);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        setpgid(0, 0);
        if (devnull >= 0)
            dup2(devnull, 0);
        for (long fd = 3; fd < maxfd; fd++)
            close((int)fd);
        execve("/bin/sh", argv, env);
        _exit(127);
    }
    int saved = errno;
    if (devnull >= 0)
        close(devnull);
    if (env != NULL)
        alert_env_free(env);
    if (pid < 0) {
        s->st.alerts_failed++;
        cj_log_error("shadow: cannot start alert_command for block %llu: %s", (unsigned long long)height,
                     env == NULL ? "out of memory" : strerror(saved));
        return;
    }
    setpgid(pid, pid); /* also in the parent, so a kill of the group never races the child's own call */
    slot_c->pid = pid;
    slot_c->started_ms = s->last_now_ms;
    slot_c->height = height;
    slot_c->killed = 0;
    s->st.alerts_started++;
    s->st.alerts_running++;
    cj_log_info("shadow: alert_command started (pid %ld) for the divergence at block %llu", (long)pid,
                (unsigned long long)height);
}

/* Records a drift: ring entry, metric, the critical log line, and the alert. */
static void report_drift(cj_shadow *s, uint64_t height, cj_shadow_kind kind, const char *what,
                         const uint8_t ours[32], const uint8_t theirs[32], int64_t now_ms)
{
    char ho[65], ht[65];
    hex32(ours, ho);
    hex32(theirs, ht);
    cj_shadow_divergence *d = &s->ring[s->ring_next];
    memset(d, 0, sizeof *d);
    d->height = height;
    d->kind = kind;
    snprintf(d->what, sizeof d->what, "%s", what);
    memcpy(d->ours, ours, 32);
    memcpy(d->theirs, theirs, 32);
    d->time_ms = now_ms;
    s->ring_next = (s->ring_next + 1) % CJ_SHADOW_RING;
    if (s->ring_count < CJ_SHADOW_RING)
        s->ring_count++;
    if (kind == CJ_SHADOW_BACKEND)
        s->st.backend_drifts++;
    else
        s->st.peer_drifts++;
    metric_add("parity_drifts_total", kind, 1);
    cj_log_critical("HASH DIVERGENCE: block=%llu ours=%s theirs=%s kind=%s what=%s", (unsigned long long)height, ho,
                    ht, kind_name(kind), what);
    alert_run(s, height, kind, what, ho, ht);
}

/* Counts a match (once per block for backend parity, once per height for peer parity). */
static void report_match(cj_shadow *s, uint64_t height, cj_shadow_kind kind, const uint8_t hash[32])
{
    if (kind == CJ_SHADOW_BACKEND)
        s->st.backend_matches++;
    else
        s->st.peer_matches++;
    metric_add("parity_matches_total", kind, 1);
    if (s->o.log_all_comparisons) {
        char h[65];
        hex32(hash, h);
        if (kind == CJ_SHADOW_BACKEND)
            cj_log_info("parity: block=%llu kind=backend match hash=%s (%s vs %s)", (unsigned long long)height, h,
                        coinjecture_backend_active(), s->other);
        else
            cj_log_info("parity: block=%llu kind=peer match hash=%s", (unsigned long long)height, h);
    }
}

/* ---------------------------------------------------------------------------------------------------
 * Backend parity
 * ------------------------------------------------------------------------------------------------- */

/* SHA-256 on the reference backend fed in uneven chunks (1, 7, 64, 13, ... bytes), so the buffering and
 * multi-block paths run instead of the one-shot path. Returns 0, or -1 if the library refuses. */
static int stream_hash(const uint8_t *data, size_t len, uint8_t out[32])
{
    static const size_t chunks[] = {1, 7, 64, 13, 55, 128, 3};
    coinjecture_sha256_ctx ctx;
    if (coinjecture_backend_sha256_init("reference", &ctx) != COINJ_OK)
        return -1;
    for (size_t i = 0, off = 0; off < len; i++) {
        size_t k = chunks[i % (sizeof chunks / sizeof chunks[0])];
        if (k > len - off)
            k = len - off;
        if (coinjecture_sha256_update(&ctx, data + off, k) != COINJ_OK)
            return -1;
        off += k;
    }
    return coinjecture_sha256_final(&ctx, out) == COINJ_OK ? 0 : -1;
}

/* Merkle root computed pairwise with stream_hash (odd node promoted, empty = zeros); in place. Returns 0
 * or -1. */
static int stream_merkle(uint8_t (*leaves)[32], size_t n, uint8_t out[32])
{
    if (n == 0) {
        memset(out, 0, 32);
        return 0;
    }
    while (n > 1) {
        size_t m = 0;
        for (size_t i = 0; i + 1 < n; i += 2) {
            uint8_t pair[64];
            memcpy(pair, leaves[i], 32);
            memcpy(pair + 32, leaves[i + 1], 32);
            if (stream_hash(pair, 64, leaves[m++]) != 0)
                return -1;
        }
        if (n % 2)
            memmove(leaves[m++], leaves[n - 1], 32);
        n = m;
    }
    memcpy(out, leaves[0], 32);
    return 0;
}

/* The other side of the comparison: the backend that is not active where this CPU can run it, or NULL
 * for reference streaming. */
static const char *pick_other(cj_shadow *s, const char *active)
{
    const char *other = strcmp(active, "reference") == 0 ? "accelerated" : "reference", *detail = NULL;
    if (!s->o.force_streaming && coinjecture_backend_query(other, &detail) == COINJ_OK) {
        s->mode = "cross-backend";
        snprintf(s->other, sizeof s->other, "%s (%s)", other, detail);
        return other;
    }
    s->mode = "reference-streaming";
    snprintf(s->other, sizeof s->other, "reference (streamed, pairwise merkle)");
    return NULL;
}

/* Mismatch bookkeeping within one block: counts components, logs the first few, keeps the first. */
typedef struct {
    int count;
    char what[24];
    uint8_t ours[32], theirs[32];
} mismatch;

/* Keeps the first differing component for the drift report; logs the next three directly. */
static void note_mismatch(mismatch *m, uint64_t height, const char *what, const uint8_t ours[32],
                          const uint8_t theirs[32])
{
    if (m->count++ == 0) {
        snprintf(m->what, sizeof m->what, "%s", what);
        memcpy(m->ours, ours, 32);
        memcpy(m->theirs, theirs, 32);
        return; /* the first one is logged by report_drift */
    }
    if (m->count <= 4) {
        char ho[65], ht[65];
        hex32(ours, ho);
        hex32(theirs, ht);
        cj_log_critical("HASH DIVERGENCE: block=%llu ours=%s theirs=%s kind=backend what=%s",
                        (unsigned long long)height, ho, ht, what);
    }
}

/* Recomputes header hash, tx hashes and Merkle root on the other backend and compares. Returns 1 for a
 * drift, 0 for a match, -1 when the block cannot be hashed (not a parity verdict). */
static int backend_check(cj_shadow *s, uint64_t height, const uint8_t our_hash[32], const coinjecture_block *b,
                         int64_t now_ms)
{
    const char *active = coinjecture_backend_active();
    const char *other = pick_other(s, active);
    const coinjecture_header *h = &b->header;
    mismatch mm;
    uint8_t got[32], root_a[32], root_o[32];
    int rc = -1;
    memset(&mm, 0, sizeof mm);
    if (h->extra_data_len > COINJECTURE_MAX_EXTRA_DATA || (b->tx_count > 0 && b->transactions == NULL) ||
        b->tx_count > COINJECTURE_MAX_TX_PER_BLOCK)
        return -1;
    if (other != NULL) {
        if (coinjecture_backend_header_hash(other, h, got) != COINJ_OK)
            return -1;
    } else {
        uint8_t enc[1024];
        size_t len = 0;
        if (coinjecture_header_encode(h, enc, sizeof enc, &len) != COINJ_OK || stream_hash(enc, len, got) != 0)
            return -1;
    }
    if (memcmp(got, our_hash, 32) != 0)
        note_mismatch(&mm, height, "header", our_hash, got);

    size_t n = b->tx_count;
    uint8_t(*la)[32] = malloc(n * 32 + 32), (*lo)[32] = malloc(n * 32 + 32);
    uint8_t *buf = NULL;
    size_t cap = 0;
    if (la == NULL || lo == NULL)
        goto out;
    for (size_t i = 0; i < n; i++) {
        const coinjecture_tx *tx = &b->transactions[i];
        size_t need = 0;
        if (coinjecture_tx_hash(tx, la[i]) != COINJ_OK)
            goto out;
        CoinjResult r = coinjecture_tx_encode(tx, NULL, 0, &need);
        if (r != COINJ_ERROR_BUFFER_TOO_SMALL || need == 0)
            goto out;
        if (need > cap) {
            uint8_t *nb = realloc(buf, need);
            if (nb == NULL)
                goto out;
            buf = nb, cap = need;
        }
        if (coinjecture_tx_encode(tx, buf, cap, &need) != COINJ_OK)
            goto out;
        if (other != NULL ? coinjecture_backend_sha256(other, buf, need, lo[i]) != COINJ_OK
                          : stream_hash(buf, need, lo[i]) != 0)
            goto out;
        if (memcmp(la[i], lo[i], 32) != 0) {
            char what[24];
            snprintf(what, sizeof what, "tx[%zu]", i);
            note_mismatch(&mm, height, what, la[i], lo[i]);
        }
    }
    if (coinjecture_backend_merkle_root(active, (const uint8_t(*)[32])la, n, root_a) != COINJ_OK)
        goto out;
    if (other != NULL) {
        if (coinjecture_backend_merkle_root(other, (const uint8_t(*)[32])lo, n, root_o) != COINJ_OK)
            goto out;
    } else if (stream_merkle(lo, n, root_o) != 0) {
        goto out;
    }
    if (memcmp(root_a, root_o, 32) != 0)
        note_mismatch(&mm, height, "merkle_root", root_a, root_o);
    rc = mm.count > 0;
    if (mm.count > 0) {
        if (mm.count > 4)
            cj_log_critical("shadow: block %llu: %d hashes differ between the backends (first 4 logged)",
                            (unsigned long long)height, mm.count);
        report_drift(s, height, CJ_SHADOW_BACKEND, mm.what, mm.ours, mm.theirs, now_ms);
    } else {
        report_match(s, height, CJ_SHADOW_BACKEND, our_hash);
    }
out:
    free(buf);
    free(la);
    free(lo);
    return rc;
}

/* ---------------------------------------------------------------------------------------------------
 * Peer parity
 * ------------------------------------------------------------------------------------------------- */

/* Moves a pending height to drift. Returns 1 if this is a new drift for the height. */
static int finalize(cj_shadow *s, slot *sl, int64_t now_ms)
{
    s->st.peer_pending--;
    sl->state = ST_DRIFT;
    s->drift_open++;
    if (sl->drifted)
        return 0;
    sl->drifted = 1;
    report_drift(s, sl->height, CJ_SHADOW_PEER, "block_hash", sl->ours, sl->theirs, now_ms);
    return 1;
}

/* Whether a pending mismatch has outlived its settle window. */
static int settled(const cj_shadow *s, const slot *sl, int64_t now_ms)
{
    if (s->o.settle_blocks == 0 && s->o.settle_ms == 0)
        return 1;
    if (s->o.settle_blocks != 0 && s->blocks_seen - sl->since_blocks >= s->o.settle_blocks)
        return 1;
    return s->o.settle_ms != 0 && now_ms - sl->since_ms >= (int64_t)s->o.settle_ms;
}

/* Slot of height (created if asked and the height is not older than the slot's current one). */
static slot *get_slot(cj_shadow *s, uint64_t height, int create, int64_t now_ms, int *drifts)
{
    slot *sl = &s->slots[height % s->o.window];
    if (sl->used && sl->height == height)
        return sl;
    if (!create || (sl->used && sl->height > height))
        return NULL;
    if (sl->used && sl->state == ST_PENDING)
        *drifts += finalize(s, sl, now_ms); /* it outlived the whole window */
    if (sl->used && sl->state == ST_DRIFT)
        s->drift_open--;
    memset(sl, 0, sizeof *sl);
    sl->used = 1;
    sl->height = height;
    return sl;
}

static int evaluate(cj_shadow *s, slot *sl, int64_t now_ms, int implied);

/* Equal hashes at height h mean equal chains below h: older open mismatches are resolved. */
static void settle_below(cj_shadow *s, uint64_t height, int64_t now_ms)
{
    if (s->st.peer_pending == 0 && s->drift_open == 0)
        return;
    for (uint32_t i = 0; i < s->o.window; i++) {
        slot *sl = &s->slots[i];
        if (sl->used && sl->height < height && sl->have_ours &&
            (sl->state == ST_PENDING || sl->state == ST_DRIFT)) {
            memcpy(sl->theirs, sl->ours, 32);
            sl->have_theirs = 1;
            evaluate(s, sl, now_ms, 1);
        }
    }
}

/* Compares our hash and the validator's at one height. Returns new drifts. */
static int evaluate(cj_shadow *s, slot *sl, int64_t now_ms, int implied)
{
    if (!sl->have_ours || !sl->have_theirs)
        return 0;
    if (memcmp(sl->ours, sl->theirs, 32) == 0) {
        if (sl->state == ST_PENDING) {
            s->st.peer_pending--;
            cj_log_info("parity: block=%llu agrees with the validator again (transient fork resolved)",
                        (unsigned long long)sl->height);
        } else if (sl->state == ST_DRIFT) {
            s->drift_open--;
            for (size_t i = 0; i < s->ring_count; i++)
                if (s->ring[i].kind == CJ_SHADOW_PEER && s->ring[i].height == sl->height)
                    s->ring[i].resolved = 1;
            cj_log_warn("parity: block=%llu agrees with the validator again after a divergence",
                        (unsigned long long)sl->height);
        }
        sl->state = ST_MATCH;
        if (!sl->matched && !sl->drifted) {
            sl->matched = 1;
            report_match(s, sl->height, CJ_SHADOW_PEER, sl->ours);
        }
        if (!implied)
            settle_below(s, sl->height, now_ms);
        return 0;
    }
    if (sl->state == ST_DRIFT)
        return 0;
    if (sl->state != ST_PENDING) {
        char ho[65], ht[65];
        sl->state = ST_PENDING;
        sl->since_ms = now_ms;
        sl->since_blocks = s->blocks_seen;
        s->st.peer_pending++;
        hex32(sl->ours, ho);
        hex32(sl->theirs, ht);
        cj_log_warn("parity: block=%llu ours=%s theirs=%s differ (pending: a drift unless resolved within %u blocks "
                    "or %u ms)",
                    (unsigned long long)sl->height, ho, ht, s->o.settle_blocks, s->o.settle_ms);
    }
    return settled(s, sl, now_ms) ? finalize(s, sl, now_ms) : 0;
}

/* Settles every pending mismatch whose window is over. */
static int settle_pending(cj_shadow *s, int64_t now_ms)
{
    int drifts = 0;
    for (uint32_t i = 0; s->st.peer_pending > 0 && i < s->o.window; i++) {
        slot *sl = &s->slots[i];
        if (sl->used && sl->state == ST_PENDING && settled(s, sl, now_ms))
            drifts += finalize(s, sl, now_ms);
    }
    return drifts;
}

/* The slot for a height the validator announced something for (counted as an announcement), or NULL when the
 * height is far outside what we track (we are syncing, or it is) or older than its slot's height. */
static slot *announced_slot(cj_shadow *s, uint64_t height, int64_t now_ms, int *drifts)
{
    uint64_t half = s->o.window / 2;
    if (s->st.have_block && (height > s->st.last_block_height + half || height + half < s->st.last_block_height))
        return NULL;
    slot *sl = get_slot(s, height, 1, now_ms, drifts);
    if (sl == NULL)
        return NULL;
    s->st.peer_announcements++;
    if (!s->st.have_peer || height > s->st.last_peer_height)
        s->st.last_peer_height = height;
    s->st.have_peer = 1;
    return sl;
}

/* Records the validator's hash for a height and compares. */
static int record_theirs(cj_shadow *s, uint64_t height, const uint8_t hash[32], int64_t now_ms)
{
    int drifts = 0;
    slot *sl = announced_slot(s, height, now_ms, &drifts);
    if (sl == NULL)
        return drifts;
    if (sl->have_theirs && memcmp(sl->theirs, hash, 32) != 0 && sl->state == ST_DRIFT) {
        /* a new announcement for a drifted height: compare afresh (restoration or still different) */
        sl->state = ST_PENDING;
        s->drift_open--;
        s->st.peer_pending++;
        sl->since_ms = now_ms;
        sl->since_blocks = s->blocks_seen;
    }
    memcpy(sl->theirs, hash, 32);
    sl->have_theirs = 1;
    return drifts + evaluate(s, sl, now_ms, 0);
}

/* Fills our hash into the ring entry of an invalid-block drift recorded before we had a block at its height. */
static void complete_ours(cj_shadow *s, slot *sl)
{
    char ho[65];
    sl->ours_owed = 0;
    for (size_t i = 0; i < s->ring_count; i++) {
        cj_shadow_divergence *d = &s->ring[i];
        if (d->kind == CJ_SHADOW_PEER && d->height == sl->height && strcmp(d->what, "invalid_block") == 0 &&
            memcmp(d->ours, OURS_UNKNOWN, 32) == 0)
            memcpy(d->ours, sl->ours, 32);
    }
    hex32(sl->ours, ho);
    cj_log_info("parity: block=%llu ours=%s completes the divergence (invalid block of the validator)",
                (unsigned long long)sl->height, ho);
}

/* Backend parity, our hash for peer parity, and the parent commitment of the validator's blocks. */
int cj_shadow_on_block(cj_shadow *s, uint64_t height, const uint8_t our_hash[32], const coinjecture_block *b,
                       const uint8_t proposer_pubkey[32], int64_t now_ms)
{
    int drifts = 0;
    if (s == NULL || our_hash == NULL || b == NULL || b->header.block_index != height)
        return -1;
    s->last_now_ms = now_ms;
    s->blocks_seen++;
    int r = backend_check(s, height, our_hash, b, now_ms);
    if (r < 0) {
        s->st.backend_errors++;
        cj_log_warn("shadow: block %llu cannot be re-hashed (over a consensus limit); backend parity skipped",
                    (unsigned long long)height);
    } else {
        s->st.blocks_checked++;
        drifts += r;
    }
    s->st.last_block_height = height;
    s->st.have_block = 1;
    slot *sl = get_slot(s, height, 1, now_ms, &drifts);
    if (sl != NULL) {
        if (sl->have_ours && memcmp(sl->ours, our_hash, 32) != 0 && sl->state == ST_DRIFT) {
            sl->state = ST_PENDING; /* our chain moved at this height: compare afresh */
            s->drift_open--;
            s->st.peer_pending++;
            sl->since_ms = now_ms;
            sl->since_blocks = s->blocks_seen;
        }
        memcpy(sl->ours, our_hash, 32);
        sl->have_ours = 1;
        if (sl->ours_owed)
            complete_ours(s, sl);
    }
    int by_validator = !s->o.has_validator            ? 0
                       : proposer_pubkey != NULL ? memcmp(proposer_pubkey, s->o.validator, 32) == 0
                                               : memcmp(b->header.miner_address, s->validator_addr, 32) == 0;
    if (by_validator && height > 0)
        drifts += record_theirs(s, height - 1, b->header.parent_hash, now_ms);
    if (sl != NULL)
        drifts += evaluate(s, sl, now_ms, 0);
    return drifts + settle_pending(s, now_ms);
}

/* An announcement from a peer; only the named validator's count. */
int cj_shadow_on_peer_hash(cj_shadow *s, uint64_t height, const uint8_t hash[32],
                           const uint8_t announcer_pubkey[32], int64_t now_ms)
{
    if (s == NULL || hash == NULL || announcer_pubkey == NULL)
        return -1;
    s->last_now_ms = now_ms;
    if (!s->o.has_validator || memcmp(announcer_pubkey, s->o.validator, 32) != 0)
        return 0;
    return record_theirs(s, height, hash, now_ms);
}

/* A block the chain refused as invalid: when the watched validator sealed it, its hash at that height differs
 * from anything valid, so it is a drift at once (docs/SHADOW.md "Invalid blocks of the watched validator"). */
int cj_shadow_on_invalid_block(cj_shadow *s, const coinjecture_header *h, const char *verdict, int64_t now_ms)
{
    uint8_t hash[32];
    char hx[65];
    int drifts = 0;
    if (s == NULL || h == NULL)
        return -1;
    s->last_now_ms = now_ms;
    if (!s->o.has_validator || memcmp(h->miner_address, s->validator_addr, 32) != 0 ||
        !cj_chain_seal_ok(h, s->o.validator) || coinjecture_header_hash(h, hash) != COINJ_OK)
        return 0; /* not the validator's block (or a forged seal) */
    slot *sl = announced_slot(s, h->block_index, now_ms, &drifts);
    if (sl == NULL || sl->drifted)
        return drifts; /* far off, or this height has had its drift */
    if (sl->state == ST_PENDING)
        s->st.peer_pending--;
    memcpy(sl->theirs, hash, 32);
    sl->have_theirs = 1;
    sl->state = ST_DRIFT;
    sl->drifted = 1;
    sl->ours_owed = !sl->have_ours;
    s->drift_open++;
    report_drift(s, sl->height, CJ_SHADOW_PEER, "invalid_block", sl->have_ours ? sl->ours : OURS_UNKNOWN, hash,
                 now_ms);
    hex32(hash, hx);
    cj_log_warn("shadow: block %llu %s sealed by the watched validator is invalid here: %s",
                (unsigned long long)sl->height, hx, verdict != NULL ? verdict : "invalid");
    return drifts + 1;
}

/* Time-based settling and alert children housekeeping. */
int cj_shadow_tick(cj_shadow *s, int64_t now_ms)
{
    if (s == NULL)
        return 0;
    s->last_now_ms = now_ms;
    reap_children(s);
    for (uint32_t i = 0; i < s->o.max_alerts; i++) {
        alert_child *c = &s->children[i];
        if (c->pid > 0 && !c->killed && s->o.alert_timeout_ms != 0 &&
            now_ms - c->started_ms >= (int64_t)s->o.alert_timeout_ms) {
            cj_log_warn("shadow: alert_command for block %llu still running after %u ms: killing it",
                        (unsigned long long)c->height, s->o.alert_timeout_ms);
            kill(-c->pid, SIGKILL);
            kill(c->pid, SIGKILL);
            c->killed = 1;
            s->st.alerts_killed++;
        }
    }
    return settle_pending(s, now_ms);
}

/* Whether height's slot records hash as our block there. */
static int known(const cj_shadow *s, uint64_t height, const uint8_t hash[32])
{
    const slot *sl = &s->slots[height % s->o.window];
    return sl->used && sl->height == height && sl->have_ours && memcmp(sl->ours, hash, 32) == 0;
}

/* Walks back from the tip to the first height already recorded, then checks those blocks in order. */
int cj_shadow_catch_up(cj_shadow *s, cj_chain *chain, int64_t now_ms)
{
    if (s == NULL || chain == NULL)
        return -1;
    uint64_t tip = cj_chain_height(chain), from = tip;
    if (s->caught_up) {
        from = tip + 1;
        for (uint64_t h = tip;; h--) {
            uint8_t hash[32], *bytes = NULL;
            size_t len = 0;
            if (cj_chain_block_bytes(chain, h, &bytes, &len, hash) != CJ_CHAIN_OK)
                return -1;
            free(bytes);
            if (known(s, h, hash))
                break;
            from = h;
            if (h == 0 || tip - h + 1 >= CATCH_UP_MAX)
                break;
        }
    }
    s->caught_up = 1;
    int drifts = 0;
    for (uint64_t h = from; h <= tip; h++) {
        cj_chain_block cb;
        if (cj_chain_block_by_height(chain, h, &cb) != CJ_CHAIN_OK)
            return -1;
        int r = cj_shadow_on_block(s, h, cb.hash, &cb.block, NULL, now_ms);
        cj_chain_block_free(&cb);
        if (r > 0)
            drifts += r;
    }
    return drifts;
}

/* Copies the counters. */
void cj_shadow_get_stats(const cj_shadow *s, cj_shadow_stats *out)
{
    if (out == NULL)
        return;
    if (s == NULL)
        memset(out, 0, sizeof *out);
    else
        *out = s->st;
}

/* Newest-first copy of the divergence ring. */
size_t cj_shadow_divergences(const cj_shadow *s, cj_shadow_divergence *out, size_t max)
{
    size_t n = 0;
    if (s == NULL || out == NULL)
        return 0;
    for (; n < max && n < s->ring_count; n++)
        out[n] = s->ring[(s->ring_next + CJ_SHADOW_RING - 1 - n) % CJ_SHADOW_RING];
    return n;
}

/* Which comparison backend parity ran last (reported so a weaker mode is never hidden). */
const char *cj_shadow_backend_mode(const cj_shadow *s)
{
    return s == NULL ? "disabled" : s->mode;
}

/* The implementation on the other side of the last backend comparison. */
const char *cj_shadow_backend_other(const cj_shadow *s)
{
    return s == NULL ? "none" : s->other;
}

/* Adds key -> value to obj (value reference stolen); marks failure on NULL. */
static int put(json_t *o, const char *k, json_t *v)
{
    return v == NULL || json_object_set_new(o, k, v) != 0;
}

/* GET /v1/parity: settings, counters per kind and the divergence ring. */
json_t *cj_shadow_to_json(const cj_shadow *s)
{
    cj_shadow_stats st;
    cj_shadow_divergence ring[CJ_SHADOW_RING];
    cj_shadow_get_stats(s, &st);
    size_t nd = cj_shadow_divergences(s, ring, CJ_SHADOW_RING);
    json_t *o = json_object(), *be = json_object(), *peer = json_object(), *al = json_object(),
           *arr = json_array(), *val = NULL;
    int bad = o == NULL || be == NULL || peer == NULL || al == NULL || arr == NULL;
    if (!bad && s != NULL && s->o.has_validator) {
        val = json_object();
        bad |= val == NULL || put(val, "pubkey", cj_json_hex(s->o.validator, 32)) ||
               put(val, "address", cj_json_hex(s->validator_addr, 32)) ||
               put(val, "index", s->o.validator_index >= 0 ? json_integer(s->o.validator_index) : json_null());
    }
    bad |= bad || put(o, "enabled", json_boolean(s != NULL)) ||
           put(o, "compare_with_validator", val != NULL ? json_incref(val) : json_null());
    for (size_t i = 0; !bad && i < nd; i++) {
        json_t *d = json_object();
        bad |= d == NULL || put(d, "height", cj_json_from_u64(ring[i].height)) ||
               put(d, "kind", json_string(kind_name(ring[i].kind))) || put(d, "what", json_string(ring[i].what)) ||
               put(d, "ours", cj_json_hex(ring[i].ours, 32)) || put(d, "theirs", cj_json_hex(ring[i].theirs, 32)) ||
               put(d, "time_ms", json_integer(ring[i].time_ms)) || put(d, "resolved", json_boolean(ring[i].resolved)) ||
               json_array_append_new(arr, d) != 0;
    }
    if (!bad) {
        bad |= put(be, "active", json_string(coinjecture_backend_active())) ||
               put(be, "mode", json_string(cj_shadow_backend_mode(s))) ||
               put(be, "other", json_string(cj_shadow_backend_other(s))) ||
               put(be, "matches", cj_json_from_u64(st.backend_matches)) ||
               put(be, "drifts", cj_json_from_u64(st.backend_drifts)) ||
               put(be, "blocks_checked", cj_json_from_u64(st.blocks_checked)) ||
               put(be, "errors", cj_json_from_u64(st.backend_errors)) ||
               put(be, "last_height", st.have_block ? cj_json_from_u64(st.last_block_height) : json_null());
        bad |= put(peer, "enabled", json_boolean(s != NULL && s->o.has_validator)) ||
               put(peer, "matches", cj_json_from_u64(st.peer_matches)) ||
               put(peer, "drifts", cj_json_from_u64(st.peer_drifts)) ||
               put(peer, "pending", cj_json_from_u64(st.peer_pending)) ||
               put(peer, "announcements", cj_json_from_u64(st.peer_announcements)) ||
               put(peer, "validator_height", st.have_peer ? cj_json_from_u64(st.last_peer_height) : json_null()) ||
               put(peer, "settle_blocks", json_integer(s ? s->o.settle_blocks : 0)) ||
               put(peer, "settle_ms", json_integer(s ? s->o.settle_ms : 0));
        bad |= put(al, "enabled", json_boolean(s != NULL && s->o.alert_on_divergence)) ||
               put(al, "command_set", json_boolean(s != NULL && s->alert_command != NULL)) ||
               put(al, "started", cj_json_from_u64(st.alerts_started)) ||
               put(al, "failed", cj_json_from_u64(st.alerts_failed)) ||
               put(al, "skipped", cj_json_from_u64(st.alerts_skipped)) ||
               put(al, "killed", cj_json_from_u64(st.alerts_killed)) ||
               put(al, "running", json_integer(st.alerts_running));
        bad |= put(o, "log_all_comparisons", json_boolean(s != NULL && s->o.log_all_comparisons)) ||
               put(o, "matches", cj_json_from_u64(st.backend_matches + st.peer_matches)) ||
               put(o, "drifts", cj_json_from_u64(st.backend_drifts + st.peer_drifts)) ||
               json_object_set(o, "backend", be) != 0 || json_object_set(o, "peer", peer) != 0 ||
               json_object_set(o, "alerts", al) != 0 || json_object_set(o, "last_divergences", arr) != 0;
    }
    json_decref(val);
    json_decref(be);
    json_decref(peer);
    json_decref(al);
    json_decref(arr);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}
