/* dashboard-export/rdx_writer.c: pipelined batches and the idempotent alert script. */
#include "rdx_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw_alloc.h"
#include "fw_err.h"
#include "fw_log.h"
#include "fw_rd.h"
#include "rdx_int.h"

#define ENTRY_MAGIC 0xe1

/* EXISTS first and SET after XADD: if XADD fails (OOM) the marker is not left
 * behind, so the retry is not mistaken for a duplicate. */
const char rdx_alert_script[] =
    "if redis.call('EXISTS', KEYS[2]) == 1 then return false end\n"
    "local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, 3))\n"
    "redis.call('SET', KEYS[2], id, 'EX', ARGV[2])\n"
    "return id\n";

/* pcall so that a refused XADD (OOM, READONLY...) becomes that entry's reply,
 * copied to every later entry without running them: the client retries them
 * in order. The markers are read with one MGET for the whole batch (one call
 * instead of an EXISTS per entry: Lua's per-call overhead is most of the
 * script's cost); `done` catches the same marker twice in one batch. SET after
 * XADD, as in rdx_alert_script. */
const char rdx_alert_batch_script[] =
    "local out, a, stop, done = {}, 3, nil, {}\n"
    "local seen = redis.call('MGET', unpack(KEYS, 2))\n"
    "for k = 2, #KEYS do\n"
    "  local n = tonumber(ARGV[a])\n"
    "  if stop then\n"
    "    out[k - 1] = stop\n"
    "  elseif seen[k - 1] or done[KEYS[k]] then\n"
    "    out[k - 1] = false\n"
    "  else\n"
    "    local id = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*',\n"
    "                           unpack(ARGV, a + 1, a + n))\n"
    "    if type(id) == 'table' then\n"
    "      stop = id\n"
    "    else\n"
    "      redis.call('SET', KEYS[k], id, 'EX', ARGV[2])\n"
    "      done[KEYS[k]] = true\n"
    "    end\n"
    "    out[k - 1] = id\n"
    "  end\n"
    "  a = a + n + 1\n"
    "end\n"
    "return out\n";

/* One batch of work: queued, then in flight. */
struct rdx_queue {
    struct fw_buf cmds;         /* RESP-formatted plain commands */
    size_t ncmds;
    struct fw_buf alerts;       /* [u32 len][u8 sev][entry] ... (our memory) */
    size_t nalerts;
};

struct rdx_writer {
    struct rdx_conn *conn;      /* borrowed */
    char prefix[32];
    char maxlen[24];
    char stream[16];            /* "alerts", or "ingest" for an agent sensor */
    struct rdx_queue q[2];
    struct rdx_queue *cur;      /* being filled */
    struct rdx_queue *fly;      /* sent, replies not read yet (when flying) */
    bool flying;
    redisContext *fly_ctx;      /* the connection fly was sent on ... */
    uint64_t fly_gen;           /* ... and its reconnect count (a new ctx may reuse the address) */
    struct fw_buf keys, args;   /* scratch: one batch's markers and ARGV, RESP-encoded */
    struct fw_buf out;          /* scratch: one whole batch command */
    bool have_sha;              /* the connection loaded rdx_alert_batch_script */
    bool logged_error;          /* one log line per run for non-retriable errors */
};

/* ----------------------------------------------------------------- entries */

static void put_u32be(struct fw_buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

    fw_buf_append(b, x, 4);
}

void rdx_entry_encode(struct fw_buf *b, uint8_t severity, int argc, const char *const *argv,
                      const size_t *lens)
{
    uint8_t hdr[3] = {ENTRY_MAGIC, severity, (uint8_t)argc};
    int i;

    fw_buf_append(b, hdr, sizeof(hdr));
    for (i = 0; i < argc; i++) {
        put_u32be(b, (uint32_t)lens[i]);
        fw_buf_append(b, argv[i], lens[i]);
    }
}

