/* tests/dashboard-export/test_jsonl_writer.c: JSON lines files, rotation, gzip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "fw_err.h"
#include "fw_time.h"
#include "jsonl_writer.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/fw-jsonl-test.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Count files in dir ending in suffix; total lines inside them (gz read through zlib). */
static unsigned count_lines(const char *suffix, unsigned *files)
{
    char path[512], line[512];
    struct dirent *e;
    unsigned lines = 0;
    DIR *d = opendir(dir);

    *files = 0;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name), s = strlen(suffix);
        if (n < s || strcmp(e->d_name + n - s, suffix) != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        gzFile gz = gzopen(path, "rb");     /* reads plain files too */
        assert_non_null(gz);
        while (gzgets(gz, line, sizeof(line)))
            lines++;
        gzclose(gz);
        (*files)++;
    }
    closedir(d);
    return lines;
}

static void test_size_rotation_gzips(void **state)
{
    char path[128], err[128], line[64];
    struct jsonl_writer *w;
    unsigned i, files, lines;
    uint64_t now = 1700000000ull * FW_USEC_PER_SEC;

    (void)state;
    snprintf(path, sizeof(path), "%s/alerts.jsonl", dir);
    w = jsonl_writer_create(path, 1000, 0, now, err, sizeof(err));
    assert_non_null(w);
    for (i = 0; i < 100; i++) {
        int n = snprintf(line, sizeof(line), "{\"n\":%u,\"pad\":\"xxxxxxxxxxxxxxxx\"}", i);
        /* the same second for all: rotated names must not collide */
        assert_int_equal(jsonl_writer_write(w, line, (size_t)n, now), 0);
    }
    jsonl_writer_flush(w);
    assert_true(jsonl_writer_rotations(w) >= 3);
    assert_int_equal(jsonl_writer_lines(w), 100);
    lines = count_lines(".gz", &files);
    assert_int_equal(files, jsonl_writer_rotations(w));
    lines += count_lines("alerts.jsonl", &files);
    assert_int_equal(files, 1);
    assert_int_equal(lines, 100);       /* nothing lost across rotations */
    jsonl_writer_destroy(w);
}

static void test_time_rotation(void **state)
{
    char path[128], err[128];
    struct jsonl_writer *w;
    uint64_t now = 1700000000ull * FW_USEC_PER_SEC;
    unsigned files;

    (void)state;
    snprintf(path, sizeof(path), "%s/flows.jsonl", dir);
    w = jsonl_writer_create(path, 0, 60 * FW_USEC_PER_SEC, now, err, sizeof(err));
    assert_non_null(w);
    assert_int_equal(jsonl_writer_write(w, "{}", 2, now), 0);
    jsonl_writer_tick(w, now + 59 * FW_USEC_PER_SEC);
    assert_int_equal(jsonl_writer_rotations(w), 0);
    jsonl_writer_tick(w, now + 61 * FW_USEC_PER_SEC);
    assert_int_equal(jsonl_writer_rotations(w), 1);
    assert_int_equal(count_lines(".gz", &files), 1);
    assert_int_equal(files, 1);
    /* an empty file is not rotated */
    jsonl_writer_tick(w, now + 200 * FW_USEC_PER_SEC);
    assert_int_equal(jsonl_writer_rotations(w), 1);
    jsonl_writer_destroy(w);
}

static void test_unwritable_path_fails(void **state)
{
    char err[128] = "";

    (void)state;
    assert_null(jsonl_writer_create("/nonexistent-dir/x.jsonl", 0, 0, 0, err, sizeof(err)));
    assert_non_null(strstr(err, "/nonexistent-dir/x.jsonl"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_size_rotation_gzips, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_path_fails, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
