/* analyzers/det_lateral.h: lateral movement over admin protocols.
 *
 * An internal host opening SMB/RPC/RDP/WinRM/SSH connections to many internal
 * hosts it never spoke to before (pair table memory of internal conversations,
 * any port), after a learning period. Works on flow_start events. Expected pairs
 * are skipped. Borrows everything; analyzer thread.
 */
#ifndef DET_LATERAL_H
#define DET_LATERAL_H

#include "det_common.h"

struct det_lateral_params {
    uint64_t window_us;
    double min_hosts;           /* new internal peers on admin ports in the window */
    struct det_ports ports;     /* admin protocol ports */
    uint64_t learning_us;       /* conversations before this are the baseline */
};

bool det_lateral_eval(const struct det_lateral_params *p, struct det_ctx *c, bool update,
                      struct det_hit *hit);

#endif
