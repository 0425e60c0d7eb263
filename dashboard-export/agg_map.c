/* dashboard-export/agg_map.c: threat-map state (hosts, edges, zones) and its
 * Redis commands. Layout: docs/redis.md. */
#include "agg_map.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw_alloc.h"
#include "fw_buf.h"
#include "fw_time.h"

#define AGG_SAMPLE 64               /* eviction looks at this many candidates */
#define AGG_CLOSED_MAX 16           /* closed trend buckets waiting to be emitted */
#define CMD_ARGS 516                 /* ZADD/ZREM carry up to 256 members per command */

struct agg_top {
    char name[48];
    uint32_t count;
};

struct agg_host {
    struct fw_ip ip;                /* key */
    double score;                   /* decayed score at ts */
    uint64_t ts;
    char zone[ANZ_ZONE_NAME_MAX];
    uint64_t first_seen, last_seen;
    uint64_t alerts, by_sev[4];
    struct agg_top rules[AGG_TOP], apps[AGG_TOP];
    bool dirty;                     /* rewrite the whole hash */
    bool score_dirty;               /* rewrite the score only (decay pass) */
};

struct agg_edge {
    struct fw_ip src, dst;          /* key */
    double weight;
    uint64_t ts;
    bool dirty;
};

struct agg_bucket {
    uint64_t ts;
    double score;
};

struct agg_zone {
    char name[ANZ_ZONE_NAME_MAX];
    double score;                   /* decayed sum of points at ts */
    uint64_t ts;
    uint64_t by_sev[4];
    uint64_t bucket;                /* start of the current trend bucket; 0 = none */
    double level, trend, forecast;  /* Holt's linear method over closed buckets */
    bool holt_init;
    struct agg_bucket closed[AGG_CLOSED_MAX];
    size_t nclosed;
    bool dirty;
};

/* A dense array of items plus an open-addressing index over it. */
struct agg_tab {
    char *items;
    size_t isize, n, max;
    uint32_t *slots;                /* item index + 1; 0 = empty */
    size_t mask;
    uint64_t (*hash)(const void *item);
    bool (*eq)(const void *a, const void *b);
    size_t cursor;                  /* eviction sampling position */
};

struct agg_map {
    char prefix[32];
    uint64_t half_life_us;
    struct agg_tab hosts, edges;
    struct agg_zone zones[AGG_ZONES_MAX];
    size_t nzones;
    bool any_dirty;
    struct fw_buf gone_hosts;       /* NUL-separated ips to ZREM from the map */
    struct fw_buf gone_edges;       /* NUL-separated "src>dst" */
    struct agg_stats st;
};

double agg_decay(double score, uint64_t dt_us, uint64_t half_life_us)
{
    if (half_life_us == 0)
        return score;
    return score * exp2(-(double)dt_us / (double)half_life_us);
}

/* Index into by_sev[]: the bands of anz_severity_name(). */
static unsigned sev_class(unsigned severity)
{
    return severity < 40 ? 0 : severity < 70 ? 1 : severity < 90 ? 2 : 3;
}

/* ------------------------------------------------------------------ tables */

