/* tests/analyzers/test_det_scan.c: horizontal and vertical scans vs. busy clients. */
#include <stdio.h>

#include "anz_test.h"
#include "det_scan.h"

/* The engine's "would this alert be kept?" hook (det_ctx.wanted), stubbed:
 * answers wanted_answer and records what it was asked. */
static bool wanted_answer = true;
static unsigned wanted_calls;
static uint64_t wanted_key, wanted_window;

static bool wanted_stub(const struct det_ctx *c, uint64_t key, uint64_t window_us)
{
    (void)c;
    wanted_calls++;
    wanted_key = key;
    wanted_window = window_us;
    return wanted_answer;
}

/* One failed attempt (SYN, no answer) or a normal answered session. */
static bool feed(struct anz_hosts *t, const struct det_scan_params *p, uint64_t ts,
                 const char *src, const char *dst, uint16_t dport, bool failed,
                 struct det_hit *hit)
{
    struct flow_evt e;
    struct det_ctx c;

    tev(&e, FLOW_EVT_END, ts, src, 40000, dst, dport, 6);
    e.rec.src_pkts = failed ? 1 : 10;
    e.rec.tcp_flags_src = DET_TCP_SYN;
    if (!failed) {
        e.rec.dst_pkts = 10;
        e.rec.tcp_flags_dst = DET_TCP_SYN | DET_TCP_ACK;
    }
    tctx(&c, t, &e, T0);
    c.wanted = wanted_stub;
    return det_scan_eval(p, &c, true, hit);
}

static void test_horizontal_fires(void **state)
{
    struct anz_hosts *t = anz_hosts_create(1000, 1000);
    struct det_scan_params p;
    struct det_hit hit;
    char dst[32];
    unsigned i;
    bool fired = false;

    (void)state;
    tdefaults(ANZ_SCAN, &p);
    for (i = 0; i < 60 && !fired; i++) {
        tip_n(dst, sizeof(dst), "10.10", i + 1);
        fired = feed(t, &p, T0 + i * 100000, "10.20.0.7", dst, 445, true, &hit);
    }
    assert_true(fired);
    assert_in_range(i, 45, 55);             /* min_hosts, as estimated */
    assert_string_equal(det_ip(&hit.src, 0), "10.20.0.7");
    assert_int_equal(hit.blame, ANZ_BLAME_SRC);
    assert_int_equal(hit.dport, 445);
    assert_non_null(strstr(hit.reason, "10.20.0.7 probed "));
    assert_non_null(strstr(hit.evidence, "\"type\":\"horizontal\""));
    anz_hosts_destroy(t);
}

/* A hit the engine would drop (de-duplicated) is neither reported nor
 * formatted, and the scan state still advances: once the engine wants it
 * again, the next failed attempt fires with the key it was asked about. */
static void test_unwanted_hit_not_formatted(void **state)
{
    struct anz_hosts *t = anz_hosts_create(1000, 1000);
    struct det_scan_params p;
    struct det_hit hit;
    char dst[32];
    unsigned i, calls;

    (void)state;
    tdefaults(ANZ_SCAN, &p);
    wanted_answer = false;
    wanted_calls = 0;
    memset(&hit, 0, sizeof(hit));
    for (i = 0; i < 80; i++) {
        tip_n(dst, sizeof(dst), "10.10", i + 1);
        assert_false(feed(t, &p, T0 + i * 100000, "10.20.0.7", dst, 445, true, &hit));
    }
    assert_true(wanted_calls > 20);         /* asked on every attempt past min_hosts */
    assert_int_equal(hit.reason[0], '\0');  /* nothing formatted */
    calls = wanted_calls;
    wanted_answer = true;
    assert_true(feed(t, &p, T0 + 81 * 100000, "10.20.0.7", "10.10.0.200", 445, true, &hit));
    assert_int_equal(wanted_calls, calls + 1);
    assert_true(hit.key == wanted_key);
    assert_true(hit.window_us == wanted_window);
    assert_non_null(strstr(hit.reason, "10.20.0.7 probed "));
    anz_hosts_destroy(t);
}

