/* dashboard-export/rdx_export.c: the exporter stage (JSON lines, threat map,
 * Redis with spool). Contract in rdx_export.h; Redis layout in docs/redis.md.
 *
 * Order guarantee: while the spool holds anything, new alerts go to the spool
 * too, and the spool is replayed (oldest first) before they reach Redis. The
 * threat map is derived state kept in memory: it is not spooled but rewritten
 * whole (agg_map_resync) after any lost batch or reconnect.
 *
 * Throughput: alert entries travel up to 256 to one MULTI/EXEC (rdx_writer.c) and the
 * threat map is written from agg_map's changed set at most every RDX_MAP_US,
 * not per alert: a host hit by 50 alerts in that time costs one HSET, and the
 * map is still current within RDX_MAP_US + RDX_FLUSH_US + a round trip.
 */
#include "rdx_export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg_map.h"
#include "fw_alloc.h"
#include "fw_buf.h"
#include "fw_err.h"
#include "fw_log.h"
#include "fw_time.h"
#include "jsonl_record.h"
#include "jsonl_writer.h"
#include "rdx_conn.h"
#include "rdx_int.h"
#include "rdx_writer.h"
#include "spool_file.h"

#ifndef FW_VERSION
#define FW_VERSION "0.0.0"
#endif

#define RDX_FLUSH_US 20000ull           /* a queued command waits at most 20 ms (<= 100) */
/* A send's alerts form one MULTI/EXEC, and Redis runs nothing else while an
 * EXEC runs: these and RDX_TX_ALERTS (256 alerts) bound a send to 1.5 MiB and
 * a few ms of Redis time, so that other clients (dashboards, the aggregator)
 * are not held up. */
#define RDX_BATCH_CMDS 1024             /* ... or until this many are queued */
#define RDX_BATCH_BYTES (3u << 19)
#define RDX_MAP_US 50000ull             /* threat-map writes coalesced over 50 ms (<= 100) */
#define RDX_REPLAY_BATCH RDX_TX_ALERTS   /* spool records per replay round trip */
#define RDX_HEARTBEAT_US 1000000ull
#define RDX_DECAY_US 60000000ull
#define RDX_SENSOR_TTL "30"

struct rdx_export {
    const struct fw_config *cfg;        /* borrowed */
    struct jsonl_writer *flows, *alerts;
    struct rdx_conn *conn;              /* NULL = no Redis */
    struct rdx_writer *wr;
    struct spool *spool;                /* NULL = no spool (dir unusable) */
    struct agg_map *map;
    struct fw_buf line, compact, entry;
    char live_chan[64];                 /* <prefix>live */
    uint64_t first_queued_us;           /* monotonic time of the oldest queued command */
    uint64_t sent_us;                   /* when the batch in flight was sent */
    uint64_t last_beat_us, last_decay_us, last_map_us;
    uint64_t clock_ts, clock_mono;      /* newest alert time and when it was seen */
    uint64_t spool_lost;                /* alerts lost because there was no spool */
    bool agent;                         /* alerts to fw:ingest; no map, no fw:live */
    struct rdx_export_stats st;
};

const char *rdx_lib_version(void)
{
    static char buf[32];

    snprintf(buf, sizeof(buf), "hiredis %d.%d.%d", HIREDIS_MAJOR, HIREDIS_MINOR, HIREDIS_PATCH);
    return buf;
}

/* ------------------------------------------------------------ create/destroy */

static int open_outputs(struct rdx_export *x, char *errbuf, size_t errlen)
{
    const struct fw_config *c = x->cfg;
    uint64_t now = fw_time_now_us();
    char why[256];

    if (c->flows_path[0]) {
        x->flows = jsonl_writer_create(c->flows_path, c->rotate_size, c->rotate_interval_us,
                                       now, why, sizeof(why));
        if (!x->flows)
            goto out_err;
    }
    if (c->alerts_path[0]) {
        x->alerts = jsonl_writer_create(c->alerts_path, c->rotate_size, c->rotate_interval_us,
                                        now, why, sizeof(why));
        if (!x->alerts)
            goto out_err;
    }
    return 0;
out_err:
    snprintf(errbuf, errlen, "output: %s", why);
    return FW_EIO;
}

