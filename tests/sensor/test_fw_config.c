/* tests/sensor/test_fw_config.c: the config loader (sensor/fw_config.c).
 *
 * Config files live in tests/sensor/configs/; paths are relative to the
 * repository root (tests/run.sh runs there; FW_ROOT is honoured otherwise).
 * Error lines are asserted whole, FILE:LINE:COL included, because that line
 * is what a network engineer reads when the sensor refuses to start.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "flow_types.h"
#include "fw_config.h"
#include "fw_err.h"
#include "fw_log.h"
#include "fw_time.h"

#define CDIR "tests/sensor/configs/"

static char err[FW_CONFIG_ERR_MAX];

static int load(struct fw_config *cfg, const char *path)
{
    assert_int_equal(fw_config_defaults(cfg), 0);
    return fw_config_load(cfg, path, err, sizeof(err));
}

/* err holds the exact line (plus newline). */
static void assert_err_line(const char *line)
{
    char want[1024];

    snprintf(want, sizeof(want), "%s\n", line);
    if (!strstr(err, want))
        fail_msg("missing error line:\n  %s\ngot:\n%s", line, err);
}

static size_t err_lines(void)
{
    size_t n = 0;
    const char *p;

    for (p = err; *p; p++)
        n += *p == '\n';
    return n;
}

static struct fw_ip ip(const char *s)
{
    struct fw_ip a;

    assert_int_equal(fw_ip_parse(s, &a), 0);
    return a;
}

static void test_defaults(void **state)
{
    struct fw_config cfg;

    (void)state;
    assert_int_equal(load(&cfg, CDIR "empty.yaml"), 0);
    assert_string_equal(err, "");
    assert_string_equal(cfg.sensor_id, "s1");
    assert_int_equal(cfg.workers, 1);
    assert_int_equal(cfg.flows_max, 1000000);
    assert_int_equal(cfg.hosts_max, 500000);
    assert_string_equal(cfg.bpf_filter, "");
    assert_int_equal(cfg.capture_buffer, 64u << 20);
    assert_int_equal(cfg.snaplen, 65535);
    assert_int_equal(cfg.tcp_idle_us, 300 * FW_USEC_PER_SEC);
    assert_int_equal(cfg.tcp_closed_us, 10 * FW_USEC_PER_SEC);
    assert_int_equal(cfg.udp_idle_us, 60 * FW_USEC_PER_SEC);
    assert_int_equal(cfg.nrule_paths, 1);
    assert_string_equal(cfg.rule_paths[0], "rules/detections");
    assert_int_equal(cfg.reload, FW_RELOAD_WATCH);
    assert_string_equal(cfg.redis_url, "redis://127.0.0.1:6379/0");
    assert_string_equal(cfg.redis_prefix, "fw:");
    assert_string_equal(cfg.spool_dir, "/var/lib/finwatch/spool");
    assert_int_equal(cfg.spool_max, 1ull << 30);
    assert_int_equal(cfg.stream_maxlen, 100000);
    assert_int_equal(cfg.redis_timeout_us, 2 * FW_USEC_PER_SEC);
    assert_string_equal(cfg.flows_path, "");
    assert_string_equal(cfg.alerts_path, "");
    assert_int_equal(cfg.rotate_size, 0);
    assert_int_equal(cfg.half_life_us, 3600 * FW_USEC_PER_SEC);
    assert_int_equal(cfg.nzones, 0);
    assert_int_equal(cfg.ndeny, 0);
    assert_int_equal(cfg.log_level, FW_LOG_WARN);
    assert_false(cfg.syslog);
    assert_string_equal(cfg.path, CDIR "empty.yaml");
    fw_config_free(&cfg);
}

