/* rules/rule_int.h: the insides of a compiled rule set, shared by the rule_* files.
 *
 * rule_load.c walks YAML trees into struct rule, rule_compile.c turns "match:"
 * maps into condition lists, rule_field.c is the field registry, rule_match.c
 * evaluates conditions and raises alerts, rule_window.c keeps aggregation state.
 * Nothing here is part of the contract of rule_set.h; only rules/ includes it.
 * A compiled set is read by one analyzer thread: regex match data is per
 * condition, counters are written through pointers held by the const set.
 */
#ifndef RULE_INT_H
#define RULE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anz_params.h"
#include "fw_ip.h"
#include "rule_set.h"
#include "rule_yaml.h"

/* ---- field registry (rule_field.c) ---- */

enum rule_ftype {
    RULE_FT_STR = 0,        /* text; "" counts as absent */
    RULE_FT_NUM,            /* number */
    RULE_FT_IP,             /* address; rules compare with CIDRs */
    RULE_FT_RISK,           /* nDPI risk bitmap; matched by risk name */
    RULE_FT_CODE,           /* number with names (DNS type, rcode) */
};

/* One field's value for one event. Accessors fill exactly one member. */
struct rule_fval {
    const char *s;
    double n;
    const struct fw_ip *ip;
    uint64_t bits;
    char buf[24];           /* backing store for short synthesized strings */
};

typedef bool (*rule_field_get_fn)(const struct flow_evt *evt, const struct rule_ctx *ctx,
                                  struct rule_fval *v);

/* Events a field is carried by (bits 1 << enum flow_evt_type, 1 << RULE_EVT_ALERT). */
#define RULE_EVT_ALERT 4        /* event: alert (bit 4 of the events mask) */
#define RULE_EVS_FLOW 0x0fu     /* flow_start, flow_classified, flow_end, dns */
#define RULE_EVS_ALERT (1u << RULE_EVT_ALERT)
#define RULE_EVS_ALL (RULE_EVS_FLOW | RULE_EVS_ALERT)

struct rule_field {
    const char *name;       /* ECS-style dotted name */
    enum rule_ftype type;
    rule_field_get_fn get;  /* false when the event does not carry the field */
    const char *help;
    unsigned events;        /* RULE_EVS_*: which events carry it (checked at lint time) */
};

/* The event rules of "event: alert" see: a flow event whose type is RULE_EVT_ALERT and
 * whose record holds the alert's addresses, ports, protocol and app; the alert.* and
 * host accessors reach the alert through it. Built by rule_set_eval_alert() only. */
struct rule_alert_evt {
    struct flow_evt evt;    /* first member: a pointer to it converts back */
    const struct anz_alert *alert;
};

/* The alert behind an event: alert event, or NULL for flow events. */
const struct anz_alert *rule_evt_alert(const struct flow_evt *evt);

/* Field id by name, or -1. */
int rule_field_id(const char *name);
const struct rule_field *rule_field_at(int id);
size_t rule_field_count(void);
/* Closest known field name for an unknown one, or NULL when none is close. */
const char *rule_field_suggest(const char *name);
/* Text form of a value (risk names joined by ','); returns buf. */
char *rule_field_format(int id, const struct rule_fval *v, char *buf, size_t len);
/* Value of a named code (DNS "AAAA", "NXDOMAIN") or a decimal number; 0 or FW_EINVAL. */
int rule_field_code(int id, const char *name, double *out);
/* Risk bit of an nDPI risk name (exact, then case-insensitive), or -1. */
int rule_risk_bit(const char *name);
const char *rule_risk_name(unsigned bit);
/* Closest risk name, for "did you mean". */
const char *rule_risk_suggest(const char *name);
/* Edit distance (bounded at 255), for suggestions. */
unsigned rule_edit_distance(const char *a, const char *b);

/* ---- load context (rule_load.c) ---- */

struct rule_lctx {
    const char *file;
    struct rule_diags *diags;
    uint64_t now_us;
    unsigned errors;
};

