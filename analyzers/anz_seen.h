/* analyzers/anz_seen.h: a bounded memory of keys seen, that outlives the
 * host and pair tables.
 *
 * "New" detectors (new_asset, lateral) remember what they have seen in host
 * and pair entries, and those are evicted when the tables are full (a flood, a
 * network larger than analyzers.hosts_max). A host that comes back after its
 * entry was evicted would look new, and raise a false alert for every
 * evicted host. This set keeps 64-bit hashes (XXH3) of the keys instead:
 * 8 bytes a key, in two generations of at most `max` keys each. When the
 * current generation is full it becomes the previous one and the oldest is
 * dropped, so memory stays under 2 x max keys (tables grow with the count,
 * start small) and a key is remembered for at least `max` newer keys. A key
 * found only in the previous generation is copied into the current one. Hash
 * collisions (about n^2 / 2^65) can only make a new key look known. One
 * thread (the analyzer).
 */
#ifndef ANZ_SEEN_H
#define ANZ_SEEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct anz_seen;

/* max >= 1: keys per generation. NULL on allocation failure. */
struct anz_seen *anz_seen_create(size_t max);
void anz_seen_destroy(struct anz_seen *s);
/* Record the key (any bytes); true when it had been recorded before. */
bool anz_seen_add(struct anz_seen *s, const void *key, size_t len);
size_t anz_seen_count(const struct anz_seen *s);          /* keys held, both generations */
uint64_t anz_seen_rotations(const struct anz_seen *s);    /* generations dropped */

#endif
