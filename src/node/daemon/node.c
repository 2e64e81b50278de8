/* coinjectured: command line, configuration, start-up checks, the event loop and clean shutdown. */
#include "node.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "api_setup.h"
#include "cmdline.h"
#include "devchain.h"
#include "keys.h"
#include "log.h"
#include "metrics.h"
#include "p2p.h"
#include "p2p_setup.h"
#include "shadow.h"
#include "sign_guard.h"

#ifndef COINJECTURE_NODE_VERSION
#define COINJECTURE_NODE_VERSION CJ_NODE_VERSION_FALLBACK
#endif

extern char **environ;

/* The daemon's version (the project version from CMake). */
const char *cj_node_version(void)
{
    return COINJECTURE_NODE_VERSION;
}

/* Applies log level and format from the configuration and flushes config warnings into the log. */
static void setup_logging(cj_config *cfg)
{
    cj_log_level lvl = CJ_LOG_INFO;
    cj_log_format fmt = CJ_LOG_HUMAN;
    cj_log_level_parse(cfg->log_level, &lvl);
    cj_log_format_parse(cfg->log_format, &fmt);
    cj_log_set_level(lvl);
    cj_log_set_format(fmt);
    for (size_t i = 0; i < cfg->warning_count; i++)
        cj_log_warn("config: %s", cfg->warnings[i]);
}

/* Selects the crypto backend; refuses "accelerated" when the library cannot run it here. */
static int setup_backend(const cj_config *cfg, char *err, size_t errlen)
{
    if (coinjecture_backend_select(cfg->crypto_backend) != COINJ_OK) {
        snprintf(err, errlen, "consensus.crypto_backend '%s' cannot be selected: %s", cfg->crypto_backend,
                 coinjecture_last_error_message());
        return -1;
    }
    if (strcmp(cfg->crypto_backend, coinjecture_backend_active()) != 0) {
        snprintf(err, errlen,
                 "consensus.crypto_backend is '%s' but the core library runs '%s' (code path %s): this CPU or "
                 "build cannot run it; use crypto_backend: reference",
                 cfg->crypto_backend, coinjecture_backend_active(), coinjecture_backend_detail());
        return -1;
    }
    const char *labels[3] = {coinjecture_backend_requested(), coinjecture_backend_active(),
                             coinjecture_backend_detail()};
    cj_metrics_set_l("crypto_backend_info", labels, 1);
    return 0;
}

