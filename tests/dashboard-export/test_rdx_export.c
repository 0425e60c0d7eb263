/* tests/dashboard-export/test_rdx_export.c: the exporter against a real
 * redis-server: documented key types and contents, exactly-once delivery across
 * an outage, refused writes (OOM), wrong password, a server that never answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dashboard-export/redis_helper.h"
#include "fw_config.h"
#include "fw_time.h"
#include "rdx_export.h"

#define NALERTS_MAX 400

static struct th_redis srv;
static struct fw_config cfg;
static char spool[160];

static int setup(void **state)
{
    (void)state;
    if (!th_have_redis())
        return 0;
    memset(&srv, 0, sizeof(srv));
    if (th_redis_start(&srv) != 0)
        return -1;
    if (fw_config_defaults(&cfg) != 0)
        return -1;
    snprintf(cfg.sensor_id, sizeof(cfg.sensor_id), "t1");
    snprintf(cfg.redis_url, sizeof(cfg.redis_url), "redis://127.0.0.1:%d/0", srv.port);
    snprintf(spool, sizeof(spool), "%s/spool", srv.dir);
    snprintf(cfg.spool_dir, sizeof(cfg.spool_dir), "%s", spool);
    cfg.redis_timeout_us = 300000;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_redis_cleanup(&srv);
    fw_config_free(&cfg);
    return 0;
}

static void need_redis(void)
{
    if (!th_have_redis() || srv.pid <= 0)
        skip();
}

/* Alert i: host 10.20.0.(i%5+1) in zone branch scanning 10.10.0.9 in core-banking. */
static void mk_alert(struct anz_alert *a, unsigned i, uint8_t sev)
{
    char ip[32];

    memset(a, 0, sizeof(*a));
    snprintf(a->id, sizeof(a->id), "a%06u", i);
    a->ts_us = 1700000000ull * FW_USEC_PER_SEC + (uint64_t)i * FW_USEC_PER_SEC;
    a->first_us = a->ts_us;
    snprintf(a->rule_id, sizeof(a->rule_id), "FW-TEST-%03u", i % 3);
    snprintf(a->rule_name, sizeof(a->rule_name), "test rule \"%u\"", i % 3);
    snprintf(a->rule_version, sizeof(a->rule_version), "1");
    snprintf(a->ruleset, sizeof(a->ruleset), "default");
    a->analyzer = ANZ_SCAN;
    a->severity = sev;
    a->blame = ANZ_BLAME_SRC;
    snprintf(a->techniques[0], sizeof(a->techniques[0]), "T1046");
    snprintf(a->reason, sizeof(a->reason), "host scanned %u ports", i);
    snprintf(ip, sizeof(ip), "10.20.0.%u", i % 5 + 1);
    fw_ip_parse(ip, &a->src);
    fw_ip_parse("10.10.0.9", &a->dst);
    a->sport = 40000;
    a->dport = 445;
    a->proto = 6;
    snprintf(a->zone_src, sizeof(a->zone_src), "branch");
    snprintf(a->zone_dst, sizeof(a->zone_dst), "core-banking");
    a->score = 10;
    a->host_score = 10;
    snprintf(a->evidence, sizeof(a->evidence), "{\"ports\":%u}", i);
    snprintf(a->app, sizeof(a->app), "SMBv23");
}

static struct rdx_export *mk_export(void)
{
    char err[256] = "";
    struct rdx_export *x = rdx_export_create(&cfg, err, sizeof(err));

    if (!x)
        fprintf(stderr, "# %s\n", err);
    assert_non_null(x);
    return x;
}

/* Tick for ms milliseconds (the pipeline ticks every <= 100 ms). */
static void pump(struct rdx_export *x, long ms)
{
    struct rdx_sensor_status s;
    long t;

    memset(&s, 0, sizeof(s));
    s.uptime_s = 5;
    s.pps = 100;
    s.ruleset_hash = "abc123";
    snprintf(s.counters_json, sizeof(s.counters_json), "{\"packets\":7}");
    for (t = 0; t < ms; t += 20) {
        rdx_export_tick(x, fw_time_now_us(), &s);
        th_sleep_ms(20);
    }
}

