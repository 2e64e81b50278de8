/* Double-sign protection of a validator (docs/OPERATIONS.md "Double-sign protection"; the idea of CometBFT's
 * privval FilePVLastSignState): the sign-state file <data_dir>/sign_state.json records the last height this
 * validator key sealed (and that block's hash). It is written atomically and fsynced (temporary file, fsync,
 * rename, fsync of the directory) right after a sealed block is committed and before the block leaves the
 * node, and the node never seals a block at a height at or below the recorded one. An operator resets it
 * only with the explicit command `coinjectured reset-sign-state --data-dir D --height H`.
 *
 * A crash between the commit and the record is safe: the block is then the chain's own tip, sealed by this
 * key, and the node raises the sign-state from its store when it starts (cj_sign_state_observe on the last
 * blocks), before it may seal again.
 *
 * The guard also refuses to seal while another instance of the key is live: during a watch window after the
 * start, and for one window after any block sealed by this key that this process did not make appears with
 * a recent timestamp (or double-sign evidence names the key). A corrupt or unreadable file is never
 * guessed around: the node follows the chain but does not seal until the operator fixes or resets it.
 *
 * The guard is pure apart from the file I/O of cj_sign_state_open / _record / _flush (time is passed in),
 * so every rule is unit-tested. Single-threaded (event-loop thread). */
#ifndef CJ_NODE_SIGN_STATE_H
#define CJ_NODE_SIGN_STATE_H

#include <stddef.h>
#include <stdint.h>

#define CJ_SIGN_STATE_FILE "sign_state.json"
#define CJ_SIGN_STATE_FORMAT 1
#define CJ_SIGN_STATE_MINE 64 /* blocks sealed by this process remembered (height, hash) */

/* What the file holds. */
typedef struct {
    uint64_t height;  /* last height sealed with this node's validator key; 0 = none */
    int has_hash;     /* 0 after a reset or when nothing was sealed */
    uint8_t hash[32]; /* the block sealed at height */
} cj_sign_record;

/* Parses the file's text strictly: one JSON object with exactly "format" (1), "height" (integer) and "hash"
 * (64 hex digits, or null only with any height after a reset). Returns 0, or -1 with the reason in err. */
int cj_sign_state_parse(const char *text, size_t len, cj_sign_record *out, char *err, size_t errlen);

/* The file's text for r (a heap string, free()), or NULL on OOM. */
char *cj_sign_state_format(const cj_sign_record *r);

/* Reads <dir>/sign_state.json: 1 and *out when present and valid, 0 when there is no file (out zeroed), -1
 * with err when it cannot be read or is corrupt. */
int cj_sign_state_read(const char *dir, cj_sign_record *out, char *err, size_t errlen);

/* Writes <dir>/sign_state.json atomically and durably: <file>.tmp (mode 0600), fsync, rename, fsync of dir.
 * 0, or -1 with err (the old file is then intact). */
int cj_sign_state_write(const char *dir, const cj_sign_record *r, char *err, size_t errlen);

/* `coinjectured reset-sign-state`: takes the data-dir lock (refused while a node runs on it), then records
 * height with no hash. 0, or -1 with err. */
int cj_sign_state_reset(const char *dir, uint64_t height, char *err, size_t errlen);

/* The guard of one running validator. */
typedef struct {
    char dir[4096];
    cj_sign_record rec;          /* the floor: never seal at or below rec.height */
    int dirty;                   /* rec changed in memory, not yet written (cj_sign_state_flush) */
    int faulty;                  /* the file is unusable: no sealing */
    char fault[600];
    int64_t window_ms;           /* watch window and hold after a foreign block */
    int64_t watch_until_ms;      /* start-up watch ends (Unix ms) */
    int64_t foreign_until_ms;    /* sealing held until then: another instance is live */
    uint64_t foreign_height;     /* the last foreign block seen */
    uint8_t foreign_hash[32];
    int foreign_evidence;        /* the hold comes from double-sign evidence, not from a block */
    struct {
        uint64_t height;
        uint8_t hash[32];
    } mine[CJ_SIGN_STATE_MINE];  /* ring of blocks this process sealed */
    size_t nmine, mine_next;
} cj_sign_state;

/* Starts the guard for data dir dir: reads the file (a missing file is an empty state; a corrupt one makes
 * the guard faulty, with the reason in s->fault) and begins a watch of window_ms from now_ms. Returns 0, or
 * -1 when the file is unusable (sealing stays refused; the node itself may run on). */
int cj_sign_state_open(cj_sign_state *s, const char *dir, int64_t window_ms, int64_t now_ms);

/* Why sealing is refused (the first that applies, in this order). */
typedef enum {
    CJ_SIGN_OK = 0,      /* may seal */
    CJ_SIGN_FAULTY,      /* the file is unusable */
    CJ_SIGN_WATCH,       /* the start-up watch is running */
    CJ_SIGN_FOREIGN,     /* another instance of the key is live (a foreign block or evidence) */
    CJ_SIGN_FLOOR        /* the height is at or below the recorded one */
} cj_sign_verdict;

/* Whether this node may seal height `height` now: CJ_SIGN_OK, or the reason (text in why, the one shown as
 * "sealing_blocked" in /v1/status). */
cj_sign_verdict cj_sign_state_blocked(const cj_sign_state *s, uint64_t height, int64_t now_ms, char *why, size_t whylen);

/* Records a block this process just sealed and committed, durably, before it leaves the node. Refuses (-1,
 * nothing written) a height below the recorded one, or equal to it with another hash; the same block again is a
 * no-op (0). A failed write (disk full, no descriptor left) returns -2 with s->dirty set:
 * the record holds in memory and is written by the next _record or _flush. That is as safe as a crash between
 * the commit and the record: the committed block is in the store, from which the next start raises the
 * sign-state. */
int cj_sign_state_record(cj_sign_state *s, uint64_t height, const uint8_t hash[32], char *err, size_t errlen);

/* A block sealed by this node's validator key, seen in the chain or on the network (timestamp ts_ms).
 * Raises the floor (in memory: cj_sign_state_flush writes it) when it is above the recorded height. Returns
 * 1 if it shows another live instance (not made by this process, above the record or conflicting with it,
 * timestamp within one window of now_ms): sealing is then held for one window; 0 otherwise. */
int cj_sign_state_observe(cj_sign_state *s, uint64_t height, const uint8_t hash[32], int64_t ts_ms, int64_t now_ms);

/* Double-sign evidence names this node's key at height: another instance sealed with it. Holds sealing for
 * one window from now_ms and raises the floor to height. */
void cj_sign_state_conflict(cj_sign_state *s, uint64_t height, int64_t now_ms);

/* Writes a pending record (a floor raised by _observe / _conflict, or a failed write). 0 (also when nothing
 * is pending, and when the file was unusable at open: that one stays for the operator's reset), or -1 with
 * err (still pending). */
int cj_sign_state_flush(cj_sign_state *s, char *err, size_t errlen);

/* 1 if this process sealed the block (height, hash), else 0. */
int cj_sign_state_mine(const cj_sign_state *s, uint64_t height, const uint8_t hash[32]);

#endif /* CJ_NODE_SIGN_STATE_H */
