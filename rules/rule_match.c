/* rules/rule_match.c: evaluating compiled rules on flow events, and raising alerts.
 *
 * A condition reads one field through the registry and applies its operator
 * to each value (any value matching makes it true), then |not negates. A field
 * the event does not carry matches nothing, so "x|not: v" holds when x is
 * absent, as in Sigma. Match rules without aggregate raise one alert per
 * matching event; the alert id hashes rule id, flow key (community id, else the
 * 5-tuple), flow start time and, for dns events, the event time, so a replay of
 * the same capture gives the same ids. Aggregate rules go through rule_window.c.
 * Shadow rules raise their alerts too, with alert.shadow set, and count
 * shadow_hits: the engine decides not to export them.
 * Rules of "event: alert" see each alert the engine raised, wrapped as a
 * struct rule_alert_evt (rule_set_eval_alert): the same matching, windows and
 * alerts, with the triggering alert named in evidence and reason.
 * Called from the analyzer thread only (regex match data is per condition).
 */
#include "rule_int.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <pcre2.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <xxhash.h>

#include "flow_community.h"
#include "fw_buf.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- conditions ---- */

static bool str_in_set(const struct rule_cond *c, const char *s)
{
    char low[512];
    size_t n = strlen(s), i, j;
    const struct rule_strset *set = c->set;

    if (c->icase) {
        if (n >= sizeof(low))
            return false;
        for (i = 0; i < n; i++)
            low[i] = (char)tolower((unsigned char)s[i]);
        low[n] = '\0';
        s = low;
    }
    uint64_t h = XXH3_64bits(s, n);
    for (j = h & (set->cap - 1); set->keys[j]; j = (j + 1) & (set->cap - 1))
        if (set->hashes[j] == h && strcmp(set->keys[j], s) == 0)
            return true;
    return false;
}

static bool str_op1(const struct rule_cond *c, size_t i, const char *s, size_t n)
{
    const char *p = c->strs[i];
    size_t pl = c->lens[i];

    switch (c->op) {
    case RULE_OP_EQ:
        return c->icase ? strcasecmp(s, p) == 0 : (n == pl && memcmp(s, p, n) == 0);
    case RULE_OP_CONTAINS:
        return c->icase ? strcasestr(s, p) != NULL : strstr(s, p) != NULL;
    case RULE_OP_STARTSWITH:
        return n >= pl && (c->icase ? strncasecmp(s, p, pl) : memcmp(s, p, pl)) == 0;
    case RULE_OP_ENDSWITH:
        return n >= pl &&
               (c->icase ? strcasecmp(s + n - pl, p) : memcmp(s + n - pl, p, pl)) == 0;
    case RULE_OP_RE: {
        pcre2_code *re = c->res[i];
        return pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, c->mds[i], NULL) >= 0;
    }
    default:
        return false;
    }
}

static bool str_match(const struct rule_cond *c, const char *s)
{
    size_t n = strlen(s), i;

    if (c->set)
        return str_in_set(c, s);
    for (i = 0; i < c->n; i++)
        if (str_op1(c, i, s, n))
            return true;
    return false;
}

static bool num_match(const struct rule_cond *c, double x)
{
    size_t i;

    switch (c->op) {
    case RULE_OP_GT:  return x > c->nums[0];
    case RULE_OP_GTE: return x >= c->nums[0];
    case RULE_OP_LT:  return x < c->nums[0];
    case RULE_OP_LTE: return x <= c->nums[0];
    default:
        for (i = 0; i < c->n; i++)
            if (x == c->nums[i])
                return true;
        return false;
    }
}

static bool ip_match(const struct rule_cond *c, const struct fw_ip *ip)
{
    size_t i;

    for (i = 0; i < c->n; i++)
        if (fw_cidr_contains(&c->cidrs[i], ip))
            return true;
    return false;
}

/* String operators on risks apply to the name of every risk set on the flow. */
static bool risk_match(const struct rule_cond *c, uint64_t bits)
{
    unsigned b;

    if (c->op == RULE_OP_EQ)
        return (bits & c->risk_mask) != 0;
    for (b = 1; b < 64; b++) {
        const char *name = rule_risk_name(b);
        if ((bits & (1ull << b)) && name && str_match(c, name))
            return true;
    }
    return false;
}

