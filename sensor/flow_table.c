/* sensor/flow_table.c: chained hash index over chunked entry storage, three
 * LRU lists, and per-flow metadata blobs. See flow_table.h for the contract.
 *
 * Entries are addressed by a 32-bit index: chunk = idx / FLOW_CHUNK. Chunks are
 * allocated the first time the table grows into them and kept until destroy,
 * so a steady-state worker never allocates per packet. Freed slots go on a
 * free list threaded through hnext.
 */
#include "flow_table.h"

#include <string.h>

#include "fw_alloc.h"
#include "fw_err.h"

#define FLOW_CHUNK_SHIFT 10
#define FLOW_CHUNK (1u << FLOW_CHUNK_SHIFT)
#define FLOW_MAX_ENTRIES (UINT32_MAX - 1u)
#define FLOW_PROTO_ICMP 1
#define FLOW_PROTO_ICMP6 58

#define FLOW_BUCKETS_MIN 1024

struct flow_meta {
    uint16_t used, cap;             /* bytes in data[] */
    uint8_t data[];                 /* records: tag(1) len(1) value(len) */
};

struct flow_lru_list {
    uint32_t head, tail;            /* head = oldest */
};

struct flow_table {
    uint32_t *buckets;              /* hash chains; FLOW_NIL = empty */
    uint32_t mask;                  /* nbuckets - 1; grows with count */
    uint32_t max_mask;              /* mask that flows_max needs */
    struct flow_entry **chunks;
    uint32_t nchunks_max, nchunks;
    uint32_t max;                   /* entries allowed */
    uint32_t next_unused;           /* first never-used index */
    uint32_t free_head;             /* recycled slots */
    uint64_t count;
    uint64_t meta_bytes;
    struct flow_lru_list lru[FLOW_LRU_N];
};

static struct flow_entry *ft_at(const struct flow_table *t, uint32_t idx)
{
    return &t->chunks[idx >> FLOW_CHUNK_SHIFT][idx & (FLOW_CHUNK - 1)];
}

struct flow_table *flow_table_create(uint64_t flows_max)
{
    struct flow_table *t;
    uint64_t nb = 16;
    uint32_t i;

    if (flows_max == 0 || flows_max > FLOW_MAX_ENTRIES)
        return NULL;
    t = fw_calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    while (nb < flows_max)
        nb <<= 1;
    t->max_mask = (uint32_t)(nb - 1);
    /* Start small and double with the flow count: a bucket array sized for a
     * million flows is 4 MB of cache misses on a link that carries a few
     * thousand. */
    if (nb > FLOW_BUCKETS_MIN)
        nb = FLOW_BUCKETS_MIN;
    t->mask = (uint32_t)(nb - 1);
    t->max = (uint32_t)flows_max;
    t->nchunks_max = (uint32_t)((flows_max + FLOW_CHUNK - 1) / FLOW_CHUNK);
    t->buckets = fw_calloc(nb, sizeof(*t->buckets));
    t->chunks = fw_calloc(t->nchunks_max, sizeof(*t->chunks));
    if (!t->buckets || !t->chunks)
        goto out_free;
    for (i = 0; i <= t->mask; i++)
        t->buckets[i] = FLOW_NIL;
    for (i = 0; i < FLOW_LRU_N; i++)
        t->lru[i].head = t->lru[i].tail = FLOW_NIL;
    t->free_head = FLOW_NIL;
    return t;

out_free:
    flow_table_destroy(t);
    return NULL;
}

void flow_table_destroy(struct flow_table *t)
{
    uint32_t c, i;

    if (!t)
        return;
    for (c = 0; c < t->nchunks; c++) {
        for (i = 0; i < FLOW_CHUNK; i++)
            fw_free(t->chunks[c][i].meta);
        fw_free(t->chunks[c]);
    }
    fw_free(t->chunks);
    fw_free(t->buckets);
    fw_free(t);
}

/* ---- keys ---------------------------------------------------------------- */

/* ICMP flows are keyed without type/code so a request and its reply share a
 * flow, as in ndpiReader; the first packet's type/code stays in sport/dport. */
