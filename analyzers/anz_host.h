/* analyzers/anz_host.h: per-host and per-pair behaviour state.
 *
 * The host table (bounded by cfg->hosts_max, LRU eviction counted) holds what
 * every detector remembers about one address: tumbling-window counters and
 * distinct counters (anz_hll) per role (scanner, flood victim, DNS client...),
 * EWMA baselines per 5-minute interval (flows, peers, bytes to external). The
 * pair table (bounded too) holds state keyed by two addresses and a port:
 * beacon inter-arrival statistics, brute-force session counts, the "has spoken
 * to" memory of lateral movement and the known services of new_asset.
 * Owned by the analyzer engine; the detectors (det_*.c) read and update the
 * entries they are handed. One thread (the analyzer stage).
 */
#ifndef ANZ_HOST_H
#define ANZ_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anz_ewma.h"
#include "anz_hll.h"
#include "fw_ip.h"

#define ANZ_BASE_INTERVAL_US (300ull * 1000000ull)   /* baseline interval: 5 min */

struct anz_host_scan {          /* as a source of failed connection attempts */
    uint64_t win;               /* window start */
    uint32_t attempts;          /* flows started in the window */
    uint32_t failed;            /* unanswered, refused (RST) or unreplied UDP */
    struct anz_hll dsts;        /* distinct hosts among failed attempts */
    struct anz_hll ports;       /* distinct ports among failed attempts */
    uint16_t top_port;          /* Misra-Gries candidate port and its weight */
    uint32_t top_port_w;
    struct fw_ip top_dst;       /* Misra-Gries candidate host */
    uint32_t top_dst_w;
};

struct anz_host_flood {         /* as a victim */
    uint64_t win;
    uint32_t syn, udp, icmp;    /* inbound flow starts by kind */
    uint32_t answered;          /* inbound flows the host answered (classified) */
    struct anz_hll srcs;        /* distinct sources (spoofed floods: many) */
    struct anz_hll ports;       /* distinct destination ports */
    uint16_t top_port;
};

struct anz_host_amp {           /* as an amplification victim */
    uint64_t win;
    uint64_t resp_bytes;        /* bytes from reflector service ports */
    uint64_t req_bytes;         /* bytes towards them */
    uint32_t flows;
    struct anz_hll reflectors;
    uint16_t top_sport;
};

struct anz_host_dns {           /* as a DNS client */
    uint64_t win;
    uint32_t queries;
    uint64_t dom;               /* Misra-Gries candidate registered domain (hash) */
    uint32_t dom_w;
    char dom_name[64];          /* its text, for the reason */
    uint32_t dom_queries;       /* queries under dom since it became candidate */
    uint32_t dom_long;          /* ... with a long label */
    uint32_t dom_entropic;      /* ... with a high-entropy subdomain */
    uint32_t dom_txt;           /* ... of type TXT or NULL */
    uint64_t dom_bytes;         /* ... DNS bytes */
    struct anz_hll dom_names;   /* distinct names under dom */
};

struct anz_host_lateral {       /* as a source of admin-protocol connections */
    uint64_t win;
    uint32_t new_peers;         /* internal hosts never contacted before */
    struct anz_hll ports;
    uint16_t top_port;
};

struct anz_host_base {          /* baselines per ANZ_BASE_INTERVAL_US */
    uint64_t start;             /* current interval start */
    uint32_t flows;             /* flows started this interval */
    uint64_t ext_bytes;         /* bytes sent to external this interval */
    struct anz_hll peers;       /* distinct peers this interval */
    struct anz_ewma flows_b, peers_b, ext_b;
};

struct anz_host {
    struct fw_ip ip;            /* key: must stay the first member */
    int16_t zone;
    bool asset_seen;            /* took part in an answered flow (new_asset) */
    uint64_t first_us, last_us;
    struct anz_host_base base;
    struct anz_host_scan scan;
    struct anz_host_flood flood;
    struct anz_host_amp amp;
    struct anz_host_dns dns;
    struct anz_host_lateral lat;
};

enum anz_pair_kind {
    ANZ_PAIR_BEACON = 0,        /* (src, dst, dport): flow start inter-arrivals */
    ANZ_PAIR_BRUTE,             /* (src, dst, dport): short auth sessions */
    ANZ_PAIR_SEEN,              /* (src, dst, 0): they have spoken (lateral) */
    ANZ_PAIR_SERVICE,           /* (host, -, port): a service answered (new_asset) */
};

struct anz_pair_key {
    struct fw_ip a, b;
    uint16_t port;
    uint8_t kind;               /* enum anz_pair_kind */
    uint8_t pad;                /* zero: keys are compared with memcmp */
};

struct anz_pair {
    struct anz_pair_key key;    /* must stay the first member */
    uint64_t first_us;
    uint64_t last_us;           /* last flow start (beacon) */
    uint64_t win;               /* window start (brute force) */
    uint32_t count;             /* sessions in window (brute) / intervals (beacon) */
    double mean, m2;            /* Welford over intervals (beacon) */
    uint32_t starts;            /* flow starts seen (beacon) */
};

/* Keys remembered beyond the eviction of their host or pair entry. */
enum anz_memo {
    ANZ_MEMO_ASSET = 1,         /* (host): took part in an answered flow (new_asset) */
    ANZ_MEMO_SERVICE,           /* (host, port): a service answered (new_asset) */
    ANZ_MEMO_PEERS,             /* (src, dst): they have spoken (lateral) */
};

struct anz_hosts;

/* Host and pair tables, bounded by max_hosts and max_pairs, and the memory of
 * keys seen (anz_seen.h: two generations of 4 x max_hosts keys, at least 64k
 * and at most 1M each, 8 bytes a key). NULL on failure. */
struct anz_hosts *anz_hosts_create(size_t max_hosts, size_t max_pairs);
void anz_hosts_destroy(struct anz_hosts *t);
/* The host entry of ip, created (zeroed, first_us = now) when absent; touches
 * last_us. NULL only on allocation failure. Valid until the next create call. */
struct anz_host *anz_hosts_get(struct anz_hosts *t, const struct fw_ip *ip, uint64_t now);
const struct anz_host *anz_hosts_find(const struct anz_hosts *t, const struct fw_ip *ip);
/* The pair entry, created when absent and create is set (*created tells). */
struct anz_pair *anz_hosts_pair(struct anz_hosts *t, enum anz_pair_kind kind,
                                const struct fw_ip *a, const struct fw_ip *b, uint16_t port,
                                bool create, bool *created);
/* Has this key been seen before, even when its host or pair entry has been
 * evicted since? Records it. b may be NULL. The first-sight detectors ask
 * this when their entry is created, so an evicted host that comes back is
 * not "new" again. */
bool anz_hosts_remember(struct anz_hosts *t, enum anz_memo kind, const struct fw_ip *a,
                        const struct fw_ip *b, uint16_t port);
size_t anz_hosts_count(const struct anz_hosts *t);
uint64_t anz_hosts_evicted(const struct anz_hosts *t);
size_t anz_hosts_pair_count(const struct anz_hosts *t);
uint64_t anz_hosts_pair_evicted(const struct anz_hosts *t);

/* Close the baseline interval when now left it (folding in the finished one and
 * any empty intervals in between, up to 12). */
void anz_host_base_roll(struct anz_host *h, uint64_t now);
/* Start of the tumbling window of length win_us containing now (aligned to the
 * epoch so windows, and the alert ids derived from them, are stable). */
uint64_t anz_window_start(uint64_t now, uint64_t win_us);

#endif
