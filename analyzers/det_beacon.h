/* analyzers/det_beacon.h: periodic command-and-control check-ins.
 *
 * Per (source, destination, port) in the pair table: the inter-arrival times of
 * flow starts (Welford mean and variance). Many repetitions with a low
 * coefficient of variation (jitter) look like a beacon. Robust to gaps: an
 * interval close to k times the mean counts as k-1 missed beacons. Only flow
 * starts count, so heartbeats inside one session (FIX) never do; NTP and other
 * listed ports, and the config's expected pairs, are ignored. Borrows
 * everything; analyzer thread.
 */
#ifndef DET_BEACON_H
#define DET_BEACON_H

#include "det_common.h"

struct det_beacon_params {
    uint64_t window_us;         /* one alert per pair per window */
    double min_count;           /* intervals observed, at least */
    double max_cv;              /* coefficient of variation, at most */
    uint64_t min_interval_us;   /* shorter gaps are bursts, not beacons */
    uint64_t max_interval_us;   /* longer gaps restart the statistics */
    struct det_ports ignore_ports;
    bool external_only;         /* only pairs whose destination is external */
};

bool det_beacon_eval(const struct det_beacon_params *p, struct det_ctx *c, bool update,
                     struct det_hit *hit);

#endif
