/* dashboard-export/agg_ingest.h: decoding alert stream entries for the central
 * aggregator.
 *
 * An agent sensor writes each alert to <prefix>ingest as a stream entry whose
 * fields are those of <prefix>alerts (id, ts, sensor, rule, severity, score,
 * analyzer, src, dst, [update], json; docs/redis.md). `finwatch aggregate`
 * turns every entry back into the struct anz_alert that agg_map folds in, so
 * the central map is built by the same code as the sensor's in-process one.
 * Entries come from Redis and are untrusted: every length is checked, JSON is
 * read by fw_json (sensor/fw_json.h; no JSON library in the build). Pure
 * functions; any thread.
 */
#ifndef AGG_INGEST_H
#define AGG_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anz_types.h"

#define AGG_JSON_DEPTH_MAX 32           /* deeper JSON is refused (= FW_JSON_DEPTH_MAX) */
#define AGG_SENSOR_MAX 64               /* sensor id bytes kept (sensor.id is 63 max) */

/* One field/value pair of a stream entry; borrowed bytes, not NUL-terminated. */
struct agg_field {
    const char *name;
    size_t name_len;
    const char *val;
    size_t val_len;
};

/* Value of the member at a dotted path ("finwatch.zone.source") of the JSON
 * object in json[0..len). Strings are unescaped (fw_json_span_str: \uXXXX and
 * surrogate pairs to UTF-8); numbers, true, false and null are copied as
 * written. out is always NUL-terminated. 0; FW_ENOENT when the path is absent
 * or names an object or array; FW_EPARSE when any of the text is malformed
 * (fw_json checks all of it); FW_ENOMEM when the value does not fit in outlen. */
int agg_json_get(const char *json, size_t len, const char *path, char *out, size_t outlen);
/* "2026-11-23T19:25:17.123456Z" (fraction 0..6 digits, optional) to Unix µs.
 * 0 or FW_EINVAL. */
int agg_iso_parse(const char *s, size_t len, uint64_t *us);
/* The field called name, or NULL. */
const struct agg_field *agg_field_find(const struct agg_field *f, size_t n, const char *name);
/* Rebuild the alert of one entry. Required: id, ts, rule, severity, score, src,
 * json; dst, analyzer, update, sensor are optional. From json: blame, zones,
 * app, reason, rule name. a is zeroed first; sensor gets the entry's sensor
 * ("" when absent). 0 or FW_EPARSE. */
int agg_entry_decode(const struct agg_field *f, size_t n, struct anz_alert *a, char *sensor,
                     size_t sensor_len);
/* enum anz_kind of an analyzer name; ANZ_RULE when unknown. */
enum anz_kind agg_kind_parse(const char *name, size_t len);

#endif
