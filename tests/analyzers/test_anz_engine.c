/* tests/analyzers/test_anz_engine.c: the engine with the shipped analyzer rules
 * (rules/detections/analyzers.yaml) and a zone map: alerts, de-duplication,
 * stable ids, criticality scaling, explain, shadow mode, benign traffic, rules on
 * alerts. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "anz_test.h"
#include "anz_engine.h"
#include "fw_config.h"
#include "rule_set.h"

#define MAX_ALERTS 64

struct sink {
    unsigned n;
    struct anz_alert a[MAX_ALERTS];
};

static void on_alert(void *ctx, const struct anz_alert *a)
{
    struct sink *s = ctx;

    if (s->n < MAX_ALERTS)
        s->a[s->n] = *a;
    s->n++;
}

static const char cfg_yaml[] =
    "zones:\n"
    "  - {name: core-banking, cidrs: [10.10.0.0/16], criticality: 5}\n"
    "  - {name: swift, cidrs: [10.30.0.0/24], criticality: 5}\n"
    "  - {name: branch, cidrs: [10.20.0.0/16], criticality: 2}\n"
    "policy:\n"
    "  deny:\n"
    "    - {from: branch, to: swift}\n";

struct fx {
    struct fw_config cfg;
    struct rule_set *rs;
    struct anz_engine *e;
    struct sink sink;
    char cfg_path[64];
};

static struct rule_set *load_rules(const char *path)
{
    struct rule_diags d;
    struct rule_set *rs;
    size_t i;

    rule_diags_init(&d);
    rs = rule_set_load(&path, 1, T0, &d);
    for (i = 0; i < d.n; i++)
        fprintf(stderr, "# %s:%u:%u: %s\n", d.v[i].file, d.v[i].line, d.v[i].col, d.v[i].msg);
    rule_diags_free(&d);
    return rs;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char err[1024];
    FILE *fp;
    int fd;

    if (!f)
        return -1;
    snprintf(f->cfg_path, sizeof(f->cfg_path), "/tmp/fw-anz-cfg-XXXXXX");
    fd = mkstemp(f->cfg_path);
    if (fd < 0)
        return -1;
    fp = fdopen(fd, "w");
    fputs(cfg_yaml, fp);
    fclose(fp);
    if (fw_config_defaults(&f->cfg) != 0 ||
        fw_config_load(&f->cfg, f->cfg_path, err, sizeof(err)) != 0) {
        fprintf(stderr, "# config: %s\n", err);
        return -1;
    }
    f->rs = load_rules("rules/detections/analyzers.yaml");
    if (!f->rs)
        return -1;
    f->e = anz_engine_create(&f->cfg, f->rs, on_alert, &f->sink);
    *state = f;
    return f->e ? 0 : -1;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    anz_engine_destroy(f->e);
    rule_set_free(f->rs);
    fw_config_free(&f->cfg);
    unlink(f->cfg_path);
    free(f);
    return 0;
}

static void failed_syn(struct anz_engine *e, struct flow_evt *ev, uint64_t ts, const char *src,
                       const char *dst, uint16_t dport)
{
    tev(ev, FLOW_EVT_END, ts, src, 40000, dst, dport, 6);
    ev->rec.src_pkts = 1;
    ev->rec.tcp_flags_src = DET_TCP_SYN;
    ev->rec.dst_pkts = 1;
    ev->rec.tcp_flags_dst = DET_TCP_RST | DET_TCP_ACK;
    anz_engine_event(e, ev);
}

static void test_scan_alert_dedup_and_explain(void **state)
{
    struct fx *f = *state;
    struct flow_evt ev;
    struct anz_stats st;
    struct fw_ip ip = tip("203.0.113.5");
    char buf[4096];
    unsigned i;

    for (i = 0; i < 1000; i++)      /* 1000 ports in 20 s: one alert, then updates */
        failed_syn(f->e, &ev, T0 + i * 20000, "203.0.113.5", "10.10.0.9", (uint16_t)(i + 1));
    assert_true(f->sink.n >= 1);
    assert_string_equal(f->sink.a[0].rule_id, "FW-SCAN-001");
    assert_int_equal(f->sink.a[0].analyzer, ANZ_SCAN);
    assert_int_equal(f->sink.a[0].updates, 0);
    assert_int_equal(strlen(f->sink.a[0].id), 16);
    assert_string_equal(f->sink.a[0].zone_dst, "core-banking");
    assert_string_equal(f->sink.a[0].techniques[0], "T1046");
    assert_true(f->sink.a[0].score > 49.9 && f->sink.a[0].score < 50.1);   /* 30 * 5/3 */
    assert_true(f->sink.a[0].host_score > 49.9);
    assert_non_null(strstr(f->sink.a[0].reason, "203.0.113.5 probed"));
    /* updates, rate-limited, same id */
    assert_true(f->sink.n >= 2 && f->sink.n <= 3);
    assert_string_equal(f->sink.a[1].id, f->sink.a[0].id);
    assert_int_equal(f->sink.a[1].updates, 1);
    anz_engine_stats(f->e, &st);
    assert_int_equal(st.alerts_new, 1);
    assert_int_equal(st.by_analyzer[ANZ_SCAN], f->sink.n);
    assert_int_equal(st.hosts_active, 2);
    /* updates add no points */
    assert_true(anz_engine_explain_host(f->e, &ip, buf, sizeof(buf)) > 0);
    assert_non_null(strstr(buf, "\"rule\":\"FW-SCAN-001\""));
    assert_null(strstr(strstr(buf, "FW-SCAN-001") + 1, "FW-SCAN-001"));
}

