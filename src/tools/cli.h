/* coinjecture-cli, private: what its files share. cli.c holds main, the option tables and the HTTP/JSON
 * helpers every command uses; cli_query.c the read-only commands; cli_vote.c validator votes; cli_tx.c
 * signing and `send`; cli_genesis.c `genesis`; cli_load.c and cli_load_send.c the load generator. */
#ifndef CJ_TOOLS_CLI_H
#define CJ_TOOLS_CLI_H

#include <event2/http.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "genesis_file.h"
#include "opts.h"

#define DEFAULT_NODE "http://127.0.0.1:8081"

/* The connection to the node and the output mode of one run. */
typedef struct {
    struct event_base *base;
    struct evhttp_connection *conn;
    char host[256];
    uint16_t port;
    int json;
    uint64_t timeout_ms;
} cli;

/* Option ids of the tables in cli.c: global (G_), send (S_), genesis (N_), load (L_). */
enum {
    G_NODE = 1, G_JSON, G_TIMEOUT,
    S_KEY, S_TO, S_AMOUNT, S_GAS_LIMIT, S_GAS_PRICE, S_NONCE, S_DATA, S_WAIT,
    N_OUT, N_VALIDATOR, N_ALLOC, N_CHAIN_ID, N_NETWORK, N_BLOCK_TIME, N_EPOCH_LENGTH, N_GENESIS_TIME,
    L_FUNDER, L_KEYS, L_KEY_DIR, L_DURATION, L_CONFIRM_TIMEOUT, L_FUND, L_AMOUNT, L_GAS_PRICE, L_CONNECTIONS,
    L_PRESIGN, L_BATCH, L_BATCH_PER_KEY, L_RATE,
    T_OUT, T_VALIDATORS, T_OBSERVERS, T_HOSTS, T_BASE_PORT, T_CHAIN_ID, T_NETWORK, T_BLOCK_TIME, T_ALLOC,
    T_EPOCH_LENGTH, T_GENESIS_TIME,
};

/* ---- cli.c ---- */

/* The program's option tables (for usage errors) and the subcommand being run. */
extern const cj_prog cli_prog;
extern const cj_cmd *cli_cur_cmd;

/* Monotonic seconds for rates. */
double cli_mono_s(void);

/* Sleeps for ms milliseconds. */
void cli_sleep_ms(long ms);

/* Prints "coinjecture-cli: message" on stderr and returns the exit code 1. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A public key from 64 hex digits or from a key file path; -1 with err filled on failure. */
int cli_pubkey_arg(const char *arg, uint8_t pk[32], char *err, size_t errlen);

/* A JSON member as text into buf ("-" if absent or null): strings unquoted, numbers as digits. */
const char *cli_jtext(json_t *obj, const char *key, char *buf, size_t cap);

/* A u64 member of a JSON object (number or decimal string), 0 if absent or invalid. */
uint64_t cli_ju64(json_t *o, const char *key);

/* One synchronous request: 0 with *status and *out (heap, NUL-terminated), or -1 with a message. */
int cli_http_call(cli *c, enum evhttp_cmd_type method, const char *path, const char *body, int *status,
                  char **out);

/* A request whose 2xx answer is parsed JSON; NULL (with a message) on failure or a non-2xx answer. */
json_t *cli_api_json(cli *c, enum evhttp_cmd_type method, const char *path, const char *body, int *status_out);

/* GET /v1/accounts/PUBKEY (balance, nonce, pending), or NULL. */
json_t *cli_get_account(cli *c, const uint8_t pk[32]);

/* Prints JSON pretty (for --json). */
void cli_print_json(json_t *v);

/* GET path and print the answer: the API's JSON with --json, else text(v); returns the exit status. */
int cli_get_show(cli *c, const char *path, void (*text)(json_t *v));

/* ---- the commands (each returns the exit status) ---- */

int cli_query_status(cli *c);
int cli_query_block(cli *c, const char *id);
int cli_query_tx(cli *c, const char *hash);
int cli_query_account(cli *c, const char *who);
int cli_query_mempool(cli *c);
int cli_query_validators(cli *c);
int cli_vote_run(cli *c, int argc, const char **argv);
int cli_tx_send(cli *c, const cj_parsed *a);
int cli_genesis_run(const cj_parsed *a);
int cli_testnet_run(const cj_parsed *a);

/* ---- cli_genesis.c ---- */

/* Checks g by parsing its JSON back, writes it to out (never overwriting) and prints a summary. Exit status. */
int cli_genesis_write(const cj_genesis *g, const char *out);

/* Adds an --alloc KEY=BALANCE (KEY: 64 hex or a key file) to g. Returns 0, or the exit status (reported). */
int cli_genesis_alloc(cj_genesis *g, const cj_cmd *cmd, const char *v);
int cli_load_run(cli *c, const cj_parsed *a);

/* ---- cli_tx.c: transfers ---- */

/* The lowest gas price whose fee meets the minimum fee of a transfer of amount (at least 1). */
uint64_t cli_tx_min_gas_price(uint64_t amount, uint64_t gas_limit);

/* A signed transfer as the POST /v1/transactions body (heap text), or NULL. */
char *cli_tx_signed_transfer(const uint8_t sk[64], const uint8_t to[32], uint64_t amount, uint64_t nonce,
                             uint64_t gas_limit, uint64_t gas_price, const uint8_t *data, uint32_t data_len,
                             uint8_t out_hash[32]);

#endif
