/* analyzers/anz_lru.c: bounded hash table with LRU eviction (see anz_lru.h).
 * Chained buckets (power of two), one doubly linked recency list; at the cap the
 * tail entry is unlinked, finalised, zeroed and reused, so memory never grows
 * past max entries. The bucket array starts small and doubles with the entry
 * count (up to the size max needs): a table sized for 500 000 hosts up front
 * costs megabytes of zero pages whose first writes each fault and, in a
 * threaded process, shoot down TLBs on every core. */
#include "anz_lru.h"

#include <string.h>
#include <xxhash.h>

#include "fw_alloc.h"

struct lru_node {
    struct lru_node *hnext;     /* bucket chain */
    struct lru_node *prev;      /* towards most recent */
    struct lru_node *next;      /* towards least recent */
    uint64_t hash;
    /* user data follows, 8-byte aligned */
};

#define LRU_MAX_BUCKETS ((size_t)1 << 22)

struct anz_lru {
    struct lru_node **buckets;
    size_t nbuckets;            /* power of two, grows with count */
    size_t max_buckets;         /* what max entries need */
    size_t max, count;
    size_t data_size, key_size;
    struct lru_node *head, *tail;
    uint64_t evictions;
    anz_lru_fini_fn fini;
};

#define NODE_DATA(n) ((void *)((n) + 1))

struct anz_lru *anz_lru_create(size_t max, size_t data_size, size_t key_size,
                               anz_lru_fini_fn fini)
{
    struct anz_lru *t;
    size_t nb = 64, cap = 64;

    if (max == 0 || key_size == 0 || key_size > data_size)
        return NULL;
    t = fw_calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    while (cap < max && cap < LRU_MAX_BUCKETS)
        cap <<= 1;
    t->max_buckets = cap;
    t->buckets = fw_calloc(nb, sizeof(*t->buckets));
    if (!t->buckets) {
        fw_free(t);
        return NULL;
    }
    t->nbuckets = nb;
    t->max = max;
    t->data_size = data_size;
    t->key_size = key_size;
    t->fini = fini;
    return t;
}

void anz_lru_destroy(struct anz_lru *t)
{
    struct lru_node *n, *next;

    if (!t)
        return;
    for (n = t->head; n; n = next) {
        next = n->next;
        if (t->fini)
            t->fini(NODE_DATA(n));
        fw_free(n);
    }
    fw_free(t->buckets);
    fw_free(t);
}

static void list_unlink(struct anz_lru *t, struct lru_node *n)
{
    if (n->prev)
        n->prev->next = n->next;
    else
        t->head = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else
        t->tail = n->prev;
    n->prev = n->next = NULL;
}

static void list_push_front(struct anz_lru *t, struct lru_node *n)
{
    n->prev = NULL;
    n->next = t->head;
    if (t->head)
        t->head->prev = n;
    t->head = n;
    if (!t->tail)
        t->tail = n;
}

static void bucket_unlink(struct anz_lru *t, struct lru_node *n)
{
    struct lru_node **pp = &t->buckets[n->hash & (t->nbuckets - 1)];

    while (*pp && *pp != n)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = n->hnext;
    n->hnext = NULL;
}

static struct lru_node *lookup(const struct anz_lru *t, const void *key, uint64_t h)
{
    struct lru_node *n = t->buckets[h & (t->nbuckets - 1)];

    for (; n; n = n->hnext)
        if (n->hash == h && memcmp(NODE_DATA(n), key, t->key_size) == 0)
            return n;
    return NULL;
}

/* Double the bucket array when entries outnumber buckets; on allocation
 * failure the table keeps working with longer chains. */
static void maybe_grow(struct anz_lru *t)
{
    size_t nb = t->nbuckets * 2, i;
    struct lru_node **nv, *n, *next;

    if (t->count < t->nbuckets || nb > t->max_buckets)
        return;
    nv = fw_calloc(nb, sizeof(*nv));
    if (!nv)
        return;
    for (i = 0; i < t->nbuckets; i++) {
        for (n = t->buckets[i]; n; n = next) {
            next = n->hnext;
            n->hnext = nv[n->hash & (nb - 1)];
            nv[n->hash & (nb - 1)] = n;
        }
    }
    fw_free(t->buckets);
    t->buckets = nv;
    t->nbuckets = nb;
}

/* A fresh node: allocated below the cap, else the LRU tail recycled. */
static struct lru_node *node_take(struct anz_lru *t)
{
    struct lru_node *n;

    if (t->count < t->max) {
        n = fw_calloc(1, sizeof(*n) + t->data_size);
        if (n)
            t->count++;
        return n;
    }
    n = t->tail;
    list_unlink(t, n);
    bucket_unlink(t, n);
    if (t->fini)
        t->fini(NODE_DATA(n));
    memset(n, 0, sizeof(*n) + t->data_size);
    t->evictions++;
    return n;
}

void *anz_lru_get(struct anz_lru *t, const void *key, bool create, bool *created)
{
    uint64_t h = XXH3_64bits(key, t->key_size);
    struct lru_node *n = lookup(t, key, h);
    size_t b;

    if (created)
        *created = false;
    if (n) {
        if (t->head != n) {
            list_unlink(t, n);
            list_push_front(t, n);
        }
        return NODE_DATA(n);
    }
    if (!create)
        return NULL;
    maybe_grow(t);
    n = node_take(t);
    if (!n)
        return NULL;
    n->hash = h;
    memcpy(NODE_DATA(n), key, t->key_size);
    b = h & (t->nbuckets - 1);
    n->hnext = t->buckets[b];
    t->buckets[b] = n;
    list_push_front(t, n);
    if (created)
        *created = true;
    return NODE_DATA(n);
}

const void *anz_lru_find(const struct anz_lru *t, const void *key)
{
    struct lru_node *n = lookup(t, key, XXH3_64bits(key, t->key_size));

    return n ? NODE_DATA(n) : NULL;
}

size_t anz_lru_count(const struct anz_lru *t)
{
    return t->count;
}

uint64_t anz_lru_evictions(const struct anz_lru *t)
{
    return t->evictions;
}

void anz_lru_foreach(const struct anz_lru *t, void (*fn)(void *ctx, void *data), void *ctx)
{
    struct lru_node *n;

    for (n = t->head; n; n = n->next)
        fn(ctx, NODE_DATA(n));
}
