/* coinjecture-cli: `load`, the load generator. It funds fresh keys from a funder (or takes the funded keys
 * of a directory), optionally presigns, runs the sending window (cli_load_send.c), waits for the transfers
 * to be confirmed and reports accepted and confirmed transactions per second. */
#include <dirent.h>
#include <errno.h>
#include <event2/http.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_load.h"
#include "coinjecture.h"
#include "keys.h"
#include "value.h"

/* Submits a transaction synchronously, retrying while the node says "later" (429/503/sender limit). */
static int submit_retry(cli *c, const char *body, double deadline)
{
    while (cli_mono_s() < deadline) {
        int status;
        char *text;
        if (cli_http_call(c, EVHTTP_REQ_POST, "/v1/transactions", body, &status, &text) != 0)
            return -1;
        int later = status == 429 || status == 503 || (status == 400 && strstr(text, "sender-limit") != NULL);
        if (status == 202) {
            free(text);
            return 0;
        }
        if (!later) {
            cli_fail("funding transaction refused: HTTP %d %s", status, text);
            free(text);
            return -1;
        }
        free(text);
        cli_sleep_ms(200);
    }
    return cli_fail("funding: timed out");
}

/* Sum over keys of the confirmed nonce (account nonce at the tip). Returns -1 on error. */
static int confirmed_nonces(cli *c, load_ctx *L, uint64_t *sum, int *all_done)
{
    uint64_t s = 0;
    int done = 1;
    for (size_t i = 0; i < L->nkeys; i++) {
        json_t *a = cli_get_account(c, L->keys[i].sk + 32);
        if (a == NULL)
            return -1;
        uint64_t n = cli_ju64(a, "nonce");
        json_decref(a);
        s += n - L->keys[i].start_nonce;
        done &= n >= L->keys[i].next_nonce;
    }
    *sum = s;
    *all_done = done;
    return 0;
}

/* Orders key file names (strcmp) so a key directory always yields the same sender order. */
static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads every *.key file of dir (sorted by name) as an already funded sender. Returns the count or -1. */
static long load_key_dir(const char *dir, load_key **out)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        cli_fail("--key-dir %s: %s", dir, strerror(errno));
        return -1;
    }
    char **names = NULL, err[512];
    size_t n = 0, cap = 0;
    long rc = -1;
    struct dirent *e;
    *out = NULL;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".key") != 0)
            continue;
        if (n == cap) {
            char **t = realloc(names, (cap ? cap * 2 : 64) * sizeof *t);
            if (t == NULL)
                goto oom;
            names = t;
            cap = cap ? cap * 2 : 64;
        }
        if ((names[n] = strdup(e->d_name)) == NULL)
            goto oom;
        n++;
    }
    if (n < 2 || n > 10000) {
        cli_fail("--key-dir %s: found %zu key files (*.key), need 2..10000", dir, n);
        goto out;
    }
    qsort(names, n, sizeof *names, cmp_names);
    if ((*out = calloc(n, sizeof **out)) == NULL)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        uint8_t pk[32];
        snprintf(path, sizeof path, "%.2000s/%.1000s", dir, names[i]);
        if (cj_keys_load(path, (*out)[i].sk, pk, err, sizeof err) != 0) {
            cli_fail("%s", err);
            for (size_t j = 0; j < i; j++)
                sodium_memzero((*out)[j].sk, 64);
            free(*out);
            *out = NULL;
            goto out;
        }
    }
    rc = (long)n;
    goto out;
oom:
    cli_fail("out of memory");
out:
    closedir(d);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* The settings of `load` that are not part of the run's load_ctx. */
typedef struct {
    const char *funder, *key_dir;
    uint64_t nkeys, duration_ms, fund, conns, wait_ms, presign;
} load_args;

