/* tests/rules/test_rule_cli.c: `finwatch rules lint|test|explain` exit codes and
 * output. `rules test` runs tests/rules/cases/fake_sensor.sh (via FW_BIN) that
 * writes canned alerts, so the comparison logic is tested without a capture. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rule_cli.h"

#define CASES "tests/rules/cases/"

static char out[16384];

/* Run rule_cli_main with argv (NULL-terminated); stdout captured into out. */
static int run(const char *const *args)
{
    char path[] = "/tmp/fw-test-cli-XXXXXX";
    int fd = mkstemp(path), saved, rc, argc = 0;
    ssize_t n;

    assert_true(fd >= 0);
    while (args[argc])
        argc++;
    fflush(stdout);
    saved = dup(1);
    dup2(fd, 1);
    rc = rule_cli_main(argc, (char **)args);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    n = pread(fd, out, sizeof(out) - 1, 0);
    out[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
    return rc;
}

static void test_lint_exit_codes(void **state)
{
    const char *clean[] = {"lint", "rules/detections", NULL};
    const char *broken[] = {"lint", CASES "e003_unknown_key.yaml", NULL};
    const char *warn[] = {"lint", CASES "w002_deprecated.yaml", NULL};
    const char *json[] = {"lint", "--format", "json", CASES "e006_unknown_field.yaml", NULL};
    const char *usage[] = {"lint", "--format", "xml", NULL};
    const char *help[] = {"lint", "--help", NULL};

    (void)state;
    assert_int_equal(run(clean), 0);
    assert_non_null(strstr(out, " 0 errors, 0 warnings"));
    assert_int_equal(run(broken), 1);
    assert_non_null(strstr(out, CASES "e003_unknown_key.yaml:3:1: error: unknown key"));
    assert_int_equal(run(warn), 0);
    assert_non_null(strstr(out, "warning:"));
    assert_int_equal(run(json), 1);
    assert_non_null(strstr(out, "\"code\":\"E006\""));
    assert_int_equal(run(usage), 2);
    assert_int_equal(run(help), 0);
    assert_non_null(strstr(out, "usage: finwatch rules lint"));
}

static void test_usage(void **state)
{
    const char *none[] = {NULL};
    const char *bogus[] = {"frob", NULL};
    const char *t_help[] = {"test", "--help", NULL};
    const char *t_missing[] = {"test", "rules/detections", NULL};
    const char *e_help[] = {"explain", "--help", NULL};
    const char *e_both[] = {"explain", "abc", "--last", NULL};

    (void)state;
    assert_int_equal(run(none), 2);
    assert_int_equal(run(bogus), 2);
    assert_int_equal(run(t_help), 0);
    assert_non_null(strstr(out, "RULE_ID KEY COUNT"));
    assert_int_equal(run(t_missing), 2);
    assert_int_equal(run(e_help), 0);
    assert_int_equal(run(e_both), 2);
}

static void test_rules_test_compares(void **state)
{
    const char *ok[] = {"test", CASES "good_a.yaml", "--pcap", "x.pcap", "--expect",
                        CASES "expect_ok.txt", NULL};
    const char *bad[] = {"test", CASES "good_a.yaml", "--pcap", "x.pcap", "--expect",
                         CASES "expect_bad.txt", NULL};

    (void)state;
    setenv("FW_BIN", CASES "fake_sensor.sh", 1);
    assert_int_equal(run(ok), 0);
    assert_non_null(strstr(out, " FW-GOOD-001 10.20.0.1 2\n"));
    assert_non_null(strstr(out, "# ignored (rule not in the tested set): FW-SCAN-001"));
    assert_non_null(strstr(out, "ok: 0 mismatches"));
    assert_int_equal(run(bad), 1);
    assert_non_null(strstr(out, "-FW-GOOD-001 10.20.0.1 1\n+FW-GOOD-001 10.20.0.1 2\n"));
    assert_non_null(strstr(out, "-FW-GOOD-001 10.99.0.1 1\n+FW-GOOD-001 10.99.0.1 0\n"));
    assert_non_null(strstr(out, "+FW-GOOD-002 10.20.0.7 1\n"));
    assert_non_null(strstr(out, "FAIL: 3 mismatches"));
    unsetenv("FW_BIN");
}

static void test_explain(void **state)
{
    const char *by_id[] = {"explain", "00000000000000a2", "--alerts", CASES "alerts.jsonl",
                           "--rules", CASES "good_a.yaml", NULL};
    const char *last[] = {"explain", "--last", "--alerts", CASES "alerts.jsonl", "--rules",
                          CASES "good_a.yaml", NULL};
    const char *missing[] = {"explain", "ffff", "--alerts", CASES "alerts.jsonl", NULL};

    (void)state;
    assert_int_equal(run(by_id), 0);
    assert_non_null(strstr(out, "FW-GOOD-001 \"Telnet into core banking\" ("
                                CASES "good_a.yaml:1)"));
    assert_non_null(strstr(out, "reason     second, updated\n"));   /* latest update */
    assert_non_null(strstr(out, "matched    {\"fields\":{\"ndpi.protocol\":\"Telnet\"}}"));
    assert_non_null(strstr(out, "host score 60"));
    assert_non_null(strstr(out, "contributions to 10.20.0.1"));
    assert_non_null(strstr(out, "FW-GOOD-001          +30"));
    assert_int_equal(run(last), 0);                 /* last parseable line */
    assert_non_null(strstr(out, "alert      00000000000000c1"));
    assert_non_null(strstr(out, "FW-SCAN-001 (not found in"));
    assert_int_equal(run(missing), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lint_exit_codes),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_rules_test_compares),
        cmocka_unit_test(test_explain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
