/* tests/dashboard-export/test_agg_cli.c: the parsing pieces of `finwatch
 * aggregate`: options, the JSON path reader, ISO times and ingest entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "agg_cli.h"
#include "agg_ingest.h"
#include "fw_err.h"
#include "fw_time.h"

static int parse(struct agg_opts *o, const char *const *args)
{
    char *argv[16], err[256];
    int argc = 0;

    while (args[argc] && argc < 15) {
        argv[argc] = (char *)args[argc];
        argc++;
    }
    argv[argc] = NULL;
    return agg_cli_parse(o, argc, argv, err, sizeof(err));
}

static void test_opts_defaults_and_values(void **state)
{
    const char *const none[] = {"aggregate", NULL};
    const char *const all[] = {"aggregate", "--redis", "redis://h:1/2", "--prefix", "{fw}:",
                               "--consumer", "agg-1", "--claim-idle", "500", "--count", "7",
                               "-c", "x.yaml", NULL};
    struct agg_opts o;

    (void)state;
    assert_int_equal(parse(&o, none), 0);
    assert_int_equal(o.count, AGG_COUNT_DEFAULT);
    assert_int_equal(o.claim_idle_ms, AGG_CLAIM_IDLE_MS);
    assert_non_null(strchr(o.consumer, '-'));   /* hostname-pid */
    assert_null(o.redis);
    assert_int_equal(parse(&o, all), 0);
    assert_string_equal(o.redis, "redis://h:1/2");
    assert_string_equal(o.prefix, "{fw}:");
    assert_string_equal(o.consumer, "agg-1");
    assert_int_equal(o.claim_idle_ms, 500);
    assert_int_equal(o.count, 7);
    assert_string_equal(o.config, "x.yaml");
}

static void test_opts_usage_errors(void **state)
{
    const char *const bad[][4] = {
        {"aggregate", "--bogus", NULL, NULL},   {"aggregate", "--count", "0", NULL},
        {"aggregate", "--count", "10001", NULL}, {"aggregate", "--claim-idle", "x", NULL},
        {"aggregate", "--consumer", "a b", NULL}, {"aggregate", "extra", NULL, NULL},
        {"aggregate", "--redis", NULL, NULL},   {"aggregate", "--prefix", "", NULL},
    };
    struct agg_opts o;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(parse(&o, bad[i]), FW_EINVAL);
}

static void test_json_paths(void **state)
{
    static const char j[] =
        "{\"event\":{\"reason\":\"a \\\"q\\\" \\u00e9\\n\",\"n\":[1,{\"x\":2}]},"
        "\"finwatch\":{\"score\":12.5,\"zone\":{\"source\":\"branch\"},\"ok\":true,"
        "\"blame\":\"destination\"}}";
    char out[64];

    (void)state;
    assert_int_equal(agg_json_get(j, strlen(j), "finwatch.blame", out, sizeof(out)), 0);
    assert_string_equal(out, "destination");
    assert_int_equal(agg_json_get(j, strlen(j), "finwatch.zone.source", out, sizeof(out)), 0);
    assert_string_equal(out, "branch");
    assert_int_equal(agg_json_get(j, strlen(j), "finwatch.score", out, sizeof(out)), 0);
    assert_string_equal(out, "12.5");
    assert_int_equal(agg_json_get(j, strlen(j), "event.reason", out, sizeof(out)), 0);
    assert_string_equal(out, "a \"q\" \xc3\xa9\n");
    assert_int_equal(agg_json_get(j, strlen(j), "finwatch.zone", out, sizeof(out)), FW_ENOENT);
    assert_int_equal(agg_json_get(j, strlen(j), "finwatch.nope", out, sizeof(out)), FW_ENOENT);
    assert_int_equal(agg_json_get(j, strlen(j), "event.reason.x", out, sizeof(out)), FW_ENOENT);
    assert_int_equal(agg_json_get(j, strlen(j), "finwatch.blame", out, 5), FW_ENOMEM);
    assert_string_equal(out, "");
}

static void test_json_malformed(void **state)
{
    static const char *const bad[] = {
        "", "{", "{\"a\"", "{\"a\":", "{\"a\":\"x", "{\"b\":1,", "[1]", "{\"a\":\"\\u12\"}",
        "{\"a\":\"\\q\"}", "{\"b\":[1,2}", "{\"a\":\"x\x01\"}",
    };
    char out[16];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(agg_json_get(bad[i], strlen(bad[i]), "a", out, sizeof(out)), FW_EPARSE);
    /* a length shorter than the text: the reader never looks past it */
    assert_int_equal(agg_json_get("{\"a\":\"xyz\"}", 8, "a", out, sizeof(out)), FW_EPARSE);
}

static void test_json_depth_capped(void **state)
{
    char j[200], out[8];
    size_t i, n = 0;

    (void)state;
    j[n++] = '{';
    j[n++] = '"', j[n++] = 'z', j[n++] = '"', j[n++] = ':';
    for (i = 0; i < 60; i++)
        j[n++] = '[';
    for (i = 0; i < 60; i++)
        j[n++] = ']';
    j[n++] = '}';
    assert_int_equal(agg_json_get(j, n, "a", out, sizeof(out)), FW_EPARSE);
}

