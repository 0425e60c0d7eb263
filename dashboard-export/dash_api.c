/* dashboard-export/dash_api.c: JSON documents for /api/map, /api/host/<ip>,
 * /api/alerts and /api/sensors, read from the Redis layout of DESIGN.md.
 * Redis content is untrusted here: strings are escaped, numbers re-parsed,
 * embedded JSON validated, every list capped. */
#include "dash_api.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fw_err.h"
#include "fw_ip.h"
#include "jsonl_record.h"

#define DASH_KEY_MAX 512
#define DASH_SCAN_ROUNDS 200        /* SCAN calls per listing; bounds a huge keyspace */
#define DASH_RULES_MAX 32           /* rules in one host's contributions */

/* Fields the exporter stores as JSON text. */
static const char *const json_fields[] = {"top_rules", "top_apps", "counters", "contributions"};
/* Fields that hold numbers; everything else stays a string (ids, hashes). */
static const char *const num_fields[] = {
    "score", "severity", "update", "updates", "alerts", "trend", "forecast", "ts",
    "uptime", "pps", "bps", "drops", "flows", "flows_total", "packets", "spool_bytes",
    "spool_dropped", "redis_backlog", "alerts_low", "alerts_medium", "alerts_high",
    "alerts_critical",
};

/* ----------------------------------------------------------------- helpers */

const char *dash_severity_name(double score)
{
    if (score < 40)
        return "low";
    if (score < 70)
        return "medium";
    if (score < 90)
        return "high";
    return "critical";
}

int dash_parse_count(const char *s, unsigned def, unsigned max, unsigned *out)
{
    unsigned long v;
    char *end;

    if (!s || !*s) {
        *out = def;
        return 0;
    }
    if (*s < '0' || *s > '9')
        return FW_EINVAL;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || v < 1 || v > max)
        return FW_EINVAL;
    *out = (unsigned)v;
    return 0;
}

int dash_parse_ip(const char *s, char *buf, size_t len)
{
    struct fw_ip ip;

    if (!s || strlen(s) >= FW_IP_STRLEN || fw_ip_parse(s, &ip) != 0)
        return FW_EINVAL;
    fw_ip_str(&ip, buf, len);
    return 0;
}

/* A Redis string that is a plain finite decimal number ("12", "-3.5e2"). */
static bool val_number(const struct rdx_val *v, double *d)
{
    char *end;

    if (!v || v->type != RDX_VAL_STR || v->len == 0 || v->len > 32 ||
        !(v->str[0] == '-' || (v->str[0] >= '0' && v->str[0] <= '9')) ||
        memchr(v->str, 'x', v->len) || memchr(v->str, 'X', v->len))
        return false;
    *d = strtod(v->str, &end);
    return end == v->str + v->len && isfinite(*d);
}

static double val_double(const struct rdx_val *v, double def)
{
    double d;

    if (v && v->type == RDX_VAL_INT)
        return (double)v->integer;
    return val_number(v, &d) ? d : def;
}

static void put_key_n(struct fw_buf *b, const char *k, size_t n)
{
    if (b->len && b->data[b->len - 1] != '{' && b->data[b->len - 1] != '[')
        fw_buf_putc(b, ',');
    fw_buf_json_strn(b, k, n);
    fw_buf_putc(b, ':');
}

/* Array separator: a comma unless the array just opened. */
static void put_sep(struct fw_buf *b)
{
    if (b->len && b->data[b->len - 1] != '[')
        fw_buf_putc(b, ',');
}

enum val_kind {
    VAL_STRING = 0,
    VAL_NUMBER,             /* a number when it parses as one */
    VAL_JSON,               /* embedded when valid JSON */
};

static bool in_list(const struct rdx_val *f, const char *const *list, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (rdx_val_is(f, list[i]))
            return true;
    return false;
}

static enum val_kind field_kind(const struct rdx_val *f)
{
    if (in_list(f, json_fields, sizeof(json_fields) / sizeof(json_fields[0])))
        return VAL_JSON;
    if (in_list(f, num_fields, sizeof(num_fields) / sizeof(num_fields[0])))
        return VAL_NUMBER;
    return VAL_STRING;
}

