/* tests/analyzers/test_det_threat_intel.c: IP, CIDR and domain feeds. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "anz_test.h"
#include "det_threat_intel.h"

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_feeds_match(void **state)
{
    char dir[] = "/tmp/fw-ti-XXXXXX", err[256], path[256];
    struct anz_hosts *t = anz_hosts_create(100, 100);
    struct det_threat_intel_params p;
    struct det_hit hit;
    struct flow_evt *e = calloc(1, sizeof(*e));
    struct det_ctx c;

    (void)state;
    assert_non_null(mkdtemp(dir));
    write_file(dir, "ips.txt", "# feed\n203.0.113.66\n198.51.100.0/24  # a whole net\nnot-an-ip\n");
    write_file(dir, "domains.txt", "evil.example\n\nc2.bad-actor.net.\n");
    tdefaults(ANZ_THREAT_INTEL, &p);
    snprintf(p.ip_list, sizeof(p.ip_list), "ips.txt");          /* relative to the rule */
    snprintf(p.domain_list, sizeof(p.domain_list), "domains.txt");
    assert_int_equal(det_threat_intel_open(&p, dir, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "ips.txt:4: bad address"));     /* reported, rest kept */
    assert_int_equal(det_threat_intel_size(&p), 4);

    tev(e, FLOW_EVT_START, T0, "10.20.1.1", 50000, "203.0.113.66", 443, 6);
    tctx(&c, t, e, T0);
    assert_true(det_threat_intel_eval(&p, &c, true, &hit));
    assert_int_equal(hit.blame, ANZ_BLAME_SRC);
    assert_non_null(strstr(hit.reason, "10.20.1.1 talked to 203.0.113.66"));

    tev(e, FLOW_EVT_START, T0, "198.51.100.7", 50000, "10.10.1.1", 22, 6);  /* inbound, CIDR */
    tctx(&c, t, e, T0);
    assert_true(det_threat_intel_eval(&p, &c, true, &hit));
    assert_int_equal(hit.blame, ANZ_BLAME_DST);

    tev(e, FLOW_EVT_DNS, T0, "10.20.1.2", 5353, "10.10.0.53", 53, 17);
    e->dns.n_questions = 1;
    snprintf(e->dns.questions[0].name, META_DNS_NAME_MAX, "x1.Evil.Example");   /* subdomain */
    tctx(&c, t, e, T0);
    assert_true(det_threat_intel_eval(&p, &c, true, &hit));
    assert_non_null(strstr(hit.evidence, "\"indicator\":\"Evil.Example\""));

    tev(e, FLOW_EVT_CLASSIFIED, T0, "10.20.1.3", 5353, "192.0.2.1", 443, 6);
    e->rec.meta = FLOW_META_TLS;
    snprintf(e->rec.tls.server_name, sizeof(e->rec.tls.server_name), "c2.bad-actor.net");
    tctx(&c, t, e, T0);
    assert_true(det_threat_intel_eval(&p, &c, true, &hit));

    /* benign: a neighbour address, a look-alike name */
    snprintf(e->rec.tls.server_name, sizeof(e->rec.tls.server_name), "notevil.example.com");
    assert_false(det_threat_intel_eval(&p, &c, true, &hit));
    tev(e, FLOW_EVT_START, T0, "10.20.1.1", 50000, "203.0.113.67", 443, 6);
    tctx(&c, t, e, T0);
    assert_false(det_threat_intel_eval(&p, &c, true, &hit));

    det_threat_intel_close(&p);
    snprintf(path, sizeof(path), "%s/ips.txt", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/domains.txt", dir);
    unlink(path);
    rmdir(dir);
    free(e);
    anz_hosts_destroy(t);
}

static void test_missing_file(void **state)
{
    struct det_threat_intel_params p;
    char err[256];

    (void)state;
    tdefaults(ANZ_THREAT_INTEL, &p);
    snprintf(p.ip_list, sizeof(p.ip_list), "/nonexistent/ips.txt");
    assert_true(det_threat_intel_open(&p, NULL, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "cannot open"));
    det_threat_intel_close(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_feeds_match),
        cmocka_unit_test(test_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
