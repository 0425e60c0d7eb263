/* tests/analyzers/test_det_flood.c: spoofed SYN flood vs. a busy server. */
#include <stdio.h>

#include "anz_test.h"
#include "det_flood.h"

static bool start(struct anz_hosts *t, const struct det_flood_params *p, uint64_t ts,
                  const char *src, const char *dst, uint16_t dport, struct det_hit *hit)
{
    struct flow_evt e;
    struct det_ctx c;

    tev(&e, FLOW_EVT_START, ts, src, 1024, dst, dport, 6);
    e.rec.tcp_flags_src = DET_TCP_SYN;
    e.rec.src_pkts = 1;
    tctx(&c, t, &e, T0);
    return det_flood_eval(p, &c, true, hit);
}

static void classified(struct anz_hosts *t, const struct det_flood_params *p, uint64_t ts,
                       const char *src, const char *dst)
{
    struct flow_evt e;
    struct det_ctx c;
    struct det_hit hit;

    tev(&e, FLOW_EVT_CLASSIFIED, ts, src, 1024, dst, 443, 6);
    e.rec.dst_pkts = 3;
    e.rec.src_pkts = 3;               /* a real client completed the handshake */
    e.rec.tcp_flags_src = DET_TCP_SYN | DET_TCP_ACK;
    tctx(&c, t, &e, T0);
    assert_false(det_flood_eval(p, &c, true, &hit));
}

static void test_spoofed_syn_flood_blames_victim(void **state)
{
    struct anz_hosts *t = anz_hosts_create(100000, 100);
    struct det_flood_params p;
    struct det_hit hit;
    char src[32];
    unsigned i;
    bool fired = false;

    (void)state;
    tdefaults(ANZ_FLOOD, &p);
    for (i = 0; i < 3000 && !fired; i++) {
        snprintf(src, sizeof(src), "203.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        fired = start(t, &p, T0 + i * 1000, src, "10.10.0.80", 80, &hit);
    }
    assert_true(fired);
    assert_int_equal(i, 2000);
    assert_int_equal(hit.blame, ANZ_BLAME_DST);
    assert_string_equal(det_ip(&hit.dst, 0), "10.10.0.80");
    assert_int_equal(hit.crit, 5);
    assert_non_null(strstr(hit.reason, "10.10.0.80 received 2000 SYN"));
    anz_hosts_destroy(t);
}

static void test_busy_server_quiet(void **state)
{
    struct anz_hosts *t = anz_hosts_create(100000, 100);
    struct det_flood_params p;
    struct det_hit hit;
    char src[32];
    unsigned i;

    (void)state;
    tdefaults(ANZ_FLOOD, &p);
    /* 5000 real clients in 5 s, every connection answered */
    for (i = 0; i < 5000; i++) {
        tip_n(src, sizeof(src), "10.20", i);
        assert_false(start(t, &p, T0 + i * 1000, src, "172.16.0.10", 443, &hit));
        classified(t, &p, T0 + i * 1000 + 500, src, "172.16.0.10");
    }
    anz_hosts_destroy(t);
}

static void test_single_flow_rate(void **state)
{
    struct anz_hosts *t = anz_hosts_create(100, 100);
    struct det_flood_params p;
    struct det_hit hit;
    struct flow_evt e;
    struct det_ctx c;

    (void)state;
    tdefaults(ANZ_FLOOD, &p);
    tev(&e, FLOW_EVT_END, T0 + 10 * SEC, "198.51.100.1", 5353, "10.10.0.5", 53, 17);
    e.rec.ts_start_us = T0;
    e.rec.src_pkts = 200000;          /* 20 kpps for 10 s, no reply */
    tctx(&c, t, &e, T0);
    assert_true(det_flood_eval(&p, &c, true, &hit));
    assert_string_equal(det_ip(&hit.dst, 0), "10.10.0.5");
    e.rec.dst_pkts = 190000;          /* a bulk transfer that is answered: not a flood */
    assert_false(det_flood_eval(&p, &c, true, &hit));
    anz_hosts_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spoofed_syn_flood_blames_victim),
        cmocka_unit_test(test_busy_server_quiet),
        cmocka_unit_test(test_single_flow_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
