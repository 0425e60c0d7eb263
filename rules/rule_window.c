/* rules/rule_window.c: sliding windows of aggregate rules, per (rule, by-key).
 *
 * A window is 10 buckets of window/10 each (count or sum per bucket), so it
 * slides in tenths; distinct() keeps each value's hash with the last bucket it
 * was seen in (capped at RULE_DISTINCT_MAX values per key, beyond which the
 * figure saturates). Keys are found by hash and kept in one LRU list bounded
 * by max_keys: the least recently hit key is evicted and counted. The bucket
 * array starts small and doubles with the key count (up to what max_keys needs),
 * as in anz_lru.c: sized for max_keys up front it is megabytes of zero pages whose
 * first writes each fault and shoot down TLBs, for rules that may see ten keys.
 *
 * Alerts: when the condition first holds, an alert starts whose window runs
 * from the current bucket for one window length; matches in it while the
 * condition holds update the same alert (updates++). After it ends the next
 * hit that satisfies the condition opens a new alert. Entries are keyed by the
 * rule's aggregate fingerprint (id + spec), so a reload that leaves a rule's id
 * and aggregate unchanged finds its windows again; rebind only frees the rest.
 * Owned by the analyzer thread.
 */
#include "rule_int.h"

#include <string.h>
#include <xxhash.h>

#include "fw_alloc.h"
#include "fw_err.h"

#define WIN_BUCKETS 10
/* While an alert goes on, its updates reach the outputs at most this often (packet
 * time), like the behaviour detectors': the SOC sees the figures move without a
 * stream entry per matching flow. */
#define WIN_UPDATE_MIN_US (10ull * 1000000ull)
#define RULE_DISTINCT_MAX 4096
#define WIN_MIN_BUCKETS ((size_t)64)
#define WIN_MAX_BUCKETS ((size_t)1 << 20)

struct win_dval {
    uint64_t h;                 /* 0 = empty slot */
    uint64_t bucket;            /* last bucket seen */
};

struct win_entry {
    uint64_t fp;                /* aggregate fingerprint of the rule */
    uint64_t h;                 /* hash of fp + key */
    char *key;
    size_t klen;
    struct win_entry *hnext;
    struct win_entry *prev, *next;  /* LRU, most recent first */
    uint64_t bucket_us;
    uint64_t head;              /* newest bucket index (ts / bucket_us) */
    double acc[WIN_BUCKETS];    /* count or sum per bucket, ring by index */
    struct win_dval *dv;        /* distinct values, open addressing */
    size_t dcap, dn;
    bool alerting;
    uint64_t alert_start_us, alert_end_us, first_us;
    uint64_t last_emit_us;      /* last time an alert or update went out */
    uint32_t updates;
};

struct rule_state {
    struct win_entry **tab;
    size_t nbuckets;            /* power of two, grows with n */
    size_t max_buckets;         /* what max_keys needs */
    size_t n, max_keys;
    struct win_entry *lru_head, *lru_tail;
    uint64_t evictions;
};

struct rule_state *rule_state_create(size_t max_keys)
{
    struct rule_state *st = fw_calloc(1, sizeof(*st));

    if (!st)
        return NULL;
    st->max_keys = max_keys ? max_keys : 1;
    st->max_buckets = WIN_MIN_BUCKETS;
    while (st->max_buckets < st->max_keys && st->max_buckets < WIN_MAX_BUCKETS)
        st->max_buckets *= 2;
    st->nbuckets = WIN_MIN_BUCKETS;
    st->tab = fw_calloc(st->nbuckets, sizeof(*st->tab));
    if (!st->tab) {
        fw_free(st);
        return NULL;
    }
    return st;
}

static void entry_free(struct win_entry *e)
{
    fw_free(e->key);
    fw_free(e->dv);
    fw_free(e);
}

