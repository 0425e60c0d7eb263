/* analyzers/det_dns_tunnel.c: unique, long, random-looking subdomains of one domain. */
#include "det_dns_tunnel.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <xxhash.h>

#define QTYPE_NULL 10
#define QTYPE_TXT 16

double det_dns_tunnel_entropy(const char *s, size_t n)
{
    unsigned cnt[256] = {0};
    size_t i, used = 0;
    double h = 0, pr;

    for (i = 0; i < n; i++) {
        if (s[i] == '.')
            continue;
        cnt[(unsigned char)s[i]]++;
        used++;
    }
    if (used == 0)
        return 0;
    for (i = 0; i < 256; i++) {
        if (!cnt[i])
            continue;
        pr = (double)cnt[i] / (double)used;
        h -= pr * log2(pr);
    }
    return h;
}

/* Second-level labels under which registrations happen (co.uk, com.au...). */
static bool public_sld(const char *label, size_t n)
{
    static const char *const slds[] = {"co", "com", "net", "org", "gov", "ac", "edu", "or", "ne"};
    size_t i;

    for (i = 0; i < sizeof(slds) / sizeof(slds[0]); i++)
        if (strlen(slds[i]) == n && strncasecmp(label, slds[i], n) == 0)
            return true;
    return false;
}

size_t det_dns_tunnel_regdom(const char *name)
{
    size_t len = strlen(name), dots[3] = {0}, nd = 0, i, tld_len;

    for (i = len; i > 0 && nd < 3; i--)
        if (name[i - 1] == '.')
            dots[nd++] = i;     /* offset just after the dot */
    if (nd < 2)
        return 0;
    tld_len = len - dots[0];
    if (tld_len == 2 && public_sld(name + dots[1], dots[0] - 1 - dots[1]))
        return nd >= 3 ? dots[2] : 0;
    return dots[1];
}

static size_t longest_label(const char *s, size_t n)
{
    size_t i, cur = 0, best = 0;

    for (i = 0; i < n; i++) {
        cur = s[i] == '.' ? 0 : cur + 1;
        if (cur > best)
            best = cur;
    }
    return best;
}

static void dom_reset(struct anz_host_dns *d, uint64_t h, const char *dom)
{
    d->dom = h;
    d->dom_w = 1;
    d->dom_queries = d->dom_long = d->dom_entropic = d->dom_txt = 0;
    d->dom_bytes = 0;
    snprintf(d->dom_name, sizeof(d->dom_name), "%s", dom);
    anz_hll_reset(&d->dom_names);
}

static void dns_question(const struct det_dns_tunnel_params *p, struct anz_host_dns *d,
                         const struct meta_dns_question *q, uint32_t msg_len)
{
    size_t off = det_dns_tunnel_regdom(q->name);
    const char *dom = q->name + off;
    uint64_t h = XXH3_64bits(dom, strlen(dom));
    size_t sub = off ? off - 1 : 0;

    if (det_strs_has(&p->ignore, dom))
        return;
    d->queries++;
    if (d->dom_w == 0) {
        dom_reset(d, h, dom);
    } else if (d->dom != h) {
        d->dom_w--;
        return;
    } else {
        d->dom_w++;
    }
    d->dom_queries++;
    d->dom_bytes += msg_len;
    anz_hll_add(&d->dom_names, q->name, strlen(q->name));
    if (longest_label(q->name, sub) >= p->long_label)
        d->dom_long++;
    if (sub >= p->min_subdomain && det_dns_tunnel_entropy(q->name, sub) >= p->min_entropy)
        d->dom_entropic++;
    if (q->qtype == QTYPE_TXT || q->qtype == QTYPE_NULL)
        d->dom_txt++;
}

static uint64_t dns_key(const struct det_ctx *c)
{
    const struct anz_host_dns *d = &c->src->dns;

    return det_key("dnstun", c->evt->rec.src.b, 16, &d->dom, sizeof(d->dom));
}

static void dns_fill(const struct det_dns_tunnel_params *p, const struct det_ctx *c,
                     uint64_t uniq, struct det_hit *hit)
{
    const struct anz_host_dns *d = &c->src->dns;
    struct fw_buf b;

    det_hit_init(hit, c, ANZ_BLAME_SRC, p->window_us);
    hit->crit = c->crit_src;
    snprintf(hit->reason, sizeof(hit->reason),
             "%s queried %llu unique names under %s in %llu s (%u queries: %u long labels, "
             "%u high-entropy, %u TXT/NULL, %llu bytes)",
             det_ip(&c->evt->rec.src, 0), (unsigned long long)uniq, d->dom_name,
             (unsigned long long)det_secs(p->window_us), d->dom_queries, d->dom_long,
             d->dom_entropic, d->dom_txt, (unsigned long long)d->dom_bytes);
    fw_buf_init(&b);
    fw_buf_putc(&b, '{');
    fw_buf_json_kv_str(&b, "domain", d->dom_name);
    fw_buf_json_kv_u64(&b, "unique_names", uniq);
    fw_buf_json_kv_u64(&b, "queries", d->dom_queries);
    fw_buf_json_kv_u64(&b, "long_labels", d->dom_long);
    fw_buf_json_kv_u64(&b, "high_entropy", d->dom_entropic);
    fw_buf_json_kv_u64(&b, "txt_null", d->dom_txt);
    fw_buf_json_kv_u64(&b, "bytes", d->dom_bytes);
    fw_buf_putc(&b, '}');
    det_hit_evidence(hit, &b);
    fw_buf_free(&b);
}

bool det_dns_tunnel_eval(const struct det_dns_tunnel_params *p, struct det_ctx *c, bool update,
                         struct det_hit *hit)
{
    const struct flow_evt *e = c->evt;
    struct anz_host_dns *d;
    uint64_t uniq, win, key;
    uint32_t susp;
    unsigned i;

    if (e->type != FLOW_EVT_DNS || e->dns.is_response || !e->dns_from_src || !c->src)
        return false;
    d = &c->src->dns;
    if (update) {
        win = anz_window_start(c->now, p->window_us);
        if (d->win != win) {
            memset(&d->queries, 0, offsetof(struct anz_host_dns, dom_names) -
                                       offsetof(struct anz_host_dns, queries));
            d->win = win;
            anz_hll_reset(&d->dom_names);
        }
        for (i = 0; i < e->dns.n_questions && i < META_DNS_MAX_QUESTIONS; i++)
            dns_question(p, d, &e->dns.questions[i], e->dns.msg_len);
    }
    if (d->dom_queries == 0)
        return false;
    uniq = anz_hll_count(&d->dom_names);
    susp = d->dom_long > d->dom_entropic ? d->dom_long : d->dom_entropic;
    if (d->dom_txt > susp)
        susp = d->dom_txt;
    if (uniq < p->min_unique)
        return false;
    if (uniq < p->hard_unique && susp < p->min_ratio * d->dom_queries)
        return false;
    key = dns_key(c);
    if (!det_hit_wanted(c, key, p->window_us))
        return false;               /* alerted on this domain moments ago */
    dns_fill(p, c, uniq, hit);
    hit->key = key;
    return true;
}
