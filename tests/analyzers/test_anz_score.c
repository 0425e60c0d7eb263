/* tests/analyzers/test_anz_score.c: decay, zone sums, trend/forecast, explain. */
#include <math.h>
#include <stdio.h>

#include "anz_test.h"
#include "anz_score.h"

#define HOUR (3600ull * SEC)

static void test_half_life_halves(void **state)
{
    struct anz_scoreboard *sb = anz_scoreboard_create(10, HOUR);
    struct fw_ip ip = tip("10.10.1.1");
    double s;

    (void)state;
    assert_non_null(sb);
    s = anz_scoreboard_add(sb, &ip, "core", 80, "FW-X", T0);
    assert_true(fabs(s - 80) < 1e-9);
    assert_true(fabs(anz_scoreboard_host_score(sb, &ip, T0 + HOUR) - 40) < 1e-9);
    assert_true(fabs(anz_scoreboard_host_score(sb, &ip, T0 + 2 * HOUR) - 20) < 1e-9);
    /* adding later stacks on the decayed value */
    s = anz_scoreboard_add(sb, &ip, "core", 10, "FW-Y", T0 + HOUR);
    assert_true(fabs(s - 50) < 1e-9);
    assert_true(fabs(anz_score_decay(1.0, HOUR, HOUR) - 0.5) < 1e-12);
    anz_scoreboard_destroy(sb);
}

static void test_zone_sum_and_trend(void **state)
{
    struct anz_scoreboard *sb = anz_scoreboard_create(10, HOUR);
    struct fw_ip a = tip("10.10.1.1"), b = tip("10.10.1.2"), x = tip("203.0.113.1");
    struct anz_zone_trend tr;
    const char *names[8];
    unsigned i;

    (void)state;
    anz_scoreboard_add(sb, &a, "core", 30, "R1", T0);
    anz_scoreboard_add(sb, &b, "core", 20, "R2", T0);
    anz_scoreboard_add(sb, &x, NULL, 5, "R3", T0);
    assert_true(fabs(anz_scoreboard_zone_score(sb, "core", T0) - 50) < 1e-9);
    assert_true(fabs(anz_scoreboard_zone_score(sb, "external", T0) - 5) < 1e-9);
    assert_int_equal(anz_scoreboard_zone_names(sb, names, 8), 2);
    /* rising risk: 40 more points every 5 minutes for an hour */
    for (i = 1; i <= 12; i++) {
        anz_scoreboard_add(sb, &a, "core", 40, "R1", T0 + i * ANZ_TREND_BUCKET_US + SEC);
        anz_scoreboard_tick(sb, T0 + i * ANZ_TREND_BUCKET_US + SEC);
    }
    assert_int_equal(anz_scoreboard_zone_trend(sb, "core", &tr), 0);
    assert_int_equal(tr.n, 12);
    assert_true(tr.value[11] > tr.value[0]);
    assert_true(tr.trend > 0);
    assert_true(tr.forecast > tr.value[11] * 0.9);
    assert_int_equal(anz_scoreboard_zone_trend(sb, "nowhere", &tr), -4);  /* FW_ENOENT */
    anz_scoreboard_destroy(sb);
}

static void test_explain_json(void **state)
{
    struct anz_scoreboard *sb = anz_scoreboard_create(10, HOUR);
    struct fw_ip ip = tip("10.10.1.1");
    char buf[8192], rule[16];
    int n;
    unsigned i;

    (void)state;
    for (i = 0; i < 20; i++) {
        snprintf(rule, sizeof(rule), "R%u", i);
        anz_scoreboard_add(sb, &ip, "core", 1, rule, T0 + i * SEC);
    }
    n = anz_scoreboard_explain(sb, &ip, T0 + HOUR, buf, sizeof(buf));
    assert_true(n > 0);
    assert_int_equal((size_t)n, strlen(buf));
    assert_non_null(strstr(buf, "\"ip\":\"10.10.1.1\""));
    assert_non_null(strstr(buf, "\"zone\":\"core\""));
    assert_non_null(strstr(buf, "\"contributions\":[{\"rule\":\"R19\""));   /* newest first */
    assert_null(strstr(buf, "\"R3\""));        /* bounded to the last 16 */
    assert_non_null(strstr(buf, "\"R4\""));
    assert_non_null(strstr(buf, "\"decayed\":0.5"));
    assert_int_equal(anz_scoreboard_explain(sb, &ip, T0, buf, 10), -6);   /* FW_EFULL */
    ip = tip("10.9.9.9");
    assert_int_equal(anz_scoreboard_explain(sb, &ip, T0, buf, sizeof(buf)), -4);
    anz_scoreboard_destroy(sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_half_life_halves),
        cmocka_unit_test(test_zone_sum_and_trend),
        cmocka_unit_test(test_explain_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
