/* sensor/pkt_defrag.c: IPv4 and IPv6 fragment reassembly.
 *
 * specification: RFC 791 section 3.2, RFC 8200 section 4.5, RFC 5722
 *
 * A datagram under reassembly is keyed by (family, src, dst, id, proto, vlan)
 * and lives in one of frag_max_datagrams preallocated slots. Its payload is kept
 * in 1 KiB blocks taken from a pool of frag_max_bytes / 1 KiB blocks allocated
 * at create time, so the packet path never calls malloc. Caps and policies:
 *   - no free slot: the oldest datagram is dropped (frag_evicted);
 *   - no free block: the oldest other datagrams are dropped until the fragment
 *     fits, or this datagram is dropped when it alone exceeds the pool (frag_evicted);
 *   - a datagram older than frag_timeout_us is dropped (frag_timeouts), checked
 *     on every fragment and by pkt_defrag_expire();
 *   - overlap: FIRST COPY WINS. Bytes already received are never overwritten;
 *     only the uncovered parts of a later fragment are stored (frag_overlaps
 *     counts fragments that overlapped). This is the BSD-right-agnostic choice
 *     that keeps what an IDS saw first; RFC 5722 would drop the datagram, which
 *     lets an attacker erase traffic from view with one overlapping fragment;
 *   - fragments that would end past 65535 bytes, carry a non-multiple-of-8
 *     length before the last, disagree on the total length, or split the
 *     payload into more than PKT_FRAG_MAX_RANGES pieces are dropped (frag_invalid).
 * The rebuilt packet is written to one buffer owned by the table, valid until
 * the next pkt_defrag_add(). Owned by one decoder (one thread).
 */
#include "pkt_int.h"

#include <stddef.h>
#include <string.h>
#include <xxhash.h>

#include "fw_alloc.h"

#define PKT_FRAG_BLOCK 1024u
#define PKT_FRAG_NBLK 64u               /* 64 KiB: the largest IP payload */
#define PKT_FRAG_MAX_RANGES 32
#define PKT_FRAG_HDR_MAX 256u           /* IPv4 header or IPv6 unfragmentable part */
#define PKT_FRAG_NONE UINT32_MAX
#define PKT_FRAG_DEF_DATAGRAMS 4096
#define PKT_FRAG_DEF_BYTES (16u << 20)
#define PKT_FRAG_DEF_TIMEOUT (30 * 1000000ull)

struct pkt_frag_range {
    uint32_t start, end;                /* [start, end) of the payload received */
};

struct pkt_frag_key {
    uint8_t family, proto;
    uint16_t vlan;
    uint32_t id;
    uint8_t src[16], dst[16];
};

struct pkt_frag_slot {
    struct pkt_frag_key key;
    uint32_t hnext;                     /* next in bucket (or free list), PKT_FRAG_NONE ends */
    uint32_t older, newer;              /* age list by first fragment */
    uint64_t first_us;                  /* timestamp of the first fragment seen */
    uint32_t total;                     /* payload length, known once have_last */
    bool have_last;
    bool used;
    uint16_t hdr_len;                   /* 0 until the offset-0 fragment arrives */
    uint16_t nh_off;                    /* IPv6: byte in hdr naming the fragment header */
    uint8_t nranges;
    struct pkt_frag_range r[PKT_FRAG_MAX_RANGES];   /* sorted, disjoint, not adjacent */
    uint32_t blk[PKT_FRAG_NBLK];        /* pool block per KiB of payload, or NONE */
    uint8_t hdr[PKT_FRAG_HDR_MAX];
};

struct pkt_defrag {
    struct pkt_frag_slot *slots;        /* owned, nslots */
    size_t nslots;
    uint32_t *buckets;                  /* owned, nbuckets (power of two) heads */
    size_t nbuckets;
    uint32_t free_slot;                 /* free list through hnext */
    uint32_t oldest, newest;
    size_t count;                       /* datagrams held */
    uint8_t *pool;                      /* owned, nblk * PKT_FRAG_BLOCK bytes */
    uint32_t *blk_free;                 /* owned, stack of free block numbers */
    size_t nblk, nblk_free;
    uint64_t timeout_us;
    uint8_t out[PKT_MAX_IP_LEN + PKT_FRAG_HDR_MAX];  /* the rebuilt datagram */
};

