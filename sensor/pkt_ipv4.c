/* sensor/pkt_ipv4.c: IPv4 header, options and fragments.
 *
 * specification: RFC 791
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   |         Identification        |Flags|      Fragment Offset    |
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   |                       Source Address                          |
 *   |                    Destination Address                        |
 *   |                    Options (IHL > 5)                          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Two lengths, the smaller wins: the packet ends at Total Length or at the end
 * of the capture, whichever comes first (Ethernet padding is cut off this way,
 * a short snaplen is not an error). Fragments go to pkt_defrag.c, which needs
 * the whole fragment and so calls a short one truncated.
 */
#include "pkt_int.h"

#define PKT_IPV4_MIN_HDR 20
#define PKT_IPV4_MF 0x2000
#define PKT_IPV4_OFFMASK 0x1fff

/* Hand a fragment to reassembly; on completion decode the rebuilt packet. */
static enum pkt_status pkt_ipv4_frag(struct pkt_ctx *c, struct fw_rd *ip, uint32_t ihl,
                                     uint16_t id, uint16_t fo)
{
    struct pkt_frag_in in = {
        .family = 4, .proto = c->out->proto, .vlan = c->out->vlan, .id = id,
        .src = c->out->src.b, .dst = c->out->dst.b,
        .hdr = ip->base, .hdr_len = ihl,
        .offset = (uint32_t)(fo & PKT_IPV4_OFFMASK) * 8, .more = (fo & PKT_IPV4_MF) != 0,
        .ts_us = c->out->ts_us,
    };
    const uint8_t *whole;
    uint32_t whole_len;
    struct fw_rd r;

    if (c->reassembled)
        return PKT_UNSUPPORTED;     /* one rebuilt datagram per frame (one buffer) */
    in.data_len = (uint32_t)(ip->len - ihl);
    fw_rd_skip(ip, ihl);
    in.data = fw_rd_ptr(ip, in.data_len);
    if (pkt_defrag_add(c->defrag, &in, c->st, &whole, &whole_len) != PKT_OK)
        return PKT_FRAGMENT;
    c->reassembled = true;
    c->out->encap |= PKT_ENC_REASSEMBLED;
    /* the flow sees one packet for the datagram: credit it with the payload the
     * earlier fragments carried, or a fragmented response counts one fragment */
    if (whole_len > ihl + in.data_len)
        c->out->wire_len += whole_len - ihl - in.data_len;
    fw_rd_init(&r, whole, whole_len);
    return pkt_ipv4_decode(c, &r);
}

enum pkt_status pkt_ipv4_decode(struct pkt_ctx *c, struct fw_rd *rd)
{
    struct fw_rd hdr = fw_rd_rest(rd);
    struct fw_rd ip;
    uint8_t b0 = fw_rd_u8(&hdr);
    uint16_t total, id, fo;
    uint32_t ihl;
    bool short_cap;

    fw_rd_skip(&hdr, 1);
    total = fw_rd_u16be(&hdr);
    id = fw_rd_u16be(&hdr);
    fo = fw_rd_u16be(&hdr);
    c->out->ttl = fw_rd_u8(&hdr);
    c->out->proto = fw_rd_u8(&hdr);
    fw_rd_skip(&hdr, 2);
    fw_rd_bytes(&hdr, c->out->src.b, 4);
    fw_rd_bytes(&hdr, c->out->dst.b, 4);
    if (fw_rd_failed(&hdr))
        return PKT_TRUNCATED;
    ihl = (uint32_t)(b0 & 0x0f) * 4;
    if (total == 0 && !(fo & (PKT_IPV4_MF | PKT_IPV4_OFFMASK)))
        total = PKT_MAX_IP_LEN;     /* TCP segmentation offload: the sender's NIC fills it */
    if ((b0 >> 4) != 4 || ihl < PKT_IPV4_MIN_HDR || total < ihl)
        return PKT_MALFORMED;
    ip = fw_rd_sub(rd, total, &short_cap);
    if (ip.len < ihl)
        return PKT_TRUNCATED;
    c->out->src.family = c->out->dst.family = 4;
    c->out->ip_version = 4;
    c->out->ip = ip.base;
    c->out->ip_len = (uint32_t)ip.len;
    if (fo & (PKT_IPV4_MF | PKT_IPV4_OFFMASK)) {
        if (!short_cap)
            return pkt_ipv4_frag(c, &ip, ihl, id, fo);
        /* Cut by the snaplen, it can never be reassembled; a first fragment
         * still names the flow, later ones are only bytes. */
        if (fo & PKT_IPV4_OFFMASK)
            return PKT_TRUNCATED;
    }
    fw_rd_skip(&ip, ihl);
    return pkt_l4_decode(c, &ip, c->out->proto);
}

enum pkt_status pkt_ip_decode(struct pkt_ctx *c, struct fw_rd *rd)
{
    int b0 = fw_rd_peek(rd, 0);

    if (b0 < 0)
        return PKT_TRUNCATED;
    switch (b0 >> 4) {
    case 4:
        return pkt_ipv4_decode(c, rd);
    case 6:
        return pkt_ipv6_decode(c, rd);
    default:
        return PKT_MALFORMED;
    }
}
