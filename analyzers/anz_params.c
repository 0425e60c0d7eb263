/* analyzers/anz_params.c: the params schema of every detector.
 * Each detector's table lists exactly what det_<name>.c reads. */
#include "anz_params.h"

#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct anz_param_spec scan_params[] = {
    {"window", ANZ_P_DURATION, "60s", "sliding window for counting"},
    {"min_hosts", ANZ_P_NUMBER, "50", "distinct hosts on one port (horizontal scan)"},
    {"min_ports", ANZ_P_NUMBER, "100", "distinct ports on one host (vertical scan)"},
};

static const struct {
    enum anz_kind kind;
    const struct anz_param_spec *v;
    size_t n;
} tables[] = {
    {ANZ_SCAN, scan_params, N(scan_params)},
};

const struct anz_param_spec *anz_params_for(enum anz_kind kind, size_t *n)
{
    size_t i;

    for (i = 0; i < N(tables); i++) {
        if (tables[i].kind == kind) {
            *n = tables[i].n;
            return tables[i].v;
        }
    }
    *n = 0;
    return scan_params;     /* any non-NULL pointer; n is 0 */
}

int anz_kind_from_name(const char *name)
{
    int k;

    for (k = 0; k < ANZ_KIND_COUNT; k++)
        if (strcmp(anz_kind_name((enum anz_kind)k), name) == 0)
            return k;
    return -1;
}
