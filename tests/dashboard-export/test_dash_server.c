/* tests/dashboard-export/test_dash_server.c: the HTTP server end to end on a
 * loopback port with a real redis-server: routing, status codes, security
 * headers, method and path validation, token auth, the SSE stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dash_test.h"

#include <sys/time.h>

#include "dash_server.h"

#define RESP_MAX 65536

static char resp[RESP_MAX];

static struct dash_server *start(const char *token, const char *url, int *port)
{
    char listen[64], err[512];
    struct dash_opts o = {.token = token, .redis_url = url, .prefix = "fw:"};
    struct dash_server *s;

    *port = th_free_port();
    snprintf(listen, sizeof(listen), "127.0.0.1:%d", *port);
    o.listen = listen;
    s = dash_server_create(&o, err, sizeof(err));
    if (!s)
        fail_msg("dash_server_create: %s", err);
    assert_int_equal(dash_server_port(s), *port);
    return s;
}

static bool has_header(const char *r, const char *line)
{
    const char *end = strstr(r, "\r\n\r\n");
    const char *p = strstr(r, line);

    return p && end && p < end;
}

static void check_security_headers(const char *r)
{
    assert_true(has_header(r, "Content-Security-Policy: default-src 'self'; "
                              "frame-ancestors 'none'\r\n"));
    assert_true(has_header(r, "X-Frame-Options: DENY\r\n"));
    assert_true(has_header(r, "X-Content-Type-Options: nosniff\r\n"));
    assert_true(has_header(r, "Referrer-Policy: no-referrer\r\n"));
}

static void test_routes_and_headers(void **state)
{
    struct dash_server *s;
    int port;

    (void)state;
    DT_NEED_REDIS();
    s = start(NULL, dt_url, &port);
    assert_int_equal(dt_http(port, "GET", "/", NULL, resp, sizeof(resp)), 200);
    check_security_headers(resp);
    assert_true(has_header(resp, "Content-Type: text/html"));
    assert_non_null(strstr(dt_body(resp), "<script src=\"app.js\""));
    assert_int_equal(dt_http(port, "GET", "/app.js", NULL, resp, sizeof(resp)), 200);
    assert_true(has_header(resp, "Content-Type: text/javascript"));
    check_security_headers(resp);
    assert_int_equal(dt_http(port, "HEAD", "/app.css", NULL, resp, sizeof(resp)), 200);
    assert_string_equal(dt_body(resp), "");
    assert_int_equal(dt_http(port, "GET", "/api/map", NULL, resp, sizeof(resp)), 200);
    check_security_headers(resp);
    assert_true(has_header(resp, "Cache-Control: no-store\r\n"));
    assert_true(has_header(resp, "Content-Type: application/json"));
    assert_non_null(strstr(dt_body(resp), "\"ip\":\"10.1.0.5\""));
    assert_int_equal(dt_http(port, "GET", "/api/alerts?count=1", NULL, resp, sizeof(resp)),
                     200);
    assert_non_null(strstr(dt_body(resp), "a-003"));
    assert_null(strstr(dt_body(resp), "a-002"));
    assert_int_equal(dt_http(port, "GET", "/api/sensors", NULL, resp, sizeof(resp)), 200);
    assert_non_null(strstr(dt_body(resp), "\"id\":\"s1\""));
    assert_int_equal(dt_http(port, "GET", "/api/host/2001:db8::7", NULL, resp, sizeof(resp)),
                     200);
    assert_int_equal(dt_http(port, "GET", "/nothing.txt", NULL, resp, sizeof(resp)), 404);
    check_security_headers(resp);
    assert_int_equal(dt_http(port, "GET", "/api/nothing", NULL, resp, sizeof(resp)), 404);
    dash_server_destroy(s);
}

static void test_validation(void **state)
{
    static const char *const bad[] = {
        "/api/host/10.1.0.x", "/api/host/", "/api/host/10.1.0.5%2F24", "/api/host/*",
        "/api/host/..%2F..%2Fetc", "/api/alerts?count=abc", "/api/alerts?count=0",
        "/api/alerts?count=100000", "/api/map?limit=-3",
    };
    struct dash_server *s;
    size_t i;
    int port;

    (void)state;
    DT_NEED_REDIS();
    s = start(NULL, dt_url, &port);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(dt_http(port, "GET", bad[i], NULL, resp, sizeof(resp)), 400);
        check_security_headers(resp);
    }
    assert_int_equal(dt_http(port, "GET", "/api/host/10.200.0.1", NULL, resp, sizeof(resp)),
                     404);
    assert_int_equal(dt_http(port, "POST", "/api/map", "Content-Length: 0\r\n", resp,
                             sizeof(resp)), 405);
    assert_true(has_header(resp, "Allow: GET, HEAD\r\n"));
    check_security_headers(resp);
    assert_int_equal(dt_http(port, "DELETE", "/", NULL, resp, sizeof(resp)), 405);
    assert_int_equal(dt_http(port, "PUT", "/api/host/10.1.0.5", "Content-Length: 0\r\n", resp,
                             sizeof(resp)), 405);
    dash_server_destroy(s);
}

static void test_token(void **state)
{
    struct dash_server *s;
    int port;

    (void)state;
    DT_NEED_REDIS();
    s = start("t0ken", dt_url, &port);
    assert_int_equal(dt_http(port, "GET", "/api/map", NULL, resp, sizeof(resp)), 401);
    assert_true(has_header(resp, "WWW-Authenticate: Bearer"));
    check_security_headers(resp);
    assert_null(strstr(dt_body(resp), "10.1.0.5"));
    assert_int_equal(dt_http(port, "GET", "/api/map", "Authorization: Bearer wrong\r\n", resp,
                             sizeof(resp)), 401);
    assert_int_equal(dt_http(port, "GET", "/api/map", "Authorization: Bearer t0ken\r\n", resp,
                             sizeof(resp)), 200);
    assert_int_equal(dt_http(port, "GET", "/api/map?token=t0ken", NULL, resp, sizeof(resp)),
                     200);
    assert_int_equal(dt_http(port, "GET", "/api/host/10.1.0.5?token=t0ke", NULL, resp,
                             sizeof(resp)), 401);
    assert_int_equal(dt_http(port, "GET", "/events", NULL, resp, sizeof(resp)), 401);
    /* the page itself holds no data and loads without the token */
    assert_int_equal(dt_http(port, "GET", "/", NULL, resp, sizeof(resp)), 200);
    dash_server_destroy(s);
}