/* Joins dir and name into out. */
static int path_join(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

/* Whether two parsed genesis documents describe the same chain (compares their canonical JSON). */
static int genesis_equal(const cj_genesis *a, const cj_genesis *b)
{
    char *ja = cj_genesis_to_json(a), *jb = cj_genesis_to_json(b);
    int eq = ja != NULL && jb != NULL && strcmp(ja, jb) == 0;
    free(ja);
    free(jb);
    return eq;
}

/* Copies a file byte for byte to a new path (O_EXCL). */
static int copy_file(const char *from, const char *to, char *err, size_t errlen)
{
    FILE *in = fopen(from, "rb");
    if (in == NULL) {
        snprintf(err, errlen, "%s: %s", from, strerror(errno));
        return -1;
    }
    int fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", to, strerror(errno));
        fclose(in);
        return -1;
    }
    char buf[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (write(fd, buf, n) != (ssize_t)n)
            rc = -1;
    if (ferror(in) || fsync(fd) != 0)
        rc = -1;
    fclose(in);
    if (close(fd) != 0)
        rc = -1;
    if (rc != 0) {
        snprintf(err, errlen, "cannot write %s", to);
        unlink(to);
    }
    return rc;
}

/* `coinjectured init`: creates the data directory, its database and genesis block, and a copy of the
 * genesis file; idempotent for the same genesis, refuses another one. */
static int cmd_init(cj_config *cfg)
{
    char err[1024], gpath[4096];
    cj_genesis g, existing;
    cj_chain *chain = NULL;
    if (cfg->genesis_file[0] == '\0') {
        cj_log_error("init needs --genesis FILE (node.genesis_file)");
        return 2;
    }
    if (cj_genesis_load(cfg->genesis_file, &g, err, sizeof err) != 0) {
        cj_log_error("%s", err);
        return 1;
    }
    if (path_join(gpath, sizeof gpath, cfg->data_dir, "genesis.json") != 0) {
        cj_log_error("node.data_dir is too long");
        cj_genesis_free(&g);
        return 1;
    }
    if (access(gpath, F_OK) == 0) {
        if (cj_genesis_load(gpath, &existing, err, sizeof err) != 0) {
            cj_log_error("%s", err);
            cj_genesis_free(&g);
            return 1;
        }
        int same = genesis_equal(&g, &existing);
        cj_genesis_free(&existing);
        if (!same) {
            cj_log_error("%s already holds a different genesis (%s); use another --data-dir", cfg->data_dir, gpath);
            cj_genesis_free(&g);
            return 1;
        }
    }
    cj_chain_status st = cj_chain_init_datadir(cfg->data_dir, &g, err, sizeof err);
    if (st != CJ_CHAIN_OK) {
        cj_log_error("init %s: %s: %s", cfg->data_dir, cj_chain_status_name(st), err);
        cj_genesis_free(&g);
        return 1;
    }
    if (access(gpath, F_OK) != 0 && copy_file(cfg->genesis_file, gpath, err, sizeof err) != 0) {
        cj_log_error("init: %s", err);
        cj_genesis_free(&g);
        return 1;
    }
    st = cj_chain_open(cfg->data_dir, &g, NULL, NULL, &chain, err, sizeof err);
    if (st != CJ_CHAIN_OK) {
        cj_log_error("init %s: %s: %s", cfg->data_dir, cj_chain_status_name(st), err);
        cj_genesis_free(&g);
        return 1;
    }
    uint8_t gh[32];
    char hex[65];
    cj_chain_genesis_hash(chain, gh);
    coinjecture_hex_encode(gh, 32, hex, sizeof hex);
    printf("initialised %s\nnetwork:      %s\nchain_id:     %llu\nvalidators:   %zu\ngenesis_hash: %s\n",
           cfg->data_dir, g.network, (unsigned long long)g.chain_id, g.validator_count, hex);
    cj_chain_close(chain);
    cj_genesis_free(&g);
    return 0;
}

/* `coinjectured reset-sign-state --data-dir D --height H`: the operator's explicit reset of the double-sign
 * protection (docs/OPERATIONS.md): refused while a node runs on the data dir (its lock). */
static int cmd_reset_sign_state(const cj_config *cfg, uint64_t h)
{
    char err[1024];
    cj_sign_record old;
    int had = cj_sign_state_read(cfg->data_dir, &old, err, sizeof err);
    if (had < 0)
        cj_log_warn("replacing an unusable sign-state: %s", err);
    if (cj_sign_state_reset(cfg->data_dir, h, err, sizeof err) != 0) {
        cj_log_error("reset-sign-state: %s", err);
        return 1;
    }
    if (had > 0)
        printf("sign-state of %s reset from height %llu to %llu\n", cfg->data_dir, (unsigned long long)old.height,
               (unsigned long long)h);
    else
        printf("sign-state of %s set to height %llu\n", cfg->data_dir, (unsigned long long)h);
    return 0;
}

/* ---- event loop ---- */

/* Arms the production timer for this node's next slot (at most 1 s ahead, so clock jumps and
 * validator-set changes are noticed). Observers and disabled producers get no timer. */
static void arm_producer(cj_node *n, int64_t min_delay_ms)
{
    if (n->produce_timer == NULL || n->stopping)
        return;
    int64_t next = cj_chain_next_production_ms(n->chain);
    int64_t delay = next == INT64_MAX ? 1000 : next - cj_clock_wall_ms();
    if (delay < min_delay_ms)
        delay = min_delay_ms;
    if (delay > 1000)
        delay = 1000;
    struct timeval tv = {(time_t)(delay / 1000), (suseconds_t)((delay % 1000) * 1000)};
    evtimer_add(n->produce_timer, &tv);
}

/* Production timer: seals a block when it is this node's turn. */
static void on_produce(evutil_socket_t fd, short what, void *arg)
{
    cj_node *n = arg;
    cj_produce_result res;
    char err[512], hex[65];
    (void)fd, (void)what;
    int64_t now = cj_clock_wall_ms();
    int64_t next = cj_chain_next_production_ms(n->chain);
    if (next == INT64_MAX || next > now) {
        arm_producer(n, 0);
        return;
    }
    if (cj_p2p_syncing(n->p2p, now)) {
        /* catching up with peers (or waiting for their first status after a restart): sealing now
         * would fork off a stale tip. The out-of-turn wait below counts from when this ends, as the
         * tip is only known then: otherwise every validator of a network started together sealed the
         * first height at the same instant, once all had their peers' status. */
        n->tip_changed_ms = now;
        arm_producer(n, 100);
        return;
    }
    long me = cj_chain_my_index(n->chain);
    uint64_t k = me < 0 ? 0 : cj_chain_turn_offset(n->chain, (size_t)me);
    int64_t offset = k == UINT64_MAX ? 0 : (int64_t)(k * cj_chain_block_time_ms(n->chain));
    if (offset > 0 && now - n->tip_changed_ms < offset) {
        /* local policy, not consensus: out of turn (k block times), also wait k block times after the
         * parent arrived here. The rule (parent time + (1 + k) block times) already spaces the turns; this
         * only matters when the tip is old (the first block after an outage), where it lets the in-turn
         * validator's block arrive first instead of every validator sealing that height at once. */
        arm_producer(n, n->tip_changed_ms + offset - now);
        return;
    }
    if (!cj_sign_guard_may_seal(n, cj_chain_height(n->chain) + 1, now)) {
        arm_producer(n, 100); /* double-sign protection (sign_guard.c): logged once per reason */
        return;
    }
    memset(&res, 0, sizeof res);
    err[0] = '\0';
    cj_tx_source src;
    cj_mempool_source(n->mempool, &src);
    cj_chain_status st = cj_chain_produce(n->chain, &src, now, &res, err, sizeof err);
    if (st == CJ_CHAIN_OK && res.produced) {
        coinjecture_hex_encode(res.hash, 32, hex, sizeof hex);
        cj_log_info("produced block %llu hash %s txs %u (dropped %u invalid)", (unsigned long long)res.height, hex,
                    res.tx_count, res.dropped_txs);
        cj_sign_guard_sealed(n, &res); /* the sign-state is on disk before the block leaves the node */
        cj_node_after_tip_move(n, &res.move);
        return;
    }
    if (st != CJ_CHAIN_OK && st != CJ_CHAIN_NOT_VALIDATOR) {
        cj_log_error("block production failed: %s: %s", cj_chain_status_name(st), err);
        arm_producer(n, 1000);
        return;
    }
    arm_producer(n, 50);
}

/* A transaction entered the mempool (from the API or a peer): relay it once to the peers. */
void cj_node_on_tx_accepted(cj_node *n, const coinjecture_tx *tx, const uint8_t hash[32])
{
    cj_p2p_relay_tx(n->p2p, tx, hash);
    if (cj_log_enabled(CJ_LOG_DEBUG)) {
        char hex[65];
        coinjecture_hex_encode(hash, 32, hex, sizeof hex);
        cj_log_debug("transaction %s admitted to the mempool", hex);
    }
}

/* The one follow-up after the tip moved (a block sealed here, or blocks from peers): the pool drops what
 * the move confirmed and takes back what a reorg undid, peers hear of the new tip, shadow mode checks it,
 * gauges are updated and production is re-armed for the next height. */
void cj_node_after_tip_move(cj_node *n, const cj_tip_move *m)
{
    n->tip_changed_ms = cj_clock_wall_ms();
    (void)cj_mempool_on_tip(n->mempool, cj_chain_state(n->chain), m, n->tip_changed_ms);
    cj_p2p_on_new_tip(n->p2p);
    if (n->shadow != NULL)
        cj_shadow_catch_up(n->shadow, n->chain, cj_clock_wall_ms());
    cj_sign_guard_tip_moved(n, m);
    cj_node_refresh_metrics(n);
    arm_producer(n, 0);
}

/* Adds the growth of a monotonic counter since the last refresh to a metrics counter. */
static void mirror(const char *name, uint64_t now, uint64_t *last)
{
    if (now > *last)
        cj_metrics_add(name, (double)(now - *last));
    *last = now;
}

/* Copies chain and mempool state into the metrics registry. */
void cj_node_refresh_metrics(cj_node *n)
{
    cj_chain_stats s;
    cj_mempool_stats m;
    cj_chain_get_stats(n->chain, &s);
    cj_mempool_get_stats(n->mempool, &m);
    cj_metrics_set("block_height", (double)cj_chain_height(n->chain));
    cj_metrics_set("mempool_size", (double)cj_mempool_size(n->mempool));
    cj_metrics_set("validators", (double)cj_chain_validator_count(n->chain));
    cj_metrics_set("is_validator", cj_chain_my_index(n->chain) >= 0 ? 1 : 0);
    mirror("blocks_produced_total", s.blocks_produced, &n->last_stats.blocks_produced);
    mirror("blocks_received_total", s.blocks_imported, &n->last_stats.blocks_imported);
    mirror("blocks_rejected_total", s.blocks_rejected, &n->last_stats.blocks_rejected);
    mirror("blocks_rejected_future_total", s.future_rejected, &n->last_stats.future_rejected);
    mirror("reorgs_total", s.reorgs, &n->last_stats.reorgs);
    mirror("transactions_confirmed_total", s.txs_confirmed, &n->last_stats.txs_confirmed);
    mirror("double_sign_evidence_total", s.double_signs, &n->last_stats.double_signs);
    mirror("transactions_accepted_total", m.admitted, &n->last_mp_stats.admitted);
    mirror("transactions_rejected_total", m.rejected, &n->last_mp_stats.rejected);
}

/* Once a second: mempool expiry (every 5 s), metrics refresh. */
static void on_housekeeping(evutil_socket_t fd, short what, void *arg)
{
    static unsigned ticks = 0;
    cj_node *n = arg;
    (void)fd, (void)what;
    if (++ticks % 5 == 0) {
        size_t dropped = cj_mempool_expire(n->mempool, cj_clock_wall_ms());
        if (dropped)
            cj_log_info("mempool: %zu transactions expired", dropped);
    }
    cj_shadow_tick(n->shadow, cj_clock_wall_ms());
    cj_sign_guard_tick(n);
    cj_node_refresh_metrics(n);
}

/* A peer's status: shadow mode's peer parity (it ignores keys other than the watched validator's). */
void cj_node_on_peer_status(cj_node *n, const uint8_t node_key[32], uint64_t height, const uint8_t best[32])
{
    if (n->shadow != NULL)
        cj_shadow_on_peer_hash(n->shadow, height, best, node_key, cj_clock_wall_ms());
}

/* A peer's block broke a chain rule: shadow mode's peer parity (only blocks sealed by the watched validator
 * count; it checks the seal itself). */
void cj_node_on_block_invalid(cj_node *n, const coinjecture_header *h, cj_chain_status st, const char *err)
{
    char verdict[320];
    if (n->shadow == NULL)
        return;
    snprintf(verdict, sizeof verdict, "%s: %s", cj_chain_status_name(st), err);
    cj_shadow_on_invalid_block(n->shadow, h, verdict, cj_clock_wall_ms());
}

/* Wire-level double-sign evidence (already logged and counted by the pool): gossiped once to every peer; when
 * it names this node's own validator key, another instance is sealing with it: sealing is held and the operator
 * must hear of it at once. */
void cj_node_on_evidence(cj_node *n, const cj_evidence_record *r)
{
    cj_sign_guard_on_evidence(n, r);
    cj_evidence_gossip_send(n->p2p, r); /* once: each record is new exactly once */
    long me = cj_chain_my_index(n->chain);
    const uint8_t *my_key = me < 0 ? NULL : cj_chain_validator(n->chain, (size_t)me);
    if (my_key != NULL && memcmp(my_key, r->validator, 32) == 0)
        cj_log_critical("double-sign evidence names THIS node's validator key at height %llu: another instance "
                        "is sealing with it (see docs/OPERATIONS.md, procedure F)",
                        (unsigned long long)r->height);
    cj_node_refresh_metrics(n);
}

/* Creates the shadow-mode checker from consensus.shadow_mode (validator by key or genesis index). */
static int setup_shadow(cj_node *n, char *err, size_t errlen)
{
    cj_shadow_options o;
    cj_shadow_options_default(&o);
    if (n->cfg.shadow_compare_with[0] != '\0') {
        if (cj_shadow_parse_validator(n->cfg.shadow_compare_with, (const uint8_t(*)[32])n->genesis.validators,
                                      n->genesis.validator_count, o.validator, &o.validator_index, err, errlen) != 0)
            return -1;
        o.has_validator = 1;
        if (n->has_key && memcmp(o.validator, n->pubkey, 32) == 0)
            cj_log_warn("consensus.shadow_mode.compare_with_validator is this node's own key: peer parity compares "
                        "nothing");
    }
    o.alert_on_divergence = n->cfg.shadow_alert_on_divergence;
    o.log_all_comparisons = n->cfg.shadow_log_all;
    o.alert_command = n->cfg.shadow_alert_command;
    if ((n->shadow = cj_shadow_new(&o, err, errlen)) == NULL)
        return -1;
    cj_shadow_catch_up(n->shadow, n->chain, cj_clock_wall_ms()); /* checks the tip now */
    cj_log_info("shadow mode: backend parity %s against %s; peer parity %s%s", cj_shadow_backend_mode(n->shadow),
                cj_shadow_backend_other(n->shadow), o.has_validator ? "with validator " : "off",
                o.has_validator ? n->cfg.shadow_compare_with : "");
    return 0;
}

/* SIGINT/SIGTERM: leave the loop; cleanup happens in cj_node_main. */
static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    cj_node *n = arg;
    (void)what;
    if (n->stopping)
        return;
    n->stopping = 1;
    cj_log_info("received %s: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    event_base_loopexit(n->base, NULL);
}

/* Loads and checks the data directory's genesis (and the configured one, if any). */
static int load_genesis(cj_node *n, char *err, size_t errlen)
{
    char gpath[4096];
    cj_genesis other;
    if (path_join(gpath, sizeof gpath, n->cfg.data_dir, "genesis.json") != 0) {
        snprintf(err, errlen, "node.data_dir is too long");
        return -1;
    }
    if (access(gpath, F_OK) != 0) {
        snprintf(err, errlen,
                 "%s is not initialised (no genesis.json): run `coinjectured init --genesis FILE --data-dir %s` first",
                 n->cfg.data_dir, n->cfg.data_dir);
        return -1;
    }
    if (cj_genesis_load(gpath, &n->genesis, err, errlen) != 0)
        return -1;
    if (n->cfg.genesis_file[0] != '\0') {
        if (cj_genesis_load(n->cfg.genesis_file, &other, err, errlen) != 0)
            return -1;
        int same = genesis_equal(&n->genesis, &other);
        cj_genesis_free(&other);
        if (!same) {
            snprintf(err, errlen, "node.genesis_file %s describes another chain than %.900s", n->cfg.genesis_file, gpath);
            return -1;
        }
    }
    return 0;
}

/* Loads the node key (if configured) and checks it against consensus.validator_key. */
static int load_key(cj_node *n, uint8_t sk[64], char *err, size_t errlen)
{
    if (n->cfg.key_file[0] == '\0') {
        if (n->cfg.validator_key[0] != '\0') {
            snprintf(err, errlen, "consensus.validator_key is set but node.key_file is not: the node needs the "
                                  "private key file to sign blocks");
            return -1;
        }
        return 0;
    }
    if (cj_keys_load(n->cfg.key_file, sk, n->pubkey, err, errlen) != 0)
        return -1;
    n->has_key = 1;
    if (n->cfg.validator_key[0] != '\0') {
        uint8_t want[32];
        if (coinjecture_hex_decode(n->cfg.validator_key, want, 32) != COINJ_OK || memcmp(want, n->pubkey, 32) != 0) {
            snprintf(err, errlen, "consensus.validator_key does not match the public key of %s", n->cfg.key_file);
            sodium_memzero(sk, 64);
            return -1;
        }
    }
    return 0;
}

/* Registers consensus.votes as the chain's vote intentions; entries the set already satisfies only warn. */
static int setup_votes(cj_node *n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n->cfg.consensus_votes.count; i++) {
        const char *text = n->cfg.consensus_votes.items[i];
        cj_vote v;
        char why[256];
        if (cj_chain_vote_parse(text, &v) != 0) {
            snprintf(err, errlen, "consensus.votes[%zu]: malformed entry '%.80s'", i, text);
            return -1;
        }
        cj_chain_status st = cj_chain_vote_intent_add(n->chain, &v, why, sizeof why);
        if (st == CJ_CHAIN_BAD_VOTE) {
            cj_log_warn("consensus.votes[%zu] %.80s: not cast: %s", i, text, why);
        } else if (st != CJ_CHAIN_OK) {
            snprintf(err, errlen, "consensus.votes[%zu] %.80s: %s", i, text, why);
            return -1;
        } else {
            cj_log_info("vote intention: %.80s", text);
        }
    }
    return 0;
}

