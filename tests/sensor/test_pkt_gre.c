/* tests/sensor/test_pkt_gre.c: tunnels. GRE (with key/sequence, v1, truncated),
 * ERSPAN types I, II and III, VXLAN, Geneve, IP-in-IP and Teredo. The outer
 * packet is Ethernet + IPv4 172.16.0.1 > 172.16.0.2; the inner one is always the
 * TCP SYN 10.0.0.1:1234 > 10.0.0.2:80 of pkt_test.h, which must come out.
 */
#include "sensor/pkt_test.h"

/* Outer IPv4, total length patched by pt_outer_done(), TTL 255, protocol set by
 * the caller, 172.16.0.1 > 172.16.0.2 */
static const uint8_t OUTER_V4[] = {
    0x45, 0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00,
    172, 16, 0, 1, 172, 16, 0, 2,
};
/* Outer UDP 40000 > port (patched), length patched */
static const uint8_t OUTER_UDP[] = { 0x9c, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };

static void pt_outer(struct pt_frame *f, uint8_t proto)
{
    f->len = 0;
    PT_ADD(f, PT_ETH_ADDRS);
    PT_ADD(f, PT_TYPE_IPV4);
    PT_ADD(f, OUTER_V4);
    f->b[14 + 9] = proto;
}

static void pt_outer_udp(struct pt_frame *f, uint16_t dport)
{
    pt_outer(f, 17);
    PT_ADD(f, OUTER_UDP);
    pt_put16(f, 34 + 2, dport);
}

/* Fix the outer IPv4 (and UDP) lengths once the frame is complete. */
static void pt_outer_done(struct pt_frame *f)
{
    pt_put16(f, 14 + 2, (uint16_t)(f->len - 14));
    if (f->b[14 + 9] == 17)
        pt_put16(f, 34 + 4, (uint16_t)(f->len - 34));
}

static void pt_inner_ip_tcp(struct pt_frame *f)
{
    PT_ADD(f, PT_IPV4_TCP);
    PT_ADD(f, PT_TCP_SYN);
}

static void test_gre_ipv4_key_seq(void **state)
{
    /* GRE flags K|S (0x3000), version 0, protocol IPv4, key 0x0000002a, seq 7 */
    static const uint8_t gre[] = { 0x30, 0x00, 0x08, 0x00, 0, 0, 0, 0x2a, 0, 0, 0, 7 };
    struct pt_frame f;
    struct pkt p;

    (void)state;
    pt_outer(&f, 47);
    PT_ADD(&f, gre);
    pt_inner_ip_tcp(&f);
    pt_outer_done(&f);
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    pt_assert_inner_tcp(&p);
    assert_int_equal(p.encap, PKT_ENC_GRE);
    assert_ptr_equal(p.ip, f.b + 14 + 20 + sizeof(gre));
    assert_int_equal(p.ttl, 64);                /* the inner TTL, not the outer 255 */
}

static void test_gre_checksum_truncated_v1(void **state)
{
    /* GRE flags C (0x8000), protocol IPv4, checksum+reserved cut after 2 bytes */
    static const uint8_t gre_cut[] = { 0x80, 0x00, 0x08, 0x00, 0x12, 0x34 };
    /* GRE version 1 (PPTP enhanced GRE), protocol PPP, key present */
    static const uint8_t gre_v1[] = { 0x20, 0x01, 0x88, 0x0b, 0, 0, 0, 1 };
    struct pt_frame f;
    struct pkt p;

    (void)state;
    pt_outer(&f, 47);
    PT_ADD(&f, gre_cut);
    pt_outer_done(&f);
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_TRUNCATED);
    pt_outer(&f, 47);
    PT_ADD(&f, gre_v1);
    pt_inner_ip_tcp(&f);
    pt_outer_done(&f);
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_UNSUPPORTED);
}

