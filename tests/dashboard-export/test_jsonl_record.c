/* tests/dashboard-export/test_jsonl_record.c: ECS flow and alert records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fw_buf.h"
#include "fw_config.h"
#include "fw_time.h"
#include "jsonl_record.h"

/* A flow of 10.20.1.2:51512 -> 10.10.9.9:443 over VLAN 12, TLS, with a risk. */
static void mk_flow(struct flow_rec *r)
{
    memset(r, 0, sizeof(*r));
    r->id = 42;
    r->ts_start_us = 1700000000ull * FW_USEC_PER_SEC;
    r->ts_end_us = r->ts_start_us + 2500000;
    fw_ip_parse("10.20.1.2", &r->src);
    fw_ip_parse("10.10.9.9", &r->dst);
    r->sport = 51512;
    r->dport = 443;
    r->proto = 6;
    r->end_reason = FLOW_END_FIN;
    r->vlan = 12;
    r->has_vlan = true;
    r->src_bytes = 1234;
    r->dst_bytes = 5678;
    r->src_pkts = 9;
    r->dst_pkts = 8;
    snprintf(r->community_id, sizeof(r->community_id), "1:abc=");
    snprintf(r->ndpi_proto, sizeof(r->ndpi_proto), "TLS.Google");
    snprintf(r->ndpi_category, sizeof(r->ndpi_category), "Web");
    r->ndpi_risk = (1ull << 3) | (1ull << 10);
    r->meta = FLOW_META_TLS;
    snprintf(r->tls.server_name, sizeof(r->tls.server_name), "www.google.com");
    snprintf(r->tls.ja3_client, sizeof(r->tls.ja3_client), "0123456789abcdef0123456789abcdef");
    r->zone_src = 0;
    r->zone_dst = FLOW_ZONE_EXTERNAL;
}

static void mk_cfg(struct fw_config *cfg, struct fw_zone *z)
{
    memset(cfg, 0, sizeof(*cfg));
    memset(z, 0, sizeof(*z));
    snprintf(z->name, sizeof(z->name), "branch");
    cfg->zones = z;
    cfg->nzones = 1;
}

static void assert_has(const struct fw_buf *b, const char *needle)
{
    if (!strstr(b->data, needle))
        fprintf(stderr, "# missing %s in\n# %s\n", needle, b->data);
    assert_non_null(strstr(b->data, needle));
}

/* Cross-check with a real JSON parser when python3 is there. */
static void python_valid(const struct fw_buf *b)
{
    char path[] = "/tmp/fw-jsonl-XXXXXX", cmd[256];
    FILE *f;
    int fd = mkstemp(path), rc;

    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    fwrite(b->data, 1, b->len, f);
    fputc('\n', f);
    fclose(f);
    if (system("command -v python3 >/dev/null 2>&1") != 0) {
        unlink(path);
        return;
    }
    snprintf(cmd, sizeof(cmd),
             "python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' %s", path);
    rc = system(cmd);
    unlink(path);
    assert_int_equal(rc, 0);
}

static void test_flow_record_contract(void **state)
{
    struct fw_config cfg;
    struct fw_zone z;
    struct flow_rec r;
    struct fw_buf b;

    (void)state;
    mk_cfg(&cfg, &z);
    mk_flow(&r);
    fw_buf_init(&b);
    jsonl_flow_render(&b, &r, &cfg, "s1");
    assert_true(jsonl_valid_object(b.data, b.len));
    assert_has(&b, "{\"@timestamp\":\"2023-11-14T22:13:22.500000Z\"");
    assert_has(&b, "\"event\":{\"kind\":\"event\",\"category\":[\"network\"],"
                   "\"type\":[\"connection\",\"end\"],\"start\":\"2023-11-14T22:13:20.000000Z\"");
    assert_has(&b, "\"source\":{\"ip\":\"10.20.1.2\",\"port\":51512,\"bytes\":1234,\"packets\":9}");
    assert_has(&b, "\"destination\":{\"ip\":\"10.10.9.9\",\"port\":443,\"bytes\":5678,"
                   "\"packets\":8}");
    assert_has(&b, "\"network\":{\"transport\":\"tcp\",\"iana_number\":\"6\","
                   "\"vlan\":{\"id\":\"12\"},\"community_id\":\"1:abc=\"}");
    assert_has(&b, "\"ndpi\":{\"protocol\":\"TLS.Google\",\"category\":\"Web\","
                   "\"risks\":[\"risk_3\",\"risk_10\"]}");
    assert_has(&b, "\"tls\":{\"client\":{\"server_name\":\"www.google.com\",\"ja3\":\"0123");
    assert_has(&b, "\"finwatch\":{\"sensor\":\"s1\",\"zone\":{\"source\":\"branch\","
                   "\"destination\":\"external\"}");
    assert_null(strstr(b.data, "\"dns\""));
    python_valid(&b);
    fw_buf_free(&b);
}

