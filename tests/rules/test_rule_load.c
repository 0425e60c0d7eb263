/* tests/rules/test_rule_load.c: the rule loader: every diagnostic code at its exact
 * FILE:LINE:COL, all problems of a file in one run, good sets, params, the
 * default pack. Run from the repository root (tests/run.sh does). */
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

#define CASES "tests/rules/cases/"
/* 2026-06-01: after every expiry date used in the cases that must be expired. */
#define NOW_US (1780272000ull * FW_USEC_PER_SEC)

struct expect_diag {
    const char *file;
    const char *code;
    unsigned line, col;
    enum rule_diag_level level;
    bool loads;             /* a set is still built (warnings only) */
};

static const struct expect_diag cases[] = {
    {"e001_syntax.yaml", "E001", 3, 6, RULE_DIAG_ERROR, false},
    {"e002_dupkey.yaml", "E002", 3, 1, RULE_DIAG_ERROR, false},
    {"e003_unknown_key.yaml", "E003", 3, 1, RULE_DIAG_ERROR, false},
    {"e004_wrong_type.yaml", "E004", 5, 8, RULE_DIAG_ERROR, false},
    {"e005_missing.yaml", "E005", 1, 1, RULE_DIAG_ERROR, false},
    {"e006_unknown_field.yaml", "E006", 4, 3, RULE_DIAG_ERROR, false},
    {"e007_unknown_op.yaml", "E007", 4, 20, RULE_DIAG_ERROR, false},
    {"e008_bad_regex.yaml", "E008", 4, 35, RULE_DIAG_ERROR, false},
    {"e009_bad_cidr.yaml", "E009", 4, 32, RULE_DIAG_ERROR, false},
    {"e010_bad_duration.yaml", "E010", 7, 11, RULE_DIAG_ERROR, false},
    {"e011_dup_id.yaml", "E011", 5, 5, RULE_DIAG_ERROR, false},
    {"e012_bad_attack.yaml", "E012", 3, 21, RULE_DIAG_ERROR, false},
    {"e013_bad_value.yaml", "E013", 3, 11, RULE_DIAG_ERROR, false},
    {"e014_anchor.yaml", "E014", 2, 8, RULE_DIAG_ERROR, false},
    {"e015_unknown_param.yaml", "E015", 7, 3, RULE_DIAG_ERROR, false},
    {"w001_expired.yaml", "W001", 8, 14, RULE_DIAG_WARNING, true},
    {"w002_deprecated.yaml", "W002", 3, 9, RULE_DIAG_WARNING, true},
    {"w003_no_owner.yaml", "W003", 5, 5, RULE_DIAG_WARNING, true},
};

static struct rule_set *load1(const char *path, struct rule_diags *d)
{
    const char *paths[1] = {path};

    rule_diags_init(d);
    return rule_set_load(paths, 1, NOW_US, d);
}

static void test_each_code_at_its_position(void **state)
{
    char path[256], buf[2048];
    struct rule_diags d;
    struct rule_set *rs;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct expect_diag *e = &cases[i];
        snprintf(path, sizeof(path), CASES "%s", e->file);
        rs = load1(path, &d);
        rule_diags_format(&d, buf, sizeof(buf));
        if (d.n != 1 || strcmp(d.v[0].code, e->code) != 0 || d.v[0].line != e->line ||
            d.v[0].col != e->col || d.v[0].level != e->level || !rs != !e->loads)
            fail_msg("%s: want %s at %u:%u, got:\n%s", e->file, e->code, e->line, e->col, buf);
        assert_string_equal(d.v[0].file, path);
        rule_set_free(rs);
        rule_diags_free(&d);
    }
}

static bool has_diag(const struct rule_diags *d, const char *code, unsigned line, unsigned col)
{
    size_t i;

    for (i = 0; i < d->n; i++)
        if (!strcmp(d->v[i].code, code) && d->v[i].line == line && d->v[i].col == col)
            return true;
    return false;
}

static void test_all_problems_in_one_run(void **state)
{
    struct rule_diags d;
    struct rule_set *rs;

    (void)state;
    rs = load1(CASES "multi.yaml", &d);
    assert_null(rs);
    assert_int_equal(d.errors, 6);
    assert_true(has_diag(&d, "E013", 1, 5));    /* id */
    assert_true(has_diag(&d, "E013", 3, 11));   /* severity 101 */
    assert_true(has_diag(&d, "E013", 4, 8));    /* event */
    assert_true(has_diag(&d, "E006", 6, 3));    /* field typo */
    assert_true(has_diag(&d, "E004", 7, 24));   /* list for |gt */
    assert_true(has_diag(&d, "E004", 8, 8));    /* score */
    assert_non_null(strstr(d.v[4].msg, "did you mean 'source.zone'"));
    rule_diags_free(&d);
}

static void test_dup_id_across_files_names_first(void **state)
{
    const char *paths[2] = {CASES "good_a.yaml", CASES "dup_of_a.yaml"};
    struct rule_diags d;
    struct rule_set *rs;

    (void)state;
    rule_diags_init(&d);
    rs = rule_set_load(paths, 2, NOW_US, &d);
    assert_null(rs);
    assert_int_equal(d.errors, 1);
    assert_string_equal(d.v[0].code, "E011");
    assert_string_equal(d.v[0].file, CASES "dup_of_a.yaml");
    assert_int_equal(d.v[0].line, 2);
    assert_int_equal(d.v[0].col, 5);
    assert_non_null(strstr(d.v[0].msg, CASES "good_a.yaml:1"));
    rule_diags_free(&d);
}

