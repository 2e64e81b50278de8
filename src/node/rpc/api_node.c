/* HTTP API handlers for the node itself: health, status, metrics, peers, shadow parity, double-sign
 * evidence and the embedded dashboard. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "api_json.h"
#include "genesis.h"
#include "metrics.h"
#include "web.h"

/* GET /v1/parity: shadow-mode settings, counters per kind and the last divergences (docs/SHADOW.md). */
void cj_api_node_parity(cj_api_rq *r, const char *param)
{
    const cj_api_events *ev = &r->a->cfg.events;
    (void)param;
    if (ev->parity_json == NULL) {
        cj_api_send_error(r, 404, "not found", "this node has no parity report");
        return;
    }
    cj_api_send_json(r, 200, ev->parity_json(ev->ctx));
}

/* GET /v1/evidence: double signs, newest first: the chain's (between stored blocks) and the ones only seen
 * on the wire (P2P; with both headers, since those blocks are not stored). */
void cj_api_node_evidence(cj_api_rq *r, const char *param)
{
    cj_evidence ev[100];
    cj_chain_stats s;
    const cj_api_config *cfg = &r->a->cfg;
    (void)param;
    size_t cnt = cj_chain_evidence(cfg->chain, ev, 100);
    cj_chain_get_stats(cfg->chain, &s);
    const cj_evidence_pool *pool = cfg->events.evidence ? cfg->events.evidence(cfg->events.ctx) : NULL;
    json_t *o = json_object(), *arr = json_array();
    cj_api_put(o, "count", cj_json_from_u64(s.double_signs + (pool ? cj_evidence_counted(pool) : 0)));
    for (size_t i = 0; arr != NULL && i < cnt; i++) {
        json_t *e = json_object();
        cj_api_put(e, "source", json_string("chain"));
        cj_api_put(e, "height", cj_json_from_u64(ev[i].height));
        cj_api_put(e, "validator", cj_api_hex32(ev[i].validator));
        cj_api_put(e, "hash_a", cj_api_hex32(ev[i].hash_a));
        cj_api_put(e, "hash_b", cj_api_hex32(ev[i].hash_b));
        if (e != NULL)
            json_array_append_new(arr, e);
    }
    for (size_t i = 0; pool != NULL && arr != NULL && i < cj_evidence_count(pool); i++) {
        const cj_evidence_record *rec = cj_evidence_get(pool, i);
        if (rec == NULL || rec->in_chain)
            continue;
        json_t *e = json_object();
        cj_api_put(e, "source", json_string("p2p"));
        cj_api_put(e, "height", cj_json_from_u64(rec->height));
        cj_api_put(e, "validator", cj_api_hex32(rec->validator));
        cj_api_put(e, "hash_a", cj_api_hex32(rec->hash_a));
        cj_api_put(e, "hash_b", cj_api_hex32(rec->hash_b));
        cj_api_put(e, "header_a", cj_json_header(&rec->header_a));
        cj_api_put(e, "header_b", cj_json_header(&rec->header_b));
        cj_api_put(e, "seen_ms", json_integer(rec->seen_ms));
        if (e != NULL)
            json_array_append_new(arr, e);
    }
    cj_api_put(o, "evidence", arr);
    cj_api_send_json(r, 200, o);
}

