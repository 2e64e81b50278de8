/* coinjecture-cli: query a coinjectured node, send signed transfers, build genesis files, and generate
 * load. This file: the option tables, main and its dispatch, and the HTTP (libevent's evhttp client) and
 * JSON (jansson) helpers every command uses; the commands live in cli_*.c (cli.h). */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_json.h"
#include "cli.h"
#include "coinjecture.h"
#include "keys.h"
#include "opts.h"
#include "value.h"

/* ---- options (one table: parser, --help, completion and man page; src/tools/opts.h) ---- */

#define END_OPTS {0, NULL, 0, NULL, NULL, 0, NULL}

static const cj_opt global_opts[] = {
    {G_NODE, "node", 0, "URL", "the node's HTTP API (default $COINJECTURE_NODE or " DEFAULT_NODE ")", 0, NULL},
    {G_JSON, "json", 0, NULL, "print the API's JSON instead of text", 0, NULL},
    {G_TIMEOUT, "timeout", 0, "DURATION", "HTTP timeout of one request, at least 1s (default 30s)", 0, NULL},
    END_OPTS,
};

static const cj_opt send_opts[] = {
    {S_KEY, "key", 0, "FILE", "key file of the sender (required)", 0, "@file"},
    {S_TO, "to", 0, "PUBKEY|KEYFILE", "recipient: 64 hex digits or a key file (required)", 0, "@file"},
    {S_AMOUNT, "amount", 0, "N", "amount to transfer (required)", 0, NULL},
    {S_GAS_LIMIT, "gas-limit", 0, "N", "gas limit (default 21000)", 0, NULL},
    {S_GAS_PRICE, "gas-price", 0, "N",
     "gas price (default: the lowest whose fee meets the minimum fee, max(1000, amount / 10000))", 0, NULL},
    {S_NONCE, "nonce", 0, "N", "nonce (default: the sender's next, after its confirmed and pending ones)", 0, NULL},
    {S_DATA, "data", 0, "HEX", "data carried by the transaction (default none)", 0, NULL},
    {S_WAIT, "wait", 0, NULL, "wait until the transfer is confirmed (at most 60 s)", 0, NULL},
    END_OPTS,
};

static const cj_opt genesis_opts[] = {
    {N_OUT, "out", 'o', "FILE", "the genesis file to write (required; never overwritten)", 0, "@file"},
    {N_VALIDATOR, "validator", 0, "KEY", "a validator, 64 hex or a key file (required; repeat for more)",
     CJ_OPT_REPEAT, "@file"},
    {N_ALLOC, "alloc", 0, "KEY=BALANCE", "an initial balance, KEY as for --validator (repeatable)", CJ_OPT_REPEAT, NULL},
    {N_CHAIN_ID, "chain-id", 0, "N", "chain id (default 1337)", 0, NULL},
    {N_NETWORK, "network", 0, "NAME", "network name (default coinjecture-testnet)", 0, NULL},
    {N_BLOCK_TIME, "block-time", 0, "DURATION", "target block time, e.g. 2s or 500ms (default 2s)", 0, NULL},
    {N_EPOCH_LENGTH, "epoch-length", 0, "N", "blocks per epoch (default 100)", 0, NULL},
    {N_GENESIS_TIME, "genesis-time", 0, "UNIX_SECONDS", "genesis timestamp (default now)", 0, NULL},
    END_OPTS,
};

static const cj_opt load_opts[] = {
    {L_FUNDER, "funder", 0, "KEYFILE", "fund --keys fresh keys from this key's account (it needs keys x (fund + fee))",
     0, "@file"},
    {L_KEYS, "keys", 0, "N", "fresh keys to fund with --funder, 2..10000 (default 16)", 0, NULL},
    {L_KEY_DIR, "key-dir", 0, "DIR", "send from the already funded key files DIR/*.key instead of --funder", 0,
     "@dir"},
    {L_DURATION, "duration", 0, "DURATION", "length of the sending window (default 10s)", 0, NULL},
    {L_CONFIRM_TIMEOUT, "confirm-timeout", 0, "DURATION",
     "how long to wait for funding and for the transfers to be confirmed (default 2m)", 0, NULL},
    {L_FUND, "fund", 0, "N", "amount given to each fresh key (default 1000000000)", 0, NULL},
    {L_AMOUNT, "amount", 0, "N", "amount of each transfer (default 1)", 0, NULL},
    {L_GAS_PRICE, "gas-price", 0, "N", "gas price of each transfer (default: the lowest that meets the minimum fee)",
     0, NULL},
    {L_CONNECTIONS, "connections", 0, "N", "HTTP connections, 1..64 (default 4)", 0, NULL},
    {L_PRESIGN, "presign", 0, "N", "sign N transfers per key before the window (default 0)", 0, NULL},
    {L_BATCH, "batch", 0, "N", "transfers per request, 1..1000; above 1 uses POST /v1/transactions/batch (default 1)",
     0, NULL},
    {L_BATCH_PER_KEY, "batch-per-key", 0, "N", "consecutive nonces of one key per batch, 1..1000 (default 8)", 0,
     NULL},
    {L_RATE, "rate", 0, "TX_PER_S", "offered transfers per second (default 0: as many as the node accepts)", 0,
     NULL},
    END_OPTS,
};

