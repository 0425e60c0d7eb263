/* tests/sensor/test_pkt_decode.c: link layers, VLAN/QinQ, MPLS, PPPoE, IPv4,
 * IPv6 extension headers, L4 headers, outcome counters and the flow hash.
 * Frames are hand-written byte arrays (see pkt_test.h for the shared pieces).
 */
#include "sensor/pkt_test.h"

#include "flow_table.h"

/* ---------------------------------------------------------------- link */

static void test_eth_ipv4_tcp(void **state)
{
    struct pt_frame f = { .len = 0 };
    struct pkt p;

    (void)state;
    pt_eth_ipv4_tcp(&f);
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    pt_assert_inner_tcp(&p);
    assert_int_equal(p.ttl, 64);
    assert_int_equal(p.tcp_seq, 1);
    assert_false(p.has_vlan);
    assert_int_equal(p.encap, 0);
    assert_int_equal(p.wire_len, f.len);
    assert_ptr_equal(p.ip, f.b + 14);
}

static void test_eth_truncated(void **state)
{
    /* 13 bytes: Ethernet header one byte short of its EtherType */
    static const uint8_t frame[13] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08 };
    struct pt_frame f = { .len = 0 };
    struct pkt p;

    (void)state;
    PT_ADD(&f, frame);
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_TRUNCATED);
}

static void test_eth_arp_unsupported(void **state)
{
    /* Ethernet, type ARP, 28 zero bytes of ARP */
    static const uint8_t arp[] = { 0x08, 0x06 };
    struct pt_frame f = { .len = 0 };
    struct pkt p;
    struct pkt_decoder *d = pkt_decoder_create(NULL);

    (void)state;
    PT_ADD(&f, PT_ETH_ADDRS);
    PT_ADD(&f, arp);
    pt_zero(&f, 28);
    assert_int_equal(pt_decode(d, PKT_LINK_ETHERNET, &f, &p), PKT_UNSUPPORTED);
    assert_int_equal(pkt_decoder_stats(d)->unsupported, 1);
    assert_int_equal(pkt_decoder_stats(d)->bytes, f.len);
    pkt_decoder_destroy(d);
}

static void test_sll_and_sll2(void **state)
{
    /* SLL v1: pkttype 0 (host), hatype 1, halen 6, addr 8 bytes, protocol IPv4 */
    static const uint8_t sll[] = { 0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00 };
    /* SLL v2: protocol IPv4, reserved, ifindex 2, hatype 1, pkttype 0, halen 6, addr */
    static const uint8_t sll2[] = { 0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6,
                                    2, 0, 0, 0, 0, 1, 0, 0 };
    struct pt_frame f = { .len = 0 }, g = { .len = 0 };
    struct pkt p;

    (void)state;
    PT_ADD(&f, sll);
    PT_ADD(&f, PT_IPV4_TCP);
    PT_ADD(&f, PT_TCP_SYN);
    assert_int_equal(pt_decode1(PKT_LINK_SLL, &f, &p), PKT_OK);
    pt_assert_inner_tcp(&p);
    PT_ADD(&g, sll2);
    PT_ADD(&g, PT_IPV4_TCP);
    PT_ADD(&g, PT_TCP_SYN);
    assert_int_equal(pt_decode1(PKT_LINK_SLL2, &g, &p), PKT_OK);
    pt_assert_inner_tcp(&p);
    g.len = 19;                             /* SLL2 header cut short */
    assert_int_equal(pt_decode1(PKT_LINK_SLL2, &g, &p), PKT_TRUNCATED);
}