static int open_redis(struct rdx_export *x, char *errbuf, size_t errlen)
{
    const struct fw_config *c = x->cfg;
    char why[600];

    x->conn = rdx_conn_create(c->redis_url, c->redis_timeout_us, errbuf, errlen);
    if (!x->conn)
        return FW_EINVAL;
    x->wr = rdx_writer_create(x->conn, c->redis_prefix[0] ? c->redis_prefix : "fw:",
                              c->stream_maxlen);
    x->map = agg_map_create(c->redis_prefix[0] ? c->redis_prefix : "fw:", c->half_life_us,
                            c->hosts_max < 65536 ? c->hosts_max : 65536);
    if (!x->wr || !x->map) {
        snprintf(errbuf, errlen, "redis: out of memory");
        return FW_ENOMEM;
    }
    snprintf(x->live_chan, sizeof(x->live_chan), "%slive",
             c->redis_prefix[0] ? c->redis_prefix : "fw:");
    x->spool = spool_create(c->spool_dir, c->spool_max, why, sizeof(why));
    if (!x->spool)
        fw_log(FW_LOG_WARN, "%s; alerts will be lost while Redis is down", why);
    /* an unreachable Redis is not fatal: the first records spool */
    rdx_conn_ensure(x->conn, fw_time_mono_us());
    return 0;
}

struct rdx_export *rdx_export_create(const struct fw_config *cfg, char *errbuf, size_t errlen)
{
    struct rdx_export *x = fw_calloc(1, sizeof(*x));

    if (!x) {
        snprintf(errbuf, errlen, "out of memory");
        return NULL;
    }
    x->cfg = cfg;
    fw_buf_init(&x->line);
    fw_buf_init(&x->compact);
    fw_buf_init(&x->entry);
    if (open_outputs(x, errbuf, errlen) != 0 ||
        (cfg->redis_url[0] && open_redis(x, errbuf, errlen) != 0)) {
        rdx_export_destroy(x);
        return NULL;
    }
    return x;
}

void rdx_export_destroy(struct rdx_export *x)
{
    if (!x)
        return;
    jsonl_writer_destroy(x->flows);
    jsonl_writer_destroy(x->alerts);
    rdx_writer_destroy(x->wr);
    rdx_conn_destroy(x->conn);
    spool_destroy(x->spool);
    agg_map_destroy(x->map);
    fw_buf_free(&x->line);
    fw_buf_free(&x->compact);
    fw_buf_free(&x->entry);
    free(x);
}

/* --------------------------------------------------------------- records */

void rdx_export_flow(struct rdx_export *x, const struct flow_rec *rec)
{
    if (!x->flows)
        return;
    fw_buf_reset(&x->line);
    jsonl_flow_render(&x->line, rec, x->cfg, x->cfg->sensor_id);
    if (!x->line.failed &&
        jsonl_writer_write(x->flows, x->line.data, x->line.len, fw_time_now_us()) == 0)
        x->st.flows_written++;
}

/* Stream fields of an alert, encoded as a spool/writer entry in x->entry. */
static void alert_entry(struct rdx_export *x, const struct anz_alert *a, const char *json,
                        size_t json_len)
{
    char upd[16], ts[40], sev[8], score[32], src[FW_IP_STRLEN], dst[FW_IP_STRLEN];
    const char *argv[24];
    size_t lens[24];
    int n = 0, i;

    snprintf(upd, sizeof(upd), "%u", a->updates);
    snprintf(sev, sizeof(sev), "%u", a->severity);
    snprintf(score, sizeof(score), "%.4f", a->score);
    fw_time_iso(a->ts_us, ts, sizeof(ts));
    fw_ip_str(&a->src, src, sizeof(src));
    if (a->dst.family)
        fw_ip_str(&a->dst, dst, sizeof(dst));
    else
        dst[0] = '\0';
    argv[n++] = a->id;
    argv[n++] = upd;
    argv[n++] = "id", argv[n++] = a->id;
    argv[n++] = "ts", argv[n++] = ts;
    argv[n++] = "sensor", argv[n++] = x->cfg->sensor_id;
    argv[n++] = "rule", argv[n++] = a->rule_id;
    argv[n++] = "severity", argv[n++] = sev;
    argv[n++] = "score", argv[n++] = score;
    argv[n++] = "analyzer", argv[n++] = anz_kind_name((enum anz_kind)a->analyzer);
    argv[n++] = "src", argv[n++] = src;
    argv[n++] = "dst", argv[n++] = dst;
    if (a->updates)
        argv[n++] = "update", argv[n++] = upd;
    argv[n++] = "json";
    for (i = 0; i < n; i++)
        lens[i] = strnlen(argv[i], 128);
    argv[n] = json, lens[n++] = json_len;
    fw_buf_reset(&x->entry);
    rdx_entry_encode(&x->entry, a->severity, n, argv, lens);
}