/* The chain side of a start: genesis, key, chain, shadow mode, vote intentions, mempool. 0 or -1 with err. */
static int open_state(cj_node *n, char *err, size_t errlen)
{
    uint8_t sk[64];
    cj_chain_options copt;
    cj_mempool_options mopt;
    if (load_genesis(n, err, errlen) != 0)
        return -1;
    sodium_memzero(sk, sizeof sk);
    if (load_key(n, sk, err, errlen) != 0) {
        sodium_memzero(sk, sizeof sk);
        return -1;
    }
    cj_chain_options_default(&copt);
    copt.clock_tolerance_ms = (uint32_t)n->cfg.clock_tolerance_ms;
    char cerr[768];
    cj_chain_status st =
        cj_chain_open(n->cfg.data_dir, &n->genesis, n->has_key ? sk : NULL, &copt, &n->chain, cerr, sizeof cerr);
    sodium_memzero(sk, sizeof sk);
    if (st != CJ_CHAIN_OK) {
        snprintf(err, errlen, "cannot open the chain in %s: %s: %s", n->cfg.data_dir, cj_chain_status_name(st), cerr);
        return -1;
    }
    if ((n->cfg.shadow_enabled && setup_shadow(n, err, errlen) != 0) || setup_votes(n, err, errlen) != 0)
        return -1;
    cj_mempool_options_default(&mopt);
    mopt.max_txs = (uint32_t)n->cfg.mempool_max_size;
    mopt.max_per_sender = (uint32_t)n->cfg.mempool_max_per_account;
    if ((n->mempool = cj_mempool_new(&mopt)) == NULL) {
        snprintf(err, errlen, "cannot create the mempool: out of memory");
        return -1;
    }
    return 0;
}