static void test_null_loop_raw(void **state)
{
    /* NULL: AF_INET (2) little endian; LOOP: AF_INET6 (24) big endian */
    static const uint8_t null_v4[] = { 2, 0, 0, 0 };
    static const uint8_t null_v4_be[] = { 0, 0, 0, 2 };
    static const uint8_t loop_v6[] = { 0, 0, 0, 24 };
    /* IPv6, payload 8, next header UDP, hop limit 1, ::1 > ::2, UDP 53 > 1053 len 8 */
    static const uint8_t ipv6_udp[] = {
        0x60, 0, 0, 0, 0x00, 0x08, 17, 1,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
        0x00, 0x35, 0x04, 0x1d, 0x00, 0x08, 0x00, 0x00,
    };
    struct pt_frame f = { .len = 0 };
    struct pkt p;

    (void)state;
    PT_ADD(&f, null_v4);
    PT_ADD(&f, PT_IPV4_TCP);
    PT_ADD(&f, PT_TCP_SYN);
    assert_int_equal(pt_decode1(PKT_LINK_NULL, &f, &p), PKT_OK);
    pt_assert_inner_tcp(&p);
    f.len = 0;                              /* byte-swapped family still recognised */
    PT_ADD(&f, null_v4_be);
    PT_ADD(&f, PT_IPV4_TCP);
    PT_ADD(&f, PT_TCP_SYN);
    assert_int_equal(pt_decode1(PKT_LINK_NULL, &f, &p), PKT_OK);
    f.len = 0;
    PT_ADD(&f, loop_v6);
    PT_ADD(&f, ipv6_udp);
    assert_int_equal(pt_decode1(PKT_LINK_LOOP, &f, &p), PKT_OK);
    assert_int_equal(p.ip_version, 6);
    assert_int_equal(p.proto, 17);
    assert_int_equal(p.sport, 53);
    assert_int_equal(p.ttl, 1);
    f.len = 0;
    PT_ADD(&f, ipv6_udp);
    assert_int_equal(pt_decode1(PKT_LINK_RAW, &f, &p), PKT_OK);
    assert_int_equal(pt_decode1(PKT_LINK_IPV6, &f, &p), PKT_OK);
    assert_int_equal(pt_decode1(PKT_LINK_IPV4, &f, &p), PKT_MALFORMED);  /* version 6 */
    f.b[0] = 0x50;                          /* version 5 on raw link */
    assert_int_equal(pt_decode1(PKT_LINK_RAW, &f, &p), PKT_MALFORMED);
}

/* ---------------------------------------------------------------- vlan, mpls, pppoe */

static void test_vlan_qinq(void **state)
{
    /* 802.1ad outer tag VID 100 (PCP 3), 802.1Q inner tag VID 200, then IPv4 */
    static const uint8_t tags[] = { 0x88, 0xa8, 0x60, 0x64, 0x81, 0x00, 0x00, 0xc8, 0x08, 0x00 };
    struct pt_frame f = { .len = 0 };
    struct pkt p;

    (void)state;
    PT_ADD(&f, PT_ETH_ADDRS);
    PT_ADD(&f, tags);
    PT_ADD(&f, PT_IPV4_TCP);
    PT_ADD(&f, PT_TCP_SYN);
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    pt_assert_inner_tcp(&p);
    assert_true(p.has_vlan);
    assert_int_equal(p.vlan, 100);          /* outermost */
    assert_int_equal(p.encap, PKT_ENC_VLAN | PKT_ENC_QINQ);
    f.len = 14 + 3;                         /* cut inside the inner tag */
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_TRUNCATED);
}

static void test_vlan_too_many_layers(void **state)
{
    /* Ten stacked 802.1Q tags (VID 1..10): more than PKT_MAX_ENCAP layers */
    static const uint8_t tag[] = { 0x81, 0x00, 0x00, 0x01 };
    struct pt_frame f = { .len = 0 };
    struct pkt p;
    struct pkt_decoder *d = pkt_decoder_create(NULL);
    int i;

    (void)state;
    PT_ADD(&f, PT_ETH_ADDRS);
    for (i = 0; i < 10; i++)
        PT_ADD(&f, tag);
    PT_ADD(&f, PT_TYPE_IPV4);
    PT_ADD(&f, PT_IPV4_TCP);
    PT_ADD(&f, PT_TCP_SYN);
    assert_int_equal(pt_decode(d, PKT_LINK_ETHERNET, &f, &p), PKT_MALFORMED);
    assert_int_equal(pkt_decoder_stats(d)->too_many_layers, 1);
    assert_int_equal(pkt_decoder_stats(d)->malformed, 0);
    pkt_decoder_destroy(d);
}

