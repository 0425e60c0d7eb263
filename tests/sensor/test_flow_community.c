/* tests/sensor/test_flow_community.c: Community ID v1 against published vectors
 * (community-id-spec README and the baselines other implementations test with). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "flow_community.h"
#include "fw_err.h"
#include "fw_ip.h"

static void cid(const char *s, const char *d, uint16_t sp, uint16_t dp, uint8_t proto,
                uint16_t seed, char *out)
{
    struct fw_ip a, b;

    assert_int_equal(fw_ip_parse(s, &a), 0);
    assert_int_equal(fw_ip_parse(d, &b), 0);
    assert_int_equal(flow_community_id(&a, &b, sp, dp, proto, seed, out, FLOW_COMMUNITY_LEN), 0);
}

static void test_tcp4_spec_vector(void **state)
{
    char out[FLOW_COMMUNITY_LEN];

    (void)state;
    cid("128.232.110.120", "66.35.250.204", 34855, 80, 6, 0, out);
    assert_string_equal(out, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    /* the reply direction hashes to the same id */
    cid("66.35.250.204", "128.232.110.120", 80, 34855, 6, 0, out);
    assert_string_equal(out, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
}

static void test_tcp4_seed(void **state)
{
    char out[FLOW_COMMUNITY_LEN];

    (void)state;
    cid("128.232.110.120", "66.35.250.204", 34855, 80, 6, 1, out);
    assert_string_not_equal(out, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    assert_int_equal(strlen(out), 30);
}

static void test_udp4(void **state)
{
    char out[FLOW_COMMUNITY_LEN];

    (void)state;
    cid("192.168.1.52", "8.8.8.8", 54585, 53, 17, 0, out);
    assert_string_equal(out, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=");
}

static void test_tcp6(void **state)
{
    char out[FLOW_COMMUNITY_LEN];

    (void)state;
    cid("2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, 6, 0,
        out);
    assert_string_equal(out, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=");
}

static void test_sctp_both_ways(void **state)
{
    char out[FLOW_COMMUNITY_LEN];

    (void)state;
    cid("192.168.170.8", "192.168.170.56", 7, 80, 132, 0, out);
    assert_string_equal(out, "1:jQgCxbku+pNGw8WPbEc/TS/uTpQ=");
    cid("192.168.170.56", "192.168.170.8", 80, 7, 132, 0, out);
    assert_string_equal(out, "1:jQgCxbku+pNGw8WPbEc/TS/uTpQ=");
}

static void test_icmp4_echo_pair(void **state)
{
    char req[FLOW_COMMUNITY_LEN], rep[FLOW_COMMUNITY_LEN];

    (void)state;
    cid("192.168.0.89", "192.168.0.1", 8, 0, 1, 0, req);
    assert_string_equal(req, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
    /* the echo reply (type 0) maps to the same flow */
    cid("192.168.0.1", "192.168.0.89", 0, 0, 1, 0, rep);
    assert_string_equal(rep, req);
}

static void test_icmp6_one_way(void **state)
{
    char out[FLOW_COMMUNITY_LEN], rev[FLOW_COMMUNITY_LEN];

    (void)state;
    /* type 3 (time exceeded) has no counterpart: order is kept as sent */
    cid("3ffe:501:0:1802:260:97ff:feb6:7ff0", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0, 58, 0,
        out);
    assert_string_equal(out, "1:bnQKq8A2r//dWnkRW2EYcMhShjc=");
    cid("3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1802:260:97ff:feb6:7ff0", 3, 0, 58, 0,
        rev);
    assert_string_not_equal(rev, out);
}

static void test_rejects_bad_input(void **state)
{
    struct fw_ip a, b;
    char small[8], out[FLOW_COMMUNITY_LEN];

    (void)state;
    assert_int_equal(fw_ip_parse("10.0.0.1", &a), 0);
    assert_int_equal(fw_ip_parse("::1", &b), 0);
    assert_int_equal(flow_community_id(&a, &b, 1, 2, 6, 0, out, sizeof(out)), FW_EINVAL);
    assert_int_equal(flow_community_id(&a, &a, 1, 2, 6, 0, small, sizeof(small)), FW_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp4_spec_vector),
        cmocka_unit_test(test_tcp4_seed),
        cmocka_unit_test(test_udp4),
        cmocka_unit_test(test_tcp6),
        cmocka_unit_test(test_sctp_both_ways),
        cmocka_unit_test(test_icmp4_echo_pair),
        cmocka_unit_test(test_icmp6_one_way),
        cmocka_unit_test(test_rejects_bad_input),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
