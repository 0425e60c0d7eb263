/* tests/rules/test_rule_match.c: operators, |not, lists, hash sets, regexes, risks,
 * exceptions, shadow mode, event subscription and the alerts plain rules raise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fw_time.h"
#include "rule_set.h"

#define NOW_US (1780272000ull * FW_USEC_PER_SEC)    /* 2026-06-01 */

struct sink {
    struct anz_alert last;
    size_t n;
};

static void on_alert(void *ctx, const struct anz_alert *a)
{
    struct sink *s = ctx;

    s->last = *a;
    s->n++;
}

/* Load rules from text through a temporary file; asserts it loads, or returns
 * NULL with diags kept when want_ok is false. */
static struct rule_set *load_text(const char *yaml, struct rule_diags *d)
{
    char path[] = "/tmp/fw-test-rules-XXXXXX.yaml";
    const char *paths[1] = {path};
    struct rule_set *rs;
    int fd = mkstemps(path, 5);
    size_t len = strlen(yaml);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, yaml, len), (ssize_t)len);
    close(fd);
    rule_diags_init(d);
    rs = rule_set_load(paths, 1, NOW_US, d);
    unlink(path);
    return rs;
}

/* A TLS flow 10.20.1.5:51000 -> 10.10.0.9:443 from branch to core-banking. */
static void make_evt(struct flow_evt *e)
{
    static const uint8_t s[4] = {10, 20, 1, 5}, d[4] = {10, 10, 0, 9};

    memset(e, 0, sizeof(*e));
    e->type = FLOW_EVT_END;
    e->ts_us = NOW_US + 5 * FW_USEC_PER_SEC;
    fw_ip_set4(&e->rec.src, s);
    fw_ip_set4(&e->rec.dst, d);
    e->rec.sport = 51000;
    e->rec.dport = 443;
    e->rec.proto = 6;
    e->rec.ts_start_us = NOW_US;
    e->rec.ts_end_us = NOW_US + 5 * FW_USEC_PER_SEC;
    e->rec.src_bytes = 1200;
    e->rec.dst_bytes = 50000;
    e->rec.src_pkts = 12;
    e->rec.dst_pkts = 40;
    snprintf(e->rec.community_id, sizeof(e->rec.community_id), "1:abcdefabcdef=");
    snprintf(e->rec.ndpi_proto, sizeof(e->rec.ndpi_proto), "TLS.Google");
    snprintf(e->rec.ndpi_category, sizeof(e->rec.ndpi_category), "Web");
    snprintf(e->rec.tls.server_name, sizeof(e->rec.tls.server_name), "Mail.Example.COM");
    e->rec.ndpi_risk = (1ull << 6) | (1ull << 24);  /* self-signed, missing SNI */
    e->rec.end_reason = FLOW_END_FIN;
}

static const struct rule_ctx ctx = {"branch", "core-banking", "s1"};

/* Does a one-condition rule ("key: value" under match:) fire on e? */
static bool fires(const char *cond, const struct flow_evt *e)
{
    char yaml[1024];
    struct rule_diags d;
    struct rule_set *rs;
    struct sink s = {0};

    snprintf(yaml, sizeof(yaml), "id: FW-OP\ntitle: op\nmatch:\n  %s\n", cond);
    rs = load_text(yaml, &d);
    if (!rs)
        fail_msg("rule did not load: %s (%s)", cond, d.n ? d.v[0].msg : "?");
    rule_set_eval(rs, NULL, e, &ctx, on_alert, &s);
    rule_set_free(rs);
    rule_diags_free(&d);
    return s.n == 1;
}

