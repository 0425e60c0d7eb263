/* tests/dashboard-export/test_agg_map.c: threat-map state and its commands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg_map.h"
#include "fw_buf.h"
#include "fw_time.h"

#define HOUR (3600ull * FW_USEC_PER_SEC)
#define T0 (1700000000ull * FW_USEC_PER_SEC)

static void mk_alert(struct anz_alert *a, const char *src, const char *dst, double score,
                     uint64_t ts, const char *zone)
{
    memset(a, 0, sizeof(*a));
    snprintf(a->id, sizeof(a->id), "x");
    fw_ip_parse(src, &a->src);
    if (dst)
        fw_ip_parse(dst, &a->dst);
    a->score = score;
    a->severity = 75;
    a->ts_us = ts;
    snprintf(a->rule_id, sizeof(a->rule_id), "R1");
    snprintf(a->app, sizeof(a->app), "SSH");
    snprintf(a->zone_src, sizeof(a->zone_src), "%s", zone);
    snprintf(a->zone_dst, sizeof(a->zone_dst), "core");
}

/* Commands rendered one per line, arguments separated by spaces. */
static void collect(void *ctx, int argc, const char **argv, const size_t *lens)
{
    struct fw_buf *b = ctx;
    int i;

    for (i = 0; i < argc; i++) {
        if (i)
            fw_buf_putc(b, ' ');
        fw_buf_append(b, argv[i], lens[i]);
    }
    fw_buf_putc(b, '\n');
}

static void test_decay_half_life(void **state)
{
    struct agg_map *m = agg_map_create("fw:", HOUR, 100);
    struct anz_alert a;
    struct fw_ip ip;

    (void)state;
    assert_non_null(m);
    mk_alert(&a, "10.0.0.1", "10.0.0.2", 40, T0, "branch");
    agg_map_alert(m, &a);
    fw_ip_parse("10.0.0.1", &ip);
    assert_true(fabs(agg_map_host_score(m, &ip, T0) - 40) < 1e-9);
    assert_true(fabs(agg_map_host_score(m, &ip, T0 + HOUR) - 20) < 1e-9);
    assert_true(fabs(agg_map_host_score(m, &ip, T0 + 2 * HOUR) - 10) < 1e-9);
    /* a second alert an hour later adds to the decayed value */
    mk_alert(&a, "10.0.0.1", "10.0.0.2", 5, T0 + HOUR, "branch");
    agg_map_alert(m, &a);
    assert_true(fabs(agg_map_host_score(m, &ip, T0 + HOUR) - 25) < 1e-9);
    /* blame on the destination scores the destination */
    mk_alert(&a, "10.0.0.1", "10.0.0.2", 7, T0 + HOUR, "branch");
    a.blame = ANZ_BLAME_DST;
    agg_map_alert(m, &a);
    fw_ip_parse("10.0.0.2", &ip);
    assert_true(fabs(agg_map_host_score(m, &ip, T0 + HOUR) - 7) < 1e-9);
    /* shadow alerts do not count */
    a.shadow = true;
    agg_map_alert(m, &a);
    assert_true(fabs(agg_map_host_score(m, &ip, T0 + HOUR) - 7) < 1e-9);
    fw_ip_parse("10.9.9.9", &ip);
    assert_true(agg_map_host_score(m, &ip, T0) < 0);
    agg_map_destroy(m);
}

static void test_emit_layout(void **state)
{
    struct agg_map *m = agg_map_create("p:", HOUR, 100);
    struct anz_alert a;
    struct fw_buf b;

    (void)state;
    fw_buf_init(&b);
    mk_alert(&a, "10.0.0.1", "10.0.0.2", 12.5, T0, "branch");
    agg_map_alert(m, &a);
    assert_true(agg_map_emit(m, collect, &b) > 0);
    assert_non_null(strstr(b.data, "ZADD p:map:hosts 12.5000 10.0.0.1\n"));
    assert_non_null(strstr(b.data, "HSET p:host:10.0.0.1 score 12.5000 zone branch first_seen "
                                   "2023-11-14T22:13:20.000000Z last_seen "
                                   "2023-11-14T22:13:20.000000Z alerts 1 alerts_low 0 "
                                   "alerts_medium 0 alerts_high 1 alerts_critical 0 top_rules "
                                   "[{\"rule\":\"R1\",\"count\":1}] top_apps "
                                   "[{\"app\":\"SSH\",\"count\":1}]\n"));
    assert_non_null(strstr(b.data, "EXPIRE p:host:10.0.0.1 604800\n"));
    assert_non_null(strstr(b.data, "ZADD p:map:edges 12.5000 10.0.0.1>10.0.0.2\n"));
    assert_non_null(strstr(b.data, "ZREMRANGEBYRANK p:map:edges 0 -1001\n"));
    assert_non_null(strstr(b.data, "HSET p:zone:branch score 12.5000 trend 0.0000 forecast "
                                   "12.5000 bucket 1699999800 alerts_low 0"));
    assert_non_null(strstr(b.data, "ZADD p:zone:branch:trend 12.5000 1699999800\n"));
    /* nothing changed: nothing emitted */
    fw_buf_reset(&b);
    assert_int_equal(agg_map_emit(m, collect, &b), 0);
    /* resync: everything again */
    agg_map_resync(m);
    assert_true(agg_map_emit(m, collect, &b) > 0);
    assert_non_null(strstr(b.data, "HSET p:host:10.0.0.1"));
    fw_buf_free(&b);
    agg_map_destroy(m);
}

