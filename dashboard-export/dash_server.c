/* dashboard-export/dash_server.c: routing, auth, headers and the libmicrohttpd
 * glue. Handlers run on the daemon's per-connection threads; the Redis client
 * is shared under api_lock because rdx_read is single-threaded. */
#include "dash_server.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "dash_api.h"
#include "dash_assets.h"
#include "dash_auth.h"
#include "dash_sse.h"
#include "fw_alloc.h"
#include "fw_buf.h"
#include "fw_err.h"
#include "fw_ip.h"
#include "fw_time.h"
#include "rdx_read.h"

#if MHD_VERSION < 0x00097002
typedef int MHD_Result_t;
#else
typedef enum MHD_Result MHD_Result_t;
#endif

#define DASH_EXTRA_CONNS 32         /* page, assets and API beside the SSE streams */
#define DASH_SSE_BLOCK 16384

struct dash_server {
    struct MHD_Daemon *mhd;
    struct dash_hub *hub;
    struct rdx_read *redis;
    pthread_mutex_t api_lock;       /* guards redis */
    char token[DASH_TOKEN_MAX + 1];
    char prefix[64];
    struct dash_listen listen;
    uint16_t port;
};

/* ----------------------------------------------------------------- replies */

static void add_security_headers(struct MHD_Response *r, bool no_store)
{
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; frame-ancestors 'none'");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    if (no_store)
        MHD_add_response_header(r, "Cache-Control", "no-store");
}

/* Queue body (copied) with status and type; the security headers always. */
static MHD_Result_t reply(struct MHD_Connection *conn, unsigned status, const char *type,
                          const void *body, size_t len, bool no_store)
{
    struct MHD_Response *r;
    MHD_Result_t rc;

    r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    add_security_headers(r, no_store);
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, "Allow", "GET, HEAD");
    if (status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"finwatch\"");
    rc = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rc;
}

static MHD_Result_t reply_error(struct MHD_Connection *conn, unsigned status, const char *msg)
{
    struct fw_buf b;
    MHD_Result_t rc;

    fw_buf_init(&b);
    fw_buf_putc(&b, '{');
    fw_buf_json_kv_str(&b, "error", msg);
    fw_buf_putc(&b, '}');
    rc = reply(conn, status, "application/json; charset=utf-8", b.data ? b.data : "", b.len,
               true);
    fw_buf_free(&b);
    return rc;
}

static unsigned status_of(int rc)
{
    switch (rc) {
    case 0:
        return MHD_HTTP_OK;
    case FW_EINVAL:
        return MHD_HTTP_BAD_REQUEST;
    case FW_ENOENT:
        return MHD_HTTP_NOT_FOUND;
    case FW_ECONN:
    case FW_ETIMEDOUT:
    case FW_EAUTH:
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    default:
        return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

/* ------------------------------------------------------------------- API */

enum dash_api_kind {
    API_MAP = 0,
    API_HOST,
    API_ALERTS,
    API_SENSORS,
};

static int api_run(struct dash_server *s, enum dash_api_kind kind, const char *arg,
                   unsigned n, struct fw_buf *b)
{
    int rc = FW_EINVAL;

    pthread_mutex_lock(&s->api_lock);
    switch (kind) {
    case API_MAP:
        rc = dash_api_map(s->redis, s->prefix, n, b);
        break;
    case API_HOST:
        rc = dash_api_host(s->redis, s->prefix, arg, b);
        break;
    case API_ALERTS:
        rc = dash_api_alerts(s->redis, s->prefix, n, b);
        break;
    case API_SENSORS:
        rc = dash_api_sensors(s->redis, s->prefix, fw_time_now_us(), b);
        break;
    }
    pthread_mutex_unlock(&s->api_lock);
    return rc;
}

static MHD_Result_t serve_api(struct dash_server *s, struct MHD_Connection *conn,
                              const char *path)
{
    const char *count = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "count");
    const char *limit = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "limit");
    char ip[FW_IP_STRLEN] = "";
    enum dash_api_kind kind;
    struct fw_buf b;
    unsigned n = 0;
    int rc;
    MHD_Result_t ret;

    if (!strcmp(path, "/api/map")) {
        kind = API_MAP;
        if (dash_parse_count(limit, DASH_HOSTS_DEFAULT, DASH_HOSTS_MAX, &n) != 0)
            return reply_error(conn, MHD_HTTP_BAD_REQUEST, "limit must be 1..200");
    } else if (!strncmp(path, "/api/host/", 10)) {
        kind = API_HOST;
        if (dash_parse_ip(path + 10, ip, sizeof(ip)) != 0)
            return reply_error(conn, MHD_HTTP_BAD_REQUEST, "not an IP address");
    } else if (!strcmp(path, "/api/alerts")) {
        kind = API_ALERTS;
        if (dash_parse_count(count, DASH_ALERTS_DEFAULT, DASH_ALERTS_MAX, &n) != 0)
            return reply_error(conn, MHD_HTTP_BAD_REQUEST, "count must be 1..500");
    } else if (!strcmp(path, "/api/sensors")) {
        kind = API_SENSORS;
    } else {
        return reply_error(conn, MHD_HTTP_NOT_FOUND, "no such endpoint");
    }
    fw_buf_init(&b);
    rc = api_run(s, kind, ip, n, &b);
    if (rc == 0)
        ret = reply(conn, MHD_HTTP_OK, "application/json; charset=utf-8", b.data, b.len, true);
    else
        ret = reply_error(conn, status_of(rc), rc == FW_ENOENT ? "unknown host"
                                               : rc == FW_EINVAL ? "bad request"
                                                                 : "redis unavailable");
    fw_buf_free(&b);
    return ret;
}