static void test_iso(void **state)
{
    uint64_t us;

    (void)state;
    assert_int_equal(agg_iso_parse("2026-11-02T09:00:21.000000Z", 27, &us), 0);
    assert_int_equal(us, 1793610021ull * FW_USEC_PER_SEC);
    assert_int_equal(agg_iso_parse("2026-11-02T09:00:21.5Z", 22, &us), 0);
    assert_int_equal(us, 1793610021ull * FW_USEC_PER_SEC + 500000);
    assert_int_equal(agg_iso_parse("1970-01-01T00:00:00Z", 20, &us), 0);
    assert_int_equal(us, 0);
    assert_int_equal(agg_iso_parse("2026-11-02 09:00:21Z", 20, &us), FW_EINVAL);
    assert_int_equal(agg_iso_parse("2026-11-02T25:00:21Z", 20, &us), FW_EINVAL);
    assert_int_equal(agg_iso_parse("2026-11-02T09:00:21.Z", 21, &us), FW_EINVAL);
    assert_int_equal(agg_iso_parse("2026-11-02T09:00:21.1234567Z", 28, &us), FW_EINVAL);
    assert_int_equal(agg_iso_parse("2026-13-02T09:00:21Z", 20, &us), FW_EINVAL);
    assert_int_equal(agg_iso_parse("2026-11-02T09:00:2", 18, &us), FW_EINVAL);
}

#define F(n, v) {n, sizeof(n) - 1, v, sizeof(v) - 1}

static void test_entry_decode(void **state)
{
    struct agg_field f[] = {
        F("id", "9f86d081884c7d65"), F("ts", "2026-11-02T09:00:21.000000Z"), F("sensor", "s1"),
        F("rule", "FW-SCAN-001"), F("severity", "73"), F("score", "10.0000"),
        F("analyzer", "flood"), F("src", "10.20.3.77"), F("dst", "10.10.0.9"),
        F("update", "2"),
        F("json", "{\"event\":{\"reason\":\"why\"},\"finwatch\":{\"blame\":\"destination\","
                  "\"zone\":{\"source\":\"branch\",\"destination\":\"core-banking\"},"
                  "\"app\":\"SMBv23\"}}"),
    };
    char sensor[AGG_SENSOR_MAX], ip[FW_IP_STRLEN];
    struct anz_alert a;

    (void)state;
    assert_int_equal(agg_entry_decode(f, 11, &a, sensor, sizeof(sensor)), 0);
    assert_string_equal(a.id, "9f86d081884c7d65");
    assert_string_equal(sensor, "s1");
    assert_string_equal(a.rule_id, "FW-SCAN-001");
    assert_int_equal(a.severity, 73);
    assert_true(a.score > 9.99 && a.score < 10.01);
    assert_int_equal(a.analyzer, ANZ_FLOOD);
    assert_string_equal(fw_ip_str(&a.src, ip, sizeof(ip)), "10.20.3.77");
    assert_string_equal(fw_ip_str(&a.dst, ip, sizeof(ip)), "10.10.0.9");
    assert_int_equal(a.updates, 2);
    assert_int_equal(a.ts_us, 1793610021ull * FW_USEC_PER_SEC);
    assert_int_equal(a.blame, ANZ_BLAME_DST);
    assert_string_equal(a.zone_src, "branch");
    assert_string_equal(a.zone_dst, "core-banking");
    assert_string_equal(a.app, "SMBv23");
    assert_string_equal(a.reason, "why");
    /* without the optional fields: no update, no peer, blame source */
    f[8] = (struct agg_field)F("dst", "");
    f[10] = (struct agg_field)F("json", "{}");
    assert_int_equal(agg_entry_decode(f, 9, &a, sensor, sizeof(sensor)), FW_EPARSE); /* no json */
    f[9] = f[10];
    assert_int_equal(agg_entry_decode(f, 10, &a, sensor, sizeof(sensor)), 0);
    assert_int_equal(a.updates, 0);
    assert_int_equal(a.dst.family, 0);
    assert_int_equal(a.blame, ANZ_BLAME_SRC);
}

static void test_entry_rejects(void **state)
{
    struct agg_field good[] = {
        F("id", "x1"), F("ts", "2026-11-02T09:00:21Z"), F("rule", "R"), F("severity", "50"),
        F("score", "1"), F("src", "10.0.0.1"), F("json", "{}"),
    };
    static const struct { size_t i; struct agg_field v; } bad[] = {
        {0, F("id", "")}, {1, F("ts", "yesterday")}, {3, F("severity", "101")},
        {3, F("severity", "-1")}, {4, F("score", "nan")}, {4, F("score", "-3")},
        {5, F("src", "10.0.0.300")}, {6, F("json", "{\"x\":")},
        {0, F("id", "0123456789abcdef0123456789")},     /* longer than an alert id */
    };
    struct agg_field f[7];
    struct anz_alert a;
    char sensor[8];
    size_t i;

    (void)state;
    assert_int_equal(agg_entry_decode(good, 7, &a, sensor, sizeof(sensor)), 0);
    assert_string_equal(sensor, "");
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memcpy(f, good, sizeof(f));
        f[bad[i].i] = bad[i].v;
        assert_int_equal(agg_entry_decode(f, 7, &a, sensor, sizeof(sensor)), FW_EPARSE);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opts_defaults_and_values),
        cmocka_unit_test(test_opts_usage_errors),
        cmocka_unit_test(test_json_paths),
        cmocka_unit_test(test_json_malformed),
        cmocka_unit_test(test_json_depth_capped),
        cmocka_unit_test(test_iso),
        cmocka_unit_test(test_entry_decode),
        cmocka_unit_test(test_entry_rejects),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
