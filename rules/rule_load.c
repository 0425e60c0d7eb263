/* rules/rule_load.c: rule files into a compiled, immutable struct rule_set.
 *
 * Walks the YAML trees of rule_yaml.c, one rule per document, checking every
 * key against the finwatch/v1 schema (docs/rules.md) and reporting each
 * problem at its key or value with a stable code (E001..E015, W001..W003).
 * Loading does not stop at the first problem: every file and every key is
 * checked so one lint run shows everything. A set is built only when there is
 * no error. Called by the analyzer stage (reload) and by `finwatch rules`.
 */
#include "rule_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "fw_alloc.h"
#include "fw_err.h"
#include "fw_time.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define RULE_FILE_MAX (16u << 20)
#define DAY_US (86400ull * FW_USEC_PER_SEC)

/* ---- diagnostics ---- */

void rule_lerr(struct rule_lctx *lc, const struct rule_ynode *n, unsigned coloff, const char *code,
               const char *fmt, ...)
{
    char msg[768];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    lc->errors++;
    rule_diags_add(lc->diags, lc->file, n ? n->line : 0, n ? n->col + coloff : 0,
                   RULE_DIAG_ERROR, code, "%s", msg);
}

void rule_lwarn(struct rule_lctx *lc, const struct rule_ynode *n, const char *code,
                const char *fmt, ...)
{
    char msg[768];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rule_diags_add(lc->diags, lc->file, n ? n->line : 0, n ? n->col : 0, RULE_DIAG_WARNING,
                   code, "%s", msg);
}

const char *rule_lscalar(struct rule_lctx *lc, const struct rule_ynode *n, const char *what)
{
    if (n->kind == RULE_Y_SCALAR && !rule_ynode_is_null(n))
        return n->str;
    rule_lerr(lc, n, 0, "E004", "'%s' must be a %s, found %s", what, "scalar",
              n->kind == RULE_Y_SCALAR ? "null" : rule_ynode_kind_name(n->kind));
    return NULL;
}

/* ---- simple keys ---- */

typedef int (*key_fn)(struct rule_lctx *lc, const struct rule_ynode *k,
                      const struct rule_ynode *v, struct rule *r);

static int set_str(struct rule_lctx *lc, const struct rule_ynode *k, const struct rule_ynode *v,
                   char **dst)
{
    const char *s = rule_lscalar(lc, v, k->str);

    if (!s)
        return FW_EPARSE;
    fw_free(*dst);
    *dst = fw_strdup(s);
    return *dst ? 0 : FW_ENOMEM;
}

/* Index of v among names, or an E013 listing them. */
static int pick(struct rule_lctx *lc, const struct rule_ynode *k, const struct rule_ynode *v,
                const char *const *names, size_t n)
{
    char list[160];
    size_t i, o = 0;
    const char *s = rule_lscalar(lc, v, k->str);

    if (!s)
        return FW_EPARSE;
    for (i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    list[0] = '\0';
    for (i = 0; i < n && o < sizeof(list); i++)
        o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "", names[i]);
    rule_lerr(lc, v, 0, "E013", "bad %s '%s' (one of: %s)", k->str, s, list);
    return FW_EPARSE;
}

static int k_id(struct rule_lctx *lc, const struct rule_ynode *k, const struct rule_ynode *v,
                struct rule *r)
{
    const char *s = rule_lscalar(lc, v, "id");
    size_t n;

    if (!s)
        return FW_EPARSE;
    n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");
    if (n == 0 || s[n] || n >= sizeof(((struct anz_alert *)0)->rule_id)) {
        rule_lerr(lc, v, 0, "E013", "bad rule id '%s' (A-Z, 0-9 and '-', at most 47)", s);
        return FW_EPARSE;
    }
    return set_str(lc, k, v, &r->s_id);
}

static int k_title(struct rule_lctx *lc, const struct rule_ynode *k, const struct rule_ynode *v,
                   struct rule *r)
{
    return set_str(lc, k, v, &r->s_title);
}

static int k_desc(struct rule_lctx *lc, const struct rule_ynode *k, const struct rule_ynode *v,
                  struct rule *r)
{
    return set_str(lc, k, v, &r->s_desc);
}

static int k_version(struct rule_lctx *lc, const struct rule_ynode *k,
                     const struct rule_ynode *v, struct rule *r)
{
    if (v->kind == RULE_Y_SCALAR && v->len >= sizeof(((struct anz_alert *)0)->rule_version)) {
        rule_lerr(lc, v, 0, "E013", "version '%s' is longer than 11 characters", v->str);
        return FW_EPARSE;
    }
    return set_str(lc, k, v, &r->s_version);
}

static int k_ruleset(struct rule_lctx *lc, const struct rule_ynode *k,
                     const struct rule_ynode *v, struct rule *r)
{
    return set_str(lc, k, v, &r->s_ruleset);
}

static int k_status(struct rule_lctx *lc, const struct rule_ynode *k, const struct rule_ynode *v,
                    struct rule *r)
{
    static const char *const names[] = {"experimental", "test", "stable", "deprecated"};
    int i = pick(lc, k, v, names, N(names));

    if (i == 3) {
        r->deprecated = true;
        rule_lwarn(lc, v, "W002", "rule is deprecated; plan its removal");
    }
    return i < 0 ? i : 0;
}