/* ------------------------------------------------------------ SSE, assets */

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    ssize_t n = dash_client_read(cls, buf, max, DASH_SSE_KEEPALIVE_MS);

    (void)pos;
    if (n > 0)
        return n;
    return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void sse_free(void *cls)
{
    dash_hub_leave(cls);
}

static MHD_Result_t serve_events(struct dash_server *s, struct MHD_Connection *conn,
                                 bool head)
{
    struct dash_client *c;
    struct MHD_Response *r;
    MHD_Result_t rc;

    if (head)
        return reply(conn, MHD_HTTP_OK, "text/event-stream", "", 0, true);
    c = dash_hub_join(s->hub);
    if (!c)
        return reply_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "too many live streams");
    r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, DASH_SSE_BLOCK, sse_read, c,
                                          sse_free);
    if (!r) {
        dash_hub_leave(c);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header(r, "X-Accel-Buffering", "no");
    add_security_headers(r, true);
    rc = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return rc;
}

static MHD_Result_t serve_asset(struct MHD_Connection *conn, const char *path)
{
    const struct dash_asset *a = dash_asset_find(strcmp(path, "/") ? path + 1 : "index.html");
    struct MHD_Response *r;
    MHD_Result_t rc;

    if (!a)
        return reply_error(conn, MHD_HTTP_NOT_FOUND, "not found");
    r = MHD_create_response_from_buffer(a->len, (void *)a->bytes, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", a->content_type);
    add_security_headers(r, true);
    rc = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return rc;
}

const struct dash_asset *dash_asset_find(const char *name)
{
    size_t i;

    for (i = 0; i < dash_assets_count; i++)
        if (!strcmp(dash_assets[i].name, name))
            return &dash_assets[i];
    return NULL;
}

/* ---------------------------------------------------------------- routing */

static bool needs_auth(const char *path)
{
    /* the page and its assets hold no data; everything with data is guarded */
    return !strncmp(path, "/api/", 5) || !strcmp(path, "/api") || !strcmp(path, "/events");
}

static MHD_Result_t on_request(void *cls, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *version,
                               const char *upload_data, size_t *upload_size, void **con_cls)
{
    struct dash_server *s = cls;
    bool head = !strcmp(method, MHD_HTTP_METHOD_HEAD);

    (void)version, (void)upload_data, (void)upload_size, (void)con_cls;
    if (!head && strcmp(method, MHD_HTTP_METHOD_GET))
        return reply_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
    if (needs_auth(url) &&
        !dash_auth_ok(s->token,
                      MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                  MHD_HTTP_HEADER_AUTHORIZATION),
                      MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "token")))
        return reply_error(conn, MHD_HTTP_UNAUTHORIZED, "missing or wrong bearer token");
    if (!strcmp(url, "/events"))
        return serve_events(s, conn, head);
    if (!strncmp(url, "/api/", 5))
        return serve_api(s, conn, url);
    return serve_asset(conn, url);
}

