/* tests/sensor/test_meta_http.c: meta_http_parse_request()/_response() on
 * valid, cut, malformed and hostile HTTP/1.x heads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meta_parse.h"

/* A browser-like GET with mixed-case header names and padded values. */
static const char get_req[] =
    "GET /index.html?q=1 HTTP/1.1\r\n"
    "hOST:   www.example.com \r\n"
    "Accept: */*\r\n"
    "USER-AGENT: Mozilla/5.0 (X11)\t\r\n"
    "\r\n"
    "Host: evil.example\r\n";

static bool parse_req(const char *s, struct meta_http *h)
{
    memset(h, 0, sizeof(*h));
    return meta_http_parse_request((const uint8_t *)s, strlen(s), h);
}

static void test_request(void **state)
{
    struct meta_http h;

    (void)state;
    assert_true(parse_req(get_req, &h));
    assert_string_equal(h.method, "GET");
    assert_string_equal(h.url, "/index.html?q=1");
    assert_string_equal(h.host, "www.example.com");
    assert_string_equal(h.user_agent, "Mozilla/5.0 (X11)");
    assert_int_equal(h.status, 0);
}

static void test_request_variants(void **state)
{
    struct meta_http h;

    (void)state;
    /* bare LF, HTTP/1.0, no headers */
    assert_true(parse_req("POST /api HTTP/1.0\nHost: a\n\n", &h));
    assert_string_equal(h.method, "POST");
    assert_string_equal(h.host, "a");
    /* CONNECT authority form, first Host wins */
    assert_true(parse_req("CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\nHost: y\r\n\r\n", &h));
    assert_string_equal(h.url, "x:443");
    assert_string_equal(h.host, "x:443");
    /* a header line without ':' ends header parsing, keeps what came before */
    assert_true(parse_req("GET / HTTP/1.1\r\nHost: h\r\nbogus line\r\nUser-Agent: u\r\n", &h));
    assert_string_equal(h.host, "h");
    assert_string_equal(h.user_agent, "");
    /* empty Host value */
    assert_true(parse_req("GET / HTTP/1.1\r\nHost:\r\n\r\n", &h));
    assert_string_equal(h.host, "");
}

/* Control bytes in the target (null-byte injection and the like) do not hide
 * the request: they are kept percent-encoded, and the rest of the URL too. */
static void test_control_bytes_in_target(void **state)
{
    static const char req[] = "GET /admin\x00.php?a=\x01\x7f HTTP/1.1\r\nHost: h\r\n\r\n";
    struct meta_http h;
    char big[400];
    int i;

    (void)state;
    assert_true(meta_http_parse_request((const uint8_t *)req, sizeof(req) - 1, &h));
    assert_string_equal(h.url, "/admin%00.php?a=%01%7F");
    assert_string_equal(h.host, "h");
    assert_int_equal(h.ctl, META_HTTP_CTL_URL);
    /* a long target of control bytes is cut at the field size, never mid-escape */
    memcpy(big, "GET /", 5);
    for (i = 5; i < 305; i++)
        big[i] = 0x02;
    memcpy(big + 305, " HTTP/1.1\r\n\r\n", 13);
    assert_true(meta_http_parse_request((const uint8_t *)big, 318, &h));
    assert_int_equal(strlen(h.url), 1 + 3 * 84);
    assert_int_equal(strncmp(h.url, "/%02%02", 7), 0);
    assert_int_equal(h.ctl, META_HTTP_CTL_URL);
}

/* h->ctl tells raw control bytes (the grammar broken: an attack or a broken
 * client) from a client's own %00 and from HTAB, which field values allow. */
static void test_control_byte_flags(void **state)
{
    static const char host_nul[] = "GET / HTTP/1.1\r\nHost: bank.example\x00.evil\r\n\r\n";
    struct meta_http h;
    char big[400];

    (void)state;
    assert_true(parse_req("GET /a%00.php HTTP/1.1\r\nHost: h\r\n"
                          "User-Agent: Mozilla/5.0\t(X11)\r\n\r\n", &h));
    assert_string_equal(h.url, "/a%00.php");
    assert_int_equal(h.ctl, 0);
    assert_true(meta_http_parse_request((const uint8_t *)host_nul, sizeof(host_nul) - 1, &h));
    assert_string_equal(h.host, "bank.example");       /* a C string ends at the NUL */
    assert_int_equal(h.ctl, META_HTTP_CTL_HOST);
    assert_true(parse_req("GET /\x1b[2J HTTP/1.1\r\nUser-Agent: a\rb\r\n\r\n", &h));
    assert_int_equal(h.ctl, META_HTTP_CTL_URL | META_HTTP_CTL_UA);
    /* a control byte past what the url field keeps still counts */
    memset(big, 'a', sizeof(big));
    memcpy(big, "GET /", 5);
    big[350] = 0x00;
    memcpy(big + 380, " HTTP/1.1\r\n\r\n", 13);
    assert_true(meta_http_parse_request((const uint8_t *)big, 393, &h));
    assert_null(memchr(h.url, '%', strlen(h.url)));
    assert_int_equal(h.ctl, META_HTTP_CTL_URL);
    /* a parse that fails leaves no flag behind */
    assert_false(parse_req("GET /\x01 HTTP/1.1 junk\r\n\r\n", &h));
    assert_int_equal(h.ctl, 0);
}

