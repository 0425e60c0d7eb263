/* tests/rules/test_rule_alert.c: rules on alerts (event: alert): the alert fields,
 * distinct-rule correlation in a window, no feedback of their own alerts, evidence
 * naming the triggering alert, blame, and the E016 lint of fields an event lacks. */
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
#define SEC FW_USEC_PER_SEC
#define MAX_OUT 16

struct sink {
    struct anz_alert a[MAX_OUT];
    size_t n;
};

static void on_alert(void *ctx, const struct anz_alert *a)
{
    struct sink *s = ctx;

    if (s->n < MAX_OUT)
        s->a[s->n] = *a;
    s->n++;
}

static struct rule_set *load_text(const char *yaml, struct rule_diags *d)
{
    char path[] = "/tmp/fw-test-alertrules-XXXXXX.yaml";
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

static struct rule_set *load_ok(const char *yaml)
{
    struct rule_diags d;
    struct rule_set *rs = load_text(yaml, &d);

    if (!rs)
        fail_msg("rules did not load: %s", d.n ? d.v[0].msg : "?");
    rule_diags_free(&d);
    return rs;
}

/* An alert of rule `rule` blaming `src` (10.20.1.5 talks to swift 10.30.0.10:22). */
static struct anz_alert mk_alert(const char *id, const char *rule, uint64_t ts, uint8_t sev)
{
    static const uint8_t s[4] = {10, 20, 1, 5}, d[4] = {10, 30, 0, 10};
    struct anz_alert a;

