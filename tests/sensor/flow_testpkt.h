/* tests/sensor/flow_testpkt.h: hand-built IPv4 TCP/UDP packets as struct pkt,
 * for the flow, nDPI and worker tests (what pkt_decode would hand over). */
#ifndef FLOW_TESTPKT_H
#define FLOW_TESTPKT_H

#include <stdint.h>
#include <string.h>

#include "fw_ip.h"
#include "pkt_types.h"

struct tpkt {
    uint8_t buf[1600];
    struct pkt p;
};

static inline void tp_put16(uint8_t *b, uint16_t v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

static inline void tp_ip_csum(uint8_t *ip)
{
    uint32_t sum = 0;
    int i;

    for (i = 0; i < 20; i += 2)
        sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    tp_put16(ip + 10, (uint16_t)~sum);
}

/* IPv4 + TCP (20-byte header, given flags) or UDP, then len payload bytes. */
static inline struct pkt *tp_build(struct tpkt *t, const char *src, uint16_t sport,
                                   const char *dst, uint16_t dport, uint8_t proto,
                                   uint8_t flags, const void *payload, size_t len, uint64_t ts)
{
    uint8_t *ip = t->buf;
    uint32_t l4len = proto == 6 ? 20 : 8;
    uint32_t total = 20 + l4len + (uint32_t)len;

    memset(t, 0, sizeof(*t));
    fw_ip_parse(src, &t->p.src);
    fw_ip_parse(dst, &t->p.dst);
    ip[0] = 0x45;
    tp_put16(ip + 2, (uint16_t)total);
    tp_put16(ip + 4, 0x1234);
    tp_put16(ip + 6, 0x4000);           /* DF */
    ip[8] = 64;
    ip[9] = proto;
    memcpy(ip + 12, t->p.src.b, 4);
    memcpy(ip + 16, t->p.dst.b, 4);
    tp_ip_csum(ip);
    tp_put16(ip + 20, sport);
    tp_put16(ip + 22, dport);
    if (proto == 6) {
        tp_put16(ip + 24, 0x0001);      /* seq */
        ip[32] = 5 << 4;                /* data offset */
        ip[33] = flags;
        tp_put16(ip + 34, 65535);       /* window */
    } else {
        tp_put16(ip + 24, (uint16_t)(8 + len));
    }
    memcpy(ip + 20 + l4len, payload, len);
    t->p.ts_us = ts;
    t->p.wire_len = total + 14;
    t->p.ip = ip;
    t->p.ip_len = total;
    t->p.l4_off = 20;
    t->p.payload_off = 20 + l4len;
    t->p.payload_len = (uint32_t)len;
    t->p.sport = sport;
    t->p.dport = dport;
    t->p.proto = proto;
    t->p.ip_version = 4;
    t->p.tcp_flags = proto == 6 ? flags : 0;
    t->p.ttl = 64;
    return &t->p;
}

/* DNS query for www.example.com IN A (id 0x1234, RD). */
static const uint8_t tp_dns_query[] = {
    0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
    0x00, 0x01, 0x00, 0x01,
};

/* Its answer: one A record 93.184.216.34, TTL 300, name by pointer to 0x0c. */
static const uint8_t tp_dns_answer[] = {
    0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
    0x00, 0x01, 0x00, 0x01,
    0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04,
    93, 184, 216, 34,
};

static const char tp_http_get[] =
    "GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: curl/7.88.1\r\n"
    "Accept: */*\r\n\r\n";

static const char tp_http_resp[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello";

#endif
