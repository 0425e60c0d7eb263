/* tests/rules/test_rule_window.c: aggregate rules: count, distinct, sum, the sliding
 * window, one alert per (rule, key, window) then updates, key eviction, rebind, the
 * key hash growing with the keys (not sized for max_keys up front). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fw_time.h"
#include "rule_int.h"     /* rule_window_hit, rule_state_keys, _evictions, _buckets */

#define T0 (1780272000ull * FW_USEC_PER_SEC)
#define SEC FW_USEC_PER_SEC

struct sink {
    struct anz_alert last;
    size_t n, news;
    char ids[16][24];
    size_t nids;
};

static void on_alert(void *ctx, const struct anz_alert *a)
{
    struct sink *s = ctx;
    size_t i;

    s->last = *a;
    s->n++;
    s->news += a->updates == 0;
    for (i = 0; i < s->nids; i++)
        if (strcmp(s->ids[i], a->id) == 0)
            return;
    if (s->nids < 16)
        snprintf(s->ids[s->nids++], sizeof(s->ids[0]), "%s", a->id);
}

static struct rule_set *load_text(const char *yaml)
{
    char path[] = "/tmp/fw-test-win-XXXXXX.yaml";
    const char *paths[1] = {path};
    struct rule_diags d;
    struct rule_set *rs;
    int fd = mkstemps(path, 5);
    size_t len = strlen(yaml);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, yaml, len), (ssize_t)len);
    close(fd);
    rule_diags_init(&d);
    rs = rule_set_load(paths, 1, T0, &d);
    if (!rs)
        fail_msg("%s", d.n ? d.v[0].msg : "load failed");
    rule_diags_free(&d);
    unlink(path);
    return rs;
}

static const struct rule_ctx ctx = {"branch", "core-banking", "s1"};

/* SSH from 10.20.0.<src> to 10.10.0.9:<dport> at T0 + t seconds. */
static void evt_at(struct flow_evt *e, double t, uint8_t src, uint16_t dport, uint64_t bytes)
{
    const uint8_t s[4] = {10, 20, 0, src}, d[4] = {10, 10, 0, 9};

    memset(e, 0, sizeof(*e));
    e->type = FLOW_EVT_END;
    e->ts_us = T0 + (uint64_t)(t * SEC);
    e->rec.ts_start_us = e->ts_us;
    e->rec.ts_end_us = e->ts_us;
    fw_ip_set4(&e->rec.src, s);
    fw_ip_set4(&e->rec.dst, d);
    e->rec.dport = dport;
    e->rec.proto = 6;
    e->rec.src_bytes = bytes;
    snprintf(e->rec.ndpi_proto, sizeof(e->rec.ndpi_proto), "SSH");
}

static const char count_rule[] =
    "id: FW-W-COUNT\ntitle: count\nmatch: {ndpi.protocol: SSH}\n"
    "aggregate:\n  by: [source.ip]\n  window: 60s\n  count|gte: 3\n";

static void test_count_one_alert_then_updates(void **state)
{
    struct rule_set *rs = load_text(count_rule);
    struct rule_state *st = rule_state_create(100);
    struct sink s = {0};
    struct flow_evt e;
    char first[24];

    (void)state;
    evt_at(&e, 0, 1, 22, 0);
    rule_set_eval(rs, st, &e, &ctx, on_alert, &s);
    evt_at(&e, 1, 1, 22, 0);
    rule_set_eval(rs, st, &e, &ctx, on_alert, &s);
    assert_int_equal(s.n, 0);
    evt_at(&e, 2, 1, 22, 0);
    rule_set_eval(rs, st, &e, &ctx, on_alert, &s);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.last.updates, 0);
    assert_int_equal(s.last.first_us, T0 + 2 * SEC);
    assert_non_null(strstr(s.last.evidence, "\"aggregate\":\"count\""));
    assert_non_null(strstr(s.last.evidence, "\"value\":3"));
    assert_non_null(strstr(s.last.reason, "count 3 >= 3 in 60 s"));
    snprintf(first, sizeof(first), "%s", s.last.id);
    evt_at(&e, 3, 1, 22, 0);                        /* < 10 s after: counted, not sent */
    rule_set_eval(rs, st, &e, &ctx, on_alert, &s);
    assert_int_equal(s.n, 1);
    evt_at(&e, 13, 1, 22, 0);
    rule_set_eval(rs, st, &e, &ctx, on_alert, &s);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.last.updates, 1);
    assert_string_equal(s.last.id, first);
    assert_int_equal(s.last.first_us, T0 + 2 * SEC);
    /* another key has its own window */
    evt_at(&e, 4, 2, 22, 0);
    rule_set_eval(rs, st, &e, &ctx, on_alert, &s);
    assert_int_equal(s.n, 2);
    assert_int_equal(rule_state_keys(st), 1 + 1);
    /* 70 s later the first hits slid out: one hit is not enough */
    evt_at(&e, 75, 1, 22, 0);
    rule_set_eval(rs, st, &e, &ctx, on_alert, &s);
    assert_int_equal(s.n, 2);
    evt_at(&e, 76, 1, 22, 0);
    rule_set_eval(rs, st, &e, &ctx, on_alert, &s);
    evt_at(&e, 77, 1, 22, 0);
    rule_set_eval(rs, st, &e, &ctx, on_alert, &s);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.last.updates, 0);            /* a new window, a new alert */
    assert_string_not_equal(s.last.id, first);
    rule_state_destroy(st);
    rule_set_free(rs);
}

