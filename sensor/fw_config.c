/* sensor/fw_config.c: loading and checking configs/finwatch.yaml.
 *
 * The file is parsed into a tree by rules/rule_yaml.c, then walked against a
 * table-driven schema. Every problem is collected (not just the first) as a
 * gcc-style diagnostic, sorted by position, so an engineer fixing a config on
 * a sensor at 3 a.m. sees all of them in one run. A load builds a fresh config
 * and only replaces the caller's on success, so a bad file never leaves a
 * half-applied config behind (this matters for reloads, too).
 */
#include "fw_config.h"

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow_types.h"
#include "fw_alloc.h"
#include "fw_err.h"
#include "fw_log.h"
#include "fw_time.h"
#include "rule_diag.h"
#include "rule_yaml.h"

#define CFG_ZONES_MAX 1024          /* zones in one config */
#define CFG_CIDRS_MAX 4096          /* CIDRs over all zones: overlap check is quadratic */
#define CFG_LIST_MAX 4096           /* rules.paths, policy.deny, expected */

/* Where each zone CIDR was written, for overlap messages. */
struct cfg_cidr_ref {
    struct fw_cidr cidr;
    int zone;
    unsigned line;
};

/* State of one load. */
struct cfg_ctx {
    struct fw_config *cfg;          /* being built */
    const char *path;
    struct rule_diags diags;
    unsigned *zone_line;            /* line of each zone's name, for duplicates */
    struct cfg_cidr_ref *cidrs;     /* every zone CIDR so far */
    size_t ncidrs;
    const struct rule_ynode *policy;    /* checked after zones, wherever it appears */
    struct fw_zone *zone;           /* zone being read */
    struct fw_zone_pair *pair;      /* policy.deny entry being read */
    struct fw_expected_pair *exp;   /* expected entry being read */
    bool have_src, have_dst;        /* expected entry: required keys seen */
};

/* ------------------------------------------------------------------------ */
/* Defaults and lifetime                                                    */

int fw_config_defaults(struct fw_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->sensor_id, sizeof(cfg->sensor_id), "s1");
    cfg->workers = 1;
    cfg->flows_max = 1000000;
    cfg->hosts_max = 500000;
    cfg->capture_buffer = 64ull << 20;
    cfg->snaplen = 65535;
    cfg->tcp_idle_us = 300 * FW_USEC_PER_SEC;
    cfg->tcp_closed_us = 10 * FW_USEC_PER_SEC;
    cfg->udp_idle_us = 60 * FW_USEC_PER_SEC;
    cfg->reload = FW_RELOAD_WATCH;
    snprintf(cfg->redis_url, sizeof(cfg->redis_url), "redis://127.0.0.1:6379/0");
    snprintf(cfg->redis_prefix, sizeof(cfg->redis_prefix), "fw:");
    snprintf(cfg->spool_dir, sizeof(cfg->spool_dir), "/var/lib/finwatch/spool");
    cfg->spool_max = 1ull << 30;
    cfg->stream_maxlen = 100000;
    cfg->redis_timeout_us = 2 * FW_USEC_PER_SEC;
    cfg->half_life_us = 3600 * FW_USEC_PER_SEC;
    cfg->log_level = FW_LOG_WARN;
    cfg->rule_paths = fw_calloc(1, sizeof(*cfg->rule_paths));
    if (!cfg->rule_paths)
        return FW_ENOMEM;
    cfg->rule_paths[0] = fw_strdup("rules/detections");
    if (!cfg->rule_paths[0])
        return FW_ENOMEM;   /* rule_paths stays allocated; fw_config_free releases it */
    cfg->nrule_paths = 1;
    return 0;
}

static void rule_paths_free(struct fw_config *cfg)
{
    size_t i;

    for (i = 0; cfg->rule_paths && i < cfg->nrule_paths; i++)
        fw_free(cfg->rule_paths[i]);
    fw_free(cfg->rule_paths);
    cfg->rule_paths = NULL;
    cfg->nrule_paths = 0;
}

void fw_config_free(struct fw_config *cfg)
{
    size_t i;

    if (!cfg)
        return;
    rule_paths_free(cfg);
    for (i = 0; cfg->zones && i < cfg->nzones; i++)
        fw_free(cfg->zones[i].cidrs);
    fw_free(cfg->zones);
    fw_free(cfg->zone_ranges);
    cfg->zone_ranges = NULL;
    cfg->nzone_ranges = 0;
    fw_free(cfg->deny);
    fw_free(cfg->expected);
    cfg->zones = NULL;
    cfg->deny = NULL;
    cfg->expected = NULL;
    cfg->nzones = cfg->ndeny = cfg->nexpected = 0;
}

/* ------------------------------------------------------------------------ */
/* Messages                                                                 */

