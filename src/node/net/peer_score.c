/* Scores, penalties and bans of peers (docs/P2P.md): what a misbehaving peer costs, when it is banned and
 * disconnected, and the ban list by node key or address. */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "p2p_impl.h"

#define SCORE_RECOVER_MS 10000 /* +1 score per this interval, up to the start score */
#define PING_PER_SEC 1         /* pings and pongs free per second (one each per 5 s is the protocol) */
#define PING_BURST 5
#define STATUS_BURST 50
#define BLOCK_BURST 100
#define FLOOD_PENALTY 1        /* per message beyond its class's rate: a flood is banned after ~100 */

/* Drops expired bans. */
void cj_score_bans_expire(cj_p2p *p, int64_t now)
{
    size_t j = 0;
    for (size_t i = 0; i < p->nbans; i++)
        if (p->bans[i].until_ms > now)
            p->bans[j++] = p->bans[i];
    p->nbans = j;
}

/* Whether a node key is banned now. */
int cj_score_banned_key(const cj_p2p *p, const uint8_t key[32], int64_t now)
{
    for (size_t i = 0; i < p->nbans; i++)
        if (p->bans[i].is_key && p->bans[i].until_ms > now && memcmp(p->bans[i].key, key, 32) == 0)
            return 1;
    return 0;
}

/* Until when an address (IP or configured host:port) is banned, or 0. */
int64_t cj_score_banned_addr(const cj_p2p *p, const char *addr, int64_t now)
{
    for (size_t i = 0; i < p->nbans; i++)
        if (!p->bans[i].is_key && p->bans[i].until_ms > now && strcmp(p->bans[i].addr, addr) == 0)
            return p->bans[i].until_ms;
    return 0;
}

/* Adds one ban entry (the oldest goes when the table is full). */
static void ban_add(cj_p2p *p, int is_key, const uint8_t *key, const char *addr, int64_t until)
{
    if (p->nbans == MAX_BANS) {
        memmove(p->bans, p->bans + 1, (MAX_BANS - 1) * sizeof *p->bans);
        p->nbans--;
    }
    ban_entry *b = &p->bans[p->nbans++];
    memset(b, 0, sizeof *b);
    b->is_key = is_key;
    if (key)
        memcpy(b->key, key, 32);
    if (addr)
        snprintf(b->addr, sizeof b->addr, "%s", addr);
    b->until_ms = until;
}

/* Whether an IP is a loopback address (never IP-banned: every local peer shares it). */
static int is_loopback(const char *ip)
{
    return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 || strncmp(ip, "::ffff:127.", 11) == 0;
}

/* Bans what identifies a misbehaving peer: its node key once authenticated, the configured address of
 * an unpinned static peer, else its IP (not loopback). A pinned static peer is its key: whoever else answers
 * at its address is not it, so neither the address nor the IP is banned (an impostor cannot lock it out). */
static void ban_peer(peer *pe, const char *why)
{
    cj_p2p *p = pe->p2p;
    int64_t until = cj_clock_mono_ms() + (int64_t)p->ban_time_ms;
    char k[17] = "-";
    int banned = 0;
    if (p->ban_time_ms == 0)
        return;
    if (pe->st == PS_READY) { /* only an authenticated key: a hello alone could name anybody's */
        ban_add(p, 1, pe->hs.peer_node_pk, NULL, until);
        cj_p2p_short_hex(pe->hs.peer_node_pk, k);
        banned = 1;
    }
    if (pe->sp != NULL) {
        if (!pe->sp->pinned) {
            ban_add(p, 0, NULL, pe->sp->text, until);
            banned = 1;
        }
    } else if (pe->st != PS_READY && !is_loopback(pe->ip)) {
        ban_add(p, 0, NULL, pe->ip, until);
        banned = 1;
    }
    if (!banned)
        return;
    cj_metrics_inc("p2p_bans_total");
    cj_log_warn("p2p: banned peer %s (key %s) for %llu ms: %s", pe->addr, k, (unsigned long long)p->ban_time_ms, why);
}

/* Lowers a peer's score; at zero it is banned and disconnected. */
void cj_score_penalize(peer *pe, int amount, const char *why)
{
    if (pe->st == PS_CLOSING)
        return;
    pe->score -= amount;
    cj_log_info("p2p: peer %s: %s (score -%d -> %d)", pe->addr, why, amount, pe->score);
    if (pe->score <= 0) {
        ban_peer(pe, why);
        cj_conn_close(pe, why);
    }
}

/* Gives back one point per SCORE_RECOVER_MS, up to the start score, so old mistakes are forgiven. */
void cj_score_recover(peer *pe, int64_t now)
{
    if (now - pe->last_recover_ms >= SCORE_RECOVER_MS) {
        pe->last_recover_ms = now;
        if (pe->score < CJ_P2P_SCORE_START)
            pe->score++;
    }
}


/* Takes one message of class c from the peer's bucket: 0 if within the class's rate (refilled per second up to a
 * burst), else the message costs FLOOD_PENALTY and -1 tells the caller to drop it. */
int cj_score_charge(peer *pe, cj_cost_class c)
{
    static const char *const why[CJ_COST_CLASSES] = {"ping flood", "status flood",
                                                     "useless blocks (orphan, known, future or declined)"};
    const cj_p2p *p = pe->p2p;
    int64_t rate = c == CJ_COST_PING ? PING_PER_SEC : c == CJ_COST_STATUS ? p->rate_status : p->rate_block;
    int64_t burst = c == CJ_COST_PING ? PING_BURST : c == CJ_COST_STATUS ? STATUS_BURST : BLOCK_BURST;
    int64_t now = cj_clock_mono_ms();
    int64_t dt = pe->cost[c].at_ms == 0 ? burst * 1000 : now - pe->cost[c].at_ms;
    pe->cost[c].at_ms = now;
    pe->cost[c].milli += dt * rate; /* ms x per-second rate = milli-tokens */
    if (pe->cost[c].milli > burst * 1000)
        pe->cost[c].milli = burst * 1000;
    if (pe->cost[c].milli >= 1000) {
        pe->cost[c].milli -= 1000;
        return 0;
    }
    cj_score_penalize(pe, FLOOD_PENALTY, why[c]);
    return -1;
}
