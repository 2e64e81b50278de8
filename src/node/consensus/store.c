/* SQLite chain store (schema and rules in store.h). */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirlock.h"

#define CJ_STORE_SCHEMA_VERSION 1

enum {
    Q_META_GET, Q_META_PUT,
    Q_BLOCK_PUT, Q_BLOCK_BY_HASH, Q_BLOCK_BY_ID, Q_BLOCK_DATA, Q_BLOCK_DEL, Q_UNDO_PUT, Q_UNDO_GET, Q_SAME_SLOT,
    Q_CANON_SET, Q_CANON_DEL, Q_CANON_GET, Q_CANON_TIP,
    Q_TX_PUT, Q_TX_DEL, Q_TX_GET,
    Q_ACC_PUT, Q_ACC_DEL, Q_ACC_ALL,
    Q_EV_PUT, Q_EV_LIST,
    Q_VKEY_PUT, Q_VKEY_ALL, Q_VOTE_PUT, Q_VOTE_GET, Q_VOTE_DEL, Q_VOTES_CANON, Q_VSET_PUT, Q_VSET_GET, Q_VSET_DEL,
    Q_CANON_RANGE,
    Q_BEGIN, Q_COMMIT, Q_ROLLBACK_TO,
    Q_COUNT
};

static const char *const SQL[Q_COUNT] = {
    [Q_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [Q_META_PUT] = "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)",
    [Q_BLOCK_PUT] = "INSERT INTO blocks(hash, parent, height, cum_weight, proposer, timestamp, state_root, data) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [Q_BLOCK_BY_HASH] = "SELECT id, hash, parent, height, cum_weight, proposer, timestamp, state_root FROM blocks "
                        "WHERE hash = ?1",
    [Q_BLOCK_BY_ID] = "SELECT id, hash, parent, height, cum_weight, proposer, timestamp, state_root FROM blocks "
                      "WHERE id = ?1",
    [Q_BLOCK_DATA] = "SELECT data FROM blocks WHERE id = ?1",
    [Q_BLOCK_DEL] = "DELETE FROM blocks WHERE id = ?1",
    [Q_UNDO_PUT] = "UPDATE blocks SET undo = ?2 WHERE id = ?1",
    [Q_UNDO_GET] = "SELECT undo FROM blocks WHERE id = ?1",
    [Q_SAME_SLOT] = "SELECT hash FROM blocks WHERE height = ?1 AND proposer = ?2 AND hash <> ?3 LIMIT ?4",
    [Q_CANON_SET] = "INSERT OR REPLACE INTO canon(height, block_id) VALUES (?1, ?2)",
    [Q_CANON_DEL] = "DELETE FROM canon WHERE height = ?1",
    [Q_CANON_GET] = "SELECT block_id FROM canon WHERE height = ?1",
    [Q_CANON_TIP] = "SELECT height, block_id FROM canon ORDER BY height DESC LIMIT 1",
    [Q_TX_PUT] = "INSERT OR REPLACE INTO txs(hash, height, idx, off, len) VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_TX_DEL] = "DELETE FROM txs WHERE hash = ?1",
    [Q_TX_GET] = "SELECT height, idx, off, len FROM txs WHERE hash = ?1",
    [Q_ACC_PUT] = "INSERT OR REPLACE INTO accounts(pubkey, balance, nonce) VALUES (?1, ?2, ?3)",
    [Q_ACC_DEL] = "DELETE FROM accounts WHERE pubkey = ?1",
    [Q_ACC_ALL] = "SELECT pubkey, balance, nonce FROM accounts",
    [Q_EV_PUT] = "INSERT OR IGNORE INTO evidence(height, validator, hash_a, hash_b) VALUES (?1, ?2, ?3, ?4)",
    [Q_EV_LIST] = "SELECT height, validator, hash_a, hash_b FROM evidence ORDER BY id DESC LIMIT ?1",
    [Q_VKEY_PUT] = "INSERT OR IGNORE INTO validator_keys(id, pubkey) VALUES (?1, ?2)",
    [Q_VKEY_ALL] = "SELECT id, pubkey FROM validator_keys ORDER BY id",
    [Q_VOTE_PUT] = "INSERT OR REPLACE INTO votes(block_id, action, pubkey, voter) VALUES (?1, ?2, ?3, ?4)",
    [Q_VOTE_GET] = "SELECT action, pubkey, voter FROM votes WHERE block_id = ?1",
    [Q_VOTE_DEL] = "DELETE FROM votes WHERE block_id = ?1",
    [Q_VOTES_CANON] = "SELECT c.height, v.action, v.pubkey, v.voter FROM canon c JOIN votes v ON v.block_id = c.block_id "
                      "WHERE c.height BETWEEN ?1 AND ?2 ORDER BY c.height",
    [Q_VSET_PUT] = "INSERT OR REPLACE INTO vsets(anchor, height, validators) VALUES (?1, ?2, ?3)",
    [Q_VSET_GET] = "SELECT validators FROM vsets WHERE anchor = ?1",
    [Q_VSET_DEL] = "DELETE FROM vsets WHERE anchor = (SELECT hash FROM blocks WHERE id = ?1)",
    [Q_CANON_RANGE] = "SELECT c.height, b.proposer, b.timestamp FROM canon c JOIN blocks b ON b.id = c.block_id "
                      "WHERE c.height BETWEEN ?1 AND ?2 ORDER BY c.height",
    [Q_BEGIN] = "SAVEPOINT cj",
    [Q_COMMIT] = "RELEASE cj",
    [Q_ROLLBACK_TO] = "ROLLBACK TO cj",
};

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS blocks(id INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE, parent BLOB NOT NULL,"
    " height INTEGER NOT NULL, cum_weight INTEGER NOT NULL, proposer INTEGER NOT NULL, timestamp INTEGER NOT NULL,"
    " state_root BLOB NOT NULL, data BLOB NOT NULL, undo BLOB);"
    "CREATE INDEX IF NOT EXISTS blocks_height ON blocks(height, proposer);"
    "CREATE TABLE IF NOT EXISTS canon(height INTEGER PRIMARY KEY, block_id INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS txs(hash BLOB PRIMARY KEY, height INTEGER NOT NULL, idx INTEGER NOT NULL,"
    " off INTEGER NOT NULL, len INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS accounts(pubkey BLOB PRIMARY KEY, balance INTEGER NOT NULL,"
    " nonce INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS evidence(id INTEGER PRIMARY KEY, height INTEGER NOT NULL, validator BLOB NOT NULL,"
    " hash_a BLOB NOT NULL, hash_b BLOB NOT NULL, UNIQUE(height, validator, hash_a, hash_b));"
    "CREATE TABLE IF NOT EXISTS validator_keys(id INTEGER PRIMARY KEY, pubkey BLOB NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS votes(block_id INTEGER PRIMARY KEY, action INTEGER NOT NULL, pubkey BLOB NOT NULL,"
    " voter BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS vsets(anchor BLOB PRIMARY KEY, height INTEGER NOT NULL, validators BLOB NOT NULL);";

struct cj_store {
    sqlite3 *db;
    sqlite3_stmt *q[Q_COUNT];
    cj_dirlock *lock;
    int depth; /* open savepoints */
    char err[256];
};

/* Records the SQLite error of the last call with some context; returns -1. */
static int st_fail(cj_store *s, const char *what)
{
    snprintf(s->err, sizeof s->err, "%s: %s", what, s->db ? sqlite3_errmsg(s->db) : "no database");
    return -1;
}

/* The cached statement for id, reset and unbound for reuse. */
static sqlite3_stmt *st_q(cj_store *s, int id)
{
    sqlite3_stmt *q = s->q[id];
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return q;
}

/* Runs a statement that returns no rows. */
static int st_exec(cj_store *s, sqlite3_stmt *q, const char *what)
{
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : st_fail(s, what);
}

/* Last error text. */
const char *cj_store_error(const cj_store *s)
{
    return s ? s->err : "no store";
}

/* Creates the directory if needed, locks it, opens the DB in WAL mode and prepares every statement. */
int cj_store_open(const char *data_dir, int sync_full, cj_store **out, char *err, size_t errlen)
{
    *out = NULL;
    char path[4096];
    if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create data dir %s: %s", data_dir, strerror(errno));
        return -1;
    }
    cj_store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if ((s->lock = cj_dirlock_acquire(data_dir, err, errlen)) == NULL) {
        free(s);
        return -1;
    }
    snprintf(path, sizeof path, "%s/chain.db", data_dir);
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
        cj_store_close(s);
        return -1;
    }
    char pragmas[256];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA foreign_keys=OFF; PRAGMA busy_timeout=5000;"
             "PRAGMA cache_size=-65536;",
             sync_full ? "FULL" : "NORMAL");
    char *msg = NULL;
    if (sqlite3_exec(s->db, pragmas, NULL, NULL, &msg) != SQLITE_OK ||
        sqlite3_exec(s->db, SCHEMA, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "cannot initialise %s: %s", path, msg ? msg : "?");
        sqlite3_free(msg);
        cj_store_close(s);
        return -1;
    }
    for (int i = 0; i < Q_COUNT; i++) {
        if (sqlite3_prepare_v3(s->db, SQL[i], -1, SQLITE_PREPARE_PERSISTENT, &s->q[i], NULL) != SQLITE_OK) {
            snprintf(err, errlen, "cannot prepare statement %d: %s", i, sqlite3_errmsg(s->db));
            cj_store_close(s);
            return -1;
        }
    }
    uint8_t v[8];
    size_t vlen = 0;
    int have = cj_store_meta_get(s, "schema", v, sizeof v, &vlen);
    if (have < 0) {
        snprintf(err, errlen, "%s", s->err);
        cj_store_close(s);
        return -1;
    }
    if (have == 0) {
        v[0] = CJ_STORE_SCHEMA_VERSION;
        if (cj_store_meta_put(s, "schema", v, 1) != 0) {
            snprintf(err, errlen, "%s", s->err);
            cj_store_close(s);
            return -1;
        }
    } else if (vlen != 1 || v[0] != CJ_STORE_SCHEMA_VERSION) {
        snprintf(err, errlen, "%s: unsupported schema version", path);
        cj_store_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

/* Finalizes statements, closes the DB (checkpointing the WAL) and releases the lock. */
void cj_store_close(cj_store *s)
{
    if (!s) return;
    while (s->depth > 0) cj_store_rollback(s);
    for (int i = 0; i < Q_COUNT; i++) sqlite3_finalize(s->q[i]);
    if (s->db) sqlite3_close(s->db);
    cj_dirlock_release(s->lock);
    free(s);
}

/* Opens a savepoint (the outermost one is the transaction). */
int cj_store_begin(cj_store *s)
{
    if (st_exec(s, st_q(s, Q_BEGIN), "begin") != 0) return -1;
    s->depth++;
    return 0;
}

/* PRAGMA synchronous between transactions (block import in bulk does not need an fsync per block). */
int cj_store_set_sync(cj_store *s, int full)
{
    if (!s || s->depth != 0) return -1;
    char *msg = NULL;
    if (sqlite3_exec(s->db, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", NULL, NULL, &msg) !=
        SQLITE_OK) {
        snprintf(s->err, sizeof s->err, "synchronous: %s", msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* Releases the innermost savepoint; the outermost release commits durably. */
int cj_store_commit(cj_store *s)
{
    if (s->depth <= 0) return st_fail(s, "commit without begin");
    if (st_exec(s, st_q(s, Q_COMMIT), "commit") != 0) return -1;
    s->depth--;
    return 0;
}

/* Undoes and closes the innermost savepoint. */
void cj_store_rollback(cj_store *s)
{
    if (s->depth <= 0) return;
    (void)st_exec(s, st_q(s, Q_ROLLBACK_TO), "rollback");
    (void)st_exec(s, st_q(s, Q_COMMIT), "rollback release");
    s->depth--;
}

/* Copies a blob column into a caller buffer. */
int cj_store_meta_get(cj_store *s, const char *key, uint8_t *buf, size_t cap, size_t *len)
{
    sqlite3_stmt *q = st_q(s, Q_META_GET);
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(q);
        return 0;
    }
    if (rc != SQLITE_ROW) return st_fail(s, "meta get");
    size_t n = (size_t)sqlite3_column_bytes(q, 0);
    if (n > cap) {
        sqlite3_reset(q);
        snprintf(s->err, sizeof s->err, "meta %s: value too large", key);
        return -1;
    }
    if (n) memcpy(buf, sqlite3_column_blob(q, 0), n);
    *len = n;
    sqlite3_reset(q);
    return 1;
}

/* Upserts a meta value. */
int cj_store_meta_put(cj_store *s, const char *key, const uint8_t *v, size_t len)
{
    sqlite3_stmt *q = st_q(s, Q_META_PUT);
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 2, v, (int)len, SQLITE_STATIC);
    return st_exec(s, q, "meta put");
}

/* Inserts a block row. */
int cj_store_block_put(cj_store *s, const cj_store_block_info *info, const uint8_t *data, size_t len,
                       int64_t *out_id)
{
    sqlite3_stmt *q = st_q(s, Q_BLOCK_PUT);
    sqlite3_bind_blob(q, 1, info->hash, 32, SQLITE_STATIC);
    sqlite3_bind_blob(q, 2, info->parent, 32, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, (int64_t)info->height);
    sqlite3_bind_int64(q, 4, (int64_t)info->cum_weight);
    sqlite3_bind_int(q, 5, info->proposer);
    sqlite3_bind_int64(q, 6, info->timestamp);
    sqlite3_bind_blob(q, 7, info->state_root, 32, SQLITE_STATIC);
    sqlite3_bind_blob64(q, 8, data, (sqlite3_uint64)len, SQLITE_STATIC);
    if (st_exec(s, q, "block put") != 0) return -1;
    *out_id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

/* Copies a 32-byte blob column (zeros if the column has another size). */
static void col32(sqlite3_stmt *q, int col, uint8_t out[32])
{
    if (sqlite3_column_bytes(q, col) == 32)
        memcpy(out, sqlite3_column_blob(q, col), 32);
    else
        memset(out, 0, 32);
}

/* Reads one block-info row from a prepared lookup. */
static int block_info_row(cj_store *s, sqlite3_stmt *q, cj_store_block_info *out)
{
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(q);
        return 0;
    }
    if (rc != SQLITE_ROW) return st_fail(s, "block info");
    out->id = sqlite3_column_int64(q, 0);
    col32(q, 1, out->hash);
    col32(q, 2, out->parent);
    out->height = (uint64_t)sqlite3_column_int64(q, 3);
    out->cum_weight = (uint64_t)sqlite3_column_int64(q, 4);
    out->proposer = sqlite3_column_int(q, 5);
    out->timestamp = sqlite3_column_int64(q, 6);
    col32(q, 7, out->state_root);
    sqlite3_reset(q);
    return 1;
}

/* Block metadata by hash. */
int cj_store_block_info_by_hash(cj_store *s, const uint8_t hash[32], cj_store_block_info *out)
{
    sqlite3_stmt *q = st_q(s, Q_BLOCK_BY_HASH);
    sqlite3_bind_blob(q, 1, hash, 32, SQLITE_STATIC);
    return block_info_row(s, q, out);
}

/* Block metadata by row id. */
int cj_store_block_info_by_id(cj_store *s, int64_t id, cj_store_block_info *out)
{
    sqlite3_stmt *q = st_q(s, Q_BLOCK_BY_ID);
    sqlite3_bind_int64(q, 1, id);
    return block_info_row(s, q, out);
}

/* Copies a blob column of a one-row lookup by id into a new heap buffer. */
static int blob_by_id(cj_store *s, int qid, int64_t id, uint8_t **data, size_t *len, const char *what)
{
    *data = NULL;
    *len = 0;
    sqlite3_stmt *q = st_q(s, qid);
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(q);
        return 0;
    }
    if (rc != SQLITE_ROW) return st_fail(s, what);
    size_t n = (size_t)sqlite3_column_bytes(q, 0);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) {
        sqlite3_reset(q);
        snprintf(s->err, sizeof s->err, "%s: out of memory", what);
        return -1;
    }
    if (n) memcpy(buf, sqlite3_column_blob(q, 0), n);
    sqlite3_reset(q);
    *data = buf;
    *len = n;
    return 1;
}

/* Canonical bytes of a stored block. */
int cj_store_block_data(cj_store *s, int64_t id, uint8_t **data, size_t *len)
{
    return blob_by_id(s, Q_BLOCK_DATA, id, data, len, "block data");
}

/* Incremental blob read: a transaction's bytes without loading the whole block. */
int cj_store_block_slice(cj_store *s, int64_t id, uint32_t off, uint32_t len, uint8_t *out)
{
    sqlite3_blob *b = NULL;
    if (sqlite3_blob_open(s->db, "main", "blocks", "data", id, 0, &b) != SQLITE_OK) {
        if (b) sqlite3_blob_close(b);
        return st_fail(s, "block slice open");
    }
    int rc = sqlite3_blob_read(b, out, (int)len, (int)off);
    sqlite3_blob_close(b);
    return rc == SQLITE_OK ? 0 : st_fail(s, "block slice read");
}

/* Removes a block row (an invalid side block) with its vote and the validator set cached for it. */
int cj_store_block_delete(cj_store *s, int64_t id)
{
    sqlite3_stmt *q = st_q(s, Q_VSET_DEL);
    sqlite3_bind_int64(q, 1, id);
    if (st_exec(s, q, "vset delete") != 0) return -1;
    q = st_q(s, Q_VOTE_DEL);
    sqlite3_bind_int64(q, 1, id);
    if (st_exec(s, q, "vote delete") != 0) return -1;
    q = st_q(s, Q_BLOCK_DEL);
    sqlite3_bind_int64(q, 1, id);
    return st_exec(s, q, "block delete");
}

/* Attaches undo data to a block row. */
int cj_store_undo_put(cj_store *s, int64_t id, const uint8_t *undo, size_t len)
{
    sqlite3_stmt *q = st_q(s, Q_UNDO_PUT);
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_blob64(q, 2, undo, (sqlite3_uint64)len, SQLITE_STATIC);
    return st_exec(s, q, "undo put");
}

/* Undo data of a block (0 if the block is unknown; a NULL column reads as an empty buffer). */
int cj_store_undo_get(cj_store *s, int64_t id, uint8_t **undo, size_t *len)
{
    return blob_by_id(s, Q_UNDO_GET, id, undo, len, "undo get");
}

/* Other blocks in the same (height, proposer) slot. */
int cj_store_blocks_same_slot(cj_store *s, uint64_t height, int32_t proposer, const uint8_t exclude[32],
                              uint8_t (*out)[32], int max)
{
    sqlite3_stmt *q = st_q(s, Q_SAME_SLOT);
    sqlite3_bind_int64(q, 1, (int64_t)height);
    sqlite3_bind_int(q, 2, proposer);
    sqlite3_bind_blob(q, 3, exclude, 32, SQLITE_STATIC);
    sqlite3_bind_int(q, 4, max);
    int n = 0, rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && n < max) col32(q, 0, out[n++]);
    sqlite3_reset(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return st_fail(s, "same slot");
    return n;
}

/* Marks the block with this id canonical at height. */
int cj_store_canon_set(cj_store *s, uint64_t height, int64_t id)
{
    sqlite3_stmt *q = st_q(s, Q_CANON_SET);
    sqlite3_bind_int64(q, 1, (int64_t)height);
    sqlite3_bind_int64(q, 2, id);
    return st_exec(s, q, "canon set");
}

/* Drops the canonical entry at height. */
int cj_store_canon_del(cj_store *s, uint64_t height)
{
    sqlite3_stmt *q = st_q(s, Q_CANON_DEL);
    sqlite3_bind_int64(q, 1, (int64_t)height);
    return st_exec(s, q, "canon del");
}

/* Canonical block id at height. */
int cj_store_canon_get(cj_store *s, uint64_t height, int64_t *id)
{
    sqlite3_stmt *q = st_q(s, Q_CANON_GET);
    sqlite3_bind_int64(q, 1, (int64_t)height);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) *id = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    if (rc == SQLITE_ROW) return 1;
    return rc == SQLITE_DONE ? 0 : st_fail(s, "canon get");
}

