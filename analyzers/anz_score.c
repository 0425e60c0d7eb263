/* analyzers/anz_score.c: decaying host scores, zone sums, trend and forecast. */
#include "anz_score.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "anz_lru.h"
#include "fw_alloc.h"
#include "fw_buf.h"
#include "fw_err.h"
#include "fw_time.h"

#define HOLT_ALPHA 0.5
#define HOLT_BETA 0.3
#define ZONE_NAME 32

struct contrib {
    char rule[48];
    uint64_t ts;
    double points;
};

struct score_host {
    struct fw_ip ip;                /* key: first member */
    char zone[ZONE_NAME];
    double score;                   /* as of ts */
    uint64_t ts;
    struct contrib c[ANZ_SCORE_CONTRIB];    /* ring */
    uint8_t nc, head;               /* used, next slot */
};

struct score_zone {
    char name[ZONE_NAME];
    double score;                   /* as of ts */
    uint64_t ts;
    uint64_t bucket;                /* start of the open bucket; 0 = none yet */
    struct anz_zone_trend trend;
    bool holt_init;
};

struct anz_scoreboard {
    struct anz_lru *hosts;
    uint64_t half_life;
    struct score_zone zones[ANZ_SCORE_ZONES];
    size_t nzones;
};

double anz_score_decay(double v, uint64_t dt_us, uint64_t half_life_us)
{
    if (half_life_us == 0)
        return v;
    return v * exp2(-(double)dt_us / (double)half_life_us);
}

struct anz_scoreboard *anz_scoreboard_create(size_t max_hosts, uint64_t half_life_us)
{
    struct anz_scoreboard *sb = fw_calloc(1, sizeof(*sb));

    if (!sb)
        return NULL;
    sb->hosts = anz_lru_create(max_hosts ? max_hosts : 1, sizeof(struct score_host),
                               sizeof(struct fw_ip), NULL);
    if (!sb->hosts) {
        fw_free(sb);
        return NULL;
    }
    sb->half_life = half_life_us ? half_life_us : 3600ull * FW_USEC_PER_SEC;
    return sb;
}

void anz_scoreboard_destroy(struct anz_scoreboard *sb)
{
    if (!sb)
        return;
    anz_lru_destroy(sb->hosts);
    fw_free(sb);
}

/* Decay a (value, time) pair to now; a now in the past decays nothing. */
static double value_at(double v, uint64_t ts, uint64_t now, uint64_t hl)
{
    return now > ts ? anz_score_decay(v, now - ts, hl) : v;
}

/* Add points stamped ts to a (value, time) accumulator, keeping the later time. */
static void acc_add(double *v, uint64_t *vts, double points, uint64_t ts, uint64_t hl)
{
    if (ts >= *vts) {
        *v = value_at(*v, *vts, ts, hl) + points;
        *vts = ts;
    } else {
        *v += anz_score_decay(points, *vts - ts, hl);
    }
}

static void ip_key(struct fw_ip *k, const struct fw_ip *ip)
{
    memset(k, 0, sizeof(*k));
    k->family = ip->family;
    memcpy(k->b, ip->b, ip->family == 4 ? 4 : 16);
}

static struct score_zone *zone_get(struct anz_scoreboard *sb, const char *name, bool create)
{
    size_t i;

    if (!name || !name[0])
        name = "external";
    for (i = 0; i < sb->nzones; i++)
        if (strncmp(sb->zones[i].name, name, ZONE_NAME - 1) == 0)
            return &sb->zones[i];
    if (!create)
        return NULL;
    if (sb->nzones == ANZ_SCORE_ZONES)
        return &sb->zones[ANZ_SCORE_ZONES - 1];     /* "other": the last slot absorbs */
    snprintf(sb->zones[sb->nzones].name, ZONE_NAME, "%s", name);
    return &sb->zones[sb->nzones++];
}

static const struct score_zone *zone_find(const struct anz_scoreboard *sb, const char *name)
{
    return zone_get((struct anz_scoreboard *)sb, name, false);
}

static void zone_close_bucket(struct score_zone *z, uint64_t hl)
{
    struct anz_zone_trend *t = &z->trend;
    uint64_t end = z->bucket + ANZ_TREND_BUCKET_US;
    double x = value_at(z->score, z->ts, end, hl), prev;

    if (t->n == ANZ_TREND_BUCKETS) {
        memmove(t->start_us, t->start_us + 1, (ANZ_TREND_BUCKETS - 1) * sizeof(t->start_us[0]));
        memmove(t->value, t->value + 1, (ANZ_TREND_BUCKETS - 1) * sizeof(t->value[0]));
        t->n--;
    }
    t->start_us[t->n] = z->bucket;
    t->value[t->n++] = x;
    if (!z->holt_init) {
        t->level = x;
        t->trend = 0;
        z->holt_init = true;
    } else {
        prev = t->level;
        t->level = HOLT_ALPHA * x + (1 - HOLT_ALPHA) * (t->level + t->trend);
        t->trend = HOLT_BETA * (t->level - prev) + (1 - HOLT_BETA) * t->trend;
    }
    t->forecast = t->level + t->trend > 0 ? t->level + t->trend : 0;
    z->bucket = end;
}

