/* tests/analyzers/anz_test.h: hand-made flow events and detector contexts for the
 * analyzer unit tests. Zones of the fake map: 10.10.0.0/16 "core" (criticality
 * 5), other 10.0.0.0/8 "office" (criticality 2), everything else external (1). */
#ifndef ANZ_TEST_H
#define ANZ_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "anz_host.h"
#include "anz_params.h"
#include "det_common.h"
#include "flow_types.h"
#include "fw_ip.h"

#define SEC 1000000ull
#define T0 (1700000100ull * SEC)    /* aligned to 5 minutes, so windows start here */

static inline struct fw_ip tip(const char *s)
{
    struct fw_ip ip;

    assert_int_equal(fw_ip_parse(s, &ip), 0);
    return ip;
}

static inline void tev(struct flow_evt *e, int type, uint64_t ts, const char *src, uint16_t sport,
                       const char *dst, uint16_t dport, uint8_t proto)
{
    memset(e, 0, sizeof(*e));
    e->type = (uint8_t)type;
    e->ts_us = ts;
    e->rec.ts_start_us = ts;
    e->rec.ts_end_us = ts;
    e->rec.src = tip(src);
    e->rec.dst = tip(dst);
    e->rec.sport = sport;
    e->rec.dport = dport;
    e->rec.proto = proto;
}

static inline int tzone(const struct fw_ip *ip, int *crit, const char **name)
{
    if (ip->family == 4 && ip->b[0] == 10 && ip->b[1] == 10) {
        *crit = 5;
        *name = "core";
        return 0;
    }
    if (ip->family == 4 && ip->b[0] == 10) {
        *crit = 2;
        *name = "office";
        return 1;
    }
    *crit = 1;
    *name = "external";
    return FLOW_ZONE_EXTERNAL;
}

/* Context as the engine would build it, with host entries from t. */
static inline void tctx(struct det_ctx *c, struct anz_hosts *t, const struct flow_evt *e,
                        uint64_t since)
{
    memset(c, 0, sizeof(*c));
    c->evt = e;
    c->now = e->ts_us;
    c->since_us = since;
    c->hosts = t;
    c->zone_src = tzone(&e->rec.src, &c->crit_src, &c->zname_src);
    c->zone_dst = tzone(&e->rec.dst, &c->crit_dst, &c->zname_dst);
    c->src_internal = c->zone_src >= 0 || fw_ip_is_private(&e->rec.src);
    c->dst_internal = c->zone_dst >= 0 || fw_ip_is_private(&e->rec.dst);
    c->icmp_error = det_is_icmp_error(&e->rec);
    c->dst = anz_hosts_get(t, &e->rec.dst, c->now);
    c->src = anz_hosts_get(t, &e->rec.src, c->now);
    anz_host_base_roll(c->src, c->now);
    anz_host_base_roll(c->dst, c->now);
}

/* Fill params with the schema defaults (which must parse). */
static inline void tdefaults(enum anz_kind k, void *p)
{
    assert_int_equal(anz_params_defaults(k, p), 0);
}

static inline void tip_n(char *buf, size_t len, const char *prefix, unsigned n)
{
    snprintf(buf, len, "%s.%u.%u", prefix, (n >> 8) & 255, n & 255);
}

#endif
