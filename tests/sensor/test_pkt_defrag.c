/* tests/sensor/test_pkt_defrag.c: IPv4 and IPv6 fragment reassembly: in order,
 * out of order, overlapping (first copy wins), timeout, table full, byte cap,
 * oversize and inconsistent fragments, and the counter identity
 * packets == ok + truncated + malformed + unsupported + too_many_layers +
 * (frag_fragments - frag_reassembled).
 */
#include "sensor/pkt_test.h"

/* The datagram every test splits: UDP 53 > 1053, length 32, then 24 bytes
 * "ABCDEFGHIJKLMNOPQRSTUVWX". */
static const uint8_t DGRAM[32] = {
    0x00, 0x35, 0x04, 0x1d, 0x00, 0x20, 0x00, 0x00,
    'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L',
    'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X',
};

/* IPv4 fragment header template: IHL 5, total length and flags/offset patched,
 * id 0x0bad, TTL 64, UDP, 10.1.1.1 > 10.2.2.2 */
static const uint8_t V4_FRAG[] = {
    0x45, 0x00, 0x00, 0x00, 0x0b, 0xad, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
    10, 1, 1, 1, 10, 2, 2, 2,
};

/* Raw IPv4 fragment carrying DGRAM[off, off+len) (or data when given). */
static void v4_frag(struct pt_frame *f, uint32_t off, uint32_t len, bool more,
                    const uint8_t *data)
{
    f->len = 0;
    PT_ADD(f, V4_FRAG);
    pt_put16(f, 2, (uint16_t)(20 + len));
    pt_put16(f, 6, (uint16_t)((more ? 0x2000 : 0) | off / 8));
    pt_add(f, data ? data : DGRAM + off, len);
}

static enum pkt_status dec_at(struct pkt_decoder *d, enum pkt_link link,
                              const struct pt_frame *f, uint64_t ts, struct pkt *p)
{
    return pkt_decode(d, link, f->b, f->len, f->len, ts, p);
}

static void assert_identity(const struct pkt_decoder *d)
{
    const struct pkt_stats *st = pkt_decoder_stats(d);

    assert_int_equal(st->packets, st->ok + st->truncated + st->malformed + st->unsupported +
                                  st->too_many_layers + st->frag_fragments -
                                  st->frag_reassembled);
}

static void assert_dgram(const struct pkt *p)
{
    assert_int_equal(p->proto, 17);
    assert_int_equal(p->sport, 53);
    assert_int_equal(p->dport, 1053);
    assert_int_equal(p->payload_len, 24);
    assert_memory_equal(p->ip + p->payload_off, DGRAM + 8, 24);
    assert_true(p->encap & PKT_ENC_REASSEMBLED);
}

static void test_v4_in_order(void **state)
{
    struct pkt_decoder *d = pkt_decoder_create(NULL);
    struct pt_frame f;
    struct pkt p;

    (void)state;
    v4_frag(&f, 0, 16, true, NULL);
    assert_int_equal(dec_at(d, PKT_LINK_IPV4, &f, 1, &p), PKT_FRAGMENT);
    v4_frag(&f, 16, 16, false, NULL);
    assert_int_equal(dec_at(d, PKT_LINK_IPV4, &f, 2, &p), PKT_OK);
    assert_dgram(&p);
    assert_int_equal(p.ip_len, 52);
    assert_int_equal(p.ip[2] << 8 | p.ip[3], 52);       /* total length rewritten */
    assert_int_equal(p.ip[6] & 0x3f, 0);                 /* MF and offset cleared */
    assert_int_equal(pkt_decoder_stats(d)->frag_fragments, 2);
    assert_int_equal(pkt_decoder_stats(d)->frag_reassembled, 1);
    assert_int_equal(pkt_decoder_stats(d)->ok, 1);
    assert_identity(d);
    pkt_decoder_destroy(d);
}

static void test_v4_out_of_order_vlan_eth(void **state)
{
    /* Ethernet + 802.1Q VID 5, three fragments sent last, first, middle */
    static const uint8_t vlan[] = { 0x81, 0x00, 0x00, 0x05, 0x08, 0x00 };
    struct pkt_decoder *d = pkt_decoder_create(NULL);
    struct pt_frame ip, f;
    struct pkt p;
    static const uint32_t offs[3] = { 24, 0, 8 }, lens[3] = { 8, 8, 16 };
    int i;

    (void)state;
    for (i = 0; i < 3; i++) {
        v4_frag(&ip, offs[i], lens[i], offs[i] != 24, NULL);
        f.len = 0;
        PT_ADD(&f, PT_ETH_ADDRS);
        PT_ADD(&f, vlan);
        pt_add(&f, ip.b, ip.len);
        assert_int_equal(dec_at(d, PKT_LINK_ETHERNET, &f, 10 + i, &p),
                         i < 2 ? PKT_FRAGMENT : PKT_OK);
    }
    assert_dgram(&p);
    assert_int_equal(p.vlan, 5);
    assert_identity(d);
    pkt_decoder_destroy(d);
}