/* A value from Redis as kind says, falling back to a string (nil is null). */
static void put_val(struct fw_buf *b, const struct rdx_val *v, enum val_kind kind)
{
    double d;

    if (!v || (v->type != RDX_VAL_STR && v->type != RDX_VAL_INT)) {
        fw_buf_puts(b, "null");
    } else if (v->type == RDX_VAL_INT) {
        fw_buf_printf(b, "%lld", v->integer);
    } else if (kind == VAL_JSON && jsonl_valid(v->str, v->len)) {
        fw_buf_append(b, v->str, v->len);
    } else if (kind == VAL_NUMBER && val_number(v, &d)) {
        fw_buf_printf(b, "%.10g", d);
    } else {
        fw_buf_json_strn(b, v->str, v->len);
    }
}

/* HGETALL-style [field, value, ...] as the members of an open object. */
static void put_hash(struct fw_buf *b, const struct rdx_val *arr)
{
    size_t i;

    for (i = 0; arr && arr->type == RDX_VAL_ARR && i + 1 < arr->n; i += 2) {
        const struct rdx_val *f = &arr->elem[i], *v = &arr->elem[i + 1];

        if (f->type != RDX_VAL_STR)
            continue;
        put_key_n(b, f->str, f->len);
        put_val(b, v, field_kind(f));
    }
}

/* Value of field name in a [field, value, ...] array, or NULL. */
static const struct rdx_val *hash_get(const struct rdx_val *arr, const char *name)
{
    size_t i;

    for (i = 0; arr && arr->type == RDX_VAL_ARR && i + 1 < arr->n; i += 2)
        if (rdx_val_is(&arr->elem[i], name))
            return &arr->elem[i + 1];
    return NULL;
}

static int cmd(struct rdx_read *r, struct rdx_val **out, int argc, const char **argv)
{
    int rc = rdx_read_cmd(r, out, argc, argv);

    if (rc == 0 && (*out)->type == RDX_VAL_ERR) {
        rdx_val_free(*out);
        *out = NULL;
        return FW_EIO;  /* e.g. WRONGTYPE: the key is not what the layout says */
    }
    return rc;
}

static int cmd_key(struct rdx_read *r, struct rdx_val **out, const char *verb,
                   const char *key)
{
    const char *argv[2] = {verb, key};

    return cmd(r, out, 2, argv);
}

/* Escape glob characters so a prefix matches only itself in SCAN MATCH. */
static void glob_escape(char *dst, size_t len, const char *s, const char *suffix)
{
    size_t o = 0;

    for (; *s && o + 3 < len; s++) {
        if (strchr("*?[]\\", *s))
            dst[o++] = '\\';
        dst[o++] = *s;
    }
    dst[o] = '\0';
    snprintf(dst + o, len - o, "%s", suffix);
}

/* ------------------------------------------------------------- key listing */

struct keylist {
    char **v;               /* owned strings, sorted after scan_keys */
    size_t n, cap;
};

static void keylist_free(struct keylist *k)
{
    size_t i;

    for (i = 0; i < k->n; i++)
        free(k->v[i]);
    free(k->v);
    memset(k, 0, sizeof(*k));
}

static int keylist_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void keylist_add(struct keylist *k, const struct rdx_val *key)
{
    size_t i;

    if (key->type != RDX_VAL_STR || memchr(key->str, '\0', key->len) || k->n == k->cap)
        return;
    for (i = 0; i < k->n; i++)        /* SCAN may return a key twice */
        if (!strcmp(k->v[i], key->str))
            return;
    k->v[k->n] = strdup(key->str);
    if (k->v[k->n])
        k->n++;
}

