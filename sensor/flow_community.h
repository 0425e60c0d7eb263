/* sensor/flow_community.h: Community ID v1 flow hashes (corelight/community-id-spec).
 *
 * A Community ID is "1:" + base64(SHA1(seed, ordered addresses, proto, 0, ports)),
 * the same string Zeek and Suricata log for the same flow, so records can be
 * joined across tools. SHA1 comes from libgcrypt. Pure functions; any thread once
 * flow_community_init() has run (it is also called lazily, which is only safe
 * before threads start).
 */
#ifndef FLOW_COMMUNITY_H
#define FLOW_COMMUNITY_H

#include <stddef.h>
#include <stdint.h>

#include "flow_types.h"
#include "fw_ip.h"

#define FLOW_COMMUNITY_LEN 31      /* "1:" + 28 base64 chars + NUL */

/* Initialise libgcrypt once (gcry_check_version). Call before worker threads. */
void flow_community_init(void);

/* Community ID of a flow as seen from its first packet. For TCP, UDP and SCTP
 * sport/dport are ports; for ICMP (1) and ICMPv6 (58) they are the type and
 * code of the packet, mapped as the spec says. Other protocols hash without
 * ports. out receives the NUL-terminated text (outlen >= FLOW_COMMUNITY_LEN).
 * Returns 0, or FW_EINVAL (bad family, mixed families, short buffer). */
int flow_community_id(const struct fw_ip *src, const struct fw_ip *dst, uint16_t sport,
                      uint16_t dport, uint8_t proto, uint16_t seed, char *out, size_t outlen);

/* The community id of a flow record: r->community_id when set, else computed
 * (seed 0) into buf, which must hold FLOW_COMMUNITY_LEN. "" when it cannot be
 * computed. Workers leave it to whoever writes it out (flow records, rule
 * alert ids, the rule field): a SHA-1 per flow was 2 % of a worker. */
const char *flow_rec_community_id(const struct flow_rec *r, char *buf, size_t len);

#endif
