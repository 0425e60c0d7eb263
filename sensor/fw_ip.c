/* sensor/fw_ip.c: address and prefix helpers. */
#include "fw_ip.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw_err.h"

void fw_ip_set4(struct fw_ip *ip, const uint8_t b[4])
{
    memset(ip, 0, sizeof(*ip));
    ip->family = 4;
    memcpy(ip->b, b, 4);
}

void fw_ip_set6(struct fw_ip *ip, const uint8_t b[16])
{
    ip->family = 6;
    memcpy(ip->b, b, 16);
}

int fw_ip_parse(const char *s, struct fw_ip *ip)
{
    uint8_t b[16];

    if (!s)
        return FW_EINVAL;
    if (inet_pton(AF_INET, s, b) == 1) {
        fw_ip_set4(ip, b);
        return 0;
    }
    if (inet_pton(AF_INET6, s, b) == 1) {
        fw_ip_set6(ip, b);
        return 0;
    }
    return FW_EINVAL;
}

/* Dotted quad without inet_ntop's sprintf: every record formats two addresses. */
static void ip4_str(const uint8_t *b, char *p)
{
    for (int i = 0; i < 4; i++) {
        unsigned v = b[i];

        if (v >= 100)
            *p++ = (char)('0' + v / 100);
        if (v >= 10)
            *p++ = (char)('0' + v / 10 % 10);
        *p++ = (char)('0' + v % 10);
        *p++ = i < 3 ? '.' : '\0';
    }
}

char *fw_ip_str(const struct fw_ip *ip, char *buf, size_t len)
{
    if (!len)
        return buf;
    buf[0] = '\0';
    if (ip->family == 4 && len >= 16)
        ip4_str(ip->b, buf);
    else if (ip->family == 4)
        inet_ntop(AF_INET, ip->b, buf, (socklen_t)len);
    else if (ip->family == 6)
        inet_ntop(AF_INET6, ip->b, buf, (socklen_t)len);
    return buf;
}

int fw_ip_cmp(const struct fw_ip *a, const struct fw_ip *b)
{
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    return memcmp(a->b, b->b, a->family == 4 ? 4 : 16);
}

bool fw_ip_equal(const struct fw_ip *a, const struct fw_ip *b)
{
    return fw_ip_cmp(a, b) == 0;
}

bool fw_ip_is_private(const struct fw_ip *ip)
{
    const uint8_t *b = ip->b;

    if (ip->family == 4)
        return b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
               (b[0] == 192 && b[1] == 168) || b[0] == 127 ||
               (b[0] == 169 && b[1] == 254) || (b[0] == 100 && (b[1] & 0xc0) == 64);
    if (ip->family == 6) {
        static const uint8_t loop[16] = {[15] = 1};
        return (b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||
               memcmp(b, loop, 16) == 0;
    }
    return false;
}

static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned plen)
{
    unsigned full = plen / 8, rem = plen % 8;

    if (memcmp(a, b, full) != 0)
        return false;
    if (rem) {
        uint8_t mask = (uint8_t)(0xff << (8 - rem));
        return (a[full] & mask) == (b[full] & mask);
    }
    return true;
}

int fw_cidr_parse(const char *s, struct fw_cidr *c)
{
    char addr[FW_IP_STRLEN + 1];
    const char *slash;
    unsigned maxlen;
    size_t alen;

    if (!s)
        return FW_EINVAL;
    slash = strchr(s, '/');
    alen = slash ? (size_t)(slash - s) : strlen(s);
    if (alen == 0 || alen > FW_IP_STRLEN)
        return FW_EINVAL;
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    if (fw_ip_parse(addr, &c->ip) < 0)
        return FW_EINVAL;
    maxlen = c->ip.family == 4 ? 32 : 128;
    c->plen = (uint8_t)maxlen;
    if (slash) {
        char *end;
        unsigned long v;

        if (slash[1] < '0' || slash[1] > '9')
            return FW_EINVAL;
        v = strtoul(slash + 1, &end, 10);
        if (*end != '\0' || v > maxlen)
            return FW_EINVAL;
        c->plen = (uint8_t)v;
    }
    /* Host bits set below the prefix: refuse rather than guess. */
    {
        struct fw_ip masked = c->ip;
        unsigned i;

        for (i = 0; i < maxlen / 8; i++) {
            unsigned bit = i * 8;
            if (bit >= c->plen)
                masked.b[i] = 0;
            else if (bit + 8 > c->plen)
                masked.b[i] &= (uint8_t)(0xff << (8 - (c->plen - bit)));
        }
        if (memcmp(masked.b, c->ip.b, 16) != 0)
            return FW_EINVAL;
    }
    return 0;
}

bool fw_cidr_contains(const struct fw_cidr *c, const struct fw_ip *ip)
{
    if (c->ip.family != ip->family)
        return false;
    return prefix_match(c->ip.b, ip->b, c->plen);
}

bool fw_cidr_overlap(const struct fw_cidr *a, const struct fw_cidr *b)
{
    if (a->ip.family != b->ip.family)
        return false;
    return prefix_match(a->ip.b, b->ip.b, a->plen < b->plen ? a->plen : b->plen);
}

char *fw_cidr_str(const struct fw_cidr *c, char *buf, size_t len)
{
    char ip[FW_IP_STRLEN];

    snprintf(buf, len, "%s/%u", fw_ip_str(&c->ip, ip, sizeof(ip)), c->plen);
    return buf;
}
