/* tests/dashboard-export/test_dash_api.c: the JSON API builders against a real
 * redis-server seeded with the threat map layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dash_test.h"

#include "dash_api.h"
#include "fw_buf.h"
#include "fw_err.h"
#include "fw_time.h"
#include "jsonl_record.h"
#include "rdx_read.h"

static struct rdx_read *open_redis(void)
{
    char err[256];
    struct rdx_read *r = rdx_read_create(dt_url, 1000000, err, sizeof(err));

    assert_non_null(r);
    return r;
}

static void test_map(void **state)
{
    struct rdx_read *r;
    struct fw_buf b;
    const char *p;

    (void)state;
    DT_NEED_REDIS();
    r = open_redis();
    fw_buf_init(&b);
    assert_int_equal(dash_api_map(r, "fw:", 40, &b), 0);
    assert_true(jsonl_valid_object(b.data, b.len));
    /* zones sorted by name, trend key not listed as a zone */
    p = strstr(b.data, "\"name\":\"corp\"");
    assert_non_null(p);
    assert_non_null(strstr(p, "\"name\":\"payments\",\"score\":95.5,\"trend\":4.2,"
                              "\"forecast\":99.7"));
    assert_null(strstr(b.data, "payments:trend"));
    assert_non_null(strstr(b.data, "\"history\":[[1700000000,60],[1700000300,80]]"));
    assert_non_null(strstr(b.data, "\"high\":5,\"critical\":2"));
    /* hosts riskiest first with severity bands and zones */
    assert_non_null(strstr(b.data, "\"hosts\":[{\"ip\":\"10.1.0.5\",\"score\":95.5,"
                                   "\"severity\":\"critical\",\"zone\":\"payments\""));
    assert_non_null(strstr(b.data, "{\"ip\":\"10.2.0.9\",\"score\":72,\"severity\":\"high\""));
    assert_non_null(strstr(b.data, "{\"ip\":\"10.2.0.10\",\"score\":45,\"severity\":\"medium\","
                                   "\"zone\":\"external\""));   /* no hash: external */
    assert_non_null(strstr(b.data, "{\"src\":\"10.1.0.5\",\"dst\":\"10.2.0.9\",\"weight\":30}"));
    assert_non_null(strstr(b.data, "{\"src\":\"2001:db8::7\",\"dst\":\"10.1.0.5\""));
    fw_buf_reset(&b);
    assert_int_equal(dash_api_map(r, "fw:", 1, &b), 0);           /* top N only */
    assert_null(strstr(b.data, "10.2.0.9\",\"score"));
    fw_buf_reset(&b);
    assert_int_equal(dash_api_map(r, "fw:", 0, &b), FW_EINVAL);
    fw_buf_reset(&b);
    assert_int_equal(dash_api_map(r, "other:", 10, &b), 0);       /* another prefix: empty */
    assert_string_equal(strstr(b.data, "\"zones\""), "\"zones\":[],\"hosts\":[],\"edges\":[]}");
    fw_buf_free(&b);
    rdx_read_destroy(r);
}

static void test_host(void **state)
{
    struct rdx_read *r;
    struct fw_buf b;

    (void)state;
    DT_NEED_REDIS();
    r = open_redis();
    fw_buf_init(&b);
    assert_int_equal(dash_api_host(r, "fw:", "10.1.0.5", &b), 0);
    assert_true(jsonl_valid_object(b.data, b.len));
    assert_non_null(strstr(b.data, "\"ip\":\"10.1.0.5\",\"score\":95.5,\"severity\":\"critical\""));
    assert_non_null(strstr(b.data, "\"top_apps\":[{\"app\":\"SMBv23\",\"count\":9}]"));
    assert_non_null(strstr(b.data, "\"top_rules\":[{\"rule\":\"FW-LAT-001\",\"count\":5}]"));
    /* alerts naming the host, newest first; the unrelated scan is left out */
    assert_non_null(strstr(b.data, "\"rule\":\"FW-TI-002\""));
    assert_non_null(strstr(b.data, "\"rule\":\"FW-LAT-001\""));
    assert_null(strstr(b.data, "FW-SCAN-001"));
    assert_true(strstr(b.data, "FW-TI-002") < strstr(b.data, "\"rule\":\"FW-LAT-001\",\"sev"));
    /* a valid record is embedded, an invalid one becomes null (never raw) */
    assert_non_null(strstr(b.data, "\"record\":{\"event\":{\"reason\":\"SMB\"}}"));
    assert_non_null(strstr(b.data, "\"record\":null"));
    assert_null(strstr(b.data, "<script>"));
    assert_non_null(strstr(b.data, "\"contributions\":[{\"rule\":\"FW-TI-002\",\"count\":1,"
                                   "\"points\":40"));
    fw_buf_reset(&b);
    /* broken top_apps JSON in the hash: [] for the panel, a string in info */
    assert_int_equal(dash_api_host(r, "fw:", "10.2.0.9", &b), 0);
    assert_true(jsonl_valid_object(b.data, b.len));
    assert_non_null(strstr(b.data, "\"top_apps\":[]"));
    assert_non_null(strstr(b.data, "\"top_apps\":\"{broken\""));
    fw_buf_reset(&b);
    assert_int_equal(dash_api_host(r, "fw:", "2001:db8::7", &b), 0);
    assert_non_null(strstr(b.data, "\"severity\":\"low\",\"zone\":\"external\""));
    fw_buf_reset(&b);
    assert_int_equal(dash_api_host(r, "fw:", "10.200.0.1", &b), FW_ENOENT);
    fw_buf_free(&b);
    rdx_read_destroy(r);
}