/* The shipped config gives exactly the zone map and policy of DESIGN.md. */
static void test_shipped_config(void **state)
{
    static const struct { const char *name, *cidr; int crit; } zones[] = {
        {"core-banking", "10.10.0.0/16", 5}, {"swift", "10.30.0.0/24", 5},
        {"trading", "10.40.0.0/16", 4},      {"card", "10.50.0.0/16", 5},
        {"atm", "10.60.0.0/16", 3},          {"branch", "10.20.0.0/16", 2},
        {"dmz", "172.16.0.0/24", 3},
    };
    struct fw_config cfg;
    char buf[64];
    size_t i;

    (void)state;
    if (load(&cfg, "configs/finwatch.yaml") != 0)
        fail_msg("configs/finwatch.yaml: %s", err);
    assert_int_equal(cfg.nzones, 7);
    for (i = 0; i < 7; i++) {
        assert_string_equal(cfg.zones[i].name, zones[i].name);
        assert_int_equal(cfg.zones[i].ncidrs, 1);
        assert_string_equal(fw_cidr_str(&cfg.zones[i].cidrs[0], buf, sizeof(buf)),
                            zones[i].cidr);
        assert_int_equal(cfg.zones[i].criticality, zones[i].crit);
    }
    assert_int_equal(cfg.ndeny, 3);
    assert_true(fw_config_denied(&cfg, fw_config_zone_find(&cfg, "branch"),
                                 fw_config_zone_find(&cfg, "swift")));
    assert_true(fw_config_denied(&cfg, fw_config_zone_find(&cfg, "atm"), FLOW_ZONE_EXTERNAL));
    assert_true(fw_config_denied(&cfg, FLOW_ZONE_EXTERNAL,
                                 fw_config_zone_find(&cfg, "core-banking")));
    assert_false(fw_config_denied(&cfg, fw_config_zone_find(&cfg, "swift"),
                                  fw_config_zone_find(&cfg, "branch")));
    /* The rest equals the defaults. */
    assert_string_equal(cfg.sensor_id, "s1");
    assert_int_equal(cfg.workers, 1);
    assert_int_equal(cfg.spool_max, 1ull << 30);
    assert_int_equal(cfg.half_life_us, 3600 * FW_USEC_PER_SEC);
    assert_int_equal(cfg.nexpected, 0);
    assert_int_equal(cfg.reload, FW_RELOAD_WATCH);
    fw_config_free(&cfg);
}

static void test_full_config(void **state)
{
    struct fw_config cfg;
    char buf[64];

    (void)state;
    if (load(&cfg, CDIR "full.yaml") != 0)
        fail_msg("full.yaml: %s", err);
    assert_string_equal(cfg.sensor_id, "dc1-span3");
    assert_int_equal(cfg.workers, 8);
    assert_int_equal(cfg.flows_max, 2000000);
    assert_int_equal(cfg.hosts_max, 100000);
    assert_string_equal(cfg.bpf_filter, "not port 22");
    assert_int_equal(cfg.capture_buffer, 256u << 20);
    assert_int_equal(cfg.snaplen, 1600);
    assert_int_equal(cfg.tcp_idle_us, 600 * FW_USEC_PER_SEC);
    assert_int_equal(cfg.tcp_closed_us, 5 * FW_USEC_PER_SEC);
    assert_int_equal(cfg.udp_idle_us, 30 * FW_USEC_PER_SEC);
    assert_int_equal(cfg.nrule_paths, 2);
    assert_string_equal(cfg.rule_paths[1], "local.yaml");
    assert_int_equal(cfg.reload, FW_RELOAD_SIGNAL);
    assert_string_equal(cfg.redis_url, "");
    assert_string_equal(cfg.redis_prefix, "bank:");
    assert_string_equal(cfg.spool_dir, "/srv/spool");
    assert_int_equal(cfg.spool_max, 512000000);
    assert_int_equal(cfg.stream_maxlen, 5000);
    assert_int_equal(cfg.redis_timeout_us, 500000);
    assert_string_equal(cfg.flows_path, "-");
    assert_string_equal(cfg.alerts_path, "/var/log/finwatch/alerts.json");
    assert_int_equal(cfg.rotate_size, 1ull << 30);
    assert_int_equal(cfg.rotate_interval_us, 86400 * FW_USEC_PER_SEC);
    assert_int_equal(cfg.half_life_us, 1800 * FW_USEC_PER_SEC);
    assert_int_equal(cfg.nzones, 2);
    assert_int_equal(cfg.zones[0].ncidrs, 2);
    assert_int_equal(cfg.zones[1].criticality, 3);      /* default */
    assert_int_equal(cfg.nexpected, 2);
    assert_string_equal(fw_cidr_str(&cfg.expected[0].src, buf, sizeof(buf)), "10.10.5.10/32");
    assert_int_equal(cfg.expected[0].dport, 161);
    assert_int_equal(cfg.expected[1].dport, 0);
    assert_int_equal(cfg.log_level, FW_LOG_DEBUG);
    assert_true(cfg.syslog);
    fw_config_free(&cfg);
}

