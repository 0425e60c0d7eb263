/* analyzers/anz_engine.c: the analyzer stage (see anz_engine.h).
 *
 * Per event: zones from the config's zone map, host entries, baselines, then the
 * match rules (rule_set_eval) and every behaviour detector that has an analyzer
 * rule. A detector hit becomes an alert here: rule exceptions, one alert per
 * (rule, key, window) updated rather than repeated, stable ids, scores scaled by
 * zone criticality and added to the decaying scoreboard. Every new alert raised here,
 * by a detector or a rule, is then handed to the "event: alert" rules
 * (rule_set_eval_alert) before the next one; their own alerts are emitted but never
 * handed back, so correlation cannot loop. */
#include "anz_engine.h"

#include <stdio.h>
#include <string.h>
#include <xxhash.h>

#include "anz_host.h"
#include "anz_lru.h"
#include "anz_params.h"
#include "anz_score.h"
#include "det_amplification.h"
#include "det_beacon.h"
#include "det_bruteforce.h"
#include "det_dns_tunnel.h"
#include "det_exfil.h"
#include "det_flood.h"
#include "det_lateral.h"
#include "det_ndpi_risk.h"
#include "det_new_asset.h"
#include "det_protocol_anomaly.h"
#include "det_scan.h"
#include "det_threat_intel.h"
#include "det_zone_policy.h"
#include "fw_alloc.h"
#include "fw_err.h"
#include "fw_log.h"
#include "rule_set.h"

#define DEDUP_MAX 65536
#define UPDATE_MIN_US (10ull * 1000000ull)  /* an ongoing alert is re-sent at most this often */
#define HOSTS_MIN 16

typedef bool (*det_eval_fn)(const void *p, struct det_ctx *c, bool update, struct det_hit *hit);

static bool ev_scan(const void *p, struct det_ctx *c, bool u, struct det_hit *h)
{
    return det_scan_eval(p, c, u, h);
}
static bool ev_flood(const void *p, struct det_ctx *c, bool u, struct det_hit *h)
{
    return det_flood_eval(p, c, u, h);
}
static bool ev_amp(const void *p, struct det_ctx *c, bool u, struct det_hit *h)
{
    return det_amplification_eval(p, c, u, h);
}
static bool ev_brute(const void *p, struct det_ctx *c, bool u, struct det_hit *h)
{
    return det_bruteforce_eval(p, c, u, h);
}
static bool ev_dns(const void *p, struct det_ctx *c, bool u, struct det_hit *h)
{
    return det_dns_tunnel_eval(p, c, u, h);
}
static bool ev_beacon(const void *p, struct det_ctx *c, bool u, struct det_hit *h)
{
    return det_beacon_eval(p, c, u, h);
}
static bool ev_exfil(const void *p, struct det_ctx *c, bool u, struct det_hit *h)
{
    return det_exfil_eval(p, c, u, h);
}
static bool ev_lateral(const void *p, struct det_ctx *c, bool u, struct det_hit *h)
{
    return det_lateral_eval(p, c, u, h);
}
static bool ev_zone(const void *p, struct det_ctx *c, bool u, struct det_hit *h)
{
    return det_zone_policy_eval(p, c, u, h);
}
static bool ev_ti(const void *p, struct det_ctx *c, bool u, struct det_hit *h)
{
    return det_threat_intel_eval(p, c, u, h);
}
static bool ev_risk(const void *p, struct det_ctx *c, bool u, struct det_hit *h)
{
    return det_ndpi_risk_eval(p, c, u, h);
}
static bool ev_pa(const void *p, struct det_ctx *c, bool u, struct det_hit *h)
{
    return det_protocol_anomaly_eval(p, c, u, h);
}
static bool ev_asset(const void *p, struct det_ctx *c, bool u, struct det_hit *h)
{
    return det_new_asset_eval(p, c, u, h);
}

static const det_eval_fn evals[ANZ_KIND_COUNT] = {
    [ANZ_SCAN] = ev_scan,
    [ANZ_FLOOD] = ev_flood,
    [ANZ_AMPLIFICATION] = ev_amp,
    [ANZ_BRUTEFORCE] = ev_brute,
    [ANZ_DNS_TUNNEL] = ev_dns,
    [ANZ_BEACON] = ev_beacon,
    [ANZ_EXFIL] = ev_exfil,
    [ANZ_LATERAL] = ev_lateral,
    [ANZ_ZONE_POLICY] = ev_zone,
    [ANZ_THREAT_INTEL] = ev_ti,
    [ANZ_NDPI_RISK] = ev_risk,
    [ANZ_PROTOCOL_ANOMALY] = ev_pa,
    [ANZ_NEW_ASSET] = ev_asset,
};

