/* dashboard-export/dash_api.h: the dashboard's JSON API builders.
 *
 * Each builder reads the threat map keys through a borrowed struct rdx_read
 * (read-only; the caller serialises access to it) and appends one JSON
 * document to out, built with fw_buf so every byte that came from Redis is
 * escaped; JSON blobs stored by the exporter (top_rules, the alert record...)
 * are embedded only after jsonl_valid() accepts them, otherwise as strings.
 * Every list is capped. Builders return 0 or a negative FW_E*: FW_EINVAL for a
 * bad parameter (HTTP 400), FW_ENOENT for an unknown host (404), FW_ECONN /
 * FW_ETIMEDOUT when Redis is away (503). Any thread, one rdx_read per call.
 */
#ifndef DASH_API_H
#define DASH_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fw_buf.h"
#include "rdx_read.h"

#define DASH_HOSTS_DEFAULT 40       /* nodes on the map */
#define DASH_HOSTS_MAX 200
#define DASH_ZONES_MAX 64
#define DASH_ALERTS_DEFAULT 50
#define DASH_ALERTS_MAX 500
#define DASH_HOST_ALERTS_MAX 25     /* recent alerts shown for one host */
#define DASH_HOST_SCAN 1000         /* stream entries searched for them */
#define DASH_SENSORS_MAX 256
#define DASH_TREND_POINTS 12        /* trend buckets per zone (one hour of 5 min) */

/* "low" (<40), "medium" (<70), "high" (<90) or "critical": the map's colours. */
const char *dash_severity_name(double score);
/* Parse a decimal count in [1, max]; NULL or "" gives def. 0 or FW_EINVAL. */
int dash_parse_count(const char *s, unsigned def, unsigned max, unsigned *out);
/* Canonical text of an IP path parameter ("10.0.0.5", "2001:db8::1") into buf
 * (>= FW_IP_STRLEN); FW_EINVAL unless fw_ip_parse accepts it. */
int dash_parse_ip(const char *s, char *buf, size_t len);

/* {"zones":[..],"hosts":[..],"edges":[..]}: zones with score, trend, forecast
 * and history; the nhosts riskiest hosts; edges among the riskiest. */
int dash_api_map(struct rdx_read *r, const char *prefix, unsigned nhosts, struct fw_buf *out);
/* One host: its hash, score, contributions by rule, recent alerts, top apps.
 * ip must already be canonical (dash_parse_ip). */
int dash_api_host(struct rdx_read *r, const char *prefix, const char *ip, struct fw_buf *out);
/* {"alerts":[..]}: the count newest entries of the alert stream. */
int dash_api_alerts(struct rdx_read *r, const char *prefix, unsigned count, struct fw_buf *out);
/* {"sensors":[..]}: every sensor heartbeat with its age in seconds at now_us. */
int dash_api_sensors(struct rdx_read *r, const char *prefix, uint64_t now_us,
                     struct fw_buf *out);

#endif