static void test_vertical_fires(void **state)
{
    struct anz_hosts *t = anz_hosts_create(1000, 1000);
    struct det_scan_params p;
    struct det_hit hit;
    unsigned i;
    bool fired = false;

    (void)state;
    tdefaults(ANZ_SCAN, &p);
    for (i = 0; i < 200 && !fired; i++)
        fired = feed(t, &p, T0 + i * 1000, "192.0.2.9", "10.10.1.1", (uint16_t)(1 + i), true,
                     &hit);
    assert_true(fired);
    assert_in_range(i, 90, 110);
    assert_string_equal(det_ip(&hit.dst, 0), "10.10.1.1");
    assert_non_null(strstr(hit.reason, "ports on 10.10.1.1"));
    anz_hosts_destroy(t);
}

static void test_busy_client_quiet(void **state)
{
    struct anz_hosts *t = anz_hosts_create(1000, 1000);
    struct det_scan_params p;
    struct det_hit hit;
    char dst[32];
    unsigned i;

    (void)state;
    tdefaults(ANZ_SCAN, &p);
    /* a proxy talking to 500 web servers, all answering, plus a few failures */
    for (i = 0; i < 500; i++) {
        tip_n(dst, sizeof(dst), "198.51", i);
        assert_false(feed(t, &p, T0 + i * 10000, "10.20.0.8", dst, 443, i % 50 == 0, &hit));
    }
    /* failures spread over windows never add up */
    for (i = 0; i < 100; i++) {
        tip_n(dst, sizeof(dst), "10.10", i);
        assert_false(feed(t, &p, T0 + 120 * SEC * i, "10.20.0.9", dst, 445, true, &hit));
    }
    anz_hosts_destroy(t);
}

/* A host answering a UDP sweep sends port unreachables to the scanner; a
 * router sends time exceeded to a traceroute. Those unanswered ICMP errors are
 * replies, not probes: a host sending them to 80 peers is no scanner, while the
 * same host pinging 80 silent peers is one. */
static bool feed_icmp(struct anz_hosts *t, const struct det_scan_params *p, uint64_t ts,
                      const char *dst, uint16_t type, struct det_hit *hit)
{
    struct flow_evt e;
    struct det_ctx c;

    tev(&e, FLOW_EVT_END, ts, "10.10.4.4", type, dst, 3, 1);
    e.rec.src_pkts = 1;
    tctx(&c, t, &e, T0);
    return det_scan_eval(p, &c, true, hit);
}

static void test_icmp_errors_are_no_scan(void **state)
{
    struct anz_hosts *t = anz_hosts_create(1000, 1000);
    struct det_scan_params p;
    struct det_hit hit;
    char dst[32];
    unsigned i;
    bool fired = false;

    (void)state;
    tdefaults(ANZ_SCAN, &p);
    for (i = 0; i < 80; i++) {
        tip_n(dst, sizeof(dst), "10.20", i + 1);
        fired |= feed_icmp(t, &p, T0 + i * 100000, dst, 3, &hit);
        fired |= feed_icmp(t, &p, T0 + i * 100000 + 1, dst, 11, &hit);
    }
    assert_false(fired);
    for (i = 0; i < 80 && !fired; i++) {
        tip_n(dst, sizeof(dst), "10.30", i + 1);
        fired = feed_icmp(t, &p, T0 + 9000000 + i * 100000, dst, 8, &hit);
    }
    assert_true(fired);                 /* a ping sweep is one */
    assert_string_equal(det_ip(&hit.src, 0), "10.10.4.4");
    anz_hosts_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_horizontal_fires),
        cmocka_unit_test(test_vertical_fires),
        cmocka_unit_test(test_unwanted_hit_not_formatted),
        cmocka_unit_test(test_busy_client_quiet),
        cmocka_unit_test(test_icmp_errors_are_no_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
