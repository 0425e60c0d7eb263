/* tests/sensor/test_dpi_ndpi.c: nDPI 4.2 glue on hand-built packets: DNS and
 * HTTP classification with ndpiReader's names, give-up after the packet limit,
 * risk and category names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dpi_ndpi.h"
#include "dpi_risks.h"
#include "flow_testpkt.h"
#include "wrk_worker.h"

static int setup(void **state)
{
    *state = dpi_module_create();
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    dpi_module_destroy(*state);
    return 0;
}

static void test_dns_query_and_answer(void **state)
{
    struct dpi_module *m = *state;
    struct dpi_flow *f = dpi_flow_alloc(m);
    struct dpi_result r;
    struct tpkt t;
    struct pkt *p;
    char name[64];

    assert_non_null(f);
    memset(&r, 0, sizeof(r));
    p = tp_build(&t, "10.0.0.1", 40000, "10.0.0.53", 53, 17, 0, tp_dns_query,
                 sizeof(tp_dns_query), 1000000);
    /* the query names DNS, but nDPI wants the answer too (extra dissection) */
    assert_int_equal(dpi_flow_process(m, f, p->ip, p->ip_len, 1000, 1, 17, &r), DPI_MORE);
    p = tp_build(&t, "10.0.0.53", 53, "10.0.0.1", 40000, 17, 0, tp_dns_answer,
                 sizeof(tp_dns_answer), 1001000);
    assert_int_equal(dpi_flow_process(m, f, p->ip, p->ip_len, 1001, 2, 17, &r), DPI_DONE);
    assert_false(r.gave_up);
    assert_string_equal(dpi_proto_name(m, r.master_id, r.app_id, name, sizeof(name)), "DNS");
    assert_string_equal(dpi_category_name(m, r.category), "Network");
    assert_true(dpi_proto_is_dns(r.master_id, r.app_id));
    dpi_flow_release(m, f);
}

static void test_http_get(void **state)
{
    struct dpi_module *m = *state;
    struct dpi_flow *f = dpi_flow_alloc(m);
    struct dpi_info info;
    struct dpi_result r;
    struct tpkt t;
    struct pkt *p;
    char name[64];
    enum dpi_step st;
    uint32_t n = 0;

    memset(&r, 0, sizeof(r));
    p = tp_build(&t, "10.0.0.1", 40001, "10.0.0.80", 80, 6, PKT_TCP_SYN, "", 0, 1000);
    assert_int_equal(dpi_flow_process(m, f, p->ip, p->ip_len, 1, ++n, 6, &r), DPI_MORE);
    p = tp_build(&t, "10.0.0.80", 80, "10.0.0.1", 40001, 6, PKT_TCP_SYN | PKT_TCP_ACK, "", 0,
                 2000);
    assert_int_equal(dpi_flow_process(m, f, p->ip, p->ip_len, 2, ++n, 6, &r), DPI_MORE);
    p = tp_build(&t, "10.0.0.1", 40001, "10.0.0.80", 80, 6, PKT_TCP_ACK, "", 0, 3000);
    assert_int_equal(dpi_flow_process(m, f, p->ip, p->ip_len, 3, ++n, 6, &r), DPI_MORE);
    p = tp_build(&t, "10.0.0.1", 40001, "10.0.0.80", 80, 6, PKT_TCP_ACK | PKT_TCP_PSH,
                 tp_http_get, strlen(tp_http_get), 4000);
    st = dpi_flow_process(m, f, p->ip, p->ip_len, 4, ++n, 6, &r);
    if (st == DPI_MORE) {           /* nDPI may wait for the response code */
        p = tp_build(&t, "10.0.0.80", 80, "10.0.0.1", 40001, 6, PKT_TCP_ACK | PKT_TCP_PSH,
                     tp_http_resp, strlen(tp_http_resp), 5000);
        st = dpi_flow_process(m, f, p->ip, p->ip_len, 5, ++n, 6, &r);
    }
    assert_int_equal(st, DPI_DONE);
    assert_string_equal(dpi_proto_name(m, r.master_id, r.app_id, name, sizeof(name)), "HTTP");
    dpi_flow_info(f, &info);
    assert_string_equal(info.host, "www.example.com");
    assert_false(info.is_tls);
    dpi_flow_release(m, f);
}