/* ---------------------------------------------------------------- table */

static void pkt_defrag_init_lists(struct pkt_defrag *df)
{
    size_t i;

    for (i = 0; i < df->nbuckets; i++)
        df->buckets[i] = PKT_FRAG_NONE;
    for (i = 0; i < df->nslots; i++)
        df->slots[i].hnext = i + 1 < df->nslots ? (uint32_t)(i + 1) : PKT_FRAG_NONE;
    df->free_slot = 0;
    df->oldest = df->newest = PKT_FRAG_NONE;
    for (i = 0; i < df->nblk; i++)
        df->blk_free[i] = (uint32_t)(df->nblk - 1 - i);
    df->nblk_free = df->nblk;
}

struct pkt_defrag *pkt_defrag_create(const struct pkt_decoder_cfg *cfg)
{
    struct pkt_defrag *df = fw_calloc(1, sizeof(*df));
    size_t bytes = cfg && cfg->frag_max_bytes ? cfg->frag_max_bytes : PKT_FRAG_DEF_BYTES;

    if (!df)
        return NULL;
    df->nslots = cfg && cfg->frag_max_datagrams ? cfg->frag_max_datagrams
                                                : PKT_FRAG_DEF_DATAGRAMS;
    if (df->nslots >= PKT_FRAG_NONE)
        df->nslots = PKT_FRAG_NONE - 1;
    df->timeout_us = cfg && cfg->frag_timeout_us ? cfg->frag_timeout_us : PKT_FRAG_DEF_TIMEOUT;
    df->nblk = bytes / PKT_FRAG_BLOCK ? bytes / PKT_FRAG_BLOCK : 1;
    for (df->nbuckets = 16; df->nbuckets < df->nslots; df->nbuckets *= 2)
        ;
    df->slots = fw_calloc(df->nslots, sizeof(*df->slots));
    df->buckets = fw_calloc(df->nbuckets, sizeof(*df->buckets));
    df->pool = fw_calloc(df->nblk, PKT_FRAG_BLOCK);
    df->blk_free = fw_calloc(df->nblk, sizeof(*df->blk_free));
    if (!df->slots || !df->buckets || !df->pool || !df->blk_free) {
        pkt_defrag_destroy(df);
        return NULL;
    }
    pkt_defrag_init_lists(df);
    return df;
}

void pkt_defrag_destroy(struct pkt_defrag *df)
{
    if (!df)
        return;
    fw_free(df->blk_free);
    fw_free(df->pool);
    fw_free(df->buckets);
    fw_free(df->slots);
    fw_free(df);
}

size_t pkt_defrag_count(const struct pkt_defrag *df)
{
    return df->count;
}

static uint32_t pkt_frag_bucket(const struct pkt_defrag *df, const struct pkt_frag_key *k)
{
    return (uint32_t)(XXH3_64bits(k, sizeof(*k)) & (df->nbuckets - 1));
}

static void pkt_frag_unlink_bucket(struct pkt_defrag *df, uint32_t idx)
{
    uint32_t *link = &df->buckets[pkt_frag_bucket(df, &df->slots[idx].key)];

    while (*link != PKT_FRAG_NONE && *link != idx)
        link = &df->slots[*link].hnext;
    if (*link == idx)
        *link = df->slots[idx].hnext;
}

static void pkt_frag_free(struct pkt_defrag *df, uint32_t idx)
{
    struct pkt_frag_slot *s = &df->slots[idx];
    size_t i;

    pkt_frag_unlink_bucket(df, idx);
    if (s->older != PKT_FRAG_NONE)
        df->slots[s->older].newer = s->newer;
    else
        df->oldest = s->newer;
    if (s->newer != PKT_FRAG_NONE)
        df->slots[s->newer].older = s->older;
    else
        df->newest = s->older;
    for (i = 0; i < PKT_FRAG_NBLK; i++)
        if (s->blk[i] != PKT_FRAG_NONE)
            df->blk_free[df->nblk_free++] = s->blk[i];
    s->used = false;
    s->hnext = df->free_slot;
    df->free_slot = idx;
    df->count--;
}

