/* tests/sensor/test_wrk_worker.c: the worker's events and flow life: start,
 * classified, DNS, end; idle, FIN, RST timeouts; eviction at flows_max; HTTP
 * metadata in the record; memory per idle classified flow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flow_community.h"
#include "flow_testpkt.h"
#include "wrk_worker.h"

#define SEC 1000000ull
#define KEEP 32

struct sink {
    unsigned n, by_type[4], by_reason[8];
    struct flow_evt ev[KEEP];       /* first KEEP events */
};

static void sink_emit(void *ctx, const struct flow_evt *evt)
{
    struct sink *s = ctx;

    if (s->n < KEEP)
        s->ev[s->n] = *evt;
    s->n++;
    s->by_type[evt->type & 3]++;
    if (evt->type == FLOW_EVT_END)
        s->by_reason[evt->rec.end_reason & 7]++;
}

/* Last event of a type among those kept, or NULL. */
static const struct flow_evt *sink_last(const struct sink *s, enum flow_evt_type type)
{
    const struct flow_evt *r = NULL;
    unsigned i;

    for (i = 0; i < s->n && i < KEEP; i++)
        if (s->ev[i].type == type)
            r = &s->ev[i];
    return r;
}

struct ctx {
    struct fw_config cfg;
    struct sink *sink;
    struct tpkt t;
};

static int setup(void **state)
{
    struct ctx *c = calloc(1, sizeof(*c));

    if (!c)
        return -1;
    c->sink = calloc(1, sizeof(*c->sink));
    c->cfg.tcp_idle_us = 300 * SEC;
    c->cfg.tcp_closed_us = 10 * SEC;
    c->cfg.udp_idle_us = 60 * SEC;
    *state = c;
    return c->sink ? 0 : -1;
}

static int teardown(void **state)
{
    struct ctx *c = *state;

    free(c->sink);
    free(c);
    return 0;
}

static void dns_exchange(struct wrk_worker *w, struct tpkt *t, const char *cli, uint16_t port,
                         uint64_t ts)
{
    wrk_worker_packet(w, tp_build(t, cli, port, "10.0.0.53", 53, 17, 0, tp_dns_query,
                                  sizeof(tp_dns_query), ts));
    wrk_worker_packet(w, tp_build(t, "10.0.0.53", 53, cli, port, 17, 0, tp_dns_answer,
                                  sizeof(tp_dns_answer), ts + 1000));
}

static void test_dns_flow_events(void **state)
{
    struct ctx *c = *state;
    struct wrk_worker *w = wrk_worker_create(&c->cfg, 3, 16, sink_emit, c->sink);
    const struct flow_evt *e;
    struct wrk_stats st;
    char cid[FLOW_COMMUNITY_LEN];

    assert_non_null(w);
    dns_exchange(w, &c->t, "10.0.0.1", 40000, 10 * SEC);
    assert_int_equal(c->sink->by_type[FLOW_EVT_START], 1);
    assert_int_equal(c->sink->by_type[FLOW_EVT_DNS], 2);
    assert_int_equal(c->sink->by_type[FLOW_EVT_CLASSIFIED], 1);
    e = sink_last(c->sink, FLOW_EVT_DNS);
    assert_true(e->dns.is_response);
    assert_false(e->dns_from_src);
    assert_string_equal(e->dns.questions[0].name, "www.example.com");
    e = sink_last(c->sink, FLOW_EVT_CLASSIFIED);
    assert_string_equal(e->rec.ndpi_proto, "DNS");
    assert_true(e->rec.ndpi_done);
    wrk_worker_stats(w, &st);
    assert_int_equal(st.ndpi_bytes, 0);         /* released once classified */
    assert_int_equal(st.dns_messages, 2);
    wrk_worker_flush(w, 11 * SEC);
    e = sink_last(c->sink, FLOW_EVT_END);
    assert_non_null(e);
    assert_int_equal(e->rec.end_reason, FLOW_END_EOF);
    assert_int_equal(e->rec.id >> 56, 3);
    assert_int_equal(e->rec.src_pkts, 1);
    assert_int_equal(e->rec.dst_pkts, 1);
    assert_int_equal(e->rec.sport, 40000);
    assert_string_equal(e->rec.dns_qname, "www.example.com");
    assert_int_equal(e->rec.dns_qtype, 1);
    assert_int_equal(e->rec.dns_queries, 1);
    assert_int_equal(e->rec.dns_responses, 1);
    assert_true(e->rec.meta & FLOW_META_DNS);
    assert_string_equal(e->rec.ndpi_category, "Network");
    assert_string_equal(e->rec.community_id, "");      /* left to who writes it out */
    assert_int_equal(strncmp(flow_rec_community_id(&e->rec, cid, sizeof(cid)), "1:", 2), 0);
    wrk_worker_stats(w, &st);
    assert_int_equal(st.flows_active, 0);
    assert_int_equal(st.flows_ended, 1);
    wrk_worker_destroy(w);
}