static int k_mode(struct rule_lctx *lc, const struct rule_ynode *k, const struct rule_ynode *v,
                  struct rule *r)
{
    static const char *const names[] = {"enforce", "shadow"};
    int i = pick(lc, k, v, names, N(names));

    r->meta.shadow = i == 1;
    return i < 0 ? i : 0;
}

static int k_blame(struct rule_lctx *lc, const struct rule_ynode *k, const struct rule_ynode *v,
                   struct rule *r)
{
    static const char *const names[] = {"source", "destination"};
    int i = pick(lc, k, v, names, N(names));

    r->blame = i == 1 ? ANZ_BLAME_DST : ANZ_BLAME_SRC;
    r->blame_set = i >= 0;
    return i < 0 ? i : 0;
}

static int k_event(struct rule_lctx *lc, const struct rule_ynode *k, const struct rule_ynode *v,
                   struct rule *r)
{
    /* Order follows enum flow_evt_type, then "alert". */
    static const char *const names[] = {"flow_start", "flow_classified", "flow_end", "dns",
                                        "alert"};
    int i = pick(lc, k, v, names, N(names));

    if (i >= 0)
        r->events = 1u << i;
    return i < 0 ? i : 0;
}

static int k_type(struct rule_lctx *lc, const struct rule_ynode *k, const struct rule_ynode *v,
                  struct rule *r)
{
    static const char *const names[] = {"match", "analyzer"};
    int i = pick(lc, k, v, names, N(names));

    r->type = i == 1 ? RULE_T_ANALYZER : RULE_T_MATCH;
    return i < 0 ? i : 0;
}

static int k_analyzer(struct rule_lctx *lc, const struct rule_ynode *k,
                      const struct rule_ynode *v, struct rule *r)
{
    const char *s = rule_lscalar(lc, v, k->str);
    int kind;

    if (!s)
        return FW_EPARSE;
    kind = anz_kind_from_name(s);
    if (kind < 0 || kind == ANZ_RULE) {
        rule_lerr(lc, v, 0, "E015", "unknown analyzer '%s' (scan, flood, amplification, "
                  "bruteforce, dns_tunnel, beacon, exfil, lateral, zone_policy, threat_intel, "
                  "ndpi_risk, protocol_anomaly, new_asset)", s);
        return FW_EPARSE;
    }
    r->meta.analyzer = (enum anz_kind)kind;
    return 0;
}

static int k_severity(struct rule_lctx *lc, const struct rule_ynode *k,
                      const struct rule_ynode *v, struct rule *r)
{
    static const char *const names[] = {"low", "medium", "high", "critical"};
    static const uint8_t values[] = {30, 55, 80, 95};
    long long n;
    size_t i;

    if (!rule_lscalar(lc, v, k->str))
        return FW_EPARSE;
    for (i = 0; i < N(names); i++) {
        if (strcmp(v->str, names[i]) == 0) {
            r->meta.severity = values[i];
            return 0;
        }
    }
    if (rule_ynode_int(v, 0, 100, &n) < 0) {
        rule_lerr(lc, v, 0, "E013", "bad severity '%s' (low, medium, high, critical or 0..100)",
                  v->str);
        return FW_EPARSE;
    }
    r->meta.severity = (uint8_t)n;
    return 0;
}

static int k_score(struct rule_lctx *lc, const struct rule_ynode *k, const struct rule_ynode *v,
                   struct rule *r)
{
    double d;

    if (!rule_lscalar(lc, v, k->str))
        return FW_EPARSE;
    if (rule_ynode_double(v, &d) < 0) {
        rule_lerr(lc, v, 0, "E004", "score must be a number, found '%s'", v->str);
        return FW_EPARSE;
    }
    if (d < 0 || d > 1000) {
        rule_lerr(lc, v, 0, "E013", "score %g out of range 0..1000", d);
        return FW_EPARSE;
    }
    r->meta.score = d;
    return 0;
}

