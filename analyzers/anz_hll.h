/* analyzers/anz_hll.h: small distinct counters (peers, ports, DNS names).
 *
 * Exact while few values were seen (a sparse set of 32-bit hashes kept inline,
 * which is what almost every host needs), then upgraded to a HyperLogLog of 256
 * one-byte registers (standard error about 6.5 %) allocated on the heap, with the
 * last estimate cached beside them (recounted only after a register changed). So a
 * host costs 40 bytes per counter until it talks to many peers. Values are
 * hashed with XXH3; callers pass bytes. One thread.
 */
#ifndef ANZ_HLL_H
#define ANZ_HLL_H

#include <stddef.h>
#include <stdint.h>

#define ANZ_HLL_SPARSE 6
#define ANZ_HLL_REGS 256

struct anz_hll {
    uint8_t *dense;                     /* NULL while sparse; owned */
    uint32_t sparse[ANZ_HLL_SPARSE];    /* distinct hashes while dense == NULL */
    uint8_t n;                          /* used sparse slots */
};

/* Add a value (any bytes). On allocation failure the counter stays sparse and
 * saturates at ANZ_HLL_SPARSE: an under-count, never a crash. */
void anz_hll_add(struct anz_hll *h, const void *p, size_t len);
void anz_hll_add_u64(struct anz_hll *h, uint64_t v);
/* Estimated number of distinct values added since the last reset. */
uint64_t anz_hll_count(const struct anz_hll *h);
/* Forget everything; keeps the dense registers allocated for reuse. */
void anz_hll_reset(struct anz_hll *h);
/* Free the dense registers (the struct itself is the caller's). */
void anz_hll_fini(struct anz_hll *h);

#endif
