/* dashboard-export/rdx_export.h: the exporter stage (records out of the sensor).
 *
 * Owns the outputs: JSON lines files (jsonl_*.c, with rotation and gzip), the
 * in-process aggregator that keeps the threat map (agg_*.c), the Redis writer
 * (rdx_*.c, hiredis, pipelined, reconnect with backoff) and the zlib disk spool
 * used while Redis is away (spool_*.c). The pipeline calls it from one exporter
 * thread; nothing here is called from the capture path.
 */
#ifndef RDX_EXPORT_H
#define RDX_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anz_types.h"
#include "flow_types.h"
#include "fw_config.h"

/* What the sensor reports in its heartbeat (fw:sensor:<id>) and final summary. */
struct rdx_sensor_status {
    uint64_t uptime_s;
    double pps, bps;
    uint64_t packets, bytes, drops, flows_active, flows_total, alerts;
    const char *ruleset_hash;
    char counters_json[2048];       /* every counter, rendered by the pipeline */
    const char *rules_json;         /* per-rule counters {"ID":{"evaluations":...}}, or NULL */
};

struct rdx_export_stats {
    uint64_t flows_written, alerts_written;
    uint64_t redis_cmds, redis_errors, redis_reconnects;
    uint64_t spooled, spool_replayed, spool_dropped, spool_bytes;
    bool redis_up;
};

struct rdx_export;

/* cfg borrowed (read-only, outlives the exporter). redis_url "" = no Redis.
 * NULL with text in errbuf on a fatal setup error (e.g. an unwritable output
 * file); an unreachable Redis is not fatal: records spool. */
struct rdx_export *rdx_export_create(const struct fw_config *cfg, char *errbuf, size_t errlen);
void rdx_export_destroy(struct rdx_export *x);
/* One finished flow (FLOW_EVT_END record, zones resolved). */
void rdx_export_flow(struct rdx_export *x, const struct flow_rec *rec);
/* One alert (new or updated). */
void rdx_export_alert(struct rdx_export *x, const struct anz_alert *a);
/* Called often (at least every 100 ms): flushes the Redis pipeline by time,
 * retries Redis, replays the spool, heartbeat. now_us is wall time. */
void rdx_export_tick(struct rdx_export *x, uint64_t now_us, const struct rdx_sensor_status *s);
/* Flush everything (end of run); waits at most timeout_us for Redis, then spools. */
void rdx_export_flush(struct rdx_export *x, uint64_t timeout_us);
void rdx_export_stats(const struct rdx_export *x, struct rdx_export_stats *st);
/* Agent mode (several sensors, one central `finwatch aggregate`): alerts go to
 * <prefix>ingest (same fields and exactly-once markers as <prefix>alerts) and the
 * sensor leaves fw:map:*, fw:host:*, fw:zone:* and fw:live to the aggregator.
 * Off by default; set before the first record (the lead wires a config key). */
void rdx_export_set_agent(struct rdx_export *x, bool on);
/* "hiredis 0.14.1" */
const char *rdx_lib_version(void);

#endif