bool rule_cond_eval(const struct rule_cond *c, const struct flow_evt *evt,
                    const struct rule_ctx *ctx)
{
    const struct rule_field *f = rule_field_at(c->field);
    struct rule_fval v;
    bool hit = false;

    /* the loader refuses fields the rule's event lacks (E016); this keeps a flow
     * accessor from reading the empty record behind an alert event */
    if ((f->events & (1u << evt->type)) && f->get(evt, ctx, &v)) {
        switch (f->type) {
        case RULE_FT_STR:  hit = str_match(c, v.s); break;
        case RULE_FT_NUM:
        case RULE_FT_CODE: hit = num_match(c, v.n); break;
        case RULE_FT_IP:   hit = ip_match(c, v.ip); break;
        case RULE_FT_RISK: hit = risk_match(c, v.bits); break;
        }
    }
    return hit != c->neg;
}

bool rule_match_eval(const struct rule_match *m, const struct flow_evt *evt,
                     const struct rule_ctx *ctx)
{
    size_t i;

    for (i = 0; i < m->n; i++)
        if (!rule_cond_eval(&m->v[i], evt, ctx))
            return false;
    return true;
}

bool rule_accepts(const struct rule *r, const struct flow_evt *evt, const struct rule_ctx *ctx)
{
    return !r->has_match || rule_match_eval(&r->match, evt, ctx);
}

bool rule_excepted(const struct rule *r, const struct flow_evt *evt, const struct rule_ctx *ctx)
{
    size_t i;

    for (i = 0; i < r->nexc; i++) {
        if (r->exc[i].expired)
            continue;
        if (rule_match_eval(&r->exc[i].match, evt, ctx)) {
            r->cnt->suppressed++;
            return true;
        }
    }
    return false;
}

/* ---- alerts ---- */