static void test_mpls(void **state)
{
    /* MPLS unicast, label 16 (not BoS), label 17 (BoS, TTL 64), then IPv4 by nibble */
    static const uint8_t mpls[] = { 0x88, 0x47, 0x00, 0x01, 0x00, 0x40, 0x00, 0x01, 0x11, 0x40 };
    /* Pseudowire: label 18 BoS, control word 0, then a whole Ethernet frame */
    static const uint8_t pw[] = { 0x88, 0x47, 0x00, 0x01, 0x21, 0x40, 0, 0, 0, 0 };
    struct pt_frame f = { .len = 0 };
    struct pkt p;

    (void)state;
    PT_ADD(&f, PT_ETH_ADDRS);
    PT_ADD(&f, mpls);
    PT_ADD(&f, PT_IPV4_TCP);
    PT_ADD(&f, PT_TCP_SYN);
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    pt_assert_inner_tcp(&p);
    assert_int_equal(p.encap, PKT_ENC_MPLS);
    f.len = 14 + 6;                         /* stack cut before the bottom label */
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_TRUNCATED);
    f.len = 0;
    PT_ADD(&f, PT_ETH_ADDRS);
    PT_ADD(&f, pw);
    pt_eth_ipv4_tcp(&f);
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    pt_assert_inner_tcp(&p);
}

static void test_mpls_long_stack_malformed(void **state)
{
    /* 20 labels, none with the bottom-of-stack bit */
    static const uint8_t label[] = { 0x00, 0x01, 0x00, 0x40 };
    static const uint8_t type[] = { 0x88, 0x47 };
    struct pt_frame f = { .len = 0 };
    struct pkt p;
    int i;

    (void)state;
    PT_ADD(&f, PT_ETH_ADDRS);
    PT_ADD(&f, type);
    for (i = 0; i < 20; i++)
        PT_ADD(&f, label);
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_MALFORMED);
}

static void test_pppoe(void **state)
{
    /* PPPoE session: ver/type 0x11, code 0, session 0x0001, length 42, PPP IPv4 */
    static const uint8_t pppoe[] = { 0x88, 0x64, 0x11, 0x00, 0x00, 0x01, 0x00, 0x2a, 0x00, 0x21 };
    /* same with PPP protocol 0xc021 (LCP) */
    static const uint8_t lcp[] = { 0x88, 0x64, 0x11, 0x00, 0x00, 0x01, 0x00, 0x2a, 0xc0, 0x21 };
    struct pt_frame f = { .len = 0 };
    struct pkt p;

    (void)state;
    PT_ADD(&f, PT_ETH_ADDRS);
    PT_ADD(&f, pppoe);
    PT_ADD(&f, PT_IPV4_TCP);
    PT_ADD(&f, PT_TCP_SYN);
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    pt_assert_inner_tcp(&p);
    assert_int_equal(p.encap, PKT_ENC_PPPOE);
    memcpy(f.b + 12, lcp, sizeof(lcp));
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_UNSUPPORTED);
    f.b[14] = 0x12;                         /* bad version/type */
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_MALFORMED);
}

/* ---------------------------------------------------------------- ipv4 */

static void test_ipv4_options_and_padding(void **state)
{
    /* IPv4 IHL 6 (one 4-byte option: NOP NOP NOP EOL), total 28, UDP, then 6 bytes
     * of Ethernet padding the total length must cut off */
    static const uint8_t ip[] = {
        0x46, 0x00, 0x00, 0x24, 0x00, 0x02, 0x00, 0x00, 0x20, 0x11, 0x00, 0x00,
        192, 168, 1, 1, 192, 168, 1, 2, 0x01, 0x01, 0x01, 0x00,
    };
    /* UDP 53 > 1053 length 12, 4 bytes payload "abcd" */
    static const uint8_t udp[] = { 0x00, 0x35, 0x04, 0x1d, 0x00, 0x0c, 0x00, 0x00,
                                   'a', 'b', 'c', 'd' };
    struct pt_frame f = { .len = 0 };
    struct pkt p;

    (void)state;
    PT_ADD(&f, PT_ETH_ADDRS);
    PT_ADD(&f, PT_TYPE_IPV4);
    PT_ADD(&f, ip);
    PT_ADD(&f, udp);
    pt_zero(&f, 6);
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    assert_int_equal(p.ip_len, 36);
    assert_int_equal(p.l4_off, 24);
    assert_int_equal(p.payload_off, 32);
    assert_int_equal(p.payload_len, 4);
    assert_int_equal(p.ttl, 32);
    assert_int_equal(p.sport, 53);
    assert_int_equal(p.dport, 1053);
}