/* Highest canonical entry: the head. */
int cj_store_canon_tip(cj_store *s, uint64_t *height, int64_t *id)
{
    sqlite3_stmt *q = st_q(s, Q_CANON_TIP);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *height = (uint64_t)sqlite3_column_int64(q, 0);
        *id = sqlite3_column_int64(q, 1);
    }
    sqlite3_reset(q);
    if (rc == SQLITE_ROW) return 1;
    return rc == SQLITE_DONE ? 0 : st_fail(s, "canon tip");
}

/* Indexes a canonical transaction. */
int cj_store_tx_put(cj_store *s, const uint8_t hash[32], uint64_t height, uint32_t idx, uint32_t off, uint32_t len)
{
    sqlite3_stmt *q = st_q(s, Q_TX_PUT);
    sqlite3_bind_blob(q, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, (int64_t)height);
    sqlite3_bind_int64(q, 3, idx);
    sqlite3_bind_int64(q, 4, off);
    sqlite3_bind_int64(q, 5, len);
    return st_exec(s, q, "tx put");
}

/* Unindexes a transaction (its block left the canonical chain). */
int cj_store_tx_del(cj_store *s, const uint8_t hash[32])
{
    sqlite3_stmt *q = st_q(s, Q_TX_DEL);
    sqlite3_bind_blob(q, 1, hash, 32, SQLITE_STATIC);
    return st_exec(s, q, "tx del");
}

