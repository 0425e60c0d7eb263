/* analyzers/det_new_asset.h: hosts and services never seen before.
 *
 * After a learning period (from the first event the engine saw), a host taking
 * part in an answered flow for the first time, or a service (address:port) that
 * answers for the first time (TCP SYN-ACK, or UDP reply below port 1024), in a
 * zone of criticality >= min_criticality. Memory is the host and pair tables, so
 * an evicted host can come back as "new" (see docs/analyzers.md). flow_end.
 */
#ifndef DET_NEW_ASSET_H
#define DET_NEW_ASSET_H

#include "det_common.h"

struct det_new_asset_params {
    uint64_t window_us;
    double min_criticality;
    uint64_t learning_us;
    bool services;              /* also report new services */
};

bool det_new_asset_eval(const struct det_new_asset_params *p, struct det_ctx *c, bool update,
                        struct det_hit *hit);

#endif