static void test_ipv4_short_capture_is_ok(void **state)
{
    /* total length says 40, capture has the IP header and 20 TCP bytes minus 0:
     * claim 1500 instead -> the capture end wins (snaplen), still OK */
    struct pt_frame f = { .len = 0 };
    struct pkt p;

    (void)state;
    pt_eth_ipv4_tcp(&f);
    pt_put16(&f, 14 + 2, 1500);
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    assert_int_equal(p.ip_len, 40);
}

static void test_ipv4_malformed(void **state)
{
    struct pt_frame f = { .len = 0 };
    struct pkt p;

    (void)state;
    pt_eth_ipv4_tcp(&f);
    f.b[14] = 0x44;                         /* IHL 4: below the minimum */
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_MALFORMED);
    f.b[14] = 0x45;
    pt_put16(&f, 16, 19);                   /* total length below the header length */
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_MALFORMED);
    pt_put16(&f, 16, 60);
    f.b[14] = 0x4f;                         /* IHL 15 = 60 bytes, only 40 captured */
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_TRUNCATED);
    f.b[14] = 0x45;
    f.len = 14 + 19;                        /* IP header itself cut */
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_TRUNCATED);
}

/* ---------------------------------------------------------------- l4 */

static void test_tcp_variants(void **state)
{
    struct pt_frame f = { .len = 0 };
    struct pkt p;

    (void)state;
    pt_eth_ipv4_tcp(&f);
    f.b[14 + 20 + 12] = 0x40;               /* data offset 4: impossible */
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_MALFORMED);
    f.b[14 + 20 + 12] = 0x60;               /* data offset 6 but no option bytes */
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_TRUNCATED);
    f.b[14 + 20 + 12] = 0x50;
    f.len = 14 + 20 + 10;                   /* TCP header cut */
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_TRUNCATED);
}

static void test_udp_length(void **state)
{
    struct pt_frame f = { .len = 0 };
    struct pkt p;

    (void)state;
    PT_ADD(&f, PT_ETH_ADDRS);
    PT_ADD(&f, PT_TYPE_IPV4);
    PT_ADD(&f, PT_IPV4_UDP);
    PT_ADD(&f, PT_UDP_EMPTY);
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    assert_int_equal(p.payload_len, 0);
    assert_int_equal(p.payload_off, 28);
    f.b[14 + 20 + 5] = 7;                   /* UDP length 7 < header */
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_MALFORMED);
}

static void test_icmp_and_sctp(void **state)
{
    /* IPv4 total 28 proto ICMP; ICMP echo request type 8 code 0, id 1 seq 1 */
    static const uint8_t ip_icmp[] = {
        0x45, 0x00, 0x00, 0x1c, 0x00, 0x03, 0x00, 0x00, 0x40, 0x01, 0x00, 0x00,
        10, 0, 0, 1, 10, 0, 0, 2, 0x08, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01,
    };
    /* IPv4 total 32 proto SCTP; SCTP 2905 > 2906, vtag 0, checksum 0 */
    static const uint8_t ip_sctp[] = {
        0x45, 0x00, 0x00, 0x20, 0x00, 0x04, 0x00, 0x00, 0x40, 0x84, 0x00, 0x00,
        10, 0, 0, 1, 10, 0, 0, 2, 0x0b, 0x59, 0x0b, 0x5a, 0, 0, 0, 0, 0, 0, 0, 0,
    };
    struct pt_frame f = { .len = 0 };
    struct pkt p;

    (void)state;
    PT_ADD(&f, ip_icmp);
    assert_int_equal(pt_decode1(PKT_LINK_IPV4, &f, &p), PKT_OK);
    assert_int_equal(p.proto, 1);
    assert_int_equal(p.sport, 8);
    assert_int_equal(p.dport, 0);
    f.len = 24;                             /* ICMP header cut to 4 bytes */
    assert_int_equal(pt_decode1(PKT_LINK_IPV4, &f, &p), PKT_TRUNCATED);
    f.len = 0;
    PT_ADD(&f, ip_sctp);
    assert_int_equal(pt_decode1(PKT_LINK_IPV4, &f, &p), PKT_OK);
    assert_int_equal(p.proto, 132);
    assert_int_equal(p.sport, 2905);
    assert_int_equal(p.dport, 2906);
    assert_int_equal(p.payload_off, 32);
}