static void test_udp_idle_timeout(void **state)
{
    struct ctx *c = *state;
    struct wrk_worker *w = wrk_worker_create(&c->cfg, 0, 16, sink_emit, c->sink);

    dns_exchange(w, &c->t, "10.0.0.1", 40000, 100 * SEC);
    wrk_worker_expire(w, 150 * SEC);
    assert_int_equal(c->sink->by_type[FLOW_EVT_END], 0);     /* 50 s idle < 60 s */
    wrk_worker_expire(w, 161 * SEC);
    assert_int_equal(c->sink->by_type[FLOW_EVT_END], 1);
    assert_int_equal(c->sink->by_reason[FLOW_END_IDLE], 1);
    wrk_worker_destroy(w);
}

static void tcp_pkt(struct wrk_worker *w, struct tpkt *t, bool from_cli, uint8_t flags,
                    const char *data, uint64_t ts)
{
    if (from_cli)
        wrk_worker_packet(w, tp_build(t, "10.0.0.1", 50000, "10.0.0.80", 80, 6, flags, data,
                                      strlen(data), ts));
    else
        wrk_worker_packet(w, tp_build(t, "10.0.0.80", 80, "10.0.0.1", 50000, 6, flags, data,
                                      strlen(data), ts));
}

static void test_tcp_fin_and_http_meta(void **state)
{
    struct ctx *c = *state;
    struct wrk_worker *w = wrk_worker_create(&c->cfg, 0, 16, sink_emit, c->sink);
    const struct flow_evt *e;

    tcp_pkt(w, &c->t, true, PKT_TCP_SYN, "", 1 * SEC);
    tcp_pkt(w, &c->t, false, PKT_TCP_SYN | PKT_TCP_ACK, "", 1 * SEC + 1);
    tcp_pkt(w, &c->t, true, PKT_TCP_ACK, "", 1 * SEC + 2);
    tcp_pkt(w, &c->t, true, PKT_TCP_ACK | PKT_TCP_PSH, tp_http_get, 1 * SEC + 3);
    tcp_pkt(w, &c->t, false, PKT_TCP_ACK | PKT_TCP_PSH, tp_http_resp, 1 * SEC + 4);
    tcp_pkt(w, &c->t, true, PKT_TCP_ACK | PKT_TCP_FIN, "", 1 * SEC + 5);
    wrk_worker_expire(w, 30 * SEC);
    assert_int_equal(c->sink->by_type[FLOW_EVT_END], 0);     /* one FIN only: still open */
    tcp_pkt(w, &c->t, false, PKT_TCP_ACK | PKT_TCP_FIN, "", 30 * SEC);
    wrk_worker_expire(w, 35 * SEC);
    assert_int_equal(c->sink->by_type[FLOW_EVT_END], 0);     /* closed 5 s < 10 s */
    wrk_worker_expire(w, 41 * SEC);
    assert_int_equal(c->sink->by_reason[FLOW_END_FIN], 1);
    e = sink_last(c->sink, FLOW_EVT_END);
    assert_string_equal(e->rec.ndpi_proto, "HTTP");
    assert_string_equal(e->rec.http.method, "GET");
    assert_string_equal(e->rec.http.host, "www.example.com");
    assert_string_equal(e->rec.http.url, "/index.html");
    assert_int_equal(e->rec.http.status, 200);
    assert_true(e->rec.meta & FLOW_META_HTTP);
    assert_int_equal(e->rec.tcp_flags_src, PKT_TCP_SYN | PKT_TCP_ACK | PKT_TCP_PSH | PKT_TCP_FIN);
    assert_int_equal(e->rec.src_payload, strlen(tp_http_get));
    assert_int_equal(e->rec.dst_payload, strlen(tp_http_resp));
    wrk_worker_destroy(w);
}