struct det_inst {
    const struct rule *r;
    const struct rule_meta *m;
    void *params;               /* struct det_<kind>_params; owned */
    uint64_t rule_hash;
};

struct dedup_key {
    uint64_t rule_hash, key, win;
};

struct dedup_ent {
    struct dedup_key k;         /* first member */
    uint64_t first_us, last_emit_us;
    uint32_t updates;
    char id[24];
};

struct anz_engine {
    const struct fw_config *cfg;
    const struct rule_set *rules;
    anz_alert_fn fn;
    void *fn_ctx;
    struct anz_hosts *hosts;
    struct anz_scoreboard *sb;
    struct anz_lru *dedup;
    struct rule_state *rstate;
    struct det_inst *inst[ANZ_KIND_COUNT];
    size_t ninst[ANZ_KIND_COUNT];
    struct anz_stats st;
    uint64_t since_us;          /* first event time */
    uint64_t now_us;            /* latest packet time seen */
};

/* ---- params from analyzer rules ---- */

static void params_load_one(const struct rule *r, const struct anz_param_spec *s, void *p)
{
    void *field = (char *)p + s->off;
    const char *const *items;
    const char *str;
    size_t n;

    switch (s->conv) {
    case ANZ_C_DOUBLE:
        *(double *)field = rule_param_double(r, s->name, *(double *)field);
        break;
    case ANZ_C_USEC:
        *(uint64_t *)field = rule_param_duration(r, s->name, *(uint64_t *)field);
        break;
    case ANZ_C_BOOL:
        *(bool *)field = rule_param_double(r, s->name, *(bool *)field ? 1 : 0) != 0;
        break;
    case ANZ_C_STR:
        str = rule_param_str(r, s->name, NULL);
        if (str)
            anz_params_set(s, p, &str, 1);
        break;
    default:
        n = rule_param_list(r, s->name, &items);
        if (n && anz_params_set(s, p, items, n) != 0)
            fw_log(FW_LOG_WARN, "%s: param %s: bad list, default kept",
                   rule_meta_of(r)->id, s->name);
        break;
    }
}

/* Folder of the rule's file, for relative list paths. */
static void rule_dir(const struct rule_meta *m, char *buf, size_t len)
{
    const char *slash = m->file ? strrchr(m->file, '/') : NULL;
    size_t n = slash ? (size_t)(slash - m->file) : 0;

    if (n >= len)
        n = len - 1;
    if (n)
        memcpy(buf, m->file, n);
    buf[n] = '\0';
}

static int params_prepare(enum anz_kind kind, const struct rule_meta *m, void *p)
{
    char dir[512], err[256];
    const char *bad = NULL;
    int rc = 0;

    if (kind == ANZ_NDPI_RISK) {
        rc = det_ndpi_risk_prepare(p, &bad);
        if (rc)
            fw_log(FW_LOG_WARN, "%s: unknown nDPI risk '%s' ignored", m->id, bad ? bad : "?");
        rc = 0;
    } else if (kind == ANZ_THREAT_INTEL) {
        rule_dir(m, dir, sizeof(dir));
        rc = det_threat_intel_open(p, dir, err, sizeof(err));
        if (err[0])
            fw_log(FW_LOG_WARN, "%s: threat intel list: %s", m->id, err);
        rc = rc == FW_ENOMEM ? rc : 0;
    }
    return rc;
}

static void params_free(enum anz_kind kind, void *p)
{
    if (p && kind == ANZ_THREAT_INTEL)
        det_threat_intel_close(p);
    fw_free(p);
}