static void test_string_ops(void **state)
{
    struct flow_evt e;

    (void)state;
    make_evt(&e);
    assert_true(fires("ndpi.protocol: TLS.Google", &e));
    assert_false(fires("ndpi.protocol: tls.google", &e));       /* exact by default */
    assert_true(fires("ndpi.protocol|i: tls.google", &e));
    assert_true(fires("ndpi.protocol: [HTTP, TLS.Google]", &e)); /* list = any of */
    assert_true(fires("ndpi.protocol|in: [HTTP, TLS.Google]", &e));
    assert_false(fires("ndpi.protocol|in: [HTTP, TLS]", &e));
    assert_true(fires("tls.client.server_name|contains: Example", &e));
    assert_false(fires("tls.client.server_name|contains: example", &e));
    assert_true(fires("tls.client.server_name|contains|i: example", &e));
    assert_true(fires("tls.client.server_name|startswith: Mail.", &e));
    assert_false(fires("tls.client.server_name|startswith: mail.", &e));
    assert_true(fires("tls.client.server_name|endswith|i: .com", &e));
    assert_false(fires("tls.client.server_name|endswith: .com", &e));
    assert_true(fires("tls.client.server_name|re: '^Mail\\.[A-Za-z]+\\.COM$'", &e));
    assert_false(fires("tls.client.server_name|re: '^mail'", &e));
    assert_true(fires("tls.client.server_name|re|i: '^mail'", &e));
    assert_true(fires("network.transport: tcp", &e));
    assert_true(fires("event.end_reason: fin", &e));
    assert_true(fires("source.zone: branch", &e));
    assert_true(fires("destination.zone|in: [swift, core-banking]", &e));
}

static void test_not_and_absent_fields(void **state)
{
    struct flow_evt e;

    (void)state;
    make_evt(&e);
    assert_false(fires("ndpi.protocol|not: TLS.Google", &e));
    assert_true(fires("ndpi.protocol|in|not: [HTTP, DNS]", &e));
    assert_true(fires("destination.port|in|not: [80, 8080]", &e));
    assert_false(fires("destination.port|in|not: [80, 443]", &e));
    /* http.host is absent: nothing matches it, so |not holds */
    assert_false(fires("http.host|contains: a", &e));
    assert_true(fires("http.host|contains|not: a", &e));
    assert_false(fires("network.vlan.id: 0", &e));              /* untagged: absent */
}

static void test_number_ops(void **state)
{
    struct flow_evt e;

    (void)state;
    make_evt(&e);
    assert_true(fires("destination.port: 443", &e));
    assert_true(fires("destination.port|in: [22, 443]", &e));
    assert_false(fires("destination.port: 80", &e));
    assert_true(fires("source.packets|gt: 11", &e));
    assert_false(fires("source.packets|gt: 12", &e));
    assert_true(fires("source.packets|gte: 12", &e));
    assert_true(fires("source.packets|lt: 13", &e));
    assert_false(fires("source.packets|lt: 12", &e));
    assert_true(fires("source.packets|lte: 12", &e));
    assert_true(fires("network.bytes: 51200", &e));
    assert_true(fires("event.duration|gte: 4.5", &e));
    assert_true(fires("network.iana_number: 6", &e));
}

static void test_ip_ops(void **state)
{
    struct flow_evt e;

    (void)state;
    make_evt(&e);
    assert_true(fires("source.ip: 10.20.1.5", &e));
    assert_false(fires("source.ip: 10.20.1.6", &e));
    assert_true(fires("source.ip|cidr: 10.20.0.0/16", &e));
    assert_true(fires("destination.ip|cidr: [192.168.0.0/16, 10.10.0.0/24]", &e));
    assert_false(fires("destination.ip|cidr: [192.168.0.0/16, 2001:db8::/32]", &e));
    assert_true(fires("destination.ip|cidr|not: 172.16.0.0/12", &e));
}

static void test_risk_and_code_fields(void **state)
{
    struct flow_evt e;

    (void)state;
    make_evt(&e);
    assert_true(fires("ndpi.risks: Self-signed Certificate", &e));
    assert_true(fires("ndpi.risks|in: [Risky ASN, Missing SNI TLS Extension]", &e));
    assert_false(fires("ndpi.risks: Risky ASN", &e));
    assert_true(fires("ndpi.risks|contains|i: sni", &e));
    assert_true(fires("ndpi.risks|re: '^Self'", &e));
    assert_false(fires("ndpi.risks|not: Self-signed Certificate", &e));
}

