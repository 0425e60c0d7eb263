/* analyzers/det_protocol_anomaly.h: protocols where they do not belong.
 *
 * Checks on flow_classified / flow_end: SSH on a port other than the listed
 * SSH ports into a zone of criticality >= min_criticality; something other
 * than TLS/QUIC on a TLS port (443) once nDPI has decided; an HTTP request
 * with raw control bytes in its target, Host or User-Agent (no client sends
 * them; null-byte injection and parser-confusion attacks do), unless
 * http_control_bytes is false; FIX sessions whose SenderCompID/TargetCompID
 * is not in known_comp_ids (when the list is set) or that carried malformed
 * messages. Stateless; analyzer thread.
 */
#ifndef DET_PROTOCOL_ANOMALY_H
#define DET_PROTOCOL_ANOMALY_H

#include "det_common.h"

struct det_protocol_anomaly_params {
    uint64_t window_us;
    struct det_ports ssh_ports;
    double min_criticality;         /* for SSH off its port */
    struct det_ports tls_ports;
    struct det_strs tls_protocols;  /* nDPI names acceptable on a TLS port */
    double min_payload;             /* client bytes before judging a TLS port */
    struct det_strs known_comp_ids; /* empty = CompIDs not checked */
    bool http_control_bytes;        /* alert on raw control bytes in HTTP requests */
};

bool det_protocol_anomaly_eval(const struct det_protocol_anomaly_params *p, struct det_ctx *c,
                               bool update, struct det_hit *hit);

#endif
