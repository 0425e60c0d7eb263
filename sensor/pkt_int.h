/* sensor/pkt_int.h: private glue between the decoder chain's files.
 *
 * The chain is a set of small decoders, one per protocol file, that call each
 * other through pkt_ethertype_dispatch() and pkt_ip_dispatch(). They share one
 * struct pkt_ctx per frame: the output packet, the counters, the encapsulation
 * depth and the reassembly table. Only pkt_*.c files include this header; the
 * capture thread that owns the decoder is the only caller.
 */
#ifndef PKT_INT_H
#define PKT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "fw_rd.h"
#include "pkt_decode.h"
#include "pkt_types.h"

/* EtherTypes and IP protocol numbers the chain recognises. */
#define PKT_ETH_IPV4 0x0800
#define PKT_ETH_ARP 0x0806
#define PKT_ETH_VLAN 0x8100
#define PKT_ETH_QINQ 0x88A8
#define PKT_ETH_QINQ_OLD 0x9100
#define PKT_ETH_IPV6 0x86DD
#define PKT_ETH_MPLS_UC 0x8847
#define PKT_ETH_MPLS_MC 0x8848
#define PKT_ETH_PPPOE_DISC 0x8863
#define PKT_ETH_PPPOE_SESS 0x8864
#define PKT_ETH_TEB 0x6558          /* transparent Ethernet bridging (GRE, Geneve) */
#define PKT_ETH_ERSPAN2 0x88BE
#define PKT_ETH_ERSPAN3 0x22EB
#define PKT_ETH_PPP 0x880B          /* PPP carried in GRE */
#define PKT_ETH_VNTAG 0x8926

#define PKT_IPPROTO_HOPOPTS 0
#define PKT_IPPROTO_ICMP 1
#define PKT_IPPROTO_IPIP 4
#define PKT_IPPROTO_TCP 6
#define PKT_IPPROTO_UDP 17
#define PKT_IPPROTO_IPV6 41
#define PKT_IPPROTO_ROUTING 43
#define PKT_IPPROTO_FRAGMENT 44
#define PKT_IPPROTO_GRE 47
#define PKT_IPPROTO_ESP 50
#define PKT_IPPROTO_AH 51
#define PKT_IPPROTO_ICMPV6 58
#define PKT_IPPROTO_NONE 59
#define PKT_IPPROTO_DSTOPTS 60
#define PKT_IPPROTO_SCTP 132

#define PKT_UDP_VXLAN 4789
#define PKT_UDP_GENEVE 6081
#define PKT_UDP_TEREDO 3544

struct pkt_defrag;

/* State of one pkt_decode() call. */
struct pkt_ctx {
    struct pkt *out;            /* borrowed from the caller */
    struct pkt_stats *st;       /* the decoder's counters */
    struct pkt_defrag *defrag;  /* the decoder's reassembly table */
    int depth;                  /* encapsulation layers entered so far */
    bool too_deep;              /* PKT_MAX_ENCAP was exceeded (counted apart) */
    bool reassembled;           /* a datagram was rebuilt in this frame already */
    struct pkt *tun;            /* the decoder's copy of the outermost tunnel's carrier */
    bool *has_tun;
};

/* One more encapsulation layer: false (and ctx->too_deep) past PKT_MAX_ENCAP. */
bool pkt_encap_enter(struct pkt_ctx *c, uint32_t encap_bit);

/* Link layers (pkt_eth.c). Each reads its header from rd and hands the rest on. */
enum pkt_status pkt_eth_decode(struct pkt_ctx *c, struct fw_rd *rd);
enum pkt_status pkt_sll_decode(struct pkt_ctx *c, struct fw_rd *rd);
enum pkt_status pkt_sll2_decode(struct pkt_ctx *c, struct fw_rd *rd);
enum pkt_status pkt_null_decode(struct pkt_ctx *c, struct fw_rd *rd, bool network_order);
enum pkt_status pkt_raw_decode(struct pkt_ctx *c, struct fw_rd *rd);
/* Continue with the payload of an EtherType-labelled header (Ethernet, VLAN, GRE...). */
enum pkt_status pkt_ethertype_dispatch(struct pkt_ctx *c, uint16_t type, struct fw_rd *rd);