int rdx_entry_decode(const uint8_t *p, size_t n, struct rdx_entry *e)
{
    struct fw_rd rd;
    int i;

    fw_rd_init(&rd, p, n);
    if (fw_rd_u8(&rd) != ENTRY_MAGIC)
        return FW_EPARSE;
    e->severity = fw_rd_u8(&rd);
    e->argc = fw_rd_u8(&rd);
    /* id, update count and at least one field/value pair, pairs complete */
    if (fw_rd_failed(&rd) || e->argc < 4 || e->argc > RDX_ENTRY_MAX_ARGS || e->argc % 2)
        return FW_EPARSE;
    for (i = 0; i < e->argc; i++) {
        uint32_t len = fw_rd_u32be(&rd);

        e->argv[i] = (const char *)fw_rd_ptr(&rd, len);
        e->lens[i] = len;
        if (fw_rd_failed(&rd))
            return FW_EPARSE;
    }
    return fw_rd_left(&rd) == 0 ? 0 : FW_EPARSE;
}

/* ---------------------------------------------------------- create/destroy */

struct rdx_writer *rdx_writer_create(struct rdx_conn *conn, const char *prefix,
                                     uint64_t stream_maxlen)
{
    struct rdx_writer *w = fw_calloc(1, sizeof(*w));

    if (!w)
        return NULL;
    w->conn = conn;
    snprintf(w->prefix, sizeof(w->prefix), "%s", prefix ? prefix : "fw:");
    snprintf(w->maxlen, sizeof(w->maxlen), "%llu",
             (unsigned long long)(stream_maxlen ? stream_maxlen : 100000));
    snprintf(w->stream, sizeof(w->stream), "alerts");
    for (int i = 0; i < 2; i++) {
        fw_buf_init(&w->q[i].cmds);
        fw_buf_init(&w->q[i].alerts);
    }
    w->cur = &w->q[0];
    w->fly = &w->q[1];
    fw_buf_init(&w->keys);
    fw_buf_init(&w->args);
    fw_buf_init(&w->out);
    w->have_sha = conn && strcmp(rdx_conn_script(conn), rdx_alert_batch_script) == 0;
    return w;
}

void rdx_writer_destroy(struct rdx_writer *w)
{
    if (!w)
        return;
    for (int i = 0; i < 2; i++) {
        fw_buf_free(&w->q[i].cmds);
        fw_buf_free(&w->q[i].alerts);
    }
    fw_buf_free(&w->keys);
    fw_buf_free(&w->args);
    fw_buf_free(&w->out);
    free(w);
}

void rdx_writer_set_stream(struct rdx_writer *w, bool ingest)
{
    snprintf(w->stream, sizeof(w->stream), "%s", ingest ? "ingest" : "alerts");
}

/* ------------------------------------------------------------------- RESP */

