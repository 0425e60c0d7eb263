/* sensor/pkt_decode.h: the decoder chain, from a captured frame to struct pkt.
 *
 * Owns the link-layer to L4 decoders (pkt_eth.c, pkt_vlan.c, pkt_mpls.c,
 * pkt_pppoe.c, pkt_gre.c, pkt_vxlan.c, pkt_ipv4.c, pkt_ipv6.c, pkt_l4.c...) and
 * the IPv4/IPv6 fragment reassembly table (pkt_defrag.c), which is bounded in
 * memory and time. One decoder per capture thread; not shared.
 * Every skipped frame is counted in struct pkt_stats under its reason.
 */
#ifndef PKT_DECODE_H
#define PKT_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "pkt_types.h"

/* Link types we decode, independent of libpcap's DLT numbers (cap_source maps). */
enum pkt_link {
    PKT_LINK_ETHERNET = 0,
    PKT_LINK_SLL,           /* Linux cooked v1 */
    PKT_LINK_SLL2,          /* Linux cooked v2 */
    PKT_LINK_RAW,           /* raw IP, version from the first nibble */
    PKT_LINK_IPV4,
    PKT_LINK_IPV6,
    PKT_LINK_NULL,          /* BSD loopback, host-order family */
    PKT_LINK_LOOP,          /* OpenBSD loopback, network-order family */
};

struct pkt_decoder_cfg {
    size_t frag_max_datagrams;      /* datagrams under reassembly at once; default 4096 */
    size_t frag_max_bytes;          /* bytes held in all partial datagrams; default 16 MiB */
    uint64_t frag_timeout_us;       /* default 30 s (like Linux ipfrag_time) */
};

struct pkt_decoder;

/* cfg may be NULL for defaults. NULL on allocation failure. */
struct pkt_decoder *pkt_decoder_create(const struct pkt_decoder_cfg *cfg);
void pkt_decoder_destroy(struct pkt_decoder *d);

/* Decode one frame. frame/caplen are the captured bytes, wire_len the original
 * length. On PKT_OK, *out describes the innermost IP packet; its pointers live
 * until the next call. PKT_FRAGMENT means a fragment was stored (or dropped and
 * counted) and there is nothing to pass on yet. */
enum pkt_status pkt_decode(struct pkt_decoder *d, enum pkt_link link, const uint8_t *frame,
                           uint32_t caplen, uint32_t wire_len, uint64_t ts_us, struct pkt *out);

/* The outer flow of a tunnel in the frame last decoded, or NULL: the
 * outermost GRE, ERSPAN, VXLAN, Geneve or Teredo carrier (its IP packet, with
 * the UDP or GRE header as L4), as ndpiReader reports it, while *out of
 * pkt_decode is the innermost packet. Set whatever that call returned once
 * the carrier's own headers were read: its payload may be one we do not decode
 * (PPTP's GRE, NHRP), truncated, malformed or a fragment held for reassembly,
 * and the carrier is a flow on the wire all the same (a malformed tunnel
 * payload is worth seeing). IP-in-IP (6in4, 4in4) is not reported apart.
 * Pointers live until the next pkt_decode. */
const struct pkt *pkt_decoder_tunnel(const struct pkt_decoder *d);

/* Drop partial datagrams older than the timeout; call about once a second. */
void pkt_decoder_expire(struct pkt_decoder *d, uint64_t now_us);
const struct pkt_stats *pkt_decoder_stats(const struct pkt_decoder *d);

#endif