static bool ft_portless(uint8_t proto)
{
    return proto == FLOW_PROTO_ICMP || proto == FLOW_PROTO_ICMP6;
}

static uint64_t ft_mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h;
}

static uint64_t ft_addr_word(const struct fw_ip *ip, int half)
{
    uint64_t v;

    memcpy(&v, ip->b + half * 8, sizeof(v));
    return v;
}

uint32_t flow_table_hash(const struct pkt *p)
{
    uint64_t a0 = ft_addr_word(&p->src, 0), a1 = ft_addr_word(&p->src, 1);
    uint64_t b0 = ft_addr_word(&p->dst, 0), b1 = ft_addr_word(&p->dst, 1);
    uint32_t sp = ft_portless(p->proto) ? 0 : p->sport, dp = ft_portless(p->proto) ? 0 : p->dport;
    uint64_t h = (uint64_t)p->proto << 32 | (uint64_t)(p->has_vlan ? p->vlan : 0xffff);

    /* sum and xor are symmetric in the two endpoints */
    h = ft_mix(h, (a0 + b0) ^ ((a1 + b1) << 1));
    h = ft_mix(h, (a0 ^ b0) + (a1 ^ b1));
    h = ft_mix(h, (uint64_t)(sp + dp) << 16 | (sp ^ dp));
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (uint32_t)h;
}

static bool ft_endpoint_eq(const struct fw_ip *a, uint16_t ap, const struct fw_ip *b, uint16_t bp)
{
    return ap == bp && a->family == b->family && memcmp(a->b, b->b, 16) == 0;
}

/* Does e hold p's flow? Sets *from_src. */
static bool ft_match(const struct flow_entry *e, const struct pkt *p, bool *from_src)
{
    bool nop = ft_portless(p->proto);
    uint16_t es = nop ? 0 : e->sport, ed = nop ? 0 : e->dport;
    uint16_t ps = nop ? 0 : p->sport, pd = nop ? 0 : p->dport;

    if (e->proto != p->proto || e->has_vlan != p->has_vlan ||
        (p->has_vlan && e->vlan != p->vlan))
        return false;
    if (ft_endpoint_eq(&e->src, es, &p->src, ps) && ft_endpoint_eq(&e->dst, ed, &p->dst, pd)) {
        *from_src = true;
        return true;
    }
    if (ft_endpoint_eq(&e->src, es, &p->dst, pd) && ft_endpoint_eq(&e->dst, ed, &p->src, ps)) {
        *from_src = false;
        return true;
    }
    return false;
}

struct flow_entry *flow_table_lookup(struct flow_table *t, const struct pkt *p, uint32_t hash,
                                     bool *from_src)
{
    uint32_t idx = t->buckets[hash & t->mask];

    while (idx != FLOW_NIL) {
        struct flow_entry *e = ft_at(t, idx);
        if (e->hash == hash && ft_match(e, p, from_src))
            return e;
        idx = e->hnext;
    }
    return NULL;
}

/* ---- LRU lists ----------------------------------------------------------- */

static void ft_lru_unlink(struct flow_table *t, struct flow_entry *e)
{
    struct flow_lru_list *l = &t->lru[e->lru];

    if (e->lru_prev != FLOW_NIL)
        ft_at(t, e->lru_prev)->lru_next = e->lru_next;
    else
        l->head = e->lru_next;
    if (e->lru_next != FLOW_NIL)
        ft_at(t, e->lru_next)->lru_prev = e->lru_prev;
    else
        l->tail = e->lru_prev;
    e->lru_prev = e->lru_next = FLOW_NIL;
}

static void ft_lru_append(struct flow_table *t, struct flow_entry *e, uint32_t idx,
                          enum flow_lru lru)
{
    struct flow_lru_list *l = &t->lru[lru];

    e->lru = (uint8_t)lru;
    e->lru_next = FLOW_NIL;
    e->lru_prev = l->tail;
    if (l->tail != FLOW_NIL)
        ft_at(t, l->tail)->lru_next = idx;
    else
        l->head = idx;
    l->tail = idx;
}

void flow_table_touch(struct flow_table *t, struct flow_entry *e, enum flow_lru lru)
{
    if (e->lru == lru && e->lru_next == FLOW_NIL)
        return;                     /* already the newest of its list */
    ft_lru_unlink(t, e);
    ft_lru_append(t, e, e->self, lru);
}

