/* analyzers/anz_params.h: the tunables each behaviour detector reads.
 *
 * Detectors take their thresholds from the "params:" map of type: analyzer rules
 * (rules/rule_set.h). This table is the schema: the rule loader uses it to
 * reject unknown or mistyped params with file:line:col, and docs/rules.md lists
 * it. Owned by analyzers/; read-only data, any thread.
 */
#ifndef ANZ_PARAMS_H
#define ANZ_PARAMS_H

#include <stddef.h>

#include "anz_types.h"

enum anz_param_type {
    ANZ_P_NUMBER = 0,       /* integer or decimal */
    ANZ_P_DURATION,         /* "60s", "5m" */
    ANZ_P_LIST,             /* list of scalars (ports, protocol names, domains) */
    ANZ_P_STRING,
    ANZ_P_BOOL,
};

struct anz_param_spec {
    const char *name;
    enum anz_param_type type;
    const char *dflt;       /* default as written in YAML, for docs */
    const char *help;       /* one line for docs and lint messages */
};

/* Params of one detector; *n set to the count. Never NULL (may be empty). */
const struct anz_param_spec *anz_params_for(enum anz_kind kind, size_t *n);
/* enum anz_kind from its name ("scan"...); -1 if unknown. */
int anz_kind_from_name(const char *name);

#endif