/* Where a canonical transaction is. */
int cj_store_tx_get(cj_store *s, const uint8_t hash[32], uint64_t *height, uint32_t *idx, uint32_t *off,
                    uint32_t *len)
{
    sqlite3_stmt *q = st_q(s, Q_TX_GET);
    sqlite3_bind_blob(q, 1, hash, 32, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *height = (uint64_t)sqlite3_column_int64(q, 0);
        *idx = (uint32_t)sqlite3_column_int64(q, 1);
        *off = (uint32_t)sqlite3_column_int64(q, 2);
        *len = (uint32_t)sqlite3_column_int64(q, 3);
    }
    sqlite3_reset(q);
    if (rc == SQLITE_ROW) return 1;
    return rc == SQLITE_DONE ? 0 : st_fail(s, "tx get");
}

/* Writes one account row ({0,0} = no row). */
int cj_store_account_put(cj_store *s, const uint8_t pk[32], uint64_t balance, uint64_t nonce)
{
    if (balance == 0 && nonce == 0) {
        sqlite3_stmt *q = st_q(s, Q_ACC_DEL);
        sqlite3_bind_blob(q, 1, pk, 32, SQLITE_STATIC);
        return st_exec(s, q, "account delete");
    }
    sqlite3_stmt *q = st_q(s, Q_ACC_PUT);
    sqlite3_bind_blob(q, 1, pk, 32, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, (int64_t)balance);
    sqlite3_bind_int64(q, 3, (int64_t)nonce);
    return st_exec(s, q, "account put");
}

