/* tests/analyzers/test_anz_hll.c: distinct counters, LRU table, host table bound. */
#include <stdio.h>

#include "anz_test.h"
#include "anz_hll.h"
#include "anz_lru.h"
#include "anz_seen.h"
#include "det_bruteforce.h"
#include "det_scan.h"

static void test_hll_exact_small(void **state)
{
    struct anz_hll h = {0};
    uint64_t i;

    (void)state;
    for (i = 0; i < 5; i++) {
        anz_hll_add_u64(&h, i);
        anz_hll_add_u64(&h, i);     /* duplicates do not count */
    }
    assert_int_equal(anz_hll_count(&h), 5);
    assert_null(h.dense);
    anz_hll_fini(&h);
}

static void check_accuracy(uint64_t n, uint64_t seed)
{
    struct anz_hll h = {0};
    double est, err;
    uint64_t i;

    for (i = 0; i < n; i++)
        anz_hll_add_u64(&h, seed * 1000003ull + i);
    est = (double)anz_hll_count(&h);
    err = (est - (double)n) / (double)n;
    if (err < 0)
        err = -err;
    /* 256 registers: standard error 6.5 %; 3 sigma bounds a deterministic run */
    if (err > 0.15)
        fail_msg("n=%llu estimate=%.0f error=%.3f", (unsigned long long)n, est, err);
    anz_hll_fini(&h);
}

static void test_hll_accuracy(void **state)
{
    double sum = 0;
    uint64_t s;
    unsigned trials = 20;

    (void)state;
    check_accuracy(100, 1);
    check_accuracy(1000, 2);
    check_accuracy(10000, 3);
    check_accuracy(100000, 4);
    /* the mean of many runs is within a few % (no bias) */
    for (s = 0; s < trials; s++) {
        struct anz_hll h = {0};
        uint64_t i;

        for (i = 0; i < 2000; i++)
            anz_hll_add_u64(&h, s << 32 | i);
        sum += (double)anz_hll_count(&h);
        anz_hll_fini(&h);
    }
    sum /= trials;
    assert_true(sum > 2000 * 0.96 && sum < 2000 * 1.04);
}

static void test_hll_reset(void **state)
{
    struct anz_hll h = {0};
    uint64_t i;

    (void)state;
    for (i = 0; i < 500; i++)
        anz_hll_add_u64(&h, i);
    assert_true(anz_hll_count(&h) > 400);
    anz_hll_reset(&h);
    assert_int_equal(anz_hll_count(&h), 0);
    anz_hll_add_u64(&h, 1);
    assert_int_equal(anz_hll_count(&h), 1);
    anz_hll_fini(&h);
}

static void test_lru_bound_and_order(void **state)
{
    struct anz_lru *t = anz_lru_create(3, 16, 8, NULL);
    uint64_t k;
    bool created;

    (void)state;
    assert_non_null(t);
    for (k = 1; k <= 3; k++)
        assert_non_null(anz_lru_get(t, &k, true, &created));
    k = 1;
    assert_non_null(anz_lru_get(t, &k, false, NULL));     /* 1 becomes most recent */
    k = 4;
    assert_non_null(anz_lru_get(t, &k, true, &created));  /* evicts 2, the LRU */
    assert_true(created);
    assert_int_equal(anz_lru_count(t), 3);
    assert_int_equal(anz_lru_evictions(t), 1);
    k = 2;
    assert_null(anz_lru_find(t, &k));
    k = 1;
    assert_non_null(anz_lru_find(t, &k));
    anz_lru_destroy(t);
    anz_lru_destroy(NULL);
}

