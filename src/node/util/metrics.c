/* Metrics registry and Prometheus text exposition. */
#include "metrics.h"

#include <math.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procstat.h"

#define MAX_LABELS 4
#define MAX_CHILDREN 1024

typedef struct child {
    char *values[MAX_LABELS];
    double value;       /* counter / gauge */
    uint64_t *buckets;  /* histogram: per-bucket (non-cumulative) counts */
    double sum;
    uint64_t count;
    struct child *next;
} child;

typedef struct family {
    char *name;
    char *help;
    cj_metric_type type;
    size_t nlabels;
    char *labels[MAX_LABELS];
    double *bounds;
    size_t nbounds;
    child *children;
    size_t nchildren;
    struct family *next;
} family;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static family *g_families = NULL;
static family *g_tail = NULL;
static double g_unknown = 0;

static const double DEFAULT_BUCKETS[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

/* Finds a family by name (lock held). */
static family *find(const char *name)
{
    for (family *f = g_families; f != NULL; f = f->next)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

/* Frees one family and its children. */
static void family_free(family *f)
{
    for (child *c = f->children; c != NULL;) {
        child *n = c->next;
        for (size_t i = 0; i < f->nlabels; i++)
            free(c->values[i]);
        free(c->buckets);
        free(c);
        c = n;
    }
    for (size_t i = 0; i < f->nlabels; i++)
        free(f->labels[i]);
    free(f->bounds);
    free(f->name);
    free(f->help);
    free(f);
}

/* Whether s is a valid Prometheus metric/label name. */
static int name_ok(const char *s)
{
    if (s == NULL || *s == '\0' || (*s >= '0' && *s <= '9'))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

/* Finds or creates the child for a label combination (lock held); NULL when capped or OOM. */
static child *get_child(family *f, const char *const *values)
{
    for (child *c = f->children; c != NULL; c = c->next) {
        size_t i = 0;
        while (i < f->nlabels && strcmp(c->values[i], values[i] ? values[i] : "") == 0)
            i++;
        if (i == f->nlabels)
            return c;
    }
    if (f->nchildren >= MAX_CHILDREN)
        return NULL;
    child *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    for (size_t i = 0; i < f->nlabels; i++) {
        if ((c->values[i] = strdup(values[i] ? values[i] : "")) == NULL)
            goto oom;
    }
    if (f->type == CJ_METRIC_HISTOGRAM && (c->buckets = calloc(f->nbounds, sizeof *c->buckets)) == NULL)
        goto oom;
    /* append to keep output order stable */
    child **pp = &f->children;
    while (*pp != NULL)
        pp = &(*pp)->next;
    *pp = c;
    f->nchildren++;
    return c;
oom:
    for (size_t i = 0; i < f->nlabels; i++)
        free(c->values[i]);
    free(c);
    return NULL;
}

/* Adds a family definition (or accepts an identical re-registration). */
int cj_metrics_register(const char *name, cj_metric_type type, const char *help, const char *labels,
                        const double *buckets, size_t nbuckets)
{
    if (!name_ok(name) || help == NULL)
        return -1;
    if (type == CJ_METRIC_HISTOGRAM && buckets == NULL) {
        buckets = DEFAULT_BUCKETS;
        nbuckets = sizeof DEFAULT_BUCKETS / sizeof DEFAULT_BUCKETS[0];
    }
    pthread_mutex_lock(&g_lock);
    family *f = find(name);
    if (f != NULL) {
        int same = f->type == type;
        pthread_mutex_unlock(&g_lock);
        return same ? 0 : -1;
    }
    f = calloc(1, sizeof *f);
    if (f == NULL)
        goto fail;
    f->type = type;
    if ((f->name = strdup(name)) == NULL || (f->help = strdup(help)) == NULL)
        goto fail;
    const char *p = labels;
    while (p != NULL && *p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (f->nlabels == MAX_LABELS || (f->labels[f->nlabels] = strndup(p, n)) == NULL)
            goto fail;
        if (!name_ok(f->labels[f->nlabels++]))
            goto fail;
        p = e ? e + 1 : NULL;
    }
    if (type == CJ_METRIC_HISTOGRAM) {
        if (nbuckets == 0 || (f->bounds = malloc(nbuckets * sizeof *f->bounds)) == NULL)
            goto fail;
        for (size_t i = 0; i < nbuckets; i++) {
            if (!isfinite(buckets[i]) || (i > 0 && buckets[i] <= buckets[i - 1]))
                goto fail;
            f->bounds[i] = buckets[i];
        }
        f->nbounds = nbuckets;
    }
    if (f->nlabels == 0 && get_child(f, NULL) == NULL)
        goto fail;
    if (g_tail)
        g_tail->next = f;
    else
        g_families = f;
    g_tail = f;
    pthread_mutex_unlock(&g_lock);
    return 0;
fail:
    if (f != NULL)
        family_free(f);
    pthread_mutex_unlock(&g_lock);
    return -1;
}

/* Registers every standard family the node reports. */
int cj_metrics_init(void)
{
    static const struct {
        const char *name;
        cj_metric_type type;
        const char *labels;
        const char *help;
    } std[] = {
        {"build_info", CJ_METRIC_GAUGE, "version,library_version", "Node and core library versions (value 1)."},
        {"crypto_backend_info", CJ_METRIC_GAUGE, "requested,active,detail",
         "Crypto backend of the core library (value 1)."},
        {"start_time_seconds", CJ_METRIC_GAUGE, NULL, "Unix time the node started."},
        {"block_height", CJ_METRIC_GAUGE, NULL, "Height of the canonical tip."},
        {"validators", CJ_METRIC_GAUGE, NULL, "Validators in the set at the tip."},
        {"is_validator", CJ_METRIC_GAUGE, NULL, "1 if this node's key is in the validator set."},
        {"mempool_size", CJ_METRIC_GAUGE, NULL, "Pending transactions."},
        {"peers", CJ_METRIC_GAUGE, NULL, "Connected peers."},
        {"blocks_produced_total", CJ_METRIC_COUNTER, NULL, "Blocks sealed by this node."},
        {"blocks_received_total", CJ_METRIC_COUNTER, NULL, "Blocks from peers accepted."},
        {"blocks_rejected_total", CJ_METRIC_COUNTER, NULL,
         "Blocks from peers rejected as invalid or as too far in the future (beyond 15 s)."},
        {"blocks_rejected_future_total", CJ_METRIC_COUNTER, NULL,
         "Blocks refused because their timestamp was more than 15 s ahead of this node's clock."},
        {"reorgs_total", CJ_METRIC_COUNTER, NULL, "Switches of the canonical chain to another branch."},
        {"transactions_accepted_total", CJ_METRIC_COUNTER, NULL, "Transactions admitted to the mempool."},
        {"transactions_rejected_total", CJ_METRIC_COUNTER, NULL, "Transactions refused by the mempool."},
        {"transactions_confirmed_total", CJ_METRIC_COUNTER, NULL, "Transactions included in canonical blocks."},
        {"double_sign_evidence_total", CJ_METRIC_COUNTER, NULL, "Double-sign evidence records seen."},
        {"parity_matches_total", CJ_METRIC_COUNTER, "kind", "Shadow-mode hash comparisons that matched (kind: backend|peer)."},
        {"parity_drifts_total", CJ_METRIC_COUNTER, "kind", "Shadow-mode hash comparisons that differed (kind: backend|peer)."},
        {"http_requests_total", CJ_METRIC_COUNTER, "endpoint,method,status", "HTTP API requests."},
        {"http_request_duration_seconds", CJ_METRIC_HISTOGRAM, "endpoint", "HTTP API request handling time."},
        {"rate_limited_total", CJ_METRIC_COUNTER, NULL, "HTTP requests refused by the rate limiter (429)."},
        {"api_accept_errors_total", CJ_METRIC_COUNTER, NULL,
         "accept() failures on the API listener (e.g. out of descriptors); the listener backs off."},
        {"p2p_pinned_key_mismatches_total", CJ_METRIC_COUNTER, NULL,
         "Handshakes with a static peer whose node key differed from its pinned KEY@host:port (closed)."},
        {"api_request_timeouts_total", CJ_METRIC_COUNTER, NULL,
         "API connections closed because a request was not complete within api.request_timeout."},
        {"api_connections_refused_total", CJ_METRIC_COUNTER, NULL,
         "API connections closed at their first bytes because 65,536 requests were already being tracked."},
    };
    for (size_t i = 0; i < sizeof std / sizeof std[0]; i++)
        if (cj_metrics_register(std[i].name, std[i].type, std[i].help, std[i].labels, NULL, 0) != 0)
            return -1;
    return 0;
}

/* Removes every family. */
void cj_metrics_reset(void)
{
    pthread_mutex_lock(&g_lock);
    for (family *f = g_families; f != NULL;) {
        family *n = f->next;
        family_free(f);
        f = n;
    }
    g_families = g_tail = NULL;
    g_unknown = 0;
    pthread_mutex_unlock(&g_lock);
}

enum { OP_ADD, OP_SET, OP_OBSERVE };

/* Applies one update to a family child under the lock. */
static void update(const char *name, const char *const *values, int op, double v)
{
    pthread_mutex_lock(&g_lock);
    family *f = name ? find(name) : NULL;
    if (f == NULL || (f->nlabels > 0 && values == NULL)) {
        g_unknown += 1;
        pthread_mutex_unlock(&g_lock);
        return;
    }
    child *c = get_child(f, values);
    if (c != NULL) {
        if (op == OP_OBSERVE && f->type == CJ_METRIC_HISTOGRAM) {
            size_t i = 0;
            while (i < f->nbounds && v > f->bounds[i])
                i++;
            if (i < f->nbounds)
                c->buckets[i]++;
            c->sum += v;
            c->count++;
        } else if (op == OP_SET && f->type == CJ_METRIC_GAUGE) {
            c->value = v;
        } else if (op == OP_ADD && f->type != CJ_METRIC_HISTOGRAM && (f->type == CJ_METRIC_GAUGE || v >= 0)) {
            c->value += v;
        }
    }
    pthread_mutex_unlock(&g_lock);
}

/* Increments an unlabeled counter by one. */
void cj_metrics_inc(const char *name)
{
    update(name, NULL, OP_ADD, 1);
}

/* Adds to an unlabeled counter or gauge. */
void cj_metrics_add(const char *name, double v)
{
    update(name, NULL, OP_ADD, v);
}

/* Sets an unlabeled gauge. */
void cj_metrics_set(const char *name, double v)
{
    update(name, NULL, OP_SET, v);
}

/* Records an observation in an unlabeled histogram. */
void cj_metrics_observe(const char *name, double v)
{
    update(name, NULL, OP_OBSERVE, v);
}

/* Adds to a labeled counter or gauge. */
void cj_metrics_add_l(const char *name, const char *const *values, double v)
{
    update(name, values, OP_ADD, v);
}

/* Sets a labeled gauge. */
void cj_metrics_set_l(const char *name, const char *const *values, double v)
{
    update(name, values, OP_SET, v);
}

/* Records an observation in a labeled histogram. */
void cj_metrics_observe_l(const char *name, const char *const *values, double v)
{
    update(name, values, OP_OBSERVE, v);
}

/* Reads an unlabeled counter or gauge. */
double cj_metrics_value(const char *name)
{
    double v = 0;
    pthread_mutex_lock(&g_lock);
    family *f = name ? find(name) : NULL;
    if (f != NULL && f->nlabels == 0 && f->children != NULL)
        v = f->type == CJ_METRIC_HISTOGRAM ? (double)f->children->count : f->children->value;
    pthread_mutex_unlock(&g_lock);
    return v;
}

/* Growable output buffer. */
typedef struct {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

/* Appends formatted text to the buffer. */
static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t ncap = (b->cap + (size_t)n + 1) * 2;
        char *np = realloc(b->p, ncap);
        if (np == NULL) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = ncap;
    }
}

/* Appends a label value with Prometheus escaping (\\, \", \n). */
static void sb_escaped(sbuf *b, const char *s, int help)
{
    for (; *s; s++) {
        if (*s == '\\')
            sb_printf(b, "\\\\");
        else if (*s == '\n')
            sb_printf(b, "\\n");
        else if (*s == '"' && !help)
            sb_printf(b, "\\\"");
        else
            sb_printf(b, "%c", *s);
    }
}

/* Appends a number in the shortest text that reads back exactly. */
static void sb_number(sbuf *b, double v)
{
    char buf[40];
    if (isnan(v)) {
        sb_printf(b, "NaN");
        return;
    }
    if (isinf(v)) {
        sb_printf(b, v > 0 ? "+Inf" : "-Inf");
        return;
    }
    snprintf(buf, sizeof buf, "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, sizeof buf, "%.17g", v);
    sb_printf(b, "%s", buf);
}

/* Appends {a="x",b="y"[,le="..."]} for a child. */
static void sb_labels(sbuf *b, const family *f, const child *c, const char *le)
{
    if (f->nlabels == 0 && le == NULL)
        return;
    sb_printf(b, "{");
    for (size_t i = 0; i < f->nlabels; i++) {
        sb_printf(b, "%s%s=\"", i ? "," : "", f->labels[i]);
        sb_escaped(b, c->values[i], 0);
        sb_printf(b, "\"");
    }
    if (le != NULL)
        sb_printf(b, "%sle=\"%s\"", f->nlabels ? "," : "", le);
    sb_printf(b, "}");
}

/* Renders the whole registry in the Prometheus text format. */
char *cj_metrics_render(size_t *len)
{
    static const char *const type_names[] = {"counter", "gauge", "histogram"};
    sbuf b = {malloc(4096), 0, 4096, 0};
    if (b.p == NULL)
        return NULL;
    b.p[0] = '\0';
    pthread_mutex_lock(&g_lock);
    for (const family *f = g_families; f != NULL; f = f->next) {
        sb_printf(&b, "# HELP coinjecture_%s ", f->name);
        sb_escaped(&b, f->help, 1);
        sb_printf(&b, "\n# TYPE coinjecture_%s %s\n", f->name, type_names[f->type]);
        for (const child *c = f->children; c != NULL; c = c->next) {
            if (f->type != CJ_METRIC_HISTOGRAM) {
                sb_printf(&b, "coinjecture_%s", f->name);
                sb_labels(&b, f, c, NULL);
                sb_printf(&b, " ");
                sb_number(&b, c->value);
                sb_printf(&b, "\n");
                continue;
            }
            uint64_t cum = 0;
            char le[40];
            for (size_t i = 0; i <= f->nbounds; i++) {
                if (i < f->nbounds) {
                    cum += c->buckets[i];
                    snprintf(le, sizeof le, "%.15g", f->bounds[i]);
                } else {
                    cum = c->count;
                    snprintf(le, sizeof le, "+Inf");
                }
                sb_printf(&b, "coinjecture_%s_bucket", f->name);
                sb_labels(&b, f, c, le);
                sb_printf(&b, " %llu\n", (unsigned long long)cum);
            }
            sb_printf(&b, "coinjecture_%s_sum", f->name);
            sb_labels(&b, f, c, NULL);
            sb_printf(&b, " ");
            sb_number(&b, c->sum);
            sb_printf(&b, "\ncoinjecture_%s_count", f->name);
            sb_labels(&b, f, c, NULL);
            sb_printf(&b, " %llu\n", (unsigned long long)c->count);
        }
    }
    sb_printf(&b, "# HELP coinjecture_metrics_unknown_total Updates to unregistered metric names (a bug).\n"
                  "# TYPE coinjecture_metrics_unknown_total counter\ncoinjecture_metrics_unknown_total ");
    sb_number(&b, g_unknown);
    sb_printf(&b, "\n");
    pthread_mutex_unlock(&g_lock);
    char proc[1024]; /* the standard process_* families, unprefixed as every Prometheus client names them */
    if (cj_procstat_render(proc, sizeof proc) > 0)
        sb_printf(&b, "%s", proc);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    if (len != NULL)
        *len = b.len;
    return b.p;
}
