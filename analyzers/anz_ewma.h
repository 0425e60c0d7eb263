/* analyzers/anz_ewma.h: exponentially weighted mean and variance (baselines).
 *
 * A host's bytes, flows and peers per interval are folded into an EWMA with its
 * variance (West 1979 incremental form) so detectors can ask "how unusual is
 * this interval for this host" as a z-score. Plain value type; one thread.
 */
#ifndef ANZ_EWMA_H
#define ANZ_EWMA_H

#include <stdint.h>

struct anz_ewma {
    double mean;
    double var;
    uint32_t n;             /* samples folded in (saturates) */
};

/* Fold one sample in with weight alpha (0 < alpha <= 1); the first sample seeds
 * the mean. */
void anz_ewma_add(struct anz_ewma *e, double x, double alpha);
double anz_ewma_sd(const struct anz_ewma *e);
/* (x - mean) / sd, with sd floored at floor_sd so a flat baseline does not make
 * every change infinite. */
double anz_ewma_z(const struct anz_ewma *e, double x, double floor_sd);

#endif