static void test_sustained_hits_one_alert_per_window(void **state)
{
    struct rule_set *rs = load_text(count_rule);
    struct rule_state *st = rule_state_create(100);
    struct sink s = {0};
    struct flow_evt e;
    int t;

    (void)state;
    for (t = 0; t <= 130; t += 5) {
        evt_at(&e, t, 1, 22, 0);
        rule_set_eval(rs, st, &e, &ctx, on_alert, &s);
    }
    /* alerts open at 10 s, 70 s and 130 s (6 s buckets, 60 s alert windows) */
    assert_int_equal(s.news, 3);
    assert_int_equal(s.nids, 3);
    /* updates go out at most every 10 s: 10..60, 70..120, 130 */
    assert_int_equal(s.n, 13);
    rule_state_destroy(st);
    rule_set_free(rs);
}

static void test_replay_gives_same_ids(void **state)
{
    struct rule_set *rs = load_text(count_rule);
    struct rule_state *a = rule_state_create(100), *b = rule_state_create(100);
    struct sink sa = {0}, sb = {0};
    struct flow_evt e;
    int t;

    (void)state;
    for (t = 0; t < 10; t++) {
        evt_at(&e, t, 1, 22, 0);
        rule_set_eval(rs, a, &e, &ctx, on_alert, &sa);
        rule_set_eval(rs, b, &e, &ctx, on_alert, &sb);
    }
    assert_int_equal(sa.nids, 1);
    assert_string_equal(sa.ids[0], sb.ids[0]);
    rule_state_destroy(a);
    rule_state_destroy(b);
    rule_set_free(rs);
}

static void test_distinct(void **state)
{
    struct rule_set *rs = load_text(
        "id: FW-W-DIST\ntitle: ports\nmatch: {network.transport: tcp}\n"
        "aggregate:\n  by: source.ip\n  window: 1m\n  distinct(destination.port)|gt: 2\n");
    struct rule_state *st = rule_state_create(100);
    struct sink s = {0};
    struct flow_evt e;

    (void)state;
    evt_at(&e, 0, 1, 22, 0);
    rule_set_eval(rs, st, &e, &ctx, on_alert, &s);
    evt_at(&e, 1, 1, 22, 0);
    rule_set_eval(rs, st, &e, &ctx, on_alert, &s);
    evt_at(&e, 2, 1, 23, 0);
    rule_set_eval(rs, st, &e, &ctx, on_alert, &s);
    evt_at(&e, 3, 1, 23, 0);
    rule_set_eval(rs, st, &e, &ctx, on_alert, &s);
    assert_int_equal(s.n, 0);                       /* 2 distinct, not > 2 */
    evt_at(&e, 4, 1, 445, 0);
    rule_set_eval(rs, st, &e, &ctx, on_alert, &s);
    assert_int_equal(s.n, 1);
    assert_non_null(strstr(s.last.evidence, "\"aggregate\":\"distinct\""));
    assert_non_null(strstr(s.last.evidence, "\"value\":3"));
    /* a minute later the old ports expired */
    evt_at(&e, 70, 1, 8080, 0);
    rule_set_eval(rs, st, &e, &ctx, on_alert, &s);
    assert_int_equal(s.n, 1);
    rule_state_destroy(st);
    rule_set_free(rs);
}

static void test_sum(void **state)
{
    struct rule_set *rs = load_text(
        "id: FW-W-SUM\ntitle: bytes\nmatch: {network.transport: tcp}\n"
        "aggregate:\n  by: [source.ip, destination.ip]\n  window: 10m\n"
        "  sum(source.bytes)|gt: 1000\nreason: '{source.ip} sent {sum} bytes in {window}'\n");
    struct rule_state *st = rule_state_create(100);
    struct sink s = {0};
    struct flow_evt e;

    (void)state;
    evt_at(&e, 0, 1, 443, 400);
    rule_set_eval(rs, st, &e, &ctx, on_alert, &s);
    evt_at(&e, 100, 1, 443, 600);
    rule_set_eval(rs, st, &e, &ctx, on_alert, &s);
    assert_int_equal(s.n, 0);                       /* exactly 1000 is not > 1000 */
    evt_at(&e, 200, 1, 443, 1);
    rule_set_eval(rs, st, &e, &ctx, on_alert, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.last.reason, "10.20.0.1 sent 1001 bytes in 600 s");
    rule_state_destroy(st);
    rule_set_free(rs);
}

