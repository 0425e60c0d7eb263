/* analyzers/det_flood.c: floods against one destination (blamed: the victim). */
#include "det_flood.h"

#include <stdio.h>

static void flood_roll(const struct det_flood_params *p, struct anz_host_flood *f, uint64_t now)
{
    uint64_t win = anz_window_start(now, p->window_us);

    if (f->win == win)
        return;
    f->win = win;
    f->syn = f->udp = f->icmp = f->answered = 0;
    anz_hll_reset(&f->srcs);
    anz_hll_reset(&f->ports);
}

static void flood_update(const struct det_flood_params *p, struct det_ctx *c)
{
    const struct flow_rec *r = &c->evt->rec;
    struct anz_host_flood *f = &c->dst->flood;

    flood_roll(p, f, c->now);
    if (c->evt->type == FLOW_EVT_CLASSIFIED) {
        /* a SYN-ACK to a spoofed SYN is no answer: only a handshake the initiator
         * completed (its ACK seen) shows the service is really coping */
        if (r->dst_pkts > 0 && (r->proto != 6 || (r->tcp_flags_src & DET_TCP_ACK)))
            f->answered++;
        return;
    }
    if (r->proto == 6 && (r->tcp_flags_src & DET_TCP_SYN) && !(r->tcp_flags_src & DET_TCP_ACK))
        f->syn++;
    else if (r->proto == 17)
        f->udp++;
    else if (det_is_icmp(r->proto))
        f->icmp++;
    else
        return;
    f->top_port = r->dport;
    anz_hll_add(&f->srcs, r->src.b, sizeof(r->src.b));
    anz_hll_add(&f->ports, &r->dport, sizeof(r->dport));
}

static void flood_evidence(struct det_hit *hit, const struct anz_host_flood *f, uint64_t srcs,
                           uint64_t ports, double pps)
{
    struct fw_buf b;

    fw_buf_init(&b);
    fw_buf_putc(&b, '{');
    fw_buf_json_kv_u64(&b, "syn", f->syn);
    fw_buf_json_kv_u64(&b, "udp", f->udp);
    fw_buf_json_kv_u64(&b, "icmp", f->icmp);
    fw_buf_json_kv_u64(&b, "answered", f->answered);
    fw_buf_json_kv_u64(&b, "sources", srcs);
    fw_buf_json_kv_u64(&b, "ports", ports);
    if (pps > 0)
        fw_buf_json_kv_double(&b, "pps", pps);
    fw_buf_putc(&b, '}');
    det_hit_evidence(hit, &b);
    fw_buf_free(&b);
}

static bool flood_many(const struct det_flood_params *p, const struct det_ctx *c,
                       struct det_hit *hit)
{
    const struct anz_host_flood *f = &c->dst->flood;
    const struct flow_rec *r = &c->evt->rec;
    uint64_t total = (uint64_t)f->syn + f->udp + f->icmp;
    uint64_t srcs, ports;

    if (c->evt->type != FLOW_EVT_START || total < p->min_flows)
        return false;
    ports = anz_hll_count(&f->ports);
    if (ports > p->max_ports || f->answered > p->max_answered * (double)total)
        return false;
    srcs = anz_hll_count(&f->srcs);
    det_hit_init(hit, c, ANZ_BLAME_DST, p->window_us);
    hit->key = det_key("flood", r->dst.b, sizeof(r->dst.b), NULL, 0);
    hit->crit = c->crit_dst;
    snprintf(hit->reason, sizeof(hit->reason),
             "%s received %u SYN, %u UDP and %u ICMP flow attempts from %llu sources on "
             "%llu port(s) in %llu s, %u answered",
             det_ip(&r->dst, 0), f->syn, f->udp, f->icmp, (unsigned long long)srcs,
             (unsigned long long)ports, (unsigned long long)det_secs(p->window_us), f->answered);
    flood_evidence(hit, f, srcs, ports, 0);
    return true;
}

static bool flood_one(const struct det_flood_params *p, const struct det_ctx *c,
                      struct det_hit *hit)
{
    const struct flow_rec *r = &c->evt->rec;
    double dur = (double)(r->ts_end_us - r->ts_start_us) / 1e6;
    double pps;

    if (r->src_pkts < p->min_pkts || dur <= 0 || (uint64_t)r->dst_pkts * 10 > r->src_pkts)
        return false;
    pps = r->src_pkts / dur;
    if (pps < p->min_pps)
        return false;
    det_hit_init(hit, c, ANZ_BLAME_DST, p->window_us);
    hit->key = det_key("flood", r->dst.b, sizeof(r->dst.b), NULL, 0);
    hit->crit = c->crit_dst;
    snprintf(hit->reason, sizeof(hit->reason),
             "%s received %u %s packets at %.0f pps from %s:%u with %u replies",
             det_ip(&r->dst, 0), r->src_pkts, det_proto_name(r->proto), pps,
             det_ip(&r->src, 1), r->sport, r->dst_pkts);
    flood_evidence(hit, &c->dst->flood, 1, 1, pps);
    return true;
}

bool det_flood_eval(const struct det_flood_params *p, struct det_ctx *c, bool update,
                    struct det_hit *hit)
{
    if (!c->dst || c->icmp_error)       /* errors answer the "victim's" own traffic */
        return false;
    if (c->evt->type == FLOW_EVT_END)
        return flood_one(p, c, hit);
    if (update && (c->evt->type == FLOW_EVT_START || c->evt->type == FLOW_EVT_CLASSIFIED))
        flood_update(p, c);
    return flood_many(p, c, hit);
}