/* Every key matching pattern (at most cap), sorted; SCAN so Redis never blocks. */
static int scan_keys(struct rdx_read *r, const char *pattern, size_t cap, struct keylist *k)
{
    char cursor[32] = "0";
    const char *argv[6] = {"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"};
    struct rdx_val *rep;
    const struct rdx_val *next, *keys;
    size_t i;
    int rc, round;

    k->v = calloc(cap, sizeof(*k->v));
    if (!k->v)
        return FW_ENOMEM;
    k->cap = cap;
    for (round = 0; round < DASH_SCAN_ROUNDS; round++) {
        rc = cmd(r, &rep, 6, argv);
        if (rc != 0)
            return rc;
        next = rdx_val_at(rep, 0);
        keys = rdx_val_at(rep, 1);
        for (i = 0; keys && i < keys->n; i++)
            keylist_add(k, &keys->elem[i]);
        snprintf(cursor, sizeof(cursor), "%s", next && next->type == RDX_VAL_STR ? next->str
                                                                                : "0");
        rdx_val_free(rep);
        if (!strcmp(cursor, "0") || k->n == k->cap)
            break;
    }
    qsort(k->v, k->n, sizeof(*k->v), keylist_cmp);
    return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && !strcmp(s + n - m, suffix);
}

/* -------------------------------------------------------------------- map */

/* ,"history":[[bucket,score],..] from the zone's trend zset, oldest first. */
static int put_zone_history(struct rdx_read *r, const char *key, struct fw_buf *b)
{
    char tkey[DASH_KEY_MAX], start[16];
    const char *argv[5] = {"ZRANGE", tkey, start, "-1", "WITHSCORES"};
    struct rdx_val *rep;
    size_t i;
    int rc;

    snprintf(tkey, sizeof(tkey), "%s:trend", key);
    snprintf(start, sizeof(start), "-%d", DASH_TREND_POINTS);
    rc = cmd(r, &rep, 5, argv);
    if (rc != 0)
        return rc;
    fw_buf_json_key(b, "history");
    fw_buf_putc(b, '[');
    for (i = 0; rep->type == RDX_VAL_ARR && i + 1 < rep->n; i += 2) {
        put_sep(b);
        fw_buf_printf(b, "[%.10g,%.6g]", val_double(&rep->elem[i], 0),
                      val_double(&rep->elem[i + 1], 0));
    }
    fw_buf_putc(b, ']');
    rdx_val_free(rep);
    return 0;
}

static int put_zone(struct rdx_read *r, const char *key, const char *name, struct fw_buf *b)
{
    static const char *const sev[4] = {"low", "medium", "high", "critical"};
    struct rdx_val *h;
    char field[32];
    int rc, i;

    rc = cmd_key(r, &h, "HGETALL", key);
    if (rc != 0)
        return rc;
    put_sep(b);
    fw_buf_putc(b, '{');
    fw_buf_json_kv_str(b, "name", name);
    fw_buf_json_kv_double(b, "score", val_double(hash_get(h, "score"), 0));
    fw_buf_json_kv_double(b, "trend", val_double(hash_get(h, "trend"), 0));
    fw_buf_json_kv_double(b, "forecast", val_double(hash_get(h, "forecast"), 0));
    fw_buf_json_key(b, "alerts");
    fw_buf_putc(b, '{');
    for (i = 0; i < 4; i++) {
        snprintf(field, sizeof(field), "alerts_%s", sev[i]);
        fw_buf_json_kv_double(b, sev[i], val_double(hash_get(h, field), 0));
    }
    fw_buf_putc(b, '}');
    rdx_val_free(h);
    rc = put_zone_history(r, key, b);
    fw_buf_putc(b, '}');
    return rc;
}

static int put_zones(struct rdx_read *r, const char *prefix, struct fw_buf *b)
{
    char pattern[DASH_KEY_MAX], zprefix[DASH_KEY_MAX];
    struct keylist k = {0};
    size_t i, plen;
    int rc;

    snprintf(zprefix, sizeof(zprefix), "%szone:", prefix);
    plen = strlen(zprefix);
    glob_escape(pattern, sizeof(pattern), zprefix, "*");
    rc = scan_keys(r, pattern, DASH_ZONES_MAX * 2, &k);
    fw_buf_json_key(b, "zones");
    fw_buf_putc(b, '[');
    for (i = 0; rc == 0 && i < k.n; i++) {
        if (ends_with(k.v[i], ":trend") || strlen(k.v[i]) <= plen)
            continue;
        rc = put_zone(r, k.v[i], k.v[i] + plen, b);
    }
    fw_buf_putc(b, ']');
    keylist_free(&k);
    return rc;
}

