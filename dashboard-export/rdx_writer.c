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

struct rdx_writer {
    struct rdx_conn *conn;      /* borrowed */
    char prefix[32];
    char maxlen[24];
    char stream[16];            /* "alerts", or "ingest" for an agent sensor */
    struct fw_buf cmds;         /* RESP-formatted plain commands */
    size_t ncmds;
    struct fw_buf alerts;       /* [u32 len][u8 sev][entry] ... (our memory) */
    size_t nalerts;
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
    fw_buf_init(&w->cmds);
    fw_buf_init(&w->alerts);
    return w;
}

void rdx_writer_destroy(struct rdx_writer *w)
{
    if (!w)
        return;
    fw_buf_free(&w->cmds);
    fw_buf_free(&w->alerts);
    free(w);
}

void rdx_writer_set_stream(struct rdx_writer *w, bool ingest)
{
    snprintf(w->stream, sizeof(w->stream), "%s", ingest ? "ingest" : "alerts");
}

int rdx_writer_cmd(struct rdx_writer *w, int argc, const char **argv, const size_t *lens)
{
    char *cmd = NULL;
    int n = redisFormatCommandArgv(&cmd, argc, argv, lens);

    if (n < 0)
        return FW_ENOMEM;
    fw_buf_append(&w->cmds, cmd, (size_t)n);
    redisFreeCommand(cmd);
    if (w->cmds.failed)
        return FW_ENOMEM;
    w->ncmds++;
    return 0;
}

int rdx_writer_alert(struct rdx_writer *w, const uint8_t *entry, size_t len, uint8_t severity)
{
    uint32_t l = (uint32_t)len;
    struct rdx_entry e;

    /* refuse a bad entry here, so that the pipeline sends one command per entry */
    if (rdx_entry_decode(entry, len, &e) != 0)
        return FW_EPARSE;
    fw_buf_append(&w->alerts, &l, sizeof(l));
    fw_buf_append(&w->alerts, &severity, 1);
    fw_buf_append(&w->alerts, entry, len);
    if (w->alerts.failed)
        return FW_ENOMEM;
    w->nalerts++;
    return 0;
}

size_t rdx_writer_pending(const struct rdx_writer *w)
{
    return w->ncmds + w->nalerts;
}

size_t rdx_writer_bytes(const struct rdx_writer *w)
{
    return w->cmds.len + w->alerts.len;
}

/* ------------------------------------------------------------------- flush */

/* Walk the queued alerts: *off advances; false at the end. */
static bool alert_next(const struct rdx_writer *w, size_t *off, const uint8_t **entry,
                       size_t *len, uint8_t *sev)
{
    uint32_t l;

    if (*off + sizeof(l) + 1 > w->alerts.len)
        return false;
    memcpy(&l, w->alerts.data + *off, sizeof(l));
    *sev = (uint8_t)w->alerts.data[*off + sizeof(l)];
    *entry = (const uint8_t *)w->alerts.data + *off + sizeof(l) + 1;
    *len = l;
    *off += sizeof(l) + 1 + l;
    return true;
}

/* argv of EVALSHA/EVAL for one entry; keys are built in keybuf. */
static int alert_argv(const struct rdx_writer *w, const struct rdx_entry *e, bool eval,
                      char *keybuf, size_t keylen, const char **argv, size_t *lens)
{
    char *stream = keybuf, *mark = keybuf + keylen / 2;
    bool update = !(e->lens[1] == 1 && e->argv[1][0] == '0');
    int i, n = 0;

    snprintf(stream, keylen / 2, "%s%s", w->prefix, w->stream);
    snprintf(mark, keylen / 2, "%s%s:%.*s%s%.*s", w->prefix,
             w->stream[0] == 'a' ? "alert" : w->stream, (int)e->lens[0], e->argv[0],
             update ? ":u" : "", update ? (int)e->lens[1] : 0, e->argv[1]);
    argv[n] = eval ? "EVAL" : "EVALSHA";
    lens[n++] = strlen(argv[0]);
    argv[n] = eval ? rdx_alert_script : rdx_conn_script_sha(w->conn);
    lens[n] = strlen(argv[n]), n++;
    argv[n] = "2", lens[n++] = 1;
    argv[n] = stream, lens[n] = strlen(stream), n++;
    argv[n] = mark, lens[n] = strlen(mark), n++;
    argv[n] = w->maxlen, lens[n] = strlen(w->maxlen), n++;
    argv[n] = "604800", lens[n++] = 6;
    for (i = 2; i < e->argc; i++) {
        argv[n] = e->argv[i];
        lens[n++] = e->lens[i];
    }
    return n;
}

static int append_alert(struct rdx_writer *w, redisContext *ctx, const uint8_t *entry,
                        size_t len, bool eval)
{
    const char *argv[RDX_ENTRY_MAX_ARGS + 8];
    size_t lens[RDX_ENTRY_MAX_ARGS + 8];
    char keys[512];
    struct rdx_entry e;
    int n;

    if (rdx_entry_decode(entry, len, &e) != 0)
        return FW_EPARSE;
    n = alert_argv(w, &e, eval || !rdx_conn_script_sha(w->conn)[0], keys, sizeof(keys),
                   argv, lens);
    return redisAppendCommandArgv(ctx, n, argv, lens) == REDIS_OK ? 0 : FW_ENOMEM;
}