/* ---------------------------------------------------------------- ipv6 */

/* IPv6 fixed header, payload length patched by the test, next header hop-by-hop,
 * hop limit 64, 2001:db8::1 > 2001:db8::2 */
static const uint8_t V6_HDR_HBH[] = {
    0x60, 0, 0, 0, 0x00, 0x00, 0, 64,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
};

static void test_ipv6_ext_headers(void **state)
{
    /* hop-by-hop (next: routing, len 0 = 8 bytes, PadN), routing (next: dest opts,
     * len 0), destination options (next: AH, len 0), AH (next: TCP, len 1 =
     * 12 bytes), then the TCP SYN */
    static const uint8_t ext[] = {
        43, 0, 1, 4, 0, 0, 0, 0,
        60, 0, 0, 0, 0, 0, 0, 0,
        51, 0, 1, 4, 0, 0, 0, 0,
        6, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1,
    };
    struct pt_frame f = { .len = 0 };
    struct pkt p;

    (void)state;
    PT_ADD(&f, V6_HDR_HBH);
    PT_ADD(&f, ext);
    PT_ADD(&f, PT_TCP_SYN);
    pt_put16(&f, 4, (uint16_t)(sizeof(ext) + sizeof(PT_TCP_SYN)));
    assert_int_equal(pt_decode1(PKT_LINK_IPV6, &f, &p), PKT_OK);
    assert_int_equal(p.proto, 6);
    assert_int_equal(p.l4_off, 40 + sizeof(ext));
    assert_int_equal(p.sport, 1234);
    assert_int_equal(p.dport, 80);
    assert_int_equal(p.ip_len, f.len);
    f.b[40 + 1] = 20;                       /* hop-by-hop claims 168 bytes */
    assert_int_equal(pt_decode1(PKT_LINK_IPV6, &f, &p), PKT_TRUNCATED);
}

static void test_ipv6_esp_stops(void **state)
{
    /* hop-by-hop (next: ESP), then 8 bytes of ESP SPI/sequence */
    static const uint8_t ext[] = { 50, 0, 1, 4, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 1 };
    struct pt_frame f = { .len = 0 };
    struct pkt p;

    (void)state;
    PT_ADD(&f, V6_HDR_HBH);
    PT_ADD(&f, ext);
    pt_put16(&f, 4, sizeof(ext));
    assert_int_equal(pt_decode1(PKT_LINK_IPV6, &f, &p), PKT_OK);
    assert_int_equal(p.proto, 50);
    assert_int_equal(p.sport, 0);
    assert_int_equal(p.payload_off, 48);
}

static void test_ipv6_ext_chain_too_long(void **state)
{
    /* 20 destination-options headers chained to each other */
    static const uint8_t dst[] = { 60, 0, 1, 4, 0, 0, 0, 0 };
    struct pt_frame f = { .len = 0 };
    struct pkt p;
    int i;

    (void)state;
    PT_ADD(&f, V6_HDR_HBH);
    f.b[6] = 60;
    for (i = 0; i < 20; i++)
        PT_ADD(&f, dst);
    pt_put16(&f, 4, 20 * sizeof(dst));
    assert_int_equal(pt_decode1(PKT_LINK_IPV6, &f, &p), PKT_MALFORMED);
}

static void test_ipv6_atomic_fragment(void **state)
{
    /* fragment header (next TCP, offset 0, M=0, id 9): an atomic fragment */
    static const uint8_t frag[] = { 6, 0, 0x00, 0x00, 0, 0, 0, 9 };
    struct pt_frame f = { .len = 0 };
    struct pkt p;

    (void)state;
    PT_ADD(&f, V6_HDR_HBH);
    f.b[6] = 44;
    PT_ADD(&f, frag);
    PT_ADD(&f, PT_TCP_SYN);
    pt_put16(&f, 4, sizeof(frag) + sizeof(PT_TCP_SYN));
    assert_int_equal(pt_decode1(PKT_LINK_IPV6, &f, &p), PKT_OK);
    assert_int_equal(p.proto, 6);
    assert_int_equal(p.dport, 80);
}

