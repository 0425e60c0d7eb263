/* dashboard-export/agg_ingest.c: stream entry -> struct anz_alert, with a
 * small bounded JSON reader (RFC 8259 subset: enough to find a member by path
 * and refuse what is malformed on the way). Contract in agg_ingest.h. */
#include "agg_ingest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw_err.h"
#include "fw_ip.h"
#include "fw_rd.h"
#include "fw_time.h"

/* ------------------------------------------------------------------- JSON */

/* Where decoded string bytes go; out == NULL means "skip". */
struct jout {
    char *out;
    size_t cap, n;
    bool overflow;
};

static void jout_put(struct jout *o, uint8_t c)
{
    if (!o->out)
        return;
    if (o->cap - o->n < 2) {        /* keep room for the NUL */
        o->overflow = true;
        return;
    }
    o->out[o->n++] = (char)c;
}

static void ws(struct fw_rd *rd)
{
    int c;

    while ((c = fw_rd_peek(rd, 0)) == ' ' || c == '\t' || c == '\r' || c == '\n')
        fw_rd_skip(rd, 1);
}

static bool expect(struct fw_rd *rd, char c)
{
    ws(rd);
    if (fw_rd_peek(rd, 0) != c)
        return false;
    fw_rd_skip(rd, 1);
    return true;
}

static int hex4(struct fw_rd *rd, uint32_t *v)
{
    int i, c;

    *v = 0;
    for (i = 0; i < 4; i++) {
        c = fw_rd_u8(rd);
        if (fw_rd_failed(rd))
            return FW_EPARSE;
        if (c >= '0' && c <= '9')
            *v = *v << 4 | (uint32_t)(c - '0');
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            *v = *v << 4 | (uint32_t)((c | 0x20) - 'a' + 10);
        else
            return FW_EPARSE;
    }
    return 0;
}

/* Code point as UTF-8; a lone surrogate becomes U+FFFD. */
static void put_utf8(struct jout *o, uint32_t cp)
{
    if (cp >= 0xd800 && cp <= 0xdfff)
        cp = 0xfffd;
    if (cp < 0x80) {
        jout_put(o, (uint8_t)cp);
    } else if (cp < 0x800) {
        jout_put(o, (uint8_t)(0xc0 | cp >> 6));
        jout_put(o, (uint8_t)(0x80 | (cp & 0x3f)));
    } else {
        jout_put(o, (uint8_t)(0xe0 | cp >> 12));
        jout_put(o, (uint8_t)(0x80 | (cp >> 6 & 0x3f)));
        jout_put(o, (uint8_t)(0x80 | (cp & 0x3f)));
    }
}

static int string_escape(struct fw_rd *rd, struct jout *o)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    uint8_t c = fw_rd_u8(rd);
    const char *p;
    uint32_t cp;

    if (fw_rd_failed(rd) || c == 0)
        return FW_EPARSE;
    if (c == 'u') {
        if (hex4(rd, &cp) != 0)
            return FW_EPARSE;
        put_utf8(o, cp);        /* pairs are not joined: enough for ids and names */
        return 0;
    }
    p = strchr(from, c);
    if (!p)
        return FW_EPARSE;
    jout_put(o, (uint8_t)to[p - from]);
    return 0;
}

/* A string; rd sits on its opening quote. */
static int read_string(struct fw_rd *rd, struct jout *o)
{
    uint8_t c;

    if (!expect(rd, '"'))
        return FW_EPARSE;
    for (;;) {
        c = fw_rd_u8(rd);
        if (fw_rd_failed(rd) || c < 0x20)
            return FW_EPARSE;
        if (c == '"')
            return 0;
        if (c != '\\')
            jout_put(o, c);
        else if (string_escape(rd, o) != 0)
            return FW_EPARSE;
    }
}

/* A number or literal, copied as written (loosely checked: its characters). */
static int read_scalar(struct fw_rd *rd, struct jout *o)
{
    size_t n = 0;
    int c;

    while ((c = fw_rd_peek(rd, 0)) >= 0 && strchr("0123456789+-.eEtruefalsn", c) && c) {
        jout_put(o, (uint8_t)c);
        fw_rd_skip(rd, 1);
        n++;
    }
    return n ? 0 : FW_EPARSE;
}

static int skip_value(struct fw_rd *rd, int depth);

/* Elements of an array or members of an object; rd past the opening bracket. */
static int skip_container(struct fw_rd *rd, int depth, bool object)
{
    struct jout none = {0};

    if (expect(rd, object ? '}' : ']'))
        return 0;
    do {
        if (object && (read_string(rd, &none) != 0 || !expect(rd, ':')))
            return FW_EPARSE;
        if (skip_value(rd, depth + 1) != 0)
            return FW_EPARSE;
    } while (expect(rd, ','));
    return expect(rd, object ? '}' : ']') ? 0 : FW_EPARSE;
}

static int skip_value(struct fw_rd *rd, int depth)
{
    struct jout none = {0};
    int c;

    if (depth > AGG_JSON_DEPTH_MAX)
        return FW_EPARSE;
    ws(rd);
    c = fw_rd_peek(rd, 0);
    if (c == '"')
        return read_string(rd, &none);
    if (c == '{' || c == '[') {
        fw_rd_skip(rd, 1);
        return skip_container(rd, depth, c == '{');
    }
    return read_scalar(rd, &none);
}

/* Length of the path segment at path (up to '.' or the end). */
static size_t seg_len(const char *path)
{
    const char *dot = strchr(path, '.');

    return dot ? (size_t)(dot - path) : strlen(path);
}

/* The value at rd (a member matched every segment): copy it out. */
static int take_value(struct fw_rd *rd, struct jout *o)
{
    int c, rc;

    ws(rd);
    c = fw_rd_peek(rd, 0);
    if (c == '{' || c == '[')
        return FW_ENOENT;
    rc = c == '"' ? read_string(rd, o) : read_scalar(rd, o);
    if (rc == 0 && o->overflow)
        return FW_ENOMEM;
    return rc;
}

/* Find path in the object at rd. */
static int find(struct fw_rd *rd, const char *path, struct jout *o, int depth)
{
    char key[64];
    struct jout k;
    size_t n = seg_len(path);

    if (depth > AGG_JSON_DEPTH_MAX || !expect(rd, '{'))
        return FW_EPARSE;
    if (expect(rd, '}'))
        return FW_ENOENT;
    do {
        k = (struct jout){.out = key, .cap = sizeof(key)};
        if (read_string(rd, &k) != 0 || !expect(rd, ':'))
            return FW_EPARSE;
        if (!k.overflow && k.n == n && memcmp(key, path, n) == 0) {
            if (path[n] == '\0')
                return take_value(rd, o);
            ws(rd);
            return fw_rd_peek(rd, 0) == '{' ? find(rd, path + n + 1, o, depth + 1) : FW_ENOENT;
        }
        if (skip_value(rd, depth + 1) != 0)
            return FW_EPARSE;
    } while (expect(rd, ','));
    return expect(rd, '}') ? FW_ENOENT : FW_EPARSE;
}

int agg_json_get(const char *json, size_t len, const char *path, char *out, size_t outlen)
{
    struct jout o = {.out = out, .cap = outlen};
    struct fw_rd rd;
    int rc;

    if (!out || outlen == 0)
        return FW_ENOMEM;
    out[0] = '\0';
    fw_rd_init(&rd, (const uint8_t *)json, len);
    rc = find(&rd, path, &o, 0);
    out[rc == 0 ? o.n : 0] = '\0';
    return rc;
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