/* --------------------------------------------------------------- lifecycle */

static int opts_check(struct dash_server *s, const struct dash_opts *o, char *err,
                      size_t errlen)
{
    const char *listen = o->listen && o->listen[0] ? o->listen : "127.0.0.1:8080";

    if (dash_listen_parse(listen, &s->listen) != 0) {
        snprintf(err, errlen, "--listen %s: expected ADDR:PORT (IPv6 as [ADDR]:PORT)", listen);
        return FW_EINVAL;
    }
    if (o->token && strlen(o->token) > DASH_TOKEN_MAX) {
        snprintf(err, errlen, "token longer than %d bytes", DASH_TOKEN_MAX);
        return FW_EINVAL;
    }
    snprintf(s->token, sizeof(s->token), "%s", o->token ? o->token : "");
    if (!s->listen.loopback && !s->token[0]) {
        snprintf(err, errlen, "--listen %s is not loopback: a token is required "
                 "(--token or FINWATCH_DASHBOARD_TOKEN)", listen);
        return FW_EAUTH;
    }
    snprintf(s->prefix, sizeof(s->prefix), "%s", o->prefix ? o->prefix : "fw:");
    return 0;
}

static int start_feed(struct dash_server *s, const struct dash_opts *o, char *err,
                      size_t errlen)
{
    char channel[96];

    s->redis = rdx_read_create(o->redis_url, 2000000, err, errlen);
    if (!s->redis)
        return FW_EINVAL;
    s->hub = dash_hub_create(o->max_clients, DASH_SSE_QUEUE);
    if (!s->hub) {
        snprintf(err, errlen, "out of memory");
        return FW_ENOMEM;
    }
    snprintf(channel, sizeof(channel), "%slive", s->prefix);
    return dash_hub_start(s->hub, o->redis_url, channel, err, errlen);
}

static int start_http(struct dash_server *s, unsigned max_clients, char *err, size_t errlen)
{
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG;
    const union MHD_DaemonInfo *info;

    if (s->listen.addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
                              MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&s->listen.addr,
                              MHD_OPTION_CONNECTION_LIMIT,
                              (unsigned)((max_clients ? max_clients : DASH_SSE_CLIENTS_DEFAULT)
                                         + DASH_EXTRA_CONNS),
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
                              MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
                              MHD_OPTION_END);
    if (!s->mhd) {
        snprintf(err, errlen, "cannot listen (address in use or not local?)");
        return FW_EIO;
    }
    info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : 0;
    return 0;
}

struct dash_server *dash_server_create(const struct dash_opts *o, char *err, size_t errlen)
{
    struct dash_server *s = fw_calloc(1, sizeof(*s));

    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&s->api_lock, NULL);
    if (opts_check(s, o, err, errlen) != 0 || start_feed(s, o, err, errlen) != 0 ||
        start_http(s, o->max_clients, err, errlen) != 0) {
        dash_server_destroy(s);
        return NULL;
    }
    return s;
}

void dash_server_destroy(struct dash_server *s)
{
    if (!s)
        return;
    if (s->hub)
        dash_hub_stop(s->hub);      /* end the streams so the daemon can join */
    if (s->mhd)
        MHD_stop_daemon(s->mhd);
    dash_hub_destroy(s->hub);
    rdx_read_destroy(s->redis);
    pthread_mutex_destroy(&s->api_lock);
    memset(s->token, 0, sizeof(s->token));
    free(s);
}

uint16_t dash_server_port(const struct dash_server *s)
{
    return s->port;
}
