/* tests/analyzers/test_det_new_asset.c: first sight after learning, critical zones only. */
#include <stdio.h>

#include "anz_test.h"
#include "det_new_asset.h"

static bool session(struct anz_hosts *t, const struct det_new_asset_params *p, uint64_t ts,
                    const char *src, const char *dst, uint16_t dport, struct det_hit *hit)
{
    struct flow_evt e;
    struct det_ctx c;

    tev(&e, FLOW_EVT_END, ts, src, 50000, dst, dport, 6);
    e.rec.src_pkts = 5;
    e.rec.dst_pkts = 5;
    e.rec.tcp_flags_src = DET_TCP_SYN | DET_TCP_ACK;
    e.rec.tcp_flags_dst = DET_TCP_SYN | DET_TCP_ACK;
    tctx(&c, t, &e, T0);
    return det_new_asset_eval(p, &c, true, hit);
}

static void test_new_host_and_service(void **state)
{
    struct anz_hosts *t = anz_hosts_create(100, 100);
    struct det_new_asset_params p;
    struct det_hit hit;
    uint64_t later = T0 + 2 * 3600 * SEC;

    (void)state;
    tdefaults(ANZ_NEW_ASSET, &p);
    /* learning: these are known */
    assert_false(session(t, &p, T0, "10.20.1.1", "10.10.1.1", 443, &hit));
    assert_false(session(t, &p, T0 + SEC, "10.20.1.1", "10.10.1.1", 443, &hit));
    /* known host and service again: quiet */
    assert_false(session(t, &p, later, "10.20.1.1", "10.10.1.1", 443, &hit));
    /* a new server in core */
    assert_true(session(t, &p, later, "10.20.1.1", "10.10.1.99", 443, &hit));
    assert_int_equal(hit.blame, ANZ_BLAME_DST);
    assert_non_null(strstr(hit.reason, "new host 10.10.1.99 appeared in zone core"));
    /* a new service on the known server */
    assert_true(session(t, &p, later, "10.20.1.1", "10.10.1.1", 4444, &hit));
    assert_non_null(strstr(hit.reason, "new service 10.10.1.1:4444/tcp"));
    /* a new office laptop: criticality 2, not watched */
    assert_false(session(t, &p, later, "10.20.1.77", "10.10.1.1", 443, &hit));
    anz_hosts_destroy(t);
}

/* A table of 4 hosts and 4 pairs: learning sees 20 core servers, whose
 * entries are evicted as the later ones come in. After learning they come
 * back: still known (no alert for any of them), while a server never seen
 * is new. */
static void test_evicted_hosts_are_not_new_again(void **state)
{
    struct anz_hosts *t = anz_hosts_create(4, 4);
    struct det_new_asset_params p;
    struct det_hit hit;
    uint64_t later = T0 + 2 * 3600 * SEC;
    char dst[32];
    unsigned i;

    (void)state;
    tdefaults(ANZ_NEW_ASSET, &p);
    for (i = 0; i < 20; i++) {
        snprintf(dst, sizeof(dst), "10.10.1.%u", 100 + i);
        assert_false(session(t, &p, T0 + i * SEC, "10.20.1.1", dst, 443, &hit));
    }
    assert_true(anz_hosts_evicted(t) > 0);
    for (i = 0; i < 20; i++) {
        snprintf(dst, sizeof(dst), "10.10.1.%u", 100 + i);
        if (session(t, &p, later + i * SEC, "10.20.1.1", dst, 443, &hit))
            fail_msg("%u: %s", i, hit.reason);
    }
    assert_true(session(t, &p, later + 30 * SEC, "10.20.1.1", "10.10.1.200", 443, &hit));
    assert_non_null(strstr(hit.reason, "new host 10.10.1.200"));
    anz_hosts_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_host_and_service),
        cmocka_unit_test(test_evicted_hosts_are_not_new_again),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
