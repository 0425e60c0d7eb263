/* sensor/flow_table.h: one worker's flow table.
 *
 * Owns bounded storage for flow entries (allocated in chunks up to flows_max,
 * never per packet), a hash index keyed by the symmetric 5-tuple + VLAN (both
 * directions find the same entry), and three intrusive LRU lists ordered by
 * last packet, one per timeout class, so expiry walks only expired entries and
 * eviction of the oldest flow is O(1). It also owns each entry's metadata blob:
 * a small allocation sized to the strings actually seen (SNI, HTTP fields, DNS
 * name...), absent for flows without metadata. It knows nothing of nDPI: the
 * entry's dpi pointer belongs to the worker, which must release it before
 * removing the entry. Single-threaded: only the owning worker calls it.
 */
#ifndef FLOW_TABLE_H
#define FLOW_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fw_ip.h"
#include "pkt_types.h"

#define FLOW_NIL UINT32_MAX     /* "no entry" in index links */

/* Timeout classes; each has its own LRU list. */
enum flow_lru {
    FLOW_LRU_TCP = 0,           /* TCP, open: tcp_idle */
    FLOW_LRU_UDP,               /* UDP, ICMP and the rest: udp_idle */
    FLOW_LRU_CLOSED,            /* TCP after FIN both ways or RST: tcp_closed */
    FLOW_LRU_N,
};

enum flow_state_bit {
    FLOW_ST_FIN_SRC = 1u << 0,  /* source sent FIN */
    FLOW_ST_FIN_DST = 1u << 1,
    FLOW_ST_RST = 1u << 2,
    FLOW_ST_NDPI_DONE = 1u << 3,    /* classified or given up; dpi released */
    FLOW_ST_NDPI_GUESS = 1u << 4,   /* the protocol is a give-up guess */
};

/* Metadata kept per flow, as tagged strings in the entry's blob. */
enum flow_meta_tag {
    FLOW_TAG_DNS_QNAME = 1,
    FLOW_TAG_DNS_QTYPE,         /* 2 bytes big-endian */
    FLOW_TAG_DNS_RCODE,         /* 1 byte */
    FLOW_TAG_HTTP_METHOD,
    FLOW_TAG_HTTP_HOST,
    FLOW_TAG_HTTP_URL,
    FLOW_TAG_HTTP_UA,
    FLOW_TAG_HTTP_STATUS,       /* 2 bytes big-endian */
    FLOW_TAG_TLS_SNI,
    FLOW_TAG_TLS_JA3,
    FLOW_TAG_TLS_VERSION,       /* 2 bytes big-endian */
    FLOW_TAG_SSH_CLIENT,
    FLOW_TAG_SSH_SERVER,
    FLOW_TAG_FIX,               /* struct meta_fix, raw */
    FLOW_TAG_HTTP_CTL,          /* 1 byte, META_HTTP_CTL_*; absent when 0 */
};

#define FLOW_META_VAL_MAX 255   /* longest value a tag holds */

struct flow_meta;               /* opaque blob, owned by the table */

/* One flow. Kept small (about 200 bytes): names, strings and nDPI state live
 * elsewhere. Source is the sender of the first packet seen. */
struct flow_entry {
    uint64_t id;                    /* worker << 56 | sequence */
    uint64_t ts_start_us, ts_last_us;
    uint64_t src_bytes, dst_bytes;  /* wire bytes */
    uint64_t src_payload, dst_payload;
    uint64_t ndpi_risk;
    void *dpi;                      /* worker's nDPI state while undecided, else NULL */
    struct flow_meta *meta;         /* NULL until metadata is seen */
    struct fw_ip src, dst;
    uint32_t src_pkts, dst_pkts;
    uint32_t dns_queries, dns_responses;
    uint32_t hash;                  /* symmetric key hash */
    uint32_t hnext;                 /* next entry in the hash chain (or free list) */
    uint32_t self;                  /* this entry's index */
    uint32_t lru_prev, lru_next;
    uint16_t sport, dport;          /* as in the first packet; ICMP: type, code */
    uint16_t vlan;
    uint16_t ndpi_master, ndpi_app, ndpi_category;
    uint8_t proto;
    uint8_t has_vlan;
    uint8_t tcp_flags_src, tcp_flags_dst;
    uint8_t state;                  /* enum flow_state_bit */
    uint8_t lru;                    /* enum flow_lru */
    uint8_t in_use;
};

struct flow_table;

/* Room for flows_max entries (>= 1); buckets are allocated now, entries in
 * chunks as flows arrive. NULL on failure. */
struct flow_table *flow_table_create(uint64_t flows_max);
/* Frees entries and their metadata blobs (not their dpi state). NULL is a no-op. */
void flow_table_destroy(struct flow_table *t);

/* Symmetric hash of the packet's flow key (same value both directions; ICMP's
 * type and code left out, as the key leaves them out). The capture thread
 * shards packets to workers by it and hands it over, so a worker's table and
 * the sharding can never disagree on what one flow is. */
uint32_t flow_table_hash(const struct pkt *p);
/* Entry of p's flow or NULL; *from_src tells whether p was sent by the entry's
 * source. hash is flow_table_hash(p). */
struct flow_entry *flow_table_lookup(struct flow_table *t, const struct pkt *p, uint32_t hash,
                                     bool *from_src);
/* New entry for p's flow (p's sender becomes the source), at the tail of its
 * LRU list, counters zero. NULL when the table holds flows_max entries (the
 * caller evicts and retries) or a chunk allocation failed. */
struct flow_entry *flow_table_insert(struct flow_table *t, const struct pkt *p, uint32_t hash);
/* Unlink e, free its metadata blob and recycle the slot. */
void flow_table_remove(struct flow_table *t, struct flow_entry *e);

/* Move e to the tail (newest end) of list lru. */
void flow_table_touch(struct flow_table *t, struct flow_entry *e, enum flow_lru lru);
/* Oldest entry of one list, or NULL. */
struct flow_entry *flow_table_oldest(struct flow_table *t, enum flow_lru lru);
/* Oldest entry across all lists (smallest last-seen time), or NULL. */
struct flow_entry *flow_table_oldest_any(struct flow_table *t);

uint64_t flow_table_count(const struct flow_table *t);
uint64_t flow_table_capacity(const struct flow_table *t);
/* Bytes allocated: buckets + entry chunks + metadata blobs. */
uint64_t flow_table_mem(const struct flow_table *t);

/* Set tag to len bytes (len <= FLOW_META_VAL_MAX; longer values are cut),
 * replacing an older value. 0, or FW_ENOMEM (the old value stays). */
int flow_meta_set(struct flow_table *t, struct flow_entry *e, enum flow_meta_tag tag,
                  const void *val, size_t len);
/* Set a NUL-terminated string; "" is ignored. */
int flow_meta_set_str(struct flow_table *t, struct flow_entry *e, enum flow_meta_tag tag,
                      const char *s);
/* Pointer to tag's bytes (not NUL-terminated) and *len, or NULL when absent.
 * Valid until the next flow_meta_set on e. */
const uint8_t *flow_meta_get(const struct flow_entry *e, enum flow_meta_tag tag, size_t *len);
/* Copy tag as a string into out (always NUL-terminated); false when absent. */
bool flow_meta_get_str(const struct flow_entry *e, enum flow_meta_tag tag, char *out,
                       size_t outlen);

#endif
