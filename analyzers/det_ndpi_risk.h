/* analyzers/det_ndpi_risk.h: flows nDPI flagged with a risk.
 *
 * rec.ndpi_risk is nDPI 4.2's bitmap (1 << ndpi_risk_enum). Only the risks
 * listed in the params alert, each with its own severity: items are
 * "Name=severity" or "Name" (the rule's severity), the name as ndpiReader prints
 * it ("Self-signed Certificate") or the bit number. Names are kept here as data
 * so that only dpi_* includes nDPI. Works on flow_classified and flow_end.
 */
#ifndef DET_NDPI_RISK_H
#define DET_NDPI_RISK_H

#include "det_common.h"

#define DET_NDPI_RISK_MAX 64

struct det_ndpi_risk_params {
    uint64_t window_us;
    struct det_strs risks;      /* "Name=severity" */
    /* derived by det_ndpi_risk_prepare */
    uint64_t mask;
    uint8_t sev[DET_NDPI_RISK_MAX];     /* 0 = the rule's severity */
};

/* nDPI 4.2 name of a risk bit, or NULL. */
const char *det_ndpi_risk_name(unsigned bit);
/* Bit of a risk name or number, -1 if unknown. */
int det_ndpi_risk_bit(const char *name);
/* Compile risks into mask/sev. FW_EINVAL names the first bad item in *bad. */
int det_ndpi_risk_prepare(struct det_ndpi_risk_params *p, const char **bad);
bool det_ndpi_risk_eval(const struct det_ndpi_risk_params *p, struct det_ctx *c, bool update,
                        struct det_hit *hit);

#endif