struct flow_entry *flow_table_oldest(struct flow_table *t, enum flow_lru lru)
{
    uint32_t idx = t->lru[lru].head;

    return idx == FLOW_NIL ? NULL : ft_at(t, idx);
}

struct flow_entry *flow_table_oldest_any(struct flow_table *t)
{
    struct flow_entry *best = NULL;
    int i;

    for (i = 0; i < FLOW_LRU_N; i++) {
        struct flow_entry *e = flow_table_oldest(t, (enum flow_lru)i);
        if (e && (!best || e->ts_last_us < best->ts_last_us))
            best = e;
    }
    return best;
}

/* ---- insert / remove ----------------------------------------------------- */

/* A free slot index, allocating the next chunk when needed; FLOW_NIL if none. */
static uint32_t ft_slot_get(struct flow_table *t)
{
    uint32_t idx = t->free_head;

    if (idx != FLOW_NIL) {
        t->free_head = ft_at(t, idx)->hnext;
        return idx;
    }
    if (t->next_unused >= t->max)
        return FLOW_NIL;
    if ((t->next_unused >> FLOW_CHUNK_SHIFT) >= t->nchunks) {
        struct flow_entry *c = fw_calloc(FLOW_CHUNK, sizeof(*c));
        if (!c)
            return FLOW_NIL;
        t->chunks[t->nchunks++] = c;
    }
    return t->next_unused++;
}

/* Double the bucket array once flows outnumber buckets (up to max_mask). On
 * allocation failure the table keeps its size and chains get longer. */
static void ft_grow(struct flow_table *t)
{
    uint32_t nmask = t->mask * 2 + 1, i, idx, next, *nb;

    if (t->count <= t->mask || t->mask >= t->max_mask)
        return;
    nb = fw_malloc(((size_t)nmask + 1) * sizeof(*nb));
    if (!nb)
        return;
    for (i = 0; i <= nmask; i++)
        nb[i] = FLOW_NIL;
    for (i = 0; i <= t->mask; i++) {
        for (idx = t->buckets[i]; idx != FLOW_NIL; idx = next) {
            struct flow_entry *e = ft_at(t, idx);

            next = e->hnext;
            e->hnext = nb[e->hash & nmask];
            nb[e->hash & nmask] = idx;
        }
    }
    fw_free(t->buckets);
    t->buckets = nb;
    t->mask = nmask;
}

struct flow_entry *flow_table_insert(struct flow_table *t, const struct pkt *p, uint32_t hash)
{
    uint32_t idx = ft_slot_get(t);
    struct flow_entry *e;

    if (idx == FLOW_NIL)
        return NULL;
    ft_grow(t);
    e = ft_at(t, idx);
    memset(e, 0, sizeof(*e));
    e->src = p->src;
    e->dst = p->dst;
    e->sport = p->sport;
    e->dport = p->dport;
    e->proto = p->proto;
    e->has_vlan = p->has_vlan;
    e->vlan = p->has_vlan ? p->vlan : 0;
    e->ts_start_us = e->ts_last_us = p->ts_us;
    e->hash = hash;
    e->self = idx;
    e->in_use = 1;
    e->hnext = t->buckets[hash & t->mask];
    t->buckets[hash & t->mask] = idx;
    ft_lru_append(t, e, idx, p->proto == 6 ? FLOW_LRU_TCP : FLOW_LRU_UDP);
    t->count++;
    return e;
}

void flow_table_remove(struct flow_table *t, struct flow_entry *e)
{
    uint32_t idx = e->self, *link = &t->buckets[e->hash & t->mask];

    if (!e->in_use)
        return;
    while (*link != FLOW_NIL && *link != idx)
        link = &ft_at(t, *link)->hnext;
    if (*link == idx)
        *link = e->hnext;
    ft_lru_unlink(t, e);
    if (e->meta) {
        t->meta_bytes -= sizeof(*e->meta) + e->meta->cap;
        fw_free(e->meta);
    }
    memset(e, 0, sizeof(*e));
    e->hnext = t->free_head;
    t->free_head = idx;
    t->count--;
}

