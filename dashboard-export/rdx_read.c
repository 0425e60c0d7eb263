/* dashboard-export/rdx_read.c: blocking read-only Redis access for the
 * dashboard, and the fw:live subscriber. Replies are copied out of hiredis
 * (bounded depth) so no hiredis type leaves rdx_*. */
#include "rdx_read.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis.h>

#include "fw_alloc.h"
#include "fw_err.h"
#include "rdx_conn.h"

#define RDX_READ_DEPTH_MAX 8        /* nesting we accept in a reply; streams need 4 */

struct rdx_link {                   /* what rdx_read and rdx_sub share */
    struct rdx_url url;
    char url_safe[300];             /* password hidden */
    struct timeval tv;
    redisContext *ctx;              /* NULL when down */
    char errmsg[640];                /* url_safe + reason */
};

struct rdx_read {
    struct rdx_link link;
};

struct rdx_sub {
    struct rdx_link link;
    char channel[128];
    bool subscribed;
};

/* ------------------------------------------------------------------ values */

static void val_clear(struct rdx_val *v)
{
    size_t i;

    for (i = 0; i < v->n; i++)
        val_clear(&v->elem[i]);
    free(v->elem);
    free(v->str);
    memset(v, 0, sizeof(*v));
}

void rdx_val_free(struct rdx_val *v)
{
    if (!v)
        return;
    val_clear(v);
    free(v);
}

const struct rdx_val *rdx_val_at(const struct rdx_val *v, size_t i)
{
    if (!v || v->type != RDX_VAL_ARR || i >= v->n)
        return NULL;
    return &v->elem[i];
}

bool rdx_val_is(const struct rdx_val *v, const char *s)
{
    size_t n = strlen(s);

    return v && v->type == RDX_VAL_STR && v->len == n && memcmp(v->str, s, n) == 0;
}

static int val_copy_str(struct rdx_val *dst, const char *s, size_t len)
{
    dst->str = fw_calloc(len + 1, 1);
    if (!dst->str)
        return FW_ENOMEM;
    memcpy(dst->str, s, len);
    dst->len = len;
    return 0;
}

/* Copy one hiredis reply into dst (zeroed by the caller). */
static int val_copy(struct rdx_val *dst, const redisReply *rep, int depth)
{
    size_t i;

    if (depth > RDX_READ_DEPTH_MAX)
        return FW_EINVAL;
    switch (rep->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
        dst->type = RDX_VAL_STR;
        return val_copy_str(dst, rep->str, rep->len);
    case REDIS_REPLY_ERROR:
        dst->type = RDX_VAL_ERR;
        return val_copy_str(dst, rep->str, rep->len);
    case REDIS_REPLY_INTEGER:
        dst->type = RDX_VAL_INT;
        dst->integer = rep->integer;
        return 0;
    case REDIS_REPLY_ARRAY:
        dst->type = RDX_VAL_ARR;
        if (rep->elements == 0)
            return 0;
        dst->elem = fw_calloc(rep->elements, sizeof(*dst->elem));
        if (!dst->elem)
            return FW_ENOMEM;
        dst->n = rep->elements;
        for (i = 0; i < rep->elements; i++)
            if (val_copy(&dst->elem[i], rep->element[i], depth + 1) != 0)
                return FW_ENOMEM;
        return 0;
    default:
        dst->type = RDX_VAL_NIL;
        return 0;
    }
}

static struct rdx_val *val_from_reply(const redisReply *rep)
{
    struct rdx_val *v = fw_calloc(1, sizeof(*v));

    if (v && val_copy(v, rep, 0) != 0) {
        rdx_val_free(v);
        return NULL;
    }
    return v;
}

/* -------------------------------------------------------------- connection */

static int link_init(struct rdx_link *l, const char *url, uint64_t timeout_us, char *err,
                     size_t errlen)
{
    if (rdx_url_parse(url, &l->url, err, errlen) != 0)
        return FW_EINVAL;
    if (l->url.is_unix)
        snprintf(l->url_safe, sizeof(l->url_safe), "unix://%s", l->url.path);
    else
        snprintf(l->url_safe, sizeof(l->url_safe), "redis://%s%s:%d/%d",
                 l->url.pass[0] ? "***@" : "", l->url.host, l->url.port, l->url.db);
    if (timeout_us == 0)
        timeout_us = 2000000;
    l->tv.tv_sec = (time_t)(timeout_us / 1000000);
    l->tv.tv_usec = (suseconds_t)(timeout_us % 1000000);
    return 0;
}

static void link_down(struct rdx_link *l, const char *why)
{
    if (why)
        snprintf(l->errmsg, sizeof(l->errmsg), "%s: %s", l->url_safe, why);
    if (l->ctx)
        redisFree(l->ctx);
    l->ctx = NULL;
}

/* Run one setup command (AUTH, SELECT); false when it failed. */
static bool link_setup_cmd(struct rdx_link *l, int argc, const char **argv)
{
    redisReply *rep = redisCommandArgv(l->ctx, argc, argv, NULL);
    bool ok = rep && rep->type != REDIS_REPLY_ERROR;

    if (!ok)
        link_down(l, rep ? rep->str : (l->ctx->errstr[0] ? l->ctx->errstr : "no reply"));
    if (rep)
        freeReplyObject(rep);
    return ok;
}

