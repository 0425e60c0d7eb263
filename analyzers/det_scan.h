/* analyzers/det_scan.h: network scans (horizontal and vertical).
 *
 * Counts a source's failed connection attempts (TCP SYN without SYN-ACK, RST
 * replies, UDP and ICMP echo without reply) in a tumbling window, with the
 * distinct hosts and ports they went to. Many hosts: horizontal scan; many ports:
 * vertical scan. Works on flow_end events. Expected pairs (monitoring) are
 * skipped. Borrows everything; analyzer thread.
 */
#ifndef DET_SCAN_H
#define DET_SCAN_H

#include "det_common.h"

struct det_scan_params {
    uint64_t window_us;
    double min_hosts;       /* distinct hosts among failed attempts */
    double min_ports;       /* distinct ports among failed attempts */
    double min_failed;      /* failed attempts in the window, at least */
};

/* True when rec describes an attempt the peer did not accept. */
bool det_scan_failed(const struct flow_rec *r);
/* update: fold the event into host state (first rule of the kind only). */
bool det_scan_eval(const struct det_scan_params *p, struct det_ctx *c, bool update,
                   struct det_hit *hit);

#endif
