/* sensor/pkt_vxlan.c: VXLAN, an Ethernet frame inside UDP port 4789.
 *
 * specification: RFC 7348
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |R|R|R|R|I|R|R|R|            Reserved                           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                VXLAN Network Identifier (VNI) |   Reserved    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Without the I flag the datagram is not taken for VXLAN and stays plain UDP.
 */
#include "pkt_int.h"

#define PKT_VXLAN_HDR_LEN 8
#define PKT_VXLAN_F_VNI 0x08

enum pkt_status pkt_vxlan_decode(struct pkt_ctx *c, struct fw_rd *rd, bool *taken)
{
    int flags = fw_rd_peek(rd, 0);

    *taken = false;
    if (flags < 0 || !(flags & PKT_VXLAN_F_VNI) || fw_rd_left(rd) < PKT_VXLAN_HDR_LEN)
        return PKT_OK;
    *taken = true;
    fw_rd_skip(rd, PKT_VXLAN_HDR_LEN);
    if (!pkt_encap_enter(c, PKT_ENC_VXLAN))
        return PKT_MALFORMED;
    return pkt_eth_decode(c, rd);
}