static void test_refuse_open_listen(void **state)
{
    char err[512], listen[64];
    struct dash_opts o = {.redis_url = "redis://127.0.0.1:1/0", .listen = listen};

    (void)state;
    snprintf(listen, sizeof(listen), "0.0.0.0:%d", th_free_port());
    assert_null(dash_server_create(&o, err, sizeof(err)));
    assert_non_null(strstr(err, "token"));
    o.token = "";
    assert_null(dash_server_create(&o, err, sizeof(err)));
    o.listen = "not-an-address";
    o.token = "x";
    assert_null(dash_server_create(&o, err, sizeof(err)));
    assert_non_null(strstr(err, "--listen"));
}

static void test_redis_down_503(void **state)
{
    char url[64];
    struct dash_server *s;
    int port;

    (void)state;
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", th_free_port());
    s = start(NULL, url, &port);
    assert_int_equal(dt_http(port, "GET", "/api/map", NULL, resp, sizeof(resp)), 503);
    assert_non_null(strstr(dt_body(resp), "redis unavailable"));
    assert_int_equal(dt_http(port, "GET", "/", NULL, resp, sizeof(resp)), 200);
    dash_server_destroy(s);
}

/* Read from fd until needle shows up or 5 s pass. */
static bool read_until(int fd, char *buf, size_t len, const char *needle)
{
    size_t have = 0;
    ssize_t n;
    int i;

    for (i = 0; i < 50 && have + 1 < len; i++) {
        n = read(fd, buf + have, len - have - 1);
        if (n > 0)
            have += (size_t)n;
        buf[have] = '\0';
        if (strstr(buf, needle))
            return true;
        if (n == 0)
            return false;
    }
    return false;
}

static void test_sse(void **state)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    struct timeval tv = {.tv_sec = 0, .tv_usec = 100000};
    static const char req[] = "GET /events HTTP/1.1\r\nHost: x\r\n\r\n";
    struct dash_server *s;
    redisReply *rep;
    int port, fd, i;
    bool got = false;

    (void)state;
    DT_NEED_REDIS();
    s = start(NULL, dt_url, &port);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    assert_int_equal(write(fd, req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
    assert_true(read_until(fd, resp, sizeof(resp), "retry: 3000"));
    assert_non_null(strstr(resp, "text/event-stream"));
    check_security_headers(resp);
    /* the subscriber may not have subscribed yet: publish until it arrives */
    for (i = 0; i < 20 && !got; i++) {
        rep = th_cmd(&dt_redis, "PUBLISH fw:live {\"rule\":\"FW-SSE\",\"n\":%d}", i);
        if (rep)
            freeReplyObject(rep);
        got = read_until(fd, resp, sizeof(resp), "data: {\"rule\":\"FW-SSE\"");
    }
    assert_true(got);
    assert_non_null(strstr(resp, "event: alert\n"));
    close(fd);
    dash_server_destroy(s);     /* must not hang on the stream just closed */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes_and_headers), cmocka_unit_test(test_validation),
        cmocka_unit_test(test_token),              cmocka_unit_test(test_refuse_open_listen),
        cmocka_unit_test(test_redis_down_503),     cmocka_unit_test(test_sse),
    };

    return cmocka_run_group_tests(tests, dt_setup, dt_teardown);
}
