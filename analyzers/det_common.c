/* analyzers/det_common.c: helpers shared by the detectors. */
#include "det_common.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <xxhash.h>

uint64_t det_key(const char *tag, const void *a, size_t alen, const void *b, size_t blen)
{
    uint64_t h = XXH3_64bits(tag, strlen(tag));

    if (a && alen)
        h = XXH3_64bits_withSeed(a, alen, h);
    if (b && blen)
        h = XXH3_64bits_withSeed(b, blen, h);
    return h;
}

bool det_hit_wanted(const struct det_ctx *c, uint64_t key, uint64_t window_us)
{
    return !c->wanted || c->wanted(c, key, window_us);
}

void det_hit_init(struct det_hit *hit, const struct det_ctx *c, enum anz_blame blame,
                  uint64_t window_us)
{
    const struct flow_rec *r = &c->evt->rec;

    memset(hit, 0, sizeof(*hit));
    hit->blame = (uint8_t)blame;
    hit->window_us = window_us;
    hit->src = r->src;
    hit->dst = r->dst;
    hit->sport = r->sport;
    hit->dport = r->dport;
    hit->proto = r->proto;
    hit->crit = c->crit_src > c->crit_dst ? c->crit_src : c->crit_dst;
    memcpy(hit->evidence, "{}", 3);
}

void det_hit_evidence(struct det_hit *hit, const struct fw_buf *b)
{
    if (b->failed || !b->data || b->len >= sizeof(hit->evidence)) {
        memcpy(hit->evidence, "{}", 3);
        return;
    }
    memcpy(hit->evidence, b->data, b->len);
    hit->evidence[b->len] = '\0';
}

const char *det_ip(const struct fw_ip *ip, int slot)
{
    static char bufs[4][FW_IP_STRLEN];
    char *buf = bufs[slot & 3];

    if (!ip || ip->family == 0) {
        memcpy(buf, "-", 2);
        return buf;
    }
    return fw_ip_str(ip, buf, FW_IP_STRLEN);
}

const char *det_proto_name(uint8_t proto)
{
    switch (proto) {
    case 1:
        return "icmp";
    case 6:
        return "tcp";
    case 17:
        return "udp";
    case 58:
        return "ipv6-icmp";
    case 132:
        return "sctp";
    default:
        return "ip";
    }
}

bool det_ports_has(const struct det_ports *p, uint16_t port)
{
    uint16_t i;

    for (i = 0; i < p->n; i++)
        if (p->v[i] == port)
            return true;
    return false;
}

bool det_strs_has(const struct det_strs *s, const char *v)
{
    uint16_t i;

    for (i = 0; i < s->n; i++)
        if (strcasecmp(s->v[i], v) == 0)
            return true;
    return false;
}

bool det_app_in(const struct det_strs *s, const char *ndpi_proto)
{
    const char *dot = strchr(ndpi_proto, '.');
    char master[48];
    size_t n;

    if (det_strs_has(s, ndpi_proto))
        return true;
    if (!dot)
        return false;
    if (det_strs_has(s, dot + 1))
        return true;
    n = (size_t)(dot - ndpi_proto);
    if (n >= sizeof(master))
        return false;
    memcpy(master, ndpi_proto, n);
    master[n] = '\0';
    return det_strs_has(s, master);
}

bool det_is_icmp(uint8_t proto)
{
    return proto == 1 || proto == 58;
}

bool det_is_icmp_error(const struct flow_rec *r)
{
    uint16_t type = r->sport;   /* ICMP type and code travel as the ports */

    if (r->proto == 1)
        return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
    if (r->proto == 58)
        return type >= 1 && type <= 4;
    return false;
}

uint64_t det_secs(uint64_t us)
{
    return us / 1000000ull;
}