static void test_good_set_loads(void **state)
{
    struct rule_diags d;
    struct rule_set *rs;
    const struct rule_meta *m;
    struct rule_counters c;

    (void)state;
    rs = load1(CASES "good_a.yaml", &d);
    assert_non_null(rs);
    assert_int_equal(d.n, 0);
    assert_int_equal(rule_set_count(rs), 2);
    m = rule_set_nth(rs, 0, &c);
    assert_string_equal(m->id, "FW-GOOD-001");
    assert_string_equal(m->title, "Telnet into core banking");
    assert_string_equal(m->version, "3");
    assert_string_equal(m->ruleset, "bank");
    assert_int_equal(m->severity, 80);
    assert_true(m->score == 30.0);
    assert_int_equal(m->ntechniques, 2);
    assert_string_equal(m->techniques[1], "T1040");
    assert_int_equal(m->analyzer, ANZ_RULE);
    assert_false(m->shadow);
    assert_int_equal(m->line, 1);
    assert_int_equal(c.evaluations, 0);
    m = rule_set_nth(rs, 1, NULL);
    assert_string_equal(m->version, "1");         /* defaults */
    assert_string_equal(m->ruleset, "default");
    assert_int_equal(m->severity, 42);
    assert_true(m->shadow);
    assert_null(rule_set_nth(rs, 2, NULL));
    assert_int_equal(strlen(rule_set_hash(rs)), 16);
    rule_set_free(rs);
    rule_diags_free(&d);
}

static void test_hash_is_stable_and_content_bound(void **state)
{
    struct rule_diags d;
    struct rule_set *a, *b, *c;

    (void)state;
    a = load1(CASES "good_a.yaml", &d);
    rule_diags_free(&d);
    b = load1(CASES "good_a.yaml", &d);
    rule_diags_free(&d);
    c = load1(CASES "good_analyzer.yaml", &d);
    rule_diags_free(&d);
    assert_non_null(a);
    assert_non_null(c);
    assert_string_equal(rule_set_hash(a), rule_set_hash(b));
    assert_string_not_equal(rule_set_hash(a), rule_set_hash(c));
    rule_set_free(a);
    rule_set_free(b);
    rule_set_free(c);
}

static void test_analyzer_rules_and_params(void **state)
{
    const struct rule *const *v;
    const char *const *items;
    struct rule_diags d;
    struct rule_set *rs;
    size_t n;

    (void)state;
    rs = load1(CASES "good_analyzer.yaml", &d);
    assert_non_null(rs);
    n = rule_set_analyzer_rules(rs, ANZ_SCAN, &v);
    assert_int_equal(n, 2);
    assert_string_equal(rule_meta_of(v[0])->id, "FW-SCAN-H");
    assert_int_equal(rule_meta_of(v[0])->analyzer, ANZ_SCAN);
    assert_true(rule_param_double(v[0], "min_hosts", 1) == 25);
    assert_true(rule_param_double(v[0], "nope", 7.5) == 7.5);
    assert_int_equal(rule_param_duration(v[0], "window", 1), 120 * FW_USEC_PER_SEC);
    assert_int_equal(rule_param_duration(v[1], "window", 99), 99);
    assert_string_equal(rule_param_str(v[0], "min_hosts", "x"), "25");
    n = rule_set_analyzer_rules(rs, ANZ_AMPLIFICATION, &v);
    assert_int_equal(n, 1);
    assert_int_equal(rule_param_list(v[0], "ports", &items), 2);
    assert_string_equal(items[1], "123");
    assert_int_equal(rule_param_list(v[0], "min_bytes", &items), 0);
    assert_int_equal(rule_set_analyzer_rules(rs, ANZ_FLOOD, &v), 0);
    rule_set_free(rs);
    rule_diags_free(&d);
}

static void test_default_pack_lints_clean(void **state)
{
    struct rule_diags d;
    struct rule_set *rs;
    char buf[4096];

    (void)state;
    rs = load1("rules/detections", &d);
    rule_diags_format(&d, buf, sizeof(buf));
    if (!rs || d.n)
        fail_msg("default pack:\n%s", buf);
    assert_true(rule_set_count(rs) >= 6);
    rule_set_free(rs);
    rule_diags_free(&d);
}

static void test_missing_path_is_an_error(void **state)
{
    struct rule_diags d;
    struct rule_set *rs;

    (void)state;
    rs = load1(CASES "no-such-file.yaml", &d);
    assert_null(rs);
    assert_true(d.errors >= 1);
    rule_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_code_at_its_position),
        cmocka_unit_test(test_all_problems_in_one_run),
        cmocka_unit_test(test_dup_id_across_files_names_first),
        cmocka_unit_test(test_good_set_loads),
        cmocka_unit_test(test_hash_is_stable_and_content_bound),
        cmocka_unit_test(test_analyzer_rules_and_params),
        cmocka_unit_test(test_default_pack_lints_clean),
        cmocka_unit_test(test_missing_path_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