/* "<kind><n>\r\n" without printf: this runs for every argument sent. */
static void resp_len(struct fw_buf *b, char kind, size_t n)
{
    char tmp[24];
    size_t i = sizeof(tmp);

    tmp[--i] = '\n';
    tmp[--i] = '\r';
    do {
        tmp[--i] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    tmp[--i] = kind;
    fw_buf_append(b, tmp + i, sizeof(tmp) - i);
}

static void resp_bulk(struct fw_buf *b, const void *p, size_t n)
{
    resp_len(b, '$', n);
    fw_buf_append(b, p, n);
    fw_buf_append(b, "\r\n", 2);
}

static void resp_str(struct fw_buf *b, const char *s)
{
    resp_bulk(b, s, strlen(s));
}

/* Formatted straight into the queue: no hiredis sds allocation per command. */
int rdx_writer_cmd(struct rdx_writer *w, int argc, const char **argv, const size_t *lens)
{
    int i;

    if (argc <= 0)
        return FW_EINVAL;
    resp_len(&w->cur->cmds, '*', (size_t)argc);
    for (i = 0; i < argc; i++)
        resp_bulk(&w->cur->cmds, argv[i], lens[i]);
    if (w->cur->cmds.failed)
        return FW_ENOMEM;
    w->cur->ncmds++;
    return 0;
}

int rdx_writer_alert(struct rdx_writer *w, const uint8_t *entry, size_t len, uint8_t severity)
{
    uint32_t l = (uint32_t)len;
    struct rdx_entry e;

    /* refuse a bad entry here, so that every queued entry formats at flush */
    if (rdx_entry_decode(entry, len, &e) != 0)
        return FW_EPARSE;
    fw_buf_append(&w->cur->alerts, &l, sizeof(l));
    fw_buf_append(&w->cur->alerts, &severity, 1);
    fw_buf_append(&w->cur->alerts, entry, len);
    if (w->cur->alerts.failed)
        return FW_ENOMEM;
    w->cur->nalerts++;
    return 0;
}

size_t rdx_writer_pending(const struct rdx_writer *w)
{
    return w->cur->ncmds + w->cur->nalerts;
}

size_t rdx_writer_inflight(const struct rdx_writer *w)
{
    return w->flying ? w->fly->ncmds + w->fly->nalerts : 0;
}

size_t rdx_writer_bytes(const struct rdx_writer *w)
{
    return w->cur->cmds.len + w->cur->alerts.len;
}

/* ------------------------------------------------------------------- flush */

/* Walk the queued alerts: *off advances; false at the end. */
static bool alert_next(const struct rdx_queue *q, size_t *off, const uint8_t **entry,
                       size_t *len, uint8_t *sev)
{
    uint32_t l;

    if (*off + sizeof(l) + 1 > q->alerts.len)
        return false;
    memcpy(&l, q->alerts.data + *off, sizeof(l));
    *sev = (uint8_t)q->alerts.data[*off + sizeof(l)];
    *entry = (const uint8_t *)q->alerts.data + *off + sizeof(l) + 1;
    *len = l;
    *off += sizeof(l) + 1 + l;
    return true;
}

/* The entry's "sensor" value ("" when absent). Agent markers carry it: the
 * same alert seen by two sensors must reach the aggregator from both, which
 * counts it once and lists both sensors for the host. */
static void entry_sensor(const struct rdx_entry *e, const char **s, size_t *len)
{
    int i;

    *s = "", *len = 0;
    for (i = 2; i + 1 < e->argc; i += 2) {
        if (e->lens[i] == 6 && memcmp(e->argv[i], "sensor", 6) == 0 && e->lens[i + 1] < 128) {
            *s = e->argv[i + 1], *len = e->lens[i + 1];
            return;
        }
    }
}

/* Marker key of an entry: <prefix>alert:<id>[:u<N>]; for an agent
 * <prefix>ingest:<sensor>:<id>[:u<N>]. */
static void put_marker(struct rdx_writer *w, struct fw_buf *b, const struct rdx_entry *e)
{
    const char *kind = w->stream[0] == 'a' ? "alert" : w->stream, *sensor = "";
    bool update = !(e->lens[1] == 1 && e->argv[1][0] == '0');
    size_t plen = strlen(w->prefix), klen = strlen(kind), slen = 0;

    if (w->stream[0] != 'a')
        entry_sensor(e, &sensor, &slen);
    resp_len(b, '$', plen + klen + 1 + (slen ? slen + 1 : 0) + e->lens[0] +
                     (update ? 2 + e->lens[1] : 0));
    fw_buf_append(b, w->prefix, plen);
    fw_buf_append(b, kind, klen);
    fw_buf_putc(b, ':');
    if (slen) {
        fw_buf_append(b, sensor, slen);
        fw_buf_putc(b, ':');
    }
    fw_buf_append(b, e->argv[0], e->lens[0]);
    if (update) {
        fw_buf_append(b, ":u", 2);
        fw_buf_append(b, e->argv[1], e->lens[1]);
    }
    fw_buf_append(b, "\r\n", 2);
}

/* Format into w->out one script call for up to RDX_SCRIPT_BATCH entries from
 * *off (advanced past them); returns how many. Entries were checked when
 * queued, so they decode. */
static size_t batch_format(struct rdx_writer *w, const struct rdx_queue *q, size_t *off,
                           bool eval)
{
    char stream[64];
    const uint8_t *entry;
    struct rdx_entry e;
    size_t len, n = 0, nargs = 0;
    uint8_t sev;
    int i;

    fw_buf_reset(&w->keys);
    fw_buf_reset(&w->args);
    fw_buf_reset(&w->out);
    while (n < RDX_SCRIPT_BATCH && alert_next(q, off, &entry, &len, &sev)) {
        if (rdx_entry_decode(entry, len, &e) != 0)
            continue;           /* cannot happen: checked by rdx_writer_alert */
        put_marker(w, &w->keys, &e);
        resp_len(&w->args, '$', (size_t)snprintf(stream, sizeof(stream), "%d", e.argc - 2));
        fw_buf_append(&w->args, stream, strlen(stream));
        fw_buf_append(&w->args, "\r\n", 2);
        for (i = 2; i < e.argc; i++)
            resp_bulk(&w->args, e.argv[i], e.lens[i]);
        nargs += (size_t)e.argc - 1;
        n++;
    }
    eval = eval || !w->have_sha || !rdx_conn_script_sha(w->conn)[0];
    resp_len(&w->out, '*', 3 + 1 + n + 2 + nargs);
    resp_str(&w->out, eval ? "EVAL" : "EVALSHA");
    resp_str(&w->out, eval ? rdx_alert_batch_script : rdx_conn_script_sha(w->conn));
    resp_bulk(&w->out, stream, (size_t)snprintf(stream, sizeof(stream), "%zu", n + 1));
    resp_bulk(&w->out, stream,
              (size_t)snprintf(stream, sizeof(stream), "%s%s", w->prefix, w->stream));
    fw_buf_append(&w->out, w->keys.data, w->keys.len);
    resp_str(&w->out, w->maxlen);
    resp_bulk(&w->out, stream, (size_t)snprintf(stream, sizeof(stream), "%d", RDX_ALERT_TTL_S));
    fw_buf_append(&w->out, w->args.data, w->args.len);
    return n;
}

/* Advance *off past the next batch (as batch_format would); returns how many. */
static size_t batch_skip(const struct rdx_queue *q, size_t *off)
{
    const uint8_t *entry;
    size_t len, n = 0;
    uint8_t sev;

    while (n < RDX_SCRIPT_BATCH && alert_next(q, off, &entry, &len, &sev))
        n++;
    return n;
}

enum reply_class {
    REPLY_OK = 0,
    REPLY_NIL,          /* script: duplicate */
    REPLY_NOSCRIPT,
    REPLY_RETRY,        /* retriable error reply */
    REPLY_ERROR,        /* other error reply: drop */
    REPLY_LOST,         /* no reply: connection broke or timed out */
};

static enum reply_class classify(struct rdx_writer *w, const redisReply *r)
{
    enum reply_class k = REPLY_OK;

    if (r->type == REDIS_REPLY_NIL) {
        k = REPLY_NIL;
    } else if (r->type == REDIS_REPLY_ERROR) {
        if (r->len >= 8 && memcmp(r->str, "NOSCRIPT", 8) == 0)
            k = REPLY_NOSCRIPT;
        else if (rdx_err_retriable(r->str, r->len))
            k = REPLY_RETRY;
        else
            k = REPLY_ERROR;
        if (k != REPLY_NOSCRIPT && !w->logged_error) {
            fw_log(FW_LOG_WARN, "redis %s: %.*s", rdx_conn_url(w->conn), (int)r->len, r->str);
            w->logged_error = k == REPLY_ERROR;
        }
    }
    return k;
}

static enum reply_class read_reply(struct rdx_writer *w, redisContext *ctx)
{
    redisReply *r = NULL;
    enum reply_class k;

    if (redisGetReply(ctx, (void **)&r) != REDIS_OK || !r)
        return REPLY_LOST;
    k = classify(w, r);
    freeReplyObject(r);
    return k;
}

struct flush_state {
    redisContext *ctx;
    bool broken;            /* connection lost or writes refused */
    rdx_retry_fn fn;
    void *fn_ctx;
    struct rdx_flush_res *res;
    struct fw_buf noscript;     /* (offset, count) of batches answered NOSCRIPT */
};

static void alert_outcome(struct flush_state *fs, enum reply_class k,
                          const uint8_t *entry, size_t len, uint8_t sev)
{
    if (k == REPLY_LOST || k == REPLY_RETRY)
        fs->broken = true;
    switch (k) {
    case REPLY_OK:
        fs->res->alerts_new++;
        break;
    case REPLY_NIL:
        fs->res->alerts_dup++;
        break;
    case REPLY_ERROR:
    case REPLY_NOSCRIPT:        /* EVAL of the text failed too: the script is refused */
        fs->res->errors++;
        break;
    default:
        fs->res->alerts_retry++;
        if (fs->fn)
            fs->fn(fs->fn_ctx, entry, len, sev);
        break;
    }
}

/* Read the replies of the plain commands; sets broken/cmds_lost. */
static void read_cmd_replies(struct rdx_writer *w, const struct rdx_queue *q,
                             struct flush_state *fs)
{
    size_t i;

    for (i = 0; i < q->ncmds && !fs->broken; i++) {
        enum reply_class k = read_reply(w, fs->ctx);

        if (k == REPLY_LOST || k == REPLY_RETRY) {
            fs->broken = true;
            fs->res->cmds_lost = true;
        } else if (k == REPLY_ERROR) {
            fs->res->errors++;
        }
    }
    if (fs->broken)
        fs->res->cmds_lost = true;
}

/* Apply one batch reply to its n entries starting at off. A whole-call
 * NOSCRIPT is put aside for EVAL (unless this already was the EVAL). */
static void batch_read(struct rdx_writer *w, struct flush_state *fs, const struct rdx_queue *q,
                       size_t off, size_t n, bool eval)
{
    redisReply *r = NULL;
    enum reply_class all = REPLY_LOST;
    const uint8_t *entry;
    size_t len, i = 0;
    uint8_t sev;

    if (!fs->broken && (redisGetReply(fs->ctx, (void **)&r) != REDIS_OK || !r))
        r = NULL;
    if (r && r->type != REDIS_REPLY_ARRAY)
        all = classify(w, r);
    if (all == REPLY_NOSCRIPT && !eval) {
        fw_buf_append(&fs->noscript, &off, sizeof(off));
        fw_buf_append(&fs->noscript, &n, sizeof(n));
        freeReplyObject(r);
        return;
    }
    /* an array of another length would mean lost sync with the server: retry all */
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements != n)
        r = (freeReplyObject(r), NULL);
    for (i = 0; i < n && alert_next(q, &off, &entry, &len, &sev); i++) {
        enum reply_class k = all;

        if (fs->broken)
            k = REPLY_LOST;     /* an earlier refusal: keep the order, retry the rest */
        else if (r && r->type == REDIS_REPLY_ARRAY)
            k = classify(w, r->element[i]);
        alert_outcome(fs, k, entry, len, sev);
    }
    if (r)
        freeReplyObject(r);
}

