/* coinjecture-cli: `vote`, this validator's vote intentions and the epoch's pending validator-set proposals
 * (docs/CHAIN.md "Validator votes"; changes need a loopback --node). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "coinjecture.h"

/* Text of `vote list`: the epoch, each pending proposal with its voters, then this validator's votes. */
static void vote_list_text(json_t *v)
{
    char b1[80], b2[80], b3[32], b4[65], b5[512];
    printf("height %s  epoch %s  next epoch at %s  validators %s  votes needed %s\n",
           cli_jtext(v, "height", b1, sizeof b1), cli_jtext(v, "epoch", b2, sizeof b2),
           cli_jtext(v, "next_epoch_height", b3, sizeof b3), cli_jtext(v, "count", b4, sizeof b4),
           cli_jtext(v, "votes_needed", b5, sizeof b5));
    json_t *props = json_object_get(v, "proposals");
    if (json_array_size(props) == 0)
        printf("no pending proposals in this epoch\n");
    for (size_t i = 0; i < json_array_size(props); i++) {
        json_t *p = json_array_get(props, i);
        printf("proposal %-6s %s  votes %s/%s%s\n", cli_jtext(p, "action", b3, sizeof b3),
               cli_jtext(p, "pubkey", b1, sizeof b1), cli_jtext(p, "votes", b2, sizeof b2),
               cli_jtext(p, "needed", b4, sizeof b4),
               json_is_true(json_object_get(p, "passes")) ? "  (passes at the next epoch)" : "");
        json_t *voters = json_object_get(p, "voters");
        for (size_t j = 0; j < json_array_size(voters); j++)
            printf("  voter %s\n", json_string_value(json_array_get(voters, j)));
    }
    json_t *mine = json_object_get(v, "my_votes");
    for (size_t i = 0; i < json_array_size(mine); i++) {
        json_t *m = json_array_get(mine, i);
        printf("my vote  %-6s %s%s%s\n", cli_jtext(m, "action", b3, sizeof b3), cli_jtext(m, "pubkey", b1, sizeof b1),
               json_is_true(json_object_get(m, "cast_this_epoch")) ? "  (cast this epoch)" : "",
               json_is_true(json_object_get(m, "satisfied")) ? "  (satisfied)" : "");
    }
}

/* Records (POST) or withdraws (DELETE) one vote intention for key, once the arguments are known good. */
static int vote_change(cli *c, const char *action, const char *key, int withdraw)
{
    char b1[80], err[512], path[256], body[256], hex[65];
    uint8_t pk[32];
    if (cli_pubkey_arg(key, pk, err, sizeof err) != 0)
        return cli_fail("%s", err);
    coinjecture_hex_encode(pk, 32, hex, sizeof hex);
    json_t *v;
    if (withdraw) {
        snprintf(path, sizeof path, "/v1/validators/votes?action=%s&pubkey=%s", action, hex);
        v = cli_api_json(c, EVHTTP_REQ_DELETE, path, NULL, NULL);
    } else {
        snprintf(body, sizeof body, "{\"action\":\"%s\",\"pubkey\":\"%s\"}", action, hex);
        v = cli_api_json(c, EVHTTP_REQ_POST, "/v1/validators/votes", body, NULL);
    }
    if (v == NULL)
        return 1;
    if (c->json)
        cli_print_json(v);
    else
        printf("%s: %s %s%s\n", cli_jtext(v, "status", b1, sizeof b1), action, hex,
               json_is_true(json_object_get(v, "is_validator"))
                   ? ""
                   : " (this node is not a validator now: not cast until it is)");
    json_decref(v);
    return 0;
}

/* `vote list | add KEY | remove KEY | withdraw add|remove KEY`: checks the words, then lists or changes. */
int cli_vote_run(cli *c, int argc, const char **argv)
{
    const char *sub = argc > 0 ? argv[0] : "list";
    if (strcmp(sub, "list") == 0) {
        if (argc > 1)
            return cj_opts_error(&cli_prog, cli_cur_cmd, "unexpected argument '%s'", argv[1]);
        return cli_get_show(c, "/v1/validators", vote_list_text);
    }
    int withdraw = strcmp(sub, "withdraw") == 0;
    const char *action = withdraw ? (argc > 1 ? argv[1] : NULL) : sub;
    const char *key = withdraw ? (argc > 2 ? argv[2] : NULL) : (argc > 1 ? argv[1] : NULL);
    if (strcmp(sub, "add") != 0 && strcmp(sub, "remove") != 0 && !withdraw)
        return cj_opts_error(&cli_prog, cli_cur_cmd, "unknown vote action '%s' (list, add, remove, withdraw)", sub);
    if (action == NULL || key == NULL || (strcmp(action, "add") != 0 && strcmp(action, "remove") != 0))
        return cj_opts_error(&cli_prog, cli_cur_cmd, "expected list | add|remove KEY | withdraw add|remove KEY");
    if (argc > (withdraw ? 3 : 2))
        return cj_opts_error(&cli_prog, cli_cur_cmd, "unexpected argument '%s'", argv[withdraw ? 3 : 2]);
    return vote_change(c, action, key, withdraw);
}