static const char *namer(unsigned bit)
{
    return bit == 3 ? "Self-signed Certificate" : NULL;
}

static void test_risk_namer_hook(void **state)
{
    struct flow_rec r;
    struct fw_buf b;

    (void)state;
    mk_flow(&r);
    fw_buf_init(&b);
    jsonl_set_risk_namer(namer);
    jsonl_flow_render(&b, &r, NULL, "s1");
    jsonl_set_risk_namer(NULL);
    assert_has(&b, "\"risks\":[\"Self-signed Certificate\",\"risk_10\"]");
    fw_buf_free(&b);
}

/* Quotes, backslashes, control bytes, invalid UTF-8 in every wire string. */
static void test_hostile_strings_stay_valid(void **state)
{
    static const char hostile[] = "a\"b\\c\n\x01\x7f\xff\xc3\x28\xe2\x82\x28</script>\xf0\x9f\x98";
    struct flow_rec r;
    struct fw_buf b;

    (void)state;
    mk_flow(&r);
    r.meta = FLOW_META_TLS | FLOW_META_DNS | FLOW_META_HTTP | FLOW_META_SSH;
    memcpy(r.dns_qname, hostile, sizeof(hostile));
    memcpy(r.tls.server_name, hostile, sizeof(hostile));
    memcpy(r.http.url, hostile, sizeof(hostile));
    memcpy(r.http.user_agent, hostile, sizeof(hostile));
    memcpy(r.ssh.client_banner, hostile, sizeof(hostile));
    memcpy(r.ndpi_proto, hostile, sizeof(hostile));
    fw_buf_init(&b);
    jsonl_flow_render(&b, &r, NULL, hostile);
    assert_true(jsonl_valid_object(b.data, b.len));
    assert_null(memchr(b.data, '\n', b.len));
    assert_has(&b, "a\\\"b\\\\c\\u000a\\u0001");
    python_valid(&b);
    fw_buf_free(&b);
}

static void mk_alert(struct anz_alert *a)
{
    memset(a, 0, sizeof(*a));
    snprintf(a->id, sizeof(a->id), "9f86d081884c7d65");
    a->ts_us = 1700000000ull * FW_USEC_PER_SEC;
    a->first_us = a->ts_us - 60 * FW_USEC_PER_SEC;
    snprintf(a->rule_id, sizeof(a->rule_id), "FW-SCAN-001");
    snprintf(a->rule_name, sizeof(a->rule_name), "Horizontal scan");
    snprintf(a->rule_version, sizeof(a->rule_version), "3");
    snprintf(a->ruleset, sizeof(a->ruleset), "default");
    a->analyzer = ANZ_SCAN;
    a->severity = 73;
    snprintf(a->techniques[0], sizeof(a->techniques[0]), "T1046");
    snprintf(a->techniques[1], sizeof(a->techniques[1]), "T9999");
    snprintf(a->reason, sizeof(a->reason), "10.1.2.3 contacted 412 hosts on 445/tcp in 60 s");
    fw_ip_parse("10.1.2.3", &a->src);
    a->proto = 6;
    a->dport = 445;
    snprintf(a->zone_src, sizeof(a->zone_src), "branch");
    snprintf(a->zone_dst, sizeof(a->zone_dst), "external");
    a->score = 73;
    a->host_score = 88;
    snprintf(a->evidence, sizeof(a->evidence), "{\"hosts\":412,\"baseline\":3}");
}