static void queue_reset(struct rdx_queue *q)
{
    fw_buf_reset(&q->cmds);
    fw_buf_reset(&q->alerts);
    q->ncmds = 0;
    q->nalerts = 0;
}

/* Nothing can be sent or confirmed: hand every alert to fn, forget the plain commands. */
static void queue_all_lost(const struct rdx_queue *q, struct flush_state *fs)
{
    const uint8_t *entry;
    size_t off = 0, len;
    uint8_t sev;

    if (q->ncmds > 0)
        fs->res->cmds_lost = true;
    while (alert_next(q, &off, &entry, &len, &sev))
        alert_outcome(fs, REPLY_LOST, entry, len, sev);
}

/* Batches that met NOSCRIPT (the script cache was flushed): EVAL each with the
 * script text, in order. Synchronous: rare, and nothing else is in flight. */
static void eval_noscript(struct rdx_writer *w, struct flush_state *fs, const struct rdx_queue *q)
{
    const size_t rec = 2 * sizeof(size_t);
    size_t at, off, next, n;

    for (at = 0; at + rec <= fs->noscript.len; at += rec) {
        memcpy(&off, fs->noscript.data + at, sizeof(off));
        memcpy(&n, fs->noscript.data + at + sizeof(off), sizeof(n));
        next = off;
        if (!fs->broken) {
            batch_format(w, q, &next, true);
            fs->res->scripts++;
            if (w->out.failed ||
                redisAppendFormattedCommand(fs->ctx, w->out.data, w->out.len) != REDIS_OK)
                fs->broken = true;
        }
        batch_read(w, fs, q, off, n, true);
    }
    fw_buf_free(&fs->noscript);
}