static uint64_t fnv_mix(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t host_hash(const void *item)
{
    const struct fw_ip *ip = &((const struct agg_host *)item)->ip;

    return fnv_mix(fnv_mix(0xcbf29ce484222325ull, &ip->family, 1), ip->b, 16);
}

static bool host_eq(const void *a, const void *b)
{
    return fw_ip_equal(&((const struct agg_host *)a)->ip, &((const struct agg_host *)b)->ip);
}

static uint64_t edge_hash(const void *item)
{
    const struct agg_edge *e = item;
    uint64_t h = fnv_mix(0xcbf29ce484222325ull, e->src.b, 16);

    return fnv_mix(fnv_mix(h, e->dst.b, 16), &e->dst.family, 1);
}

static bool edge_eq(const void *a, const void *b)
{
    const struct agg_edge *x = a, *y = b;

    return fw_ip_equal(&x->src, &y->src) && fw_ip_equal(&x->dst, &y->dst);
}

static int tab_init(struct agg_tab *t, size_t isize, size_t max,
                    uint64_t (*hash)(const void *), bool (*eq)(const void *, const void *))
{
    size_t nslots = 16;

    while (nslots < max * 2)
        nslots *= 2;
    t->items = fw_calloc(max, isize);
    t->slots = fw_calloc(nslots, sizeof(*t->slots));
    if (!t->items || !t->slots)
        return -1;
    t->isize = isize;
    t->max = max;
    t->mask = nslots - 1;
    t->hash = hash;
    t->eq = eq;
    return 0;
}

static void *tab_item(const struct agg_tab *t, size_t i)
{
    return t->items + i * t->isize;
}

/* Slot holding probe's key, or the empty slot where it would go. */
static size_t tab_slot(const struct agg_tab *t, const void *probe)
{
    size_t s = (size_t)t->hash(probe) & t->mask;

    while (t->slots[s] && !t->eq(tab_item(t, t->slots[s] - 1), probe))
        s = (s + 1) & t->mask;
    return s;
}

static void *tab_find(const struct agg_tab *t, const void *probe)
{
    size_t s = tab_slot(t, probe);

    return t->slots[s] ? tab_item(t, t->slots[s] - 1) : NULL;
}

/* Insert a copy of probe (caller checked n < max and absence). */
static void *tab_add(struct agg_tab *t, const void *probe)
{
    size_t s = tab_slot(t, probe);
    void *it = tab_item(t, t->n);

    memcpy(it, probe, t->isize);
    t->slots[s] = (uint32_t)(++t->n);
    return it;
}

/* Remove item i: backward-shift delete in the index, last item moves into i. */
static void tab_remove(struct agg_tab *t, size_t i)
{
    size_t s = tab_slot(t, tab_item(t, i)), j = s, k;

    for (;;) {
        j = (j + 1) & t->mask;
        if (!t->slots[j])
            break;
        k = (size_t)t->hash(tab_item(t, t->slots[j] - 1)) & t->mask;
        if (s <= j ? (s < k && k <= j) : (s < k || k <= j))
            continue;           /* its home lies between the hole and it: stays */
        t->slots[s] = t->slots[j];
        s = j;
    }
    t->slots[s] = 0;
    if (i != t->n - 1) {
        memcpy(tab_item(t, i), tab_item(t, t->n - 1), t->isize);
        t->slots[tab_slot(t, tab_item(t, i))] = (uint32_t)(i + 1);
    }
    t->n--;
}

/* ---------------------------------------------------------- create/destroy */

struct agg_map *agg_map_create(const char *prefix, uint64_t half_life_us, size_t hosts_max)
{
    struct agg_map *m = fw_calloc(1, sizeof(*m));

    if (!m)
        return NULL;
    snprintf(m->prefix, sizeof(m->prefix), "%s", prefix ? prefix : "fw:");
    m->half_life_us = half_life_us ? half_life_us : 3600ull * FW_USEC_PER_SEC;
    hosts_max = hosts_max ? hosts_max : 65536;
    if (hosts_max > (1u << 22))
        hosts_max = 1u << 22;
    if (tab_init(&m->hosts, sizeof(struct agg_host), hosts_max, host_hash, host_eq) != 0 ||
        tab_init(&m->edges, sizeof(struct agg_edge), AGG_EDGES_MAX, edge_hash, edge_eq) != 0) {
        agg_map_destroy(m);
        return NULL;
    }
    fw_buf_init(&m->gone_hosts);
    fw_buf_init(&m->gone_edges);
    return m;
}

void agg_map_destroy(struct agg_map *m)
{
    if (!m)
        return;
    free(m->hosts.items);
    free(m->hosts.slots);
    free(m->edges.items);
    free(m->edges.slots);
    fw_buf_free(&m->gone_hosts);
    fw_buf_free(&m->gone_edges);
    free(m);
}

/* --------------------------------------------------------------- updating */

static double host_now(const struct agg_map *m, const struct agg_host *h, uint64_t now)
{
    return agg_decay(h->score, now > h->ts ? now - h->ts : 0, m->half_life_us);
}

static void gone_host(struct agg_map *m, const struct fw_ip *ip)
{
    char s[FW_IP_STRLEN];

    fw_ip_str(ip, s, sizeof(s));
    fw_buf_append(&m->gone_hosts, s, strlen(s) + 1);
    m->any_dirty = true;
}

static void gone_edge(struct agg_map *m, const struct agg_edge *e)
{
    char s[FW_IP_STRLEN], d[FW_IP_STRLEN];

    fw_buf_printf(&m->gone_edges, "%s>%s", fw_ip_str(&e->src, s, sizeof(s)),
                  fw_ip_str(&e->dst, d, sizeof(d)));
    fw_buf_putc(&m->gone_edges, '\0');
    m->any_dirty = true;
}

/* Index of the lowest-scored item among AGG_SAMPLE starting at the cursor. */
static size_t sample_victim(struct agg_tab *t, double (*score)(const void *))
{
    size_t i, best = t->cursor % t->n;
    double low = score(tab_item(t, best));

    for (i = 1; i < AGG_SAMPLE && i < t->n; i++) {
        size_t j = (t->cursor + i) % t->n;
        double s = score(tab_item(t, j));
        if (s < low) {
            low = s;
            best = j;
        }
    }
    t->cursor += AGG_SAMPLE;
    return best;
}

static double host_raw_score(const void *h)
{
    return ((const struct agg_host *)h)->score;
}

static double edge_raw_score(const void *e)
{
    return ((const struct agg_edge *)e)->weight;
}

static struct agg_host *host_get(struct agg_map *m, const struct fw_ip *ip, uint64_t ts)
{
    struct agg_host probe, *h;
    size_t v;

    memset(&probe, 0, sizeof(probe));
    probe.ip = *ip;
    h = tab_find(&m->hosts, &probe);
    if (h)
        return h;
    if (m->hosts.n == m->hosts.max) {
        v = sample_victim(&m->hosts, host_raw_score);
        gone_host(m, &((struct agg_host *)tab_item(&m->hosts, v))->ip);
        tab_remove(&m->hosts, v);
        m->st.hosts_evicted++;
    }
    probe.first_seen = probe.ts = ts;
    return tab_add(&m->hosts, &probe);
}

static struct agg_edge *edge_get(struct agg_map *m, const struct fw_ip *src,
                                 const struct fw_ip *dst, uint64_t ts)
{
    struct agg_edge probe, *e;
    size_t v;

    memset(&probe, 0, sizeof(probe));
    probe.src = *src;
    probe.dst = *dst;
    e = tab_find(&m->edges, &probe);
    if (e)
        return e;
    if (m->edges.n == m->edges.max) {
        v = sample_victim(&m->edges, edge_raw_score);
        gone_edge(m, tab_item(&m->edges, v));
        tab_remove(&m->edges, v);
        m->st.edges_evicted++;
    }
    probe.ts = ts;
    return tab_add(&m->edges, &probe);
}

/* Space-saving top list: a newcomer replaces the least counted entry. */
static void top_bump(struct agg_top *top, const char *name, size_t cap)
{
    size_t i, low = 0;

    if (!name[0])
        return;
    for (i = 0; i < AGG_TOP; i++) {
        if (top[i].count && strncmp(top[i].name, name, sizeof(top[i].name)) == 0) {
            top[i].count++;
            return;
        }
        if (top[i].count < top[low].count)
            low = i;
    }
    snprintf(top[low].name, sizeof(top[low].name), "%.*s", (int)strnlen(name, cap), name);
    top[low].count++;
}

static void host_fold(struct agg_map *m, struct agg_host *h, const struct anz_alert *a,
                      const char *zone)
{
    uint64_t t = a->ts_us > h->ts ? a->ts_us : h->ts;

    h->score = host_now(m, h, t) + a->score;
    h->ts = t;
    if (a->ts_us < h->first_seen)
        h->first_seen = a->ts_us;
    if (a->ts_us > h->last_seen)
        h->last_seen = a->ts_us;
    h->alerts++;
    h->by_sev[sev_class(a->severity)]++;
    snprintf(h->zone, sizeof(h->zone), "%.*s", (int)strnlen(zone, ANZ_ZONE_NAME_MAX), zone);
    top_bump(h->rules, a->rule_id, sizeof(a->rule_id));
    top_bump(h->apps, a->app, sizeof(a->app));
    h->dirty = true;
}

/* Holt's linear method: level and slope per bucket; forecast = next bucket. */
static void zone_holt(struct agg_zone *z, double x)
{
    const double alpha = 0.5, beta = 0.3;
    double prev;

    if (!z->holt_init) {
        z->level = x;
        z->trend = 0;
        z->holt_init = true;
    } else {
        prev = z->level;
        z->level = alpha * x + (1 - alpha) * (z->level + z->trend);
        z->trend = beta * (z->level - prev) + (1 - beta) * z->trend;
    }
    z->forecast = z->level + z->trend > 0 ? z->level + z->trend : 0;
}

/* Move the zone's clock to t, closing every trend bucket passed on the way. */
static void zone_advance(struct agg_map *m, struct agg_zone *z, uint64_t t)
{
    uint64_t b = t - t % AGG_BUCKET_US;
    int guard = 0;

    if (t < z->ts)
        return;                 /* late alert: counted at the zone's current time */
    while (z->bucket && z->bucket < b && guard++ < AGG_TREND_KEEP) {
        uint64_t end = z->bucket + AGG_BUCKET_US;
        double x = agg_decay(z->score, end - z->ts, m->half_life_us);

        zone_holt(z, x);
        if (z->nclosed < AGG_CLOSED_MAX)
            z->closed[z->nclosed++] = (struct agg_bucket){.ts = z->bucket, .score = x};
        z->score = x;
        z->ts = end;
        z->bucket = end;
    }
    z->score = agg_decay(z->score, t - z->ts, m->half_life_us);
    z->ts = t;
    z->bucket = b;
    z->dirty = true;
}

static struct agg_zone *zone_get(struct agg_map *m, const char *name)
{
    size_t i, n = strnlen(name, ANZ_ZONE_NAME_MAX);
    struct agg_zone *z;

    if (n == 0) {
        name = "external";
        n = 8;
    }
    for (i = 0; i < m->nzones; i++)
        if (strncmp(m->zones[i].name, name, sizeof(m->zones[i].name)) == 0)
            return &m->zones[i];
    if (m->nzones == AGG_ZONES_MAX) {
        m->st.zones_refused++;
        return NULL;
    }
    z = &m->zones[m->nzones++];
    memset(z, 0, sizeof(*z));
    snprintf(z->name, sizeof(z->name), "%.*s", (int)n, name);
    return z;
}

void agg_map_alert(struct agg_map *m, const struct anz_alert *a)
{
    const struct fw_ip *who = a->blame == ANZ_BLAME_DST ? &a->dst : &a->src;
    const char *zone = a->blame == ANZ_BLAME_DST ? a->zone_dst : a->zone_src;
    struct agg_zone *z;
    struct agg_edge *e;

    if (a->shadow)
        return;
    m->st.alerts++;
    m->any_dirty = true;
    if (who->family)
        host_fold(m, host_get(m, who, a->ts_us), a, zone);
    if (a->src.family && a->dst.family) {
        e = edge_get(m, &a->src, &a->dst, a->ts_us);
        if (a->ts_us > e->ts) {
            e->weight = agg_decay(e->weight, a->ts_us - e->ts, m->half_life_us);
            e->ts = a->ts_us;
        }
        e->weight += a->score;
        e->dirty = true;
    }
    z = zone_get(m, zone);
    if (z) {
        zone_advance(m, z, a->ts_us);
        z->score += a->score;
        z->by_sev[sev_class(a->severity)]++;
    }
}

void agg_map_decay(struct agg_map *m, uint64_t now_us)
{
    size_t i;

    for (i = 0; i < m->hosts.n;) {
        struct agg_host *h = tab_item(&m->hosts, i);
        if (host_now(m, h, now_us) < AGG_SCORE_FLOOR) {
            gone_host(m, &h->ip);
            tab_remove(&m->hosts, i);
            continue;
        }
        if (now_us > h->ts) {
            h->score = host_now(m, h, now_us);
            h->ts = now_us;
        }
        h->score_dirty = true;
        i++;
    }
    for (i = 0; i < m->edges.n;) {
        struct agg_edge *e = tab_item(&m->edges, i);
        if (now_us > e->ts) {
            e->weight = agg_decay(e->weight, now_us - e->ts, m->half_life_us);
            e->ts = now_us;
        }
        if (e->weight < AGG_SCORE_FLOOR) {
            gone_edge(m, e);
            tab_remove(&m->edges, i);
            continue;
        }
        e->dirty = true;
        i++;
    }
    for (i = 0; i < m->nzones; i++)
        zone_advance(m, &m->zones[i], now_us);
    m->any_dirty = true;
}

void agg_map_resync(struct agg_map *m)
{
    size_t i;

    for (i = 0; i < m->hosts.n; i++)
        ((struct agg_host *)tab_item(&m->hosts, i))->dirty = true;
    for (i = 0; i < m->edges.n; i++)
        ((struct agg_edge *)tab_item(&m->edges, i))->dirty = true;
    for (i = 0; i < m->nzones; i++)
        m->zones[i].dirty = true;
    m->any_dirty = true;
}

double agg_map_host_score(const struct agg_map *m, const struct fw_ip *ip, uint64_t now_us)
{
    struct agg_host probe, *h;

    memset(&probe, 0, sizeof(probe));
    probe.ip = *ip;
    h = tab_find(&m->hosts, &probe);
    return h ? host_now(m, h, now_us) : -1;
}

bool agg_map_zone(const struct agg_map *m, const char *zone, double *score, double *trend,
                  double *forecast)
{
    size_t i;

    for (i = 0; i < m->nzones; i++) {
        if (strcmp(m->zones[i].name, zone) != 0)
            continue;
        *score = m->zones[i].score;
        *trend = m->zones[i].trend;
        *forecast = m->zones[i].forecast;
        return true;
    }
    return false;
}

void agg_map_stats(const struct agg_map *m, struct agg_stats *st)
{
    *st = m->st;
    st->hosts = m->hosts.n;
    st->edges = m->edges.n;
    st->zones = m->nzones;
}

/* ------------------------------------------------------------------- emit */

/* One command being built: arguments either borrowed or formatted in store. */
struct cmd {
    int argc;
    const char *argv[CMD_ARGS];
    size_t lens[CMD_ARGS];
    char store[24576];
    size_t used;
    bool failed;                    /* too many or too long arguments: not sent */
};

struct emitter {
    agg_emit_fn fn;
    void *ctx;
    size_t count;
    const char *prefix;
};

static void cmd_start(struct cmd *c)
{
    c->argc = 0;
    c->used = 0;
    c->failed = false;
}

static void cmd_ref(struct cmd *c, const char *p, size_t n)
{
    if (c->argc == CMD_ARGS) {
        c->failed = true;
        return;
    }
    c->argv[c->argc] = p;
    c->lens[c->argc++] = n;
}

static void cmd_fmt(struct cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void cmd_fmt(struct cmd *c, const char *fmt, ...)
{
    size_t room = sizeof(c->store) - c->used;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(c->store + c->used, room, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= room) {
        c->failed = true;
        return;
    }
    cmd_ref(c, c->store + c->used, (size_t)n);
    c->used += (size_t)n + 1;
}

/* The helpers below replace cmd_fmt where it ran for every changed host:
 * vsnprintf was the largest cost of a map write. Output is byte-identical. */

/* A string that outlives the command (literal, host or zone field). */
static void cmd_lit(struct cmd *c, const char *s)
{
    cmd_ref(c, s, strlen(s));
}

/* Reserve n bytes in store; NULL (and failed) when they do not fit. */
static char *cmd_room(struct cmd *c, size_t n)
{
    if (sizeof(c->store) - c->used < n + 1) {
        c->failed = true;
        return NULL;
    }
    return c->store + c->used;
}

/* Take the n bytes written at p (from cmd_room) as the next argument. */
static void cmd_take(struct cmd *c, char *p, size_t n)
{
    p[n] = '\0';
    cmd_ref(c, p, n);
    c->used += n + 1;
}

/* Decimal digits of v, written backwards ending at end; returns the start. */
static char *u64_digits(char *end, uint64_t v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

/* A copy of s (s does not outlive the command). */
static void cmd_copy(struct cmd *c, const char *s)
{
    size_t n = strlen(s);
    char *p = cmd_room(c, n);

    if (p) {
        memcpy(p, s, n);
        cmd_take(c, p, n);
    }
}

/* "%llu" */
static void cmd_u64(struct cmd *c, uint64_t v)
{
    char tmp[24], *d = u64_digits(tmp + sizeof(tmp), v), *p;
    size_t n = (size_t)(tmp + sizeof(tmp) - d);

    if ((p = cmd_room(c, n)) == NULL)
        return;
    memcpy(p, d, n);
    cmd_take(c, p, n);
}

/* a + b ("<prefix>host:" + ip) */
static void cmd_cat(struct cmd *c, const char *a, const char *b, const char *d)
{
    size_t na = strlen(a), nb = strlen(b), nd = strlen(d);
    char *p = cmd_room(c, na + nb + nd);

    if (!p)
        return;
    memcpy(p, a, na);
    memcpy(p + na, b, nb);
    memcpy(p + na + nb, d, nd);
    cmd_take(c, p, na + nb + nd);
}

/* "%.4f" without printf for the usual range. printf rounds the exact binary
 * value half to even; v * 1e4 is itself rounded, so a value whose scaled
 * fraction is near .5 (or a huge or non-finite one) still goes to printf. */
static void cmd_f4(struct cmd *c, double v)
{
    double x = fabs(v) * 1e4, f = x - floor(x);
    char tmp[32], *d;
    uint64_t r;
    size_t n;
    char *p;
    int i;

    if (!(x < 1e9) || fabs(f - 0.5) < 1e-6) {   /* below 1e9, x is off by < 1e-7 */
        cmd_fmt(c, "%.4f", v);
        return;
    }
    r = (uint64_t)(f < 0.5 ? floor(x) : floor(x) + 1);
    d = tmp + sizeof(tmp);
    for (i = 0; i < 4; i++, r /= 10)
        *--d = (char)('0' + r % 10);
    *--d = '.';
    d = u64_digits(d, r);
    if (signbit(v))
        *--d = '-';
    n = (size_t)(tmp + sizeof(tmp) - d);
    if ((p = cmd_room(c, n)) == NULL)
        return;
    memcpy(p, d, n);
    cmd_take(c, p, n);
}

/* Scores as text: no "-0.0000" from a value a rounding away from zero. */
static double tidy(double v)
{
    return fabs(v) < 5e-5 ? 0.0 : v;
}

static void cmd_send(struct emitter *em, struct cmd *c)
{
    if (c->failed || c->argc == 0)
        return;
    em->fn(em->ctx, c->argc, c->argv, c->lens);
    em->count++;
}

static int top_cmp(const void *a, const void *b)
{
    const struct agg_top *x = a, *y = b;

    return x->count < y->count ? 1 : x->count > y->count ? -1 : strcmp(x->name, y->name);
}

/* [{"rule":"FW-SCAN-001","count":3},...], most counted first */
static void top_json(struct fw_buf *b, const struct agg_top *top, const char *key)
{
    struct agg_top sorted[AGG_TOP];
    size_t i;

    memcpy(sorted, top, sizeof(sorted));
    qsort(sorted, AGG_TOP, sizeof(sorted[0]), top_cmp);
    fw_buf_reset(b);
    fw_buf_putc(b, '[');
    for (i = 0; i < AGG_TOP && sorted[i].count; i++) {
        if (i)
            fw_buf_putc(b, ',');
        fw_buf_putc(b, '{');
        fw_buf_json_kv_str(b, key, sorted[i].name);
        fw_buf_json_kv_u64(b, "count", sorted[i].count);
        fw_buf_putc(b, '}');
    }
    fw_buf_putc(b, ']');
}

static void emit_host_full(struct emitter *em, const struct agg_host *h, struct fw_buf *j1,
                           struct fw_buf *j2)
{
    static const char *const sev[4] = {"alerts_low", "alerts_medium", "alerts_high",
                                       "alerts_critical"};
    char ip[FW_IP_STRLEN], t1[40], t2[40];
    struct cmd c;
    int i;

    fw_ip_str(&h->ip, ip, sizeof(ip));
    cmd_start(&c);
    cmd_lit(&c, "HSET");
    cmd_cat(&c, em->prefix, "host:", ip);
    cmd_lit(&c, "score");
    cmd_f4(&c, tidy(h->score));
    cmd_lit(&c, "zone");
    cmd_lit(&c, h->zone[0] ? h->zone : "external");
    cmd_lit(&c, "first_seen");
    cmd_lit(&c, fw_time_iso(h->first_seen, t1, sizeof(t1)));
    cmd_lit(&c, "last_seen");
    cmd_lit(&c, fw_time_iso(h->last_seen, t2, sizeof(t2)));
    cmd_lit(&c, "alerts");
    cmd_u64(&c, (uint64_t)h->alerts);
    for (i = 0; i < 4; i++) {
        cmd_lit(&c, sev[i]);
        cmd_u64(&c, (uint64_t)h->by_sev[i]);
    }
    top_json(j1, h->rules, "rule");
    top_json(j2, h->apps, "app");
    cmd_lit(&c, "top_rules");
    cmd_ref(&c, j1->data, j1->len);
    cmd_lit(&c, "top_apps");
    cmd_ref(&c, j2->data, j2->len);
    cmd_send(em, &c);
    cmd_start(&c);
    cmd_lit(&c, "EXPIRE");
    cmd_cat(&c, em->prefix, "host:", ip);
    cmd_u64(&c, AGG_HOST_TTL_S);
    cmd_send(em, &c);
}

/* ZADD key score member ... in chunks; member(i) renders member i into buf. */
struct zadd {
    struct cmd c;
    int members;
    const char *key;
};

static void zadd_flush(struct emitter *em, struct zadd *z)
{
    if (z->members)
        cmd_send(em, &z->c);
    z->members = 0;
}

static void zadd_add(struct emitter *em, struct zadd *z, double score, const char *member)
{
    if (z->members && (z->members == (CMD_ARGS - 2) / 2 ||
                       sizeof(z->c.store) - z->c.used < FW_IP_STRLEN * 2 + 40))
        zadd_flush(em, z);
    if (z->members == 0) {
        cmd_start(&z->c);
        cmd_lit(&z->c, "ZADD");
        cmd_lit(&z->c, z->key);
    }
    cmd_f4(&z->c, tidy(score));
    cmd_copy(&z->c, member);        /* member is the caller's scratch */
    z->members++;
}

static void emit_hosts(struct agg_map *m, struct emitter *em)
{
    char key[64], ip[FW_IP_STRLEN];
    struct fw_buf j1, j2;
    struct zadd z = {.key = key};
    struct cmd c;
    size_t i;

    snprintf(key, sizeof(key), "%smap:hosts", m->prefix);
    fw_buf_init(&j1);
    fw_buf_init(&j2);
    for (i = 0; i < m->hosts.n; i++) {
        struct agg_host *h = tab_item(&m->hosts, i);

        if (!h->dirty && !h->score_dirty)
            continue;
        zadd_add(em, &z, h->score, fw_ip_str(&h->ip, ip, sizeof(ip)));
        if (h->dirty) {
            emit_host_full(em, h, &j1, &j2);
        } else {
            cmd_start(&c);
            cmd_lit(&c, "HSET");
            cmd_cat(&c, m->prefix, "host:", ip);
            cmd_lit(&c, "score");
            cmd_f4(&c, tidy(h->score));
            cmd_send(em, &c);
        }
        h->dirty = h->score_dirty = false;
    }
    zadd_flush(em, &z);
    fw_buf_free(&j1);
    fw_buf_free(&j2);
}

/* ZREM key member... for every NUL-separated member of gone, many members per
 * command (an evicted edge per alert is common at the cap); then empties it. */
static void emit_gone(struct emitter *em, const char *key, struct fw_buf *gone)
{
    size_t off = 0;
    struct cmd c;

    cmd_start(&c);
    while (off < gone->len) {
        const char *member = gone->data + off;
        size_t n = strlen(member);

        if (c.argc == 0) {
            cmd_lit(&c, "ZREM");
            cmd_fmt(&c, "%s", key);
        }
        cmd_ref(&c, member, n);
        off += n + 1;
        if (c.argc == CMD_ARGS) {
            cmd_send(em, &c);
            cmd_start(&c);
        }
    }
    if (c.argc > 2)
        cmd_send(em, &c);
    fw_buf_reset(gone);
}

static void emit_edges(struct agg_map *m, struct emitter *em)
{
    char key[64], s[FW_IP_STRLEN], d[FW_IP_STRLEN], member[2 * FW_IP_STRLEN + 2];
    struct zadd z = {.key = key};
    struct cmd c;
    size_t i;
    bool any = false;

    snprintf(key, sizeof(key), "%smap:edges", m->prefix);
    emit_gone(em, key, &m->gone_edges);
    for (i = 0; i < m->edges.n; i++) {
        struct agg_edge *e = tab_item(&m->edges, i);

        if (!e->dirty)
            continue;
        snprintf(member, sizeof(member), "%s>%s", fw_ip_str(&e->src, s, sizeof(s)),
                 fw_ip_str(&e->dst, d, sizeof(d)));
        zadd_add(em, &z, e->weight, member);
        e->dirty = false;
        any = true;
    }
    zadd_flush(em, &z);
    if (!any)
        return;
    /* keep the map readable: only the AGG_EDGES_TOP heaviest edges */
    cmd_start(&c);
    cmd_lit(&c, "ZREMRANGEBYRANK");
    cmd_fmt(&c, "%s", key);
    cmd_lit(&c, "0");
    cmd_fmt(&c, "%d", -(AGG_EDGES_TOP + 1));
    cmd_send(em, &c);
}

static void emit_trend(struct agg_map *m, struct emitter *em, struct agg_zone *z)
{
    char key[96], member[24];
    struct zadd za = {.key = key};
    struct cmd c;
    size_t i;

    snprintf(key, sizeof(key), "%szone:%s:trend", m->prefix, z->name);
    for (i = 0; i < z->nclosed; i++) {
        snprintf(member, sizeof(member), "%llu",
                 (unsigned long long)(z->closed[i].ts / FW_USEC_PER_SEC));
        zadd_add(em, &za, z->closed[i].score, member);
    }
    snprintf(member, sizeof(member), "%llu", (unsigned long long)(z->bucket / FW_USEC_PER_SEC));
    zadd_add(em, &za, z->score, member);
    zadd_flush(em, &za);
    for (i = 0; i < z->nclosed; i++) {
        uint64_t old = z->closed[i].ts / FW_USEC_PER_SEC;

        if (old < AGG_TREND_KEEP * (AGG_BUCKET_US / FW_USEC_PER_SEC))
            continue;
        cmd_start(&c);
        cmd_lit(&c, "ZREM");
        cmd_fmt(&c, "%s", key);
        cmd_u64(&c, (uint64_t)(old - AGG_TREND_KEEP *
                                                        (AGG_BUCKET_US / FW_USEC_PER_SEC)));
        cmd_send(em, &c);
    }
    z->nclosed = 0;
}

static void emit_zone(struct agg_map *m, struct emitter *em, struct agg_zone *z)
{
    static const char *const sev[4] = {"alerts_low", "alerts_medium", "alerts_high",
                                       "alerts_critical"};
    struct cmd c;
    int i;

    cmd_start(&c);
    cmd_lit(&c, "HSET");
    cmd_fmt(&c, "%szone:%s", m->prefix, z->name);
    cmd_lit(&c, "score");
    cmd_f4(&c, tidy(z->score));
    cmd_lit(&c, "trend");
    cmd_f4(&c, tidy(z->trend));
    cmd_lit(&c, "forecast");
    cmd_f4(&c, tidy(z->holt_init ? z->forecast : z->score));
    cmd_lit(&c, "bucket");
    cmd_u64(&c, (uint64_t)(z->bucket / FW_USEC_PER_SEC));
    for (i = 0; i < 4; i++) {
        cmd_lit(&c, sev[i]);
        cmd_u64(&c, (uint64_t)z->by_sev[i]);
    }
    cmd_send(em, &c);
    emit_trend(m, em, z);
    z->dirty = false;
}

size_t agg_map_emit(struct agg_map *m, agg_emit_fn fn, void *ctx)
{
    struct emitter em = {.fn = fn, .ctx = ctx, .prefix = m->prefix};
    char key[64];
    size_t i;

    if (!m->any_dirty)
        return 0;
    snprintf(key, sizeof(key), "%smap:hosts", m->prefix);
    emit_gone(&em, key, &m->gone_hosts);
    emit_hosts(m, &em);
    emit_edges(m, &em);
    for (i = 0; i < m->nzones; i++)
        if (m->zones[i].dirty)
            emit_zone(m, &em, &m->zones[i]);
    m->any_dirty = false;
    return em.count;
}
