/* HTTP API handlers for the chain: blocks, accounts, validators and this node's validator votes. */
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "api_json.h"
#include "log.h"

/* Public key of the validator whose address is miner_address, or NULL. */
static const uint8_t *chain_proposer_of(const cj_chain *c, const uint8_t miner_address[32])
{
    uint8_t addr[32];
    for (size_t i = 0; i < cj_chain_validator_count(c); i++) {
        const uint8_t *pk = cj_chain_validator(c, i);
        if (pk != NULL && coinjecture_derive_address(pk, addr) == COINJ_OK && memcmp(addr, miner_address, 32) == 0)
            return pk;
    }
    return NULL;
}

/* ?transactions=false on a block request: 0 (leave the transaction list out, for pollers that only
 * need the header and tx_count), else 1. */
static int chain_query_transactions(cj_api_rq *r)
{
    const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(r->req));
    struct evkeyvalq params;
    if (q == NULL || *q == '\0' || evhttp_parse_query_str(q, &params) != 0)
        return 1;
    const char *v = evhttp_find_header(&params, "transactions");
    int want = !(v != NULL && (strcmp(v, "false") == 0 || strcmp(v, "0") == 0));
    evhttp_clear_headers(&params);
    return want;
}

/* Block JSON plus the chain's view of it (canonical, weight, proposer, size). */
static void chain_reply_block(cj_api_rq *r, cj_chain_status st, cj_chain_block *b)
{
    if (st == CJ_CHAIN_NOT_FOUND) {
        cj_api_send_error(r, 404, "block not found", "no stored block matches");
        return;
    }
    if (st != CJ_CHAIN_OK) {
        cj_api_send_error(r, 500, "internal error", cj_chain_status_name(st));
        return;
    }
    json_t *o = cj_json_block(&b->block);
    if (o != NULL && !chain_query_transactions(r))
        json_object_del(o, "transactions");
    if (o != NULL) {
        const uint8_t *pk =
            b->has_proposer ? b->proposer : chain_proposer_of(r->a->cfg.chain, b->block.header.miner_address);
        cj_api_put(o, "canonical", json_boolean(b->canonical));
        cj_api_put(o, "cum_weight", cj_json_from_u64(b->cum_weight));
        cj_api_put(o, "size", json_integer((json_int_t)b->len));
        cj_api_put(o, "proposer", pk ? cj_api_hex32(pk) : json_null());
        if (b->block.header.extra_data_len >= 32)
            cj_api_put(o, "state_root", cj_api_hex32(b->block.header.extra_data));
        cj_api_put(o, "confirmations",
            cj_json_from_u64(b->canonical ? cj_chain_height(r->a->cfg.chain) - b->height + 1 : 0));
    }
    cj_chain_block_free(b);
    cj_api_send_json(r, 200, o);
}

/* GET /v1/blocks/latest */
void cj_api_chain_block_latest(cj_api_rq *r, const char *param)
{
    cj_chain_block b;
    (void)param;
    cj_chain_status st = cj_chain_block_by_height(r->a->cfg.chain, cj_chain_height(r->a->cfg.chain), &b);
    chain_reply_block(r, st, &b);
}

/* GET /v1/blocks/{height} */
void cj_api_chain_block_height(cj_api_rq *r, const char *param)
{
    uint64_t h;
    cj_chain_block b;
    if (cj_value_parse_u64(param, &h) != 0) {
        cj_api_send_error(r, 400, "invalid height", "height must be a decimal integer 0..18446744073709551615");
        return;
    }
    if (h > cj_chain_height(r->a->cfg.chain)) {
        cj_api_send_error(r, 404, "block not found", "height is above the current tip");
        return;
    }
    chain_reply_block(r, cj_chain_block_by_height(r->a->cfg.chain, h, &b), &b);
}

/* GET /v1/blocks/hash/{hash} */
void cj_api_chain_block_hash(cj_api_rq *r, const char *param)
{
    uint8_t h[32];
    cj_chain_block b;
    if (cj_api_parse_hash_param(r, param, h, "block hash") != 0)
        return;
    chain_reply_block(r, cj_chain_block_by_hash(r->a->cfg.chain, h, &b), &b);
}

