/* analyzers/anz_engine.h: the analyzer stage.
 *
 * Takes every flow event from the workers (in one thread), resolves zones from
 * the config's zone map, keeps per-host state (anz_host.c: bounded table, LRU),
 * runs the behaviour detectors (det_<name>.c, tunables from type: analyzer rules)
 * and the match rules (rule_set_eval), scores hosts with decay (anz_score.c), and
 * emits alerts through a callback (the pipeline sends them to the exporter).
 * Owns its host table and rule state; borrows the config (read-only) and the
 * current rule set (swapped with anz_engine_set_rules between events).
 * Single-threaded: only the analyzer thread calls it.
 */
#ifndef ANZ_ENGINE_H
#define ANZ_ENGINE_H

#include <stdint.h>

#include "anz_types.h"
#include "flow_types.h"
#include "fw_config.h"

struct rule_set;
struct anz_engine;

typedef void (*anz_alert_fn)(void *ctx, const struct anz_alert *alert);

struct anz_stats {
    uint64_t events;            /* flow events analysed */
    uint64_t alerts;            /* alerts emitted (new + updated) */
    uint64_t alerts_new;
    uint64_t alerts_shadow;     /* shadow-mode hits (counted, not emitted) */
    uint64_t hosts_active;
    uint64_t hosts_evicted;
    uint64_t by_analyzer[ANZ_KIND_COUNT];
};

/* cfg borrowed for the engine's life; rules borrowed until replaced. */
struct anz_engine *anz_engine_create(const struct fw_config *cfg, const struct rule_set *rules,
                                     anz_alert_fn fn, void *fn_ctx);
void anz_engine_destroy(struct anz_engine *e);
/* Analyse one event; fills evt->rec.zone_src/zone_dst. */
void anz_engine_event(struct anz_engine *e, struct flow_evt *evt);
/* Time passes (packet time): close windows, decay, periodic detectors (beacon). */
void anz_engine_tick(struct anz_engine *e, uint64_t now_us);
/* Swap in a new rule set between events; window state of unchanged rules is kept.
 * The caller frees the old set after this returns. */
void anz_engine_set_rules(struct anz_engine *e, const struct rule_set *rules);
void anz_engine_stats(const struct anz_engine *e, struct anz_stats *st);
/* Score contributions of a host as a JSON object into buf (for explain and the
 * heartbeat); returns bytes written or a negative FW_E*. */
int anz_engine_explain_host(const struct anz_engine *e, const struct fw_ip *ip, char *buf,
                            size_t len);
/* The engine's scoreboard (anz_score.h), borrowed: host and zone scores, trends. */
struct anz_scoreboard;
const struct anz_scoreboard *anz_engine_scoreboard(const struct anz_engine *e);

#endif
