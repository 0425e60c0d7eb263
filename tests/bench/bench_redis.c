/* tests/bench/bench_redis.c: exporter throughput and latency against a private
 * redis-server on a free loopback port.
 *
 * 1. records/s: N alerts through rdx_export_alert() with the pipeline's tick,
 *    timed until every one is confirmed in fw:alerts (XLEN), threat-map
 *    updates and PUBLISH included: "alert-equivalent records" (one alert with
 *    all its map updates; every alert here blames a new host, the worst case
 *    for the map). Also prints the commands sent on the wire and the commands
 *    Redis executed (INFO commandstats, calls inside scripts included), and
 *    the CPU seconds of this process and of redis-server: on a shared 2-core
 *    machine wall time is noisy, and alerts per CPU second of both sides is
 *    the capacity figure that does not depend on other jobs.
 * 2. alert-to-Redis latency: alerts at a steady 500/s with a 5 ms tick; a
 *    subscriber thread on fw:live stamps each arrival (PUBLISH rides in the
 *    same pipelined batch as the XADD). Prints p50 and p99.
 * One line each. Skips (exit 0) when redis-server is not installed.
 */
#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard-export/redis_helper.h"
#include "fw_config.h"
#include "fw_time.h"
#include "rdx_export.h"

#define N_THROUGHPUT 50000
#define N_LATENCY 2000

static uint64_t sent_us[N_LATENCY], recv_us[N_LATENCY];
static unsigned n_hosts;            /* BENCH_HOSTS: hosts cycle over this many; 0 = all new */
static volatile int sub_ready;

static void mk_alert(struct anz_alert *a, unsigned i)
{
    memset(a, 0, sizeof(*a));
    snprintf(a->id, sizeof(a->id), "b%07u", i);
    a->ts_us = fw_time_now_us();
    snprintf(a->rule_id, sizeof(a->rule_id), "FW-BENCH-%03u", i % 50);
    snprintf(a->rule_name, sizeof(a->rule_name), "bench rule");
    a->analyzer = ANZ_SCAN;
    a->severity = (uint8_t)(i % 100);
    unsigned h = n_hosts ? i % n_hosts : i;
    uint8_t s[4] = {10, 20, (uint8_t)(h >> 8), (uint8_t)h};
    uint8_t d[4] = {10, 10, 0, (uint8_t)(i % 16)};
    fw_ip_set4(&a->src, s);
    fw_ip_set4(&a->dst, d);
    a->dport = 445;
    a->proto = 6;
    snprintf(a->zone_src, sizeof(a->zone_src), "branch");
    snprintf(a->zone_dst, sizeof(a->zone_dst), "core-banking");
    a->score = 5;
    snprintf(a->reason, sizeof(a->reason), "bench alert %u", i);
    snprintf(a->evidence, sizeof(a->evidence), "{\"i\":%u}", i);
}