/* Reads one option of `load` into o or L. Returns 0, or 2 after a usage error (reported). */
static int load_opt(const cj_cmd *cmd, const cj_optval *ov, load_args *o, load_ctx *L, int *have_price)
{
    switch (ov->opt->id) {
    case L_FUNDER:
        o->funder = ov->val;
        return 0;
    case L_KEY_DIR:
        o->key_dir = ov->val;
        return 0;
    case L_KEYS:
        return cj_opts_u64(&cli_prog, cmd, ov, 2, 10000, &o->nkeys);
    case L_DURATION:
        if (cj_value_parse_duration_ms(ov->val, &o->duration_ms) != 0 || o->duration_ms == 0)
            return cj_opts_error(&cli_prog, cmd, "--duration: expected a positive duration (e.g. 10s), got '%s'",
                                 ov->val);
        return 0;
    case L_CONFIRM_TIMEOUT:
        if (cj_value_parse_duration_ms(ov->val, &o->wait_ms) != 0)
            return cj_opts_error(&cli_prog, cmd, "--confirm-timeout: expected a duration (e.g. 2m), got '%s'",
                                 ov->val);
        return 0;
    case L_FUND:
        return cj_opts_u64(&cli_prog, cmd, ov, 1, UINT64_MAX, &o->fund);
    case L_AMOUNT:
        return cj_opts_u64(&cli_prog, cmd, ov, 0, UINT64_MAX, &L->amount);
    case L_GAS_PRICE:
        *have_price = 1;
        return cj_opts_u64(&cli_prog, cmd, ov, 0, UINT64_MAX, &L->gas_price);
    case L_CONNECTIONS:
        return cj_opts_u64(&cli_prog, cmd, ov, 1, 64, &o->conns);
    case L_PRESIGN:
        return cj_opts_u64(&cli_prog, cmd, ov, 0, 1000000, &o->presign);
    case L_BATCH:
        return cj_opts_u64(&cli_prog, cmd, ov, 1, 1000, &L->batch);
    case L_RATE:
        return cj_opts_u64(&cli_prog, cmd, ov, 0, UINT64_MAX, &L->rate);
    case L_BATCH_PER_KEY:
        return cj_opts_u64(&cli_prog, cmd, ov, 1, 1000, &L->chunk);
    }
    return 0;
}

/* Fills o and L (zeroed first) from the defaults and the options of `load`, so the run starts from settled
 * settings. Returns 0, or 2 after a usage error (reported). */
static int load_parse(const cj_parsed *pa, load_args *o, load_ctx *L)
{
    int have_price = 0;
    memset(L, 0, sizeof *L);
    memset(o, 0, sizeof *o);
    o->nkeys = 16, o->duration_ms = 10000, o->fund = 1000000000ull, o->conns = 4, o->wait_ms = 120000;
    L->amount = 1, L->gas_limit = 21000, L->gas_price = 1, L->batch = 1, L->chunk = 8;
    for (size_t i = 0; i < pa->nopts; i++)
        if (load_opt(pa->cmd, &pa->opts[i], o, L, &have_price) != 0)
            return 2;
    if ((o->funder == NULL) == (o->key_dir == NULL))
        return cj_opts_error(&cli_prog, pa->cmd,
                             "needs --funder KEYFILE (an account with at least keys x (fund + fee)) or --key-dir DIR "
                             "(funded key files), not both");
    if (!have_price)
        L->gas_price = cli_tx_min_gas_price(L->amount, L->gas_limit);
    return 0;
}

/* --key-dir: takes the funded keys of dir as senders, continuing after whatever each already sent.
 * Returns 0, or -1 (reported where the cause is not the node's answer, which is reported too). */
static int load_keys_from_dir(cli *c, load_ctx *L, const char *dir)
{
    long n = load_key_dir(dir, &L->keys);
    if (n < 0)
        return -1;
    L->nkeys = (size_t)n;
    for (size_t i = 0; i < L->nkeys; i++) {
        json_t *a = cli_get_account(c, L->keys[i].sk + 32);
        if (a == NULL)
            return -1;
        L->keys[i].start_nonce = L->keys[i].next_nonce = cli_ju64(a, "nonce") + cli_ju64(a, "pending_txs");
        json_decref(a);
    }
    return 0;
}

/* Submits one funding transfer of fund from the funder (fsk, fpk) to every key of L; the funding transfers
 * pay the minimum fee of their amount. Returns 0 or -1. */
static int load_fund_submit(cli *c, load_ctx *L, const uint8_t fsk[64], const uint8_t fpk[32], uint64_t fund,
                            double deadline)
{
    uint8_t hash[32];
    uint64_t fund_price = cli_tx_min_gas_price(fund, 21000);
    json_t *acct = cli_get_account(c, fpk);
    if (acct == NULL)
        return -1;
    uint64_t fnonce = cli_ju64(acct, "nonce") + cli_ju64(acct, "pending_txs");
    json_decref(acct);
    fprintf(stderr, "load: funding %zu keys with %llu each (fee %llu)\n", L->nkeys, (unsigned long long)fund,
            (unsigned long long)(21000 * fund_price));
    for (size_t i = 0; i < L->nkeys; i++) {
        char *body = cli_tx_signed_transfer(fsk, L->keys[i].sk + 32, fund, fnonce + i, 21000, fund_price, NULL, 0,
                                            hash);
        if (body == NULL || submit_retry(c, body, deadline) != 0) {
            free(body);
            return -1;
        }
        free(body);
    }
    return 0;
}