static struct pkt_frag_slot *pkt_frag_lookup(struct pkt_defrag *df,
                                             const struct pkt_frag_key *k)
{
    uint32_t idx = df->buckets[pkt_frag_bucket(df, k)];

    while (idx != PKT_FRAG_NONE) {
        if (memcmp(&df->slots[idx].key, k, sizeof(*k)) == 0)
            return &df->slots[idx];
        idx = df->slots[idx].hnext;
    }
    return NULL;
}

/* A fresh slot for k, dropping the oldest datagram when the table is full. */
static struct pkt_frag_slot *pkt_frag_new(struct pkt_defrag *df, const struct pkt_frag_key *k,
                                          uint64_t ts_us, struct pkt_stats *st)
{
    struct pkt_frag_slot *s;
    uint32_t idx, b;

    if (df->free_slot == PKT_FRAG_NONE) {
        st->frag_evicted++;
        pkt_frag_free(df, df->oldest);
    }
    idx = df->free_slot;
    s = &df->slots[idx];
    df->free_slot = s->hnext;
    memset(s, 0, offsetof(struct pkt_frag_slot, blk));
    memset(s->blk, 0xff, sizeof(s->blk));
    s->key = *k;
    s->used = true;
    s->first_us = ts_us;
    b = pkt_frag_bucket(df, k);
    s->hnext = df->buckets[b];
    df->buckets[b] = idx;
    s->older = df->newest;
    s->newer = PKT_FRAG_NONE;
    if (df->newest != PKT_FRAG_NONE)
        df->slots[df->newest].newer = idx;
    else
        df->oldest = idx;
    df->newest = idx;
    df->count++;
    return s;
}

void pkt_defrag_expire(struct pkt_defrag *df, uint64_t now_us, struct pkt_stats *st)
{
    while (df->oldest != PKT_FRAG_NONE &&
           df->slots[df->oldest].first_us + df->timeout_us <= now_us) {
        st->frag_timeouts++;
        pkt_frag_free(df, df->oldest);
    }
}

/* ---------------------------------------------------------------- payload */

/* Reserve the blocks that [s, e) still lacks, dropping older datagrams if the
 * pool is short. False when even that is not enough. */
static bool pkt_frag_reserve(struct pkt_defrag *df, struct pkt_frag_slot *slot, uint32_t s,
                             uint32_t e, struct pkt_stats *st)
{
    uint32_t self = (uint32_t)(slot - df->slots);
    size_t need = 0;
    uint32_t i;

    for (i = s / PKT_FRAG_BLOCK; i <= (e - 1) / PKT_FRAG_BLOCK; i++)
        need += slot->blk[i] == PKT_FRAG_NONE;
    while (df->nblk_free < need) {
        uint32_t victim = df->oldest == self ? df->slots[self].newer : df->oldest;

        if (victim == PKT_FRAG_NONE)
            return false;
        st->frag_evicted++;
        pkt_frag_free(df, victim);
    }
    for (i = s / PKT_FRAG_BLOCK; i <= (e - 1) / PKT_FRAG_BLOCK; i++)
        if (slot->blk[i] == PKT_FRAG_NONE)
            slot->blk[i] = df->blk_free[--df->nblk_free];
    return true;
}

/* Copy payload bytes [a, b) from data (which starts at payload offset s). */
static void pkt_frag_write(struct pkt_defrag *df, struct pkt_frag_slot *slot,
                           const uint8_t *data, uint32_t s, uint32_t a, uint32_t b)
{
    while (a < b) {
        uint32_t in_blk = a % PKT_FRAG_BLOCK;
        uint32_t n = PKT_FRAG_BLOCK - in_blk;

        if (n > b - a)
            n = b - a;
        memcpy(df->pool + (size_t)slot->blk[a / PKT_FRAG_BLOCK] * PKT_FRAG_BLOCK + in_blk,
               data + (a - s), n);
        a += n;
    }
}

