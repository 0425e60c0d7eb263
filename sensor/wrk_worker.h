/* sensor/wrk_worker.h: one worker = one flow table + one nDPI module.
 *
 * A worker owns its flow table (flow_table.c), its nDPI detection module
 * (dpi_ndpi.c) and the metadata parsers' per-flow state. It receives decoded
 * packets whose symmetric hash maps to it, so both directions of a flow meet
 * here, and emits flow events (start, classified, end, dns) through the emit
 * callback, which the pipeline points at an SPSC ring. Single-threaded: only
 * the thread that owns the worker may call these functions.
 */
#ifndef WRK_WORKER_H
#define WRK_WORKER_H

#include <stdint.h>

#include "flow_types.h"
#include "fw_config.h"
#include "pkt_types.h"

struct wrk_stats {
    uint64_t packets, bytes;
    uint64_t flows_created;
    uint64_t flows_active;          /* now */
    uint64_t flows_ended;           /* records emitted */
    uint64_t flows_evicted;         /* pushed out because flows_max was reached */
    uint64_t flows_classified;      /* nDPI named a protocol */
    uint64_t flows_giveup;          /* ndpi_detection_giveup used */
    uint64_t ndpi_bytes;            /* bytes of nDPI flow state allocated now */
    uint64_t dns_messages;          /* parsed by meta_dns */
    uint64_t dns_errors;            /* DNS-port payloads that did not parse */
    uint64_t flow_mem_bytes;        /* flow table + metadata bytes now */
};

/* Called for each event; evt is borrowed for the duration of the call. */
typedef void (*wrk_emit_fn)(void *ctx, const struct flow_evt *evt);

struct wrk_worker;

/* cfg is borrowed and must outlive the worker (read-only). flows_max is this
 * worker's share of the table. NULL on failure. */
struct wrk_worker *wrk_worker_create(const struct fw_config *cfg, unsigned index,
                                     uint64_t flows_max, wrk_emit_fn emit, void *emit_ctx);
void wrk_worker_destroy(struct wrk_worker *w);
/* As wrk_worker_create, but without the nDPI module: wrk_worker_start()
 * creates it in the thread that will own the worker. nDPI builds its protocol
 * tables at start-up (~10 ms); done there, that overlaps the capture thread's
 * first reads instead of delaying them. No packet before wrk_worker_start(). */
struct wrk_worker *wrk_worker_create_unstarted(const struct fw_config *cfg, unsigned index,
                                               uint64_t flows_max, wrk_emit_fn emit,
                                               void *emit_ctx);
/* Create the nDPI module if not done yet: 0, or FW_ENOMEM. */
int wrk_worker_start(struct wrk_worker *w);

/* One packet (already decoded; p and its bytes borrowed for the call). */
void wrk_worker_packet(struct wrk_worker *w, const struct pkt *p);
/* The same, with hash = flow_table_hash(p) computed by the caller. */
void wrk_worker_packet_hashed(struct wrk_worker *w, const struct pkt *p, uint32_t hash);
/* Advance time: ends flows whose idle/closed timeout passed (emits FLOW_EVT_END).
 * now_us is packet time for offline reads, so replays are deterministic. */
void wrk_worker_expire(struct wrk_worker *w, uint64_t now_us);
/* End every flow (end of input or shutdown), emitting a record for each. */
void wrk_worker_flush(struct wrk_worker *w, uint64_t now_us);
void wrk_worker_stats(const struct wrk_worker *w, struct wrk_stats *st);

/* "nDPI 4.2.0 (...)" */
const char *dpi_lib_version(void);

#endif
