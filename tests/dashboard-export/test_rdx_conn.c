/* tests/dashboard-export/test_rdx_conn.c: Redis URLs, retriable errors, entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fw_err.h"
#include "rdx_conn.h"
#include "rdx_writer.h"

static void test_url_forms(void **state)
{
    struct rdx_url u;
    char err[128];

    (void)state;
    assert_int_equal(rdx_url_parse("redis://127.0.0.1:6380/2", &u, err, sizeof(err)), 0);
    assert_string_equal(u.host, "127.0.0.1");
    assert_int_equal(u.port, 6380);
    assert_int_equal(u.db, 2);
    assert_string_equal(u.pass, "");
    assert_false(u.is_unix);

    assert_int_equal(rdx_url_parse("redis://redis.bank.local", &u, err, sizeof(err)), 0);
    assert_string_equal(u.host, "redis.bank.local");
    assert_int_equal(u.port, 6379);
    assert_int_equal(u.db, 0);

    assert_int_equal(rdx_url_parse("redis://fw:p%40ss%3Aw@10.0.0.1:7000/0", &u, err,
                                   sizeof(err)), 0);
    assert_string_equal(u.user, "fw");
    assert_string_equal(u.pass, "p@ss:w");
    assert_string_equal(u.host, "10.0.0.1");
    assert_int_equal(u.port, 7000);

    assert_int_equal(rdx_url_parse("redis://:secret@[::1]:6390/1", &u, err, sizeof(err)), 0);
    assert_string_equal(u.user, "");
    assert_string_equal(u.pass, "secret");
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 6390);
    assert_int_equal(u.db, 1);

    assert_int_equal(rdx_url_parse("redis://pw@host/", &u, err, sizeof(err)), 0);
    assert_string_equal(u.pass, "pw");
    assert_int_equal(u.db, 0);

    assert_int_equal(rdx_url_parse("unix:///run/redis/redis.sock?db=3", &u, err, sizeof(err)),
                     0);
    assert_true(u.is_unix);
    assert_string_equal(u.path, "/run/redis/redis.sock");
    assert_int_equal(u.db, 3);
}

static void test_url_rejects(void **state)
{
    static const char *const bad[] = {
        "", "http://x", "rediss://x:6379", "redis://", "redis://:6379", "redis://h:0",
        "redis://h:65536", "redis://h:12x", "redis://h/abc", "redis://h/-1", "redis://[::1",
        "redis://[::1]x", "unix://relative.sock", "unix:///s?db=x", "unix:///s?foo=1",
        "redis://u:%4@h", "redis://u:%00@h",
    };
    struct rdx_url u;
    char err[128];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        if (rdx_url_parse(bad[i], &u, err, sizeof(err)) != FW_EINVAL)
            fprintf(stderr, "# accepted %s\n", bad[i]);
        assert_int_equal(rdx_url_parse(bad[i], &u, err, sizeof(err)), FW_EINVAL);
        assert_true(err[0] != '\0');
    }
    assert_int_equal(rdx_url_parse(NULL, &u, err, sizeof(err)), FW_EINVAL);
}

static void test_conn_hides_password(void **state)
{
    char err[128];
    struct rdx_conn *c = rdx_conn_create("redis://:topsecret@127.0.0.1:1/0", 100000, err,
                                         sizeof(err));

    (void)state;
    assert_non_null(c);
    assert_null(strstr(rdx_conn_url(c), "topsecret"));
    assert_false(rdx_conn_up(c));
    rdx_conn_destroy(c);
    assert_null(rdx_conn_create("bogus://", 1, err, sizeof(err)));
    rdx_conn_destroy(NULL);
}

static void test_refused_port_backs_off(void **state)
{
    char err[128];
    /* port 1 on loopback: connection refused at once */
    struct rdx_conn *c = rdx_conn_create("redis://127.0.0.1:1/0", 200000, err, sizeof(err));

    (void)state;
    assert_non_null(c);
    assert_int_equal(rdx_conn_ensure(c, 1000000), FW_ECONN);
    /* within the backoff window nothing is tried */
    assert_int_equal(rdx_conn_ensure(c, 1000000 + RDX_BACKOFF_MIN_US - 1), FW_EAGAIN);
    assert_int_equal(rdx_conn_ensure(c, 1000000 + RDX_BACKOFF_MIN_US), FW_ECONN);
    /* the second failure doubles the wait */
    assert_int_equal(rdx_conn_ensure(c, 1000000 + 3 * RDX_BACKOFF_MIN_US - 1), FW_EAGAIN);
    assert_true(strlen(rdx_conn_errmsg(c)) > 0);
    rdx_conn_destroy(c);
}

static void test_retriable_errors(void **state)
{
    static const char *const yes[] = {
        "OOM command not allowed when used memory > 'maxmemory'.",
        "READONLY You can't write against a read only replica.",
        "NOREPLICAS Not enough good replicas to write.", "NOAUTH Authentication required.",
        "WRONGPASS invalid username-password pair", "LOADING Redis is loading",
        "ERR Error running script (call to f_x): @user_script:2: OOM command not allowed"};
    static const char *const no[] = {"ERR unknown command", "WRONGTYPE Operation against a key",
                                     "OOMPH", "NOSCRIPT No matching script"};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        assert_true(rdx_err_retriable(yes[i], strlen(yes[i])));
    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        assert_false(rdx_err_retriable(no[i], strlen(no[i])));
}

static void test_entry_roundtrip_and_garbage(void **state)
{
    const char *argv[6] = {"id1", "0", "rule", "FW-1", "json", "{\"a\":\"\\u0000\"}"};
    size_t lens[6] = {3, 1, 4, 4, 4, 0};
    struct rdx_entry e;
    struct fw_buf b;
    size_t cut;
    int i;

    (void)state;
    lens[5] = strlen(argv[5]);
    fw_buf_init(&b);
    rdx_entry_encode(&b, 91, 6, argv, lens);
    assert_int_equal(rdx_entry_decode((const uint8_t *)b.data, b.len, &e), 0);
    assert_int_equal(e.severity, 91);
    assert_int_equal(e.argc, 6);
    for (i = 0; i < 6; i++) {
        assert_int_equal(e.lens[i], lens[i]);
        assert_memory_equal(e.argv[i], argv[i], lens[i]);
    }
    /* every truncation is refused, as is a trailing byte */
    for (cut = 0; cut < b.len; cut++)
        assert_int_equal(rdx_entry_decode((const uint8_t *)b.data, cut, &e), FW_EPARSE);
    fw_buf_putc(&b, 'x');
    assert_int_equal(rdx_entry_decode((const uint8_t *)b.data, b.len, &e), FW_EPARSE);
    /* odd argument counts cannot be XADD pairs */
    fw_buf_reset(&b);
    rdx_entry_encode(&b, 1, 5, argv, lens);
    assert_int_equal(rdx_entry_decode((const uint8_t *)b.data, b.len, &e), FW_EPARSE);
    fw_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_forms),
        cmocka_unit_test(test_url_rejects),
        cmocka_unit_test(test_conn_hides_password),
        cmocka_unit_test(test_refused_port_backs_off),
        cmocka_unit_test(test_retriable_errors),
        cmocka_unit_test(test_entry_roundtrip_and_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