static bool fires_dns(const char *cond, const struct flow_evt *e)
{
    char yaml[512];
    struct rule_diags d;
    struct rule_set *rs;
    struct sink s = {0};

    snprintf(yaml, sizeof(yaml), "id: FW-DNS\ntitle: dns\nevent: dns\nmatch:\n  %s\n", cond);
    rs = load_text(yaml, &d);
    assert_non_null(rs);
    rule_set_eval(rs, NULL, e, &ctx, on_alert, &s);
    rule_set_free(rs);
    rule_diags_free(&d);
    return s.n == 1;
}

static void test_dns_fields(void **state)
{
    struct flow_evt e;

    (void)state;
    make_evt(&e);
    e.type = FLOW_EVT_DNS;
    e.dns.is_response = true;
    e.dns.rcode = 3;
    e.dns.ancount = 2;
    e.dns.n_questions = 1;
    e.dns.questions[0].qtype = 16;
    snprintf(e.dns.questions[0].name, sizeof(e.dns.questions[0].name), "x.evil.test");
    assert_true(fires_dns("dns.response_code: NXDOMAIN", &e));
    assert_true(fires_dns("dns.response_code: 3", &e));
    assert_false(fires_dns("dns.response_code: NOERROR", &e));
    assert_true(fires_dns("dns.question.type|in: [TXT, 'NULL']", &e));
    assert_true(fires_dns("dns.question.name|endswith: .evil.test", &e));
    assert_true(fires_dns("dns.answers.count|gte: 2", &e));
    assert_false(fires("dns.question.name|endswith: .evil.test", &e)); /* flow_end only */
}

static void test_long_list_hash_set(void **state)
{
    struct flow_evt e;

    (void)state;
    make_evt(&e);
    assert_true(fires("ndpi.protocol|in: [a, b, c, d, e, f, g, h, i, TLS.Google, k]", &e));
    assert_false(fires("ndpi.protocol|in: [a, b, c, d, e, f, g, h, i, TLS.Googl, k]", &e));
    assert_true(fires("ndpi.protocol|in|i: [a, b, c, d, e, f, g, h, i, tls.GOOGLE]", &e));
    assert_false(fires("ndpi.protocol|in: [a, b, c, d, e, f, g, h, i, tls.GOOGLE]", &e));
    assert_true(fires("ndpi.protocol|in|not: [a, b, c, d, e, f, g, h, i, j]", &e));
}

static void test_and_of_keys(void **state)
{
    struct flow_evt e;

    (void)state;
    make_evt(&e);
    assert_true(fires("source.zone: branch\n  destination.port: 443", &e));
    assert_false(fires("source.zone: branch\n  destination.port: 80", &e));
}