static void cfg_err(struct cfg_ctx *c, const struct rule_ynode *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void cfg_err(struct cfg_ctx *c, const struct rule_ynode *at, const char *fmt, ...)
{
    char msg[768];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rule_diags_add(&c->diags, c->path, at ? at->line : 1, at ? at->col : 1, RULE_DIAG_ERROR,
                   "", "%s", msg);
}

/* "got 'abc'", "got a list": what the user wrote instead, for type errors. */
static const char *got(const struct rule_ynode *n, char *buf, size_t len)
{
    if (!n || rule_ynode_is_null(n))
        snprintf(buf, len, "got nothing");
    else if (n->kind == RULE_Y_SEQ && n->nitems == 0)
        snprintf(buf, len, "got an empty list");
    else if (n->kind == RULE_Y_SCALAR)
        snprintf(buf, len, "got '%.64s'", n->str);
    else
        snprintf(buf, len, "got a %s", rule_ynode_kind_name(n->kind));
    return buf;
}

static void cfg_type_err(struct cfg_ctx *c, const struct rule_ynode *n, const char *what,
                         const char *name)
{
    char g[96];

    cfg_err(c, n, "expected %s for '%s', %s", what, name, got(n, g, sizeof(g)));
}

/* ------------------------------------------------------------------------ */
/* Leaf values, table-driven                                                */

enum cfg_type {
    CT_STR = 0,         /* string into a char array of .cap bytes */
    CT_STR_NULL,        /* same, null allowed (gives "") */
    CT_INT,             /* int in [.min, .max] */
    CT_U64,             /* uint64_t in [.min, .max] */
    CT_DURATION,        /* uint64_t microseconds, >= .min */
    CT_SIZE,            /* uint64_t bytes, >= .min */
    CT_BOOL,
    CT_FN,              /* .fn does the work */
};

struct cfg_ctx;

struct cfg_key {
    const char *name;
    enum cfg_type type;
    size_t off;                 /* offsetof(struct fw_config, field) */
    size_t cap;                 /* CT_STR*: buffer size */
    long long min, max;
    void (*fn)(struct cfg_ctx *c, const struct rule_ynode *v, const char *name);
};

#define CFG_OFF(f) offsetof(struct fw_config, f)
#define CFG_STR(k, f) {k, CT_STR, CFG_OFF(f), sizeof(((struct fw_config *)0)->f), 0, 0, NULL}
#define CFG_STRN(k, f) {k, CT_STR_NULL, CFG_OFF(f), sizeof(((struct fw_config *)0)->f), 0, 0, NULL}
#define CFG_NUM(k, t, f, lo, hi) {k, t, CFG_OFF(f), 0, lo, hi, NULL}
#define CFG_FN(k, fn) {k, CT_FN, 0, 0, 0, 0, fn}

static void *field(struct cfg_ctx *c, const struct cfg_key *k)
{
    return (char *)c->cfg + k->off;
}

static void set_str(struct cfg_ctx *c, const struct rule_ynode *v, const struct cfg_key *k,
                    const char *name)
{
    if (k->type == CT_STR_NULL && rule_ynode_is_null(v)) {
        ((char *)field(c, k))[0] = '\0';
        return;
    }
    if (!v || v->kind != RULE_Y_SCALAR || (k->type == CT_STR && rule_ynode_is_null(v))) {
        cfg_type_err(c, v, k->type == CT_STR_NULL ? "a string or null" : "a string", name);
        return;
    }
    if (strlen(v->str) != v->len)
        cfg_err(c, v, "'%s' must not contain NUL characters", name);
    else if (v->len >= k->cap)
        cfg_err(c, v, "'%s' is too long (at most %zu characters)", name, k->cap - 1);
    else
        memcpy(field(c, k), v->str, v->len + 1);
}

/* Integers: syntax first (type error), then sign and range (value error). */
static void set_num(struct cfg_ctx *c, const struct rule_ynode *v, const struct cfg_key *k,
                    const char *name)
{
    long long x;

    if (rule_ynode_int(v, LLONG_MIN, LLONG_MAX, &x) < 0) {
        cfg_type_err(c, v, "an integer", name);
        return;
    }
    if (x < 0 && k->min >= 0) {
        cfg_err(c, v, "'%s' must not be negative, got %lld", name, x);
        return;
    }
    if (x < k->min || x > k->max) {
        if (k->max == LLONG_MAX)
            cfg_err(c, v, "'%s' must be at least %lld, got %lld", name, k->min, x);
        else
            cfg_err(c, v, "'%s' must be between %lld and %lld, got %lld", name, k->min,
                    k->max, x);
        return;
    }
    if (k->type == CT_INT)
        *(int *)field(c, k) = (int)x;
    else
        *(uint64_t *)field(c, k) = (uint64_t)x;
}

/* Durations and sizes; quoted or plain, since "300s" is a string in YAML anyway. */
static void set_unit(struct cfg_ctx *c, const struct rule_ynode *v, const struct cfg_key *k,
                     const char *name)
{
    bool dur = k->type == CT_DURATION;
    uint64_t x;
    int rc;

    if (!v || v->kind != RULE_Y_SCALAR || rule_ynode_is_null(v)) {
        cfg_type_err(c, v, dur ? "a duration (e.g. 300s)" : "a size (e.g. 64MiB)", name);
        return;
    }
    rc = dur ? fw_duration_parse(v->str, &x) : fw_size_parse(v->str, &x);
    if (rc < 0 || strlen(v->str) != v->len) {
        if (dur)
            cfg_err(c, v, "bad duration '%.64s' for '%s' (a number with unit us, ms, s, m, "
                    "h, d or w, e.g. 300s)", v->str, name);
        else
            cfg_err(c, v, "bad size '%.64s' for '%s' (bytes, or a number with unit KiB, "
                    "MiB, GiB, TiB, KB, MB, GB or TB, e.g. 64MiB)", v->str, name);
        return;
    }
    if (x < (uint64_t)k->min) {
        cfg_err(c, v, "'%s' must be greater than 0", name);
        return;
    }
    *(uint64_t *)field(c, k) = x;
}

static void set_bool(struct cfg_ctx *c, const struct rule_ynode *v, const struct cfg_key *k,
                     const char *name)
{
    bool b;

    if (rule_ynode_bool(v, &b) < 0)
        cfg_type_err(c, v, "true or false", name);
    else
        *(bool *)field(c, k) = b;
}

static void set_value(struct cfg_ctx *c, const struct rule_ynode *v, const struct cfg_key *k,
                      const char *name)
{
    switch (k->type) {
    case CT_STR:
    case CT_STR_NULL:
        set_str(c, v, k, name);
        break;
    case CT_INT:
    case CT_U64:
        set_num(c, v, k, name);
        break;
    case CT_DURATION:
    case CT_SIZE:
        set_unit(c, v, k, name);
        break;
    case CT_BOOL:
        set_bool(c, v, k, name);
        break;
    case CT_FN:
        k->fn(c, v, name);
        break;
    }
}

/* "id, workers, flows_max" for unknown-key messages. */
static const char *key_list(const struct cfg_key *keys, char *buf, size_t len)
{
    size_t off = 0;

    buf[0] = '\0';
    for (; keys->name && off < len; keys++)
        off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "", keys->name);
    return buf;
}