/* GET /v1/peers: established peer connections with their last reported status. */
void cj_api_node_peers(cj_api_rq *r, const char *param)
{
    const cj_api_events *ev = &r->a->cfg.events;
    size_t max = (size_t)r->a->cfg.max_peers;
    cj_peer_info *info = calloc(max, sizeof *info);
    (void)param;
    if (info == NULL) {
        cj_api_send_error(r, 500, "internal error", "out of memory");
        return;
    }
    size_t cnt = ev->peers ? ev->peers(ev->ctx, info, max) : 0;
    json_t *o = json_object(), *arr = json_array();
    cj_api_put(o, "count", json_integer((json_int_t)cnt));
    for (size_t i = 0; arr != NULL && i < cnt; i++) {
        json_t *e = json_object();
        cj_api_put(e, "addr", json_string(info[i].addr));
        cj_api_put(e, "node_key", cj_api_hex32(info[i].node_key));
        cj_api_put(e, "direction", json_string(info[i].outbound ? "outbound" : "inbound"));
        cj_api_put(e, "score", json_integer(info[i].score));
        cj_api_put(e, "height", cj_json_from_u64(info[i].height));
        cj_api_put(e, "weight", cj_json_from_u64(info[i].weight));
        cj_api_put(e, "best", cj_api_hex32(info[i].best));
        cj_api_put(e, "connected_ms", json_integer(info[i].connected_ms));
        cj_api_put(e, "twin", json_boolean(info[i].twin));
        if (e != NULL)
            json_array_append_new(arr, e);
    }
    free(info);
    cj_api_put(o, "peers", arr);
    cj_api_send_json(r, 200, o);
}

/* The status object shared by /v1/status and the status page. */
static json_t *node_status_json(const cj_api_config *cfg)
{
    uint8_t tip[32], gh[32], sr[32];
    cj_chain_stats s;
    cj_chain_tip_hash(cfg->chain, tip);
    cj_chain_genesis_hash(cfg->chain, gh);
    cj_chain_state_root(cfg->chain, sr);
    cj_chain_get_stats(cfg->chain, &s);
    int64_t now = cj_clock_wall_ms();
    json_t *o = json_object(), *node = json_object(), *cons = json_object(), *be = json_object(),
           *st = json_object();
    cj_api_put(node, "version", json_string(cfg->version));
    cj_api_put(node, "library_version", json_string(coinjecture_library_version()));
    cj_api_put(node, "network", json_string(cfg->network));
    cj_api_put(node, "chain_id", cj_json_from_u64(cfg->chain_id));
    cj_api_put(node, "genesis_hash", cj_api_hex32(gh));
    cj_api_put(node, "pubkey", cfg->has_key ? cj_api_hex32(cfg->pubkey) : json_null());
    uint8_t nk[32];
    if (cfg->events.node_key != NULL && cfg->events.node_key(cfg->events.ctx, nk) == 0)
        cj_api_put(node, "p2p_node_key", cj_api_hex32(nk));
    cj_api_put(node, "rules_version", json_integer(CJ_GENESIS_RULES_VERSION));
    int64_t off = 0;
    size_t srcs = 0, held = 0;
    int have_off = cfg->events.clock != NULL && cfg->events.clock(cfg->events.ctx, &off, &srcs, &held) == 1;
    cj_api_put(node, "clock_offset_ms", have_off ? json_integer(off) : json_null());
    cj_api_put(node, "clock_offset_sources", json_integer((json_int_t)srcs));
    cj_api_put(node, "clock_tolerance_ms", json_integer(cj_chain_clock_tolerance_ms(cfg->chain)));
    cj_api_put(node, "blocks_held", json_integer((json_int_t)held));
    cj_api_put(node, "started_ms", json_integer(cfg->started_ms));
    cj_api_put(node, "uptime_s", json_integer((now - cfg->started_ms) / 1000));
    char why[1024] = "";
    int sealing = cfg->events.sealing != NULL && cfg->events.sealing(cfg->events.ctx, why, sizeof why);
    cj_api_put(node, "sealing", json_boolean(sealing));
    cj_api_put(node, "sealing_blocked", !sealing && why[0] ? json_string(why) : json_null());
    cj_api_put(o, "node", node);
    long me = cj_chain_my_index(cfg->chain);
    cj_api_put(cons, "block_height", cj_json_from_u64(cj_chain_height(cfg->chain)));
    cj_api_put(cons, "current_block_hash", cj_api_hex32(tip));
    cj_api_put(cons, "current_block_timestamp_ms", json_integer(cj_chain_tip_timestamp(cfg->chain)));
    cj_api_put(cons, "cum_weight", cj_json_from_u64(cj_chain_tip_weight(cfg->chain)));
    cj_api_put(cons, "state_root", cj_api_hex32(sr));
    cj_api_put(cons, "is_validator", json_boolean(me >= 0));
    cj_api_put(cons, "producing", json_boolean(me >= 0 && cfg->consensus_enabled));
    cj_api_put(cons, "validator_index", me >= 0 ? json_integer(me) : json_null());
    cj_api_put(cons, "validator_count", json_integer((json_int_t)cj_chain_validator_count(cfg->chain)));
    cj_api_put(cons, "block_time_ms", cj_json_from_u64(cj_chain_block_time_ms(cfg->chain)));
    cj_api_put(cons, "accounts", cj_json_from_u64(cj_chain_account_count(cfg->chain)));
    cj_api_put(o, "consensus", cons);
    cj_api_put(be, "requested", json_string(coinjecture_backend_requested()));
    cj_api_put(be, "active", json_string(coinjecture_backend_active()));
    cj_api_put(be, "detail", json_string(coinjecture_backend_detail()));
    cj_api_put(o, "crypto_backend", be);
    cj_api_put(st, "blocks_produced", cj_json_from_u64(s.blocks_produced));
    cj_api_put(st, "blocks_received", cj_json_from_u64(s.blocks_imported));
    cj_api_put(st, "blocks_rejected", cj_json_from_u64(s.blocks_rejected));
    cj_api_put(st, "reorgs", cj_json_from_u64(s.reorgs));
    cj_api_put(st, "txs_confirmed", cj_json_from_u64(s.txs_confirmed));
    cj_api_put(st, "double_signs", cj_json_from_u64(s.double_signs));
    cj_api_put(o, "stats", st);
    cj_api_put(o, "mempool_size", json_integer((json_int_t)cj_mempool_size(cfg->mempool)));
    cj_api_put(o, "peers", json_integer((json_int_t)cj_metrics_value("peers")));
    cj_api_put(o, "p2p_twins", json_integer((json_int_t)cj_metrics_value("p2p_twin_node_keys")));
    return o;
}

