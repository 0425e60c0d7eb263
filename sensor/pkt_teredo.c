/* sensor/pkt_teredo.c: Teredo, IPv6 inside UDP port 3544.
 *
 * specification: RFC 4380 section 5.1.1
 *
 *   optional authentication indicator:
 *   | 0x0001 | ID-len 1 | AU-len 1 | client id | auth value | nonce 8 | confirm 1 |
 *   optional origin indication:
 *   | 0x0000 | obfuscated port 2 | obfuscated IPv4 4 |
 *   then an IPv6 packet.
 *
 * Port 3544 carries other things too, so the payload is only taken for Teredo
 * when it holds an IPv6 header whose payload length matches what is left.
 */
#include "pkt_int.h"

#define PKT_TEREDO_AUTH 0x0001
#define PKT_TEREDO_ORIGIN 0x0000
#define PKT_IPV6_HDR_LEN 40

static void pkt_teredo_skip_indicators(struct fw_rd *rd)
{
    if (fw_rd_peek(rd, 0) == 0 && fw_rd_peek(rd, 1) == PKT_TEREDO_AUTH) {
        int idlen = fw_rd_peek(rd, 2);
        int aulen = fw_rd_peek(rd, 3);

        if (idlen < 0 || aulen < 0) {
            fw_rd_skip(rd, 4);          /* fails the reader */
            return;
        }
        fw_rd_skip(rd, 4 + (size_t)idlen + (size_t)aulen + 9);
    }
    if (fw_rd_peek(rd, 0) == 0 && fw_rd_peek(rd, 1) == PKT_TEREDO_ORIGIN)
        fw_rd_skip(rd, 8);
}

enum pkt_status pkt_teredo_decode(struct pkt_ctx *c, struct fw_rd *rd, bool *taken)
{
    struct fw_rd t = fw_rd_rest(rd);
    int plen_hi, plen_lo;

    *taken = false;
    pkt_teredo_skip_indicators(&t);
    plen_hi = fw_rd_peek(&t, 4);
    plen_lo = fw_rd_peek(&t, 5);
    if (fw_rd_failed(&t) || plen_hi < 0 || plen_lo < 0 || (fw_rd_peek(&t, 0) >> 4) != 6)
        return PKT_OK;
    if (fw_rd_left(&t) != PKT_IPV6_HDR_LEN + (size_t)(plen_hi << 8 | plen_lo))
        return PKT_OK;
    *taken = true;
    if (!pkt_encap_enter(c, PKT_ENC_TEREDO))
        return PKT_MALFORMED;
    return pkt_ipv6_decode(c, &t);
}