static void test_alert_record_contract(void **state)
{
    struct anz_alert a;
    struct fw_buf b;

    (void)state;
    mk_alert(&a);
    fw_buf_init(&b);
    jsonl_alert_render(&b, &a, "s1");
    assert_true(jsonl_valid_object(b.data, b.len));
    assert_has(&b, "\"event\":{\"kind\":\"alert\",\"id\":\"9f86d081884c7d65\",\"severity\":73,"
                   "\"reason\":\"10.1.2.3 contacted 412 hosts");
    assert_has(&b, "\"rule\":{\"id\":\"FW-SCAN-001\",\"name\":\"Horizontal scan\","
                   "\"version\":\"3\",\"ruleset\":\"default\"}");
    assert_has(&b, "\"threat\":{\"technique\":{\"id\":[\"T1046\",\"T9999\"],"
                   "\"name\":[\"Network Service Discovery\",\"T9999\"]}}");
    assert_has(&b, "\"source\":{\"ip\":\"10.1.2.3\"}");
    assert_has(&b, "\"destination\":{}");
    assert_has(&b, "\"finwatch\":{\"analyzer\":\"scan\",\"score\":73,\"host_score\":88,"
                   "\"evidence\":{\"hosts\":412,\"baseline\":3},\"zone\":{\"source\":\"branch\","
                   "\"destination\":\"external\"},\"sensor\":\"s1\",\"mode\":\"enforce\"");
    python_valid(&b);
    fw_buf_free(&b);
}

static void test_alert_bad_evidence_and_unterminated_fields(void **state)
{
    struct anz_alert a;
    struct fw_buf b;

    (void)state;
    mk_alert(&a);
    snprintf(a.evidence, sizeof(a.evidence), "{\"x\":\"unterminated");
    memset(a.rule_id, 'R', sizeof(a.rule_id));          /* no NUL at all */
    memset(a.techniques[2], 'T', sizeof(a.techniques[2]));
    a.shadow = true;
    fw_buf_init(&b);
    jsonl_alert_render(&b, &a, "s1");
    assert_true(jsonl_valid_object(b.data, b.len));
    assert_has(&b, "\"evidence\":{\"raw\":\"{\\\"x\\\":\\\"unterminated\"}");
    assert_has(&b, "\"mode\":\"shadow\"");
    python_valid(&b);
    fw_buf_reset(&b);
    jsonl_alert_compact(&b, &a, "s1");
    assert_true(jsonl_valid_object(b.data, b.len));
    assert_has(&b, "\"level\":\"high\"");
    fw_buf_free(&b);
}

static void test_validator(void **state)
{
    static const char *const good[] = {"{}", "[]", "{\"a\":[1,2.5e-3,-0,true,false,null]}",
                                       " {\"a\" : \"\\u00e9\\n\"} ", "\"x\"", "0"};
    static const char *const bad[] = {"", "{", "{\"a\":}", "[1,]", "\"\\x\"", "01", "{\"a\":1}x",
                                      "{a:1}", "[1 2]", "tru", "\"a\nb\"", "-", "1.", "{,}"};
    char deep[300];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_true(jsonl_valid(good[i], strlen(good[i])));
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (jsonl_valid(bad[i], strlen(bad[i])))
            fprintf(stderr, "# accepted %s\n", bad[i]);
        assert_false(jsonl_valid(bad[i], strlen(bad[i])));
    }
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    assert_false(jsonl_valid(deep, 200));           /* deeper than FW_JSON_DEPTH_MAX (32) */
    assert_false(jsonl_valid(deep + 67, 66));       /* 33 deep */
    assert_true(jsonl_valid(deep + 68, 64));        /* 32 deep is fine */
    assert_false(jsonl_valid_object("[]", 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flow_record_contract),
        cmocka_unit_test(test_risk_namer_hook),
        cmocka_unit_test(test_hostile_strings_stay_valid),
        cmocka_unit_test(test_alert_record_contract),
        cmocka_unit_test(test_alert_bad_evidence_and_unterminated_fields),
        cmocka_unit_test(test_validator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
