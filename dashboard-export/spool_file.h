/* dashboard-export/spool_file.h: the disk spool that holds Redis records while
 * Redis is away.
 *
 * Records (opaque bytes plus a severity) are appended to zlib-compressed,
 * append-only segment files seg-<16 digits>.fws in one directory. Each record
 * is one write() of a framed, individually compressed blob:
 *
 *    0       2     3     4           8           12          16
 *    +-------+-----+-----+-----------+-----------+-----------+--------------+
 *    | F5 01 | sev | 0   | raw len   | zlib len  | CRC-32    | zlib bytes.. |
 *    +-------+-----+-----+-----------+-----------+-----------+--------------+
 *    (big-endian; the CRC covers bytes 2..11 and the zlib bytes)
 *
 * so a crash (or a torn write) loses at most the last partial record: at open,
 * every segment is scanned and cut back to its last whole record. The spool is
 * bounded by max_bytes: when a record does not fit, the oldest segments are
 * rewritten without their low-severity records first (then medium, high),
 * never dropping a class above the new record's; if it still does not fit the
 * new record is dropped. Every drop is counted.
 *
 * Reading is transactional: spool_read() walks records in append order from
 * the last commit, spool_commit() makes everything read so far done (finished
 * segments are deleted), spool_rewind() returns to the last commit (the Redis
 * batch failed). One thread (the exporter) owns a spool.
 */
#ifndef SPOOL_FILE_H
#define SPOOL_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPOOL_REC_MAX (1u << 20)    /* largest record (uncompressed) we accept */
#define SPOOL_HDR_LEN 16

struct spool;

struct spool_stats {
    uint64_t bytes;             /* on disk now */
    uint64_t records;           /* waiting (not yet committed) */
    uint64_t appended;          /* total accepted */
    uint64_t dropped;           /* total dropped to respect the cap (or on write errors) */
    uint64_t replayed;          /* total committed */
    uint64_t torn;              /* partial or corrupt records cut at open */
    uint64_t segments;          /* files now */
};

/* Open (creating it, mode 0700) the spool in dir, bounded by max_bytes (0 =
 * 1 GiB). Existing segments are validated and kept for replay. NULL with text
 * in errbuf on failure. */
struct spool *spool_create(const char *dir, uint64_t max_bytes, char *errbuf, size_t errlen);
void spool_destroy(struct spool *sp);
/* Append one record (data borrowed). 0, FW_EFULL (dropped: too big or no room
 * without dropping a more severe record), FW_EIO (write failed; dropped). */
int spool_append(struct spool *sp, uint8_t severity, const void *data, size_t len);
/* Next record after the read cursor. 0 with *data valid until the next call,
 * FW_ENOENT when none is left. */
int spool_read(struct spool *sp, uint8_t *severity, const uint8_t **data, size_t *len);
void spool_commit(struct spool *sp);
void spool_rewind(struct spool *sp);
/* True when nothing is waiting (committed == appended). */
bool spool_empty(const struct spool *sp);
/* fdatasync the segment being written (called at flush, not per record). */
void spool_sync(struct spool *sp);
void spool_stats(const struct spool *sp, struct spool_stats *st);

/* Walk the records of one segment image. fn (may be NULL) gets each whole record
 * (data valid during the call); the walk stops at the first torn or corrupt
 * record. Returns the byte length of the whole records; *count gets their number.
 * Pure function over untrusted bytes (the fuzz target). */
typedef void (*spool_rec_fn)(void *ctx, uint8_t severity, const uint8_t *data, size_t len);
size_t spool_seg_scan(const uint8_t *img, size_t len, spool_rec_fn fn, void *ctx,
                      uint64_t *count);
/* "zlib 1.2.13" (for finwatch version). */
const char *spool_lib_version(void);
/* Severity class: 0 low, 1 medium, 2 high, 3 critical (anz_severity_name). */
unsigned spool_sev_class(uint8_t severity);

#endif