/* One node: ip and score from the zset, zone and alert count from its hash. */
static int put_map_host(struct rdx_read *r, const char *prefix, const struct rdx_val *ip,
                        double score, struct fw_buf *b)
{
    char key[DASH_KEY_MAX];
    const char *argv[5] = {"HMGET", key, "zone", "alerts", "last_seen"};
    struct rdx_val *h;
    const struct rdx_val *zone;
    int rc;

    snprintf(key, sizeof(key), "%shost:%.*s", prefix, (int)ip->len, ip->str);
    rc = cmd(r, &h, 5, argv);
    if (rc != 0)
        return rc;
    zone = rdx_val_at(h, 0);
    put_sep(b);
    fw_buf_putc(b, '{');
    fw_buf_json_key(b, "ip");
    fw_buf_json_strn(b, ip->str, ip->len);
    fw_buf_json_kv_double(b, "score", score);
    fw_buf_json_kv_str(b, "severity", dash_severity_name(score));
    fw_buf_json_key(b, "zone");
    if (zone && zone->type == RDX_VAL_STR && zone->len)
        fw_buf_json_strn(b, zone->str, zone->len);
    else
        fw_buf_json_str(b, "external");
    fw_buf_json_kv_double(b, "alerts", val_double(rdx_val_at(h, 1), 0));
    fw_buf_json_key(b, "last_seen");
    put_val(b, rdx_val_at(h, 2), VAL_STRING);
    fw_buf_putc(b, '}');
    rdx_val_free(h);
    return 0;
}

/* ZREVRANGE key 0 n-1 WITHSCORES */
static int zset_top(struct rdx_read *r, const char *key, unsigned n, struct rdx_val **out)
{
    char stop[16];
    const char *argv[5] = {"ZREVRANGE", key, "0", stop, "WITHSCORES"};

    snprintf(stop, sizeof(stop), "%u", n ? n - 1 : 0);
    return cmd(r, out, 5, argv);
}

static int put_hosts(struct rdx_read *r, const char *prefix, unsigned n, struct fw_buf *b)
{
    char key[DASH_KEY_MAX];
    struct rdx_val *z;
    size_t i;
    int rc;

    snprintf(key, sizeof(key), "%smap:hosts", prefix);
    rc = zset_top(r, key, n, &z);
    if (rc != 0)
        return rc;
    fw_buf_json_key(b, "hosts");
    fw_buf_putc(b, '[');
    for (i = 0; rc == 0 && z->type == RDX_VAL_ARR && i + 1 < z->n; i += 2) {
        if (z->elem[i].type != RDX_VAL_STR)
            continue;
        rc = put_map_host(r, prefix, &z->elem[i], val_double(&z->elem[i + 1], 0), b);
    }
    fw_buf_putc(b, ']');
    rdx_val_free(z);
    return rc;
}

static int put_edges(struct rdx_read *r, const char *prefix, unsigned n, struct fw_buf *b)
{
    char key[DASH_KEY_MAX];
    struct rdx_val *z;
    const char *gt;
    size_t i;
    int rc;

    snprintf(key, sizeof(key), "%smap:edges", prefix);
    rc = zset_top(r, key, n, &z);
    if (rc != 0)
        return rc;
    fw_buf_json_key(b, "edges");
    fw_buf_putc(b, '[');
    for (i = 0; z->type == RDX_VAL_ARR && i + 1 < z->n; i += 2) {
        const struct rdx_val *m = &z->elem[i];

        if (m->type != RDX_VAL_STR || !(gt = memchr(m->str, '>', m->len)))
            continue;
        put_sep(b);
        fw_buf_putc(b, '{');
        fw_buf_json_key(b, "src");
        fw_buf_json_strn(b, m->str, (size_t)(gt - m->str));
        fw_buf_json_key(b, "dst");
        fw_buf_json_strn(b, gt + 1, m->len - (size_t)(gt - m->str) - 1);
        fw_buf_json_kv_double(b, "weight", val_double(&z->elem[i + 1], 0));
        fw_buf_putc(b, '}');
    }
    fw_buf_putc(b, ']');
    rdx_val_free(z);
    return 0;
}