static void test_alerts(void **state)
{
    struct rdx_read *r;
    struct fw_buf b;

    (void)state;
    DT_NEED_REDIS();
    r = open_redis();
    fw_buf_init(&b);
    assert_int_equal(dash_api_alerts(r, "fw:", 2, &b), 0);
    assert_true(jsonl_valid_object(b.data, b.len));
    assert_non_null(strstr(b.data, "\"id\":\"a-003\""));
    assert_non_null(strstr(b.data, "\"id\":\"a-002\""));
    assert_null(strstr(b.data, "\"id\":\"a-001\""));               /* count honoured */
    assert_non_null(strstr(b.data, "\"severity\":50,\"score\":10"));
    assert_non_null(strstr(b.data, "\"record\":{}"));
    fw_buf_reset(&b);
    assert_int_equal(dash_api_alerts(r, "fw:", DASH_ALERTS_MAX + 1, &b), FW_EINVAL);
    fw_buf_free(&b);
    rdx_read_destroy(r);
}

static void test_sensors(void **state)
{
    struct rdx_read *r;
    struct fw_buf b;
    const char *p;

    (void)state;
    DT_NEED_REDIS();
    r = open_redis();
    fw_buf_init(&b);
    assert_int_equal(dash_api_sensors(r, "fw:", 1700000042ull * 1000000, &b), 0);
    assert_true(jsonl_valid_object(b.data, b.len));
    p = strstr(b.data, "{\"id\":\"s1\",\"ttl\":");
    assert_non_null(p);
    assert_non_null(strstr(b.data, "\"pps\":1520.5,\"drops\":3,\"flows\":420"));
    assert_non_null(strstr(b.data, "\"ruleset\":\"0123\""));      /* ids stay strings */
    assert_non_null(strstr(b.data, "\"counters\":{\"pkt_truncated\":1}"));
    /* s2 has a ts field: age = now - ts; it has no TTL */
    assert_non_null(strstr(b.data, "{\"id\":\"s2\",\"ttl\":-1,\"age_s\":42,"));
    fw_buf_free(&b);
    rdx_read_destroy(r);
}

static void test_redis_down(void **state)
{
    char err[256];
    struct rdx_read *r;
    struct fw_buf b;
    int port = th_free_port(), rc;

    (void)state;
    snprintf(err, sizeof(err), "redis://127.0.0.1:%d/0", port);
    r = rdx_read_create(err, 200000, err, sizeof(err));
    assert_non_null(r);
    fw_buf_init(&b);
    rc = dash_api_map(r, "fw:", 10, &b);
    assert_true(rc == FW_ECONN || rc == FW_ETIMEDOUT);
    assert_non_null(strstr(rdx_read_errmsg(r), "127.0.0.1"));
    fw_buf_free(&b);
    rdx_read_destroy(r);
    assert_null(rdx_read_create("http://x", 1000, err, sizeof(err)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map),     cmocka_unit_test(test_host),
        cmocka_unit_test(test_alerts),  cmocka_unit_test(test_sensors),
        cmocka_unit_test(test_redis_down),
    };

    return cmocka_run_group_tests(tests, dt_setup, dt_teardown);
}
