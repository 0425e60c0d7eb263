/* analyzers/anz_seen.c: two generations of open-addressing sets of 64-bit
 * hashes (see anz_seen.h). */
#include "anz_seen.h"

#include <string.h>
#include <xxhash.h>

#include "fw_alloc.h"

#define SEEN_MIN_SLOTS 1024

struct seen_gen {
    uint64_t *slot;             /* 0 = empty; hashes are never 0 */
    size_t nslots;              /* a power of two, or 0 before the first key */
    size_t n;
};

struct anz_seen {
    struct seen_gen gen[2];
    unsigned cur;               /* index of the generation being filled */
    size_t max;
    uint64_t rotations;
};

struct anz_seen *anz_seen_create(size_t max)
{
    struct anz_seen *s = fw_calloc(1, sizeof(*s));

    if (s)
        s->max = max ? max : 1;
    return s;
}

void anz_seen_destroy(struct anz_seen *s)
{
    if (!s)
        return;
    fw_free(s->gen[0].slot);
    fw_free(s->gen[1].slot);
    fw_free(s);
}

static bool gen_has(const struct seen_gen *g, uint64_t h)
{
    size_t mask = g->nslots - 1, i;

    if (!g->nslots)
        return false;
    for (i = (size_t)h & mask; g->slot[i]; i = (i + 1) & mask)
        if (g->slot[i] == h)
            return true;
    return false;
}

static void gen_put(struct seen_gen *g, uint64_t h)
{
    size_t mask = g->nslots - 1, i;

    for (i = (size_t)h & mask; g->slot[i]; i = (i + 1) & mask)
        if (g->slot[i] == h)
            return;
    g->slot[i] = h;
    g->n++;
}

/* Room for one more key at load <= 1/2: double the table (rehash). False
 * when that allocation fails. */
static bool gen_reserve(struct seen_gen *g)
{
    struct seen_gen bigger = {0};
    size_t i;

    if (g->nslots && 2 * (g->n + 1) <= g->nslots)
        return true;
    bigger.nslots = g->nslots ? 2 * g->nslots : SEEN_MIN_SLOTS;
    bigger.slot = fw_calloc(bigger.nslots, sizeof(*bigger.slot));
    if (!bigger.slot)
        return false;
    for (i = 0; i < g->nslots; i++)
        if (g->slot[i])
            gen_put(&bigger, g->slot[i]);
    fw_free(g->slot);
    *g = bigger;
    return true;
}

/* The current generation is full (or cannot grow): drop the previous one and
 * start filling its table. */
static void rotate(struct anz_seen *s)
{
    struct seen_gen *old = &s->gen[!s->cur];

    if (old->slot)
        memset(old->slot, 0, old->nslots * sizeof(*old->slot));
    old->n = 0;
    s->cur = !s->cur;
    s->rotations++;
}

bool anz_seen_add(struct anz_seen *s, const void *key, size_t len)
{
    uint64_t h = XXH3_64bits(key, len);
    struct seen_gen *cur = &s->gen[s->cur];
    bool before;

    h = h ? h : 1;
    if (gen_has(cur, h))
        return true;
    before = gen_has(&s->gen[!s->cur], h);
    if (cur->n >= s->max || !gen_reserve(cur)) {
        rotate(s);
        cur = &s->gen[s->cur];
        if (!gen_reserve(cur))
            return before;      /* out of memory: remember nothing more */
    }
    gen_put(cur, h);
    return before;
}

size_t anz_seen_count(const struct anz_seen *s)
{
    return s->gen[0].n + s->gen[1].n;
}

uint64_t anz_seen_rotations(const struct anz_seen *s)
{
    return s->rotations;
}