static void test_zone_trend_and_forecast(void **state)
{
    struct agg_map *m = agg_map_create("fw:", 1000 * HOUR, 100);   /* ~no decay */
    double score, trend, forecast;
    struct anz_alert a;
    struct fw_buf b;
    unsigned i;

    (void)state;
    fw_buf_init(&b);
    /* 10 points in each of 6 consecutive buckets: a rising zone */
    for (i = 0; i < 6; i++) {
        mk_alert(&a, "10.0.0.1", NULL, 10, T0 + i * AGG_BUCKET_US, "swift");
        agg_map_alert(m, &a);
    }
    assert_true(agg_map_zone(m, "swift", &score, &trend, &forecast));
    assert_true(fabs(score - 60) < 0.01);
    assert_true(trend > 5);                 /* about +10 per bucket */
    assert_true(forecast > 50);
    assert_false(agg_map_zone(m, "nowhere", &score, &trend, &forecast));
    agg_map_emit(m, collect, &b);
    /* closed buckets are in the trend zset */
    assert_non_null(strstr(b.data, "ZADD fw:zone:swift:trend"));
    assert_non_null(strstr(b.data, " 1699999800"));
    fw_buf_free(&b);
    agg_map_destroy(m);
}

static void test_decay_pass_drops_cold_hosts(void **state)
{
    struct agg_map *m = agg_map_create("fw:", HOUR, 100);
    struct agg_stats st;
    struct anz_alert a;
    struct fw_buf b;

    (void)state;
    fw_buf_init(&b);
    mk_alert(&a, "10.0.0.1", "10.0.0.2", 1, T0, "branch");
    agg_map_alert(m, &a);
    mk_alert(&a, "10.0.0.3", "10.0.0.2", 1000, T0 + 10 * HOUR, "branch");
    agg_map_alert(m, &a);
    agg_map_emit(m, collect, &b);
    fw_buf_reset(&b);
    agg_map_decay(m, T0 + 10 * HOUR);       /* 1 point, 10 half-lives: below the floor */
    agg_map_emit(m, collect, &b);
    assert_non_null(strstr(b.data, "ZREM fw:map:hosts 10.0.0.1\n"));
    assert_non_null(strstr(b.data, "ZREM fw:map:edges 10.0.0.1>10.0.0.2\n"));
    assert_non_null(strstr(b.data, "HSET fw:host:10.0.0.3 score 1000.0000\n"));
    agg_map_stats(m, &st);
    assert_int_equal(st.hosts, 1);
    assert_int_equal(st.edges, 1);
    fw_buf_free(&b);
    agg_map_destroy(m);
}

static void test_host_cap_evicts_lowest(void **state)
{
    struct agg_map *m = agg_map_create("fw:", HOUR, 50);
    struct agg_stats st;
    struct anz_alert a;
    struct fw_ip ip;
    char s[32];
    unsigned i;

    (void)state;
    /* 49 small hosts and one big one, then 100 more: the big one survives */
    mk_alert(&a, "10.1.0.0", NULL, 1000, T0, "branch");
    agg_map_alert(m, &a);
    for (i = 1; i < 150; i++) {
        snprintf(s, sizeof(s), "10.1.%u.%u", i / 256, i % 256);
        mk_alert(&a, s, NULL, 1 + i % 7, T0, "branch");
        agg_map_alert(m, &a);
    }
    agg_map_stats(m, &st);
    assert_int_equal(st.hosts, 50);
    assert_int_equal(st.hosts_evicted, 100);
    fw_ip_parse("10.1.0.0", &ip);
    assert_true(agg_map_host_score(m, &ip, T0) > 999);
    /* every host still in the table can be found (index kept consistent) */
    unsigned found = 0;
    for (i = 1; i < 150; i++) {
        snprintf(s, sizeof(s), "10.1.%u.%u", i / 256, i % 256);
        fw_ip_parse(s, &ip);
        double v = agg_map_host_score(m, &ip, T0);
        assert_true(v < 0 || (v >= 1 && v <= 7));
        found += v >= 0;
    }
    assert_int_equal(found, 49);
    agg_map_destroy(m);
}

