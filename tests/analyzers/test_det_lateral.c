/* tests/analyzers/test_det_lateral.c: SMB fan-out to new hosts vs. known admin paths. */
#include <stdio.h>

#include "anz_test.h"
#include "det_lateral.h"

static bool start(struct anz_hosts *t, const struct det_lateral_params *p, uint64_t ts,
                  const char *src, const char *dst, uint16_t dport, struct det_hit *hit)
{
    struct flow_evt e;
    struct det_ctx c;

    tev(&e, FLOW_EVT_START, ts, src, 50000, dst, dport, 6);
    tctx(&c, t, &e, T0);
    return det_lateral_eval(p, &c, true, hit);
}

/* 10.20.7.7 opens SMB to 10.10.0.0 .. 10.10.0.29 from t0 on, a second apart,
 * and none of it is an alert (learning, or peers it has spoken to before). */
static void quiet_sweep(struct anz_hosts *t, const struct det_lateral_params *p, uint64_t t0)
{
    struct det_hit hit;
    char dst[32];
    unsigned i;

    for (i = 0; i < 30; i++) {
        tip_n(dst, sizeof(dst), "10.10", i);
        assert_false(start(t, p, t0 + i * SEC, "10.20.7.7", dst, 445, &hit));
    }
}

static void test_fanout_fires_after_learning(void **state)
{
    struct anz_hosts *t = anz_hosts_create(1000, 1000);
    struct det_lateral_params p;
    struct det_hit hit;
    char dst[32];
    unsigned i;
    bool fired = false;
    uint64_t t1 = T0 + 3600 * SEC;

    (void)state;
    tdefaults(ANZ_LATERAL, &p);
    /* during learning, the same host's fan-out is the baseline */
    quiet_sweep(t, &p, T0);
    /* later: the same 30 again (known), then new ones */
    quiet_sweep(t, &p, t1);
    for (i = 0; i < 30 && !fired; i++) {
        tip_n(dst, sizeof(dst), "10.10", 1000 + i);
        fired = start(t, &p, t1 + 60 * SEC + i * SEC, "10.20.7.7", dst, i % 2 ? 445 : 5985,
                      &hit);
    }
    assert_true(fired);
    assert_int_equal(i, 10);
    assert_string_equal(det_ip(&hit.src, 0), "10.20.7.7");
    assert_non_null(strstr(hit.reason, "to 10 internal hosts"));
    anz_hosts_destroy(t);
}

/* With a pair table of 8, the 30 pairs learned are evicted long before the
 * source talks to them again: that is still not a fan-out to new hosts. */
static void test_evicted_pairs_are_not_new_again(void **state)
{
    struct anz_hosts *t = anz_hosts_create(1000, 8);
    struct det_lateral_params p;
    uint64_t t1 = T0 + 3600 * SEC;

    (void)state;
    tdefaults(ANZ_LATERAL, &p);
    quiet_sweep(t, &p, T0);
    assert_true(anz_hosts_pair_evicted(t) > 0);
    quiet_sweep(t, &p, t1);
    anz_hosts_destroy(t);
}

static void test_web_and_external_quiet(void **state)
{
    struct anz_hosts *t = anz_hosts_create(1000, 1000);
    struct det_lateral_params p;
    struct det_hit hit;
    char dst[32];
    unsigned i;
    uint64_t t1 = T0 + 3600 * SEC;

    (void)state;
    tdefaults(ANZ_LATERAL, &p);
    assert_false(start(t, &p, T0, "10.20.7.8", "10.10.0.1", 80, &hit));   /* engine start */
    for (i = 0; i < 50; i++) {
        tip_n(dst, sizeof(dst), "10.10", i);
        assert_false(start(t, &p, t1 + i * SEC, "10.20.7.8", dst, 443, &hit));  /* not admin */
        tip_n(dst, sizeof(dst), "198.51", i);
        assert_false(start(t, &p, t1 + i * SEC, "10.20.7.8", dst, 22, &hit));  /* external */
    }
    anz_hosts_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fanout_fires_after_learning),
        cmocka_unit_test(test_evicted_pairs_are_not_new_again),
        cmocka_unit_test(test_web_and_external_quiet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
