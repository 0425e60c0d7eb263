/* sensor/pkt_types.h: what the decoder chain hands to the flow stage.
 *
 * pkt_decode() (sensor/pkt_decode.h) turns one captured frame into a struct
 * pkt: the innermost IP packet (the bytes nDPI wants), its 5-tuple, VLAN and
 * TCP flags. Decoding runs in the capture thread, which needs the 5-tuple to
 * pick a worker; the worker receives a copy of the IP packet bytes.
 * Malformed traffic is an outcome, not an error: every reason has a counter.
 */
#ifndef PKT_TYPES_H
#define PKT_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "fw_ip.h"

#define PKT_MAX_ENCAP 8         /* encapsulation layers before PKT_MALFORMED */
#define PKT_MAX_IP_LEN 65535    /* largest (reassembled) IP packet */

enum pkt_status {
    PKT_OK = 0,
    PKT_TRUNCATED,      /* a header or declared length runs past the capture */
    PKT_MALFORMED,      /* a field holds an impossible value */
    PKT_UNSUPPORTED,    /* a protocol we do not decode (ARP, LLDP, GRE v1...) */
    PKT_FRAGMENT,       /* an IP fragment held for reassembly; nothing to do yet */
};

/* TCP flag bits as on the wire. */
enum pkt_tcp_flag {
    PKT_TCP_FIN = 0x01,
    PKT_TCP_SYN = 0x02,
    PKT_TCP_RST = 0x04,
    PKT_TCP_PSH = 0x08,
    PKT_TCP_ACK = 0x10,
    PKT_TCP_URG = 0x20,
};

enum pkt_encap_bit {
    PKT_ENC_VLAN = 1u << 0,
    PKT_ENC_QINQ = 1u << 1,
    PKT_ENC_MPLS = 1u << 2,
    PKT_ENC_PPPOE = 1u << 3,
    PKT_ENC_GRE = 1u << 4,
    PKT_ENC_ERSPAN = 1u << 5,
    PKT_ENC_VXLAN = 1u << 6,
    PKT_ENC_GENEVE = 1u << 7,
    PKT_ENC_IPIP = 1u << 8,
    PKT_ENC_TEREDO = 1u << 9,
    PKT_ENC_REASSEMBLED = 1u << 10,
};

/* One decoded packet. Pointers borrow the frame (or the reassembly buffer) and
 * live until the next pkt_decode() call on the same decoder. */
struct pkt {
    uint64_t ts_us;             /* capture timestamp */
    uint32_t wire_len;          /* original frame length (pcap len), for byte counts */
    const uint8_t *ip;          /* innermost IP header */
    uint32_t ip_len;            /* bytes from ip to the end of the IP packet (narrowed by
                                 * the IP total length, bounded by what was captured) */
    uint32_t l4_off;            /* offset of the L4 header from ip */
    uint32_t payload_off;       /* offset of the L4 payload from ip */
    uint32_t payload_len;       /* L4 payload bytes captured */
    struct fw_ip src, dst;      /* innermost addresses, as sent */
    uint16_t sport, dport;      /* 0 for protocols without ports; ICMP: type, code */
    uint8_t proto;              /* IANA protocol number of the innermost L4 */
    uint8_t ip_version;         /* 4 or 6 */
    uint8_t tcp_flags;          /* enum pkt_tcp_flag bits; 0 for non-TCP */
    uint8_t ttl;                /* IPv4 TTL or IPv6 hop limit */
    uint16_t vlan;              /* outermost 802.1Q VLAN id (0 if none) */
    bool has_vlan;
    uint32_t encap;             /* enum pkt_encap_bit set seen on the way in */
    uint32_t tcp_seq;           /* TCP sequence number, for retransmit hints */
};

/* Per-decoder counters; merged by the pipeline at report time. Each reason a
 * packet can be skipped has its own field. */
struct pkt_stats {
    uint64_t packets;           /* frames given to pkt_decode */
    uint64_t bytes;             /* sum of wire_len */
    uint64_t ok;                /* decoded to a flow-able packet */
    uint64_t truncated;
    uint64_t malformed;
    uint64_t unsupported;       /* non-IP or unsupported encapsulation */
    uint64_t too_many_layers;
    uint64_t ipv4, ipv6, tcp, udp, icmp, sctp, other_l4;
    uint64_t vlan, mpls, pppoe, gre, erspan, vxlan, geneve;
    uint64_t frag_fragments;    /* fragments seen */
    uint64_t frag_reassembled;  /* datagrams completed */
    uint64_t frag_timeouts;     /* incomplete datagrams expired */
    uint64_t frag_evicted;      /* dropped because the reassembly table was full */
    uint64_t frag_overlaps;     /* overlapping fragments (first copy wins) */
    uint64_t frag_invalid;      /* fragments that would exceed 65535 bytes etc. */
};

#endif