static void test_bad_keys(void **state)
{
    struct fw_config cfg;

    (void)state;
    assert_int_equal(load(&cfg, CDIR "bad_keys.yaml"), FW_EPARSE);
    assert_err_line(CDIR "bad_keys.yaml:3:3: error: unknown key 'wokers' in 'sensor' "
                    "(expected: id, workers, flows_max, hosts_max)");
    assert_err_line(CDIR "bad_keys.yaml:4:14: error: 'sensor.flows_max' must be at least 1, "
                    "got 0");
    assert_err_line(CDIR "bad_keys.yaml:5:14: error: 'sensor.hosts_max' must not be negative, "
                    "got -5");
    assert_err_line(CDIR "bad_keys.yaml:6:12: error: 'sensor.workers' must be between 1 and "
                    "64, got 100");
    assert_err_line(CDIR "bad_keys.yaml:8:13: error: bad duration '5x' for 'timeouts.tcp_idle' "
                    "(a number with unit us, ms, s, m, h, d or w, e.g. 300s)");
    assert_err_line(CDIR "bad_keys.yaml:9:13: error: 'timeouts.udp_idle' must be greater "
                    "than 0");
    assert_err_line(CDIR "bad_keys.yaml:11:14: error: bad size '1XB' for 'redis.spool_max' "
                    "(bytes, or a number with unit KiB, MiB, GiB, TiB, KB, MB, GB or TB, "
                    "e.g. 64MiB)");
    assert_err_line(CDIR "bad_keys.yaml:12:12: error: expected a duration (e.g. 300s) for "
                    "'redis.timeout', got a list");
    assert_err_line(CDIR "bad_keys.yaml:13:10: error: expected a mapping for 'capture', "
                    "got a list");
    assert_err_line(CDIR "bad_keys.yaml:14:14: error: expected one of error, warning, info, "
                    "debug for 'log.level', got 'loud'");
    assert_err_line(CDIR "bad_keys.yaml:14:28: error: expected true or false for "
                    "'log.syslog', got 'maybe'");
    assert_err_line(CDIR "bad_keys.yaml:15:16: error: expected a list of paths for "
                    "'rules.paths', got 'rules'");
    assert_err_line(CDIR "bad_keys.yaml:15:31: error: expected 'watch' or 'signal' for "
                    "'rules.reload', got 'never'");
    assert_err_line(CDIR "bad_keys.yaml:16:1: error: unknown top-level key 'colour' "
                    "(expected: sensor, capture, timeouts, rules, redis, output, scoring, "
                    "zones, policy, expected, log)");
    assert_int_equal(err_lines(), 14);
    /* A failed load leaves the caller's config as it was. */
    assert_int_equal(cfg.workers, 1);
    assert_string_equal(cfg.path, "");
    fw_config_free(&cfg);
}

static void test_bad_zones(void **state)
{
    struct fw_config cfg;

    (void)state;
    assert_int_equal(load(&cfg, CDIR "bad_zones.yaml"), FW_EPARSE);
    /* Policy comes first in the file but is checked against the zones. */
    assert_err_line(CDIR "bad_zones.yaml:4:24: error: unknown zone 'nowhere' in "
                    "'policy.deny.to' (zones: core, swift, lab, external)");
    assert_err_line(CDIR "bad_zones.yaml:6:7: error: 'policy.deny' entry needs both 'from' "
                    "and 'to'");
    assert_err_line(CDIR "bad_zones.yaml:9:41: error: CIDR 10.10.5.0/24 overlaps 10.10.0.0/16 "
                    "of zone 'core' (line 8)");
    assert_err_line(CDIR "bad_zones.yaml:9:69: error: 'zones.criticality' must be between 1 "
                    "and 5, got 6");
    assert_err_line(CDIR "bad_zones.yaml:10:12: error: duplicate zone name 'core' (first at "
                    "line 8)");
    assert_err_line(CDIR "bad_zones.yaml:10:26: error: bad CIDR '10.99.0.1/16' (expected e.g. "
                    "10.10.0.0/16 or 2001:db8::/32, host bits zero)");
    assert_err_line(CDIR "bad_zones.yaml:11:12: error: zone name 'external' is reserved for "
                    "addresses in no zone");
    assert_err_line(CDIR "bad_zones.yaml:12:39: error: CIDR 10.70.0.128/25 overlaps "
                    "10.70.0.0/24 of zone 'lab' (line 12)");
    assert_err_line(CDIR "bad_zones.yaml:13:12: error: bad zone name 'bad name' (1 to 31 "
                    "characters of a-z, A-Z, 0-9, '-', '_', '.')");
    assert_err_line(CDIR "bad_zones.yaml:13:31: error: expected a non-empty list of CIDRs for "
                    "'zones.cidrs', got an empty list");
    assert_int_equal(err_lines(), 10);
    assert_int_equal(cfg.nzones, 0);
    fw_config_free(&cfg);
}

