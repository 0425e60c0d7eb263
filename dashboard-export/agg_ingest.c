/* dashboard-export/agg_ingest.c: stream entry -> struct anz_alert; the JSON
 * record is read with fw_json (sensor/fw_json.h). Contract in agg_ingest.h. */
#include "agg_ingest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw_err.h"
#include "fw_ip.h"
#include "fw_json.h"
#include "fw_time.h"

/* ------------------------------------------------------------------- JSON */

_Static_assert(AGG_JSON_DEPTH_MAX == FW_JSON_DEPTH_MAX, "one depth limit for stored JSON");

/* Strings decoded, other scalars as written, containers absent: what the
 * struct anz_alert fields want. The reading itself is fw_json's. */
int agg_json_get(const char *json, size_t len, const char *path, char *out, size_t outlen)
{
    struct fw_json_span v;
    int rc;

    if (!out || outlen == 0)
        return FW_ENOMEM;
    out[0] = '\0';
    rc = fw_json_get(json, len, path, &v);
    if (rc != 0)
        return rc;
    switch (v.type) {
    case FW_JSON_OBJECT:
    case FW_JSON_ARRAY:
        return FW_ENOENT;
    case FW_JSON_STRING:
        return fw_json_span_str(&v, out, outlen);
    default:
        if (v.len >= outlen)
            return FW_ENOMEM;
        memcpy(out, v.p, v.len);
        out[v.len] = '\0';
        return 0;
    }
}

/* ------------------------------------------------------------------- time */

static bool digits(const char *s, size_t n, unsigned *v)
{
    size_t i;

    *v = 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        *v = *v * 10 + (unsigned)(s[i] - '0');
    }
    return true;
}

int agg_iso_parse(const char *s, size_t len, uint64_t *us)
{
    char date[11];
    unsigned h, m, sec, frac = 0;
    size_t nf = 0;
    uint64_t day;

    /* 2026-11-23T19:25:17[.ffffff]Z */
    if (len < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[len - 1] != 'Z')
        return FW_EINVAL;
    memcpy(date, s, 10);
    date[10] = '\0';
    if (fw_date_parse(date, &day) != 0 || !digits(s + 11, 2, &h) || !digits(s + 14, 2, &m) ||
        !digits(s + 17, 2, &sec) || h > 23 || m > 59 || sec > 60)
        return FW_EINVAL;
    if (len > 20) {
        nf = len - 21;
        if (s[19] != '.' || nf == 0 || nf > 6 || !digits(s + 20, nf, &frac))
            return FW_EINVAL;
        while (nf++ < 6)
            frac *= 10;
    }
    *us = day + ((uint64_t)h * 3600 + m * 60 + sec) * FW_USEC_PER_SEC + frac;
    return 0;
}

/* ------------------------------------------------------------------ entry */

const struct agg_field *agg_field_find(const struct agg_field *f, size_t n, const char *name)
{
    size_t i, len = strlen(name);

    for (i = 0; i < n; i++)
        if (f[i].name_len == len && memcmp(f[i].name, name, len) == 0)
            return &f[i];
    return NULL;
}

enum anz_kind agg_kind_parse(const char *name, size_t len)
{
    int k;

    for (k = 0; k < ANZ_KIND_COUNT; k++) {
        const char *s = anz_kind_name((enum anz_kind)k);

        if (s && strlen(s) == len && memcmp(s, name, len) == 0)
            return (enum anz_kind)k;
    }
    return ANZ_RULE;
}

/* Copy a field's value into dst (NUL-terminated); false when absent or too long. */
static bool field_str(const struct agg_field *f, size_t n, const char *name, char *dst,
                      size_t cap)
{
    const struct agg_field *x = agg_field_find(f, n, name);

    dst[0] = '\0';
    if (!x || x->val_len >= cap || memchr(x->val, '\0', x->val_len))
        return false;
    memcpy(dst, x->val, x->val_len);
    dst[x->val_len] = '\0';
    return true;
}