static void *params_load(enum anz_kind kind, const struct rule *r)
{
    const struct anz_param_spec *specs;
    size_t n, i, sz = anz_params_size(kind);
    void *p;

    if (sz == 0)
        return NULL;
    p = fw_calloc(1, sz);
    if (!p)
        return NULL;
    if (anz_params_defaults(kind, p) != 0)
        fw_log(FW_LOG_WARN, "analyzer %s: bad built-in defaults", anz_kind_name(kind));
    specs = anz_params_for(kind, &n);
    for (i = 0; i < n; i++)
        params_load_one(r, &specs[i], p);
    if (params_prepare(kind, rule_meta_of(r), p) != 0) {
        params_free(kind, p);
        return NULL;
    }
    return p;
}

static void insts_free(struct anz_engine *e)
{
    size_t k, i;

    for (k = 0; k < ANZ_KIND_COUNT; k++) {
        for (i = 0; i < e->ninst[k]; i++)
            params_free((enum anz_kind)k, e->inst[k][i].params);
        fw_free(e->inst[k]);
        e->inst[k] = NULL;
        e->ninst[k] = 0;
    }
}

static void insts_load_kind(struct anz_engine *e, enum anz_kind k)
{
    const struct rule *const *rs;
    size_t n = rule_set_analyzer_rules(e->rules, k, &rs), i, j = 0;
    struct det_inst *v;

    if (n == 0 || !evals[k])
        return;
    v = fw_calloc(n, sizeof(*v));
    if (!v)
        return;
    for (i = 0; i < n; i++) {
        v[j].r = rs[i];
        v[j].m = rule_meta_of(rs[i]);
        v[j].params = params_load(k, rs[i]);
        v[j].rule_hash = XXH3_64bits(v[j].m->id, strlen(v[j].m->id));
        if (v[j].params)
            j++;
    }
    e->inst[k] = v;
    e->ninst[k] = j;
}

static void insts_load(struct anz_engine *e)
{
    int k;

    insts_free(e);
    if (!e->rules)
        return;
    for (k = 0; k < ANZ_KIND_COUNT; k++)
        insts_load_kind(e, (enum anz_kind)k);
}

/* ---- life cycle ---- */

struct anz_engine *anz_engine_create(const struct fw_config *cfg, const struct rule_set *rules,
                                     anz_alert_fn fn, void *fn_ctx)
{
    struct anz_engine *e = fw_calloc(1, sizeof(*e));
    size_t hmax = cfg && cfg->hosts_max > HOSTS_MIN ? (size_t)cfg->hosts_max : HOSTS_MIN;

    if (!e)
        return NULL;
    e->cfg = cfg;
    e->fn = fn;
    e->fn_ctx = fn_ctx;
    e->hosts = anz_hosts_create(hmax, hmax * 2);
    e->sb = anz_scoreboard_create(hmax, cfg ? cfg->half_life_us : 0);
    e->dedup = anz_lru_create(DEDUP_MAX, sizeof(struct dedup_ent), sizeof(struct dedup_key),
                              NULL);
    e->rstate = rule_state_create(hmax);
    if (!e->hosts || !e->sb || !e->dedup || !e->rstate) {
        anz_engine_destroy(e);
        return NULL;
    }
    e->rules = rules;
    insts_load(e);
    return e;
}

void anz_engine_destroy(struct anz_engine *e)
{
    if (!e)
        return;
    insts_free(e);
    rule_state_destroy(e->rstate);
    anz_lru_destroy(e->dedup);
    anz_scoreboard_destroy(e->sb);
    anz_hosts_destroy(e->hosts);
    fw_free(e);
}

void anz_engine_set_rules(struct anz_engine *e, const struct rule_set *rules)
{
    if (e->rules && rules && e->rules != rules)
        rule_state_rebind(e->rstate, e->rules, rules);
    e->rules = rules;
    insts_load(e);
}

/* ---- zones ---- */

static int zone_of(const struct anz_engine *e, const struct fw_ip *ip)
{
    return e->cfg && ip->family ? fw_config_zone_of(e->cfg, ip) : FLOW_ZONE_EXTERNAL;
}

static const char *zone_name(const struct anz_engine *e, int zone)
{
    const char *n = e->cfg ? fw_config_zone_name(e->cfg, zone) : NULL;

    return n ? n : "external";
}

static int zone_crit(const struct anz_engine *e, int zone)
{
    int c = e->cfg ? fw_config_zone_criticality(e->cfg, zone) : 1;

    return c < 1 ? 1 : c;
}