/* Streams every account row (used to rebuild the in-memory state at open). */
int cj_store_accounts_each(cj_store *s, int (*fn)(void *ctx, const uint8_t pk[32], uint64_t balance, uint64_t nonce),
                           void *ctx)
{
    sqlite3_stmt *q = st_q(s, Q_ACC_ALL);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(q, 0) != 32) {
            sqlite3_reset(q);
            snprintf(s->err, sizeof s->err, "accounts: malformed public key");
            return -1;
        }
        int r = fn(ctx, sqlite3_column_blob(q, 0), (uint64_t)sqlite3_column_int64(q, 1),
                   (uint64_t)sqlite3_column_int64(q, 2));
        if (r != 0) {
            sqlite3_reset(q);
            return r;
        }
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : st_fail(s, "accounts scan");
}

/* Records double-sign evidence once (the pair is stored in byte order); returns 1 if new, 0 if known. */
int cj_store_evidence_put(cj_store *s, uint64_t height, const uint8_t validator[32], const uint8_t a[32],
                          const uint8_t b[32])
{
    const uint8_t *lo = memcmp(a, b, 32) < 0 ? a : b, *hi = lo == a ? b : a;
    sqlite3_stmt *q = st_q(s, Q_EV_PUT);
    sqlite3_bind_int64(q, 1, (int64_t)height);
    sqlite3_bind_blob(q, 2, validator, 32, SQLITE_STATIC);
    sqlite3_bind_blob(q, 3, lo, 32, SQLITE_STATIC);
    sqlite3_bind_blob(q, 4, hi, 32, SQLITE_STATIC);
    if (st_exec(s, q, "evidence put") != 0) return -1;
    return sqlite3_changes(s->db) > 0 ? 1 : 0;
}