/* Waits until every key of L holds at least fund, so the window does not start on unfunded senders.
 * Returns 0, or -1 at the deadline (reported) or on a failed request. */
static int load_wait_funded(cli *c, load_ctx *L, uint64_t fund, double deadline)
{
    for (;;) {
        int funded = 1;
        for (size_t i = 0; i < L->nkeys && funded; i++) {
            json_t *a = cli_get_account(c, L->keys[i].sk + 32);
            if (a == NULL)
                return -1;
            funded = cli_ju64(a, "balance") >= fund;
            json_decref(a);
        }
        if (funded)
            return 0;
        if (cli_mono_s() > deadline) {
            cli_fail("load: funding transactions not confirmed in time");
            return -1;
        }
        cli_sleep_ms(250);
    }
}

/* --funder: generates o->nkeys fresh keys and funds them from the funder's account. The funder's secret key
 * is wiped on every path. Returns 0 or -1. */
static int load_fund_keys(cli *c, load_ctx *L, const load_args *o, double deadline)
{
    uint8_t fsk[64], fpk[32];
    char err[512];
    int rc = -1;
    if (cj_keys_load(o->funder, fsk, fpk, err, sizeof err) != 0) {
        cli_fail("%s", err);
        return -1;
    }
    L->nkeys = (size_t)o->nkeys;
    L->keys = calloc(L->nkeys, sizeof *L->keys);
    if (L->keys == NULL) {
        cli_fail("out of memory");
        goto out;
    }
    for (size_t i = 0; i < L->nkeys; i++) {
        uint8_t pk[32];
        if (cj_keys_generate(L->keys[i].sk, pk) != 0)
            goto out;
    }
    if (load_fund_submit(c, L, fsk, fpk, o->fund, deadline) == 0 && load_wait_funded(c, L, o->fund, deadline) == 0)
        rc = 0;
out:
    sodium_memzero(fsk, sizeof fsk);
    return rc;
}

/* --presign: signs n transfers per key before the window, so the window measures the node and not the
 * signer. Returns 0, or -1 (reported). */
static int load_presign(load_ctx *L, uint64_t n)
{
    uint8_t hash[32];
    double tp = cli_mono_s();
    for (size_t i = 0; i < L->nkeys; i++) {
        load_key *k = &L->keys[i];
        const uint8_t *to = L->keys[(i + 1) % L->nkeys].sk + 32;
        if ((k->pre = calloc((size_t)n, sizeof *k->pre)) == NULL) {
            cli_fail("out of memory");
            return -1;
        }
        for (k->npre = 0; k->npre < n; k->npre++) {
            k->pre[k->npre] = cli_tx_signed_transfer(k->sk, to, L->amount, k->start_nonce + k->npre, L->gas_limit,
                                                     L->gas_price, NULL, 0, hash);
            if (k->pre[k->npre] == NULL) {
                cli_fail("cannot sign: %s", coinjecture_last_error_message());
                return -1;
            }
        }
    }
    fprintf(stderr, "load: presigned %llu transfers in %.2f s\n", (unsigned long long)(n * L->nkeys),
            cli_mono_s() - tp);
    return 0;
}

/* How the confirmation phase ended. */
typedef struct {
    uint64_t confirmed; /* transfers confirmed since the start */
    int all;            /* every accepted transfer is confirmed */
    double conf_s;      /* from the window's start to the last check */
} load_confirmation;

/* Polls the keys' confirmed nonces every 250 ms until every accepted transfer is confirmed or wait_ms have
 * passed. Returns 0, or -1 on a failed request. */
