/* sensor/dpi_ndpi.h: nDPI 4.2 classification (the only module that includes nDPI).
 *
 * A struct dpi_module wraps one nDPI detection module; each worker owns one and
 * only that worker's thread may use it. Per-flow nDPI state (struct
 * ndpi_flow_struct, about 700 bytes) is handed out by dpi_flow_alloc() from a
 * per-module free list and returned with dpi_flow_release() as soon as the flow
 * is classified or given up, so idle flows do not carry it. The stop/give-up
 * logic copies ndpiReader 4.2 (example/reader_util.c, packet_processing()) so
 * that protocol names agree with ndpiReader on the same capture. Protocols are
 * kept as numeric ids in the flow table and turned into names only at record time.
 */
#ifndef DPI_NDPI_H
#define DPI_NDPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ndpiReader 4.2 defaults: max_num_tcp_dissected_pkts / max_num_udp_dissected_pkts. */
#define DPI_MAX_TCP_PKTS 80
#define DPI_MAX_UDP_PKTS 24
#define DPI_HOST_MAX 80         /* nDPI's host_server_name[80] */
#define DPI_JA3_MAX 33

struct dpi_module;
struct dpi_flow;                /* opaque: an nDPI flow struct */

/* What nDPI said about a flow; ids, not names. */
struct dpi_result {
    uint16_t master_id;         /* e.g. TLS for TLS.Google; 0 = unknown */
    uint16_t app_id;
    uint16_t category;          /* ndpi_protocol_category_t */
    uint64_t risk;              /* bitmap: 1 << ndpi_risk_enum */
    bool gave_up;               /* ended through ndpi_detection_giveup */
    bool guessed;               /* ... which guessed the protocol */
};

/* Strings nDPI collected; copied out before the nDPI state is released. */
struct dpi_info {
    char host[DPI_HOST_MAX];    /* SNI, HTTP Host, DNS query... ("" if none) */
    char ja3_client[DPI_JA3_MAX];
    uint16_t tls_version;
    bool is_tls;                /* host/ja3 come from a TLS or QUIC ClientHello */
};

enum dpi_step {
    DPI_MORE = 0,               /* feed the next packet of the flow */
    DPI_DONE,                   /* classified or given up: read the result, release */
};

/* One detection module with every protocol enabled. NULL on failure. */
struct dpi_module *dpi_module_create(void);
void dpi_module_destroy(struct dpi_module *m);

/* Fresh zeroed per-flow state from the module's pool; NULL on allocation failure. */
struct dpi_flow *dpi_flow_alloc(struct dpi_module *m);
/* Free what nDPI allocated inside f and return f to the pool; f may be NULL. */
void dpi_flow_release(struct dpi_module *m, struct dpi_flow *f);

/* Feed one IP packet (ip points at the IP header, len bytes). pkts_seen counts
 * every packet of the flow so far including this one, both directions, and
 * l4proto is the IANA protocol: together they decide when to give up, as in
 * ndpiReader. On DPI_DONE *r holds the final answer (after ndpi_detection_giveup
 * with guessing when nothing was found). */
enum dpi_step dpi_flow_process(struct dpi_module *m, struct dpi_flow *f, const uint8_t *ip,
                               uint32_t len, uint64_t ts_ms, uint32_t pkts_seen,
                               uint8_t l4proto, struct dpi_result *r);
/* Give up now (flow ended before nDPI decided): guess, as ndpiReader does at exit. */
void dpi_flow_giveup(struct dpi_module *m, struct dpi_flow *f, struct dpi_result *r);
/* Copy host name, JA3 and TLS version out of f. */
void dpi_flow_info(const struct dpi_flow *f, struct dpi_info *info);

/* "Master.App" or "App" exactly as ndpiReader prints it; returns buf. */
char *dpi_proto_name(struct dpi_module *m, uint16_t master_id, uint16_t app_id, char *buf,
                     size_t len);
/* Category name ("Web", "Network"...); never NULL. */
const char *dpi_category_name(struct dpi_module *m, uint16_t category);
/* Name of one risk bit ("Self-signed Certificate"); NULL past the last risk. */
const char *dpi_risk_name(unsigned bit);
/* Number of risk bits nDPI defines (bits 1 .. n-1 may be set). */
unsigned dpi_risk_count(void);
/* True when the protocol id is DNS (the worker then runs its DNS parser). */
bool dpi_proto_is_dns(uint16_t master_id, uint16_t app_id);
/* Bytes of one per-flow nDPI state. */
size_t dpi_flow_size(void);

#endif
