/* tests/analyzers/test_det_bruteforce.c: SSH guessing vs. long admin sessions. */
#include <stdio.h>

#include "anz_test.h"
#include "det_bruteforce.h"

static bool session(struct anz_hosts *t, const struct det_bruteforce_params *p, uint64_t ts,
                    uint64_t dur, uint32_t pkts, const char *proto, uint16_t dport,
                    struct det_hit *hit)
{
    struct flow_evt e;
    struct det_ctx c;

    tev(&e, FLOW_EVT_END, ts + dur, "203.0.113.50", 50000, "10.10.2.2", dport, 6);
    e.rec.ts_start_us = ts;
    e.rec.src_pkts = pkts;
    e.rec.dst_pkts = pkts;
    e.rec.src_payload = 1500;
    e.rec.dst_payload = 2000;
    snprintf(e.rec.ndpi_proto, sizeof(e.rec.ndpi_proto), "%s", proto);
    tctx(&c, t, &e, T0);
    return det_bruteforce_eval(p, &c, true, hit);
}

static void test_ssh_guessing_fires(void **state)
{
    struct anz_hosts *t = anz_hosts_create(100, 100);
    struct det_bruteforce_params p;
    struct det_hit hit;
    unsigned i;
    bool fired = false;

    (void)state;
    tdefaults(ANZ_BRUTEFORCE, &p);
    for (i = 0; i < 40 && !fired; i++)
        fired = session(t, &p, T0 + i * 2 * SEC, 2 * SEC, 20, "SSH", 2222, &hit);
    assert_true(fired);                 /* recognised by nDPI name on a non-standard port */
    assert_int_equal(i, 20);
    assert_string_equal(det_ip(&hit.src, 0), "203.0.113.50");
    assert_string_equal(det_ip(&hit.dst, 1), "10.10.2.2");
    assert_non_null(strstr(hit.reason, "20 short sessions"));
    anz_hosts_destroy(t);
}

static void test_long_sessions_quiet(void **state)
{
    struct anz_hosts *t = anz_hosts_create(100, 100);
    struct det_bruteforce_params p;
    struct det_hit hit;
    unsigned i;

    (void)state;
    tdefaults(ANZ_BRUTEFORCE, &p);
    for (i = 0; i < 50; i++)            /* interactive sessions: long and chatty */
        assert_false(session(t, &p, T0 + i * SEC, 120 * SEC, 400, "SSH", 22, &hit));
    for (i = 0; i < 50; i++)            /* short web requests: not an auth service */
        assert_false(session(t, &p, T0 + i * SEC, SEC, 10, "HTTP", 80, &hit));
    anz_hosts_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ssh_guessing_fires),
        cmocka_unit_test(test_long_sessions_quiet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