/* GET /v1/status */
void cj_api_node_status(cj_api_rq *r, const char *param)
{
    (void)param;
    cj_api_send_json(r, 200, node_status_json(&r->a->cfg));
}

/* GET /health: liveness with the height (the node answers only while its loop runs). */
void cj_api_node_health(cj_api_rq *r, const char *param)
{
    (void)param;
    json_t *o = json_object();
    cj_api_put(o, "status", json_string("ok"));
    cj_api_put(o, "version", json_string(r->a->cfg.version));
    cj_api_put(o, "height", cj_json_from_u64(cj_chain_height(r->a->cfg.chain)));
    cj_api_send_json(r, 200, o);
}

/* GET /metrics: Prometheus text. */
void cj_api_node_metrics(cj_api_rq *r, const char *param)
{
    size_t len = 0;
    const cj_api_events *ev = &r->a->cfg.events;
    (void)param;
    if (ev->refresh_metrics != NULL)
        ev->refresh_metrics(ev->ctx);
    char *text = cj_metrics_render(&len);
    if (text == NULL) {
        cj_api_send_error(r, 500, "internal error", "out of memory");
        return;
    }
    cj_api_send_body(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
    free(text);
}

/* GET /, /app.js, /style.css: the dashboard, embedded from web/ at build time (web.c). */
void cj_api_node_web(cj_api_rq *r, const char *param)
{
    const unsigned char *body = NULL;
    size_t len = 0;
    const char *mime = NULL;
    (void)param;
    int code = cj_web_prepare(r->req, r->path, &body, &len, &mime);
    if (code == 0) {
        cj_api_send_error(r, 404, "not found", "no such file");
        return;
    }
    cj_api_send_body(r, code, mime, (const char *)body, len);
}
