/* dashboard-export/rdx_writer.h: pipelined, batched Redis writes.
 *
 * Two kinds of work are queued: plain commands (threat-map updates, PUBLISH,
 * heartbeat), formatted at once, and alert entries, kept encoded (the same
 * bytes the spool stores) so that an entry Redis did not confirm can go to the
 * spool as it is. A send is two round trips at most. First a synchronous check:
 * WATCH of one guard key, and HMGET of every queued alert's marker in its
 * bucket (a hash per UTC day of the alerts; nothing else is in flight then);
 * an alert whose marker exists, or appears earlier in the queue, is a
 * duplicate and is not sent, so replays never duplicate an alert. Then, not
 * waiting: one MULTI with an XADD per new alert, one HSET of the new markers
 * and an EXPIRE per bucket, EXEC (UNWATCH when none is new), then the plain
 * commands. The guard is the
 * stream itself (an agent: a key of its own, INCRed by each of its
 * transactions), so EXEC fails (nil) if anything that could add these markers
 * ran after the check: another writer, or an earlier batch of ours that timed
 * out but still ran; a refused command (OOM, NOREPLICAS...) makes it fail as a
 * whole (EXECABORT). Either way nothing is written and the alerts are retried,
 * in order. This replaced a Lua batch script: Lua copies every argument twice
 * (tests/bench/redis_floor.py: about 13.5 us of Redis CPU per alert for the
 * script, 9 for the transaction). Each read is bounded by the connection's
 * timeout. rdx_writer_send keeps one batch in flight: its replies are read
 * when the next batch is ready to go, so Redis executes batch N while the
 * caller builds N+1. Exporter thread only.
 */
#ifndef RDX_WRITER_H
#define RDX_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fw_buf.h"
#include "rdx_conn.h"

#define RDX_ENTRY_MAX_ARGS 40
#define RDX_ALERT_TTL_S 604800          /* a marker bucket lives 7 days after its last write */
/* Alerts per send (one transaction), for the caller to keep to: Redis runs a
 * transaction without serving anyone else, and 256 alerts take it ~3 ms; the
 * check's round trip per 256 alerts costs well under 1 us per alert. */
#define RDX_TX_ALERTS 256

/* The single-alert script (agg_cli.c; the writer itself uses a transaction):
 * KEYS[1] stream, KEYS[2] marker bucket (hash); ARGV[1] MAXLEN, ARGV[2]
 * bucket TTL, ARGV[3] marker field, ARGV[4..] field value pairs. Returns the
 * stream id (also the marker's value), or nil when the marker exists (a
 * replay or duplicate). */
extern const char rdx_alert_script[];

/* One decoded alert entry; pointers borrow the encoded bytes. argv[0] is the
 * alert id, argv[1] the update count ("0" for a new alert), then field/value
 * pairs for XADD. */
struct rdx_entry {
    uint8_t severity;
    int argc;
    const char *argv[RDX_ENTRY_MAX_ARGS];
    size_t lens[RDX_ENTRY_MAX_ARGS];
};

/* Append the encoding of an entry to b. */
void rdx_entry_encode(struct fw_buf *b, uint8_t severity, int argc, const char *const *argv,
                      const size_t *lens);
/* Decode untrusted bytes (from the spool). 0 or FW_EPARSE. */
int rdx_entry_decode(const uint8_t *p, size_t n, struct rdx_entry *e);

struct rdx_writer;

struct rdx_flush_res {
    size_t cmds;            /* plain commands sent */
    size_t txs;             /* MULTI/EXEC transactions sent */
    size_t alert_cmds;      /* commands sent for alerts: WATCH, HMGET, MULTI, XADD, HSET,
                             * EXPIRE, INCR, EXEC or UNWATCH */
    size_t alerts_new;      /* added to the stream */
    size_t alerts_dup;      /* already there (replay) */
    size_t alerts_retry;    /* handed to the retry callback */
    size_t errors;          /* error replies that retrying will not fix (dropped) */
    bool cmds_lost;         /* some plain commands did not apply: resync the map */
};

/* Called with each alert entry Redis did not confirm (down, timeout, OOM...). */
typedef void (*rdx_retry_fn)(void *ctx, const uint8_t *entry, size_t len, uint8_t severity);

/* conn borrowed (outlives the writer); prefix copied ("fw:"). */
struct rdx_writer *rdx_writer_create(struct rdx_conn *conn, const char *prefix,
                                     uint64_t stream_maxlen);
void rdx_writer_destroy(struct rdx_writer *w);
/* Agent sensors send alert entries to <prefix>ingest (markers
 * <prefix>ingest:<sensor>:<id>) instead of <prefix>alerts, for a central
 * aggregator to consume; their transactions watch <prefix>ingest:<sensor>:guard. */
void rdx_writer_set_stream(struct rdx_writer *w, bool ingest, const char *sensor);
/* Queue a plain command (argv borrowed, copied in). 0 or FW_ENOMEM. */
int rdx_writer_cmd(struct rdx_writer *w, int argc, const char **argv, const size_t *lens);
/* Queue an encoded alert entry (copied). 0, FW_EPARSE (not an entry) or FW_ENOMEM. */
int rdx_writer_alert(struct rdx_writer *w, const uint8_t *entry, size_t len, uint8_t severity);
/* Commands queued (plain + alerts, not the batch in flight) and their bytes. */
size_t rdx_writer_pending(const struct rdx_writer *w);
/* Alert entries queued (part of rdx_writer_pending). */
size_t rdx_writer_alerts(const struct rdx_writer *w);
size_t rdx_writer_bytes(const struct rdx_writer *w);
/* Send the queue and wait for every reply (the batch in flight first, if
 * any). now_us (monotonic) times the backoff when the connection fails.
 * Entries not confirmed go to fn, in queue order. 0, or FW_ECONN when the
 * connection is (now) down. Nothing is queued or in flight afterwards. */
int rdx_writer_flush(struct rdx_writer *w, uint64_t now_us, rdx_retry_fn fn, void *ctx,
                     struct rdx_flush_res *res);
/* One batch in flight: read the replies of the batch in flight (if any; its
 * outcomes go to fn and res), then write the queue to the socket without
 * waiting and make it the batch in flight, so that Redis executes it while
 * the caller fills the next one. A failure while collecting drops the
 * connection and hands the queue to fn after the batch in flight (order
 * kept). res counts what was sent now and what was collected now. 0 or
 * FW_ECONN. */
int rdx_writer_send(struct rdx_writer *w, uint64_t now_us, rdx_retry_fn fn, void *ctx,
                    struct rdx_flush_res *res);
/* Read the replies of the batch in flight (each read bounded by the
 * connection's timeout); unconfirmed entries go to fn. 0 or FW_ECONN. */
int rdx_writer_collect(struct rdx_writer *w, uint64_t now_us, rdx_retry_fn fn, void *ctx,
                       struct rdx_flush_res *res);
/* Commands in the batch in flight (0 when none). */
size_t rdx_writer_inflight(const struct rdx_writer *w);

#endif
