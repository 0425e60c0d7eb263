/* tests/analyzers/test_det_amplification.c: DNS/NTP reflection vs. a resolver client. */
#include <stdio.h>

#include "anz_test.h"
#include "det_amplification.h"

static bool end_udp(struct anz_hosts *t, const struct det_amplification_params *p, uint64_t ts,
                    const char *src, uint16_t sport, const char *dst, uint16_t dport,
                    uint64_t sbytes, uint64_t dbytes, struct det_hit *hit)
{
    struct flow_evt e;
    struct det_ctx c;

    tev(&e, FLOW_EVT_END, ts, src, sport, dst, dport, 17);
    e.rec.src_bytes = sbytes;
    e.rec.dst_bytes = dbytes;
    e.rec.src_pkts = 1;
    e.rec.dst_pkts = dbytes ? 1 : 0;
    tctx(&c, t, &e, T0);
    return det_amplification_eval(p, &c, true, hit);
}

static void test_reflection_blames_victim(void **state)
{
    struct anz_hosts *t = anz_hosts_create(1000, 100);
    struct det_amplification_params p;
    struct det_hit hit;
    char refl[32];
    unsigned i;
    bool fired = false;

    (void)state;
    tdefaults(ANZ_AMPLIFICATION, &p);
    /* unsolicited 3 kB NTP monlist answers from 20 reflectors, 500 flows each */
    for (i = 0; i < 10000 && !fired; i++) {
        snprintf(refl, sizeof(refl), "198.51.100.%u", i % 20 + 1);
        fired = end_udp(t, &p, T0 + i * 1000, refl, 123, "10.10.5.5", (uint16_t)(1024 + i),
                        3000, 0, &hit);
    }
    assert_true(fired);
    assert_int_equal(hit.blame, ANZ_BLAME_DST);
    assert_string_equal(det_ip(&hit.dst, 0), "10.10.5.5");
    assert_non_null(strstr(hit.reason, "10.10.5.5 received"));
    assert_non_null(strstr(hit.evidence, "\"service_port\":123"));
    anz_hosts_destroy(t);
}

static void test_resolver_client_quiet(void **state)
{
    struct anz_hosts *t = anz_hosts_create(1000, 100);
    struct det_amplification_params p;
    struct det_hit hit;
    char dns[32];
    unsigned i;

    (void)state;
    tdefaults(ANZ_AMPLIFICATION, &p);
    /* an internal resolver: 40000 queries of 80 B answered with 400 B by many servers */
    for (i = 0; i < 40000; i++) {
        snprintf(dns, sizeof(dns), "192.0.2.%u", i % 200 + 1);
        assert_false(end_udp(t, &p, T0 + i * 1000, "10.10.0.53", (uint16_t)(20000 + i % 1000),
                             dns, 53, 80, 400, &hit));
    }
    anz_hosts_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reflection_blames_victim),
        cmocka_unit_test(test_resolver_client_quiet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
