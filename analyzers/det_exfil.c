/* analyzers/det_exfil.c: outbound volume far above the host's own baseline. */
#include "det_exfil.h"

#include <stdio.h>

bool det_exfil_eval(const struct det_exfil_params *p, struct det_ctx *c, bool update,
                    struct det_hit *hit)
{
    const struct anz_host_base *b;
    double x, floor_bytes, z;
    int crit = c->crit_src > 0 ? c->crit_src : 1;
    struct fw_buf eb;

    (void)update;               /* the engine maintains the baseline */
    if (c->evt->type != FLOW_EVT_END || !c->src || !c->src_internal || c->dst_internal ||
        c->icmp_error)
        return false;
    b = &c->src->base;
    x = (double)b->ext_bytes;
    floor_bytes = p->min_bytes * 3.0 / crit;
    if (x < floor_bytes || b->ext_b.n < p->min_intervals || x < p->factor * b->ext_b.mean)
        return false;
    z = anz_ewma_z(&b->ext_b, x, 1e6);  /* sd floored at 1 MB */
    if (z < p->min_z)
        return false;
    det_hit_init(hit, c, ANZ_BLAME_SRC, p->window_us);
    hit->crit = crit;
    hit->key = det_key("exfil", c->evt->rec.src.b, 16, NULL, 0);
    snprintf(hit->reason, sizeof(hit->reason),
             "%s sent %.1f MB to external hosts in the current 5 min (baseline %.1f MB, "
             "z=%.1f), last to %s:%u",
             det_ip(&c->evt->rec.src, 0), x / 1e6, b->ext_b.mean / 1e6, z,
             det_ip(&c->evt->rec.dst, 1), c->evt->rec.dport);
    fw_buf_init(&eb);
    fw_buf_putc(&eb, '{');
    fw_buf_json_kv_u64(&eb, "bytes", b->ext_bytes);
    fw_buf_json_kv_double(&eb, "baseline_bytes", b->ext_b.mean);
    fw_buf_json_kv_double(&eb, "baseline_sd", anz_ewma_sd(&b->ext_b));
    fw_buf_json_kv_double(&eb, "z", z);
    fw_buf_json_kv_u64(&eb, "criticality", (uint64_t)crit);
    fw_buf_putc(&eb, '}');
    det_hit_evidence(hit, &eb);
    fw_buf_free(&eb);
    return true;
}