    memset(&a, 0, sizeof(a));
    snprintf(a.id, sizeof(a.id), "%s", id);
    snprintf(a.rule_id, sizeof(a.rule_id), "%s", rule);
    a.ts_us = ts;
    a.first_us = ts;
    a.analyzer = ANZ_RULE;
    a.severity = sev;
    a.blame = ANZ_BLAME_SRC;
    fw_ip_set4(&a.src, s);
    fw_ip_set4(&a.dst, d);
    a.sport = 50000;
    a.dport = 22;
    a.proto = 6;
    a.score = 20;
    snprintf(a.zone_src, sizeof(a.zone_src), "branch");
    snprintf(a.zone_dst, sizeof(a.zone_dst), "swift");
    snprintf(a.app, sizeof(a.app), "SSH");
    return a;
}

static const char corr_yaml[] =
    "id: FW-T-CORR\n"
    "title: three rules on one host\n"
    "event: alert\n"
    "severity: critical\n"
    "match:\n"
    "  alert.severity|gte: 55\n"
    "aggregate:\n"
    "  by: host\n"
    "  window: 10m\n"
    "  distinct(alert.rule)|gte: 3\n";

struct corr {
    struct rule_set *rs;
    struct rule_state *st;
    struct sink s;
};

static void corr_feed(struct corr *c, const char *id, const char *rule, uint64_t ts)
{
    struct anz_alert a = mk_alert(id, rule, ts, 80);

    rule_set_eval_alert(c->rs, c->st, &a, "s1", on_alert, &c->s);
}

static void corr_init(struct corr *c)
{
    memset(c, 0, sizeof(*c));
    c->rs = load_ok(corr_yaml);
    c->st = rule_state_create(1024);
    assert_non_null(c->st);
}

static void corr_free(struct corr *c)
{
    rule_state_destroy(c->st);
    rule_set_free(c->rs);
}

static void test_fires_on_third_distinct_rule(void **state)
{
    struct corr c;
    const char *ev;

    (void)state;
    corr_init(&c);
    corr_feed(&c, "00000000000000a1", "FW-A", NOW_US);
    corr_feed(&c, "00000000000000a2", "FW-A", NOW_US + 10 * SEC);     /* same rule again */
    corr_feed(&c, "00000000000000b1", "FW-B", NOW_US + 20 * SEC);
    assert_int_equal(c.s.n, 0);
    corr_feed(&c, "00000000000000c1", "FW-C", NOW_US + 30 * SEC);
    assert_int_equal(c.s.n, 1);
    assert_string_equal(c.s.a[0].rule_id, "FW-T-CORR");
    assert_int_equal(c.s.a[0].severity, 95);
    assert_int_equal(c.s.a[0].updates, 0);
    assert_int_equal(strlen(c.s.a[0].id), 16);
    /* blames the alert's host, keeps its peer, names the alert that completed it */
    assert_int_equal(c.s.a[0].blame, ANZ_BLAME_SRC);
    assert_string_equal(c.s.a[0].zone_dst, "swift");
    assert_int_equal(c.s.a[0].dport, 22);
    ev = c.s.a[0].evidence;
    assert_non_null(strstr(ev, "\"alert\":{\"id\":\"00000000000000c1\",\"rule\":\"FW-C\""));
    assert_non_null(strstr(ev, "\"event\":\"alert\""));
    assert_non_null(strstr(ev, "\"aggregate\":\"distinct\",\"value\":3"));
    assert_non_null(strstr(c.s.a[0].reason, "FW-C alert 00000000000000c1"));
    assert_non_null(strstr(c.s.a[0].reason, "10.20.1.5"));
    /* a 4th rule 15 s later is an update of the same alert (rate limit is 10 s) */
    corr_feed(&c, "00000000000000d1", "FW-D", NOW_US + 45 * SEC);
    assert_int_equal(c.s.n, 2);
    assert_string_equal(c.s.a[1].id, c.s.a[0].id);
    assert_int_equal(c.s.a[1].updates, 1);
    assert_non_null(strstr(c.s.a[1].evidence, "00000000000000d1"));
    corr_free(&c);
}

static void test_same_rule_never_fires(void **state)
{
    struct corr c;
    char id[24];
    unsigned i;

    (void)state;
    corr_init(&c);
    for (i = 0; i < 20; i++) {
        snprintf(id, sizeof(id), "%016x", i + 1);
        corr_feed(&c, id, "FW-A", NOW_US + i * SEC);
    }
    corr_feed(&c, "00000000000000b1", "FW-B", NOW_US + 30 * SEC);
    assert_int_equal(c.s.n, 0);     /* 21 alerts, 2 rules */
    corr_free(&c);
}

static void test_not_after_window(void **state)
{
    struct corr c;

    (void)state;
    corr_init(&c);
    corr_feed(&c, "00000000000000a1", "FW-A", NOW_US);
    corr_feed(&c, "00000000000000b1", "FW-B", NOW_US + 6 * 60 * SEC);
    corr_feed(&c, "00000000000000c1", "FW-C", NOW_US + 12 * 60 * SEC);   /* FW-A is 12 min old */
    assert_int_equal(c.s.n, 0);
    corr_feed(&c, "00000000000000a2", "FW-A", NOW_US + 13 * 60 * SEC);  /* B, C, A in 7 min */
    assert_int_equal(c.s.n, 1);
    corr_free(&c);
}

static void test_low_severity_and_other_hosts_do_not_count(void **state)
{
    struct corr c;
    struct anz_alert a;

    (void)state;
    corr_init(&c);
    corr_feed(&c, "00000000000000a1", "FW-A", NOW_US);
    corr_feed(&c, "00000000000000b1", "FW-B", NOW_US + SEC);
    a = mk_alert("00000000000000c1", "FW-C", NOW_US + 2 * SEC, 30);     /* low */
    rule_set_eval_alert(c.rs, c.st, &a, "s1", on_alert, &c.s);
    a = mk_alert("00000000000000c2", "FW-C", NOW_US + 3 * SEC, 80);
    a.blame = ANZ_BLAME_DST;        /* blames 10.30.0.10: another host */
    rule_set_eval_alert(c.rs, c.st, &a, "s1", on_alert, &c.s);
    assert_int_equal(c.s.n, 0);
    corr_free(&c);
}

static void test_no_feedback_updates_or_shadow(void **state)
{
    struct corr c;
    struct anz_alert a;
    struct rule_counters k;

    (void)state;
    corr_init(&c);
    corr_feed(&c, "00000000000000a1", "FW-A", NOW_US);
    corr_feed(&c, "00000000000000b1", "FW-B", NOW_US + SEC);
    a = mk_alert("00000000000000c1", "FW-C", NOW_US + 2 * SEC, 80);
    a.updates = 3;                  /* an update of an alert already seen */
    rule_set_eval_alert(c.rs, c.st, &a, "s1", on_alert, &c.s);
    a.updates = 0;
    a.shadow = true;                /* a rule on trial does not trigger enforced ones */
    rule_set_eval_alert(c.rs, c.st, &a, "s1", on_alert, &c.s);
    assert_int_equal(c.s.n, 0);
    corr_feed(&c, "00000000000000c1", "FW-C", NOW_US + 3 * SEC);
    assert_int_equal(c.s.n, 1);
    /* the rule's own alert handed back is not evaluated: no loop, no evaluation */
    assert_non_null(rule_set_nth(c.rs, 0, &k));
    a = c.s.a[0];
    rule_set_eval_alert(c.rs, c.st, &a, "s1", on_alert, &c.s);
    assert_non_null(rule_set_nth(c.rs, 0, &k));
    assert_int_equal(k.evaluations, 3);     /* a1, b1, c1: the update, the shadow alert
                                             * and the rule's own alert were skipped */
    assert_int_equal(c.s.n, 1);
    corr_free(&c);
}

/* "any high alert on a host talking to swift also raises a critical one" */
static void test_plain_alert_rule_and_fields(void **state)
{
    static const char yaml[] =
        "id: FW-T-SWIFT\n"
        "title: high alert towards swift\n"
        "event: alert\n"
        "severity: critical\n"
        "blame: destination\n"
        "match:\n"
        "  alert.severity|gte: 80\n"
        "  alert.analyzer: [rule, zone_policy]\n"
        "  alert.rule|startswith: FW-\n"
        "  alert.score|gt: 10\n"
        "  destination.zone: swift\n"
        "  source.zone: branch\n"
        "  destination.port: 22\n"
        "  destination.ip|cidr: 10.30.0.0/24\n"
        "  host: 10.20.1.5\n"
        "  ndpi.protocol: SSH\n"
        "reason: '{alert.rule} on {host} ({alert.id}) towards {destination.zone}'\n";
    struct rule_set *rs = load_ok(yaml);
    struct rule_state *st = rule_state_create(64);
    struct anz_alert a = mk_alert("00000000000000a1", "FW-A", NOW_US, 80);
    struct sink s = {0};

    (void)state;
    rule_set_eval_alert(rs, st, &a, "s1", on_alert, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.a[0].reason, "FW-A on 10.20.1.5 (00000000000000a1) towards swift");
    assert_int_equal(s.a[0].blame, ANZ_BLAME_DST);  /* blame: given overrides the alert's */
    /* dedup per (host, alert.rule): the same rule again updates (or waits), another is new */
    a = mk_alert("00000000000000a2", "FW-A", NOW_US + SEC, 80);
    rule_set_eval_alert(rs, st, &a, "s1", on_alert, &s);
    assert_int_equal(s.n, 1);
    a = mk_alert("00000000000000b1", "FW-B", NOW_US + 2 * SEC, 80);
    rule_set_eval_alert(rs, st, &a, "s1", on_alert, &s);
    assert_int_equal(s.n, 2);
    assert_string_not_equal(s.a[1].id, s.a[0].id);
    a = mk_alert("00000000000000c1", "FW-C", NOW_US + 3 * SEC, 75);     /* below 80 */
    rule_set_eval_alert(rs, st, &a, "s1", on_alert, &s);
    assert_int_equal(s.n, 2);
    rule_state_destroy(st);
    rule_set_free(rs);
}

/* Flow events never reach alert rules, alerts never reach flow rules. */
static void test_event_separation(void **state)
{
    static const char yaml[] =
        "id: FW-T-ANY\ntitle: any alert\nevent: alert\ndedup: 0\nmatch:\n"
        "  destination.port: 22\n"
        "---\n"
        "id: FW-T-FLOW\ntitle: any ssh flow\nevent: flow_end\ndedup: 0\nmatch:\n"
        "  destination.port: 22\n";
    struct rule_set *rs = load_ok(yaml);
    struct anz_alert a = mk_alert("00000000000000a1", "FW-A", NOW_US, 80);
    struct rule_ctx ctx = {"branch", "swift", "s1"};
    struct flow_evt e;
    struct sink s = {0};

    (void)state;
    memset(&e, 0, sizeof(e));
    e.type = FLOW_EVT_END;
    e.ts_us = NOW_US;
    e.rec.src = a.src;
    e.rec.dst = a.dst;
    e.rec.dport = 22;
    rule_set_eval(rs, NULL, &e, &ctx, on_alert, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.a[0].rule_id, "FW-T-FLOW");
    rule_set_eval_alert(rs, NULL, &a, "s1", on_alert, &s);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.a[1].rule_id, "FW-T-ANY");
    assert_non_null(strstr(s.a[1].reason, "after FW-A alert 00000000000000a1"));
    rule_set_free(rs);
}

