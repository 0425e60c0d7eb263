/* sensor/pkt_mpls.c: MPLS label stacks and what follows the bottom label.
 *
 * specification: RFC 3032 (label stack), RFC 4385 (pseudowire control word)
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                Label                  | TC  |S|      TTL      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * MPLS does not say what it carries. After the bottom-of-stack label the first
 * nibble guesses: 4 is IPv4, 6 is IPv6, 0 is a pseudowire control word followed
 * by an Ethernet frame (RFC 4448). The explicit-null labels fix the family.
 */
#include "pkt_int.h"

#define PKT_MPLS_MAX_LABELS 16          /* longer stacks are called malformed */
#define PKT_MPLS_BOS 0x00000100u
#define PKT_MPLS_LABEL_V4_NULL 0
#define PKT_MPLS_LABEL_V6_NULL 2

static enum pkt_status pkt_mpls_payload(struct pkt_ctx *c, uint32_t last_label,
                                        struct fw_rd *rd)
{
    int nibble = fw_rd_peek(rd, 0);

    if (nibble < 0)
        return PKT_TRUNCATED;
    if (last_label == PKT_MPLS_LABEL_V4_NULL)
        return pkt_ipv4_decode(c, rd);
    if (last_label == PKT_MPLS_LABEL_V6_NULL)
        return pkt_ipv6_decode(c, rd);
    switch (nibble >> 4) {
    case 4:
        return pkt_ipv4_decode(c, rd);
    case 6:
        return pkt_ipv6_decode(c, rd);
    case 0:
        fw_rd_skip(rd, 4);              /* control word: flags, length, sequence */
        if (fw_rd_failed(rd))
            return PKT_TRUNCATED;
        return pkt_eth_decode(c, rd);
    default:
        return PKT_UNSUPPORTED;
    }
}

enum pkt_status pkt_mpls_decode(struct pkt_ctx *c, struct fw_rd *rd)
{
    uint32_t entry = 0;
    int n;

    if (!pkt_encap_enter(c, PKT_ENC_MPLS))
        return PKT_MALFORMED;
    for (n = 0; n < PKT_MPLS_MAX_LABELS; n++) {
        entry = fw_rd_u32be(rd);
        if (fw_rd_failed(rd))
            return PKT_TRUNCATED;
        if (entry & PKT_MPLS_BOS)
            break;
    }
    if (n == PKT_MPLS_MAX_LABELS)
        return PKT_MALFORMED;
    return pkt_mpls_payload(c, entry >> 12, rd);
}