/* The event side of a start: loop, signals, housekeeping, API, P2P, production timer. 0 or -1 with err. */
static int open_loop(cj_node *n, char *err, size_t errlen)
{
    if ((n->base = event_base_new()) == NULL || event_base_priority_init(n->base, CJ_PRIO_LEVELS) != 0) {
        snprintf(err, errlen, "cannot create the event loop");
        return -1;
    }
    n->sig_int = evsignal_new(n->base, SIGINT, on_signal, n);
    n->sig_term = evsignal_new(n->base, SIGTERM, on_signal, n);
    n->housekeeping_timer = event_new(n->base, -1, EV_PERSIST, on_housekeeping, n);
    if (n->sig_int == NULL || n->sig_term == NULL || n->housekeeping_timer == NULL || evsignal_add(n->sig_int, NULL) ||
        evsignal_add(n->sig_term, NULL)) {
        snprintf(err, errlen, "cannot install signal handlers");
        return -1;
    }
    struct timeval one = {1, 0};
    evtimer_add(n->housekeeping_timer, &one);
    if (n->cfg.api_enabled && (n->api = cj_api_setup_start(n, err, errlen)) == NULL)
        return -1;
    if ((n->p2p = cj_p2p_start_node(n, err, errlen)) == NULL)
        return -1;
    if (n->has_key && n->cfg.consensus_enabled) {
        n->produce_timer = evtimer_new(n->base, on_produce, n);
        if (n->produce_timer == NULL || event_priority_set(n->produce_timer, CJ_PRIO_CONSENSUS) != 0) {
            snprintf(err, errlen, "cannot create the production timer");
            return -1;
        }
        arm_producer(n, 0);
    }
    return 0;
}