static void test_v4_overlap_first_wins(void **state)
{
    /* a second copy of bytes 8..16 with different content ("zzzzzzzz") */
    static const uint8_t evil[8] = { 'z', 'z', 'z', 'z', 'z', 'z', 'z', 'z' };
    struct pkt_decoder *d = pkt_decoder_create(NULL);
    struct pt_frame f;
    struct pkt p;

    (void)state;
    v4_frag(&f, 0, 16, true, NULL);
    assert_int_equal(dec_at(d, PKT_LINK_IPV4, &f, 1, &p), PKT_FRAGMENT);
    v4_frag(&f, 8, 8, true, evil);
    assert_int_equal(dec_at(d, PKT_LINK_IPV4, &f, 2, &p), PKT_FRAGMENT);
    v4_frag(&f, 16, 16, false, NULL);
    assert_int_equal(dec_at(d, PKT_LINK_IPV4, &f, 3, &p), PKT_OK);
    assert_dgram(&p);                       /* "ABCDEFGH" kept, not "zzzzzzzz" */
    assert_int_equal(pkt_decoder_stats(d)->frag_overlaps, 1);
    assert_identity(d);
    pkt_decoder_destroy(d);
}

static void test_v4_timeout(void **state)
{
    struct pkt_decoder_cfg cfg = { .frag_timeout_us = 1000 };
    struct pkt_decoder *d = pkt_decoder_create(&cfg);
    struct pt_frame f;
    struct pkt p;

    (void)state;
    v4_frag(&f, 0, 16, true, NULL);
    assert_int_equal(dec_at(d, PKT_LINK_IPV4, &f, 100, &p), PKT_FRAGMENT);
    pkt_decoder_expire(d, 500);
    assert_int_equal(pkt_decoder_stats(d)->frag_timeouts, 0);
    pkt_decoder_expire(d, 1100);
    assert_int_equal(pkt_decoder_stats(d)->frag_timeouts, 1);
    /* the tail alone cannot complete anything now */
    v4_frag(&f, 16, 16, false, NULL);
    assert_int_equal(dec_at(d, PKT_LINK_IPV4, &f, 1200, &p), PKT_FRAGMENT);
    /* and it times out on the next fragment's clock too */
    v4_frag(&f, 0, 16, true, NULL);
    f.b[5] = 0x01;                          /* another id */
    assert_int_equal(dec_at(d, PKT_LINK_IPV4, &f, 5000, &p), PKT_FRAGMENT);
    assert_int_equal(pkt_decoder_stats(d)->frag_timeouts, 2);
    assert_identity(d);
    pkt_decoder_destroy(d);
}

static void test_v4_table_full(void **state)
{
    struct pkt_decoder_cfg cfg = { .frag_max_datagrams = 2 };
    struct pkt_decoder *d = pkt_decoder_create(&cfg);
    struct pt_frame f;
    struct pkt p;
    int i;

    (void)state;
    for (i = 0; i < 3; i++) {               /* ids 0x0b00, 0x0b01, 0x0b02 */
        v4_frag(&f, 0, 16, true, NULL);
        f.b[5] = (uint8_t)i;
        assert_int_equal(dec_at(d, PKT_LINK_IPV4, &f, 10 + i, &p), PKT_FRAGMENT);
    }
    assert_int_equal(pkt_decoder_stats(d)->frag_evicted, 1);
    v4_frag(&f, 16, 16, false, NULL);
    f.b[5] = 0;                             /* the oldest was evicted: no completion */
    assert_int_equal(dec_at(d, PKT_LINK_IPV4, &f, 20, &p), PKT_FRAGMENT);
    v4_frag(&f, 16, 16, false, NULL);
    f.b[5] = 2;                             /* the newest completes */
    assert_int_equal(dec_at(d, PKT_LINK_IPV4, &f, 21, &p), PKT_OK);
    assert_dgram(&p);
    assert_identity(d);
    pkt_decoder_destroy(d);
}

static void test_v4_byte_cap(void **state)
{
    /* one 1 KiB block: a datagram spanning two blocks cannot be held */
    struct pkt_decoder_cfg cfg = { .frag_max_bytes = 1024 };
    struct pkt_decoder *d = pkt_decoder_create(&cfg);
    static uint8_t big[1200];
    struct pt_frame f;
    struct pkt p;

    (void)state;
    v4_frag(&f, 0, 16, true, NULL);
    assert_int_equal(dec_at(d, PKT_LINK_IPV4, &f, 1, &p), PKT_FRAGMENT);
    v4_frag(&f, 1024, 1200, true, big);     /* needs blocks 1 and 2 */
    f.b[5] = 0x77;
    assert_int_equal(dec_at(d, PKT_LINK_IPV4, &f, 2, &p), PKT_FRAGMENT);
    assert_int_equal(pkt_decoder_stats(d)->frag_evicted, 2);  /* old one, then itself */
    assert_identity(d);
    pkt_decoder_destroy(d);
}