int dash_api_map(struct rdx_read *r, const char *prefix, unsigned nhosts, struct fw_buf *out)
{
    int rc;

    if (nhosts == 0 || nhosts > DASH_HOSTS_MAX)
        return FW_EINVAL;
    fw_buf_putc(out, '{');
    fw_buf_json_kv_u64(out, "generated", (uint64_t)time(NULL));
    rc = put_zones(r, prefix, out);
    if (rc == 0)
        rc = put_hosts(r, prefix, nhosts, out);
    if (rc == 0)
        rc = put_edges(r, prefix, nhosts * 2, out);
    fw_buf_putc(out, '}');
    return rc != 0 ? rc : out->failed ? FW_ENOMEM : 0;
}

/* ----------------------------------------------------------------- alerts */

/* One stream entry [id, [field, value, ...]] as an object; the "json" field
 * (the full ECS record) becomes "record" when it is a valid JSON object. */
static void put_alert(struct fw_buf *b, const struct rdx_val *entry)
{
    const struct rdx_val *id = rdx_val_at(entry, 0), *f = rdx_val_at(entry, 1);
    size_t i;

    put_sep(b);
    fw_buf_putc(b, '{');
    fw_buf_json_key(b, "stream_id");
    put_val(b, id, VAL_STRING);
    for (i = 0; f && f->type == RDX_VAL_ARR && i + 1 < f->n; i += 2) {
        const struct rdx_val *k = &f->elem[i], *v = &f->elem[i + 1];

        if (k->type != RDX_VAL_STR)
            continue;
        if (rdx_val_is(k, "json")) {
            fw_buf_json_key(b, "record");
            if (v->type == RDX_VAL_STR && jsonl_valid_object(v->str, v->len))
                fw_buf_append(b, v->str, v->len);
            else
                fw_buf_puts(b, "null");
            continue;
        }
        put_key_n(b, k->str, k->len);
        put_val(b, v, field_kind(k));
    }
    fw_buf_putc(b, '}');
}

/* XREVRANGE <prefix>alerts + - COUNT n */
static int stream_latest(struct rdx_read *r, const char *prefix, unsigned n,
                         struct rdx_val **out)
{
    char key[DASH_KEY_MAX], count[16];
    const char *argv[6] = {"XREVRANGE", key, "+", "-", "COUNT", count};

    snprintf(key, sizeof(key), "%salerts", prefix);
    snprintf(count, sizeof(count), "%u", n);
    return cmd(r, out, 6, argv);
}

int dash_api_alerts(struct rdx_read *r, const char *prefix, unsigned count, struct fw_buf *out)
{
    struct rdx_val *s;
    size_t i;
    int rc;

    if (count == 0 || count > DASH_ALERTS_MAX)
        return FW_EINVAL;
    rc = stream_latest(r, prefix, count, &s);
    if (rc != 0)
        return rc;
    fw_buf_puts(out, "{\"alerts\":[");
    for (i = 0; s->type == RDX_VAL_ARR && i < s->n; i++)
        put_alert(out, &s->elem[i]);
    fw_buf_puts(out, "]}");
    rdx_val_free(s);
    return out->failed ? FW_ENOMEM : 0;
}

/* ------------------------------------------------------------------- host */

struct contrib {
    char rule[96];
    unsigned count;
    double points;
    char last_ts[40];       /* newest first in the stream, so the first seen */
};

struct host_alerts {
    struct contrib rules[DASH_RULES_MAX];
    size_t nrules;
    unsigned shown;
};

static void contrib_add(struct host_alerts *ha, const struct rdx_val *fields)
{
    const struct rdx_val *rule = hash_get(fields, "rule"), *ts = hash_get(fields, "ts");
    size_t i;

    if (!rule || rule->type != RDX_VAL_STR)
        return;
    for (i = 0; i < ha->nrules; i++)
        if (!strcmp(ha->rules[i].rule, rule->str))
            break;
    if (i == ha->nrules) {
        if (ha->nrules == DASH_RULES_MAX)
            return;
        ha->nrules++;
        snprintf(ha->rules[i].rule, sizeof(ha->rules[i].rule), "%s", rule->str);
        snprintf(ha->rules[i].last_ts, sizeof(ha->rules[i].last_ts), "%s",
                 ts && ts->type == RDX_VAL_STR ? ts->str : "");
    }
    ha->rules[i].count++;
    ha->rules[i].points += val_double(hash_get(fields, "score"), 0);
}