/* The start banner: what runs, on which chain, as which validator, where to reach it. */
static void log_banner(const cj_node *n)
{
    char hex[65];
    uint8_t tip[32];
    cj_chain_tip_hash(n->chain, tip);
    coinjecture_hex_encode(tip, 32, hex, sizeof hex);
    cj_log_info("coinjectured %s started: network %s chain_id %llu, height %llu tip %s", cj_node_version(),
                n->genesis.network, (unsigned long long)n->genesis.chain_id,
                (unsigned long long)cj_chain_height(n->chain), hex);
    cj_log_info("crypto backend: %s (code path %s)", coinjecture_backend_active(), coinjecture_backend_detail());
    long me = cj_chain_my_index(n->chain);
    if (n->has_key) {
        coinjecture_hex_encode(n->pubkey, 32, hex, sizeof hex);
        if (me >= 0)
            cj_log_info("validator %ld of %zu, key %s%s", me, cj_chain_validator_count(n->chain), hex,
                        n->cfg.consensus_enabled ? "" : " (production disabled by consensus.enabled: false)");
        else
            cj_log_info("key %s is not in the validator set: following the chain only", hex);
    } else {
        cj_log_info("no key file: following the chain only");
    }
    if (n->api != NULL)
        cj_log_info("HTTP API on http://%s:%u/", n->cfg.api_host, (unsigned)cj_api_port(n->api));
    cj_log_info("P2P on %s:%u, %zu static peers", n->cfg.p2p_host, (unsigned)cj_p2p_port(n->p2p),
                n->cfg.p2p_bootstrap_peers.count);
}

