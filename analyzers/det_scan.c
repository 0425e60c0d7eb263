/* analyzers/det_scan.c: horizontal and vertical scans from failed attempts. */
#include "det_scan.h"

#include <stdio.h>
#include <string.h>

bool det_scan_failed(const struct flow_rec *r)
{
    uint8_t synack = DET_TCP_SYN | DET_TCP_ACK;

    if (r->proto == 6) {
        if ((r->tcp_flags_dst & synack) == synack)
            return false;
        return r->dst_pkts == 0 || (r->tcp_flags_dst & DET_TCP_RST);
    }
    if (r->proto == 17)
        return r->dst_pkts == 0;
    if (det_is_icmp(r->proto))
        return r->dst_pkts == 0;
    return false;
}

static void scan_update(const struct det_scan_params *p, struct anz_host_scan *s,
                        const struct flow_rec *r, uint64_t now)
{
    uint64_t win = anz_window_start(now, p->window_us);

    if (s->win != win) {
        s->win = win;
        s->attempts = s->failed = 0;
        s->top_port_w = s->top_dst_w = 0;
        anz_hll_reset(&s->dsts);
        anz_hll_reset(&s->ports);
    }
    s->attempts++;
    if (!det_scan_failed(r))
        return;
    s->failed++;
    anz_hll_add(&s->dsts, r->dst.b, sizeof(r->dst.b));
    anz_hll_add(&s->ports, &r->dport, sizeof(r->dport));
    /* Misra-Gries with one counter: the majority port / host if there is one */
    if (s->top_port_w == 0 || s->top_port == r->dport) {
        s->top_port = r->dport;
        s->top_port_w++;
    } else {
        s->top_port_w--;
    }
    if (s->top_dst_w == 0 || fw_ip_equal(&s->top_dst, &r->dst)) {
        s->top_dst = r->dst;
        s->top_dst_w++;
    } else {
        s->top_dst_w--;
    }
}

static uint64_t scan_key(const struct flow_rec *r, bool horizontal)
{
    return det_key(horizontal ? "scan-h" : "scan-v", r->src.b, sizeof(r->src.b), NULL, 0);
}

static void scan_fill(const struct det_scan_params *p, const struct det_ctx *c,
                      struct det_hit *hit, bool horizontal, uint64_t nh, uint64_t np)
{
    const struct anz_host_scan *s = &c->src->scan;
    const struct flow_rec *r = &c->evt->rec;
    struct fw_buf b;

    det_hit_init(hit, c, ANZ_BLAME_SRC, p->window_us);
    if (horizontal) {
        memset(&hit->dst, 0, sizeof(hit->dst));
        hit->dport = s->top_port;
        snprintf(hit->reason, sizeof(hit->reason),
                 "%s probed %llu hosts (%u failed attempts, mostly on %u/%s) in %llu s "
                 "(baseline %.0f peers per 5 min)",
                 det_ip(&r->src, 0), (unsigned long long)nh, s->failed, s->top_port,
                 det_proto_name(r->proto), (unsigned long long)det_secs(p->window_us),
                 c->src->base.peers_b.mean);
    } else {
        hit->dst = s->top_dst;
        snprintf(hit->reason, sizeof(hit->reason),
                 "%s probed %llu ports on %s (%u failed attempts) in %llu s",
                 det_ip(&r->src, 0), (unsigned long long)np, det_ip(&s->top_dst, 1), s->failed,
                 (unsigned long long)det_secs(p->window_us));
    }
    fw_buf_init(&b);
    fw_buf_putc(&b, '{');
    fw_buf_json_kv_str(&b, "type", horizontal ? "horizontal" : "vertical");
    fw_buf_json_kv_u64(&b, "hosts", nh);
    fw_buf_json_kv_u64(&b, "ports", np);
    fw_buf_json_kv_u64(&b, "failed", s->failed);
    fw_buf_json_kv_u64(&b, "attempts", s->attempts);
    fw_buf_json_kv_u64(&b, "top_port", s->top_port);
    fw_buf_json_kv_u64(&b, "window_s", det_secs(p->window_us));
    fw_buf_json_kv_double(&b, "baseline_peers", c->src->base.peers_b.mean);
    fw_buf_putc(&b, '}');
    det_hit_evidence(hit, &b);
    fw_buf_free(&b);
}

/* A scanner fails on every flow after the first alert: the hit is only
 * formatted when the engine would keep it. */
static bool scan_hit(const struct det_scan_params *p, const struct det_ctx *c,
                     struct det_hit *hit, bool horizontal, uint64_t nh, uint64_t np)
{
    uint64_t key = scan_key(&c->evt->rec, horizontal);

    if (!det_hit_wanted(c, key, p->window_us))
        return false;
    scan_fill(p, c, hit, horizontal, nh, np);
    hit->key = key;
    return true;
}

bool det_scan_eval(const struct det_scan_params *p, struct det_ctx *c, bool update,
                   struct det_hit *hit)
{
    const struct flow_rec *r = &c->evt->rec;
    uint64_t nh, np;

    if (c->evt->type != FLOW_EVT_END || !c->src || c->expected || c->icmp_error)
        return false;
    if (update)
        scan_update(p, &c->src->scan, r, c->now);
    if (!det_scan_failed(r) || c->src->scan.failed < p->min_failed)
        return false;
    nh = anz_hll_count(&c->src->scan.dsts);
    np = anz_hll_count(&c->src->scan.ports);
    if (nh >= p->min_hosts && nh >= np)
        return scan_hit(p, c, hit, true, nh, np);
    if (np >= p->min_ports)
        return scan_hit(p, c, hit, false, nh, np);
    if (nh >= p->min_hosts)
        return scan_hit(p, c, hit, true, nh, np);
    return false;
}