static void test_giveup_after_udp_limit(void **state)
{
    struct dpi_module *m = *state;
    struct dpi_flow *f = dpi_flow_alloc(m);
    static const uint8_t junk[] = { 0x9a, 0x01, 0x77, 0x42, 0x13, 0x00, 0xfe, 0x3c };
    struct dpi_result r;
    struct tpkt t;
    struct pkt *p;
    uint32_t n;
    enum dpi_step st = DPI_MORE;

    memset(&r, 0, sizeof(r));
    for (n = 1; n <= DPI_MAX_UDP_PKTS + 1 && st == DPI_MORE; n++) {
        p = tp_build(&t, "10.9.0.1", 33333, "10.9.0.2", 44444, 17, 0, junk, sizeof(junk),
                     n * 1000ull);
        st = dpi_flow_process(m, f, p->ip, p->ip_len, n, n, 17, &r);
    }
    /* ndpiReader gives up on the 25th UDP packet */
    assert_int_equal(st, DPI_DONE);
    assert_int_equal(n - 1, DPI_MAX_UDP_PKTS + 1);
    assert_true(r.gave_up);
    dpi_flow_release(m, f);
}

static void test_names(void **state)
{
    char name[64];

    assert_non_null(dpi_risk_name(1));
    assert_null(dpi_risk_name(0));
    assert_null(dpi_risk_name(dpi_risk_count()));
    assert_string_equal(dpi_proto_name(*state, 0, 0, name, sizeof(name)), "Unknown");
    assert_true(dpi_flow_size() >= 600);
    assert_non_null(strstr(dpi_lib_version(), "4.2"));
}

/* Cached protocol names are nDPI's own: a fresh module (every first lookup of
 * a pair goes to ndpi_protocol2name) against a module that has seen each pair
 * before (cache hits, evictions between colliding pairs), whole and cut to a
 * short buffer as snprintf would. */
static void test_proto_names_cached(void **state)
{
    struct dpi_module *warm = *state, *cold;
    char want[64], got[64], small[6];
    unsigned master, app, round;

    cold = dpi_module_create();
    assert_non_null(cold);
    for (round = 0; round < 2; round++)
        for (master = 0; master < 300; master += 7)
            for (app = 0; app < 300; app += 11)
                dpi_proto_name(warm, (uint16_t)master, (uint16_t)app, got, sizeof(got));
    for (master = 0; master < 300; master += 7) {
        for (app = 0; app < 300; app += 11) {
            /* each pair once: always a miss, so nDPI's own text */
            dpi_proto_name(cold, (uint16_t)master, (uint16_t)app, want, sizeof(want));
            assert_string_equal(dpi_proto_name(warm, (uint16_t)master, (uint16_t)app, got,
                                               sizeof(got)), want);
            dpi_proto_name(warm, (uint16_t)master, (uint16_t)app, small, sizeof(small));
            assert_int_equal(strncmp(small, want, sizeof(small) - 1), 0);
            assert_true(strlen(small) == strnlen(want, sizeof(small) - 1));
        }
    }
    dpi_module_destroy(cold);
}

/* The nDPI-free risk table (dpi_risks.c) used by rules and records must name
 * every risk exactly as this nDPI does, bit for bit. */
static void test_risk_table_matches_ndpi(void **state)
{
    unsigned bit;

    (void)state;
    assert_int_equal(dpi_risks_count(), dpi_risk_count());
    for (bit = 1; bit < dpi_risk_count(); bit++) {
        assert_non_null(dpi_risks_name(bit));
        assert_string_equal(dpi_risks_name(bit), dpi_risk_name(bit));
        assert_int_equal(dpi_risks_bit(dpi_risk_name(bit)), (int)bit);
    }
    assert_null(dpi_risks_name(0));
    assert_int_equal(dpi_risks_bit("no such risk"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dns_query_and_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_giveup_after_udp_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proto_names_cached, setup, teardown),
        cmocka_unit_test(test_risk_table_matches_ndpi),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
