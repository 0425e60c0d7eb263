/* sensor/flow_types.c: names of flow enums, as written in records and rules. */
#include "flow_types.h"

const char *flow_end_reason_name(enum flow_end_reason r)
{
    switch (r) {
    case FLOW_END_NONE:    return "active";
    case FLOW_END_FIN:     return "fin";
    case FLOW_END_RST:     return "rst";
    case FLOW_END_IDLE:    return "idle";
    case FLOW_END_EVICTED: return "evicted";
    case FLOW_END_EOF:     return "eof";
    }
    return "unknown";
}

const char *flow_evt_type_name(enum flow_evt_type t)
{
    switch (t) {
    case FLOW_EVT_START:      return "flow_start";
    case FLOW_EVT_CLASSIFIED: return "flow_classified";
    case FLOW_EVT_END:        return "flow_end";
    case FLOW_EVT_DNS:        return "dns";
    }
    return "unknown";
}