static void test_not_http(void **state)
{
    struct meta_http h;

    (void)state;
    assert_false(parse_req("FOO / HTTP/1.1\r\n\r\n", &h));
    assert_false(parse_req("get / HTTP/1.1\r\n\r\n", &h));
    assert_false(parse_req("GET / HTTP/2.0\r\n\r\n", &h));
    assert_false(parse_req("GET  / HTTP/1.1\r\n\r\n", &h));
    assert_false(parse_req("GET / HTTP/1.1 junk\r\n\r\n", &h));
    assert_false(parse_req("GET / HTTP/1.x\r\n\r\n", &h));
    assert_false(parse_req("GET ", &h));
    assert_false(parse_req("", &h));
    assert_string_equal(h.method, "");
    assert_false(meta_http_parse_request(NULL, 0, &h));
}

/* Every prefix of the request: never a crash, and what is filled is always a
 * prefix of the full value. */
static void test_request_cut_everywhere(void **state)
{
    size_t full = strlen(get_req), n;

    (void)state;
    for (n = 0; n <= full; n++) {
        uint8_t *copy = test_malloc(n ? n : 1);
        struct meta_http h;
        bool ok;

        memcpy(copy, get_req, n);
        memset(&h, 0, sizeof(h));
        ok = meta_http_parse_request(copy, n, &h);
        test_free(copy);
        assert_int_equal(ok, n >= 5);               /* "GET /" is the least */
        if (!ok)
            continue;
        assert_string_equal(h.method, "GET");
        assert_memory_equal(h.url, "/index.html?q=1", strlen(h.url));
        assert_memory_equal(h.host, "www.example.com", strlen(h.host));
        assert_memory_equal(h.user_agent, "Mozilla/5.0 (X11)", strlen(h.user_agent));
    }
}

static void test_truncation_to_field(void **state)
{
    char req[1200];
    struct meta_http h;
    size_t n;

    (void)state;
    memcpy(req, "GET /", 5);
    memset(req + 5, 'a', 600);
    n = 605;
    memcpy(req + n, " HTTP/1.1\r\nUser-Agent: ", 23);
    n += 23;
    memset(req + n, 'u', 400);
    n += 400;
    memcpy(req + n, "\r\n\r\n", 5);
    assert_true(parse_req(req, &h));
    assert_int_equal(strlen(h.url), sizeof(h.url) - 1);
    assert_int_equal(strlen(h.user_agent), sizeof(h.user_agent) - 1);
    assert_int_equal(h.url[0], '/');
}

static void test_hostile_header_values(void **state)
{
    /* quote, backslash, UTF-8, 0xff and a control byte inside values: verbatim */
    static const char req[] = "GET / HTTP/1.1\r\nHost: a\"b\\c\xc3\xa9\xff\r\n"
                              "User-Agent: x\x01y\r\n\r\n";
    struct meta_http h;

    (void)state;
    assert_true(parse_req(req, &h));
    assert_string_equal(h.host, "a\"b\\c\xc3\xa9\xff");
    assert_string_equal(h.user_agent, "x\x01y");
    assert_int_equal(h.ctl, META_HTTP_CTL_UA);
}

static bool parse_resp(const char *s, struct meta_http *h)
{
    memset(h, 0, sizeof(*h));
    return meta_http_parse_response((const uint8_t *)s, strlen(s), h);
}

static void test_response(void **state)
{
    struct meta_http h;

    (void)state;
    assert_true(parse_resp("HTTP/1.1 404 Not Found\r\n\r\n", &h));
    assert_int_equal(h.status, 404);
    assert_true(parse_resp("HTTP/1.0 200", &h));
    assert_int_equal(h.status, 200);
    assert_true(parse_resp("HTTP/1.1 301\r\n", &h));
    assert_int_equal(h.status, 301);
    assert_false(parse_resp("HTTP/1.1 20", &h));
    assert_false(parse_resp("HTTP/1.1 999 x", &h));
    assert_false(parse_resp("HTTP/1.1 099 x", &h));
    assert_false(parse_resp("HTTP/1.1 2000", &h));
    assert_false(parse_resp("HTTP/2 200 OK\r\n", &h));
    assert_false(parse_resp("HTTP/1.1 2a0 OK\r\n", &h));
    assert_false(parse_resp("SSH-2.0-x\r\n", &h));
    assert_int_equal(h.status, 0);
}

static void test_response_cut_everywhere(void **state)
{
    static const char resp[] = "HTTP/1.1 503 Service Unavailable\r\n";
    size_t n;

    (void)state;
    for (n = 0; n <= sizeof(resp) - 1; n++) {
        uint8_t *copy = test_malloc(n ? n : 1);
        struct meta_http h;
        bool ok;

        memcpy(copy, resp, n);
        memset(&h, 0, sizeof(h));
        ok = meta_http_parse_response(copy, n, &h);
        test_free(copy);
        assert_int_equal(ok, n >= 12);
        assert_int_equal(h.status, ok ? 503 : 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request),
        cmocka_unit_test(test_request_variants),
        cmocka_unit_test(test_control_bytes_in_target),
        cmocka_unit_test(test_control_byte_flags),
        cmocka_unit_test(test_not_http),
        cmocka_unit_test(test_request_cut_everywhere),
        cmocka_unit_test(test_truncation_to_field),
        cmocka_unit_test(test_hostile_header_values),
        cmocka_unit_test(test_response),
        cmocka_unit_test(test_response_cut_everywhere),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
