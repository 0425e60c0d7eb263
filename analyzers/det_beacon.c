/* analyzers/det_beacon.c: low-jitter repetition of flow starts. */
#include "det_beacon.h"

#include <math.h>
#include <stdio.h>

static void welford_add(struct anz_pair *pr, double x)
{
    double d = x - pr->mean;

    pr->count++;
    pr->mean += d / pr->count;
    pr->m2 += d * (x - pr->mean);
}

static void beacon_update(const struct det_beacon_params *p, struct anz_pair *pr, uint64_t now)
{
    double dt, k;

    if (pr->starts++ == 0 || now <= pr->last_us) {
        pr->last_us = now > pr->last_us ? now : pr->last_us;
        return;
    }
    dt = (double)(now - pr->last_us);
    if (dt < (double)p->min_interval_us)
        return;                 /* a burst: keep measuring from the first start */
    pr->last_us = now;
    if (dt > (double)p->max_interval_us) {
        pr->count = 0;
        pr->mean = pr->m2 = 0;
        return;
    }
    if (pr->count >= 3 && dt > 1.5 * pr->mean) {
        k = floor(dt / pr->mean + 0.5);
        if (fabs(dt / k - pr->mean) <= 0.2 * pr->mean)
            dt /= k;            /* k-1 beacons missed (loss, sensor gap) */
    }
    welford_add(pr, dt);
}

static void beacon_fill(const struct det_beacon_params *p, const struct det_ctx *c,
                        const struct anz_pair *pr, double cv, struct det_hit *hit)
{
    const struct flow_rec *r = &c->evt->rec;
    struct fw_buf b;

    det_hit_init(hit, c, ANZ_BLAME_SRC, p->window_us);
    hit->sport = 0;
    hit->crit = c->crit_src;
    hit->key = det_key("beacon", &pr->key, sizeof(pr->key), NULL, 0);
    snprintf(hit->reason, sizeof(hit->reason),
             "%s connected to %s on %u/%s %u times every %.0f s (jitter %.1f%%)",
             det_ip(&r->src, 0), det_ip(&r->dst, 1), r->dport, det_proto_name(r->proto),
             pr->starts, pr->mean / 1e6, cv * 100.0);
    fw_buf_init(&b);
    fw_buf_putc(&b, '{');
    fw_buf_json_kv_u64(&b, "connections", pr->starts);
    fw_buf_json_kv_u64(&b, "intervals", pr->count);
    fw_buf_json_kv_double(&b, "period_s", pr->mean / 1e6);
    fw_buf_json_kv_double(&b, "cv", cv);
    fw_buf_json_kv_str(&b, "app", r->ndpi_proto);
    fw_buf_putc(&b, '}');
    det_hit_evidence(hit, &b);
    fw_buf_free(&b);
}

bool det_beacon_eval(const struct det_beacon_params *p, struct det_ctx *c, bool update,
                     struct det_hit *hit)
{
    const struct flow_rec *r = &c->evt->rec;
    struct anz_pair *pr;
    double cv;

    if (c->evt->type != FLOW_EVT_START || c->expected || c->icmp_error)
        return false;
    if (det_ports_has(&p->ignore_ports, r->dport) || (p->external_only && c->dst_internal))
        return false;
    pr = anz_hosts_pair(c->hosts, ANZ_PAIR_BEACON, &r->src, &r->dst, r->dport, update, NULL);
    if (!pr)
        return false;
    if (update)
        beacon_update(p, pr, c->now);
    if (pr->count < p->min_count || pr->count < 2 || pr->mean <= 0)
        return false;
    cv = sqrt(pr->m2 / (pr->count - 1)) / pr->mean;
    if (cv > p->max_cv)
        return false;
    beacon_fill(p, c, pr, cv, hit);
    return true;
}
