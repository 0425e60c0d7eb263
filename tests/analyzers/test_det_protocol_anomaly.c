/* tests/analyzers/test_det_protocol_anomaly.c: SSH off-port, non-TLS on 443, FIX CompIDs,
 * HTTP control bytes. */
#include <stdio.h>

#include "anz_test.h"
#include "det_protocol_anomaly.h"

static void flow(struct flow_evt *e, const char *dst, uint16_t dport, const char *app)
{
    tev(e, FLOW_EVT_END, T0, "10.20.1.1", 50000, dst, dport, 6);
    e->rec.ndpi_done = true;
    e->rec.src_payload = 500;
    e->rec.dst_payload = 500;
    snprintf(e->rec.ndpi_proto, sizeof(e->rec.ndpi_proto), "%s", app);
}

static void test_anomalies_fire(void **state)
{
    struct anz_hosts *t = anz_hosts_create(100, 100);
    struct det_protocol_anomaly_params p;
    struct det_hit hit;
    struct flow_evt e;
    struct det_ctx c;

    (void)state;
    tdefaults(ANZ_PROTOCOL_ANOMALY, &p);
    flow(&e, "10.10.1.1", 2022, "SSH");         /* core zone, criticality 5 */
    tctx(&c, t, &e, T0);
    assert_true(det_protocol_anomaly_eval(&p, &c, true, &hit));
    assert_non_null(strstr(hit.reason, "SSH on a non-standard port into core"));

    flow(&e, "198.51.100.1", 443, "HTTP");
    tctx(&c, t, &e, T0);
    assert_true(det_protocol_anomaly_eval(&p, &c, true, &hit));
    assert_non_null(strstr(hit.reason, "HTTP instead of TLS"));

    p.known_comp_ids.n = 2;
    snprintf(p.known_comp_ids.v[0], DET_STR_LEN, "BANK1");
    snprintf(p.known_comp_ids.v[1], DET_STR_LEN, "EXCH");
    flow(&e, "10.10.3.3", 9876, "FIX");
    e.rec.meta = FLOW_META_FIX;
    snprintf(e.rec.fix.sender_comp_id, sizeof(e.rec.fix.sender_comp_id), "ROGUE");
    snprintf(e.rec.fix.target_comp_id, sizeof(e.rec.fix.target_comp_id), "EXCH");
    tctx(&c, t, &e, T0);
    assert_true(det_protocol_anomaly_eval(&p, &c, true, &hit));
    assert_non_null(strstr(hit.reason, "unknown CompID (sender ROGUE"));
    anz_hosts_destroy(t);
}

static void http_flow(struct flow_evt *e, const char *url, uint8_t ctl)
{
    flow(e, "10.30.0.10", 80, "HTTP");
    e->rec.meta = FLOW_META_HTTP;
    snprintf(e->rec.http.method, sizeof(e->rec.http.method), "GET");
    snprintf(e->rec.http.url, sizeof(e->rec.http.url), "%s", url);
    snprintf(e->rec.http.host, sizeof(e->rec.http.host), "portal.bank.example");
    e->rec.http.ctl = ctl;
}

/* Raw control bytes in a request: an alert naming the fields, the URL as the
 * sensor keeps it (percent-encoded) in reason and evidence; none for a
 * client's own %00 or when switched off. */
static void test_http_control_bytes(void **state)
{
    struct anz_hosts *t = anz_hosts_create(100, 100);
    struct det_protocol_anomaly_params p;
    struct det_hit hit;
    struct flow_evt e;
    struct det_ctx c;

    (void)state;
    tdefaults(ANZ_PROTOCOL_ANOMALY, &p);
    assert_true(p.http_control_bytes);
    http_flow(&e, "/admin%00.php", META_HTTP_CTL_URL | META_HTTP_CTL_HOST);
    tctx(&c, t, &e, T0);
    assert_true(det_protocol_anomaly_eval(&p, &c, true, &hit));
    assert_non_null(strstr(hit.reason, "raw control bytes in the URL, Host"));
    assert_non_null(strstr(hit.reason, "GET /admin%00.php"));
    assert_non_null(strstr(hit.evidence, "\"check\":\"http_control_bytes\""));
    assert_non_null(strstr(hit.evidence, "\"url\":\"/admin%00.php\""));
    http_flow(&e, "/x", META_HTTP_CTL_UA);
    tctx(&c, t, &e, T0);
    assert_true(det_protocol_anomaly_eval(&p, &c, true, &hit));
    assert_non_null(strstr(hit.reason, "in the User-Agent ("));

    http_flow(&e, "/admin%00.php", 0);          /* encoded by the client: rules' business */
    tctx(&c, t, &e, T0);
    assert_false(det_protocol_anomaly_eval(&p, &c, true, &hit));
    p.http_control_bytes = false;
    http_flow(&e, "/admin%00.php", META_HTTP_CTL_URL);
    tctx(&c, t, &e, T0);
    assert_false(det_protocol_anomaly_eval(&p, &c, true, &hit));
    anz_hosts_destroy(t);
}

static void test_normal_quiet(void **state)
{
    struct anz_hosts *t = anz_hosts_create(100, 100);
    struct det_protocol_anomaly_params p;
    struct det_hit hit;
    struct flow_evt e;
    struct det_ctx c;

    (void)state;
    tdefaults(ANZ_PROTOCOL_ANOMALY, &p);
    flow(&e, "10.10.1.1", 22, "SSH");
    tctx(&c, t, &e, T0);
    assert_false(det_protocol_anomaly_eval(&p, &c, true, &hit));
    flow(&e, "10.20.9.9", 2022, "SSH");         /* office zone: criticality 2 */
    tctx(&c, t, &e, T0);
    assert_false(det_protocol_anomaly_eval(&p, &c, true, &hit));
    flow(&e, "198.51.100.1", 443, "TLS.Google");
    tctx(&c, t, &e, T0);
    assert_false(det_protocol_anomaly_eval(&p, &c, true, &hit));
    flow(&e, "10.10.3.3", 9876, "FIX");         /* FIX with no CompID list configured */
    e.rec.meta = FLOW_META_FIX;
    snprintf(e.rec.fix.sender_comp_id, sizeof(e.rec.fix.sender_comp_id), "BANK1");
    e.rec.fix.messages = 100;
    e.rec.fix.heartbeats = 90;
    tctx(&c, t, &e, T0);
    assert_false(det_protocol_anomaly_eval(&p, &c, true, &hit));
    anz_hosts_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_anomalies_fire),
        cmocka_unit_test(test_normal_quiet),
        cmocka_unit_test(test_http_control_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