static bool is_expected(const struct anz_engine *e, const struct flow_rec *r)
{
    const struct fw_expected_pair *x;
    size_t i;

    for (i = 0; e->cfg && i < e->cfg->nexpected; i++) {
        x = &e->cfg->expected[i];
        if (fw_cidr_contains(&x->src, &r->src) && fw_cidr_contains(&x->dst, &r->dst) &&
            (x->dport == 0 || x->dport == r->dport))
            return true;
    }
    return false;
}

/* ---- alerts ---- */

static void alert_id(char *out, size_t len, const char *rule_id, uint64_t key, uint64_t win)
{
    uint64_t h = XXH3_64bits(rule_id, strlen(rule_id));

    h = XXH3_64bits_withSeed(&key, sizeof(key), h);
    h = XXH3_64bits_withSeed(&win, sizeof(win), h);
    snprintf(out, len, "%016llx", (unsigned long long)h);
}

static void alert_meta(struct anz_alert *a, const struct rule_meta *m)
{
    size_t i;

    snprintf(a->rule_id, sizeof(a->rule_id), "%s", m->id ? m->id : "");
    snprintf(a->rule_name, sizeof(a->rule_name), "%s", m->title ? m->title : "");
    snprintf(a->rule_version, sizeof(a->rule_version), "%s", m->version ? m->version : "1");
    snprintf(a->ruleset, sizeof(a->ruleset), "%s", m->ruleset ? m->ruleset : "default");
    for (i = 0; i < m->ntechniques && i < ANZ_MAX_TECHNIQUES && m->techniques[i]; i++)
        snprintf(a->techniques[i], sizeof(a->techniques[i]), "%s", m->techniques[i]);
    a->shadow = m->shadow;
}

/* Points to the blamed host (new, non-shadow alerts only), host_score, counters. */
static void alert_score(struct anz_engine *e, struct anz_alert *a, int crit)
{
    const struct fw_ip *who = a->blame == ANZ_BLAME_DST && a->dst.family ? &a->dst : &a->src;
    const char *zn = who == &a->dst ? a->zone_dst : a->zone_src;

    a->score = a->score * (crit < 1 ? 1 : crit) / 3.0;
    if (!a->shadow && a->updates == 0)
        a->host_score = anz_scoreboard_add(e->sb, who, zn, a->score, a->rule_id, a->ts_us);
    else
        a->host_score = anz_scoreboard_host_score(e->sb, who, a->ts_us);
    e->st.alerts++;
    if (a->updates == 0)
        e->st.alerts_new++;
    if (a->shadow)
        e->st.alerts_shadow++;
    if (a->analyzer < ANZ_KIND_COUNT)
        e->st.by_analyzer[a->analyzer]++;
}

/* Rules on alerts see the alert right after it went out (cause before effect). */
static void on_corr_alert(void *ctx, const struct anz_alert *ra);

static void correlate(struct anz_engine *e, const struct anz_alert *a)
{
    if (e->rules)
        rule_set_eval_alert(e->rules, e->rstate, a, e->cfg ? e->cfg->sensor_id : "",
                            on_corr_alert, e);
}

/* An alert already sent is re-sent as an update at most every UPDATE_MIN_US. */
static bool dedup_too_soon(const struct dedup_ent *d, uint64_t now)
{
    return now < d->last_emit_us + UPDATE_MIN_US;
}

/* De-duplication: NULL when this (rule, key, window) was emitted too recently. */
static struct dedup_ent *dedup_step(struct anz_engine *e, const struct det_inst *in,
                                    uint64_t key, uint64_t win, uint64_t now)
{
    struct dedup_key k = {in->rule_hash, key, win};
    struct dedup_ent *d;
    bool created;

    d = anz_lru_get(e->dedup, &k, true, &created);
    if (!d)
        return NULL;
    if (created) {
        d->first_us = now;
        alert_id(d->id, sizeof(d->id), in->m->id, key, win);
    } else {
        if (dedup_too_soon(d, now))
            return NULL;
        d->updates++;
    }
    d->last_emit_us = now;
    return d;
}

