/* tests/dashboard-export/test_spool_file.c: the disk spool (spool_file.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fw_err.h"
#include "spool_file.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/fw-spool-test.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[300];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static struct spool *open_spool(uint64_t max)
{
    char err[256] = "";
    struct spool *sp = spool_create(dir, max, err, sizeof(err));

    if (!sp)
        fprintf(stderr, "# %s\n", err);
    assert_non_null(sp);
    return sp;
}

/* Record i is "rec-<i>" padded with a pattern so it compresses but is not tiny. */
static size_t make_rec(char *buf, size_t cap, unsigned i)
{
    int n = snprintf(buf, cap, "rec-%06u|", i);
    size_t len = (size_t)n;

    while (len < 200 && len < cap)
    {
        buf[len] = (char)('a' + (i * 7 + len) % 26);
        len++;
    }
    return len;
}

static unsigned rec_index(const uint8_t *data, size_t len)
{
    char tmp[16];

    assert_true(len > 10);
    memcpy(tmp, data + 4, 6);
    tmp[6] = '\0';
    return (unsigned)strtoul(tmp, NULL, 10);
}

static void test_append_read_commit_in_order(void **state)
{
    struct spool *sp = open_spool(1 << 20);
    struct spool_stats st;
    const uint8_t *data;
    uint8_t sev;
    size_t len, rl;
    char buf[256];
    unsigned i;

    (void)state;
    for (i = 0; i < 100; i++) {
        rl = make_rec(buf, sizeof(buf), i);
        assert_int_equal(spool_append(sp, (uint8_t)(i % 100), buf, rl), 0);
    }
    assert_false(spool_empty(sp));
    /* read 40, rewind: the same 40 come back */
    for (i = 0; i < 40; i++)
        assert_int_equal(spool_read(sp, &sev, &data, &len), 0);
    spool_rewind(sp);
    for (i = 0; i < 60; i++) {
        assert_int_equal(spool_read(sp, &sev, &data, &len), 0);
        assert_int_equal(rec_index(data, len), i);
        assert_int_equal(sev, i % 100);
        rl = make_rec(buf, sizeof(buf), i);
        assert_int_equal(len, rl);
        assert_memory_equal(data, buf, rl);
    }
    spool_commit(sp);
    spool_stats(sp, &st);
    assert_int_equal(st.records, 40);
    assert_int_equal(st.replayed, 60);
    for (i = 60; i < 100; i++) {
        assert_int_equal(spool_read(sp, &sev, &data, &len), 0);
        assert_int_equal(rec_index(data, len), i);
    }
    assert_int_equal(spool_read(sp, &sev, &data, &len), FW_ENOENT);
    spool_commit(sp);
    assert_true(spool_empty(sp));
    spool_stats(sp, &st);
    assert_int_equal(st.bytes, 0);
    assert_int_equal(st.segments, 0);
    spool_destroy(sp);
}

static void test_reopen_replays_leftovers(void **state)
{
    struct spool *sp = open_spool(1 << 20);
    const uint8_t *data;
    uint8_t sev;
    size_t len, rl;
    char buf[256];
    unsigned i;

    (void)state;
    for (i = 0; i < 10; i++) {
        rl = make_rec(buf, sizeof(buf), i);
        assert_int_equal(spool_append(sp, 50, buf, rl), 0);
    }
    for (i = 0; i < 3; i++)
        assert_int_equal(spool_read(sp, &sev, &data, &len), 0);
    spool_commit(sp);
    spool_destroy(sp);
    /* a restart: the committed offset is lost, so the 3 sent ones may come again
     * (alert ids make that harmless), nothing is lost */
    sp = open_spool(1 << 20);
    i = 0;
    while (spool_read(sp, &sev, &data, &len) == 0)
        i++;
    assert_true(i == 7 || i == 10);
    spool_destroy(sp);
}

static void seg_file(char *path, size_t len)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    assert_non_null(d);
    path[0] = '\0';
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, "seg-", 4) == 0)
            snprintf(path, len, "%s/%s", dir, e->d_name);
    closedir(d);
    assert_true(path[0] != '\0');
}

static void test_torn_tail_keeps_whole_records(void **state)
{
    struct spool *sp = open_spool(1 << 20);
    struct spool_stats st;
    const uint8_t *data;
    struct stat stb;
    char path[600], buf[256];
    uint8_t sev;
    size_t len, rl;
    unsigned i;

    (void)state;
    for (i = 0; i < 20; i++) {
        rl = make_rec(buf, sizeof(buf), i);
        assert_int_equal(spool_append(sp, 80, buf, rl), 0);
    }
    spool_destroy(sp);
    seg_file(path, sizeof(path));
    assert_int_equal(stat(path, &stb), 0);
    /* a crash mid-write: cut the last record in its middle */
    assert_int_equal(truncate(path, stb.st_size - 7), 0);
    sp = open_spool(1 << 20);
    spool_stats(sp, &st);
    assert_int_equal(st.torn, 1);
    assert_int_equal(st.records, 19);
    for (i = 0; i < 19; i++) {
        assert_int_equal(spool_read(sp, &sev, &data, &len), 0);
        assert_int_equal(rec_index(data, len), i);
    }
    assert_int_equal(spool_read(sp, &sev, &data, &len), FW_ENOENT);
    /* new records after the cut append cleanly */
    rl = make_rec(buf, sizeof(buf), 500);
    assert_int_equal(spool_append(sp, 80, buf, rl), 0);
    assert_int_equal(spool_read(sp, &sev, &data, &len), 0);
    assert_int_equal(rec_index(data, len), 500);
    spool_destroy(sp);
}