/* ---------------------------------------------------------------- hash, counters */

static void test_flow_hash_symmetric(void **state)
{
    struct pt_frame f = { .len = 0 };
    struct pkt a, b;
    uint8_t tmp[4];

    (void)state;
    pt_eth_ipv4_tcp(&f);
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &a), PKT_OK);
    /* swap addresses and ports: the reply direction */
    memcpy(tmp, f.b + 26, 4);
    memcpy(f.b + 26, f.b + 30, 4);
    memcpy(f.b + 30, tmp, 4);
    memcpy(tmp, f.b + 34, 2);
    memcpy(f.b + 34, f.b + 36, 2);
    memcpy(f.b + 36, tmp, 2);
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &b), PKT_OK);
    assert_int_equal(b.sport, 80);
    /* the flow table's hash, by which the capture thread shards */
    assert_int_equal(flow_table_hash(&a), flow_table_hash(&b));
    b.has_vlan = true;
    b.vlan = 7;
    assert_int_not_equal(flow_table_hash(&a), flow_table_hash(&b));
    b.has_vlan = false;
    b.vlan = 0;
    b.proto = 17;
    assert_int_not_equal(flow_table_hash(&a), flow_table_hash(&b));
    b.proto = 6;
    b.sport = 81;
    assert_int_not_equal(flow_table_hash(&a), flow_table_hash(&b));
}

static void test_counters_add_up(void **state)
{
    struct pkt_decoder *d = pkt_decoder_create(NULL);
    struct pt_frame f = { .len = 0 };
    const struct pkt_stats *st;
    struct pkt p;

    (void)state;
    pt_eth_ipv4_tcp(&f);
    assert_int_equal(pt_decode(d, PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    assert_int_equal(pkt_decode(d, PKT_LINK_ETHERNET, f.b, 10, 60, 0, &p), PKT_TRUNCATED);
    assert_int_equal(pkt_decode(d, PKT_LINK_ETHERNET, NULL, 0, 0, 0, &p), PKT_TRUNCATED);
    assert_int_equal(pkt_decode(d, (enum pkt_link)99, f.b, f.len, f.len, 0, &p),
                     PKT_UNSUPPORTED);
    st = pkt_decoder_stats(d);
    assert_int_equal(st->packets, 4);
    assert_int_equal(st->bytes, f.len * 2 + 60);
    assert_int_equal(st->ok, 1);
    assert_int_equal(st->truncated, 2);
    assert_int_equal(st->unsupported, 1);
    assert_int_equal(st->ipv4, 1);
    assert_int_equal(st->tcp, 1);
    pkt_decoder_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eth_ipv4_tcp),
        cmocka_unit_test(test_eth_truncated),
        cmocka_unit_test(test_eth_arp_unsupported),
        cmocka_unit_test(test_sll_and_sll2),
        cmocka_unit_test(test_null_loop_raw),
        cmocka_unit_test(test_vlan_qinq),
        cmocka_unit_test(test_vlan_too_many_layers),
        cmocka_unit_test(test_mpls),
        cmocka_unit_test(test_mpls_long_stack_malformed),
        cmocka_unit_test(test_pppoe),
        cmocka_unit_test(test_ipv4_options_and_padding),
        cmocka_unit_test(test_ipv4_short_capture_is_ok),
        cmocka_unit_test(test_ipv4_malformed),
        cmocka_unit_test(test_tcp_variants),
        cmocka_unit_test(test_udp_length),
        cmocka_unit_test(test_icmp_and_sctp),
        cmocka_unit_test(test_ipv6_ext_headers),
        cmocka_unit_test(test_ipv6_esp_stops),
        cmocka_unit_test(test_ipv6_ext_chain_too_long),
        cmocka_unit_test(test_ipv6_atomic_fragment),
        cmocka_unit_test(test_flow_hash_symmetric),
        cmocka_unit_test(test_counters_add_up),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
