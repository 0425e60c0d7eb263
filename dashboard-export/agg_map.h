/* dashboard-export/agg_map.h: the in-process aggregator that keeps the threat map.
 *
 * Fed with alerts, it keeps per host a decayed risk score (exponential decay,
 * half-life from the config), first/last seen, alert counts by severity and
 * the top rules and applications; per src>dst pair a decayed edge weight; per
 * zone the decayed sum of its hosts' points, alert counts, 5-minute trend
 * buckets and a Holt forecast. It does no I/O: agg_map_emit() turns what
 * changed into Redis commands (the layout of docs/redis.md) handed to a
 * callback, so the sensor's exporter and a central aggregator share it.
 * Bounded: at most hosts_max hosts and AGG_EDGES_MAX edges; at the cap the
 * lowest-scored of a sample is evicted (counted). Decay math is local (the
 * analyzers' anz_score.h did not exist when this was written). One thread.
 */
#ifndef AGG_MAP_H
#define AGG_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anz_types.h"
#include "fw_ip.h"

#define AGG_TOP 5                       /* top rules / apps kept per host */
#define AGG_EDGES_TOP 1000              /* fw:map:edges trimmed to this many */
#define AGG_EDGES_MAX 8192              /* edges kept in memory */
#define AGG_ZONES_MAX 64
#define AGG_BUCKET_US (300ull * 1000000) /* trend bucket: 5 minutes */
#define AGG_TREND_KEEP 288              /* buckets kept in the trend zset (24 h) */
#define AGG_HOST_TTL_S 604800           /* fw:host:<ip> EXPIRE 7 d */
#define AGG_SCORE_FLOOR 0.01            /* below this a host leaves the map */

/* One Redis command; argv and lens valid during the call only. */
typedef void (*agg_emit_fn)(void *ctx, int argc, const char **argv, const size_t *lens);

struct agg_map;

struct agg_stats {
    uint64_t hosts, edges, zones;
    uint64_t alerts;                    /* alerts folded in */
    uint64_t hosts_evicted, edges_evicted, zones_refused;
};

/* prefix copied ("fw:"); half_life_us 0 = 1 h; hosts_max 0 = 65536. */
struct agg_map *agg_map_create(const char *prefix, uint64_t half_life_us, size_t hosts_max);
void agg_map_destroy(struct agg_map *m);
/* Fold one alert in (a borrowed). Shadow alerts are ignored (counted nowhere). */
void agg_map_alert(struct agg_map *m, const struct anz_alert *a);
/* Re-decay every score to now_us, drop hosts and edges under AGG_SCORE_FLOOR,
 * mark all scores for rewrite. Called about once a minute. */
void agg_map_decay(struct agg_map *m, uint64_t now_us);
/* Emit commands for everything changed since the last emit. Returns how many. */
size_t agg_map_emit(struct agg_map *m, agg_emit_fn fn, void *ctx);
/* Mark everything changed (the last emitted commands were lost). */
void agg_map_resync(struct agg_map *m);
/* Current decayed score of a host at now_us, -1 when unknown. */
double agg_map_host_score(const struct agg_map *m, const struct fw_ip *ip, uint64_t now_us);
/* Zone summary at its last update; false when the zone is unknown. */
bool agg_map_zone(const struct agg_map *m, const char *zone, double *score, double *trend,
                  double *forecast);
void agg_map_stats(const struct agg_map *m, struct agg_stats *st);
/* score * 2^(-dt/half_life): the decay every score here follows. */
double agg_decay(double score, uint64_t dt_us, uint64_t half_life_us);

#endif
