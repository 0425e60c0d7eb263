/* sensor/cap_source.h: where packets come from (the only user of <pcap.h>).
 *
 * A source is a live interface (immediate mode, configurable buffer, BPF
 * filter), one capture file (pcap or pcapng), or a directory whose capture files
 * are read in name order as one stream. Link types are mapped to enum pkt_link;
 * an unsupported one is an error naming the file or interface and the type.
 * Owned by the capture thread.
 */
#ifndef CAP_SOURCE_H
#define CAP_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkt_decode.h"

struct cap_frame {
    const uint8_t *data;    /* borrowed; valid until the next cap_source_next() */
    uint32_t caplen;
    uint32_t wire_len;
    uint64_t ts_us;
    enum pkt_link link;
};

struct cap_opts {
    const char *bpf;            /* NULL or "" for none */
    uint64_t buffer_bytes;      /* live capture kernel buffer; 0 = libpcap default */
    int snaplen;                /* 0 = 65535 */
    bool promisc;
};

struct cap_stats {
    uint64_t files;             /* capture files opened */
    uint64_t bad_files;         /* files skipped because they could not be opened/read */
    uint64_t kernel_received;   /* pcap_stats ps_recv (live only) */
    uint64_t kernel_dropped;    /* ps_drop + ps_ifdrop (live only) */
    uint64_t read_errors;       /* truncated or damaged records in files */
};

struct cap_source;

/* Open "-r PATH" (file or directory). NULL on failure with text in errbuf. */
struct cap_source *cap_source_open_offline(const char *path, const struct cap_opts *o,
                                           char *errbuf, size_t errlen);
/* Open "-i IFACE". NULL on failure with text in errbuf. */
struct cap_source *cap_source_open_live(const char *iface, const struct cap_opts *o,
                                        char *errbuf, size_t errlen);
void cap_source_close(struct cap_source *s);

/* Next frame: 1 with *f filled, 0 at end of input, FW_EAGAIN on a live timeout
 * (nothing arrived; call again), another negative FW_E* on a fatal error
 * (text from cap_source_errmsg). */
int cap_source_next(struct cap_source *s, struct cap_frame *f);
/* Make a blocking cap_source_next() return soon (signal-safe). */
void cap_source_break(struct cap_source *s);
bool cap_source_is_live(const struct cap_source *s);
/* Bytes read so far and total bytes of the input files (for --progress); 0 total live. */
void cap_source_progress(const struct cap_source *s, uint64_t *done, uint64_t *total);
void cap_source_stats(struct cap_source *s, struct cap_stats *st);
const char *cap_source_errmsg(const struct cap_source *s);
/* "libpcap version 1.10.3 (...)" */
const char *cap_lib_version(void);

#endif