static void test_zone_policy_via_config(void **state)
{
    struct fx *f = *state;
    struct flow_evt ev;

    tev(&ev, FLOW_EVT_START, T0, "10.20.4.4", 50000, "10.30.0.10", 443, 6);
    anz_engine_event(f->e, &ev);
    assert_int_equal(f->sink.n, 1);
    assert_string_equal(f->sink.a[0].rule_id, "FW-ZONE-001");
    assert_string_equal(f->sink.a[0].zone_src, "branch");
    assert_string_equal(f->sink.a[0].zone_dst, "swift");
    assert_int_equal(ev.rec.zone_src, 2);       /* filled in for the flow record */
    assert_int_equal(ev.rec.zone_dst, 1);
    tev(&ev, FLOW_EVT_START, T0 + 60 * SEC, "10.20.4.4", 50001, "10.30.0.10", 22, 6);
    anz_engine_event(f->e, &ev);
    assert_int_equal(f->sink.n, 2);             /* same window: an update, same id */
    assert_int_equal(f->sink.a[1].updates, 1);
    assert_string_equal(f->sink.a[1].id, f->sink.a[0].id);
    tev(&ev, FLOW_EVT_START, T0, "10.30.0.10", 50000, "10.20.4.4", 443, 6);   /* allowed */
    anz_engine_event(f->e, &ev);
    assert_int_equal(f->sink.n, 2);
}