/* Unsigned decimal field within [0, max]. */
static bool field_u64(const struct agg_field *f, size_t n, const char *name, uint64_t max,
                      uint64_t *v)
{
    char buf[24], *end;
    unsigned long long x;

    if (!field_str(f, n, name, buf, sizeof(buf)) || buf[0] < '0' || buf[0] > '9')
        return false;
    x = strtoull(buf, &end, 10);
    if (*end || x > max)
        return false;
    *v = x;
    return true;
}

static bool field_score(const struct agg_field *f, size_t n, double *v)
{
    char buf[40], *end;

    if (!field_str(f, n, "score", buf, sizeof(buf)) || !buf[0])
        return false;
    *v = strtod(buf, &end);
    return !*end && isfinite(*v) && *v >= 0 && *v <= 1e9;
}

/* Address fields: src required, dst may be empty. */
static bool field_addrs(const struct agg_field *f, size_t n, struct anz_alert *a)
{
    char buf[FW_IP_STRLEN + 8];

    if (!field_str(f, n, "src", buf, sizeof(buf)) || fw_ip_parse(buf, &a->src) != 0)
        return false;
    if (field_str(f, n, "dst", buf, sizeof(buf)) && buf[0] && fw_ip_parse(buf, &a->dst) != 0)
        return false;
    return true;
}

/* What only the JSON record carries; absent members keep their defaults. */
static bool from_json(const struct agg_field *j, struct anz_alert *a)
{
    char blame[16];
    int rc;

    rc = agg_json_get(j->val, j->val_len, "finwatch.blame", blame, sizeof(blame));
    if (rc == FW_EPARSE)
        return false;
    a->blame = rc == 0 && strcmp(blame, "destination") == 0 ? ANZ_BLAME_DST : ANZ_BLAME_SRC;
    /* too long or absent: leave empty (the map then says "external" / no app) */
    agg_json_get(j->val, j->val_len, "finwatch.zone.source", a->zone_src, sizeof(a->zone_src));
    agg_json_get(j->val, j->val_len, "finwatch.zone.destination", a->zone_dst,
                 sizeof(a->zone_dst));
    agg_json_get(j->val, j->val_len, "finwatch.app", a->app, sizeof(a->app));
    agg_json_get(j->val, j->val_len, "event.reason", a->reason, sizeof(a->reason));
    agg_json_get(j->val, j->val_len, "rule.name", a->rule_name, sizeof(a->rule_name));
    return true;
}

int agg_entry_decode(const struct agg_field *f, size_t n, struct anz_alert *a, char *sensor,
                     size_t sensor_len)
{
    const struct agg_field *ts = agg_field_find(f, n, "ts");
    const struct agg_field *an = agg_field_find(f, n, "analyzer");
    const struct agg_field *json = agg_field_find(f, n, "json");
    uint64_t sev, upd = 0;

    memset(a, 0, sizeof(*a));
    if (sensor_len)
        sensor[0] = '\0';
    if (!field_str(f, n, "id", a->id, sizeof(a->id)) || !a->id[0] ||
        !field_str(f, n, "rule", a->rule_id, sizeof(a->rule_id)) ||
        !field_u64(f, n, "severity", 100, &sev) || !field_score(f, n, &a->score) ||
        !ts || agg_iso_parse(ts->val, ts->val_len, &a->ts_us) != 0 || !json ||
        !field_addrs(f, n, a))
        return FW_EPARSE;
    if (agg_field_find(f, n, "update") && !field_u64(f, n, "update", UINT32_MAX, &upd))
        return FW_EPARSE;
    if (sensor_len && agg_field_find(f, n, "sensor") &&
        !field_str(f, n, "sensor", sensor, sensor_len))
        return FW_EPARSE;
    a->severity = (uint8_t)sev;
    a->updates = (uint32_t)upd;
    a->first_us = a->ts_us;
    a->analyzer = (uint8_t)(an ? agg_kind_parse(an->val, an->val_len) : ANZ_RULE);
    return from_json(json, a) ? 0 : FW_EPARSE;
}