void rule_lerr(struct rule_lctx *lc, const struct rule_ynode *n, unsigned coloff, const char *code,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void rule_lwarn(struct rule_lctx *lc, const struct rule_ynode *n, const char *code,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Scalar text of n, or NULL (after an E004) when n is not a scalar. */
const char *rule_lscalar(struct rule_lctx *lc, const struct rule_ynode *n, const char *what);

/* ---- conditions (rule_compile.c, rule_match.c) ---- */

enum rule_op {
    RULE_OP_EQ = 0,         /* also |in: a list means any of */
    RULE_OP_CIDR,
    RULE_OP_CONTAINS,
    RULE_OP_STARTSWITH,
    RULE_OP_ENDSWITH,
    RULE_OP_RE,
    RULE_OP_GT,
    RULE_OP_GTE,
    RULE_OP_LT,
    RULE_OP_LTE,
};

#define RULE_SET_MIN 9      /* |in lists longer than 8 strings go to a hash set */

struct rule_strset {        /* open addressing over XXH3 of the (lowered) string */
    uint64_t *hashes;
    const char **keys;      /* borrowed from the condition's strs */
    size_t cap;             /* power of two */
};

struct rule_cond {
    int field;
    enum rule_op op;
    bool neg;               /* |not */
    bool icase;             /* |i */
    size_t n;               /* values */
    char **strs;            /* STR/RISK string ops; lowered when icase */
    size_t *lens;
    double *nums;           /* NUM/CODE */
    struct fw_cidr *cidrs;  /* IP */
    void **res;             /* pcre2_code * */
    void **mds;             /* pcre2_match_data * (one per regex; single thread) */
    uint64_t risk_mask;     /* RISK with EQ */
    struct rule_strset *set;
};

struct rule_match {
    struct rule_cond *v;
    size_t n;
};

/* Compile a "match:" map; problems go to lc (errors counted). 0 or FW_EPARSE/FW_ENOMEM. */
int rule_match_compile(struct rule_lctx *lc, const struct rule_ynode *map, struct rule_match *m);
void rule_match_free(struct rule_match *m);
/* Parse "field|op|mod..." (a map key); 0 or FW_EPARSE after reporting. */
int rule_key_parse(struct rule_lctx *lc, const struct rule_ynode *key, struct rule_cond *c);
/* All conditions hold (AND). An empty match holds. */
bool rule_match_eval(const struct rule_match *m, const struct flow_evt *evt,
                     const struct rule_ctx *ctx);
bool rule_cond_eval(const struct rule_cond *c, const struct flow_evt *evt,
                    const struct rule_ctx *ctx);

/* ---- rules ---- */

enum rule_type {
    RULE_T_MATCH = 0,
    RULE_T_ANALYZER,
};

enum rule_agg_fn {
    RULE_AGG_COUNT = 0,
    RULE_AGG_DISTINCT,
    RULE_AGG_SUM,
};

#define RULE_AGG_MAX_BY 4

struct rule_agg {
    int by[RULE_AGG_MAX_BY];    /* field ids */
    size_t nby;
    uint64_t window_us;
    enum rule_agg_fn fn;
    int fn_field;               /* DISTINCT/SUM; -1 for COUNT */
    enum rule_op op;            /* GT..LTE */
    double threshold;
    uint64_t fingerprint;       /* XXH3 of rule id + spec: state survives reloads by it */
};

struct rule_exc {
    struct rule_match match;
    char *owner, *ticket;
    uint64_t expires_us;        /* 0 = never */
    bool expired;               /* at load time: ignored */
    unsigned line;
};

struct rule_param {
    char *key;
    enum anz_param_type type;
    char *str;                  /* STRING, and the text of every scalar */
    double num;
    uint64_t dur_us;
    bool b;
    char **items;               /* LIST */
    size_t nitems;
};

struct rule {
    struct rule_meta meta;
    char *s_id, *s_title, *s_desc, *s_version, *s_ruleset, *s_file, *reason;
    char *s_tech[ANZ_MAX_TECHNIQUES];
    enum rule_type type;
    unsigned events;            /* 1 << enum flow_evt_type, or 1 << RULE_EVT_ALERT */
    uint8_t blame;              /* enum anz_blame */
    bool blame_set;             /* blame: given; alert rules otherwise blame the alert's host */
    bool deprecated;
    bool has_match;
    struct rule_match match;
    bool has_agg;
    bool implicit_agg;          /* a plain rule deduplicated per (source, destination) */
    uint64_t dedup_us;          /* plain rules: one alert per pair per this long; 0 = per event */
    struct rule_agg agg;
    struct rule_exc *exc;
    size_t nexc;
    struct rule_param *params;
    size_t nparams;
    struct rule_counters *cnt;  /* mutable though the set is const */
};

struct rule_set {
    struct rule **rules;        /* load order */
    size_t n, cap;
    size_t *by_evt[5];          /* indices of match rules per flow_evt_type, then alert */
    size_t nby_evt[5];
    const struct rule **anz[ANZ_KIND_COUNT];
    size_t nanz[ANZ_KIND_COUNT];
    char hash[17];
};

void rule_free(struct rule *r);
/* One YAML document into a rule (rule_load.c); NULL after reporting its errors. */
struct rule *rule_parse_doc(struct rule_lctx *lc, const struct rule_ynode *doc);
/* Fields named by the rule (match, exceptions, aggregate, reason) that its event does
 * not carry: E016 at each (rule_load.c). */
void rule_check_event_fields(struct rule_lctx *lc, const struct rule_ynode *doc,
                             const struct rule *r);
/* Evaluate one rule on one event (rule_match.c); used by rule_set_eval. */
void rule_eval_one(const struct rule *r, struct rule_state *st, const struct flow_evt *evt,
                   const struct rule_ctx *ctx, rule_alert_fn fn, void *fn_ctx);

/* ---- aggregation windows (rule_window.c) ---- */

struct rule_win_result {
    bool fire;                  /* condition holds: raise (updates == 0) or update */
    double figure;              /* count, distinct count or sum over the window */
    uint64_t win_start_us;      /* start of the alert's window (for the id) */
    uint64_t first_us;
    uint32_t updates;
};

/* Account one matching event for (rule, key) and say whether to alert. */
int rule_window_hit(struct rule_state *st, const struct rule *r, const char *key, size_t keylen,
                    const struct flow_evt *evt, const struct rule_ctx *ctx,
                    struct rule_win_result *res);
/* Windows dropped because max_keys was reached. */
uint64_t rule_state_evictions(const struct rule_state *st);
size_t rule_state_keys(const struct rule_state *st);
/* Current size of the key hash's bucket array (it grows with the keys; for tests). */
size_t rule_state_buckets(const struct rule_state *st);

#endif