static void test_yaml_errors(void **state)
{
    struct fw_config cfg;

    (void)state;
    assert_int_equal(load(&cfg, CDIR "dup_key.yaml"), FW_EPARSE);
    assert_string_equal(err,
        CDIR "dup_key.yaml:5:3: error: duplicate key 'id' (first at line 3) [E002]\n"
        CDIR "dup_key.yaml:6:1: error: duplicate key 'sensor' (first at line 2) [E002]\n");
    fw_config_free(&cfg);

    assert_int_equal(load(&cfg, CDIR "syntax.yaml"), FW_EPARSE);
    assert_string_equal(err,
        CDIR "syntax.yaml:3:10: error: YAML syntax: did not find expected ',' or ']' while "
        "parsing a flow sequence started at line 2 [E001]\n");
    fw_config_free(&cfg);

    assert_int_equal(load(&cfg, CDIR "does-not-exist.yaml"), FW_ENOENT);
    assert_string_equal(err, CDIR "does-not-exist.yaml: cannot open: No such file or "
                        "directory\n");
    fw_config_free(&cfg);
}

static void test_zone_lookup(void **state)
{
    struct fw_config cfg;
    struct fw_ip a;
    int core, lab;

    (void)state;
    if (load(&cfg, CDIR "full.yaml") != 0)
        fail_msg("full.yaml: %s", err);
    core = fw_config_zone_find(&cfg, "core");
    lab = fw_config_zone_find(&cfg, "lab");
    assert_int_equal(core, 0);
    assert_int_equal(lab, 1);
    assert_int_equal(fw_config_zone_find(&cfg, "external"), FLOW_ZONE_EXTERNAL);
    assert_int_equal(fw_config_zone_find(&cfg, "nope"), -2);
    a = ip("10.10.200.1");
    assert_int_equal(fw_config_zone_of(&cfg, &a), core);
    a = ip("2001:db8:10:ffff::1");
    assert_int_equal(fw_config_zone_of(&cfg, &a), core);
    a = ip("2001:db8:11::1");
    assert_int_equal(fw_config_zone_of(&cfg, &a), FLOW_ZONE_EXTERNAL);
    a = ip("192.168.7.255");
    assert_int_equal(fw_config_zone_of(&cfg, &a), lab);
    a = ip("192.168.8.0");
    assert_int_equal(fw_config_zone_of(&cfg, &a), FLOW_ZONE_EXTERNAL);
    a = ip("10.11.0.1");
    assert_int_equal(fw_config_zone_of(&cfg, &a), FLOW_ZONE_EXTERNAL);
    assert_string_equal(fw_config_zone_name(&cfg, lab), "lab");
    assert_string_equal(fw_config_zone_name(&cfg, FLOW_ZONE_EXTERNAL), "external");
    assert_int_equal(fw_config_zone_criticality(&cfg, core), 5);
    assert_int_equal(fw_config_zone_criticality(&cfg, FLOW_ZONE_EXTERNAL), 1);
    assert_false(fw_config_denied(&cfg, core, lab));    /* no policy in full.yaml */
    fw_config_free(&cfg);
}

/* The sorted range index answers exactly as a scan of the zones: a generated
 * zone map of 300 v4 and 60 v6 CIDRs of every prefix length (the zone YAML
 * written out and loaded, so the loader builds the index), probed at every
 * range's edges and just outside them, and at random addresses. */
