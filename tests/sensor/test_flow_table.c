/* tests/sensor/test_flow_table.c: flow table keys, directions, LRU, eviction
 * order and metadata blobs. Packets are hand-made struct pkt values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "flow_table.h"
#include "fw_ip.h"

static struct pkt mkpkt(const char *src, uint16_t sport, const char *dst, uint16_t dport,
                        uint8_t proto, uint64_t ts)
{
    struct pkt p;

    memset(&p, 0, sizeof(p));
    assert_int_equal(fw_ip_parse(src, &p.src), 0);
    assert_int_equal(fw_ip_parse(dst, &p.dst), 0);
    p.sport = sport;
    p.dport = dport;
    p.proto = proto;
    p.ts_us = ts;
    p.ip_version = p.src.family;
    return p;
}

static void test_lookup_both_directions(void **state)
{
    struct flow_table *t = flow_table_create(8);
    struct pkt a = mkpkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, 1);
    struct pkt b = mkpkt("10.0.0.2", 80, "10.0.0.1", 40000, 6, 2);
    struct pkt c = mkpkt("10.0.0.2", 81, "10.0.0.1", 40000, 6, 3);
    struct flow_entry *e, *f;
    bool from_src = false;

    (void)state;
    assert_non_null(t);
    assert_int_equal(flow_table_hash(&a), flow_table_hash(&b));
    assert_null(flow_table_lookup(t, &a, flow_table_hash(&a), &from_src));
    e = flow_table_insert(t, &a, flow_table_hash(&a));
    assert_non_null(e);
    f = flow_table_lookup(t, &a, flow_table_hash(&a), &from_src);
    assert_ptr_equal(f, e);
    assert_true(from_src);
    f = flow_table_lookup(t, &b, flow_table_hash(&b), &from_src);
    assert_ptr_equal(f, e);
    assert_false(from_src);
    assert_null(flow_table_lookup(t, &c, flow_table_hash(&c), &from_src));
    assert_int_equal(flow_table_count(t), 1);
    flow_table_remove(t, e);
    assert_int_equal(flow_table_count(t), 0);
    assert_null(flow_table_lookup(t, &a, flow_table_hash(&a), &from_src));
    flow_table_destroy(t);
}

static void test_vlan_and_ipv6_keys(void **state)
{
    struct flow_table *t = flow_table_create(8);
    struct pkt a = mkpkt("2001:db8::1", 5000, "2001:db8::2", 53, 17, 1);
    struct pkt v = a, r = mkpkt("2001:db8::2", 53, "2001:db8::1", 5000, 17, 2);
    bool from_src;

    (void)state;
    v.has_vlan = true;
    v.vlan = 12;
    assert_non_null(flow_table_insert(t, &a, flow_table_hash(&a)));
    /* same 5-tuple on a VLAN is another flow */
    assert_null(flow_table_lookup(t, &v, flow_table_hash(&v), &from_src));
    assert_non_null(flow_table_insert(t, &v, flow_table_hash(&v)));
    assert_non_null(flow_table_lookup(t, &r, flow_table_hash(&r), &from_src));
    assert_false(from_src);
    assert_int_equal(flow_table_count(t), 2);
    flow_table_destroy(t);
}

static void test_icmp_reply_same_flow(void **state)
{
    struct flow_table *t = flow_table_create(4);
    struct pkt req = mkpkt("10.0.0.1", 8, "10.0.0.2", 0, 1, 1);     /* echo request */
    struct pkt rep = mkpkt("10.0.0.2", 0, "10.0.0.1", 0, 1, 2);     /* echo reply */
    struct flow_entry *e;
    bool from_src = true;

    (void)state;
    e = flow_table_insert(t, &req, flow_table_hash(&req));
    assert_ptr_equal(flow_table_lookup(t, &rep, flow_table_hash(&rep), &from_src), e);
    assert_false(from_src);
    assert_int_equal(e->sport, 8);      /* the first packet's type stays */
    flow_table_destroy(t);
}