enum pkt_status pkt_vlan_decode(struct pkt_ctx *c, uint16_t tpid, struct fw_rd *rd);
enum pkt_status pkt_mpls_decode(struct pkt_ctx *c, struct fw_rd *rd);
enum pkt_status pkt_pppoe_decode(struct pkt_ctx *c, struct fw_rd *rd);
/* A PPP protocol field (1 or 2 bytes, RFC 1661) and its payload. */
enum pkt_status pkt_ppp_decode(struct pkt_ctx *c, struct fw_rd *rd);
enum pkt_status pkt_gre_decode(struct pkt_ctx *c, struct fw_rd *rd);
/* UDP tunnels: *taken is false when the payload does not look like the tunnel,
 * in which case the caller keeps the UDP packet as the innermost one. */
enum pkt_status pkt_vxlan_decode(struct pkt_ctx *c, struct fw_rd *rd, bool *taken);
enum pkt_status pkt_geneve_decode(struct pkt_ctx *c, struct fw_rd *rd, bool *taken);
enum pkt_status pkt_teredo_decode(struct pkt_ctx *c, struct fw_rd *rd, bool *taken);

/* IP layers. rd starts at the IP header; the window ends at the capture end. */
enum pkt_status pkt_ipv4_decode(struct pkt_ctx *c, struct fw_rd *rd);
enum pkt_status pkt_ipv6_decode(struct pkt_ctx *c, struct fw_rd *rd);
/* IP version from the first nibble. */
enum pkt_status pkt_ip_decode(struct pkt_ctx *c, struct fw_rd *rd);
/* After the IP header(s): rd is the IP packet (base = ip), positioned at the L4
 * header; proto is the last next-header value. Fills ports, flags and offsets,
 * or follows a tunnel. */
enum pkt_status pkt_l4_decode(struct pkt_ctx *c, struct fw_rd *rd, uint8_t proto);

/* Reassembly (pkt_defrag.c). */
struct pkt_frag_in {
    uint8_t family;             /* 4 or 6 */
    uint8_t proto;              /* v4 protocol, v6 next header after the fragment header */
    uint16_t vlan;
    uint32_t id;
    const uint8_t *src, *dst;   /* 4 or 16 bytes, borrowed */
    const uint8_t *hdr;         /* v4: IP header; v6: unfragmentable part (base + ext) */
    uint32_t hdr_len;
    uint32_t nh_off;            /* v6: offset in hdr of the byte naming the fragment header */
    const uint8_t *data;        /* fragment payload, borrowed */
    uint32_t data_len;
    uint32_t offset;            /* byte offset of data in the original payload */
    bool more;                  /* more fragments follow */
    uint64_t ts_us;
};

struct pkt_defrag *pkt_defrag_create(const struct pkt_decoder_cfg *cfg);
void pkt_defrag_destroy(struct pkt_defrag *df);
/* Store one fragment. Returns PKT_OK with ip and ip_len set to the rebuilt IP packet
 * (in a defrag-owned buffer valid until the next call) when the datagram is
 * complete, PKT_FRAGMENT when it was stored or dropped (counters in st say why). */
enum pkt_status pkt_defrag_add(struct pkt_defrag *df, const struct pkt_frag_in *in,
                               struct pkt_stats *st, const uint8_t **ip, uint32_t *ip_len);
void pkt_defrag_expire(struct pkt_defrag *df, uint64_t now_us, struct pkt_stats *st);
/* Datagrams currently held (tests). */
size_t pkt_defrag_count(const struct pkt_defrag *df);

#endif
