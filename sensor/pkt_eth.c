/* sensor/pkt_eth.c: link layers (Ethernet, Linux cooked v1/v2, BSD null and
 * loop, raw IP) and the EtherType switch every L2-ish header ends in.
 *
 * specification: IEEE 802.3; LINKTYPE_LINUX_SLL(2) and LINKTYPE_NULL/LOOP from
 * https://www.tcpdump.org/linktypes.html
 *
 *   Ethernet II          +--------+--------+------+----------
 *                        | dst 6  | src 6  | type | payload
 *                        +--------+--------+------+----------
 *   Linux SLL (16)       | pkttype 2 | hatype 2 | halen 2 | addr 8 | proto 2 |
 *   Linux SLL2 (20)      | proto 2 | rsvd 2 | ifindex 4 | hatype 2 | pkttype 1 |
 *                        | halen 1 | addr 8 |
 *   NULL / LOOP (4)      | address family, host order (NULL) or big endian (LOOP) |
 */
#include "pkt_int.h"

#define PKT_ETH_HDR_LEN 14
#define PKT_SLL_HDR_LEN 16
#define PKT_SLL2_HDR_LEN 20
#define PKT_ETH_MAX_LEN 1500        /* type values up to this are 802.3 lengths */

/* BSD address families seen in NULL/LOOP headers: AF_INET is 2 everywhere,
 * AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS) or 10 (Linux). */
#define PKT_BSD_AF_INET 2

enum pkt_status pkt_ethertype_dispatch(struct pkt_ctx *c, uint16_t type, struct fw_rd *rd)
{
    switch (type) {
    case PKT_ETH_IPV4:
        return pkt_ipv4_decode(c, rd);
    case PKT_ETH_IPV6:
        return pkt_ipv6_decode(c, rd);
    case PKT_ETH_VLAN:
    case PKT_ETH_QINQ:
    case PKT_ETH_QINQ_OLD:
        return pkt_vlan_decode(c, type, rd);
    case PKT_ETH_MPLS_UC:
    case PKT_ETH_MPLS_MC:
        return pkt_mpls_decode(c, rd);
    case PKT_ETH_PPPOE_SESS:
        return pkt_pppoe_decode(c, rd);
    case PKT_ETH_TEB:
        if (!pkt_encap_enter(c, 0))
            return PKT_MALFORMED;
        return pkt_eth_decode(c, rd);
    default:
        return PKT_UNSUPPORTED;     /* ARP, LLDP, PPPoE discovery, 802.3 LLC... */
    }
}

enum pkt_status pkt_eth_decode(struct pkt_ctx *c, struct fw_rd *rd)
{
    uint16_t type;

    fw_rd_skip(rd, 12);
    type = fw_rd_u16be(rd);
    if (fw_rd_failed(rd))
        return PKT_TRUNCATED;
    if (type <= PKT_ETH_MAX_LEN)
        return PKT_UNSUPPORTED;     /* 802.3 length + LLC: STP, CDP... */
    if (type == PKT_ETH_VNTAG) {
        /* VN-Tag (Cisco FEX): 4 bytes of tag, then the real EtherType. */
        fw_rd_skip(rd, 4);
        type = fw_rd_u16be(rd);
        if (fw_rd_failed(rd))
            return PKT_TRUNCATED;
    }
    return pkt_ethertype_dispatch(c, type, rd);
}

/* 802.1Q / 802.1ad tag: TCI (PCP 3, DEI 1, VID 12) then the next EtherType.
 * Only the outermost VID is kept; a second tag marks the frame QinQ. */
enum pkt_status pkt_vlan_decode(struct pkt_ctx *c, uint16_t tpid, struct fw_rd *rd)
{
    uint16_t tci = fw_rd_u16be(rd);
    uint16_t type = fw_rd_u16be(rd);

    (void)tpid;
    if (fw_rd_failed(rd))
        return PKT_TRUNCATED;
    if (!pkt_encap_enter(c, c->out->has_vlan ? PKT_ENC_QINQ : PKT_ENC_VLAN))
        return PKT_MALFORMED;
    if (!c->out->has_vlan) {
        c->out->has_vlan = true;
        c->out->vlan = tci & 0x0fff;
    }
    return pkt_ethertype_dispatch(c, type, rd);
}

enum pkt_status pkt_sll_decode(struct pkt_ctx *c, struct fw_rd *rd)
{
    uint16_t proto;

    fw_rd_skip(rd, PKT_SLL_HDR_LEN - 2);
    proto = fw_rd_u16be(rd);
    if (fw_rd_failed(rd))
        return PKT_TRUNCATED;
    return pkt_ethertype_dispatch(c, proto, rd);
}

enum pkt_status pkt_sll2_decode(struct pkt_ctx *c, struct fw_rd *rd)
{
    uint16_t proto = fw_rd_u16be(rd);

    fw_rd_skip(rd, PKT_SLL2_HDR_LEN - 2);
    if (fw_rd_failed(rd))
        return PKT_TRUNCATED;
    return pkt_ethertype_dispatch(c, proto, rd);
}

/* NULL stores the family in the capturing host's byte order, which the file
 * does not record; families are small, so a value above 0xffff is swapped. */
enum pkt_status pkt_null_decode(struct pkt_ctx *c, struct fw_rd *rd, bool network_order)
{
    uint32_t af = network_order ? fw_rd_u32be(rd) : fw_rd_u32le(rd);

    if (fw_rd_failed(rd))
        return PKT_TRUNCATED;
    if (af > 0xffff)
        af = (af >> 24) | ((af >> 8) & 0xff00) | ((af << 8) & 0xff0000) | (af << 24);
    switch (af) {
    case PKT_BSD_AF_INET:
        return pkt_ipv4_decode(c, rd);
    case 10:
    case 24:
    case 28:
    case 30:
        return pkt_ipv6_decode(c, rd);
    default:
        return PKT_UNSUPPORTED;
    }
}

enum pkt_status pkt_raw_decode(struct pkt_ctx *c, struct fw_rd *rd)
{
    return pkt_ip_decode(c, rd);
}
