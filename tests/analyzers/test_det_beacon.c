/* tests/analyzers/test_det_beacon.c: periodic C2 (with gaps) vs. human browsing and NTP. */
#include <stdio.h>

#include "anz_test.h"
#include "det_beacon.h"

static bool start(struct anz_hosts *t, const struct det_beacon_params *p, uint64_t ts,
                  const char *dst, uint16_t dport, struct det_hit *hit)
{
    struct flow_evt e;
    struct det_ctx c;

    tev(&e, FLOW_EVT_START, ts, "10.20.3.3", 50000, dst, dport, 6);
    tctx(&c, t, &e, T0);
    return det_beacon_eval(p, &c, true, hit);
}

static void test_periodic_with_gaps_fires(void **state)
{
    struct anz_hosts *t = anz_hosts_create(100, 100);
    struct det_beacon_params p;
    struct det_hit hit;
    uint64_t ts = T0;
    unsigned i;
    bool fired = false;

    (void)state;
    tdefaults(ANZ_BEACON, &p);
    for (i = 0; i < 40 && !fired; i++) {
        /* every 60 s +- 1 s, and beacons 5, 6 and 9 lost */
        ts += 60 * SEC + (i % 3) * SEC / 2;
        if (i == 5 || i == 6 || i == 9)
            continue;
        fired = start(t, &p, ts, "203.0.113.77", 8443, &hit);
    }
    assert_true(fired);
    assert_string_equal(det_ip(&hit.src, 0), "10.20.3.3");
    assert_string_equal(det_ip(&hit.dst, 1), "203.0.113.77");
    assert_non_null(strstr(hit.reason, " every 6"));   /* 60 or 61 s */
    anz_hosts_destroy(t);
}

static void test_irregular_and_ntp_quiet(void **state)
{
    struct anz_hosts *t = anz_hosts_create(100, 100);
    struct det_beacon_params p;
    struct det_hit hit;
    uint64_t ts = T0, x = 1234567;
    unsigned i;

    (void)state;
    tdefaults(ANZ_BEACON, &p);
    for (i = 0; i < 200; i++) {         /* a person: 10 s .. 10 min apart */
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        ts += 10 * SEC + (x >> 33) % (600 * SEC);
        assert_false(start(t, &p, ts, "198.51.100.10", 443, &hit));
    }
    for (i = 0; i < 100; i++)           /* NTP every 64 s exactly */
        assert_false(start(t, &p, T0 + i * 64 * SEC, "198.51.100.123", 123, &hit));
    p.external_only = true;
    for (i = 0; i < 100; i++)           /* internal monitoring poll */
        assert_false(start(t, &p, T0 + i * 30 * SEC, "10.10.9.9", 161, &hit));
    anz_hosts_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_periodic_with_gaps_fires),
        cmocka_unit_test(test_irregular_and_ntp_quiet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