static void test_zone_index_matches_scan(void **state)
{
    char path[] = "/tmp/fw-test-zones.XXXXXX";
    struct fw_config cfg, scan;
    unsigned i, seed = 12345, zone = 0;
    int fd = mkstemp(path);
    FILE *f;

    (void)state;
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fprintf(f, "zones:\n");
    for (i = 0; i < 360; i++) {
        if (i % 12 == 0) {
            fprintf(f, "  - {name: z%u, criticality: %u, cidrs: [", zone, 1 + zone % 5);
            zone++;
        }
        if (i < 300) {  /* disjoint: one /16 each, a prefix of 16..32 inside it */
            unsigned plen = 16 + i % 17, o3 = (i * 7) % 256;

            if (plen < 24)
                o3 &= (0xffu << (24 - plen)) & 0xffu;
            fprintf(f, "%u.%u.%u.0/%u", 10 + i / 256, i % 256, o3, plen);
        }
        else
            fprintf(f, "2001:db8:%x::/%u", i, 48 + i % 81);
        fprintf(f, "%s", i % 12 == 11 ? "]}\n" : ", ");
    }
    fclose(f);
    if (load(&cfg, path) != 0)
        fail_msg("%s: %s", path, err);
    unlink(path);
    assert_int_equal(cfg.nzone_ranges, 360);
    scan = cfg;
    scan.zone_ranges = NULL;            /* the same zones, looked up by scanning */
    for (i = 0; i < cfg.nzone_ranges + 20000; i++) {
        struct fw_ip a = {0};
        unsigned k;

        if (i < cfg.nzone_ranges) {
            const struct fw_zone_range *r = &cfg.zone_ranges[i];
            struct fw_ip e = {.family = r->family};
            size_t len = r->family == 4 ? 4 : 16;
            int bump;

            for (bump = 0; bump < 4; bump++) {      /* lo, hi, lo - 1, hi + 1 */
                memcpy(e.b, bump % 2 ? r->hi : r->lo, len);
                for (k = (unsigned)len; bump >= 2 && k-- > 0;)
                    if (bump == 2 ? e.b[k]-- != 0 : ++e.b[k] != 0)
                        break;
                assert_int_equal(fw_config_zone_of(&cfg, &e), fw_config_zone_of(&scan, &e));
                if (bump < 2)
                    assert_int_equal(fw_config_zone_of(&cfg, &e), r->zone);
            }
            continue;
        }
        a.family = i % 3 ? 4 : 6;
        for (k = 0; k < 16; k++) {
            seed = seed * 1103515245u + 12345u;
            a.b[k] = (uint8_t)(seed >> 16);
        }
        if (a.family == 4) {
            a.b[0] = (uint8_t)(10 + a.b[0] % 2);
            memset(a.b + 4, 0, 12);
        } else {
            a.b[0] = 0x20, a.b[1] = 0x01, a.b[2] = 0x0d, a.b[3] = 0xb8, a.b[4] = 0x01;
        }
        assert_int_equal(fw_config_zone_of(&cfg, &a), fw_config_zone_of(&scan, &a));
    }
    fw_config_free(&cfg);
}

/* A second load replaces the first (reload), freeing what it owned. */
static void test_reload_replaces(void **state)
{
    struct fw_config cfg;

    (void)state;
    assert_int_equal(load(&cfg, CDIR "full.yaml"), 0);
    assert_int_equal(fw_config_load(&cfg, "configs/finwatch.yaml", err, sizeof(err)), 0);
    assert_int_equal(cfg.nzones, 7);
    assert_int_equal(cfg.workers, 1);
    assert_int_equal(cfg.nexpected, 0);
    assert_int_equal(fw_config_load(&cfg, CDIR "bad_zones.yaml", err, sizeof(err)),
                     FW_EPARSE);
    assert_int_equal(cfg.nzones, 7);                    /* untouched */
    fw_config_free(&cfg);
    fw_config_free(&cfg);                               /* idempotent */
}

static int chdir_root(void **state)
{
    const char *root = getenv("FW_ROOT");

    (void)state;
    if (root && chdir(root) != 0)
        return -1;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_shipped_config),
        cmocka_unit_test(test_full_config),
        cmocka_unit_test(test_bad_keys),
        cmocka_unit_test(test_bad_zones),
        cmocka_unit_test(test_yaml_errors),
        cmocka_unit_test(test_zone_lookup),
        cmocka_unit_test(test_zone_index_matches_scan),
        cmocka_unit_test(test_reload_replaces),
    };

    return cmocka_run_group_tests(tests, chdir_root, NULL);
}
