/* analyzers/anz_hll.c: sparse exact set upgrading to a 256-register HLL.
 * Estimator of Flajolet et al. (2007) with the linear-counting correction for
 * small cardinalities, which is where the sensor mostly lives. */
#include "anz_hll.h"

#include <math.h>
#include <string.h>
#include <xxhash.h>

#include "fw_alloc.h"

/* The dense block is the registers, then the last estimate and whether it is
 * still valid: detectors count after nearly every add, while registers of a
 * busy counter seldom change, so the 256-register pass runs only after a
 * change. Same numbers as counting every time. */
#define HLL_CACHED ANZ_HLL_REGS                 /* uint64_t estimate */
#define HLL_VALID (ANZ_HLL_REGS + 8)            /* 1 = estimate matches the registers */
#define HLL_BLOCK (ANZ_HLL_REGS + 16)

static void dense_add(uint8_t *reg, uint32_t h)
{
    unsigned idx = h >> 24;             /* top 8 bits pick the register */
    uint32_t w = h << 8;
    uint8_t rank = w ? (uint8_t)(__builtin_clz(w) + 1) : 25;

    if (reg[idx] < rank) {
        reg[idx] = rank;
        reg[HLL_VALID] = 0;
    }
}

static void add_hash(struct anz_hll *h, uint32_t v)
{
    unsigned i;

    if (h->dense) {
        dense_add(h->dense, v);
        return;
    }
    for (i = 0; i < h->n; i++)
        if (h->sparse[i] == v)
            return;
    if (h->n < ANZ_HLL_SPARSE) {
        h->sparse[h->n++] = v;
        return;
    }
    h->dense = fw_calloc(HLL_BLOCK, 1);
    if (!h->dense)
        return;                         /* saturate, see header */
    for (i = 0; i < h->n; i++)
        dense_add(h->dense, h->sparse[i]);
    dense_add(h->dense, v);
}

void anz_hll_add(struct anz_hll *h, const void *p, size_t len)
{
    add_hash(h, (uint32_t)(XXH3_64bits(p, len) >> 32));
}

void anz_hll_add_u64(struct anz_hll *h, uint64_t v)
{
    anz_hll_add(h, &v, sizeof(v));
}

/* 2^-r: counting runs on every event that touches a host, and ldexp() per
 * register was the analyzer's largest single cost. Exact for r < 64, which
 * covers every register value a 64-bit hash can produce. */
static inline double inv_pow2(uint8_t r)
{
    return r < 64 ? 1.0 / (double)(1ull << r) : ldexp(1.0, -(int)r);
}

uint64_t anz_hll_count(const struct anz_hll *h)
{
    const double m = ANZ_HLL_REGS;
    double sum = 0, est;
    unsigned i, zeros = 0;
    uint64_t n;

    if (!h->dense)
        return h->n;
    if (h->dense[HLL_VALID]) {
        memcpy(&n, h->dense + HLL_CACHED, sizeof(n));
        return n;
    }
    for (i = 0; i < ANZ_HLL_REGS; i++) {
        sum += inv_pow2(h->dense[i]);
        zeros += h->dense[i] == 0;
    }
    est = (0.7213 / (1.0 + 1.079 / m)) * m * m / sum;
    if (est <= 2.5 * m && zeros)
        est = m * log(m / zeros);
    n = (uint64_t)(est + 0.5);
    memcpy(h->dense + HLL_CACHED, &n, sizeof(n));   /* the block is ours, not const */
    h->dense[HLL_VALID] = 1;
    return n;
}

void anz_hll_reset(struct anz_hll *h)
{
    if (h->dense)
        memset(h->dense, 0, HLL_BLOCK);
    h->n = 0;
}

void anz_hll_fini(struct anz_hll *h)
{
    fw_free(h->dense);
    h->dense = NULL;
    h->n = 0;
}