/* ,"alerts":[..] of the newest alerts naming ip, collecting contributions. */
static int put_host_alerts(struct rdx_read *r, const char *prefix, const char *ip,
                           struct host_alerts *ha, struct fw_buf *b)
{
    struct rdx_val *s;
    size_t i;
    int rc;

    rc = stream_latest(r, prefix, DASH_HOST_SCAN, &s);
    if (rc != 0)
        return rc;
    fw_buf_json_key(b, "alerts");
    fw_buf_putc(b, '[');
    for (i = 0; s->type == RDX_VAL_ARR && i < s->n; i++) {
        const struct rdx_val *f = rdx_val_at(&s->elem[i], 1);

        if (!rdx_val_is(hash_get(f, "src"), ip) && !rdx_val_is(hash_get(f, "dst"), ip))
            continue;
        contrib_add(ha, f);
        if (ha->shown < DASH_HOST_ALERTS_MAX) {
            put_alert(b, &s->elem[i]);
            ha->shown++;
        }
    }
    fw_buf_putc(b, ']');
    rdx_val_free(s);
    return 0;
}

static void put_contributions(struct fw_buf *b, const struct host_alerts *ha)
{
    size_t i;

    fw_buf_json_key(b, "contributions");
    fw_buf_putc(b, '[');
    for (i = 0; i < ha->nrules; i++) {
        put_sep(b);
        fw_buf_putc(b, '{');
        fw_buf_json_kv_str(b, "rule", ha->rules[i].rule);
        fw_buf_json_kv_u64(b, "count", ha->rules[i].count);
        fw_buf_json_kv_double(b, "points", ha->rules[i].points);
        fw_buf_json_kv_str(b, "last_ts", ha->rules[i].last_ts);
        fw_buf_putc(b, '}');
    }
    fw_buf_putc(b, ']');
}

/* ZSCORE of ip in the map; *found false when it is not on the map. */
static int host_score(struct rdx_read *r, const char *prefix, const char *ip, double *score,
                      bool *found)
{
    char key[DASH_KEY_MAX];
    const char *argv[3] = {"ZSCORE", key, ip};
    struct rdx_val *v;
    int rc;

    snprintf(key, sizeof(key), "%smap:hosts", prefix);
    rc = cmd(r, &v, 3, argv);
    if (rc != 0)
        return rc;
    *found = v->type == RDX_VAL_STR;
    *score = val_double(v, 0);
    rdx_val_free(v);
    return 0;
}

static void put_host_head(struct fw_buf *b, const char *ip, double score,
                          const struct rdx_val *h)
{
    const struct rdx_val *zone = hash_get(h, "zone"), *apps = hash_get(h, "top_apps");

    fw_buf_json_kv_str(b, "ip", ip);
    fw_buf_json_kv_double(b, "score", score);
    fw_buf_json_kv_str(b, "severity", dash_severity_name(score));
    fw_buf_json_key(b, "zone");
    put_val(b, zone, VAL_STRING);
    fw_buf_json_key(b, "top_apps");
    if (apps && apps->type == RDX_VAL_STR && jsonl_valid(apps->str, apps->len) &&
        apps->len && apps->str[0] == '[')
        fw_buf_append(b, apps->str, apps->len);
    else
        fw_buf_puts(b, "[]");
    fw_buf_json_key(b, "info");
    fw_buf_putc(b, '{');
    put_hash(b, h);
    fw_buf_putc(b, '}');
}