static void test_gre_teb_and_ppp(void **state)
{
    /* GRE protocol 0x6558 (transparent Ethernet bridging), then an Ethernet frame */
    static const uint8_t gre_teb[] = { 0x00, 0x00, 0x65, 0x58 };
    /* GRE protocol 0x880b (PPP), PPP address/control ff 03, protocol IPv4 */
    static const uint8_t gre_ppp[] = { 0x00, 0x00, 0x88, 0x0b, 0xff, 0x03, 0x00, 0x21 };
    struct pt_frame f;
    struct pkt p;

    (void)state;
    pt_outer(&f, 47);
    PT_ADD(&f, gre_teb);
    pt_eth_ipv4_tcp(&f);
    pt_outer_done(&f);
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    pt_assert_inner_tcp(&p);
    pt_outer(&f, 47);
    PT_ADD(&f, gre_ppp);
    pt_inner_ip_tcp(&f);
    pt_outer_done(&f);
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    pt_assert_inner_tcp(&p);
}

static void test_erspan_types(void **state)
{
    /* GRE S bit, protocol 0x88be, seq 1; ERSPAN II: ver 1, VLAN 0, session 5, index 0 */
    static const uint8_t erspan2[] = { 0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1,
                                       0x10, 0x00, 0x00, 0x05, 0, 0, 0, 0 };
    /* GRE no flags, protocol 0x88be: ERSPAN I, the mirrored frame follows at once */
    static const uint8_t erspan1[] = { 0x00, 0x00, 0x88, 0xbe };
    /* GRE S bit, protocol 0x22eb, seq 1; ERSPAN III 12 bytes with O bit set (last
     * bit), then the 8-byte platform subheader */
    static const uint8_t erspan3[] = { 0x10, 0x00, 0x22, 0xeb, 0, 0, 0, 1,
                                       0x20, 0x00, 0x00, 0x05, 0, 0, 0, 0, 0, 0, 0, 0x01,
                                       0, 0, 0, 0, 0, 0, 0, 0 };
    struct pt_frame f;
    struct pkt p;

    (void)state;
    pt_outer(&f, 47);
    PT_ADD(&f, erspan2);
    pt_eth_ipv4_tcp(&f);
    pt_outer_done(&f);
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    pt_assert_inner_tcp(&p);
    assert_int_equal(p.encap, PKT_ENC_GRE | PKT_ENC_ERSPAN);
    f.b[34 + 8] = 0x30;                     /* ERSPAN II with version 3 */
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_MALFORMED);
    f.b[34 + 8] = 0x10;
    f.len = 34 + 12;                        /* ERSPAN II header cut */
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_TRUNCATED);
    pt_outer(&f, 47);
    PT_ADD(&f, erspan1);
    pt_eth_ipv4_tcp(&f);
    pt_outer_done(&f);
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    pt_assert_inner_tcp(&p);
    pt_outer(&f, 47);
    PT_ADD(&f, erspan3);
    pt_eth_ipv4_tcp(&f);
    pt_outer_done(&f);
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    pt_assert_inner_tcp(&p);
    f.b[34 + 8 + 10] = 7 << 2;              /* ERSPAN III frame type 7: unknown */
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_UNSUPPORTED);
}