/* Lists evidence, newest first. */
int cj_store_evidence_list(cj_store *s, int max, uint64_t *heights, uint8_t (*validators)[32], uint8_t (*a)[32],
                           uint8_t (*b)[32])
{
    sqlite3_stmt *q = st_q(s, Q_EV_LIST);
    sqlite3_bind_int(q, 1, max);
    int n = 0, rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && n < max) {
        heights[n] = (uint64_t)sqlite3_column_int64(q, 0);
        col32(q, 1, validators[n]);
        col32(q, 2, a[n]);
        col32(q, 3, b[n]);
        n++;
    }
    sqlite3_reset(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return st_fail(s, "evidence list");
    return n;
}

/* Registers a validator key under a local id (no-op if the id or the key is already there). */
int cj_store_vkey_put(cj_store *s, uint32_t id, const uint8_t pk[32])
{
    sqlite3_stmt *q = st_q(s, Q_VKEY_PUT);
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_blob(q, 2, pk, 32, SQLITE_STATIC);
    return st_exec(s, q, "validator key put");
}

/* Streams the key registry in id order (rebuilt in memory at open). */
int cj_store_vkeys_each(cj_store *s, int (*fn)(void *ctx, uint32_t id, const uint8_t pk[32]), void *ctx)
{
    sqlite3_stmt *q = st_q(s, Q_VKEY_ALL);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        if (sqlite3_column_bytes(q, 1) != 32 || id < 0 || id > UINT32_MAX) {
            sqlite3_reset(q);
            snprintf(s->err, sizeof s->err, "validator_keys: malformed row");
            return -1;
        }
        int r = fn(ctx, (uint32_t)id, sqlite3_column_blob(q, 1));
        if (r != 0) {
            sqlite3_reset(q);
            return r;
        }
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : st_fail(s, "validator keys scan");
}

