/* tests/analyzers/test_det_zone_policy.c: denied zone pair vs. allowed traffic. */
#include "anz_test.h"
#include "det_zone_policy.h"

static void test_denied_fires_allowed_quiet(void **state)
{
    struct anz_hosts *t = anz_hosts_create(100, 100);
    struct det_zone_policy_params p;
    struct det_hit hit, hit2;
    struct flow_evt e;
    struct det_ctx c;

    (void)state;
    tdefaults(ANZ_ZONE_POLICY, &p);
    tev(&e, FLOW_EVT_START, T0, "10.20.1.1", 50000, "10.10.1.1", 443, 6);
    tctx(&c, t, &e, T0);
    assert_false(det_zone_policy_eval(&p, &c, true, &hit));   /* allowed */
    c.denied = true;                    /* what fw_config_denied would say */
    assert_true(det_zone_policy_eval(&p, &c, true, &hit));
    assert_string_equal(det_ip(&hit.src, 0), "10.20.1.1");
    assert_non_null(strstr(hit.reason, "(office)"));
    assert_non_null(strstr(hit.reason, "(core)"));
    assert_int_equal(hit.crit, 5);
    /* the same source again: same key, so one alert per window */
    e.rec.dport = 22;
    assert_true(det_zone_policy_eval(&p, &c, true, &hit2));
    assert_true(hit.key == hit2.key);
    e.type = FLOW_EVT_END;              /* only flow starts count */
    assert_false(det_zone_policy_eval(&p, &c, true, &hit));
    anz_hosts_destroy(t);
}

/* A UDP probe of a closed port comes back as ICMP port unreachable from the
 * probed host: that flow starts at the victim, and must not blame it for
 * "connecting" into a denied zone. An echo request it sends itself does. */
static void test_icmp_error_is_a_reply(void **state)
{
    struct anz_hosts *t = anz_hosts_create(100, 100);
    struct det_zone_policy_params p;
    struct det_hit hit;
    struct flow_evt e;
    struct det_ctx c;
    static const struct {
        uint8_t proto;
        uint16_t type;
        bool fires;
    } cases[] = {
        {1, 3, false},          /* destination unreachable */
        {1, 11, false},         /* time exceeded */
        {1, 12, false},         /* parameter problem */
        {58, 1, false},         /* ICMPv6 destination unreachable */
        {58, 3, false},         /* ICMPv6 time exceeded */
        {1, 8, true},           /* echo request: its own doing */
        {1, 0, true},           /* an unsolicited echo reply too */
        {58, 128, true},        /* ICMPv6 echo request */
    };
    size_t i;

    (void)state;
    tdefaults(ANZ_ZONE_POLICY, &p);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tev(&e, FLOW_EVT_START, T0, "10.10.1.1", cases[i].type, "203.0.113.9", 3,
            cases[i].proto);
        tctx(&c, t, &e, T0);
        c.denied = true;
        assert_int_equal(det_zone_policy_eval(&p, &c, true, &hit), cases[i].fires);
    }
    anz_hosts_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_denied_fires_allowed_quiet),
        cmocka_unit_test(test_icmp_error_is_a_reply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
