/* tests/analyzers/test_det_ndpi_risk.c: listed risks with severities; others silent. */
#include "anz_test.h"
#include "det_ndpi_risk.h"

static void test_listed_risk_fires_with_its_severity(void **state)
{
    struct anz_hosts *t = anz_hosts_create(100, 100);
    struct det_ndpi_risk_params p;
    struct det_hit hit;
    struct flow_evt e;
    struct det_ctx c;
    const char *bad = NULL;

    (void)state;
    tdefaults(ANZ_NDPI_RISK, &p);
    assert_int_equal(det_ndpi_risk_prepare(&p, &bad), 0);
    tev(&e, FLOW_EVT_END, T0, "10.20.1.1", 50000, "10.10.1.1", 80, 6);
    snprintf(e.rec.ndpi_proto, sizeof(e.rec.ndpi_proto), "HTTP");
    e.rec.ndpi_risk = 1ull << 2;        /* SQL Injection: listed at 75 */
    tctx(&c, t, &e, T0);
    assert_true(det_ndpi_risk_eval(&p, &c, true, &hit));
    assert_int_equal(hit.severity, 75);
    assert_non_null(strstr(hit.reason, "SQL Injection"));
    assert_non_null(strstr(hit.evidence, "[\"SQL Injection\"]"));
    e.rec.ndpi_risk = 1ull << 6 | 1ull << 24;   /* self-signed, missing SNI: not listed */
    assert_false(det_ndpi_risk_eval(&p, &c, true, &hit));
    e.rec.ndpi_risk = 0;
    assert_false(det_ndpi_risk_eval(&p, &c, true, &hit));
    anz_hosts_destroy(t);
}

static void test_prepare_names_and_numbers(void **state)
{
    struct det_ndpi_risk_params p;
    const char *bad = NULL;

    (void)state;
    memset(&p, 0, sizeof(p));
    p.risks.n = 2;
    snprintf(p.risks.v[0], DET_STR_LEN, "Self-signed Certificate=40");
    snprintf(p.risks.v[1], DET_STR_LEN, "24");
    assert_int_equal(det_ndpi_risk_prepare(&p, &bad), 0);
    assert_true(p.mask == (1ull << 6 | 1ull << 24));
    assert_int_equal(p.sev[6], 40);
    assert_int_equal(p.sev[24], 0);
    snprintf(p.risks.v[1], DET_STR_LEN, "No Such Risk");
    assert_int_not_equal(det_ndpi_risk_prepare(&p, &bad), 0);
    assert_string_equal(bad, "No Such Risk");
    assert_string_equal(det_ndpi_risk_name(6), "Self-signed Certificate");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listed_risk_fires_with_its_severity),
        cmocka_unit_test(test_prepare_names_and_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
