/* dashboard-export/rdx_writer.c: pipelined batches; alerts exactly once by an
 * optimistic transaction (WATCH of one guard key + HMGET of the markers in
 * their day buckets, then MULTI/EXEC). */
#include "rdx_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "fw_alloc.h"
#include "fw_err.h"
#include "fw_log.h"
#include "fw_rd.h"
#include "fw_time.h"
#include "rdx_int.h"

#define ENTRY_MAGIC 0xe1
#define RDX_BUCKET_MAX 256          /* a marker bucket key, NUL included */
#define STR2(x) #x
#define STR(x) STR2(x)

/* HEXISTS first and HSET after XADD: if XADD fails (OOM) the marker is not
 * left behind, so the retry is not mistaken for a duplicate. */
const char rdx_alert_script[] =
    "if redis.call('HEXISTS', KEYS[2], ARGV[3]) == 1 then return false end\n"
    "local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, 4))\n"
    "redis.call('HSET', KEYS[2], ARGV[3], id)\n"
    "redis.call('EXPIRE', KEYS[2], ARGV[2])\n"
    "return id\n";

/* One batch of work: queued, then in flight. */
struct rdx_queue {
    struct fw_buf cmds;         /* RESP-formatted plain commands */
    size_t ncmds;
    struct fw_buf alerts;       /* [u32 len][u8 sev][entry] ... (our memory) */
    size_t nalerts;
    struct fw_buf dup;          /* from the check, one byte per alert: 1 = not sent (duplicate) */
    size_t ntx;                 /* alerts in the MULTI/EXEC sent (0 = no transaction) */
    size_t nbucket_cmds;        /* HSET + EXPIRE of marker buckets in it */
    bool unwatch;               /* every alert was a duplicate: UNWATCH sent instead */
};

struct rdx_writer {
    struct rdx_conn *conn;      /* borrowed */
    char prefix[32];
    char maxlen[24];
    char stream[16];            /* "alerts", or "ingest" for an agent sensor */
    char stream_key[48];        /* <prefix><stream> */
    char guard[192];            /* the key WATCHed by every transaction (see guard_set) */
    bool guard_incr;            /* the transaction INCRs it (it is not the stream) */
    struct rdx_queue q[2];
    struct rdx_queue *cur;      /* being filled */
    struct rdx_queue *fly;      /* sent, replies not read yet (when flying) */
    bool flying;
    redisContext *fly_ctx;      /* the connection fly was sent on ... */
    uint64_t fly_gen;           /* ... and its reconnect count (a new ctx may reuse the address) */
    struct fw_buf marks;        /* scratch: the queue's marker fields, RESP bulk strings */
    struct fw_buf moff;         /* scratch: size_t offset of each marker in marks, then the end */
    struct fw_buf mbucket;      /* scratch: uint32_t bucket index of each marker */
    struct fw_buf bnames;       /* scratch: this send's marker bucket keys, RDX_BUCKET_MAX-byte
                                 * NUL-terminated records */
    size_t nbuckets;
    uint32_t *slots;            /* scratch: hash set of markers (alert index + 1; 0 = free) */
    size_t nslots;              /* a power of two */
    struct fw_buf out;          /* scratch: the commands of one send */
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

static void stream_key_set(struct rdx_writer *w)
{
    snprintf(w->stream_key, sizeof(w->stream_key), "%s%s", w->prefix, w->stream);
}

/* What one WATCHed key must catch: a write of the same markers between our
 * check and our EXEC, by another writer or by an earlier batch of ours that
 * timed out but still runs on the server. On <prefix>alerts every such write
 * adds to the stream, so the stream itself is watched (one key: WATCH costs
 * Redis 7.0 per key more the more keys a client watches). An agent's markers
 * are its own (<prefix>ingest:<sensor>:...) while every agent adds to the
 * shared ingest stream, so an agent watches a key of its own, which each of
 * its transactions INCRs: other sensors never abort it. */
static void guard_set(struct rdx_writer *w, const char *sensor)
{
    w->guard_incr = w->stream[0] != 'a';
    if (w->guard_incr)
        snprintf(w->guard, sizeof(w->guard), "%singest:%s:guard", w->prefix,
                 sensor && sensor[0] ? sensor : "-");
    else
        snprintf(w->guard, sizeof(w->guard), "%s", w->stream_key);
}

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
    stream_key_set(w);
    guard_set(w, NULL);
    for (int i = 0; i < 2; i++) {
        fw_buf_init(&w->q[i].cmds);
        fw_buf_init(&w->q[i].alerts);
        fw_buf_init(&w->q[i].dup);
    }
    w->cur = &w->q[0];
    w->fly = &w->q[1];
    fw_buf_init(&w->marks);
    fw_buf_init(&w->moff);
    fw_buf_init(&w->mbucket);
    fw_buf_init(&w->bnames);
    fw_buf_init(&w->out);
    return w;
}

