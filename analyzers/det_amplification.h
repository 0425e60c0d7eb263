/* analyzers/det_amplification.h: reflection / amplification attacks.
 *
 * UDP services that answer small requests with large responses (DNS 53, NTP 123,
 * SSDP 1900, memcached 11211, CLDAP 389, chargen 19...) are abused to flood a
 * victim whose address the attacker spoofed. Per victim and tumbling window:
 * response bytes from those ports, request bytes to them, distinct reflectors.
 * Far more response than request bytes from several reflectors: blame the victim
 * (destination). Works on flow_end events. Borrows everything; analyzer thread.
 */
#ifndef DET_AMPLIFICATION_H
#define DET_AMPLIFICATION_H

#include "det_common.h"

struct det_amplification_params {
    uint64_t window_us;
    struct det_ports ports;     /* reflector service ports */
    double min_bytes;           /* response bytes in the window */
    double min_ratio;           /* response / request bytes */
    double min_reflectors;      /* distinct reflecting hosts */
};

bool det_amplification_eval(const struct det_amplification_params *p, struct det_ctx *c,
                            bool update, struct det_hit *hit);

#endif