/* Store the parts of [s, e) not received yet (first copy wins). Returns true if
 * the fragment overlapped what was there. */
static bool pkt_frag_store(struct pkt_defrag *df, struct pkt_frag_slot *slot,
                           const uint8_t *data, uint32_t s, uint32_t e)
{
    uint32_t cur = s;
    bool overlap = false;
    int i;

    for (i = 0; i < slot->nranges && cur < e; i++) {
        const struct pkt_frag_range *r = &slot->r[i];

        if (r->end <= cur || r->start >= e)
            continue;
        overlap = true;
        if (r->start > cur)
            pkt_frag_write(df, slot, data, s, cur, r->start);
        if (r->end > cur)
            cur = r->end;
    }
    if (cur < e)
        pkt_frag_write(df, slot, data, s, cur, e);
    return overlap;
}

/* Ranges left after merging [s, e) in; the list never grows past the cap. */
static int pkt_frag_ranges_after(const struct pkt_frag_slot *slot, uint32_t s, uint32_t e)
{
    int i, n = 1;

    for (i = 0; i < slot->nranges; i++)
        n += slot->r[i].end < s || slot->r[i].start > e;
    return n;
}

static void pkt_frag_merge(struct pkt_frag_slot *slot, uint32_t s, uint32_t e)
{
    struct pkt_frag_range out[PKT_FRAG_MAX_RANGES];
    int i, n = 0;
    bool placed = false;

    for (i = 0; i < slot->nranges; i++) {
        struct pkt_frag_range r = slot->r[i];

        if (r.end < s || r.start > e) {
            if (!placed && r.start > e) {
                out[n++] = (struct pkt_frag_range){ s, e };
                placed = true;
            }
            out[n++] = r;
            continue;
        }
        s = r.start < s ? r.start : s;
        e = r.end > e ? r.end : e;
    }
    if (!placed)
        out[n++] = (struct pkt_frag_range){ s, e };
    memcpy(slot->r, out, (size_t)n * sizeof(out[0]));
    slot->nranges = (uint8_t)n;
}

/* ---------------------------------------------------------------- rebuild */

