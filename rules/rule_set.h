/* rules/rule_set.h: a loaded, compiled rule set (finwatch/v1 rules).
 *
 * rule_set_load() reads rule files (rule_yaml.h), validates them against the
 * schema and compiles them once: field references resolved to ids, regexes
 * compiled (PCRE2 JIT), CIDRs to prefix sets, |in lists to hash sets. A loaded
 * set is immutable and may be read by one analyzer thread while a reload
 * builds the next one aside; the swap is the caller's (anz_engine).
 *
 * Two kinds of rule live here:
 *   - match rules (type: match, the default): evaluated on every flow event by
 *     rule_eval_*(), with optional aggregation windows (state in struct
 *     rule_state, which survives a reload for rules whose id and aggregate did
 *     not change);
 *   - analyzer rules (type: analyzer, analyzer: scan|flood|...): carry the alert
 *     metadata and the tunables of one behaviour detector in analyzers/.
 */
#ifndef RULE_SET_H
#define RULE_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anz_types.h"
#include "flow_types.h"
#include "rule_diag.h"

struct rule_set;
struct rule;

/* The metadata every rule carries, for alerts and explain. Borrowed from the
 * set; lives as long as the set. */
struct rule_meta {
    const char *id;             /* "FW-SCAN-001" */
    const char *title;
    const char *description;
    const char *version;        /* "1" if absent */
    const char *ruleset;        /* "default" unless the file says otherwise */
    const char *file;           /* where it was defined */
    unsigned line;
    uint8_t severity;           /* 0..100 (low=30 medium=50 high=75 critical=95, or a number) */
    double score;               /* points added to the blamed host */
    bool shadow;                /* mode: shadow */
    enum anz_kind analyzer;     /* ANZ_RULE for match rules */
    const char *techniques[ANZ_MAX_TECHNIQUES];   /* NULL-terminated if fewer */
    size_t ntechniques;
};

/* Everything a rule may need about the event besides the record itself. */
struct rule_ctx {
    const char *zone_src;       /* zone names of rec->src / rec->dst */
    const char *zone_dst;
    const char *sensor;
};

/* Load every *.yaml / *.yml under each path (files or directories, sorted).
 * Returns NULL when any error was found (every one is in diags); warnings alone
 * (e.g. expired exceptions) still give a set. now_us decides expiry. */
struct rule_set *rule_set_load(const char *const *paths, size_t npaths, uint64_t now_us,
                               struct rule_diags *diags);
void rule_set_free(struct rule_set *rs);
size_t rule_set_count(const struct rule_set *rs);
/* Stable hash of the set's content (files and bytes), hex, for the heartbeat. */
const char *rule_set_hash(const struct rule_set *rs);

/* Analyzer rules for one detector, in load order (there may be several, e.g. a
 * horizontal and a vertical scan rule). Returns the count; *out borrowed. */
size_t rule_set_analyzer_rules(const struct rule_set *rs, enum anz_kind kind,
                               const struct rule *const **out);
const struct rule_meta *rule_meta_of(const struct rule *r);
/* Tunables of an analyzer rule ("params:" map). Missing keys give dflt. Durations
 * are returned in microseconds by rule_param_duration. */
double rule_param_double(const struct rule *r, const char *key, double dflt);
uint64_t rule_param_duration(const struct rule *r, const char *key, uint64_t dflt);
const char *rule_param_str(const struct rule *r, const char *key, const char *dflt);
/* A list param (e.g. ports: [22, 3389]); returns count, items borrowed. */
size_t rule_param_list(const struct rule *r, const char *key, const char *const **items);
/* Does the rule's own "match:" (optional on analyzer rules, e.g. to restrict a
 * detector to some zones) accept this event? True when it has none. Exceptions are
 * checked separately by rule_excepted(). */
bool rule_accepts(const struct rule *r, const struct flow_evt *evt, const struct rule_ctx *ctx);
/* True when an unexpired exception of the rule matches; counts suppression. */
bool rule_excepted(const struct rule *r, const struct flow_evt *evt, const struct rule_ctx *ctx);

/* Evaluation state of match rules (aggregation windows), kept by the engine and
 * carried across reloads. */
struct rule_state;
struct rule_state *rule_state_create(size_t max_keys);
void rule_state_destroy(struct rule_state *st);
/* Move windows of rules whose id and aggregate are unchanged from old set to new. */
void rule_state_rebind(struct rule_state *st, const struct rule_set *old_rs,
                       const struct rule_set *new_rs);

/* Called for each alert a match rule raises; alert borrowed for the call. */
typedef void (*rule_alert_fn)(void *ctx, const struct anz_alert *alert);

/* Evaluate every match rule subscribed to evt's type (flow_start, flow_classified,
 * flow_end, dns; alert rules: rule_set_eval_alert). Alerts are raised once per
 * (rule, key, window) and then updated. */
void rule_set_eval(const struct rule_set *rs, struct rule_state *st, const struct flow_evt *evt,
                   const struct rule_ctx *ctx, rule_alert_fn fn, void *fn_ctx);

/* Evaluate the "event: alert" rules on one alert the engine raised (a detector's, or
 * a rule's of another event type), in the thread that raised it. New alerts only:
 * updates (updates > 0), shadow alerts and alerts of the set's own alert rules are
 * skipped, so rules on alerts never see their own output (no loops). The alerts
 * raised here blame the alert's host unless the rule says blame:, and their
 * evidence names the triggering alert ({"alert": {"id", "rule", ...}}). */
void rule_set_eval_alert(const struct rule_set *rs, struct rule_state *st,
                         const struct anz_alert *alert, const char *sensor, rule_alert_fn fn,
                         void *fn_ctx);

/* Per-rule counters (evaluations, matches, alerts, suppressed, shadow hits). */
struct rule_counters {
    uint64_t evaluations, matches, alerts, suppressed, shadow_hits;
};
/* Counters of the i-th rule in load order (i < rule_set_count). */
const struct rule_meta *rule_set_nth(const struct rule_set *rs, size_t i,
                                     struct rule_counters *c);

#endif
