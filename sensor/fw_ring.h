/* sensor/fw_ring.h: a bounded single-producer/single-consumer ring of records.
 *
 * Stages of the pipeline (capture -> workers -> analyzer -> exporter) talk
 * through these rings: one producer thread, one consumer thread, no locks.
 * Records are variable-sized (a packet, a flow event, an alert): the producer
 * reserves space, writes, commits; the consumer peeks, reads, releases. A
 * record never wraps: when it does not fit at the end, a pad marker sends the
 * reader back to the start. The capacity is fixed at creation (bounded memory);
 * when the ring is full, fw_ring_reserve() returns NULL and the producer decides
 * (wait, or drop and count).
 */
#ifndef FW_RING_H
#define FW_RING_H

#include <stddef.h>
#include <stdint.h>

struct fw_ring;

/* cap_bytes is rounded up to a power of two (>= 4 KiB). NULL on failure. */
struct fw_ring *fw_ring_create(size_t cap_bytes);
void fw_ring_destroy(struct fw_ring *r);

/* Producer: space for a record of len bytes (8-byte aligned), or NULL when the
 * ring is full or len can never fit. Nothing is visible until commit; several
 * records may be reserved and then published by one commit (batching saves a
 * shared cache line round trip per record). */
void *fw_ring_reserve(struct fw_ring *r, size_t len);
/* Publish every record reserved so far. */
void fw_ring_commit(struct fw_ring *r);

/* Consumer: the oldest record and its length, or NULL when empty. The pointer
 * stays valid until fw_ring_release(). */
const void *fw_ring_peek(struct fw_ring *r, size_t *len);
void fw_ring_release(struct fw_ring *r);

/* Bytes in use (approximate from either side). */
size_t fw_ring_used(const struct fw_ring *r);
size_t fw_ring_capacity(const struct fw_ring *r);

#endif
