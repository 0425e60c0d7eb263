/* sensor/flow_types.h: flow records and the flow events workers emit.
 *
 * A worker owns its flow table; what leaves it is a struct flow_evt (a copy),
 * pushed through an SPSC ring to the analyzer stage. The analyzer stage fills
 * in zones, runs rules and detectors, and hands flow_end records to the JSON
 * lines writer. Field names follow the ECS record of DESIGN.md: source is the
 * side that sent the first packet seen.
 */
#ifndef FLOW_TYPES_H
#define FLOW_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "fw_ip.h"
#include "meta_types.h"

enum flow_end_reason {
    FLOW_END_NONE = 0,      /* still active (flow_start / flow_classified events) */
    FLOW_END_FIN,           /* FIN seen both ways or RST, then tcp_closed elapsed */
    FLOW_END_RST,
    FLOW_END_IDLE,          /* idle timeout */
    FLOW_END_EVICTED,       /* table full: oldest idle flow pushed out */
    FLOW_END_EOF,           /* end of input or shutdown */
};

/* Which optional metadata a record carries. */
enum flow_meta_bit {
    FLOW_META_DNS = 1u << 0,
    FLOW_META_HTTP = 1u << 1,
    FLOW_META_TLS = 1u << 2,
    FLOW_META_SSH = 1u << 3,
    FLOW_META_FIX = 1u << 4,
};

#define FLOW_ZONE_EXTERNAL (-1)     /* address in no configured zone */
#define FLOW_ZONE_UNKNOWN (-2)      /* not yet resolved */

struct flow_rec {
    uint64_t id;                    /* unique per sensor run: worker << 56 | sequence */
    uint64_t ts_start_us;           /* first packet */
    uint64_t ts_end_us;             /* last packet */
    struct fw_ip src, dst;
    uint16_t sport, dport;          /* ICMP: type, code of the first packet */
    uint8_t proto;                  /* IANA number */
    uint8_t end_reason;             /* enum flow_end_reason */
    uint16_t vlan;
    bool has_vlan;
    uint8_t tcp_flags_src;          /* OR of flags sent by source */
    uint8_t tcp_flags_dst;
    uint64_t src_bytes, dst_bytes;  /* wire bytes */
    uint32_t src_pkts, dst_pkts;
    uint64_t src_payload, dst_payload;  /* L4 payload bytes */
    char community_id[40];          /* "1:" + base64(SHA1) */
    /* nDPI */
    char ndpi_proto[48];            /* "Master.App" or "App", as ndpiReader prints */
    char ndpi_category[32];
    uint16_t ndpi_master_id, ndpi_app_id;
    uint64_t ndpi_risk;             /* bitmap of 1 << ndpi_risk_enum */
    bool ndpi_done;                 /* classified or given up */
    uint32_t meta;                  /* enum flow_meta_bit */
    /* first DNS question of the flow (every message also comes as FLOW_EVT_DNS) */
    char dns_qname[META_DNS_NAME_MAX];
    uint16_t dns_qtype;
    uint8_t dns_rcode;
    uint32_t dns_queries, dns_responses;
    struct meta_http http;
    struct meta_tls tls;
    struct meta_ssh ssh;
    struct meta_fix fix;
    /* filled by the analyzer stage from the zone map */
    int16_t zone_src, zone_dst;     /* zone index, FLOW_ZONE_EXTERNAL or _UNKNOWN */
};

enum flow_evt_type {
    FLOW_EVT_START = 0,         /* first packet of a flow */
    FLOW_EVT_CLASSIFIED,        /* nDPI named it (or gave up) */
    FLOW_EVT_END,               /* flow record is final */
    FLOW_EVT_DNS,               /* one DNS message parsed on this flow */
};

struct flow_evt {
    uint8_t type;               /* enum flow_evt_type */
    uint8_t worker;             /* producing worker */
    uint64_t ts_us;             /* time of the event (packet time) */
    struct flow_rec rec;        /* snapshot of the flow at the event */
    struct meta_dns_msg dns;    /* valid for FLOW_EVT_DNS */
    bool dns_from_src;          /* the DNS message was sent by rec.src */
};

const char *flow_end_reason_name(enum flow_end_reason r);
const char *flow_evt_type_name(enum flow_evt_type t);

#endif