/* How many times each alert id a000000.. appears in fw:alerts. */
static void stream_counts(unsigned *counts, unsigned n)
{
    redisReply *rep = th_cmd(&srv, "XRANGE fw:alerts - +");
    size_t i, j;

    memset(counts, 0, n * sizeof(*counts));
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_ARRAY);
    for (i = 0; i < rep->elements; i++) {
        redisReply *fields = rep->element[i]->element[1];
        for (j = 0; j + 1 < fields->elements; j += 2) {
            if (strcmp(fields->element[j]->str, "id") != 0)
                continue;
            unsigned k = (unsigned)strtoul(fields->element[j + 1]->str + 1, NULL, 10);
            if (k < n)
                counts[k]++;
        }
    }
    freeReplyObject(rep);
}

static void assert_each_once(unsigned n)
{
    unsigned counts[NALERTS_MAX], i;

    stream_counts(counts, NALERTS_MAX);
    for (i = 0; i < n; i++) {
        if (counts[i] != 1)
            fprintf(stderr, "# alert a%06u seen %u times\n", i, counts[i]);
        assert_int_equal(counts[i], 1);
    }
    assert_int_equal(th_int(&srv, "XLEN %s", "fw:alerts"), n);
}

static void assert_type(const char *key, const char *type)
{
    char buf[32];

    if (strcmp(th_type(&srv, key, buf, sizeof(buf)), type) != 0)
        fprintf(stderr, "# %s is %s, want %s\n", key, buf, type);
    assert_string_equal(buf, type);
}

static void assert_hash_has(const char *key, const char *const *fields)
{
    for (; *fields; fields++) {
        redisReply *rep = th_cmd(&srv, "HEXISTS %s %s", key, *fields);
        assert_non_null(rep);
        if (rep->integer != 1)
            fprintf(stderr, "# %s has no field %s\n", key, *fields);
        assert_int_equal(rep->integer, 1);
        freeReplyObject(rep);
    }
}

static void test_keys_have_documented_types(void **state)
{
    static const char *const host_fields[] = {
        "score", "zone", "first_seen", "last_seen", "alerts", "alerts_low", "alerts_medium",
        "alerts_high", "alerts_critical", "top_rules", "top_apps", NULL};
    static const char *const zone_fields[] = {"score", "trend", "forecast", "alerts_low",
                                              "alerts_medium", "alerts_high",
                                              "alerts_critical", NULL};
    static const char *const sensor_fields[] = {
        "version", "uptime", "pps", "bps", "drops", "flows", "ruleset", "spool_bytes",
        "spool_dropped", "redis_backlog", "counters", NULL};
    struct rdx_export *x;
    struct anz_alert a;
    unsigned i;
    long long ttl;

    (void)state;
    need_redis();
    x = mk_export();
    for (i = 0; i < 20; i++) {
        mk_alert(&a, i, (uint8_t)(i * 5));
        rdx_export_alert(x, &a);
    }
    pump(x, 300);
    rdx_export_flush(x, 1000000);
    assert_type("fw:alerts", "stream");
    assert_each_once(20);
    assert_type("fw:map:hosts", "zset");
    assert_int_equal(th_int(&srv, "ZCARD %s", "fw:map:hosts"), 5);
    assert_type("fw:map:edges", "zset");
    redisReply *rep = th_cmd(&srv, "ZSCORE fw:map:edges %s", "10.20.0.1>10.10.0.9");
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_STRING);
    assert_true(strtod(rep->str, NULL) > 30);      /* 4 alerts of 10 points, barely decayed */
    freeReplyObject(rep);
    assert_type("fw:host:10.20.0.1", "hash");
    assert_hash_has("fw:host:10.20.0.1", host_fields);
    ttl = th_int(&srv, "TTL %s", "fw:host:10.20.0.1");
    assert_true(ttl > 604000 && ttl <= 604800);
    assert_type("fw:zone:branch", "hash");
    assert_hash_has("fw:zone:branch", zone_fields);
    assert_type("fw:zone:branch:trend", "zset");
    assert_type("fw:sensor:t1", "hash");
    assert_hash_has("fw:sensor:t1", sensor_fields);
    ttl = th_int(&srv, "TTL %s", "fw:sensor:t1");
    assert_true(ttl > 0 && ttl <= 30);
    /* markers: one hash per UTC day of the alerts (1700000000 s: 2023-11-14) */
    assert_type("fw:alerts:seen:2023-11-14", "hash");
    assert_int_equal(th_int(&srv, "HEXISTS fw:alerts:seen:2023-11-14 %s", "a000003"), 1);
    ttl = th_int(&srv, "TTL %s", "fw:alerts:seen:2023-11-14");
    assert_true(ttl > 604000 && ttl <= 604800);
    /* top_rules is JSON naming the rules */
    rep = th_cmd(&srv, "HGET fw:host:10.20.0.1 %s", "top_rules");
    assert_non_null(rep);
    assert_non_null(strstr(rep->str, "\"rule\":\"FW-TEST-"));
    freeReplyObject(rep);
    rdx_export_destroy(x);
}

