/* dashboard-export/jsonl_writer.h: one JSON lines output file with rotation.
 *
 * Appends one record per line to a path ("-" = standard output, never
 * rotated). When the file would grow past rotate_size bytes, or has been open
 * rotate_interval_us, it is closed, renamed PATH.YYYYmmddTHHMMSSZ (plus -N if
 * taken) and gzipped to that name + ".gz" (spool_gzip_file), and a fresh PATH
 * is opened. Writes are buffered (stdio); flush at the end of a batch. The
 * exporter thread owns a writer.
 */
#ifndef JSONL_WRITER_H
#define JSONL_WRITER_H

#include <stddef.h>
#include <stdint.h>

struct jsonl_writer;

/* path copied. rotate_size / rotate_interval_us 0 = off. now_us is wall time.
 * NULL with a reason in errbuf when the file cannot be opened. */
struct jsonl_writer *jsonl_writer_create(const char *path, uint64_t rotate_size,
                                         uint64_t rotate_interval_us, uint64_t now_us,
                                         char *errbuf, size_t errlen);
void jsonl_writer_destroy(struct jsonl_writer *w);
/* Write line[0..len) and a newline, rotating first when due. 0 or FW_EIO. */
int jsonl_writer_write(struct jsonl_writer *w, const char *line, size_t len, uint64_t now_us);
/* Rotate by time even without a write (called from the tick). */
void jsonl_writer_tick(struct jsonl_writer *w, uint64_t now_us);
int jsonl_writer_flush(struct jsonl_writer *w);
uint64_t jsonl_writer_lines(const struct jsonl_writer *w);
uint64_t jsonl_writer_rotations(const struct jsonl_writer *w);
uint64_t jsonl_writer_errors(const struct jsonl_writer *w);

#endif