enum reply_class {
    REPLY_OK = 0,
    REPLY_NIL,          /* script: duplicate */
    REPLY_NOSCRIPT,
    REPLY_RETRY,        /* retriable error reply */
    REPLY_ERROR,        /* other error reply: drop */
    REPLY_LOST,         /* no reply: connection broke or timed out */
};

static enum reply_class read_reply(struct rdx_writer *w, redisContext *ctx)
{
    redisReply *r = NULL;
    enum reply_class k = REPLY_OK;

    if (redisGetReply(ctx, (void **)&r) != REDIS_OK || !r)
        return REPLY_LOST;
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
    freeReplyObject(r);
    return k;
}

struct flush_state {
    redisContext *ctx;
    bool broken;            /* connection lost or writes refused */
    rdx_retry_fn fn;
    void *fn_ctx;
    struct rdx_flush_res *res;
    struct fw_buf noscript;     /* (entry ptr, len, sev) of NOSCRIPT replies */
};

static void alert_outcome(struct flush_state *fs, enum reply_class k,
                          const uint8_t *entry, size_t len, uint8_t sev)
{
    if (k == REPLY_NOSCRIPT) {
        /* the script cache was flushed: EVAL it once every reply is in */
        fw_buf_append(&fs->noscript, &entry, sizeof(entry));
        fw_buf_append(&fs->noscript, &len, sizeof(len));
        fw_buf_append(&fs->noscript, &sev, 1);
        return;
    }
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
static void read_cmd_replies(struct rdx_writer *w, struct flush_state *fs)
{
    size_t i;

    for (i = 0; i < w->ncmds && !fs->broken; i++) {
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

static void queue_reset(struct rdx_writer *w)
{
    fw_buf_reset(&w->cmds);
    fw_buf_reset(&w->alerts);
    w->ncmds = 0;
    w->nalerts = 0;
}

/* Nothing can be sent: hand every alert to fn, forget the plain commands. */
static void flush_all_lost(struct rdx_writer *w, struct flush_state *fs)
{
    const uint8_t *entry;
    size_t off = 0, len;
    uint8_t sev;

    fs->res->cmds_lost = w->ncmds > 0;
    while (alert_next(w, &off, &entry, &len, &sev))
        alert_outcome(fs, REPLY_LOST, entry, len, sev);
}

/* Entries that met NOSCRIPT: EVAL each (the script text travels), then reload. */
static void eval_noscript(struct rdx_writer *w, struct flush_state *fs)
{
    const size_t rec = sizeof(const uint8_t *) + sizeof(size_t) + 1;
    const uint8_t *entry;
    size_t off, len;
    uint8_t sev;

    for (off = 0; off + rec <= fs->noscript.len; off += rec) {
        enum reply_class k = REPLY_LOST;

        memcpy(&entry, fs->noscript.data + off, sizeof(entry));
        memcpy(&len, fs->noscript.data + off + sizeof(entry), sizeof(len));
        sev = (uint8_t)fs->noscript.data[off + rec - 1];
        if (!fs->broken && append_alert(w, fs->ctx, entry, len, true) == 0)
            k = read_reply(w, fs->ctx);
        alert_outcome(fs, k == REPLY_NOSCRIPT ? REPLY_ERROR : k, entry, len, sev);
    }
    fw_buf_free(&fs->noscript);
}

int rdx_writer_flush(struct rdx_writer *w, uint64_t now_us, rdx_retry_fn fn, void *ctx,
                     struct rdx_flush_res *res)
{
    struct flush_state fs = {.ctx = rdx_conn_ctx(w->conn), .fn = fn, .fn_ctx = ctx, .res = res};
    const uint8_t *entry;
    size_t off = 0, len;
    uint8_t sev;

    memset(res, 0, sizeof(*res));
    res->cmds = w->ncmds;
    if (!fs.ctx) {
        flush_all_lost(w, &fs);
        goto out_reset;
    }
    if (w->ncmds && redisAppendFormattedCommand(fs.ctx, w->cmds.data, w->cmds.len) != REDIS_OK)
        fs.broken = true;
    while (!fs.broken && alert_next(w, &off, &entry, &len, &sev))
        if (append_alert(w, fs.ctx, entry, len, false) == FW_ENOMEM)
            fs.broken = true;
    if (fs.broken) {
        flush_all_lost(w, &fs);
        goto out_fail;
    }
    read_cmd_replies(w, &fs);
    for (off = 0; alert_next(w, &off, &entry, &len, &sev);)
        alert_outcome(&fs, fs.broken ? REPLY_LOST : read_reply(w, fs.ctx), entry, len, sev);
    eval_noscript(w, &fs);
    if (!fs.broken)
        goto out_reset;
out_fail:
    rdx_conn_fail(w->conn, now_us, fs.ctx->err ? fs.ctx->errstr : "writes refused");
out_reset:
    queue_reset(w);
    return rdx_conn_up(w->conn) ? 0 : FW_ECONN;
}