static int link_connect(struct rdx_link *l)
{
    char db[16];
    const char *auth[3] = {"AUTH", l->url.user, l->url.pass};
    const char *sel[2] = {"SELECT", db};

    if (l->ctx)
        return 0;
    if (l->url.is_unix)
        l->ctx = redisConnectUnixWithTimeout(l->url.path, l->tv);
    else
        l->ctx = redisConnectWithTimeout(l->url.host, l->url.port, l->tv);
    if (!l->ctx || l->ctx->err) {
        link_down(l, l->ctx ? l->ctx->errstr : "out of memory");
        return FW_ECONN;
    }
    /* a connect timeout does not bound reads in hiredis 0.14 */
    redisSetTimeout(l->ctx, l->tv);
    if (l->url.pass[0] && !link_setup_cmd(l, l->url.user[0] ? 3 : 2,
                                          l->url.user[0] ? auth : (const char *[]){"AUTH",
                                                                     l->url.pass}))
        return FW_EAUTH;
    snprintf(db, sizeof(db), "%d", l->url.db);
    if (l->url.db != 0 && !link_setup_cmd(l, 2, sel))
        return FW_ECONN;
    return 0;
}

/* ---------------------------------------------------------------- commands */

struct rdx_read *rdx_read_create(const char *url, uint64_t timeout_us, char *err,
                                 size_t errlen)
{
    struct rdx_read *r = fw_calloc(1, sizeof(*r));

    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (link_init(&r->link, url, timeout_us, err, errlen) != 0) {
        free(r);
        return NULL;
    }
    return r;
}

void rdx_read_destroy(struct rdx_read *r)
{
    if (!r)
        return;
    link_down(&r->link, NULL);
    free(r);
}

int rdx_read_cmd(struct rdx_read *r, struct rdx_val **out, int argc, const char **argv)
{
    redisReply *rep;
    int rc;

    *out = NULL;
    rc = link_connect(&r->link);
    if (rc != 0)
        return rc;
    rep = redisCommandArgv(r->link.ctx, argc, argv, NULL);
    if (!rep) {
        rc = r->link.ctx->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK)
                 ? FW_ETIMEDOUT : FW_ECONN;
        link_down(&r->link, r->link.ctx->errstr[0] ? r->link.ctx->errstr : "no reply");
        return rc;
    }
    *out = val_from_reply(rep);
    freeReplyObject(rep);
    if (!*out) {
        snprintf(r->link.errmsg, sizeof(r->link.errmsg), "reply too deep or out of memory");
        return FW_ENOMEM;
    }
    return 0;
}

const char *rdx_read_errmsg(const struct rdx_read *r)
{
    return r->link.errmsg;
}

const char *rdx_read_url(const struct rdx_read *r)
{
    return r->link.url_safe;
}

/* -------------------------------------------------------------- subscriber */

struct rdx_sub *rdx_sub_create(const char *url, const char *channel, uint64_t timeout_us,
                               char *err, size_t errlen)
{
    struct rdx_sub *s = fw_calloc(1, sizeof(*s));

    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (link_init(&s->link, url, timeout_us, err, errlen) != 0) {
        free(s);
        return NULL;
    }
    snprintf(s->channel, sizeof(s->channel), "%s", channel);
    return s;
}

void rdx_sub_destroy(struct rdx_sub *s)
{
    if (!s)
        return;
    link_down(&s->link, NULL);
    free(s);
}

static int sub_subscribe(struct rdx_sub *s)
{
    const char *argv[2] = {"SUBSCRIBE", s->channel};
    redisReply *rep;

    if (s->subscribed && s->link.ctx)
        return 0;
    s->subscribed = false;
    if (link_connect(&s->link) != 0)
        return FW_ECONN;
    rep = redisCommandArgv(s->link.ctx, 2, argv, NULL);
    if (!rep || rep->type != REDIS_REPLY_ARRAY) {
        link_down(&s->link, rep && rep->type == REDIS_REPLY_ERROR ? rep->str : "SUBSCRIBE failed");
        if (rep)
            freeReplyObject(rep);
        return FW_ECONN;
    }
    freeReplyObject(rep);
    s->subscribed = true;
    return 0;
}

/* A "message" push: ["message", channel, payload]. */
static bool sub_take(const redisReply *rep, struct fw_buf *msg)
{
    const redisReply *kind, *payload;

    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 3)
        return false;
    kind = rep->element[0];
    payload = rep->element[2];
    if (kind->type != REDIS_REPLY_STRING || kind->len != 7 || memcmp(kind->str, "message", 7) ||
        payload->type != REDIS_REPLY_STRING)
        return false;
    fw_buf_reset(msg);
    fw_buf_append(msg, payload->str, payload->len);
    return true;
}

/* Poll the socket ourselves: a hiredis read timeout would poison the context. */
int rdx_sub_next(struct rdx_sub *s, struct fw_buf *msg, int wait_ms)
{
    void *raw = NULL;
    struct pollfd pfd;
    bool got;

    if (sub_subscribe(s) != 0)
        return FW_ECONN;
    for (;;) {
        if (redisReaderGetReply(s->link.ctx->reader, &raw) != REDIS_OK) {
            link_down(&s->link, "protocol error");
            return FW_ECONN;
        }
        if (raw) {
            got = sub_take(raw, msg);
            freeReplyObject(raw);
            if (got)
                return 0;
            continue;           /* (un)subscribe confirmations, pings */
        }
        pfd.fd = s->link.ctx->fd;
        pfd.events = POLLIN;
        pfd.revents = 0;
        if (poll(&pfd, 1, wait_ms) <= 0)
            return FW_EAGAIN;
        if (redisBufferRead(s->link.ctx) != REDIS_OK) {
            link_down(&s->link, s->link.ctx->errstr[0] ? s->link.ctx->errstr : "read failed");
            return FW_ECONN;
        }
        wait_ms = 0;            /* data arrived: only parse what is already here */
    }
}

const char *rdx_sub_errmsg(const struct rdx_sub *s)
{
    return s->link.errmsg;
}
