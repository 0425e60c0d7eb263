/* sensor/pkt_ipv6.c: IPv6 header and extension header chain.
 *
 * specification: RFC 8200 (IPv6, extension headers, fragments), RFC 4302 (AH),
 * RFC 6946 (atomic fragments)
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version| Traffic Class |           Flow Label                  |
 *   |         Payload Length        |  Next Header  |   Hop Limit   |
 *   |                Source Address (16)  Destination Address (16)  |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   extension header: | Next Header | Hdr Ext Len | ... (Len+1)*8 bytes
 *   AH:               | Next Header | Payload Len | ... (Len+2)*4 bytes
 *   fragment:         | Next Header | Reserved | Offset(13) Res M | Identification |
 *
 * Hop-by-hop, routing, destination options and AH are skipped; the fragment
 * header sends the packet to reassembly unless it is atomic (offset 0, M=0);
 * ESP and No Next Header end the walk with that protocol and no ports.
 */
#include "pkt_int.h"

#define PKT_IPV6_HDR_LEN 40
#define PKT_IPV6_MAX_EXT 16         /* longer chains are called malformed */
#define PKT_IPV6_NH_OFF 6           /* offset of Next Header in the fixed header */

struct pkt_ipv6_frag_hdr {
    uint32_t start;                 /* offset of the fragment header in the packet */
    uint32_t nh_off;                /* offset of the byte that named it */
    uint8_t next;
    uint16_t fo;
    uint32_t id;
};

static enum pkt_status pkt_ipv6_frag(struct pkt_ctx *c, struct fw_rd *ip,
                                     const struct pkt_ipv6_frag_hdr *fh)
{
    struct pkt_frag_in in = {
        .family = 6, .proto = fh->next, .vlan = c->out->vlan, .id = fh->id,
        .src = c->out->src.b, .dst = c->out->dst.b,
        .hdr = ip->base, .hdr_len = fh->start, .nh_off = fh->nh_off,
        .offset = fh->fo & 0xfff8u, .more = (fh->fo & 1) != 0, .ts_us = c->out->ts_us,
    };
    const uint8_t *whole;
    uint32_t whole_len;
    struct fw_rd r;

    if (c->reassembled)
        return PKT_UNSUPPORTED;     /* one rebuilt datagram per frame (one buffer) */
    in.data_len = (uint32_t)fw_rd_left(ip);
    in.data = fw_rd_ptr(ip, in.data_len);
    if (pkt_defrag_add(c->defrag, &in, c->st, &whole, &whole_len) != PKT_OK)
        return PKT_FRAGMENT;
    c->reassembled = true;
    c->out->encap |= PKT_ENC_REASSEMBLED;
    /* the flow sees one packet for the datagram: credit it with the payload the
     * earlier fragments carried, or a fragmented response counts one fragment */
    if (whole_len > fh->start + in.data_len)
        c->out->wire_len += whole_len - fh->start - in.data_len;
    fw_rd_init(&r, whole, whole_len);
    return pkt_ipv6_decode(c, &r);
}

/* Walk the extension headers from the end of the fixed header. */
static enum pkt_status pkt_ipv6_ext(struct pkt_ctx *c, struct fw_rd *ip, uint8_t nh,
                                    bool short_cap)
{
    struct pkt_ipv6_frag_hdr fh = { .nh_off = PKT_IPV6_NH_OFF };
    uint32_t start;
    uint8_t len;
    int i;

    for (i = 0; i < PKT_IPV6_MAX_EXT; i++) {
        start = (uint32_t)fw_rd_off(ip);
        switch (nh) {
        case PKT_IPPROTO_HOPOPTS:
        case PKT_IPPROTO_ROUTING:
        case PKT_IPPROTO_DSTOPTS:
        case PKT_IPPROTO_AH:
            fh.next = fw_rd_u8(ip);
            len = fw_rd_u8(ip);
            if (nh == PKT_IPPROTO_AH)
                fw_rd_skip(ip, ((size_t)len + 2) * 4 - 2);
            else
                fw_rd_skip(ip, ((size_t)len + 1) * 8 - 2);
            break;
        case PKT_IPPROTO_FRAGMENT:
            fh.next = fw_rd_u8(ip);
            fw_rd_skip(ip, 1);
            fh.fo = fw_rd_u16be(ip);
            fh.id = fw_rd_u32be(ip);
            if (fw_rd_failed(ip))
                return PKT_TRUNCATED;
            if ((fh.fo & 0xfff8u) == 0 && !(fh.fo & 1))
                break;                  /* atomic fragment: just a header to skip */
            if (short_cap && (fh.fo & 0xfff8u))
                return PKT_TRUNCATED;
            if (short_cap)
                break;          /* snaplen-cut first fragment: decode what names the flow */
            fh.start = start;
            return pkt_ipv6_frag(c, ip, &fh);
        default:
            return pkt_l4_decode(c, ip, nh);
        }
        if (fw_rd_failed(ip))
            return PKT_TRUNCATED;
        fh.nh_off = start;
        nh = fh.next;
    }
    return PKT_MALFORMED;
}

enum pkt_status pkt_ipv6_decode(struct pkt_ctx *c, struct fw_rd *rd)
{
    struct fw_rd hdr = fw_rd_rest(rd);
    struct fw_rd ip;
    uint8_t b0 = fw_rd_u8(&hdr);
    uint16_t plen;
    uint8_t nh;
    bool short_cap;

    fw_rd_skip(&hdr, 3);
    plen = fw_rd_u16be(&hdr);
    nh = fw_rd_u8(&hdr);
    c->out->ttl = fw_rd_u8(&hdr);
    fw_rd_bytes(&hdr, c->out->src.b, 16);
    fw_rd_bytes(&hdr, c->out->dst.b, 16);
    if (fw_rd_failed(&hdr))
        return PKT_TRUNCATED;
    if ((b0 >> 4) != 6)
        return PKT_MALFORMED;
    ip = fw_rd_sub(rd, PKT_IPV6_HDR_LEN + (size_t)plen, &short_cap);
    c->out->src.family = c->out->dst.family = 6;
    c->out->ip_version = 6;
    c->out->ip = ip.base;
    c->out->ip_len = (uint32_t)ip.len;
    fw_rd_skip(&ip, PKT_IPV6_HDR_LEN);
    return pkt_ipv6_ext(c, &ip, nh, short_cap);
}
