/* sensor/pkt_geneve.c: Geneve, UDP port 6081.
 *
 * specification: RFC 8926
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |        Virtual Network Identifier (VNI)       |    Reserved   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Variable-Length Options (Opt Len * 4)      |
 *
 * A version other than 0 is not Geneve as we know it: the datagram stays UDP.
 */
#include "pkt_int.h"

#define PKT_GENEVE_HDR_LEN 8

enum pkt_status pkt_geneve_decode(struct pkt_ctx *c, struct fw_rd *rd, bool *taken)
{
    int b0 = fw_rd_peek(rd, 0);
    uint16_t proto;

    *taken = false;
    if (b0 < 0 || (b0 >> 6) != 0 || fw_rd_left(rd) < PKT_GENEVE_HDR_LEN)
        return PKT_OK;
    *taken = true;
    fw_rd_skip(rd, 2);
    proto = fw_rd_u16be(rd);
    fw_rd_skip(rd, 4);                          /* VNI, reserved */
    fw_rd_skip(rd, (size_t)(b0 & 0x3f) * 4);    /* options */
    if (fw_rd_failed(rd))
        return PKT_TRUNCATED;
    if (!pkt_encap_enter(c, PKT_ENC_GENEVE))
        return PKT_MALFORMED;
    return pkt_ethertype_dispatch(c, proto, rd);
}
