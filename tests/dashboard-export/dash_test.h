/* tests/dashboard-export/dash_test.h: shared by the dashboard tests: a private
 * redis-server (redis_helper.h) seeded with the threat map layout, and a tiny
 * HTTP/1.0 client. Header-only, test programs only. */
#ifndef DASH_TEST_H
#define DASH_TEST_H

#include "redis_helper.h"

static struct th_redis dt_redis;
static char dt_url[64];

static void dt_seed(void)
{
    static const char *const cmds[] = {
        "ZADD fw:map:hosts 95.5 10.1.0.5 72 10.2.0.9 45 10.2.0.10 12 2001:db8::7",
        "ZADD fw:map:edges 30 10.1.0.5>10.2.0.9 12 2001:db8::7>10.1.0.5",
        "HSET fw:host:10.1.0.5 score 95.5 zone payments alerts 7 last_seen "
        "2024-05-01T10:00:00.000000Z top_apps [{\"app\":\"SMBv23\",\"count\":9}] "
        "top_rules [{\"rule\":\"FW-LAT-001\",\"count\":5}]",
        "HSET fw:host:10.2.0.9 score 72 zone corp alerts 3 top_apps {broken",
        "HSET fw:host:2001:db8::7 score 12 zone external alerts 1",
        "HSET fw:zone:payments score 95.5 trend 4.2 forecast 99.7 alerts_high 5 "
        "alerts_critical 2",
        "HSET fw:zone:corp score 60 trend -1.5 forecast 58",
        "ZADD fw:zone:payments:trend 60 1700000000 80 1700000300",
        "HSET fw:sensor:s1 version 0.1.0 pps 1520.5 drops 3 flows 420 ruleset 0123 "
        "counters {\"pkt_truncated\":1}",
        "EXPIRE fw:sensor:s1 30",
        "HSET fw:sensor:s2 version 0.1.0 pps 1 ts 1700000000",
        "XADD fw:alerts * id a-001 ts 2024-05-01T10:00:00.000000Z rule FW-LAT-001 severity 85 "
        "score 30 src 10.1.0.5 dst 10.2.0.9 json {\"event\":{\"reason\":\"SMB\"}}",
        "XADD fw:alerts * id a-002 ts 2024-05-01T10:00:01.000000Z rule FW-TI-002 severity 95 "
        "score 40 src 2001:db8::7 dst 10.1.0.5 json <script>alert(1)</script>",
        "XADD fw:alerts * id a-003 ts 2024-05-01T10:00:02.000000Z rule FW-SCAN-001 severity 50 "
        "score 10 src 10.9.9.9 dst 10.9.9.8 json {}",
    };
    size_t i;

    for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        redisReply *rep = th_cmd(&dt_redis, cmds[i]);

        if (rep)
            freeReplyObject(rep);
    }
}

/* Group setup: start and seed Redis; a missing redis-server skips the tests. */
static int dt_setup(void **state)
{
    (void)state;
    if (!th_have_redis() || th_redis_start(&dt_redis) != 0)
        return 0;
    snprintf(dt_url, sizeof(dt_url), "redis://127.0.0.1:%d/0", dt_redis.port);
    dt_seed();
    return 0;
}

static int dt_teardown(void **state)
{
    (void)state;
    th_redis_cleanup(&dt_redis);
    return 0;
}

#define DT_NEED_REDIS()             \
    do {                            \
        if (dt_redis.pid <= 0)      \
            skip();                 \
    } while (0)

/* GET (or another method) over HTTP/1.0; the whole answer into out. Returns
 * the status code or -1. */
static inline int dt_http(int port, const char *method, const char *path, const char *extra,
                   char *out, size_t outlen)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    char req[1024];
    size_t len = 0;
    ssize_t n;
    int fd = socket(AF_INET, SOCK_STREAM, 0), status = -1;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
        goto out;
    snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n%s\r\n", method, path,
             extra ? extra : "");
    if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
        goto out;
    while (len + 1 < outlen && (n = read(fd, out + len, outlen - len - 1)) > 0)
        len += (size_t)n;
    out[len] = '\0';
    if (sscanf(out, "HTTP/1.%*d %d", &status) != 1)
        status = -1;
out:
    if (fd >= 0)
        close(fd);
    return status;
}

/* The body of an HTTP answer (after the blank line), or "". */
static inline const char *dt_body(const char *resp)
{
    const char *p = strstr(resp, "\r\n\r\n");

    return p ? p + 4 : "";
}

#endif