/* Coalescing: 600 alerts on 300 hosts (cap 100) emit one HSET per host in
 * the table, one ZADD carries them all, and every eviction is named in one
 * ZREM (sent before the ZADD, so a host evicted and back again stays). */
static void test_emit_coalesces(void **state)
{
    struct agg_map *m = agg_map_create("fw:", HOUR, 100);
    struct agg_stats st;
    struct fw_buf b;
    struct anz_alert a;
    unsigned i, hset = 0, zadd = 0, zrem = 0, removed = 0;
    char s[32];
    const char *p;

    (void)state;
    fw_buf_init(&b);
    for (i = 0; i < 600; i++) {
        snprintf(s, sizeof(s), "10.2.%u.%u", (i % 300) / 256, (i % 300) % 256);
        mk_alert(&a, s, NULL, 1, T0 + i, "branch");
        agg_map_alert(m, &a);
    }
    agg_map_emit(m, collect, &b);
    fw_buf_putc(&b, '\0');
    for (p = b.data; *p; p = strchr(p, '\n') + 1) {
        if (strncmp(p, "HSET fw:host:", 13) == 0)
            hset++;
        if (strncmp(p, "ZADD fw:map:hosts ", 18) == 0)
            zadd++;
        if (strncmp(p, "ZREM fw:map:hosts ", 18) == 0) {
            const char *q;

            zrem++;
            for (q = p + 17; *q != '\n'; q++)
                removed += *q == ' ';
        }
    }
    assert_int_equal(hset, 100);        /* the 100 hosts in the table, once each */
    assert_int_equal(zadd, 1);
    assert_int_equal(zrem, 1);
    agg_map_stats(m, &st);
    assert_true(st.hosts_evicted >= 200);
    assert_int_equal(removed, st.hosts_evicted);    /* every eviction, one command */
    fw_buf_free(&b);
    agg_map_destroy(m);
}

/* Scores are formatted without printf (agg_map.c cmd_f4); the text must be
 * what "%.4f" prints, ties and near-ties included. */
static void test_score_text_matches_printf(void **state)
{
    static const double scores[] = {0.03125, 1.23456789, 99999.99995, 0.00015, 7.77775,
                                    3.14159265, 123.0, 0.5, 2.00005, 0.99999, 4096.12345};
    struct agg_map *m = agg_map_create("p:", HOUR, 100);
    char ip[32], want[128];
    struct anz_alert a;
    struct fw_buf b;
    size_t i;

    (void)state;
    fw_buf_init(&b);
    for (i = 0; i < sizeof(scores) / sizeof(scores[0]); i++) {
        snprintf(ip, sizeof(ip), "10.0.1.%zu", i + 1);
        mk_alert(&a, ip, NULL, scores[i], T0, "branch");
        agg_map_alert(m, &a);
    }
    assert_true(agg_map_emit(m, collect, &b) > 0);
    for (i = 0; i < sizeof(scores) / sizeof(scores[0]); i++) {
        snprintf(want, sizeof(want), "HSET p:host:10.0.1.%zu score %.4f zone ", i + 1,
                 scores[i]);
        if (!strstr(b.data, want))
            fprintf(stderr, "# missing: %s\n", want);
        assert_non_null(strstr(b.data, want));
        snprintf(want, sizeof(want), " %.4f 10.0.1.%zu", scores[i], i + 1);
        assert_non_null(strstr(b.data, want));      /* the ZADD member */
    }
    fw_buf_free(&b);
    agg_map_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decay_half_life),
        cmocka_unit_test(test_emit_layout),
        cmocka_unit_test(test_zone_trend_and_forecast),
        cmocka_unit_test(test_decay_pass_drops_cold_hosts),
        cmocka_unit_test(test_host_cap_evicts_lowest),
        cmocka_unit_test(test_emit_coalesces),
        cmocka_unit_test(test_score_text_matches_printf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