uint64_t flow_table_count(const struct flow_table *t)
{
    return t->count;
}

uint64_t flow_table_capacity(const struct flow_table *t)
{
    return t->max;
}

uint64_t flow_table_mem(const struct flow_table *t)
{
    return (uint64_t)(t->mask + 1) * sizeof(*t->buckets) +
           (uint64_t)t->nchunks_max * sizeof(*t->chunks) +
           (uint64_t)t->nchunks * FLOW_CHUNK * sizeof(struct flow_entry) + t->meta_bytes +
           sizeof(*t);
}

/* ---- metadata blobs ------------------------------------------------------ */

/* Offset of tag's record in m, or -1. */
static int ft_meta_find(const struct flow_meta *m, enum flow_meta_tag tag)
{
    uint32_t off = 0;

    while (m && off + 2 <= m->used) {
        if (m->data[off] == tag)
            return (int)off;
        off += 2u + m->data[off + 1];
    }
    return -1;
}

static void ft_meta_drop(struct flow_meta *m, int off)
{
    uint32_t rlen = 2u + m->data[off + 1];

    memmove(m->data + off, m->data + off + rlen, m->used - off - rlen);
    m->used = (uint16_t)(m->used - rlen);
}

/* Make room for need more bytes in e's blob. */
static int ft_meta_reserve(struct flow_table *t, struct flow_entry *e, size_t need)
{
    struct flow_meta *m = e->meta, *n;
    size_t used = m ? m->used : 0, cap = m ? m->cap : 0, ncap;

    if (used + need <= cap)
        return 0;
    ncap = (used + need + 15) & ~(size_t)15;
    if (ncap > UINT16_MAX)
        return FW_ENOMEM;
    n = fw_malloc(sizeof(*n) + ncap);
    if (!n)
        return FW_ENOMEM;
    n->used = (uint16_t)used;
    n->cap = (uint16_t)ncap;
    if (m)
        memcpy(n->data, m->data, used);
    t->meta_bytes += sizeof(*n) + ncap - (m ? sizeof(*m) + cap : 0);
    fw_free(m);
    e->meta = n;
    return 0;
}

int flow_meta_set(struct flow_table *t, struct flow_entry *e, enum flow_meta_tag tag,
                  const void *val, size_t len)
{
    int off = ft_meta_find(e->meta, tag), rc;

    if (len > FLOW_META_VAL_MAX)
        len = FLOW_META_VAL_MAX;
    if (off >= 0 && e->meta->data[off + 1] == len) {
        memcpy(e->meta->data + off + 2, val, len);     /* same size: in place */
        return 0;
    }
    rc = ft_meta_reserve(t, e, 2 + len);
    if (rc < 0)
        return rc;
    off = ft_meta_find(e->meta, tag);
    if (off >= 0)
        ft_meta_drop(e->meta, off);
    e->meta->data[e->meta->used] = (uint8_t)tag;
    e->meta->data[e->meta->used + 1] = (uint8_t)len;
    memcpy(e->meta->data + e->meta->used + 2, val, len);
    e->meta->used = (uint16_t)(e->meta->used + 2 + len);
    return 0;
}

int flow_meta_set_str(struct flow_table *t, struct flow_entry *e, enum flow_meta_tag tag,
                      const char *s)
{
    if (!s || !s[0])
        return 0;
    return flow_meta_set(t, e, tag, s, strlen(s));
}

const uint8_t *flow_meta_get(const struct flow_entry *e, enum flow_meta_tag tag, size_t *len)
{
    int off = ft_meta_find(e->meta, tag);

    if (off < 0)
        return NULL;
    *len = e->meta->data[off + 1];
    return e->meta->data + off + 2;
}

bool flow_meta_get_str(const struct flow_entry *e, enum flow_meta_tag tag, char *out,
                       size_t outlen)
{
    size_t len = 0;
    const uint8_t *v = flow_meta_get(e, tag, &len);

    if (outlen == 0)
        return false;
    out[0] = '\0';
    if (!v)
        return false;
    if (len >= outlen)
        len = outlen - 1;
    memcpy(out, v, len);
    out[len] = '\0';
    return true;
}