/* Releases what a start opened, in reverse order; P2P after the loop has exited (closes every peer). */
static void close_node(cj_node *n)
{
    cj_api_stop(n->api);
    n->api = NULL;
    cj_p2p_free(n->p2p);
    n->p2p = NULL;
    cj_shadow_free(n->shadow);
    n->shadow = NULL;
    struct event **evs[] = {&n->produce_timer, &n->housekeeping_timer, &n->sig_int, &n->sig_term};
    for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++) {
        if (*evs[i])
            event_free(*evs[i]);
        *evs[i] = NULL;
    }
    if (n->base)
        event_base_free(n->base);
    n->base = NULL;
    cj_mempool_free(n->mempool);
    n->mempool = NULL;
    cj_chain_close(n->chain);
    n->chain = NULL;
    free(n->sign);
    n->sign = NULL;
}

/* Opens everything, runs the loop until a signal, and tears down in reverse order. */
static int cmd_run(cj_node *n)
{
    char err[1024];
    int rc = 1;
    n->started_ms = cj_clock_wall_ms();
    n->tip_changed_ms = n->started_ms;
    cj_metrics_set("start_time_seconds", (double)(n->started_ms / 1000));
    if (open_state(n, err, sizeof err) != 0 || open_loop(n, err, sizeof err) != 0) {
        cj_log_error("%s", err);
        close_node(n);
        return 1;
    }
    log_banner(n);
    cj_sign_guard_start(n);
    cj_node_refresh_metrics(n);
    if (event_base_dispatch(n->base) != 0)
        cj_log_error("the event loop failed");
    else
        rc = 0;
    cj_log_info("stopped at height %llu", (unsigned long long)cj_chain_height(n->chain));
    close_node(n);
    return rc;
}

