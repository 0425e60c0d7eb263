/* tests/analyzers/test_det_dns_tunnel.c: iodine-like queries vs. office browsing. */
#include <stdio.h>

#include "anz_test.h"
#include "det_dns_tunnel.h"

static bool query(struct anz_hosts *t, const struct det_dns_tunnel_params *p, uint64_t ts,
                  const char *client, const char *name, uint16_t qtype, struct det_hit *hit)
{
    static struct flow_evt e;       /* large: keep it off the stack */
    struct det_ctx c;

    tev(&e, FLOW_EVT_DNS, ts, client, 33000, "10.10.0.53", 53, 17);
    e.dns_from_src = true;
    e.dns.n_questions = 1;
    e.dns.msg_len = (uint32_t)strlen(name) + 30;
    snprintf(e.dns.questions[0].name, sizeof(e.dns.questions[0].name), "%s", name);
    e.dns.questions[0].qtype = qtype;
    tctx(&c, t, &e, T0);
    return det_dns_tunnel_eval(p, &c, true, hit);
}

static void test_regdom_and_entropy(void **state)
{
    const char *n = "a.b.example.co.uk";

    (void)state;
    assert_string_equal(n + det_dns_tunnel_regdom(n), "example.co.uk");
    n = "x.y.example.com";
    assert_string_equal(n + det_dns_tunnel_regdom(n), "example.com");
    assert_int_equal(det_dns_tunnel_regdom("com"), 0);
    assert_true(det_dns_tunnel_entropy("aaaa", 4) < 0.01);
    assert_true(det_dns_tunnel_entropy("abcd", 4) > 1.99);
}

static void test_tunnel_fires(void **state)
{
    struct anz_hosts *t = anz_hosts_create(100, 100);
    struct det_dns_tunnel_params p;
    struct det_hit hit;
    char name[200], lab[64];
    unsigned i, j;
    bool fired = false;
    uint64_t x = 88172645463325252ull;

    (void)state;
    tdefaults(ANZ_DNS_TUNNEL, &p);
    for (i = 0; i < 200 && !fired; i++) {
        for (j = 0; j < 50; j++) {      /* base32-looking random label */
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            lab[j] = "abcdefghijklmnopqrstuvwxyz234567"[x % 32];
        }
        lab[50] = '\0';
        snprintf(name, sizeof(name), "%s.t.tunnel-example.net", lab);
        fired = query(t, &p, T0 + i * 100000, "10.20.1.15", name, 10, &hit);
    }
    assert_true(fired);
    assert_in_range(i, 40, 60);
    assert_string_equal(det_ip(&hit.src, 0), "10.20.1.15");
    assert_non_null(strstr(hit.reason, "under tunnel-example.net"));
    assert_non_null(strstr(hit.evidence, "\"domain\":\"tunnel-example.net\""));
    anz_hosts_destroy(t);
}

static void test_browsing_quiet(void **state)
{
    struct anz_hosts *t = anz_hosts_create(100, 100);
    struct det_dns_tunnel_params p;
    struct det_hit hit;
    char name[200];
    unsigned i;
    static const char *const sites[] = {"www.example.com", "cdn.example.net", "mail.bank.co.uk",
                                        "api.vendor.io", "login.microsoftonline.com"};

    (void)state;
    tdefaults(ANZ_DNS_TUNNEL, &p);
    for (i = 0; i < 2000; i++) {
        if (i % 3 == 0)                 /* CDN shards: many names, short, low entropy */
            snprintf(name, sizeof(name), "img%u.static.example.org", i % 40);
        else
            snprintf(name, sizeof(name), "%s", sites[i % 5]);
        assert_false(query(t, &p, T0 + i * 100000, "10.20.1.16", name, 1, &hit));
    }
    for (i = 0; i < 1000; i++) {        /* reverse lookups of a log server */
        snprintf(name, sizeof(name), "%u.%u.20.10.in-addr.arpa", i % 250, i / 250);
        assert_false(query(t, &p, T0 + i * 1000, "10.20.1.17", name, 12, &hit));
    }
    anz_hosts_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regdom_and_entropy),
        cmocka_unit_test(test_tunnel_fires),
        cmocka_unit_test(test_browsing_quiet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
