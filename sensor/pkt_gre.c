/* sensor/pkt_gre.c: GRE and the ERSPAN mirror headers it carries.
 *
 * specification: RFC 2784 (GRE), RFC 2890 (key and sequence number),
 * draft-foschiano-erspan-03 (ERSPAN types I, II and III)
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |C|R|K|S| Reserved0       | Ver |         Protocol Type         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |      Checksum (optional)      |       Reserved1 (Optional)    |
 *   |                         Key (optional)                        |
 *   |                 Sequence Number (Optional)                    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * ERSPAN II (0x88BE with S set): 8 bytes, Ver=1 | VLAN | COS,En,T | Session |
 * Reserved | Index, then the mirrored Ethernet frame. ERSPAN I is 0x88BE without
 * a sequence number and no header at all. ERSPAN III (0x22EB): 12 bytes, plus
 * an 8-byte platform subheader when the O bit (last bit) is set; its frame type
 * (5 bits of the 11th byte, P|FT|HW...) says Ethernet (0) or IP (2).
 * GRE version 1 is PPTP's enhanced GRE and is not decoded.
 */
#include "pkt_int.h"

#define PKT_GRE_F_CSUM 0x8000
#define PKT_GRE_F_ROUTE 0x4000
#define PKT_GRE_F_KEY 0x2000
#define PKT_GRE_F_SEQ 0x1000
#define PKT_GRE_VERSION 0x0007
#define PKT_ERSPAN2_HDR_LEN 8
#define PKT_ERSPAN3_HDR_LEN 12
#define PKT_ERSPAN3_SUBHDR_LEN 8
#define PKT_ERSPAN3_FT_ETH 0
#define PKT_ERSPAN3_FT_IP 2

static enum pkt_status pkt_erspan_decode(struct pkt_ctx *c, uint16_t proto, bool has_seq,
                                         struct fw_rd *rd)
{
    int ft = PKT_ERSPAN3_FT_ETH;

    if (!pkt_encap_enter(c, PKT_ENC_ERSPAN))
        return PKT_MALFORMED;
    if (proto == PKT_ETH_ERSPAN2 && has_seq) {
        if ((fw_rd_peek(rd, 0) >> 4) != 1 && fw_rd_peek(rd, 0) >= 0)
            return PKT_MALFORMED;       /* type II says version 1 */
        fw_rd_skip(rd, PKT_ERSPAN2_HDR_LEN);
    } else if (proto == PKT_ETH_ERSPAN3) {
        int hi = fw_rd_peek(rd, PKT_ERSPAN3_HDR_LEN - 2);
        int lo = fw_rd_peek(rd, PKT_ERSPAN3_HDR_LEN - 1);

        fw_rd_skip(rd, PKT_ERSPAN3_HDR_LEN);
        if (fw_rd_failed(rd))
            return PKT_TRUNCATED;
        if (lo & 1)
            fw_rd_skip(rd, PKT_ERSPAN3_SUBHDR_LEN);
        ft = (hi >> 2) & 0x1f;          /* frame type: 0 Ethernet, 2 IP */
    }
    if (fw_rd_failed(rd))
        return PKT_TRUNCATED;
    if (ft == PKT_ERSPAN3_FT_IP)
        return pkt_ip_decode(c, rd);
    if (ft != PKT_ERSPAN3_FT_ETH)
        return PKT_UNSUPPORTED;
    return pkt_eth_decode(c, rd);
}

enum pkt_status pkt_gre_decode(struct pkt_ctx *c, struct fw_rd *rd)
{
    uint16_t flags = fw_rd_u16be(rd);
    uint16_t proto = fw_rd_u16be(rd);

    if (fw_rd_failed(rd))
        return PKT_TRUNCATED;
    if (!pkt_encap_enter(c, PKT_ENC_GRE))
        return PKT_MALFORMED;
    if ((flags & PKT_GRE_VERSION) || (flags & PKT_GRE_F_ROUTE))
        return PKT_UNSUPPORTED;         /* v1 is PPTP; source routing is RFC 1701 only */
    if (flags & PKT_GRE_F_CSUM)
        fw_rd_skip(rd, 4);              /* a passive sensor has no use for it */
    if (flags & PKT_GRE_F_KEY)
        fw_rd_skip(rd, 4);
    if (flags & PKT_GRE_F_SEQ)
        fw_rd_skip(rd, 4);
    if (fw_rd_failed(rd))               /* one test covers every optional field */
        return PKT_TRUNCATED;
    switch (proto) {
    case PKT_ETH_ERSPAN2:
    case PKT_ETH_ERSPAN3:
        return pkt_erspan_decode(c, proto, (flags & PKT_GRE_F_SEQ) != 0, rd);
    case PKT_ETH_PPP:
        return pkt_ppp_decode(c, rd);
    case PKT_ETH_TEB:
        return pkt_eth_decode(c, rd);
    default:
        return pkt_ethertype_dispatch(c, proto, rd);
    }
}
