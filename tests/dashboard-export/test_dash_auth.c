/* tests/dashboard-export/test_dash_auth.c: listen addresses, loopback policy,
 * constant-time token checks, path parameter validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "dash_api.h"
#include "dash_auth.h"
#include "fw_err.h"
#include "fw_ip.h"

static void test_listen_forms(void **state)
{
    struct dash_listen l;
    struct sockaddr_in *a4 = (struct sockaddr_in *)&l.addr;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&l.addr;

    (void)state;
    assert_int_equal(dash_listen_parse("127.0.0.1:8080", &l), 0);
    assert_int_equal(l.addr.ss_family, AF_INET);
    assert_int_equal(ntohs(a4->sin_port), 8080);
    assert_true(l.loopback);
    assert_int_equal(dash_listen_parse("127.9.9.9:1", &l), 0);
    assert_true(l.loopback);
    assert_int_equal(dash_listen_parse("localhost:9000", &l), 0);
    assert_true(l.loopback);
    assert_int_equal(dash_listen_parse(":9000", &l), 0);         /* bare port: loopback */
    assert_true(l.loopback);
    assert_int_equal(dash_listen_parse("0.0.0.0:8080", &l), 0);
    assert_false(l.loopback);
    assert_int_equal(dash_listen_parse("10.1.2.3:443", &l), 0);
    assert_false(l.loopback);
    assert_int_equal(dash_listen_parse("[::1]:8080", &l), 0);
    assert_int_equal(l.addr.ss_family, AF_INET6);
    assert_int_equal(ntohs(a6->sin6_port), 8080);
    assert_true(l.loopback);
    assert_int_equal(dash_listen_parse("[::]:8080", &l), 0);
    assert_false(l.loopback);
}

static void test_listen_rejects(void **state)
{
    static const char *const bad[] = {
        "", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:80x",
        "127.0.0.1:-1", "::1:8080", "[::1]8080", "[::1:8080", "host.example:80",
        "999.1.1.1:80", "127.0.0.1: 80",
    };
    struct dash_listen l;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(dash_listen_parse(bad[i], &l), FW_EINVAL);
    assert_int_equal(dash_listen_parse(NULL, &l), FW_EINVAL);
}

static void test_token_equal(void **state)
{
    (void)state;
    assert_true(dash_token_equal("s3cret", "s3cret"));
    assert_false(dash_token_equal("s3cret", "s3cre"));
    assert_false(dash_token_equal("s3cret", "s3cretX"));
    assert_false(dash_token_equal("s3cret", "S3cret"));
    assert_false(dash_token_equal("s3cret", ""));
    assert_false(dash_token_equal("", ""));             /* an empty token never matches */
}

static void test_auth_ok(void **state)
{
    (void)state;
    assert_true(dash_auth_ok(NULL, NULL, NULL));         /* no token configured */
    assert_true(dash_auth_ok("", NULL, NULL));
    assert_false(dash_auth_ok("tok", NULL, NULL));
    assert_true(dash_auth_ok("tok", "Bearer tok", NULL));
    assert_true(dash_auth_ok("tok", "bearer tok", NULL));
    assert_false(dash_auth_ok("tok", "Bearer nope", NULL));
    assert_false(dash_auth_ok("tok", "Basic dG9rOg==", NULL));
    assert_false(dash_auth_ok("tok", "tok", NULL));      /* scheme required */
    assert_true(dash_auth_ok("tok", NULL, "tok"));       /* EventSource ?token= */
    assert_false(dash_auth_ok("tok", NULL, "tokk"));
    assert_true(dash_auth_ok("tok", "Bearer wrong", "tok"));
}

static void test_parse_ip(void **state)
{
    char buf[FW_IP_STRLEN];

    (void)state;
    assert_int_equal(dash_parse_ip("10.1.0.5", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "10.1.0.5");
    assert_int_equal(dash_parse_ip("2001:DB8:0:0::1", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "2001:db8::1");            /* canonical, as the exporter keys */
    assert_int_equal(dash_parse_ip("10.1.0.x", buf, sizeof(buf)), FW_EINVAL);
    assert_int_equal(dash_parse_ip("10.1.0.5/24", buf, sizeof(buf)), FW_EINVAL);
    assert_int_equal(dash_parse_ip("../../etc/passwd", buf, sizeof(buf)), FW_EINVAL);
    assert_int_equal(dash_parse_ip("*", buf, sizeof(buf)), FW_EINVAL);
    assert_int_equal(dash_parse_ip("", buf, sizeof(buf)), FW_EINVAL);
    assert_int_equal(dash_parse_ip("10.1.0.5 ", buf, sizeof(buf)), FW_EINVAL);
}

static void test_parse_count(void **state)
{
    unsigned n;

    (void)state;
    assert_int_equal(dash_parse_count(NULL, 50, 500, &n), 0);
    assert_int_equal(n, 50);
    assert_int_equal(dash_parse_count("7", 50, 500, &n), 0);
    assert_int_equal(n, 7);
    assert_int_equal(dash_parse_count("500", 50, 500, &n), 0);
    assert_int_equal(dash_parse_count("501", 50, 500, &n), FW_EINVAL);
    assert_int_equal(dash_parse_count("0", 50, 500, &n), FW_EINVAL);
    assert_int_equal(dash_parse_count("-1", 50, 500, &n), FW_EINVAL);
    assert_int_equal(dash_parse_count("+5", 50, 500, &n), FW_EINVAL);
    assert_int_equal(dash_parse_count("5x", 50, 500, &n), FW_EINVAL);
    assert_int_equal(dash_parse_count("99999999999999999999", 50, 500, &n), FW_EINVAL);
}

static void test_severity_bands(void **state)
{
    (void)state;
    assert_string_equal(dash_severity_name(0), "low");
    assert_string_equal(dash_severity_name(39.99), "low");
    assert_string_equal(dash_severity_name(40), "medium");
    assert_string_equal(dash_severity_name(69.9), "medium");
    assert_string_equal(dash_severity_name(70), "high");
    assert_string_equal(dash_severity_name(89.9), "high");
    assert_string_equal(dash_severity_name(90), "critical");
    assert_string_equal(dash_severity_name(250), "critical");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listen_forms),   cmocka_unit_test(test_listen_rejects),
        cmocka_unit_test(test_token_equal),    cmocka_unit_test(test_auth_ok),
        cmocka_unit_test(test_parse_ip),       cmocka_unit_test(test_parse_count),
        cmocka_unit_test(test_severity_bands),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
