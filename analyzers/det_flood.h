/* analyzers/det_flood.h: SYN, UDP and ICMP floods against one victim.
 *
 * Counts inbound flow starts per destination in a short tumbling window, with
 * their distinct sources (a spoofed flood has thousands) and ports, and the
 * flows the victim answered (classified with reply packets). Many starts on few
 * ports that mostly go unanswered: a flood; blame goes to the destination.
 * Also one flow carrying a very high packet rate one way (flow_end). Borrows
 * everything; analyzer thread.
 */
#ifndef DET_FLOOD_H
#define DET_FLOOD_H

#include "det_common.h"

struct det_flood_params {
    uint64_t window_us;
    double min_flows;           /* inbound starts in the window */
    double max_ports;           /* more distinct ports than this is a scan, not a flood */
    double max_answered;        /* answered fraction above which it is just busy */
    double min_pkts;            /* single flow: packets one way */
    double min_pps;             /* single flow: packet rate */
};

bool det_flood_eval(const struct det_flood_params *p, struct det_ctx *c, bool update,
                    struct det_hit *hit);

#endif