/* Read every reply of the batch in flight (each read bounded by the
 * connection's timeout) and hand the unconfirmed entries to fn, in order. */
static void collect(struct rdx_writer *w, uint64_t now_us, struct flush_state *fs)
{
    const struct rdx_queue *q = w->fly;
    size_t off = 0, start, n;

    if (!w->flying)
        return;
    w->flying = false;
    fs->ctx = rdx_conn_ctx(w->conn);
    if (!fs->ctx || fs->ctx != w->fly_ctx || rdx_conn_reconnects(w->conn) != w->fly_gen) {
        /* the connection it was sent on is gone: nothing can confirm it */
        queue_all_lost(q, fs);
        queue_reset(w->fly);
        queue_all_lost(w->cur, fs);
        queue_reset(w->cur);
        return;
    }
    read_cmd_replies(w, q, fs);
    for (start = off; (n = batch_skip(q, &off)) > 0; start = off)
        batch_read(w, fs, q, start, n, false);
    eval_noscript(w, fs, q);
    queue_reset(w->fly);
    if (!fs->broken)
        return;
    rdx_conn_fail(w->conn, now_us, fs->ctx->err ? fs->ctx->errstr : "writes refused");
    /* the queue cannot go out now either: after the batch in flight, in order */
    queue_all_lost(w->cur, fs);
    queue_reset(w->cur);
}

