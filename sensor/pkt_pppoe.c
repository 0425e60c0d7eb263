/* sensor/pkt_pppoe.c: PPPoE session stage and the PPP protocol field.
 *
 * specification: RFC 2516 (PPPoE), RFC 1661 (PPP)
 *
 *   +-------+-------+---------------+---------------+---------------+
 *   | VER=1 |TYPE=1 |   CODE = 0    |  SESSION_ID   |    LENGTH     |
 *   +-------+-------+---------------+---------------+---------------+
 *   |  PPP protocol (0x0021 IPv4, 0x0057 IPv6)      |  payload ...
 *
 * LENGTH counts the PPP protocol field and payload; it only narrows the window.
 * PPP inside GRE (0x880B) may start with the HDLC address/control 0xff 0x03.
 */
#include "pkt_int.h"

#define PKT_PPP_IPV4 0x0021
#define PKT_PPP_IPV6 0x0057
#define PKT_PPPOE_VERTYPE 0x11

enum pkt_status pkt_ppp_decode(struct pkt_ctx *c, struct fw_rd *rd)
{
    uint16_t proto;

    if (fw_rd_peek(rd, 0) == 0xff && fw_rd_peek(rd, 1) == 0x03)
        fw_rd_skip(rd, 2);
    /* RFC 1661 protocol field compression: an odd first byte is a 1-byte field. */
    if (fw_rd_peek(rd, 0) >= 0 && (fw_rd_peek(rd, 0) & 1))
        proto = fw_rd_u8(rd);
    else
        proto = fw_rd_u16be(rd);
    if (fw_rd_failed(rd))
        return PKT_TRUNCATED;
    switch (proto) {
    case PKT_PPP_IPV4:
        return pkt_ipv4_decode(c, rd);
    case PKT_PPP_IPV6:
        return pkt_ipv6_decode(c, rd);
    default:
        return PKT_UNSUPPORTED;         /* LCP, IPCP, CHAP... */
    }
}

enum pkt_status pkt_pppoe_decode(struct pkt_ctx *c, struct fw_rd *rd)
{
    uint8_t vertype = fw_rd_u8(rd);
    uint8_t code = fw_rd_u8(rd);
    uint16_t len;
    struct fw_rd body;

    fw_rd_skip(rd, 2);                  /* session id */
    len = fw_rd_u16be(rd);
    if (fw_rd_failed(rd))
        return PKT_TRUNCATED;
    if (!pkt_encap_enter(c, PKT_ENC_PPPOE))
        return PKT_MALFORMED;
    if (vertype != PKT_PPPOE_VERTYPE || code != 0)
        return PKT_MALFORMED;
    body = fw_rd_sub(rd, len, NULL);
    return pkt_ppp_decode(c, &body);
}
