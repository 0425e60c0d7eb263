/* analyzers/anz_score.h: host and zone risk scores with exponential decay.
 *
 * Every alert adds points to the host it blames; scores halve every half-life
 * of packet time, so the threat map shows what is happening now. Per host the
 * last ANZ_SCORE_CONTRIB contributions (rule, time, points) are kept so a score
 * can always be explained. Zone scores are the sum of their hosts' points
 * decayed the same way, closed into 5-minute buckets (the trend) with a Holt
 * (level + trend) one-bucket forecast. The analyzer engine owns one scoreboard;
 * the exporter's multi-sensor aggregator can own another (same code, same
 * numbers). Bounded: max_hosts entries, LRU eviction; at most ANZ_SCORE_ZONES
 * zones (more are folded into "other"). One thread per scoreboard.
 */
#ifndef ANZ_SCORE_H
#define ANZ_SCORE_H

#include <stddef.h>
#include <stdint.h>

#include "fw_ip.h"

#define ANZ_SCORE_CONTRIB 16
#define ANZ_SCORE_ZONES 64
#define ANZ_TREND_BUCKETS 24
#define ANZ_TREND_BUCKET_US (300ull * 1000000ull)

struct anz_scoreboard;

struct anz_zone_trend {
    size_t n;                               /* closed buckets, oldest first */
    uint64_t start_us[ANZ_TREND_BUCKETS];   /* bucket start times */
    double value[ANZ_TREND_BUCKETS];        /* zone score at the bucket's end */
    double level, trend;                    /* Holt state */
    double forecast;                        /* expected score at the next bucket end */
};

/* half_life_us > 0. NULL on allocation failure. */
struct anz_scoreboard *anz_scoreboard_create(size_t max_hosts, uint64_t half_life_us);
void anz_scoreboard_destroy(struct anz_scoreboard *sb);
/* v decayed over dt microseconds with the given half-life. */
double anz_score_decay(double v, uint64_t dt_us, uint64_t half_life_us);
/* Add points for ip (zone name copied, rule id copied) at ts; returns the host's
 * decayed score right after. Never fails: on allocation failure the zone still
 * gets the points and 0 is returned. */
double anz_scoreboard_add(struct anz_scoreboard *sb, const struct fw_ip *ip, const char *zone,
                          double points, const char *rule_id, uint64_t ts);
double anz_scoreboard_host_score(const struct anz_scoreboard *sb, const struct fw_ip *ip,
                                 uint64_t now);
double anz_scoreboard_zone_score(const struct anz_scoreboard *sb, const char *zone,
                                 uint64_t now);
/* Close the 5-minute buckets that ended before now (called on every add too). */
void anz_scoreboard_tick(struct anz_scoreboard *sb, uint64_t now);
/* Trend of a zone; FW_ENOENT when the zone never scored. */
int anz_scoreboard_zone_trend(const struct anz_scoreboard *sb, const char *zone,
                              struct anz_zone_trend *out);
/* Names of the zones that scored (borrowed, live as long as sb); returns count. */
size_t anz_scoreboard_zone_names(const struct anz_scoreboard *sb, const char **names,
                                 size_t max);
/* {"ip":..,"zone":..,"score":..,"contributions":[{"rule":..,"ts":..,"points":..,
 * "decayed":..}]} into buf; returns bytes written (without NUL), FW_ENOENT for an
 * unknown host, FW_EFULL when buf is too small. */
int anz_scoreboard_explain(const struct anz_scoreboard *sb, const struct fw_ip *ip, uint64_t now,
                           char *buf, size_t len);
size_t anz_scoreboard_hosts(const struct anz_scoreboard *sb);

#endif