static void zone_tick(struct score_zone *z, uint64_t now, uint64_t hl)
{
    uint64_t cur = now - now % ANZ_TREND_BUCKET_US;
    unsigned guard = 0;

    if (z->bucket == 0) {
        z->bucket = cur;
        return;
    }
    if (cur > z->bucket + (uint64_t)ANZ_TREND_BUCKETS * ANZ_TREND_BUCKET_US)
        z->bucket = cur - (uint64_t)ANZ_TREND_BUCKETS * ANZ_TREND_BUCKET_US;
    while (z->bucket < cur && guard++ <= ANZ_TREND_BUCKETS)
        zone_close_bucket(z, hl);
}

void anz_scoreboard_tick(struct anz_scoreboard *sb, uint64_t now)
{
    size_t i;

    for (i = 0; i < sb->nzones; i++)
        zone_tick(&sb->zones[i], now, sb->half_life);
}

double anz_scoreboard_add(struct anz_scoreboard *sb, const struct fw_ip *ip, const char *zone,
                          double points, const char *rule_id, uint64_t ts)
{
    struct score_zone *z = zone_get(sb, zone, true);
    struct score_host *h;
    struct fw_ip k;
    struct contrib *c;

    zone_tick(z, ts, sb->half_life);
    acc_add(&z->score, &z->ts, points, ts, sb->half_life);
    ip_key(&k, ip);
    h = anz_lru_get(sb->hosts, &k, true, NULL);
    if (!h)
        return 0;
    snprintf(h->zone, sizeof(h->zone), "%s", zone && zone[0] ? zone : "external");
    acc_add(&h->score, &h->ts, points, ts, sb->half_life);
    c = &h->c[h->head];
    snprintf(c->rule, sizeof(c->rule), "%s", rule_id ? rule_id : "");
    c->ts = ts;
    c->points = points;
    h->head = (uint8_t)((h->head + 1) % ANZ_SCORE_CONTRIB);
    if (h->nc < ANZ_SCORE_CONTRIB)
        h->nc++;
    return value_at(h->score, h->ts, ts, sb->half_life);
}

double anz_scoreboard_host_score(const struct anz_scoreboard *sb, const struct fw_ip *ip,
                                 uint64_t now)
{
    const struct score_host *h;
    struct fw_ip k;

    ip_key(&k, ip);
    h = anz_lru_find(sb->hosts, &k);
    return h ? value_at(h->score, h->ts, now, sb->half_life) : 0;
}

double anz_scoreboard_zone_score(const struct anz_scoreboard *sb, const char *zone, uint64_t now)
{
    const struct score_zone *z = zone_find(sb, zone);

    return z ? value_at(z->score, z->ts, now, sb->half_life) : 0;
}

int anz_scoreboard_zone_trend(const struct anz_scoreboard *sb, const char *zone,
                              struct anz_zone_trend *out)
{
    const struct score_zone *z = zone_find(sb, zone);

    if (!z)
        return FW_ENOENT;
    *out = z->trend;
    return 0;
}

size_t anz_scoreboard_zone_names(const struct anz_scoreboard *sb, const char **names,
                                 size_t max)
{
    size_t i;

    for (i = 0; i < sb->nzones && i < max; i++)
        names[i] = sb->zones[i].name;
    return i;
}

size_t anz_scoreboard_hosts(const struct anz_scoreboard *sb)
{
    return anz_lru_count(sb->hosts);
}

static void explain_contribs(const struct anz_scoreboard *sb, const struct score_host *h,
                             uint64_t now, struct fw_buf *b)
{
    char iso[40];
    unsigned i, slot;

    fw_buf_json_key(b, "contributions");
    fw_buf_putc(b, '[');
    for (i = 0; i < h->nc; i++) {
        /* newest first */
        slot = (h->head + ANZ_SCORE_CONTRIB - 1 - i) % ANZ_SCORE_CONTRIB;
        fw_buf_putc(b, '{');
        fw_buf_json_kv_str(b, "rule", h->c[slot].rule);
        fw_buf_json_kv_str(b, "ts", fw_time_iso(h->c[slot].ts, iso, sizeof(iso)));
        fw_buf_json_kv_double(b, "points", h->c[slot].points);
        fw_buf_json_kv_double(b, "decayed",
                              value_at(h->c[slot].points, h->c[slot].ts, now, sb->half_life));
        fw_buf_putc(b, '}');
        if (i + 1 < h->nc)
            fw_buf_putc(b, ',');
    }
    fw_buf_putc(b, ']');
}

int anz_scoreboard_explain(const struct anz_scoreboard *sb, const struct fw_ip *ip, uint64_t now,
                           char *buf, size_t len)
{
    const struct score_host *h;
    char ipbuf[FW_IP_STRLEN];
    struct fw_buf b;
    struct fw_ip k;
    int rc;

    ip_key(&k, ip);
    h = anz_lru_find(sb->hosts, &k);
    if (!h)
        return FW_ENOENT;
    fw_buf_init(&b);
    fw_buf_putc(&b, '{');
    fw_buf_json_kv_str(&b, "ip", fw_ip_str(ip, ipbuf, sizeof(ipbuf)));
    fw_buf_json_kv_str(&b, "zone", h->zone);
    fw_buf_json_kv_double(&b, "score", value_at(h->score, h->ts, now, sb->half_life));
    fw_buf_json_kv_double(&b, "half_life_s", (double)sb->half_life / 1e6);
    explain_contribs(sb, h, now, &b);
    fw_buf_putc(&b, '}');
    if (b.failed) {
        rc = FW_ENOMEM;
    } else if (b.len >= len) {
        rc = FW_EFULL;
    } else {
        memcpy(buf, b.data, b.len);
        buf[b.len] = '\0';
        rc = (int)b.len;
    }
    fw_buf_free(&b);
    return rc;
}