static void emit_hit(struct anz_engine *e, enum anz_kind kind, const struct det_inst *in,
                     const struct det_ctx *c, const struct rule_ctx *rc, const struct det_hit *h)
{
    const struct dedup_ent *d;
    struct anz_alert a;

    if (rule_excepted(in->r, c->evt, rc))
        return;
    d = dedup_step(e, in, h->key, anz_window_start(c->now, h->window_us), c->now);
    if (!d)
        return;
    memset(&a, 0, sizeof(a));
    snprintf(a.id, sizeof(a.id), "%s", d->id);
    a.ts_us = c->now;
    a.first_us = d->first_us;
    a.updates = d->updates;
    alert_meta(&a, in->m);
    a.analyzer = (uint8_t)kind;
    a.severity = h->severity ? h->severity : in->m->severity;
    a.blame = h->blame;
    snprintf(a.reason, sizeof(a.reason), "%s", h->reason);
    a.src = h->src;
    a.dst = h->dst;
    a.sport = h->sport;
    a.dport = h->dport;
    a.proto = h->proto;
    snprintf(a.zone_src, sizeof(a.zone_src), "%s", zone_name(e, zone_of(e, &h->src)));
    snprintf(a.zone_dst, sizeof(a.zone_dst), "%s",
             h->dst.family ? zone_name(e, zone_of(e, &h->dst)) : "");
    snprintf(a.evidence, sizeof(a.evidence), "%s", h->evidence);
    snprintf(a.app, sizeof(a.app), "%s", c->evt->rec.ndpi_proto);
    a.score = in->m->score;
    alert_score(e, &a, h->crit);
    if (e->fn)
        e->fn(e->fn_ctx, &a);
    correlate(e, &a);
}

/* A match rule's alert: scored by the more critical zone of its two ends. */
static void rule_alert_out(struct anz_engine *e, const struct anz_alert *ra, bool feed)
{
    struct anz_alert a = *ra;
    int cs = zone_crit(e, zone_of(e, &a.src));
    int cd = a.dst.family ? zone_crit(e, zone_of(e, &a.dst)) : 1;

    a.analyzer = ANZ_RULE;
    alert_score(e, &a, cs > cd ? cs : cd);
    if (e->fn)
        e->fn(e->fn_ctx, &a);
    if (feed)
        correlate(e, &a);
}

static void on_rule_alert(void *ctx, const struct anz_alert *ra)
{
    rule_alert_out(ctx, ra, true);
}

/* Alerts of "event: alert" rules: emitted, never fed back to rules on alerts. */
static void on_corr_alert(void *ctx, const struct anz_alert *ra)
{
    rule_alert_out(ctx, ra, false);
}

/* ---- events ---- */

static void ctx_fill(struct anz_engine *e, struct flow_evt *evt, struct det_ctx *c)
{
    struct flow_rec *r = &evt->rec;

    memset(c, 0, sizeof(*c));
    c->evt = evt;
    c->now = evt->ts_us;
    c->since_us = e->since_us;
    c->hosts = e->hosts;
    c->zone_src = zone_of(e, &r->src);
    c->zone_dst = zone_of(e, &r->dst);
    r->zone_src = (int16_t)c->zone_src;
    r->zone_dst = (int16_t)c->zone_dst;
    c->crit_src = zone_crit(e, c->zone_src);
    c->crit_dst = zone_crit(e, c->zone_dst);
    c->zname_src = zone_name(e, c->zone_src);
    c->zname_dst = zone_name(e, c->zone_dst);
    c->src_internal = c->zone_src >= 0 || fw_ip_is_private(&r->src);
    c->dst_internal = c->zone_dst >= 0 || fw_ip_is_private(&r->dst);
    c->denied = e->cfg && fw_config_denied(e->cfg, c->zone_src, c->zone_dst);
    c->expected = is_expected(e, r);
    c->icmp_error = det_is_icmp_error(r);
    /* dst first: creating src last keeps it most recent, so it cannot be recycled */
    c->dst = r->dst.family ? anz_hosts_get(e->hosts, &r->dst, c->now) : NULL;
    c->src = r->src.family ? anz_hosts_get(e->hosts, &r->src, c->now) : NULL;
    if (c->dst && c->src && !anz_hosts_find(e->hosts, &r->dst))
        c->dst = NULL;          /* recycled by the src insertion (tiny tables only) */
}