/* Office day: web, DNS, NTP, a FIX session, backups inside core. */
static void test_ordinary_traffic_quiet(void **state)
{
    struct fx *f = *state;
    static struct flow_evt ev;
    char host[32], name[64], web[32];
    unsigned i, j;
    uint64_t x = 42;

    for (i = 0; i < 3000; i++) {
        uint64_t ts = T0 + i * 2 * SEC;

        /* people, not programs: who browses where is random */
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        snprintf(host, sizeof(host), "10.20.1.%u", (unsigned)(x >> 33) % 50 + 1);
        snprintf(web, sizeof(web), "198.51.100.%u", (unsigned)(x >> 45) % 40 + 1);
        tev(&ev, FLOW_EVT_DNS, ts, host, 33000, "10.10.0.53", 53, 17);
        ev.dns_from_src = true;
        ev.dns.n_questions = 1;
        snprintf(name, sizeof(name), "www.site%u.example.com", i % 300);
        snprintf(ev.dns.questions[0].name, META_DNS_NAME_MAX, "%s", name);
        ev.dns.questions[0].qtype = 1;
        anz_engine_event(f->e, &ev);
        for (j = 0; j < 3; j++) {
            tev(&ev, j == 0 ? FLOW_EVT_START : j == 1 ? FLOW_EVT_CLASSIFIED : FLOW_EVT_END,
                ts + j * 100000, host, (uint16_t)(40000 + i), web, 443, 6);
            ev.rec.src_pkts = 20;
            ev.rec.dst_pkts = 30;
            ev.rec.src_bytes = 3000;
            ev.rec.dst_bytes = 60000;
            ev.rec.src_payload = 1500;
            ev.rec.dst_payload = 50000;
            ev.rec.tcp_flags_src = DET_TCP_SYN | DET_TCP_ACK;
            ev.rec.tcp_flags_dst = DET_TCP_SYN | DET_TCP_ACK;
            ev.rec.ndpi_done = j > 0;
            snprintf(ev.rec.ndpi_proto, sizeof(ev.rec.ndpi_proto), "TLS");
            anz_engine_event(f->e, &ev);
        }
        if (i % 32 == 0) {              /* NTP */
            tev(&ev, FLOW_EVT_START, ts, "10.10.0.1", 123, "198.51.100.123", 123, 17);
            anz_engine_event(f->e, &ev);
        }
        if (i % 100 == 0) {             /* backup inside core-banking */
            tev(&ev, FLOW_EVT_END, ts, "10.10.2.2", 50000, "10.10.9.9", 873, 6);
            ev.rec.src_bytes = 2000000000;
            ev.rec.src_pkts = 1500000;
            ev.rec.dst_pkts = 700000;
            ev.rec.ts_start_us = ts - 60 * SEC;
            anz_engine_event(f->e, &ev);
        }
    }
    /* one long FIX session with heartbeats */
    tev(&ev, FLOW_EVT_END, T0 + 6000 * SEC, "10.10.3.3", 50000, "10.10.4.4", 9878, 6);
    ev.rec.ts_start_us = T0;
    ev.rec.meta = FLOW_META_FIX;
    ev.rec.fix.messages = 200;
    ev.rec.fix.heartbeats = 190;
    snprintf(ev.rec.ndpi_proto, sizeof(ev.rec.ndpi_proto), "FIX");
    anz_engine_event(f->e, &ev);
    for (i = 0; i < f->sink.n && i < MAX_ALERTS; i++)
        if (f->sink.a[i].severity >= 40)
            fail_msg("unexpected %s (%u): %s", f->sink.a[i].rule_id, f->sink.a[i].severity,
                     f->sink.a[i].reason);
}

static void test_shadow_and_reload(void **state)
{
    struct fx *f = *state;
    char dir[] = "/tmp/fw-anz-rules-XXXXXX", path[128];
    struct rule_set *rs2;
    struct anz_stats st;
    struct flow_evt ev;
    FILE *fp;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/zone.yaml", dir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("id: FW-ZONE-SHADOW\ntitle: zone policy (shadow)\nstatus: test\nmode: shadow\n"
          "type: analyzer\nanalyzer: zone_policy\nseverity: high\nscore: 30\n", fp);
    fclose(fp);
    rs2 = load_rules(path);
    assert_non_null(rs2);
    anz_engine_set_rules(f->e, rs2);
    rule_set_free(f->rs);
    f->rs = rs2;
    tev(&ev, FLOW_EVT_START, T0, "10.20.4.5", 50000, "10.30.0.10", 443, 6);
    anz_engine_event(f->e, &ev);
    assert_int_equal(f->sink.n, 1);
    assert_true(f->sink.a[0].shadow);
    anz_engine_stats(f->e, &st);
    assert_int_equal(st.alerts_shadow, 1);
    /* shadow alerts add nothing to scores */
    assert_true(f->sink.a[0].host_score < 1e-9);
    unlink(path);
    rmdir(dir);
}