/* GET /v1/accounts/{pubkey-hex} */
void cj_api_chain_account(cj_api_rq *r, const char *param)
{
    uint8_t pk[32];
    coinjecture_account acct;
    const cj_api_config *cfg = &r->a->cfg;
    if (cj_api_parse_hash_param(r, param, pk, "public key") != 0)
        return;
    int exists = cj_chain_account(cfg->chain, pk, &acct);
    json_t *o = cj_json_account(pk, acct.balance, acct.nonce);
    cj_api_put(o, "exists", json_boolean(exists));
    cj_api_put(o, "pending_txs", json_integer((json_int_t)cj_mempool_sender_count(cfg->mempool, pk)));
    cj_api_put(o, "height", cj_json_from_u64(cj_chain_height(cfg->chain)));
    cj_api_send_json(r, 200, o);
}

#define ACTIVITY_WINDOW 64 /* blocks over which /v1/validators reports last_seen / missed */

/* The local vote intentions with their state (cast in this epoch, already satisfied by the set). */
static json_t *chain_intents_json(cj_chain *c)
{
    cj_vote iv[CJ_CHAIN_MAX_VOTE_INTENTS];
    size_t ni = cj_chain_vote_intents(c, iv, CJ_CHAIN_MAX_VOTE_INTENTS);
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < ni && i < CJ_CHAIN_MAX_VOTE_INTENTS; i++) {
        int member = 0;
        for (size_t j = 0; j < cj_chain_validator_count(c); j++)
            if (memcmp(cj_chain_validator(c, j), iv[i].key, 32) == 0)
                member = 1;
        json_t *e = json_object();
        cj_api_put(e, "action", json_string(cj_chain_vote_action_name(iv[i].action)));
        cj_api_put(e, "pubkey", cj_api_hex32(iv[i].key));
        cj_api_put(e, "cast_this_epoch", json_boolean(cj_chain_vote_cast(c, &iv[i])));
        cj_api_put(e, "satisfied", json_boolean(iv[i].action == CJ_VOTE_ADD ? member : !member));
        if (e != NULL)
            json_array_append_new(arr, e);
    }
    return arr;
}

/* GET /v1/validators: the set in force for the next block, in schedule order, with who proposes next,
 * recent activity, the epoch, the pending proposals of this epoch (voters, tallies) and this node's own
 * vote intentions (docs/CHAIN.md "Validator votes"). */