static void spool_entry(struct rdx_export *x, const uint8_t *entry, size_t len, uint8_t sev)
{
    if (!x->spool || spool_append(x->spool, sev, entry, len) != 0)
        x->spool_lost++;
}

static void retry_to_spool(void *ctx, const uint8_t *entry, size_t len, uint8_t sev)
{
    spool_entry(ctx, entry, len, sev);
}

static bool spool_waiting(const struct rdx_export *x)
{
    return x->spool && !spool_empty(x->spool);
}

static void queue_cmd(struct rdx_export *x, int argc, const char **argv, const size_t *lens)
{
    if (rdx_writer_pending(x->wr) == 0)
        x->first_queued_us = fw_time_mono_us();
    rdx_writer_cmd(x->wr, argc, argv, lens);
}

static void emit_to_writer(void *ctx, int argc, const char **argv, const size_t *lens)
{
    queue_cmd(ctx, argc, argv, lens);
}

static void publish_live(struct rdx_export *x, const struct anz_alert *a)
{
    const char *argv[3] = {"PUBLISH", x->live_chan, NULL};
    size_t lens[3];

    fw_buf_reset(&x->compact);
    jsonl_alert_compact(&x->compact, a, x->cfg->sensor_id);
    argv[2] = x->compact.data;
    lens[0] = 7, lens[1] = strlen(x->live_chan), lens[2] = x->compact.len;
    queue_cmd(x, 3, argv, lens);
}

void rdx_export_set_agent(struct rdx_export *x, bool on)
{
    x->agent = on;
    if (x->wr)
        rdx_writer_set_stream(x->wr, on, x->cfg->sensor_id);
}

static void redis_alert(struct rdx_export *x, const struct anz_alert *a)
{
    uint64_t mono = fw_time_mono_us();

    if (!x->agent)
        agg_map_alert(x->map, a);   /* an agent leaves the map to the aggregator */
    if (a->ts_us >= x->clock_ts) {
        x->clock_ts = a->ts_us;
        x->clock_mono = mono;
    }
    alert_entry(x, a, x->line.data, x->line.len);
    if (x->entry.failed)
        return;
    if (spool_waiting(x) || !rdx_conn_up(x->conn)) {
        spool_entry(x, (const uint8_t *)x->entry.data, x->entry.len, a->severity);
        return;
    }
    if (rdx_writer_pending(x->wr) == 0)
        x->first_queued_us = mono;
    rdx_writer_alert(x->wr, (const uint8_t *)x->entry.data, x->entry.len, a->severity);
    if (!x->agent)
        publish_live(x, a);
}

/* Time to send without waiting for RDX_FLUSH_US. */
static bool queue_full(const struct rdx_export *x)
{
    return rdx_writer_pending(x->wr) >= RDX_BATCH_CMDS ||
           rdx_writer_bytes(x->wr) >= RDX_BATCH_BYTES ||
           rdx_writer_alerts(x->wr) >= RDX_TX_ALERTS;
}

void rdx_export_alert(struct rdx_export *x, const struct anz_alert *a)
{
    uint64_t now = fw_time_now_us();

    fw_buf_reset(&x->line);
    jsonl_alert_render(&x->line, a, x->cfg->sensor_id);
    if (x->line.failed)
        return;
    x->st.alerts_written++;
    if (x->alerts)
        jsonl_writer_write(x->alerts, x->line.data, x->line.len, now);
    if (!x->conn || a->shadow)
        return;                 /* shadow rules are evaluated and counted, not alerted */
    redis_alert(x, a);
    if (queue_full(x))
        rdx_export_tick(x, now, NULL);
}

/* ------------------------------------------------------------------ Redis */

static void account(struct rdx_export *x, const struct rdx_flush_res *res)
{
    x->st.redis_cmds += res->cmds + res->alert_cmds;  /* commands on the wire */
    x->st.redis_errors += res->errors + (res->alerts_retry || res->cmds_lost);
    if (res->cmds_lost)
        agg_map_resync(x->map);
}

/* Send the live queue, keeping it in flight (the replies of the previous
 * batch are read first); unconfirmed alerts go to the spool. */
