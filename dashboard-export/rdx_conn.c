/* dashboard-export/rdx_conn.c: Redis URL, connect with timeouts, session setup,
 * backoff (hiredis 0.14). */
#include "rdx_conn.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "fw_alloc.h"
#include "fw_err.h"
#include "fw_log.h"
#include "rdx_int.h"

struct rdx_conn {
    struct rdx_url url;
    char url_safe[600];         /* for messages: password replaced by *** */
    uint64_t timeout_us;
    redisContext *ctx;          /* NULL when down */
    uint64_t next_try_us;       /* monotonic; 0 = now */
    uint64_t backoff_us;
    uint64_t reconnects;
    bool ever_up;
    char errstr[256];
};

/* ---------------------------------------------------------------- URL */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Copy s[0..n) into dst decoding %XX; false when it does not fit or is bad. */
static bool pct_decode(char *dst, size_t cap, const char *s, size_t n)
{
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            if (n - i < 3 || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
                return false;
            c = hexval(s[i + 1]) * 16 + hexval(s[i + 2]);
            i += 2;
        }
        if (o + 1 >= cap || c == 0)
            return false;
        dst[o++] = (char)c;
    }
    dst[o] = '\0';
    return true;
}

static bool parse_int(const char *s, size_t n, long lo, long hi, int *out)
{
    char tmp[16];
    char *end;
    long v;

    if (n == 0 || n >= sizeof(tmp))
        return false;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (!isdigit((unsigned char)tmp[0]))
        return false;
    errno = 0;
    v = strtol(tmp, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

/* "user:pass" or ":pass" or "pass" before the '@'. */
static bool parse_userinfo(struct rdx_url *u, const char *s, size_t n)
{
    const char *colon = memchr(s, ':', n);

    if (!colon)
        return pct_decode(u->pass, sizeof(u->pass), s, n);
    return pct_decode(u->user, sizeof(u->user), s, (size_t)(colon - s)) &&
           pct_decode(u->pass, sizeof(u->pass), colon + 1, n - (size_t)(colon - s) - 1);
}

/* host[:port] or [v6][:port] */
static bool parse_hostport(struct rdx_url *u, const char *s, size_t n)
{
    const char *h = s, *port = NULL;
    size_t hlen, plen = 0;

    if (n > 0 && s[0] == '[') {
        const char *rb = memchr(s, ']', n);
        size_t after;

        if (!rb)
            return false;
        h = s + 1;
        hlen = (size_t)(rb - h);
        after = n - (size_t)(rb - s) - 1;
        if (after > 0) {
            if (rb[1] != ':')
                return false;
            port = rb + 2;
            plen = after - 1;
        }
    } else {
        const char *colon = memchr(s, ':', n);

        hlen = colon ? (size_t)(colon - s) : n;
        if (colon) {
            port = colon + 1;
            plen = n - hlen - 1;
        }
    }
    if (hlen == 0 || hlen >= sizeof(u->host))
        return false;
    memcpy(u->host, h, hlen);
    u->host[hlen] = '\0';
    return !port || parse_int(port, plen, 1, 65535, &u->port);
}

static int parse_tcp(const char *rest, struct rdx_url *u, char *err, size_t errlen)
{
    size_t n = strlen(rest), auth_len;
    const char *slash = strchr(rest, '/');
    const char *at, *hp;
    size_t authority = slash ? (size_t)(slash - rest) : n;

    at = memchr(rest, '@', authority);
    /* the last '@' ends the userinfo: passwords may hold '@' unescaped */
    while (at && memchr(at + 1, '@', authority - (size_t)(at + 1 - rest)))
        at = memchr(at + 1, '@', authority - (size_t)(at + 1 - rest));
    hp = at ? at + 1 : rest;
    auth_len = at ? (size_t)(at - rest) : 0;
    if (at && !parse_userinfo(u, rest, auth_len)) {
        snprintf(err, errlen, "bad user or password");
        return FW_EINVAL;
    }
    if (!parse_hostport(u, hp, authority - (size_t)(hp - rest))) {
        snprintf(err, errlen, "bad host or port");
        return FW_EINVAL;
    }
    if (slash && slash[1] && !parse_int(slash + 1, strlen(slash + 1), 0, 1 << 20, &u->db)) {
        snprintf(err, errlen, "bad database number \"%s\"", slash + 1);
        return FW_EINVAL;
    }
    return 0;
}

static int parse_unix(const char *rest, struct rdx_url *u, char *err, size_t errlen)
{
    const char *q = strchr(rest, '?');
    size_t plen = q ? (size_t)(q - rest) : strlen(rest);

    u->is_unix = true;
    if (plen == 0 || rest[0] != '/' || plen >= sizeof(u->path)) {
        snprintf(err, errlen, "unix:// needs an absolute socket path");
        return FW_EINVAL;
    }
    memcpy(u->path, rest, plen);
    u->path[plen] = '\0';
    if (q && (strncmp(q, "?db=", 4) != 0 ||
              !parse_int(q + 4, strlen(q + 4), 0, 1 << 20, &u->db))) {
        snprintf(err, errlen, "unix:// accepts only ?db=N");
        return FW_EINVAL;
    }
    return 0;
}

int rdx_url_parse(const char *url, struct rdx_url *u, char *err, size_t errlen)
{
    memset(u, 0, sizeof(*u));
    u->port = 6379;
    if (!url) {
        snprintf(err, errlen, "no URL");
        return FW_EINVAL;
    }
    if (strncmp(url, "redis://", 8) == 0)
        return parse_tcp(url + 8, u, err, errlen);
    if (strncmp(url, "unix://", 7) == 0)
        return parse_unix(url + 7, u, err, errlen);
    snprintf(err, errlen, "URL must start with redis:// or unix://");
    return FW_EINVAL;
}

/* ---------------------------------------------------------- create/destroy */

struct rdx_conn *rdx_conn_create(const char *url, uint64_t timeout_us, char *errbuf,
                                 size_t errlen)
{
    struct rdx_conn *c = fw_calloc(1, sizeof(*c));
    char why[128];

    if (!c) {
        snprintf(errbuf, errlen, "redis: out of memory");
        return NULL;
    }
    if (rdx_url_parse(url, &c->url, why, sizeof(why)) != 0) {
        snprintf(errbuf, errlen, "redis URL \"%s\": %s", url ? url : "", why);
        free(c);
        return NULL;
    }
    if (c->url.is_unix)
        snprintf(c->url_safe, sizeof(c->url_safe), "unix://%s", c->url.path);
    else
        snprintf(c->url_safe, sizeof(c->url_safe), "redis://%s%s%s:%d/%d", c->url.user,
                 c->url.pass[0] ? ":***@" : (c->url.user[0] ? "@" : ""), c->url.host,
                 c->url.port, c->url.db);
    c->timeout_us = timeout_us ? timeout_us : 2000000;
    return c;
}

void rdx_conn_destroy(struct rdx_conn *c)
{
    if (!c)
        return;
    if (c->ctx)
        redisFree(c->ctx);
    free(c);
}

/* ----------------------------------------------------------------- connect */

static struct timeval tv_of(uint64_t us)
{
    struct timeval tv = {.tv_sec = (time_t)(us / 1000000), .tv_usec = (suseconds_t)(us % 1000000)};

    return tv;
}

/* Run one setup command; 0, FW_EAUTH (refused AUTH), FW_ETIMEDOUT or FW_ECONN. */
static int setup_cmd(struct rdx_conn *c, int argc, const char **argv)
{
    redisReply *r = redisCommandArgv(c->ctx, argc, argv, NULL);
    int rc = 0;

    if (!r) {
        bool slow = rdx_ctx_timed_out(c->ctx);

        snprintf(c->errstr, sizeof(c->errstr), "%s: %s", argv[0],
                 slow ? "timed out" : c->ctx->errstr);
        return slow ? FW_ETIMEDOUT : FW_ECONN;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        snprintf(c->errstr, sizeof(c->errstr), "%s: %.*s", argv[0], (int)r->len, r->str);
        rc = strcmp(argv[0], "AUTH") == 0 || strncmp(r->str, "NOAUTH", 6) == 0 ||
                     strncmp(r->str, "WRONGPASS", 9) == 0
                 ? FW_EAUTH : FW_ECONN;
    }
    freeReplyObject(r);
    return rc;
}

static int conn_session(struct rdx_conn *c)
{
    const char *auth[3] = {"AUTH", c->url.user, c->url.pass};
    const char *name[3] = {"CLIENT", "SETNAME", "finwatch"};
    char db[16];
    const char *sel[2] = {"SELECT", db};
    int rc = 0;

    if (c->url.pass[0])
        rc = c->url.user[0] ? setup_cmd(c, 3, auth)
                            : setup_cmd(c, 2, (const char *[]){"AUTH", c->url.pass});
    snprintf(db, sizeof(db), "%d", c->url.db);
    if (rc == 0 && c->url.db != 0)
        rc = setup_cmd(c, 2, sel);
    if (rc == 0)
        rc = setup_cmd(c, 3, name);
    return rc;
}

static int conn_open(struct rdx_conn *c)
{
    struct timeval tv = tv_of(c->timeout_us);

    c->ctx = c->url.is_unix ? redisConnectUnixWithTimeout(c->url.path, tv)
                            : redisConnectWithTimeout(c->url.host, c->url.port, tv);
    if (!c->ctx)
        return FW_ENOMEM;
    if (c->ctx->err) {
        snprintf(c->errstr, sizeof(c->errstr), "connect: %s", c->ctx->errstr);
        return FW_ECONN;
    }
    /* the connect timeout does not bound reads: set the socket timeouts */
    if (redisSetTimeout(c->ctx, tv) != REDIS_OK) {
        snprintf(c->errstr, sizeof(c->errstr), "set timeout: %s", c->ctx->errstr);
        return FW_ECONN;
    }
    if (!c->url.is_unix)
        redisEnableKeepAlive(c->ctx);
    return conn_session(c);
}

static void conn_drop(struct rdx_conn *c)
{
    if (c->ctx)
        redisFree(c->ctx);
    c->ctx = NULL;
}

static void backoff(struct rdx_conn *c, uint64_t now_us)
{
    c->backoff_us = c->backoff_us ? c->backoff_us * 2 : RDX_BACKOFF_MIN_US;
    if (c->backoff_us > RDX_BACKOFF_MAX_US)
        c->backoff_us = RDX_BACKOFF_MAX_US;
    c->next_try_us = now_us + c->backoff_us;
}

int rdx_conn_ensure_now(struct rdx_conn *c, uint64_t now_us)
{
    int rc;

    if (c->ctx)
        return 0;
    rc = conn_open(c);
    if (rc != 0) {
        /* log the first failure of a streak only: a down Redis is not news */
        if (c->backoff_us == 0)
            fw_log(FW_LOG_WARN, "redis %s: %s; spooling", c->url_safe, c->errstr);
        conn_drop(c);
        backoff(c, now_us);
        return rc;
    }
    if (c->ever_up)
        c->reconnects++;
    if (c->backoff_us)
        fw_log(FW_LOG_INFO, "redis %s: connected again", c->url_safe);
    c->ever_up = true;
    c->backoff_us = 0;
    c->next_try_us = 0;
    return 0;
}

int rdx_conn_ensure(struct rdx_conn *c, uint64_t now_us)
{
    if (c->ctx)
        return 0;
    if (now_us < c->next_try_us)
        return FW_EAGAIN;
    return rdx_conn_ensure_now(c, now_us);
}

void rdx_conn_fail(struct rdx_conn *c, uint64_t now_us, const char *why)
{
    if (why)
        snprintf(c->errstr, sizeof(c->errstr), "%s", why);
    if (c->backoff_us == 0)
        fw_log(FW_LOG_WARN, "redis %s: %s; spooling", c->url_safe, c->errstr);
    conn_drop(c);
    backoff(c, now_us);
}

bool rdx_conn_up(const struct rdx_conn *c)
{
    return c->ctx != NULL;
}

redisContext *rdx_conn_ctx(struct rdx_conn *c)
{
    return c->ctx;
}

const char *rdx_conn_errmsg(const struct rdx_conn *c)
{
    return c->errstr;
}

uint64_t rdx_conn_reconnects(const struct rdx_conn *c)
{
    return c->reconnects;
}

const char *rdx_conn_url(const struct rdx_conn *c)
{
    return c->url_safe;
}

bool rdx_ctx_timed_out(const redisContext *ctx)
{
    /* hiredis reports a socket timeout as an I/O error with EAGAIN's text */
    return ctx->err == REDIS_ERR_IO && (strstr(ctx->errstr, "temporarily unavailable") ||
                                        strstr(ctx->errstr, "timed out"));
}

bool rdx_err_retriable(const char *err, size_t len)
{
    static const char *const codes[] = {"OOM", "READONLY", "NOREPLICAS", "NOAUTH",
                                        "WRONGPASS", "MASTERDOWN", "LOADING", "BUSY",
                                        "MISCONF", "TRYAGAIN", "CLUSTERDOWN", "NOPERM"};
    size_t i, n;

    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        n = strlen(codes[i]);
        if (len >= n && memcmp(err, codes[i], n) == 0 && (len == n || err[n] == ' '))
            return true;
    }
    /* a script's redis.call() failing on OOM arrives wrapped: look inside */
    return len > 4 && memmem(err, len, "OOM ", 4) != NULL;
}