void cj_api_chain_validators(cj_api_rq *r, const char *param)
{
    cj_chain *c = r->a->cfg.chain;
    uint8_t addr[32];
    (void)param;
    size_t cnt = cj_chain_validator_count(c);
    uint64_t next = cj_chain_height(c) + 1, L = cj_chain_epoch_length(c);
    cj_validator_activity *act = calloc(cnt ? cnt : 1, sizeof *act);
    if (act == NULL) {
        cj_api_send_error(r, 500, "internal error", "out of memory");
        return;
    }
    size_t nact = cj_chain_validator_activity(c, ACTIVITY_WINDOW, act, cnt);
    json_t *o = json_object(), *arr = json_array();
    cj_api_put(o, "height", cj_json_from_u64(cj_chain_height(c)));
    cj_api_put(o, "count", json_integer((json_int_t)cnt));
    cj_api_put(o, "epoch_length", cj_json_from_u64(L));
    cj_api_put(o, "epoch", cj_json_from_u64(L ? next / L : 0));
    cj_api_put(o, "epoch_start", cj_json_from_u64(L ? next / L * L : 0));
    cj_api_put(o, "next_epoch_height", cj_json_from_u64(cj_chain_epoch_end(c)));
    cj_api_put(o, "votes_needed", json_integer((json_int_t)cj_chain_votes_needed(c)));
    cj_api_put(o, "next_height", cj_json_from_u64(next));
    cj_api_put(o, "next_in_turn", cnt ? json_integer((json_int_t)(next % cnt)) : json_null());
    cj_api_put(o, "self_index", cj_chain_my_index(c) >= 0 ? json_integer(cj_chain_my_index(c)) : json_null());
    cj_api_put(o, "activity_window", json_integer(ACTIVITY_WINDOW));
    for (size_t i = 0; arr != NULL && i < cnt; i++) {
        const uint8_t *pk = cj_chain_validator(c, i);
        json_t *v = json_object();
        if (pk == NULL || coinjecture_derive_address(pk, addr) != COINJ_OK) {
            json_decref(v);
            continue;
        }
        cj_api_put(v, "index", json_integer((json_int_t)i));
        cj_api_put(v, "pubkey", cj_api_hex32(pk));
        cj_api_put(v, "address", cj_api_hex32(addr));
        cj_api_put(v, "blocks_since_start", cj_json_from_u64(cj_chain_validator_blocks(c, i)));
        cj_api_put(v, "is_self", json_boolean((long)i == cj_chain_my_index(c)));
        cj_api_put(v, "in_turn", json_boolean(next % cnt == i));
        cj_api_put(v, "earliest_next_ms", json_integer(cj_chain_earliest_ms(c, next, i)));
        if (i < nact) {
            cj_api_put(v, "last_seen_height", act[i].last_height ? cj_json_from_u64(act[i].last_height) : json_null());
            cj_api_put(v, "last_seen_ms", act[i].last_height ? json_integer(act[i].last_ms) : json_null());
            cj_api_put(v, "blocks_recent", cj_json_from_u64(act[i].blocks));
            cj_api_put(v, "in_turn_recent", cj_json_from_u64(act[i].in_turn));
            cj_api_put(v, "missed", cj_json_from_u64(act[i].missed));
        }
        if (v != NULL)
            json_array_append_new(arr, v);
    }
    free(act);
    cj_api_put(o, "validators", arr);
    json_t *props = json_array();
    size_t np = cj_chain_proposal_count(c), need = cj_chain_votes_needed(c);
    for (size_t i = 0; props != NULL && i < np; i++) {
        cj_vote pv;
        size_t votes = 0;
        if (cj_chain_proposal(c, i, &pv, &votes) != 0)
            continue;
        json_t *e = json_object(), *voters = json_array();
        cj_api_put(e, "action", json_string(cj_chain_vote_action_name(pv.action)));
        cj_api_put(e, "pubkey", cj_api_hex32(pv.key));
        cj_api_put(e, "votes", json_integer((json_int_t)votes));
        cj_api_put(e, "needed", json_integer((json_int_t)need));
        cj_api_put(e, "passes", json_boolean(votes >= need));
        cj_api_put(e, "applies_at", cj_json_from_u64(cj_chain_epoch_end(c)));
        for (size_t j = 0; voters != NULL && j < votes; j++) {
            const uint8_t *vk = cj_chain_proposal_voter(c, i, j);
            if (vk != NULL)
                json_array_append_new(voters, cj_api_hex32(vk));
        }
        cj_api_put(e, "voters", voters);
        if (e != NULL)
            json_array_append_new(props, e);
    }
    cj_api_put(o, "proposals", props);
    cj_api_put(o, "my_votes", chain_intents_json(c));
    cj_api_send_json(r, 200, o);
}

/* Whether the client of r is on loopback (127.0.0.0/8, ::1, ::ffff:127.x): the vote endpoints are local-only. */
static int chain_client_is_loopback(cj_api_rq *r)
{
    char *ip = NULL;
    ev_uint16_t port = 0;
    struct evhttp_connection *con = evhttp_request_get_connection(r->req);
    if (con == NULL)
        return 0;
    evhttp_connection_get_peer(con, &ip, &port);
    if (ip == NULL)
        return 0;
    return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 || strncmp(ip, "::ffff:127.", 11) == 0;
}

/* Reads {"action": "add"|"remove", "pubkey": hex} from the body, or ?action=&pubkey= from the query (DELETE).
 * Replies 400 and returns -1 when malformed. */
