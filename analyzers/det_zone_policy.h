/* analyzers/det_zone_policy.h: traffic between zones the policy denies.
 *
 * The config's policy.deny pairs (fw_config_denied on the zones of source and
 * destination, resolved by the engine into det_ctx.denied). One alert per
 * (source zone, destination zone, source address) per window. flow_start events.
 * Stateless; analyzer thread.
 */
#ifndef DET_ZONE_POLICY_H
#define DET_ZONE_POLICY_H

#include "det_common.h"

struct det_zone_policy_params {
    uint64_t window_us;
};

bool det_zone_policy_eval(const struct det_zone_policy_params *p, struct det_ctx *c,
                          bool update, struct det_hit *hit);

#endif