static void flush_live(struct rdx_export *x, uint64_t mono)
{
    struct rdx_flush_res res;

    if (rdx_writer_pending(x->wr) == 0)
        return;
    rdx_writer_send(x->wr, mono, retry_to_spool, x, &res);
    account(x, &res);
    x->sent_us = mono;
}

/* Wait for the replies of the batch in flight. */
static void drain_live(struct rdx_export *x, uint64_t mono)
{
    struct rdx_flush_res res;

    if (rdx_writer_inflight(x->wr) == 0)
        return;
    rdx_writer_collect(x->wr, mono, retry_to_spool, x, &res);
    account(x, &res);
}

/* One round trip of spool records; committed only when Redis confirmed all. */
static bool replay_batch(struct rdx_export *x, uint64_t mono)
{
    struct rdx_flush_res res;
    const uint8_t *data;
    size_t len, n = 0;
    uint8_t sev;

    flush_live(x, mono);        /* a replay batch must hold replayed entries only */
    drain_live(x, mono);        /* ... and live outcomes go to the spool before it is read */
    if (!rdx_conn_up(x->conn))
        return false;
    while (n < RDX_REPLAY_BATCH && spool_read(x->spool, &sev, &data, &len) == 0) {
        /* a record that is not an entry (disk damage) is skipped, not retried */
        if (rdx_writer_alert(x->wr, data, len, sev) == 0)
            n++;
    }
    rdx_writer_flush(x->wr, mono, NULL, NULL, &res);
    account(x, &res);
    if (res.alerts_retry || !rdx_conn_up(x->conn)) {
        spool_rewind(x->spool);
        return false;
    }
    spool_commit(x->spool);
    return n > 0;
}

static void replay_spool(struct rdx_export *x, uint64_t deadline_mono)
{
    uint64_t mono = fw_time_mono_us();

    while (spool_waiting(x) && rdx_conn_up(x->conn) && mono < deadline_mono) {
        if (!replay_batch(x, mono))
            break;
        mono = fw_time_mono_us();
    }
}

static void heartbeat(struct rdx_export *x, const struct rdx_sensor_status *s)
{
    struct spool_stats sp = {0};
    char key[128], v[12][32];
    const char *argv[40];
    size_t lens[40];
    int n = 0, i;

    if (x->spool)
        spool_stats(x->spool, &sp);
    snprintf(key, sizeof(key), "%ssensor:%s", x->cfg->redis_prefix[0] ? x->cfg->redis_prefix
                                                                        : "fw:",
             x->cfg->sensor_id);
    snprintf(v[0], 32, "%llu", (unsigned long long)s->uptime_s);
    snprintf(v[1], 32, "%.1f", s->pps);
    snprintf(v[2], 32, "%.1f", s->bps);
    snprintf(v[3], 32, "%llu", (unsigned long long)s->drops);
    snprintf(v[4], 32, "%llu", (unsigned long long)s->flows_active);
    snprintf(v[5], 32, "%llu", (unsigned long long)s->flows_total);
    snprintf(v[6], 32, "%llu", (unsigned long long)s->packets);
    snprintf(v[7], 32, "%llu", (unsigned long long)s->alerts);
    snprintf(v[8], 32, "%llu", (unsigned long long)sp.bytes);
    snprintf(v[9], 32, "%llu", (unsigned long long)(sp.dropped + x->spool_lost));
    snprintf(v[10], 32, "%llu", (unsigned long long)(sp.records + rdx_writer_pending(x->wr) +
                                                   rdx_writer_inflight(x->wr)));
    fw_time_iso(fw_time_now_us(), v[11], 32);
    argv[n++] = "HSET", argv[n++] = key;
    argv[n++] = "version", argv[n++] = FW_VERSION;
    argv[n++] = "uptime", argv[n++] = v[0];
    argv[n++] = "pps", argv[n++] = v[1];
    argv[n++] = "bps", argv[n++] = v[2];
    argv[n++] = "drops", argv[n++] = v[3];
    argv[n++] = "flows", argv[n++] = v[4];
    argv[n++] = "flows_total", argv[n++] = v[5];
    argv[n++] = "packets", argv[n++] = v[6];
    argv[n++] = "alerts", argv[n++] = v[7];
    argv[n++] = "ruleset", argv[n++] = s->ruleset_hash ? s->ruleset_hash : "";
    argv[n++] = "spool_bytes", argv[n++] = v[8];
    argv[n++] = "spool_dropped", argv[n++] = v[9];
    argv[n++] = "redis_backlog", argv[n++] = v[10];
    argv[n++] = "updated", argv[n++] = v[11];
    argv[n++] = "counters";
    argv[n++] = s->counters_json[0] ? s->counters_json : "{}";
    argv[n++] = "rules";
    argv[n++] = s->rules_json && s->rules_json[0] ? s->rules_json : "{}";
    for (i = 0; i < n; i++)
        lens[i] = strlen(argv[i]);
    queue_cmd(x, n, argv, lens);
    argv[0] = "EXPIRE", argv[2] = RDX_SENSOR_TTL;
    lens[0] = 6, lens[2] = strlen(RDX_SENSOR_TTL);
    queue_cmd(x, 3, argv, lens);
}

