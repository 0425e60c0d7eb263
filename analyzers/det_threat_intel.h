/* analyzers/det_threat_intel.h: traffic to or from known-bad addresses and names.
 *
 * Two list files named in the params (paths; relative ones are taken from the
 * rule file's folder): addresses and CIDRs, and domain names (a name matches
 * itself and every subdomain). One entry per line, '#' starts a comment. They are
 * (re)loaded whenever the rules are, so an updated feed arrives with a reload.
 * Matches source and destination addresses (flow_start), DNS question names
 * (dns), TLS SNI, HTTP Host and the flow's first DNS name (flow_classified,
 * flow_end). Blame goes to the side that is not on the list.
 */
#ifndef DET_THREAT_INTEL_H
#define DET_THREAT_INTEL_H

#include "det_common.h"

struct det_ti;                  /* loaded lists; owned by the params */

struct det_threat_intel_params {
    uint64_t window_us;
    char ip_list[256];          /* path, "" = none */
    char domain_list[256];
    double max_entries;         /* per list; lines beyond are ignored (counted) */
    struct det_ti *ti;          /* built by det_threat_intel_open */
};

/* Load the lists; base_dir resolves relative paths (may be NULL). On error the
 * message (file:line) goes to err and a negative FW_E* is returned; the lists
 * that did load stay usable. */
int det_threat_intel_open(struct det_threat_intel_params *p, const char *base_dir, char *err,
                          size_t errlen);
void det_threat_intel_close(struct det_threat_intel_params *p);
/* Entries loaded (addresses + prefixes + domains). */
size_t det_threat_intel_size(const struct det_threat_intel_params *p);
bool det_threat_intel_eval(const struct det_threat_intel_params *p, struct det_ctx *c,
                           bool update, struct det_hit *hit);

#endif