static void test_host_table_bound(void **state)
{
    struct anz_hosts *t = anz_hosts_create(100, 50);
    char buf[32];
    struct fw_ip ip;
    unsigned i;

    (void)state;
    assert_non_null(t);
    for (i = 0; i < 1000; i++) {
        struct anz_host *h;

        tip_n(buf, sizeof(buf), "10.1", i);
        ip = tip(buf);
        h = anz_hosts_get(t, &ip, T0 + i);
        assert_non_null(h);
        /* give some of them a dense HLL so eviction must free it (ASan checks) */
        for (unsigned j = 0; j < 10; j++)
            anz_hll_add_u64(&h->scan.dsts, j);
    }
    assert_int_equal(anz_hosts_count(t), 100);
    assert_int_equal(anz_hosts_evicted(t), 900);
    ip = tip("10.1.3.231");          /* host 999: the newest stays */
    assert_non_null(anz_hosts_find(t, &ip));
    ip = tip("10.1.0.0");            /* host 0: long gone */
    assert_null(anz_hosts_find(t, &ip));
    anz_hosts_destroy(t);
}

static void test_params_defaults_parse(void **state)
{
    char buf[4096];
    int k;

    (void)state;
    for (k = 0; k < ANZ_KIND_COUNT; k++) {
        size_t n;
        const struct anz_param_spec *s = anz_params_for((enum anz_kind)k, &n);

        assert_non_null(s);
        if (anz_params_size((enum anz_kind)k) == 0)
            continue;
        assert_true(anz_params_size((enum anz_kind)k) <= sizeof(buf));
        assert_int_equal(anz_params_defaults((enum anz_kind)k, buf), 0);
    }
    assert_int_equal(anz_kind_from_name("dns_tunnel"), ANZ_DNS_TUNNEL);
    assert_int_equal(anz_kind_from_name("nope"), -1);
}

static void test_params_set_rejects(void **state)
{
    struct det_scan_params sp;
    struct det_bruteforce_params bp;
    const struct anz_param_spec *s;
    const char *bad_port[] = {"22", "70000"};
    const char *num[] = {"12x"};
    size_t n, i;

    (void)state;
    tdefaults(ANZ_BRUTEFORCE, &bp);
    s = anz_params_for(ANZ_BRUTEFORCE, &n);
    for (i = 0; i < n && strcmp(s[i].name, "ports"); i++)
        ;
    assert_true(i < n);
    assert_int_not_equal(anz_params_set(&s[i], &bp, bad_port, 2), 0);
    tdefaults(ANZ_SCAN, &sp);
    s = anz_params_for(ANZ_SCAN, &n);
    assert_int_not_equal(anz_params_set(&s[1], &sp, num, 1), 0);
    assert_int_equal(sp.window_us, 60 * SEC);
    assert_true(sp.min_hosts == 50);
}

/* The seen-set remembers at least max keys, never holds more than 2 x max,
 * and forgets the oldest generation as it rotates. */
static void test_seen_generations(void **state)
{
    struct anz_seen *s = anz_seen_create(1000);
    uint64_t k;

    (void)state;
    assert_non_null(s);
    for (k = 0; k < 1000; k++)
        assert_false(anz_seen_add(s, &k, sizeof(k)));
    for (k = 0; k < 1000; k++)
        assert_true(anz_seen_add(s, &k, sizeof(k)));         /* all remembered */
    assert_int_equal(anz_seen_rotations(s), 0);
    for (k = 1000; k < 2000; k++)                            /* fills a second generation */
        assert_false(anz_seen_add(s, &k, sizeof(k)));
    assert_int_equal(anz_seen_rotations(s), 1);
    assert_true(anz_seen_count(s) <= 2000);
    for (k = 1000; k < 2000; k++)                            /* the newest 1000: known */
        assert_true(anz_seen_add(s, &k, sizeof(k)));
    for (k = 2000; k < 4000; k++)                            /* two more generations */
        anz_seen_add(s, &k, sizeof(k));
    assert_true(anz_seen_count(s) <= 2000);
    k = 5;                                                   /* long gone */
    assert_false(anz_seen_add(s, &k, sizeof(k)));
    anz_seen_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seen_generations),
        cmocka_unit_test(test_hll_exact_small),
        cmocka_unit_test(test_hll_accuracy),
        cmocka_unit_test(test_hll_reset),
        cmocka_unit_test(test_lru_bound_and_order),
        cmocka_unit_test(test_host_table_bound),
        cmocka_unit_test(test_params_defaults_parse),
        cmocka_unit_test(test_params_set_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