/* Walk one mapping against its key table. A null section ("sensor:") keeps
 * every default. section is the dotted path used in messages. */
static void walk_map(struct cfg_ctx *c, const struct rule_ynode *map, const char *section,
                     const struct cfg_key *keys)
{
    char name[96], list[256];
    const struct cfg_key *k;
    size_t i;

    if (rule_ynode_is_null(map))
        return;
    if (map->kind != RULE_Y_MAP) {
        cfg_type_err(c, map, "a mapping", section);
        return;
    }
    for (i = 0; i < map->npairs; i++) {
        const struct rule_ynode *key = map->pairs[i].key;

        for (k = keys; k->name; k++)
            if (strlen(k->name) == key->len && memcmp(k->name, key->str, key->len) == 0)
                break;
        if (!k->name && !section[0]) {
            cfg_err(c, key, "unknown top-level key '%.64s' (expected: %s)", key->str,
                    key_list(keys, list, sizeof(list)));
            continue;
        }
        if (!k->name) {
            cfg_err(c, key, "unknown key '%.64s' in '%s' (expected: %s)", key->str, section,
                    key_list(keys, list, sizeof(list)));
            continue;
        }
        snprintf(name, sizeof(name), "%s%s%s", section, section[0] ? "." : "", k->name);
        set_value(c, map->pairs[i].val, k, name);
    }
}

/* ------------------------------------------------------------------------ */
/* Sections with plain keys                                                 */

/* One word out of a fixed set; returns its index or -1 (reported). */
static int one_of(struct cfg_ctx *c, const struct rule_ynode *v, const char *name,
                  const char *const *words, const char *expected)
{
    int i;

    if (v && v->kind == RULE_Y_SCALAR && strlen(v->str) == v->len)
        for (i = 0; words[i]; i++)
            if (strcmp(v->str, words[i]) == 0)
                return i;
    cfg_type_err(c, v, expected, name);
    return -1;
}

static void set_reload(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    static const char *const words[] = {"watch", "signal", NULL};
    int i = one_of(c, v, name, words, "'watch' or 'signal'");

    if (i >= 0)
        c->cfg->reload = i == 0 ? FW_RELOAD_WATCH : FW_RELOAD_SIGNAL;
}

static void set_log_level(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    static const char *const words[] = {"error", "warning", "info", "debug", NULL};
    static const int levels[] = {FW_LOG_ERR, FW_LOG_WARN, FW_LOG_INFO, FW_LOG_DEBUG};
    int i = one_of(c, v, name, words, "one of error, warning, info, debug");

    if (i >= 0)
        c->cfg->log_level = levels[i];
}

/* rules.paths: a list of non-empty strings; replaces the default list. */
static void set_rule_paths(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    struct fw_config *cfg = c->cfg;
    size_t i;

    if (!v || v->kind != RULE_Y_SEQ) {
        cfg_type_err(c, v, "a list of paths", name);
        return;
    }
    if (v->nitems > CFG_LIST_MAX) {
        cfg_err(c, v, "'%s' has more than %d entries", name, CFG_LIST_MAX);
        return;
    }
    rule_paths_free(cfg);
    cfg->rule_paths = fw_calloc(v->nitems, sizeof(*cfg->rule_paths));
    for (i = 0; cfg->rule_paths && i < v->nitems; i++) {
        const struct rule_ynode *p = v->items[i];

        if (p->kind != RULE_Y_SCALAR || rule_ynode_is_null(p) || strlen(p->str) != p->len) {
            cfg_type_err(c, p, "a path", name);
            continue;
        }
        cfg->rule_paths[cfg->nrule_paths] = fw_strdup(p->str);
        if (cfg->rule_paths[cfg->nrule_paths])
            cfg->nrule_paths++;
    }
    if (!cfg->rule_paths || cfg->nrule_paths < v->nitems)
        if (c->diags.errors == 0)
            cfg_err(c, v, "out of memory");
}