/* Records the validator vote a stored block carries. */
int cj_store_vote_put(cj_store *s, int64_t block_id, uint8_t action, const uint8_t key[32], const uint8_t voter[32])
{
    sqlite3_stmt *q = st_q(s, Q_VOTE_PUT);
    sqlite3_bind_int64(q, 1, block_id);
    sqlite3_bind_int(q, 2, action);
    sqlite3_bind_blob(q, 3, key, 32, SQLITE_STATIC);
    sqlite3_bind_blob(q, 4, voter, 32, SQLITE_STATIC);
    return st_exec(s, q, "vote put");
}

/* The vote of one stored block (0: it carries none). */
int cj_store_vote_get(cj_store *s, int64_t block_id, uint8_t *action, uint8_t key[32], uint8_t voter[32])
{
    sqlite3_stmt *q = st_q(s, Q_VOTE_GET);
    sqlite3_bind_int64(q, 1, block_id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *action = (uint8_t)sqlite3_column_int(q, 0);
        col32(q, 1, key);
        col32(q, 2, voter);
    }
    sqlite3_reset(q);
    if (rc == SQLITE_ROW) return 1;
    return rc == SQLITE_DONE ? 0 : st_fail(s, "vote get");
}

/* Votes of the canonical blocks at heights lo..hi, in height order (rebuilds an epoch's tally). */
int cj_store_votes_canon(cj_store *s, uint64_t lo, uint64_t hi,
                         int (*fn)(void *ctx, uint64_t height, uint8_t action, const uint8_t key[32],
                                   const uint8_t voter[32]),
                         void *ctx)
{
    sqlite3_stmt *q = st_q(s, Q_VOTES_CANON);
    sqlite3_bind_int64(q, 1, (int64_t)lo);
    sqlite3_bind_int64(q, 2, (int64_t)hi);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        uint8_t key[32], voter[32];
        col32(q, 2, key);
        col32(q, 3, voter);
        int r = fn(ctx, (uint64_t)sqlite3_column_int64(q, 0), (uint8_t)sqlite3_column_int(q, 1), key, voter);
        if (r != 0) {
            sqlite3_reset(q);
            return r;
        }
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : st_fail(s, "votes scan");
}