static int load_confirm(cli *c, load_ctx *L, uint64_t wait_ms, double t0, load_confirmation *r)
{
    r->confirmed = 0;
    r->all = 0;
    double t_conf = cli_mono_s();
    double conf_deadline = t_conf + (double)wait_ms / 1000.0;
    while (cli_mono_s() < conf_deadline) {
        if (confirmed_nonces(c, L, &r->confirmed, &r->all) != 0)
            return -1;
        t_conf = cli_mono_s();
        if (r->all)
            break;
        cli_sleep_ms(250);
    }
    r->conf_s = t_conf - t0;
    return 0;
}

/* Prints the run's rates and counters as JSON (--json) or text, and the first error on stderr. */
static void load_report(const cli *c, const load_ctx *L, const load_window *w, const load_confirmation *r)
{
    double sent_s = w->sent_s, conf_s = r->conf_s;
    if (c->json) {
        json_t *o = json_pack("{s:I,s:f,s:I,s:f,s:I,s:f,s:f,s:I,s:I,s:I,s:b,s:I,s:I}", "keys", (json_int_t)L->nkeys,
                              "duration_s", sent_s, "accepted", (json_int_t)L->accepted, "accepted_tps",
                              (double)L->accepted / sent_s, "confirmed", (json_int_t)r->confirmed, "confirmed_tps",
                              conf_s > 0 ? (double)r->confirmed / conf_s : 0.0, "confirm_time_s", conf_s, "rejected",
                              (json_int_t)L->rejected, "throttled", (json_int_t)L->limited, "errors",
                              (json_int_t)L->errors, "all_confirmed", r->all, "start_ms", (json_int_t)w->start_ms,
                              "end_ms", (json_int_t)w->end_ms);
        cli_print_json(o);
        json_decref(o);
    } else {
        printf("keys        %zu\n", L->nkeys);
        printf("accepted    %llu in %.2f s = %.1f tx/s\n", (unsigned long long)L->accepted, sent_s,
               (double)L->accepted / sent_s);
        printf("confirmed   %llu in %.2f s = %.1f tx/s%s\n", (unsigned long long)r->confirmed, conf_s,
               conf_s > 0 ? (double)r->confirmed / conf_s : 0.0,
               r->all ? "" : " (not all confirmed before the timeout)");
        printf("throttled   %llu (429/503/sender limit, retried)\nrejected    %llu\nerrors      %llu\n",
               (unsigned long long)L->limited, (unsigned long long)L->rejected, (unsigned long long)L->errors);
    }
    if (L->first_error[0])
        fprintf(stderr, "load: first error: %s\n", L->first_error);
}

/* Wipes every key and frees what a run allocated (keys, presigned bodies, connections). */
static void load_free(load_ctx *L)
{
    for (size_t i = 0; L->keys != NULL && i < L->nkeys; i++) {
        sodium_memzero(L->keys[i].sk, 64);
        for (size_t j = 0; j < L->keys[i].npre; j++)
            free(L->keys[i].pre[j]);
        free(L->keys[i].pre);
    }
    for (size_t i = 0; L->conns != NULL && i < L->nconns; i++)
        if (L->conns[i])
            evhttp_connection_free(L->conns[i]);
    free(L->conns);
    free(L->keys);
}

/* `load --funder FILE [--keys N] | --key-dir DIR, [--duration D] [--presign N] ...`: funds N fresh keys
 * (or uses the funded keys of DIR), then sends transfers between them as fast as the node accepts them
 * for D, and reports accepted and confirmed transactions per second. */
int cli_load_run(cli *c, const cj_parsed *pa)
{
    load_args o;
    load_ctx L;
    load_window w;
    load_confirmation r;
    int rc = load_parse(pa, &o, &L);
    if (rc != 0)
        return rc;
    L.c = c;
    rc = 1;
    double deadline = cli_mono_s() + (double)o.wait_ms / 1000.0;
    if ((o.key_dir != NULL ? load_keys_from_dir(c, &L, o.key_dir) : load_fund_keys(c, &L, &o, deadline)) != 0)
        goto out;
    L.nconns = (size_t)o.conns;
    L.conns = calloc(L.nconns, sizeof *L.conns);
    if (L.conns == NULL) {
        cli_fail("out of memory");
        goto out;
    }
    if (o.presign > 0 && load_presign(&L, o.presign) != 0)
        goto out;
    if (cli_load_send_window(&L, o.duration_ms, &w) != 0 || load_confirm(c, &L, o.wait_ms, w.t0, &r) != 0)
        goto out;
    load_report(c, &L, &w, &r);
    rc = r.all ? 0 : 1;
out:
    load_free(&L);
    return rc;
}
