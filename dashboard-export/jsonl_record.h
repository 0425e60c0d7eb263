/* dashboard-export/jsonl_record.h: the ECS JSON flow and alert records.
 *
 * Renders struct flow_rec and struct anz_alert as the JSON objects fixed by
 * DESIGN.md ("Records"), one line each, without the trailing newline. Every
 * string that came from the wire goes through fw_buf_json_str(), so a record is
 * valid JSON whatever bytes the traffic carried. Also renders the compact alert
 * JSON published on fw:live, and holds a small JSON validator used for the
 * analyzers' pre-rendered evidence and by tests. Borrowed arguments only; the
 * risk namer is set once before threads start, then any thread may render.
 */
#ifndef JSONL_RECORD_H
#define JSONL_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "anz_types.h"
#include "flow_types.h"
#include "fw_buf.h"
#include "fw_config.h"

/* Name of nDPI risk bit `bit` (ndpi_risk2str); the lead wires a dpi_ function.
 * NULL restores the default, which prints "risk_<bit>". Call before threads. */
void jsonl_set_risk_namer(const char *(*fn)(unsigned bit));

/* Append the flow record of rec to b. cfg (may be NULL) names the zones of
 * rec->zone_src/zone_dst; sensor is finwatch.sensor. */
void jsonl_flow_render(struct fw_buf *b, const struct flow_rec *rec,
                       const struct fw_config *cfg, const char *sensor);
/* Append the alert record of a to b. */
void jsonl_alert_render(struct fw_buf *b, const struct anz_alert *a, const char *sensor);
/* Append the compact alert JSON published on fw:live. */
void jsonl_alert_compact(struct fw_buf *b, const struct anz_alert *a, const char *sensor);
/* ATT&CK technique name for an id ("T1046" -> "Network Service Discovery"), or
 * NULL when the id is not in the built-in table. */
const char *jsonl_technique_name(const char *id);
/* True when s[0..n) is exactly one valid JSON value (RFC 8259, nesting <= 32),
 * optionally surrounded by whitespace: fw_json_valid(). */
bool jsonl_valid(const char *s, size_t n);
/* True when s[0..n) is a valid JSON object. */
bool jsonl_valid_object(const char *s, size_t n);

#endif