/* Entry point shared by main.c and tests. */
int cj_node_main(int argc, char **argv)
{
    cj_cmdline a;
    cj_node n;
    char err[1024];
    int rc;
    memset(&n, 0, sizeof n);
    rc = cj_cmdline_parse(argc, argv, &a);
    if (rc >= 0)
        return rc;
    if (a.sample_config) {
        cj_config_sample(stdout);
        cj_cmdline_free(&a);
        return 0;
    }
    rc = cj_cmdline_config(&a, environ, &n.cfg, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "coinjectured: configuration error: %s\n", err);
        cj_cmdline_free(&a);
        cj_config_free(&n.cfg);
        return 2;
    }
    if (a.print_config) {
        for (size_t i = 0; i < n.cfg.warning_count; i++)
            fprintf(stderr, "warning: %s\n", n.cfg.warnings[i]);
        cj_config_print(&n.cfg, stdout);
        cj_cmdline_free(&a);
        cj_config_free(&n.cfg);
        return 0;
    }
    setup_logging(&n.cfg);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    if (sodium_init() < 0 || cj_metrics_init() != 0) {
        cj_log_critical("cannot initialise libsodium or the metrics registry");
        cj_config_free(&n.cfg);
        cj_cmdline_free(&a);
        return 1;
    }
    const char *build[2] = {cj_node_version(), coinjecture_library_version()};
    cj_metrics_set_l("build_info", build, 1);
    if (setup_backend(&n.cfg, err, sizeof err) != 0) {
        cj_log_critical("%s", err);
        cj_config_free(&n.cfg);
        cj_cmdline_free(&a);
        return 1;
    }
    if (a.dev && cj_devchain_prepare(&n.cfg, err, sizeof err) != 0) {
        cj_log_critical("--dev: %s", err);
        rc = 1;
    } else if (a.dev) {
        rc = cmd_init(&n.cfg);
        rc = rc != 0 ? rc : cmd_run(&n);
    } else {
        rc = a.cmd == CJ_CMDLINE_INIT               ? cmd_init(&n.cfg)
             : a.cmd == CJ_CMDLINE_RESET_SIGN_STATE ? cmd_reset_sign_state(&n.cfg, a.height)
                                                    : cmd_run(&n);
    }
    cj_genesis_free(&n.genesis);
    cj_config_free(&n.cfg);
    cj_cmdline_free(&a);
    cj_metrics_reset();
    return rc;
}
