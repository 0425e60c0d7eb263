/* sensor/fw_ring.c: SPSC ring of variable-size records.
 *
 * head and tail are byte counters that only grow (64-bit: they never wrap in
 * practice); position = counter & mask. The producer owns head, the consumer
 * owns tail; each reads the other's with acquire and publishes its own with
 * release, which orders the record bytes before the counter. Each side keeps a
 * cached copy of the other's counter to avoid touching the shared cache line
 * on every call.
 */
#include "fw_ring.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fw_alloc.h"

#define RING_HDR 8u                 /* record header: length (u32) + marker (u32) */
#define RING_PAD_MARK 0xffffffffu   /* "skip to the start of the buffer" */
#define RING_REC_MARK 0x52454331u   /* "REC1" */

struct fw_ring {
    alignas(64) _Atomic uint64_t head;  /* producer: bytes committed */
    uint64_t head_pending;              /* producer: end of the last reserved record */
    uint64_t head_local;                /* producer: where the next record goes */
    uint64_t tail_cache;                /* producer's view of tail */
    alignas(64) _Atomic uint64_t tail;  /* consumer: bytes released */
    uint64_t tail_pending;              /* consumer: end of the peeked record */
    uint64_t head_cache;                /* consumer's view of head */
    alignas(64) size_t cap;
    size_t mask;
    uint8_t *buf;
};

static size_t round_up8(size_t n)
{
    return (n + 7u) & ~(size_t)7u;
}

struct fw_ring *fw_ring_create(size_t cap_bytes)
{
    struct fw_ring *r;
    size_t cap = 4096;

    while (cap < cap_bytes && cap < ((size_t)1 << 40))
        cap <<= 1;
    r = aligned_alloc(64, sizeof(*r) + (64 - sizeof(*r) % 64) % 64);
    if (!r)
        return NULL;
    memset(r, 0, sizeof(*r));
    r->buf = fw_malloc(cap);
    if (!r->buf) {
        free(r);
        return NULL;
    }
    r->cap = cap;
    r->mask = cap - 1;
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    return r;
}

void fw_ring_destroy(struct fw_ring *r)
{
    if (!r)
        return;
    fw_free(r->buf);
    free(r);
}

static void put_hdr(struct fw_ring *r, uint64_t at, uint32_t len, uint32_t mark)
{
    uint32_t h[2] = {len, mark};

    memcpy(r->buf + (at & r->mask), h, sizeof(h));
}

/* Free bytes as seen by the producer, refreshing its cached tail if needed. */
static bool ring_has_room(struct fw_ring *r, uint64_t head, size_t need)
{
    if (r->cap - (head - r->tail_cache) >= need)
        return true;
    r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
    return r->cap - (head - r->tail_cache) >= need;
}

void *fw_ring_reserve(struct fw_ring *r, size_t len)
{
    uint64_t head = r->head_local;      /* after records reserved but not yet committed */
    size_t rec = RING_HDR + round_up8(len);
    size_t to_end = r->cap - (head & r->mask);
    size_t need = rec;

    if (len > UINT32_MAX || rec > r->cap / 2)
        return NULL;
    if (to_end < rec)
        need = to_end + rec;    /* pad the tail end, then the record at 0 */
    if (!ring_has_room(r, head, need))
        return NULL;
    if (to_end < rec) {
        put_hdr(r, head, 0, RING_PAD_MARK);
        head += to_end;
    }
    put_hdr(r, head, (uint32_t)len, RING_REC_MARK);
    r->head_pending = head + rec;
    r->head_local = r->head_pending;
    return r->buf + ((head + RING_HDR) & r->mask);
}

void fw_ring_commit(struct fw_ring *r)
{
    atomic_store_explicit(&r->head, r->head_pending, memory_order_release);
}

const void *fw_ring_peek(struct fw_ring *r, size_t *len)
{
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    uint32_t h[2];

    if (r->head_cache == tail) {
        r->head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
        if (r->head_cache == tail)
            return NULL;
    }
    memcpy(h, r->buf + (tail & r->mask), sizeof(h));
    if (h[1] == RING_PAD_MARK) {
        tail += r->cap - (tail & r->mask);
        memcpy(h, r->buf + (tail & r->mask), sizeof(h));
    }
    r->tail_pending = tail + RING_HDR + round_up8(h[0]);
    *len = h[0];
    return r->buf + ((tail + RING_HDR) & r->mask);
}

void fw_ring_release(struct fw_ring *r)
{
    atomic_store_explicit(&r->tail, r->tail_pending, memory_order_release);
}

size_t fw_ring_used(const struct fw_ring *r)
{
    uint64_t h = atomic_load_explicit(&((struct fw_ring *)r)->head, memory_order_acquire);
    uint64_t t = atomic_load_explicit(&((struct fw_ring *)r)->tail, memory_order_acquire);

    return (size_t)(h - t);
}

size_t fw_ring_capacity(const struct fw_ring *r)
{
    return r->cap;
}
