/* analyzers/anz_host.c: host and pair tables over anz_lru, and baselines. */
#include "anz_host.h"

#include <string.h>

#include "anz_lru.h"
#include "anz_seen.h"
#include "fw_alloc.h"

#define BASE_ALPHA 0.2          /* weight of the newest interval in baselines */
#define BASE_MAX_GAP 12         /* empty intervals folded in at most */
/* Keys per generation of the first-sight memory: several per host (a host,
 * its services, its peers), at least 64k and at most 1M (32 MB at most,
 * reached only with that many distinct keys: the tables grow with use). */
#define SEEN_PER_HOST 4
#define SEEN_MIN ((size_t)1 << 16)
#define SEEN_MAX ((size_t)1 << 20)

static size_t seen_max(size_t max_hosts)
{
    size_t n = max_hosts < SEEN_MAX / SEEN_PER_HOST ? max_hosts * SEEN_PER_HOST : SEEN_MAX;

    return n < SEEN_MIN ? SEEN_MIN : n;
}

struct anz_hosts {
    struct anz_lru *hosts;
    struct anz_lru *pairs;
    struct anz_seen *seen;      /* first-sight memory that outlives evictions */
};

static void host_fini(void *data)
{
    struct anz_host *h = data;

    anz_hll_fini(&h->base.peers);
    anz_hll_fini(&h->scan.dsts);
    anz_hll_fini(&h->scan.ports);
    anz_hll_fini(&h->flood.srcs);
    anz_hll_fini(&h->flood.ports);
    anz_hll_fini(&h->amp.reflectors);
    anz_hll_fini(&h->dns.dom_names);
    anz_hll_fini(&h->lat.ports);
}

struct anz_hosts *anz_hosts_create(size_t max_hosts, size_t max_pairs)
{
    struct anz_hosts *t = fw_calloc(1, sizeof(*t));

    if (!t)
        return NULL;
    t->hosts = anz_lru_create(max_hosts ? max_hosts : 1, sizeof(struct anz_host),
                              sizeof(struct fw_ip), host_fini);
    t->pairs = anz_lru_create(max_pairs ? max_pairs : 1, sizeof(struct anz_pair),
                              sizeof(struct anz_pair_key), NULL);
    t->seen = anz_seen_create(seen_max(max_hosts));
    if (!t->hosts || !t->pairs || !t->seen) {
        anz_hosts_destroy(t);
        return NULL;
    }
    return t;
}

void anz_hosts_destroy(struct anz_hosts *t)
{
    if (!t)
        return;
    anz_lru_destroy(t->hosts);
    anz_lru_destroy(t->pairs);
    anz_seen_destroy(t->seen);
    fw_free(t);
}

/* Keys are compared with memcmp: copy only the meaningful bytes. */
static void ip_key(struct fw_ip *k, const struct fw_ip *ip)
{
    memset(k, 0, sizeof(*k));
    if (ip) {
        k->family = ip->family;
        memcpy(k->b, ip->b, ip->family == 4 ? 4 : 16);
    }
}

struct anz_host *anz_hosts_get(struct anz_hosts *t, const struct fw_ip *ip, uint64_t now)
{
    struct fw_ip k;
    struct anz_host *h;
    bool created;

    ip_key(&k, ip);
    h = anz_lru_get(t->hosts, &k, true, &created);
    if (!h)
        return NULL;
    if (created) {
        h->first_us = now;
        h->zone = -2;
    }
    if (now > h->last_us)
        h->last_us = now;
    return h;
}

const struct anz_host *anz_hosts_find(const struct anz_hosts *t, const struct fw_ip *ip)
{
    struct fw_ip k;

    ip_key(&k, ip);
    return anz_lru_find(t->hosts, &k);
}

static void pair_key(struct anz_pair_key *k, uint8_t kind, const struct fw_ip *a,
                     const struct fw_ip *b, uint16_t port)
{
    memset(k, 0, sizeof(*k));
    ip_key(&k->a, a);
    ip_key(&k->b, b);
    k->port = port;
    k->kind = kind;
}

struct anz_pair *anz_hosts_pair(struct anz_hosts *t, enum anz_pair_kind kind,
                                const struct fw_ip *a, const struct fw_ip *b, uint16_t port,
                                bool create, bool *created)
{
    struct anz_pair_key k;

    pair_key(&k, (uint8_t)kind, a, b, port);
    return anz_lru_get(t->pairs, &k, create, created);
}

bool anz_hosts_remember(struct anz_hosts *t, enum anz_memo kind, const struct fw_ip *a,
                        const struct fw_ip *b, uint16_t port)
{
    struct anz_pair_key k;

    pair_key(&k, (uint8_t)kind, a, b, port);
    return anz_seen_add(t->seen, &k, sizeof(k));
}

size_t anz_hosts_count(const struct anz_hosts *t)
{
    return anz_lru_count(t->hosts);
}

uint64_t anz_hosts_evicted(const struct anz_hosts *t)
{
    return anz_lru_evictions(t->hosts);
}

size_t anz_hosts_pair_count(const struct anz_hosts *t)
{
    return anz_lru_count(t->pairs);
}

uint64_t anz_hosts_pair_evicted(const struct anz_hosts *t)
{
    return anz_lru_evictions(t->pairs);
}

uint64_t anz_window_start(uint64_t now, uint64_t win_us)
{
    return win_us ? now - now % win_us : 0;
}

void anz_host_base_roll(struct anz_host *h, uint64_t now)
{
    struct anz_host_base *b = &h->base;
    uint64_t cur = anz_window_start(now, ANZ_BASE_INTERVAL_US);
    uint64_t gap;
    unsigned i;

    if (b->start == 0) {
        b->start = cur;
        return;
    }
    if (cur <= b->start)
        return;
    anz_ewma_add(&b->flows_b, b->flows, BASE_ALPHA);
    anz_ewma_add(&b->peers_b, (double)anz_hll_count(&b->peers), BASE_ALPHA);
    anz_ewma_add(&b->ext_b, (double)b->ext_bytes, BASE_ALPHA);
    gap = (cur - b->start) / ANZ_BASE_INTERVAL_US - 1;
    for (i = 0; i < gap && i < BASE_MAX_GAP; i++) {
        anz_ewma_add(&b->flows_b, 0, BASE_ALPHA);
        anz_ewma_add(&b->peers_b, 0, BASE_ALPHA);
        anz_ewma_add(&b->ext_b, 0, BASE_ALPHA);
    }
    b->start = cur;
    b->flows = 0;
    b->ext_bytes = 0;
    anz_hll_reset(&b->peers);
}