static bool has_diag(const struct rule_diags *d, const char *code, unsigned line, unsigned col)
{
    size_t i;

    for (i = 0; i < d->n; i++)
        if (!strcmp(d->v[i].code, code) && d->v[i].line == line && d->v[i].col == col)
            return true;
    return false;
}

static void test_lint_fields_the_event_lacks(void **state)
{
    static const char yaml[] =
        "id: FW-T-BAD\n"                                    /* 1 */
        "title: alert rule on flow fields\n"
        "event: alert\n"
        "match:\n"
        "  source.bytes|gt: 100\n"                          /* 5: E016 */
        "  alert.rule: FW-A\n"
        "exceptions:\n"
        "  - {match: {dns.question.name: x}, owner: a, ticket: b}\n"   /* 8: E016 */
        "aggregate:\n"
        "  by: [host, tls.client.ja3]\n"                    /* 10: E016 */
        "  window: 5m\n"
        "  distinct(ndpi.category)|gte: 3\n"                /* 12: E016 */
        "reason: 'x {network.bytes}'\n"                     /* 13: E016 */
        "---\n"
        "id: FW-T-BAD2\n"                                   /* 15 */
        "title: flow rule on alert fields\n"
        "match:\n"
        "  alert.severity|gte: 50\n"                        /* 18: E016 */
        "  host: 10.0.0.1\n"                                /* 19: E016 */
        "---\n"
        "id: FW-T-BAD3\n"
        "title: analyzer on alerts\n"
        "type: analyzer\n"
        "analyzer: scan\n"
        "event: alert\n";                                   /* 25: E013 */
    struct rule_diags d;
    struct rule_set *rs;

    (void)state;
    rs = load_text(yaml, &d);
    assert_null(rs);
    assert_true(has_diag(&d, "E016", 5, 3));
    assert_true(has_diag(&d, "E016", 8, 14));
    assert_true(has_diag(&d, "E016", 10, 14));
    assert_true(has_diag(&d, "E016", 12, 12));
    assert_true(has_diag(&d, "E016", 13, 12));
    assert_true(has_diag(&d, "E016", 18, 3));
    assert_true(has_diag(&d, "E016", 19, 3));
    assert_true(has_diag(&d, "E013", 25, 8));
    assert_int_equal(d.errors, 8);
    rule_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fires_on_third_distinct_rule),
        cmocka_unit_test(test_same_rule_never_fires),
        cmocka_unit_test(test_not_after_window),
        cmocka_unit_test(test_low_severity_and_other_hosts_do_not_count),
        cmocka_unit_test(test_no_feedback_updates_or_shadow),
        cmocka_unit_test(test_plain_alert_rule_and_fields),
        cmocka_unit_test(test_event_separation),
        cmocka_unit_test(test_lint_fields_the_event_lacks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