static void test_v4_invalid(void **state)
{
    struct pkt_decoder *d = pkt_decoder_create(NULL);
    struct pt_frame f;
    struct pkt p;

    (void)state;
    v4_frag(&f, 0, 16, true, NULL);
    pt_put16(&f, 6, 0x2000 | 8189);         /* offset 65512 + 16 bytes > 65535 */
    assert_int_equal(dec_at(d, PKT_LINK_IPV4, &f, 1, &p), PKT_FRAGMENT);
    v4_frag(&f, 0, 12, true, NULL);         /* non-last fragment not a multiple of 8 */
    assert_int_equal(dec_at(d, PKT_LINK_IPV4, &f, 2, &p), PKT_FRAGMENT);
    v4_frag(&f, 16, 16, false, NULL);       /* last says total 32 ... */
    assert_int_equal(dec_at(d, PKT_LINK_IPV4, &f, 3, &p), PKT_FRAGMENT);
    v4_frag(&f, 16, 8, false, NULL);        /* ... another last says 24 */
    assert_int_equal(dec_at(d, PKT_LINK_IPV4, &f, 4, &p), PKT_FRAGMENT);
    assert_int_equal(pkt_decoder_stats(d)->frag_invalid, 3);
    v4_frag(&f, 0, 16, true, NULL);         /* still completes with the first last */
    assert_int_equal(dec_at(d, PKT_LINK_IPV4, &f, 5, &p), PKT_OK);
    assert_dgram(&p);
    v4_frag(&f, 16, 16, true, NULL);
    f.len -= 4;                             /* cut by the snaplen: cannot be reassembled */
    assert_int_equal(dec_at(d, PKT_LINK_IPV4, &f, 6, &p), PKT_TRUNCATED);
    v4_frag(&f, 0, 16, true, NULL);
    f.len -= 4;                             /* a cut first fragment still names the flow */
    assert_int_equal(dec_at(d, PKT_LINK_IPV4, &f, 7, &p), PKT_OK);
    assert_int_equal(p.dport, 1053);
    assert_int_equal(pkt_decoder_stats(d)->frag_fragments, 5);
    assert_identity(d);
    pkt_decoder_destroy(d);
}

/* IPv6 header (payload length patched), next header fragment, 2001:db8::1 > ::2;
 * then a destination-options header is NOT used: the fragment header follows
 * the fixed header directly. */
static const uint8_t V6_HDR_FRAG[] = {
    0x60, 0, 0, 0, 0x00, 0x00, 44, 64,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
};

/* Fragment header: next UDP, offset/M patched, id 0xdeadbeef */
static void v6_frag(struct pt_frame *f, uint32_t off, uint32_t len, bool more)
{
    static const uint8_t fh[] = { 17, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef };

    f->len = 0;
    PT_ADD(f, V6_HDR_FRAG);
    PT_ADD(f, fh);
    pt_put16(f, 4, (uint16_t)(8 + len));
    pt_put16(f, 42, (uint16_t)(off | (more ? 1 : 0)));
    pt_add(f, DGRAM + off, len);
}

static void test_v6_fragments(void **state)
{
    struct pkt_decoder *d = pkt_decoder_create(NULL);
    struct pt_frame f;
    struct pkt p;

    (void)state;
    v6_frag(&f, 16, 16, false);             /* tail first */
    assert_int_equal(dec_at(d, PKT_LINK_IPV6, &f, 1, &p), PKT_FRAGMENT);
    v6_frag(&f, 0, 16, true);
    assert_int_equal(dec_at(d, PKT_LINK_IPV6, &f, 2, &p), PKT_OK);
    assert_dgram(&p);
    assert_int_equal(p.ip_version, 6);
    assert_int_equal(p.ip_len, 40 + 32);    /* fragment header removed */
    assert_int_equal(p.ip[6], 17);
    assert_int_equal(p.ip[4] << 8 | p.ip[5], 32);
    assert_int_equal(p.l4_off, 40);
    v6_frag(&f, 8, 8, true);                /* a fragment of a new datagram, held */
    assert_int_equal(dec_at(d, PKT_LINK_IPV6, &f, 3, &p), PKT_FRAGMENT);
    v6_frag(&f, 8, 8, true);                /* exact duplicate: overlap */
    assert_int_equal(dec_at(d, PKT_LINK_IPV6, &f, 4, &p), PKT_FRAGMENT);
    assert_int_equal(pkt_decoder_stats(d)->frag_overlaps, 1);
    assert_identity(d);
    pkt_decoder_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v4_in_order),
        cmocka_unit_test(test_v4_out_of_order_vlan_eth),
        cmocka_unit_test(test_v4_overlap_first_wins),
        cmocka_unit_test(test_v4_timeout),
        cmocka_unit_test(test_v4_table_full),
        cmocka_unit_test(test_v4_byte_cap),
        cmocka_unit_test(test_v4_invalid),
        cmocka_unit_test(test_v6_fragments),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