void rdx_writer_destroy(struct rdx_writer *w)
{
    if (!w)
        return;
    for (int i = 0; i < 2; i++) {
        fw_buf_free(&w->q[i].cmds);
        fw_buf_free(&w->q[i].alerts);
        fw_buf_free(&w->q[i].dup);
    }
    fw_buf_free(&w->marks);
    fw_buf_free(&w->moff);
    fw_buf_free(&w->mbucket);
    fw_buf_free(&w->bnames);
    fw_buf_free(&w->out);
    free(w->slots);
    free(w);
}

void rdx_writer_set_stream(struct rdx_writer *w, bool ingest, const char *sensor)
{
    snprintf(w->stream, sizeof(w->stream), "%s", ingest ? "ingest" : "alerts");
    stream_key_set(w);
    guard_set(w, sensor);
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

size_t rdx_writer_alerts(const struct rdx_writer *w)
{
    return w->cur->nalerts;
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

/* The value of an entry's field name ("" when absent). */
static void entry_field(const struct rdx_entry *e, const char *name, const char **s,
                        size_t *len)
{
    size_t n = strlen(name);
    int i;

    *s = "", *len = 0;
    for (i = 2; i + 1 < e->argc; i += 2) {
        if (e->lens[i] == n && memcmp(e->argv[i], name, n) == 0 && e->lens[i + 1] < 128) {
            *s = e->argv[i + 1], *len = e->lens[i + 1];
            return;
        }
    }
}

/* The UTC day of the entry's "ts" (YYYY-MM-DD, from the ISO time stamp), or
 * "undated". Packet time, so a replay or a second read of the same capture
 * finds the marker in the same bucket. */
static void entry_day(const struct rdx_entry *e, char day[11])
{
    const char *ts;
    size_t len, i;

    entry_field(e, "ts", &ts, &len);
    for (i = 0; len >= 10 && i < 10; i++)
        if (!((i == 4 || i == 7) ? ts[i] == '-' : (ts[i] >= '0' && ts[i] <= '9')))
            break;
    if (len >= 10 && i == 10)
        memcpy(day, ts, 10), day[10] = '\0';
    else
        memcpy(day, "undated", 8);
}

/* The marker bucket of an entry, a hash per day: <prefix>alerts:seen:<day>;
 * for an agent <prefix>ingest:<sensor>:seen:<day> (the same alert seen by two
 * sensors must reach the aggregator from both, which counts it once and lists
 * both sensors for the host). */
static void entry_bucket(const struct rdx_writer *w, const struct rdx_entry *e, char *key,
                         size_t size)
{
    const char *sensor;
    size_t slen;
    char day[11];

    entry_day(e, day);
    if (w->stream[0] == 'a') {
        snprintf(key, size, "%salerts:seen:%s", w->prefix, day);
        return;
    }
    entry_field(e, "sensor", &sensor, &slen);
    snprintf(key, size, "%singest:%.*s%sseen:%s", w->prefix, (int)slen, sensor,
             slen ? ":" : "", day);
}

/* The entry's marker field in its bucket, as a RESP bulk string: <id>, or
 * <id>:u<N> for its N-th update. */
static void put_marker(struct fw_buf *b, const struct rdx_entry *e)
{
    bool update = !(e->lens[1] == 1 && e->argv[1][0] == '0');

    resp_len(b, '$', e->lens[0] + (update ? 2 + e->lens[1] : 0));
    fw_buf_append(b, e->argv[0], e->lens[0]);
    if (update) {
        fw_buf_append(b, ":u", 2);
        fw_buf_append(b, e->argv[1], e->lens[1]);
    }
    fw_buf_append(b, "\r\n", 2);
}

/* Marker field of alert i as put_marker wrote it into w->marks (offsets in
 * w->moff: one per alert, then the end). */
static void marker_at(const struct rdx_writer *w, size_t i, const char **p, size_t *n)
{
    size_t a, b;

    memcpy(&a, w->moff.data + i * sizeof(size_t), sizeof(a));
    memcpy(&b, w->moff.data + (i + 1) * sizeof(size_t), sizeof(b));
    *p = w->marks.data + a;
    *n = b - a;
}

static uint32_t bucket_of(const struct rdx_writer *w, size_t i)
{
    uint32_t b;

    memcpy(&b, w->mbucket.data + i * sizeof(b), sizeof(b));
    return b;
}

/* Key of bucket bi of this send. */
static const char *bucket_name(const struct rdx_writer *w, uint32_t bi)
{
    return w->bnames.data + (size_t)bi * RDX_BUCKET_MAX;
}

/* Index of bucket key k (NUL-terminated, < RDX_BUCKET_MAX) among this send's
 * buckets, added to w->bnames when new. A send spans one day, or two around
 * midnight: a linear search is enough. */
static uint32_t bucket_find(struct rdx_writer *w, const char *k)
{
    char rec[RDX_BUCKET_MAX] = {0};
    size_t i;

    snprintf(rec, sizeof(rec), "%s", k);
    for (i = 0; i < w->nbuckets && !w->bnames.failed; i++)
        if (strcmp(bucket_name(w, (uint32_t)i), rec) == 0)
            return (uint32_t)i;
    fw_buf_append(&w->bnames, rec, sizeof(rec));
    return (uint32_t)w->nbuckets++;
}

/* Every alert's marker field into w->marks and its bucket into w->mbucket, in
 * queue order; the distinct buckets into w->bnames. Entries were checked
 * when queued, so they decode. */
static void markers_build(struct rdx_writer *w, const struct rdx_queue *q)
{
    const uint8_t *entry;
    struct rdx_entry e;
    size_t off = 0, len;
    char key[RDX_BUCKET_MAX];
    uint32_t b;
    uint8_t sev;

    fw_buf_reset(&w->marks);
    fw_buf_reset(&w->moff);
    fw_buf_reset(&w->mbucket);
    fw_buf_reset(&w->bnames);
    w->nbuckets = 0;
    while (alert_next(q, &off, &entry, &len, &sev)) {
        fw_buf_append(&w->moff, &w->marks.len, sizeof(size_t));
        if (rdx_entry_decode(entry, len, &e) == 0) {
            entry_bucket(w, &e, key, sizeof(key));
            put_marker(&w->marks, &e);
        } else {                    /* cannot happen: keeps one marker per alert */
            snprintf(key, sizeof(key), "%salerts:seen:undated", w->prefix);
            resp_bulk(&w->marks, "", 0);
        }
        b = bucket_find(w, key);
        fw_buf_append(&w->mbucket, &b, sizeof(b));
    }
    fw_buf_append(&w->moff, &w->marks.len, sizeof(size_t));
}

/* An empty hash set for n markers (load <= 1/2). The table is kept between
 * sends: no allocation once it has grown to the largest queue. */
static bool slots_clear(struct rdx_writer *w, size_t n)
{
    size_t want = 64;

    while (want < 2 * n)
        want *= 2;
    if (want > w->nslots) {
        uint32_t *s = fw_reallocarray(w->slots, want, sizeof(*s));

        if (!s)
            return false;
        w->slots = s;
        w->nslots = want;
    }
    memset(w->slots, 0, w->nslots * sizeof(*w->slots));
    return true;
}

/* Add marker i to the set; true when an equal marker (same bucket, same
 * field) was added before: the same alert twice in one queue, of which only
 * the first is written. Hashing keeps a queue of hundreds of alerts from
 * comparing every pair. */
static bool marker_seen(struct rdx_writer *w, size_t i)
{
    const char *p, *o;
    size_t n, on, mask = w->nslots - 1;
    uint32_t b = bucket_of(w, i);
    size_t h;

    marker_at(w, i, &p, &n);
    for (h = (size_t)(XXH3_64bits(p, n) + b) & mask; w->slots[h]; h = (h + 1) & mask) {
        size_t j = w->slots[h] - 1;

        marker_at(w, j, &o, &on);
        if (bucket_of(w, j) == b && on == n && memcmp(o, p, n) == 0)
            return true;
    }
    w->slots[h] = (uint32_t)(i + 1);
    return false;
}

/* "*<k+2>" HMGET bucket field... into b: the fields of bucket bi's alerts, in
 * queue order. Returns k. */
static size_t put_hmget(struct rdx_writer *w, struct fw_buf *b, const struct rdx_queue *q,
                        uint32_t bi)
{
    const char *p;
    size_t i, n, k = 0;

    for (i = 0; i < q->nalerts; i++)
        k += bucket_of(w, i) == bi;
    resp_len(b, '*', k + 2);
    resp_str(b, "HMGET");
    resp_str(b, bucket_name(w, bi));
    for (i = 0; i < q->nalerts; i++) {
        if (bucket_of(w, i) != bi)
            continue;
        marker_at(w, i, &p, &n);
        fw_buf_append(b, p, n);
    }
    return k;
}

static bool write_all(redisContext *ctx)
{
    int done = 0;

    while (!done) {
        if (redisBufferWrite(ctx, &done) != REDIS_OK)
            return false;
    }
    return true;
}

/* Read the HMGET replies (one per bucket, in order) into q->dup: per alert,
 * whether its marker exists (already in the stream) or an earlier alert of
 * this queue has the same one. False when a reply is missing or makes no
 * sense (lost sync). */
static bool dup_from_replies(struct rdx_writer *w, redisContext *ctx, struct rdx_queue *q)
{
    size_t i, bi, k;
    bool ok = true;

    fw_buf_reset(&q->dup);
    for (i = 0; i < q->nalerts; i++) {
        uint8_t d = marker_seen(w, i);   /* every marker goes in the set */

        fw_buf_append(&q->dup, &d, 1);
    }
    for (bi = 0; bi < w->nbuckets; bi++) {
        redisReply *r = NULL;

        if (redisGetReply(ctx, (void **)&r) != REDIS_OK || !r) {
            ok = false;
            break;
        }
        k = 0;
        for (i = 0; i < q->nalerts && r->type == REDIS_REPLY_ARRAY; i++) {
            if (bucket_of(w, i) != bi)
                continue;
            if (k >= r->elements)
                break;
            if (r->element[k++]->type != REDIS_REPLY_NIL && !q->dup.failed)
                q->dup.data[i] = 1;
        }
        ok = ok && r->type == REDIS_REPLY_ARRAY && k == r->elements;
        freeReplyObject(r);
    }
    return ok && !q->dup.failed;
}

/* The check, synchronous: WATCH of the guard key, then per marker bucket one
 * HMGET of its alerts' fields; q->dup gets per alert whether it was added
 * before. WATCH makes the EXEC that follows fail if anything that could add
 * these markers ran in between (guard_set), so the check still holds when
 * the writes run. Nothing else is in flight (collect() ran first), so the
 * next replies are these. False when the connection broke or the replies
 * make no sense (lost sync): the caller gives up on the whole queue. */
static bool markers_check(struct rdx_writer *w, redisContext *ctx, struct rdx_queue *q)
{
    redisReply *watch = NULL;
    uint32_t bi;
    bool ok;

    markers_build(w, q);
    /* the scratch lists are indexed below: give up before if one ran out */
    if (w->marks.failed || w->moff.failed || w->mbucket.failed || w->bnames.failed)
        return false;
    fw_buf_reset(&w->out);
    resp_len(&w->out, '*', 2);
    resp_str(&w->out, "WATCH");
    resp_str(&w->out, w->guard);
    for (bi = 0; bi < w->nbuckets; bi++)
        put_hmget(w, &w->out, q, bi);
    if (w->out.failed || !slots_clear(w, q->nalerts) ||
        redisAppendFormattedCommand(ctx, w->out.data, w->out.len) != REDIS_OK ||
        !write_all(ctx) || redisGetReply(ctx, (void **)&watch) != REDIS_OK || !watch)
        ok = false;
    else
        ok = watch->type == REDIS_REPLY_STATUS;
    if (watch)
        freeReplyObject(watch);
    return ok && dup_from_replies(w, ctx, q);
}

/* HSET bucket field now ... for bucket bi's new alerts, and EXPIRE of the
 * bucket; nothing when it has none. Returns the commands added (0 or 2). */
static size_t put_bucket_writes(struct rdx_writer *w, const struct rdx_queue *q, uint32_t bi,
                                const char *now, size_t nowlen)
{
    const char *p;
    size_t i, n, k = 0;

    for (i = 0; i < q->nalerts; i++)
        k += bucket_of(w, i) == bi && !q->dup.data[i];
    if (k == 0)
        return 0;
    resp_len(&w->out, '*', 2 + 2 * k);
    resp_str(&w->out, "HSET");
    resp_str(&w->out, bucket_name(w, bi));
    for (i = 0; i < q->nalerts; i++) {
        if (bucket_of(w, i) != bi || q->dup.data[i])
            continue;
        marker_at(w, i, &p, &n);
        fw_buf_append(&w->out, p, n);
        resp_bulk(&w->out, now, nowlen);
    }
    resp_len(&w->out, '*', 3);
    resp_str(&w->out, "EXPIRE");
    resp_str(&w->out, bucket_name(w, bi));
    resp_str(&w->out, STR(RDX_ALERT_TTL_S));
    return 2;
}

/* Into w->out, the writes of the checked queue: MULTI, per new alert in queue
 * order its XADD, then per bucket one HSET of the new markers (the time they
 * were added, Unix ms) and its EXPIRE, an agent's INCR of its guard, EXEC; or
 * UNWATCH when every alert is a duplicate. One HSET per bucket instead of a
 * SET per alert: a marker field costs Redis a fraction of a key. A refused
 * transaction (OOM...) runs nothing, so no marker is left behind to make the
 * retry look like a duplicate. An XADD that fails while EXEC runs (the stream
 * key holds another type) does not stop the HSET, but that error is not
 * retriable: the alert is dropped either way. */
static void tx_format(struct rdx_writer *w, struct rdx_queue *q)
{
    char now[24];
    const uint8_t *entry;
    struct rdx_entry e;
    size_t off = 0, len, i, nowlen;
    uint32_t bi;
    uint8_t sev;
    int k;

    fw_buf_reset(&w->out);
    nowlen = (size_t)snprintf(now, sizeof(now), "%llu",
                              (unsigned long long)(fw_time_now_us() / 1000));
    q->ntx = 0;
    q->nbucket_cmds = 0;
    for (i = 0; alert_next(q, &off, &entry, &len, &sev); i++) {
        if (q->dup.data[i])
            continue;
        if (rdx_entry_decode(entry, len, &e) != 0) {
            q->dup.data[i] = 1;     /* cannot happen (checked when queued); not sent */
            continue;
        }
        if (q->ntx++ == 0) {
            resp_len(&w->out, '*', 1);
            resp_str(&w->out, "MULTI");
        }
        resp_len(&w->out, '*', 6 + (size_t)e.argc - 2);
        resp_str(&w->out, "XADD");
        resp_str(&w->out, w->stream_key);
        resp_str(&w->out, "MAXLEN");
        resp_str(&w->out, "~");
        resp_str(&w->out, w->maxlen);
        resp_str(&w->out, "*");
        for (k = 2; k < e.argc; k++)
            resp_bulk(&w->out, e.argv[k], e.lens[k]);
    }
    q->unwatch = q->ntx == 0;
    for (bi = 0; !q->unwatch && bi < w->nbuckets; bi++)
        q->nbucket_cmds += put_bucket_writes(w, q, bi, now, nowlen);
    if (!q->unwatch && w->guard_incr) {
        resp_len(&w->out, '*', 2);
        resp_str(&w->out, "INCR");
        resp_str(&w->out, w->guard);
    }
    resp_len(&w->out, '*', 1);
    resp_str(&w->out, q->unwatch ? "UNWATCH" : "EXEC");
}

enum reply_class {
    REPLY_OK = 0,
    REPLY_NIL,          /* duplicate */
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
        k = rdx_err_retriable(r->str, r->len) ? REPLY_RETRY : REPLY_ERROR;
        if (!w->logged_error) {
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

/* Read a reply whose content does not matter: REPLY_OK or REPLY_LOST. */
static enum reply_class skip_reply(redisContext *ctx)
{
    redisReply *r = NULL;

    if (redisGetReply(ctx, (void **)&r) != REDIS_OK || !r)
        return REPLY_LOST;
    freeReplyObject(r);
    return REPLY_OK;
}

struct flush_state {
    redisContext *ctx;
    bool broken;            /* connection lost or writes refused */
    rdx_retry_fn fn;
    void *fn_ctx;
    struct rdx_flush_res *res;
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
    if (fs->broken && q->ncmds)
        fs->res->cmds_lost = true;
}

/* What the transaction's replies said: one class for every new alert (all),
 * or when all is REPLY_OK the EXEC array, one XADD result per new alert. */
struct tx_result {
    enum reply_class all;
    redisReply *exec;
};

/* A refused EXEC (EXECABORT, or OOM for the whole transaction): nothing ran.
 * The reason is the first refused command's, when one was refused. */
static enum reply_class exec_refused(struct rdx_writer *w, const redisReply *exec,
                                     enum reply_class queued)
{
    if (queued == REPLY_RETRY || queued == REPLY_ERROR)
        return queued;
    return classify(w, exec) == REPLY_RETRY ? REPLY_RETRY : REPLY_ERROR;
}

/* Commands queued inside the transaction: an XADD per alert, HSET + EXPIRE
 * per bucket, INCR of an agent's guard. */
static size_t tx_cmds(const struct rdx_writer *w, const struct rdx_queue *q)
{
    return q->ntx + q->nbucket_cmds + (w->guard_incr ? 1 : 0);
}

/* Read MULTI's +OK, the +QUEUED (or refusal) of each command, then EXEC. */
static void tx_read(struct rdx_writer *w, struct flush_state *fs, const struct rdx_queue *q,
                    struct tx_result *tx)
{
    enum reply_class queued = REPLY_OK, k;
    redisReply *r = NULL;
    size_t i;

    tx->all = REPLY_OK;
    tx->exec = NULL;
    /* an error to MULTI itself would mean the commands ran outside a
     * transaction: lost sync, as is a reply missing */
    if (read_reply(w, fs->ctx) != REPLY_OK) {
        tx->all = REPLY_LOST;
        return;
    }
    for (i = 0; i < tx_cmds(w, q); i++) {
        /* under OOM every command is refused: classify (and log) the first only */
        k = queued == REPLY_OK ? read_reply(w, fs->ctx) : skip_reply(fs->ctx);
        if (k == REPLY_LOST) {
            tx->all = REPLY_LOST;
            return;
        }
        if (queued == REPLY_OK)
            queued = k;
    }
    if (redisGetReply(fs->ctx, (void **)&r) != REDIS_OK || !r) {
        tx->all = REPLY_LOST;
    } else if (r->type == REDIS_REPLY_NIL) {
        /* the guard changed after the check (another writer, or an earlier
         * batch of ours run late): nothing ran; the retry checks again and
         * finds what was added */
        fw_log(FW_LOG_INFO, "redis %s: %s changed during the transaction; retrying",
               rdx_conn_url(w->conn), w->guard);
        tx->all = REPLY_RETRY;
    } else if (r->type == REDIS_REPLY_ERROR) {
        tx->all = exec_refused(w, r, queued);
    } else if (r->type == REDIS_REPLY_ARRAY && r->elements == tx_cmds(w, q)) {
        tx->exec = r;
        return;
    } else {
        tx->all = REPLY_LOST;   /* another reply: lost sync with the server */
    }
    if (r)
        freeReplyObject(r);
}

/* Outcome of the j-th alert of the transaction: its XADD's result. */
static enum reply_class tx_outcome(struct rdx_writer *w, const struct tx_result *tx, size_t j)
{
    const redisReply *x;

    if (tx->all != REPLY_OK)
        return tx->all;
    x = tx->exec->element[j];          /* the XADDs come first */
    return x->type == REDIS_REPLY_ERROR ? classify(w, x) : REPLY_OK;
}

/* Read the alert replies of q (transaction or UNWATCH) and hand each alert
 * its outcome, in queue order: a duplicate is skipped, after a refusal or a
 * lost reply the rest is retried (the stream keeps the order). */
static void alerts_collect(struct rdx_writer *w, struct flush_state *fs,
                           const struct rdx_queue *q)
{
    struct tx_result tx = {REPLY_OK, NULL};
    const uint8_t *entry;
    size_t off = 0, len, i, j = 0;
    uint8_t sev;

    if (q->nalerts == 0)
        return;
    if (q->ntx)
        tx_read(w, fs, q, &tx);
    if (q->unwatch && skip_reply(fs->ctx) == REPLY_LOST)
        tx.all = REPLY_LOST;
    for (i = 0; alert_next(q, &off, &entry, &len, &sev); i++) {
        enum reply_class k = REPLY_NIL;

        if (!q->dup.data[i]) {
            k = tx_outcome(w, &tx, j++);
            if (fs->broken)
                k = REPLY_LOST;
        }
        alert_outcome(fs, k, entry, len, sev);
    }
    if (tx.all == REPLY_LOST)
        fs->broken = true;      /* even when every alert was a duplicate */
    if (tx.exec)
        freeReplyObject(tx.exec);
}

static void queue_reset(struct rdx_queue *q)
{
    fw_buf_reset(&q->cmds);
    fw_buf_reset(&q->alerts);
    fw_buf_reset(&q->dup);
    q->ncmds = 0;
    q->nalerts = 0;
    q->ntx = 0;
    q->nbucket_cmds = 0;
    q->unwatch = false;
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

/* Read every reply of the batch in flight (each read bounded by the
 * connection's timeout) and hand the unconfirmed entries to fn, in order. */
static void collect(struct rdx_writer *w, uint64_t now_us, struct flush_state *fs)
{
    const struct rdx_queue *q = w->fly;

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
    alerts_collect(w, fs, q);       /* the transaction went first: see queue_send */
    read_cmd_replies(w, q, fs);
    queue_reset(w->fly);
    if (!fs->broken)
        return;
    rdx_conn_fail(w->conn, now_us, fs->ctx->err ? fs->ctx->errstr : "writes refused");
    /* the queue cannot go out now either: after the batch in flight, in order */
    queue_all_lost(w->cur, fs);
    queue_reset(w->cur);
}

/* Check the alerts' markers (waiting for that reply), then write the
 * transaction and the plain commands to the socket, not waiting for their
 * replies. The transaction first, so that an alert is in the stream before
 * its PUBLISH is seen. False when the connection broke. */
static bool queue_send(struct rdx_writer *w, redisContext *ctx, struct rdx_queue *q,
                       struct rdx_flush_res *res)
{
    if (q->nalerts) {
        bool checked = markers_check(w, ctx, q);

        res->alert_cmds += 1 + w->nbuckets;     /* WATCH, an HMGET per bucket */
        if (!checked)
            return false;
        tx_format(w, q);
        res->txs += q->ntx > 0;
        res->alert_cmds += q->ntx ? tx_cmds(w, q) + 2 : 1;
        if (w->out.failed || redisAppendFormattedCommand(ctx, w->out.data, w->out.len) != REDIS_OK)
            return false;
    }
    if (q->ncmds && redisAppendFormattedCommand(ctx, q->cmds.data, q->cmds.len) != REDIS_OK)
        return false;
    return write_all(ctx);
}

/* Send the filling queue and make it the batch in flight. */
static void send_cur(struct rdx_writer *w, uint64_t now_us, struct flush_state *fs)
{
    struct rdx_queue *q = w->cur;

    /* The check waits for its replies, which only works with nothing in
     * flight. Every caller collects first; this keeps it so if one does not. */
    if (w->flying) {
        collect(w, now_us, fs);
        fs->broken = false;
    }
    if (q->ncmds + q->nalerts == 0)
        return;
    fs->res->cmds += q->ncmds;
    fs->ctx = rdx_conn_ctx(w->conn);
    if (!fs->ctx) {
        queue_all_lost(q, fs);
        queue_reset(q);
        return;
    }
    if (!queue_send(w, fs->ctx, q, fs->res)) {
        queue_all_lost(q, fs);
        queue_reset(q);
        rdx_conn_fail(w->conn, now_us, fs->ctx->err ? fs->ctx->errstr : "write failed");
        return;
    }
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