static const cj_opt testnet_opts[] = {
    {T_OUT, "out", 'o', "DIR", "the directory to create (required; must not exist)", 0, "@dir"},
    {T_VALIDATORS, "validators", 0, "N", "validators, 1..64 (default 4)", 0, NULL},
    {T_OBSERVERS, "observers", 0, "N", "observers, 0..64 (default 0)", 0, NULL},
    {T_HOSTS, "hosts", 0, "HOST,...", "node i runs on host i mod the count (default 127.0.0.1)", 0, NULL},
    {T_BASE_PORT, "base-port", 0, "PORT", "node i: P2P on PORT + 2i, API on PORT + 2i + 1 (default 9000)", 0, NULL},
    {T_CHAIN_ID, "chain-id", 0, "N", "chain id (default 1337)", 0, NULL},
    {T_NETWORK, "network", 0, "NAME", "network name (default coinjecture-testnet)", 0, NULL},
    {T_BLOCK_TIME, "block-time", 0, "DURATION", "target block time (default 2s)", 0, NULL},
    {T_ALLOC, "alloc", 0, "KEY=BALANCE", "an initial balance besides the faucet's, KEY as for genesis --alloc "
     "(repeatable)", CJ_OPT_REPEAT, NULL},
    {T_EPOCH_LENGTH, "epoch-length", 0, "N", "blocks per epoch (default 100)", 0, NULL},
    {T_GENESIS_TIME, "genesis-time", 0, "UNIX_SECONDS", "genesis timestamp (default now)", 0, NULL},
    END_OPTS,
};

static const cj_cmd commands[] = {
    {"status", NULL, "the node's chain, validator role and crypto backend", NULL, 0, 0, NULL, NULL},
    {"block", "[latest|HEIGHT|HASH]", "a block with its transactions (default latest)", NULL, 0, 1, "latest", NULL},
    {"tx", "HASH", "a transaction, confirmed or pending", NULL, 1, 1, NULL, NULL},
    {"account", "PUBKEY|KEYFILE", "balance and nonce of an account", NULL, 1, 1, "@file", NULL},
    {"send", NULL, "sign a transfer with a key file and submit it", send_opts, 0, 0, NULL, NULL},
    {"mempool", NULL, "pending transactions", NULL, 0, 0, NULL, NULL},
    {"validators", NULL, "the validator set in order", NULL, 0, 0, NULL, NULL},
    {"vote", "[list] | add|remove KEY | withdraw add|remove KEY",
     "pending validator-set proposals and this node's votes; vote to add or remove a key", NULL, 0, 3,
     "list add remove withdraw",
     "vote list (the default) shows the epoch's pending proposals and this validator's vote intentions. vote add KEY "
     "and vote remove KEY record an intention that the blocks this validator seals vote to add or remove the key "
     "(64 hex or a key file); vote withdraw add|remove KEY withdraws one. Changes need --node on loopback "
     "(docs/CHAIN.md, \"Validator votes\")."},
    {"genesis", NULL, "write a genesis file (no node needed)", genesis_opts, 0, 0, NULL, NULL},
    {"testnet", NULL, "write keys, genesis and configs of a network across hosts (no node needed)", testnet_opts, 0,
     0, NULL,
     "Writes DIR/genesis.json, DIR/faucet.key (a funded account) and, per node, DIR/nodeI/ with its P2P node key, "
     "its validator key (validators come first) and coinjectured.yaml, whose peers are every other node pinned as "
     "KEY@host:port. Paths in the configuration are relative to the node's directory: copy DIR/nodeI and "
     "DIR/genesis.json to host I mod the host count, then in DIR/nodeI run `coinjectured init --genesis "
     "../genesis.json --data-dir data` once and `coinjectured -c coinjectured.yaml`."},
    {"load", NULL, "load generator: send transfers as fast as accepted, report accepted and confirmed tx/s",
     load_opts, 0, 0, NULL,
     "Give --funder KEYFILE (funds --keys fresh keys, then sends between them) or --key-dir DIR (already funded "
     "key files, continuing after their current nonces). The node's rate limiter applies: on a test node raise "
     "rate_limiter.ip_limit (--set rate_limiter.ip_limit=100000)."},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};