/* Truncating copy (fixed-size alert fields); len > 0. */
static void copy_str(char *dst, size_t len, const char *src)
{
    size_t n = src ? strnlen(src, len - 1) : 0;

    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

static void field_text(int id, const struct flow_evt *evt, const struct rule_ctx *ctx,
                       char *buf, size_t len)
{
    const struct rule_field *f = rule_field_at(id);
    struct rule_fval v;

    buf[0] = '\0';
    if (f && (f->events & (1u << evt->type)) && f->get(evt, ctx, &v))
        rule_field_format(id, &v, buf, len);
}

/* Append "field":"value" when it still fits in the 512-byte evidence. */
static void evidence_field(struct fw_buf *b, const char *name, const char *val)
{
    char cut[96];
    size_t mark = b->len;

    copy_str(cut, sizeof(cut), val);
    fw_buf_json_kv_str(b, name, cut);
    if (b->len > 440) {         /* keep room for the aggregate figures and braces */
        b->len = mark;
        if (b->data)
            b->data[mark] = '\0';
    }
}

static void build_evidence(const struct rule *r, const struct flow_evt *evt,
                           const struct rule_ctx *ctx, const struct rule_win_result *w,
                           struct anz_alert *a)
{
    const struct anz_alert *ta = rule_evt_alert(evt);
    struct fw_buf b;
    char val[256];
    size_t i;

    fw_buf_init(&b);
    fw_buf_putc(&b, '{');
    if (ta) {                   /* first, so the alert it follows always fits */
        fw_buf_puts(&b, "\"alert\":{");
        fw_buf_json_kv_str(&b, "id", ta->id);
        fw_buf_json_kv_str(&b, "rule", ta->rule_id);
        fw_buf_json_kv_str(&b, "analyzer", anz_kind_name((enum anz_kind)ta->analyzer));
        fw_buf_json_kv_double(&b, "severity", ta->severity);
        fw_buf_puts(&b, "},");
    }
    fw_buf_puts(&b, "\"fields\":{");
    for (i = 0; i < r->match.n; i++) {
        int id = r->match.v[i].field;
        field_text(id, evt, ctx, val, sizeof(val));
        evidence_field(&b, rule_field_at(id)->name, val);
    }
    fw_buf_putc(&b, '}');
    fw_buf_json_kv_str(&b, "event",
                       ta ? "alert" : flow_evt_type_name((enum flow_evt_type)evt->type));
    if (w) {
        static const char *const fn[] = {"count", "distinct", "sum"};
        fw_buf_json_kv_str(&b, "aggregate", fn[r->agg.fn]);
        fw_buf_json_kv_double(&b, "value", w->figure);
        fw_buf_json_kv_double(&b, "threshold", r->agg.threshold);
        fw_buf_json_kv_double(&b, "window_s", (double)r->agg.window_us / 1e6);
    }
    fw_buf_putc(&b, '}');
    if (!b.failed && b.len < sizeof(a->evidence))
        memcpy(a->evidence, b.data, b.len + 1);
    else
        copy_str(a->evidence, sizeof(a->evidence), "{}");
    fw_buf_free(&b);
}

/* {field}, {count}, {distinct}, {sum}, {window} placeholders; unknown ones kept. */
static void render_reason(const struct rule *r, const struct flow_evt *evt,
                          const struct rule_ctx *ctx, const struct rule_win_result *w,
                          char *out, size_t len)
{
    const char *p = r->reason;
    size_t o = 0;
    char name[64], val[256];

    while (*p && o + 1 < len) {
        const char *end = *p == '{' ? strchr(p, '}') : NULL;
        size_t nl = end ? (size_t)(end - p - 1) : 0;
        if (!end || nl == 0 || nl >= sizeof(name)) {
            out[o++] = *p++;
            continue;
        }
        memcpy(name, p + 1, nl);
        name[nl] = '\0';
        val[0] = '\0';
        if (strcmp(name, "window") == 0 && r->has_agg)
            snprintf(val, sizeof(val), "%g s", (double)r->agg.window_us / 1e6);
        else if (strcmp(name, "count") == 0 || strcmp(name, "distinct") == 0 ||
                 strcmp(name, "sum") == 0)
            snprintf(val, sizeof(val), "%.15g", w ? w->figure : 1.0);
        else
            field_text(rule_field_id(name), evt, ctx, val, sizeof(val));
        int wr = snprintf(out + o, len - o, "%s", val);
        if (wr < 0 || (size_t)wr >= len - o) {
            o = len - 1;
            break;
        }
        o += (size_t)wr;
        p = end + 1;
    }
    out[o] = '\0';
}

static const char *op_word(enum rule_op op)
{
    switch (op) {
    case RULE_OP_GT:  return ">";
    case RULE_OP_GTE: return ">=";
    case RULE_OP_LT:  return "<";
    case RULE_OP_LTE: return "<=";
    default:          return "=";
    }
}

/* No template: "TITLE: SRC -> DST:PORT/PROTO (field=value, ...)[; count 12 >= 10 in 60 s]". */
static void default_reason(const struct rule *r, const struct flow_evt *evt,
                           const struct rule_ctx *ctx, const struct rule_win_result *w,
                           char *out, size_t len)
{
    char s[FW_IP_STRLEN], d[FW_IP_STRLEN], val[96];
    static const char *const fn[] = {"count", "distinct", "sum"};
    size_t o, i;

    const struct anz_alert *ta = rule_evt_alert(evt);

    fw_ip_str(&evt->rec.src, s, sizeof(s));
    fw_ip_str(&evt->rec.dst, d, sizeof(d));
    if (ta) {
        field_text(rule_field_id("host"), evt, ctx, s, sizeof(s));
        o = (size_t)snprintf(out, len, "%s: %s after %s alert %s", r->meta.title, s,
                             ta->rule_id, ta->id);
    } else {
        o = (size_t)snprintf(out, len, "%s: %s -> %s:%u", r->meta.title, s, d, evt->rec.dport);
    }
    for (i = 0; i < r->match.n && o < len; i++) {
        int id = r->match.v[i].field;
        field_text(id, evt, ctx, val, sizeof(val));
        o += (size_t)snprintf(out + o, len - o, "%s%s=%s", i ? ", " : " (",
                              rule_field_at(id)->name, val[0] ? val : "-");
    }
    if (r->match.n && o < len)
        o += (size_t)snprintf(out + o, len - o, ")");
    if (w && r->implicit_agg && w->figure > 1 && o < len)
        snprintf(out + o, len - o, "; seen %.15g times in %g s", w->figure,
                 (double)r->agg.window_us / 1e6);
    else if (w && !r->implicit_agg && o < len)
        snprintf(out + o, len - o, "; %s %.15g %s %.15g in %g s", fn[r->agg.fn], w->figure,
                 op_word(r->agg.op), r->agg.threshold, (double)r->agg.window_us / 1e6);
}

static void fill_meta(const struct rule *r, struct anz_alert *a)
{
    size_t i;

    copy_str(a->rule_id, sizeof(a->rule_id), r->meta.id);
    copy_str(a->rule_name, sizeof(a->rule_name), r->meta.title);
    copy_str(a->rule_version, sizeof(a->rule_version), r->meta.version);
    copy_str(a->ruleset, sizeof(a->ruleset), r->meta.ruleset);
    a->analyzer = (uint8_t)r->meta.analyzer;
    a->severity = r->meta.severity;
    a->blame = r->blame;
    a->shadow = r->meta.shadow;
    a->score = r->meta.score;
    for (i = 0; i < r->meta.ntechniques && i < ANZ_MAX_TECHNIQUES; i++)
        copy_str(a->techniques[i], sizeof(a->techniques[i]), r->meta.techniques[i]);
}

static void fill_flow(const struct flow_evt *evt, const struct rule_ctx *ctx,
                      struct anz_alert *a)
{
    a->ts_us = evt->ts_us;
    a->src = evt->rec.src;
    a->dst = evt->rec.dst;
    a->sport = evt->rec.sport;
    a->dport = evt->rec.dport;
    a->proto = evt->rec.proto;
    if (ctx) {
        copy_str(a->zone_src, sizeof(a->zone_src), ctx->zone_src);
        copy_str(a->zone_dst, sizeof(a->zone_dst), ctx->zone_dst);
    }
    copy_str(a->app, sizeof(a->app), evt->rec.ndpi_proto);
}

static void id_hex(uint64_t h, char *out, size_t len)
{
    snprintf(out, len, "%016llx", (unsigned long long)h);
}

/* Plain rules: one alert per matching event; see the file comment for the id. */
static uint64_t plain_alert_id(const struct rule *r, const struct flow_evt *evt)
{
    char key[192], s[FW_IP_STRLEN], d[FW_IP_STRLEN], cidbuf[FLOW_COMMUNITY_LEN];
    const struct anz_alert *ta = rule_evt_alert(evt);
    const char *cid;
    int n;

    if (ta) {                   /* one per triggering alert */
        n = snprintf(key, sizeof(key), "%s|alert|%s", r->meta.id, ta->id);
    } else if (evt->type == FLOW_EVT_END &&
               (cid = flow_rec_community_id(&evt->rec, cidbuf, sizeof(cidbuf)))[0]) {
        n = snprintf(key, sizeof(key), "%s|%s|%llu", r->meta.id, cid,
                     (unsigned long long)evt->rec.ts_start_us);
    } else {
        fw_ip_str(&evt->rec.src, s, sizeof(s));
        fw_ip_str(&evt->rec.dst, d, sizeof(d));
        n = snprintf(key, sizeof(key), "%s|%s|%u|%s|%u|%u|%llu", r->meta.id, s,
                     evt->rec.sport, d, evt->rec.dport, evt->rec.proto,
                     (unsigned long long)evt->rec.ts_start_us);
    }
    if (n < 0 || (size_t)n >= sizeof(key))
        n = (int)sizeof(key) - 1;
    uint64_t h = XXH3_64bits(key, (size_t)n);
    if (evt->type == FLOW_EVT_DNS)
        h = XXH3_64bits_withSeed(&evt->ts_us, sizeof(evt->ts_us), h);
    return h;
}

static void raise_alert(const struct rule *r, const struct flow_evt *evt,
                        const struct rule_ctx *ctx, const struct rule_win_result *w,
                        uint64_t id, rule_alert_fn fn, void *fn_ctx)
{
    struct anz_alert a;

    const struct anz_alert *ta = rule_evt_alert(evt);

    memset(&a, 0, sizeof(a));
    fill_meta(r, &a);
    fill_flow(evt, ctx, &a);
    if (ta && !r->blame_set)
        a.blame = ta->blame;    /* the correlated alert's host stays the one blamed */
    id_hex(id, a.id, sizeof(a.id));
    a.first_us = w ? w->first_us : evt->ts_us;
    a.updates = w ? w->updates : 0;
    if (r->reason)
        render_reason(r, evt, ctx, w, a.reason, sizeof(a.reason));
    else
        default_reason(r, evt, ctx, w, a.reason, sizeof(a.reason));
    build_evidence(r, evt, ctx, w, &a);
    if (r->meta.shadow)
        r->cnt->shadow_hits++;
    else
        r->cnt->alerts++;
    if (fn)
        fn(fn_ctx, &a);
}

/* by: key text, fields joined with '|'; an absent field is "-". */
static size_t agg_key(const struct rule *r, const struct flow_evt *evt,
                      const struct rule_ctx *ctx, char *buf, size_t len)
{
    char val[256];
    size_t o = 0, i;

    buf[0] = '\0';
    for (i = 0; i < r->agg.nby && o < len; i++) {
        field_text(r->agg.by[i], evt, ctx, val, sizeof(val));
        int w = snprintf(buf + o, len - o, "%s%s", i ? "|" : "", val[0] ? val : "-");
        if (w < 0)
            break;
        o += (size_t)w;
    }
    return o < len ? o : len - 1;
}

void rule_eval_one(const struct rule *r, struct rule_state *st, const struct flow_evt *evt,
                   const struct rule_ctx *ctx, rule_alert_fn fn, void *fn_ctx)
{
    struct rule_win_result w;
    char key[512];
    size_t klen;

    r->cnt->evaluations++;
    if (!rule_match_eval(&r->match, evt, ctx))
        return;
    r->cnt->matches++;
    if (rule_excepted(r, evt, ctx))
        return;
    /* Without window state (a stateless evaluation), a deduplicated plain rule
     * falls back to one alert per matching event. */
    if (!r->has_agg || (r->implicit_agg && !st)) {
        raise_alert(r, evt, ctx, NULL, plain_alert_id(r, evt), fn, fn_ctx);
        return;
    }
    if (!st)
        return;
    klen = agg_key(r, evt, ctx, key, sizeof(key));
    if (rule_window_hit(st, r, key, klen, evt, ctx, &w) < 0 || !w.fire)
        return;
    uint64_t h = XXH3_64bits_withSeed(key, klen, XXH3_64bits(r->meta.id, strlen(r->meta.id)));
    h = XXH3_64bits_withSeed(&w.win_start_us, sizeof(w.win_start_us), h);
    raise_alert(r, evt, ctx, &w, h, fn, fn_ctx);
}

void rule_set_eval(const struct rule_set *rs, struct rule_state *st, const struct flow_evt *evt,
                   const struct rule_ctx *ctx, rule_alert_fn fn, void *fn_ctx)
{
    size_t i;

    if (!rs || evt->type >= RULE_EVT_ALERT)
        return;             /* alerts go through rule_set_eval_alert */
    for (i = 0; i < rs->nby_evt[evt->type]; i++)
        rule_eval_one(rs->rules[rs->by_evt[evt->type][i]], st, evt, ctx, fn, fn_ctx);
}

/* Alerts raised by this set's own alert rules are not evaluated again: a rule on
 * alerts must never feed itself (or another one) into a loop. */
static bool from_alert_rule(const struct rule_set *rs, const struct anz_alert *a)
{
    size_t i;

    for (i = 0; i < rs->nby_evt[RULE_EVT_ALERT]; i++)
        if (strcmp(rs->rules[rs->by_evt[RULE_EVT_ALERT][i]]->meta.id, a->rule_id) == 0)
            return true;
    return false;
}

void rule_set_eval_alert(const struct rule_set *rs, struct rule_state *st,
                         const struct anz_alert *alert, const char *sensor, rule_alert_fn fn,
                         void *fn_ctx)
{
    struct rule_alert_evt ae;
    struct rule_ctx ctx;
    size_t i;

    if (!rs || !alert || rs->nby_evt[RULE_EVT_ALERT] == 0)
        return;
    if (alert->updates > 0 || alert->shadow || from_alert_rule(rs, alert))
        return;
    memset(&ae, 0, sizeof(ae));
    ae.alert = alert;
    ae.evt.type = RULE_EVT_ALERT;
    ae.evt.ts_us = alert->ts_us;
    ae.evt.rec.ts_start_us = alert->first_us;
    ae.evt.rec.ts_end_us = alert->ts_us;
    ae.evt.rec.src = alert->src;
    ae.evt.rec.dst = alert->dst;
    ae.evt.rec.sport = alert->sport;
    ae.evt.rec.dport = alert->dport;
    ae.evt.rec.proto = alert->proto;
    copy_str(ae.evt.rec.ndpi_proto, sizeof(ae.evt.rec.ndpi_proto), alert->app);
    ctx.zone_src = alert->zone_src;
    ctx.zone_dst = alert->zone_dst;
    ctx.sensor = sensor ? sensor : "";
    for (i = 0; i < rs->nby_evt[RULE_EVT_ALERT]; i++)
        rule_eval_one(rs->rules[rs->by_evt[RULE_EVT_ALERT][i]], st, &ae.evt, &ctx, fn, fn_ctx);
}
