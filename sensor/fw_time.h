/* sensor/fw_time.h: timestamps, durations and sizes.
 *
 * Time inside finwatch is uint64_t microseconds since the Unix epoch, taken from
 * packet timestamps so that replays of a capture give the same results as the
 * live run. Durations in config and rules ("300s", "5m", "1h", "2d", "250ms")
 * and sizes ("1GiB", "512MB", "4096") are parsed here. Pure functions.
 */
#ifndef FW_TIME_H
#define FW_TIME_H

#include <stddef.h>
#include <stdint.h>

#define FW_USEC_PER_SEC 1000000ull

/* "2026-11-23T19:25:17.123456Z" into buf (>= 32 bytes); returns buf. */
char *fw_time_iso(uint64_t ts_us, char *buf, size_t len);
/* Wall clock now, in microseconds. */
uint64_t fw_time_now_us(void);
/* Monotonic clock, in microseconds (for timeouts and rates, not records). */
uint64_t fw_time_mono_us(void);
/* "300s" -> 300000000. A bare number is seconds. 0 or FW_EINVAL. */
int fw_duration_parse(const char *s, uint64_t *us);
/* "1GiB" -> 1073741824; KB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024. */
int fw_size_parse(const char *s, uint64_t *bytes);
/* "2027-03-31" -> microseconds at 00:00 UTC that day. 0 or FW_EINVAL. */
int fw_date_parse(const char *s, uint64_t *us);

#endif
