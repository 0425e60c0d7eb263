/* analyzers/anz_lru.h: a bounded hash table with least-recently-used eviction.
 *
 * The host table, the pair table (beacon, brute force, lateral, services), the
 * alert de-duplication table and the scoreboard all need the same thing: look a
 * fixed-size key up, create it when absent, and at the configured cap reuse the
 * least recently touched entry (counting the eviction) instead of growing.
 * Entries are allocated lazily up to the cap, so an idle sensor stays small.
 * Each entry's user data starts with its key (key_size bytes, compared with
 * memcmp, so callers zero padding). Owned by one thread (the analyzer stage).
 */
#ifndef ANZ_LRU_H
#define ANZ_LRU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct anz_lru;

/* Called on an entry's data just before it is reused or the table destroyed,
 * to free what the entry owns (e.g. a dense HLL). May be NULL. */
typedef void (*anz_lru_fini_fn)(void *data);

/* max entries (>= 1); data_size bytes per entry, the first key_size of which are
 * the key. Returns NULL on allocation failure. */
struct anz_lru *anz_lru_create(size_t max, size_t data_size, size_t key_size,
                               anz_lru_fini_fn fini);
void anz_lru_destroy(struct anz_lru *t);
/* Entry for key, marked most recently used. When absent and create is set, a
 * zeroed entry holding the key is made (evicting the LRU entry at the cap) and
 * *created is set. Returns NULL when absent and !create, or on allocation failure.
 * The pointer lives until the entry is evicted: do not keep it across calls that
 * may create entries. */
void *anz_lru_get(struct anz_lru *t, const void *key, bool create, bool *created);
/* Lookup without touching the LRU order. */
const void *anz_lru_find(const struct anz_lru *t, const void *key);
size_t anz_lru_count(const struct anz_lru *t);
uint64_t anz_lru_evictions(const struct anz_lru *t);
/* Visit every entry (most recent first); fn must not create or evict. */
void anz_lru_foreach(const struct anz_lru *t, void (*fn)(void *ctx, void *data), void *ctx);

#endif