static void lru_unlink(struct rule_state *st, struct win_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        st->lru_head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        st->lru_tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push(struct rule_state *st, struct win_entry *e)
{
    e->next = st->lru_head;
    e->prev = NULL;
    if (st->lru_head)
        st->lru_head->prev = e;
    st->lru_head = e;
    if (!st->lru_tail)
        st->lru_tail = e;
}

static void entry_remove(struct rule_state *st, struct win_entry *e)
{
    struct win_entry **pp = &st->tab[e->h & (st->nbuckets - 1)];

    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    lru_unlink(st, e);
    st->n--;
    entry_free(e);
}

void rule_state_destroy(struct rule_state *st)
{
    if (!st)
        return;
    while (st->lru_head)
        entry_remove(st, st->lru_head);
    fw_free(st->tab);
    fw_free(st);
}

uint64_t rule_state_evictions(const struct rule_state *st)
{
    return st->evictions;
}

size_t rule_state_keys(const struct rule_state *st)
{
    return st->n;
}

size_t rule_state_buckets(const struct rule_state *st)
{
    return st->nbuckets;
}

/* Double the bucket array when keys outnumber buckets (up to max_buckets); on
 * allocation failure the table keeps working with longer chains. */
static void maybe_grow(struct rule_state *st)
{
    size_t nb = st->nbuckets * 2, i;
    struct win_entry **nv, *e, *next;

    if (st->n < st->nbuckets || nb > st->max_buckets)
        return;
    nv = fw_calloc(nb, sizeof(*nv));
    if (!nv)
        return;
    for (i = 0; i < st->nbuckets; i++) {
        for (e = st->tab[i]; e; e = next) {
            next = e->hnext;
            e->hnext = nv[e->h & (nb - 1)];
            nv[e->h & (nb - 1)] = e;
        }
    }
    fw_free(st->tab);
    st->tab = nv;
    st->nbuckets = nb;
}

static struct win_entry *entry_get(struct rule_state *st, const struct rule *r, const char *key,
                                   size_t klen)
{
    uint64_t h = XXH3_64bits_withSeed(key, klen, r->agg.fingerprint);
    struct win_entry *e;

    for (e = st->tab[h & (st->nbuckets - 1)]; e; e = e->hnext)
        if (e->h == h && e->fp == r->agg.fingerprint && e->klen == klen &&
            memcmp(e->key, key, klen) == 0)
            break;
    if (e) {
        lru_unlink(st, e);
        lru_push(st, e);
        return e;
    }
    if (st->n >= st->max_keys && st->lru_tail) {
        entry_remove(st, st->lru_tail);
        st->evictions++;
    }
    maybe_grow(st);
    e = fw_calloc(1, sizeof(*e));
    if (!e || !(e->key = fw_strndup(key, klen))) {
        fw_free(e);
        return NULL;
    }
    e->fp = r->agg.fingerprint;
    e->h = h;
    e->klen = klen;
    e->bucket_us = r->agg.window_us / WIN_BUCKETS ? r->agg.window_us / WIN_BUCKETS : 1;
    e->hnext = st->tab[h & (st->nbuckets - 1)];
    st->tab[h & (st->nbuckets - 1)] = e;
    lru_push(st, e);
    st->n++;
    return e;
}

/* Move the ring to bucket b, clearing buckets that fell out. */
static void advance(struct win_entry *e, uint64_t b)
{
    uint64_t i;

    if (b <= e->head)
        return;
    for (i = e->head + 1; i <= b && i - e->head <= WIN_BUCKETS; i++)
        e->acc[i % WIN_BUCKETS] = 0;
    e->head = b;
}

static bool in_window(const struct win_entry *e, uint64_t b)
{
    return b <= e->head && e->head - b < WIN_BUCKETS;
}

static int dv_grow(struct win_entry *e)
{
    size_t cap = e->dcap ? e->dcap * 2 : 16, i, j;
    struct win_dval *nv = fw_calloc(cap, sizeof(*nv));

    if (!nv)
        return FW_ENOMEM;
    e->dn = 0;
    for (i = 0; i < e->dcap; i++) {
        if (!e->dv[i].h || !in_window(e, e->dv[i].bucket))
            continue;               /* expired values go at each rebuild */
        for (j = e->dv[i].h & (cap - 1); nv[j].h; j = (j + 1) & (cap - 1))
            ;
        nv[j] = e->dv[i];
        e->dn++;
    }
    fw_free(e->dv);
    e->dv = nv;
    e->dcap = cap;
    return 0;
}

static void dv_add(struct win_entry *e, const char *val, uint64_t b)
{
    uint64_t h = XXH3_64bits(val, strlen(val)) | 1;     /* never 0, the empty mark */
    size_t j;

    if ((e->dn + 1) * 2 > e->dcap) {
        if (e->dcap >= RULE_DISTINCT_MAX * 2 || dv_grow(e) < 0)
            return;                 /* saturated: the figure stops growing */
    }
    for (j = h & (e->dcap - 1); e->dv[j].h; j = (j + 1) & (e->dcap - 1)) {
        if (e->dv[j].h == h) {
            if (b > e->dv[j].bucket)
                e->dv[j].bucket = b;
            return;
        }
    }
    e->dv[j].h = h;
    e->dv[j].bucket = b;
    e->dn++;
}

static double figure(const struct win_entry *e, enum rule_agg_fn fn)
{
    double sum = 0;
    size_t i;

    if (fn == RULE_AGG_DISTINCT) {
        for (i = 0; i < e->dcap; i++)
            if (e->dv[i].h && in_window(e, e->dv[i].bucket))
                sum += 1;
        return sum;
    }
    for (i = 0; i < WIN_BUCKETS; i++)
        sum += e->acc[i];
    return sum;
}

static bool holds(const struct rule_agg *a, double x)
{
    switch (a->op) {
    case RULE_OP_GT:  return x > a->threshold;
    case RULE_OP_GTE: return x >= a->threshold;
    case RULE_OP_LT:  return x < a->threshold;
    case RULE_OP_LTE: return x <= a->threshold;
    default:          return false;
    }
}

/* Add the event to the bucket it belongs to; too old (out of the window) is dropped. */
static void account(struct win_entry *e, const struct rule *r, const struct flow_evt *evt,
                    const struct rule_ctx *ctx, uint64_t b)
{
    const struct rule_field *f = rule_field_at(r->agg.fn_field);
    struct rule_fval v;
    char text[256];

    advance(e, b);
    if (!in_window(e, b))
        return;
    if (r->agg.fn == RULE_AGG_COUNT) {
        e->acc[b % WIN_BUCKETS] += 1;
    } else if (f && f->get(evt, ctx, &v)) {
        if (r->agg.fn == RULE_AGG_SUM)
            e->acc[b % WIN_BUCKETS] += v.n;
        else
            dv_add(e, rule_field_format(r->agg.fn_field, &v, text, sizeof(text)), b);
    }
}

int rule_window_hit(struct rule_state *st, const struct rule *r, const char *key, size_t klen,
                    const struct flow_evt *evt, const struct rule_ctx *ctx,
                    struct rule_win_result *res)
{
    struct win_entry *e = entry_get(st, r, key, klen);
    uint64_t b;

    memset(res, 0, sizeof(*res));
    if (!e)
        return FW_ENOMEM;
    b = evt->ts_us / e->bucket_us;
    account(e, r, evt, ctx, b);
    res->figure = figure(e, r->agg.fn);
    if (!holds(&r->agg, res->figure))
        return 0;
    if (e->alerting && evt->ts_us < e->alert_end_us) {
        if (evt->ts_us < e->last_emit_us + WIN_UPDATE_MIN_US)
            return 0;               /* counted in the figure; next update carries it */
        e->updates++;
    } else {
        e->alerting = true;
        e->alert_start_us = b * e->bucket_us;
        e->alert_end_us = e->alert_start_us + r->agg.window_us;
        e->first_us = evt->ts_us;
        e->updates = 0;
    }
    e->last_emit_us = evt->ts_us;
    res->fire = true;
    res->win_start_us = e->alert_start_us;
    res->first_us = e->first_us;
    res->updates = e->updates;
    return 0;
}

static bool fp_in_set(const struct rule_set *rs, uint64_t fp)
{
    size_t i;

    for (i = 0; rs && i < rs->n; i++)
        if (rs->rules[i]->has_agg && rs->rules[i]->agg.fingerprint == fp)
            return true;
    return false;
}

void rule_state_rebind(struct rule_state *st, const struct rule_set *old_rs,
                       const struct rule_set *new_rs)
{
    struct win_entry *e, *next;

    (void)old_rs;   /* entries carry the fingerprint; the new set alone decides */
    if (!st)
        return;
    for (e = st->lru_head; e; e = next) {
        next = e->next;
        if (!fp_in_set(new_rs, e->fp))
            entry_remove(st, e);
    }
}
