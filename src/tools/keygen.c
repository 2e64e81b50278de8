/* coinjecture-keygen: writes Ed25519 key files (mode 0600) and prints their public keys. Options: the
 * table below (src/tools/opts.h). */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coinjecture.h"
#include "keys.h"
#include "opts.h"

enum { O_KEY_FILE = 1, O_KEY_DIR, O_COUNT, O_PREFIX, O_SHOW, O_JSON, O_OUT, O_OUTPUT };

/* The options (parser, --help, completion and man page: src/tools/opts.h). */
static const cj_opt options[] = {
    {O_KEY_FILE, "key-file", 'o', "FILE", "write one new key to FILE", 0, "@file"},
    {O_KEY_DIR, "key-dir", 0, "DIR", "write --count new keys to DIR/PREFIXi.key (i = 0, 1, ...)", 0, "@dir"},
    {O_COUNT, "count", 0, "N", "number of keys for --key-dir, 1..100 (default 1)", 0, NULL},
    {O_PREFIX, "prefix", 0, "NAME", "file name prefix for --key-dir (default validator)", 0, NULL},
    {O_SHOW, "show", 0, "FILE", "print the public key of an existing key file", 0, "@file"},
    {O_JSON, "json", 0, NULL, "print {\"key_file\", \"public_key\", \"address\"} objects, one per line", 0, NULL},
    {O_OUT, "out", 0, "FILE", "same as --key-file", CJ_OPT_DEPRECATED, "@file"},
    {O_OUTPUT, "output", 0, "DIR", "same as --key-dir", CJ_OPT_DEPRECATED, "@dir"},
    {0, NULL, 0, NULL, NULL, 0, NULL},
};

static const cj_prog prog = {
    "coinjecture-keygen",
    "write and show Ed25519 key files for coinjectured",
    "Writes new Ed25519 key files (128 hex digits, mode 0600, never overwritten) and prints each public key "
    "(64 hex digits), which is what genesis files, accounts and consensus.validator_key use. Exactly one of "
    "--key-file, --key-dir and --show is required.",
    options,
    NULL,
    NULL,
    0,
    0,
    "Text output is one line per key: the public key, two spaces, the file name.",
    "coinjecture-keygen --key-file validator.key\n"
    "coinjecture-keygen --key-dir keys --count 3 --prefix node --json\n"
    "coinjecture-keygen --show validator.key",
    NULL, /* no default command */
};

/* Prints one key's public information in text or JSON. */
static void print_key(const char *path, const uint8_t pk[32], int json)
{
    char hex[65], ahex[65];
    uint8_t addr[32];
    coinjecture_hex_encode(pk, 32, hex, sizeof hex);
    coinjecture_derive_address(pk, addr);
    coinjecture_hex_encode(addr, 32, ahex, sizeof ahex);
    if (json) {
        json_t *o = json_pack("{s:s,s:s,s:s}", "key_file", path, "public_key", hex, "address", ahex);
        char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        printf("%s\n", text ? text : "{}");
        free(text);
        json_decref(o);
    } else
        printf("%s  %s\n", hex, path);
}

/* Generates one key into path and prints it. */
static int make_key(const char *path, int json)
{
    uint8_t sk[64], pk[32];
    char err[512];
    if (cj_keys_generate(sk, pk) != 0) {
        fprintf(stderr, "coinjecture-keygen: libsodium failed to initialise\n");
        return 1;
    }
    int rc = cj_keys_write(path, sk, err, sizeof err);
    sodium_memzero(sk, sizeof sk);
    if (rc != 0) {
        fprintf(stderr, "coinjecture-keygen: %s\n", err);
        return 1;
    }
    print_key(path, pk, json);
    return 0;
}

/* Parses the options and writes or shows keys. */
int main(int argc, char **argv)
{
    const char *out = NULL, *dir = NULL, *show = NULL, *prefix = "validator";
    uint64_t count = 1;
    int json = 0, have_count = 0;
    cj_parsed a;
    int rc = cj_opts_parse(&prog, argc, argv, &a);
    if (rc >= 0)
        return rc;
    for (size_t i = 0; i < a.nopts; i++) {
        const cj_optval *ov = &a.opts[i];
        switch (ov->opt->id) {
        case O_KEY_FILE:
        case O_OUT:
            out = ov->val;
            break;
        case O_KEY_DIR:
        case O_OUTPUT:
            dir = ov->val;
            break;
        case O_SHOW:
            show = ov->val;
            break;
        case O_PREFIX:
            prefix = ov->val;
            break;
        case O_JSON:
            json = 1;
            break;
        case O_COUNT:
            if (cj_opts_u64(&prog, NULL, ov, 1, 100, &count) != 0) {
                cj_opts_free(&a);
                return 2;
            }
            have_count = 1;
            break;
        }
    }
    cj_opts_free(&a);
    if ((out != NULL) + (dir != NULL) + (show != NULL) != 1)
        return cj_opts_error(&prog, NULL, "give exactly one of --key-file FILE, --key-dir DIR and --show FILE");
    if (have_count && dir == NULL)
        return cj_opts_error(&prog, NULL, "--count only applies to --key-dir");
    if (strchr(prefix, '/') != NULL)
        return cj_opts_error(&prog, NULL, "--prefix: a file name prefix, without '/'");
    if (show != NULL) {
        uint8_t sk[64], pk[32];
        char err[512];
        if (cj_keys_load(show, sk, pk, err, sizeof err) != 0) {
            fprintf(stderr, "coinjecture-keygen: %s\n", err);
            return 1;
        }
        sodium_memzero(sk, sizeof sk);
        print_key(show, pk, json);
        return 0;
    }
    if (out != NULL)
        return make_key(out, json);
    for (uint64_t i = 0; i < count; i++) {
        char path[4096];
        int n = snprintf(path, sizeof path, "%s/%s%llu.key", dir, prefix, (unsigned long long)i);
        if (n < 0 || (size_t)n >= sizeof path) {
            fprintf(stderr, "coinjecture-keygen: path too long\n");
            return 2;
        }
        if (make_key(path, json) != 0)
            return 1;
    }
    return 0;
}