static void test_plain_alert_is_filled(void **state)
{
    static const char yaml[] =
        "id: FW-A-001\ntitle: TLS to core\nseverity: critical\nattack: [T1071, T1573.002]\n"
        "version: 2\nmatch:\n  destination.zone: core-banking\n  ndpi.protocol|startswith: TLS\n"
        "score: 12.5\nblame: destination\n";
    struct rule_diags d;
    struct rule_set *rs;
    struct sink s = {0};
    struct flow_evt e;
    char first[24];
    struct rule_counters c;

    (void)state;
    make_evt(&e);
    rs = load_text(yaml, &d);
    assert_non_null(rs);
    rule_set_eval(rs, NULL, &e, &ctx, on_alert, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.last.rule_id, "FW-A-001");
    assert_string_equal(s.last.rule_name, "TLS to core");
    assert_string_equal(s.last.rule_version, "2");
    assert_string_equal(s.last.ruleset, "default");
    assert_int_equal(s.last.analyzer, ANZ_RULE);
    assert_int_equal(s.last.severity, 95);
    assert_int_equal(s.last.blame, ANZ_BLAME_DST);
    assert_true(s.last.score == 12.5);
    assert_string_equal(s.last.techniques[0], "T1071");
    assert_string_equal(s.last.techniques[1], "T1573.002");
    assert_string_equal(s.last.techniques[2], "");
    assert_int_equal(s.last.dport, 443);
    assert_int_equal(s.last.proto, 6);
    assert_string_equal(s.last.zone_src, "branch");
    assert_string_equal(s.last.app, "TLS.Google");
    assert_int_equal(strlen(s.last.id), 16);
    assert_int_equal(s.last.updates, 0);
    assert_non_null(strstr(s.last.reason, "TLS to core: 10.20.1.5 -> 10.10.0.9:443"));
    assert_non_null(strstr(s.last.reason, "ndpi.protocol=TLS.Google"));
    assert_non_null(strstr(s.last.evidence, "\"destination.zone\":\"core-banking\""));
    assert_false(s.last.shadow);
    snprintf(first, sizeof(first), "%s", s.last.id);
    rule_set_eval(rs, NULL, &e, &ctx, on_alert, &s);    /* replay: same id */
    assert_string_equal(s.last.id, first);
    e.rec.ts_start_us += 1;                             /* another flow: another id */
    rule_set_eval(rs, NULL, &e, &ctx, on_alert, &s);
    assert_string_not_equal(s.last.id, first);
    rule_set_nth(rs, 0, &c);
    assert_int_equal(c.evaluations, 3);
    assert_int_equal(c.matches, 3);
    assert_int_equal(c.alerts, 3);
    rule_set_free(rs);
    rule_diags_free(&d);
}

static void test_reason_template(void **state)
{
    static const char yaml[] =
        "id: FW-R\ntitle: r\nmatch: {ndpi.protocol: TLS.Google}\n"
        "reason: \"{source.ip} reached {tls.client.server_name} ({count}) {nope\"\n";
    struct rule_diags d;
    struct rule_set *rs;
    struct sink s = {0};
    struct flow_evt e;

    (void)state;
    make_evt(&e);
    rs = load_text(yaml, &d);
    assert_non_null(rs);
    rule_set_eval(rs, NULL, &e, &ctx, on_alert, &s);
    assert_string_equal(s.last.reason, "10.20.1.5 reached Mail.Example.COM (1) {nope");
    rule_set_free(rs);
    rule_diags_free(&d);
    rs = load_text("id: FW-R\ntitle: r\nmatch: {ndpi.protocol: x}\nreason: 'a {source.iq}'\n",
                   &d);
    assert_null(rs);
    assert_string_equal(d.v[0].code, "E006");
    assert_int_equal(d.v[0].col, 12);   /* the '{' inside the quoted value */
    rule_diags_free(&d);
}

static void test_exceptions(void **state)
{
    static const char yaml[] =
        "id: FW-X\ntitle: x\nmatch: {destination.port: 443}\nexceptions:\n"
        "  - match: {source.ip|cidr: 10.20.1.0/24}\n    owner: netops\n    ticket: CHG-1\n"
        "    expires: 2030-01-01\n"
        "  - match: {destination.ip: 10.10.0.9}\n    owner: old\n    ticket: CHG-0\n"
        "    expires: 2020-01-01\n";
    struct rule_diags d;
    struct rule_set *rs;
    struct sink s = {0};
    struct flow_evt e;
    struct rule_counters c;
    static const uint8_t other[4] = {10, 99, 0, 1};

    (void)state;
    make_evt(&e);
    rs = load_text(yaml, &d);
    assert_non_null(rs);
    assert_int_equal(d.warnings, 1);            /* the expired one */
    assert_string_equal(d.v[0].code, "W001");
    rule_set_eval(rs, NULL, &e, &ctx, on_alert, &s);
    assert_int_equal(s.n, 0);                   /* first exception suppresses */
    fw_ip_set4(&e.rec.src, other);
    rule_set_eval(rs, NULL, &e, &ctx, on_alert, &s);
    assert_int_equal(s.n, 1);                   /* expired one would match: ignored */
    rule_set_nth(rs, 0, &c);
    assert_int_equal(c.suppressed, 1);
    assert_int_equal(c.matches, 2);
    assert_int_equal(c.alerts, 1);
    rule_set_free(rs);
    rule_diags_free(&d);
}