/* Rules on alerts: the zone-policy detector's alert and a flow rule's alert both
 * reach an "event: alert" rule right where they are raised; its own alerts (which
 * would match it too) are not fed back, and updates of an alert are not either. */
static void test_alert_rules_correlate(void **state)
{
    static const char extra[] =
        "id: FW-T-SSH-SWIFT\ntitle: SSH into swift\nevent: flow_start\nseverity: high\n"
        "match:\n  destination.zone: swift\n  destination.port: 22\n"
        "---\n"
        "id: FW-T-SWIFT-CRIT\ntitle: high alert towards swift\nevent: alert\n"
        "severity: critical\nscore: 50\n"
        "match:\n  alert.severity|gte: 80\n  destination.zone: swift\n";
    struct fx *f = *state;
    char dir[] = "/tmp/fw-anz-rules-XXXXXX", p1[128], p2[128];
    const char *paths[2] = {p1, p2};
    struct rule_diags d;
    struct rule_set *rs2;
    struct anz_stats st;
    struct flow_evt ev;
    unsigned i, ncrit = 0;
    FILE *fp;

    assert_non_null(mkdtemp(dir));
    snprintf(p1, sizeof(p1), "%s/corr.yaml", dir);
    snprintf(p2, sizeof(p2), "rules/detections/analyzers.yaml");
    fp = fopen(p1, "w");
    assert_non_null(fp);
    fputs(extra, fp);
    fclose(fp);
    rule_diags_init(&d);
    rs2 = rule_set_load(paths, 2, T0, &d);
    rule_diags_free(&d);
    assert_non_null(rs2);
    anz_engine_set_rules(f->e, rs2);
    rule_set_free(f->rs);
    f->rs = rs2;

    tev(&ev, FLOW_EVT_START, T0, "10.20.4.4", 50000, "10.30.0.10", 22, 6);
    anz_engine_event(f->e, &ev);
    /* flow rule, its correlation, zone policy, its correlation: nothing more */
    assert_int_equal(f->sink.n, 4);
    assert_string_equal(f->sink.a[0].rule_id, "FW-T-SSH-SWIFT");
    assert_string_equal(f->sink.a[1].rule_id, "FW-T-SWIFT-CRIT");
    assert_string_equal(f->sink.a[2].rule_id, "FW-ZONE-001");
    assert_string_equal(f->sink.a[3].rule_id, "FW-T-SWIFT-CRIT");
    assert_string_not_equal(f->sink.a[1].id, f->sink.a[3].id);     /* per correlated rule */
    assert_int_equal(f->sink.a[1].analyzer, ANZ_RULE);
    assert_int_equal(f->sink.a[1].severity, 95);
    assert_string_equal(f->sink.a[1].zone_dst, "swift");
    assert_true(f->sink.a[1].score > 83.3 && f->sink.a[1].score < 83.4);   /* 50 * 5/3 */
    assert_non_null(strstr(f->sink.a[1].evidence, f->sink.a[0].id));
    assert_non_null(strstr(f->sink.a[3].evidence, "\"rule\":\"FW-ZONE-001\""));
    assert_non_null(strstr(f->sink.a[3].evidence, "\"analyzer\":\"zone_policy\""));
    /* a minute later: both alerts are updated, which raises no new correlation */
    tev(&ev, FLOW_EVT_START, T0 + 60 * SEC, "10.20.4.4", 50001, "10.30.0.10", 22, 6);
    anz_engine_event(f->e, &ev);
    for (i = 4; i < f->sink.n && i < MAX_ALERTS; i++) {
        assert_true(f->sink.a[i].updates > 0);
        ncrit += strcmp(f->sink.a[i].rule_id, "FW-T-SWIFT-CRIT") == 0;
    }
    assert_int_equal(f->sink.n, 6);
    assert_int_equal(ncrit, 0);
    anz_engine_stats(f->e, &st);
    assert_int_equal(st.alerts_new, 4);
    unlink(p1);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scan_alert_dedup_and_explain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zone_policy_via_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ordinary_traffic_quiet, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shadow_and_reload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_rules_correlate, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
