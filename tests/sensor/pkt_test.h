/* tests/sensor/pkt_test.h: helpers shared by the decoder unit tests.
 *
 * Frames are assembled from hand-written header arrays with pt_cat(), then
 * decoded by a fresh decoder. Every helper asserts through cmocka.
 */
#ifndef PKT_TEST_H
#define PKT_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pkt_decode.h"

struct pt_frame {
    uint8_t b[4096];
    uint32_t len;
};

#define PT_ADD(f, arr) pt_add((f), (arr), sizeof(arr))

static inline void pt_add(struct pt_frame *f, const uint8_t *p, size_t n)
{
    assert_true(f->len + n <= sizeof(f->b));
    memcpy(f->b + f->len, p, n);
    f->len += (uint32_t)n;
}

static inline void pt_zero(struct pt_frame *f, size_t n)
{
    assert_true(f->len + n <= sizeof(f->b));
    memset(f->b + f->len, 0, n);
    f->len += (uint32_t)n;
}

/* Patch a big-endian 16-bit length at off (for frames with computed sizes). */
static inline void pt_put16(struct pt_frame *f, size_t off, uint16_t v)
{
    f->b[off] = (uint8_t)(v >> 8);
    f->b[off + 1] = (uint8_t)v;
}

/* Decode f once on decoder d. */
static inline enum pkt_status pt_decode(struct pkt_decoder *d, enum pkt_link link,
                                        const struct pt_frame *f, struct pkt *p)
{
    return pkt_decode(d, link, f->b, f->len, f->len, 1000000, p);
}

/* Decode f on a fresh decoder and check the outcome counters add up. */
static inline enum pkt_status pt_decode1(enum pkt_link link, const struct pt_frame *f,
                                         struct pkt *p)
{
    struct pkt_decoder *d = pkt_decoder_create(NULL);
    enum pkt_status s;
    const struct pkt_stats *st;

    assert_non_null(d);
    s = pt_decode(d, link, f, p);
    st = pkt_decoder_stats(d);
    assert_int_equal(st->packets, 1);
    assert_int_equal(st->ok + st->truncated + st->malformed + st->unsupported +
                     st->too_many_layers + st->frag_fragments - st->frag_reassembled, 1);
    pkt_decoder_destroy(d);
    return s;
}

/* Ethernet II: dst 02:00:00:00:00:02, src 02:00:00:00:00:01, no type yet. */
static const uint8_t PT_ETH_ADDRS[] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
static const uint8_t PT_TYPE_IPV4[] = { 0x08, 0x00 };
static const uint8_t PT_TYPE_IPV6[] = { 0x86, 0xdd };

/* IPv4, IHL 5, total length 40, id 0x1234, TTL 64, proto TCP, 10.0.0.1 > 10.0.0.2 */
static const uint8_t PT_IPV4_TCP[] = {
    0x45, 0x00, 0x00, 0x28, 0x12, 0x34, 0x00, 0x00, 0x40, 0x06, 0x00, 0x00,
    10, 0, 0, 1, 10, 0, 0, 2,
};
/* TCP 1234 > 80, seq 1, ack 0, data offset 5, flags SYN, window 65535 */
static const uint8_t PT_TCP_SYN[] = {
    0x04, 0xd2, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x50, 0x02, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
};
/* IPv4, total length 28, proto UDP, TTL 64, 192.168.1.1 > 192.168.1.2 */
static const uint8_t PT_IPV4_UDP[] = {
    0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
    192, 168, 1, 1, 192, 168, 1, 2,
};
/* UDP 53 > 1053, length 8 (no payload) */
static const uint8_t PT_UDP_EMPTY[] = { 0x00, 0x35, 0x04, 0x1d, 0x00, 0x08, 0x00, 0x00 };

/* A complete Ethernet/IPv4/TCP SYN frame: 10.0.0.1:1234 > 10.0.0.2:80. */
static inline void pt_eth_ipv4_tcp(struct pt_frame *f)
{
    PT_ADD(f, PT_ETH_ADDRS);
    PT_ADD(f, PT_TYPE_IPV4);
    PT_ADD(f, PT_IPV4_TCP);
    PT_ADD(f, PT_TCP_SYN);
}

/* The innermost packet must be 10.0.0.1:1234 > 10.0.0.2:80 TCP SYN. */
static inline void pt_assert_inner_tcp(const struct pkt *p)
{
    static const uint8_t src[4] = { 10, 0, 0, 1 }, dst[4] = { 10, 0, 0, 2 };

    assert_int_equal(p->ip_version, 4);
    assert_memory_equal(p->src.b, src, 4);
    assert_memory_equal(p->dst.b, dst, 4);
    assert_int_equal(p->proto, 6);
    assert_int_equal(p->sport, 1234);
    assert_int_equal(p->dport, 80);
    assert_int_equal(p->tcp_flags, PKT_TCP_SYN);
    assert_int_equal(p->ip_len, 40);
    assert_int_equal(p->l4_off, 20);
    assert_int_equal(p->payload_off, 40);
    assert_int_equal(p->payload_len, 0);
    assert_int_equal(p->ip[0], 0x45);
}

#endif