static void test_stream_entry_fields(void **state)
{
    static const char *const want[] = {"id", "ts", "sensor", "rule", "severity", "score",
                                       "analyzer", "src", "dst", "json"};
    struct rdx_export *x;
    struct anz_alert a;
    redisReply *rep;
    size_t i, j;

    (void)state;
    need_redis();
    x = mk_export();
    mk_alert(&a, 0, 77);
    rdx_export_alert(x, &a);
    a.updates = 1;          /* an update is a second, marked entry */
    a.ts_us += FW_USEC_PER_SEC;
    rdx_export_alert(x, &a);
    rdx_export_alert(x, &a);    /* the same update again: not duplicated */
    rdx_export_flush(x, 1000000);
    rep = th_cmd(&srv, "XRANGE fw:alerts - +");
    assert_non_null(rep);
    assert_int_equal(rep->elements, 2);
    redisReply *f = rep->element[0]->element[1];
    for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        bool found = false;
        for (j = 0; j + 1 < f->elements; j += 2)
            found |= strcmp(f->element[j]->str, want[i]) == 0;
        assert_true(found);
    }
    /* the second entry carries "update" "1" */
    f = rep->element[1]->element[1];
    bool upd = false;
    for (j = 0; j + 1 < f->elements; j += 2)
        upd |= strcmp(f->element[j]->str, "update") == 0 &&
               strcmp(f->element[j + 1]->str, "1") == 0;
    assert_true(upd);
    freeReplyObject(rep);
    rdx_export_destroy(x);
}

static void test_outage_exactly_once(void **state)
{
    struct rdx_export_stats st;
    struct rdx_export *x;
    struct anz_alert a;
    unsigned i;

    (void)state;
    need_redis();
    x = mk_export();
    for (i = 0; i < 100; i++) {
        mk_alert(&a, i, (uint8_t)(i % 100));
        rdx_export_alert(x, &a);
    }
    pump(x, 200);
    th_redis_stop(&srv);                /* Redis goes away mid-run */
    for (i = 100; i < 250; i++) {
        mk_alert(&a, i, (uint8_t)(i % 100));
        rdx_export_alert(x, &a);
        if (i % 25 == 0)
            pump(x, 40);
    }
    pump(x, 100);
    rdx_export_stats(x, &st);
    assert_false(st.redis_up);
    assert_true(st.spooled >= 150);
    assert_int_equal(th_redis_start(&srv), 0);   /* same port, data kept (AOF) */
    for (i = 250; i < 300; i++) {       /* new alerts while the spool drains */
        mk_alert(&a, i, 50);
        rdx_export_alert(x, &a);
    }
    for (i = 0; i < 400; i++) {
        pump(x, 50);
        rdx_export_stats(x, &st);
        if (st.redis_up && st.spool_replayed >= st.spooled)
            break;
    }
    rdx_export_flush(x, 2000000);
    rdx_export_stats(x, &st);
    assert_true(st.redis_up);
    assert_true(st.redis_reconnects >= 1);
    assert_int_equal(st.spool_dropped, 0);
    assert_each_once(300);
    /* replaying everything again (a crash after send, before commit) adds nothing */
    for (i = 0; i < 300; i++) {
        mk_alert(&a, i, 50);
        rdx_export_alert(x, &a);
    }
    rdx_export_flush(x, 2000000);
    assert_each_once(300);
    rdx_export_destroy(x);
}

static void set_config(const char *name, const char *value)
{
    redisReply *rep = th_cmd(&srv, "CONFIG SET %s %s", name, value);

    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_STATUS);
    freeReplyObject(rep);
}