static bool attack_ok(const char *s)
{
    size_t n = strlen(s), i;

    if ((n != 5 && n != 9) || s[0] != 'T')
        return false;
    for (i = 1; i < n; i++) {
        if (i == 5) {
            if (s[i] != '.')
                return false;
        } else if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    return true;
}

static int k_attack(struct rule_lctx *lc, const struct rule_ynode *k, const struct rule_ynode *v,
                    struct rule *r)
{
    size_t i;
    int rc = 0;

    if (v->kind != RULE_Y_SEQ) {
        rule_lerr(lc, v, 0, "E004", "'attack' must be a list of ATT&CK ids, found %s",
                  rule_ynode_kind_name(v->kind));
        return FW_EPARSE;
    }
    for (i = 0; i < v->nitems; i++) {
        const struct rule_ynode *it = v->items[i];
        const char *s = rule_lscalar(lc, it, k->str);
        if (!s) {
            rc = FW_EPARSE;
        } else if (!attack_ok(s)) {
            rule_lerr(lc, it, 0, "E012", "bad ATT&CK technique id '%s' (T1234 or T1234.567)", s);
            rc = FW_EPARSE;
        } else if (r->meta.ntechniques == ANZ_MAX_TECHNIQUES) {
            rule_lerr(lc, it, 0, "E013", "at most %d ATT&CK ids per rule", ANZ_MAX_TECHNIQUES);
            rc = FW_EPARSE;
        } else {
            r->s_tech[r->meta.ntechniques] = fw_strdup(s);
            r->meta.techniques[r->meta.ntechniques] = r->s_tech[r->meta.ntechniques];
            r->meta.ntechniques++;
        }
    }
    return rc;
}

static int k_strlist(struct rule_lctx *lc, const struct rule_ynode *k,
                     const struct rule_ynode *v, struct rule *r)
{
    size_t i;
    int rc = 0;

    (void)r;
    if (v->kind != RULE_Y_SEQ) {
        rule_lerr(lc, v, 0, "E004", "'%s' must be a list, found %s", k->str,
                  rule_ynode_kind_name(v->kind));
        return FW_EPARSE;
    }
    for (i = 0; i < v->nitems; i++)
        if (!rule_lscalar(lc, v->items[i], k->str))
            rc = FW_EPARSE;
    return rc;
}

static int k_author(struct rule_lctx *lc, const struct rule_ynode *k,
                    const struct rule_ynode *v, struct rule *r)
{
    (void)r;
    return rule_lscalar(lc, v, k->str) ? 0 : FW_EPARSE;
}

/* {field} placeholders must name a field or an aggregate figure. */
static int k_reason(struct rule_lctx *lc, const struct rule_ynode *k, const struct rule_ynode *v,
                    struct rule *r)
{
    static const char *const figs[] = {"count", "distinct", "sum", "window"};
    const char *p, *end;
    char name[64];
    size_t i;
    int rc;

    if ((rc = set_str(lc, k, v, &r->reason)) < 0)
        return rc;
    for (p = strchr(r->reason, '{'); p; p = end ? strchr(end, '{') : NULL) {
        end = strchr(p, '}');
        if (!end || (size_t)(end - p - 1) >= sizeof(name))
            break;
        memcpy(name, p + 1, (size_t)(end - p - 1));
        name[end - p - 1] = '\0';
        for (i = 0; i < N(figs) && strcmp(figs[i], name) != 0; i++)
            ;
        if (i == N(figs) && rule_field_id(name) < 0) {
            const char *hint = rule_field_suggest(name);
            rule_lerr(lc, v, (unsigned)(p - r->reason) + (v->plain ? 0 : 1), "E006",
                      "unknown placeholder '{%s}' in reason%s%s%s", name,
                      hint ? "; did you mean '{" : "", hint ? hint : "", hint ? "}'?" : "");
            rc = FW_EPARSE;
        }
    }
    return rc;
}

/* ---- params (analyzer rules) ---- */

static int param_value(struct rule_lctx *lc, const struct anz_param_spec *sp,
                       const struct rule_ynode *v, struct rule_param *p)
{
    size_t i;

    p->type = sp->type;
    if (sp->type == ANZ_P_LIST) {
        if (v->kind != RULE_Y_SEQ)
            goto wrong_type;
        p->items = fw_calloc(v->nitems + 1, sizeof(*p->items));
        if (!p->items)
            return FW_ENOMEM;
        for (i = 0; i < v->nitems; i++) {
            if (!rule_lscalar(lc, v->items[i], sp->name))
                return FW_EPARSE;
            p->items[p->nitems++] = fw_strdup(v->items[i]->str);
        }
        return 0;
    }
    if (v->kind != RULE_Y_SCALAR)
        goto wrong_type;
    p->str = fw_strdup(v->str);
    if (sp->type == ANZ_P_NUMBER && rule_ynode_double(v, &p->num) < 0)
        goto wrong_type;
    if (sp->type == ANZ_P_BOOL && rule_ynode_bool(v, &p->b) < 0)
        goto wrong_type;
    if (sp->type == ANZ_P_DURATION && fw_duration_parse(v->str, &p->dur_us) < 0) {
        rule_lerr(lc, v, 0, "E010", "bad duration '%s' for %s (e.g. 60s, 5m, 1h)", v->str,
                  sp->name);
        return FW_EPARSE;
    }
    return 0;
wrong_type: {
        static const char *const tn[] = {"a number", "a duration", "a list", "a string",
                                         "true or false"};
        rule_lerr(lc, v, 0, "E004", "param '%s' must be %s (%s)", sp->name, tn[sp->type],
                  sp->help);
        return FW_EPARSE;
    }
}

/* The detector's own converter has the last word (port ranges and the like). */
static int param_check(struct rule_lctx *lc, enum anz_kind kind, const struct anz_param_spec *sp,
                       const struct rule_ynode *v, const struct rule_param *p)
{
    size_t sz = anz_params_size(kind);
    const char *one[1] = {p->str};
    void *scratch;
    int rc;

    if (sz == 0)
        return 0;
    scratch = fw_calloc(1, sz);
    if (!scratch || anz_params_defaults(kind, scratch) < 0) {
        fw_free(scratch);
        return 0;           /* nothing to check against; the detector falls back */
    }
    rc = p->type == ANZ_P_LIST
             ? anz_params_set(sp, scratch, (const char *const *)p->items, p->nitems)
             : anz_params_set(sp, scratch, one, 1);
    fw_free(scratch);
    if (rc < 0) {
        rule_lerr(lc, v, 0, "E013", "bad value for param '%s' (%s)", sp->name, sp->help);
        return FW_EPARSE;
    }
    return 0;
}

static int k_params(struct rule_lctx *lc, const struct rule_ynode *k, const struct rule_ynode *v,
                    struct rule *r)
{
    const struct anz_param_spec *specs;
    size_t n, i, j;
    int rc = 0, e;

    if (r->type != RULE_T_ANALYZER) {
        rule_lerr(lc, k, 0, "E003", "'params' is only allowed on type: analyzer rules");
        return FW_EPARSE;
    }
    if (v->kind != RULE_Y_MAP) {
        rule_lerr(lc, v, 0, "E004", "'params' must be a map, found %s",
                  rule_ynode_kind_name(v->kind));
        return FW_EPARSE;
    }
    specs = anz_params_for(r->meta.analyzer, &n);
    r->params = fw_calloc(v->npairs + 1, sizeof(*r->params));
    if (!r->params)
        return FW_ENOMEM;
    for (i = 0; i < v->npairs; i++) {
        const struct rule_ynode *pk = v->pairs[i].key;
        for (j = 0; j < n && strcmp(specs[j].name, pk->str) != 0; j++)
            ;
        if (j == n) {
            rule_lerr(lc, pk, 0, "E015", "unknown param '%s' for analyzer %s", pk->str,
                      anz_kind_name(r->meta.analyzer));
            rc = FW_EPARSE;
            continue;
        }
        struct rule_param *p = &r->params[r->nparams++];
        p->key = fw_strdup(pk->str);
        if ((e = param_value(lc, &specs[j], v->pairs[i].val, p)) < 0)
            rc = e;
        else if ((e = param_check(lc, r->meta.analyzer, &specs[j], v->pairs[i].val, p)) < 0)
            rc = e;
    }
    return rc;
}

/* ---- match, exceptions ---- */

static int k_match(struct rule_lctx *lc, const struct rule_ynode *k, const struct rule_ynode *v,
                   struct rule *r)
{
    (void)k;
    r->has_match = true;
    return rule_match_compile(lc, v, &r->match);
}

static int exc_key(struct rule_lctx *lc, const struct rule_ypair *pr, struct rule_exc *x)
{
    const char *s;

    if (strcmp(pr->key->str, "match") == 0)
        return rule_match_compile(lc, pr->val, &x->match);
    if (strcmp(pr->key->str, "comment") == 0)
        return rule_lscalar(lc, pr->val, "comment") ? 0 : FW_EPARSE;
    if (strcmp(pr->key->str, "owner") != 0 && strcmp(pr->key->str, "ticket") != 0 &&
        strcmp(pr->key->str, "expires") != 0) {
        rule_lerr(lc, pr->key, 0, "E003",
                  "unknown key '%s' in exception (match, owner, ticket, expires, comment)",
                  pr->key->str);
        return FW_EPARSE;
    }
    if (!(s = rule_lscalar(lc, pr->val, pr->key->str)))
        return FW_EPARSE;
    if (pr->key->str[0] == 'o')
        x->owner = fw_strdup(s);
    else if (pr->key->str[0] == 't')
        x->ticket = fw_strdup(s);
    else if (fw_date_parse(s, &x->expires_us) < 0) {
        rule_lerr(lc, pr->val, 0, "E013", "bad date '%s' (YYYY-MM-DD)", s);
        return FW_EPARSE;
    } else if (lc->now_us >= x->expires_us + DAY_US) {
        x->expired = true;      /* valid through the day it names */
        rule_lwarn(lc, pr->val, "W001", "exception expired on %s; it is ignored", s);
    }
    return 0;
}

static int exc_one(struct rule_lctx *lc, const struct rule_ynode *it, struct rule_exc *x)
{
    size_t i;
    int rc = 0, e;

    x->line = it->line;
    if (it->kind != RULE_Y_MAP) {
        rule_lerr(lc, it, 0, "E004", "an exception must be a map with match, owner, ticket, "
                  "expires; found %s", rule_ynode_kind_name(it->kind));
        return FW_EPARSE;
    }
    for (i = 0; i < it->npairs; i++)
        if ((e = exc_key(lc, &it->pairs[i], x)) < 0)
            rc = e;
    if (!rule_ynode_map_get(it, "match")) {
        rule_lerr(lc, it, 0, "E005", "exception without 'match'");
        rc = FW_EPARSE;
    }
    if (!x->owner || !x->ticket)
        rule_lwarn(lc, it, "W003", "exception without %s; say who accepted it and why",
                   !x->owner ? "owner" : "ticket");
    return rc;
}

static int k_exceptions(struct rule_lctx *lc, const struct rule_ynode *k,
                        const struct rule_ynode *v, struct rule *r)
{
    size_t i;
    int rc = 0, e;

    (void)k;
    if (v->kind != RULE_Y_SEQ) {
        rule_lerr(lc, v, 0, "E004", "'exceptions' must be a list, found %s",
                  rule_ynode_kind_name(v->kind));
        return FW_EPARSE;
    }
    r->exc = fw_calloc(v->nitems + 1, sizeof(*r->exc));
    if (!r->exc)
        return FW_ENOMEM;
    for (i = 0; i < v->nitems; i++) {
        if ((e = exc_one(lc, v->items[i], &r->exc[r->nexc++])) < 0)
            rc = e;
    }
    return rc;
}

/* ---- aggregate ---- */

static int agg_by(struct rule_lctx *lc, const struct rule_ynode *v, struct rule_agg *a)
{
    size_t n = v->kind == RULE_Y_SEQ ? v->nitems : 1, i;
    int rc = 0;

    if (v->kind == RULE_Y_MAP || n > RULE_AGG_MAX_BY) {
        rule_lerr(lc, v, 0, v->kind == RULE_Y_MAP ? "E004" : "E013",
                  "'by' takes a field or a list of at most %d fields", RULE_AGG_MAX_BY);
        return FW_EPARSE;
    }
    for (i = 0; i < n; i++) {
        const struct rule_ynode *f = v->kind == RULE_Y_SEQ ? v->items[i] : v;
        if (!rule_lscalar(lc, f, "by"))
            return FW_EPARSE;
        a->by[a->nby] = rule_field_id(f->str);
        if (a->by[a->nby] < 0) {
            const char *hint = rule_field_suggest(f->str);
            rule_lerr(lc, f, 0, "E006", "unknown field '%s'%s%s%s", f->str,
                      hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
            rc = FW_EPARSE;
            continue;
        }
        a->nby++;
    }
    return rc;
}

/* "count|gte", "distinct(destination.ip)|gt", "sum(source.bytes)|gte". 1 = not one of them. */
static int agg_fn(struct rule_lctx *lc, const struct rule_ypair *pr, struct rule_agg *a)
{
    static const char *const ops[] = {"gt", "gte", "lt", "lte"};
    char buf[96], *bar, *par;
    const char *hint;
    size_t i;

    if (pr->key->len >= sizeof(buf))
        return 1;
    memcpy(buf, pr->key->str, pr->key->len + 1);
    bar = strchr(buf, '|');
    if (bar)
        *bar++ = '\0';
    par = strchr(buf, '(');
    if (par)
        *par++ = '\0';
    if (strcmp(buf, "count") == 0 && !par)
        a->fn = RULE_AGG_COUNT;
    else if (strcmp(buf, "distinct") == 0 && par)
        a->fn = RULE_AGG_DISTINCT;
    else if (strcmp(buf, "sum") == 0 && par)
        a->fn = RULE_AGG_SUM;
    else
        return 1;
    if (par) {
        char *close = strchr(par, ')');
        if (!close || close[1]) {
            rule_lerr(lc, pr->key, 0, "E013", "missing ')' in '%s'", pr->key->str);
            return FW_EPARSE;
        }
        *close = '\0';
        a->fn_field = rule_field_id(par);
        if (a->fn_field < 0) {
            hint = rule_field_suggest(par);
            rule_lerr(lc, pr->key, (unsigned)(par - buf), "E006", "unknown field '%s'%s%s%s",
                      par, hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
            return FW_EPARSE;
        }
        if (a->fn == RULE_AGG_SUM && rule_field_at(a->fn_field)->type != RULE_FT_NUM) {
            rule_lerr(lc, pr->key, 0, "E004", "sum() needs a number field, '%s' is not", par);
            return FW_EPARSE;
        }
    }
    for (i = 0; bar && i < N(ops) && strcmp(bar, ops[i]) != 0; i++)
        ;
    if (!bar || i == N(ops)) {
        rule_lerr(lc, pr->key, bar ? (unsigned)(bar - buf) : 0, "E007",
                  "aggregate needs an operator: %s|gt, |gte, |lt or |lte", buf);
        return FW_EPARSE;
    }
    a->op = (enum rule_op)(RULE_OP_GT + (int)i);
    if (rule_ynode_double(pr->val, &a->threshold) < 0) {
        rule_lerr(lc, pr->val, 0, "E004", "threshold of '%s' must be a number", pr->key->str);
        return FW_EPARSE;
    }
    return 0;
}

static int agg_pair(struct rule_lctx *lc, const struct rule_ypair *pr, struct rule_agg *a,
                    int *nfn)
{
    const char *k = pr->key->str;
    int rc;

    if (strcmp(k, "by") == 0)
        return agg_by(lc, pr->val, a);
    if (strcmp(k, "window") == 0) {
        if (!rule_lscalar(lc, pr->val, "window"))
            return FW_EPARSE;
        if (fw_duration_parse(pr->val->str, &a->window_us) < 0 || a->window_us == 0) {
            rule_lerr(lc, pr->val, 0, "E010", "bad duration '%s' (e.g. 60s, 5m, 1h)",
                      pr->val->str);
            return FW_EPARSE;
        }
        return 0;
    }
    rc = agg_fn(lc, pr, a);
    if (rc == 1) {
        rule_lerr(lc, pr->key, 0, "E003", "unknown key '%s' in aggregate (by, window, "
                  "count|OP, distinct(FIELD)|OP, sum(FIELD)|OP)", k);
        return FW_EPARSE;
    }
    if (++*nfn == 2) {
        rule_lerr(lc, pr->key, 0, "E013",
                  "aggregate takes exactly one of count, distinct(), sum()");
        return FW_EPARSE;
    }
    return rc;
}

static void agg_fingerprint(struct rule *r)
{
    char buf[256];
    struct rule_agg *a = &r->agg;
    size_t i;
    int o;

    o = snprintf(buf, sizeof(buf), "%s|%llu|%d|%d|%d|%.17g", r->s_id ? r->s_id : "",
                 (unsigned long long)a->window_us, a->fn, a->fn_field, a->op, a->threshold);
    for (i = 0; i < a->nby && o > 0 && (size_t)o < sizeof(buf); i++)
        o += snprintf(buf + o, sizeof(buf) - (size_t)o, "|%d", a->by[i]);
    if (o < 0 || (size_t)o >= sizeof(buf))
        o = (int)sizeof(buf) - 1;
    a->fingerprint = XXH3_64bits(buf, (size_t)o);
}

static int k_aggregate(struct rule_lctx *lc, const struct rule_ynode *k,
                       const struct rule_ynode *v, struct rule *r)
{
    size_t i;
    int rc = 0, e, nfn = 0;

    if (r->type != RULE_T_MATCH) {
        rule_lerr(lc, k, 0, "E003", "'aggregate' is only allowed on match rules; analyzer "
                  "rules take their windows from params");
        return FW_EPARSE;
    }
    if (v->kind != RULE_Y_MAP) {
        rule_lerr(lc, v, 0, "E004", "'aggregate' must be a map, found %s",
                  rule_ynode_kind_name(v->kind));
        return FW_EPARSE;
    }
    r->has_agg = true;
    r->agg.fn_field = -1;
    for (i = 0; i < v->npairs; i++)
        if ((e = agg_pair(lc, &v->pairs[i], &r->agg, &nfn)) < 0)
            rc = e;
    if (!rule_ynode_map_get(v, "window")) {
        rule_lerr(lc, k, 0, "E005", "aggregate without 'window'");
        rc = FW_EPARSE;
    }
    if (nfn == 0) {
        rule_lerr(lc, k, 0, "E005", "aggregate needs one of count|gte: N, "
                  "distinct(FIELD)|gte: N, sum(FIELD)|gte: N");
        rc = FW_EPARSE;
    }
    agg_fingerprint(r);
    return rc;
}

/* dedup: DURATION on a plain match rule (default 1h; 0 = one alert per event). */
static int k_dedup(struct rule_lctx *lc, const struct rule_ynode *k, const struct rule_ynode *v,
                   struct rule *r)
{
    const char *s = rule_lscalar(lc, v, k->str);

    if (!s)
        return FW_EPARSE;
    if (r->type != RULE_T_MATCH) {
        rule_lerr(lc, k, 0, "E003", "'dedup' is only allowed on match rules");
        return FW_EPARSE;
    }
    if (strcmp(s, "0") != 0 && (fw_duration_parse(s, &r->dedup_us) < 0 || r->dedup_us == 0)) {
        rule_lerr(lc, v, 0, "E010", "bad duration '%s' for dedup (e.g. 10m, 1h, or 0)", s);
        return FW_EPARSE;
    }
    if (strcmp(s, "0") == 0)
        r->dedup_us = 0;
    return 0;
}

/* A plain rule becomes "count >= 1 per (source.ip, destination.ip) over dedup":
 * the first match alerts, later matches of the same pair update that alert
 * instead of raising new ones, so one chatty flow pair cannot flood the SOC.
 * Rules on alerts key by (host, alert.rule) instead: one alert per blamed host
 * and correlated rule, whatever peers the alerts name. */
static void implicit_dedup(struct rule *r)
{
    bool on_alerts = r->events == RULE_EVS_ALERT;

    if (r->type != RULE_T_MATCH || r->has_agg || r->dedup_us == 0)
        return;
    r->has_agg = true;
    r->implicit_agg = true;
    r->agg.by[0] = rule_field_id(on_alerts ? "host" : "source.ip");
    r->agg.by[1] = rule_field_id(on_alerts ? "alert.rule" : "destination.ip");
    r->agg.nby = 2;
    r->agg.window_us = r->dedup_us;
    r->agg.fn = RULE_AGG_COUNT;
    r->agg.fn_field = -1;
    r->agg.op = RULE_OP_GTE;
    r->agg.threshold = 1;
    agg_fingerprint(r);
}

/* ---- one rule ---- */

static const struct {
    const char *name;
    key_fn fn;
    int phase;      /* 2: needs type and analyzer known first */
} rule_keys[] = {
    {"id", k_id, 1},                  {"title", k_title, 1},
    {"description", k_desc, 1},       {"status", k_status, 1},
    {"mode", k_mode, 1},              {"severity", k_severity, 1},
    {"version", k_version, 1},        {"ruleset", k_ruleset, 1},
    {"attack", k_attack, 1},          {"event", k_event, 1},
    {"type", k_type, 1},              {"analyzer", k_analyzer, 1},
    {"score", k_score, 1},            {"blame", k_blame, 1},
    {"reason", k_reason, 1},          {"references", k_strlist, 1},
    {"falsepositives", k_strlist, 1}, {"author", k_author, 1},
    {"params", k_params, 2},          {"match", k_match, 2},
    {"aggregate", k_aggregate, 2},    {"exceptions", k_exceptions, 2},
    {"dedup", k_dedup, 2},
};

static int key_index(const char *name)
{
    size_t i;

    for (i = 0; i < N(rule_keys); i++)
        if (strcmp(rule_keys[i].name, name) == 0)
            return (int)i;
    return -1;
}

static void unknown_key(struct rule_lctx *lc, const struct rule_ynode *k)
{
    const char *best = NULL;
    unsigned bestd = 3, d;
    size_t i;

    for (i = 0; i < N(rule_keys); i++) {
        d = rule_edit_distance(k->str, rule_keys[i].name);
        if (d < bestd) {
            bestd = d;
            best = rule_keys[i].name;
        }
    }
    rule_lerr(lc, k, 0, "E003", "unknown key '%s'%s%s%s", k->str,
              best ? "; did you mean '" : "", best ? best : "", best ? "'?" : "");
}

static void walk_keys(struct rule_lctx *lc, const struct rule_ynode *doc, struct rule *r,
                      int phase)
{
    size_t i;
    int ki;

    for (i = 0; i < doc->npairs; i++) {
        const struct rule_ypair *pr = &doc->pairs[i];
        ki = key_index(pr->key->str);
        if (ki < 0) {
            if (phase == 1)
                unknown_key(lc, pr->key);
            continue;
        }
        if (rule_keys[ki].phase == phase)
            (void)rule_keys[ki].fn(lc, pr->key, pr->val, r);
    }
}

static void check_required(struct rule_lctx *lc, const struct rule_ynode *doc, struct rule *r)
{
    if (!rule_ynode_map_get(doc, "id"))
        rule_lerr(lc, doc, 0, "E005", "rule without 'id'");
    if (!rule_ynode_map_get(doc, "title"))
        rule_lerr(lc, doc, 0, "E005", "rule without 'title'");
    if (r->type == RULE_T_ANALYZER && !rule_ynode_map_get(doc, "analyzer"))
        rule_lerr(lc, doc, 0, "E005", "type: analyzer rule without 'analyzer'");
    if (r->type == RULE_T_MATCH && rule_ynode_map_get(doc, "analyzer"))
        rule_lerr(lc, rule_ynode_map_get(doc, "analyzer"), 0, "E003",
                  "'analyzer' needs type: analyzer");
    if (r->type == RULE_T_MATCH && !rule_ynode_map_get(doc, "match"))
        rule_lerr(lc, doc, 0, "E005", "match rule without 'match'");
    if (r->type == RULE_T_ANALYZER && r->events == RULE_EVS_ALERT)
        rule_lerr(lc, rule_ynode_map_get(doc, "event"), 0, "E013",
                  "analyzer rules run on flow events; event: alert needs a match rule");
}

/* ---- fields the rule's event carries ---- */

/* E016 when name is a known field that events (a RULE_EVS_* mask) do not carry;
 * unknown names were E006 already. */
static void event_field(struct rule_lctx *lc, const struct rule_ynode *n, unsigned coloff,
                        const char *name, unsigned events)
{
    const struct rule_field *f = rule_field_at(rule_field_id(name));

    if (!f || (f->events & events))
        return;
    if (events == RULE_EVS_ALERT)
        rule_lerr(lc, n, coloff, "E016", "field '%s' is not carried by event: alert (alert "
                  "rules see alert.rule, alert.id, alert.analyzer, alert.severity, alert.score, "
                  "host, source/destination ip, port and zone, network.transport, "
                  "network.iana_number, ndpi.protocol)", name);
    else
        rule_lerr(lc, n, coloff, "E016", "field '%s' is only carried by event: alert", name);
}

/* Keys of a match map: "field|op|mod". */
static void event_fields_match(struct rule_lctx *lc, const struct rule_ynode *m,
                               unsigned events)
{
    char name[96];
    size_t i, n;

    for (i = 0; m && m->kind == RULE_Y_MAP && i < m->npairs; i++) {
        const struct rule_ynode *k = m->pairs[i].key;
        n = strcspn(k->str, "|");
        if (n >= sizeof(name))
            continue;
        memcpy(name, k->str, n);
        name[n] = '\0';
        event_field(lc, k, 0, name, events);
    }
}

/* by: fields, and the field of distinct(F)|OP / sum(F)|OP. */
static void event_fields_agg(struct rule_lctx *lc, const struct rule_ynode *a, unsigned events)
{
    const struct rule_ynode *by = rule_ynode_map_get(a, "by");
    char name[96];
    const char *par, *close;
    size_t i;

    if (by && by->kind == RULE_Y_SCALAR)
        event_field(lc, by, 0, by->str, events);
    for (i = 0; by && by->kind == RULE_Y_SEQ && i < by->nitems; i++)
        if (by->items[i]->kind == RULE_Y_SCALAR)
            event_field(lc, by->items[i], 0, by->items[i]->str, events);
    for (i = 0; i < a->npairs; i++) {
        const struct rule_ynode *k = a->pairs[i].key;
        par = strchr(k->str, '(');
        close = par ? strchr(par, ')') : NULL;
        if (!close || (size_t)(close - par - 1) >= sizeof(name))
            continue;
        memcpy(name, par + 1, (size_t)(close - par - 1));
        name[close - par - 1] = '\0';
        event_field(lc, k, (unsigned)(par + 1 - k->str), name, events);
    }
}

/* {field} placeholders of reason (figures like {count} are not fields). */
static void event_fields_reason(struct rule_lctx *lc, const struct rule_ynode *v,
                                unsigned events)
{
    const char *p, *end;
    char name[64];

    if (v->kind != RULE_Y_SCALAR)
        return;
    for (p = strchr(v->str, '{'); p; p = end ? strchr(end, '{') : NULL) {
        end = strchr(p, '}');
        if (!end || (size_t)(end - p - 1) >= sizeof(name))
            break;
        memcpy(name, p + 1, (size_t)(end - p - 1));
        name[end - p - 1] = '\0';
        event_field(lc, v, (unsigned)(p - v->str) + (v->plain ? 0 : 1), name, events);
    }
}

/* A field the event never carries matches nothing (or, under |not, everything): always
 * a mistake, so it is an error like an unknown field. Analyzer rules see flow events. */
void rule_check_event_fields(struct rule_lctx *lc, const struct rule_ynode *doc,
                             const struct rule *r)
{
    unsigned events = r->type == RULE_T_ANALYZER ? RULE_EVS_FLOW : r->events;
    const struct rule_ynode *x = rule_ynode_map_get(doc, "exceptions");
    const struct rule_ynode *a = rule_ynode_map_get(doc, "aggregate");
    const struct rule_ynode *rs = rule_ynode_map_get(doc, "reason");
    size_t i;

    event_fields_match(lc, rule_ynode_map_get(doc, "match"), events);
    for (i = 0; x && x->kind == RULE_Y_SEQ && i < x->nitems; i++)
        if (x->items[i]->kind == RULE_Y_MAP)
            event_fields_match(lc, rule_ynode_map_get(x->items[i], "match"), events);
    if (a && a->kind == RULE_Y_MAP)
        event_fields_agg(lc, a, events);
    if (rs)
        event_fields_reason(lc, rs, events);
}

static int rule_defaults(struct rule *r, const char *file, unsigned line)
{
    r->cnt = fw_calloc(1, sizeof(*r->cnt));
    r->s_file = fw_strdup(file);
    r->events = 1u << FLOW_EVT_END;
    r->meta.severity = 55;
    r->meta.score = -1;
    r->meta.analyzer = ANZ_RULE;
    r->meta.line = line;
    r->dedup_us = 3600 * FW_USEC_PER_SEC;
    return r->cnt && r->s_file ? 0 : FW_ENOMEM;
}

static int rule_finish(struct rule *r)
{
    if (!r->s_version)
        r->s_version = fw_strdup("1");
    if (!r->s_ruleset)
        r->s_ruleset = fw_strdup("default");
    if (r->meta.score < 0)
        r->meta.score = r->meta.severity / 4.0;     /* documented default */
    r->meta.id = r->s_id;
    r->meta.title = r->s_title;
    r->meta.description = r->s_desc ? r->s_desc : "";
    r->meta.version = r->s_version;
    r->meta.ruleset = r->s_ruleset;
    r->meta.file = r->s_file;
    if (r->type == RULE_T_MATCH)
        r->meta.analyzer = ANZ_RULE;
    implicit_dedup(r);
    return r->s_version && r->s_ruleset ? 0 : FW_ENOMEM;
}

/* One document into a rule; NULL when it had errors (all reported). */
struct rule *rule_parse_doc(struct rule_lctx *lc, const struct rule_ynode *doc)
{
    struct rule *r;
    unsigned before = lc->errors;

    if (doc->kind != RULE_Y_MAP) {
        rule_lerr(lc, doc, 0, "E004", "a rule must be a map of keys, found %s",
                  rule_ynode_kind_name(doc->kind));
        return NULL;
    }
    r = fw_calloc(1, sizeof(*r));
    if (!r || rule_defaults(r, lc->file, doc->line) < 0)
        goto fail;
    walk_keys(lc, doc, r, 1);
    walk_keys(lc, doc, r, 2);
    check_required(lc, doc, r);
    rule_check_event_fields(lc, doc, r);
    if (rule_finish(r) < 0 || lc->errors != before)
        goto fail;
    return r;
fail:
    if (lc->errors == before)
        rule_lerr(lc, doc, 0, "", "out of memory");
    rule_free(r);
    return NULL;
}

void rule_free(struct rule *r)
{
    size_t i;

    if (!r)
        return;
    fw_free(r->s_id);
    fw_free(r->s_title);
    fw_free(r->s_desc);
    fw_free(r->s_version);
    fw_free(r->s_ruleset);
    fw_free(r->s_file);
    fw_free(r->reason);
    for (i = 0; i < ANZ_MAX_TECHNIQUES; i++)
        fw_free(r->s_tech[i]);
    rule_match_free(&r->match);
    for (i = 0; i < r->nexc; i++) {
        rule_match_free(&r->exc[i].match);
        fw_free(r->exc[i].owner);
        fw_free(r->exc[i].ticket);
    }
    fw_free(r->exc);
    for (i = 0; i < r->nparams; i++) {
        size_t j;
        for (j = 0; j < r->params[i].nitems; j++)
            fw_free(r->params[i].items[j]);
        fw_free(r->params[i].items);
        fw_free(r->params[i].key);
        fw_free(r->params[i].str);
    }
    fw_free(r->params);
    fw_free(r->cnt);
    fw_free(r);
}