/* Write every plain command, then the alert batches, to the socket (not
 * waiting for replies). False when the connection broke. */
static bool queue_send(struct rdx_writer *w, redisContext *ctx, const struct rdx_queue *q,
                       size_t *scripts)
{
    size_t off = 0;
    int done = 0;

    if (q->ncmds && redisAppendFormattedCommand(ctx, q->cmds.data, q->cmds.len) != REDIS_OK)
        return false;
    while (off < q->alerts.len) {
        if (batch_format(w, q, &off, false) == 0)
            break;
        (*scripts)++;
        if (w->out.failed || redisAppendFormattedCommand(ctx, w->out.data, w->out.len) != REDIS_OK)
            return false;
    }
    while (!done) {
        if (redisBufferWrite(ctx, &done) != REDIS_OK)
            return false;
    }
    return true;
}

/* Send the filling queue and make it the batch in flight. */
static void send_cur(struct rdx_writer *w, uint64_t now_us, struct flush_state *fs)
{
    struct rdx_queue *q = w->cur;
    size_t scripts = 0;

    if (q->ncmds + q->nalerts == 0)
        return;
    fs->res->cmds += q->ncmds;
    fs->ctx = rdx_conn_ctx(w->conn);
    if (!fs->ctx) {
        queue_all_lost(q, fs);
        queue_reset(q);
        return;
    }
    if (!queue_send(w, fs->ctx, q, &scripts)) {
        queue_all_lost(q, fs);
        queue_reset(q);
        rdx_conn_fail(w->conn, now_us, fs->ctx->err ? fs->ctx->errstr : "write failed");
        return;
    }
    fs->res->scripts += scripts;
    w->cur = w->fly;
    w->fly = q;
    w->flying = true;
    w->fly_ctx = fs->ctx;
    w->fly_gen = rdx_conn_reconnects(w->conn);
}

static void flush_init(struct flush_state *fs, rdx_retry_fn fn, void *ctx,
                       struct rdx_flush_res *res)
{
    memset(fs, 0, sizeof(*fs));
    memset(res, 0, sizeof(*res));
    fs->fn = fn;
    fs->fn_ctx = ctx;
    fs->res = res;
}

static int conn_state(const struct rdx_writer *w)
{
    return rdx_conn_up(w->conn) ? 0 : FW_ECONN;
}

int rdx_writer_send(struct rdx_writer *w, uint64_t now_us, rdx_retry_fn fn, void *ctx,
                    struct rdx_flush_res *res)
{
    struct flush_state fs;

    flush_init(&fs, fn, ctx, res);
    collect(w, now_us, &fs);        /* first: a failure there spools the queue after it */
    fs.broken = false;
    send_cur(w, now_us, &fs);
    return conn_state(w);
}

int rdx_writer_collect(struct rdx_writer *w, uint64_t now_us, rdx_retry_fn fn, void *ctx,
                       struct rdx_flush_res *res)
{
    struct flush_state fs;

    flush_init(&fs, fn, ctx, res);
    collect(w, now_us, &fs);
    return conn_state(w);
}

int rdx_writer_flush(struct rdx_writer *w, uint64_t now_us, rdx_retry_fn fn, void *ctx,
                     struct rdx_flush_res *res)
{
    struct flush_state fs;

    flush_init(&fs, fn, ctx, res);
    collect(w, now_us, &fs);
    fs.broken = false;
    send_cur(w, now_us, &fs);
    fs.broken = false;
    collect(w, now_us, &fs);
    return conn_state(w);
}