static void pkt_frag_ipv4_csum(uint8_t *h, uint32_t len)
{
    uint32_t sum = 0, i;

    h[10] = h[11] = 0;
    for (i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(h[i] << 8 | h[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    sum = ~sum & 0xffff;
    h[10] = (uint8_t)(sum >> 8);
    h[11] = (uint8_t)sum;
}

/* Header + payload into df->out with the length fields fixed up and the
 * fragment marks gone. False when the result would exceed an IP length. */
static bool pkt_frag_build(struct pkt_defrag *df, const struct pkt_frag_slot *slot,
                           uint32_t *len)
{
    uint32_t n = slot->hdr_len + slot->total, off, i;
    uint32_t field = slot->key.family == 4 ? n : n - 40;

    if (field > PKT_MAX_IP_LEN)
        return false;
    memcpy(df->out, slot->hdr, slot->hdr_len);
    for (off = 0, i = 0; off < slot->total; off += PKT_FRAG_BLOCK, i++) {
        uint32_t chunk = slot->total - off < PKT_FRAG_BLOCK ? slot->total - off : PKT_FRAG_BLOCK;

        memcpy(df->out + slot->hdr_len + off,
               df->pool + (size_t)slot->blk[i] * PKT_FRAG_BLOCK, chunk);
    }
    if (slot->key.family == 4) {
        df->out[2] = (uint8_t)(field >> 8);
        df->out[3] = (uint8_t)field;
        df->out[6] &= 0x40;                 /* keep DF, clear MF and the offset */
        df->out[7] = 0;
        pkt_frag_ipv4_csum(df->out, slot->hdr_len);
    } else {
        df->out[4] = (uint8_t)(field >> 8);
        df->out[5] = (uint8_t)field;
        df->out[slot->nh_off] = slot->key.proto;   /* the fragment header is gone */
    }
    *len = n;
    return true;
}

static bool pkt_frag_complete(const struct pkt_frag_slot *slot)
{
    return slot->have_last && slot->hdr_len && slot->nranges == 1 &&
           slot->r[0].start == 0 && slot->r[0].end == slot->total;
}

/* ---------------------------------------------------------------- entry */

static bool pkt_frag_in_valid(const struct pkt_frag_in *in)
{
    uint32_t end = in->offset + in->data_len;

    if (!in->data || in->data_len == 0 || end > PKT_MAX_IP_LEN)
        return false;
    if (in->more && in->data_len % 8)
        return false;
    if (in->offset == 0 && (in->hdr_len > PKT_FRAG_HDR_MAX || in->nh_off >= in->hdr_len))
        return false;
    return in->family != 4 || end + in->hdr_len <= PKT_MAX_IP_LEN;
}

static void pkt_frag_make_key(const struct pkt_frag_in *in, struct pkt_frag_key *k)
{
    size_t alen = in->family == 4 ? 4 : 16;

    memset(k, 0, sizeof(*k));
    k->family = in->family;
    k->proto = in->proto;
    k->vlan = in->vlan;
    k->id = in->id;
    memcpy(k->src, in->src, alen);
    memcpy(k->dst, in->dst, alen);
}

/* Length bookkeeping for one fragment; false if it contradicts the datagram. */
static bool pkt_frag_note_end(struct pkt_frag_slot *slot, const struct pkt_frag_in *in)
{
    uint32_t end = in->offset + in->data_len;

    if (!in->more) {
        if (slot->have_last && slot->total != end)
            return false;
        if (slot->nranges && slot->r[slot->nranges - 1].end > end)
            return false;               /* data already seen past the claimed end */
        slot->have_last = true;
        slot->total = end;
    }
    return !slot->have_last || end <= slot->total;
}

enum pkt_status pkt_defrag_add(struct pkt_defrag *df, const struct pkt_frag_in *in,
                               struct pkt_stats *st, const uint8_t **ip, uint32_t *ip_len)
{
    struct pkt_frag_key k;
    struct pkt_frag_slot *slot;
    uint32_t end = in->offset + in->data_len;

    st->frag_fragments++;
    pkt_defrag_expire(df, in->ts_us, st);
    if (!pkt_frag_in_valid(in))
        goto invalid;
    pkt_frag_make_key(in, &k);
    slot = pkt_frag_lookup(df, &k);
    if (!slot)
        slot = pkt_frag_new(df, &k, in->ts_us, st);
    if (pkt_frag_ranges_after(slot, in->offset, end) > PKT_FRAG_MAX_RANGES ||
        !pkt_frag_note_end(slot, in))
        goto invalid_drop_empty;
    if (!pkt_frag_reserve(df, slot, in->offset, end, st)) {
        st->frag_evicted++;
        pkt_frag_free(df, (uint32_t)(slot - df->slots));
        return PKT_FRAGMENT;
    }
    if (in->offset == 0 && slot->hdr_len == 0) {
        memcpy(slot->hdr, in->hdr, in->hdr_len);
        slot->hdr_len = (uint16_t)in->hdr_len;
        slot->nh_off = (uint16_t)in->nh_off;
    }
    if (pkt_frag_store(df, slot, in->data, in->offset, end))
        st->frag_overlaps++;
    pkt_frag_merge(slot, in->offset, end);
    if (!pkt_frag_complete(slot))
        return PKT_FRAGMENT;
    if (!pkt_frag_build(df, slot, ip_len)) {
        pkt_frag_free(df, (uint32_t)(slot - df->slots));
        goto invalid;
    }
    pkt_frag_free(df, (uint32_t)(slot - df->slots));
    st->frag_reassembled++;
    *ip = df->out;
    return PKT_OK;

invalid_drop_empty:
    if (slot->nranges == 0)             /* do not keep a slot this fragment opened */
        pkt_frag_free(df, (uint32_t)(slot - df->slots));
invalid:
    st->frag_invalid++;
    return PKT_FRAGMENT;
}