const cj_prog cli_prog = {
    "coinjecture-cli",
    "query a coinjectured node, send signed transfers, write genesis files, generate load",
    "Talks to a coinjectured node over its HTTP API (docs/NODE.md): chain status, blocks, transactions, "
    "accounts, the mempool and the validator set; signs transfers with a coinjecture-keygen key file and "
    "submits them; writes genesis files; and measures throughput with a load generator.",
    global_opts,
    commands,
    NULL,
    0,
    0,
    "The node defaults to $COINJECTURE_NODE, else " DEFAULT_NODE ". KEY and PUBKEY arguments take 64 hex "
    "digits or a key file.",
    "coinjecture-cli status\n"
    "coinjecture-cli --node http://10.0.0.5:8081 block 42 --json\n"
    "coinjecture-cli send --key alice.key --to bob.key --amount 1000 --wait\n"
    "coinjecture-cli genesis --out genesis.json --validator v0.key --alloc alice.key=1000000000000",
    NULL, /* no default command */
};

/* The subcommand being run (for usage errors). */
const cj_cmd *cli_cur_cmd;

/* ---- small helpers ---- */

/* Monotonic seconds for rates. */
double cli_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleeps for ms milliseconds. */
void cli_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Prints an error and returns the exit code 1. */
int cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "coinjecture-cli: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return 1;
}

/* A public key from 64 hex digits or from a key file path. */
int cli_pubkey_arg(const char *arg, uint8_t pk[32], char *err, size_t errlen)
{
    size_t n = strlen(arg);
    if ((n == 64 || (n == 66 && arg[0] == '0' && (arg[1] == 'x' || arg[1] == 'X'))) &&
        coinjecture_hex_decode(arg, pk, 32) == COINJ_OK)
        return 0;
    uint8_t sk[64];
    if (cj_keys_load(arg, sk, pk, err, errlen) != 0)
        return -1;
    sodium_memzero(sk, sizeof sk);
    return 0;
}

/* Formats Unix ms as ISO-8601 UTC. */
/* A JSON member as text ("" if absent): strings unquoted, numbers as digits. */
const char *cli_jtext(json_t *obj, const char *key, char *buf, size_t cap)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_string(v))
        snprintf(buf, cap, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
    else if (json_is_true(v))
        snprintf(buf, cap, "true");
    else if (json_is_false(v))
        snprintf(buf, cap, "false");
    else if (json_is_null(v) || v == NULL)
        snprintf(buf, cap, "-");
    else {
        char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        snprintf(buf, cap, "%s", t ? t : "?");
        free(t);
    }
    return buf;
}

/* ---- HTTP (evhttp client) ---- */

typedef struct {
    int done;
    int status;
    const char *error;
    struct evbuffer *body;
    struct event_base *base;
} sync_resp;

/* Response (or failure) of a synchronous request: store it and stop the loop. */
static void on_sync_done(struct evhttp_request *req, void *arg)
{
    sync_resp *r = arg;
    r->done = 1;
    if (req != NULL && evhttp_request_get_response_code(req) != 0) {
        r->status = evhttp_request_get_response_code(req);
        evbuffer_add_buffer(r->body, evhttp_request_get_input_buffer(req));
    } else if (r->error == NULL) {
        r->error = "no response (connection refused or closed)";
    }
    event_base_loopbreak(r->base);
}

/* Records why a request failed. */
static void on_sync_error(enum evhttp_request_error e, void *arg)
{
    sync_resp *r = arg;
    r->error = e == EVREQ_HTTP_TIMEOUT ? "timed out" : e == EVREQ_HTTP_EOF ? "connection closed"
               : e == EVREQ_HTTP_INVALID_HEADER ? "invalid response" : "connection failed";
}

