/* analyzers/det_amplification.c: response-heavy UDP from reflector ports. */
#include "det_amplification.h"

#include <stdio.h>

/* Which side is the victim: the one that is not the reflector service port.
 * Returns NULL when the flow is not from/to a reflector port. */
static struct anz_host *amp_victim(const struct det_amplification_params *p, struct det_ctx *c,
                                   uint64_t *resp, uint64_t *req, const struct fw_ip **refl)
{
    const struct flow_rec *r = &c->evt->rec;

    if (det_ports_has(&p->ports, r->sport) && !det_ports_has(&p->ports, r->dport)) {
        *resp = r->src_bytes;   /* reflector spoke first: unsolicited responses */
        *req = r->dst_bytes;
        *refl = &r->src;
        return c->dst;
    }
    if (det_ports_has(&p->ports, r->dport)) {
        *resp = r->dst_bytes;   /* the (spoofed) request was seen too */
        *req = r->src_bytes;
        *refl = &r->dst;
        return c->src;
    }
    return NULL;
}

static void amp_fill(const struct det_amplification_params *p, const struct det_ctx *c,
                     const struct anz_host *v, const struct fw_ip *refl, struct det_hit *hit)
{
    const struct anz_host_amp *a = &v->amp;
    uint64_t n = anz_hll_count(&a->reflectors);
    double ratio = (double)a->resp_bytes / (double)(a->req_bytes ? a->req_bytes : 1);
    struct fw_buf b;

    det_hit_init(hit, c, ANZ_BLAME_DST, p->window_us);
    hit->src = *refl;
    hit->dst = v->ip;
    hit->sport = a->top_sport;
    hit->dport = 0;
    hit->crit = v == c->dst ? c->crit_dst : c->crit_src;
    hit->key = det_key("amp", v->ip.b, sizeof(v->ip.b), NULL, 0);
    snprintf(hit->reason, sizeof(hit->reason),
             "%s received %llu bytes of UDP responses from %llu reflectors (mostly port %u) "
             "for %llu request bytes (x%.0f) in %llu s",
             det_ip(&v->ip, 0), (unsigned long long)a->resp_bytes, (unsigned long long)n,
             a->top_sport, (unsigned long long)a->req_bytes, ratio,
             (unsigned long long)det_secs(p->window_us));
    fw_buf_init(&b);
    fw_buf_putc(&b, '{');
    fw_buf_json_kv_u64(&b, "response_bytes", a->resp_bytes);
    fw_buf_json_kv_u64(&b, "request_bytes", a->req_bytes);
    fw_buf_json_kv_double(&b, "ratio", ratio);
    fw_buf_json_kv_u64(&b, "reflectors", n);
    fw_buf_json_kv_u64(&b, "flows", a->flows);
    fw_buf_json_kv_u64(&b, "service_port", a->top_sport);
    fw_buf_putc(&b, '}');
    det_hit_evidence(hit, &b);
    fw_buf_free(&b);
}

bool det_amplification_eval(const struct det_amplification_params *p, struct det_ctx *c,
                            bool update, struct det_hit *hit)
{
    const struct fw_ip *refl = NULL;
    uint64_t resp = 0, req = 0, win;
    struct anz_host *v;
    struct anz_host_amp *a;

    if (c->evt->type != FLOW_EVT_END || c->evt->rec.proto != 17)
        return false;
    v = amp_victim(p, c, &resp, &req, &refl);
    if (!v)
        return false;
    a = &v->amp;
    if (update) {
        win = anz_window_start(c->now, p->window_us);
        if (a->win != win) {
            a->win = win;
            a->resp_bytes = a->req_bytes = 0;
            a->flows = 0;
            anz_hll_reset(&a->reflectors);
        }
        a->resp_bytes += resp;
        a->req_bytes += req;
        a->flows++;
        a->top_sport = v == c->dst ? c->evt->rec.sport : c->evt->rec.dport;
        anz_hll_add(&a->reflectors, refl->b, sizeof(refl->b));
    }
    if (a->resp_bytes < p->min_bytes || anz_hll_count(&a->reflectors) < p->min_reflectors)
        return false;
    if ((double)a->resp_bytes < p->min_ratio * (double)a->req_bytes)
        return false;
    amp_fill(p, c, v, refl, hit);
    return true;
}