static void sec_sensor(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    static const struct cfg_key keys[] = {
        CFG_STR("id", sensor_id),
        CFG_NUM("workers", CT_INT, workers, 1, 64),
        CFG_NUM("flows_max", CT_U64, flows_max, 1, LLONG_MAX),
        CFG_NUM("hosts_max", CT_U64, hosts_max, 1, LLONG_MAX),
        {NULL, CT_STR, 0, 0, 0, 0, NULL},
    };

    walk_map(c, v, name, keys);
    if (!c->cfg->sensor_id[0])
        cfg_err(c, rule_ynode_map_get(v, "id"), "'sensor.id' must not be empty");
}

static void sec_capture(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    static const struct cfg_key keys[] = {
        CFG_STRN("filter", bpf_filter),
        CFG_NUM("buffer", CT_SIZE, capture_buffer, 1, 0),
        CFG_NUM("snaplen", CT_INT, snaplen, 64, 262144),
        {NULL, CT_STR, 0, 0, 0, 0, NULL},
    };

    walk_map(c, v, name, keys);
}

static void sec_timeouts(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    static const struct cfg_key keys[] = {
        CFG_NUM("tcp_idle", CT_DURATION, tcp_idle_us, 1, 0),
        CFG_NUM("tcp_closed", CT_DURATION, tcp_closed_us, 1, 0),
        CFG_NUM("udp_idle", CT_DURATION, udp_idle_us, 1, 0),
        {NULL, CT_STR, 0, 0, 0, 0, NULL},
    };

    walk_map(c, v, name, keys);
}

static void sec_rules(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    static const struct cfg_key keys[] = {
        CFG_FN("paths", set_rule_paths),
        CFG_FN("reload", set_reload),
        {NULL, CT_STR, 0, 0, 0, 0, NULL},
    };

    walk_map(c, v, name, keys);
}

/* local: the sensor keeps the threat map itself; agent: a central
 * `finwatch aggregate` does (alerts go to fw:ingest). */
static void set_redis_mode(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    static const char *const words[] = {"local", "agent", NULL};
    int i = one_of(c, v, name, words, "'local' or 'agent'");

    if (i >= 0)
        c->cfg->redis_agent = i == 1;
}

static void sec_redis(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    static const struct cfg_key keys[] = {
        CFG_STRN("url", redis_url),
        CFG_STR("prefix", redis_prefix),
        CFG_STR("spool_dir", spool_dir),
        CFG_NUM("spool_max", CT_SIZE, spool_max, 0, 0),
        CFG_NUM("stream_maxlen", CT_U64, stream_maxlen, 1, LLONG_MAX),
        CFG_NUM("timeout", CT_DURATION, redis_timeout_us, 1, 0),
        CFG_FN("mode", set_redis_mode),
        {NULL, CT_STR, 0, 0, 0, 0, NULL},
    };

    walk_map(c, v, name, keys);
}

static void sec_output(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    static const struct cfg_key keys[] = {
        CFG_STRN("flows", flows_path),
        CFG_STRN("alerts", alerts_path),
        CFG_NUM("rotate_size", CT_SIZE, rotate_size, 0, 0),
        CFG_NUM("rotate_interval", CT_DURATION, rotate_interval_us, 0, 0),
        {NULL, CT_STR, 0, 0, 0, 0, NULL},
    };

    walk_map(c, v, name, keys);
}

static void sec_scoring(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    static const struct cfg_key keys[] = {
        CFG_NUM("half_life", CT_DURATION, half_life_us, 1, 0),
        {NULL, CT_STR, 0, 0, 0, 0, NULL},
    };

    walk_map(c, v, name, keys);
}

static void sec_log(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    static const struct cfg_key keys[] = {
        CFG_FN("level", set_log_level),
        CFG_NUM("syslog", CT_BOOL, syslog, 0, 0),
        {NULL, CT_STR, 0, 0, 0, 0, NULL},
    };

    walk_map(c, v, name, keys);
}

/* ------------------------------------------------------------------------ */
/* Zones                                                                    */

/* Zone names end up in Redis keys (fw:zone:<name>) and rule values: keep
 * them to a safe alphabet. */