static void test_tcp_rst_and_idle(void **state)
{
    struct ctx *c = *state;
    struct wrk_worker *w = wrk_worker_create(&c->cfg, 0, 16, sink_emit, c->sink);

    tcp_pkt(w, &c->t, true, PKT_TCP_SYN, "", 1 * SEC);
    tcp_pkt(w, &c->t, false, PKT_TCP_RST | PKT_TCP_ACK, "", 1 * SEC + 10);
    /* a second, open flow on another port */
    wrk_worker_packet(w, tp_build(&c->t, "10.0.0.2", 1234, "10.0.0.80", 22, 6, PKT_TCP_SYN,
                                  "", 0, 2 * SEC));
    wrk_worker_expire(w, 12 * SEC);
    assert_int_equal(c->sink->by_reason[FLOW_END_RST], 1);
    assert_int_equal(c->sink->by_type[FLOW_EVT_END], 1);
    wrk_worker_expire(w, 290 * SEC);
    assert_int_equal(c->sink->by_type[FLOW_EVT_END], 1);     /* tcp_idle is 300 s */
    wrk_worker_expire(w, 303 * SEC);
    assert_int_equal(c->sink->by_reason[FLOW_END_IDLE], 1);
    wrk_worker_destroy(w);
}

static void test_eviction_at_flows_max(void **state)
{
    struct ctx *c = *state;
    struct wrk_worker *w = wrk_worker_create(&c->cfg, 1, 2, sink_emit, c->sink);
    const struct flow_evt *e;
    struct wrk_stats st;

    dns_exchange(w, &c->t, "10.0.0.1", 1001, 1 * SEC);
    dns_exchange(w, &c->t, "10.0.0.2", 1002, 2 * SEC);
    dns_exchange(w, &c->t, "10.0.0.1", 1001, 3 * SEC);     /* flow 1 is now the newest */
    dns_exchange(w, &c->t, "10.0.0.3", 1003, 4 * SEC);     /* table full: evicts flow 2 */
    assert_int_equal(c->sink->by_reason[FLOW_END_EVICTED], 1);
    e = sink_last(c->sink, FLOW_EVT_END);
    assert_int_equal(e->rec.sport, 1002);
    assert_int_equal(e->rec.end_reason, FLOW_END_EVICTED);
    wrk_worker_stats(w, &st);
    assert_int_equal(st.flows_evicted, 1);
    assert_int_equal(st.flows_active, 2);
    assert_int_equal(st.flows_created, 3);
    wrk_worker_destroy(w);
}

static void test_memory_per_idle_classified_flow(void **state)
{
    enum { N = 4096 };
    struct ctx *c = *state;
    struct wrk_worker *w = wrk_worker_create(&c->cfg, 0, N, sink_emit, c->sink);
    struct wrk_stats st;
    char cli[32];
    int i;

    for (i = 0; i < N; i++) {
        snprintf(cli, sizeof(cli), "10.1.%d.%d", i / 250, i % 250 + 1);
        dns_exchange(w, &c->t, cli, (uint16_t)(20000 + i), 1 * SEC + (uint64_t)i);
    }
    wrk_worker_stats(w, &st);
    assert_int_equal(st.flows_active, N);
    assert_int_equal(st.flows_classified, N);
    assert_int_equal(st.ndpi_bytes, 0);
    print_message("flow_mem_bytes %llu, per flow %llu\n", (unsigned long long)st.flow_mem_bytes,
                  (unsigned long long)(st.flow_mem_bytes / N));
    assert_true(st.flow_mem_bytes / N <= 512);
    wrk_worker_destroy(w);
}

static void test_undetected_flow_gives_up_at_end(void **state)
{
    struct ctx *c = *state;
    struct wrk_worker *w = wrk_worker_create(&c->cfg, 0, 4, sink_emit, c->sink);
    static const char junk[] = "\x9a\x01\x77\x42";
    struct wrk_stats st;

    wrk_worker_packet(w, tp_build(&c->t, "10.5.0.1", 33333, "10.5.0.2", 44444, 17, 0, junk, 4,
                                  1 * SEC));
    wrk_worker_stats(w, &st);
    assert_true(st.ndpi_bytes > 0);             /* still undecided */
    wrk_worker_flush(w, 2 * SEC);
    wrk_worker_stats(w, &st);
    assert_int_equal(st.flows_giveup, 1);
    assert_int_equal(st.ndpi_bytes, 0);
    assert_int_equal(c->sink->by_type[FLOW_EVT_CLASSIFIED], 1);
    assert_true(sink_last(c->sink, FLOW_EVT_END)->rec.ndpi_done);
    wrk_worker_destroy(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dns_flow_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_udp_idle_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_fin_and_http_meta, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_rst_and_idle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eviction_at_flows_max, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_per_idle_classified_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_undetected_flow_gives_up_at_end, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
