/* analyzers/det_common.h: what every behaviour detector (det_<name>.c) shares.
 *
 * The engine (anz_engine.c) resolves zones and host entries once per event into
 * a struct det_ctx, then calls each enabled detector with its params (filled
 * from the analyzer rule by anz_params_load). A detector that sees the
 * behaviour fills a struct det_hit: who, the key the alert is de-duplicated on,
 * one plain sentence with the numbers and an evidence JSON object. The engine
 * turns hits into alerts (rule metadata, exceptions, scores). Detectors borrow
 * everything they are given; one thread (the analyzer stage).
 */
#ifndef DET_COMMON_H
#define DET_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anz_host.h"
#include "anz_types.h"
#include "flow_types.h"
#include "fw_buf.h"

#define DET_TCP_FIN 0x01
#define DET_TCP_SYN 0x02
#define DET_TCP_RST 0x04
#define DET_TCP_ACK 0x10

#define DET_PORTS_MAX 32
#define DET_STRS_MAX 24
#define DET_STR_LEN 64

struct det_ports {              /* a list param of port numbers */
    uint16_t n;
    uint16_t v[DET_PORTS_MAX];
};

struct det_strs {               /* a list param of names (copied, NUL-terminated) */
    uint16_t n;
    char v[DET_STRS_MAX][DET_STR_LEN];
};

struct det_ctx {
    const struct flow_evt *evt;
    uint64_t now;               /* evt->ts_us */
    uint64_t since_us;          /* first event the engine saw (learning periods) */
    struct anz_hosts *hosts;
    struct anz_host *src, *dst; /* entries of rec.src / rec.dst; NULL if none */
    int zone_src, zone_dst;     /* zone index or FLOW_ZONE_EXTERNAL */
    int crit_src, crit_dst;     /* 1..5 */
    bool src_internal;          /* in a configured zone or a private address */
    bool dst_internal;
    bool denied;                /* the zone policy denies zone_src -> zone_dst */
    bool expected;              /* matches the config's expected: list */
    bool icmp_error;            /* src's ICMP error about dst's traffic (det_is_icmp_error):
                                 * a reply, not a connection src made */
    const char *zname_src, *zname_dst;
    /* Set by the engine: would an alert on key be kept (not excepted, not
     * within its de-duplication window)? A detector asks it (det_hit_wanted)
     * before it formats the reason and evidence of a hit, which is most of
     * the analyzer's work for a scanner that alerted already. NULL (unit
     * tests): always wanted. */
    bool (*wanted)(const struct det_ctx *c, uint64_t key, uint64_t window_us);
    const void *wanted_arg;
};

struct det_hit {
    uint64_t key;               /* what the alert is de-duplicated on, with the rule */
    uint64_t window_us;         /* de-duplication window; 0 = forever */
    uint8_t blame;              /* enum anz_blame */
    uint8_t severity;           /* 0 = the rule's */
    int crit;                   /* criticality that scales the score (1..5) */
    struct fw_ip src, dst;      /* dst.family == 0 when there is no single peer */
    uint16_t sport, dport;
    uint8_t proto;
    char reason[256];
    char evidence[512];         /* JSON object */
};

/* Hash of the given bytes and a tag, for det_hit.key. */
uint64_t det_key(const char *tag, const void *a, size_t alen, const void *b, size_t blen);
/* False when the engine would throw an alert on key away anyway (see
 * det_ctx.wanted): the caller then reports no hit. Call it last, after the
 * detector's state is updated. */
bool det_hit_wanted(const struct det_ctx *c, uint64_t key, uint64_t window_us);
/* hit zeroed, addresses and ports copied from the event's record. */
void det_hit_init(struct det_hit *hit, const struct det_ctx *c, enum anz_blame blame,
                  uint64_t window_us);
/* Copy a finished evidence buffer into hit->evidence; "{}" if it does not fit. */
void det_hit_evidence(struct det_hit *hit, const struct fw_buf *b);
/* Text of an address (static buffer per slot 0..3: up to four in one printf). */
const char *det_ip(const struct fw_ip *ip, int slot);
const char *det_proto_name(uint8_t proto);
bool det_ports_has(const struct det_ports *p, uint16_t port);
/* Case-insensitive membership. */
bool det_strs_has(const struct det_strs *s, const char *v);
/* Does the nDPI name "Master.App" or "App" name one of the list (either part)? */
bool det_app_in(const struct det_strs *s, const char *ndpi_proto);
bool det_is_icmp(uint8_t proto);
/* Does the flow start with an ICMP error message (destination unreachable,
 * source quench, redirect, time exceeded, parameter problem; ICMPv6 1-4)?
 * Such a flow goes from the host that could not deliver or answer to the one
 * whose packet failed: a UDP probe of a closed port comes back as one, so its
 * source is the probed host, not an initiator. */
bool det_is_icmp_error(const struct flow_rec *r);
uint64_t det_secs(uint64_t us);

#endif