static bool zone_name_ok(const char *s, size_t len)
{
    size_t i;

    if (len == 0 || len >= FW_ZONE_NAME_MAX)
        return false;
    for (i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' || s[i] == '.'))
            return false;
    return true;
}

static void zone_set_name(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    struct fw_config *cfg = c->cfg;
    size_t i, me = (size_t)(c->zone - cfg->zones);

    if (!v || v->kind != RULE_Y_SCALAR || rule_ynode_is_null(v)) {
        cfg_type_err(c, v, "a zone name", name);
        return;
    }
    if (!zone_name_ok(v->str, v->len)) {
        cfg_err(c, v, "bad zone name '%.64s' (1 to %d characters of a-z, A-Z, 0-9, '-', "
                "'_', '.')", v->str, FW_ZONE_NAME_MAX - 1);
        return;
    }
    if (strcmp(v->str, "external") == 0) {
        cfg_err(c, v, "zone name 'external' is reserved for addresses in no zone");
        return;
    }
    for (i = 0; i < me; i++) {
        if (strcmp(cfg->zones[i].name, v->str) == 0) {
            cfg_err(c, v, "duplicate zone name '%s' (first at line %u)", v->str,
                    c->zone_line[i]);
            return;
        }
    }
    memcpy(c->zone->name, v->str, v->len + 1);
    c->zone_line[me] = v->line;
}

/* Zones must not overlap, or an address would belong to two zones. */
static void zone_check_overlap(struct cfg_ctx *c, const struct rule_ynode *at,
                               const struct fw_cidr *cidr)
{
    char a[64], b[64];
    size_t i;

    for (i = 0; i < c->ncidrs; i++) {
        const struct cfg_cidr_ref *r = &c->cidrs[i];

        if (!fw_cidr_overlap(&r->cidr, cidr))
            continue;
        cfg_err(c, at, "CIDR %s overlaps %s of zone '%s' (line %u)",
                fw_cidr_str(cidr, a, sizeof(a)), fw_cidr_str(&r->cidr, b, sizeof(b)),
                c->cfg->zones[r->zone].name[0] ? c->cfg->zones[r->zone].name : "?", r->line);
        return;     /* one message per CIDR is enough */
    }
}

static void zone_add_cidr(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    struct fw_zone *z = c->zone;
    struct cfg_cidr_ref *r;
    struct fw_cidr cidr;

    if (v->kind != RULE_Y_SCALAR || rule_ynode_is_null(v)) {
        cfg_type_err(c, v, "a CIDR (e.g. 10.10.0.0/16)", name);
        return;
    }
    if (strlen(v->str) != v->len || fw_cidr_parse(v->str, &cidr) < 0) {
        cfg_err(c, v, "bad CIDR '%.64s' (expected e.g. 10.10.0.0/16 or 2001:db8::/32, "
                "host bits zero)", v->str);
        return;
    }
    if (c->ncidrs == CFG_CIDRS_MAX) {
        cfg_err(c, v, "too many zone CIDRs (at most %d in all)", CFG_CIDRS_MAX);
        return;
    }
    zone_check_overlap(c, v, &cidr);
    r = &c->cidrs[c->ncidrs++];
    r->cidr = cidr;
    r->zone = (int)(z - c->cfg->zones);
    r->line = v->line;
    z->cidrs[z->ncidrs++] = cidr;
}

static void zone_set_cidrs(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    struct fw_zone *z = c->zone;
    size_t i;

    if (!v || v->kind != RULE_Y_SEQ || v->nitems == 0) {
        cfg_type_err(c, v, "a non-empty list of CIDRs", name);
        return;
    }
    if (!c->cidrs)
        c->cidrs = fw_calloc(CFG_CIDRS_MAX, sizeof(*c->cidrs));
    fw_free(z->cidrs);
    z->ncidrs = 0;
    z->cidrs = fw_calloc(v->nitems, sizeof(*z->cidrs));
    if (!z->cidrs || !c->cidrs) {
        cfg_err(c, v, "out of memory");
        return;
    }
    for (i = 0; i < v->nitems; i++)
        zone_add_cidr(c, v->items[i], name);
}

static void zone_set_crit(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    long long x;

    if (rule_ynode_int(v, LLONG_MIN, LLONG_MAX, &x) < 0)
        cfg_type_err(c, v, "an integer from 1 to 5", name);
    else if (x < 1 || x > 5)
        cfg_err(c, v, "'%s' must be between 1 and 5, got %lld", name, x);
    else
        c->zone->criticality = (int)x;
}

static void zone_parse(struct cfg_ctx *c, const struct rule_ynode *item)
{
    static const struct cfg_key keys[] = {
        CFG_FN("name", zone_set_name),
        CFG_FN("cidrs", zone_set_cidrs),
        CFG_FN("criticality", zone_set_crit),
        {NULL, CT_STR, 0, 0, 0, 0, NULL},
    };
    struct fw_zone *z = &c->cfg->zones[c->cfg->nzones++];

    z->criticality = 3;
    c->zone = z;
    if (!item || item->kind != RULE_Y_MAP) {
        cfg_type_err(c, item, "a zone mapping {name, cidrs, criticality}", "zones");
        return;
    }
    walk_map(c, item, "zones", keys);
    if (!rule_ynode_map_get(item, "name"))
        cfg_err(c, item, "zone has no 'name'");
    if (!rule_ynode_map_get(item, "cidrs"))
        cfg_err(c, item, "zone '%s' has no 'cidrs'", z->name);
}

static void sec_zones(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    struct fw_config *cfg = c->cfg;
    size_t i;

    if (rule_ynode_is_null(v))
        return;
    if (v->kind != RULE_Y_SEQ) {
        cfg_type_err(c, v, "a list of zones", name);
        return;
    }
    if (v->nitems > CFG_ZONES_MAX) {
        cfg_err(c, v, "too many zones (at most %d)", CFG_ZONES_MAX);
        return;
    }
    cfg->zones = fw_calloc(v->nitems, sizeof(*cfg->zones));
    c->zone_line = fw_calloc(v->nitems, sizeof(*c->zone_line));
    if (!cfg->zones || !c->zone_line) {
        cfg_err(c, v, "out of memory");
        return;
    }
    for (i = 0; i < v->nitems; i++)
        zone_parse(c, v->items[i]);
}

/* ------------------------------------------------------------------------ */
/* Policy and expected pairs                                                */

/* "core-banking, swift, external": what a policy may name. */
static const char *zone_names(const struct fw_config *cfg, char *buf, size_t len)
{
    size_t off = 0, i;

    buf[0] = '\0';
    for (i = 0; i < cfg->nzones && off < len; i++)
        if (cfg->zones[i].name[0])      /* a zone whose name was refused has none */
            off += (size_t)snprintf(buf + off, len - off, "%s, ", cfg->zones[i].name);
    if (off < len)
        snprintf(buf + off, len - off, "external");
    return buf;
}

static int policy_zone(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    char list[512];
    int z;

    if (!v || v->kind != RULE_Y_SCALAR || rule_ynode_is_null(v)) {
        cfg_type_err(c, v, "a zone name", name);
        return FLOW_ZONE_UNKNOWN;
    }
    z = strlen(v->str) == v->len ? fw_config_zone_find(c->cfg, v->str) : FLOW_ZONE_UNKNOWN;
    if (z == FLOW_ZONE_UNKNOWN)
        cfg_err(c, v, "unknown zone '%.64s' in '%s' (zones: %s)", v->str, name,
                zone_names(c->cfg, list, sizeof(list)));
    return z;
}

static void deny_set_from(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    c->pair->from = policy_zone(c, v, name);
}

static void deny_set_to(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    c->pair->to = policy_zone(c, v, name);
}

static void policy_deny(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    static const struct cfg_key keys[] = {
        CFG_FN("from", deny_set_from),
        CFG_FN("to", deny_set_to),
        {NULL, CT_STR, 0, 0, 0, 0, NULL},
    };
    struct fw_config *cfg = c->cfg;
    size_t i;

    if (rule_ynode_is_null(v))
        return;
    if (v->kind != RULE_Y_SEQ || v->nitems > CFG_LIST_MAX) {
        cfg_type_err(c, v, "a list of {from, to}", name);
        return;
    }
    cfg->deny = fw_calloc(v->nitems, sizeof(*cfg->deny));
    for (i = 0; cfg->deny && i < v->nitems; i++) {
        const struct rule_ynode *item = v->items[i];

        c->pair = &cfg->deny[cfg->ndeny];
        c->pair->from = c->pair->to = FLOW_ZONE_UNKNOWN;
        if (item->kind != RULE_Y_MAP) {
            cfg_type_err(c, item, "a mapping {from, to}", name);
            continue;
        }
        walk_map(c, item, name, keys);
        if (!rule_ynode_map_get(item, "from") || !rule_ynode_map_get(item, "to"))
            cfg_err(c, item, "'%s' entry needs both 'from' and 'to'", name);
        else if (c->pair->from != FLOW_ZONE_UNKNOWN && c->pair->to != FLOW_ZONE_UNKNOWN)
            cfg->ndeny++;
    }
}

static void sec_policy(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    (void)name;
    c->policy = v;      /* zones may come later in the file */
}

static void policy_check(struct cfg_ctx *c)
{
    static const struct cfg_key keys[] = {
        CFG_FN("deny", policy_deny),
        {NULL, CT_STR, 0, 0, 0, 0, NULL},
    };

    walk_map(c, c->policy, "policy", keys);
}

static int cidr_value(struct cfg_ctx *c, const struct rule_ynode *v, const char *name,
                      struct fw_cidr *out)
{
    if (!v || v->kind != RULE_Y_SCALAR || strlen(v->str) != v->len ||
        fw_cidr_parse(v->str, out) < 0) {
        if (v && v->kind == RULE_Y_SCALAR && !rule_ynode_is_null(v))
            cfg_err(c, v, "bad CIDR '%.64s' for '%s' (expected e.g. 10.10.0.0/16 or an "
                    "address, host bits zero)", v->str, name);
        else
            cfg_type_err(c, v, "a CIDR or address", name);
        return FW_EINVAL;
    }
    return 0;
}

static void exp_set_src(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    c->have_src = cidr_value(c, v, name, &c->exp->src) == 0;
}

static void exp_set_dst(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    c->have_dst = cidr_value(c, v, name, &c->exp->dst) == 0;
}

static void exp_set_port(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    long long x;

    if (rule_ynode_int(v, LLONG_MIN, LLONG_MAX, &x) < 0)
        cfg_type_err(c, v, "a port number", name);
    else if (x < 0 || x > 65535)
        cfg_err(c, v, "'%s' must be between 0 and 65535, got %lld", name, x);
    else
        c->exp->dport = (uint16_t)x;
}

static void sec_expected(struct cfg_ctx *c, const struct rule_ynode *v, const char *name)
{
    static const struct cfg_key keys[] = {
        CFG_FN("src", exp_set_src),
        CFG_FN("dst", exp_set_dst),
        CFG_FN("port", exp_set_port),
        {NULL, CT_STR, 0, 0, 0, 0, NULL},
    };
    struct fw_config *cfg = c->cfg;
    size_t i;

    if (rule_ynode_is_null(v))
        return;
    if (v->kind != RULE_Y_SEQ || v->nitems > CFG_LIST_MAX) {
        cfg_type_err(c, v, "a list of {src, dst, port}", name);
        return;
    }
    cfg->expected = fw_calloc(v->nitems, sizeof(*cfg->expected));
    for (i = 0; cfg->expected && i < v->nitems; i++) {
        c->exp = &cfg->expected[cfg->nexpected];
        c->have_src = c->have_dst = false;
        if (v->items[i]->kind != RULE_Y_MAP) {
            cfg_type_err(c, v->items[i], "a mapping {src, dst, port}", name);
            continue;
        }
        walk_map(c, v->items[i], name, keys);
        if (!rule_ynode_map_get(v->items[i], "src") || !rule_ynode_map_get(v->items[i], "dst"))
            cfg_err(c, v->items[i], "'%s' entry needs both 'src' and 'dst'", name);
        else if (c->have_src && c->have_dst)
            cfg->nexpected++;
    }
}

/* ------------------------------------------------------------------------ */
/* Loading                                                                  */

static void walk_root(struct cfg_ctx *c, const struct rule_ynode *root)
{
    static const struct cfg_key keys[] = {
        CFG_FN("sensor", sec_sensor),       CFG_FN("capture", sec_capture),
        CFG_FN("timeouts", sec_timeouts),   CFG_FN("rules", sec_rules),
        CFG_FN("redis", sec_redis),         CFG_FN("output", sec_output),
        CFG_FN("scoring", sec_scoring),     CFG_FN("zones", sec_zones),
        CFG_FN("policy", sec_policy),       CFG_FN("expected", sec_expected),
        CFG_FN("log", sec_log),
        {NULL, CT_STR, 0, 0, 0, 0, NULL},
    };

    if (root && root->kind != RULE_Y_MAP && !rule_ynode_is_null(root)) {
        cfg_err(c, root, "the config must be a mapping of sections (sensor, zones, ...)");
        return;
    }
    walk_map(c, root, "", keys);
    if (c->policy)
        policy_check(c);
}

static int diag_cmp(const void *a, const void *b)
{
    const struct rule_diag *x = a, *y = b;

    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return 0;
}

/* A syntax error leaves a partial tree; its schema errors would only confuse. */
static bool has_syntax_error(const struct rule_diags *d)
{
    size_t i;

    for (i = 0; i < d->n; i++)
        if (strcmp(d->v[i].code, "E001") == 0)
            return true;
    return false;
}

static void walk_file(struct cfg_ctx *c, const struct rule_yfile *f)
{
    if (!f || has_syntax_error(&c->diags))
        return;
    if (f->ndocs > 1) {
        const struct rule_ynode *d2 = f->docs[1];

        rule_diags_add(&c->diags, c->path, d2 ? d2->line : 1, d2 ? d2->col : 1,
                       RULE_DIAG_ERROR, "", "the config must be a single YAML document");
    }
    if (f->ndocs > 0)
        walk_root(c, f->docs[0]);
}

/* Build a complete config from path into tmp; errors stay in c->diags. */
static int load_into(struct cfg_ctx *c, struct fw_config *tmp, char *errbuf, size_t errlen)
{
    struct rule_yfile *f = NULL;
    int rc;

    rc = rule_yaml_load_file(c->path, &f, &c->diags);
    if (rc == FW_ENOENT || rc == FW_EIO || rc == FW_ENOMEM) {
        snprintf(errbuf, errlen, "%s: %s\n", c->path,
                 c->diags.n ? c->diags.v[0].msg : fw_strerror(rc));
        rule_yaml_free(f);
        return rc;
    }
    c->cfg = tmp;
    walk_file(c, f);
    rule_yaml_free(f);
    if (c->diags.errors == 0)
        return 0;
    qsort(c->diags.v, c->diags.n, sizeof(*c->diags.v), diag_cmp);
    rule_diags_format(&c->diags, errbuf, errlen);
    return FW_EPARSE;
}

int fw_config_load(struct fw_config *cfg, const char *path, char *errbuf, size_t errlen)
{
    struct fw_config tmp;
    struct cfg_ctx c;
    char dummy[1];
    int rc;

    if (!errbuf || errlen == 0) {
        errbuf = dummy;
        errlen = sizeof(dummy);
    }
    errbuf[0] = '\0';
    if (!path)
        return FW_EINVAL;
    memset(&c, 0, sizeof(c));
    c.path = path;
    rule_diags_init(&c.diags);
    rc = fw_config_defaults(&tmp);
    if (rc == 0)
        rc = load_into(&c, &tmp, errbuf, errlen);
    if (rc == 0)
        rc = fw_config_index_zones(&tmp);
    if (rc == 0) {
        snprintf(tmp.path, sizeof(tmp.path), "%s", path);
        fw_config_free(cfg);
        *cfg = tmp;
    } else {
        fw_config_free(&tmp);
    }
    fw_free(c.zone_line);
    fw_free(c.cidrs);
    rule_diags_free(&c.diags);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Queries (any thread, config read-only)                                   */

static size_t family_len(uint8_t family)
{
    return family == 4 ? 4 : 16;
}

/* Ranges of one family sort by lo; families apart (v4 first). */
static int zone_range_cmp(const void *pa, const void *pb)
{
    const struct fw_zone_range *a = pa, *b = pb;

    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    return memcmp(a->lo, b->lo, family_len(a->family));
}

static void zone_range_from_cidr(struct fw_zone_range *r, const struct fw_cidr *c, int zone)
{
    size_t len = family_len(c->ip.family), i;

    memset(r, 0, sizeof(*r));
    r->family = c->ip.family;
    r->zone = zone;
    for (i = 0; i < len; i++) {
        unsigned bits = c->plen > i * 8 ? c->plen - (unsigned)i * 8 : 0;
        uint8_t host = bits >= 8 ? 0 : (uint8_t)(0xffu >> bits);

        r->lo[i] = (uint8_t)(c->ip.b[i] & ~host);
        r->hi[i] = (uint8_t)(c->ip.b[i] | host);
    }
}

int fw_config_index_zones(struct fw_config *cfg)
{
    struct fw_zone_range *v;
    size_t i, j, n = 0;

    fw_free(cfg->zone_ranges);
    cfg->zone_ranges = NULL;
    cfg->nzone_ranges = 0;
    for (i = 0; i < cfg->nzones; i++)
        n += cfg->zones[i].ncidrs;
    if (n == 0)
        return 0;
    v = fw_reallocarray(NULL, n, sizeof(*v));
    if (!v)
        return FW_ENOMEM;
    n = 0;
    for (i = 0; i < cfg->nzones; i++)
        for (j = 0; j < cfg->zones[i].ncidrs; j++)
            zone_range_from_cidr(&v[n++], &cfg->zones[i].cidrs[j], (int)i);
    qsort(v, n, sizeof(*v), zone_range_cmp);
    cfg->zone_ranges = v;
    cfg->nzone_ranges = n;
    return 0;
}

/* The last range of ip's family whose lo <= ip; ranges never overlap, so ip is
 * in a zone exactly when it is also <= that range's hi. */
static int zone_search(const struct fw_config *cfg, const struct fw_ip *ip)
{
    const struct fw_zone_range *v = cfg->zone_ranges, *best = NULL;
    size_t lo = 0, hi = cfg->nzone_ranges, len = family_len(ip->family);
    struct fw_zone_range probe = {.family = ip->family};

    memcpy(probe.lo, ip->b, sizeof(probe.lo));
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct fw_zone_range *r = &v[mid];

        if (zone_range_cmp(r, &probe) <= 0) {
            if (r->family == ip->family)
                best = r;
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (best && memcmp(ip->b, best->hi, len) <= 0)
        return best->zone;
    return FLOW_ZONE_EXTERNAL;
}

int fw_config_zone_of(const struct fw_config *cfg, const struct fw_ip *ip)
{
    size_t i, j;

    if (cfg->zone_ranges)
        return zone_search(cfg, ip);
    /* Zones never overlap (checked at load), so the first hit is the only one. */
    for (i = 0; i < cfg->nzones; i++) {
        const struct fw_zone *z = &cfg->zones[i];

        for (j = 0; j < z->ncidrs; j++)
            if (z->cidrs[j].ip.family == ip->family && fw_cidr_contains(&z->cidrs[j], ip))
                return (int)i;
    }
    return FLOW_ZONE_EXTERNAL;
}

const char *fw_config_zone_name(const struct fw_config *cfg, int zone)
{
    if (zone >= 0 && (size_t)zone < cfg->nzones)
        return cfg->zones[zone].name;
    return zone == FLOW_ZONE_EXTERNAL ? "external" : "unknown";
}

/* "external" is the least trusted and least valuable: criticality 1. */
int fw_config_zone_criticality(const struct fw_config *cfg, int zone)
{
    if (zone >= 0 && (size_t)zone < cfg->nzones)
        return cfg->zones[zone].criticality;
    return 1;
}

int fw_config_zone_find(const struct fw_config *cfg, const char *name)
{
    size_t i;

    if (!name)
        return FLOW_ZONE_UNKNOWN;
    if (strcmp(name, "external") == 0)
        return FLOW_ZONE_EXTERNAL;
    for (i = 0; i < cfg->nzones; i++)
        if (strcmp(cfg->zones[i].name, name) == 0)
            return (int)i;
    return FLOW_ZONE_UNKNOWN;
}

bool fw_config_denied(const struct fw_config *cfg, int zone_from, int zone_to)
{
    size_t i;

    for (i = 0; i < cfg->ndeny; i++)
        if (cfg->deny[i].from == zone_from && cfg->deny[i].to == zone_to)
            return true;
    return false;
}