static void test_shadow_and_subscription(void **state)
{
    static const char yaml[] =
        "id: FW-S\ntitle: s\nmode: shadow\nmatch: {destination.port: 443}\n---\n"
        "id: FW-C\ntitle: c\nevent: flow_classified\nmatch: {destination.port: 443}\n";
    struct rule_diags d;
    struct rule_set *rs;
    struct sink s = {0};
    struct flow_evt e;
    struct rule_counters c;

    (void)state;
    make_evt(&e);
    rs = load_text(yaml, &d);
    assert_non_null(rs);
    rule_set_eval(rs, NULL, &e, &ctx, on_alert, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.last.rule_id, "FW-S");
    assert_true(s.last.shadow);
    rule_set_nth(rs, 0, &c);
    assert_int_equal(c.shadow_hits, 1);
    assert_int_equal(c.alerts, 0);
    rule_set_nth(rs, 1, &c);
    assert_int_equal(c.evaluations, 0);         /* not subscribed to flow_end */
    e.type = FLOW_EVT_CLASSIFIED;
    rule_set_eval(rs, NULL, &e, &ctx, on_alert, &s);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.last.rule_id, "FW-C");
    rule_set_free(rs);
    rule_diags_free(&d);
}

static void test_rule_accepts(void **state)
{
    static const char yaml[] =
        "id: FW-SCAN-Z\ntitle: z\ntype: analyzer\nanalyzer: scan\n"
        "match: {source.zone: branch}\nexceptions:\n  - match: {source.ip: 10.20.1.5}\n"
        "    owner: a\n    ticket: b\n---\n"
        "id: FW-SCAN-ALL\ntitle: all\ntype: analyzer\nanalyzer: scan\n";
    const struct rule *const *v;
    struct rule_diags d;
    struct rule_set *rs;
    struct flow_evt e;

    (void)state;
    make_evt(&e);
    rs = load_text(yaml, &d);
    assert_non_null(rs);
    assert_int_equal(rule_set_analyzer_rules(rs, ANZ_SCAN, &v), 2);
    assert_true(rule_accepts(v[0], &e, &ctx));
    assert_true(rule_excepted(v[0], &e, &ctx));
    assert_true(rule_accepts(v[1], &e, &ctx));
    assert_false(rule_excepted(v[1], &e, &ctx));
    struct rule_ctx other = {"dmz", "core-banking", "s1"};
    assert_false(rule_accepts(v[0], &e, &other));
    rule_set_free(rs);
    rule_diags_free(&d);
}

static void test_risk_name_typo_suggests(void **state)
{
    struct rule_diags d;
    struct rule_set *rs;

    (void)state;
    rs = load_text("id: FW-T\ntitle: t\nmatch:\n  ndpi.risks: Self-signed Certificat\n", &d);
    assert_null(rs);
    assert_string_equal(d.v[0].code, "E013");
    assert_int_equal(d.v[0].line, 4);
    assert_int_equal(d.v[0].col, 15);
    assert_non_null(strstr(d.v[0].msg, "did you mean 'Self-signed Certificate'"));
    rule_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string_ops),
        cmocka_unit_test(test_not_and_absent_fields),
        cmocka_unit_test(test_number_ops),
        cmocka_unit_test(test_ip_ops),
        cmocka_unit_test(test_risk_and_code_fields),
        cmocka_unit_test(test_dns_fields),
        cmocka_unit_test(test_long_list_hash_set),
        cmocka_unit_test(test_and_of_keys),
        cmocka_unit_test(test_plain_alert_is_filled),
        cmocka_unit_test(test_reason_template),
        cmocka_unit_test(test_exceptions),
        cmocka_unit_test(test_shadow_and_subscription),
        cmocka_unit_test(test_rule_accepts),
        cmocka_unit_test(test_risk_name_typo_suggests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