static void test_oom_refusal_spools_then_recovers(void **state)
{
    struct rdx_export_stats st;
    struct rdx_export *x;
    struct anz_alert a;
    unsigned i;

    (void)state;
    need_redis();
    x = mk_export();
    set_config("maxmemory-policy", "noeviction");
    set_config("maxmemory", "1");
    for (i = 0; i < 50; i++) {
        mk_alert(&a, i, 60);
        rdx_export_alert(x, &a);
    }
    pump(x, 300);
    rdx_export_stats(x, &st);
    assert_true(st.spooled >= 50);
    assert_true(st.redis_errors > 0);
    assert_int_equal(th_int(&srv, "EXISTS %s", "fw:alerts"), 0);
    set_config("maxmemory", "0");
    for (i = 0; i < 200; i++) {
        pump(x, 50);
        rdx_export_stats(x, &st);
        if (st.redis_up && st.spool_replayed >= st.spooled)
            break;
    }
    rdx_export_flush(x, 2000000);
    assert_each_once(50);
    rdx_export_destroy(x);
}

static void test_wrong_password_spools(void **state)
{
    struct rdx_export_stats st;
    struct rdx_export *x;
    struct anz_alert a;
    unsigned i;
    uint64_t t0;

    (void)state;
    need_redis();
    set_config("requirepass", "s3cret");
    x = mk_export();                    /* URL without the password */
    t0 = fw_time_mono_us();
    for (i = 0; i < 10; i++) {
        mk_alert(&a, i, 95);
        rdx_export_alert(x, &a);
    }
    rdx_export_flush(x, 500000);
    rdx_export_stats(x, &st);
    assert_false(st.redis_up);
    assert_int_equal(st.spooled, 10);
    assert_true(fw_time_mono_us() - t0 < 3000000);
    rdx_export_destroy(x);
    /* the right password: the spool left behind is replayed */
    snprintf(cfg.redis_url, sizeof(cfg.redis_url), "redis://:s3cret@127.0.0.1:%d/0", srv.port);
    x = mk_export();
    rdx_export_flush(x, 2000000);
    rdx_export_stats(x, &st);
    assert_true(st.redis_up);
    rdx_export_destroy(x);
    redisContext *c = th_connect(&srv);
    assert_non_null(c);
    redisReply *rep = redisCommand(c, "AUTH s3cret");
    freeReplyObject(rep);
    rep = redisCommand(c, "XLEN fw:alerts");
    assert_int_equal(rep->integer, 10);
    freeReplyObject(rep);
    rep = redisCommand(c, "CONFIG SET requirepass %s", "");
    freeReplyObject(rep);
    redisFree(c);
}

static void test_silent_server_bounded(void **state)
{
    struct sockaddr_in addr = {.sin_family = AF_INET};
    struct rdx_export_stats st;
    struct rdx_export *x;
    struct anz_alert a;
    socklen_t len = sizeof(addr);
    uint64_t t0, took;
    unsigned i;
    int lfd;

    (void)state;
    need_redis();
    /* a listener that completes handshakes (backlog) and never says a word */
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(lfd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(listen(lfd, 16), 0);
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&addr, &len), 0);
    snprintf(cfg.redis_url, sizeof(cfg.redis_url), "redis://127.0.0.1:%d/0",
             ntohs(addr.sin_port));
    t0 = fw_time_mono_us();
    x = mk_export();
    for (i = 0; i < 20; i++) {
        mk_alert(&a, i, 80);
        rdx_export_alert(x, &a);
    }
    pump(x, 200);
    rdx_export_flush(x, 500000);
    took = fw_time_mono_us() - t0;
    rdx_export_stats(x, &st);
    assert_false(st.redis_up);
    assert_int_equal(st.spooled, 20);
    /* connect + one setup command time out at 300 ms each, plus the 200 ms pump */
    fprintf(stderr, "# silent server: %llu ms\n", (unsigned long long)(took / 1000));
    assert_true(took < 2500000);
    rdx_export_destroy(x);
    close(lfd);
}