static void test_vxlan(void **state)
{
    /* VXLAN: flags I (0x08), VNI 42 */
    static const uint8_t vxlan[] = { 0x08, 0, 0, 0, 0x00, 0x00, 0x2a, 0x00 };
    struct pt_frame f;
    struct pkt p;
    struct pkt_decoder *d = pkt_decoder_create(NULL);

    (void)state;
    pt_outer_udp(&f, 4789);
    PT_ADD(&f, vxlan);
    pt_eth_ipv4_tcp(&f);
    pt_outer_done(&f);
    assert_int_equal(pt_decode(d, PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    pt_assert_inner_tcp(&p);
    assert_int_equal(p.encap, PKT_ENC_VXLAN);
    assert_int_equal(pkt_decoder_stats(d)->vxlan, 1);
    f.b[42] = 0x00;                         /* no I flag: not VXLAN, plain UDP */
    assert_int_equal(pt_decode(d, PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    assert_int_equal(p.proto, 17);
    assert_int_equal(p.dport, 4789);
    assert_int_equal(p.payload_len, f.len - 42);
    f.b[42] = 0x08;
    f.len = 42 + 8 + 10;                    /* inner Ethernet header cut */
    pt_outer_done(&f);
    assert_int_equal(pt_decode(d, PKT_LINK_ETHERNET, &f, &p), PKT_TRUNCATED);
    pkt_decoder_destroy(d);
}

static void test_geneve(void **state)
{
    /* Geneve ver 0, opt len 1 (4 bytes), protocol 0x6558, VNI 7, one option
     * (class 0x0101, type 1, len 0) */
    static const uint8_t geneve[] = { 0x01, 0x00, 0x65, 0x58, 0, 0, 7, 0,
                                      0x01, 0x01, 0x01, 0x00 };
    /* Geneve with protocol IPv4 directly and no options */
    static const uint8_t geneve_ip[] = { 0x00, 0x00, 0x08, 0x00, 0, 0, 7, 0 };
    struct pt_frame f;
    struct pkt p;

    (void)state;
    pt_outer_udp(&f, 6081);
    PT_ADD(&f, geneve);
    pt_eth_ipv4_tcp(&f);
    pt_outer_done(&f);
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    pt_assert_inner_tcp(&p);
    assert_int_equal(p.encap, PKT_ENC_GENEVE);
    f.b[42] = 0x3f;                         /* 63 words of options: past the end */
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_TRUNCATED);
    pt_outer_udp(&f, 6081);
    PT_ADD(&f, geneve_ip);
    pt_inner_ip_tcp(&f);
    pt_outer_done(&f);
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    pt_assert_inner_tcp(&p);
}

static void test_ipip(void **state)
{
    struct pt_frame f;
    struct pkt p;

    (void)state;
    pt_outer(&f, 4);
    pt_inner_ip_tcp(&f);
    pt_outer_done(&f);
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    pt_assert_inner_tcp(&p);
    assert_int_equal(p.encap, PKT_ENC_IPIP);
    f.b[14 + 9] = 41;                       /* says IPv6 inside, but holds IPv4 */
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_MALFORMED);
}

static void test_teredo(void **state)
{
    /* origin indication (0x0000, port, addr), then IPv6 payload 8 UDP ::1 > ::2,
     * UDP 53 > 1053 length 8 */
    static const uint8_t teredo[] = {
        0x00, 0x00, 0xf2, 0x27, 0x3f, 0xff, 0xff, 0xfe,
        0x60, 0, 0, 0, 0x00, 0x08, 17, 1,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
        0x00, 0x35, 0x04, 0x1d, 0x00, 0x08, 0x00, 0x00,
    };
    struct pt_frame f;
    struct pkt p;

    (void)state;
    pt_outer_udp(&f, 3544);
    PT_ADD(&f, teredo);
    pt_outer_done(&f);
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    assert_int_equal(p.ip_version, 6);
    assert_int_equal(p.dport, 1053);
    assert_int_equal(p.encap, PKT_ENC_TEREDO);
    f.b[42 + 8 + 5] = 9;                    /* IPv6 length disagrees: stays UDP */
    assert_int_equal(pt_decode1(PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    assert_int_equal(p.ip_version, 4);
    assert_int_equal(p.dport, 3544);
}

/* The carrier of the outermost tunnel is reported as a flow of its own: the
 * outer IPv4 172.16.0.1 > 172.16.0.2 with its UDP (VXLAN) or GRE header as L4,
 * also when what it carries cannot be decoded; IP-in-IP and plain packets
 * have none. */
static void test_tunnel_carrier(void **state)
{
    static const uint8_t vxlan[] = { 0x08, 0, 0, 0, 0x00, 0x00, 0x2a, 0x00 };
    static const uint8_t gre[] = { 0x00, 0x00, 0x08, 0x00 };
    static const uint8_t gre_v1[] = { 0x00, 0x01, 0x88, 0x0b };    /* PPTP */
    struct pkt_decoder *d = pkt_decoder_create(NULL);
    const struct pkt *t;
    struct pt_frame f;
    struct pkt p;

    (void)state;
    pt_outer_udp(&f, 4789);
    PT_ADD(&f, vxlan);
    pt_eth_ipv4_tcp(&f);
    pt_outer_done(&f);
    assert_int_equal(pt_decode(d, PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    pt_assert_inner_tcp(&p);
    t = pkt_decoder_tunnel(d);
    assert_non_null(t);
    assert_int_equal(t->proto, 17);
    assert_int_equal(t->sport, 40000);
    assert_int_equal(t->dport, 4789);
    assert_int_equal(t->src.b[0], 172);
    assert_int_equal(t->dst.b[3], 2);
    assert_int_equal(t->ip_len, f.len - 14);
    assert_int_equal(t->payload_len, f.len - 42);   /* the VXLAN header on */
    assert_int_equal(t->encap, 0);
    f.len = 42 + 8 + 10;                    /* inner Ethernet header cut */
    pt_outer_done(&f);
    assert_int_equal(pt_decode(d, PKT_LINK_ETHERNET, &f, &p), PKT_TRUNCATED);
    assert_non_null(pkt_decoder_tunnel(d));         /* the carrier is still a flow */
    pt_outer(&f, 47);
    PT_ADD(&f, gre);
    pt_inner_ip_tcp(&f);
    pt_outer_done(&f);
    assert_int_equal(pt_decode(d, PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    t = pkt_decoder_tunnel(d);
    assert_non_null(t);
    assert_int_equal(t->proto, 47);
    assert_int_equal(t->l4_off, 20);
    assert_int_equal(t->payload_off, 20);           /* the GRE header on */
    assert_int_equal(t->payload_len, f.len - 34);
    pt_outer(&f, 47);
    PT_ADD(&f, gre_v1);
    pt_outer_done(&f);
    assert_int_equal(pt_decode(d, PKT_LINK_ETHERNET, &f, &p), PKT_UNSUPPORTED);
    assert_non_null(pkt_decoder_tunnel(d));
    assert_int_equal(pkt_decoder_tunnel(d)->proto, 47);
    pt_outer(&f, 4);                        /* IP-in-IP: decapsulated, no carrier */
    pt_inner_ip_tcp(&f);
    pt_outer_done(&f);
    assert_int_equal(pt_decode(d, PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    assert_null(pkt_decoder_tunnel(d));
    f.len = 0;                              /* a plain packet */
    pt_eth_ipv4_tcp(&f);
    assert_int_equal(pt_decode(d, PKT_LINK_ETHERNET, &f, &p), PKT_OK);
    assert_int_equal(p.encap, 0);
    assert_null(pkt_decoder_tunnel(d));
    pkt_decoder_destroy(d);
}

static void test_nested_tunnels_too_deep(void **state)
{
    /* GRE/TEB repeated 9 times, each carrying Ethernet + IPv4 + GRE again */
    static const uint8_t gre_teb[] = { 0x00, 0x00, 0x65, 0x58 };
    struct pt_frame f;
    struct pkt p;
    struct pkt_decoder *d = pkt_decoder_create(NULL);
    int i;

    (void)state;
    f.len = 0;
    for (i = 0; i < 9; i++) {
        PT_ADD(&f, PT_ETH_ADDRS);
        PT_ADD(&f, PT_TYPE_IPV4);
        PT_ADD(&f, OUTER_V4);
        f.b[f.len - 20 + 9] = 47;
        f.b[f.len - 20 + 2] = 0x05;         /* total 1280: capture end wins */
        PT_ADD(&f, gre_teb);
    }
    pt_eth_ipv4_tcp(&f);
    assert_int_equal(pt_decode(d, PKT_LINK_ETHERNET, &f, &p), PKT_MALFORMED);
    assert_int_equal(pkt_decoder_stats(d)->too_many_layers, 1);
    pkt_decoder_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gre_ipv4_key_seq),
        cmocka_unit_test(test_gre_checksum_truncated_v1),
        cmocka_unit_test(test_gre_teb_and_ppp),
        cmocka_unit_test(test_erspan_types),
        cmocka_unit_test(test_vxlan),
        cmocka_unit_test(test_geneve),
        cmocka_unit_test(test_ipip),
        cmocka_unit_test(test_teredo),
        cmocka_unit_test(test_tunnel_carrier),
        cmocka_unit_test(test_nested_tunnels_too_deep),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
