/* Unit tests of the validator's sign-state file and double-sign guard (src/node/daemon/sign_state.c). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirlock.h"
#include "sign_state.h"
#include "testutil.h"

#define T0 1700000000000LL
#define WIN 3000

/* A fresh empty directory (removed by rm_dir). */
static char *mk_dir(void)
{
    char tmpl[] = "/tmp/cjsign-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    return strdup(tmpl);
}

/* Removes the files the sign-state and the lock write, then the directory. */
static void rm_dir(char *d)
{
    static const char *const names[] = {CJ_SIGN_STATE_FILE, CJ_SIGN_STATE_FILE ".tmp", CJ_DIRLOCK_FILE};
    char p[512];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", d, names[i]);
        if (unlink(p) != 0)
            rmdir(p);
    }
    rmdir(d);
    free(d);
}

/* Writes raw text as the sign-state file. */
static void put_file(const char *d, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", d, CJ_SIGN_STATE_FILE);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void hash_of(uint8_t out[32], uint8_t b)
{
    memset(out, b, 32);
}

static void test_parse_accepts_exactly_the_format(void **state)
{
    (void)state;
    cj_sign_record r;
    char err[300];
    const char *ok = "{\"format\":1,\"height\":42,\"hash\":\"" "abababababababababababababababababababababababababababababababab" "\"}";
    assert_int_equal(cj_sign_state_parse(ok, strlen(ok), &r, err, sizeof err), 0);
    assert_true(r.height == 42 && r.has_hash && r.hash[0] == 0xab && r.hash[31] == 0xab);
    const char *reset = "{\"format\":1,\"height\":7,\"hash\":null}";
    assert_int_equal(cj_sign_state_parse(reset, strlen(reset), &r, err, sizeof err), 0);
    assert_true(r.height == 7 && !r.has_hash);
    static const char *const bad[] = {
        "",
        "garbage",
        "[]",
        "{\"format\":1,\"height\":7}",
        "{\"format\":1,\"height\":7,\"hash\":null,\"extra\":1}",
        "{\"format\":2,\"height\":7,\"hash\":null}",
        "{\"format\":1,\"height\":-1,\"hash\":null}",
        "{\"format\":1,\"height\":1.5,\"hash\":null}",
        "{\"format\":1,\"height\":7,\"hash\":\"abcd\"}",
        "{\"format\":1,\"height\":7,\"hash\":\"zz\"}",
        "{\"format\":1,\"height\":0,\"hash\":\"" "0101010101010101010101010101010101010101010101010101010101010101" "\"}",
        "{\"format\":1,\"height\":7,\"height\":8,\"hash\":null}",
        "{\"format\":1,\"height\":7,\"hash\":null} trailing",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(cj_sign_state_parse(bad[i], strlen(bad[i]), &r, err, sizeof err), -1);
        assert_true(err[0] != '\0');
        assert_true(r.height == 0 && !r.has_hash);
    }
}

static void test_write_is_atomic_and_round_trips(void **state)
{
    (void)state;
    char *d = mk_dir(), err[600], p[512];
    cj_sign_record r, back;
    assert_int_equal(cj_sign_state_read(d, &back, err, sizeof err), 0); /* no file: nothing sealed */
    memset(&r, 0, sizeof r);
    r.height = 1234;
    r.has_hash = 1;
    hash_of(r.hash, 0x5c);
    assert_int_equal(cj_sign_state_write(d, &r, err, sizeof err), 0);
    assert_int_equal(cj_sign_state_read(d, &back, err, sizeof err), 1);
    assert_memory_equal(&r, &back, sizeof r);
    struct stat sb;
    snprintf(p, sizeof p, "%s/%s", d, CJ_SIGN_STATE_FILE);
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    snprintf(p, sizeof p, "%s/%s.tmp", d, CJ_SIGN_STATE_FILE);
    assert_int_not_equal(access(p, F_OK), 0); /* the temporary file was renamed away */
    /* a write that fails (the temporary path is a directory) leaves the old record intact */
    assert_int_equal(mkdir(p, 0700), 0);
    cj_sign_record newer = r;
    newer.height = 2000;
    assert_int_equal(cj_sign_state_write(d, &newer, err, sizeof err), -1);
    assert_non_null(strstr(err, CJ_SIGN_STATE_FILE));
    assert_int_equal(cj_sign_state_read(d, &back, err, sizeof err), 1);
    assert_true(back.height == 1234);
    rmdir(p);
    rm_dir(d);
}

static void test_corrupt_file_refuses_sealing(void **state)
{
    (void)state;
    char *d = mk_dir(), why[800];
    cj_sign_state s;
    put_file(d, "{\"format\":1,\"height\":");
    assert_int_equal(cj_sign_state_open(&s, d, WIN, T0), -1);
    assert_true(s.faulty);
    assert_int_equal(cj_sign_state_blocked(&s, 1000000, T0 + 10 * WIN, why, sizeof why), CJ_SIGN_FAULTY);
    assert_non_null(strstr(why, "sign-state unusable"));
    assert_non_null(strstr(why, "corrupt"));
    assert_non_null(strstr(why, "reset-sign-state"));
    /* blocks seen while faulty never rewrite the file: only the operator's reset makes it usable again */
    uint8_t h[32];
    char err[600];
    memset(h, 7, sizeof h);
    assert_int_equal(cj_sign_state_observe(&s, 500, h, T0, T0), 1);
    assert_int_equal(cj_sign_state_flush(&s, err, sizeof err), 0);
    cj_sign_record back;
    assert_int_equal(cj_sign_state_read(d, &back, err, sizeof err), -1);
    assert_int_equal(cj_sign_state_blocked(&s, 1000000, T0 + 10 * WIN, why, sizeof why), CJ_SIGN_FAULTY);
    rm_dir(d);
}

static void test_record_refuses_lower_or_equal_with_another_hash(void **state)
{
    (void)state;
    char *d = mk_dir(), err[600];
    cj_sign_state s;
    cj_sign_record back;
    uint8_t a[32], b[32];
    hash_of(a, 1);
    hash_of(b, 2);
    assert_int_equal(cj_sign_state_open(&s, d, WIN, T0), 0);
    assert_int_equal(cj_sign_state_record(&s, 10, a, err, sizeof err), 0);
    assert_int_equal(cj_sign_state_read(d, &back, err, sizeof err), 1);
    assert_true(back.height == 10 && memcmp(back.hash, a, 32) == 0);
    assert_int_equal(cj_sign_state_record(&s, 10, a, err, sizeof err), 0); /* the same block: no-op */
    assert_int_equal(cj_sign_state_record(&s, 10, b, err, sizeof err), -1);
    assert_non_null(strstr(err, "another block"));
    assert_int_equal(cj_sign_state_record(&s, 9, b, err, sizeof err), -1);
    assert_int_equal(cj_sign_state_read(d, &back, err, sizeof err), 1);
    assert_true(back.height == 10 && memcmp(back.hash, a, 32) == 0); /* unchanged on disk */
    assert_int_equal(cj_sign_state_record(&s, 11, b, err, sizeof err), 0);
    assert_true(cj_sign_state_mine(&s, 10, a) && cj_sign_state_mine(&s, 11, b) && !cj_sign_state_mine(&s, 10, b));
    /* a new start reads the floor back: heights at or below it are refused */
    char why[400];
    assert_int_equal(cj_sign_state_open(&s, d, WIN, T0), 0);
    assert_int_equal(cj_sign_state_blocked(&s, 11, T0 + WIN, why, sizeof why), CJ_SIGN_FLOOR);
    assert_non_null(strstr(why, "at or below the last signed height 11"));
    assert_int_equal(cj_sign_state_blocked(&s, 12, T0 + WIN, why, sizeof why), CJ_SIGN_OK);
    rm_dir(d);
}

static void test_failed_write_stays_pending(void **state)
{
    (void)state;
    char *d = mk_dir(), err[600], why[400], p[512];
    cj_sign_state s;
    cj_sign_record back;
    uint8_t a[32], b[32];
    hash_of(a, 1);
    hash_of(b, 2);
    assert_int_equal(cj_sign_state_open(&s, d, WIN, T0), 0);
    assert_int_equal(cj_sign_state_record(&s, 3, a, err, sizeof err), 0);
    snprintf(p, sizeof p, "%s/%s.tmp", d, CJ_SIGN_STATE_FILE);
    assert_int_equal(mkdir(p, 0700), 0); /* the next write cannot create its temporary file */
    assert_int_equal(cj_sign_state_record(&s, 4, b, err, sizeof err), -2);
    assert_true(s.dirty && !s.faulty);
    /* in memory the record holds: no second block at 4 */
    assert_int_equal(cj_sign_state_blocked(&s, 4, T0 + WIN, why, sizeof why), CJ_SIGN_FLOOR);
    assert_int_equal(cj_sign_state_read(d, &back, err, sizeof err), 1);
    assert_true(back.height == 3);
    assert_int_equal(cj_sign_state_flush(&s, err, sizeof err), -1);
    rmdir(p);
    assert_int_equal(cj_sign_state_flush(&s, err, sizeof err), 0);
    assert_false(s.dirty);
    assert_int_equal(cj_sign_state_read(d, &back, err, sizeof err), 1);
    assert_true(back.height == 4 && memcmp(back.hash, b, 32) == 0);
    assert_int_equal(cj_sign_state_record(&s, 3, b, err, sizeof err), -1); /* a regression is a refusal */
    rm_dir(d);
}

static void test_watch_window_and_foreign_blocks(void **state)
{
    (void)state;
    char *d = mk_dir(), err[600], why[400];
    cj_sign_state s;
    uint8_t a[32], b[32], c[32];
    hash_of(a, 1);
    hash_of(b, 2);
    hash_of(c, 3);
    assert_int_equal(cj_sign_state_open(&s, d, WIN, T0), 0);
    assert_int_equal(cj_sign_state_blocked(&s, 1, T0, why, sizeof why), CJ_SIGN_WATCH);
    assert_non_null(strstr(why, "start-up watch"));
    assert_int_equal(cj_sign_state_blocked(&s, 1, T0 + WIN - 1, why, sizeof why), CJ_SIGN_WATCH);
    assert_int_equal(cj_sign_state_blocked(&s, 1, T0 + WIN, why, sizeof why), CJ_SIGN_OK);
    /* our own block comes back from the network: not foreign */
    assert_int_equal(cj_sign_state_record(&s, 5, a, err, sizeof err), 0);
    assert_int_equal(cj_sign_state_observe(&s, 5, a, T0 + WIN, T0 + WIN), 0);
    /* an old block by our key above the floor (e.g. sealed before a backup was restored): raises the floor,
     * does not hold sealing */
    assert_int_equal(cj_sign_state_observe(&s, 8, b, T0 - 10 * WIN, T0 + WIN), 0);
    assert_true(s.rec.height == 8 && s.dirty);
    assert_int_equal(cj_sign_state_blocked(&s, 9, T0 + WIN, why, sizeof why), CJ_SIGN_OK);
    assert_int_equal(cj_sign_state_blocked(&s, 8, T0 + WIN, why, sizeof why), CJ_SIGN_FLOOR);
    assert_int_equal(cj_sign_state_flush(&s, err, sizeof err), 0);
    cj_sign_record back;
    assert_int_equal(cj_sign_state_read(d, &back, err, sizeof err), 1);
    assert_true(back.height == 8 && memcmp(back.hash, b, 32) == 0);
    /* below the floor: history */
    assert_int_equal(cj_sign_state_observe(&s, 6, c, T0 + WIN, T0 + WIN), 0);
    /* a recent block by our key that this process did not make: another instance is live */
    int64_t now = T0 + 2 * WIN;
    assert_int_equal(cj_sign_state_observe(&s, 12, c, now - 100, now), 1);
    assert_int_equal(cj_sign_state_blocked(&s, 13, now + WIN - 1, why, sizeof why), CJ_SIGN_FOREIGN);
    assert_non_null(strstr(why, "another instance"));
    assert_non_null(strstr(why, "block 12"));
    assert_int_equal(cj_sign_state_blocked(&s, 13, now + WIN, why, sizeof why), CJ_SIGN_OK); /* quiet for a window */
    assert_int_equal(cj_sign_state_blocked(&s, 12, now + WIN, why, sizeof why), CJ_SIGN_FLOOR); /* but never at 12 again */
    /* a conflicting block at exactly the recorded height is foreign too */
    assert_int_equal(cj_sign_state_observe(&s, 12, a, now + WIN, now + WIN), 1);
    /* evidence naming our key holds sealing and raises the floor */
    now += 3 * WIN;
    cj_sign_state_conflict(&s, 20, now);
    assert_int_equal(cj_sign_state_blocked(&s, 21, now, why, sizeof why), CJ_SIGN_FOREIGN);
    assert_non_null(strstr(why, "double-sign evidence"));
    assert_int_equal(cj_sign_state_blocked(&s, 20, now + WIN, why, sizeof why), CJ_SIGN_FLOOR);
    assert_int_equal(cj_sign_state_blocked(&s, 21, now + WIN, why, sizeof why), CJ_SIGN_OK);
    rm_dir(d);
}

static void test_reset_command(void **state)
{
    (void)state;
    char *d = mk_dir(), err[600];
    cj_sign_record r, back;
    memset(&r, 0, sizeof r);
    r.height = 500;
    r.has_hash = 1;
    hash_of(r.hash, 9);
    assert_int_equal(cj_sign_state_write(d, &r, err, sizeof err), 0);
    /* refused while the data dir is locked (a node runs on it) */
    cj_dirlock *l = cj_dirlock_acquire(d, err, sizeof err);
    assert_non_null(l);
    assert_int_equal(cj_sign_state_reset(d, 100, err, sizeof err), -1);
    assert_non_null(strstr(err, "locked"));
    cj_dirlock_release(l);
    assert_int_equal(cj_sign_state_reset(d, 100, err, sizeof err), 0);
    assert_int_equal(cj_sign_state_read(d, &back, err, sizeof err), 1);
    assert_true(back.height == 100 && !back.has_hash);
    assert_int_equal(cj_sign_state_reset("/nonexistent/dir", 1, err, sizeof err), -1);
    /* a corrupt file is replaced by the reset */
    put_file(d, "junk");
    assert_int_equal(cj_sign_state_read(d, &back, err, sizeof err), -1);
    assert_int_equal(cj_sign_state_reset(d, 0, err, sizeof err), 0);
    assert_int_equal(cj_sign_state_read(d, &back, err, sizeof err), 1);
    assert_true(back.height == 0 && !back.has_hash);
    rm_dir(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_accepts_exactly_the_format),
        cmocka_unit_test(test_write_is_atomic_and_round_trips),
        cmocka_unit_test(test_corrupt_file_refuses_sealing),
        cmocka_unit_test(test_record_refuses_lower_or_equal_with_another_hash),
        cmocka_unit_test(test_failed_write_stays_pending),
        cmocka_unit_test(test_watch_window_and_foreign_blocks),
        cmocka_unit_test(test_reset_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
