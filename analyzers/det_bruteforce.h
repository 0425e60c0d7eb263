/* analyzers/det_bruteforce.h: password guessing against one service.
 *
 * Many short sessions from one source to one authentication service (SSH, RDP,
 * FTP, SMB, databases, VNC, HTTP login pages) in a tumbling window, counted per
 * (source, destination, port) in the pair table. The service is recognised by
 * port or by nDPI protocol name; HTTP counts only requests to login-like paths.
 * Works on flow_end events. Borrows everything; analyzer thread.
 */
#ifndef DET_BRUTEFORCE_H
#define DET_BRUTEFORCE_H

#include "det_common.h"

struct det_bruteforce_params {
    uint64_t window_us;
    double min_sessions;        /* short sessions per (src, dst, port) in the window */
    uint64_t max_duration_us;   /* a session longer than this is not a guess */
    double max_pkts;            /* nor one where the client sent more packets */
    struct det_ports ports;
    struct det_strs protocols;  /* nDPI names */
    struct det_strs http_paths; /* substrings of login URLs */
};

bool det_bruteforce_eval(const struct det_bruteforce_params *p, struct det_ctx *c, bool update,
                         struct det_hit *hit);

#endif
