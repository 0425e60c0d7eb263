/* analyzers/det_threat_intel.c: IP/CIDR and domain lists. */
#include "det_threat_intel.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

#include "anz_lru.h"
#include "fw_alloc.h"
#include "fw_err.h"

#define TI_LINE_MAX 512

struct det_ti {
    struct anz_lru *hosts;      /* full-length addresses (key: struct fw_ip) */
    struct anz_lru *domains;    /* key: XXH3 of the lower-case name */
    struct fw_cidr *cidrs;      /* shorter prefixes, scanned linearly */
    size_t ncidrs, cap_cidrs;
    size_t entries;
};

static void ti_free(struct det_ti *ti)
{
    if (!ti)
        return;
    anz_lru_destroy(ti->hosts);
    anz_lru_destroy(ti->domains);
    fw_free(ti->cidrs);
    fw_free(ti);
}

/* Trim comment and blanks in place; returns the start of the entry or NULL. */
static char *ti_line(char *s)
{
    char *hash = strchr(s, '#');
    size_t n;

    if (hash)
        *hash = '\0';
    while (*s && isspace((unsigned char)*s))
        s++;
    n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return n ? s : NULL;
}

static int ti_add_ip(struct det_ti *ti, const char *s)
{
    struct fw_cidr c;
    struct fw_cidr *nc;

    if (fw_cidr_parse(s, &c) != 0)
        return FW_EINVAL;
    if (c.plen == (c.ip.family == 4 ? 32 : 128)) {
        struct fw_ip k;

        memset(&k, 0, sizeof(k));
        k.family = c.ip.family;
        memcpy(k.b, c.ip.b, 16);
        return anz_lru_get(ti->hosts, &k, true, NULL) ? 0 : FW_ENOMEM;
    }
    if (ti->ncidrs == ti->cap_cidrs) {
        nc = fw_reallocarray(ti->cidrs, ti->cap_cidrs ? ti->cap_cidrs * 2 : 16, sizeof(*nc));
        if (!nc)
            return FW_ENOMEM;
        ti->cidrs = nc;
        ti->cap_cidrs = ti->cap_cidrs ? ti->cap_cidrs * 2 : 16;
    }
    ti->cidrs[ti->ncidrs++] = c;
    return 0;
}

static uint64_t name_hash(const char *s, size_t n)
{
    char low[META_DNS_NAME_MAX];
    size_t i;

    if (n >= sizeof(low))
        n = sizeof(low) - 1;
    for (i = 0; i < n; i++)
        low[i] = (char)tolower((unsigned char)s[i]);
    return XXH3_64bits(low, n);
}

static int ti_add_domain(struct det_ti *ti, const char *s)
{
    uint64_t h;
    size_t n = strlen(s);

    while (n && s[n - 1] == '.')
        n--;
    if (n == 0 || n >= META_DNS_NAME_MAX)
        return FW_EINVAL;
    h = name_hash(s, n);
    return anz_lru_get(ti->domains, &h, true, NULL) ? 0 : FW_ENOMEM;
}

static int ti_load(struct det_ti *ti, const char *path, const char *base, bool ips, size_t max,
                   char *err, size_t errlen)
{
    char full[768], line[TI_LINE_MAX], *e;
    unsigned lineno = 0;
    size_t n = 0;
    FILE *f;
    int rc = 0;

    if (path[0] != '/' && base && base[0])
        snprintf(full, sizeof(full), "%s/%s", base, path);
    else
        snprintf(full, sizeof(full), "%s", path);
    f = fopen(full, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open", full);
        return FW_ENOENT;
    }
    while (fgets(line, sizeof(line), f) && n < max) {
        lineno++;
        e = ti_line(line);
        if (!e)
            continue;
        rc = ips ? ti_add_ip(ti, e) : ti_add_domain(ti, e);
        if (rc == FW_ENOMEM)
            break;
        if (rc) {
            snprintf(err, errlen, "%s:%u: bad %s entry", full, lineno, ips ? "address" : "domain");
            continue;           /* keep the rest of the feed */
        }
        n++;
    }
    fclose(f);
    ti->entries += n;
    return rc == FW_ENOMEM ? rc : 0;
}

int det_threat_intel_open(struct det_threat_intel_params *p, const char *base_dir, char *err,
                          size_t errlen)
{
    size_t max = p->max_entries >= 1 ? (size_t)p->max_entries : 1;
    struct det_ti *ti = fw_calloc(1, sizeof(*ti));
    int rc = 0, r2;

    if (err && errlen)
        err[0] = '\0';
    if (!ti)
        return FW_ENOMEM;
    ti->hosts = anz_lru_create(max, sizeof(struct fw_ip), sizeof(struct fw_ip), NULL);
    ti->domains = anz_lru_create(max, sizeof(uint64_t), sizeof(uint64_t), NULL);
    if (!ti->hosts || !ti->domains) {
        ti_free(ti);
        return FW_ENOMEM;
    }
    if (p->ip_list[0])
        rc = ti_load(ti, p->ip_list, base_dir, true, max, err, errlen);
    if (p->domain_list[0]) {
        r2 = ti_load(ti, p->domain_list, base_dir, false, max, err, errlen);
        rc = rc ? rc : r2;
    }
    p->ti = ti;
    return rc;
}