int dash_api_host(struct rdx_read *r, const char *prefix, const char *ip, struct fw_buf *out)
{
    char key[DASH_KEY_MAX];
    struct host_alerts *ha;
    struct rdx_val *h;
    double score;
    bool on_map;
    int rc;

    snprintf(key, sizeof(key), "%shost:%s", prefix, ip);
    rc = host_score(r, prefix, ip, &score, &on_map);
    if (rc != 0)
        return rc;
    rc = cmd_key(r, &h, "HGETALL", key);
    if (rc != 0)
        return rc;
    if (!on_map && h->n == 0) {
        rdx_val_free(h);
        return FW_ENOENT;
    }
    if (!on_map)
        score = val_double(hash_get(h, "score"), 0);
    ha = calloc(1, sizeof(*ha));
    if (!ha) {
        rdx_val_free(h);
        return FW_ENOMEM;
    }
    fw_buf_putc(out, '{');
    put_host_head(out, ip, score, h);
    rc = put_host_alerts(r, prefix, ip, ha, out);
    put_contributions(out, ha);
    fw_buf_putc(out, '}');
    free(ha);
    rdx_val_free(h);
    return rc != 0 ? rc : out->failed ? FW_ENOMEM : 0;
}

/* ---------------------------------------------------------------- sensors */

/* "2024-05-01T10:00:00.123456Z" -> seconds since the epoch; false if not that. */
static bool iso_seconds(const struct rdx_val *v, double *secs)
{
    struct tm tm = {0};
    int n = 0;

    if (!v || v->type != RDX_VAL_STR || v->len < 20 || v->len > 40)
        return false;
    if (sscanf(v->str, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 || n != 19)
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *secs = (double)timegm(&tm);
    return *secs >= 0;
}

/* Heartbeat age: now - "ts" (seconds, or µs when huge), else now - "updated",
 * else how much of the 30 s TTL has run; -1 when nothing tells. */
static double sensor_age(const struct rdx_val *h, long long ttl, uint64_t now_us)
{
    double now = (double)now_us / 1e6, t;

    if (val_number(hash_get(h, "ts"), &t) || iso_seconds(hash_get(h, "updated"), &t)) {
        if (t > 1e12)
            t /= 1e6;
        return now > t ? now - t : 0;
    }
    return ttl >= 0 && ttl <= 30 ? (double)(30 - ttl) : -1;
}

static int put_sensor(struct rdx_read *r, const char *key, const char *id, uint64_t now_us,
                      struct fw_buf *b)
{
    struct rdx_val *h, *ttl;
    int rc;

    rc = cmd_key(r, &h, "HGETALL", key);
    if (rc != 0)
        return rc;
    rc = cmd_key(r, &ttl, "TTL", key);
    if (rc != 0) {
        rdx_val_free(h);
        return rc;
    }
    if (h->n) {             /* expired between SCAN and HGETALL: skip it */
        put_sep(b);
        fw_buf_putc(b, '{');
        fw_buf_json_kv_str(b, "id", id);
        fw_buf_json_kv_i64(b, "ttl", ttl->type == RDX_VAL_INT ? ttl->integer : -2);
        fw_buf_json_kv_double(b, "age_s", sensor_age(h, ttl->type == RDX_VAL_INT
                                                             ? ttl->integer : -2, now_us));
        fw_buf_json_key(b, "info");
        fw_buf_putc(b, '{');
        put_hash(b, h);
        fw_buf_putc(b, '}');
        fw_buf_putc(b, '}');
    }
    rdx_val_free(ttl);
    rdx_val_free(h);
    return 0;
}

int dash_api_sensors(struct rdx_read *r, const char *prefix, uint64_t now_us,
                     struct fw_buf *out)
{
    char pattern[DASH_KEY_MAX], sprefix[DASH_KEY_MAX];
    struct keylist k = {0};
    size_t i, plen;
    int rc;

    snprintf(sprefix, sizeof(sprefix), "%ssensor:", prefix);
    plen = strlen(sprefix);
    glob_escape(pattern, sizeof(pattern), sprefix, "*");
    rc = scan_keys(r, pattern, DASH_SENSORS_MAX, &k);
    fw_buf_puts(out, "{\"sensors\":[");
    for (i = 0; rc == 0 && i < k.n; i++)
        if (strlen(k.v[i]) > plen)
            rc = put_sensor(r, k.v[i], k.v[i] + plen, now_us, out);
    fw_buf_puts(out, "]}");
    keylist_free(&k);
    return rc != 0 ? rc : out->failed ? FW_ENOMEM : 0;
}