static void test_max_keys_evicts_lru(void **state)
{
    struct rule_set *rs = load_text(count_rule);
    struct rule_state *st = rule_state_create(2);
    struct sink s = {0};
    struct flow_evt e;
    uint8_t k;

    (void)state;
    for (k = 1; k <= 5; k++) {
        evt_at(&e, k, k, 22, 0);
        rule_set_eval(rs, st, &e, &ctx, on_alert, &s);
    }
    assert_int_equal(rule_state_keys(st), 2);
    assert_int_equal(rule_state_evictions(st), 3);
    rule_state_destroy(st);
    rule_set_free(rs);
}

/* One count hit for key "k<i>" straight into the window; returns the figure. */
static double hit_key(struct rule_state *st, const struct rule *r, unsigned i, double t)
{
    struct rule_win_result res;
    struct flow_evt e;
    char key[16];
    int n = snprintf(key, sizeof(key), "k%u", i);

    evt_at(&e, t, 1, 22, 0);
    assert_int_equal(rule_window_hit(st, r, key, (size_t)n, &e, &ctx, &res), 0);
    return res.figure;
}

static void test_buckets_grow_keys_stay_findable(void **state)
{
    struct rule_set *rs = load_text(count_rule);
    struct rule_state *st = rule_state_create(5000);   /* bound: 8192 buckets */
    const struct rule *r = rs->rules[0];
    unsigned i;

    (void)state;
    assert_int_equal(rule_state_buckets(st), 64);
    for (i = 0; i < 64; i++)
        assert_true(hit_key(st, r, i, 0) == 1);
    assert_int_equal(rule_state_buckets(st), 64);      /* 64 keys fit 64 buckets */
    assert_true(hit_key(st, r, 64, 0) == 1);
    assert_int_equal(rule_state_buckets(st), 128);
    for (i = 65; i < 3000; i++)
        assert_true(hit_key(st, r, i, 0) == 1);
    assert_int_equal(rule_state_buckets(st), 4096);    /* six doublings */
    assert_int_equal(rule_state_keys(st), 3000);
    /* every key kept its window through the rehashes: a second hit counts 2 */
    for (i = 0; i < 3000; i++)
        if (hit_key(st, r, i, 1) != 2)
            fail_msg("key k%u lost its window", i);
    assert_int_equal(rule_state_keys(st), 3000);
    assert_int_equal(rule_state_evictions(st), 0);
    rule_state_destroy(st);
    rule_set_free(rs);
}

static void test_growth_stops_at_bound_eviction_at_max_keys(void **state)
{
    struct rule_set *rs = load_text(count_rule);
    struct rule_state *st = rule_state_create(300);    /* bound: 512 buckets */
    const struct rule *r = rs->rules[0];
    unsigned i;

    (void)state;
    for (i = 0; i < 1000; i++)
        assert_true(hit_key(st, r, i, 0) == 1);
    assert_int_equal(rule_state_keys(st), 300);
    assert_int_equal(rule_state_evictions(st), 700);
    assert_int_equal(rule_state_buckets(st), 512);
    for (i = 700; i < 1000; i++)                       /* the 300 most recent are kept */
        if (hit_key(st, r, i, 1) != 2)
            fail_msg("key k%u lost its window", i);
    assert_int_equal(rule_state_evictions(st), 700);
    assert_true(hit_key(st, r, 0, 1) == 1);            /* an evicted key starts afresh */
    assert_int_equal(rule_state_evictions(st), 701);
    assert_int_equal(rule_state_keys(st), 300);
    assert_int_equal(rule_state_buckets(st), 512);
    rule_state_destroy(st);
    rule_set_free(rs);
}

static void test_large_max_keys_few_keys_small_array(void **state)
{
    struct rule_set *rs = load_text(count_rule);
    struct rule_state *st = rule_state_create((size_t)1 << 20);
    const struct rule *r = rs->rules[0];
    unsigned i;

    (void)state;
    for (i = 0; i < 10; i++)
        assert_true(hit_key(st, r, i, 0) == 1);
    for (i = 0; i < 10; i++)
        assert_true(hit_key(st, r, i, 1) == 2);
    assert_int_equal(rule_state_keys(st), 10);
    assert_int_equal(rule_state_buckets(st), 64);      /* not 1 << 20 */
    rule_state_destroy(st);
    rule_set_free(rs);
}

