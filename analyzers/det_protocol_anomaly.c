/* analyzers/det_protocol_anomaly.c: SSH off-port, non-TLS on 443, odd FIX,
 * HTTP requests with raw control bytes. */
#include "det_protocol_anomaly.h"

#include <stdio.h>
#include <string.h>

enum pa_case {
    PA_SSH = 0,
    PA_NOT_TLS,
    PA_FIX_COMPID,
    PA_FIX_MALFORMED,
    PA_HTTP_CTL,
};

static bool is_ssh(const struct flow_rec *r)
{
    return (r->meta & FLOW_META_SSH) || strcmp(r->ndpi_proto, "SSH") == 0 ||
           strstr(r->ndpi_proto, "SSH.") == r->ndpi_proto;
}

static void pa_fill(const struct det_protocol_anomaly_params *p, const struct det_ctx *c,
                    enum pa_case k, const char *detail, struct det_hit *hit)
{
    const struct flow_rec *r = &c->evt->rec;
    static const char *const names[] = {"ssh_off_port", "not_tls_on_tls_port", "fix_unknown_compid",
                                        "fix_malformed", "http_control_bytes"};
    struct fw_buf b;
    int kk = (int)k;

    det_hit_init(hit, c, ANZ_BLAME_SRC, p->window_us);
    hit->crit = c->crit_dst;
    hit->key = det_key("proto", &kk, sizeof(kk), &r->dst, sizeof(r->dst)) ^
               det_key("proto-src", r->src.b, 16, &r->dport, sizeof(r->dport));
    snprintf(hit->reason, sizeof(hit->reason), "%s -> %s:%u/%s: %s", det_ip(&r->src, 0),
             det_ip(&r->dst, 1), r->dport, det_proto_name(r->proto), detail);
    fw_buf_init(&b);
    fw_buf_putc(&b, '{');
    fw_buf_json_kv_str(&b, "check", names[k]);
    fw_buf_json_kv_str(&b, "app", r->ndpi_proto);
    if (r->meta & FLOW_META_FIX) {
        fw_buf_json_kv_str(&b, "sender_comp_id", r->fix.sender_comp_id);
        fw_buf_json_kv_str(&b, "target_comp_id", r->fix.target_comp_id);
        fw_buf_json_kv_u64(&b, "malformed", r->fix.malformed);
    }
    if (k == PA_HTTP_CTL) {
        fw_buf_json_kv_str(&b, "method", r->http.method);
        fw_buf_json_kv_str(&b, "url", r->http.url);
        fw_buf_json_kv_str(&b, "host", r->http.host);
    }
    fw_buf_putc(&b, '}');
    det_hit_evidence(hit, &b);
    fw_buf_free(&b);
}

static bool pa_fix(const struct det_protocol_anomaly_params *p, const struct det_ctx *c,
                   struct det_hit *hit)
{
    const struct meta_fix *f = &c->evt->rec.fix;
    char detail[160];

    if (p->known_comp_ids.n && f->sender_comp_id[0] &&
        (!det_strs_has(&p->known_comp_ids, f->sender_comp_id) ||
         (f->target_comp_id[0] && !det_strs_has(&p->known_comp_ids, f->target_comp_id)))) {
        snprintf(detail, sizeof(detail), "FIX session with unknown CompID (sender %.40s, target "
                 "%.40s)", f->sender_comp_id, f->target_comp_id);
        pa_fill(p, c, PA_FIX_COMPID, detail, hit);
        return true;
    }
    if (f->malformed > 0) {
        snprintf(detail, sizeof(detail), "FIX session with %u malformed of %u messages",
                 f->malformed, f->messages + f->malformed);
        pa_fill(p, c, PA_FIX_MALFORMED, detail, hit);
        return true;
    }
    return false;
}

/* Which fields held raw control bytes, as "URL, Host" for the reason. */
static void pa_ctl_where(uint8_t ctl, char *out, size_t len)
{
    static const struct {
        uint8_t bit;
        const char *name;
    } fields[] = {{META_HTTP_CTL_URL, "URL"}, {META_HTTP_CTL_HOST, "Host"},
                  {META_HTTP_CTL_UA, "User-Agent"}};
    size_t i, o = 0;

    out[0] = '\0';
    for (i = 0; i < sizeof(fields) / sizeof(fields[0]) && o < len; i++)
        if (ctl & fields[i].bit)
            o += (size_t)snprintf(out + o, len - o, "%s%s", o ? ", " : "", fields[i].name);
}

static bool pa_http(const struct det_protocol_anomaly_params *p, const struct det_ctx *c,
                    struct det_hit *hit)
{
    const struct meta_http *h = &c->evt->rec.http;
    char detail[200], where[32];

    if (!p->http_control_bytes || !h->ctl)
        return false;
    pa_ctl_where(h->ctl, where, sizeof(where));
    snprintf(detail, sizeof(detail),
             "HTTP request with raw control bytes in the %s (null-byte injection or parser "
             "confusion): %.16s %.60s", where, h->method, h->url);
    pa_fill(p, c, PA_HTTP_CTL, detail, hit);
    return true;
}

bool det_protocol_anomaly_eval(const struct det_protocol_anomaly_params *p, struct det_ctx *c,
                               bool update, struct det_hit *hit)
{
    const struct flow_rec *r = &c->evt->rec;
    char detail[160];

    (void)update;
    if (c->evt->type != FLOW_EVT_CLASSIFIED && c->evt->type != FLOW_EVT_END)
        return false;
    if (is_ssh(r) && !det_ports_has(&p->ssh_ports, r->dport) &&
        c->crit_dst >= p->min_criticality) {
        snprintf(detail, sizeof(detail), "SSH on a non-standard port into %s (criticality %d)",
                 c->zname_dst ? c->zname_dst : "?", c->crit_dst);
        pa_fill(p, c, PA_SSH, detail, hit);
        return true;
    }
    if (r->proto == 6 && det_ports_has(&p->tls_ports, r->dport) && r->ndpi_done &&
        r->src_payload >= p->min_payload && r->dst_payload > 0 &&
        !det_app_in(&p->tls_protocols, r->ndpi_proto[0] ? r->ndpi_proto : "Unknown")) {
        snprintf(detail, sizeof(detail), "%s instead of TLS on a TLS port",
                 r->ndpi_proto[0] ? r->ndpi_proto : "Unknown");
        pa_fill(p, c, PA_NOT_TLS, detail, hit);
        return true;
    }
    if ((r->meta & FLOW_META_HTTP) && pa_http(p, c, hit))
        return true;
    if (r->meta & FLOW_META_FIX)
        return pa_fix(p, c, hit);
    return false;
}