/* The threat map's clock: the newest alert time, moved on by the wall time
 * since (a pcap replay decays at the speed of the run, not of 2019). */
static uint64_t map_clock(const struct rdx_export *x, uint64_t mono)
{
    return x->clock_ts + (mono > x->clock_mono ? mono - x->clock_mono : 0);
}

static void redis_tick(struct rdx_export *x, uint64_t mono, const struct rdx_sensor_status *s)
{
    bool was_up = rdx_conn_up(x->conn);

    if (!was_up && rdx_conn_ensure(x->conn, mono) == 0)
        agg_map_resync(x->map);         /* whatever was lost, write it all again */
    if (!rdx_conn_up(x->conn))
        return;                         /* alerts spool; the map stays dirty in memory */
    if (x->clock_ts && mono - x->last_decay_us >= RDX_DECAY_US) {
        agg_map_decay(x->map, map_clock(x, mono));
        x->last_decay_us = mono;
    }
    if (s && mono - x->last_beat_us >= RDX_HEARTBEAT_US) {
        heartbeat(x, s);
        x->last_beat_us = mono;
    }
    if (mono - x->last_map_us >= RDX_MAP_US) {
        agg_map_emit(x->map, emit_to_writer, x);
        x->last_map_us = mono;
    }
    if (rdx_writer_pending(x->wr) > 0 &&
        (mono - x->first_queued_us >= RDX_FLUSH_US ||
         queue_full(x)))
        flush_live(x, mono);
    else if (mono - x->sent_us >= RDX_FLUSH_US)
        drain_live(x, mono);    /* nothing new to send: confirm the batch in flight */
    replay_spool(x, mono + (x->cfg->redis_timeout_us ? x->cfg->redis_timeout_us : 2000000));
}

void rdx_export_tick(struct rdx_export *x, uint64_t now_us, const struct rdx_sensor_status *s)
{
    if (x->flows) {
        jsonl_writer_tick(x->flows, now_us);
        jsonl_writer_flush(x->flows);
    }
    if (x->alerts) {
        jsonl_writer_tick(x->alerts, now_us);
        jsonl_writer_flush(x->alerts);
    }
    if (x->conn)
        redis_tick(x, fw_time_mono_us(), s);
}

void rdx_export_flush(struct rdx_export *x, uint64_t timeout_us)
{
    uint64_t mono = fw_time_mono_us(), deadline = mono + timeout_us;

    if (x->flows)
        jsonl_writer_flush(x->flows);
    if (x->alerts)
        jsonl_writer_flush(x->alerts);
    if (!x->conn)
        return;
    if (!rdx_conn_up(x->conn) && rdx_conn_ensure_now(x->conn, mono) == 0)
        agg_map_resync(x->map);
    if (rdx_conn_up(x->conn)) {
        replay_spool(x, deadline);
        agg_map_emit(x->map, emit_to_writer, x);
    }
    flush_live(x, fw_time_mono_us());   /* down: alerts spool, map commands are dropped */
    drain_live(x, fw_time_mono_us());   /* each read bounded by the connection timeout */
    if (rdx_conn_up(x->conn))
        replay_spool(x, deadline);
    if (x->spool)
        spool_sync(x->spool);
}

void rdx_export_stats(const struct rdx_export *x, struct rdx_export_stats *st)
{
    struct spool_stats sp = {0};

    *st = x->st;
    if (x->spool)
        spool_stats(x->spool, &sp);
    st->spooled = sp.appended;
    st->spool_replayed = sp.replayed;
    st->spool_dropped = sp.dropped + x->spool_lost;
    st->spool_bytes = sp.bytes;
    st->redis_reconnects = x->conn ? rdx_conn_reconnects(x->conn) : 0;
    st->redis_up = x->conn && rdx_conn_up(x->conn);
}
