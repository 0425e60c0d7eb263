/* analyzers/det_new_asset.c: first sight of a host or service in a critical zone. */
#include "det_new_asset.h"

#include <stdio.h>

static void na_fill(const struct det_new_asset_params *p, const struct det_ctx *c,
                    bool dst_side, uint16_t port, struct det_hit *hit)
{
    const struct flow_rec *r = &c->evt->rec;
    const struct fw_ip *ip = dst_side ? &r->dst : &r->src;
    const char *zn = dst_side ? c->zname_dst : c->zname_src;
    int crit = dst_side ? c->crit_dst : c->crit_src;
    struct fw_buf b;

    det_hit_init(hit, c, dst_side ? ANZ_BLAME_DST : ANZ_BLAME_SRC, p->window_us);
    hit->crit = crit;
    hit->key = det_key("asset", ip->b, sizeof(ip->b), &port, sizeof(port));
    if (port)
        snprintf(hit->reason, sizeof(hit->reason),
                 "new service %s:%u/%s (%s) answered in zone %s (criticality %d)", det_ip(ip, 0),
                 port, det_proto_name(r->proto), r->ndpi_proto[0] ? r->ndpi_proto : "Unknown",
                 zn ? zn : "?", crit);
    else
        snprintf(hit->reason, sizeof(hit->reason),
                 "new host %s appeared in zone %s (criticality %d), talking to %s",
                 det_ip(ip, 0), zn ? zn : "?", crit, det_ip(dst_side ? &r->src : &r->dst, 1));
    fw_buf_init(&b);
    fw_buf_putc(&b, '{');
    fw_buf_json_kv_str(&b, "asset", port ? "service" : "host");
    fw_buf_json_kv_str(&b, "zone", zn ? zn : "");
    fw_buf_json_kv_u64(&b, "port", port);
    fw_buf_json_kv_str(&b, "app", r->ndpi_proto);
    fw_buf_putc(&b, '}');
    det_hit_evidence(hit, &b);
    fw_buf_free(&b);
}

static bool answered_service(const struct flow_rec *r)
{
    uint8_t synack = DET_TCP_SYN | DET_TCP_ACK;

    if (r->proto == 6)
        return (r->tcp_flags_dst & synack) == synack;
    return r->proto == 17 && r->dst_pkts > 0 && r->dport < 1024;
}

/* New host on one side: marks it seen; true when it should be reported. A
 * host whose entry was evicted and made again is not new: the memory of
 * anz_hosts_remember outlives the entry. */
static bool na_host(const struct det_new_asset_params *p, struct anz_hosts *t,
                    struct anz_host *h, const struct fw_ip *ip, int zone, int crit, bool learned)
{
    if (!h || h->asset_seen)
        return false;
    h->asset_seen = true;
    if (anz_hosts_remember(t, ANZ_MEMO_ASSET, ip, NULL, 0))
        return false;
    return learned && zone >= 0 && crit >= p->min_criticality;
}

bool det_new_asset_eval(const struct det_new_asset_params *p, struct det_ctx *c, bool update,
                        struct det_hit *hit)
{
    const struct flow_rec *r = &c->evt->rec;
    bool learned = c->now - c->since_us >= p->learning_us, created = false;

    if (!update || c->evt->type != FLOW_EVT_END || r->src_pkts == 0 || r->dst_pkts == 0)
        return false;
    if (na_host(p, c->hosts, c->src, &r->src, c->zone_src, c->crit_src, learned)) {
        na_fill(p, c, false, 0, hit);
        return true;
    }
    if (na_host(p, c->hosts, c->dst, &r->dst, c->zone_dst, c->crit_dst, learned)) {
        na_fill(p, c, true, 0, hit);
        return true;
    }
    if (!p->services || !answered_service(r))
        return false;
    if (!anz_hosts_pair(c->hosts, ANZ_PAIR_SERVICE, &r->dst, NULL, r->dport, true, &created))
        return false;
    if (!created || anz_hosts_remember(c->hosts, ANZ_MEMO_SERVICE, &r->dst, NULL, r->dport))
        return false;
    if (!learned || c->zone_dst < 0 || c->crit_dst < p->min_criticality)
        return false;
    na_fill(p, c, true, r->dport, hit);
    return true;
}