static void test_no_redis_only_files(void **state)
{
    char path[200], line[8192];
    struct rdx_export *x;
    struct anz_alert a;
    FILE *f;
    int n = 0;

    (void)state;
    need_redis();
    cfg.redis_url[0] = '\0';
    snprintf(path, sizeof(path), "%s/alerts.jsonl", srv.dir);
    snprintf(cfg.alerts_path, sizeof(cfg.alerts_path), "%s", path);
    x = mk_export();
    mk_alert(&a, 1, 50);
    rdx_export_alert(x, &a);
    rdx_export_flush(x, 0);
    rdx_export_destroy(x);
    f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f))
        n++;
    fclose(f);
    assert_int_equal(n, 1);
    assert_non_null(strstr(line, "\"kind\":\"alert\""));
    cfg.alerts_path[0] = '\0';
}

static void test_agent_mode_writes_ingest_only(void **state)
{
    struct rdx_export *x;
    struct anz_alert a;
    unsigned i;

    (void)state;
    need_redis();
    x = mk_export();
    rdx_export_set_agent(x, true);
    for (i = 0; i < 30; i++) {
        mk_alert(&a, i % 20, 70);       /* 10 repeats: deduplicated */
        rdx_export_alert(x, &a);
    }
    pump(x, 100);
    rdx_export_flush(x, 1000000);
    assert_type("fw:ingest", "stream");
    assert_int_equal(th_int(&srv, "XLEN %s", "fw:ingest"), 20);
    assert_int_equal(th_int(&srv, "EXISTS %s", "fw:alerts"), 0);
    assert_int_equal(th_int(&srv, "EXISTS %s", "fw:map:hosts"), 0);
    assert_type("fw:ingest:t1:seen:2023-11-14", "hash");    /* markers carry the sensor */
    assert_int_equal(th_int(&srv, "HEXISTS fw:ingest:t1:seen:2023-11-14 %s", "a000007"), 1);
    assert_type("fw:sensor:t1", "hash");        /* the heartbeat stays the sensor's */
    rdx_export_destroy(x);
}

/* More alerts than one send carries (RDX_BATCH_CMDS: several transactions),
 * sent twice, with the script cache flushed in between (the writer needs no
 * script): each alert is in the stream once, in order, and updates get their
 * own entries. */
static void test_batches_exactly_once_sent_twice(void **state)
{
    struct rdx_export_stats st;
    struct rdx_export *x;
    struct anz_alert a;
    redisReply *rep;
    unsigned i, round;
    size_t k;

    (void)state;
    need_redis();
    x = mk_export();
    for (round = 0; round < 2; round++) {
        for (i = 0; i < 390; i++) {
            mk_alert(&a, i, 50);
            rdx_export_alert(x, &a);
        }
        rdx_export_flush(x, 2000000);
        rep = th_cmd(&srv, "SCRIPT FLUSH");
        assert_non_null(rep);
        freeReplyObject(rep);
    }
    rdx_export_stats(x, &st);
    assert_true(st.redis_up);
    assert_int_equal(st.spooled, 0);
    assert_each_once(390);
    /* the stream keeps the order the alerts were exported in */
    rep = th_cmd(&srv, "XRANGE fw:alerts - +");
    assert_non_null(rep);
    for (k = 0; k < rep->elements; k++) {
        redisReply *f = rep->element[k]->element[1];
        char want[32];

        snprintf(want, sizeof(want), "a%06zu", k);
        assert_string_equal(f->element[1]->str, want);      /* "id" is the first field */
    }
    freeReplyObject(rep);
    mk_alert(&a, 7, 50);
    a.updates = 3;                      /* an update: its own marker, its own entry */
    rdx_export_alert(x, &a);
    rdx_export_alert(x, &a);            /* the same update again: a duplicate */
    rdx_export_flush(x, 2000000);
    assert_int_equal(th_int(&srv, "XLEN %s", "fw:alerts"), 391);
    assert_int_equal(th_int(&srv, "HEXISTS fw:alerts:seen:2023-11-14 %s", "a000007:u3"), 1);
    rdx_export_destroy(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keys_have_documented_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_entry_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outage_exactly_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batches_exactly_once_sent_twice, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_oom_refusal_spools_then_recovers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_password_spools, setup, teardown),
        cmocka_unit_test_setup_teardown(test_silent_server_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_redis_only_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agent_mode_writes_ingest_only, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