static int chain_parse_vote_request(cj_api_rq *r, cj_vote *v)
{
    char text[128];
    const char *action = NULL, *pubkey = NULL;
    json_t *root = NULL;
    struct evkeyvalq params;
    int have_params = 0;
    struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
    size_t len = evbuffer_get_length(in);
    if (len > 4096) {
        cj_api_send_error(r, 413, "request body too large", "a vote is {\"action\": ..., \"pubkey\": ...}");
        return -1;
    }
    if (len > 0) {
        json_error_t jerr;
        const char *body = (const char *)evbuffer_pullup(in, -1);
        root = body ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
        if (!json_is_object(root)) {
            json_decref(root);
            cj_api_send_error(r, 400, "invalid vote", "the body must be a JSON object {\"action\", \"pubkey\"}");
            return -1;
        }
        action = json_string_value(json_object_get(root, "action"));
        pubkey = json_string_value(json_object_get(root, "pubkey"));
    } else {
        const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(r->req));
        if (q != NULL && evhttp_parse_query_str(q, &params) == 0) {
            have_params = 1;
            action = evhttp_find_header(&params, "action");
            pubkey = evhttp_find_header(&params, "pubkey");
        }
    }
    int ok = action != NULL && pubkey != NULL && strlen(action) < 16 && strlen(pubkey) < 80;
    if (ok) {
        snprintf(text, sizeof text, "%s:%s", action, pubkey);
        ok = cj_chain_vote_parse(text, v) == 0;
    }
    json_decref(root);
    if (have_params)
        evhttp_clear_headers(&params);
    if (!ok) {
        cj_api_send_error(r, 400, "invalid vote",
                          "expected action \"add\" or \"remove\" and pubkey = 64 hex digits (an Ed25519 public key)");
        return -1;
    }
    return 0;
}

/* GET/POST/DELETE /v1/validators/votes: this node's vote intentions (docs/CHAIN.md "Validator votes").
 * Changing them is local-only (403 unless the client is on loopback); they are not persisted (use
 * consensus.votes for that). */
void cj_api_chain_votes(cj_api_rq *r, const char *param)
{
    cj_chain *c = r->a->cfg.chain;
    enum evhttp_cmd_type cmd = evhttp_request_get_command(r->req);
    (void)param;
    if (cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD) {
        json_t *o = json_object();
        cj_api_put(o, "my_votes", chain_intents_json(c));
        cj_api_put(o, "is_validator", json_boolean(cj_chain_my_index(c) >= 0));
        cj_api_send_json(r, 200, o);
        return;
    }
    if (!chain_client_is_loopback(r)) {
        cj_api_send_error(r, 403, "forbidden",
                          "validator votes can only be changed from the node's own host (loopback)");
        return;
    }
    cj_vote v;
    char err[256] = "";
    if (chain_parse_vote_request(r, &v) != 0)
        return;
    int code = 200;
    if (cmd == EVHTTP_REQ_POST) {
        cj_chain_status st = cj_chain_vote_intent_add(c, &v, err, sizeof err);
        if (st == CJ_CHAIN_BAD_VOTE) {
            cj_api_send_error(r, 409, "vote not applicable", err);
            return;
        }
        if (st != CJ_CHAIN_OK) {
            cj_api_send_error(r, 400, "invalid vote", err);
            return;
        }
        char hx[65];
        coinjecture_hex_encode(v.key, 32, hx, sizeof hx);
        cj_log_info("vote intention added via the API: %s %s", cj_chain_vote_action_name(v.action), hx);
    } else if (!cj_chain_vote_intent_del(c, &v)) {
        cj_api_send_error(r, 404, "vote not found", "this node holds no such vote intention");
        return;
    }
    json_t *o = json_object();
    cj_api_put(o, "status", json_string(cmd == EVHTTP_REQ_POST ? "added" : "withdrawn"));
    cj_api_put(o, "action", json_string(cj_chain_vote_action_name(v.action)));
    cj_api_put(o, "pubkey", cj_api_hex32(v.key));
    cj_api_put(o, "is_validator", json_boolean(cj_chain_my_index(c) >= 0));
    cj_api_put(o, "my_votes", chain_intents_json(c));
    cj_api_send_json(r, code, o);
}
