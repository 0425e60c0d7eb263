/* sensor/flow_community.c: Community ID v1, following the spec's reference code
 * (https://github.com/corelight/community-id-spec, community-id.py).
 *
 * Hashed bytes, all big-endian:
 *   seed(2) | addr1(4|16) | addr2(4|16) | proto(1) | 0(1) | port1(2) | port2(2)
 * where (addr1, port1) is the smaller endpoint, except for one-way ICMP types,
 * which keep the packet's order. Ports are left out for protocols without them.
 */
#include "flow_community.h"

#include <stdbool.h>
#include <string.h>

#include <gcrypt.h>

#include "fw_err.h"

#define CID_PROTO_ICMP 1
#define CID_PROTO_TCP 6
#define CID_PROTO_UDP 17
#define CID_PROTO_ICMP6 58
#define CID_PROTO_SCTP 132
#define CID_SHA1_LEN 20

static bool cid_ready;

void flow_community_init(void)
{
    if (cid_ready)
        return;
    gcry_check_version(NULL);       /* required once before any other gcry call */
    gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
    cid_ready = true;
}

/* The ICMP "port" pairs of the spec: a request maps to its reply and back.
 * Returns true and sets *peer when the type has a counterpart. */
static bool cid_icmp4_peer(uint16_t type, uint16_t *peer)
{
    switch (type) {
    case 8:  *peer = 0;  return true;     /* echo -> echo reply */
    case 0:  *peer = 8;  return true;
    case 13: *peer = 14; return true;     /* timestamp */
    case 14: *peer = 13; return true;
    case 15: *peer = 16; return true;     /* information */
    case 16: *peer = 15; return true;
    case 10: *peer = 9;  return true;     /* router solicitation -> advertisement */
    case 9:  *peer = 10; return true;
    case 17: *peer = 18; return true;     /* address mask */
    case 18: *peer = 17; return true;
    default: return false;
    }
}

static bool cid_icmp6_peer(uint16_t type, uint16_t *peer)
{
    switch (type) {
    case 128: *peer = 129; return true;   /* echo */
    case 129: *peer = 128; return true;
    case 133: *peer = 134; return true;   /* router solicitation/advertisement */
    case 134: *peer = 133; return true;
    case 135: *peer = 136; return true;   /* neighbour solicitation/advertisement */
    case 136: *peer = 135; return true;
    case 130: *peer = 131; return true;   /* multicast listener query/report */
    case 131: *peer = 130; return true;
    case 139: *peer = 140; return true;   /* node information query/response */
    case 140: *peer = 139; return true;
    case 144: *peer = 145; return true;   /* home agent address discovery */
    case 145: *peer = 144; return true;
    default: return false;
    }
}

static bool cid_has_ports(uint8_t proto)
{
    return proto == CID_PROTO_TCP || proto == CID_PROTO_UDP || proto == CID_PROTO_SCTP ||
           proto == CID_PROTO_ICMP || proto == CID_PROTO_ICMP6;
}

static void cid_base64(const uint8_t *in, size_t len, char *out)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, o = 0;

    for (i = 0; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = tab[v >> 18 & 63];
        out[o++] = tab[v >> 12 & 63];
        out[o++] = tab[v >> 6 & 63];
        out[o++] = tab[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = tab[v >> 18 & 63];
        out[o++] = tab[v >> 12 & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = tab[v >> 18 & 63];
        out[o++] = tab[v >> 12 & 63];
        out[o++] = tab[v >> 6 & 63];
        out[o++] = '=';
    }
    out[o] = '\0';
}

/* Map ICMP type/code to the spec's port pair; returns true for one-way types. */
static bool cid_icmp_ports(uint8_t proto, uint16_t *sport, uint16_t *dport)
{
    uint16_t peer;
    bool two_way = proto == CID_PROTO_ICMP ? cid_icmp4_peer(*sport, &peer)
                                           : cid_icmp6_peer(*sport, &peer);

    if (two_way)
        *dport = peer;
    return !two_way;                /* one-way: port2 stays the code */
}

int flow_community_id(const struct fw_ip *src, const struct fw_ip *dst, uint16_t sport,
                      uint16_t dport, uint8_t proto, uint16_t seed, char *out, size_t outlen)
{
    uint8_t buf[2 + 16 + 16 + 2 + 4], digest[CID_SHA1_LEN];
    size_t alen, n = 0;
    bool one_way = false;
    int c;

    if (outlen < FLOW_COMMUNITY_LEN || src->family != dst->family ||
        (src->family != 4 && src->family != 6))
        return FW_EINVAL;
    flow_community_init();
    alen = src->family == 4 ? 4 : 16;
    if (proto == CID_PROTO_ICMP || proto == CID_PROTO_ICMP6)
        one_way = cid_icmp_ports(proto, &sport, &dport);
    c = memcmp(src->b, dst->b, alen);
    if (!(one_way || c < 0 || (c == 0 && sport <= dport))) {
        const struct fw_ip *t = src;
        uint16_t tp = sport;
        src = dst, dst = t, sport = dport, dport = tp;
    }
    buf[n++] = (uint8_t)(seed >> 8);
    buf[n++] = (uint8_t)seed;
    memcpy(buf + n, src->b, alen), n += alen;
    memcpy(buf + n, dst->b, alen), n += alen;
    buf[n++] = proto;
    buf[n++] = 0;
    if (cid_has_ports(proto)) {
        buf[n++] = (uint8_t)(sport >> 8), buf[n++] = (uint8_t)sport;
        buf[n++] = (uint8_t)(dport >> 8), buf[n++] = (uint8_t)dport;
    }
    gcry_md_hash_buffer(GCRY_MD_SHA1, digest, buf, n);
    out[0] = '1', out[1] = ':';
    cid_base64(digest, sizeof(digest), out + 2);
    return 0;
}

const char *flow_rec_community_id(const struct flow_rec *r, char *buf, size_t len)
{
    if (r->community_id[0])
        return r->community_id;
    if (len == 0)
        return "";
    if (flow_community_id(&r->src, &r->dst, r->sport, r->dport, r->proto, 0, buf, len) < 0)
        buf[0] = '\0';
    return buf;
}