static void test_corrupt_byte_stops_at_last_good(void **state)
{
    struct spool *sp = open_spool(1 << 20);
    struct spool_stats st;
    char path[600], buf[256];
    size_t rl;
    unsigned i;
    FILE *f;

    (void)state;
    for (i = 0; i < 5; i++) {
        rl = make_rec(buf, sizeof(buf), i);
        assert_int_equal(spool_append(sp, 80, buf, rl), 0);
    }
    spool_destroy(sp);
    seg_file(path, sizeof(path));
    f = fopen(path, "r+b");
    assert_non_null(f);
    /* flip a byte inside the last record's compressed data: its CRC fails */
    assert_int_equal(fseek(f, -3, SEEK_END), 0);
    fputc(0x5a ^ fgetc(f), f);
    fclose(f);
    sp = open_spool(1 << 20);
    spool_stats(sp, &st);
    assert_int_equal(st.records, 4);
    spool_destroy(sp);
}

/* Fill a small spool with a mix; low records go first, critical stay. */
static void test_cap_drops_low_severity_first(void **state)
{
    struct spool *sp = open_spool(64 * 1024);      /* 64 KiB cap, 4 segments min */
    struct spool_stats st;
    const uint8_t *data;
    uint8_t sev;
    size_t len, rl;
    char buf[256];
    unsigned i, crit = 0, low = 0, crit_seen = 0, low_seen = 0;

    (void)state;
    for (i = 0; i < 2000; i++) {
        uint8_t s = (i % 4 == 0) ? 95 : 10;
        rl = make_rec(buf, sizeof(buf), i);
        if (spool_append(sp, s, buf, rl) == 0) {
            if (s == 95)
                crit++;
            else
                low++;
        }
    }
    spool_stats(sp, &st);
    assert_true(st.bytes <= 64 * 1024);
    assert_true(st.dropped > 0);
    assert_int_equal(st.appended, crit + low);
    while (spool_read(sp, &sev, &data, &len) == 0) {
        if (sev == 95)
            crit_seen++;
        else
            low_seen++;
    }
    /* every critical record ever accepted is still there (they fit alone) */
    assert_int_equal(crit_seen, crit);
    assert_int_equal(crit_seen, 500);
    assert_true(low_seen < 1500);
    assert_int_equal(st.records, crit_seen + low_seen);
    spool_destroy(sp);
}

static void test_full_of_critical_refuses_low(void **state)
{
    struct spool *sp = open_spool(64 * 1024);
    struct spool_stats st;
    char buf[256];
    size_t rl;
    unsigned i;

    (void)state;
    /* random bytes do not compress: fill quickly; old critical records make way
     * for new critical ones, oldest first */
    for (i = 0; i < 2000; i++) {
        unsigned j;
        for (j = 0; j < 200; j++)
            buf[j] = (char)(rand() & 0xff);
        assert_int_equal(spool_append(sp, 99, buf, 200), 0);
    }
    spool_stats(sp, &st);
    assert_true(st.dropped > 0);
    assert_true(st.bytes > 48 * 1024);
    /* low records take the free room, then push out older low ones: never a
     * critical one */
    int rc = 0;
    unsigned lows = 0, crit = 0, seen_low = 0;
    for (i = 0; i < 100; i++) {
        rl = make_rec(buf, sizeof(buf), i);
        rc = spool_append(sp, 5, buf, rl);
        assert_true(rc == 0 || rc == FW_EFULL);
        lows += rc == 0;
    }
    const uint8_t *data;
    uint8_t sev;
    size_t len;
    while (spool_read(sp, &sev, &data, &len) == 0) {
        crit += sev == 99;
        seen_low += sev == 5;
    }
    assert_int_equal(crit, st.records);
    assert_true(seen_low > 0 && seen_low <= lows);
    struct spool_stats st2;
    spool_stats(sp, &st2);
    assert_int_equal(st2.dropped - st.dropped, 100 - seen_low);
    spool_destroy(sp);
}

static void test_too_big_record_dropped(void **state)
{
    struct spool *sp = open_spool(1 << 20);
    char *big = calloc(1, SPOOL_REC_MAX + 1);

    (void)state;
    assert_non_null(big);
    assert_int_equal(spool_append(sp, 99, big, SPOOL_REC_MAX + 1), FW_EFULL);
    assert_true(spool_empty(sp));
    free(big);
    spool_destroy(sp);
}

static void test_seg_scan_garbage(void **state)
{
    uint8_t junk[64];
    uint64_t n = 99;

    (void)state;
    memset(junk, 0xf5, sizeof(junk));
    assert_int_equal(spool_seg_scan(junk, sizeof(junk), NULL, NULL, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(spool_seg_scan(junk, 0, NULL, NULL, &n), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_append_read_commit_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_replays_leftovers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_tail_keeps_whole_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_byte_stops_at_last_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cap_drops_low_severity_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_of_critical_refuses_low, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_big_record_dropped, setup, teardown),
        cmocka_unit_test(test_seg_scan_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