/* Opens (or reopens) the keep-alive connection to the node. */
static int cli_connect(cli *c)
{
    if (c->conn != NULL)
        return 0;
    c->conn = evhttp_connection_base_new(c->base, NULL, c->host, c->port);
    if (c->conn == NULL)
        return -1;
    struct timeval tv = {(time_t)(c->timeout_ms / 1000), (suseconds_t)((c->timeout_ms % 1000) * 1000)};
    evhttp_connection_set_timeout_tv(c->conn, &tv);
    evhttp_connection_set_max_body_size(c->conn, 64 * 1024 * 1024);
    evhttp_connection_set_max_headers_size(c->conn, 64 * 1024);
    return 0;
}

/* Performs one request and waits for it. Returns 0 with *status and *out (heap, NUL-terminated) or -1
 * with a message on stderr. */
int cli_http_call(cli *c, enum evhttp_cmd_type method, const char *path, const char *body, int *status,
                  char **out)
{
    sync_resp r = {0, 0, NULL, evbuffer_new(), c->base};
    if (r.body == NULL || cli_connect(c) != 0) {
        if (r.body)
            evbuffer_free(r.body);
        return cli_fail("out of memory");
    }
    struct evhttp_request *req = evhttp_request_new(on_sync_done, &r);
    evhttp_request_set_error_cb(req, on_sync_error);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Host", c->host);
    evhttp_add_header(h, "Accept", "application/json");
    if (body != NULL) {
        evhttp_add_header(h, "Content-Type", "application/json");
        evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
    }
    if (evhttp_make_request(c->conn, req, method, path) != 0) {
        evbuffer_free(r.body);
        return cli_fail("cannot send the request to %s:%u", c->host, c->port);
    }
    while (!r.done)
        event_base_dispatch(c->base);
    if (r.status == 0) {
        evbuffer_free(r.body);
        evhttp_connection_free(c->conn);
        c->conn = NULL;
        return cli_fail("http://%s:%u%s: %s", c->host, c->port, path, r.error ? r.error : "failed");
    }
    size_t n = evbuffer_get_length(r.body);
    char *text = malloc(n + 1);
    if (text == NULL) {
        evbuffer_free(r.body);
        return cli_fail("out of memory");
    }
    evbuffer_remove(r.body, text, n);
    text[n] = '\0';
    evbuffer_free(r.body);
    *status = r.status;
    *out = text;
    return 0;
}

/* GET/POST returning parsed JSON; non-2xx answers are printed as errors. Returns NULL on failure. */
json_t *cli_api_json(cli *c, enum evhttp_cmd_type method, const char *path, const char *body, int *status_out)
{
    int status;
    char *text;
    json_error_t jerr;
    if (cli_http_call(c, method, path, body, &status, &text) != 0)
        return NULL;
    if (status_out)
        *status_out = status;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);
    if (v == NULL) {
        cli_fail("%s: HTTP %d with a non-JSON body: %.200s", path, status, text);
        free(text);
        return NULL;
    }
    free(text);
    if (status < 200 || status > 299) {
        char e[256], d[512];
        cli_fail("%s: HTTP %d: %s%s%s", path, status, cli_jtext(v, "error", e, sizeof e),
                 json_object_get(v, "details") ? ": " : "",
                 json_object_get(v, "details") ? cli_jtext(v, "details", d, sizeof d) : "");
        json_decref(v);
        return NULL;
    }
    return v;
}

/* Prints JSON pretty (for --json). */
void cli_print_json(json_t *v)
{
    char *t = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("%s\n", t ? t : "null");
    free(t);
}

/* Fetches an account (balance, nonce, pending) for a key. */
json_t *cli_get_account(cli *c, const uint8_t pk[32])
{
    char hex[65], path[128];
    coinjecture_hex_encode(pk, 32, hex, sizeof hex);
    snprintf(path, sizeof path, "/v1/accounts/%s", hex);
    return cli_api_json(c, EVHTTP_REQ_GET, path, NULL, NULL);
}

/* Reads a u64 member of a JSON object (number or decimal string). */
uint64_t cli_ju64(json_t *o, const char *key)
{
    uint64_t v = 0;
    if (cj_json_u64(json_object_get(o, key), &v, NULL) != 0)
        v = 0;
    return v;
}


/* GET path and print the answer: the API's JSON with --json, else text(v). The one shape of every read
 * command. Returns the exit status. */
