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
    /* where the loaded value goes in the detector's params struct */
    int conv;               /* enum anz_param_conv */
    size_t off;             /* offsetof in struct det_<name>_params */
};

enum anz_param_conv {
    ANZ_C_DOUBLE = 0,       /* double */
    ANZ_C_USEC,             /* uint64_t microseconds */
    ANZ_C_BOOL,             /* bool */
    ANZ_C_STR,              /* char[256] */
    ANZ_C_PORTS,            /* struct det_ports */
    ANZ_C_STRS,             /* struct det_strs */
};

/* Params of one detector; *n set to the count. Never NULL (may be empty). */
const struct anz_param_spec *anz_params_for(enum anz_kind kind, size_t *n);
/* enum anz_kind from its name ("scan"...); -1 if unknown. */
int anz_kind_from_name(const char *name);

/* Size of the params struct of a detector (0 for ANZ_RULE). */
size_t anz_params_size(enum anz_kind kind);
/* Fill p (anz_params_size bytes) with every default of the schema. 0 or FW_EINVAL
 * (a default that does not parse: a bug in the table, caught by the tests). */
int anz_params_defaults(enum anz_kind kind, void *p);
/* Set one param from text: a scalar (n == 1) or the items of a list. Ports must be
 * 0..65535; durations as fw_duration_parse. 0 or FW_EINVAL. */
int anz_params_set(const struct anz_param_spec *s, void *p, const char *const *items, size_t n);

#endif