static void test_rebind_keeps_unchanged_windows(void **state)
{
    struct rule_set *a = load_text(count_rule);
    struct rule_set *b = load_text(
        "id: FW-OTHER\ntitle: other\nmatch: {ndpi.protocol: RDP}\n---\n"
        "id: FW-W-COUNT\ntitle: count (retitled)\nmatch: {ndpi.protocol: SSH}\n"
        "aggregate:\n  by: [source.ip]\n  window: 60s\n  count|gte: 3\n");
    struct rule_set *c = load_text(
        "id: FW-W-COUNT\ntitle: count\nmatch: {ndpi.protocol: SSH}\n"
        "aggregate:\n  by: [source.ip]\n  window: 60s\n  count|gte: 4\n");
    struct rule_state *st = rule_state_create(100);
    struct sink s = {0};
    struct flow_evt e;

    (void)state;
    evt_at(&e, 0, 1, 22, 0);
    rule_set_eval(a, st, &e, &ctx, on_alert, &s);
    evt_at(&e, 1, 1, 22, 0);
    rule_set_eval(a, st, &e, &ctx, on_alert, &s);
    rule_state_rebind(st, a, b);
    assert_int_equal(rule_state_keys(st), 1);       /* same id and aggregate: kept */
    evt_at(&e, 2, 1, 22, 0);
    rule_set_eval(b, st, &e, &ctx, on_alert, &s);
    assert_int_equal(s.n, 1);                       /* third hit counted with the two */
    assert_string_equal(s.last.rule_name, "count (retitled)");
    rule_state_rebind(st, b, c);
    assert_int_equal(rule_state_keys(st), 0);       /* threshold changed: fresh window */
    evt_at(&e, 3, 1, 22, 0);
    rule_set_eval(c, st, &e, &ctx, on_alert, &s);
    assert_int_equal(s.n, 1);
    rule_state_destroy(st);
    rule_set_free(a);
    rule_set_free(b);
    rule_set_free(c);
}

static void test_aggregate_errors(void **state)
{
    static const struct {
        const char *agg;
        const char *code;
        unsigned line, col;
    } bad[] = {
        {"  window: 60s\n  count|gte: 3\n  sum(source.bytes)|gt: 9\n", "E013", 8, 3},
        {"  window: 60s\n", "E005", 4, 1},
        {"  count|gte: 3\n", "E005", 4, 1},
        {"  window: 60s\n  count|eq: 3\n", "E007", 7, 9},
        {"  window: 60s\n  distinct(source.zon)|gte: 3\n", "E006", 7, 12},
        {"  window: 60s\n  sum(ndpi.protocol)|gte: 3\n", "E004", 7, 3},
        {"  window: 60s\n  count|gte: lots\n", "E004", 7, 14},
        {"  windows: 60s\n  count|gte: 3\n", "E003", 6, 3},
    };
    char yaml[512], path[] = "/tmp/fw-test-agg-XXXXXX.yaml";
    const char *paths[1] = {path};
    struct rule_diags d;
    struct rule_set *rs;
    size_t i;
    int fd;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(yaml, sizeof(yaml), "id: FW-A\ntitle: a\nmatch: {ndpi.protocol: SSH}\n"
                 "aggregate:\n  by: source.ip\n%s", bad[i].agg);
        snprintf(path, sizeof(path), "/tmp/fw-test-agg-XXXXXX.yaml");
        fd = mkstemps(path, 5);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
        close(fd);
        rule_diags_init(&d);
        rs = rule_set_load(paths, 1, T0, &d);
        unlink(path);
        assert_null(rs);
        if (strcmp(d.v[0].code, bad[i].code) || d.v[0].line != bad[i].line ||
            d.v[0].col != bad[i].col)
            fail_msg("case %zu: want %s %u:%u got %s %u:%u %s", i, bad[i].code, bad[i].line,
                     bad[i].col, d.v[0].code, d.v[0].line, d.v[0].col, d.v[0].msg);
        rule_diags_free(&d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_one_alert_then_updates),
        cmocka_unit_test(test_sustained_hits_one_alert_per_window),
        cmocka_unit_test(test_replay_gives_same_ids),
        cmocka_unit_test(test_distinct),
        cmocka_unit_test(test_sum),
        cmocka_unit_test(test_max_keys_evicts_lru),
        cmocka_unit_test(test_buckets_grow_keys_stay_findable),
        cmocka_unit_test(test_growth_stops_at_bound_eviction_at_max_keys),
        cmocka_unit_test(test_large_max_keys_few_keys_small_array),
        cmocka_unit_test(test_rebind_keeps_unchanged_windows),
        cmocka_unit_test(test_aggregate_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
