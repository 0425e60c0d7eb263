/* analyzers/anz_ewma.c: EWMA mean and variance. */
#include "anz_ewma.h"

#include <math.h>

void anz_ewma_add(struct anz_ewma *e, double x, double alpha)
{
    double d;

    if (e->n == 0) {
        e->mean = x;
        e->var = 0;
    } else {
        d = x - e->mean;
        e->mean += alpha * d;
        e->var = (1.0 - alpha) * (e->var + alpha * d * d);
    }
    if (e->n < UINT32_MAX)
        e->n++;
}

double anz_ewma_sd(const struct anz_ewma *e)
{
    return sqrt(e->var);
}

double anz_ewma_z(const struct anz_ewma *e, double x, double floor_sd)
{
    double sd = anz_ewma_sd(e);

    if (sd < floor_sd)
        sd = floor_sd;
    return sd > 0 ? (x - e->mean) / sd : 0;
}
