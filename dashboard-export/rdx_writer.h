/* dashboard-export/rdx_writer.h: pipelined, batched Redis writes.
 *
 * Two kinds of work are queued: plain commands (threat-map updates, PUBLISH,
 * heartbeat), formatted at once, and alert entries, kept encoded (the same
 * bytes the spool stores) so that an entry Redis did not confirm can go to the
 * spool as it is. A flush sends everything in one round trip (many commands
 * per write, replies read in order, each read bounded by the connection's
 * timeout). Alert entries go through one Lua script (EVALSHA, EVAL on
 * NOSCRIPT) that adds to the stream only when the alert's marker key does not
 * exist yet, so replays never duplicate an alert. Up to RDX_SCRIPT_BATCH
 * entries share one EVALSHA of the batch script (one script call instead of
 * one per alert: the per-call cost in Redis dominated); its reply holds one
 * outcome per entry, so each entry is still confirmed, skipped as a duplicate
 * or retried on its own. rdx_writer_send keeps one batch in flight: its
 * replies are read when the next batch is ready to go, so Redis executes batch
 * N while the caller builds N+1. Exporter thread only.
 */
#ifndef RDX_WRITER_H
#define RDX_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fw_buf.h"
#include "rdx_conn.h"

#define RDX_ENTRY_MAX_ARGS 40
#define RDX_ALERT_TTL_S 604800          /* marker keys live 7 days */
#define RDX_SCRIPT_BATCH 256            /* alert entries per EVALSHA (bounds a script's run) */

/* The alert script: KEYS[1] stream, KEYS[2] marker; ARGV[1] MAXLEN, ARGV[2]
 * marker TTL, ARGV[3..] field value pairs. Returns the stream id, or nil when
 * the marker exists (a replay or duplicate). */
extern const char rdx_alert_script[];
/* The batch script the writer uses (rdx_conn must be created with it so that
 * its SHA is loaded): KEYS[1] stream, KEYS[2..] one marker per entry; ARGV[1]
 * MAXLEN, ARGV[2] marker TTL, then per entry a count n and n field/value
 * strings. Each entry does what rdx_alert_script does; the reply is an array
 * with per entry the stream id, nil (marker existed) or an error. The first
 * failed XADD stops the batch and every later entry gets the same error, so a
 * retry keeps the stream in order. */
extern const char rdx_alert_batch_script[];

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
    size_t scripts;         /* EVALSHA/EVAL calls carrying alert entries */
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
/* Agent sensors send alert entries to <prefix>ingest (markers <prefix>ingest:<id>)
 * instead of <prefix>alerts, for a central aggregator to consume. */
void rdx_writer_set_stream(struct rdx_writer *w, bool ingest);
/* Queue a plain command (argv borrowed, copied in). 0 or FW_ENOMEM. */
int rdx_writer_cmd(struct rdx_writer *w, int argc, const char **argv, const size_t *lens);
/* Queue an encoded alert entry (copied). 0, FW_EPARSE (not an entry) or FW_ENOMEM. */
int rdx_writer_alert(struct rdx_writer *w, const uint8_t *entry, size_t len, uint8_t severity);
/* Commands queued (plain + alerts, not the batch in flight) and their bytes. */
size_t rdx_writer_pending(const struct rdx_writer *w);
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
