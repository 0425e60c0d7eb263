/* analyzers/det_zone_policy.c: denied zone pairs. */
#include "det_zone_policy.h"

#include <stdio.h>

bool det_zone_policy_eval(const struct det_zone_policy_params *p, struct det_ctx *c,
                          bool update, struct det_hit *hit)
{
    const struct flow_rec *r = &c->evt->rec;
    int zones[2] = {c->zone_src, c->zone_dst};
    struct fw_buf b;

    (void)update;
    if (c->evt->type != FLOW_EVT_START || !c->denied || c->icmp_error)
        return false;
    det_hit_init(hit, c, ANZ_BLAME_SRC, p->window_us);
    hit->key = det_key("zone", zones, sizeof(zones), r->src.b, sizeof(r->src.b));
    hit->crit = c->crit_dst;
    snprintf(hit->reason, sizeof(hit->reason),
             "%s (%s) connected to %s (%s) on %u/%s, which the zone policy denies",
             det_ip(&r->src, 0), c->zname_src ? c->zname_src : "?", det_ip(&r->dst, 1),
             c->zname_dst ? c->zname_dst : "?", r->dport, det_proto_name(r->proto));
    fw_buf_init(&b);
    fw_buf_putc(&b, '{');
    fw_buf_json_kv_str(&b, "from_zone", c->zname_src ? c->zname_src : "");
    fw_buf_json_kv_str(&b, "to_zone", c->zname_dst ? c->zname_dst : "");
    fw_buf_json_kv_u64(&b, "dport", r->dport);
    fw_buf_json_kv_str(&b, "transport", det_proto_name(r->proto));
    fw_buf_putc(&b, '}');
    det_hit_evidence(hit, &b);
    fw_buf_free(&b);
    return true;
}
