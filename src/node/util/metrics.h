/* Metrics registry with Prometheus text output (written by hand; no client library). Every name is
 * rendered with the prefix "coinjecture_". Families are counters, gauges or histograms, optionally with
 * labels; label values are escaped on output. Thread-safe (one mutex).
 *
 * Standard families registered by cj_metrics_init (use these names, without the prefix):
 *   counters: blocks_produced_total, blocks_received_total, blocks_rejected_total,
 *             blocks_rejected_future_total, reorgs_total,
 *             transactions_accepted_total, transactions_rejected_total, transactions_confirmed_total,
 *             double_sign_evidence_total, parity_matches_total, parity_drifts_total,
 *             http_requests_total{endpoint,method,status}, rate_limited_total, api_accept_errors_total
 *   gauges:   block_height, mempool_size, peers, validators, is_validator, start_time_seconds,
 *             crypto_backend_info{requested,active,detail}, build_info{version,library_version}
 *   histograms: http_request_duration_seconds{endpoint}
 * The exposition ends with the standard unprefixed process_cpu_seconds_total, process_resident_memory_bytes,
 * process_open_fds and process_start_time_seconds (util/procstat.c). */
#ifndef CJ_NODE_METRICS_H
#define CJ_NODE_METRICS_H

#include <stddef.h>

typedef enum { CJ_METRIC_COUNTER, CJ_METRIC_GAUGE, CJ_METRIC_HISTOGRAM } cj_metric_type;

/* Registers the standard families (idempotent). Returns 0 or -1 on OOM. */
int cj_metrics_init(void);
/* Drops every family (tests, shutdown). */
void cj_metrics_reset(void);

/* Registers a family. labels: comma-separated label names or NULL. buckets: ascending upper bounds for
 * histograms (NULL = default latency buckets). Returns 0, or -1 if the name is taken with another type
 * or labels, invalid, or OOM. Registering the same definition twice is a no-op. */
int cj_metrics_register(const char *name, cj_metric_type type, const char *help, const char *labels,
                        const double *buckets, size_t nbuckets);

/* Updates an unlabeled family. Unknown names are ignored (and counted in metrics_unknown_total). */
void cj_metrics_inc(const char *name);
void cj_metrics_add(const char *name, double v);
void cj_metrics_set(const char *name, double v);
void cj_metrics_observe(const char *name, double v);

/* Labeled variants: values has one entry per label name, in order. A family keeps at most 1024 label
 * combinations; further ones are dropped. */
void cj_metrics_add_l(const char *name, const char *const *values, double v);
void cj_metrics_set_l(const char *name, const char *const *values, double v);
void cj_metrics_observe_l(const char *name, const char *const *values, double v);

/* Current value of an unlabeled counter/gauge (0 if unknown). For tests and /v1/status. */
double cj_metrics_value(const char *name);

/* Prometheus text exposition (format 0.0.4) as a heap string (free()); NULL on OOM. */
char *cj_metrics_render(size_t *len);

#endif /* CJ_NODE_METRICS_H */
