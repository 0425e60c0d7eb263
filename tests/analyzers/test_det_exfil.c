/* tests/analyzers/test_det_exfil.c: upload far above baseline vs. steady backups. */
#include <stdio.h>

#include "anz_test.h"
#include "det_exfil.h"

static bool upload(struct anz_hosts *t, const struct det_exfil_params *p, uint64_t ts,
                   const char *src, const char *dst, uint64_t bytes, struct det_hit *hit)
{
    struct flow_evt e;
    struct det_ctx c;

    tev(&e, FLOW_EVT_END, ts, src, 50000, dst, 443, 6);
    e.rec.src_bytes = bytes;
    tctx(&c, t, &e, T0);
    if (c.src_internal && !c.dst_internal)      /* what the engine does */
        c.src->base.ext_bytes += bytes;
    return det_exfil_eval(p, &c, true, hit);
}

static void test_spike_fires(void **state)
{
    struct anz_hosts *t = anz_hosts_create(100, 100);
    struct det_exfil_params p;
    struct det_hit hit;
    unsigned i;
    bool fired = false;

    (void)state;
    tdefaults(ANZ_EXFIL, &p);
    for (i = 0; i < 12; i++)            /* an hour of ~2 MB per 5 min */
        assert_false(upload(t, &p, T0 + i * 300 * SEC, "10.10.4.4", "203.0.113.9",
                            2000000 + i * 10000, &hit));
    for (i = 0; i < 200 && !fired; i++) /* then 10 MB flows in one interval */
        fired = upload(t, &p, T0 + 12 * 300 * SEC + i * SEC, "10.10.4.4", "203.0.113.9",
                       10000000, &hit);
    assert_true(fired);
    /* criticality 5: floor 200 MB * 3 / 5 = 120 MB */
    assert_int_equal(i, 12);
    assert_string_equal(det_ip(&hit.src, 0), "10.10.4.4");
    assert_int_equal(hit.crit, 5);
    assert_non_null(strstr(hit.reason, "sent 120.0 MB"));
    anz_hosts_destroy(t);
}

static void test_internal_backup_and_steady_quiet(void **state)
{
    struct anz_hosts *t = anz_hosts_create(100, 100);
    struct det_exfil_params p;
    struct det_hit hit;
    unsigned i;

    (void)state;
    tdefaults(ANZ_EXFIL, &p);
    for (i = 0; i < 100; i++)           /* 5 GB backups inside the bank */
        assert_false(upload(t, &p, T0 + i * 60 * SEC, "10.10.4.5", "10.10.8.8",
                            5000000000ull, &hit));
    for (i = 0; i < 100; i++)           /* a steady 300 MB / 5 min sync to a SaaS */
        assert_false(upload(t, &p, T0 + i * 300 * SEC, "10.10.4.6", "203.0.113.10",
                            300000000, &hit));
    anz_hosts_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spike_fires),
        cmocka_unit_test(test_internal_backup_and_steady_quiet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