static void base_update(struct det_ctx *c)
{
    const struct flow_rec *r = &c->evt->rec;

    if (c->dst) {
        c->dst->zone = (int16_t)c->zone_dst;
        anz_host_base_roll(c->dst, c->now);
    }
    if (!c->src)
        return;
    c->src->zone = (int16_t)c->zone_src;
    anz_host_base_roll(c->src, c->now);
    if (c->evt->type == FLOW_EVT_START && !c->icmp_error) {
        c->src->base.flows++;
        anz_hll_add(&c->src->base.peers, r->dst.b, sizeof(r->dst.b));
    } else if (c->evt->type == FLOW_EVT_END && c->src_internal && !c->dst_internal) {
        c->src->base.ext_bytes += r->src_bytes;
    }
}

/* What det_ctx.wanted needs to know: the instance being evaluated. */
struct wanted_arg {
    struct anz_engine *e;
    const struct det_inst *in;
    const struct rule_ctx *rc;
    bool first;                 /* first instance of its kind: not filtered yet */
};

/* det_ctx.wanted: false exactly when run_detectors/emit_hit would drop the
 * hit without a trace (rule not accepting the event, an exception, or an
 * alert on the same key sent less than UPDATE_MIN_US ago), touching the
 * de-duplication table as emit_hit would, so that skipping the formatting
 * changes no alert and no eviction order. */
static bool engine_wanted(const struct det_ctx *c, uint64_t key, uint64_t window_us)
{
    const struct wanted_arg *w = c->wanted_arg;
    struct dedup_key k = {w->in->rule_hash, key, anz_window_start(c->now, window_us)};
    const struct dedup_ent *d;

    if (w->first && !rule_accepts(w->in->r, c->evt, w->rc))
        return false;
    if (rule_excepted(w->in->r, c->evt, w->rc))
        return false;
    d = anz_lru_get(w->e->dedup, &k, false, NULL);
    return !d || !dedup_too_soon(d, c->now);
}

static void run_detectors(struct anz_engine *e, struct det_ctx *c, const struct rule_ctx *rc)
{
    struct wanted_arg w = {.e = e, .rc = rc};
    struct det_hit hit;
    const struct det_inst *in;
    size_t k, i;
    bool fired;

    c->wanted = engine_wanted;
    c->wanted_arg = &w;
    for (k = 0; k < ANZ_KIND_COUNT; k++) {
        for (i = 0; i < e->ninst[k]; i++) {
            in = &e->inst[k][i];
            /* the first rule of a kind feeds the shared state, accepted or not */
            if (i > 0 && !rule_accepts(in->r, c->evt, rc))
                continue;
            w.in = in;
            w.first = i == 0;
            fired = evals[k](in->params, c, i == 0, &hit);
            if (fired && (i > 0 || rule_accepts(in->r, c->evt, rc)))
                emit_hit(e, (enum anz_kind)k, in, c, rc, &hit);
        }
    }
    c->wanted = NULL;               /* w lives only here */
    c->wanted_arg = NULL;
}

void anz_engine_event(struct anz_engine *e, struct flow_evt *evt)
{
    struct det_ctx c;
    struct rule_ctx rc;

    e->st.events++;
    if (e->since_us == 0)
        e->since_us = evt->ts_us;
    if (evt->ts_us > e->now_us)
        e->now_us = evt->ts_us;
    ctx_fill(e, evt, &c);
    base_update(&c);
    rc.zone_src = c.zname_src;
    rc.zone_dst = c.zname_dst;
    rc.sensor = e->cfg ? e->cfg->sensor_id : "";
    if (e->rules)
        rule_set_eval(e->rules, e->rstate, evt, &rc, on_rule_alert, e);
    run_detectors(e, &c, &rc);
}

void anz_engine_tick(struct anz_engine *e, uint64_t now_us)
{
    if (now_us > e->now_us)
        e->now_us = now_us;
    anz_scoreboard_tick(e->sb, e->now_us);
}

void anz_engine_stats(const struct anz_engine *e, struct anz_stats *st)
{
    *st = e->st;
    st->hosts_active = anz_hosts_count(e->hosts);
    st->hosts_evicted = anz_hosts_evicted(e->hosts);
}

int anz_engine_explain_host(const struct anz_engine *e, const struct fw_ip *ip, char *buf,
                            size_t len)
{
    return anz_scoreboard_explain(e->sb, ip, e->now_us, buf, len);
}

const struct anz_scoreboard *anz_engine_scoreboard(const struct anz_engine *e)
{
    return e->sb;
}
