/* analyzers/det_lateral.c: fan-out to never-seen internal hosts on admin ports. */
#include "det_lateral.h"

#include <stdio.h>

static void lat_fill(const struct det_lateral_params *p, const struct det_ctx *c,
                     struct det_hit *hit)
{
    const struct anz_host_lateral *l = &c->src->lat;
    const struct flow_rec *r = &c->evt->rec;
    struct fw_buf b;

    det_hit_init(hit, c, ANZ_BLAME_SRC, p->window_us);
    hit->key = det_key("lateral", r->src.b, sizeof(r->src.b), NULL, 0);
    snprintf(hit->reason, sizeof(hit->reason),
             "%s opened admin-protocol connections to %u internal hosts it never contacted "
             "before in %llu s (%llu ports, latest %u/tcp to %s)",
             det_ip(&r->src, 0), l->new_peers, (unsigned long long)det_secs(p->window_us),
             (unsigned long long)anz_hll_count(&l->ports), r->dport, det_ip(&r->dst, 1));
    fw_buf_init(&b);
    fw_buf_putc(&b, '{');
    fw_buf_json_kv_u64(&b, "new_hosts", l->new_peers);
    fw_buf_json_kv_u64(&b, "ports", anz_hll_count(&l->ports));
    fw_buf_json_kv_u64(&b, "last_port", r->dport);
    fw_buf_json_kv_u64(&b, "window_s", det_secs(p->window_us));
    fw_buf_putc(&b, '}');
    det_hit_evidence(hit, &b);
    fw_buf_free(&b);
}

bool det_lateral_eval(const struct det_lateral_params *p, struct det_ctx *c, bool update,
                      struct det_hit *hit)
{
    const struct flow_rec *r = &c->evt->rec;
    struct anz_host_lateral *l;
    bool created = false;
    uint64_t win;

    if (c->evt->type != FLOW_EVT_START || !c->src || !c->src_internal || !c->dst_internal ||
        c->icmp_error)
        return false;
    if (update) {
        if (!anz_hosts_pair(c->hosts, ANZ_PAIR_SEEN, &r->src, &r->dst, 0, true, &created))
            return false;
        /* a pair evicted from the table and made again has spoken before */
        if (created && anz_hosts_remember(c->hosts, ANZ_MEMO_PEERS, &r->src, &r->dst, 0))
            created = false;
        if (!created || c->expected || r->proto != 6 || !det_ports_has(&p->ports, r->dport))
            return false;
        if (c->now - c->since_us < p->learning_us)
            return false;
        l = &c->src->lat;
        win = anz_window_start(c->now, p->window_us);
        if (l->win != win) {
            l->win = win;
            l->new_peers = 0;
            anz_hll_reset(&l->ports);
        }
        l->new_peers++;
        l->top_port = r->dport;
        anz_hll_add(&l->ports, &r->dport, sizeof(r->dport));
    } else if (r->proto != 6 || !det_ports_has(&p->ports, r->dport)) {
        return false;
    }
    if (c->src->lat.win != anz_window_start(c->now, p->window_us) ||
        c->src->lat.new_peers < p->min_hosts)
        return false;
    lat_fill(p, c, hit);
    return true;
}