static double cpu_self(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* INFO field as a number: used_cpu_sys, used_cpu_user, total_commands_processed */
static double info_num(const struct th_redis *r, const char *section, const char *field)
{
    redisReply *rep = th_cmd(r, "INFO %s", section);
    double v = 0;
    const char *p;

    if (rep && rep->type == REDIS_REPLY_STRING && (p = strstr(rep->str, field)) &&
        p[strlen(field)] == ':')
        v = strtod(p + strlen(field) + 1, NULL);
    if (rep)
        freeReplyObject(rep);
    return v;
}

/* Sum of calls= over INFO commandstats: commands run, inside scripts too. */
static double server_calls(const struct th_redis *r)
{
    redisReply *rep = th_cmd(r, "INFO %s", "commandstats");
    const char *p;
    double v = 0;

    for (p = rep && rep->type == REDIS_REPLY_STRING ? rep->str : ""; (p = strstr(p, "calls="));
         p++)
        v += strtod(p + 6, NULL);
    if (rep)
        freeReplyObject(rep);
    return v;
}

static double server_cpu(const struct th_redis *r)
{
    return info_num(r, "cpu", "used_cpu_user") + info_num(r, "cpu", "used_cpu_sys");
}

/* BENCH_REDIS_STATS=1: Redis's own time per command type, to see which
 * writes the server's CPU goes to. */
static void print_commandstats(const struct th_redis *r)
{
    redisReply *rep = th_cmd(r, "INFO %s", "commandstats");
    const char *p, *e;

    for (p = rep && rep->type == REDIS_REPLY_STRING ? rep->str : ""; (p = strstr(p, "cmdstat_"));
         p = e) {
        e = strchr(p, '\r');
        if (!e)
            e = p + strlen(p);
        printf("bench_redis:   %.*s\n", (int)(e - p), p);
    }
    if (rep)
        freeReplyObject(rep);
}

static long long xlen(const struct th_redis *r)
{
    return th_int(r, "XLEN %s", "fw:alerts");
}

static void *subscriber(void *arg)
{
    struct th_redis *r = arg;
    redisContext *c = th_connect(r);
    redisReply *rep;
    unsigned got = 0;

    if (!c)
        return NULL;
    struct timeval tv = {.tv_sec = 5};
    redisSetTimeout(c, tv);
    rep = redisCommand(c, "SUBSCRIBE fw:live");
    if (rep)
        freeReplyObject(rep);
    sub_ready = 1;
    while (got < N_LATENCY && redisGetReply(c, (void **)&rep) == REDIS_OK && rep) {
        if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 3) {
            const char *p = strstr(rep->element[2]->str, "\"id\":\"l");
            if (p) {
                unsigned i = (unsigned)strtoul(p + 7, NULL, 10);
                if (i < N_LATENCY)
                    recv_us[i] = fw_time_mono_us();
                got++;
            }
        }
        freeReplyObject(rep);
    }
    redisFree(c);
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static void bench_throughput(struct rdx_export *x, struct th_redis *r)
{
    struct rdx_export_stats st;
    struct anz_alert a;
    uint64_t t0, t;
    double c0 = cpu_self(), s0 = server_cpu(r), k0 = server_calls(r), c, sc, k;
    unsigned i;

    t0 = fw_time_mono_us();
    for (i = 0; i < N_THROUGHPUT; i++) {
        mk_alert(&a, i);
        rdx_export_alert(x, &a);
        if (i % 256 == 0)
            rdx_export_tick(x, fw_time_now_us(), NULL);
    }
    rdx_export_flush(x, 10000000);
    while (xlen(r) < N_THROUGHPUT && fw_time_mono_us() - t0 < 60000000)
        th_sleep_ms(5);
    t = fw_time_mono_us() - t0;
    c = cpu_self() - c0;
    sc = server_cpu(r) - s0;
    k = server_calls(r) - k0 - 2;       /* less the INFO calls of this measurement */
    rdx_export_stats(x, &st);
    printf("bench_redis: %.0f alerts/s into redis-server (%d alert-equivalent records, "
           "pipelined, with map updates and PUBLISH; %lld in fw:alerts; %s)\n",
           N_THROUGHPUT / ((double)t / 1e6), N_THROUGHPUT, xlen(r),
           n_hosts ? "hosts repeat (BENCH_HOSTS)" : "a new host per alert");
    printf("bench_redis: %.0f commands/s on the wire (%llu sent), %.0f commands/s run by "
           "Redis (%.0f, script calls included)\n",
           (double)st.redis_cmds / ((double)t / 1e6), (unsigned long long)st.redis_cmds,
           k / ((double)t / 1e6), k);
    printf("bench_redis: cpu %.2f s client + %.2f s redis-server = %.0f alerts per cpu second "
           "(wall %.2f s)\n",
           c, sc, N_THROUGHPUT / (c + sc > 0 ? c + sc : 1e-9), (double)t / 1e6);
    if (getenv("BENCH_REDIS_STATS"))
        print_commandstats(r);
}

static void bench_latency(struct rdx_export *x, struct th_redis *r)
{
    uint64_t lat[N_LATENCY], next = fw_time_mono_us();
    struct anz_alert a;
    pthread_t th;
    unsigned i, n = 0;

    if (pthread_create(&th, NULL, subscriber, r) != 0)
        return;
    while (!sub_ready)
        th_sleep_ms(1);
    th_sleep_ms(50);
    for (i = 0; i < N_LATENCY; i++) {
        mk_alert(&a, i);
        snprintf(a.id, sizeof(a.id), "l%07u", i);
        sent_us[i] = fw_time_mono_us();
        rdx_export_alert(x, &a);
        next += 2000;                       /* 500 alerts/s */
        while (fw_time_mono_us() < next) {
            rdx_export_tick(x, fw_time_now_us(), NULL);
            th_sleep_ms(5);                 /* the exporter's idle tick */
        }
    }
    rdx_export_flush(x, 5000000);
    pthread_join(th, NULL);
    for (i = 0; i < N_LATENCY; i++)
        if (recv_us[i] >= sent_us[i] && recv_us[i])
            lat[n++] = recv_us[i] - sent_us[i];
    if (n == 0)
        return;
    qsort(lat, n, sizeof(lat[0]), cmp_u64);
    printf("bench_redis: alert-to-Redis latency p50 %.1f ms, p99 %.1f ms (%u alerts at "
           "500/s, 5 ms tick, 20 ms flush bound)\n",
           lat[n / 2] / 1000.0, lat[n * 99 / 100] / 1000.0, n);
}

int main(void)
{
    struct th_redis r;
    struct fw_config cfg;
    struct rdx_export *x;
    char err[256];

    n_hosts = getenv("BENCH_HOSTS") ? (unsigned)strtoul(getenv("BENCH_HOSTS"), NULL, 10) : 0;
    if (!th_have_redis()) {
        printf("bench_redis: redis-server not installed; skipped\n");
        return 0;
    }
    memset(&r, 0, sizeof(r));
    /* like make bench's redis-server: no AOF (the test helper turns it on for
     * restart tests; its fsyncs and rewrites are the server's cost, not the
     * writer's). BENCH_REDIS_AOF=1 keeps it. */
    if (!getenv("BENCH_REDIS_AOF")) {
        snprintf(r.extra[0], sizeof(r.extra[0]), "--appendonly");
        snprintf(r.extra[1], sizeof(r.extra[1]), "no");
    }
    if (th_redis_start(&r) != 0 || fw_config_defaults(&cfg) != 0) {
        fprintf(stderr, "bench_redis: cannot start redis-server\n");
        th_redis_cleanup(&r);
        return 1;
    }
    snprintf(cfg.redis_url, sizeof(cfg.redis_url), "redis://127.0.0.1:%d/0", r.port);
    snprintf(cfg.spool_dir, sizeof(cfg.spool_dir), "%s/spool", r.dir);
    x = rdx_export_create(&cfg, err, sizeof(err));
    if (!x) {
        fprintf(stderr, "bench_redis: %s\n", err);
        th_redis_cleanup(&r);
        return 1;
    }
    bench_throughput(x, &r);
    bench_latency(x, &r);
    rdx_export_destroy(x);
    fw_config_free(&cfg);
    th_redis_cleanup(&r);
    return 0;
}
