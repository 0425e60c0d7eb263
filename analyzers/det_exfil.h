/* analyzers/det_exfil.h: data exfiltration to external hosts.
 *
 * The engine keeps each internal host's bytes sent to external addresses per
 * 5-minute interval and an EWMA baseline of them (anz_host_base). The current
 * interval far above the baseline (factor and z-score) and above a floor that
 * shrinks with the criticality of the source zone (min_bytes * 3 / crit) is an
 * exfiltration candidate. Works on flow_end events. Borrows everything.
 */
#ifndef DET_EXFIL_H
#define DET_EXFIL_H

#include "det_common.h"

struct det_exfil_params {
    uint64_t window_us;         /* one alert per host per window */
    double min_bytes;           /* floor at criticality 3 */
    double factor;              /* times the baseline mean */
    double min_z;               /* z-score against the baseline */
    double min_intervals;       /* baseline intervals needed before judging */
};

bool det_exfil_eval(const struct det_exfil_params *p, struct det_ctx *c, bool update,
                    struct det_hit *hit);

#endif
