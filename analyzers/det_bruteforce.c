/* analyzers/det_bruteforce.c: many short sessions to one auth service. */
#include "det_bruteforce.h"

#include <stdio.h>
#include <string.h>

static bool http_login(const struct det_bruteforce_params *p, const struct flow_rec *r)
{
    uint16_t i;

    if (!(r->meta & FLOW_META_HTTP) || r->http.url[0] == '\0')
        return false;
    for (i = 0; i < p->http_paths.n; i++)
        if (strstr(r->http.url, p->http_paths.v[i]))
            return true;
    return false;
}

static bool is_guess(const struct det_bruteforce_params *p, const struct flow_rec *r)
{
    if (r->proto != 6 || r->src_payload == 0 || r->dst_payload == 0)
        return false;           /* a probe or an unanswered SYN is a scan's business */
    if (r->ts_end_us - r->ts_start_us > p->max_duration_us || r->src_pkts > p->max_pkts)
        return false;
    return det_ports_has(&p->ports, r->dport) || det_app_in(&p->protocols, r->ndpi_proto) ||
           http_login(p, r);
}

static void brute_fill(const struct det_bruteforce_params *p, const struct det_ctx *c,
                       const struct anz_pair *pr, struct det_hit *hit)
{
    const struct flow_rec *r = &c->evt->rec;
    const char *app = r->ndpi_proto[0] ? r->ndpi_proto : "unknown";
    struct fw_buf b;

    det_hit_init(hit, c, ANZ_BLAME_SRC, p->window_us);
    hit->sport = 0;
    hit->crit = c->crit_dst;
    hit->key = det_key("brute", &pr->key, sizeof(pr->key), NULL, 0);
    snprintf(hit->reason, sizeof(hit->reason),
             "%s opened %u short sessions to %s on %u/tcp (%s) in %llu s",
             det_ip(&r->src, 0), pr->count, det_ip(&r->dst, 1), r->dport, app,
             (unsigned long long)det_secs(p->window_us));
    fw_buf_init(&b);
    fw_buf_putc(&b, '{');
    fw_buf_json_kv_u64(&b, "sessions", pr->count);
    fw_buf_json_kv_u64(&b, "window_s", det_secs(p->window_us));
    fw_buf_json_kv_str(&b, "service", app);
    fw_buf_json_kv_u64(&b, "last_session_pkts", r->src_pkts);
    fw_buf_json_kv_u64(&b, "last_session_ms", (r->ts_end_us - r->ts_start_us) / 1000);
    fw_buf_putc(&b, '}');
    det_hit_evidence(hit, &b);
    fw_buf_free(&b);
}

bool det_bruteforce_eval(const struct det_bruteforce_params *p, struct det_ctx *c, bool update,
                         struct det_hit *hit)
{
    const struct flow_rec *r = &c->evt->rec;
    struct anz_pair *pr;
    uint64_t win;

    if (c->evt->type != FLOW_EVT_END || !is_guess(p, r))
        return false;
    pr = anz_hosts_pair(c->hosts, ANZ_PAIR_BRUTE, &r->src, &r->dst, r->dport, update, NULL);
    if (!pr)
        return false;
    if (update) {
        win = anz_window_start(c->now, p->window_us);
        if (pr->win != win) {
            pr->win = win;
            pr->count = 0;
        }
        pr->count++;
    }
    if (pr->count < p->min_sessions)
        return false;
    brute_fill(p, c, pr, hit);
    return true;
}