static void test_full_and_lru_order(void **state)
{
    struct flow_table *t = flow_table_create(3);
    struct pkt p[4];
    struct flow_entry *e[3];
    int i;

    (void)state;
    for (i = 0; i < 4; i++)
        p[i] = mkpkt("10.0.0.1", (uint16_t)(1000 + i), "10.0.0.9", 53, 17, (uint64_t)(10 + i));
    for (i = 0; i < 3; i++)
        e[i] = flow_table_insert(t, &p[i], flow_table_hash(&p[i]));
    assert_null(flow_table_insert(t, &p[3], flow_table_hash(&p[3])));     /* full */
    assert_ptr_equal(flow_table_oldest(t, FLOW_LRU_UDP), e[0]);
    /* a packet on flow 0 makes flow 1 the oldest */
    e[0]->ts_last_us = 20;
    flow_table_touch(t, e[0], FLOW_LRU_UDP);
    assert_ptr_equal(flow_table_oldest(t, FLOW_LRU_UDP), e[1]);
    assert_ptr_equal(flow_table_oldest_any(t), e[1]);
    /* moving flow 1 to the closed list keeps it the oldest overall */
    flow_table_touch(t, e[1], FLOW_LRU_CLOSED);
    assert_ptr_equal(flow_table_oldest(t, FLOW_LRU_UDP), e[2]);
    assert_ptr_equal(flow_table_oldest_any(t), e[1]);
    flow_table_remove(t, e[1]);
    assert_null(flow_table_oldest(t, FLOW_LRU_CLOSED));
    assert_non_null(flow_table_insert(t, &p[3], flow_table_hash(&p[3])));     /* slot reused */
    assert_int_equal(flow_table_count(t), 3);
    flow_table_destroy(t);
}

static void test_many_flows_chunks(void **state)
{
    enum { N = 5000 };
    struct flow_table *t = flow_table_create(N);
    bool from_src;
    int i;

    (void)state;
    for (i = 0; i < N; i++) {
        struct pkt p = mkpkt("10.1.0.1", (uint16_t)(i + 1), "10.2.0.1", 443, 6, (uint64_t)i);
        assert_non_null(flow_table_insert(t, &p, flow_table_hash(&p)));
    }
    for (i = 0; i < N; i += 7) {
        struct pkt r = mkpkt("10.2.0.1", 443, "10.1.0.1", (uint16_t)(i + 1), 6, 0);
        struct flow_entry *e = flow_table_lookup(t, &r, flow_table_hash(&r), &from_src);
        assert_non_null(e);
        assert_int_equal(e->sport, i + 1);
    }
    assert_true(flow_table_mem(t) / N < 512);
    flow_table_destroy(t);
}

static void test_meta_blob(void **state)
{
    struct flow_table *t = flow_table_create(2);
    struct pkt p = mkpkt("10.0.0.1", 1, "10.0.0.2", 2, 6, 1);
    struct flow_entry *e = flow_table_insert(t, &p, flow_table_hash(&p));
    uint64_t mem0 = flow_table_mem(t);
    char out[64];
    char big[400];

    (void)state;
    assert_false(flow_meta_get_str(e, FLOW_TAG_TLS_SNI, out, sizeof(out)));
    assert_null(e->meta);
    assert_int_equal(flow_meta_set_str(t, e, FLOW_TAG_TLS_SNI, "example.com"), 0);
    assert_int_equal(flow_meta_set_str(t, e, FLOW_TAG_HTTP_HOST, "a.b"), 0);
    assert_true(flow_table_mem(t) > mem0);
    assert_true(flow_meta_get_str(e, FLOW_TAG_TLS_SNI, out, sizeof(out)));
    assert_string_equal(out, "example.com");
    /* replace with a longer value; other tags survive */
    assert_int_equal(flow_meta_set_str(t, e, FLOW_TAG_TLS_SNI, "www.example.org"), 0);
    assert_true(flow_meta_get_str(e, FLOW_TAG_TLS_SNI, out, sizeof(out)));
    assert_string_equal(out, "www.example.org");
    assert_true(flow_meta_get_str(e, FLOW_TAG_HTTP_HOST, out, sizeof(out)));
    assert_string_equal(out, "a.b");
    /* too long: cut to 255; small output buffers truncate */
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(flow_meta_set_str(t, e, FLOW_TAG_HTTP_URL, big), 0);
    assert_true(flow_meta_get_str(e, FLOW_TAG_HTTP_URL, out, 5));
    assert_string_equal(out, "xxxx");
    flow_table_remove(t, e);
    assert_int_equal(flow_table_mem(t), mem0);
    flow_table_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_both_directions),
        cmocka_unit_test(test_vlan_and_ipv6_keys),
        cmocka_unit_test(test_icmp_reply_same_flow),
        cmocka_unit_test(test_full_and_lru_order),
        cmocka_unit_test(test_many_flows_chunks),
        cmocka_unit_test(test_meta_blob),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
