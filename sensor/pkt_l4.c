/* sensor/pkt_l4.c: transport headers (TCP, UDP, ICMP, ICMPv6, SCTP) and the
 * tunnels that hide behind an IP protocol or a UDP port.
 *
 * specification: RFC 9293 (TCP), RFC 768 (UDP), RFC 792 / RFC 4443 (ICMP),
 * RFC 9260 (SCTP common header), RFC 2003 / RFC 2473 (IP in IP)
 *
 *   TCP:  | sport 2 | dport 2 | seq 4 | ack 4 | off 4, rsvd 4 | flags 1 | ... |
 *   UDP:  | sport 2 | dport 2 | length 2 | checksum 2 |
 *   ICMP: | type 1 | code 1 | checksum 2 | rest 4 |      (sport=type, dport=code)
 *   SCTP: | sport 2 | dport 2 | verification tag 4 | checksum 4 |
 *
 * The UDP length, like the IP length, only narrows the window. Ports of the
 * innermost packet win: a tunnel's decoder overwrites what the outer layer set.
 */
#include "pkt_int.h"

#define PKT_TCP_MIN_HDR 20
#define PKT_UDP_HDR_LEN 8
#define PKT_ICMP_HDR_LEN 8
#define PKT_SCTP_HDR_LEN 12

static enum pkt_status pkt_tcp_decode(struct pkt *out, struct fw_rd *rd)
{
    uint32_t doff;

    out->sport = fw_rd_u16be(rd);
    out->dport = fw_rd_u16be(rd);
    out->tcp_seq = fw_rd_u32be(rd);
    fw_rd_skip(rd, 4);                  /* ack */
    doff = (uint32_t)(fw_rd_u8(rd) >> 4) * 4;
    out->tcp_flags = fw_rd_u8(rd) & 0x3f;
    if (fw_rd_failed(rd))
        return PKT_TRUNCATED;
    if (doff < PKT_TCP_MIN_HDR)
        return PKT_MALFORMED;
    fw_rd_skip(rd, doff - 14);          /* window, checksum, urgent, options */
    if (fw_rd_failed(rd))
        return PKT_TRUNCATED;
    return PKT_OK;
}

/* Follow a UDP tunnel if the ports and the payload say so; *taken tells. */
static enum pkt_status pkt_udp_tunnel(struct pkt_ctx *c, struct fw_rd *body, uint16_t sport,
                                      uint16_t dport, bool *taken)
{
    *taken = false;
    if (dport == PKT_UDP_VXLAN)
        return pkt_vxlan_decode(c, body, taken);
    if (dport == PKT_UDP_GENEVE)
        return pkt_geneve_decode(c, body, taken);
    if (sport == PKT_UDP_TEREDO || dport == PKT_UDP_TEREDO)
        return pkt_teredo_decode(c, body, taken);
    return PKT_OK;
}

static enum pkt_status pkt_udp_decode(struct pkt_ctx *c, struct fw_rd *rd)
{
    struct pkt *out = c->out;
    uint16_t ulen;
    struct fw_rd body;
    enum pkt_status s;
    bool taken;

    out->sport = fw_rd_u16be(rd);
    out->dport = fw_rd_u16be(rd);
    ulen = fw_rd_u16be(rd);
    fw_rd_skip(rd, 2);
    if (fw_rd_failed(rd))
        return PKT_TRUNCATED;
    if (ulen < PKT_UDP_HDR_LEN)
        return PKT_MALFORMED;
    out->payload_off = (uint32_t)fw_rd_off(rd);
    body = fw_rd_sub(rd, ulen - PKT_UDP_HDR_LEN, NULL);
    out->payload_len = (uint32_t)body.len;
    s = pkt_udp_tunnel(c, &body, out->sport, out->dport, &taken);
    return s;
}

static enum pkt_status pkt_ipip_decode(struct pkt_ctx *c, struct fw_rd *rd, uint8_t proto)
{
    struct fw_rd inner = fw_rd_rest(rd);

    if (!pkt_encap_enter(c, PKT_ENC_IPIP))
        return PKT_MALFORMED;
    if (proto == PKT_IPPROTO_IPIP)
        return pkt_ipv4_decode(c, &inner);
    return pkt_ipv6_decode(c, &inner);
}

/* Decode the header of proto; on PKT_OK rd sits at the payload. */
static enum pkt_status pkt_l4_header(struct pkt_ctx *c, struct fw_rd *rd, uint8_t proto,
                                     bool *done)
{
    struct fw_rd inner;

    *done = false;
    switch (proto) {
    case PKT_IPPROTO_TCP:
        return pkt_tcp_decode(c->out, rd);
    case PKT_IPPROTO_UDP:
        *done = true;
        return pkt_udp_decode(c, rd);
    case PKT_IPPROTO_ICMP:
    case PKT_IPPROTO_ICMPV6:
        c->out->sport = fw_rd_u8(rd);
        c->out->dport = fw_rd_u8(rd);
        fw_rd_skip(rd, PKT_ICMP_HDR_LEN - 2);
        return fw_rd_failed(rd) ? PKT_TRUNCATED : PKT_OK;
    case PKT_IPPROTO_SCTP:
        c->out->sport = fw_rd_u16be(rd);
        c->out->dport = fw_rd_u16be(rd);
        fw_rd_skip(rd, PKT_SCTP_HDR_LEN - 4);
        return fw_rd_failed(rd) ? PKT_TRUNCATED : PKT_OK;
    case PKT_IPPROTO_IPIP:
    case PKT_IPPROTO_IPV6:
        *done = true;
        return pkt_ipip_decode(c, rd, proto);
    case PKT_IPPROTO_GRE:
        *done = true;
        inner = fw_rd_rest(rd);
        return pkt_gre_decode(c, &inner);
    default:
        return PKT_OK;                  /* ESP, OSPF, PIM...: a flow without ports */
    }
}

enum pkt_status pkt_l4_decode(struct pkt_ctx *c, struct fw_rd *rd, uint8_t proto)
{
    struct pkt *out = c->out;
    enum pkt_status s;
    bool done;

    out->proto = proto;
    out->sport = out->dport = 0;
    out->tcp_flags = 0;
    out->tcp_seq = 0;
    out->l4_off = (uint32_t)fw_rd_off(rd);
    out->payload_off = out->l4_off;
    out->payload_len = 0;
    s = pkt_l4_header(c, rd, proto, &done);
    if (done || s != PKT_OK)
        return s;
    out->payload_off = (uint32_t)fw_rd_off(rd);
    out->payload_len = (uint32_t)fw_rd_left(rd);
    return s;
}