void det_threat_intel_close(struct det_threat_intel_params *p)
{
    ti_free(p->ti);
    p->ti = NULL;
}

size_t det_threat_intel_size(const struct det_threat_intel_params *p)
{
    return p->ti ? p->ti->entries : 0;
}

static bool ti_ip(const struct det_ti *ti, const struct fw_ip *ip)
{
    struct fw_ip k;
    size_t i;

    if (ip->family == 0)
        return false;
    memset(&k, 0, sizeof(k));
    k.family = ip->family;
    memcpy(k.b, ip->b, 16);
    if (anz_lru_find(ti->hosts, &k))
        return true;
    for (i = 0; i < ti->ncidrs; i++)
        if (fw_cidr_contains(&ti->cidrs[i], ip))
            return true;
    return false;
}

/* The listed name that matches name or one of its parents, or NULL. */
static const char *ti_domain(const struct det_ti *ti, const char *name)
{
    const char *s = name;
    uint64_t h;

    while (s && *s) {
        h = name_hash(s, strlen(s));
        if (anz_lru_find(ti->domains, &h))
            return s;
        s = strchr(s, '.');
        if (s)
            s++;
    }
    return NULL;
}

/* what: "address" or the field the name came from; indicator: the listed value. */
static void ti_fill(const struct det_threat_intel_params *p, const struct det_ctx *c,
                    enum anz_blame blame, const char *what, const char *indicator,
                    struct det_hit *hit)
{
    const struct flow_rec *r = &c->evt->rec;
    const struct fw_ip *bad = blame == ANZ_BLAME_SRC ? &r->dst : &r->src;
    struct fw_buf b;

    det_hit_init(hit, c, blame, p->window_us);
    hit->crit = blame == ANZ_BLAME_SRC ? c->crit_src : c->crit_dst;
    hit->key = det_key("ti", blame == ANZ_BLAME_SRC ? r->src.b : r->dst.b, 16, indicator,
                       strlen(indicator));
    snprintf(hit->reason, sizeof(hit->reason),
             "%s talked to %s, listed in threat intelligence (%s %s), on %u/%s",
             det_ip(blame == ANZ_BLAME_SRC ? &r->src : &r->dst, 0), det_ip(bad, 1), what,
             indicator, r->dport, det_proto_name(r->proto));
    fw_buf_init(&b);
    fw_buf_putc(&b, '{');
    fw_buf_json_kv_str(&b, "indicator", indicator);
    fw_buf_json_kv_str(&b, "field", what);
    fw_buf_putc(&b, '}');
    det_hit_evidence(hit, &b);
    fw_buf_free(&b);
}

static bool ti_names(const struct det_threat_intel_params *p, const struct det_ctx *c,
                     struct det_hit *hit)
{
    const struct flow_evt *e = c->evt;
    const struct flow_rec *r = &e->rec;
    const char *m;
    unsigned i;

    if (e->type == FLOW_EVT_DNS) {
        for (i = 0; i < e->dns.n_questions && i < META_DNS_MAX_QUESTIONS; i++) {
            m = ti_domain(p->ti, e->dns.questions[i].name);
            if (m && !e->dns.is_response) {
                ti_fill(p, c, ANZ_BLAME_SRC, "dns.question.name", m, hit);
                return true;
            }
        }
        return false;
    }
    if ((r->meta & FLOW_META_TLS) && (m = ti_domain(p->ti, r->tls.server_name))) {
        ti_fill(p, c, ANZ_BLAME_SRC, "tls.client.server_name", m, hit);
        return true;
    }
    if ((r->meta & FLOW_META_HTTP) && (m = ti_domain(p->ti, r->http.host))) {
        ti_fill(p, c, ANZ_BLAME_SRC, "url.domain", m, hit);
        return true;
    }
    if ((m = ti_domain(p->ti, r->dns_qname))) {
        ti_fill(p, c, ANZ_BLAME_SRC, "dns.question.name", m, hit);
        return true;
    }
    return false;
}

bool det_threat_intel_eval(const struct det_threat_intel_params *p, struct det_ctx *c,
                           bool update, struct det_hit *hit)
{
    const struct flow_rec *r = &c->evt->rec;
    char buf[FW_IP_STRLEN];

    (void)update;
    if (!p->ti)
        return false;
    if (c->evt->type == FLOW_EVT_START) {
        if (c->icmp_error)      /* the flow it answers was judged already */
            return false;
        if (ti_ip(p->ti, &r->dst)) {
            ti_fill(p, c, ANZ_BLAME_SRC, "address", fw_ip_str(&r->dst, buf, sizeof(buf)), hit);
            return true;
        }
        if (ti_ip(p->ti, &r->src)) {
            ti_fill(p, c, ANZ_BLAME_DST, "address", fw_ip_str(&r->src, buf, sizeof(buf)), hit);
            return true;
        }
        return false;
    }
    return ti_names(p, c, hit);
}