int cli_get_show(cli *c, const char *path, void (*text)(json_t *v))
{
    json_t *v = cli_api_json(c, EVHTTP_REQ_GET, path, NULL, NULL);
    if (v == NULL)
        return 1;
    if (c->json)
        cli_print_json(v);
    else
        text(v);
    json_decref(v);
    return 0;
}

/* ---- main ---- */

/* Reads the global options into c and *node, so every command sees one --json, --node and --timeout.
 * Returns -1 to go on, else the exit status of a usage error (reported). */
static int parse_globals(const cj_parsed *a, cli *c, const char **node)
{
    for (size_t i = 0; i < a->nopts; i++) {
        const cj_optval *ov = &a->opts[i];
        if (ov->opt->id == G_JSON)
            c->json = 1;
        else if (ov->opt->id == G_NODE)
            *node = ov->val;
        else if (ov->opt->id == G_TIMEOUT &&
                 (cj_value_parse_duration_ms(ov->val, &c->timeout_ms) != 0 || c->timeout_ms < 1000))
            return cj_opts_error(&cli_prog, NULL, "--timeout: expected a duration of at least 1s, got '%s'", ov->val);
    }
    return -1;
}

/* Points c at the node's http://HOST:PORT and creates the event loop, before any command talks to it.
 * Returns -1 to go on, else the exit status (reported). */
static int open_node(cli *c, const char *node)
{
    struct evhttp_uri *uri = evhttp_uri_parse(node);
    const char *host = uri ? evhttp_uri_get_host(uri) : NULL;
    const char *scheme = uri ? evhttp_uri_get_scheme(uri) : NULL;
    if (host == NULL || (scheme != NULL && strcmp(scheme, "http") != 0)) {
        if (uri)
            evhttp_uri_free(uri);
        return cj_opts_error(&cli_prog, NULL, "--node: expected http://HOST:PORT, got '%s'", node);
    }
    snprintf(c->host, sizeof c->host, "%s", host);
    c->port = (uint16_t)(evhttp_uri_get_port(uri) > 0 ? evhttp_uri_get_port(uri) : 80);
    evhttp_uri_free(uri);
    c->base = event_base_new();
    if (c->base == NULL)
        return cli_fail("cannot create an event loop");
    return -1;
}

/* Runs the node command that a names (each command lives in its own cli_*.c file). */
static int dispatch(cli *c, const cj_parsed *a)
{
    const char *cmd = a->cmd->name;
    const char *arg = a->nargs > 0 ? a->args[0] : NULL;
    if (strcmp(cmd, "status") == 0)
        return cli_query_status(c);
    if (strcmp(cmd, "block") == 0)
        return cli_query_block(c, arg);
    if (strcmp(cmd, "tx") == 0)
        return cli_query_tx(c, arg);
    if (strcmp(cmd, "account") == 0)
        return cli_query_account(c, arg);
    if (strcmp(cmd, "send") == 0)
        return cli_tx_send(c, a);
    if (strcmp(cmd, "mempool") == 0)
        return cli_query_mempool(c);
    if (strcmp(cmd, "validators") == 0)
        return cli_query_validators(c);
    if (strcmp(cmd, "vote") == 0)
        return cli_vote_run(c, (int)a->nargs, a->args);
    return cli_load_run(c, a);
}

/* Parses the command line (options before or after the command), connects and runs one command. */
int main(int argc, char **argv)
{
    cli c;
    cj_parsed a;
    const char *node = getenv("COINJECTURE_NODE");
    memset(&c, 0, sizeof c);
    c.timeout_ms = 30000;
    if (node == NULL || *node == '\0')
        node = DEFAULT_NODE;
    int rc = cj_opts_parse(&cli_prog, argc, argv, &a);
    if (rc >= 0)
        return rc;
    cli_cur_cmd = a.cmd;
    rc = parse_globals(&a, &c, &node);
    if (rc < 0 && sodium_init() < 0)
        rc = cli_fail("libsodium failed to initialise");
    if (rc < 0 && strcmp(a.cmd->name, "genesis") == 0)
        rc = cli_genesis_run(&a);
    if (rc < 0 && strcmp(a.cmd->name, "testnet") == 0)
        rc = cli_testnet_run(&a);
    if (rc < 0)
        rc = open_node(&c, node);
    if (rc < 0)
        rc = dispatch(&c, &a);
    cj_opts_free(&a);
    if (c.conn)
        evhttp_connection_free(c.conn);
    if (c.base)
        event_base_free(c.base);
    return rc;
}
