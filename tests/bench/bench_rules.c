/* tests/bench/bench_rules.c: cost of rule_set_eval per flow event, with the default
 * pack and with 500 generated rules (mixed operators, some aggregates). Prints
 * "bench_rules: default pack N ns/event, 500 rules M ns/event". Run from the repo root. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fw_time.h"
#include "rule_set.h"

#define EVENTS 200000
#define NPRE 1024

static void sink(void *ctx, const struct anz_alert *a)
{
    (void)a;
    (*(size_t *)ctx)++;
}

static void make_evt(struct flow_evt *e, unsigned i)
{
    const uint8_t s[4] = {10, 20, (uint8_t)(i >> 8), (uint8_t)i};
    const uint8_t d[4] = {10, 10, 0, (uint8_t)(i % 50)};
    static const char *const protos[] = {"TLS.Google", "SSH", "DNS", "HTTP", "SMBv23", "RDP"};

    memset(e, 0, sizeof(*e));
    e->type = i % 3 ? FLOW_EVT_END : FLOW_EVT_CLASSIFIED;
    e->ts_us = 1780272000ull * FW_USEC_PER_SEC + (uint64_t)i * 1000;
    e->rec.ts_start_us = e->ts_us;
    e->rec.ts_end_us = e->ts_us + 1000;
    fw_ip_set4(&e->rec.src, s);
    fw_ip_set4(&e->rec.dst, d);
    e->rec.sport = (uint16_t)(40000 + i % 20000);
    e->rec.dport = (uint16_t)(i % 7 ? 443 : 22);
    e->rec.proto = 6;
    e->rec.src_pkts = i % 40;
    e->rec.src_bytes = 1000 + i % 5000;
    snprintf(e->rec.ndpi_proto, sizeof(e->rec.ndpi_proto), "%s", protos[i % 6]);
    snprintf(e->rec.tls.server_name, sizeof(e->rec.tls.server_name), "host%u.example.com",
             i % 1000);
}

static int gen_rules(const char *path, unsigned n)
{
    FILE *f = fopen(path, "w");
    unsigned i;

    if (!f)
        return -1;
    for (i = 0; i < n; i++) {
        fprintf(f, "---\nid: GEN-%04u\ntitle: generated %u\nevent: %s\nmatch:\n", i, i,
                i % 2 ? "flow_end" : "flow_classified");
        switch (i % 5) {
        case 0: fprintf(f, "  ndpi.protocol|in: [P%u, Q%u, SSH]\n  destination.port: %u\n", i,
                        i, 1000 + i); break;
        case 1: fprintf(f, "  tls.client.server_name|endswith: .bad%u.test\n", i); break;
        case 2: fprintf(f, "  source.ip|cidr: [192.168.%u.0/24, 172.16.0.0/12]\n", i % 256);
                break;
        case 3: fprintf(f, "  tls.client.server_name|re: '^x%u[0-9]+\\.evil'\n", i); break;
        case 4: fprintf(f, "  ndpi.protocol: SSH\n  source.packets|lt: %u\naggregate:\n"
                        "  by: [source.ip]\n  window: 60s\n  count|gte: 1000\n", 5 + i % 20);
                break;
        }
    }
    return fclose(f);
}

static double run(const char *path, size_t *alerts)
{
    const char *paths[1] = {path};
    struct rule_diags d;
    struct rule_set *rs;
    struct rule_state *st = rule_state_create(100000);
    struct rule_ctx ctx = {"branch", "core-banking", "s1"};
    struct flow_evt *e = calloc(NPRE, sizeof(*e));
    uint64_t t0, t1;
    unsigned i;

    rule_diags_init(&d);
    rs = rule_set_load(paths, 1, fw_time_now_us(), &d);
    if (!rs || !st || !e) {
        rule_diags_print(&d, stderr);
        exit(1);
    }
    for (i = 0; i < NPRE; i++)
        make_evt(&e[i], i * 7919);  /* built beforehand: only evaluation is timed */
    t0 = fw_time_mono_us();
    for (i = 0; i < EVENTS; i++)
        rule_set_eval(rs, st, &e[i % NPRE], &ctx, sink, alerts);
    t1 = fw_time_mono_us();
    free(e);
    rule_state_destroy(st);
    rule_set_free(rs);
    rule_diags_free(&d);
    return (double)(t1 - t0) * 1000.0 / EVENTS;
}

int main(void)
{
    char path[] = "/tmp/fw-bench-rules-XXXXXX.yaml";
    size_t a1 = 0, a2 = 0;
    int fd = mkstemps(path, 5);
    double ns1, ns2;

    if (fd < 0 || (close(fd), gen_rules(path, 500)) < 0)
        return 1;
    ns1 = run("rules/detections", &a1);
    ns2 = run(path, &a2);
    unlink(path);
    printf("bench_rules: default pack %.0f ns/event, 500 rules %.0f ns/event "
           "(%u events, alerts %zu / %zu)\n", ns1, ns2, EVENTS, a1, a2);
    return 0;
}