/* Caches the validator set that follows the epoch whose last block is anchor (n keys of 32 bytes). */
int cj_store_vset_put(cj_store *s, const uint8_t anchor[32], uint64_t height, const uint8_t *keys, size_t n)
{
    sqlite3_stmt *q = st_q(s, Q_VSET_PUT);
    sqlite3_bind_blob(q, 1, anchor, 32, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, (int64_t)height);
    sqlite3_bind_blob64(q, 3, keys, (sqlite3_uint64)(n * 32), SQLITE_STATIC);
    return st_exec(s, q, "vset put");
}

/* The cached set for anchor (malloc'ed keys, caller frees); 0 if not cached. */
int cj_store_vset_get(cj_store *s, const uint8_t anchor[32], uint8_t **keys, size_t *n)
{
    *keys = NULL;
    *n = 0;
    sqlite3_stmt *q = st_q(s, Q_VSET_GET);
    sqlite3_bind_blob(q, 1, anchor, 32, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(q);
        return 0;
    }
    if (rc != SQLITE_ROW) return st_fail(s, "vset get");
    size_t len = (size_t)sqlite3_column_bytes(q, 0);
    if (len == 0 || len % 32 != 0) {
        sqlite3_reset(q);
        snprintf(s->err, sizeof s->err, "vsets: malformed row");
        return -1;
    }
    uint8_t *buf = malloc(len);
    if (!buf) {
        sqlite3_reset(q);
        snprintf(s->err, sizeof s->err, "vset get: out of memory");
        return -1;
    }
    memcpy(buf, sqlite3_column_blob(q, 0), len);
    sqlite3_reset(q);
    *keys = buf;
    *n = len / 32;
    return 1;
}

/* Proposer id and timestamp of every canonical block at heights lo..hi, in height order. */
int cj_store_canon_each(cj_store *s, uint64_t lo, uint64_t hi,
                        int (*fn)(void *ctx, uint64_t height, int32_t proposer, int64_t timestamp), void *ctx)
{
    sqlite3_stmt *q = st_q(s, Q_CANON_RANGE);
    sqlite3_bind_int64(q, 1, (int64_t)lo);
    sqlite3_bind_int64(q, 2, (int64_t)hi);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int r = fn(ctx, (uint64_t)sqlite3_column_int64(q, 0), sqlite3_column_int(q, 1), sqlite3_column_int64(q, 2));
        if (r != 0) {
            sqlite3_reset(q);
            return r;
        }
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : st_fail(s, "canon scan");
}
